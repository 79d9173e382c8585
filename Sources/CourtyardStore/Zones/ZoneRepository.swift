import CourtyardDomain
import Foundation
import SQLKit

/// A zone (片区): ownerless compounds grouped for one property company, with their households and area.
public struct Zone: Codable, Sendable, Equatable {
    public var id: Int64
    public var subdistrictId: Int64
    public var communityId: Int64?
    public var name: String
    public var compoundIds: [Int64]
    public var households: Int64
    public var areaM2: String
    public var propertyCompanyId: Int64?
    public var propertyCompanyName: String?
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", communityId = "community_id", name
        case compoundIds = "compound_ids", households, areaM2 = "area_m2"
        case propertyCompanyId = "property_company_id", propertyCompanyName = "property_company_name", version
    }
}

/// A compound on a map: what the GeoJSON lists carry.
public struct CompoundPlace: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var address: String
    public var zoneId: Int64?
    public var communityId: Int64
    public var point: GeoPoint?
}

public struct ZoneRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// A zone's fields as an office writes them; `nil` leaves a field as it is on a change.
    public struct Input: Sendable {
        public var name: String?
        public var subdistrictId: Int64?
        public var communityId: Int64??
        public var compoundIds: [Int64]?
        public init(name: String?, subdistrictId: Int64?, communityId: Int64??, compoundIds: [Int64]?) {
            self.name = name
            self.subdistrictId = subdistrictId
            self.communityId = communityId
            self.compoundIds = compoundIds
        }
    }

    /// Which zones an account sees: its sub-district's; a community's zones and those holding its compounds; a
    /// compound's (or a steward's) own zone; a property company the zones it serves.
    static func scope(_ actor: Actor) -> SQLQueryString {
        guard let kind = actor.scope.kind, let id = actor.scope.id else { return "1=1" }
        switch kind {
        case .subdistrict: return "z.subdistrict_id = \(bind: id)"
        case .community:
            return
                "(z.community_id = \(bind: id) OR z.id IN (SELECT zone_id FROM compounds WHERE community_id = \(bind: id) AND zone_id IS NOT NULL))"
        case .organisation: return "z.property_company_id = \(bind: id)"
        case .compound, .building, .entrance:
            return "z.id = (SELECT zone_id FROM compounds WHERE id = " + ScopePlace.compound(kind, id) + ")"
        }
    }

    static let select: SQLQueryString = """
        SELECT z.id, z.subdistrict_id, z.community_id, z.name, z.property_company_id, o.name AS company_name, z.version
        FROM zones z LEFT JOIN organisations o ON o.id = z.property_company_id
        """

    func load(_ rows: [any SQLRow], db: any SQLDatabase) async throws -> [Zone] {
        var zones: [Zone] = try rows.map { r in
            Zone(
                id: try r.int("id"), subdistrictId: try r.int("subdistrict_id"),
                communityId: try r.optionalInt("community_id"), name: try r.text("name"), compoundIds: [],
                households: 0, areaM2: "0.00", propertyCompanyId: try r.optionalInt("property_company_id"),
                propertyCompanyName: try r.optionalText("company_name"),
                version: try r.decode(column: "version", as: Int.self))
        }
        guard !zones.isEmpty else { return [] }
        let ids = zones.map(\.id)
        var members: [Int64: [Int64]] = [:]
        for r in try await db.raw(
            "SELECT id, zone_id FROM compounds WHERE zone_id IN (\(binds: ids)) ORDER BY id"
        ).all() {
            members[try r.int("zone_id"), default: []].append(try r.int("id"))
        }
        var totals: [Int64: (Int64, Int64)] = [:]
        for r in try await db.raw(
            """
            SELECT c.zone_id, COUNT(h.id) AS n, CAST(COALESCE(SUM(h.area_centi), 0) AS BIGINT) AS area
            FROM compounds c JOIN households h ON h.compound_id = c.id
            WHERE c.zone_id IN (\(binds: ids)) GROUP BY c.zone_id
            """
        ).all() {
            totals[try r.int("zone_id")] = (try r.int("n"), try r.int("area"))
        }
        for i in zones.indices {
            zones[i].compoundIds = members[zones[i].id] ?? []
            let t = totals[zones[i].id] ?? (0, 0)
            zones[i].households = t.0
            zones[i].areaM2 = Area(centi: t.1).description
        }
        return zones
    }

    public func list(actor: Actor, paging: Paging = .export) async throws -> [Zone] {
        try await database.withConnection { db in
            let rows = try await db.raw(Self.select + " WHERE " + Self.scope(actor) + " ORDER BY z.id" + paging.sql)
                .all()
            return try await load(rows, db: db)
        }
    }

    public func get(id: Int64, actor: Actor) async throws -> Zone {
        try await database.withConnection { db in try await get(id: id, actor: actor, db: db) }
    }

    func get(id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Zone {
        let rows = try await db.raw(Self.select + " WHERE z.id = \(bind: id) AND " + Self.scope(actor)).all()
        guard let z = try await load(rows, db: db).first else { throw StoreError.notFound }
        return z
    }

    /// The compounds of the actor's scope with their location, for GeoJSON.
    public func places(actor: Actor) async throws -> [CompoundPlace] {
        try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT t.id, t.name, t.address, t.zone_id, t.community_id, t.lat_e7, t.lon_e7 FROM compounds t WHERE "
                + ResourceSpec.compounds.scopeCondition(actor.scope) + " ORDER BY t.id"
            return try await db.raw(sql).all().map(Self.place)
        }
    }

    static func place(_ r: any SQLRow) throws -> CompoundPlace {
        let lat = try r.optionalInt("lat_e7")
        let lon = try r.optionalInt("lon_e7")
        return CompoundPlace(
            id: try r.int("id"), name: try r.text("name"), address: try r.text("address"),
            zoneId: try r.optionalInt("zone_id"), communityId: try r.int("community_id"),
            point: lat.flatMap { la in lon.map { GeoPoint(latE7: la, lonE7: $0) } })
    }

    /// The compounds of the zones the actor sees, with their location.
    public func zonePlaces(actor: Actor) async throws -> [CompoundPlace] {
        try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT t.id, t.name, t.address, t.zone_id, t.community_id, t.lat_e7, t.lon_e7 FROM compounds t WHERE t.zone_id IN (SELECT z.id FROM zones z WHERE "
                + Self.scope(actor) + ") ORDER BY t.id"
            return try await db.raw(sql).all().map(Self.place)
        }
    }

    /// Located compounds in a sub-district (or everywhere), for placing an Open311 request by its coordinates.
    public func located(subdistrictId: Int64?) async throws -> [(id: Int64, point: GeoPoint)] {
        try await database.withConnection { db in
            var sql: SQLQueryString =
                "SELECT id, lat_e7, lon_e7 FROM compounds WHERE lat_e7 IS NOT NULL AND lon_e7 IS NOT NULL"
            if let sd = subdistrictId { sql += " AND subdistrict_id = \(bind: sd)" }
            return try await db.raw(sql + " ORDER BY id").all().map {
                (try $0.int("id"), GeoPoint(latE7: try $0.int("lat_e7"), lonE7: try $0.int("lon_e7")))
            }
        }
    }

    // MARK: writes

    static func cleanName(_ raw: String?) throws -> String? {
        guard let raw else { return nil }
        let name = TextNormalizer.clean(raw)
        guard !name.isEmpty, name.unicodeScalars.count <= 100 else {
            throw ValidationError(field: "name", code: "invalid", message: "name is 1 to 100 characters")
        }
        return name
    }

    public func create(_ input: Input, actor: Actor) async throws -> Zone {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        guard let name = try Self.cleanName(input.name) else {
            throw ValidationError(field: "name", code: "required", message: "name is required")
        }
        let id: Int64 = try await database.transaction { db in
            let community = input.communityId ?? nil
            let sd = try await subdistrict(given: input.subdistrictId, community: community, actor: actor, db: db)
            let row = try await Self.guardName {
                try await db.raw(
                    """
                    INSERT INTO zones (subdistrict_id, community_id, name, created_at)
                    VALUES (\(bind: sd), \(bind: community), \(bind: name), \(bind: Clock.isoNow())) RETURNING id
                    """
                ).first()!
            }
            let id = try row.int("id")
            try await assign(
                zone: id, subdistrictId: sd, communityId: community, compounds: input.compoundIds ?? [], db: db)
            let zone = try await get(id: id, actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "zones", entityId: id, subdistrictId: sd, before: nil,
                after: try JSONValueCoding.encode(zone))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    public func update(id: Int64, _ input: Input, expectedVersion: Int?, actor: Actor) async throws -> Zone {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        let name = try Self.cleanName(input.name)
        if input.subdistrictId != nil {
            throw ValidationError(
                field: "subdistrict_id", code: "read_only", message: "subdistrict_id cannot be changed after creation")
        }
        try await database.transaction { db in
            let before = try await get(id: id, actor: actor, db: db)
            if let v = expectedVersion, v != before.version { throw StoreError.stale }
            let community = input.communityId ?? before.communityId
            if let c = community, input.communityId != nil {
                guard
                    try await db.raw(
                        "SELECT id FROM communities WHERE id = \(bind: c) AND subdistrict_id = \(bind: before.subdistrictId)"
                    ).first() != nil
                else {
                    throw ValidationError(
                        field: "community_id", code: "not_found",
                        message: "community \(c) is not in the zone's sub-district")
                }
            }
            _ = try await Self.guardName {
                try await db.raw(
                    """
                    UPDATE zones SET version = version + 1, name = \(bind: name ?? before.name),
                      community_id = \(bind: community) WHERE id = \(bind: id)
                    """
                ).run()
            }
            if let compounds = input.compoundIds {
                try await db.raw(
                    "UPDATE compounds SET zone_id = NULL, version = version + 1 WHERE zone_id = \(bind: id)"
                )
                .run()
                try await assign(
                    zone: id, subdistrictId: before.subdistrictId, communityId: community, compounds: compounds, db: db)
            } else if let c = community, input.communityId != nil {
                // A zone narrowed to one community keeps only compounds of that community.
                let outside = try await db.raw(
                    "SELECT id FROM compounds WHERE zone_id = \(bind: id) AND community_id <> \(bind: c) ORDER BY id LIMIT 1"
                ).first()
                if let o = outside {
                    throw ValidationError(
                        field: "community_id", code: "compound_outside",
                        message: "compound \(try o.int("id")) of this zone is not in community \(c)")
                }
            }
            let after = try await get(id: id, actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "zones", entityId: id,
                subdistrictId: before.subdistrictId, before: try JSONValueCoding.encode(before),
                after: try JSONValueCoding.encode(after))
        }
        return try await get(id: id, actor: actor)
    }

    public func delete(id: Int64, expectedVersion: Int?, actor: Actor) async throws {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let before = try await get(id: id, actor: actor, db: db)
            if let v = expectedVersion, v != before.version { throw StoreError.stale }
            if try await db.raw("SELECT id FROM property_selections WHERE zone_id = \(bind: id) LIMIT 1").first() != nil
            {
                throw StoreError.conflict("zone \(id) has a property selection; it is kept as its record")
            }
            try await db.raw("UPDATE compounds SET zone_id = NULL, version = version + 1 WHERE zone_id = \(bind: id)")
                .run()
            try await db.raw("DELETE FROM zones WHERE id = \(bind: id)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "zones", entityId: id,
                subdistrictId: before.subdistrictId, before: try JSONValueCoding.encode(before), after: nil)
        }
    }

    /// The new zone's sub-district: the community's, else the one given, else the office's own.
    func subdistrict(given: Int64?, community: Int64?, actor: Actor, db: any SQLDatabase) async throws -> Int64 {
        var sd = given
        if let c = community {
            guard let r = try await db.raw("SELECT subdistrict_id FROM communities WHERE id = \(bind: c)").first()
            else {
                throw ValidationError(
                    field: "community_id", code: "not_found", message: "community \(c) does not exist")
            }
            let csd = try r.int("subdistrict_id")
            if let g = given, g != csd {
                throw ValidationError(
                    field: "community_id", code: "mismatch", message: "community \(c) is not in sub-district \(g)")
            }
            sd = csd
        }
        if sd == nil, actor.scope.kind == .subdistrict { sd = actor.scope.id }
        guard let sd else {
            throw ValidationError(
                field: "subdistrict_id", code: "required", message: "give subdistrict_id or community_id")
        }
        if let kind = actor.scope.kind, let mine = actor.scope.id, kind == .subdistrict, mine != sd {
            throw ValidationError(
                field: "subdistrict_id", code: "not_found", message: "sub-district \(sd) is not this account's")
        }
        guard try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: sd)").first() != nil else {
            throw ValidationError(
                field: "subdistrict_id", code: "not_found", message: "sub-district \(sd) does not exist")
        }
        return sd
    }

    /// Puts compounds in a zone: each must exist in the zone's sub-district (and community, if it has one) and be
    /// in no other zone (a 409 naming the compound and its zone).
    func assign(zone: Int64, subdistrictId: Int64, communityId: Int64?, compounds: [Int64], db: any SQLDatabase)
        async throws
    {
        var seen = Set<Int64>()
        for (i, c) in compounds.enumerated() {
            guard c > 0, seen.insert(c).inserted else {
                throw ValidationError(
                    field: "compound_ids[\(i)]", code: "invalid", message: "compound_ids lists distinct compound ids")
            }
            guard
                let r = try await db.raw(
                    "SELECT subdistrict_id, community_id, zone_id FROM compounds WHERE id = \(bind: c)"
                ).first(), try r.int("subdistrict_id") == subdistrictId
            else {
                throw ValidationError(
                    field: "compound_ids[\(i)]", code: "not_found",
                    message: "compound \(c) is not in the zone's sub-district")
            }
            if let cm = communityId, try r.int("community_id") != cm {
                throw ValidationError(
                    field: "compound_ids[\(i)]", code: "outside_community",
                    message: "compound \(c) is not in the zone's community")
            }
            if let other = try r.optionalInt("zone_id"), other != zone {
                throw StoreError.refused(
                    code: "compound_in_other_zone", message: "compound \(c) is already in zone \(other)")
            }
            try await db.raw(
                "UPDATE compounds SET zone_id = \(bind: zone), version = version + 1 WHERE id = \(bind: c)"
            ).run()
        }
    }

    static func guardName<R>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch  where DatabaseErrors.isUniqueViolation(error) {
            throw StoreError.conflict("a zone with that name already exists in this sub-district")
        }
    }
}
