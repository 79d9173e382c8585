import CourtyardDomain
import SQLKit

/// A resident's tie to a household: owner, co-owner or tenant, and whether they live elsewhere.
public struct HouseholdLink: Sendable, Hashable {
    public var householdId: Int64
    public var residentId: Int64
    public var name: String
    public var phone: String
    public var relation: ResidentRelation
    public var livesElsewhere: Bool

    /// The person as the household shows them; name and phone masked for roles that may not read them.
    func resident(masked: Bool) -> HouseholdResident {
        HouseholdResident(
            residentId: residentId, name: PersonalData.name(name, personal: !masked),
            phone: PersonalData.phone(phone, personal: !masked), relation: relation, livesElsewhere: livesElsewhere)
    }

    /// The household as the person's record shows it.
    var household: ResidentHousehold {
        ResidentHousehold(householdId: householdId, relation: relation, livesElsewhere: livesElsewhere)
    }

    /// The tie as the audit log records it: never masked.
    var auditJSON: JSONValue { (try? JSONValueCoding.encode(resident(masked: false))) ?? .null }
}

public enum RegistryLinks {
    /// A stored relation; the store writes only the three names.
    static func relation(_ text: String) throws -> ResidentRelation {
        guard let r = ResidentRelation(rawValue: text) else { throw StoreError.conflict("unknown relation \(text)") }
        return r
    }

    static func load(db: any SQLDatabase, householdIds: [Int64]?, residentIds: [Int64]?) async throws -> [HouseholdLink]
    {
        let ids = householdIds ?? residentIds ?? []
        guard !ids.isEmpty else { return [] }
        let col = householdIds != nil ? "hr.household_id" : "hr.resident_id"
        let rows = try await db.raw(
            """
            SELECT hr.household_id, hr.resident_id, r.name, r.phone, hr.relation, hr.lives_elsewhere
            FROM household_residents hr JOIN residents r ON r.id = hr.resident_id
            WHERE \(unsafeRaw: col) IN (\(binds: ids)) ORDER BY hr.household_id,
              CASE hr.relation WHEN 'owner' THEN 0 WHEN 'co_owner' THEN 1 ELSE 2 END, r.id
            """
        ).all()
        return try rows.map {
            HouseholdLink(
                householdId: try $0.decode(column: "household_id", as: Int64.self),
                residentId: try $0.decode(column: "resident_id", as: Int64.self),
                name: try $0.decode(column: "name", as: String.self),
                phone: try $0.decode(column: "phone", as: String.self),
                relation: try relation($0.decode(column: "relation", as: String.self)),
                livesElsewhere: try $0.decode(column: "lives_elsewhere", as: Int.self) != 0)
        }
    }
}

extension ResourceRepository {
    /// Ties a resident to a household (or changes the tie); both must be inside the actor's scope.
    public func link(
        householdId: Int64, residentId: Int64, relation: ResidentRelation, livesElsewhere: Bool, actor: Actor
    )
        async throws -> Record
    {
        guard Permissions.allows(actor.role, .writeRegistry) else { throw AccessError.forbidden }
        try await database.transaction { db in
            try await link(
                db: db, householdId: householdId, residentId: residentId, relation: relation,
                livesElsewhere: livesElsewhere, actor: actor)
        }
        return try await get(.households, id: householdId, actor: actor)
    }

    /// The tie itself, inside the caller's transaction.
    func link(
        db: any SQLDatabase, householdId: Int64, residentId: Int64, relation: ResidentRelation,
        livesElsewhere: Bool, actor: Actor, creating: Bool = false
    ) async throws {
        guard let household = try await fetch(.households, id: householdId, actor: actor, db: db) else {
            throw StoreError.notFound
        }
        // Linking would make the person readable through the household, so it needs read access to them already;
        // a resident just created for this household is the one exception.
        if !creating, try await fetch(.residents, id: residentId, actor: actor, db: db) == nil {
            throw StoreError.notFound
        }
        let resident = try await db.raw("SELECT id, subdistrict_id FROM residents WHERE id = \(bind: residentId)")
            .first()
        guard let resident, try resident.decode(column: "subdistrict_id", as: Int64.self) == household.subdistrictId
        else {
            throw ValidationError(
                field: "resident_id", code: "not_found",
                message: "resident \(residentId) does not exist in this sub-district")
        }
        let before = try await RegistryLinks.load(db: db, householdIds: [householdId], residentIds: nil)
        if RegistryRules.secondOwner(
            adding: residentId, as: relation, ties: before.map { ($0.residentId, $0.relation) })
        {
            throw StoreError.conflict(
                "the household already has an owner; make the new person a co-owner or change the owner first")
        }
        try await db.raw(
            "DELETE FROM household_residents WHERE household_id = \(bind: householdId) AND resident_id = \(bind: residentId)"
        ).run()
        try await db.raw(
            """
            INSERT INTO household_residents (household_id, resident_id, relation, lives_elsewhere)
            VALUES (\(bind: householdId), \(bind: residentId), \(bind: relation.rawValue), \(bind: livesElsewhere ? 1 : 0))
            """
        ).run()
        try await db.raw("UPDATE households SET version = version + 1 WHERE id = \(bind: householdId)").run()
        let after = try await RegistryLinks.load(db: db, householdIds: [householdId], residentIds: nil)
        try await AuditLog.record(
            db: db, actor: actor, action: "link", entity: "households", entityId: householdId,
            subdistrictId: household.subdistrictId, before: .array(before.map(\.auditJSON)),
            after: .array(after.map(\.auditJSON)))
    }

    public func unlink(householdId: Int64, residentId: Int64, actor: Actor) async throws -> Record {
        guard Permissions.allows(actor.role, .writeRegistry) else { throw AccessError.forbidden }
        try await database.transaction { db in
            guard let household = try await fetch(.households, id: householdId, actor: actor, db: db) else {
                throw StoreError.notFound
            }
            let before = try await RegistryLinks.load(db: db, householdIds: [householdId], residentIds: nil)
            guard before.contains(where: { $0.residentId == residentId }) else { throw StoreError.notFound }
            try await db.raw(
                "DELETE FROM household_residents WHERE household_id = \(bind: householdId) AND resident_id = \(bind: residentId)"
            ).run()
            try await db.raw("UPDATE households SET version = version + 1 WHERE id = \(bind: householdId)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "unlink", entity: "households", entityId: householdId,
                subdistrictId: household.subdistrictId, before: .array(before.map(\.auditJSON)),
                after: .array(before.filter { $0.residentId != residentId }.map(\.auditJSON)))
        }
        return try await get(.households, id: householdId, actor: actor)
    }
}
