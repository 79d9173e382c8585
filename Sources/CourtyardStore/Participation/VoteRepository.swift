import CourtyardDomain
import Foundation
import SQLKit

/// Who may vote: a whole compound, or some of its buildings, entrances or households.
public enum ElectorateSpec: Codable, Sendable, Equatable {
    case compound(Int64)
    case buildings([Int64])
    case entrances([Int64])
    case households([Int64])

    enum CodingKeys: String, CodingKey {
        case compoundId = "compound_id", buildingIds = "building_ids", entranceIds = "entrance_ids"
        case householdIds = "household_ids"
    }

    /// As stored and as the API shows it: one key naming the kind of place.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .compound(let id): try c.encode(id, forKey: .compoundId)
        case .buildings(let ids): try c.encode(ids, forKey: .buildingIds)
        case .entrances(let ids): try c.encode(ids, forKey: .entranceIds)
        case .households(let ids): try c.encode(ids, forKey: .householdIds)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let id = try c.decodeIfPresent(Int64.self, forKey: .compoundId) {
            self = .compound(id)
        } else if let ids = try c.decodeIfPresent([Int64].self, forKey: .buildingIds) {
            self = .buildings(ids)
        } else if let ids = try c.decodeIfPresent([Int64].self, forKey: .entranceIds) {
            self = .entrances(ids)
        } else {
            self = .households(try c.decode([Int64].self, forKey: .householdIds))
        }
    }

    /// The condition on households `h` that selects this electorate.
    var condition: SQLQueryString {
        switch self {
        case .compound(let id): "h.compound_id = \(bind: id)"
        case .buildings(let ids): "h.building_id IN (\(binds: ids))"
        case .entrances(let ids): "h.entrance_id IN (\(binds: ids))"
        case .households(let ids): "h.id IN (\(binds: ids))"
        }
    }
}

/// A vote as the API shows it: its rule as text ("≥ 2/3"), its counts, and once closed its result.
public struct VoteDetail: Codable, Sendable {
    /// The four thresholds, each as "≥ 2/3" or "> 1/2".
    public struct Rule: Codable, Sendable {
        public var quorumArea: String
        public var quorumOwners: String
        public var approvalArea: String
        public var approvalOwners: String
        enum CodingKeys: String, CodingKey {
            case quorumArea = "quorum_area", quorumOwners = "quorum_owners", approvalArea = "approval_area"
            case approvalOwners = "approval_owners"
        }
        init(_ t: VoteThresholds) {
            quorumArea = t.quorumArea.description
            quorumOwners = t.quorumOwners.description
            approvalArea = t.approvalArea.description
            approvalOwners = t.approvalOwners.description
        }
    }
    /// The closed vote's figures, areas in square metres as text ("900.00").
    public struct Result: Codable, Sendable {
        public var eligibleOwners: Int64
        public var participatingOwners: Int64
        public var approvingOwners: Int64
        public var eligibleArea: String
        public var participatingArea: String
        public var approvingArea: String
        public var quorumMet: Bool
        public var passed: Bool
        enum CodingKeys: String, CodingKey {
            case eligibleOwners = "eligible_owners", participatingOwners = "participating_owners"
            case approvingOwners = "approving_owners", eligibleArea = "eligible_area"
            case participatingArea = "participating_area", approvingArea = "approving_area"
            case quorumMet = "quorum_met", passed
        }
        init(_ r: VoteResult) {
            eligibleOwners = r.eligibleOwners
            participatingOwners = r.participatingOwners
            approvingOwners = r.approvingOwners
            eligibleArea = r.eligibleArea.description
            participatingArea = r.participatingArea.description
            approvingArea = r.approvingArea.description
            quorumMet = r.quorumMet
            passed = r.passed
        }
    }
    public var id: Int64
    public var title: String
    public var matter: Int
    public var compoundId: Int64
    public var electorate: ElectorateSpec?
    public var status: VoteStatus
    public var thresholds: Rule
    public var eligibleHouseholds: Int
    public var ballotsCast: Int
    public var createdAt: String
    public var openedAt: String?
    public var closedAt: String?
    public var result: Result?
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, title, matter, compoundId = "compound_id", electorate, status, thresholds
        case eligibleHouseholds = "eligible_households", ballotsCast = "ballots_cast", createdAt = "created_at"
        case openedAt = "opened_at", closedAt = "closed_at", result, version
    }
}

/// One household's ballot as entered.
public struct VoteBallot: Codable, Sendable {
    public var id: Int64
    public var voteId: Int64
    public var householdId: Int64
    public var choice: VoteChoice
    public var channel: String
    public var paperNumber: String?
    enum CodingKeys: String, CodingKey {
        case id, voteId = "vote_id", householdId = "household_id", choice, channel, paperNumber = "paper_number"
    }
}

/// Owners' votes: drafted, opened (the electorate is frozen), balloted, closed (the result is computed once).
public struct VoteRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public typealias Status = VoteStatus

    public func create(
        title: String, matter: VoteMatter, electorate: ElectorateSpec, thresholds: VoteThresholds?, actor: Actor
    )
        async throws -> VoteDetail
    {
        guard Permissions.allows(actor.role, .manageVotes) else { throw AccessError.forbidden }
        let title = try TextBounds.title(TextNormalizer.line(title), what: "a vote")
        let rule = thresholds ?? .article278(matter)
        if let name = VoteRules.invalidThreshold(rule) {
            throw ValidationError(
                field: "thresholds", code: "invalid", message: "\(name) must be a fraction between 0 and 1")
        }
        let id: Int64 = try await database.transaction { db in
            let compounds = try await db.raw(
                "SELECT DISTINCT h.compound_id FROM households h WHERE " + electorate.condition
            ).all()
                .map { try $0.decode(column: "compound_id", as: Int64.self) }
            let compoundId = try VoteRules.electorateCompound(compounds).get()
            let repo = ResourceRepository(database: database)
            guard let compound = try await repo.fetch(.compounds, id: compoundId, actor: actor, db: db) else {
                throw StoreError.notFound
            }
            let row = try await db.raw(
                """
                INSERT INTO votes (subdistrict_id, compound_id, title, matter, electorate_json, thresholds_json, status, created_at)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: compound.id), \(bind: title), \(bind: matter.rawValue),
                  \(bind: Self.encode(electorate)), \(bind: Self.encode(rule)), 'draft', \(bind: Clock.isoNow()))
                RETURNING id
                """
            ).first()!
            let id = try row.decode(column: "id", as: Int64.self)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "votes", entityId: id,
                subdistrictId: compound.subdistrictId, before: nil,
                after: .object([("title", .string(title)), ("matter", .int(Int64(matter.rawValue)))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    static func encode(_ t: VoteThresholds) -> String {
        String(decoding: try! JSONEncoder().encode(t), as: UTF8.self)
    }

    /// The electorate as stored: the API's shape, keys as they are written in JSON.
    static func encode(_ e: ElectorateSpec) -> String {
        (try? JSONValueCoding.encode(e).serialized()) ?? "{}"
    }

    struct Row {
        var id: Int64, subdistrictId: Int64, compoundId: Int64, title: String, matter: Int, status: Status
        var electorate: String, thresholds: VoteThresholds, createdAt: String, openedAt: String?, closedAt: String?
        var result: String?, version: Int
    }

    func load(id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Row {
        let sql: SQLQueryString = """
            SELECT v.id, v.subdistrict_id, v.compound_id, v.title, v.matter, v.status, v.electorate_json, v.thresholds_json,
              v.created_at, v.opened_at, v.closed_at, v.result_json, v.version
            FROM votes v JOIN compounds t ON t.id = v.compound_id WHERE v.id = \(bind: id) AND
            """ + " " + ResourceSpec.compounds.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        let thresholds = try JSONDecoder().decode(
            VoteThresholds.self, from: Data(try r.decode(column: "thresholds_json", as: String.self).utf8))
        return Row(
            id: try r.decode(column: "id", as: Int64.self),
            subdistrictId: try r.decode(column: "subdistrict_id", as: Int64.self),
            compoundId: try r.decode(column: "compound_id", as: Int64.self),
            title: try r.decode(column: "title", as: String.self),
            matter: try r.decode(column: "matter", as: Int.self),
            status: Status(rawValue: try r.decode(column: "status", as: String.self)) ?? .draft,
            electorate: try r.decode(column: "electorate_json", as: String.self), thresholds: thresholds,
            createdAt: try r.decode(column: "created_at", as: String.self),
            openedAt: try r.decode(column: "opened_at", as: String?.self),
            closedAt: try r.decode(column: "closed_at", as: String?.self),
            result: try r.decode(column: "result_json", as: String?.self),
            version: try r.decode(column: "version", as: Int.self))
    }

    public func get(id: Int64, actor: Actor) async throws -> VoteDetail {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let v = try await load(id: id, actor: actor, db: db)
            let counts = try await db.raw(
                """
                SELECT (SELECT COUNT(*) FROM vote_electorate WHERE vote_id = \(bind: id)) AS eligible,
                  (SELECT COUNT(*) FROM ballots WHERE vote_id = \(bind: id) AND voided_at IS NULL) AS cast
                """
            ).first()!
            return Self.detail(
                v, eligible: try counts.decode(column: "eligible", as: Int.self),
                cast: try counts.decode(column: "cast", as: Int.self))
        }
    }

    static func detail(_ v: Row, eligible: Int, cast: Int) -> VoteDetail {
        let result = v.result.flatMap { try? JSONDecoder().decode(VoteResult.self, from: Data($0.utf8)) }
        return VoteDetail(
            id: v.id, title: v.title, matter: v.matter, compoundId: v.compoundId,
            electorate: try? Self.decodeSpec(v.electorate), status: v.status, thresholds: .init(v.thresholds),
            eligibleHouseholds: eligible, ballotsCast: cast, createdAt: v.createdAt, openedAt: v.openedAt,
            closedAt: v.closedAt, result: result.map(VoteDetail.Result.init), version: v.version)
    }

    public func list(actor: Actor, compoundId: Int64?, paging: Paging = .export) async throws -> [VoteDetail] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT v.id FROM votes v JOIN compounds t ON t.id = v.compound_id WHERE "
            + ResourceSpec.compounds.scopeCondition(actor.scope)
        if let compoundId { sql += " AND v.compound_id = \(bind: compoundId)" }
        sql += " ORDER BY v.id DESC" + paging.sql
        let q = sql
        let ids = try await database.withConnection { db in
            try await db.raw(q).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        var out: [VoteDetail] = []
        for id in ids { out.append(try await get(id: id, actor: actor)) }
        return out
    }

    /// Opens a draft: the electorate (households, their areas and who owns them) is frozen now.
    public func open(id: Int64, actor: Actor) async throws -> VoteDetail {
        guard Permissions.allows(actor.role, .manageVotes) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let v = try await load(id: id, actor: actor, db: db)
            if let refusal = VoteRules.refusal(.open, status: v.status) { throw StoreError.conflict(refusal) }
            let spec = try Self.decodeSpec(v.electorate)
            // One owner per household whatever its co-owners; one person owning several households is one owner.
            try await db.raw(
                """
                INSERT INTO vote_electorate (vote_id, household_id, area_centi, owner_key)
                SELECT \(bind: id), h.id, h.area_centi, COALESCE('r:' || CAST(o.resident_id AS TEXT), 'h:' || CAST(h.id AS TEXT))
                FROM households h LEFT JOIN household_residents o ON o.household_id = h.id AND o.relation = 'owner'
                WHERE h.compound_id = \(bind: v.compoundId) AND
                """ + " " + spec.condition
            ).run()
            try await db.raw(
                "UPDATE votes SET status = 'open', opened_at = \(bind: Clock.isoNow()), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "open", entity: "votes", entityId: id, subdistrictId: v.subdistrictId,
                before: .string("draft"), after: .string("open"))
            try await Outbox.emit(
                db: db, event: "vote.opened", subdistrictId: v.subdistrictId,
                payload: .object([
                    ("id", .int(id)), ("compound_id", .int(v.compoundId)), ("title", .string(v.title)),
                    ("matter", .int(Int64(v.matter))),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    static func decodeSpec(_ json: String) throws -> ElectorateSpec {
        guard let spec = try? JSONValueCoding.decode(ElectorateSpec.self, from: try JSONParser.parse(json)) else {
            throw StoreError.invalid("the vote's electorate cannot be read")
        }
        return spec
    }

    /// Closes an open vote and computes its result, once; it never changes afterwards.
    public func close(id: Int64, actor: Actor) async throws -> VoteDetail {
        guard Permissions.allows(actor.role, .manageVotes) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let v = try await load(id: id, actor: actor, db: db)
            if let refusal = VoteRules.refusal(.close, status: v.status) { throw StoreError.conflict(refusal) }
            let electorate = try await db.raw(
                "SELECT household_id, area_centi, owner_key FROM vote_electorate WHERE vote_id = \(bind: id)"
            ).all().map {
                ElectorHousehold(
                    householdId: try $0.decode(column: "household_id", as: Int64.self),
                    area: Area(centi: try $0.decode(column: "area_centi", as: Int64.self)),
                    owner: try $0.decode(column: "owner_key", as: String.self))
            }
            var ballots: [Int64: VoteChoice] = [:]
            for r in try await db.raw(
                "SELECT household_id, choice FROM ballots WHERE vote_id = \(bind: id) AND voided_at IS NULL"
            ).all() {
                ballots[try r.decode(column: "household_id", as: Int64.self)] = VoteChoice(
                    rawValue: try r.decode(column: "choice", as: String.self))
            }
            let result = VoteTally.tally(electorate: electorate, ballots: ballots, thresholds: v.thresholds)
            let encoded = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
            try await db.raw(
                """
                UPDATE votes SET status = 'closed', closed_at = \(bind: Clock.isoNow()), result_json = \(bind: encoded), version = version + 1
                WHERE id = \(bind: id) AND status = 'open'
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "close", entity: "votes", entityId: id, subdistrictId: v.subdistrictId,
                before: .string("open"), after: .string(encoded))
            try await Outbox.emit(
                db: db, event: "vote.closed", subdistrictId: v.subdistrictId,
                payload: .object([
                    ("id", .int(id)), ("compound_id", .int(v.compoundId)), ("title", .string(v.title)),
                    ("passed", .bool(result.passed)), ("quorum_met", .bool(result.quorumMet)),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    /// Records one household's ballot; the database's unique indexes make a second ballot for the
    /// household, or a second use of a paper number, fail even when two stewards enter them at once.
    public func cast(voteId: Int64, householdId: Int64, choice: VoteChoice, paperNumber: String?, actor: Actor)
        async throws -> VoteBallot
    {
        guard Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        let channel = paperNumber == nil ? "online" : "paper"
        let ballotId: Int64 = try await database.transaction { db in
            let v = try await load(id: voteId, actor: actor, db: db)
            if let refusal = VoteRules.refusal(.castBallot, status: v.status) { throw StoreError.conflict(refusal) }
            let member = try await db.raw(
                "SELECT household_id FROM vote_electorate WHERE vote_id = \(bind: voteId) AND household_id = \(bind: householdId)"
            ).first()
            guard member != nil else {
                throw ValidationError(
                    field: "household_id", code: "not_in_electorate",
                    message: "household \(householdId) is not in this vote's electorate")
            }
            // A steward of a building or entrance enters ballots only for the households there.
            if try await ResourceRepository(database: database).fetch(
                .households, id: householdId, actor: actor, db: db) == nil
            {
                throw StoreError.notFound
            }
            // A paper number is one paper in any case (S-12 and s-12), as the search reads it; refused naming the
            // home it was entered for to whoever may see that home.
            if let paperNumber,
                let home = try await PaperEntries.taken(
                    "ballots", parent: "vote_id", parentId: voteId, paper: paperNumber, viewer: actor.scope, db: db)
            {
                throw StoreError.refused(
                    code: "ballot_paper_entered", message: "paper ballot \(paperNumber) was already entered",
                    details: home.map { [Phrase("paperHome", values: ["home": $0])] } ?? [])
            }
            do {
                let row = try await db.raw(
                    """
                    INSERT INTO ballots (vote_id, household_id, choice, channel, paper_number, entered_by, at)
                    VALUES (\(bind: voteId), \(bind: householdId), \(bind: choice.rawValue), \(bind: channel), \(bind: paperNumber),
                      \(bind: actor.username), \(bind: Clock.isoNow()))
                    RETURNING id
                    """
                ).first()!
                if let paperNumber {
                    try await PaperEntries.logEntered(
                        householdId: householdId, paper: paperNumber, db: db,
                        log: (actor, "enter_ballot", "votes", voteId, v.subdistrictId))
                }
                return try row.decode(column: "id", as: Int64.self)
            } catch  where DatabaseErrors.isUniqueViolation(error) {
                throw StoreError.conflict(
                    "this household has already voted, or paper ballot \(paperNumber ?? "") was already entered")
            }
        }
        return VoteBallot(
            id: ballotId, voteId: voteId, householdId: householdId, choice: choice, channel: channel,
            paperNumber: paperNumber)
    }

    /// A live ballot as the office checks it against the paper: the household, what it chose, its paper number.
    public struct EnteredBallot: Sendable, Codable {
        public var id: Int64
        public var household: String
        public var choice: String
        public var channel: String
        public var paperNumber: String?
        public var enteredBy: String
        public var at: String
    }

    /// The live paper ballots of a vote, newest first (at most `limit`), for those who may void one: the office
    /// holds the papers they were entered from; whoever else enters ballots sees the ones they entered today, which
    /// they may still correct (`BallotCorrection`). An online ballot is never listed, so no page says how a household
    /// voted. `find`, when not empty, keeps the ballots whose paper number, room or household (楼栋-单元-房号) it is.
    public func enteredBallots(voteId: Int64, actor: Actor, find: String = "", limit: Int = 1000) async throws
        -> EnteredPapers<EnteredBallot>
    {
        let (all, find) = try PaperEntries.reader(actor, manage: .manageVotes, find: find, field: "ballot")
        let live: SQLQueryString = "v.vote_id = \(bind: voteId) AND " + PaperEntries.live("v", all: all, actor: actor)
        return try await database.withConnection { db in
            _ = try await load(id: voteId, actor: actor, db: db)
            let total = try await db.raw("SELECT COUNT(*) AS n FROM ballots v WHERE " + live).first()?.int("n") ?? 0
            let sql: SQLQueryString =
                "SELECT v.id, v.choice, v.channel, v.paper_number, " + PaperEntries.named("v") + " FROM ballots v"
                + PaperEntries.joins("v") + " WHERE " + live + PaperEntries.matching("v", find: find)
                + " ORDER BY v.id DESC LIMIT \(bind: max(1, min(limit, 1000)))"
            let ballots = try await db.raw(sql).all().map { r in
                EnteredBallot(
                    id: try r.int("id"), household: try PaperEntries.household(r),
                    choice: try r.text("choice"), channel: try r.text("channel"),
                    paperNumber: try r.optionalText("paper_number"), enteredBy: try r.text("entered_by"),
                    at: try r.text("at"))
            }
            return EnteredPapers(entries: ballots, total: Int(total))
        }
    }

    /// A live paper ballot `actor` entered, to read back against the paper; nil for any other ballot, so that no
    /// address shows how a household voted to someone who did not enter its ballot.
    public func ownPaperBallot(voteId: Int64, ballotId: Int64, actor: Actor) async throws -> VoteBallot? {
        try await database.withConnection { db in
            _ = try await load(id: voteId, actor: actor, db: db)
            return try await db.raw(
                """
                SELECT id, vote_id, household_id, choice, channel, paper_number FROM ballots
                WHERE id = \(bind: ballotId) AND vote_id = \(bind: voteId) AND voided_at IS NULL AND channel = 'paper'
                  AND entered_by = \(bind: actor.username)
                """
            ).first().map { r in
                VoteBallot(
                    id: try r.int("id"), voteId: try r.int("vote_id"), householdId: try r.int("household_id"),
                    choice: VoteChoice(rawValue: try r.text("choice")) ?? .abstain, channel: "paper",
                    paperNumber: try r.optionalText("paper_number"))
            }
        }
    }

    /// Voids a ballot with a reason (audited), so the household may vote again: the office any paper ballot, whoever
    /// else enters ballots one they entered, on the day they entered it (`BallotCorrection`).
    /// The home a live paper ballot of this number was entered for ("楼栋-单元-房号"), to say where a number typed
    /// again is already used; nil when none is, or the vote or that home is not the actor's to see.
    public func paperHolder(voteId: Int64, paper: String, actor: Actor) async throws -> String? {
        guard !paper.isEmpty else { return nil }
        return try await database.withConnection { db in
            _ = try await load(id: voteId, actor: actor, db: db)
            return try await PaperEntries.taken(
                "ballots", parent: "vote_id", parentId: voteId, paper: paper, viewer: actor.scope, db: db
            ).flatMap { $0 }
        }
    }

    /// The paper ballot just voided, named for the page the void returns to (nil when it is not the actor's to see).
    public func voidedPaper(voteId: Int64, ballotId: Int64, actor: Actor) async throws -> VoidedPaper? {
        let all = Permissions.allows(actor.role, .manageVotes)
        guard all || Permissions.allows(actor.role, .enterBallots) else { return nil }
        return try await database.withConnection { db in
            _ = try await load(id: voteId, actor: actor, db: db)
            return try await PaperEntries.voided(
                "ballots", parent: "vote_id", parentId: voteId, id: ballotId, all: all, actor: actor, db: db)
        }
    }

    public func void(voteId: Int64, ballotId: Int64, reason: String, actor: Actor) async throws {
        let office = Permissions.allows(actor.role, .manageVotes)
        guard office || Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        let why = try PaperEntries.voidReason(reason, what: "ballot")
        try await database.transaction { db in
            let v = try await load(id: voteId, actor: actor, db: db)
            if let refusal = VoteRules.refusal(.voidBallot, status: v.status) { throw StoreError.conflict(refusal) }
            if !office { try await Self.requireOwn(ballotId, voteId: voteId, actor: actor, db: db) }
            // Which ballot, for the log: its home and its paper's number.
            let named: SQLQueryString =
                "SELECT v.paper_number, " + PaperEntries.named("v") + " FROM ballots v" + PaperEntries.joins("v")
                + " WHERE v.id = \(bind: ballotId) AND v.vote_id = \(bind: voteId) AND v.voided_at IS NULL"
            guard let row = try await db.raw(named).first() else { throw StoreError.notFound }
            try await PaperEntries.void(
                "ballots", id: ballotId, row: row, reason: why, db: db,
                log: (actor, "void_ballot", "votes", voteId, v.subdistrictId))
        }
    }

    /// Refuses a correction of a paper ballot that `actor` did not enter today.
    static func requireOwn(_ ballotId: Int64, voteId: Int64, actor: Actor, db: any SQLDatabase) async throws {
        guard
            let b = try await db.raw(
                """
                SELECT entered_by, at FROM ballots
                WHERE id = \(bind: ballotId) AND vote_id = \(bind: voteId) AND voided_at IS NULL AND channel = 'paper'
                """
            ).first()
        else { throw StoreError.notFound }
        if let refusal = BallotCorrection.refusal(
            enteredAt: try b.text("at"), enteredBy: try b.text("entered_by"), actor: actor.username, today: Clock.today)
        {
            throw StoreError.refused(
                code: refusal.rawValue,
                message: refusal == .notEnteredByActor
                    ? "only the sub-district's or community's staff may void a ballot someone else entered"
                    : "a ballot may be voided by whoever entered it only on the day it was entered; the office may still"
            )
        }
    }
}
