import CourtyardDomain
import SQLKit

/// The figures on the dashboard, per community, inside the actor's scope.
public struct CommunityFigures: Sendable {
    public var communityId: Int64
    public var name: String
    public var compounds = 0, ownerless = 0, buildings = 0, households = 0, elsewhere = 0
    public var area: Int64 = 0
}

extension CommunityFigures {
    /// The figures of several communities added up, for the total line and the dashboard's cards.
    public static func total(_ all: [CommunityFigures]) -> CommunityFigures {
        var t = CommunityFigures(communityId: 0, name: "")
        for c in all {
            t.compounds += c.compounds
            t.ownerless += c.ownerless
            t.buildings += c.buildings
            t.households += c.households
            t.elsewhere += c.elsewhere
            t.area += c.area
        }
        return t
    }
}

public struct BuildingCell: Sendable {
    public var householdId: Int64
    public var entrance: String
    public var entranceId: Int64
    public var room: String
    public var floor: Int?
    public var area: Area
    public var owner: String?
    public var ownerElsewhere: Bool
}

public enum RegistryStats {
    public static func byCommunity(database: Database, actor: Actor) async throws -> [CommunityFigures] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let scope = ResourceSpec.compounds.scopeCondition(actor.scope)
        let sql: SQLQueryString = """
            SELECT cm.id, cm.name, COUNT(t.id) AS compounds, CAST(COALESCE(SUM(t.ownerless), 0) AS BIGINT) AS ownerless,
              CAST(COALESCE(SUM((SELECT COUNT(*) FROM buildings b WHERE b.compound_id = t.id)), 0) AS BIGINT) AS buildings,
              CAST(COALESCE(SUM(hh.n), 0) AS BIGINT) AS households, CAST(COALESCE(SUM(hh.area), 0) AS BIGINT) AS area, CAST(COALESCE(SUM(hh.elsewhere), 0) AS BIGINT) AS elsewhere
            FROM compounds t JOIN communities cm ON cm.id = t.community_id
            LEFT JOIN (SELECT h.compound_id, COUNT(*) AS n, SUM(h.area_centi) AS area,
                SUM(CASE WHEN EXISTS (SELECT 1 FROM household_residents hr WHERE hr.household_id = h.id AND hr.relation = 'owner' AND hr.lives_elsewhere = 1) THEN 1 ELSE 0 END) AS elsewhere
              FROM households h GROUP BY h.compound_id) hh ON hh.compound_id = t.id
            WHERE
            """ + " " + scope + " GROUP BY cm.id, cm.name ORDER BY cm.id"
        let rows = try await database.withConnection { db in try await db.raw(sql).all() }
        return try rows.map { r in
            CommunityFigures(
                communityId: try r.decode(column: "id", as: Int64.self),
                name: try r.decode(column: "name", as: String.self),
                compounds: try r.decode(column: "compounds", as: Int.self),
                ownerless: try r.decode(column: "ownerless", as: Int.self),
                buildings: try r.decode(column: "buildings", as: Int.self),
                households: try r.decode(column: "households", as: Int.self),
                elsewhere: try r.decode(column: "elsewhere", as: Int.self),
                area: try r.decode(column: "area", as: Int64.self))
        }
    }

    /// A building's households with their owners, for the entrance-by-floor grid.
    public static func building(database: Database, buildingId: Int64, actor: Actor) async throws -> [BuildingCell] {
        _ = try await ResourceRepository(database: database).get(.buildings, id: buildingId, actor: actor)
        let rows = try await database.withConnection { db in
            try await db.raw(
                """
                SELECT h.id, e.id AS eid, e.name AS entrance, h.room, h.floor, h.area_centi, r.name AS owner, hr.lives_elsewhere
                FROM households h JOIN entrances e ON e.id = h.entrance_id
                LEFT JOIN household_residents hr ON hr.household_id = h.id AND hr.relation = 'owner'
                LEFT JOIN residents r ON r.id = hr.resident_id
                WHERE h.building_id = \(bind: buildingId) ORDER BY e.id, h.floor, h.room
                """
            ).all()
        }
        let mask = !actor.seesPersonalData
        return try rows.map { r in
            let owner = try r.decode(column: "owner", as: String?.self)
            return BuildingCell(
                householdId: try r.decode(column: "id", as: Int64.self),
                entrance: try r.decode(column: "entrance", as: String.self),
                entranceId: try r.decode(column: "eid", as: Int64.self),
                room: try r.decode(column: "room", as: String.self),
                floor: try r.decode(column: "floor", as: Int?.self),
                area: Area(centi: try r.decode(column: "area_centi", as: Int64.self)),
                owner: mask ? owner.map(PersonalData.maskName) : owner,
                ownerElsewhere: (try r.decode(column: "lives_elsewhere", as: Int?.self) ?? 0) != 0)
        }
    }
}

public struct BuildingSummary: Sendable {
    public var id: Int64
    public var name: String
    public var entrances: Int
    public var households: Int
    public var area: Int64
}

extension RegistryStats {
    public static func buildings(database: Database, compoundId: Int64, actor: Actor) async throws -> [BuildingSummary]
    {
        _ = try await ResourceRepository(database: database).get(.compounds, id: compoundId, actor: actor)
        let rows = try await database.withConnection { db in
            try await db.raw(
                """
                SELECT b.id, b.name,
                  (SELECT COUNT(*) FROM entrances e WHERE e.building_id = b.id) AS entrances,
                  (SELECT COUNT(*) FROM households h WHERE h.building_id = b.id) AS households,
                  (SELECT CAST(COALESCE(SUM(h.area_centi), 0) AS BIGINT) FROM households h WHERE h.building_id = b.id) AS area
                FROM buildings b WHERE b.compound_id = \(bind: compoundId) ORDER BY b.id
                """
            ).all()
        }
        return try rows.map {
            BuildingSummary(
                id: try $0.decode(column: "id", as: Int64.self), name: try $0.decode(column: "name", as: String.self),
                entrances: try $0.decode(column: "entrances", as: Int.self),
                households: try $0.decode(column: "households", as: Int.self),
                area: try $0.decode(column: "area", as: Int64.self))
        }
    }
}

extension RegistryStats {
    public static func residentCount(database: Database, actor: Actor) async throws -> Int {
        let sql: SQLQueryString =
            "SELECT COUNT(*) AS n FROM residents t WHERE " + ResourceSpec.residents.scopeCondition(actor.scope)
        return try await database.withConnection { db in
            try await db.raw(sql).first()!.decode(column: "n", as: Int.self)
        }
    }
}
