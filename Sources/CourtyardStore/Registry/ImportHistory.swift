import CourtyardDomain
import Foundation
import SQLKit

/// One run of the household sheet's import, as its history lists it. The run's full report is a document of its
/// time, kept as it was written.
public struct ImportRecord: Codable, Sendable {
    public var id: Int64
    public var at: String
    public var username: String
    /// The person's display name (their sign-in name when they have none, or their account is gone).
    public var byName: String
    public var filename: String
    public var dryRun: Bool
    public var status: String
    public var rows: Int64
    public var errorCount: Int64
    /// Only when one run is read.
    public var report: StoredJSON?

    enum CodingKeys: String, CodingKey {
        case id, at, username, byName = "by_name", filename, dryRun = "dry_run", status, rows
        case errorCount = "error_count", report
    }
}

/// The imports an office has run, newest first.
public struct ImportHistory: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// The last 200 runs the account may see (its sub-district's, or all for the city), or one run with its report.
    public func list(actor: Actor, id: Int64? = nil) async throws -> [ImportRecord] {
        var sql: SQLQueryString = """
            SELECT i.id, i.at, i.username, COALESCE(NULLIF(u.display_name, ''), i.username) AS by_name, i.filename,
              i.dry_run, i.status, i.rows, i.error_count, i.report_json
            FROM imports i LEFT JOIN users u ON u.id = i.user_id WHERE 1=1
            """
        if actor.scope.kind == .subdistrict, let sd = actor.scope.id { sql += " AND i.subdistrict_id = \(bind: sd)" }
        if let id { sql += " AND i.id = \(bind: id)" }
        sql += " ORDER BY i.id DESC LIMIT 200"
        let q = sql
        let rows = try await database.withConnection { db in try await db.raw(q).all() }
        return try rows.map { r in
            ImportRecord(
                id: try r.int("id"), at: try r.text("at"), username: try r.text("username"),
                byName: try r.text("by_name"), filename: try r.text("filename"), dryRun: try r.int("dry_run") != 0,
                status: try r.text("status"),
                rows: try r.int("rows"), errorCount: try r.int("error_count"),
                report: id == nil ? nil : try r.storedDocument("report_json"))
        }
    }

    /// One run and its report read back as it was written, or nil when the account may not see that run. The report
    /// is nil only for a run whose kept report cannot be read as one.
    public func run(id: Int64, actor: Actor) async throws -> (record: ImportRecord, report: ImportReport?)? {
        guard var record = try await list(actor: actor, id: id).first else { return nil }
        let report = record.report.flatMap { try? JSONValueCoding.decode(ImportReport.self, from: $0.value) }
        record.report = nil
        return (record, report)
    }
}
