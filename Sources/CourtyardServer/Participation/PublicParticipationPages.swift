import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The public compound page's project, notices and questionnaires, and the pages where residents
/// object to a notice or answer a questionnaire by their phone, without an account.
enum PublicParticipationPages {
    static func add(to router: Router<AppContext>, services: Services) {
        let objections = RateLimiter(limit: 5, window: 600)
        let answers = RateLimiter(limit: 10, window: 600)
        router.post("public/notices/:id/objections") { request, context -> Response in
            let f = Pages.frame(request, context)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context, checkCSRF: false)
            let compound = Int64(fields["compound_id"] ?? "") ?? 0
            guard objections.allow(context.remoteHost) else {
                return try await PublicPages.page(
                    id: compound, f: f, services: services, notice: ("bad", f.t("public.tooMany")),
                    status: .tooManyRequests, typed: .objection(notice: id, fields: fields))
            }
            do {
                _ = try await NoticeRepository(database: services.database).object(
                    noticeId: id, text: fields["text"] ?? "", name: fields["name"] ?? "",
                    phone: fields["phone"] ?? "")
                return try await PublicPages.page(
                    id: compound, f: f, services: services, notice: ("ok", f.t("public.objectionThanks")),
                    status: .created)
            } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
                let a = AppError.from(e)!
                return try await PublicPages.page(
                    id: compound, f: f, services: services, notice: ("bad", Pages.message(for: a, f)),
                    status: a.status, typed: .objection(notice: id, fields: fields))
            }
        }
        // Only what a published notice shows is public.
        router.get("public/attachments/:id") { _, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            let file = try await AttachmentRepository(database: services.database).readPublic(id: id)
            return Response(
                status: .ok,
                headers: [
                    .contentType: file.contentType, .cacheControl: "public, max-age=3600",
                    .init("X-Content-Type-Options")!: "nosniff",
                ], body: .init(byteBuffer: file.bytes))
        }
        // QR codes to print on notices in the stairwell: the questionnaire, or the compound's page.
        router.get("public/questionnaires/:id/qr.svg") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            return try qr(services.publicLink("/public/questionnaires/\(id)", request: request))
        }
        router.get("public/compounds/:id/qr.svg") { request, context -> Response in
            let id = try context.parameters.require("id", as: Int64.self)
            return try qr(services.publicLink("/public/compounds/\(id)", request: request))
        }
        router.get("public/questionnaires/:id") { request, context -> Response in
            let f = Pages.frame(request, context)
            return try await questionnairePage(
                id: try context.parameters.require("id", as: Int64.self), f: f, services: services, fields: [:],
                notice: nil)
        }
        router.post("public/questionnaires/:id") { request, context -> Response in
            let f = Pages.frame(request, context)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.formMulti(request)
            guard answers.allow(context.remoteHost) else {
                return try await questionnairePage(
                    id: id, f: f, services: services, fields: fields, notice: ("bad", f.t("public.tooMany")),
                    status: .tooManyRequests)
            }
            let repo = QuestionnaireRepository(database: services.database)
            let h = try await repo.publicHeader(id: id)
            let given: [JSONValue] = h.questions.indices.map { i in
                let values = fields["q\(i)"] ?? []
                switch h.questions[i].type {
                case .multiple: return .array(values.compactMap { Int64($0) }.map { .int($0) })
                case .single, .rating: return values.first.flatMap { Int64($0) }.map { .int($0) } ?? .null
                case .text: return values.first.map { .string($0) } ?? .null
                }
            }
            if case .failure(let problem) = QuestionnaireRules.answers(given, to: h.questions) {
                return try await questionnairePage(
                    id: id, f: f, services: services, fields: fields,
                    notice: ("bad", Pages.message(for: problem, f)), status: .unprocessableContent)
            }
            do {
                _ = try await repo.respondOnline(
                    id: id, phone: fields["phone"]?.first ?? "",
                    householdId: fields["household_id"]?.first.flatMap { Int64($0) },
                    answers: given)
                return try await questionnairePage(
                    id: id, f: f, services: services, fields: [:], notice: ("ok", f.t("public.answerThanks")),
                    status: .created)
            } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
                let a = AppError.from(e)!
                return try await questionnairePage(
                    id: id, f: f, services: services, fields: fields, notice: ("bad", Pages.message(for: a, f)),
                    status: a.status)
            }
        }
    }

    static func qr(_ link: String) throws -> Response {
        let code = try QRCode(text: link)
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(string: code.svg())))
    }

    static func questionnairePage(
        id: Int64, f: PageFrame, services: Services, fields: [String: [String]], notice: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let repo = QuestionnaireRepository(database: services.database)
        let h: QuestionnaireRepository.Header
        do { h = try await repo.publicHeader(id: id) } catch StoreError.notFound {
            return f.render(
                title: f.t("error.title"), body: "<p class=\"note bad\">\(esc(f.t("error.notFound")))</p>",
                status: .notFound)
        }
        guard h.state != "draft" else {
            return f.render(
                title: f.t("error.title"), body: "<p class=\"note bad\">\(esc(f.t("error.notFound")))</p>",
                status: .notFound)
        }
        var s = notice.map { "<p class=\"note \($0.0)\" role=\"status\">\(esc($0.1))</p>" } ?? ""
        s +=
            "<p>\(esc(f.t("questionnaire.period"))) \(h.opensOn) – \(h.closesOn) · <a href=\"/public/compounds/\(h.compoundId)\">\(esc(f.t("common.back")))</a></p>"
        let today = Clock.today
        if h.accepting(today: today) {
            let phone = fields["phone"]?.first ?? ""
            let owned = phone.isEmpty ? [] : try await repo.ownedHouseholds(id: id, phone: phone)
            s += "<form class=\"stack\" method=\"post\" action=\"/public/questionnaires/\(id)\">"
            s +=
                "<label>\(esc(f.t("questionnaire.phone")))<input name=\"phone\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" required value=\"\(esc(phone))\"></label>"
            if owned.count > 1 {
                s += "<label>\(esc(f.t("questionnaire.household")))<select name=\"household_id\" required>"
                s += owned.map { "<option value=\"\($0.id)\">\(esc($0.label))</option>" }.joined() + "</select></label>"
            }
            for (i, q) in h.questions.enumerated() {
                let chosen = Set(fields["q\(i)"] ?? [])
                s += "<fieldset><legend>\(i + 1). \(esc(q.text))\(q.required ? " *" : "")</legend>"
                switch q.type {
                case .single, .multiple:
                    for (k, o) in q.options.enumerated() {
                        s +=
                            "<label class=\"check\"><input type=\"\(q.type == .single ? "radio" : "checkbox")\" name=\"q\(i)\" value=\"\(k)\"\(chosen.contains(String(k)) ? " checked" : "")>\(esc(o))</label>"
                    }
                case .rating:
                    for n in Question.ratingRange {
                        s +=
                            "<label class=\"check\"><input type=\"radio\" name=\"q\(i)\" value=\"\(n)\"\(chosen.contains(String(n)) ? " checked" : "")>\(n) \(esc(f.t("questionnaire.rating.\(n)")))</label>"
                    }
                case .text:
                    s +=
                        "<textarea name=\"q\(i)\" rows=\"3\" maxlength=\"500\">\(esc(fields["q\(i)"]?.first ?? ""))</textarea>"
                }
                s += "</fieldset>"
            }
            s +=
                "<p class=\"muted\">\(esc(f.t("questionnaire.privacy")))</p><button type=\"submit\">\(esc(f.t("questionnaire.submit")))</button></form>"
        } else {
            let r = try await repo.publicResults(id: id)
            s += "<p>\(esc(f.t("questionnaire.closed")))</p>"
            s +=
                "<p>\(esc(f.t("questionnaire.responseRate"))): \(r.responses)/\(r.eligible) = \(Percent.text(Percent.tenths(r.responses, of: r.eligible)))%</p>"
            for (q, t) in zip(h.questions, r.overall) where q.type != .text {
                s += "<h2>\(esc(q.text))</h2>"
                if q.type == .rating {
                    s +=
                        "<p>\(esc(f.t("questionnaire.mean"))) \(Percent.text(t.meanRatingTenths)) · \(esc(f.t("questionnaire.satisfied"))) \(Percent.text(t.satisfactionTenths))%</p>"
                } else {
                    s += Pages.table(
                        [(f.t("questionnaire.option"), false), (f.t("questionnaire.count"), true)],
                        zip(q.options, t.optionCounts).map { [esc($0), String($1)] })
                }
            }
        }
        return f.render(title: h.title, body: s, status: status)
    }
}

extension PublicPages {
    static func projectSection(compoundId: Int64, f: PageFrame, services: Services) async throws -> String {
        let projects = try await ProjectRepository(database: services.database).list(
            actor: .system, filter: .init(compoundId: compoundId))
        guard let latest = projects.max(by: { ($0["batch_year"]?.intValue ?? 0) < ($1["batch_year"]?.intValue ?? 0) }),
            let pid = latest["id"]?.intValue
        else { return "" }
        let p = try await ProjectRepository(database: services.database).get(id: pid, actor: .system)
        let stage = ProjectStage(rawValue: p["stage"]?.stringValue ?? "") ?? .consultation
        var s = "<h2>\(esc(f.t("public.project"))) \(p["batch_year"]?.cellText ?? "")</h2><ul class=\"stages\">"
        for st in ProjectStage.allCases {
            s +=
                "<li class=\"\(st == stage ? "now" : (st < stage ? "done" : ""))\"\(st == stage ? " aria-current=\"step\"" : "")>\(esc(f.t("stage." + st.rawValue)))</li>"
        }
        s +=
            "</ul><p>\(esc(f.t("project.progress"))) \(ProgrammePages.percentBar(p["percent_complete"])) · \(esc(f.t("project.deadline"))) \(esc(p["deadline"]?.cellText ?? ""))"
        if let c = p["completed_on"]?.stringValue { s += " · \(esc(f.t("project.completedOn"))) \(esc(c))" }
        if let sat = p["satisfaction_rate"], sat != .null {
            s += " · \(esc(f.t("public.satisfaction"))) \(esc(sat.cellText))%"
        }
        s += "</p>"
        let items = p["work_items"].arrayItems
        if !items.isEmpty {
            s +=
                "<ul>"
                + items.map {
                    "<li>\(esc(f.t("category." + ($0["category"]?.stringValue ?? "")))) · \(esc($0["name"]?.cellText ?? "")) · \(esc($0["percent"]?.cellText ?? "0"))%</li>"
                }.joined() + "</ul>"
        }
        return s
    }

    static func noticeSection(
        compoundId: Int64, f: PageFrame, services: Services, typed: Typed?, notice: (String, String)?
    ) async throws -> String {
        let notices = try await NoticeRepository(database: services.database).publicNotices(compoundId: compoundId)
        let section = PublicNoticesSection(notices, compoundId: compoundId, typed: typed, notice: notice, f)
        return section.items.isEmpty ? "" : Views.render("participation-public-notices", section, frame: f).html
    }

    static func questionnaireSection(compoundId: Int64, f: PageFrame, services: Services) async throws -> String {
        let list = try await QuestionnaireRepository(database: services.database).list(
            actor: .system, compoundId: compoundId
        )
        .filter { $0["state"]?.stringValue != "draft" }
        guard !list.isEmpty else { return "" }
        return "<h2>\(esc(f.t("public.questionnaires")))</h2><ul>"
            + list.map { q in
                let open = q["accepting"] == .bool(true)
                return
                    "<li><a href=\"/public/questionnaires/\(q["id"]?.cellText ?? "")\">\(esc(q["title"]?.cellText ?? ""))</a> · \(esc(f.t(open ? "questionnaire.answerNow" : "questionnaire.results")))</li>"
            }.joined() + "</ul>"
    }
}

extension SiteRoute {
    static func publicAttachment(_ id: Int64) -> SiteRoute { SiteRoute("/public/attachments/\(id)") }
    static func publicObjections(_ notice: Int64) -> SiteRoute { SiteRoute("/public/notices/\(notice)/objections") }
}

/// A compound's published notices on its public page, each on display with the form to object, and what a
/// resident typed into a refused objection kept in it.
struct PublicNoticesSection {
    struct Attachment {
        var href: String
        var id: String
    }
    struct ObjectionForm {
        var open: Bool
        var note: PageNote?
        var action: String
        var compoundId: String
        var keptText: String
        var keptName: String
        var keptPhone: String
    }
    struct Item {
        var title: String
        var startsOn: String
        var endsOn: String
        var phase: String
        var objections: String
        var noticeText: String
        var attachments: [Attachment]
        /// Only while the notice is on display.
        var form: ObjectionForm?
    }
    var items: [Item]

    init(
        _ notices: [Notice], compoundId: Int64, typed: PublicPages.Typed?, notice: (String, String)?, _ f: PageFrame
    ) {
        items = notices.map { n in
            var form: ObjectionForm?
            if n.phase.takesObjections {
                var kept: [String: String] = [:]
                var here: PageNote?
                if case .objection(let id, let fields) = typed, id == n.id {
                    kept = fields
                    here = notice.map { PageNote(kind: $0.0, text: $0.1) }
                }
                form = ObjectionForm(
                    open: here != nil, note: here, action: SiteRoute.publicObjections(n.id).path,
                    compoundId: String(compoundId), keptText: kept["text"] ?? "", keptName: kept["name"] ?? "",
                    keptPhone: kept["phone"] ?? "")
            }
            return Item(
                title: n.title, startsOn: n.startsOn.description, endsOn: n.endsOn.description,
                phase: f.t("notice.phase." + n.phase.rawValue), objections: String(n.objections), noticeText: n.body,
                attachments: n.attachments.map {
                    Attachment(href: SiteRoute.publicAttachment($0).path, id: String($0))
                }, form: form)
        }
    }
}
