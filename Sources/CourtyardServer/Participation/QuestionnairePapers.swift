import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// The questionnaire's page at its list of paper responses entered, `find` kept in the search.
    /// `voided`: the response just voided, named at the list.
    static func questionnairePapers(_ id: Int64, find: String? = nil, voided: Int64? = nil) -> SiteRoute {
        SiteRoute(
            "/questionnaires/\(id)", query: [("response", find), ("voided", voided.map(String.init))]
        ).withFragment("entered")
    }
    static func voidResponse(_ id: Int64, _ response: Int64) -> SiteRoute {
        SiteRoute("/questionnaires/\(id)/responses/\(response)/void")
    }
}

extension SiteRoute {
    /// The same address, scrolled to an element of the page.
    func withFragment(_ fragment: String) -> SiteRoute { SiteRoute(rawPath: path + "#" + fragment) }
    private init(rawPath: String) { self.path = rawPath }
}

/// A paper ballot or questionnaire as entered, to check against the paper, with the form that voids it.
struct EnteredPaper {
    /// A void that was refused: which entry, the reason typed, and why.
    struct Refused {
        var entry: Int64
        var reason: String
        var error: String
    }
    var household: String
    /// A ballot's choice; a questionnaire's answers are read on its paper.
    var choiceLabel: String?
    var paper: String
    var enteredBy: String
    var enteredAt: String
    var voidAction: String
    var voidError: String?
    var typedReason: String

    init(
        id: Int64, household: String, choiceLabel: String? = nil, paper: String, enteredBy: String, at: String,
        voidAction: SiteRoute, refused: Refused?, _ f: PageFrame
    ) {
        let mine = refused?.entry == id ? refused : nil
        self.household = household
        self.choiceLabel = choiceLabel
        self.paper = paper
        self.enteredBy = Pages.actorName(enteredBy, shown: enteredBy, f)
        self.enteredAt = beijingTime(at)
        self.voidAction = voidAction.path
        self.voidError = mine?.error
        self.typedReason = mine?.reason ?? ""
    }
}

/// While a questionnaire takes responses: the paper responses entered, to check against the papers, each voidable
/// with a reason so the paper can be entered again. The office sees every one; a steward those they entered today.
struct QuestionnairePapers {
    typealias Refused = EnteredPaper.Refused
    var rows: [EnteredPaper]
    var hasRows: Bool
    var title: String
    var hint: String
    var count: String
    var search: String
    var searchAction: String
    /// A refused void whose response is no longer listed (the questionnaire closed meanwhile): said on its own.
    var lost: String?
    /// Said where the list is, which a void returns to: that the response was voided.
    var done: String?
    /// After a search, the way back to the whole list.
    var allHref: String?

    /// The answers as entered, read back in words to check against the paper: 1. 管网 · 2. 4 分 · 3. 未答.
    static func answersRead(_ answers: [Answer], _ questions: [Question], _ f: PageFrame) -> String {
        answers.enumerated().map { i, a in
            let options = i < questions.count ? questions[i].options : []
            let said: String
            switch a {
            case .choices(let c): said = c.map { $0 < options.count ? options[$0] : "?" }.joined(separator: "、")
            case .rating(let n): said = f.lang.say("questionnaire.ratingRead", ["n": String(n)])
            case .text(let t): said = t.count > 80 ? String(t.prefix(80)) + "…" : t
            case .none: said = f.t("questionnaire.notAnswered")
            }
            return "\(i + 1). " + said
        }.joined(separator: " · ")
    }

    /// Nil for whoever may void none, and once the questionnaire no longer takes responses.
    static func load(
        id: Int64, actor: Actor, find: String, refused: Refused?, voided: Int64? = nil, services: Services,
        _ f: PageFrame
    ) async throws -> QuestionnairePapers? {
        let office = Permissions.allows(actor.role, .manageParticipation)
        guard office || Permissions.allows(actor.role, .enterBallots) else { return nil }
        let repo = QuestionnaireRepository(database: services.database)
        guard try await repo.get(id: id, actor: actor).accepting else { return nil }
        // The newest few; any other is found by its number or room, so a phone is not handed a thousand rows.
        let listed = try await repo.enteredResponses(id: id, actor: actor, find: find, limit: 30)
        let questions = try await repo.get(id: id, actor: actor).questions
        let rows = listed.entries.map { r in
            EnteredPaper(
                id: r.id, household: r.household,
                choiceLabel: answersRead(
                    QuestionnaireRules.decode(r.answers.value, questions: questions), questions, f),
                paper: r.paperNumber, enteredBy: r.enteredBy, at: r.at, voidAction: SiteRoute.voidResponse(id, r.id),
                refused: refused, f)
        }
        // The response just voided, named by its paper and home.
        var done: String?
        if let voided {
            // Only a response voided and the reader's to see is said to be: an address never claims a void.
            done = try await repo.voidedPaper(id: id, responseId: voided, actor: actor).map {
                f.lang.say("questionnaire.responseVoidedNamed", ["paper": $0.paper, "home": $0.household])
            }
        }
        let all = f.lang.say("questionnaire.papersCount", ["n": String(listed.total)])
        let shown =
            !find.isEmpty
            ? f.lang.say("questionnaire.papersFound", ["n": String(rows.count)])
            : rows.count < listed.total ? f.lang.say("questionnaire.papersNewest", ["n": String(rows.count)]) : ""
        return QuestionnairePapers(
            rows: rows, hasRows: !rows.isEmpty,
            title: f.t(office ? "questionnaire.papers" : "questionnaire.papersToday"),
            hint: f.t(office ? "questionnaire.papersHint" : "questionnaire.papersTodayHint"), count: all + shown,
            search: find, searchAction: SiteRoute.questionnairePapers(id).path,
            lost: refused.flatMap { r in listed.entries.contains { $0.id == r.entry } ? nil : r.error },
            done: done,
            allHref: find.isEmpty ? nil : SiteRoute.questionnairePapers(id).path)
    }
}

extension QuestionnairePageController {
    /// A paper response entered wrongly is voided with the reason (kept in the audit log); the paper may then be
    /// entered again. The office voids any; whoever entered one may on the day they entered it.
    @Sendable func voidResponse(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let response = try context.parameters.require("response", as: Int64.self)
        let reason = try await Pages.form(request, context)["reason"] ?? ""
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await page(
                id, context, f, message: nil, status: status,
                refused: EnteredPaper.Refused(entry: response, reason: reason, error: m.1))
        }
        return try await Pages.save(
            f, next: SiteRoute.questionnairePapers(id, voided: response).path, redisplay: redisplay
        ) {
            try await QuestionnaireRepository(database: services.database).void(
                id: id, responseId: response, reason: reason, actor: actor)
        }
    }
}
