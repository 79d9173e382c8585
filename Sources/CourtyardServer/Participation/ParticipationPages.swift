import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Staff pages for questionnaires and notices: results by building, paper entry on a phone, objections.
enum ParticipationPages {
    static func add(to router: Router<AppContext>, services: Services) {
        let questionnaires = QuestionnaireRepository(database: services.database)
        let notices = NoticeRepository(database: services.database)

        Pages.get(router, "/participation") { _, context, f in
            let actor = try context.require(.readRegistry)
            let qs = try await questionnaires.list(actor: actor, compoundId: nil)
            let ns = try await notices.list(actor: actor, compoundId: nil)
            var places = try await Places.load(qs, services: services)
            for (id, name) in try await Places.load(compoundIds: ns.map(\.compoundId), services: services).compounds {
                places.compounds[id] = name
            }
            var s = "<h2>\(esc(f.t("public.questionnaires")))</h2>"
            s +=
                qs.isEmpty
                ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                : Pages.table(
                    [
                        (f.t("questionnaire.title"), false), (f.t("col.compound"), false),
                        (f.t("questionnaire.kind"), false), (f.t("questionnaire.period"), false),
                        (f.t("vote.status"), false),
                    ],
                    qs.map { q in
                        [
                            "<a href=\"/questionnaires/\(q["id"]?.cellText ?? "")\">\(esc(q["title"]?.cellText ?? ""))</a>",
                            esc(places.name(of: q)), esc(f.t("questionnaire.kind." + (q["kind"]?.stringValue ?? ""))),
                            esc("\(q["opens_on"]?.cellText ?? "") – \(q["closes_on"]?.cellText ?? "")"),
                            esc(
                                f.t(
                                    q["accepting"] == .bool(true)
                                        ? "questionnaire.open"
                                        : "questionnaire.state." + (q["state"]?.stringValue ?? ""))),
                        ]
                    })
            s += "<h2>\(esc(f.t("public.notices")))</h2>"
            s +=
                ns.isEmpty
                ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                : Pages.table(
                    [
                        (f.t("questionnaire.title"), false), (f.t("col.compound"), false),
                        (f.t("notice.period"), false), (f.t("vote.status"), false), (f.t("notice.objections"), true),
                    ],
                    ns.map { n in
                        [
                            "<a href=\"\(SiteRoute.notice(n.id).path)\">\(esc(n.title))</a>",
                            esc(places.name(compound: n.compoundId)), esc("\(n.startsOn) – \(n.endsOn)"),
                            esc(f.t("notice.phase." + n.phase.rawValue)), String(n.objections),
                        ]
                    })
            if Permissions.allows(actor.role, .manageParticipation) {
                s += try await questionnaireForm(actor: actor, f: f, services: services)
                s += try await noticeForm(actor: actor, f: f, services: services)
            }
            return f.render(title: f.t("nav.participation"), body: s)
        }
        // A questionnaire from six question slots (empty ones are skipped); published at once or kept as a draft.
        Pages.post(router, "/questionnaires") { request, context, f in
            let fields = try await Pages.form(request, context)
            let actor = try context.actor()
            return try await Pages.save(
                f,
                redisplay: { m, status in
                    f.render(
                        title: f.t("nav.participation"),
                        body: "<p class=\"note \(m.0)\" role=\"alert\">\(esc(m.1))</p>"
                            + (try await questionnaireForm(actor: actor, f: f, services: services)), status: status)
                }
            ) {
                guard let compound = Int64(fields["compound_id"] ?? ""),
                    let kind = QuestionnaireKind(rawValue: fields["kind"] ?? ""),
                    let opens = Day(fields["opens_on"] ?? ""), let closes = Day(fields["closes_on"] ?? "")
                else { throw ValidationError(field: "opens_on", code: Pages.pageMessage, message: f.t("form.badDate")) }
                let questions: [Question] = (0..<6).compactMap { i in
                    let text = (fields["q\(i)_text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !text.isEmpty, let type = QuestionType(rawValue: fields["q\(i)_type"] ?? "") else {
                        return nil
                    }
                    let options = (fields["q\(i)_options"] ?? "").split(whereSeparator: \.isNewline).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }.filter { !$0.isEmpty }
                    return Question(
                        text: text, type: type, options: type == .single || type == .multiple ? options : [],
                        required: type != .text)
                }
                if let problem = QuestionnaireRules.checkQuestions(questions) {
                    throw ValidationError(
                        field: "questions", code: Pages.pageMessage, message: Pages.message(for: problem, f))
                }
                let q = try await questionnaires.create(
                    compoundId: compound, projectId: nil, kind: kind, title: fields["title"] ?? "",
                    questions: questions,
                    opensOn: opens, closesOn: closes, actor: actor)
                let id = q["id"]!.intValue!
                if fields["publish"] == "1" {
                    _ = try await questionnaires.setState(id: id, to: "published", actor: actor)
                }
                return "/questionnaires/\(id)"
            }
        }
        Pages.get(router, "/questionnaires/:id") { request, context, f in
            let entered = request.uri.queryParameters.get("entered") != nil
            return try await questionnairePage(
                try context.parameters.require("id", as: Int64.self), context: context, f: f, services: services,
                message: entered ? ("ok", f.t("questionnaire.entered")) : nil)
        }
        Pages.post(router, "/questionnaires/:id/responses") { request, context, f in
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.formMulti(request)
            try Pages.verifyCSRF(fields["_csrf"]?.first, context)
            let h = try await questionnaires.publicHeader(id: id)
            return try await Pages.save(
                f, next: "/questionnaires/\(id)?entered=1",
                redisplay: { m, status in
                    try await questionnairePage(
                        id, context: context, f: f, services: services, message: m, status: status)
                }
            ) {
                _ = try await questionnaires.enterPaper(
                    id: id, householdId: Int64(fields["household_id"]?.first ?? "") ?? 0,
                    paperNumber: fields["paper_number"]?.first ?? "", answers: answers(fields, h.questions),
                    actor: try context.actor())
            }
        }
        // A poster for the stairwell: the title, the dates and a QR code to the online form.
        Pages.get(router, "/questionnaires/:id/poster") { request, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let q = try await questionnaires.get(id: id, actor: actor)
            let link = services.publicLink("/public/questionnaires/\(id)", request: request)
            let body = """
                <div class="poster"><p class="big">\(esc(f.t("questionnaire.posterLead")))</p>
                <img src="/public/questionnaires/\(id)/qr.svg" alt="QR" width="296" height="296">
                <p>\(esc(f.t("questionnaire.period"))) \(esc(q["opens_on"]?.cellText ?? "")) – \(esc(q["closes_on"]?.cellText ?? ""))</p>
                <p class="muted">\(esc(link))</p><p>\(esc(f.t("questionnaire.privacy")))</p></div>
                """
            return f.render(title: q["title"]?.cellText ?? "", body: body)
        }
        NoticePageController(services: services).register(on: router)
    }

    static func questionnaireForm(actor: Actor, f: PageFrame, services: Services) async throws -> String {
        let compounds = try await services.registry.listAll(.compounds, query: ListQuery(), actor: actor)
        let today = Clock.today
        let types = QuestionType.allCases.map {
            "<option value=\"\($0.rawValue)\">\(esc(f.t("questionnaire.type." + $0.rawValue)))</option>"
        }.joined()
        var s = "<h2>\(esc(f.t("questionnaire.new")))</h2><details><summary>\(esc(f.t("questionnaire.new")))</summary>"
        s += "<form class=\"stack\" method=\"post\" action=\"/questionnaires\">\(f.csrfField())"
        s +=
            "<label>\(esc(f.t("col.compound")))<select name=\"compound_id\" required>"
            + compounds.map { "<option value=\"\($0.id)\">\(esc($0["name"]?.stringValue ?? ""))</option>" }.joined()
            + "</select></label>"
        s +=
            "<label>\(esc(f.t("questionnaire.kind")))<select name=\"kind\">"
            + QuestionnaireKind.allCases.map {
                "<option value=\"\($0.rawValue)\">\(esc(f.t("questionnaire.kind." + $0.rawValue)))</option>"
            }.joined() + "</select></label>"
        s += "<label>\(esc(f.t("questionnaire.title")))<input name=\"title\" required maxlength=\"200\"></label>"
        s +=
            "<label>\(esc(f.t("questionnaire.opensOn")))<input name=\"opens_on\" type=\"date\" value=\"\(today)\" required></label>"
        s +=
            "<label>\(esc(f.t("questionnaire.closesOn")))<input name=\"closes_on\" type=\"date\" value=\"\(today.adding(days: 14))\" required></label>"
        for i in 0..<6 {
            s += "<fieldset><legend>\(esc(f.t("questionnaire.question"))) \(i + 1)</legend>"
            s += "<label>\(esc(f.t("questionnaire.questionText")))<input name=\"q\(i)_text\" maxlength=\"300\"></label>"
            s += "<label>\(esc(f.t("questionnaire.questionType")))<select name=\"q\(i)_type\">\(types)</select></label>"
            s +=
                "<label>\(esc(f.t("questionnaire.options")))<textarea name=\"q\(i)_options\" rows=\"3\"></textarea></label></fieldset>"
        }
        s +=
            "<label class=\"check\"><input type=\"checkbox\" name=\"publish\" value=\"1\" checked>\(esc(f.t("notice.publishNow")))</label>"
        return s + "<button type=\"submit\">\(esc(f.t("notice.save")))</button></form></details>"
    }

    static func noticeForm(actor: Actor, f: PageFrame, services: Services) async throws -> String {
        try await NoticeForm.load(services: services, actor: actor, f).render(f).html
    }

    /// Form fields q0, q1 … as answers in question order.
    static func answers(_ fields: [String: [String]], _ questions: [Question]) -> [JSONValue] {
        questions.indices.map { i in
            let values = (fields["q\(i)"] ?? []).filter { !$0.isEmpty }
            switch questions[i].type {
            case .multiple: return .array(values.compactMap { Int64($0) }.map { .int($0) })
            case .single, .rating: return values.first.flatMap { Int64($0) }.map { .int($0) } ?? .null
            case .text: return values.first.map { .string($0) } ?? .null
            }
        }
    }

    static func questionnairePage(
        _ id: Int64, context: AppContext, f: PageFrame, services: Services, message: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let repo = QuestionnaireRepository(database: services.database)
        let r = try await repo.results(id: id, actor: actor)
        let h = r.header
        var s = message.map { "<p class=\"note \($0.0)\" role=\"alert\">\(esc($0.1))</p>" } ?? ""
        let place = try await Places.load([.object([("compound_id", .int(h.compoundId))])], services: services)
        s += "<p>\(esc(f.t("col.compound"))): \(esc(place.compounds[h.compoundId] ?? ""))</p>"
        s +=
            "<div class=\"cards\"><div class=\"card\"><b>\(r.responses)/\(r.eligible)</b><span>\(esc(f.t("questionnaire.responseRate"))) \(Percent.text(Percent.tenths(r.responses, of: r.eligible)))%</span></div>"
        if let sat = QuestionnaireRepository.satisfaction(r) {
            s +=
                "<div class=\"card\"><b>\(Percent.text(sat))%</b><span>\(esc(f.t("questionnaire.satisfied")))</span></div>"
        }
        s +=
            "</div><p class=\"actions\"><a href=\"/public/questionnaires/\(id)\">\(esc(f.t("questionnaire.publicLink")))</a>"
        s += "<a href=\"/questionnaires/\(id)/poster\">\(esc(f.t("questionnaire.poster")))</a>"
        s +=
            "<a href=\"/api/v1/questionnaires/\(id)/results?format=xlsx\">XLSX</a><a href=\"/api/v1/questionnaires/\(id)/results?format=csv\">CSV</a></p>"
        let today = Clock.today
        if h.accepting(today: today) && Permissions.allows(actor.role, .enterBallots) {
            let households = try await repo.households(id: id, actor: actor)
            let options = households.filter { !$0.answered }.map {
                "<option value=\"\($0.id)\">\(esc($0.label))</option>"
            }.joined()
            s +=
                "<h2>\(esc(f.t("questionnaire.enterPaper")))</h2><form class=\"stack\" method=\"post\" action=\"/questionnaires/\(id)/responses\">\(f.csrfField())"
            s +=
                "<label>\(esc(f.t("questionnaire.householdStaff")))<select name=\"household_id\" required><option value=\"\">—</option>\(options)</select></label>"
            s +=
                "<label>\(esc(f.t("questionnaire.paperNumber")))<input name=\"paper_number\" required maxlength=\"50\"></label>"
            for (i, q) in h.questions.enumerated() {
                s += "<fieldset><legend>\(i + 1). \(esc(q.text))</legend>"
                switch q.type {
                case .single, .multiple:
                    for (k, o) in q.options.enumerated() {
                        s +=
                            "<label class=\"check\"><input type=\"\(q.type == .single ? "radio" : "checkbox")\" name=\"q\(i)\" value=\"\(k)\">\(esc(o))</label>"
                    }
                case .rating:
                    for n in Question.ratingRange {
                        s +=
                            "<label class=\"check\"><input type=\"radio\" name=\"q\(i)\" value=\"\(n)\">\(n) \(esc(f.t("questionnaire.rating.\(n)")))</label>"
                    }
                case .text: s += "<textarea name=\"q\(i)\" rows=\"2\" maxlength=\"500\"></textarea>"
                }
                s += "</fieldset>"
            }
            s += "<button type=\"submit\">\(esc(f.t("questionnaire.savePaper")))</button></form>"
        }
        for (q, t) in zip(h.questions, r.overall) {
            s += "<h2>\(esc(q.text))</h2>"
            switch q.type {
            case .single, .multiple:
                s += Pages.table(
                    [(f.t("questionnaire.option"), false), (f.t("questionnaire.count"), true)],
                    zip(q.options, t.optionCounts).map { [esc($0), String($1)] })
            case .rating:
                s +=
                    "<p>\(esc(f.t("questionnaire.mean"))) \(Percent.text(t.meanRatingTenths)) · \(esc(f.t("questionnaire.satisfied"))) \(Percent.text(t.satisfactionTenths))% (\(t.answered))</p>"
            case .text:
                s +=
                    t.texts.isEmpty
                    ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                    : "<ul>" + t.texts.filter { !$0.isEmpty }.prefix(100).map { "<li>\(esc($0))</li>" }.joined()
                        + "</ul>"
            }
        }
        s += "<h2>\(esc(f.t("questionnaire.byBuilding")))</h2>"
        s += Pages.table(
            [
                (f.t("col.buildings"), false), (f.t("questionnaire.count"), true),
                (f.t("questionnaire.responses"), true), (f.t("questionnaire.responseRate"), true),
            ],
            r.buildings.map {
                [
                    esc($0.name), String($0.eligible), String($0.responses),
                    Percent.text(Percent.tenths($0.responses, of: $0.eligible)) + "%",
                ]
            })
        return f.render(title: h.title, body: s, status: status)
    }
}
