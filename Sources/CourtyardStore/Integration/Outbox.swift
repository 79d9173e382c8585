import CourtyardDomain
import Foundation
import SQLKit

/// Notifications leave through the outbox: a row per target, written in the same transaction as the
/// change it announces, so a crash never loses one and a rolled-back change never sends one.
public enum Outbox {
    /// The events a webhook may subscribe to.
    public static let events = [
        "report.created", "report.transitioned", "vote.opened", "vote.closed", "notice.published",
        "project.advanced", "bulletin.published", "questionnaire.closed",
        "coordination_request.created", "coordination_request.transitioned", "coordination_request.overdue",
        "action.assigned",
    ]

    /// Queues `event` for every active webhook of the sub-district (or of the whole city) that asked for it.
    public static func emit(db: any SQLDatabase, event: String, subdistrictId: Int64?, payload: JSONValue) async throws
    {
        let body = JSONValue.object([("event", .string(event)), ("at", .string(Clock.isoNow())), ("data", payload)])
            .serialized()
        var sql: SQLQueryString = "SELECT id, url, events_json FROM webhooks WHERE active = 1 AND "
        if let sd = subdistrictId {
            sql += "(subdistrict_id IS NULL OR subdistrict_id = \(bind: sd))"
        } else {
            sql += "subdistrict_id IS NULL"
        }
        let now = Clock.isoNow()
        for w in try await db.raw(sql).all() {
            let wanted = JSONValue.parse(try w.text("events_json"))?.stringList ?? []
            guard wanted.contains(event) || wanted.contains("*") else { continue }
            try await db.raw(
                """
                INSERT INTO outbox (event, payload_json, target_kind, target, webhook_id, next_attempt_at, created_at)
                VALUES (\(bind: event), \(bind: body), 'webhook', \(bind: try w.text("url")), \(bind: try w.int("id")), \(bind: now), \(bind: now))
                """
            ).run()
        }
    }

    /// Queues a text message to a person (a reporter told their report moved).
    public static func message(db: any SQLDatabase, event: String, phone: String, text: String) async throws {
        guard !phone.isEmpty else { return }
        let now = Clock.isoNow()
        try await db.raw(
            """
            INSERT INTO outbox (event, payload_json, target_kind, target, next_attempt_at, created_at)
            VALUES (\(bind: event), \(bind: JSONValue.object([("text", .string(text))]).serialized()), 'sms', \(bind: phone), \(bind: now), \(bind: now))
            """
        ).run()
    }

    public struct Item: Sendable {
        public var id: Int64, event: String, payload: String, targetKind: String, target: String, webhookId: Int64?,
            attempts: Int
        public var secret: String?
        public var nextAttemptAt: String
    }

    /// Takes an item for one delivery attempt: pushes its next attempt a minute out, only if no other worker did first.
    public static func claim(database: Database, item: Item, now: Date = Date()) async throws -> Bool {
        let lease = Clock.iso(now.addingTimeInterval(60))
        return try await database.withConnection { db in
            try await db.raw(
                """
                UPDATE outbox SET next_attempt_at = \(bind: lease) WHERE id = \(bind: item.id) AND next_attempt_at = \(bind: item.nextAttemptAt)
                  AND delivered_at IS NULL AND failed_at IS NULL RETURNING id
                """
            ).first() != nil
        }
    }

    /// Up to `limit` items due now, oldest first.
    public static func due(database: Database, limit: Int = 50, now: Date = Date()) async throws -> [Item] {
        let at = Clock.iso(now)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT o.id, o.event, o.payload_json, o.target_kind, o.target, o.webhook_id, o.attempts, o.next_attempt_at, w.secret, w.active
                FROM outbox o LEFT JOIN webhooks w ON w.id = o.webhook_id
                WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= \(bind: at)
                ORDER BY o.id LIMIT \(unsafeRaw: String(limit))
                """
            ).all().map { r in
                Item(
                    id: try r.int("id"), event: try r.text("event"), payload: try r.text("payload_json"),
                    targetKind: try r.text("target_kind"),
                    target: try r.text("target"), webhookId: try r.optionalInt("webhook_id"),
                    attempts: try r.decode(column: "attempts", as: Int.self),
                    secret: try r.optionalText("secret"), nextAttemptAt: try r.text("next_attempt_at"))
            }
        }
    }

    /// Gives up after this many attempts; waits 30 s, 1 min, 2 min … up to an hour between them.
    public static let maxAttempts = 10
    public static func backoff(afterAttempt n: Int) -> TimeInterval { min(3600, 30 * pow(2, Double(max(n - 1, 0)))) }

    public static func delivered(database: Database, id: Int64) async throws {
        try await database.withConnection { db in
            try await db.raw(
                "UPDATE outbox SET delivered_at = \(bind: Clock.isoNow()), attempts = attempts + 1, last_error = NULL WHERE id = \(bind: id)"
            ).run()
        }
    }

    public static func failed(database: Database, item: Item, error: String, now: Date = Date()) async throws {
        let attempts = item.attempts + 1
        let next = Clock.iso(now.addingTimeInterval(backoff(afterAttempt: attempts)))
        let gaveUp = attempts >= maxAttempts ? Clock.iso(now) : nil
        try await database.withConnection { db in
            try await db.raw(
                """
                UPDATE outbox SET attempts = \(bind: attempts), next_attempt_at = \(bind: next), last_error = \(bind: String(error.prefix(500))),
                  failed_at = \(bind: gaveUp) WHERE id = \(bind: item.id)
                """
            ).run()
        }
    }

    /// One queued or sent notification, as the operator sees it: a text message's number masked.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: Int64
        public var event: String
        public var targetKind: String
        public var target: String
        public var webhookId: Int64?
        public var attempts: Int64
        public var nextAttemptAt: String
        public var deliveredAt: String?
        public var failedAt: String?
        public var lastError: String?
        public var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, event
            case targetKind = "target_kind"
            case target
            case webhookId = "webhook_id"
            case attempts
            case nextAttemptAt = "next_attempt_at"
            case deliveredAt = "delivered_at"
            case failedAt = "failed_at"
            case lastError = "last_error"
            case createdAt = "created_at"
        }
    }

    /// What the outbox holds, for the operator.
    /// What is queued and sent: an office sees its own webhooks' deliveries (not another office's targets, whose
    /// addresses may carry tokens); text messages, which name no sub-district, only administrators.
    public static func list(database: Database, actor: Actor, paging: Paging = .export) async throws -> [Entry] {
        var sql: SQLQueryString = """
            SELECT id, event, target_kind, target, webhook_id, attempts, next_attempt_at, delivered_at, failed_at,
              last_error, created_at FROM outbox
            """
        if let kind = actor.scope.kind {
            let sd: Int64 = kind == .subdistrict ? actor.scope.id ?? 0 : 0
            sql += " WHERE webhook_id IN (SELECT id FROM webhooks WHERE subdistrict_id = \(bind: sd))"
        }
        sql += " ORDER BY id DESC" + paging.sql
        let query = sql
        return try await database.withConnection { db in
            try await db.raw(query).all().map { r in
                let kind = try r.text("target_kind")
                let target = try r.text("target")
                return Entry(
                    id: try r.int("id"), event: try r.text("event"), targetKind: kind,
                    target: kind == "sms" ? PersonalData.maskPhone(target) : target,
                    webhookId: try r.optionalInt("webhook_id"), attempts: try r.int("attempts"),
                    nextAttemptAt: try r.text("next_attempt_at"), deliveredAt: try r.optionalText("delivered_at"),
                    failedAt: try r.optionalText("failed_at"), lastError: try r.optionalText("last_error"),
                    createdAt: try r.text("created_at"))
            }
        }
    }
}

extension JSONValue {
    /// The strings of a JSON list, e.g. a webhook's events.
    public var stringList: [String]? {
        guard case .array(let a) = self else { return nil }
        return a.compactMap(\.stringValue)
    }
}
