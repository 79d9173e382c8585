@preconcurrency import AsyncKit
import CourtyardDomain
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

extension SQLDatabase {
    /// The kind of database a connection talks to, as `Database.kind` names it: for the few statements that differ
    /// (a row lock, an advisory lock), decided where only the connection is at hand.
    var kind: Database.Kind { dialect.name == "postgresql" ? .postgres : .sqlite }
}

/// The one database the product runs on: an SQLite file (one sub-district on a laptop)
/// or a PostgreSQL server (a city or more), chosen by `DATABASE_URL`.
public final class Database: Sendable {
    public enum Kind: String, Sendable { case sqlite, postgres }

    enum Pool: @unchecked Sendable {
        case sqlite(EventLoopGroupConnectionPool<WaitingSQLiteSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    public let kind: Kind
    let pool: Pool
    let logger: Logger
    /// Where the SQLite file lives, for backups.
    public let sqlitePath: String?
    public let maxConnections: Int
    let inUse = ManagedAtomicCounter()
    /// Second connections out (`withSecondConnection`).
    let secondsOut = ManagedAtomicCounter()
    /// SQLite has one writer: its transactions queue here and are committed together.
    let group = GroupCommit()
    /// SQLite: the thread and connection every transaction runs on.
    let writer: SQLiteWriter?
    /// PostgreSQL found out of reach: requests meanwhile fail at once instead of waiting for the pool.
    let reach = Reachability()

    public var connectionsInUse: Int { inUse.value }

    /// `connectionWait` bounds how long a request waits for a pooled connection before it is answered 503;
    /// `connectTimeout`, how long one attempt to reach PostgreSQL may take before it counts as failed.
    public static func open(
        url: String?, dataDirectory: String, logger: Logger = Logger(label: "courtyard.db"),
        maxConnections: Int = 8, connectionWait: TimeAmount = .seconds(10), connectTimeout: TimeAmount = .seconds(5)
    ) throws -> Database {
        if let url, !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw StoreError.invalid("DATABASE_URL must start with postgres:// (got \(url.prefix(12))…)")
            }
            var config = try SQLPostgresConfiguration(url: url)
            // Connecting and PostgreSQL's start-up exchange take milliseconds on a healthy network. The pool counts an
            // opening among its connections until it ends, so one to a server that has gone quiet holds that share
            // of the pool, and the requests queued behind it, for as long as this limit.
            config.coreConfiguration.options.connectTimeout = connectTimeout
            let source = PostgresConnectionSource(sqlConfiguration: config)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: max(1, maxConnections / System.coreCount),
                requestTimeout: connectionWait, logger: logger, on: MultiThreadedEventLoopGroup.singleton)
            return Database(
                kind: .postgres, pool: .postgres(pool), logger: logger, sqlitePath: nil,
                maxConnections: max(1, maxConnections / System.coreCount) * System.coreCount)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = (dataDirectory as NSString).appendingPathComponent("courtyard.sqlite")
        return try openSQLite(
            path: path, logger: logger, maxConnections: maxConnections, connectionWait: connectionWait)
    }

    public static func openSQLite(
        path: String, logger: Logger = Logger(label: "courtyard.db"), maxConnections: Int = 8,
        connectionWait: TimeAmount = .seconds(10)
    ) throws -> Database {
        let source = WaitingSQLiteSource(
            base: SQLiteConnectionSource(
                configuration: SQLiteConfiguration(storage: .file(path: path), enableForeignKeys: true),
                threadPool: WaitingSQLiteSource.threads))
        let pool = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: max(1, maxConnections / System.coreCount),
            requestTimeout: connectionWait, logger: logger, on: MultiThreadedEventLoopGroup.singleton)
        return Database(
            kind: .sqlite, pool: .sqlite(pool), logger: logger, sqlitePath: path,
            maxConnections: max(1, maxConnections / System.coreCount) * System.coreCount)
    }

    init(kind: Kind, pool: Pool, logger: Logger, sqlitePath: String?, maxConnections: Int) {
        self.kind = kind
        self.pool = pool
        self.logger = logger
        self.sqlitePath = sqlitePath
        self.maxConnections = maxConnections
        self.writer = sqlitePath.map { SQLiteWriter(path: $0, logger: logger) }
    }

    /// Runs `body` on one pooled connection.
    public func withConnection<R: Sendable>(
        file: String = #fileID, line: Int = #line, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await withConnection(on: nil, site: Site(file: file, line: line), body)
    }

    /// Runs `body` on one pooled connection from `loop`'s share of the pool (any loop's when nil); `second` when the
    /// task holds one already and takes this one by `withSecondConnection`'s rule.
    private func withConnection<R: Sendable>(
        on loop: (any EventLoop)?, second: Bool = false, site: Site,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        inUse.add(1)
        defer { inUse.add(-1) }
        switch pool {
        case .sqlite(let p):
            return try await using(p, on: loop, second: second, site: site) {
                try await body($0.sql(queryLogLevel: nil))
            }
        case .postgres(let p):
            return try await using(p, on: loop, second: second, site: site) {
                try await body(PostgresDirectDatabase($0))
            }
        }
    }

    /// Runs `body` on a second pooled connection, for a request that holds `first` already and reads beside it; nil,
    /// without running `body`, while another such second connection is out, or when the pool has no event loop but
    /// `first`'s. The second comes from another event loop's share of the pool: a loop's share may be one
    /// connection (the one held), and requests that each hold a connection can never all be waiting for a second.
    public func withSecondConnection<R: Sendable>(
        besides first: any SQLDatabase, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R? {
        guard secondsOut.claim(below: 1) else { return nil }
        defer { secondsOut.add(-1) }
        let group: any EventLoopGroup
        switch pool {
        case .sqlite(let p): group = p.eventLoopGroup
        case .postgres(let p): group = p.eventLoopGroup
        }
        guard let loop = group.makeIterator().first(where: { $0 !== first.eventLoop }) else { return nil }
        return try await withConnection(on: loop, second: true, site: Site(file: #fileID, line: #line), body)
    }

    /// PostgreSQL: runs `body` on one pooled connection as itself (for bulk loading with COPY); nil on SQLite.
    public func withPostgresConnection<R: Sendable>(
        file: String = #fileID, line: Int = #line, _ body: (PostgresConnection) async throws -> R
    ) async throws -> R? {
        guard case .postgres(let p) = pool else { return nil }
        return try await using(p, site: Site(file: file, line: line), body)
    }

    /// One pooled connection, taken in the caller's own task (no task started per use) and given back however the
    /// body ends.
    func using<Source: ConnectionPoolSource, R>(
        _ p: EventLoopGroupConnectionPool<Source>, on loop: (any EventLoop)? = nil, second: Bool = false,
        site: Site, _ body: (Source.Connection) async throws -> R
    ) async throws -> R where Source.Connection: Sendable, Source: SendableMetatype {
        if Self.held == ObjectIdentifier(self), !second { try tookWhileHolding(at: site) }
        let conn =
            try await kind == .postgres ? reached(p, on: loop) : p.requestConnection(logger: logger, on: loop).get()
        defer { p.releaseConnection(conn, logger: logger) }
        return try await Self.$held.withValue(ObjectIdentifier(self)) { try await body(conn) }
    }

    /// A PostgreSQL connection from the pool, refused or given up at once while PostgreSQL is out of reach.
    private func reached<Source: ConnectionPoolSource>(
        _ p: EventLoopGroupConnectionPool<Source>, on loop: (any EventLoop)?
    ) async throws -> Source.Connection where Source.Connection: Sendable, Source: SendableMetatype {
        guard let ticket = reach.ticket() else { throw DatabaseUnreachable() }
        let began = DispatchTime.now().uptimeNanoseconds
        do {
            let conn = try await reach.wait(for: p.requestConnection(logger: logger, on: loop)) { [logger] in
                p.releaseConnection($0, logger: logger)
            }
            reach.reached()
            return conn
        } catch {
            // A refused or broken attempt, not a wait for a busy pool, says PostgreSQL is out of reach.
            if Self.isUnavailable(error), !(error is ConnectionPoolTimeoutError), !(error is DatabaseUnreachable) {
                reach.failed(ticket: ticket, began: began)
            }
            throw error
        }
    }

    /// The database one of whose connections (or whose SQLite writer) the current task holds.
    @TaskLocal static var held: ObjectIdentifier?
    /// Set once by the tests (`failOnConnectionTakenWhileHolding`).
    private static let strictTakes = ManagedAtomicCounter()

    /// From now on, a task that takes a pooled connection while it holds one fails (for the tests).
    public static func failOnConnectionTakenWhileHolding() { _ = strictTakes.claim(below: 1) }

    /// A pooled connection asked for by a task that holds one already, where it was asked for.
    public struct ConnectionTakenWhileHolding: Error, Equatable { public let site: String }
    /// Where a connection was asked for (said only when it was asked for wrongly).
    struct Site: Sendable {
        let file: String
        let line: Int
    }

    /// A task that holds a connection and waits for another from the same pool can wait for ever once every
    /// connection of a loop's share (a few) is held by such a task: under load, after PostgreSQL restarts, requests
    /// would then wait out the pool's timeout one after another. `withSecondConnection` is the one way to take a
    /// second; any other is logged, and in the tests fails.
    private func tookWhileHolding(at site: Site) throws {
        logger.error(
            "a pooled connection was taken by a task that holds one already",
            metadata: ["at": "\(site.file):\(site.line)"])
        if Self.strictTakes.value > 0 { throw ConnectionTakenWhileHolding(site: "\(site.file):\(site.line)") }
    }

    /// Runs `body` in one transaction: all of it is written, or none of it.
    /// On SQLite, writers that arrive together share one commit (group commit): each body runs in a savepoint of
    /// one IMMEDIATE transaction, one that fails is rolled back alone, and every caller is answered only once that
    /// transaction is durably committed. SQLite has one writer at a time, so this costs no concurrency and saves
    /// a disk flush per write.
    public func transaction<R: Sendable>(
        file: String = #fileID, line: Int = #line, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        if kind == .sqlite { return try await committed(unchecked: false, site: Site(file: file, line: line), body) }
        return try await bulkTransaction(file: file, line: line) { db, _ in try await body(db) }
    }

    /// `body` through SQLite's group commit, answered with its own type.
    private func committed<R: Sendable>(
        unchecked: Bool, site: Site, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let id = ObjectIdentifier(self)
        if Self.held == id { try tookWhileHolding(at: site) }
        let value = try await group.submit(self, unchecked: unchecked) { db in
            try await Self.$held.withValue(id) { try await body(db) as any Sendable }
        }
        guard let r = value as? R else { throw StoreError.invalid("a transaction answered with the wrong type") }
        return r
    }

    /// A transaction whose body may also write many rows at once (`BulkWriter`: COPY on PostgreSQL).
    public func bulkTransaction<R: Sendable>(
        file: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable (any SQLDatabase, BulkWriter) async throws -> R
    ) async throws -> R {
        guard case .postgres(let p) = pool else {
            let logger = logger
            // A transaction of its own with SQLite's foreign-key checks off: every row a bulk write makes names a
            // parent it wrote or read in this same transaction, as the only writer, so the check of each (a seek per
            // key, three for a household) could never fail. The import's tests check the keys after each import.
            return try await committed(unchecked: true, site: Site(file: file, line: line)) { db in
                try await body(db, BulkWriter(db: db, connection: nil, logger: logger))
            }
        }
        inUse.add(1)
        defer { inUse.add(-1) }
        return try await using(p, site: Site(file: file, line: line)) { conn in
            let db = PostgresDirectDatabase(conn)
            try await db.raw("BEGIN").run()
            do {
                let r = try await body(db, BulkWriter(db: db, connection: conn, logger: logger))
                try await db.raw("COMMIT").run()
                return r
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func shutdown() async {
        writer?.stop()
        switch pool {
        case .sqlite(let p): try? await p.shutdownAsync()
        case .postgres(let p): try? await p.shutdownAsync()
        }
    }
}

/// SQLite connections that wait for another writer by sleeping, for at most `busyMilliseconds`, and then
/// say the database is busy (a 503), instead of spinning without end. Their statements run on a thread pool
/// with a thread for every connection a server opens, so connections waiting for the write lock can never
/// take every thread from the one that holds it and has to finish its transaction to release it.
struct WaitingSQLiteSource: ConnectionPoolSource {
    static let busyMilliseconds = 15_000
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(24, System.coreCount * 4))
        pool.start()
        return pool
    }()
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { conn in
            conn.query("PRAGMA busy_timeout = \(Self.busyMilliseconds)").map { _ in conn }
        }
    }
}

/// The queue of SQLite transactions. The first writer to arrive drains the queue in batches of at most 64: one
/// `BEGIN IMMEDIATE`, a savepoint per body, one `COMMIT`; then the batch's callers are answered, each with its
/// own result or its own error.
final class GroupCommit: @unchecked Sendable {
    typealias Body = @Sendable (any SQLDatabase) async throws -> any Sendable
    struct Job {
        let body: Body
        let answer: CheckedContinuation<any Sendable, any Error>
        /// Runs in a transaction of its own with foreign keys unchecked (a bulk write; see `bulkTransaction`).
        var unchecked = false
    }
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    static let batchLimit = 64

    func submit(_ database: Database, unchecked: Bool = false, _ body: @escaping Body) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { answer in
            lock.lock()
            pending.append(Job(body: body, answer: answer, unchecked: unchecked))
            let start = !draining
            draining = true
            lock.unlock()
            if start { Task { await self.drain(database) } }
        }
    }

    private func next() -> [Job] {
        lock.lock()
        defer { lock.unlock() }
        // Up to the limit, and never an unchecked job with others: it goes alone, in its turn.
        var n = 0
        while n < min(pending.count, Self.batchLimit) {
            if pending[n].unchecked {
                if n == 0 { n = 1 }
                break
            }
            n += 1
        }
        let batch = Array(pending.prefix(n))
        pending.removeFirst(n)
        if batch.isEmpty { draining = false }
        return batch
    }

    private func drain(_ database: Database) async {
        while true {
            let batch = next()
            if batch.isEmpty { return }
            do {
                let results = try await Self.write(batch, database)
                for (job, result) in zip(batch, results) { job.answer.resume(with: result) }
            } catch {
                // Nothing of the batch was committed: every caller hears why.
                for job in batch { job.answer.resume(throwing: error) }
            }
        }
    }

    /// On the writer's thread and connection; on the pool when there is none (never, for a file).
    private static func write(_ batch: [Job], _ database: Database) async throws -> [Result<any Sendable, any Error>] {
        guard let writer = database.writer else {
            return try await database.withConnection { db in try await Self.run(batch, db) }
        }
        database.inUse.add(1)
        defer { database.inUse.add(-1) }
        return try await writer.run { db in try await Self.run(batch, db) }
    }

    private static func run(_ batch: [Job], _ db: any SQLDatabase) async throws -> [Result<any Sendable, any Error>] {
        if batch.count == 1 { return [await alone(batch[0], db)] }
        try await db.raw("BEGIN IMMEDIATE").run()
        do {
            var results: [Result<any Sendable, any Error>] = []
            for (i, job) in batch.enumerated() {
                try await db.raw("SAVEPOINT w\(unsafeRaw: String(i))").run()
                do {
                    let r = try await job.body(db)
                    try await db.raw("RELEASE w\(unsafeRaw: String(i))").run()
                    results.append(.success(r))
                } catch {
                    // This body alone is undone; if even that fails, the whole batch is (below).
                    try await db.raw("ROLLBACK TO w\(unsafeRaw: String(i))").run()
                    try await db.raw("RELEASE w\(unsafeRaw: String(i))").run()
                    results.append(.failure(error))
                }
            }
            try await db.raw("COMMIT").run()
            return results
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }
}

extension GroupCommit {
    /// A transaction that arrived alone needs no savepoint: it is the whole transaction, undone whole if it fails.
    fileprivate static func alone(_ job: Job, _ db: any SQLDatabase) async -> Result<any Sendable, any Error> {
        // SQLite changes this setting only outside a transaction; it expires the prepared statements it affects.
        if job.unchecked {
            do { try await db.raw("PRAGMA foreign_keys = OFF").run() } catch { return .failure(error) }
        }
        let result = await transaction(job, db)
        if job.unchecked {
            do {
                try await db.raw("PRAGMA foreign_keys = ON").run()
            } catch {
                // The transaction's outcome stands; the connection is closed, and opens again with the checks on.
                (db as? DirectSQLiteDatabase)?.writer.discardConnection()
            }
        }
        return result
    }

    private static func transaction(_ job: Job, _ db: any SQLDatabase) async -> Result<any Sendable, any Error> {
        do {
            try await db.raw("BEGIN IMMEDIATE").run()
        } catch {
            return .failure(error)
        }
        do {
            let r = try await job.body(db)
            try await db.raw("COMMIT").run()
            return .success(r)
        } catch {
            try? await db.raw("ROLLBACK").run()
            return .failure(error)
        }
    }
}

/// A counter several tasks touch at once (connections in use, for /metrics).
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add(_ d: Int) {
        lock.lock()
        n += d
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return n
    }
    /// Adds one if the count is below `limit`; answers whether it did.
    func claim(below limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard n < limit else { return false }
        n += 1
        return true
    }
}

extension Database {
    /// Whether an error says no connection came free in time: the database is busy, not the request wrong.
    public static func isBusy(_ error: any Error) -> Bool {
        if let e = error as? SQLiteError { return e.reason == .busy || e.reason == .locked }
        if let e = error as? SQLiteFailure { return e.isBusy }
        return false
    }
}

public enum StoreError: Error, Equatable, Sendable {
    case invalid(String)
    case notFound
    case conflict(String)
    case stale
    /// A 409 with its own code, e.g. the gate that refused a project's advance; `details` name what stands in the
    /// way, for the interface to say in either language (the message says them in English).
    case refused(code: String, message: String, details: [Phrase] = [])
}
