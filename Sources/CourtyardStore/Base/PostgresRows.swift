import Logging
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
        base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        guard let bindings = Self.bindings(binds) else { return try await base.execute(sql: query, onRow) }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await row in rows { onRow(PostgresDirectRow(row)) }
    }

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

    let source: PostgresRow
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.source = row
        self.row = row.makeRandomAccess()
    }

    var allColumns: [String] { row.map(\.columnName) }
    func contains(column: String) -> Bool { row.contains(column) }
    func decodeNil(column: String) throws -> Bool { !row.contains(column) || row[column].bytes == nil }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard row.contains(column) else { throw MissingColumn(column: column) }
        let cell = row[column]
        if !cell.dataType.isUserDefined {
            if D.self == Int64.self { return try cell.decode(Int64.self) as! D }
            if D.self == String.self { return try cell.decode(String.self) as! D }
            if D.self == Int.self { return try cell.decode(Int.self) as! D }
            if D.self == Int64?.self { return try (cell.bytes == nil ? nil : cell.decode(Int64.self)) as! D }
            if D.self == String?.self { return try (cell.bytes == nil ? nil : cell.decode(String.self)) as! D }
            if D.self == Int?.self { return try (cell.bytes == nil ? nil : cell.decode(Int.self)) as! D }
        }
        return try source.sql().decode(column: column, as: D.self)
    }
}
