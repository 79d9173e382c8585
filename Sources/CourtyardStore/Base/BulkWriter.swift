import Logging
import NIOCore
import PostgresKit
import SQLKit

/// One field of a row written in bulk.
public enum BulkValue: Sendable {
    case int(Int64?)
    case text(String)

    public static func int(_ i: Int?) -> BulkValue { .int(i.map(Int64.init)) }

    /// As a literal in SQL text (SQLite's multi-row INSERT).
    var sqlLiteral: String {
        switch self {
        case .int(let i): SQLLiteral.int(i)
        case .text(let s): SQLLiteral.text(s)
        }
    }

    /// In COPY's text format.
    func appendCopyText(to line: inout String) {
        switch self {
        case .int(nil): line += "\\N"
        case .int(let i?): line += String(i)
        case .text(let s): line += BulkWriter.copyEscaped(s)
        }
    }
}

/// Writes many rows into a table inside the caller's transaction: with COPY on PostgreSQL; on SQLite with one
/// prepared INSERT stepped once per row on the writer's thread (multi-row INSERTs of inlined literals elsewhere).
/// Rows carry their ids, taken beforehand with `newIds`, so children can point at parents without reading anything
/// back.
public struct BulkWriter: Sendable {
    let db: any SQLDatabase
    let connection: PostgresConnection?
    let logger: Logger

    /// Rows per INSERT on SQLite, and per piece of a COPY (and per progress step) on PostgreSQL.
    static let chunk = 2000

    /// `count` consecutive unused ids for `table`. On SQLite they follow its largest id: this transaction is the
    /// single writer. On PostgreSQL the table is locked against other writers (readers go on) until this
    /// transaction ends, so no insert can take a number from its sequence in between, and the whole range is
    /// taken from the sequence at once rather than a number at a time.
    public func newIds(table: String, count: Int) async throws -> Range<Int64> {
        guard count > 0 else { return 0..<0 }
        let first: Int64
        if connection == nil {
            first =
                try await db.raw("SELECT COALESCE(MAX(id), 0) + 1 AS first FROM \(unsafeRaw: table)").first()!
                .decode(column: "first", as: Int64.self)
        } else {
            try await closeToWriters(table)
            let rest = Int64(count - 1)
            first =
                try await db.raw(
                    """
                    SELECT setval(pg_get_serial_sequence(\(bind: table), 'id'),
                      nextval(pg_get_serial_sequence(\(bind: table), 'id')) + \(bind: rest)) - \(bind: rest) AS first
                    """
                ).first()!.decode(column: "first", as: Int64.self)
        }
        return first..<first + Int64(count)
    }

    /// On PostgreSQL, stops the server checking each written row's foreign keys, row by row, until `checkKeys()`
    /// or the end of the transaction; answers whether it did. It can when this role may set
    /// `session_replication_role` (a superuser, or one granted `SET` on it); otherwise the checks go on, and the
    /// transaction is as it was. Having stopped them, the caller must `holdParents` every stored row its new rows
    /// point at, so that nothing can take a parent away before this transaction commits. On SQLite the import's
    /// transaction already runs unchecked as the only writer, and this answers false.
    public func pauseKeyChecks() async throws -> Bool {
        guard connection != nil else { return false }
        try await db.raw("SAVEPOINT bulk_keys").run()
        do {
            try await db.raw("SET LOCAL session_replication_role = replica").run()
            try await db.raw("RELEASE SAVEPOINT bulk_keys").run()
            return true
        } catch {
            try await db.raw("ROLLBACK TO SAVEPOINT bulk_keys").run()
            try await db.raw("RELEASE SAVEPOINT bulk_keys").run()
            return false
        }
    }

    /// On PostgreSQL, closes `table` to other writers (not to readers) until the transaction ends. An import takes
    /// its tables in one order (households first), the order every other writer of households keeps (the household,
    /// then its compound's count), so two of them never wait for each other.
    public func closeToWriters(_ table: String) async throws {
        guard connection != nil else { return }
        try await db.raw("LOCK TABLE \(unsafeRaw: table) IN SHARE ROW EXCLUSIVE MODE").run()
    }

    /// Turns PostgreSQL's own checks of foreign keys back on for the rest of the transaction.
    public func checkKeys() async throws {
        guard connection != nil else { return }
        try await db.raw("SET LOCAL session_replication_role = DEFAULT").run()
    }

    /// Locks the stored rows of `table` with these ids against being deleted or re-keyed until the transaction
    /// ends, as a foreign key's check would; throws `StoreError.stale` when one of them is gone already.
    public func holdParents(table: String, ids: Set<Int64>) async throws {
        guard connection != nil, !ids.isEmpty else { return }
        let all = Array(ids)
        for (k, list) in SQLLiteral.idLists(all, every: 5000).enumerated() {
            let text = "SELECT count(*) AS n FROM (SELECT id FROM \(table) WHERE id IN (\(list)) FOR KEY SHARE) held"
            let held = try await db.raw(SQLQueryString(text)).first()!.decode(column: "n", as: Int.self)
            guard held == min(5000, all.count - k * 5000) else { throw StoreError.stale }
        }
    }

    /// Writes `rows` into `table`'s `columns`; `onChunk` hears how many rows are written so far.
    public func write(
        table: String, columns: [String], rows: [[BulkValue]], onChunk: ((Int) -> Void)? = nil
    ) async throws {
        try await write(table: table, columns: columns, count: rows.count, onChunk: onChunk) { i, values in
            values.append(contentsOf: rows[i])
        }
    }

    /// Writes `count` rows into `table`'s `columns`, row `i` made by `row(i, &values)` into one list of values
    /// emptied before each row, so no list is kept per row; `onChunk` hears how many rows are written so far.
    public func write(
        table: String, columns: [String], count: Int, onChunk: ((Int) -> Void)? = nil,
        row: (Int, inout [BulkValue]) -> Void
    ) async throws {
        guard count > 0 else { return }
        guard let connection else {
            if let direct = db as? DirectSQLiteDatabase {
                return try direct.insert(
                    table: table, columns: columns, count: count, every: Self.chunk, onChunk: onChunk, row: row)
            }
            var values: [BulkValue] = []
            let rows = (0..<count).map { i in
                values.removeAll(keepingCapacity: true)
                row(i, &values)
                return values.map(\.sqlLiteral)
            }
            _ = try await SQLLiteral.insert(
                db: db, table: table, columns: columns, rows: rows, returning: nil, chunk: Self.chunk, onChunk: onChunk)
            return
        }
        // PostgresNIO leaves a COPY begun on a closed connection unanswered (see `PostgresDirectDatabase.execute`).
        guard !connection.isClosed else { throw PostgresDirectDatabase.ConnectionClosed() }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var values: [BulkValue] = []
            var start = 0
            while start < count {
                let end = min(start + Self.chunk, count)
                var text = ""
                for i in start..<end {
                    values.removeAll(keepingCapacity: true)
                    row(i, &values)
                    for (k, value) in values.enumerated() {
                        if k > 0 { text += "\t" }
                        value.appendCopyText(to: &text)
                    }
                    text += "\n"
                }
                try await writer.write(ByteBuffer(string: text))
                onChunk?(end)
                start = end
            }
        }
    }

    /// COPY's text format: backslash, tab and line ends are written as escapes; NUL, which PostgreSQL's text
    /// cannot hold, is dropped as the SQL literals drop it.
    public static func copyEscaped(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            return s
        }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": break
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
