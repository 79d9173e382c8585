import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let notices = SiteRoute("/notices")
    /// A notice's page; after publishing it or saving its draft, `saved` says which, and the page says so once.
    static func notice(_ id: Int64, saved: String? = nil) -> SiteRoute {
        SiteRoute("/notices/\(id)", query: [("saved", saved)])
    }
    static func noticePublish(_ id: Int64) -> SiteRoute { SiteRoute("/notices/\(id)/publish") }
    static func noticeEdit(_ id: Int64) -> SiteRoute { SiteRoute("/notices/\(id)/edit") }
    static func noticeReply(_ id: Int64, objection: Int64) -> SiteRoute {
        SiteRoute("/notices/\(id)/objections/\(objection)/reply")
    }
    /// The notice's page at the objection just answered, saying so.
    static func noticeReplied(_ id: Int64, objection: Int64, phone: Bool) -> SiteRoute {
        SiteRoute("/notices/\(id)?saved=\(phone ? "replied" : "replied_code")#objection-\(objection)")
    }
}

/// A choice in a form's list: the value sent and the words shown.
struct Choice {
    var value: String
    var label: String
    var selected = false
}

/// What the questionnaire and notice forms both ask first: the compound chosen and a title.
func compoundAndTitleProblems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
    var found: [FormProblem] = []
    if Int64(typed["compound_id"] ?? "") == nil { found.append(.init("compound_id", f.t("form.chooseCompound"))) }
    return found + titleProblems(typed, f)
}

/// A title there and not too long, for a new form and for a draft corrected on its page.
func titleProblems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
    var found: [FormProblem] = []
    let title = (typed["title"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    if title.isEmpty { found.append(.init("title", f.t("error.title.required"))) }
    if title.unicodeScalars.count > 200 { found.append(.init("title", f.t("error.title.too_long"))) }
    return found
}

/// What the questionnaire and notice forms both hold first: the compound, the kind, the title, published at once.
protocol CompoundFormHead {
    var compounds: [Choice] { get set }
    var kinds: [Choice] { get set }
    var title: String { get set }
    var publish: Bool { get set }
    /// The head's fields a refusal named, marked where they stand.
    var compoundWrong: Bool { get set }
    var titleWrong: Bool { get set }
}

extension CompoundFormHead {
    /// The head as a refused form typed it.
    mutating func retypeHead(_ typed: [String: String]) {
        compounds = compounds.selecting(typed["compound_id"])
        kinds = kinds.selecting(typed["kind"])
        title = typed["title"] ?? ""
        publish = typed["publish"] == "1"
    }

    mutating func markHead(_ wrong: Set<String>) {
        compoundWrong = wrong.contains("compound_id")
        titleWrong = wrong.contains("title")
    }
}

extension [Choice] {
    /// The same choices with the one whose value was typed selected.
    func selecting(_ value: String?) -> [Choice] {
        map { Choice(value: $0.value, label: $0.label, selected: $0.value == value) }
    }
}

/// The form with which a clerk posts a notice: the text, its dates and the scanned document.
struct NoticeForm: CompoundFormHead {
    var action: String
    var compounds: [Choice]
    var kinds: [Choice]
    var title = ""
    var body = ""
    var startsOn: String
    var endsOn: String
    var publish = false
    var compoundWrong = false
    var titleWrong = false
    var bodyWrong = false
    var startsWrong = false
    var endsWrong = false

    /// The empty form, or, after a refusal, the form with what was typed (a file has to be chosen again) and the
    /// fields it named (`wrong`) marked.
    static func load(
        services: Services, actor: Actor, _ f: PageFrame, typed: [String: String]? = nil, wrong: Set<String> = []
    ) async throws -> NoticeForm {
        let compounds = try await services.registry.listAll(.compounds, query: ListQuery(), actor: actor)
        let today = Clock.today
        var form = NoticeForm(
            action: SiteRoute.notices.path,
            compounds: compounds.map { Choice(value: String($0.id), label: $0["name"]?.stringValue ?? "") },
            kinds: NoticeRepository.Kind.allCases.map {
                Choice(value: $0.rawValue, label: f.t("notice.kind." + $0.rawValue))
            },
            startsOn: today.description, endsOn: today.adding(days: 7).description)
        guard let typed else { return form }
        form.retypeHead(typed)
        form.body = typed["body"] ?? ""
        form.startsOn = typed["starts_on"] ?? ""
        form.endsOn = typed["ends_on"] ?? ""
        form.markHead(wrong)
        form.bodyWrong = wrong.contains("body")
        form.startsWrong = wrong.contains("starts_on")
        form.endsWrong = wrong.contains("ends_on")
        return form
    }

    /// Everything wrong with the typed form that can be told before saving, in the form's order.
    static func problems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
        compoundAndTitleProblems(typed, f) + textProblems(typed, f)
    }

    /// The text and the period, which a draft corrected on its page is checked for too.
    static func textProblems(_ typed: [String: String], _ f: PageFrame) -> [FormProblem] {
        var found: [FormProblem] = []
        if (typed["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found.append(.init("body", f.t("notice.needBody")))
        }
        found += Pages.periodProblems(
            ("starts_on", f.t("notice.startsOn")), ("ends_on", f.t("notice.endsOn")), in: typed,
            before: f.t("error.before_from"), f)
        return found
    }

    func render(_ f: PageFrame) -> TrustedHTML { Views.render("participation-notice-form", self, frame: f) }
}

/// The notice form again, with why it was refused.
struct NoticeRefusedPage {
    var message: PageNote
    var body: TrustedHTML
}

/// A link to a stored file named as a person knows it: its file name, its kind and its size, never its number.
struct FileLink {
    var href: String
    var name: String
    var detail: String

    /// The files of a record the person may already read, each linked by `route`, in the record's order.
    static func links(_ ids: [Int64], route: (Int64) -> SiteRoute, services: Services) async throws -> [FileLink] {
        try await AttachmentRepository(database: services.database).infos(ids).map { link($0, route) }
    }

    /// The same, by file, for a page that shows several records' files.
    static func byId(_ ids: [Int64], route: (Int64) -> SiteRoute, services: Services) async throws -> [Int64: FileLink]
    {
        let infos = try await AttachmentRepository(database: services.database).infos(ids)
        return Dictionary(infos.map { ($0.id, link($0, route)) }, uniquingKeysWith: { a, _ in a })
    }

    static func link(_ info: AttachmentInfo, _ route: (Int64) -> SiteRoute) -> FileLink {
        FileLink(
            href: route(info.id).path, name: info.filename,
            detail: kind(info.contentType) + " · " + size(info.sizeBytes))
    }

    static func kind(_ contentType: String) -> String {
        switch contentType {
        case "application/pdf": "PDF"
        case "image/jpeg": "JPG"
        case "image/png": "PNG"
        case "image/webp": "WebP"
        default: contentType.split(separator: "/").last.map { $0.uppercased() } ?? ""
        }
    }

    /// 0.9 MB, 356 KB: one decimal for megabytes, whole kilobytes below, by integers.
    static func size(_ bytes: Int64) -> String {
        let kb = (max(bytes, 0) + 1023) / 1024
        guard kb >= 1000 else { return "\(kb) KB" }
        let tenths = (kb * 10 + 512) / 1024
        return "\(tenths / 10).\(tenths % 10) MB"
    }
}

/// One notice: where and when it is up, its text, and residents' objections with the office's replies.
struct NoticePage {
    struct Objection {
        var id: Int64
        var text: String
        var name: String
        var phone: String
        var at: String
        var reply: String?
        var repliedAt: String?
        /// How many times it had been answered when shown, sent back so an answer saved meanwhile is not replaced.
        var seen: Int64
        /// What the reply box holds: the answer given, or what a clerk typed whose save was refused.
        var draft: String
        /// The change form opened, for a refused save.
        var open: Bool
        /// Where the office's reply is sent, for those who may reply; once answered, changing it is asked for.
        var replyAction: String?
        var changes: Bool
        /// Who objected as the page may show it; one who left neither name nor phone is said to have.
        var who: String
        /// The objector's code as they were shown it, to find the objection when they phone with it.
        var code: String?
    }
    var title: String
    var place: String
    var startsOn: String
    var endsOn: String
    var phase: String
    var publicHref: String
    var noticeText: String
    var files: [FileLink]
    /// For a draft, where the office publishes it, and the form that corrects it first.
    var publishAction: String?
    var edit: DraftEdit?
    struct DraftEdit {
        var action: String
        var kinds: [Choice]
        var title: String
        var body: String
        var startsOn: String
        var endsOn: String
        var open = false
        var problem: String?
    }
    var message: PageNote?
    var objections: [Objection]
    var hasObjections: Bool

    /// `typed`: a refused reply, kept in its objection's box.
    static func load(
        services: Services, actor: Actor, id: Int64, typed: (objection: Int64, text: String)? = nil, _ f: PageFrame
    ) async throws -> NoticePage {
        let n = try await NoticeRepository(database: services.database).get(id: id, actor: actor)
        let place = try await Places.load(compoundIds: [n.compoundId], services: services).name(compound: n.compoundId)
        let replies = Permissions.allows(actor.role, .manageParticipation)
        let objections = (n.objectionList ?? []).map { o in
            Objection(
                id: o.id, text: o.text, name: o.name, phone: o.phone, at: beijingTime(o.at, dateOnly: true),
                reply: o.reply.isEmpty ? nil : o.reply,
                repliedAt: o.repliedAt.map { String(beijingTime($0).prefix(16)) }, seen: o.replyVersion,
                draft: typed?.objection == o.id ? typed?.text ?? "" : o.reply, open: typed?.objection == o.id,
                replyAction: replies ? SiteRoute.noticeReply(n.id, objection: o.id).path : nil,
                changes: !o.reply.isEmpty,
                who: [o.name, o.phone].allSatisfy(\.isEmpty)
                    ? f.t("notice.anonymous") : [o.name, o.phone].filter { !$0.isEmpty }.joined(separator: " "),
                code: o.trackingCode.map(TrackingCode.shown))
        }
        return NoticePage(
            title: n.title, place: place, startsOn: n.startsOn.description, endsOn: n.endsOn.description,
            phase: f.t("notice.phase." + n.phase.rawValue), publicHref: SiteRoute.publicCompound(n.compoundId).path,
            noticeText: n.body,
            files: try await FileLink.links(n.attachments, route: SiteRoute.attachment, services: services),
            publishAction: n.state == "draft" && replies ? SiteRoute.noticePublish(n.id).path : nil,
            edit: n.state == "draft" && replies
                ? DraftEdit(
                    action: SiteRoute.noticeEdit(n.id).path,
                    kinds: NoticeRepository.Kind.allCases.map {
                        Choice(
                            value: $0.rawValue, label: f.t("notice.kind." + $0.rawValue), selected: $0 == n.kind)
                    }, title: n.title, body: n.body, startsOn: n.startsOn.description, endsOn: n.endsOn.description)
                : nil,
            objections: objections, hasObjections: !objections.isEmpty)
    }
}

/// Staff pages for notices: posting one, reading it with its objections, replying to an objection.
struct NoticePageController {
    let services: Services
    var notices: NoticeRepository { NoticeRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/notices", page: SiteRoute.participation.path, create)
        Pages.post(router, "/notices/:id/objections/:objection/reply", reply)
        Pages.get(router, "/notices/:id", show)
        Pages.post(router, "/notices/:id/publish", publish)
        Pages.post(router, "/notices/:id/edit", edit)
    }

    /// A draft corrected before it is published; refused, the form comes back open with what was typed.
    @Sendable func edit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        // Only who posts notices corrects one: anyone else is refused before the form is read, not told to mend it.
        let actor = try context.require(.manageParticipation)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var page = try await NoticePage.load(services: services, actor: actor, id: id, f)
            if var edit = page.edit {
                edit.kinds = edit.kinds.selecting(fields["kind"])
                edit.title = fields["title"] ?? ""
                edit.body = fields["body"] ?? ""
                edit.startsOn = fields["starts_on"] ?? ""
                edit.endsOn = fields["ends_on"] ?? ""
                edit.open = true
                edit.problem = m.1
                page.edit = edit
            } else {
                page.message = PageNote(kind: m.0, text: m.1)
            }
            return f.page(title: page.title, "participation-notice", page, status: status)
        }
        let problems = titleProblems(fields, f) + NoticeForm.textProblems(fields, f)
        if !problems.isEmpty {
            return try await redisplay(("bad", Pages.lines(problems.map(\.text))), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.notice(id, saved: "draft").path, redisplay: redisplay) {
            guard let kind = NoticeRepository.Kind(rawValue: fields["kind"] ?? ""),
                let starts = Day(fields["starts_on"] ?? ""), let ends = Day(fields["ends_on"] ?? "")
            else { throw ValidationError(field: "starts_on", code: Pages.pageMessage, message: f.t("form.badDate")) }
            _ = try await notices.updateDraft(
                id: id,
                .init(
                    kind: kind, title: fields["title"] ?? "", body: fields["body"] ?? "", startsOn: starts, endsOn: ends
                ),
                actor: actor)
        }
    }

    /// A draft goes up on the compound's public page.
    @Sendable func publish(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        _ = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        return try await Pages.saveOnce(f) {
            _ = try await notices.publish(id: id, actor: try context.actor())
            return SiteRoute.notice(id, saved: "published").path
        }
    }

    /// A clerk posts a notice: the text, its dates and the scanned document, published at once or kept as a draft.
    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let form = try await Pages.multipartForm(request, context)
        let actor = try context.actor()
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let again = try await NoticeForm.load(
                services: services, actor: actor, f, typed: form.fields, wrong: r.fields)
            let page = NoticeRefusedPage(message: PageNote(kind: r.tone, text: r.text), body: again.render(f))
            return f.page(title: f.t("nav.participation"), "participation-notice-refused", page, status: r.status)
        }
        let problems = NoticeForm.problems(form.fields, f)
        if !problems.isEmpty { return try await refused(problems.refusal(f)) }
        return try await Pages.save(f, refused: refused) {
            guard let compound = Int64(form.fields["compound_id"] ?? ""),
                let kind = NoticeRepository.Kind(rawValue: form.fields["kind"] ?? ""),
                let starts = Day(form.fields["starts_on"] ?? ""), let ends = Day(form.fields["ends_on"] ?? "")
            else {
                throw ValidationError(field: "starts_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            let n = try await form.withStoredFile("file", database: services.database, actor: actor) { file in
                try await notices.create(
                    .init(
                        compoundId: compound, projectId: nil, kind: kind, title: form.fields["title"] ?? "",
                        body: form.fields["body"] ?? "", attachments: file.map { [$0] } ?? [], startsOn: starts,
                        endsOn: ends),
                    actor: actor)
            }
            if form.fields["publish"] == "1" { _ = try await notices.publish(id: n.id, actor: actor) }
            return SiteRoute.notice(n.id).path
        }
    }

    @Sendable func reply(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let objection = try context.parameters.require("objection", as: Int64.self)
        // Refused (another clerk answered meanwhile), the page shows the answer now given, with the text typed kept.
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let actor = try context.require(.readRegistry)
            var page = try await NoticePage.load(
                services: services, actor: actor, id: id, typed: (objection, fields["reply"] ?? ""), f)
            page.message = PageNote(kind: r.tone, text: r.text)
            return f.page(title: page.title, "participation-notice", page, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            let n = try await notices.reply(
                noticeId: id, objectionId: objection, text: fields["reply"] ?? "",
                seen: fields["reply_version"].map { Int64($0) ?? -1 },
                actor: try context.actor())
            let phone = n.objectionList?.first { $0.id == objection }?.phone.isEmpty == false
            return SiteRoute.noticeReplied(id, objection: objection, phone: phone).path
        }
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        var page = try await NoticePage.load(
            services: services, actor: actor, id: try context.parameters.require("id", as: Int64.self), f)
        switch request.uri.queryParameters.get("saved") {
        case "published": page.message = PageNote(kind: "ok", text: f.t("notice.published"))
        case "draft": page.message = PageNote(kind: "ok", text: f.t("notice.draftSaved"))
        case "replied": page.message = PageNote(kind: "ok", text: f.t("notice.replied"))
        case "replied_code": page.message = PageNote(kind: "ok", text: f.t("notice.repliedCodeOnly"))
        default: break
        }
        return f.page(title: page.title, "participation-notice", page)
    }
}
