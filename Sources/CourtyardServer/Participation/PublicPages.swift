import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// What anyone may see of a compound, on a phone, without JavaScript and without personal data;
/// and the form with which a resident reports a problem during the works.
enum PublicPages {
    /// What a resident typed into a form the server refused, so the page shows it again, and what is wrong with it.
    enum Typed: Sendable {
        case report([String: String], FieldErrors)
        case objection(notice: Int64, fields: [String: String], errors: FieldErrors)
    }

    static func add(to router: Router<AppContext>, services: Services) {
        PublicPageController(services: services).register(on: router)
        photoScript.register(on: router)
    }

    /// The report form's script: each chosen photo drawn upright and at most 1600 pixels a side, sent as a JPEG.
    static let photoScript = StaticScript(named: "report-photos")

    static func page(
        id: Int64, f: PageFrame, services: Services, notice: (String, String)?, status: HTTPResponse.Status = .ok,
        typed: Typed? = nil
    ) async throws -> Response {
        guard let page = try await PublicCompoundPage.load(id: id, services: services, notice: notice, typed: typed, f)
        else {
            return f.page(title: f.t("error.title"), "participation-not-found", PublicNotFound(), status: .notFound)
        }
        return f.page(title: page.title, "participation-public-compound", page, status: status)
    }
}

/// What anyone may see of a compound: its latest project, notices, questionnaires, votes and reports (never who
/// reported or objected), and the form to report a problem, which keeps what was typed when it is refused.
struct PublicCompoundPage {
    struct Stage {
        var cls: String
        var current: Bool
        var label: String
    }
    struct WorkItem {
        var category: String
        var name: String
        var percent: String
    }
    struct Project {
        var year: String
        var stages: [Stage]
        var percent: String
        var barWidth: String
        var deadline: String
        var completedOn: String?
        var satisfaction: String?
        var items: [WorkItem]
        var hasItems: Bool
    }
    struct QuestionnaireLink {
        var href: String
        var title: String
        var label: String
    }
    struct QuestionnaireList {
        var links: [QuestionnaireLink]
    }
    struct VoteResultLine {
        var outcome: String
        /// Owners and floor area that took part and that approved, each figure named.
        var figures: String
    }
    struct VoteLine {
        var title: String
        var status: String
        var result: VoteResultLine?
        var ballots: String
    }
    struct ReportLine {
        var category: String
        var state: String
        var submitted: String
    }
    /// The report form; each `…Error` is the message shown beside its field when a sent form was refused.
    struct ReportForm {
        var note: PageNote?
        var action: String
        var categories: [Option]
        var buildings: [Option]
        var description: String
        var name: String
        var phone: String
        var categoryError: String?
        var buildingError: String?
        var descriptionError: String?
        var photoError: String?
        var phoneError: String?
        /// The script that makes chosen photos smaller before they are sent.
        var photoScript: String
        /// For an account that files the report as itself (a steward): the name and phone are the resident's it
        /// reports for, if any.
        var onBehalfHint: String?
    }
    /// At the top of a page whose form was refused: a link down to the form, where each field says what is wrong.
    struct ErrorSummary {
        var href: String
        var text: String
    }
    typealias Option = FormOption
    var title: String
    var topNote: PageNote?
    /// The tracking page of the report just filed.
    var errorSummary: ErrorSummary?
    var address: String
    var project: Project?
    var notices: PublicNoticesSection?
    var questionnaires: QuestionnaireList?
    var votes: [VoteLine]
    var hasVotes: Bool
    var reports: [ReportLine]
    var hasReports: Bool
    var reportForm: ReportForm
    /// The compound's self-governance bodies and stewards, names masked (Stewards feature).
    var governance: PublicGovernance?
    /// Events coming up for its residents: the compound's own and its community's (Events feature).
    struct EventLink {
        var href: String
        var eventTitle: String
        var when: String
        var eventPlace: String
    }
    var events: [EventLink]
    var hasEvents: Bool
    /// The community's news of its events (reports and photos), and what is coming.
    var newsHref: String?

    /// The form's word to a signed-in account that files reports for this compound.
    static func onBehalfHint(compound: Int64, _ services: Services, _ f: PageFrame) async -> String? {
        guard let account = f.account,
            await PublicPageController.reporter(account.actor, compound: compound, services: services) != nil
        else { return nil }
        return f.t("public.onBehalfHint")
    }

    /// nil when there is no such compound.
    static func load(
        id: Int64, services: Services, notice: (String, String)?, typed: PublicPages.Typed?, _ f: PageFrame
    ) async throws -> PublicCompoundPage? {
        let compound: Record
        do { compound = try await services.registry.get(.compounds, id: id, actor: .system) } catch StoreError.notFound
        {
            return nil
        }
        let message = notice.map { PageNote(kind: $0.0, text: $0.1) }
        let notices = try await NoticeRepository(database: services.database).publicNotices(compoundId: id)
        let questionnaires = try await QuestionnaireRepository(database: services.database).list(
            actor: .system, compoundId: id
        ).filter { $0.state != .draft }
        let votes = try await VoteRepository(database: services.database).list(actor: .system, compoundId: id).filter {
            $0.status != .draft
        }
        let voteLines = votes.map { v in
            let labels = VoteLabels(v, f)
            return VoteLine(
                title: v.title, status: labels.status,
                result: v.result.map { r in
                    VoteResultLine(
                        outcome: labels.outcome,
                        figures: Lang.fill(
                            f.t("vote.publicFigures"),
                            [
                                "p": String(r.participatingOwners), "e": String(r.eligibleOwners),
                                "a": String(r.approvingOwners), "aa": "\(r.approvingArea)",
                                "pa": "\(r.participatingArea)", "ea": "\(r.eligibleArea)",
                            ]))
                }, ballots: "\(v.ballotsCast)/\(v.eligibleHouseholds)")
        }
        let reports = try await ReportRepository(database: services.database).publicSummary(compoundId: id).map {
            ReportLine(
                category: f.t("category." + $0.category),
                state: f.t("report.state." + $0.state.rawValue) + ($0.overdue ? " ⚠" : ""),
                submitted: beijingTime($0.submitted, dateOnly: true))
        }
        let buildings = try await services.registry.listAll(
            .buildings, query: ListQuery(filters: ["compound_id": String(id)]), actor: .system)
        let community = compound["community_id"]?.intValue ?? 0
        let events = try await EventRepository(database: services.database).publicUpcoming(
            communityId: community, limit: 10
        )
        .filter { $0.compoundId == nil || $0.compoundId == id }
        .map {
            EventLink(
                href: SiteRoute.publicEvent($0.id).path, eventTitle: $0.title, when: EventWords.when($0),
                eventPlace: $0.place)
        }
        var kept: [String: String] = [:]
        var errors = FieldErrors()
        if case .report(let fields, let refused) = typed {
            kept = fields
            errors = refused
        }
        let reportForm = ReportForm(
            note: errors.form.map { PageNote(kind: "bad", text: $0) },
            action: SiteRoute.publicReports(id).path + "#report",
            categories: ReportCategory.allCases.map {
                Option(
                    value: $0.rawValue, label: f.t("category." + $0.rawValue),
                    selected: kept["category"] == $0.rawValue)
            },
            buildings: buildings.map {
                Option(
                    value: String($0.id), label: $0["name"]?.stringValue ?? "",
                    selected: kept["building_id"] == String($0.id))
            },
            description: kept["description"] ?? "", name: kept["name"] ?? "", phone: kept["phone"] ?? "",
            categoryError: errors["category"], buildingError: errors["building_id"],
            descriptionError: errors["description"], photoError: errors["photo"], phoneError: errors["phone"],
            photoScript: PublicPages.photoScript.path, onBehalfHint: await onBehalfHint(compound: id, services, f))
        return PublicCompoundPage(
            title: compound["name"]?.stringValue ?? "", topNote: message,
            errorSummary: Self.summary(typed, f), address: compound["address"]?.stringValue ?? "",
            project: try await project(compoundId: id, services: services, f),
            notices: notices.isEmpty
                ? nil
                : try await PublicNoticesSection.load(
                    notices, compoundId: id, typed: typed, services: services, f),
            questionnaires: questionnaires.isEmpty
                ? nil
                : QuestionnaireList(
                    links: questionnaires.map {
                        QuestionnaireLink(
                            href: SiteRoute.publicQuestionnaire($0.id).path, title: $0.title,
                            label: f.t($0.accepting ? "questionnaire.answerNow" : "questionnaire.results"))
                    }),
            votes: voteLines, hasVotes: !voteLines.isEmpty, reports: reports, hasReports: !reports.isEmpty,
            reportForm: reportForm, governance: try await PublicGovernance.load(compoundId: id, services: services, f),
            events: events, hasEvents: !events.isEmpty,
            newsHref: compound["community_id"]?.intValue.map { SiteRoute.communityNews($0).path })
    }

    /// The link from the top of the page to the refused form.
    static func summary(_ typed: PublicPages.Typed?, _ f: PageFrame) -> ErrorSummary? {
        // A refusal of the whole form (sent too often) is said as it is; field problems are pointed to.
        func text(_ errors: FieldErrors) -> String {
            errors.byField.isEmpty ? errors.form ?? f.t("public.fixBelow") : f.t("public.fixBelow")
        }
        switch typed {
        case .report(_, let errors) where !errors.isEmpty:
            return ErrorSummary(href: "#report", text: text(errors))
        case .objection(let notice, _, let errors) where !errors.isEmpty:
            return ErrorSummary(href: "#notice-\(notice)", text: text(errors))
        default:
            return nil
        }
    }

    /// The compound's latest project, read from the programme's store.
    static func project(compoundId: Int64, services: Services, _ f: PageFrame) async throws -> Project? {
        let repository = ProjectRepository(database: services.database)
        let projects = try await repository.summaries(actor: .system, filter: .init(compoundId: compoundId))
        guard let latest = projects.max(by: { $0.batchYear < $1.batchYear }) else { return nil }
        let detail = try await repository.detail(id: latest.id, actor: .system)
        let p = detail.summary
        let stage = p.stage
        let percent = p.percentComplete.numberText
        let items = detail.workItems.map {
            WorkItem(category: f.t("category." + $0.category.rawValue), name: $0.name, percent: String($0.percent))
        }
        let satisfaction = detail.satisfactionRate?.numberText
        return Project(
            year: String(p.batchYear),
            stages: ProjectStage.allCases.map { st in
                Stage(
                    cls: st == stage ? "now" : (st < stage ? "done" : ""), current: st == stage,
                    label: f.t("stage." + st.rawValue))
            }, percent: percent,
            barWidth: String(min(100, max(0, p.percentComplete.tenths / 10))),
            deadline: p.deadline.description, completedOn: p.completedOn?.description,
            satisfaction: satisfaction, items: items, hasItems: !items.isEmpty)
    }
}

extension SiteRoute {
    static func publicReports(_ compound: Int64) -> SiteRoute { SiteRoute("/public/compounds/\(compound)/reports") }
    /// The report form on a compound's public page.
    static func publicReportForm(_ compound: Int64) -> SiteRoute { SiteRoute("/public/compounds/\(compound)#report") }
}

/// The pages anyone may open without an account: a compound's page and its report form, objections to a notice,
/// a questionnaire's form and results, published attachments and QR codes. Each form is limited per address.
struct PublicPageController {
    let services: Services
    let reportLimiter = RateLimiter("public.report", limit: 5, window: 600)
    let objectionLimiter = RateLimiter("public.objection", limit: 5, window: 600)
    let answerLimiter = RateLimiter("public.answer", limit: 10, window: 600)
    /// Looking up a tracking code: enough for a family, too few to guess codes.
    let trackLimiter = RateLimiter("public.track", limit: 30, window: 600)
    /// A fix's photos by tracking code: a page's few photos many times over, still too few to guess codes.
    let fixPhotoLimiter = RateLimiter("public.fix_photo", limit: 120, window: 600)

    func register(on router: Router<AppContext>) {
        router.get("public", use: find)
        router.get("public/compounds/:id", use: compound)
        router.post("public/compounds/:id/reports", use: report)
        router.get("public/reports/track", use: track)
        router.post("public/reports/track", use: answerFix)
        router.post("public/notices/:id/objections", use: object)
        router.get("public/attachments/:id", use: attachment)
        router.get("public/reports/track/photos/:id", use: fixPhoto)
        router.get("public/questionnaires/:id/qr.svg", use: questionnaireQR)
        router.get("public/compounds/:id/qr.svg", use: compoundQR)
        router.get("public/questionnaires/:id", use: questionnaire)
        router.post("public/questionnaires/:id", use: answer)
    }

    /// Where a resident without a link or a poster finds their compound: by a part of its name or its address.
    @Sendable func find(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let typed = String(
            (request.uri.queryParameters.get("q") ?? "").replacingOccurrences(of: "+", with: " ")
                .trimmingCharacters(in: .whitespaces).prefix(50))
        var page = PublicFindPage(q: typed, searched: !typed.isEmpty, results: [], none: false)
        if !typed.isEmpty {
            page.results = try await CompoundFinder(database: services.database).find(typed).map { c in
                PublicFindPage.Result(
                    href: SiteRoute.publicCompound(c.id).path, name: c.name,
                    place: [c.community, c.address].filter { !$0.isEmpty }.joined(separator: " · "))
            }
            page.none = page.results.isEmpty
        }
        return f.page(title: f.t("public.find.title"), "participation-public-find", page)
    }

    @Sendable func compound(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        return try await PublicPages.page(id: id, f: f, services: services, notice: nil)
    }

    /// A report from the public form. Filed, the resident is sent to the report's own page (a reload there sends
    /// nothing again); the same form sent twice files one report, and the second sending is sent to its page too.
    @Sendable func report(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields: [String: String]
        let sent: [(filename: String, bytes: [UInt8])]
        do {
            (fields, sent) = try await Self.reportForm(request, context)
        } catch let e as AppError where e.status == .badRequest {
            // A form the browser could not have sent as it is (broken parts): a page in the person's words.
            return Pages.messagePage(
                f, title: f.t("error.title"), message: e.message(in: f.lang), home: SiteRoute.publicCompound(id),
                homeLabel: f.t("common.back"), status: .badRequest)
        }
        let key = Self.sentKey(
            fields.mapValues { [$0] }, files: sent.map { ("photo", $0.filename, $0.bytes) }, request, context)
        return try await Pages.once(key, in: context.forms) {
            try await file(id, fields, sent, context, f)
        } unsettled: {
            try await PublicPages.page(
                id: id, f: f, services: services, notice: nil, status: .conflict,
                typed: .report(fields, FieldErrors(form: f.t("form.sentBefore"))))
        }
    }

    /// The key of a public form as sent, when its page drew it with a one-time value (`SentForm`): the sender is the
    /// client's address.
    static func sentKey(
        _ fields: [String: [String]], files: [(name: String, filename: String, bytes: [UInt8])] = [],
        _ request: Request, _ context: AppContext
    ) -> String? {
        guard SentForm.hasOnce(fields) else { return nil }
        return SentForm.digest(sender: context.remoteHost, path: request.uri.path, fields: fields, files: files)
    }

    /// The code of this very report if it was filed a moment ago from the same address or account.
    func filedAlready(_ id: Int64, _ fields: [String: String], _ context: AppContext) async throws -> String? {
        guard let category = ReportCategory(rawValue: fields["category"] ?? "") else { return nil }
        let account = await Self.reporter(context, compound: id, services: services)
        return try await ReportRepository.filing(services.database).filedAlready(
            Self.newReport(id, fields, category), actor: account ?? ReportRepository.publicReporter)
    }

    /// The report the public form sent, as the store takes it.
    static func newReport(
        _ id: Int64, _ fields: [String: String], _ category: ReportCategory,
        photos: [(filename: String, bytes: [UInt8])] = []
    ) -> ReportRepository.NewReport {
        .init(
            compoundId: id, buildingId: fields["building_id"].flatMap(Int64.init), category: category,
            description: fields["description"] ?? "", reporterName: fields["name"] ?? "",
            reporterPhone: fields["phone"] ?? "", newPhotos: photos)
    }

    /// Files the report, or answers why not: with where the report is followed once it is filed.
    func file(
        _ id: Int64, _ fields: [String: String], _ sent: [(filename: String, bytes: [UInt8])], _ context: AppContext,
        _ f: PageFrame
    ) async throws -> (Response, saved: String?) {
        guard try await reportLimiter.allow(context.remoteHost, in: services.database) else {
            // The last report allowed, sent again (a reload after the receipt): its code, not "too many".
            if let code = try await filedAlready(id, fields, context) {
                let next = SiteRoute.publicTrack(code: code, filed: true, again: true).path
                return (Pages.seeOther(next), next)
            }
            return (
                try await PublicPages.page(
                    id: id, f: f, services: services, notice: nil, status: .tooManyRequests,
                    typed: .report(fields, FieldErrors(form: f.t("public.tooMany")))), nil
            )
        }
        var errors = Self.check(report: fields, f)
        var photos: [(filename: String, bytes: [UInt8])] = []
        switch Self.photos(sent, f) {
        case .success(let p): photos = p
        case .failure(let refusal): errors["photo"] = refusal.message
        }
        // A browser cannot show a chosen photo again: refused for something else, the form says to choose it again.
        if !errors.isEmpty, !sent.isEmpty, errors["photo"] == nil { errors["photo"] = f.t("form.photosAgain") }
        guard errors.isEmpty, let category = ReportCategory(rawValue: fields["category"] ?? "") else {
            // Only reports filed count against the address's limit: a resident mending a form is not locked out.
            try await reportLimiter.refund(context.remoteHost, in: services.database)
            return (
                try await PublicPages.page(
                    id: id, f: f, services: services, notice: nil, status: .unprocessableContent,
                    typed: .report(fields, errors)), nil
            )
        }
        do {
            let account = await Self.reporter(context, compound: id, services: services)
            let filed = try await ReportRepository.filing(services.database).fileTracked(
                Self.newReport(id, fields, category, photos: photos),
                actor: account ?? ReportRepository.publicReporter, publicPage: account == nil, once: true)
            // The report already filed, sent again: it takes none of the address's reports.
            if filed.again { try await reportLimiter.refund(context.remoteHost, in: services.database) }
            let next =
                account != nil
                ? SiteRoute.report(filed.id, filed: true).path
                : SiteRoute.publicTrack(code: filed.code, filed: true, again: filed.again).path
            return (Pages.seeOther(next), next)
        } catch let e where AppError.from(e)?.status == .unprocessableContent {
            try await reportLimiter.refund(context.remoteHost, in: services.database)
            errors.add(
                AppError.from(e)!,
                fields: [
                    "description": "description", "reporter_phone": "phone", "photos": "photo",
                    "building_id": "building_id", "reporter_name": "name",
                ], f)
            return (
                try await PublicPages.page(
                    id: id, f: f, services: services, notice: nil, status: .unprocessableContent,
                    typed: .report(fields, errors)), nil
            )
        }
    }

    /// The signed-in account a report from this form is filed as: one that files reports for this compound (a
    /// steward, the community's or the office's staff), who then follows it on the report's own page. Anyone else
    /// files as a resident.
    static func reporter(_ context: AppContext, compound: Int64, services: Services) async -> Actor? {
        guard let actor = try? context.actor() else { return nil }
        return await reporter(actor, compound: compound, services: services)
    }

    static func reporter(_ actor: Actor, compound: Int64, services: Services) async -> Actor? {
        guard Permissions.allows(actor.role, .fileReports) else { return nil }
        return await Pages.openable(.compounds, [compound], actor: actor, services: services).isEmpty ? nil : actor
    }

    /// The report form's own checks, all at once, so each wrong field says so before anything is written.
    static func check(report fields: [String: String], _ f: PageFrame) -> FieldErrors {
        var errors = FieldErrors()
        if ReportCategory(rawValue: fields["category"] ?? "") == nil {
            errors["category"] = f.t("public.chooseCategory")
        }
        let description = TextNormalizer.prose(fields["description"] ?? "")
        if description.isEmpty || description.count > 2000 {
            errors["description"] = f.t("error.description.required")
        }
        let phone = fields["phone"] ?? ""
        if !phone.isEmpty && PersonalData.normalizePhone(phone) == nil {
            errors["phone"] = f.t("error.reporter_phone.invalid")
        }
        // A building that is no number is refused, not passed over as "no building" (the list sends numbers).
        if let b = fields["building_id"], !b.isEmpty, Int64(b) == nil {
            errors["building_id"] = f.t("error.building_id.not_found")
        }
        return errors
    }

    /// The public report form's fields and the photos chosen with it; a form without photos may come urlencoded.
    static func reportForm(_ request: Request, _ context: AppContext) async throws -> (
        [String: String], [(filename: String, bytes: [UInt8])]
    ) {
        guard request.headers[.contentType]?.hasPrefix("multipart/form-data") == true else {
            return (try await Pages.form(request, context, checkCSRF: false), [])
        }
        let form = try await MultipartForm.read(request)
        let photos = form.fileList.filter { $0.name == "photo" && !$0.bytes.isEmpty }.map { ($0.filename, $0.bytes) }
        return (form.fields, photos)
    }

    /// At most three photos, each a well-formed JPEG, PNG or WebP of at most 4096 pixels a side and 16.7 million
    /// in all, rewritten without where it was taken.
    static func photos(_ sent: [(filename: String, bytes: [UInt8])], _ f: PageFrame) -> Result<
        [(filename: String, bytes: [UInt8])], ValidationError
    > {
        guard sent.count <= ReportRepository.maxPhotos else {
            return .failure(ValidationError(field: "photos", code: "too_many", message: f.t("public.tooManyPhotos")))
        }
        var clean: [(filename: String, bytes: [UInt8])] = []
        for p in sent {
            guard let bytes = PhotoMetadata.strip(p.bytes), let size = PhotoSize.of(bytes) else {
                return .failure(ValidationError(field: "photos", code: "invalid", message: f.t("public.badPhoto")))
            }
            if size.problem != nil {
                let message = f.t("public.photoTooLarge").replacingOccurrences(
                    of: "{size}", with: "\(size.width) × \(size.height)")
                return .failure(ValidationError(field: "photos", code: "too_large", message: message))
            }
            clean.append((p.filename, bytes))
        }
        return .success(clean)
    }

    /// A report followed by its tracking code: a form to type it, and where the report stands once it is known.
    @Sendable func track(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        // A form's spaces arrive as "+": shown back as the person typed them, without the padding.
        let asked = request.uri.queryParameters.get("code")
        let typed = String((asked ?? "").replacingOccurrences(of: "+", with: " ").prefix(100))
            .trimmingCharacters(in: .whitespaces)
        var page = TrackPage(code: typed, note: nil, report: nil)
        let justFiled = request.uri.queryParameters.get("filed") == "1"
        if asked != nil, typed.isEmpty {
            page.note = PageNote(kind: "bad", text: f.t("track.enterCode"))
            return f.page(title: f.t("track.title"), "participation-track", page, status: .unprocessableContent)
        }
        if TrackingCode.normalize(typed)?.hasPrefix("Y-") == true {
            return try await objectionPage(code: typed, justFiled: justFiled, context, f)
        }
        if !typed.isEmpty {
            let looked = try await lookUp(page, justFiled: justFiled, context, f, filedAt: \.submittedAt) {
                try await ReportRepository(database: services.database).track(code: typed)
            }
            let found: ReportTrack
            switch looked {
            case .found(let track): found = track
            case .refused(let refusal): return refusal
            }
            page.report = TrackPage.Report(found, f)
            page.answered = request.uri.queryParameters.get("answered").flatMap { answered in
                ["verified", "reopened"].contains(answered)
                    ? PageNote(kind: "ok", text: f.t("track.answered." + answered)) : nil
            }
            // Just filed: said so, with the code to keep, and the way back to the compound's page.
            if justFiled {
                let words = request.uri.queryParameters.get("again") == "1" ? "track.filedAgain" : "track.filed"
                page.note = PageNote(
                    kind: "ok",
                    text: f.t(words).replacingOccurrences(of: "{code}", with: TrackingCode.shown(found.code)))
                page.back = SiteRoute.publicCompound(found.compoundId).path
                page.backLabel = f.t("track.back").replacingOccurrences(of: "{compound}", with: found.compound)
            }
        }
        return f.page(title: f.t("track.title"), "participation-track", page)
    }

    enum Lookup<T> {
        case found(T)
        case refused(Response)
    }

    /// A code looked up within the address's limit, or the page saying why not. The page a resident is sent to on
    /// filing always shows the code, also to an address (a shared network) that looked many codes up: a thing filed
    /// within the quarter hour is not a guess.
    func lookUp<T>(
        _ page: TrackPage, justFiled: Bool, _ context: AppContext, _ f: PageFrame, filedAt: (T) -> String,
        find: () async throws -> T?
    ) async throws -> Lookup<T> {
        let allowed = try await trackLimiter.allow(context.remoteHost, in: services.database)
        let found = allowed || justFiled ? try await find() : nil
        var page = page
        guard allowed || (justFiled && found.map { Self.filedLately(filedAt($0)) } == true) else {
            page.note = PageNote(kind: "bad", text: f.t("track.tooMany"))
            return .refused(f.page(title: f.t("track.title"), "participation-track", page, status: .tooManyRequests))
        }
        guard let found else {
            page.note = PageNote(kind: "bad", text: f.t("track.notFound"))
            return .refused(f.page(title: f.t("track.title"), "participation-track", page, status: .notFound))
        }
        return .found(found)
    }

    /// An objection to a notice looked up by its code: the resident's words and the answer, or that it is awaited.
    func objectionPage(code: String, justFiled: Bool, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        var page = TrackPage(code: code, note: nil, report: nil)
        let looked = try await lookUp(page, justFiled: justFiled, context, f, filedAt: \.at) {
            try await NoticeRepository(database: services.database).trackObjection(code: code)
        }
        let found: ObjectionTrack
        switch looked {
        case .found(let track): found = track
        case .refused(let refusal): return refusal
        }
        page.objection = TrackPage.Objection(found, f)
        if justFiled {
            page.note = PageNote(
                kind: "ok",
                text: f.t("track.objectionFiled").replacingOccurrences(
                    of: "{code}", with: TrackingCode.shown(found.code)))
        }
        if let compound = found.compoundId {
            page.back = SiteRoute.publicCompound(compound).path
            page.backLabel = f.t("track.back").replacingOccurrences(of: "{compound}", with: found.compound)
        }
        return f.page(title: f.t("track.title"), "participation-track", page)
    }

    /// Whether a report was filed within the last fifteen minutes (its stored UTC time, text order being time order).
    static func filedLately(_ submittedAt: String) -> Bool {
        submittedAt >= Clock.iso(Date().addingTimeInterval(-900))
    }

    /// An objection to a notice. Received, the resident is sent to the page with its code (a reload there sends
    /// nothing again); the same form sent twice is received once; a notice or compound that is not there is the
    /// page that says so, not an API's answer.
    @Sendable func object(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context, checkCSRF: false)
        let compound = Int64(fields["compound_id"] ?? "") ?? 0
        do {
            return try await Pages.once(Self.sentKey(fields.mapValues { [$0] }, request, context), in: context.forms) {
                try await objection(to: id, compound: compound, fields, context, f)
            } unsettled: {
                try await PublicPages.page(
                    id: compound, f: f, services: services, notice: nil, status: .conflict,
                    typed: .objection(notice: id, fields: fields, errors: FieldErrors(form: f.t("form.sentBefore"))))
            }
        } catch StoreError.notFound {
            return Pages.notFoundPage(f)
        }
    }

    /// Receives the objection, or answers the page again saying why not.
    func objection(
        to id: Int64, compound: Int64, _ fields: [String: String], _ context: AppContext, _ f: PageFrame
    ) async throws -> (Response, saved: String?) {
        guard try await objectionLimiter.allow(context.remoteHost, in: services.database) else {
            return (
                try await PublicPages.page(
                    id: compound, f: f, services: services, notice: nil, status: .tooManyRequests,
                    typed: .objection(notice: id, fields: fields, errors: FieldErrors(form: f.t("public.tooMany")))),
                nil
            )
        }
        var errors = FieldErrors()
        let text = TextNormalizer.prose(fields["text"] ?? "")
        if text.isEmpty || text.count > 2000 { errors["text"] = f.t("error.text.required") }
        if let phone = fields["phone"], !phone.isEmpty, PersonalData.normalizePhone(phone) == nil {
            errors["phone"] = f.t("error.phone.invalid")
        }
        if !errors.isEmpty {
            try await objectionLimiter.refund(context.remoteHost, in: services.database)
            return (
                try await PublicPages.page(
                    id: compound, f: f, services: services, notice: nil, status: .unprocessableContent,
                    typed: .objection(notice: id, fields: fields, errors: errors)), nil
            )
        }
        do {
            let receipt = try await NoticeRepository(database: services.database).object(
                noticeId: id, text: fields["text"] ?? "", name: fields["name"] ?? "",
                phone: fields["phone"] ?? "")
            // To the page that shows the code to look the answer up by (a reload there sends nothing).
            let thanks = SiteRoute.publicTrack(code: receipt.code, filed: true).path
            return (Pages.seeOther(thanks), thanks)
        } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
            let a = AppError.from(e)!
            errors.add(a, fields: ["text": "text", "phone": "phone", "name": "name"], f)
            return (
                try await PublicPages.page(
                    id: compound, f: f, services: services, notice: nil, status: a.status,
                    typed: .objection(notice: id, fields: fields, errors: errors)), nil
            )
        }
    }

    /// The reporter's answer to a reported fix, from the tracking page: fixed, or not and what is still wrong. Sent
    /// twice, it is taken once; refused, the page says why beside the words typed.
    @Sendable func answerFix(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let fields = try await Pages.form(request, context, checkCSRF: false)
        let code = String((fields["code"] ?? "").prefix(100))
        return try await Pages.once(Self.sentKey(fields.mapValues { [$0] }, request, context), in: context.forms) {
            try await answer(code: code, fields, context, f)
        } unsettled: {
            try await trackPage(code: code, f, error: f.t("form.sentBefore"), note: fields["note"] ?? "")
        }
    }

    func answer(code: String, _ fields: [String: String], _ context: AppContext, _ f: PageFrame) async throws
        -> (Response, saved: String?)
    {
        let note = fields["note"] ?? ""
        guard try await trackLimiter.allow(context.remoteHost, in: services.database) else {
            return (try await trackPage(code: code, f, error: f.t("public.tooMany"), note: note), nil)
        }
        do {
            guard
                let state = try await ReportRepository(database: services.database).answerFix(
                    code: code, fixed: fields["answer"] == "fixed", note: note)
            else { return (try await trackPage(code: code, f, error: f.t("track.notFound"), note: note), nil) }
            let next = SiteRoute.publicTrack(code: code, answered: state).path
            return (Pages.seeOther(next), next)
        } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
            let a = AppError.from(e)!
            let words = a.status == .conflict ? f.t("track.notWaiting") : a.message(in: f.lang)
            return (try await trackPage(code: code, f, error: words, note: note, status: a.status), nil)
        }
    }

    /// The tracking page of a code again, after an answer that was not taken, with the words typed kept.
    func trackPage(
        code: String, _ f: PageFrame, error: String, note: String, status: HTTPResponse.Status = .unprocessableContent
    ) async throws -> Response {
        var page = TrackPage(code: code, note: nil, report: nil)
        let found = try await ReportRepository(database: services.database).track(code: code)
        page.report = found.map { TrackPage.Report($0, f) }
        if page.report?.asksAnswer == true {
            page.report?.typedNote = note
            page.report?.answerError = error
        } else {
            page.note = PageNote(kind: "bad", text: error)
        }
        return f.page(title: f.t("track.title"), "participation-track", page, status: status)
    }

    /// Only what a published notice shows is public.
    @Sendable func attachment(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let file = try await AttachmentRepository(database: services.database).readPublic(id: id)
        return .inlineFile(file, cache: "public, max-age=3600")
    }

    /// A photo of a report's fix, for whoever holds the report's tracking code (`?code=`).
    @Sendable func fixPhoto(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await fixPhotoLimiter.allow(context.remoteHost, in: services.database) else {
            throw AppError(
                status: .tooManyRequests, code: "rate_limited", message: "too many photos asked for; try again later")
        }
        let file = try await AttachmentRepository(database: services.database).readFixPhoto(
            id: id, code: request.uri.queryParameters.get("code") ?? "")
        return .inlineFile(file, cache: "private, max-age=3600")
    }

    /// QR codes to print on notices in the stairwell: the questionnaire, or the compound's page.
    @Sendable func questionnaireQR(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try PublicParticipationPages.qr(
            services.publicLink(SiteRoute.publicQuestionnaire(id).path, request: request))
    }

    @Sendable func compoundQR(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try PublicParticipationPages.qr(services.publicLink(SiteRoute.publicCompound(id).path, request: request))
    }

    @Sendable func questionnaire(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        // Back from an answer just received: thanked at the top.
        let answered = request.uri.queryParameters.get("answered") != nil
        return try await PublicParticipationPages.questionnairePage(
            id: try context.parameters.require("id", as: Int64.self), f: f, services: services, fields: [:],
            notice: answered ? ("ok", f.t("public.answerThanks")) : nil, answered: answered)
    }

    /// Answers to a questionnaire. Received, the resident is sent back to the questionnaire's page, which thanks
    /// them; the same form sent twice (a double tap) is received once, not refused as the household's second answer.
    @Sendable func answer(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.formMulti(request)
        return try await Pages.once(Self.sentKey(fields, request, context), in: context.forms) {
            try await answers(to: id, fields, context, f)
        } unsettled: {
            try await PublicParticipationPages.questionnairePage(
                id: id, f: f, services: services, fields: fields, notice: nil,
                errors: FieldErrors(form: f.t("form.sentBefore")), status: .conflict)
        }
    }

    /// Receives the answers, or answers the page again saying why not.
    func answers(to id: Int64, _ fields: [String: [String]], _ context: AppContext, _ f: PageFrame) async throws -> (
        Response, saved: String?
    ) {
        guard try await answerLimiter.allow(context.remoteHost, in: services.database) else {
            return (
                try await PublicParticipationPages.questionnairePage(
                    id: id, f: f, services: services, fields: fields, notice: nil,
                    errors: FieldErrors(form: f.t("public.tooMany")), status: .tooManyRequests), nil
            )
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
        var errors = Self.check(answers: given, to: h.questions, phone: fields["phone"]?.first ?? "", f)
        if !errors.isEmpty {
            // The form's own checks give the attempt back; the registry's answer about a phone does not, so the
            // limit still bounds guessing whose phone is registered.
            try await answerLimiter.refund(context.remoteHost, in: services.database)
            return (
                try await PublicParticipationPages.questionnairePage(
                    id: id, f: f, services: services, fields: fields, notice: nil, errors: errors,
                    status: .unprocessableContent), nil
            )
        }
        do {
            _ = try await repo.respondOnline(
                id: id, phone: fields["phone"]?.first ?? "",
                householdId: fields["household_id"]?.first.flatMap { Int64($0) },
                answers: given)
            let thanks = SiteRoute.publicQuestionnaire(id, answered: true).path
            return (Pages.seeOther(thanks), thanks)
        } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
            let a = AppError.from(e)!
            errors.add(a, fields: ["phone": "phone", "household_id": "household_id"], f)
            return (
                try await PublicParticipationPages.questionnairePage(
                    id: id, f: f, services: services, fields: fields, notice: nil, errors: errors, status: a.status),
                nil
            )
        }
    }

    /// The questionnaire form's own checks: the phone, then each question on its own, so every unanswered or
    /// wrongly answered question says so beside itself ("q0", "q1"…).
    static func check(answers given: [JSONValue], to questions: [Question], phone: String, _ f: PageFrame)
        -> FieldErrors
    {
        var errors = FieldErrors()
        if phone.isEmpty {
            errors["phone"] = f.t("error.phone.required")
        } else if PersonalData.normalizePhone(phone) == nil {
            errors["phone"] = f.t("error.phone.invalid")
        }
        for (i, q) in questions.enumerated() {
            let answer = i < given.count ? given[i] : .null
            if case .failure(let problem) = QuestionnaireRules.answers([answer], to: [q]) {
                errors["q\(i)"] = Pages.message(
                    for: QuestionnaireRules.Problem(question: i + 1, message: problem.message, reason: problem.reason),
                    f)
            }
        }
        return errors
    }
}

/// The tracking page: the code as typed, why it was not found, or the report it names.
struct TrackPage {
    struct Step {
        var at: String
        var state: String
        var stepNote: String
    }
    struct Report {
        var trackedCode: String
        var place: String
        var category: String
        var reported: String
        var state: String
        var due: String?
        var overdue: Bool
        var steps: [Step]
        /// A fix reported and waiting on the reporter: the page asks whether it is fixed.
        var asksAnswer: Bool
        var typedNote = ""
        var answerError: String?

        /// What those handling it said they did, beside the question, and the photos they took of the fix.
        var fixNote: String?
        var fixPhotos: [String]
        var hasFixPhotos: Bool

        init(_ r: ReportTrack, _ f: PageFrame) {
            asksAnswer = r.state == .fixed
            let fix = asksAnswer ? r.steps.last { $0.state == .fixed } : nil
            // Notes are the office's and the company's words; a phone number in them is masked for the public.
            fixNote = fix.map { PersonalData.maskPhones(in: $0.note) }.flatMap { $0.isEmpty ? nil : $0 }
            fixPhotos = (fix?.photos ?? []).map { SiteRoute.publicFixPhoto($0, code: r.code).path }
            hasFixPhotos = !fixPhotos.isEmpty
            trackedCode = r.code
            place = [r.compound, r.building ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
            category = f.t("category." + r.category.rawValue)
            reported = r.description
            state = f.t("report.state." + r.state.rawValue)
            due = r.dueOn?.description
            overdue = r.overdue
            steps = r.steps.map {
                Step(
                    at: beijingTime($0.at),
                    state: f.t("report.state." + ReportRouting.stepWord(from: $0.from, to: $0.state)),
                    stepNote: PersonalData.maskPhones(in: $0.note))
            }
        }
    }
    /// An objection to a notice: what the resident wrote and the office's answer, or when it is due.
    struct Objection {
        var trackedCode: String
        var notice: String
        var place: String
        var at: String
        var text: String
        var state: String
        var reply: String?
        var repliedAt: String?

        init(_ o: ObjectionTrack, _ f: PageFrame) {
            trackedCode = o.code
            notice = o.noticeTitle
            place = o.compound
            at = String(beijingTime(o.at).prefix(16))
            text = o.text
            let answered = !o.reply.isEmpty
            state =
                answered
                ? f.t("track.objectionAnswered")
                // The day with hyphens that do not break, so a phone never splits it across lines.
                : f.t("track.objectionAwaited").replacingOccurrences(
                    of: "{date}", with: o.endsOn.nonBreaking)
            // The office's words, read by whoever holds the code: a phone number in them is masked.
            reply = answered ? PersonalData.maskPhones(in: o.reply) : nil
            repliedAt = o.repliedAt.map { String(beijingTime($0).prefix(16)) }
        }
    }
    var code: String
    var note: PageNote?
    var report: Report?
    var objection: Objection?
    /// The reporter's answer just taken, said once.
    var answered: PageNote?
    var back: String?
    var backLabel = ""
}

/// `/public`: a resident finds their compound's page by a part of its name or address.
struct PublicFindPage {
    struct Result {
        var href: String
        var name: String
        var place: String
    }
    var q: String
    var searched: Bool
    var results: [Result]
    var none: Bool
}
