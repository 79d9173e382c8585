import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

/// Building stewards (楼长制): appointments, contacts with households, outreach campaigns and the battle map.
enum StewardRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        StewardController(services: services).register(on: api)
        ContactController(services: services).register(on: api)
        CampaignController(services: services).register(on: api)
        BodyController(services: services).register(on: api)
        OpinionController(services: services).register(on: api)
        IrregularityController(services: services).register(on: api)
        VolunteerController(services: services).register(on: api)
    }

    /// An optional `true`/`false` query flag; anything else is a 400 naming it.
    static func flag(_ request: Request, _ name: String) throws -> Bool? {
        guard let v = request.uri.queryParameters.get(name) else { return nil }
        switch v {
        case "true": return true
        case "false": return false
        default: throw AppError.badRequest("invalid_filter", "\(name) is true or false", field: name)
        }
    }

    static func id(_ request: Request, _ name: String) throws -> Int64? {
        guard let v = request.uri.queryParameters.get(name) else { return nil }
        guard let i = Int64(v), i > 0 else {
            throw AppError.badRequest("invalid_filter", "\(name) is an id", field: name)
        }
        return i
    }
}

/// Stewards: appoint one for a building or an entrance, list them, end a term.
struct StewardController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("stewards", use: create)
        api.get("stewards", use: list)
        api.get("stewards/:id", use: read)
        api.post("stewards/:id/end", use: end)
    }

    struct AccountIn: Decodable {
        var username: String
        var password: String
        var displayName: String?
        enum CodingKeys: String, CodingKey { case username, password, displayName = "display_name" }
    }

    struct NewSteward: Decodable {
        var residentId: Int64
        var buildingId: Int64?
        var entranceId: Int64?
        var since: Day
        var until: Day?
        var appointedBy: StewardAppointment
        var electionRecordAttachmentId: Int64?
        var exceptionNote: String?
        var publicName: String?
        var userId: Int64?
        var account: AccountIn?
        enum CodingKeys: String, CodingKey {
            case residentId = "resident_id", buildingId = "building_id", entranceId = "entrance_id", since, until
            case appointedBy = "appointed_by", electionRecordAttachmentId = "election_record_attachment_id"
            case exceptionNote = "exception_note", publicName = "public_name", userId = "user_id", account
        }
    }

    struct End: Decodable {
        var until: Day
        var reason: String?
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let b = try await JSONBody.decode(NewSteward.self, request, context: context)
        var account: StewardRepository.NewAccount?
        if let a = b.account {
            do {
                try Security.checkPasswordStrength(a.password, username: a.username)
            } catch var e as AppError {
                e.field = "account.password"
                throw e
            }
            let display = TextNormalizer.clean(a.displayName ?? "")
            guard display.unicodeScalars.count <= 100 else {
                throw AppError.unprocessable(
                    "too_long", "account.display_name is at most 100 characters", field: "account.display_name")
            }
            account = .init(
                username: a.username, passwordHash: try await hashPassword(a.password, services: services),
                displayName: display)
        }
        if let p = b.publicName, TextNormalizer.clean(p).unicodeScalars.count > 50 {
            throw AppError.unprocessable("too_long", "public_name is at most 50 characters", field: "public_name")
        }
        let steward = try await StewardRepository(database: services.database).create(
            .init(
                residentId: b.residentId, buildingId: b.buildingId, entranceId: b.entranceId, since: b.since,
                until: b.until, appointedBy: b.appointedBy, electionRecordAttachmentId: b.electionRecordAttachmentId,
                exceptionNote: b.exceptionNote ?? "", publicName: b.publicName.map(TextNormalizer.clean),
                userId: b.userId, account: account), actor: actor)
        return try JSONBody.response(steward, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let items = try await StewardRepository(database: services.database).list(
            .init(
                compoundId: try StewardRoutes.id(request, "compound_id"),
                buildingId: try StewardRoutes.id(request, "building_id"),
                entranceId: try StewardRoutes.id(request, "entrance_id"),
                residentId: try StewardRoutes.id(request, "resident_id"),
                current: try StewardRoutes.flag(request, "current")), actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await StewardRepository(database: services.database).get(id: id, actor: try context.actor()))
    }

    @Sendable func end(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(End.self, request, context: context)
        let steward = try await StewardRepository(database: services.database).end(
            id: id, on: b.until, reason: b.reason ?? "", actor: actor)
        // The post's account may have ended with it: this server forgets the tokens it knows at once, the others
        // within the token cache's lifetime.
        services.tokens.clear()
        return try JSONBody.response(steward)
    }
}

/// A household's contact log: a steward's visits and calls, sent again safely with the phone's client id.
struct ContactController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("households/:id/contacts", use: create)
        api.get("households/:id/contacts", use: list)
    }

    struct NewContact: Decodable {
        var channel: ContactChannel
        var date: Day
        var outcome: ContactOutcome
        var note: String
        var campaignId: Int64?
        var followUpOn: Day?
        var clientId: String?
        enum CodingKeys: String, CodingKey {
            case channel, date, outcome, note, campaignId = "campaign_id", followUpOn = "follow_up_on"
            case clientId = "client_id"
        }
    }

    /// 201 with a new entry; 200 with the first entry when the same client id was sent before.
    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(NewContact.self, request, context: context)
        let (contact, created) = try await ContactRepository(database: services.database).create(
            householdId: id,
            .init(
                channel: b.channel, date: b.date, outcome: b.outcome, note: b.note, campaignId: b.campaignId,
                followUpOn: b.followUpOn, clientId: b.clientId), actor: actor)
        return try JSONBody.response(contact, status: created ? .created : .ok)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let paging = try ListPage.paging(request)
        let items = try await ContactRepository(database: services.database).list(
            householdId: id, actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }
}

/// Outreach campaigns, their exact progress and the battle map.
struct CampaignController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("campaigns", use: create)
        api.get("campaigns", use: list)
        api.get("campaigns/:id", use: read)
        api.get("campaigns/:id/progress", use: progress)
        api.get("campaigns/:id/map.svg", use: map)
    }

    struct NewCampaign: Decodable {
        var title: String
        var compoundIds: [Int64]
        var filter: LooseField?
        var goal: CampaignGoal
        var until: Day
        enum CodingKeys: String, CodingKey {
            case title, compoundIds = "compound_ids", filter, goal, until
        }
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let b = try await JSONBody.decode(NewCampaign.self, request, context: context)
        let campaign = try await CampaignRepository(database: services.database).create(
            .init(
                title: b.title, compoundIds: b.compoundIds, filter: b.filter?.json ?? .null, goal: b.goal,
                until: b.until),
            actor: actor)
        return try JSONBody.response(campaign, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let items = try await CampaignRepository(database: services.database).list(
            actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CampaignRepository(database: services.database).get(id: id, actor: try context.actor()))
    }

    /// JSON by default; `format=csv` or `format=xlsx` give one row per building, entrance, steward and day.
    @Sendable func progress(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let format = try SheetDownload.format(request)
        let p = try await CampaignRepository(database: services.database).progress(id: id, actor: try context.actor())
        if format == "json" { return try JSONBody.response(p) }
        return try SheetDownload.response(
            CampaignSheet.rows(p, lang: context.lang), numeric: CampaignSheet.numeric, format: format,
            filename: "campaign-\(id)-progress", sheetName: "progress")
    }

    /// The battle map (挂图作战); `compound_id` draws one compound of the campaign.
    @Sendable func map(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let compound = try StewardRoutes.id(request, "compound_id")
        let (campaign, all) = try await CampaignRepository(database: services.database).targets(
            id: id, actor: try context.actor())
        let targets = compound.map { c in all.filter { $0.compoundId == c } } ?? all
        if compound != nil && targets.isEmpty { throw AppError.notFound }
        return ProjectRoutes.svg(
            BattleMap.campaign(
                title: campaign.title, goal: campaign.goal, targets: targets, lang: context.lang))
    }
}

/// Self-governance bodies and their members.
struct BodyController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("bodies", use: create)
        api.get("bodies", use: list)
        api.get("bodies/:id", use: read)
        api.post("bodies/:id/members", use: addMember)
        api.post("bodies/:id/members/:member/end", use: endMember)
    }

    struct MemberIn: Decodable {
        var residentId: Int64?
        var userId: Int64?
        var position: String
        var from: Day?
        var until: Day?
        var publicName: String?
        enum CodingKeys: String, CodingKey {
            case residentId = "resident_id", userId = "user_id", position, from, until, publicName = "public_name"
        }
        var input: BodyRepository.NewMember {
            .init(
                residentId: residentId, userId: userId, position: position, from: from, until: until,
                publicName: publicName)
        }
    }

    struct NewBody: Decodable {
        var kind: BodyKind
        var name: String
        var compoundId: Int64?
        var communityId: Int64?
        var formedOn: Day
        var basisAttachmentId: Int64?
        var voteId: Int64?
        var members: [MemberIn]?
        enum CodingKeys: String, CodingKey {
            case kind, name, compoundId = "compound_id", communityId = "community_id", formedOn = "formed_on"
            case basisAttachmentId = "basis_attachment_id", voteId = "vote_id", members
        }
    }

    struct EndMember: Decodable { var until: Day }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let b = try await JSONBody.decode(NewBody.self, request, context: context)
        let body = try await BodyRepository(database: services.database).create(
            .init(
                kind: b.kind, name: b.name, compoundId: b.compoundId, communityId: b.communityId, formedOn: b.formedOn,
                basisAttachmentId: b.basisAttachmentId, voteId: b.voteId, members: (b.members ?? []).map(\.input)),
            actor: actor)
        return try JSONBody.response(body, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        var kind: BodyKind?
        if let k = request.uri.queryParameters.get("kind") {
            guard let parsed = BodyKind(rawValue: k) else {
                throw AppError.badRequest("invalid_filter", "kind is not a kind of body", field: "kind")
            }
            kind = parsed
        }
        let items = try await BodyRepository(database: services.database).list(
            compoundId: try StewardRoutes.id(request, "compound_id"),
            communityId: try StewardRoutes.id(request, "community_id"), kind: kind, actor: try context.actor(),
            paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await BodyRepository(database: services.database).get(id: id, actor: try context.actor()))
    }

    @Sendable func addMember(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let m = try await JSONBody.decode(MemberIn.self, request, context: context)
        return try JSONBody.response(
            try await BodyRepository(database: services.database).addMember(body: id, m.input, actor: actor),
            status: .created)
    }

    @Sendable func endMember(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let member = try context.parameters.require("member", as: Int64.self)
        let b = try await JSONBody.decode(EndMember.self, request, context: context)
        return try JSONBody.response(
            try await BodyRepository(database: services.database).endMember(
                body: id, member: member, until: b.until, actor: actor))
    }
}

/// Opinions and suggestions from visits and the neighbourhood station's box, and their answers.
struct OpinionController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("opinions", use: create)
        api.get("opinions", use: list)
        api.get("opinions/:id", use: read)
        api.post("opinions/:id/answer", use: answer)
    }

    struct NewOpinion: Decodable {
        var compoundId: Int64
        var householdId: Int64?
        var kind: OpinionKind
        var source: OpinionSource
        var text: String
        var authorName: String?
        var routeTo: OpinionRoute
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", householdId = "household_id", kind, source, text
            case authorName = "author_name", routeTo = "route_to"
        }
    }

    struct Answer: Decodable { var answer: String }

    func repository() async throws -> OpinionRepository {
        OpinionRepository(database: services.database, calendar: try await CoordinationRoutes.calendar(services))
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let b = try await JSONBody.decode(NewOpinion.self, request, context: context)
        let o = try await repository().createOpinion(
            .init(
                compoundId: b.compoundId, householdId: b.householdId, kind: b.kind, source: b.source, text: b.text,
                authorName: b.authorName ?? "", routeTo: b.routeTo), actor: actor)
        return try JSONBody.response(o, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let items = try await repository().opinions(
            compoundId: try StewardRoutes.id(request, "compound_id"),
            answered: try StewardRoutes.flag(request, "answered"),
            actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await repository().opinion(id: id, actor: try context.actor()))
    }

    @Sendable func answer(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Answer.self, request, context: context)
        return try JSONBody.response(try await repository().answer(id: id, answer: b.answer, actor: actor))
    }
}

/// Irregular behaviour: recorded with place and photos, stopped, or escalated to city management.
struct IrregularityController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("irregularities", use: create)
        api.get("irregularities", use: list)
        api.get("irregularities/:id", use: read)
        api.post("irregularities/:id/stop", use: stop)
        api.post("irregularities/:id/escalate", use: escalate)
    }

    struct NewIrregularity: Decodable {
        var compoundId: Int64
        var buildingId: Int64?
        var kind: IrregularityKind
        var place: String
        var description: String
        var photos: [Int64]?
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", buildingId = "building_id", kind, place, description, photos
        }
    }

    struct Stop: Decodable { var note: String? }
    struct Escalate: Decodable {
        var neededBy: Day
        enum CodingKeys: String, CodingKey { case neededBy = "needed_by" }
    }

    func repository() async throws -> OpinionRepository {
        OpinionRepository(database: services.database, calendar: try await CoordinationRoutes.calendar(services))
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let b = try await JSONBody.decode(NewIrregularity.self, request, context: context)
        let i = try await repository().createIrregularity(
            .init(
                compoundId: b.compoundId, buildingId: b.buildingId, kind: b.kind, place: b.place,
                description: b.description, photos: b.photos ?? []), actor: actor)
        return try JSONBody.response(i, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let items = try await repository().irregularities(
            compoundId: try StewardRoutes.id(request, "compound_id"), actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await repository().irregularity(id: id, actor: try context.actor()))
    }

    @Sendable func stop(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Stop.self, request, context: context)
        return try JSONBody.response(try await repository().stop(id: id, note: b.note ?? "", actor: actor))
    }

    @Sendable func escalate(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Escalate.self, request, context: context)
        return try JSONBody.response(try await repository().escalate(id: id, neededBy: b.neededBy, actor: actor))
    }
}

/// A campaign's progress as a sheet: one row per group, the group's kind first, then the counts.
enum CampaignSheet {
    /// Columns holding numbers (the group's kind, its name and the rate are text).
    static let numeric: Set<Int> = [2, 3, 4, 5, 6, 7, 9, 10]

    static func rows(_ p: CampaignProgress, lang: Lang) -> [[String]] {
        let header = [
            "campaign.col.group", "campaign.col.name", "campaign.status.targets", "campaign.status.not_contacted",
            "campaign.status.contacted", "campaign.status.agreed", "campaign.status.refused",
            "campaign.status.unreachable", "campaign.col.agreedRate", "campaign.col.contacts",
            "campaign.col.households",
        ].map { lang.t($0) }
        func line(_ kind: String, _ name: String, _ c: CampaignCounts) -> [String] {
            [
                lang.t("campaign.group." + kind), name, String(c.targets), String(c.notContacted), String(c.contacted),
                String(c.agreed), String(c.refused), String(c.unreachable), c.agreedRate, "", "",
            ]
        }
        var rows = [header, line("total", "", p.total)]
        rows += p.byBuilding.map { line("building", $0.name, $0.counts) }
        rows += p.byEntrance.map { line("entrance", $0.name, $0.counts) }
        rows += p.bySteward.map { line("steward", $0.id == nil ? lang.t("campaign.noSteward") : $0.name, $0.counts) }
        // A day's row counts that day's contacts and their answers.
        rows += p.byDay.map { d in
            [
                lang.t("campaign.group.day"), d.date.description, "", "", "", String(d.agreed), String(d.refused),
                String(d.unreachable), "", String(d.contacts), String(d.households),
            ]
        }
        return rows
    }
}
