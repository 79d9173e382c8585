import CourtyardDomain
import Foundation
import SQLKit

/// Every change, with who made it, when, and the record before and after; written in the
/// same transaction as the change so the log never disagrees with the data.
public enum AuditLog {
    public static func record(
        db: any SQLDatabase, actor: Actor, action: String, entity: String, entityId: Int64?,
        subdistrictId: Int64?, before: JSONValue?, after: JSONValue?
    ) async throws {
        try await db.raw(
            """
            INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, subdistrict_id, before_json, after_json,
              address)
            VALUES (\(bind: Clock.isoNow()), \(bind: actor.userId), \(bind: actor.username), \(bind: action), \(bind: entity),
              \(bind: entityId), \(bind: subdistrictId), \(bind: before?.serialized()), \(bind: after?.serialized()),
              \(bind: actor.address))
            """
        ).run()
    }

    public struct Entry: Codable, Sendable {
        public var id: Int64
        public var at: String
        public var username: String
        public var action: String
        public var entity: String
        public var entityId: Int64?
        public var before: String?
        public var after: String?
        /// The client's address when the change was made (null for changes made before it was recorded).
        public var address: String?

        enum CodingKeys: String, CodingKey {
            case id, at, username, action, entity
            case entityId = "entity_id"
            case before, after, address
        }
    }

    /// The kinds of record outside the registry that the audit log names by their own title or name.
    static let titled: [String: String] = [
        "bodies": "name", "campaigns": "title", "events": "title", "inspection_templates": "name",
        "meeting_series": "title", "meetings": "title", "notices": "title", "questionnaires": "title", "votes": "title",
        "zones": "name",
    ]

    /// Records kept by their project's id and named by its compound: a project, its hand-over.
    static let byCompound: Set<String> = ["projects", "handovers"]

    /// The titles of such records, keyed "events/12"; other kinds and records no longer there are left out.
    public static func titles(database: Database, of records: [(entity: String, id: Int64)]) async throws
        -> [String: String]
    {
        let byEntity = Dictionary(
            grouping: records.filter { titled[$0.entity] != nil || byCompound.contains($0.entity) }, by: \.entity)
        return try await database.withConnection { db in
            var found: [String: String] = [:]
            for (entity, list) in byEntity where byCompound.contains(entity) {
                let ids = Array(Set(list.map(\.id)).prefix(200))
                let rows = try await db.raw(
                    """
                    SELECT p.id, c.name AS title FROM projects p JOIN compounds c ON c.id = p.compound_id
                    WHERE p.id IN (\(binds: ids))
                    """
                ).all()
                for r in rows { found["\(entity)/\(try r.int("id"))"] = try r.text("title") }
            }
            for (entity, list) in byEntity where !byCompound.contains(entity) {
                // Table and column come from `titled`, never from the request.
                let column = titled[entity]!
                let ids = Array(Set(list.map(\.id))).prefix(200)
                let rows = try await db.raw(
                    "SELECT id, \(unsafeRaw: column) AS title FROM \(unsafeRaw: entity) WHERE id IN (\(binds: Array(ids)))"
                ).all()
                for r in rows { found["\(entity)/\(try r.int("id"))"] = try r.text("title") }
            }
            return found
        }
    }

    /// Newest first; sub-district officers see their sub-district's entries only.
    public static func list(
        database: Database, actor: Actor, entity: String?, entityId: Int64?, before cursor: Int64?, limit: Int
    )
        async throws -> (items: [Entry], next: Int64?)
    {
        guard Permissions.allows(actor.role, .readAudit) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT id, at, username, action, entity, entity_id, before_json, after_json, address FROM audit_log WHERE 1=1"
        if actor.scope.kind == .subdistrict, let sd = actor.scope.id { sql += " AND subdistrict_id = \(bind: sd)" }
        if let entity { sql += " AND entity = \(bind: entity)" }
        if let entityId { sql += " AND entity_id = \(bind: entityId)" }
        if let cursor { sql += " AND id < \(bind: cursor)" }
        let n = min(max(limit, 1), 500)
        sql += " ORDER BY id DESC LIMIT \(unsafeRaw: String(n + 1))"
        let query = sql
        let rows = try await database.withConnection { db in try await db.raw(query).all() }
        let items = try rows.prefix(n).map { r in
            Entry(
                id: try r.decode(column: "id", as: Int64.self), at: try r.decode(column: "at", as: String.self),
                username: try r.decode(column: "username", as: String.self),
                action: try r.decode(column: "action", as: String.self),
                entity: try r.decode(column: "entity", as: String.self),
                entityId: try r.decodeNil(column: "entity_id")
                    ? nil : try r.decode(column: "entity_id", as: Int64.self),
                before: try r.decode(column: "before_json", as: String?.self),
                after: try r.decode(column: "after_json", as: String?.self),
                address: try r.decode(column: "address", as: String?.self))
        }
        return (items, rows.count > n ? items.last?.id : nil)
    }
}
