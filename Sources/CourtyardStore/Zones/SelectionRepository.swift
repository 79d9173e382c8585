import CourtyardDomain
import Foundation
import SQLKit

/// A property selection (物业选聘) as the API shows it.
public struct PropertySelection: Codable, Sendable {
    public struct Decision: Codable, Sendable {
        public var compoundId: Int64
        public var compoundName: String
        /// The owners' vote (Art. 278 matter 4), for a compound with an owners' organisation.
        public var voteId: Int64?
        public var voteStatus: String?
        public var votePassed: Bool?
        /// The office's recorded decision and its basis, for a compound without one.
        public var decision: String?
        public var basis: String?
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", compoundName = "compound_name", voteId = "vote_id"
            case voteStatus = "vote_status", votePassed = "vote_passed", decision, basis
        }
    }

    public struct Contract: Codable, Sendable, Equatable {
        public var organisationId: Int64
        public var termFrom: Day
        public var termUntil: Day
        public var feeFenPerM2Month: Int64
        public var scope: String
        public var attachmentId: Int64?
        public var signedAt: String
        enum CodingKeys: String, CodingKey {
            case organisationId = "organisation_id", termFrom = "term_from", termUntil = "term_until"
            case feeFenPerM2Month = "fee_fen_per_m2_month", scope, attachmentId = "attachment_id"
            case signedAt = "signed_at"
        }
    }

    public var id: Int64
    public var zoneId: Int64
    public var zoneName: String
    public var method: SelectionMethod
    public var criteria: [SelectionCriterion]
    public var deadline: String
    public var panelUserIds: [Int64]
    /// bidding (before the deadline), scoring, scored (every member has scored), deciding, contracted.
    public var state: String
    public var bids: Int
    public var membersScored: Int
    public var noticeIds: [Int64]
    public var proposedBidId: Int64?
    public var decisions: [Decision]
    public var contract: Contract?
    public var createdAt: String
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, zoneId = "zone_id", zoneName = "zone_name", method, criteria, deadline
        case panelUserIds = "panel_user_ids", state, bids, membersScored = "members_scored"
        case noticeIds = "notice_ids", proposedBidId = "proposed_bid_id", decisions, contract
        case createdAt = "created_at", version
    }
}

public struct PropertyBid: Codable, Sendable {
    public var id: Int64
    public var selectionId: Int64
    public var organisationId: Int64
    public var organisationName: String
    public var feeFenPerM2Month: Int64
    public var plan: String
    public var attachments: [Int64]
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, selectionId = "selection_id", organisationId = "organisation_id"
        case organisationName = "organisation_name", feeFenPerM2Month = "fee_fen_per_m2_month", plan, attachments
        case createdAt = "created_at"
    }
}

public struct PanelScore: Codable, Sendable, Equatable {
    public var userId: Int64
    public var bidId: Int64
    public var criterion: String
    public var score: String
    enum CodingKeys: String, CodingKey { case userId = "user_id", bidId = "bid_id", criterion, score }
}

public struct PanelScores: Codable, Sendable {
    /// Whether every member has scored every bid on every criterion; until then each member sees only their own.
    public var complete: Bool
    public var members: Int
    public var membersScored: Int
    public var scores: [PanelScore]
    enum CodingKeys: String, CodingKey { case complete, members, membersScored = "members_scored", scores }
}

public struct RankedBid: Codable, Sendable {
    public var rank: Int
    public var bidId: Int64
    public var organisationId: Int64
    public var organisationName: String
    public var feeFenPerM2Month: Int64
    /// The mean over members of each member's weighted mean, as exact decimal text rounded half up to 0.01.
    public var total: String
    enum CodingKeys: String, CodingKey {
        case rank, bidId = "bid_id", organisationId = "organisation_id", organisationName = "organisation_name"
        case feeFenPerM2Month = "fee_fen_per_m2_month", total
    }
}

public struct SelectionRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct NewSelection: Sendable {
        public var zoneId: Int64
        public var method: SelectionMethod
        public var criteria: [SelectionCriterion]
        public var deadline: Date
        public var panelUserIds: [Int64]
        public init(
            zoneId: Int64, method: SelectionMethod, criteria: [SelectionCriterion], deadline: Date,
            panelUserIds: [Int64]
        ) {
            self.zoneId = zoneId
            self.method = method
            self.criteria = criteria
            self.deadline = deadline
            self.panelUserIds = panelUserIds
        }
    }

    public struct NewBid: Sendable {
        public var organisationId: Int64
        public var feeFenPerM2Month: Int64
        public var plan: String
        public var attachments: [Int64]
        public init(organisationId: Int64, feeFenPerM2Month: Int64, plan: String, attachments: [Int64]) {
            self.organisationId = organisationId
            self.feeFenPerM2Month = feeFenPerM2Month
            self.plan = plan
            self.attachments = attachments
        }
    }

    public struct ScoreInput: Sendable {
        public var bidId: Int64
        public var criterion: String
        public var scoreCenti: Int64
        public init(bidId: Int64, criterion: String, scoreCenti: Int64) {
            self.bidId = bidId
            self.criterion = criterion
            self.scoreCenti = scoreCenti
        }
    }

    public struct NewContract: Sendable {
        public var termFrom: Day
        public var termUntil: Day
        public var feeFenPerM2Month: Int64
        public var scope: String
        public var attachmentId: Int64?
        public init(termFrom: Day, termUntil: Day, feeFenPerM2Month: Int64, scope: String, attachmentId: Int64?) {
            self.termFrom = termFrom
            self.termUntil = termUntil
            self.feeFenPerM2Month = feeFenPerM2Month
            self.scope = scope
            self.attachmentId = attachmentId
        }
    }

    /// Which selections an account sees: its sub-district's (an office; a property company, whose bids these
    /// are); a community's or compound's when the zone holds its compounds; and any it sits on the panel of.
    static func scope(_ actor: Actor) -> SQLQueryString {
        var panel: SQLQueryString = ""
        if let user = actor.userId { panel = " OR s.panel_json LIKE \(bind: "%," + String(user) + ",%")" }
        guard let kind = actor.scope.kind, let id = actor.scope.id else { return "1=1" }
        let place: SQLQueryString
        switch kind {
        case .subdistrict: place = "s.subdistrict_id = \(bind: id)"
        case .organisation:
            // Property companies bid in their sub-district's selections; other organisations (a contractor, a
            // supervisor, a department) have no part in them unless they sit on the panel.
            place =
                actor.role == .propertyCompany
                ? "s.subdistrict_id = (SELECT subdistrict_id FROM organisations WHERE id = \(bind: id))" : "1=0"
        case .community:
            place =
                "s.zone_id IN (SELECT zone_id FROM compounds WHERE community_id = \(bind: id) AND zone_id IS NOT NULL)"
        case .compound, .building, .entrance:
            place = "s.zone_id = (SELECT zone_id FROM compounds WHERE id = " + ScopePlace.compound(kind, id) + ")"
        }
        return "(" + place + panel + ")"
    }

    /// Panel members stored as ",1,5,9," so a member's selections are found with one LIKE.
    static func panelText(_ ids: [Int64]) -> String { "," + ids.map(String.init).joined(separator: ",") + "," }
    static func panelIds(_ text: String) -> [Int64] { text.split(separator: ",").compactMap { Int64($0) } }

    // MARK: reads

    public func list(actor: Actor, zoneId: Int64?, paging: Paging = .export) async throws -> [PropertySelection] {
        try await database.withConnection { db in
            var sql: SQLQueryString = "SELECT s.id FROM property_selections s WHERE " + Self.scope(actor)
            if let z = zoneId { sql += " AND s.zone_id = \(bind: z)" }
            let ids = try await db.raw(sql + " ORDER BY s.id DESC" + paging.sql).all().map { try $0.int("id") }
            var out: [PropertySelection] = []
            for id in ids { out.append(try await load(id: id, db: db)) }
            return out
        }
    }

    public func get(id: Int64, actor: Actor) async throws -> PropertySelection {
        try await database.withConnection { db in
            try await visible(id: id, actor: actor, db: db)
            return try await load(id: id, db: db)
        }
    }

    /// A selection whatever the reader, for the zone's public page (which shows no personal data).
    public func publicSelections(zoneId: Int64) async throws -> [PropertySelection] {
        try await database.withConnection { db in
            let ids = try await db.raw(
                "SELECT id FROM property_selections WHERE zone_id = \(bind: zoneId) ORDER BY id DESC"
            ).all().map { try $0.int("id") }
            var out: [PropertySelection] = []
            for id in ids { out.append(try await load(id: id, db: db)) }
            return out
        }
    }

    func visible(id: Int64, actor: Actor, db: any SQLDatabase) async throws {
        let sql: SQLQueryString =
            "SELECT s.id FROM property_selections s WHERE s.id = \(bind: id) AND " + Self.scope(actor)
        guard try await db.raw(sql).first() != nil else { throw StoreError.notFound }
    }

    struct Row {
        var id: Int64, zoneId: Int64, subdistrictId: Int64, method: SelectionMethod, criteria: [SelectionCriterion]
        var deadline: String, panel: [Int64], state: String, proposedBidId: Int64?,
            contract: PropertySelection.Contract?
        var createdAt: String, version: Int, zoneName: String
    }

    func row(id: Int64, db: any SQLDatabase) async throws -> Row {
        guard
            let r = try await db.raw(
                """
                SELECT s.id, s.zone_id, s.subdistrict_id, s.method, s.criteria_json, s.deadline, s.panel_json, s.state,
                  s.proposed_bid_id, s.contract_json, s.created_at, s.version, z.name AS zone_name
                FROM property_selections s JOIN zones z ON z.id = s.zone_id WHERE s.id = \(bind: id)
                """
            ).first()
        else { throw StoreError.notFound }
        let criteria = try JSONDecoder().decode([SelectionCriterion].self, from: Data(try r.text("criteria_json").utf8))
        let contract = try r.optionalText("contract_json").map {
            try JSONDecoder().decode(PropertySelection.Contract.self, from: Data($0.utf8))
        }
        return Row(
            id: id, zoneId: try r.int("zone_id"), subdistrictId: try r.int("subdistrict_id"),
            method: SelectionMethod(rawValue: try r.text("method")) ?? .publicTender, criteria: criteria,
            deadline: try r.text("deadline"), panel: Self.panelIds(try r.text("panel_json")),
            state: try r.text("state"),
            proposedBidId: try r.optionalInt("proposed_bid_id"), contract: contract,
            createdAt: try r.text("created_at"), version: try r.decode(column: "version", as: Int.self),
            zoneName: try r.text("zone_name"))
    }

    /// The members who have scored every bid on every criterion.
    func membersDone(_ row: Row, db: any SQLDatabase) async throws -> Int {
        let bids = try await db.raw("SELECT COUNT(*) AS n FROM property_bids WHERE selection_id = \(bind: row.id)")
            .first()!.int("n")
        guard bids > 0 else { return 0 }
        let need = bids * Int64(row.criteria.count)
        let rows = try await db.raw(
            """
            SELECT user_id, COUNT(*) AS n FROM property_scores WHERE selection_id = \(bind: row.id) GROUP BY user_id
            """
        ).all()
        var done = 0
        for r in rows {
            let user = try r.int("user_id")
            let n = try r.int("n")
            if row.panel.contains(user) && n >= need { done += 1 }
        }
        return done
    }

    func load(id: Int64, db: any SQLDatabase) async throws -> PropertySelection {
        let r = try await row(id: id, db: db)
        let bids = try await db.raw("SELECT COUNT(*) AS n FROM property_bids WHERE selection_id = \(bind: id)").first()!
            .int("n")
        let done = try await membersDone(r, db: db)
        var state = r.state
        if state == "open" {
            state = Clock.isoNow() < r.deadline ? "bidding" : (done == r.panel.count && bids > 0 ? "scored" : "scoring")
        }
        let notices = try await db.raw(
            """
            SELECT notice_id FROM property_selection_notices WHERE selection_id = \(bind: id) ORDER BY notice_id
            """
        ).all().map { try $0.int("notice_id") }
        let decisions = try await db.raw(
            """
            SELECT d.compound_id, c.name, d.vote_id, v.status, v.result_json, d.decision, d.basis
            FROM property_selection_decisions d JOIN compounds c ON c.id = d.compound_id
            LEFT JOIN votes v ON v.id = d.vote_id WHERE d.selection_id = \(bind: id) ORDER BY d.compound_id
            """
        ).all().map { d in
            let result = try d.optionalText("result_json").flatMap { JSONValue.parse($0) }
            var passed: Bool?
            if case .bool(let b)? = result?["passed"] { passed = b }
            return PropertySelection.Decision(
                compoundId: try d.int("compound_id"), compoundName: try d.text("name"),
                voteId: try d.optionalInt("vote_id"), voteStatus: try d.optionalText("status"), votePassed: passed,
                decision: try d.optionalText("decision"), basis: try d.optionalText("basis"))
        }
        return PropertySelection(
            id: id, zoneId: r.zoneId, zoneName: r.zoneName, method: r.method, criteria: r.criteria,
            deadline: r.deadline, panelUserIds: r.panel, state: state, bids: Int(bids), membersScored: done,
            noticeIds: notices, proposedBidId: r.proposedBidId, decisions: decisions, contract: r.contract,
            createdAt: r.createdAt, version: r.version)
    }

    /// Whether a selection's bids are still sealed: until bidding closes no bidder may learn another's price, so
    /// only the office that takes the bids in and each company its own see them.
    static func sealed(_ r: Row) -> Bool { Clock.isoNow() < r.deadline }

    /// Bids: the office, the panel and the zone's places see all once bidding has closed; a property company only its
    /// own. While bidding is open, the others see none.
    public func bids(selectionId: Int64, actor: Actor) async throws -> [PropertyBid] {
        try await database.withConnection { db in
            try await visible(id: selectionId, actor: actor, db: db)
            var sql: SQLQueryString = Self.bidSelect + " WHERE b.selection_id = \(bind: selectionId)"
            if actor.scope.kind != .organisation, !Permissions.allows(actor.role, .manageZones),
                Self.sealed(try await row(id: selectionId, db: db))
            {
                return []
            }
            if actor.scope.kind == .organisation, let org = actor.scope.id {
                let r = try await row(id: selectionId, db: db)
                if !(actor.userId.map { r.panel.contains($0) } ?? false) {
                    sql += " AND b.organisation_id = \(bind: org)"
                }
            }
            return try await db.raw(sql + " ORDER BY b.id").all().map(Self.bid)
        }
    }

    /// Bids of a selection for its public page: the bidder and fee only, and none while bidding is open.
    public func publicBids(selectionId: Int64) async throws -> [PropertyBid] {
        try await database.withConnection { db in
            if Self.sealed(try await row(id: selectionId, db: db)) { return [] }
            return try await db.raw(Self.bidSelect + " WHERE b.selection_id = \(bind: selectionId) ORDER BY b.id").all()
                .map(
                    Self.bid)
        }
    }

    static let bidSelect: SQLQueryString = """
        SELECT b.id, b.selection_id, b.organisation_id, o.name AS organisation_name, b.fee_fen_per_m2_month, b.plan,
          b.attachments_json, b.created_at FROM property_bids b JOIN organisations o ON o.id = b.organisation_id
        """

    static func bid(_ r: any SQLRow) throws -> PropertyBid {
        PropertyBid(
            id: try r.int("id"), selectionId: try r.int("selection_id"), organisationId: try r.int("organisation_id"),
            organisationName: try r.text("organisation_name"), feeFenPerM2Month: try r.int("fee_fen_per_m2_month"),
            plan: try r.text("plan"), attachments: try r.storedIds("attachments_json"),
            createdAt: try r.text("created_at"))
    }

    /// A panel member sees their own scores until every member has scored; then everyone who sees the selection
    /// sees all of them.
    public func scores(selectionId: Int64, actor: Actor) async throws -> PanelScores {
        try await database.withConnection { db in
            try await visible(id: selectionId, actor: actor, db: db)
            return try await scores(selectionId: selectionId, viewer: actor.userId, db: db)
        }
    }

    func scores(selectionId: Int64, viewer: Int64?, db: any SQLDatabase) async throws -> PanelScores {
        let r = try await row(id: selectionId, db: db)
        let done = try await membersDone(r, db: db)
        let complete = done == r.panel.count && done > 0
        var sql: SQLQueryString =
            "SELECT user_id, bid_id, criterion, score_centi FROM property_scores WHERE selection_id = \(bind: selectionId)"
        if !complete { sql += " AND user_id = \(bind: viewer ?? 0)" }
        let scores = try await db.raw(sql + " ORDER BY user_id, bid_id, criterion").all().map {
            PanelScore(
                userId: try $0.int("user_id"), bidId: try $0.int("bid_id"), criterion: try $0.text("criterion"),
                score: SelectionRules.centiText(try $0.int("score_centi")))
        }
        return PanelScores(complete: complete, members: r.panel.count, membersScored: done, scores: scores)
    }

    /// The ranking once every member has scored: highest total first, then the lower fee, then the earlier bid.
    public func ranking(selectionId: Int64, actor: Actor) async throws -> [RankedBid] {
        try await database.withConnection { db in
            try await visible(id: selectionId, actor: actor, db: db)
            return try await ranking(selectionId: selectionId, db: db)
        }
    }

    public func publicRanking(selectionId: Int64) async throws -> [RankedBid]? {
        try await database.withConnection { db in
            do { return try await ranking(selectionId: selectionId, db: db) } catch StoreError.refused { return nil }
        }
    }

    func ranking(selectionId: Int64, db: any SQLDatabase) async throws -> [RankedBid] {
        let r = try await row(id: selectionId, db: db)
        let done = try await membersDone(r, db: db)
        guard done == r.panel.count, done > 0 else {
            throw StoreError.refused(
                code: "scores_incomplete",
                message: "\(done) of \(r.panel.count) panel members have scored every bid; the ranking follows")
        }
        let bids = try await db.raw(Self.bidSelect + " WHERE b.selection_id = \(bind: selectionId) ORDER BY b.id")
            .all().map(Self.bid)
        var byBid: [Int64: [Int64: [String: Int64]]] = [:]
        for s in try await db.raw(
            "SELECT user_id, bid_id, criterion, score_centi FROM property_scores WHERE selection_id = \(bind: selectionId)"
        ).all() {
            byBid[try s.int("bid_id"), default: [:]][try s.int("user_id"), default: [:]][try s.text("criterion")] =
                try s.int("score_centi")
        }
        var ranked: [(PropertyBid, String, Int64)] = []
        for b in bids {
            let members = r.panel.map { byBid[b.id]?[$0] ?? [:] }
            guard let total = SelectionRules.total(criteria: r.criteria, scores: members) else { continue }
            let centi = Int64(total.replacingOccurrences(of: ".", with: "")) ?? 0
            ranked.append((b, total, centi))
        }
        ranked.sort {
            ($0.2, -$0.0.feeFenPerM2Month, -$0.0.id) > ($1.2, -$1.0.feeFenPerM2Month, -$1.0.id)
        }
        return ranked.enumerated().map { i, x in
            RankedBid(
                rank: i + 1, bidId: x.0.id, organisationId: x.0.organisationId, organisationName: x.0.organisationName,
                feeFenPerM2Month: x.0.feeFenPerM2Month, total: x.1)
        }
    }

    // MARK: writes

    public func create(_ n: NewSelection, actor: Actor) async throws -> PropertySelection {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        if let problem = SelectionRules.criteriaProblem(n.criteria) { throw problem }
        guard n.deadline > Date() else {
            throw ValidationError(field: "deadline", code: "past", message: "the deadline must be in the future")
        }
        guard !n.panelUserIds.isEmpty, n.panelUserIds.count <= 25, Set(n.panelUserIds).count == n.panelUserIds.count
        else {
            throw ValidationError(
                field: "panel_user_ids", code: "invalid", message: "panel_user_ids names 1 to 25 distinct accounts")
        }
        let deadline = Clock.iso(n.deadline)
        let id: Int64 = try await database.transaction { db in
            let zone = try await ZoneRepository(database: database).get(id: n.zoneId, actor: actor, db: db)
            guard !zone.compoundIds.isEmpty else {
                throw ValidationError(
                    field: "zone_id", code: "no_compounds", message: "zone \(zone.id) has no compounds")
            }
            if try await db.raw(
                "SELECT id FROM property_selections WHERE zone_id = \(bind: zone.id) AND state <> 'contracted'"
            ).first() != nil {
                throw StoreError.refused(
                    code: "selection_under_way", message: "zone \(zone.id) already has a selection under way")
            }
            for (i, u) in n.panelUserIds.enumerated() {
                guard
                    try await db.raw("SELECT id FROM users WHERE id = \(bind: u) AND disabled = 0").first() != nil
                else {
                    throw ValidationError(
                        field: "panel_user_ids[\(i)]", code: "not_found", message: "account \(u) does not exist")
                }
            }
            let criteria = String(decoding: try JSONEncoder().encode(n.criteria), as: UTF8.self)
            let now = Clock.isoNow()
            let id = try await db.raw(
                """
                INSERT INTO property_selections (zone_id, subdistrict_id, method, criteria_json, deadline, panel_json,
                  state, created_at, created_by)
                VALUES (\(bind: zone.id), \(bind: zone.subdistrictId), \(bind: n.method.rawValue), \(bind: criteria),
                  \(bind: deadline), \(bind: Self.panelText(n.panelUserIds)), 'open', \(bind: now), \(bind: actor.username))
                RETURNING id
                """
            ).first()!.int("id")
            // The selection notice, published on every compound of the zone until the deadline.
            let weights = n.criteria.map { "\($0.name) \($0.weight)%" }.joined(separator: "、")
            let title = "物业服务企业选聘公告：\(zone.name)"
            let body =
                "\(zone.name)（\(zone.compoundIds.count) 个小区，\(zone.households) 户，\(zone.areaM2) ㎡）依法公开选聘物业服务企业。"
                + "选聘方式：\(Self.methodName(n.method))。评分标准：\(weights)。投标截止：\(beijingTime(deadline))（北京时间）。"
            let today = Clock.today
            try await Self.publish(
                selection: id, title: title, body: body, on: zone.compoundIds, subdistrictId: zone.subdistrictId,
                from: today,
                until: max(Day.from(iso: deadline) ?? today, today), actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "property_selections", entityId: id,
                subdistrictId: zone.subdistrictId, before: nil,
                after: .object([("zone_id", .int(zone.id)), ("method", .string(n.method.rawValue))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    static func methodName(_ m: SelectionMethod) -> String {
        switch m {
        case .publicTender: "公开招标"
        case .invited: "邀请招标"
        case .negotiation: "协议选聘"
        }
    }

    /// A bid, until the deadline: from a property company (its own), or recorded by the office for one.
    public func bid(selectionId: Int64, _ n: NewBid, actor: Actor) async throws -> PropertyBid {
        let own = actor.role == .propertyCompany && actor.scope.kind == .organisation
        guard Permissions.allows(actor.role, .manageZones) || own else { throw AccessError.forbidden }
        if own && actor.scope.id != n.organisationId {
            throw ValidationError(
                field: "organisation_id", code: "not_yours", message: "a property company bids as itself")
        }
        guard n.feeFenPerM2Month > 0, n.feeFenPerM2Month <= 100_000 else {
            throw ValidationError(
                field: "fee_fen_per_m2_month", code: "invalid",
                message: "fee_fen_per_m2_month is fen per m² per month, 1 to 100000")
        }
        let plan = TextNormalizer.prose(n.plan)
        guard !plan.isEmpty, plan.count <= 20_000 else {
            throw ValidationError(field: "plan", code: "required", message: "plan is 1 to 20,000 characters")
        }
        guard n.attachments.count <= 20 else {
            throw ValidationError(field: "attachments", code: "too_many", message: "at most 20 attachments")
        }
        let id: Int64 = try await database.transaction { db in
            try await visible(id: selectionId, actor: actor, db: db)
            let r = try await row(id: selectionId, db: db)
            guard
                let org = try await db.raw(
                    "SELECT kind, subdistrict_id FROM organisations WHERE id = \(bind: n.organisationId)"
                ).first()
            else {
                throw ValidationError(
                    field: "organisation_id", code: "not_found",
                    message: "organisation \(n.organisationId) does not exist")
            }
            guard try org.text("kind") == OrganisationKind.propertyCompany.rawValue else {
                throw ValidationError(
                    field: "organisation_id", code: "not_property_company",
                    message: "organisation \(n.organisationId) is not a property company")
            }
            guard r.state == "open", Clock.isoNow() < r.deadline else {
                throw StoreError.refused(
                    code: "after_deadline", message: "bids closed at the deadline \(r.deadline)")
            }
            try await AttachmentRepository.requireReadable(n.attachments, field: "attachments", actor: actor, db: db)
            let id: Int64
            do {
                id = try await db.raw(
                    """
                    INSERT INTO property_bids (selection_id, organisation_id, fee_fen_per_m2_month, plan, attachments_json,
                      created_at, created_by)
                    VALUES (\(bind: selectionId), \(bind: n.organisationId), \(bind: n.feeFenPerM2Month), \(bind: plan),
                      \(bind: StoredColumn.ids(n.attachments)), \(bind: Clock.isoNow()), \(bind: actor.username))
                    RETURNING id
                    """
                ).first()!.int("id")
            } catch  where DatabaseErrors.isUniqueViolation(error) {
                throw StoreError.refused(
                    code: "already_bid", message: "organisation \(n.organisationId) has already bid in this selection")
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "bid", entity: "property_selections", entityId: selectionId,
                subdistrictId: r.subdistrictId, before: nil,
                after: .object([
                    ("bid_id", .int(id)), ("organisation_id", .int(n.organisationId)),
                    ("fee_fen_per_m2_month", .int(n.feeFenPerM2Month)),
                ]))
            return id
        }
        return try await database.withConnection { db in
            try Self.bid(try await db.raw(Self.bidSelect + " WHERE b.id = \(bind: id)").first()!)
        }
    }

    /// A panel member's scores, after the deadline and until the result is put to the owners; each entry replaces
    /// the member's earlier score for that bid and criterion.
    public func score(selectionId: Int64, _ entries: [ScoreInput], actor: Actor) async throws -> PanelScores {
        guard let user = actor.userId else { throw AccessError.forbidden }
        return try await database.transaction { db in
            let r = try await row(id: selectionId, db: db)
            guard r.panel.contains(user) else { throw AccessError.forbidden }
            guard Clock.isoNow() >= r.deadline else {
                throw StoreError.refused(
                    code: "before_deadline", message: "scoring starts when bids close at \(r.deadline)")
            }
            guard r.state == "open" else {
                throw StoreError.refused(code: "scoring_closed", message: "the result has been put to the owners")
            }
            // Once every member has scored every bid the ranking is published, and a score changed after that would
            // change a ranking people have read.
            guard try await membersDone(r, db: db) < r.panel.count else {
                throw StoreError.refused(
                    code: "scores_published", message: "every member has scored; the ranking is out")
            }
            let bids = Set(
                try await db.raw("SELECT id FROM property_bids WHERE selection_id = \(bind: selectionId)").all().map {
                    try $0.int("id")
                })
            let names = Set(r.criteria.map(\.name))
            for (i, e) in entries.enumerated() {
                guard bids.contains(e.bidId) else {
                    throw ValidationError(
                        field: "[\(i)].bid_id", code: "not_found", message: "bid \(e.bidId) is not in this selection")
                }
                guard names.contains(e.criterion) else {
                    throw ValidationError(
                        field: "[\(i)].criterion", code: "not_found",
                        message: "criterion must be one of \(r.criteria.map(\.name).joined(separator: ", "))")
                }
                guard (0...10_000).contains(e.scoreCenti) else {
                    throw ValidationError(field: "[\(i)].score", code: "invalid", message: "a score is from 0 to 100")
                }
            }
            let now = Clock.isoNow()
            for e in entries {
                try await db.raw(
                    """
                    DELETE FROM property_scores WHERE selection_id = \(bind: selectionId) AND user_id = \(bind: user)
                      AND bid_id = \(bind: e.bidId) AND criterion = \(bind: e.criterion)
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO property_scores (selection_id, user_id, bid_id, criterion, score_centi, scored_at)
                    VALUES (\(bind: selectionId), \(bind: user), \(bind: e.bidId), \(bind: e.criterion),
                      \(bind: e.scoreCenti), \(bind: now))
                    """
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "score", entity: "property_selections", entityId: selectionId,
                subdistrictId: r.subdistrictId, before: nil, after: .object([("entries", .int(Int64(entries.count)))]))
            return try await scores(selectionId: selectionId, viewer: user, db: db)
        }
    }

    /// Whether a compound has an owners' organisation (an owners' or self-management committee) to vote.
    static func hasOwnersOrganisation(_ compound: Int64, db: any SQLDatabase) async throws -> Bool {
        try await db.raw(
            """
            SELECT id FROM bodies WHERE compound_id = \(bind: compound)
              AND kind IN ('owners_committee', 'self_management_committee') LIMIT 1
            """
        ).first() != nil
    }

    /// Puts the ranking and the proposed company to the owners: a draft Art. 278 matter-4 vote in each compound with
    /// an owners' organisation; the others wait for the office's recorded decision.
    public func propose(selectionId: Int64, bidId: Int64, actor: Actor) async throws -> PropertySelection {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        let (zone, company, voters) = try await database.withConnection { db in
            try await visible(id: selectionId, actor: actor, db: db)
            let r = try await row(id: selectionId, db: db)
            guard r.state == "open" else {
                throw StoreError.refused(
                    code: "already_proposed", message: "the result has already been put to the owners")
            }
            let ranked = try await ranking(selectionId: selectionId, db: db)
            guard let chosen = ranked.first(where: { $0.bidId == bidId }) else {
                throw ValidationError(
                    field: "bid_id", code: "not_found", message: "bid \(bidId) is not in this selection")
            }
            let zone = try await ZoneRepository(database: database).get(id: r.zoneId, actor: .system, db: db)
            var voters: [Int64] = []
            for c in zone.compoundIds where try await Self.hasOwnersOrganisation(c, db: db) { voters.append(c) }
            return (zone, chosen.organisationName, voters)
        }
        var created: [Int64: Int64] = [:]
        let votesRepo = VoteRepository(database: database)
        for c in voters {
            let v = try await votesRepo.create(
                title: "选聘物业服务企业：\(company)（\(zone.name)）", matter: .propertyCompany,
                electorate: .compound(c), thresholds: nil, actor: actor)
            created[c] = v.id
        }
        let votes = created
        try await database.transaction { db in
            let r = try await row(id: selectionId, db: db)
            guard r.state == "open" else {
                throw StoreError.refused(
                    code: "already_proposed", message: "the result has already been put to the owners")
            }
            try await db.raw(
                """
                UPDATE property_selections SET state = 'deciding', proposed_bid_id = \(bind: bidId),
                  scores_published = 1, version = version + 1 WHERE id = \(bind: selectionId)
                """
            ).run()
            for c in zone.compoundIds {
                try await db.raw(
                    """
                    INSERT INTO property_selection_decisions (selection_id, compound_id, vote_id)
                    VALUES (\(bind: selectionId), \(bind: c), \(bind: votes[c]))
                    """
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "propose", entity: "property_selections", entityId: selectionId,
                subdistrictId: r.subdistrictId, before: nil,
                after: .object([("bid_id", .int(bidId)), ("votes", .int(Int64(votes.count)))]))
        }
        return try await get(id: selectionId, actor: actor)
    }

    /// The office's decision for a compound without an owners' organisation, with its basis.
    public func decide(selectionId: Int64, compoundId: Int64, approved: Bool, basis: String, actor: Actor)
        async throws -> PropertySelection
    {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        let basis = TextNormalizer.prose(basis)
        guard !basis.isEmpty, basis.count <= 2000 else {
            throw ValidationError(
                field: "basis", code: "required",
                message: "basis states the decision's grounds in 1 to 2,000 characters")
        }
        try await database.transaction { db in
            try await visible(id: selectionId, actor: actor, db: db)
            let r = try await row(id: selectionId, db: db)
            guard r.state == "deciding" else {
                throw StoreError.refused(code: "not_deciding", message: "the result has not been put to the owners")
            }
            guard
                let d = try await db.raw(
                    """
                    SELECT vote_id FROM property_selection_decisions WHERE selection_id = \(bind: selectionId)
                      AND compound_id = \(bind: compoundId)
                    """
                ).first()
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found", message: "compound \(compoundId) is not in this zone")
            }
            if try d.optionalInt("vote_id") != nil {
                throw StoreError.refused(
                    code: "owners_vote", message: "compound \(compoundId) has an owners' organisation; its owners vote")
            }
            try await db.raw(
                """
                UPDATE property_selection_decisions SET decision = \(bind: approved ? "approved" : "rejected"),
                  basis = \(bind: basis), decided_by = \(bind: actor.username), decided_at = \(bind: Clock.isoNow())
                WHERE selection_id = \(bind: selectionId) AND compound_id = \(bind: compoundId)
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "decide", entity: "property_selections", entityId: selectionId,
                subdistrictId: r.subdistrictId, before: nil,
                after: .object([("compound_id", .int(compoundId)), ("approved", .bool(approved))]))
        }
        return try await get(id: selectionId, actor: actor)
    }

    /// The contract closes the selection and assigns the company to the zone, once every compound has agreed: its
    /// owners' vote closed and passed, or the office's decision approved.
    /// A notice of the selection, published on every compound of its zone from `from` to `until`, each with its
    /// webhook: the call for bids at the start, the result once the contract is signed.
    static func publish(
        selection: Int64, title: String, body: String, on compounds: [Int64], subdistrictId: Int64, from: Day,
        until: Day, actor: Actor, db: any SQLDatabase
    ) async throws {
        let now = Clock.isoNow()
        for c in compounds {
            let noticeId = try await db.raw(
                """
                INSERT INTO notices (subdistrict_id, compound_id, project_id, kind, title, body, attachments_json,
                  starts_on, ends_on, state, published_at, created_at, created_by)
                VALUES (\(bind: subdistrictId), \(bind: c), NULL, 'property_selection', \(bind: title),
                  \(bind: body), '[]', \(bind: from.description), \(bind: until.description), 'published',
                  \(bind: now), \(bind: now), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await db.raw(
                """
                INSERT INTO property_selection_notices (selection_id, notice_id) VALUES (\(bind: selection), \(bind: noticeId))
                """
            ).run()
            try await Outbox.emit(
                db: db, event: "notice.published", subdistrictId: subdistrictId,
                payload: .object([
                    ("id", .int(noticeId)), ("compound_id", .int(c)), ("kind", .string("property_selection")),
                    ("title", .string(title)), ("starts_on", .string(from.description)),
                    ("ends_on", .string(until.description)),
                ]))
        }
    }

    public func contract(selectionId: Int64, _ n: NewContract, actor: Actor) async throws -> PropertySelection {
        guard Permissions.allows(actor.role, .manageZones) else { throw AccessError.forbidden }
        guard n.termUntil > n.termFrom else {
            throw ValidationError(field: "term_until", code: "before_start", message: "term_until is after term_from")
        }
        // A contract whose term is over would name a company that no longer serves the zone as its current one.
        guard n.termUntil >= Clock.today else {
            throw ValidationError(
                field: "term_until", code: "term_over", message: "the term ends before today (\(Clock.today))")
        }
        guard n.feeFenPerM2Month > 0, n.feeFenPerM2Month <= 100_000 else {
            throw ValidationError(
                field: "fee_fen_per_m2_month", code: "invalid",
                message: "fee_fen_per_m2_month is fen per m² per month, 1 to 100000")
        }
        let scope = TextNormalizer.prose(n.scope)
        guard !scope.isEmpty, scope.count <= 5000 else {
            throw ValidationError(field: "scope", code: "required", message: "scope is 1 to 5,000 characters")
        }
        try await database.transaction { db in
            try await visible(id: selectionId, actor: actor, db: db)
            let r = try await row(id: selectionId, db: db)
            guard r.state == "deciding", let bidId = r.proposedBidId else {
                throw StoreError.refused(
                    code: r.state == "contracted" ? "already_contracted" : "not_deciding",
                    message: r.state == "contracted"
                        ? "the selection is already closed by its contract"
                        : "the result has not been put to the owners")
            }
            let current = try await load(id: selectionId, db: db)
            var missing: [String] = []
            var details: [Phrase] = []
            func lacks(_ d: PropertySelection.Decision, _ words: String, _ key: String) {
                missing.append("\(d.compoundName): \(words)")
                details.append(Phrase("selection.\(key)", values: ["compound": d.compoundName]))
            }
            for d in current.decisions {
                if d.voteId != nil {
                    if d.voteStatus != "closed" {
                        lacks(d, "the owners' vote is not closed", "voteOpen")
                    } else if d.votePassed != true {
                        lacks(d, "the owners' vote did not pass", "voteFailed")
                    }
                } else if d.decision != "approved" {
                    lacks(d, "no approving office decision with its basis", "noDecision")
                }
            }
            if !missing.isEmpty {
                throw StoreError.refused(code: "not_agreed", message: missing.joined(separator: "; "), details: details)
            }
            if let a = n.attachmentId {
                try await AttachmentRepository.requireReadable([a], field: "attachment_id", actor: actor, db: db)
            }
            let bid = try await db.raw(
                "SELECT organisation_id, fee_fen_per_m2_month FROM property_bids WHERE id = \(bind: bidId)"
            ).first()!
            let org = try bid.int("organisation_id")
            // The owners agreed to the bid as offered: the contract may settle a lower fee, never a higher one.
            let offered = try bid.decode(column: "fee_fen_per_m2_month", as: Int64.self)
            guard n.feeFenPerM2Month <= offered else {
                throw ValidationError(
                    field: "fee_fen_per_m2_month", code: "above_bid",
                    message: "the fee is above the chosen bid's \(offered) fen per m² per month")
            }
            let contract = PropertySelection.Contract(
                organisationId: org, termFrom: n.termFrom, termUntil: n.termUntil,
                feeFenPerM2Month: n.feeFenPerM2Month, scope: scope, attachmentId: n.attachmentId,
                signedAt: Clock.isoNow())
            let text = String(decoding: try JSONEncoder().encode(contract), as: UTF8.self)
            try await db.raw(
                """
                UPDATE property_selections SET state = 'contracted', contract_json = \(bind: text),
                  version = version + 1 WHERE id = \(bind: selectionId)
                """
            ).run()
            try await db.raw(
                "UPDATE zones SET property_company_id = \(bind: org), version = version + 1 WHERE id = \(bind: r.zoneId)"
            ).run()
            // The result is made public on every compound of the zone for seven days (选聘结果公示).
            let zone = try await ZoneRepository(database: database).get(id: r.zoneId, actor: .system, db: db)
            let company = try await db.raw("SELECT name FROM organisations WHERE id = \(bind: org)").first()?.text(
                "name")
            let today = Clock.today
            try await Self.publish(
                selection: selectionId, title: "物业服务企业选聘结果公示：\(zone.name)",
                body: "\(zone.name)物业服务企业选聘已依法完成，选定\(company ?? "")。服务期限：\(n.termFrom) 至 \(n.termUntil)；"
                    + "物业服务费：\(Money.yuan(n.feeFenPerM2Month)) 元/㎡·月；服务范围：\(scope)。",
                on: zone.compoundIds, subdistrictId: zone.subdistrictId, from: today, until: today.adding(days: 7),
                actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "contract", entity: "property_selections", entityId: selectionId,
                subdistrictId: r.subdistrictId, before: nil,
                after: .object([("organisation_id", .int(org)), ("fee_fen_per_m2_month", .int(n.feeFenPerM2Month))]))
        }
        return try await get(id: selectionId, actor: actor)
    }
}

extension Day {
    /// The calendar day in China of a stored UTC time ("2026-12-01T09:00:00Z" → 2026-12-01).
    static func from(iso: String) -> Day? {
        guard let date = ISO8601DateFormatter().date(from: iso) else { return nil }
        return Day.today(epochSeconds: date.timeIntervalSince1970)
    }
}
