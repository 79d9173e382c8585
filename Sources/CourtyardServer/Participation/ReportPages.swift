import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// Where anyone finds their compound by a part of its name or address.
    static let publicFind = SiteRoute("/public")
    static func reports(state: ReportState? = nil, overdue: Bool = false) -> SiteRoute {
        SiteRoute("/reports", query: [("overdue", overdue ? "true" : nil), ("state", state?.rawValue)])
    }
    /// `moved`: the step just taken, said at the top of the page it returns to.
    static func report(_ id: Int64, filed: Bool = false, moved: ReportState? = nil) -> SiteRoute {
        SiteRoute("/reports/\(id)", query: [("filed", filed ? "1" : nil), ("moved", moved?.rawValue)])
    }
    static func reportTransitions(_ id: Int64) -> SiteRoute { SiteRoute("/reports/\(id)/transitions") }
    static func reportUrge(_ id: Int64) -> SiteRoute { SiteRoute("/reports/\(id)/urge") }
    /// The report's page at its history, saying the urging note was saved.
    static func reportUrged(_ id: Int64) -> SiteRoute { SiteRoute("/reports/\(id)?saved=urged#history") }
    /// A compound's public page.
    static func publicCompound(_ id: Int64) -> SiteRoute {
        SiteRoute("/public/compounds/\(id)")
    }
    /// A photo of a report's fix, read with the report's tracking code.
    static func publicFixPhoto(_ id: Int64, code: String) -> SiteRoute {
        SiteRoute("/public/reports/track/photos/\(id)", query: [("code", code)])
    }
    /// The page on which anyone follows a report by its tracking code.
    static func publicTrack(
        code: String? = nil, filed: Bool = false, again: Bool = false, answered: ReportState? = nil
    ) -> SiteRoute {
        SiteRoute(
            "/public/reports/track",
            query: [
                ("code", code), ("filed", filed ? "1" : nil), ("again", again ? "1" : nil),
                ("answered", answered?.rawValue),
            ])
    }
}

extension Places {
    /// Names for the compounds and buildings these reports are about.
    static func load(reports: [Report], services: Services) async throws -> Places {
        Places(
            compounds: try await names(.compounds, reports.map(\.compoundId), services),
            buildings: try await names(.buildings, reports.compactMap(\.buildingId), services))
    }
}

/// A filter chip above a list: its link, its words, and whether it is the one chosen.
struct FilterChip {
    var href: String
    var label: String
    var current: Bool
}

/// A form's answer shown on the page again: "ok" or "bad", and what to read.
struct PageNote {
    var kind: String
    var text: String
    /// A refusal is announced at once by a screen reader (`alert`); anything else politely (`status`).
    var role: String

    init(kind: String, text: String) {
        self.kind = kind
        self.text = text
        role = kind == "bad" ? "alert" : "status"
    }
}

/// Reports the account sees, filtered by state or by lateness, with whose turn it is.
struct ReportListPage {
    struct Row {
        var href: String
        /// The start of what the resident wrote, so the link reads as the report itself.
        var title: String
        var place: String
        var category: String
        var state: String
        var turn: String
        var due: String
        var overdueLabel: String?
        var submitted: String
    }
    var chips: [FilterChip]
    var rows: [Row]
    var hasRows: Bool
    /// Where an account that files reports files one: its compound's form, or, over several, a word on where.
    var fileHref: String?
    var fileHint: String?

    static func load(
        reports: ReportRepository, services: Services, actor: Actor, state: ReportState?, overdue: Bool,
        _ f: PageFrame
    ) async throws -> ReportListPage {
        let items = try await reports.list(actor: actor, compoundId: nil, state: state, overdueOnly: overdue)
        let places = try await Places.load(reports: items, services: services)
        var chips = [
            FilterChip(
                href: SiteRoute.reports().path, label: f.t("programme.all"), current: state == nil && !overdue),
            FilterChip(href: SiteRoute.reports(overdue: true).path, label: f.t("report.overdue"), current: overdue),
        ]
        chips += ReportState.allCases.map {
            FilterChip(
                href: SiteRoute.reports(state: $0).path, label: f.t("report.state." + $0.rawValue), current: $0 == state
            )
        }
        let rows = items.map { r in
            let text = r.description
            let title = text.count > 18 ? String(text.prefix(18)) + "…" : text
            return Row(
                href: SiteRoute.report(r.id).path,
                title: title.isEmpty ? f.t("category." + r.category.rawValue) : title,
                place: places.name(compound: r.compoundId, building: r.buildingId),
                category: f.t("category." + r.category.rawValue),
                state: f.t("report.state." + (r.handedBack ? "handed_back" : r.state.rawValue)),
                turn: ReportPages.turn(r, f), due: r.dueOn?.description ?? "—",
                overdueLabel: r.overdue ? f.t("report.overdue") : nil,
                submitted: beijingTime(r.submittedAt, dateOnly: true))
        }
        var page = ReportListPage(chips: chips, rows: rows, hasRows: !rows.isEmpty)
        if Permissions.allows(actor.role, .fileReports) {
            let compounds = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: actor)
            if compounds.items.count == 1 {
                page.fileHref = SiteRoute.publicReportForm(compounds.items[0].id).path
            } else if compounds.items.count > 1 {
                page.fileHint = f.t("report.fileOnCompound")
            }
        }
        return page
    }
}

/// One report: where it stands, what the resident wrote, the next steps this account may take, and its history.
struct ReportPage {
    typealias Option = FormOption
    /// The organisations a report may go to, under their kind (施工单位, 物业公司, 专业部门).
    struct OrganisationGroup {
        var label: String
        var options: [Option]
    }
    struct StepForm {
        var action: String
        var steps: [Option]
        var offersAssignee: Bool
        var groups: [OrganisationGroup]
        var note: String
        var assigneeError: String?
        var noteError: String?
        /// A photo of the fix may go with the step to fixed, when that step is offered.
        var offersPhoto: Bool
        var photoError: String?
    }
    /// A step refused: what was chosen and typed, shown again, and the fields it was refused for.
    struct Typed {
        var fields: [String: String]
        var wrong: Set<String>
        var message: String
    }
    struct Event {
        var at: String
        var state: String
        var note: String
        var by: String
        /// The photos of a fix, beside the step that reported it.
        var photos: [String]
        var hasPhotos: Bool
    }
    var title: String
    var message: PageNote?
    var state: String
    var turn: String
    var due: String
    var dueLabel: String
    var place: String
    var category: String
    var publicHref: String
    var description: String
    /// Name and phone as the account may see them (masked unless it reads personal data); nil when none was left.
    var reporter: String?
    /// To those who see the reporter masked (the company or department doing the work): how to reach them anyway.
    var reachThrough: String?
    /// For the account that filed it: the code the resident follows it with, and where.
    var tracking: Tracking?
    struct Tracking {
        var code: String
        var href: String
    }
    /// The photos the reporter sent, for whoever reads the report.
    var photos: [String]
    var hasPhotos: Bool
    var form: StepForm?
    /// The office's urging form, while the report waits on those it was sent to.
    var urge: Urge?
    struct Urge {
        var action: String
        var note: String
        var error: String?
    }
    var history: [Event]

    static func load(
        id: Int64, services: Services, actor: Actor, message: PageNote?, typed: Typed? = nil, _ f: PageFrame
    ) async throws -> ReportPage {
        let r = try await ReportRepository(database: services.database).get(id: id, actor: actor)
        let place = try await Places.load(reports: [r], services: services)
            .name(compound: r.compoundId, building: r.buildingId)
        let next = ReportRouting.allowedSteps(actor, from: r.state, assignee: r.assigneeOrganisationId)
        var form: StepForm?
        if !next.isEmpty {
            // A report goes to a contractor, to the compound's property company for what it looks after, or to the
            // city department whose network it is (a gas smell, a fallen power line).
            var groups: [OrganisationGroup] = []
            let chosen = typed?.fields["assignee_organisation_id"]
            // Only the report's own sub-district's organisations: another's would be refused once chosen.
            let subdistrict = try await services.registry.get(.compounds, id: r.compoundId, actor: .system)[
                "subdistrict_id"]?.intValue
            for kind in [OrganisationKind.contractor, .propertyCompany, .department] {
                var filters = ["kind": kind.rawValue]
                filters["subdistrict_id"] = subdistrict.map(String.init)
                let orgs = try await services.registry.listAll(
                    .organisations, query: ListQuery(filters: filters), actor: .system)
                guard !orgs.isEmpty else { continue }
                groups.append(
                    OrganisationGroup(
                        label: f.t("report.assigneeKind." + kind.rawValue),
                        options: orgs.map {
                            Option(
                                value: String($0.id), label: $0["name"]?.stringValue ?? "",
                                selected: String($0.id) == chosen)
                        }))
            }
            // A report waiting on the company or department it was sent to offers the office no step ready chosen: a
            // clerk adding a word must not report the fix by saving (the resident would be told it is fixed).
            let waitsOnOthers = r.state == .assigned && !ReportRouting.takesAssignments(actor.role)
            let preferred =
                typed?.fields["to"].flatMap(ReportState.init)
                ?? (waitsOnOthers ? nil : ReportPageController.preferredStep(next))
            let wrong = typed?.wrong ?? []
            form = StepForm(
                action: SiteRoute.reportTransitions(id).path,
                steps: next.map {
                    // The organisation it was sent to hands it back; the office takes it back to send elsewhere.
                    let back = ReportRouting.takesAssignments(actor.role) ? "handBack" : "recall"
                    let word = $0 == .reopened && r.state == .assigned ? back : $0.rawValue
                    return Option(
                        value: $0.rawValue, label: f.t("report.step." + word), selected: $0 == preferred,
                        needsNote: [.fixed, .rejected, .reopened].contains($0))
                },
                offersAssignee: next.contains(.assigned), groups: groups, note: typed?.fields["note"] ?? "",
                assigneeError: wrong.contains("assignee_organisation_id") ? typed?.message : nil,
                noteError: wrong.contains("note") ? typed?.message : nil, offersPhoto: next.contains(.fixed),
                photoError: wrong.contains("photos") || wrong.contains("photo") ? typed?.message : nil)
        }
        return ReportPage(
            title: f.t("report.title") + " · " + place, message: message,
            // Urging leaves the state as it was: the state is named by the last step that changed it.
            state: f.t(
                "report.state." + ReportRouting.stepWord(from: r.history?.last { $0.from != $0.to }?.from, to: r.state)),
            turn: ReportPages.turn(r, f),
            due: r.dueOn?.description ?? "—", dueLabel: f.t(r.overdue ? "report.overdue" : "report.due"),
            place: place, category: f.t("category." + r.category.rawValue),
            publicHref: SiteRoute.publicCompound(r.compoundId).path, description: r.description,
            reporter: reporterLine(r, f),
            reachThrough: !actor.seesPersonalData && !(r.reporterName + r.reporterPhone).isEmpty
                ? f.t("report.reachThrough") : nil,
            tracking: try await ReportRepository(database: services.database).trackingCode(id: id, actor: actor).map {
                Tracking(code: TrackingCode.shown($0), href: SiteRoute.publicTrack(code: $0).path)
            },
            photos: r.photos.map { SiteRoute.attachment($0).path }, hasPhotos: !r.photos.isEmpty, form: form,
            urge: ReportRouting.mayUrge(actor, state: r.state)
                ? Urge(
                    action: SiteRoute.reportUrge(id).path, note: typed?.fields["urge"] ?? "",
                    error: typed?.wrong.contains("urge") == true ? typed?.message : nil) : nil,
            history: (r.history ?? []).map { e in
                Event(
                    at: beijingTime(e.at), state: f.t("report.state." + ReportRouting.stepWord(from: e.from, to: e.to)),
                    note: e.note,
                    by: Pages.actorName(e.by, shown: e.byName, f),
                    photos: e.photos.map { SiteRoute.attachment($0).path },
                    hasPhotos: !e.photos.isEmpty)
            })
    }
}

extension ReportPage {
    /// A report filed from an account (a steward's, say) carries no reporter's name or phone: the account that filed
    /// it, named as its first step names it, is who reported it.
    static func filer(_ r: Report) -> String? {
        guard let first = r.history?.first(where: { $0.from == nil }),
            first.by != ReportRepository.publicReporter.username, first.by != "system"
        else { return nil }
        return first.byName
    }

    /// Who reported it: the resident's name and phone as given, and the account that filed it for them, if any.
    static func reporterLine(_ r: Report, _ f: PageFrame) -> String? {
        let who = [r.reporterName, r.reporterPhone].filter { !$0.isEmpty }.joined(separator: " ")
        guard let filer = filer(r) else { return who.isEmpty ? nil : who }
        let via =
            who.isEmpty
            ? f.t("report.viaAccount") : f.t("report.onBehalf").replacingOccurrences(of: "{name}", with: filer)
        return (who.isEmpty ? filer : who) + f.t("paren.open") + via + f.t("paren.close")
    }
}

/// Supervision reports for the office, stewards and contractors: whose turn it is, what is overdue, and the next step.
enum ReportPages {
    /// Whose move it is: the organisation by name where one has it, so those chasing it know whom to call; nobody's
    /// once the report is closed or declined.
    static func turn(_ r: Report, _ f: PageFrame) -> String {
        if r.ballInCourt == .none { return "—" }
        let side = f.t("report.ball." + r.ballInCourt.rawValue)
        guard let name = r.assigneeName, [.contractor, .department, .propertyCompany].contains(r.ballInCourt) else {
            return side
        }
        return side + "（" + name + "）"
    }
    static func add(to router: Router<AppContext>, services: Services) {
        ReportPageController(services: services).register(on: router)
    }
}

struct ReportPageController {
    let services: Services

    func reports() async throws -> ReportRepository {
        ReportRepository(
            database: services.database, calendar: try await CalendarRepository(database: services.database).calendar())
    }

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/reports", list)
        Pages.get(router, "/reports/:id", show)
        Pages.post(router, "/reports/:id/transitions", transition)
        Pages.post(router, "/reports/:id/urge", urge)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        let q = request.uri.queryParameters
        let page = try await ReportListPage.load(
            reports: try await reports(), services: services, actor: actor,
            state: q.get("state").flatMap { ReportState(rawValue: $0) }, overdue: q.get("overdue") == "true", f)
        return f.page(title: f.t("nav.reports"), "participation-reports", page)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        // Just filed from an account: said once, with the code to hand on beside it.
        let filed = request.uri.queryParameters.get("filed") == "1"
        // A step just taken is said, in the words of the state it led to.
        let moved = request.uri.queryParameters.get("moved").flatMap { ReportState(rawValue: String($0)) }.map {
            PageNote(kind: "ok", text: f.lang.say("report.moved", ["state": f.t("report.state." + $0.rawValue)]))
        }
        let urged =
            request.uri.queryParameters.get("saved") == "urged" ? PageNote(kind: "ok", text: f.t("report.urged")) : nil
        return try await page(
            try context.parameters.require("id", as: Int64.self), context, f,
            message: filed ? PageNote(kind: "ok", text: f.t("report.filedForResident")) : moved ?? urged)
    }

    @Sendable func transition(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        // A fix may carry photos of it: the form is multipart then, and they are stored only if the step is.
        let (fields, form) = try await Pages.formWithFiles(request, context, files: ReportRepository.maxFixPhotos)
        // Refused, the page comes back with the step, the organisation and the note as chosen, and the wrong field
        // marked beside it; a report changed meanwhile is shown as it now stands.
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let typed = r.kept(fields).map { ReportPage.Typed(fields: $0, wrong: r.fields, message: r.text) }
            return try await page(
                id, context, f, message: PageNote(kind: r.tone, text: r.text), typed: typed, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            guard let to = ReportState(rawValue: fields["to"] ?? "") else {
                throw ValidationError(field: "to", code: Pages.pageMessage, message: f.t("report.chooseStep"))
            }
            let actor = try context.actor()
            let step: ([Int64]) async throws -> Void = { photos in
                _ = try await reports().transition(
                    id: id, to: to, note: fields["note"] ?? "",
                    assignee: fields["assignee_organisation_id"].flatMap { Int64($0) }, photos: photos, actor: actor)
            }
            if let form {
                try await form.withStoredFiles(
                    "photo", most: ReportRepository.maxFixPhotos, database: services.database, actor: actor, step)
            } else {
                try await step([])
            }
            return SiteRoute.report(id, moved: to).path
        }
    }

    /// The office's urging note (催办): refused, the page comes back with the note kept and the reason beside it.
    @Sendable func urge(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let typed = ReportPage.Typed(fields: fields, wrong: ["urge"], message: r.text)
            return try await page(
                id, context, f, message: PageNote(kind: r.tone, text: r.text), typed: typed, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            // Said in the form's words: the store's refusal speaks of a note.
            guard !TextNormalizer.prose(fields["urge"] ?? "").isEmpty else {
                throw ValidationError(field: "urge", code: "required", message: "write what is urged")
            }
            _ = try await reports().urge(id: id, note: fields["urge"] ?? "", actor: try context.actor())
            return SiteRoute.reportUrged(id).path
        }
    }

    func page(
        _ id: Int64, _ context: AppContext, _ f: PageFrame, message: PageNote?, typed: ReportPage.Typed? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let page = try await ReportPage.load(
            id: id, services: services, actor: try context.actor(), message: message, typed: typed, f)
        return f.page(title: page.title, "participation-report", page, status: status)
    }

    /// The step a form offers first: the one that moves the report on (confirming a fix, not reopening it);
    /// reopening or declining is always a deliberate choice.
    static func preferredStep(_ next: [ReportState]) -> ReportState? {
        let order: [ReportState] = [.verified, .closed, .fixed, .assigned, .acknowledged]
        return order.first(where: next.contains) ?? next.first
    }
}
