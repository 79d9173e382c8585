import CourtyardDomain
import Crypto
import Foundation
import SQLKit

/// A webhook as its office sees it: never its secret.
public struct Webhook: Codable, Sendable, Equatable {
    public var id: Int64
    public var subdistrictId: Int64?
    public var url: String
    public var events: [String]
    public var active: Bool
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case subdistrictId = "subdistrict_id"
        case url, events, active
        case createdAt = "created_at"
    }
}

/// A new Open311 key, the only time the key itself is shown.
public struct Open311Key: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var subdistrictId: Int64
    public var apiKey: String

    enum CodingKeys: String, CodingKey {
        case id, name
        case subdistrictId = "subdistrict_id"
        case apiKey = "api_key"
    }
}

/// Webhooks and Open311 keys: how other systems hear of events and file reports.
public struct IntegrationRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// The sub-district an integration belongs to: the officer's own; an administrator's is city-wide.
    func coverage(_ actor: Actor) throws -> Int64? {
        guard Permissions.allows(actor.role, .manageIntegrations) else { throw AccessError.forbidden }
        return actor.scope.kind == .subdistrict ? actor.scope.id : nil
    }

    // MARK: Webhooks

    public func addWebhook(url: String, events: [String], secret: String, actor: Actor) async throws -> Webhook {
        let sd = try coverage(actor)
        guard !events.isEmpty else {
            throw ValidationError(field: "events", code: "required", message: "name the events, or \"*\" for all")
        }
        for e in events where e != "*" && !Outbox.events.contains(e) {
            throw ValidationError(
                field: "events", code: "unknown",
                message: "\(e) is not an event; they are \(Outbox.events.joined(separator: ", "))")
        }
        guard secret.utf8.count >= 16, secret.utf8.count <= 200 else {
            throw ValidationError(field: "secret", code: "too_short", message: "the secret is 16 to 200 characters")
        }
        let id: Int64 = try await database.transaction { db in
            let id = try await db.raw(
                """
                INSERT INTO webhooks (subdistrict_id, url, events_json, secret, created_at, created_by)
                VALUES (\(bind: sd), \(bind: url), \(bind: JSONValue.array(events.map { .string($0) }).serialized()), \(bind: secret),
                  \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "webhooks", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("url", .string(url)), ("events", .array(events.map { .string($0) }))]))
            return id
        }
        guard let created = try await webhooks(actor: actor).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        return created
    }

    /// Webhooks without their secrets.
    public func webhooks(actor: Actor) async throws -> [Webhook] {
        let sd = try coverage(actor)
        var sql: SQLQueryString = "SELECT id, subdistrict_id, url, events_json, active, created_at FROM webhooks WHERE "
        sql += sd.map { "subdistrict_id = \(bind: $0)" } ?? "1=1"
        sql += " ORDER BY id"
        let q = sql
        return try await database.withConnection { db in
            try await db.raw(q).all().map { r in
                Webhook(
                    id: try r.int("id"), subdistrictId: try r.optionalInt("subdistrict_id"), url: try r.text("url"),
                    events: (try? r.stored("events_json", as: [String].self)) ?? [], active: try r.flag("active"),
                    createdAt: try r.text("created_at"))
            }
        }
    }

    public func removeWebhook(id: Int64, actor: Actor) async throws {
        let sd = try coverage(actor)
        try await database.transaction { db in
            var sql: SQLQueryString = "SELECT id FROM webhooks WHERE id = \(bind: id)"
            if let sd { sql += " AND subdistrict_id = \(bind: sd)" }
            guard try await db.raw(sql).first() != nil else { throw StoreError.notFound }
            try await db.raw("UPDATE webhooks SET active = 0 WHERE id = \(bind: id)").run()
            try await db.raw(
                "UPDATE outbox SET failed_at = \(bind: Clock.isoNow()), last_error = 'webhook removed' WHERE webhook_id = \(bind: id) AND delivered_at IS NULL AND failed_at IS NULL"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "webhooks", entityId: id, subdistrictId: sd,
                before: nil, after: nil)
        }
    }

    // MARK: Open311 keys

    static func hash(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new key, shown once; only its hash is kept. A key serves one sub-district: the officer's own, or the one
    /// an administrator names; it reads the text of reports only there.
    public func addOpen311Key(name: String, key: String, subdistrictId: Int64? = nil, actor: Actor) async throws
        -> Open311Key
    {
        let own = try coverage(actor)
        let name = TextNormalizer.clean(name)
        guard !name.isEmpty, name.count <= 100 else {
            throw ValidationError(field: "name", code: "required", message: "name the client the key is for")
        }
        if let own, let asked = subdistrictId, asked != own { throw StoreError.notFound }
        guard let sd = own ?? subdistrictId else {
            throw ValidationError(
                field: "subdistrict_id", code: "required",
                message: "name the sub-district the key serves")
        }
        let id: Int64 = try await database.transaction { db in
            guard try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: sd)").first() != nil else {
                throw ValidationError(
                    field: "subdistrict_id", code: "not_found",
                    message: "sub-district \(sd) does not exist")
            }
            let id = try await db.raw(
                """
                INSERT INTO open311_keys (name, key_hash, subdistrict_id, created_at, created_by)
                VALUES (\(bind: name), \(bind: Self.hash(key)), \(bind: sd), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "open311_keys", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("name", .string(name))]))
            return id
        }
        return Open311Key(id: id, name: name, subdistrictId: sd, apiKey: key)
    }

    /// The key's client, or nil for an unknown or revoked key.
    public func open311Client(key: String) async throws -> (name: String, subdistrictId: Int64?)? {
        try await database.withConnection { db in
            guard
                let r = try await db.raw(
                    "SELECT name, subdistrict_id FROM open311_keys WHERE key_hash = \(bind: Self.hash(key)) AND revoked_at IS NULL"
                ).first()
            else {
                return nil
            }
            return (try r.text("name"), try r.optionalInt("subdistrict_id"))
        }
    }
}
