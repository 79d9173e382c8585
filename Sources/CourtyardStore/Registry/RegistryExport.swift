import CourtyardDomain
import SQLKit

/// The household sheet as import reads it, so export → edit in Excel → import round-trips.
public enum RegistryExport {
    public static func rows(database: Database, subdistrictId: Int64?, actor: Actor) async throws -> [HouseholdRow] {
        guard Permissions.allows(actor.role, .importRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString = """
            SELECT cm.name AS cm, c.name AS cp, c.address, c.built_year, b.name AS b, e.name AS e, h.room, h.floor, h.area_centi,
              r.name AS owner, r.phone, hr.lives_elsewhere
            FROM households h JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
            JOIN compounds c ON c.id = h.compound_id JOIN communities cm ON cm.id = c.community_id
            LEFT JOIN household_residents hr ON hr.household_id = h.id AND hr.relation = 'owner'
            LEFT JOIN residents r ON r.id = hr.resident_id
            WHERE 1=1
            """
        if let sd = subdistrictId { sql += " AND c.subdistrict_id = \(bind: sd)" }
        if actor.scope.kind == .subdistrict, let sd = actor.scope.id { sql += " AND c.subdistrict_id = \(bind: sd)" }
        sql += " ORDER BY cm.id, c.id, b.id, e.id, h.id"
        let q = sql
        let rows = try await database.withConnection { db in try await db.raw(q).all() }
        return try rows.enumerated().map { i, r in
            HouseholdRow(
                row: i + 2, community: try r.decode(column: "cm", as: String.self),
                compound: try r.decode(column: "cp", as: String.self),
                address: try r.decode(column: "address", as: String.self),
                builtYear: try r.decode(column: "built_year", as: Int?.self),
                building: try r.decode(column: "b", as: String.self),
                entrance: try r.decode(column: "e", as: String.self),
                room: try r.decode(column: "room", as: String.self),
                floor: try r.decode(column: "floor", as: Int?.self),
                area: Area(centi: try r.decode(column: "area_centi", as: Int64.self)),
                ownerName: try r.decode(column: "owner", as: String?.self) ?? "",
                ownerPhone: try r.decode(column: "phone", as: String?.self) ?? "",
                livesElsewhere: (try r.decode(column: "lives_elsewhere", as: Int?.self) ?? 0) != 0)
        }
    }
}
