import CourtyardDomain
import Foundation
import SQLKit

/// Each office's service levels for supervision reports, in working days; the national practice
/// (acknowledge within 1, fix within 5 of assignment) until an office sets its own.
public struct ServiceLevelRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    static func levels(db: any SQLDatabase, subdistrictId: Int64) async throws -> ServiceLevels? {
        guard
            let r = try await db.raw(
                "SELECT acknowledge_days, fix_days FROM service_levels WHERE subdistrict_id = \(bind: subdistrictId)"
            ).first()
        else {
            return nil
        }
        return ServiceLevels(
            acknowledgeDays: try r.decode(column: "acknowledge_days", as: Int.self),
            fixDays: try r.decode(column: "fix_days", as: Int.self))
    }

    /// The office an account speaks for: its own sub-district, or the one an administrator names.
    func office(_ actor: Actor, requested: Int64?) throws -> Int64 {
        switch actor.scope.kind {
        case nil:
            guard let requested else {
                throw ValidationError(field: "subdistrict_id", code: "required", message: "name the sub-district")
            }
            return requested
        case .subdistrict:
            if let requested, requested != actor.scope.id { throw StoreError.notFound }
            return actor.scope.id!
        default: throw AccessError.forbidden
        }
    }

    /// An office's service levels, or the defaults it has not changed (`source`: `office` or `default`).
    public struct Setting: Codable, Sendable {
        public var subdistrictId: Int64
        public var acknowledgeDays: Int
        public var fixDays: Int
        public var source: String
        enum CodingKeys: String, CodingKey {
            case subdistrictId = "subdistrict_id"
            case acknowledgeDays = "acknowledge_days"
            case fixDays = "fix_days"
            case source
        }
    }

    public func get(actor: Actor, subdistrictId: Int64?) async throws -> Setting {
        let sd = try office(actor, requested: subdistrictId)
        let own = try await database.withConnection { db in try await Self.levels(db: db, subdistrictId: sd) }
        let l = own ?? ServiceLevels()
        return Setting(
            subdistrictId: sd, acknowledgeDays: l.acknowledgeDays, fixDays: l.fixDays,
            source: own == nil ? "default" : "office")
    }

    public func put(actor: Actor, subdistrictId: Int64?, levels: ServiceLevels) async throws -> Setting {
        guard Permissions.allows(actor.role, .manageIntegrations) else { throw AccessError.forbidden }
        let sd = try office(actor, requested: subdistrictId)
        guard (1...30).contains(levels.acknowledgeDays) else {
            throw ValidationError(field: "acknowledge_days", code: "invalid", message: "1 to 30 working days")
        }
        guard (1...90).contains(levels.fixDays) else {
            throw ValidationError(field: "fix_days", code: "invalid", message: "1 to 90 working days")
        }
        try await database.transaction { db in
            guard try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: sd)").first() != nil else {
                throw StoreError.notFound
            }
            let before = try await Self.levels(db: db, subdistrictId: sd)
            try await db.raw("DELETE FROM service_levels WHERE subdistrict_id = \(bind: sd)").run()
            try await db.raw(
                """
                INSERT INTO service_levels (subdistrict_id, acknowledge_days, fix_days, updated_at, updated_by)
                VALUES (\(bind: sd), \(bind: levels.acknowledgeDays), \(bind: levels.fixDays), \(bind: Clock.isoNow()), \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "service_levels", entityId: sd, subdistrictId: sd,
                before: before.map {
                    .object([
                        ("acknowledge_days", .int(Int64($0.acknowledgeDays))), ("fix_days", .int(Int64($0.fixDays))),
                    ])
                },
                after: .object([
                    ("acknowledge_days", .int(Int64(levels.acknowledgeDays))),
                    ("fix_days", .int(Int64(levels.fixDays))),
                ]))
        }
        return try await get(actor: actor, subdistrictId: sd)
    }
}
