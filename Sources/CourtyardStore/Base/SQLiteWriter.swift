import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import VaporCSQLite

/// SQLite's one writer: a thread of its own with a connection of its own, on which every transaction's body runs
/// and every statement of it is a plain function call.
///
/// A statement sent through the connection pool goes to a pool thread and back, and each row of its answer hops back
/// once more: a report (about ten statements) changed threads some thirty times while holding the write lock, and the
/// write lock is what every writer waits for. Here the group commit's batch runs start to end on this thread, so the
/// lock is held only for the work itself. Reads stay on the pool, where long ones cannot hold up the writer.
final class SQLiteWriter: TaskExecutor, @unchecked Sendable {
    private let path: String
    private let logger: Logger
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var started = false
    /// Touched only on the writer's thread.
    private var handle: OpaquePointer?
    /// The writer's thread, set before it runs any work.
    private var thread: pthread_t?
    /// Prepared statements by their text, kept for the next write that says the same (most do: one form of
    /// statement per kind of write, with its values bound).
    private var statements: [String: OpaquePointer] = [:]
    static let cachedStatements = 256
    static let cachedLength = 2_048

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "sqlite-writer"
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            let stop = stopping && batch.isEmpty
            condition.unlock()
            if stop { break }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
        forgetStatements()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    private func forgetStatements() {
        for (_, stmt) in statements { sqlite_nio_sqlite3_finalize(stmt) }
        statements.removeAll()
    }

    /// Runs one statement on the writer's connection, reusing its prepared form when the text was seen before.
    /// Long texts (rows written with their values inline) are prepared, run once and dropped.
    fileprivate func execute(_ sql: String, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void) throws {
        let db = try connection()
        let keep = sql.utf8.count <= Self.cachedLength
        var stmt = keep ? statements[sql] : nil
        if stmt == nil {
            let rc = sqlite_nio_sqlite3_prepare_v3(
                db, sql, -1, keep ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &stmt, nil)
            guard rc == SQLITE_OK, let prepared = stmt else { throw DirectSQLiteDatabase.failure(db, rc) }
            if keep {
                if statements.count >= Self.cachedStatements { forgetStatements() }
                statements[sql] = prepared
            }
        }
        defer {
            if keep {
                sqlite_nio_sqlite3_reset(stmt)
                sqlite_nio_sqlite3_clear_bindings(stmt)
            } else {
                sqlite_nio_sqlite3_finalize(stmt)
            }
        }
        try DirectSQLiteDatabase.run(stmt, on: db, binds, onRow)
    }

    /// Inserts `count` rows into `table`'s `columns` with one prepared statement, bound and stepped once per row: no
    /// SQL text per row for SQLite to parse, and, a row per statement, little statement journal to keep. (Rows 64 to
    /// a statement were measured slower: the city's sheet made 904,623 page writes to the journal against 46,327,
    /// and took 5.5 s against 4.2 s.)
    fileprivate func insert(
        table: String, columns: [String], count: Int, every: Int, onChunk: ((Int) -> Void)?,
        row: (Int, inout [BulkValue]) -> Void
    ) throws {
        let db = try connection()
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(marks))"
        var stmt: OpaquePointer?
        let rc = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, 0, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw DirectSQLiteDatabase.failure(db, rc) }
        defer { sqlite_nio_sqlite3_finalize(stmt) }
        var values: [BulkValue] = []
        values.reserveCapacity(columns.count)
        for n in 0..<count {
            values.removeAll(keepingCapacity: true)
            row(n, &values)
            for (i, value) in values.enumerated() {
                let rc = DirectSQLiteDatabase.bind(stmt, Int32(i + 1), value)
                guard rc == SQLITE_OK else { throw DirectSQLiteDatabase.failure(db, rc) }
            }
            let step = sqlite_nio_sqlite3_step(stmt)
            guard step == SQLITE_DONE else { throw DirectSQLiteDatabase.failure(db, step) }
            sqlite_nio_sqlite3_reset(stmt)
            if (n + 1) % every == 0 || n + 1 == count { onChunk?(n + 1) }
        }
    }

    /// Closes the connection (on the writer's thread), so the next statement opens it afresh with its settings.
    func discardConnection() {
        guard let thread, pthread_equal(thread, pthread_self()) != 0, let handle else { return }
        forgetStatements()
        sqlite_nio_sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Ends the thread once the work already given to it is done, and closes the connection.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on the writer's thread with the writer's connection.
    func run<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withTaskExecutorPreference(self) {
            try await body(DirectSQLiteDatabase(writer: self, logger: logger))
        }
    }

    /// The connection, opened on first use. Called on the writer's thread only.
    fileprivate func connection() throws -> OpaquePointer {
        // A statement from any other thread (a task that left the writer's preference) would race with the writer.
        guard let thread, pthread_equal(thread, pthread_self()) != 0 else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "a write ran off the writer's thread")
        }
        if let handle { return handle }
        var h: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite_nio_sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let message = h.flatMap { sqlite_nio_sqlite3_errmsg($0).map { String(cString: $0) } } ?? "cannot open"
            if let h { sqlite_nio_sqlite3_close_v2(h) }
            throw SQLiteFailure(code: rc, message: message)
        }
        sqlite_nio_sqlite3_busy_timeout(h, Int32(WaitingSQLiteSource.busyMilliseconds))
        handle = h
        do {
            try execute("PRAGMA foreign_keys = ON", [], { _ in })
        } catch {
            forgetStatements()
            sqlite_nio_sqlite3_close_v2(h)
            handle = nil
            throw error
        }
        return h
    }
}

/// An SQLite error met on the writer's connection, told as SQLite tells it ("UNIQUE constraint failed: …").
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    /// SQLite's result code, extended (`SQLITE_CONSTRAINT_UNIQUE`); its low byte is the primary code.
    public let code: Int32
    public let message: String
    public var primaryCode: Int32 { code & 0xff }
    public var description: String { "SQLite error \(code): \(message)" }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }
}

/// The writer's connection seen as an `SQLDatabase`: each statement is prepared, bound and stepped on the calling
/// thread, which is the writer's, with the same encoding of values and decoding of rows as the pool's connections.
struct DirectSQLiteDatabase: SQLDatabase {
    let writer: SQLiteWriter
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, rawBinds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        let binds = try rawBinds.map { try encoder.encode($0) }
        try writer.execute(sql, binds, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        // Every caller in this product uses the async form; this one exists for the protocol.
        eventLoop.makeFailedFuture(SQLiteFailure(code: SQLITE_MISUSE, message: "use the async form on the writer"))
    }

    /// Binds and steps a prepared statement to its end, handing each row to `onRow`.
    static func run(
        _ stmt: OpaquePointer?, on db: OpaquePointer, _ binds: [SQLiteData], _ onRow: (any SQLRow) -> Void
    ) throws {
        var rc: Int32
        for (i, value) in binds.enumerated() {
            rc = bind(stmt, Int32(i + 1), value)
            guard rc == SQLITE_OK else { throw failure(db, rc) }
        }
        let count = sqlite_nio_sqlite3_column_count(stmt)
        var names: [String] = []
        for i in 0..<count { names.append(sqlite_nio_sqlite3_column_name(stmt, i).map { String(cString: $0) } ?? "") }
        let columns = DirectRow.Columns(names)
        while true {
            rc = sqlite_nio_sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw failure(db, rc) }
            onRow(DirectRow(columns: columns, values: (0..<count).map { value(stmt, $0) }))
        }
    }

    /// Writes rows in bulk on the writer's thread (`BulkWriter` on SQLite).
    func insert(
        table: String, columns: [String], count: Int, every: Int, onChunk: ((Int) -> Void)?,
        row: (Int, inout [BulkValue]) -> Void
    ) throws {
        try writer.insert(table: table, columns: columns, count: count, every: every, onChunk: onChunk, row: row)
    }

    /// A bulk value bound as any other value is: NUL, which the other ways of writing drop, is dropped here too.
    static func bind(_ stmt: OpaquePointer, _ i: Int32, _ value: BulkValue) -> Int32 {
        switch value {
        case .int(nil): return bind(stmt, i, SQLiteData.null)
        case .int(let v?): return bind(stmt, i, SQLiteData.integer(Int(v)))
        case .text(var v):
            if v.utf8.contains(0) { v.removeAll { $0 == "\0" } }
            return bind(stmt, i, SQLiteData.text(v))
        }
    }

    static func failure(_ db: OpaquePointer, _ rc: Int32) -> SQLiteFailure {
        SQLiteFailure(
            code: sqlite_nio_sqlite3_extended_errcode(db),
            message: sqlite_nio_sqlite3_errmsg(db).map { String(cString: $0) } ?? "error \(rc)")
    }

    private static func bind(_ stmt: OpaquePointer?, _ i: Int32, _ value: SQLiteData) -> Int32 {
        switch value {
        case .integer(let v): return sqlite_nio_sqlite3_bind_int64(stmt, i, Int64(v))
        case .float(let v): return sqlite_nio_sqlite3_bind_double(stmt, i, v)
        case .null: return sqlite_nio_sqlite3_bind_null(stmt, i)
        case .text(let v):
            return sqlite_nio_sqlite3_bind_text64(
                stmt, i, v, UInt64(v.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let v):
            return v.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(stmt, i, $0.baseAddress, UInt64($0.count), transient)
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func value(_ stmt: OpaquePointer?, _ i: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(stmt, i)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            return .text(sqlite_nio_sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "")
        case SQLITE_BLOB:
            let n = Int(sqlite_nio_sqlite3_column_bytes(stmt, i))
            var buffer = ByteBufferAllocator().buffer(capacity: n)
            if let p = sqlite_nio_sqlite3_column_blob(stmt, i) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: p, count: n))
            }
            return .blob(buffer)
        default: return .null
        }
    }
}

/// A row read on the writer's connection, decoded as the pool's rows are (`SQLiteDataDecoder`).
struct DirectRow: SQLRow {
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]
        init(_ names: [String]) {
            self.names = names
            self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }
    struct Missing: Error { let column: String }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index[column] != nil }
    func decodeNil(column: String) throws -> Bool {
        guard let i = columns.index[column] else { return true }
        return values[i] == .null
    }
    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let i = columns.index[column] else { throw Missing(column: column) }
        return try SQLiteDataDecoder().decode(D.self, from: values[i])
    }
}
