import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Staff pages for questionnaires and notices: results by building, paper entry on a phone, objections.
enum ParticipationPages {
    static func add(to router: Router<AppContext>, services: Services) {
        QuestionnairePageController(services: services).register(on: router)
        NoticePageController(services: services).register(on: router)
    }

    /// Form fields q0, q1 … as answers in question order.
    static func answers(_ fields: [String: [String]], _ questions: [Question]) -> [JSONValue] {
        questions.indices.map { i in
            let values = (fields["q\(i)"] ?? []).filter { !$0.isEmpty }
            switch questions[i].type {
            // A choice that is not a number goes on as sent, for the questionnaire's rules to refuse, not as unanswered.
            case .multiple: return .array(values.map { Int64($0).map(JSONValue.int) ?? .string($0) })
            case .single, .rating: return values.first.map { Int64($0).map(JSONValue.int) ?? .string($0) } ?? .null
            case .text: return values.first.map { .string($0) } ?? .null
            }
        }
    }
}

extension SiteRoute {
    static let participation = SiteRoute("/participation")
    static let questionnaires = SiteRoute("/questionnaires")
    static func questionnaire(_ id: Int64) -> SiteRoute { SiteRoute("/questionnaires/\(id)") }
    /// The questionnaire's page back at its paper form, saying which paper was just entered.
    static func questionnaireEntered(_ id: Int64, response: Int64) -> SiteRoute {
        SiteRoute("/questionnaires/\(id)", query: [("entered", String(response))]).withFragment("paper")
    }
    /// After publishing or closing, which the page then says once.
    static func questionnaire(_ id: Int64, done: String) -> SiteRoute {
        SiteRoute("/questionnaires/\(id)", query: [("saved", done)])
    }
    static func questionnaireResponses(_ id: Int64) -> SiteRoute { SiteRoute("/questionnaires/\(id)/responses") }
    static func questionnaireEdit(_ id: Int64) -> SiteRoute { SiteRoute("/questionnaires/\(id)/edit") }
    static func questionnaireDelete(_ id: Int64) -> SiteRoute { SiteRoute("/questionnaires/\(id)/delete") }
    static func questionnairePoster(_ id: Int64) -> SiteRoute { SiteRoute("/questionnaires/\(id)/poster") }
    /// Publishing a draft, or ending a published questionnaire early.
    static func questionnaireState(_ id: Int64, _ to: QuestionnaireState) -> SiteRoute {
        SiteRoute("/questionnaires/\(id)/\(to == .closed ? "close" : "publish")")
    }
    /// The battle map of who has answered, printable on A3.
    static func questionnaireMap(_ id: Int64) -> SiteRoute { SiteRoute("/api/v1/questionnaires/\(id)/map.svg") }
    static func questionnaireResults(_ id: Int64, format: String, lang: Lang? = nil) -> SiteRoute {
        SiteRoute(
            "/api/v1/questionnaires/\(id)/results", query: [("format", format), ("lang", lang?.rawValue)])
    }
    /// A questionnaire's public page; `answered`: back from answers just received.
    static func publicQuestionnaire(_ id: Int64, answered: Bool = false) -> SiteRoute {
        SiteRoute("/public/questionnaires/\(id)", query: [("answered", answered ? "1" : nil)])
    }
    static func publicQuestionnaireQR(_ id: Int64) -> SiteRoute { SiteRoute("/public/questionnaires/\(id)/qr.svg") }
}

/// The form that drafts a questionnaire from six question slots (empty ones are skipped).
struct QuestionnaireForm: CompoundFormHead {
    struct Slot {
        var number: String
        var textName: String
        var typeName: String
        var optionsName: String
        var types: [Choice]
        var text = ""
        var options = ""
        var textWrong = false
        var optionsWrong = false
    }
    var action: String
    var compounds: [Choice]
    var kinds: [Choice]
    var title = ""
    var opensOn: String
    var closesOn: String
    var slots: [Slot]
    var publish = false
    /// Opened at once when it comes back refused.
    var open = false
    /// The form's heading when it corrects a draft (else 发起问卷), and the way back to the draft.
    var heading: String?
    var back: String?
    var compoundWrong = false
    var titleWrong = false
    var opensWrong = false
    var closesWrong = false

    /// The empty form, or, after a refusal, the form with what was typed and the fields it named (`wrong`) marked.
    static func load(
        services: Services, actor: Actor, _ f: PageFrame, typed: [String: String]? = nil, wrong: Set<String> = []
    ) async throws -> QuestionnaireForm {
        let compounds = try await services.registry.listAll(.compounds, query: ListQuery(), actor: actor)
        let today = Clock.today
        let types = QuestionType.allCases.map {
            Choice(value: $0.rawValue, label: f.t("questionnaire.type." + $0.rawValue))
        }
        var form = QuestionnaireForm(
            action: SiteRoute.questionnaires.path,
            compounds: compounds.map { Choice(value: String($0.id), label: $0["name"]?.stringValue ?? "") },
            kinds: QuestionnaireKind.allCases.map {
                Choice(value: $0.rawValue, label: f.t("questionnaire.kind." + $0.rawValue))
            },
            opensOn: today.description, closesOn: today.adding(days: 14).description,
            slots: (0..<6).map {
                Slot(
                    number: String($0 + 1), textName: "q\($0)_text", typeName: "q\($0)_type",
                    optionsName: "q\($0)_options", types: types)
            })
        guard let typed else { return form }
        form.retypeHead(typed)
        form.opensOn = typed["opens_on"] ?? ""
        form.closesOn = typed["closes_on"] ?? ""
        form.open = true
        form.markHead(wrong)
        form.opensWrong = wrong.contains("opens_on")
        form.closesWrong = wrong.contains("closes_on")
        for i in form.slots.indices {
            let slot = form.slots[i]
            form.slots[i].text = typed[slot.textName] ?? ""
            form.slots[i].options = typed[slot.optionsName] ?? ""
            form.slots[i].types = types.selecting(typed[slot.typeName])
            form.slots[i].textWrong = wrong.contains(slot.textName)
            form.slots[i].optionsWrong = wrong.contains(slot.optionsName)
        }
        return form
    }

    /// The questions typed into the six slots (empty ones skipped).
    static func questions(_ fields: [String: String]) -> [Question] {
        (0..<6).compactMap { question(fields, slot: $0) }
    }

    /// The question typed into slot `i` (from 0), or nil when it has no text.
    static func question(_ fields: [String: String], slot i: Int) -> Question? {
        let text = (fields["q\(i)_text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, let type = QuestionType(rawValue: fields["q\(i)_type"] ?? "") else { return nil }
        let options = options(fields, slot: i)
        return Question(
            text: text, type: type, options: type == .single || type == .multiple ? options : [],
            required: type != .text)
    }

    static func options(_ fields: [String: String], slot i: Int) -> [String] {
        (fields["q\(i)_options"] ?? "").split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// What is wrong with each slot, numbered as the form numbers them: a question's own problem, or options typed
    /// under no question (they would be lost). No question at all marks the first slot.
    static func slotProblems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
        typealias Problem = QuestionnaireRules.Problem
        var found: [FormProblem] = []
        var any = false
        for i in 0..<6 {
            guard let q = question(typed, slot: i) else {
                if !options(typed, slot: i).isEmpty {
                    let problem = Problem(question: i + 1, message: "", reason: .questionText)
                    found.append(.init("q\(i)_text", Pages.message(for: problem, f)))
                }
                continue
            }
            any = true
            guard let problem = QuestionnaireRules.checkQuestions([q]) else { continue }
            let numbered = Problem(question: i + 1, message: problem.message, reason: problem.reason)
            let field = problem.reason == .questionText ? "q\(i)_text" : "q\(i)_options"
            found.append(.init(field, Pages.message(for: numbered, f)))
        }
        if !any && found.isEmpty {
            let problem = Problem(question: 0, message: "", reason: .questionCount)
            found.append(.init("q0_text", Pages.message(for: problem, f)))
        }
        return found
    }

    /// Everything wrong with the typed form that can be told before saving, in the form's order.
    static func problems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
        var found = compoundAndTitleProblems(typed, f)
        found += Pages.periodProblems(
            ("opens_on", f.t("questionnaire.opensOn")), ("closes_on", f.t("questionnaire.closesOn")), in: typed,
            before: f.t("error.before_first"), f)
        return found + slotProblems(typed, f)
    }
}

/// A refused form shown again with why: the questionnaire or the notice form.
struct RefusedFormPage<Form> {
    var message: PageNote
    var form: Form
}

/// Questionnaires and notices at a glance, with the forms that start them for those who may.
struct ParticipationOverviewPage {
    /// Said once on top: a draft just discarded.
    var topNote: PageNote?
    struct QuestionnaireRow {
        var href: String
        var title: String
        var place: String
        var kind: String
        var period: String
        var status: String
    }
    struct NoticeRow {
        var href: String
        var title: String
        var place: String
        var period: String
        var phase: String
        var objections: String
    }
    var questionnaires: [QuestionnaireRow]
    var hasQuestionnaires: Bool
    var notices: [NoticeRow]
    var hasNotices: Bool
    var questionnaireForm: QuestionnaireForm?
    var noticeForm: NoticeForm?

    static func load(services: Services, actor: Actor, _ f: PageFrame) async throws -> ParticipationOverviewPage {
        let qs = try await QuestionnaireRepository(database: services.database).list(actor: actor, compoundId: nil)
        let ns = try await NoticeRepository(database: services.database).list(actor: actor, compoundId: nil)
        let places = try await Places.load(
            compoundIds: qs.map(\.compoundId) + ns.map(\.compoundId), services: services)
        let questionnaires = qs.map { q in
            QuestionnaireRow(
                href: SiteRoute.questionnaire(q.id).path, title: q.title, place: places.name(compound: q.compoundId),
                kind: f.t("questionnaire.kind." + q.kind.rawValue),
                period: "\(q.opensOn) – "
                    + QuestionnairePage.closing(q.closesOn, planned: q.plannedClosesOn, f),
                status: QuestionnairePage.status(q, f))
        }
        let notices = ns.map { n in
            NoticeRow(
                href: SiteRoute.notice(n.id).path, title: n.title, place: places.name(compound: n.compoundId),
                period: "\(n.startsOn) – \(n.endsOn)", phase: f.t("notice.phase." + n.phase.rawValue),
                objections: String(n.objections))
        }
        let manages = Permissions.allows(actor.role, .manageParticipation)
        return ParticipationOverviewPage(
            questionnaires: questionnaires, hasQuestionnaires: !questionnaires.isEmpty, notices: notices,
            hasNotices: !notices.isEmpty,
            questionnaireForm: manages ? try await QuestionnaireForm.load(services: services, actor: actor, f) : nil,
            noticeForm: manages ? try await NoticeForm.load(services: services, actor: actor, f) : nil)
    }
}

/// A questionnaire for staff: response rate, links to the public form and poster, paper entry while it is open,
/// and the results overall and by building.
struct QuestionnairePage {
    struct Choice {
        var inputType: String
        var name: String
        var value: String
        var label: String
        var checked = false
    }
    struct PaperQuestion {
        var number: String
        var text: String
        var choices: [Choice]
        /// The textarea's name, for a question answered in words, and what was typed there.
        var textName: String?
        var textValue = ""
    }
    /// The paper form; refused, it comes back as it was typed (`typed`), so the paper is not entered twice over.
    /// The homes not yet answered, by building, each written as the ballot form writes it (1号楼-1单元-101).
    struct HomeGroup {
        var groupLabel: String
        var options: [CourtyardServer.Choice]
    }
    struct PaperForm {
        var action: String
        var groups: [HomeGroup]
        var paperNumber: String
        var questions: [PaperQuestion]
        /// Refused: what is wrong with the household chosen and the number, beside each.
        var householdError: String?
        var paperError: String?
        /// The paper just entered, named above the form that takes the next one.
        var saved: String?
    }
    struct Rating {
        var mean: String
        var satisfied: String
        var answered: String
    }
    struct Texts {
        var empty: Bool
        var items: [String]
    }
    struct Result {
        var text: String
        var optionTable: OptionTable?
        var rating: Rating?
        var unrated = false
        var texts: Texts?
    }
    struct BuildingRow {
        var name: String
        var eligible: String
        var responses: String
        var rate: String
    }
    var title: String
    var message: PageNote?
    var place: String
    /// Where it stands for residents, and the office's next step: publishing a draft, ending one early.
    var stateLine: String
    var publishAction: String?
    /// A draft is corrected on its own form, or discarded with a tick.
    var editHref: String?
    var deleteAction: String?
    var deleteProblem: String?
    var closeAction: String?
    var closeProblem: String?
    var responses: String
    var eligible: String
    var responseRate: String
    var satisfaction: String?
    /// The residents' link and the poster, once published: a draft's would lead residents to a missing page.
    var publicHref: String?
    /// The poster, while residents may still answer: one ended asks nothing of the stairwell.
    var posterHref: String?
    var mapHref: String
    var xlsxHref: String
    var csvHref: String
    var paper: PaperForm?
    var results: [Result]
    var buildings: [BuildingRow]
    /// The paper responses entered, each voidable, while the questionnaire takes responses.
    var papers: QuestionnairePapers? = nil

    static func load(
        id: Int64, services: Services, actor: Actor, message: PageNote?, typed: [String: [String]]? = nil,
        _ f: PageFrame
    ) async throws -> QuestionnairePage {
        let repo = QuestionnaireRepository(database: services.database)
        let r = try await repo.results(id: id, actor: actor)
        let h = r.header
        let places = try await Places.load(compoundIds: [h.compoundId], services: services)
        var paper: PaperForm?
        if h.accepting(today: Clock.today) && Permissions.allows(actor.role, .enterBallots) {
            let households = try await repo.households(id: id, actor: actor)
            let given = typed ?? [:]
            func ticked(_ name: String, _ value: String) -> Bool { given[name]?.contains(value) ?? false }
            paper = PaperForm(
                action: SiteRoute.questionnaireResponses(id).path,
                groups: households.filter { !$0.answered }.reduce(into: [HomeGroup]()) { groups, h in
                    let home = CourtyardServer.Choice(
                        value: String(h.id), label: h.label, selected: given["household_id"]?.first == String(h.id))
                    if groups.last?.groupLabel == h.building {
                        groups[groups.count - 1].options.append(home)
                    } else {
                        groups.append(HomeGroup(groupLabel: h.building, options: [home]))
                    }
                },
                paperNumber: given["paper_number"]?.first ?? "",
                questions: h.questions.enumerated().map { i, q in
                    var choices: [Choice] = []
                    switch q.type {
                    case .single, .multiple:
                        choices = q.options.enumerated().map { k, o in
                            Choice(
                                inputType: q.type == .single ? "radio" : "checkbox", name: "q\(i)", value: String(k),
                                label: o, checked: ticked("q\(i)", String(k)))
                        }
                    case .rating:
                        choices = Question.ratingRange.map { n in
                            Choice(
                                inputType: "radio", name: "q\(i)", value: String(n),
                                label: "\(n) \(f.t("questionnaire.rating.\(n)"))", checked: ticked("q\(i)", String(n)))
                        }
                    case .text: break
                    }
                    // A one-answer question tapped by mistake is put back to blank, as left on the paper.
                    if q.type == .single || q.type == .rating {
                        choices.append(
                            Choice(
                                inputType: "radio", name: "q\(i)", value: "", label: f.t("questionnaire.leftBlank"),
                                checked: (given["q\(i)"] ?? []).allSatisfy(\.isEmpty)))
                    }
                    return PaperQuestion(
                        number: String(i + 1), text: q.text, choices: choices,
                        textName: q.type == .text ? "q\(i)" : nil,
                        textValue: q.type == .text ? given["q\(i)"]?.first ?? "" : "")
                })
        }
        let results = zip(h.questions, r.overall).map { q, t -> Result in
            switch q.type {
            case .single, .multiple:
                return Result(
                    text: q.text,
                    optionTable: OptionTable(options: q.options, counts: t.optionCounts))
            case .rating:
                return Result(
                    text: q.text,
                    rating: t.answered == 0
                        ? nil
                        : Rating(
                            mean: Percent.text(t.meanRatingTenths), satisfied: Percent.text(t.satisfactionTenths),
                            answered: String(t.answered)),
                    unrated: t.answered == 0)
            case .text:
                return Result(
                    text: q.text,
                    texts: Texts(empty: t.texts.isEmpty, items: Array(t.texts.filter { !$0.isEmpty }.prefix(100))))
            }
        }
        let manages = Permissions.allows(actor.role, .manageParticipation)
        return QuestionnairePage(
            title: h.title, message: message, place: places.compounds[h.compoundId] ?? "",
            stateLine: stateLine(h, f),
            publishAction: manages && h.state.canBecome(.published)
                ? SiteRoute.questionnaireState(id, .published).path : nil,
            // The form has six question slots: a draft with more (made through the API) is corrected there.
            editHref: manages && h.state == .draft && h.questions.count <= 6
                ? SiteRoute.questionnaireEdit(id).path : nil,
            deleteAction: manages && h.state == .draft ? SiteRoute.questionnaireDelete(id).path : nil,
            closeAction: manages && h.state.canBecome(.closed) && Clock.today <= h.closesOn
                ? SiteRoute.questionnaireState(id, .closed).path : nil,
            responses: String(r.responses), eligible: String(r.eligible),
            responseRate: Percent.text(Percent.tenths(r.responses, of: r.eligible)),
            satisfaction: QuestionnaireRepository.satisfaction(r).map(Percent.text),
            publicHref: h.state == .draft ? nil : SiteRoute.publicQuestionnaire(id).path,
            posterHref: h.state == .draft || h.state == .closed || Clock.today > h.closesOn
                ? nil : SiteRoute.questionnairePoster(id).path,
            mapHref: SiteRoute.questionnaireMap(id).path,
            xlsxHref: SiteRoute.questionnaireResults(id, format: "xlsx", lang: f.lang).path,
            csvHref: SiteRoute.questionnaireResults(id, format: "csv", lang: f.lang).path, paper: paper,
            results: results,
            buildings: r.buildings.map {
                BuildingRow(
                    name: $0.name, eligible: String($0.eligible), responses: String($0.responses),
                    rate: Percent.text(Percent.tenths($0.responses, of: $0.eligible)))
            })
    }
}

extension QuestionnairePage {
    /// 草稿, 征询中 with its dates, not yet open, or ended, as a person reads it.
    /// Where a questionnaire stands in a list, as a person reads it: 草稿, 待开始, 征询中 or 已结束 (one ended early
    /// closes on the day it was ended, as its dates then say).
    static func status(_ q: Questionnaire, _ f: PageFrame) -> String {
        let today = Clock.today
        switch q.state {
        case .draft: return f.t("questionnaire.state.draft")
        case .closed: return f.t("questionnaire.state.closed")
        case .published:
            if q.accepting { return f.t("questionnaire.open") }
            return f.t(today < q.opensOn ? "questionnaire.status.soon" : "questionnaire.state.closed")
        }
    }

    /// The last day of its period, and for one ended early the day it was meant to close beside it.
    static func closing(_ closesOn: Day, planned: Day?, _ f: PageFrame) -> String {
        guard let planned else { return closesOn.description }
        return f.lang.say("questionnaire.endedEarly", ["day": closesOn.description, "planned": planned.description])
    }

    static func stateLine(_ h: QuestionnaireRepository.Header, _ f: PageFrame) -> String {
        let today = Clock.today
        let key: String
        switch h.state {
        case .draft: key = "questionnaire.line.draft"
        case .closed: key = h.plannedClosesOn == nil ? "questionnaire.line.closed" : "questionnaire.line.closedEarly"
        case .published:
            key =
                today < h.opensOn
                ? "questionnaire.line.soon"
                : today > h.closesOn ? "questionnaire.line.closed" : "questionnaire.line.open"
        }
        return Lang.fill(
            f.t(key),
            [
                "from": h.opensOn.description, "to": h.closesOn.description,
                "planned": h.plannedClosesOn?.description ?? "",
            ])
    }
}

/// A poster for the stairwell: the compound, the title, the dates, a QR code to the online form, a phone for
/// questions and the issuing office. Without COURTYARD_PUBLIC_URL the code would point at the address the staff
/// member happens to use (often a loopback or office address), so the poster says what to set instead of printing it.
struct QuestionnairePoster {
    var place: String
    var qrSrc: String?
    var opensOn: String
    var closesOn: String
    var link: String?
    var needsPublicURL: Bool
    /// The administrator, who sets the server up, is told which setting it is; everyone else whom to ask.
    var setsUp: Bool
    var helpPhone: String?
    var issuer: String
}

/// Staff pages for questionnaires: the overview, drafting one, its results with paper entry, and its poster.
struct QuestionnairePageController {
    let services: Services
    var questionnaires: QuestionnaireRepository { QuestionnaireRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/participation", overview)
        Pages.post(router, "/questionnaires", page: SiteRoute.participation.path, create)
        Pages.get(router, "/questionnaires/:id", show)
        Pages.post(router, "/questionnaires/:id/responses", enterPaper)
        Pages.post(router, "/questionnaires/:id/responses/:response/void", voidResponse)
        Pages.get(router, "/questionnaires/:id/poster", poster)
        Pages.post(router, "/questionnaires/:id/publish", publish)
        Pages.post(router, "/questionnaires/:id/close", close)
        Pages.get(router, "/questionnaires/:id/edit", edit)
        Pages.post(router, "/questionnaires/:id/edit", saveDraft)
        Pages.post(router, "/questionnaires/:id/delete", deleteDraft)
    }

    /// A draft's own form, filled with what it holds; a questionnaire already published goes to its page.
    @Sendable func edit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let id = try context.parameters.require("id", as: Int64.self)
        let q = try await questionnaires.get(id: id, actor: actor)
        guard q.state == .draft, q.questions.count <= 6 else { return Pages.seeOther(SiteRoute.questionnaire(id).path) }
        let lead = PageNote(kind: "", text: f.t("questionnaire.editLead"))
        return try await draftForm(q, typed: Self.typed(q), wrong: [], message: lead, status: .ok, actor: actor, f)
    }

    /// The form of a draft as it stands: each question in its slot, its options a line each.
    static func typed(_ q: Questionnaire) -> [String: String] {
        var typed = [
            "compound_id": String(q.compoundId), "kind": q.kind.rawValue, "title": q.title,
            "opens_on": q.opensOn.description, "closes_on": q.closesOn.description,
        ]
        for (i, question) in q.questions.prefix(6).enumerated() {
            typed["q\(i)_text"] = question.text
            typed["q\(i)_type"] = question.type.rawValue
            typed["q\(i)_options"] = question.options.joined(separator: "\n")
        }
        return typed
    }

    func draftForm(
        _ q: Questionnaire, typed: [String: String], wrong: Set<String>, message: PageNote,
        status: HTTPResponse.Status, actor: Actor, _ f: PageFrame
    ) async throws -> Response {
        var form = try await QuestionnaireForm.load(services: services, actor: actor, f, typed: typed, wrong: wrong)
        form.action = SiteRoute.questionnaireEdit(q.id).path
        // Its compound stays: the one it was drafted for is the only choice.
        form.compounds = form.compounds.filter { $0.value == String(q.compoundId) }.selecting(String(q.compoundId))
        form.heading = f.t("questionnaire.editDraft")
        form.back = SiteRoute.questionnaire(q.id).path
        let page = RefusedFormPage(message: message, form: form)
        return f.page(title: q.title, "participation-questionnaire-refused", page, status: status)
    }

    /// The corrected draft, checked as a new one is; ticked 立即发布, it is published as well.
    @Sendable func saveDraft(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let actor = try context.require(.manageParticipation)
        let id = try context.parameters.require("id", as: Int64.self)
        let q = try await questionnaires.get(id: id, actor: actor)
        let refused: (Pages.Refusal) async throws -> Response = { r in
            try await draftForm(
                q, typed: r.kept(fields) ?? Self.typed(q), wrong: r.fields,
                message: PageNote(kind: r.tone, text: r.text), status: r.status, actor: actor, f)
        }
        let problems = QuestionnaireForm.problems(fields, f)
        if !problems.isEmpty { return try await refused(problems.refusal(f)) }
        return try await Pages.save(f, refused: refused) {
            guard let kind = QuestionnaireKind(rawValue: fields["kind"] ?? ""),
                let opens = Day(fields["opens_on"] ?? ""), let closes = Day(fields["closes_on"] ?? "")
            else { throw ValidationError(field: "opens_on", code: Pages.pageMessage, message: f.t("form.badDate")) }
            _ = try await questionnaires.updateDraft(
                id: id, kind: kind, title: fields["title"] ?? "", questions: QuestionnaireForm.questions(fields),
                opensOn: opens, closesOn: closes, actor: actor)
            if fields["publish"] == "1" {
                _ = try await questionnaires.setState(id: id, to: .published, actor: actor)
                return SiteRoute.questionnaire(id, done: "published").path
            }
            return SiteRoute.questionnaire(id, done: "edited").path
        }
    }

    /// Discarding a draft takes a tick; the overview then says it is gone.
    @Sendable func deleteDraft(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let actor = try context.require(.manageParticipation)
        let id = try context.parameters.require("id", as: Int64.self)
        guard fields["confirm"] == "1" else {
            var page = try await QuestionnairePage.load(id: id, services: services, actor: actor, message: nil, f)
            page.deleteProblem = f.t("questionnaire.deleteUnticked")
            return f.page(title: page.title, "participation-questionnaire", page, status: .unprocessableContent)
        }
        return try await Pages.saveOnce(f) {
            try await questionnaires.deleteDraft(id: id, actor: actor)
            return SiteRoute("/participation", query: [("deleted", "1")]).path
        }
    }

    /// A draft is published: its questions freeze and residents may answer from its first day.
    @Sendable func publish(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        _ = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        return try await Pages.saveOnce(f) {
            _ = try await questionnaires.setState(id: id, to: .published, actor: try context.actor())
            return SiteRoute.questionnaire(id, done: "published").path
        }
    }

    /// Ending it early takes a tick, since answers stop at once and it cannot be reopened.
    @Sendable func close(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        _ = try context.require(.manageParticipation)
        let id = try context.parameters.require("id", as: Int64.self)
        guard fields["confirm"] == "1" else {
            let actor = try context.require(.readRegistry)
            var page = try await QuestionnairePage.load(id: id, services: services, actor: actor, message: nil, f)
            page.closeProblem = f.t("questionnaire.closeUnticked")
            return f.page(title: page.title, "participation-questionnaire", page, status: .unprocessableContent)
        }
        return try await Pages.saveOnce(f) {
            _ = try await questionnaires.setState(id: id, to: .closed, actor: try context.actor())
            return SiteRoute.questionnaire(id, done: "closed").path
        }
    }

    @Sendable func overview(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        var page = try await ParticipationOverviewPage.load(services: services, actor: actor, f)
        if request.uri.queryParameters.get("deleted") == "1" {
            page.topNote = PageNote(kind: "ok", text: f.t("participation.draftDeleted"))
        }
        return f.page(title: f.t("nav.participation"), "participation-overview", page)
    }

    /// A questionnaire from six question slots (empty ones are skipped); published at once or kept as a draft.
    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let actor = try context.actor()
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let page = RefusedFormPage(
                message: PageNote(kind: r.tone, text: r.text),
                form: try await QuestionnaireForm.load(
                    services: services, actor: actor, f, typed: fields, wrong: r.fields))
            return f.page(
                title: f.t("nav.participation"), "participation-questionnaire-refused", page, status: r.status)
        }
        let problems = QuestionnaireForm.problems(fields, f)
        if !problems.isEmpty { return try await refused(problems.refusal(f)) }
        return try await Pages.save(f, refused: refused) {
            guard let compound = Int64(fields["compound_id"] ?? ""),
                let kind = QuestionnaireKind(rawValue: fields["kind"] ?? ""),
                let opens = Day(fields["opens_on"] ?? ""), let closes = Day(fields["closes_on"] ?? "")
            else { throw ValidationError(field: "opens_on", code: Pages.pageMessage, message: f.t("form.badDate")) }
            let questions = QuestionnaireForm.questions(fields)
            if let problem = QuestionnaireRules.checkQuestions(questions) {
                throw ValidationError(
                    field: "questions", code: Pages.pageMessage, message: Pages.message(for: problem, f))
            }
            let q = try await questionnaires.create(
                compoundId: compound, projectId: nil, kind: kind, title: fields["title"] ?? "", questions: questions,
                opensOn: opens, closesOn: closes, actor: actor)
            if fields["publish"] == "1" {
                _ = try await questionnaires.setState(id: q.id, to: .published, actor: actor)
            }
            return SiteRoute.questionnaire(q.id).path
        }
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let query = request.uri.queryParameters
        let saved = query.get("saved") ?? ""
        let done = ["published", "closed", "edited"].contains(saved) ? "questionnaire.done." + saved : nil
        let said = done
        // A search longer than the field allows is cut, not refused: it is only a search.
        // A search form sends a space as "+".
        let typed = (query.get("response") ?? "").replacingOccurrences(of: "+", with: " ")
        let find = TextNormalizer.clean(String(typed.unicodeScalars.prefix(100)))
        return try await page(
            try context.parameters.require("id", as: Int64.self), context, f,
            message: said.map { PageNote(kind: "ok", text: f.t($0)) }, find: find,
            voided: query.get("voided").flatMap { Int64($0) }, entered: query.get("entered").flatMap { Int64($0) })
    }

    @Sendable func enterPaper(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.formMulti(request, context)
        let h = try await questionnaires.publicHeader(id: id)
        // Refused, the paper comes back as typed, the household and the number marked where they are wrong.
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let actor = try context.require(.readRegistry)
            var shown = try await QuestionnairePage.load(
                id: id, services: services, actor: actor, message: PageNote(kind: r.tone, text: r.text),
                typed: fields, f)
            // Each field says its own words; a refusal of one field alone says its refusal there, as does a paper
            // number already entered or a household that has answered.
            let byCode = ["paper_entered": "paper_number", "already_answered": "household_id"]
            func said(_ field: String, missing: Bool) -> String? {
                guard r.fields.contains(field) || byCode[r.code] == field else { return nil }
                return missing ? f.t("error.\(field).required") : r.text
            }
            shown.paper?.householdError = said(
                "household_id", missing: Int64(fields["household_id"]?.first ?? "") == nil)
            shown.paper?.paperError = said(
                "paper_number",
                missing: (fields["paper_number"]?.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty)
            // Said beside the home or the number, as the ballot form says it, and not again at the page's top.
            let besideFields = Set(["household_id", "paper_number"])
            if shown.paper?.householdError != nil || shown.paper?.paperError != nil,
                r.fields.isSubset(of: besideFields)
            {
                shown.message = nil
            }
            // The papers entered stay below the form, to look up who already has a number.
            shown.papers = try await QuestionnairePapers.load(
                id: id, actor: actor, find: "", refused: nil, services: services, f)
            return f.page(title: shown.title, "participation-questionnaire", shown, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            let household = Int64(fields["household_id"]?.first ?? "")
            try ValidationErrors.raise(
                [
                    household == nil
                        ? ValidationError(field: "household_id", code: "required", message: "choose the household")
                        : nil,
                    (fields["paper_number"]?.first ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                        ? ValidationError(field: "paper_number", code: "required", message: "the paper's number") : nil,
                ].compactMap { $0 })
            let entered = try await questionnaires.enterPaper(
                id: id, householdId: household ?? 0,
                paperNumber: fields["paper_number"]?.first ?? "",
                answers: ParticipationPages.answers(fields, h.questions), actor: try context.actor())
            return SiteRoute.questionnaireEntered(id, response: entered.id).path
        }
    }

    @Sendable func poster(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let q = try await questionnaires.get(id: id, actor: actor)
        let compound = try await services.registry.get(Compound.self, id: q.compoundId, actor: .system)
        let subdistrict = try? await services.registry.get(
            .subdistricts, id: compound.subdistrictId ?? 0, actor: .system)
        let ready = services.configuration.publicURL != nil
        let poster = QuestionnairePoster(
            place: compound.name, qrSrc: ready ? SiteRoute.publicQuestionnaireQR(id).path : nil,
            opensOn: q.opensOn.description,
            closesOn: QuestionnairePage.closing(q.closesOn, planned: q.plannedClosesOn, f),
            link: ready ? services.publicLink(SiteRoute.publicQuestionnaire(id).path, request: request) : nil,
            needsPublicURL: !ready, setsUp: actor.role == .admin, helpPhone: services.configuration.helpPhone,
            issuer: (subdistrict?["name"]?.stringValue ?? "") + f.t("poster.office"))
        return f.page(title: q.title, "participation-poster", poster)
    }

    func page(
        _ id: Int64, _ context: AppContext, _ f: PageFrame, message: PageNote?, status: HTTPResponse.Status = .ok,
        typed: [String: [String]]? = nil, find: String = "", refused: QuestionnairePapers.Refused? = nil,
        voided: Int64? = nil, entered: Int64? = nil
    ) async throws -> Response {
        let actor = try context.require(.readRegistry)
        var page = try await QuestionnairePage.load(
            id: id, services: services, actor: actor, message: message, typed: typed, f)
        // The paper just entered, named by its home and number where the next one is entered (as a ballot is).
        if let entered, page.paper != nil {
            let newest = try await questionnaires.enteredResponses(id: id, actor: actor, find: "", limit: 30)
            page.paper?.saved = newest.entries.first { $0.id == entered }.map {
                f.lang.say("questionnaire.enteredWhat", ["home": $0.household, "paper": $0.paperNumber])
            }
        }
        page.papers = try await QuestionnairePapers.load(
            id: id, actor: actor, find: find, refused: refused, voided: voided, services: services, f)
        if let lost = page.papers?.lost, page.message == nil { page.message = PageNote(kind: "bad", text: lost) }
        return f.page(title: page.title, "participation-questionnaire", page, status: status)
    }
}

/// A choice question's results as a table: each option and how many chose it, for the staff and the public alike.
struct OptionTable {
    struct Row {
        var option: String
        var count: String
    }
    var rows: [Row]

    init(options: [String], counts: [Int]) {
        rows = zip(options, counts).map { Row(option: $0, count: String($1)) }
    }
}
