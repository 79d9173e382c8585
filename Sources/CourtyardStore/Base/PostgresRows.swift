import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import SQLKit

/// A PostgreSQL connection seen as an `SQLDatabase` whose rows read whole numbers and text (and their optionals)
/// straight from the cell. PostgresKit's own rows take every column through a general translation that builds a
/// coding path and tries several conversions per cell, which a province's bulletin (20,000 rows of 14 columns) felt.
/// Statements are sent as PostgresKit sends them; one whose values are of another kind goes through PostgresKit
/// whole.
struct PostgresDirectDatabase: SQLDatabase {
    let connection: PostgresConnection
    let base: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.base = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        let (sql, binds) = serialize(query)
        let (connection, base, logger) = (connection, base, logger)
        // PostgresNIO drops a statement written to a connection that has closed (PostgreSQL ended it between two
        // statements of a transaction) and never answers it: the request would wait for ever. On the connection's
        // event loop, whether it is open and the writing happen together, and a connection that is closing refuses
        // the statement with an error.
        return connection.eventLoop.flatSubmit {
            guard !connection.isClosed else { return connection.eventLoop.makeFailedFuture(ConnectionClosed()) }
            guard let bindings = Self.bindings(binds) else { return base.execute(sql: query, onRow) }
            let columns = NIOLockedValueBox<PostgresDirectRow.Columns?>(nil)
            return connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) { row in
                let cells = row.makeRandomAccess()
                let names = columns.withLockedValue { known in
                    let names = known ?? PostgresDirectRow.Columns(cells)
                    known = names
                    return names
                }
                onRow(PostgresDirectRow(row, cells: cells, columns: names))
            }.map { _ in }
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }

    /// A statement for a connection PostgreSQL closed meanwhile (a 503, as when it cannot be reached).
    struct ConnectionClosed: Error {}

    /// The values as PostgresKit binds them (each of these kinds encodes itself), or nil for any other kind.
    static func bindings(_ binds: [any Encodable & Sendable]) -> PostgresBindings? {
        var out = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case let v as Int64: out.append(v)
            case let v as Int: out.append(v)
            case let v as String: out.append(v)
            case let v as Bool: out.append(v)
            case let v as Int64?: out.append(v)
            case let v as Int?: out.append(v)
            case let v as String?: out.append(v)
            default: return nil
            }
        }
        return out
    }
}

/// A row whose whole numbers and text are decoded straight from their cells; other kinds as PostgresKit decodes them.
struct PostgresDirectRow: SQLRow {
    struct MissingColumn: Error { let column: String }

    /// Each column's place, found once for all the rows of a query (the last of two columns of one name, as
    /// PostgresNIO finds it).
    final class Columns: Sendable {
        let place: [String: Int]
        init(_ row: PostgresRandomAccessRow) {
            var place: [String: Int] = [:]
            for (i, cell) in row.enumerated() { place[cell.columnName] = i }
            self.place = place
        }
    }

    let source: PostgresRow
    let row: PostgresRandomAccessRow
    let columns: Columns

    init(_ row: PostgresRow, cells: PostgresRandomAccessRow, columns: Columns) {
        self.source = row
        self.row = cells
        self.columns = columns
    }

    var allColumns: [String] { row.map(\.columnName) }
    func contains(column: String) -> Bool { columns.place[column] != nil }
    func decodeNil(column: String) throws -> Bool { columns.place[column].map { row[$0].bytes == nil } ?? true }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let i = columns.place[column] else { throw MissingColumn(column: column) }
        let cell = row[i]
        if !cell.dataType.isUserDefined {
            if D.self == Int64.self { return unsafeBitCast(try Self.int64(cell), to: D.self) }
            if D.self == String.self { return unsafeBitCast(try Self.string(cell), to: D.self) }
            if D.self == Int.self { return unsafeBitCast(Int(try Self.int64(cell)), to: D.self) }
            if D.self == Int64?.self {
                return unsafeBitCast(try cell.bytes == nil ? nil : Self.int64(cell), to: D.self)
            }
            if D.self == String?.self {
                return unsafeBitCast(try cell.bytes == nil ? nil : Self.string(cell), to: D.self)
            }
            if D.self == Int?.self {
                return unsafeBitCast(try cell.bytes == nil ? nil : Int(Self.int64(cell)), to: D.self)
            }
        }
        return try source.sql().decode(column: column, as: D.self)
    }

    /// A whole number: read from its binary form when it is one of PostgreSQL's integers, else as PostgresNIO reads it.
    static func int64(_ cell: PostgresCell) throws -> Int64 {
        if cell.format == .binary, let b = cell.bytes {
            switch (cell.dataType, b.readableBytes) {
            case (.int8, 8): return b.getInteger(at: b.readerIndex, as: Int64.self)!
            case (.int4, 4): return Int64(b.getInteger(at: b.readerIndex, as: Int32.self)!)
            case (.int2, 2): return Int64(b.getInteger(at: b.readerIndex, as: Int16.self)!)
            default: break
            }
        }
        return try cell.decode(Int64.self)
    }

    /// Text: its UTF-8 bytes as they are when the column is text, else as PostgresNIO reads it.
    static func string(_ cell: PostgresCell) throws -> String {
        if let b = cell.bytes, cell.dataType == .text || cell.dataType == .varchar {
            return b.getString(at: b.readerIndex, length: b.readableBytes)!
        }
        return try cell.decode(String.self)
    }
}
