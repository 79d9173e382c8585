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

/// The form with which the office or a community worker drafts an owners' vote of a whole compound (a vote of some
/// buildings or households is drafted through the API).
struct NewVoteForm {
    var action = SiteRoute.votes.path
    var compounds: [Choice]
    var matters: [Choice]
    var title = ""
    /// Open after a refusal, with why.
    var open = false
    var note: PageNote?

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

    /// Drafts a vote of a whole compound; refused, the list comes back with the form open, what was typed kept.
    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageVotes)
        let typed = try await Pages.form(request, context)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var form = try await NewVoteForm.load(services: services, actor: actor, typed: typed, f)
            form?.note = PageNote(kind: m.0, text: m.1)
            let page = try await VoteListPage.load(services: services, actor: actor, newVote: form, f)
            return f.page(title: f.t("nav.votes"), "participation-votes", page, status: status)
        }
        return try await Pages.save(f, redisplay: redisplay) {
            let problems = NewVoteForm.problems(typed, f)
            guard problems.isEmpty, let compound = Int64(typed["compound_id"] ?? ""),
                let matter = Int(typed["matter"] ?? "").flatMap(VoteMatter.init(rawValue:))
            else {
                throw ValidationError(field: "title", code: Pages.pageMessage, message: Pages.lines(problems))
            }
            let v = try await VoteRepository(database: services.database).create(
                title: typed["title"] ?? "", matter: matter, electorate: .compound(compound), thresholds: nil,
                actor: actor)
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
