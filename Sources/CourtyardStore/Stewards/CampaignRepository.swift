import CourtyardDomain
import Foundation
import SQLKit

/// Outreach campaigns (宣传动员): targets fixed when one opens, each target's status read from its contacts.
public struct CampaignRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct NewCampaign: Sendable {
        public var title: String
        public var compoundIds: [Int64]
        public var filter: JSONValue
        public var goal: CampaignGoal
        public var until: Day
        public init(title: String, compoundIds: [Int64], filter: JSONValue, goal: CampaignGoal, until: Day) {
            self.title = title
            self.compoundIds = compoundIds
            self.filter = filter
            self.goal = goal
            self.until = until
        }
    }

    /// The filter as the issue writes it: `lives_elsewhere` (true or false) and `building_ids`; nothing else.
    struct TargetFilter {
        var livesElsewhere: Bool?
        var buildingIds: [Int64]?

        init(_ json: JSONValue) throws {
            if json == .null { return }
            guard case .object(let pairs) = json else {
                throw ValidationError(field: "filter", code: "invalid", message: "filter is an object")
            }
            for (key, value) in pairs {
                switch key {
                case "lives_elsewhere":
                    guard case .bool(let b) = value else {
                        throw ValidationError(
                            field: "filter.lives_elsewhere", code: "invalid",
                            message: "filter.lives_elsewhere is true or false")
                    }
                    livesElsewhere = b
                case "building_ids":
                    guard let ids = value.idList, !ids.isEmpty, ids.count <= 500, ids.allSatisfy({ $0 > 0 }) else {
                        throw ValidationError(
                            field: "filter.building_ids", code: "invalid",
                            message: "filter.building_ids is a list of 1 to 500 building ids")
                    }
                    buildingIds = ids
                default:
                    throw ValidationError(
                        field: "filter.\(key)", code: "unknown_filter",
                        message: "filter takes lives_elsewhere and building_ids; not \(key)")
                }
            }
        }
    }

    static let columns = "id, subdistrict_id, title, goal, compound_ids_json, filter_json, opened_on, until, created_at"

    static func decode(_ r: any SQLRow, targets: Int) throws -> Campaign {
        Campaign(
            id: try r.int("id"), subdistrictId: try r.int("subdistrict_id"), title: try r.text("title"),
            goal: CampaignGoal(rawValue: try r.text("goal")) ?? .agree,
            compoundIds: try r.storedIds("compound_ids_json"),
            filter: try r.storedDocument("filter_json"), openedOn: Day(try r.text("opened_on")) ?? Clock.today,
            until: Day(try r.text("until")) ?? Clock.today, targets: targets, createdAt: try r.text("created_at"))
    }

    public func create(_ n: NewCampaign, actor: Actor) async throws -> Campaign {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        let title = TextNormalizer.line(n.title)
        guard !title.isEmpty, title.unicodeScalars.count <= 200 else {
            throw ValidationError(field: "title", code: "invalid", message: "title is 1 to 200 characters")
        }
        let compounds = Array(Set(n.compoundIds)).sorted()
        guard !compounds.isEmpty, compounds.count <= 200 else {
            throw ValidationError(
                field: "compound_ids", code: "invalid", message: "compound_ids names 1 to 200 compounds")
        }
        let filter = try TargetFilter(n.filter)
        let today = Clock.today
        if n.until < today {
            throw ValidationError(field: "until", code: "in_past", message: "until is before today")
        }
        let id: Int64 = try await database.transaction { db in
            var subdistricts = Set<Int64>()
            for c in compounds {
                let sql: SQLQueryString =
                    "SELECT t.subdistrict_id FROM compounds t WHERE t.id = \(bind: c) AND "
                    + ResourceSpec.compounds.scopeCondition(actor.scope)
                guard let r = try await db.raw(sql).first() else {
                    throw ValidationError(
                        field: "compound_ids", code: "not_found",
                        message: "compound \(c) in compound_ids does not exist")
                }
                subdistricts.insert(try r.int("subdistrict_id"))
            }
            guard subdistricts.count == 1, let sd = subdistricts.first else {
                throw ValidationError(
                    field: "compound_ids", code: "several_subdistricts",
                    message: "a campaign's compounds lie in one sub-district")
            }
            var inCompounds: SQLQueryString = "("
            for (i, c) in compounds.enumerated() { inCompounds += i == 0 ? "\(bind: c)" : ", \(bind: c)" }
            inCompounds += ")"
            var condition: SQLQueryString = "h.compound_id IN " + inCompounds
            if let buildings = filter.buildingIds {
                for b in Set(buildings).sorted() {
                    let known = try await db.raw(
                        "SELECT id FROM buildings WHERE id = \(bind: b) AND compound_id IN " + inCompounds
                    ).first()
                    if known == nil {
                        throw ValidationError(
                            field: "filter.building_ids", code: "unknown_building",
                            message: "building \(b) is not in the campaign's compounds")
                    }
                }
                condition += " AND h.building_id IN ("
                for (i, b) in Set(buildings).sorted().enumerated() {
                    condition += i == 0 ? "\(bind: b)" : ", \(bind: b)"
                }
                condition += ")"
            }
            if let elsewhere = filter.livesElsewhere {
                let owners: SQLQueryString =
                    "EXISTS (SELECT 1 FROM household_residents hr WHERE hr.household_id = h.id AND hr.lives_elsewhere = 1 AND hr.relation IN ('owner', 'co_owner'))"
                condition += elsewhere ? " AND " + owners : " AND NOT " + owners
            }
            let row = try await db.raw(
                """
                INSERT INTO campaigns (subdistrict_id, title, goal, compound_ids_json, filter_json, opened_on, until, created_at, created_by)
                VALUES (\(bind: sd), \(bind: title), \(bind: n.goal.rawValue), \(bind: StoredColumn.ids(compounds)),
                  \(bind: n.filter == .null ? "{}" : n.filter.serialized()), \(bind: today.description), \(bind: n.until.description),
                  \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            try await db.raw(
                "INSERT INTO campaign_targets (campaign_id, household_id, compound_id, building_id, entrance_id) SELECT \(bind: id), h.id, h.compound_id, h.building_id, h.entrance_id FROM households h WHERE "
                    + condition
            ).run()
            let count = try await db.raw("SELECT COUNT(*) AS n FROM campaign_targets WHERE campaign_id = \(bind: id)")
                .first()!.int("n")
            if count == 0 {
                throw ValidationError(field: "filter", code: "no_targets", message: "no household matches the filter")
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "campaigns", entityId: id, subdistrictId: sd,
                before: nil,
                after: .object([
                    ("title", .string(title)), ("goal", .string(n.goal.rawValue)), ("targets", .int(count)),
                ]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    /// A campaign the actor may see: its office's, or one with a target inside the actor's places.
    static func visible(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Campaign {
        guard
            let r = try await db.raw("SELECT \(unsafeRaw: columns) FROM campaigns WHERE id = \(bind: id)").first()
        else { throw StoreError.notFound }
        let sql: SQLQueryString =
            "SELECT COUNT(*) AS n FROM campaign_targets ct JOIN households t ON t.id = ct.household_id JOIN compounds c ON c.id = t.compound_id WHERE ct.campaign_id = \(bind: id) AND "
            + ResourceSpec.households.scopeCondition(actor.scope)
        let n = try await db.raw(sql).first()!.int("n")
        guard n > 0 else { throw StoreError.notFound }
        return try decode(r, targets: Int(n))
    }

    public func get(id: Int64, actor: Actor) async throws -> Campaign {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in try await Self.visible(id, actor: actor, db: db) }
    }

    /// Campaigns with a target in the actor's places, newest first.
    public func list(actor: Actor, paging: Paging = .export) async throws -> [Campaign] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            "SELECT m.id, m.subdistrict_id, m.title, m.goal, m.compound_ids_json, m.filter_json, m.opened_on, m.until, m.created_at, COUNT(*) AS n FROM campaigns m JOIN campaign_targets ct ON ct.campaign_id = m.id JOIN households t ON t.id = ct.household_id JOIN compounds c ON c.id = t.compound_id WHERE "
            + ResourceSpec.households.scopeCondition(actor.scope)
            + " GROUP BY m.id, m.subdistrict_id, m.title, m.goal, m.compound_ids_json, m.filter_json, m.opened_on, m.until, m.created_at ORDER BY m.id DESC"
            + paging.sql
        return try await database.withConnection { db in
            try await db.raw(sql).all().map { try Self.decode($0, targets: Int(try $0.int("n"))) }
        }
    }

    /// Every target the actor may see, with its status from the campaign's contacts.
    public func targets(id: Int64, actor: Actor) async throws -> (Campaign, [CampaignTarget]) {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let campaign = try await Self.visible(id, actor: actor, db: db)
            return (campaign, try await Self.targets(campaign.id, actor: actor, db: db))
        }
    }

    static func targets(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> [CampaignTarget] {
        let sql: SQLQueryString =
            """
            SELECT t.id, t.compound_id, c.name AS compound_name, t.building_id, b.name AS building_name, t.entrance_id,
              e.name AS entrance_name, t.room, t.floor
            FROM campaign_targets ct JOIN households t ON t.id = ct.household_id JOIN compounds c ON c.id = t.compound_id
            JOIN buildings b ON b.id = t.building_id JOIN entrances e ON e.id = t.entrance_id
            WHERE ct.campaign_id = \(bind: id) AND
            """ + " " + ResourceSpec.households.scopeCondition(actor.scope)
            + " ORDER BY c.name, t.compound_id, b.name, t.building_id, e.name, t.entrance_id, t.floor, t.room, t.id"
        let rows = try await db.raw(sql).all()
        let contacts = try await db.raw(
            "SELECT household_id, id, date, outcome FROM household_contacts WHERE campaign_id = \(bind: id)"
        ).all()
        var byHousehold: [Int64: [CampaignContact]] = [:]
        for c in contacts {
            guard let outcome = ContactOutcome(rawValue: try c.text("outcome")), let day = Day(try c.text("date"))
            else { continue }
            byHousehold[try c.int("household_id"), default: []].append(
                CampaignContact(date: day, sequence: try c.int("id"), outcome: outcome))
        }
        return try rows.map { r in
            let h = try r.int("id")
            return CampaignTarget(
                householdId: h, compoundId: try r.int("compound_id"), compoundName: try r.text("compound_name"),
                buildingId: try r.int("building_id"), buildingName: try r.text("building_name"),
                entranceId: try r.int("entrance_id"), entranceName: try r.text("entrance_name"),
                room: try r.text("room"),
                floor: try r.decode(column: "floor", as: Int?.self),
                status: CampaignRules.status(byHousehold[h] ?? []))
        }
    }

    /// Counts by building, entrance, current steward and day, over the targets the actor may see.
    public func progress(id: Int64, actor: Actor) async throws -> CampaignProgress {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let campaign = try await Self.visible(id, actor: actor, db: db)
            let targets = try await Self.targets(campaign.id, actor: actor, db: db)
            let stewards = try await StewardRepository.current(
                compounds: Array(Set(targets.map(\.compoundId))).sorted(), db: db)
            var total = CampaignTally()
            var buildings: [Int64: (CampaignProgress.Group, CampaignTally)] = [:]
            var entrances: [Int64: (CampaignProgress.Group, CampaignTally)] = [:]
            var byStewards: [Int64: (CampaignProgress.Group, CampaignTally)] = [:]
            var order: (b: [Int64], e: [Int64], s: [Int64]) = ([], [], [])
            for t in targets {
                total.add(t.status)
                if buildings[t.buildingId] == nil {
                    order.b.append(t.buildingId)
                    buildings[t.buildingId] = (
                        .init(
                            id: t.buildingId, name: t.compoundName + " " + t.buildingName, compoundId: t.compoundId,
                            buildingId: t.buildingId, counts: CampaignCounts(CampaignTally())), CampaignTally()
                    )
                }
                buildings[t.buildingId]!.1.add(t.status)
                if entrances[t.entranceId] == nil {
                    order.e.append(t.entranceId)
                    entrances[t.entranceId] = (
                        .init(
                            id: t.entranceId, name: t.compoundName + " " + t.buildingName + " " + t.entranceName,
                            compoundId: t.compoundId, buildingId: t.buildingId, counts: CampaignCounts(CampaignTally())),
                        CampaignTally()
                    )
                }
                entrances[t.entranceId]!.1.add(t.status)
                // The entrance's own steward, else the building's; households with neither count under "none" (id 0).
                let s =
                    stewards["\(ScopeKind.entrance.rawValue):\(t.entranceId)"]
                    ?? stewards["\(ScopeKind.building.rawValue):\(t.buildingId)"]
                let key = s?.id ?? 0
                if byStewards[key] == nil {
                    order.s.append(key)
                    let name = s.map { actor.seesPersonalData ? $0.name : PersonalData.maskName($0.name) } ?? ""
                    byStewards[key] = (
                        .init(
                            id: s?.id, name: name, compoundId: nil, buildingId: nil,
                            counts: CampaignCounts(CampaignTally())), CampaignTally()
                    )
                }
                byStewards[key]!.1.add(t.status)
            }
            func groups(_ keys: [Int64], _ d: [Int64: (CampaignProgress.Group, CampaignTally)]) -> [CampaignProgress
                .Group]
            {
                keys.map { k in
                    var g = d[k]!.0
                    g.counts = CampaignCounts(d[k]!.1)
                    return g
                }
            }
            let visible = Set(targets.map(\.householdId))
            let contacts = try await db.raw(
                "SELECT household_id, date, outcome FROM household_contacts WHERE campaign_id = \(bind: campaign.id) ORDER BY date"
            ).all()
            var days: [Day: (contacts: Int, households: Set<Int64>, agreed: Int, refused: Int, unreachable: Int)] = [:]
            for c in contacts {
                let h = try c.int("household_id")
                guard visible.contains(h), let day = Day(try c.text("date")) else { continue }
                var line = days[day] ?? (0, [], 0, 0, 0)
                line.contacts += 1
                line.households.insert(h)
                switch ContactOutcome(rawValue: try c.text("outcome")) {
                case .agreed: line.agreed += 1
                case .refused: line.refused += 1
                case .unreachable: line.unreachable += 1
                default: break
                }
                days[day] = line
            }
            return CampaignProgress(
                campaignId: campaign.id, total: CampaignCounts(total), byBuilding: groups(order.b, buildings),
                byEntrance: groups(order.e, entrances), bySteward: groups(order.s, byStewards),
                byDay: days.keys.sorted().map { d in
                    let l = days[d]!
                    return .init(
                        date: d, contacts: l.contacts, households: l.households.count, agreed: l.agreed,
                        refused: l.refused, unreachable: l.unreachable)
                })
        }
    }
}
