@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

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
    /// SQLite has one writer. Queuing writers here, rather than letting them spin in SQLite's busy
    /// handler, keeps the driver's few threads free for the transaction that holds the lock.
    let writeLock = AsyncMutex()

    public var connectionsInUse: Int { inUse.value }

    public static func open(
        url: String?, dataDirectory: String, logger: Logger = Logger(label: "courtyard.db"),
        maxConnections: Int = 8
    ) throws -> Database {
        if let url, !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw StoreError.invalid("DATABASE_URL must start with postgres:// (got \(url.prefix(12))…)")
            }
            let config = try SQLPostgresConfiguration(url: url)
            let source = PostgresConnectionSource(sqlConfiguration: config)
            let pool = EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: max(1, maxConnections / System.coreCount),
                logger: logger, on: MultiThreadedEventLoopGroup.singleton)
            return Database(
                kind: .postgres, pool: .postgres(pool), logger: logger, sqlitePath: nil,
                maxConnections: max(1, maxConnections / System.coreCount) * System.coreCount)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = (dataDirectory as NSString).appendingPathComponent("courtyard.sqlite")
        return try openSQLite(path: path, logger: logger, maxConnections: maxConnections)
    }

    public static func openSQLite(path: String, logger: Logger = Logger(label: "courtyard.db"), maxConnections: Int = 8)
        throws -> Database
    {
        let source = WaitingSQLiteSource(
            base: SQLiteConnectionSource(
                configuration: SQLiteConfiguration(storage: .file(path: path), enableForeignKeys: true),
                threadPool: WaitingSQLiteSource.threads))
        let pool = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: max(1, maxConnections / System.coreCount),
            logger: logger, on: MultiThreadedEventLoopGroup.singleton)
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
    }

    /// Runs `body` on one pooled connection.
    public func withConnection<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    {
        inUse.add(1)
        defer { inUse.add(-1) }
        switch pool {
        case .sqlite(let p):
            return try await p.withConnection(logger: logger) { conn in
                conn.eventLoop.makeFutureWithTask { try await body(conn.sql(queryLogLevel: nil)) }
            }.get()
        case .postgres(let p):
            return try await p.withConnection(logger: logger) { conn in
                conn.eventLoop.makeFutureWithTask { try await body(conn.sql(queryLogLevel: nil)) }
            }.get()
        }
    }

    /// Runs `body` in one transaction: all of it is written, or none of it.
    /// SQLite takes the write lock up front (IMMEDIATE) so two writers queue instead of deadlocking.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    {
        let begin = kind == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        let serialise = kind == .sqlite
        if serialise { await writeLock.lock() }
        do {
            let r = try await withConnection { db in
                try await db.raw(SQLQueryString(begin)).run()
                do {
                    let r = try await body(db)
                    try await db.raw("COMMIT").run()
                    return r
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
            }
            if serialise { await writeLock.unlock() }
            return r
        } catch {
            if serialise { await writeLock.unlock() }
            throw error
        }
    }

    public func shutdown() async {
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

/// A first-come, first-served lock for async code.
actor AsyncMutex {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
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
}

extension Database {
    /// Whether an error says no connection came free in time: the database is busy, not the request wrong.
    public static func isBusy(_ error: any Error) -> Bool {
        if error is ConnectionPoolTimeoutError { return true }
        if let e = error as? SQLiteError { return e.reason == .busy || e.reason == .locked }
        return false
    }
}

public enum StoreError: Error, Equatable, Sendable {
    case invalid(String)
    case notFound
    case conflict(String)
    case stale
    /// A 409 with its own code, e.g. the gate that refused a project's advance.
    case refused(code: String, message: String)
}
