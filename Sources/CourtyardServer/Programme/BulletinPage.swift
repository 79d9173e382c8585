import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func bulletinPublish(_ id: Int64) -> SiteRoute { SiteRoute("/bulletins/\(id)/publish") }
    static func bulletinEdit(_ id: Int64) -> SiteRoute { SiteRoute("/bulletins/\(id)/edit") }
    static func bulletinDelete(_ id: Int64) -> SiteRoute { SiteRoute("/bulletins/\(id)/delete") }
    static func bulletin(_ id: Int64, saved: Bool) -> SiteRoute {
        SiteRoute("/bulletins/\(id)", query: [("saved", saved ? "1" : nil)])
    }
    static func bulletinFile(_ id: Int64, format: String, lang: Lang) -> SiteRoute {
        SiteRoute("/api/v1/bulletins/\(id)", query: [("format", format), ("lang", lang.rawValue)])
    }
}

/// One ranked unit of a bulletin as a table row.
struct BulletinUnitRow {
    let name: String
    /// The last-ranked unit of several, named as lagging behind (末位).
    let laggard: Bool
    let planned: Int64
    let started: Int64
    let startRate: String
    let completed: Int64
    let completionRate: String
    let change: String
    let rank: String

    static func rows(_ units: [BulletinUnit]) -> [BulletinUnitRow] {
        let worst = units.compactMap(\.rank).max() ?? 0
        return units.map { u in
            BulletinUnitRow(
                name: u.name ?? "", laggard: units.count > 1 && u.rank == worst, planned: u.compoundsPlanned,
                started: u.compoundsStarted, startRate: u.startRateByCompounds.numberText,
                completed: u.compoundsCompleted, completionRate: u.completionRateByCompounds.numberText,
                change: BulletinDocument.change(u.changePp, \.completionRateByCompounds),
                rank: u.rank.map(String.init) ?? "")
        }
    }
}

/// One city department's week of coordination requests as a bulletin row.
struct BulletinDepartmentRow {
    let name: String
    let requests: Int
    let accept: String
    let finish: String
    let share: String

    static func rows(_ lines: [DepartmentFigureLine]?) -> [BulletinDepartmentRow] {
        (lines ?? []).map {
            BulletinDepartmentRow(
                name: $0.name, requests: $0.requests, accept: $0.medianDaysToAccept.map(String.init) ?? "—",
                finish: $0.medianDaysToFinish.map(String.init) ?? "—",
                share: $0.due == 0 ? "—" : "\($0.shareDoneByNeededByPercent)%")
        }
    }
}

/// The printed bulletin (通报): red header, summary, ranking, compounds, problems, next steps and closing block.
struct BulletinPrint {
    struct CompoundRow {
        let name: String
        let community: String
        let households: Int64
        let startedOn: String
        let percent: String
        let problems: String
        let responsible: String
    }

    let fullTitle: String
    let isDraft: Bool
    let issuer: String
    let documentNumber: String
    let issueTitle: String
    let asOf: String
    let batchYear: Int64
    let summary: String
    let changeSummary: String?
    let units: [BulletinUnitRow]
    let compounds: [CompoundRow]
    let problems: [String]
    let departments: [BulletinDepartmentRow]
    let hasDepartments: Bool
    let contractors: [ProgrammeOverview.ContractorRow]
    let hasContractors: Bool
    let nextSteps: String?
    let issuedOn: String

    init(_ b: Bulletin, lang: Lang) {
        let t = lang.t
        issueTitle = BulletinDocument.title(issueNo: b.issueNo, lang: lang)
        // The printed title is also the page's title, which browsers offer as the PDF's file name.
        fullTitle = t("bulletin.title") + issueTitle
        isDraft = b.state == .draft
        issuer = BulletinDocument.issuer(b, lang: lang)
        documentNumber = BulletinDocument.documentNumber(b, lang: lang)
        asOf = BulletinDocument.written(b.asOf.description, lang: lang)
        batchYear = b.batchYear
        summary = Self.summary(b.totals, lang: lang)
        changeSummary = b.changePp.map {
            t("bulletin.changeSummary")
                .replacingOccurrences(of: "{sr}", with: BulletinDocument.change($0, \.startRateByCompounds))
                .replacingOccurrences(of: "{cr}", with: BulletinDocument.change($0, \.completionRateByCompounds))
        }
        units = BulletinUnitRow.rows(b.units)
        compounds = b.compounds.map { c in
            CompoundRow(
                name: c.name, community: c.communityName, households: c.households,
                startedOn: c.startedOn?.description ?? "—", percent: c.percentComplete.numberText,
                problems: BulletinDocument.problems(c, lang: lang), responsible: c.responsible ?? "")
        }
        problems = Self.problems(b.overdue, lang: lang)
        departments = BulletinDepartmentRow.rows(b.departments)
        hasDepartments = !departments.isEmpty
        contractors = ProgrammeOverview.ContractorRow.rows(b.contractors)
        hasContractors = !contractors.isEmpty
        nextSteps = b.nextSteps.isEmpty ? nil : b.nextSteps
        let issued = b.publishedAt.map { beijingTime($0, dateOnly: true) } ?? b.asOf.description
        issuedOn = BulletinDocument.written(issued, lang: lang)
    }

    static func summary(_ u: BulletinUnit, lang: Lang) -> String {
        [
            ("{cp}", String(u.compoundsPlanned)), ("{hp}", String(u.householdsPlanned)),
            ("{cs}", String(u.compoundsStarted)), ("{cc}", String(u.compoundsCompleted)),
            ("{hs}", String(u.householdsStarted)), ("{hc}", String(u.householdsCompleted)),
            ("{srh}", u.startRateByHouseholds.numberText), ("{crh}", u.completionRateByHouseholds.numberText),
            ("{sr}", u.startRateByCompounds.numberText), ("{cr}", u.completionRateByCompounds.numberText),
        ].reduce(lang.t("bulletin.summary")) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    /// Tasks past their late finish and findings past their due day, fifty of each at most.
    static func problems(_ overdue: BulletinOverdue, lang: Lang) -> [String] {
        let tasks = overdue.tasks.prefix(50).map {
            lang.t("bulletin.overdueTask").replacingOccurrences(of: "{compound}", with: $0.compoundName)
                .replacingOccurrences(of: "{task}", with: $0.task).replacingOccurrences(
                    of: "{date}", with: BulletinDocument.written($0.lateFinish.description, lang: lang))
        }
        let findings = overdue.findings.prefix(50).map {
            lang.t("bulletin.overdueFinding").replacingOccurrences(of: "{compound}", with: $0.compoundName)
                .replacingOccurrences(of: "{finding}", with: $0.finding).replacingOccurrences(
                    of: "{date}", with: BulletinDocument.written($0.dueOn.description, lang: lang))
        }
        let all = tasks + findings
        return all.isEmpty ? [lang.t("bulletin.noProblems")] : all
    }
}

/// A bulletin's page in the site: its figures, its files, and for a draft the office's forms.
struct BulletinPage {
    /// A draft's forms: its date and next steps, publishing it once ticked as checked, and discarding it.
    struct DraftForms {
        let editAction: String
        var asOf: String
        var nextSteps: String
        var nextStepsMax = BulletinRepository.nextStepsMax
        var today = Clock.today.description
        let publishAction: String
        let deleteAction: String
        /// Said as soon as the draft is dated before the last issue: it cannot be published so.
        var behind: String?
        /// Why publishing or deleting was refused, said beside that form.
        var publishProblem: String?
        var deleteProblem: String?
    }
    struct Card {
        let value: String
        let label: String
    }
    struct CompoundRow {
        let name: MaybeLink
        let community: String
        let households: Int64
        let startedOn: String
        let bar: PercentBar
        let problems: String
        let responsible: String
    }

    let issuingUnit: String
    let asOf: String
    let stateLabel: String
    let printHref: String
    let xlsxHref: String
    let csvHref: String
    var draft: DraftForms?
    var notice: PageNotice?
    let cards: [Card]
    let units: [BulletinUnitRow]
    let compounds: [CompoundRow]
    let departments: [BulletinDepartmentRow]
    let hasDepartments: Bool
    let contractors: [ProgrammeOverview.ContractorRow]
    let hasContractors: Bool
    let nextSteps: String?

    /// A change in percentage points, said as such ("+5.0 个百分点"); "—" when there is nothing to compare with.
    static func pp(_ change: String, _ f: PageFrame) -> String {
        change == "—" ? change : Lang.fill(f.t("bulletin.pp"), ["n": change])
    }

    init(_ b: Bulletin, actor: Actor, openable: Set<Int64>, _ f: PageFrame) {
        issuingUnit = b.issuingUnit ?? ""
        asOf = b.asOf.description
        stateLabel = f.t("bulletin.state." + b.state.rawValue)
        printHref = SiteRoute.bulletinFile(b.id, format: "html", lang: f.lang).path
        xlsxHref = SiteRoute.bulletinFile(b.id, format: "xlsx", lang: f.lang).path
        csvHref = SiteRoute.bulletinFile(b.id, format: "csv", lang: f.lang).path
        draft =
            b.state == .draft && Permissions.allows(actor.role, .manageBulletins)
            ? DraftForms(
                editAction: SiteRoute.bulletinEdit(b.id).path, asOf: b.asOf.description, nextSteps: b.nextSteps,
                publishAction: SiteRoute.bulletinPublish(b.id).path, deleteAction: SiteRoute.bulletinDelete(b.id).path)
            : nil
        let rates: [(KeyPath<BulletinUnit, PercentTenths>, KeyPath<BulletinRates, PercentTenths>, String)] = [
            (\.startRateByCompounds, \.startRateByCompounds, "bulletin.col.startRate"),
            (\.completionRateByCompounds, \.completionRateByCompounds, "bulletin.col.completionRate"),
            (\.startRateByHouseholds, \.startRateByHouseholds, "bulletin.startRateHouseholds"),
            (\.completionRateByHouseholds, \.completionRateByHouseholds, "bulletin.completionRateHouseholds"),
        ]
        cards = rates.map { value, change, label in
            Card(
                value: b.totals[keyPath: value].numberText + "%",
                label: f.t(label) + f.t("paren.open") + Self.pp(BulletinDocument.change(b.changePp, change), f)
                    + f.t("paren.close"))
        }
        units = BulletinUnitRow.rows(b.communities)
        compounds = b.compounds.map { c in
            CompoundRow(
                name: MaybeLink(
                    text: c.name, href: openable.contains(c.projectId) ? SiteRoute.project(c.projectId).path : nil),
                community: c.communityName, households: c.households, startedOn: c.startedOn?.description ?? "—",
                bar: PercentBar(c.percentComplete),
                problems: BulletinDocument.problems(c, lang: f.lang), responsible: c.responsible ?? "")
        }
        departments = BulletinDepartmentRow.rows(b.departments)
        hasDepartments = !departments.isEmpty
        contractors = ProgrammeOverview.ContractorRow.rows(b.contractors)
        hasContractors = !contractors.isEmpty
        nextSteps = b.nextSteps.isEmpty ? nil : b.nextSteps
    }
}

/// Drafting a bulletin from the list page, its page, and a draft's changes, publishing and discarding.
struct BulletinPageController: Sendable {
    let services: Services
    var bulletins: BulletinRepository { BulletinRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/bulletins", draft)
        Pages.get(router, "/bulletins/:id", show)
        Pages.post(router, "/bulletins/:id/edit", edit)
        Pages.post(router, "/bulletins/:id/publish", publish)
        Pages.post(router, "/bulletins/:id/delete", delete)
    }

    @Sendable func draft(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        let actor = try context.actor()
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await BulletinList.load(
                services: services, actor: actor, notice: PageNotice(tone: m.0, text: m.1), typed: fields, f)
            return f.page(title: f.t("nav.bulletins"), "programme-bulletins", page, status: status)
        }
        let problems = BulletinList.problems(fields, f)
        guard problems.isEmpty, let year = Int(fields["batch_year"] ?? ""), let asOf = Day(fields["as_of"] ?? "") else {
            return try await redisplay(("bad", Pages.lines(problems)), .unprocessableContent)
        }
        return try await Pages.save(f, redisplay: redisplay) {
            let b = try await bulletins.draft(
                batchYear: year, asOf: asOf, subdistrictId: nil, nextSteps: fields["next_steps"] ?? "", actor: actor)
            return SiteRoute.bulletin(b.id).path
        }
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let saved = request.uri.queryParameters.get("saved") == "1"
        return try await render(context, f, notice: saved ? PageNotice(tone: "ok", text: f.t("bulletin.saved")) : nil)
    }

    /// The bulletin's page, with a note on top and, after a refused form, the draft's forms as they were sent.
    func render(
        _ context: AppContext, _ f: PageFrame, notice: PageNotice? = nil, status: HTTPResponse.Status = .ok,
        change: (inout BulletinPage.DraftForms) -> Void = { _ in }
    ) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let b = try await bulletins.get(id: try context.parameters.require("id", as: Int64.self), actor: actor)
        let projects = try await Pages.openableProjects(actor: actor, services: services)
        var page = BulletinPage(b, actor: actor, openable: projects, f)
        page.notice = notice
        if page.draft != nil {
            page.draft?.behind = try await bulletins.behindLastIssue(id: b.id, actor: actor).map {
                Lang.fill(f.t("bulletin.behindLastIssue"), ["date": $0.description])
            }
            // Said on top as well: the date field is at the end of a long page.
            if let behind = page.draft?.behind, page.notice == nil {
                page.notice = PageNotice(tone: "bad", text: behind)
            }
            change(&page.draft!)
        }
        return f.page(
            title: BulletinDocument.shortTitle(issueNo: b.issueNo, lang: f.lang), "programme-bulletin", page,
            status: status)
    }

    /// A draft's date and next steps; a refusal keeps what was typed.
    @Sendable func edit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        _ = try context.require(.manageBulletins)
        let id = try context.parameters.require("id", as: Int64.self)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await render(context, f, notice: PageNotice(tone: m.0, text: m.1), status: status) {
                $0.asOf = fields["as_of"] ?? ""
                $0.nextSteps = fields["next_steps"] ?? ""
            }
        }
        guard let asOf = Day(fields["as_of"] ?? "") else {
            return try await redisplay(("bad", Self.badDate(f)), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.bulletin(id, saved: true).path, redisplay: redisplay) {
            _ = try await bulletins.update(
                id: id, asOf: asOf, nextSteps: fields["next_steps"] ?? "", actor: try context.actor())
        }
    }

    /// Publishing numbers the issue and freezes it, so it asks for a tick that the figures were checked. The button
    /// belongs to the draft's form: what was typed there since the last save is saved first, then published.
    @Sendable func publish(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        _ = try context.require(.manageBulletins)
        let id = try context.parameters.require("id", as: Int64.self)
        // Refused, the form shows what was typed, and why beside the tick.
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await render(context, f, status: status) { d in
                // What was typed and differs from the draft is shown again, and said to be unsaved.
                let retyped =
                    fields["as_of"].map { $0 != d.asOf } == true
                    || fields["next_steps"].map { TextNormalizer.prose($0) != d.nextSteps } == true
                if let asOf = fields["as_of"] { d.asOf = asOf }
                if let steps = fields["next_steps"] { d.nextSteps = steps }
                d.publishProblem = m.1 + (retyped ? " " + f.t("bulletin.editsNotSaved") : "")
            }
        }
        guard fields["confirm"] == "1" else {
            return try await redisplay(("bad", f.t("bulletin.publishUnticked")), .unprocessableContent)
        }
        let asOf = fields["as_of"].map { Day($0) }
        if asOf == .some(nil) { return try await redisplay(("bad", Self.badDate(f)), .unprocessableContent) }
        return try await Pages.save(f, redisplay: redisplay) {
            let actor = try context.actor()
            _ = try await bulletins.publish(id: id, asOf: asOf ?? nil, nextSteps: fields["next_steps"], actor: actor)
            return SiteRoute.bulletin(id).path
        }
    }

    /// "截至：日期无效", as a draft's refused date is said on its page and on the list's form.
    static func badDate(_ f: PageFrame) -> String { f.t("bulletin.asOf") + f.t("common.colon") + f.t("form.badDate") }

    /// Discarding a draft, once ticked; the list then says so.
    @Sendable func delete(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        _ = try context.require(.manageBulletins)
        let id = try context.parameters.require("id", as: Int64.self)
        guard fields["confirm"] == "1" else {
            return try await render(context, f, status: .unprocessableContent) {
                $0.deleteProblem = f.t("bulletin.deleteUnticked")
            }
        }
        return try await Pages.saveOnce(f) {
            try await bulletins.delete(id: id, actor: try context.actor())
            return SiteRoute.bulletins(deleted: true).path
        }
    }
}
