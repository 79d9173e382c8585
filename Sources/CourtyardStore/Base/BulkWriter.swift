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

/// Writes many rows into a table inside the caller's transaction: with COPY on PostgreSQL, with multi-row INSERTs
/// of inlined literals on SQLite. Rows carry their ids, taken beforehand with `newIds`, so children can point at
/// parents without reading anything back.
public struct BulkWriter: Sendable {
    let db: any SQLDatabase
    let connection: PostgresConnection?
    let logger: Logger

    /// Rows per INSERT on SQLite, and per piece of a COPY (and per progress step) on PostgreSQL.
    static let chunk = 2000

    /// `count` unused ids for `table`: from its sequence on PostgreSQL (other writers may take ids in between, so
    /// they need not be consecutive), and after its largest id on SQLite, whose single writer is this transaction.
    public func newIds(table: String, count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        guard connection != nil else {
            let top = try await db.raw("SELECT COALESCE(MAX(id), 0) AS top FROM \(unsafeRaw: table)").first()!
                .decode(column: "top", as: Int64.self)
            return Array(top + 1...top + Int64(count))
        }
        // One text of every id, so 300,000 ids cost one row to read, not 300,000.
        let text = try await db.raw(
            """
            SELECT string_agg(v::text, ',' ORDER BY v) AS ids
            FROM (SELECT nextval(pg_get_serial_sequence(\(bind: table), 'id')) AS v FROM generate_series(1, \(bind: count))) s
            """
        ).first()!.decode(column: "ids", as: String.self)
        let ids = text.utf8.split(separator: UInt8(ascii: ",")).compactMap { Int64(Substring($0)) }
        guard ids.count == count else { throw StoreError.invalid("the database gave \(ids.count) of \(count) ids") }
        return ids
    }

    /// Writes `rows` into `table`'s `columns`; `onChunk` hears how many rows are written so far.
    public func write(
        table: String, columns: [String], rows: [[BulkValue]], onChunk: ((Int) -> Void)? = nil
    ) async throws {
        guard !rows.isEmpty else { return }
        guard let connection else {
            _ = try await SQLLiteral.insert(
                db: db, table: table, columns: columns, rows: rows.map { $0.map(\.sqlLiteral) }, returning: nil,
                chunk: Self.chunk, onChunk: onChunk)
            return
        }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var start = 0
            while start < rows.count {
                let end = min(start + Self.chunk, rows.count)
                var text = ""
                for row in rows[start..<end] {
                    for (i, value) in row.enumerated() {
                        if i > 0 { text += "\t" }
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
