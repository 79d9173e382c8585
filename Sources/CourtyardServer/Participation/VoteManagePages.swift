import CourtyardDomain
import CourtyardStore
import Hummingbird

extension SiteRoute {
    static func voteStep(_ id: Int64, _ step: String) -> SiteRoute { SiteRoute("/votes/\(id)/\(step)") }
    /// The vote's page after it was opened or closed from it, saying so.
    static func vote(_ id: Int64, stepped step: String) -> SiteRoute {
        SiteRoute("/votes/\(id)", query: [(step, "1")])
    }
}

/// The form with which the office or a community worker drafts an owners' vote: of a whole compound, or of some of
/// its buildings or entrances (an elevator is voted by the owners of its entrance), chosen once the compound is.
struct NewVoteForm {
    var action = SiteRoute.votes.path
    var compounds: [Choice]
    var matters: [Choice]
    var title = ""
    /// Open after a refusal, with why.
    var open = false
    var note: PageNote?
    /// The chosen compound's buildings, each with its entrances, to tick those that vote, once asked for.
    var partsAsked = false
    var parts: [Part] = [] {
        didSet { hasParts = !parts.isEmpty }
    }
    var hasParts = false

    /// A building to tick, and its entrances.
    struct Part {
        var building: FormOption
        var entrances: [FormOption]
    }

    /// The buildings and entrances of `compound` in the actor's scope, those ticked in `typed` ticked again.
    static func parts(services: Services, compound: Int64, actor: Actor, typed: [String: String]) async throws
        -> [Part]
    {
        try await requireCompound(compound, services: services, actor: actor)
        let q = ListQuery(filters: ["compound_id": String(compound)])
        let buildings = try await services.registry.listAll(.buildings, query: q, actor: actor)
        let entrances = Dictionary(
            grouping: try await services.registry.listAll(.entrances, query: q, actor: actor),
            by: { $0["building_id"]?.intValue ?? 0 })
        let ticked = Set(Pages.ids(typed["building_ids"]))
        let tickedEntrances = Set(Pages.ids(typed["entrance_ids"]))
        return buildings.map { b in
            Part(
                building: FormOption(
                    value: String(b.id), label: b["name"]?.stringValue ?? "", selected: ticked.contains(b.id)),
                entrances: (entrances[b.id] ?? []).map { e in
                    FormOption(
                        value: String(e.id), label: e["name"]?.stringValue ?? "",
                        selected: tickedEntrances.contains(e.id))
                })
        }
    }

    /// Who votes, from what was typed: the ticked buildings, else the ticked entrances, else the whole compound. A
    /// ticked value that names no record refuses the form rather than falling back to the whole compound.
    static func electorate(_ typed: [String: String], compound: Int64, _ f: PageFrame) throws -> ElectorateSpec {
        func ids(_ key: String) throws -> [Int64]? {
            guard let text = typed[key] else { return nil }
            // At most `maxParts` ids, each at most 19 digits and a comma: counted before anything is split.
            guard text.utf8.count <= maxParts * 20 else { throw refusal("vote.partsTooMany") }
            let values = text.split(separator: ",", omittingEmptySubsequences: false)
            let read = values.compactMap { Int64($0).flatMap { $0 > 0 ? $0 : nil } }
            guard !values.isEmpty, read.count == values.count else { throw refusal("vote.partsUnreadable") }
            var seen = Set<Int64>()
            let unique = read.filter { seen.insert($0).inserted }
            guard unique.count <= maxParts else { throw refusal("vote.partsTooMany") }
            return unique
        }
        func refusal(_ key: String) -> ValidationError {
            ValidationError(field: "electorate", code: Pages.pageMessage, message: f.t(key))
        }
        let buildings = try ids("building_ids")
        let entrances = try ids("entrance_ids")
        if buildings != nil && entrances != nil { throw refusal("vote.partsEither") }
        if let buildings { return .buildings(buildings) }
        if let entrances { return .entrances(entrances) }
        return .compound(compound)
    }

    /// The most buildings or entrances one vote names from the page.
    static let maxParts = 500

    static func load(services: Services, actor: Actor, typed: [String: String]? = nil, _ f: PageFrame) async throws
        -> NewVoteForm?
    {
        guard Permissions.allows(actor.role, .manageVotes) else { return nil }
        let compounds = try await services.registry.listAll(.compounds, query: ListQuery(), actor: actor)
        var form = NewVoteForm(
            compounds: compounds.map { Choice(value: String($0.id), label: $0["name"]?.stringValue ?? "") },
            matters: VoteMatter.allCases.map {
                Choice(value: String($0.rawValue), label: f.t("vote.matter.\($0.rawValue)"))
            })
        if let typed {
            form.compounds = form.compounds.selecting(typed["compound_id"])
            form.matters = form.matters.selecting(typed["matter"])
            form.title = typed["title"] ?? ""
            form.open = true
        }
        return form
    }

    /// A compound the account cannot read is not found, as anywhere else.
    static func requireCompound(_ compound: Int64, services: Services, actor: Actor) async throws {
        guard try await !services.registry.records(.compounds, ids: [compound], actor: actor).isEmpty else {
            throw AppError.notFound
        }
    }

    /// The ticked buildings or entrances must be the chosen compound's: a form sent with another compound chosen
    /// after ticking would otherwise draft a vote of a compound not named.
    static func within(
        _ electorate: ElectorateSpec, compound: Int64, services: Services, actor: Actor, _ f: PageFrame
    ) async throws {
        try await requireCompound(compound, services: services, actor: actor)
        let (spec, ids): (ResourceSpec, [Int64])
        switch electorate {
        case .buildings(let b): (spec, ids) = (.buildings, b)
        case .entrances(let e): (spec, ids) = (.entrances, e)
        default: return
        }
        let found = try await services.registry.records(spec, ids: ids, actor: actor)
        let outside = ids.contains { found[$0]?["compound_id"]?.intValue != compound }
        if outside {
            throw ValidationError(field: "electorate", code: Pages.pageMessage, message: f.t("vote.partsElsewhere"))
        }
    }

    /// Everything wrong with what was typed, each in the form's words.
    static func problems(_ typed: [String: String], _ f: PageFrame) -> [String] {
        var found: [String] = []
        if Int64(typed["compound_id"] ?? "") == nil { found.append(f.t("form.chooseCompound")) }
        if (typed["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found.append(f.t("error.title.required"))
        }
        if Int(typed["matter"] ?? "").flatMap(VoteMatter.init(rawValue:)) == nil {
            found.append(f.t("vote.pickMatter"))
        }
        return found
    }
}

/// The next step of a vote for whoever manages it: a draft is opened (its households, areas and owners are then
/// fixed), an open vote closed and counted once the papers are all entered.
struct VoteStepForm {
    var action: String
    var label: String
    var hint: String
    /// Closing asks the person to say the papers are all entered.
    var confirm: String?

    static func of(_ v: VoteDetail, actor: Actor, _ f: PageFrame) -> VoteStepForm? {
        guard Permissions.allows(actor.role, .manageVotes) else { return nil }
        switch v.status {
        case .draft:
            return VoteStepForm(
                action: SiteRoute.voteStep(v.id, "open").path, label: f.t("vote.openAction"),
                hint: f.t("vote.openHint"), confirm: nil)
        case .open:
            return VoteStepForm(
                action: SiteRoute.voteStep(v.id, "close").path, label: f.t("vote.closeAction"),
                hint: f.t("vote.closeHint"), confirm: f.t("vote.closeConfirm"))
        default: return nil
        }
    }
}

extension VotePageController {
    func registerManagement(on router: Router<AppContext>) {
        Pages.post(router, "/votes", create)
        Pages.post(router, "/votes/:id/open", open)
        Pages.post(router, "/votes/:id/close", close)
    }

    /// Drafts a vote; refused, the list comes back with the form open, what was typed kept. Sent by the button that
    /// asks for the compound's buildings, the form comes back with them to tick, and nothing is saved yet.
    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageVotes)
        let typed = try await Pages.checkboxForm(request, context)
        let redisplay: ((String, String)?, HTTPResponse.Status) async throws -> Response = { m, status in
            var form = try await NewVoteForm.load(services: services, actor: actor, typed: typed, f)
            form?.note = m.map { PageNote(kind: $0.0, text: $0.1) }
            if let compound = Int64(typed["compound_id"] ?? ""),
                typed["scope"] == "parts" || typed["building_ids"] != nil || typed["entrance_ids"] != nil
            {
                form?.parts = try await NewVoteForm.parts(
                    services: services, compound: compound, actor: actor, typed: typed)
                form?.partsAsked = true
            }
            let page = try await VoteListPage.load(services: services, actor: actor, newVote: form, f)
            return f.page(title: f.t("nav.votes"), "participation-votes", page, status: status)
        }
        if typed["scope"] == "parts" {
            guard Int64(typed["compound_id"] ?? "") != nil else {
                return try await redisplay(("bad", f.t("form.chooseCompound")), .unprocessableContent)
            }
            return try await redisplay(nil, .ok)
        }
        let refused: ((String, String), HTTPResponse.Status) async throws -> Response = { try await redisplay($0, $1) }
        return try await Pages.save(f, redisplay: refused) {
            let problems = NewVoteForm.problems(typed, f)
            guard problems.isEmpty, let compound = Int64(typed["compound_id"] ?? ""),
                let matter = Int(typed["matter"] ?? "").flatMap(VoteMatter.init(rawValue:))
            else {
                throw ValidationError(field: "title", code: Pages.pageMessage, message: Pages.lines(problems))
            }
            let electorate = try NewVoteForm.electorate(typed, compound: compound, f)
            try await NewVoteForm.within(electorate, compound: compound, services: services, actor: actor, f)
            let v = try await VoteRepository(database: services.database).create(
                title: typed["title"] ?? "", matter: matter, electorate: electorate, thresholds: nil, actor: actor)
            return SiteRoute.vote(v.id).path
        }
    }

    @Sendable func open(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await step(request, context, f, "opened") { id, actor in
            _ = try await VoteRepository(database: services.database).open(id: id, actor: actor)
        }
    }

    @Sendable func close(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await step(request, context, f, "closed") { id, actor in
            _ = try await VoteRepository(database: services.database).close(id: id, actor: actor)
        }
    }

    /// A step taken from the vote's page; refused, the page comes back saying why.
    func step(
        _ request: Request, _ context: AppContext, _ f: PageFrame, _ done: String,
        _ body: @escaping (Int64, Actor) async throws -> Void
    ) async throws -> Response {
        let actor = try context.require(.manageVotes)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await VotePage.load(
                services: services, actor: actor, id: id, notice: PageNote(kind: m.0, text: m.1), f)
            return f.page(title: page.title, "participation-vote", page, status: status)
        }
        return try await Pages.save(f, next: SiteRoute.vote(id, stepped: done).path, redisplay: redisplay) {
            if done == "closed", fields["confirm"] != "1" {
                throw ValidationError(field: "confirm", code: Pages.pageMessage, message: f.t("vote.closeUnconfirmed"))
            }
            try await body(id, actor)
        }
    }
}
