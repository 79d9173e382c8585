import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func projectSection(_ id: Int64, _ anchor: String) -> SiteRoute { SiteRoute("/projects/\(id)#\(anchor)") }
    /// The project's page after a form of `section` was saved: it lands on the section, which says so.
    static func taskActual(_ project: Int64, _ task: Int64, _ step: String) -> SiteRoute {
        SiteRoute("/projects/\(project)/tasks/\(task)/\(step)")
    }
    static func projectSaved(_ id: Int64, _ section: String) -> SiteRoute {
        SiteRoute("/projects/\(id)?saved=\(section)#\(section)")
    }
    static func projectSiteLogs(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/site_logs") }
    static func projectChecks(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/checks") }
    static func projectAdvance(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/advance") }
    static func findingStep(_ id: Int64, _ step: LedgerRepository.FindingStep) -> SiteRoute {
        SiteRoute("/findings/\(id)/\(step.rawValue)")
    }
    static func gantt(_ projectId: Int64, lang: Lang) -> SiteRoute {
        SiteRoute("/api/v1/projects/\(projectId)/gantt.svg", query: [("lang", lang.rawValue)])
    }
    static func attachment(_ id: Int64) -> SiteRoute { SiteRoute("/api/v1/attachments/\(id)") }
}

/// A name that links to its page when the person may open it, and is plain text when not.
struct MaybeLink {
    let text: String
    let href: String?
}

/// A progress bar and its figure: `width` 0 to 100, `percent` as written ("45.5").
struct PercentBar {
    let width: Int64
    let percent: String

    init(_ value: PercentTenths) {
        width = min(100, max(0, value.tenths / 10))
        percent = value.numberText
    }
}

/// A project's page: where it stands, its plan, gates, schedule, ledger and site checks, and the forms its
/// people use on it.
struct ProjectPage {
    struct Stage {
        let label: String
        let state: String
        let current: Bool
    }
    struct Card {
        let value: String
        let label: String
    }
    struct PlanRow {
        let category: String
        let name: String
        let quantity: String
        let budget: String
        let bar: PercentBar
    }
    struct CategoryTotal {
        let label: String
        let budget: String
    }
    struct EvidenceItem {
        /// "、" before every item but the first.
        let separator: String
        let label: String
        let href: String?
    }
    struct GateRow {
        let stage: String
        let passedAt: String
        let passedBy: String
        let evidence: [EvidenceItem]
        let onPaper: Bool
        let note: String
    }
    struct Option {
        let value: String
        let label: String
        var selected = false
    }
    struct AdvanceForm {
        let action: String
        var documentTypes: [Option]
        /// The note typed into a refused form, shown again (the file is chosen again: a browser keeps none).
        var typedNote = ""
        let button: String
        /// What must be done first, which no file sent with the form mends: said instead of the form.
        let blocked: String?
        /// Where on the page that is seen to: the safety paperwork, before construction.
        var blockedHref: String? = nil
    }
    struct TaskRow {
        let name: String
        let critical: Bool
        let duration: Int
        let lateStart: String
        let lateFinish: String
        let float: Int
        let actualStart: String
        let actualFinish: String
        /// Not finished and past its latest finish: the works are behind on it.
        var late = false
        /// The forms that record the day a task started, then finished, for those who report the works.
        var startAction: String? = nil
        var finishAction: String? = nil
        var today = ""
        /// The latest day the date fields offer: today (the value may be a refused day typed after it).
        var latest = ""
        /// Why the day sent from this row was refused, said beside its form (the day typed kept in it).
        var refusal: String? = nil
    }
    struct LogRow {
        let date: String
        let weather: String
        let workers: Int64
        /// "超出已培训人数 3 人" when more worked than were trained; nil otherwise.
        let untrained: String?
        let workDone: String
        let issues: String
        /// The log's photos, each a link to the file.
        let photos: [String]
        let hasPhotos: Bool
    }
    struct CheckItem {
        let name: String
        let label: String
        /// Each item starts unanswered: a check records what was looked at, never a pass nobody chose.
        var passed = false
        var failed = false
    }
    struct CheckForm {
        let action: String
        let today: String
        var items: [CheckItem]
        /// A refused check comes back open, with what was typed and why it was refused.
        var open = false
        var date: String
        var finding = ""
        var problem: String?

        /// The form as a refused sending typed it (the photo has to be chosen again).
        mutating func retype(_ fields: [String: String], problem: String) {
            open = true
            date = fields["date"] ?? ""
            finding = fields["finding"] ?? ""
            self.problem = problem
            for i in items.indices {
                items[i].passed = fields[items[i].name] == "pass"
                items[i].failed = fields[items[i].name] == "fail"
            }
        }
    }
    struct StepButton {
        let action: String
        let label: String
        /// Reporting a fix says what was fixed; failing a re-inspection says what is still wrong.
        let needsNote: Bool
        /// Reporting a fix may carry a photo of it, so that form is sent as multipart.
        let takesPhoto: Bool
        /// The note's box when one is needed: a labelled box of lines (what was fixed; why the re-inspection failed).
        var noteLabel: String? = nil
        /// Failing a re-inspection looks unlike passing it, so the two are not told apart by their words alone.
        var secondary = false
        /// Refused: the note as typed, and why, said beside the form.
        var note = ""
        var refusal: String? = nil
    }
    struct FindingLine {
        let text: String
        let stateLabel: String
        let overdue: Bool
        let dueOn: String
        /// What the contractor says was fixed (for the re-inspection), or why the last re-inspection failed.
        let note: String?
        /// The photos taken when it was found, which the contractor fixes from and the re-inspection compares.
        let photos: [String]
        let hasPhotos: Bool
        /// The contractor's photos of the fix, beside its note, while it waits for or has passed re-inspection.
        let fixPhotos: [String]
        let hasFixPhotos: Bool
        var steps: [StepButton]
        let hasSteps: Bool
    }
    /// One of the page's sections, linked from the top so a phone reaches the findings without scrolling past the
    /// schedule and the ledger; `label` says what waits there ("巡查整改（2 项未办结）").
    struct Jump {
        let href: String
        let label: String
    }
    struct CheckRow {
        let date: String
        let by: String
        let passed: String
        var findings: [FindingLine]
    }

    var message: PageNotice?
    let stages: [Stage]
    let cards: [Card]
    let contractor: String
    let compound: MaybeLink
    let community: MaybeLink
    let isModel: Bool
    let modelWriteup: String
    let planRows: [PlanRow]
    let hasPlan: Bool
    let categoryTotals: [CategoryTotal]
    let total: String
    let gateRows: [GateRow]
    let hasGates: Bool
    let acceptances: [String]
    var advance: AdvanceForm?
    /// Once the works are accepted: the hand-over to the property company, its checklist and four signatures.
    let handoverHref: String?
    /// Where the hand-over stands ("移交前还缺：…"), while the works are accepted and not yet handed over.
    var handoverStatus: String?
    let calendarMissing: String?
    /// An alert for those who can enter the calendar; for anyone else, who can only wait for it, a status.
    let calendarRole: String
    /// A warning for whoever can mend it (the holidays to enter); a plain note for those who only wait for it.
    let calendarTone: String
    /// The Gantt chart, inline and scrolling sideways on a phone with the task names kept in view.
    let chart: TrustedHTML?
    /// The chart as an SVG file of its own, to open or save.
    let chartHref: String?
    var taskRows: [TaskRow]
    /// "2 项工作超过最迟完成日期（最早 2026-11-05）", where the schedule starts: the page says the works are behind.
    var scheduleLate: String?
    let siteLogForm: SiteLogForm?
    let logRows: [LogRow]
    let hasLogs: Bool
    var checkForm: CheckForm?
    /// "Saved" said in the section whose form was just saved, where the page lands (the top is out of sight there).
    var savedChecks: String?
    var savedSchedule: String?
    var savedInvestment: String?
    var savedSafety: String?
    var checkRows: [CheckRow]
    let hasChecks: Bool
    let safety: SafetySection
    var investment: InvestmentSection?
    let jumps: [Jump]

    /// The daily site check's standard items (巡查), recorded in Chinese as the official record.
    static let checklist = ["excavation", "height", "signs", "hoarding", "power", "fire_lane"]

    struct Facts {
        let detail: ProjectDetail
        let logs: [SiteLog]
        let checks: [SiteCheck]
        let plan: ScheduleRepository.Plan
        let calendar: WorkCalendar
        let openCompound: Bool
        let openCommunity: Bool
        let safety: SafetySection
        var investment: InvestmentSection?
        /// The people who passed the gates, by account name: the name a person reads on the page.
        let names: [String: String]
        /// What holds the next gate up whatever file comes with it, for those who pass gates.
        let gateBlocker: String?
    }

    static func load(id: Int64, actor: Actor, services: Services, _ f: PageFrame) async throws -> Facts {
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        let cal = try await CalendarRepository(database: services.database).calendar()
        let ledger = LedgerRepository(database: services.database, calendar: cal)
        let schedule = ScheduleRepository(database: services.database, calendar: cal)
        let p = detail.summary
        return Facts(
            detail: detail, logs: try await ledger.siteLogs(projectId: id, actor: actor, limit: 20),
            checks: try await ledger.checks(projectId: id, actor: actor),
            plan: try await schedule.plan(projectId: id, mode: .backward, start: nil, actor: actor), calendar: cal,
            openCompound: await Pages.openable(.compounds, [p.compoundId], actor: actor, services: services)
                .contains(p.compoundId),
            openCommunity: await Pages.openable(.communities, [p.communityId], actor: actor, services: services)
                .contains(p.communityId),
            safety: try await SafetySection.load(project: p, actor: actor, services: services, f),
            investment: try await InvestmentSection.load(project: p, actor: actor, services: services, f),
            names: try await displayNames(Set(detail.gates.map(\.passedBy)), services: services),
            gateBlocker: Permissions.allows(actor.role, .manageProjects)
                ? try await ProjectRepository(database: services.database).gateBlocker(id: id, actor: actor)
                    .flatMap { AppError.from($0)?.text(in: f.lang) } : nil)
    }

    /// Each account's display name (its account name when it has none, or when the account is gone).
    static func displayNames(_ usernames: Set<String>, services: Services) async throws -> [String: String] {
        var names: [String: String] = [:]
        for u in usernames {
            let shown = try await services.accounts.find(username: u)?.displayName ?? ""
            names[u] = shown.isEmpty ? u : shown
        }
        return names
    }

    init(_ facts: Facts, actor: Actor, message: PageNotice?, log: SiteLogForm.Typed? = nil, _ f: PageFrame) {
        let detail = facts.detail
        let p = detail.summary
        self.message = message
        stages = ProjectStage.allCases.map { st in
            Stage(
                label: f.t("stage." + st.rawValue), state: st == p.stage ? "now" : (st < p.stage ? "done" : ""),
                current: st == p.stage)
        }
        cards = Self.cards(p, f)
        contractor = p.contractorName ?? f.t("project.noContractor")
        compound = MaybeLink(
            text: p.compoundName, href: facts.openCompound ? SiteRoute.compound(p.compoundId).path : nil)
        community = MaybeLink(
            text: p.communityName, href: facts.openCommunity ? SiteRoute.community(p.communityId).path : nil)
        isModel = p.isModel
        modelWriteup = p.modelWriteup
        planRows = detail.workItems.map { w in
            PlanRow(
                category: f.t("category." + w.category.rawValue), name: w.name, quantity: w.quantity + " " + w.unit,
                budget: Money.yuan(w.budgetFen), bar: PercentBar(PercentTenths(tenths: w.percent * 10)))
        }
        hasPlan = !planRows.isEmpty
        categoryTotals = WorkCategory.allCases.map { c in
            CategoryTotal(
                label: f.t("category." + c.rawValue), budget: Money.yuan(detail.totalsByCategory[c].budgetFen))
        }
        total = Money.yuan(detail.totalsByCategory.all.budgetFen)
        gateRows = detail.gates.map { Self.gateRow($0, by: facts.names[$0.passedBy] ?? $0.passedBy, f) }
        hasGates = !gateRows.isEmpty
        acceptances = detail.acceptances.map { a in
            "\(f.t("acceptance." + a.kind.rawValue)) \(a.date)\(f.t("common.colon"))\(f.t("acceptance." + a.result.rawValue))"
        }
        advance = Self.advanceForm(detail, blocked: facts.gateBlocker, actor: actor, f)
        handoverHref = p.stage >= .accepted ? SiteRoute.handover(p.id).path : nil
        let editsCalendars = Permissions.allows(actor.role, .editCalendars)
        (calendarMissing, chart, taskRows) = Self.schedule(
            facts, editsCalendars: editsCalendars, reports: Self.reportsWorks(p, actor), f)
        calendarRole = editsCalendars ? "alert" : "status"
        calendarTone = editsCalendars ? "bad" : "plain"
        chartHref = chart == nil ? nil : SiteRoute.gantt(p.id, lang: f.lang).path
        let late = taskRows.filter(\.late)
        scheduleLate =
            late.isEmpty
            ? nil
            : f.lang.say(
                "home.reason.late_tasks", ["n": String(late.count), "date": late.map(\.lateFinish).min() ?? ""])
        let writes = p.stage == .construction
        siteLogForm =
            writes && Permissions.allows(actor.role, .writeSiteLogs)
            ? SiteLogForm(detail, logs: facts.logs, typed: log, actor: actor, f) : nil
        logRows = facts.logs.map {
            LogRow(
                date: $0.date.description, weather: $0.weather, workers: $0.workers,
                untrained: $0.untrainedWorkers > 0
                    ? f.t("log.untrained").replacingOccurrences(of: "{n}", with: String($0.untrainedWorkers)) : nil,
                workDone: $0.workDone, issues: $0.issues, photos: $0.photos.map { SiteRoute.attachment($0).path },
                hasPhotos: !$0.photos.isEmpty)
        }
        hasLogs = !logRows.isEmpty
        checkForm =
            writes && Permissions.allows(actor.role, .writeSiteChecks)
            ? CheckForm(
                action: SiteRoute.projectChecks(p.id).path, today: Clock.today.description,
                items: Self.checklist.map { CheckItem(name: "item_" + $0, label: f.t("check.item." + $0)) },
                date: Clock.today.description) : nil
        checkRows = facts.checks.map { Self.checkRow($0, actor: actor, f) }
        hasChecks = !checkRows.isEmpty
        safety = facts.safety
        investment = facts.investment
        jumps = Self.jumps(
            facts, logToWrite: siteLogForm.map { $0.todaysLog == nil } ?? false, lateTasks: late.count,
            hasInvestment: investment != nil, f)
    }

    /// The sections in the order the page has them, each saying what waits there: findings not yet settled, and
    /// today's site log for whoever writes it and has not yet.
    static func jumps(_ facts: Facts, logToWrite: Bool, lateTasks: Int, hasInvestment: Bool, _ f: PageFrame)
        -> [Jump]
    {
        let unsettled = facts.checks.reduce(0) { $0 + $1.findings.filter { $0.state != .verified }.count }
        let sections: [(String, String, Bool)] = [
            ("#plan", f.t("project.jump.plan"), true), ("#gates", f.t("project.jump.gates"), true),
            (
                "#schedule",
                lateTasks == 0
                    ? f.t("project.jump.schedule")
                    : f.lang.say("project.jump.scheduleLate", ["n": String(lateTasks)]), true
            ),
            ("#ledger", f.t(logToWrite ? "project.jump.ledgerToday" : "project.jump.ledger"), true),
            ("#safety", f.t("project.jump.safety"), true),
            ("#investment", f.t("project.jump.investment"), hasInvestment),
            (
                "#checks",
                unsettled == 0
                    ? f.t("project.jump.checks") : f.lang.say("project.jump.checksOpen", ["n": String(unsettled)]),
                true
            ),
        ]
        return sections.filter(\.2).map { Jump(href: $0.0, label: $0.1) }
    }

    /// A form on one row (a task's day, a finding's next step) that was refused: what was typed goes back into that
    /// form and the reason is said beside it, where the page is scrolled to, not only at the top of a long page.
    mutating func retype(row action: String, _ fields: [String: String], problem: String) {
        for i in taskRows.indices where [taskRows[i].startAction, taskRows[i].finishAction].contains(action) {
            taskRows[i].today = fields["date"] ?? taskRows[i].today
            taskRows[i].refusal = problem
        }
        for c in checkRows.indices {
            for x in checkRows[c].findings.indices {
                for s in checkRows[c].findings[x].steps.indices where checkRows[c].findings[x].steps[s].action == action
                {
                    checkRows[c].findings[x].steps[s].note = fields["note"] ?? ""
                    checkRows[c].findings[x].steps[s].refusal = problem
                }
            }
        }
    }

    static func cards(_ p: ProjectSummary, _ f: PageFrame) -> [Card] {
        [
            (p.percentComplete.numberText + "%", "project.progress"),
            (p.deadline.description, "project.deadline"),
            (p.startedOn?.description ?? "—", "project.startedOn"),
            (p.completedOn?.description ?? "—", "project.completedOn"),
            (String(p.households), "dash.households"),
        ].map { Card(value: $0.0, label: f.t($0.1)) }
    }

    static func gateRow(_ g: GatePass, by: String, _ f: PageFrame) -> GateRow {
        let evidence = g.evidence.value.arrayItems.enumerated().map { i, e -> EvidenceItem in
            let separator = i == 0 ? "" : "、"
            let kind = e["kind"]?.stringValue ?? ""
            guard kind == "document" || kind == "attachment" else {
                return EvidenceItem(separator: separator, label: f.t("evidence." + kind), href: nil)
            }
            let id = e["attachment_id"]?.intValue ?? e["id"]?.intValue ?? 0
            let type = e["document_type"]?.stringValue.map { f.t("document." + $0) } ?? f.t("project.evidence")
            return EvidenceItem(separator: separator, label: type, href: SiteRoute.attachment(Int64(id)).path)
        }
        return GateRow(
            stage: f.t("stage." + g.to.rawValue), passedAt: beijingTime(g.passedAt, dateOnly: true),
            passedBy: by, evidence: evidence, onPaper: g.onPaper, note: g.note)
    }

    static func advanceForm(_ detail: ProjectDetail, blocked: String?, actor: Actor, _ f: PageFrame) -> AdvanceForm? {
        guard let next = detail.summary.stage.next, next != .accepted, Permissions.allows(actor.role, .manageProjects)
        else { return nil }
        return AdvanceForm(
            action: SiteRoute.projectAdvance(detail.summary.id).path,
            documentTypes: next.documentTypes.map { Option(value: $0.rawValue, label: f.t("document." + $0.rawValue)) },
            button: f.t("project.advanceTo").replacingOccurrences(of: "{stage}", with: f.t("stage." + next.rawValue)),
            blocked: blocked, blockedHref: blocked != nil && next == .construction ? "#safety" : nil)
    }

    /// The schedule's warning about guessed working days, its chart and its tasks (latest start first).
    /// Who records a task's actual days on the page, while the project is in construction: its contractor, its pm
    /// company and the office.
    static func reportsWorks(_ p: ProjectSummary, _ actor: Actor) -> Bool {
        guard p.stage == .construction else { return false }
        if Permissions.allows(actor.role, .manageProjects) { return true }
        guard actor.scope.kind == .organisation, let org = actor.scope.id else { return false }
        return (actor.role == .contractor && org == p.contractorId)
            || (actor.role == .pmCompany && org == p.pmCompanyId)
    }

    static func schedule(_ facts: Facts, editsCalendars: Bool, reports: Bool, _ f: PageFrame)
        -> (String?, TrustedHTML?, [TaskRow])
    {
        let plan = facts.plan
        guard !plan.tasks.isEmpty else { return (nil, nil, []) }
        let guessed = plan.calendarYears(facts.calendar).filter { $0.source == .weekdays }.map { String($0.year) }
        let warning =
            guessed.isEmpty
            ? nil
            : f.t(editsCalendars ? "project.calendarMissing" : "project.calendarMissingWait")
                .replacingOccurrences(of: "{years}", with: guessed.joined(separator: "、"))
        let names = Dictionary(plan.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = plan.result.rows.sorted { $0.lateStart < $1.lateStart }.compactMap { r -> TaskRow? in
            guard let t = names[r.id] else { return nil }
            let project = facts.detail.summary.id
            return TaskRow(
                name: t.name, critical: r.critical, duration: t.duration, lateStart: r.lateStart.description,
                lateFinish: r.lateFinish.description, float: r.totalFloat,
                actualStart: t.actualStart?.description ?? "—", actualFinish: t.actualFinish?.description ?? "—",
                late: t.actualFinish == nil && r.lateFinish < Clock.today,
                startAction: reports && t.actualStart == nil
                    ? SiteRoute.taskActual(project, t.id, "started").path : nil,
                finishAction: reports && t.actualStart != nil && t.actualFinish == nil
                    ? SiteRoute.taskActual(project, t.id, "finished").path : nil,
                today: Clock.today.description, latest: Clock.today.description)
        }
        let chart = GanttChart.drawing(plan, today: Clock.today, lang: f.lang).scrolling(
            key: GanttChart.names, hint: f.t("chart.scrollHint"))
        return (warning, chart, rows)
    }

    /// A finding's note as the page says it: the contractor's account of the fix while it waits to be re-inspected,
    /// and the reason a re-inspection failed once it is open again.
    static func findingNote(_ x: Finding, actor: Actor, _ f: PageFrame) -> String? {
        var lines: [String] = []
        if !x.rectificationNote.isEmpty {
            let lead = x.rectifiedOn.map {
                f.t("finding.fixedNoteOn").replacingOccurrences(of: "{date}", with: $0.description)
            }
            lines.append((lead ?? f.t("finding.fixedNote")) + x.rectificationNote)
        }
        if !x.reinspectionNote.isEmpty {
            // A failed re-inspection says who failed it and when, for the contractor to ask what is still wrong.
            let rejected = x.reinspectedByName.flatMap { name in
                x.reinspectedOn.map { f.lang.say("finding.rejectedNoteBy", ["name": name, "date": $0.description]) }
            }
            let lead = x.state == .open ? rejected ?? f.t("finding.rejectedNote") : f.t("finding.reinspectedNote")
            lines.append(lead + x.reinspectionNote)
        }
        if x.state == .rectified && x.rectifiedBy == actor.username && Permissions.allows(actor.role, .writeSiteChecks)
        {
            lines.append(f.t("finding.ownFix"))
        }
        if x.state == .verified, let name = x.verifiedByName, let day = x.verifiedOn {
            lines.append(
                f.t("finding.verifiedBy").replacingOccurrences(of: "{name}", with: name)
                    .replacingOccurrences(of: "{date}", with: day.description))
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    static func checkRow(_ c: SiteCheck, actor: Actor, _ f: PageFrame) -> CheckRow {
        let findings = c.findings.map { x -> FindingLine in
            var steps: [LedgerRepository.FindingStep] = []
            if x.state == .open && Permissions.allows(actor.role, .writeSiteLogs) { steps = [.rectify] }
            if x.state == .rectified && Permissions.allows(actor.role, .writeSiteChecks)
                && x.rectifiedBy != actor.username
            {
                steps = [.verify, .reject]
            }
            // A fix that failed re-inspection keeps its photos beside the reason it failed.
            let fixPhotos = x.rectificationPhotos
            return FindingLine(
                text: x.description, stateLabel: f.t("finding." + x.state.rawValue), overdue: x.overdue,
                dueOn: x.dueOn.description, note: findingNote(x, actor: actor, f),
                photos: x.photos.map { SiteRoute.attachment($0).path }, hasPhotos: !x.photos.isEmpty,
                fixPhotos: fixPhotos.map { SiteRoute.attachment($0).path }, hasFixPhotos: !fixPhotos.isEmpty,
                steps: steps.map {
                    StepButton(
                        action: SiteRoute.findingStep(x.id, $0).path, label: f.t("finding." + $0.rawValue),
                        needsNote: $0 != .verify, takesPhoto: $0 == .rectify,
                        noteLabel: $0 == .verify
                            ? nil : f.t($0 == .rectify ? "finding.fixNoteLabel" : "finding.rejectNoteLabel"),
                        secondary: $0 == .reject)
                }, hasSteps: !steps.isEmpty)
        }
        // Every item may pass and a finding outside the checklist still be open: 6/6 alone would read as all clear.
        let unsettled = c.findings.filter { $0.state != .verified }.count
        // The items that failed, named: 5/6 alone does not say what to look at.
        let failed = c.items.filter { !$0.passed }.map { item in
            checklist.first { Lang.zh.t("check.item." + $0) == item.item }.map { f.t("check.item." + $0) } ?? item.item
        }
        let passed =
            "\(c.passedItems)/\(c.totalItems)"
            + (failed.isEmpty
                ? ""
                : Lang.fill(f.t("check.failedItems"), ["items": failed.joined(separator: f.t("common.listSeparator"))]))
            + (unsettled == 0 ? "" : f.t("check.unsettled").replacingOccurrences(of: "{n}", with: "\(unsettled)"))
        return CheckRow(date: c.date.description, by: f.t("role." + c.checkerRole), passed: passed, findings: findings)
    }
}

/// A project's page and the forms posted from it: the site log, the site check, a finding's next step and the
/// gate into the next stage.
struct ProjectPageController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/projects/:id", show)
        Pages.post(router, "/projects/:id/site_logs", addSiteLog)
        Pages.post(router, "/projects/:id/site_logs/:log_id", correctSiteLog)
        Pages.post(router, "/projects/:id/checks", addCheck)
        Pages.post(router, "/findings/:id/:step", page: "/programme", stepFinding)
        Pages.post(router, "/projects/:id/advance", advance)
        Pages.post(router, "/projects/:id/tasks/:task/:step", taskActual)
    }

    func ledger() async throws -> LedgerRepository {
        LedgerRepository(
            database: services.database, calendar: try await CalendarRepository(database: services.database).calendar())
    }

    func page(
        id: Int64, _ context: AppContext, _ f: PageFrame, message: PageNotice?, log: SiteLogForm.Typed? = nil,
        change: InvestmentSection.ChangeForm? = nil, payment: [String: String]? = nil, check: [String: String]? = nil,
        gate: [String: String]? = nil,
        row: (action: String, fields: [String: String])? = nil, savedIn: String? = nil, status: HTTPResponse.Status
    ) async throws -> Response {
        let actor = try context.require(.readProjects)
        var facts = try await ProjectPage.load(id: id, actor: actor, services: services, f)
        if let change, facts.investment?.changeForm != nil { facts.investment?.changeForm = change }
        if let payment, let message { facts.investment?.paymentForm?.retype(payment, problem: message.text) }
        var page = ProjectPage(facts, actor: actor, message: message, log: log, f)
        if let check, let message { page.checkForm?.retype(check, problem: message.text) }
        // A refusal said inside its open form is not said again on top: the page opens at the form, and a screen
        // reader would read it twice.
        if (check != nil && page.checkForm != nil) || (payment != nil && facts.investment?.paymentForm != nil)
            || (change != nil && facts.investment?.changeForm != nil)
        {
            page.message = nil
        }
        if let row, let message {
            page.retype(row: row.action, row.fields, problem: message.text)
            // An approval refused (no tick, out of turn) is said beside its buttons, not at the top of a long page.
            if page.investment?.refuse(action: row.action, message.text) == true { page.message = nil }
        }
        if let gate, var form = page.advance {
            form.typedNote = gate["note"] ?? ""
            form.documentTypes = form.documentTypes.map {
                ProjectPage.Option(value: $0.value, label: $0.label, selected: $0.value == gate["document_type"])
            }
            page.advance = form
        }
        if savedIn == "checks" { page.savedChecks = f.t("project.saved") }
        if savedIn == "schedule" { page.savedSchedule = f.t("project.saved") }
        if savedIn == "investment" { page.savedInvestment = f.t("project.saved") }
        if savedIn == "safety" { page.savedSafety = f.t("project.saved") }
        if facts.detail.summary.stage == .accepted {
            let setting = try? await HandoverRepository(database: services.database).setting(
                projectId: id, actor: actor)
            page.handoverStatus = setting.map { HandoverPage.status($0, f) }
        }
        return f.page(
            title: facts.detail.summary.compoundName + " · " + f.t("project.title"), "programme-project", page,
            status: status)
    }

    /// Runs a form's save and goes back to the page's section; a refused form shows the page again with why.
    func save(
        id: Int64, anchor: String?, _ context: AppContext, _ f: PageFrame, check: [String: String]? = nil,
        gate: [String: String]? = nil, row: (action: String, fields: [String: String])? = nil,
        _ body: () async throws -> Void
    ) async throws -> Response {
        try await Pages.save(
            f,
            next: anchor.map { SiteRoute.projectSaved(id, $0) }?.path ?? SiteRoute("/projects/\(id)?saved=page").path,
            redisplay: { m, status in
                try await page(
                    id: id, context, f, message: PageNotice(tone: m.0, text: m.1), check: check, gate: gate,
                    row: row, status: status)
            }, body)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let saved = request.uri.queryParameters.get("saved").map { String($0) }
        let message: PageNotice? =
            switch saved {
            case "log": PageNotice(tone: "ok", text: f.t("log.saved"))
            case "page": PageNotice(tone: "ok", text: f.t("project.saved"))
            default: nil
            }
        return try await page(
            id: try context.parameters.require("id", as: Int64.self), context, f, message: message,
            savedIn: saved, status: .ok)
    }

    @Sendable func addCheck(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await Pages.multipartForm(request, context)
        return try await save(id: id, anchor: "checks", context, f, check: form.fields) {
            let actor = try context.actor()
            guard let date = Day(form.fields["date"] ?? "") else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            // Every item is answered, pass or fail: nothing is recorded as passed that nobody chose.
            let unanswered = ProjectPage.checklist.filter { !["pass", "fail"].contains(form.fields["item_" + $0]) }
            guard unanswered.isEmpty else {
                let names = unanswered.map { f.t("check.item." + $0) }.joined(separator: f.t("common.listSeparator"))
                throw ValidationError(
                    field: "items", code: Pages.pageMessage,
                    message: Lang.fill(f.t("check.answerEach"), ["items": names]))
            }
            let items = ProjectPage.checklist.map {
                (item: Lang.zh.t("check.item." + $0), passed: form.fields["item_" + $0] == "pass", note: "")
            }
            // One finding to rectify a line: each is followed up, fixed and re-inspected on its own.
            // (A line of spaces or invisible marks is no finding.)
            let findings = (form.fields["finding"] ?? "").split(whereSeparator: \.isNewline)
                .map { TextNormalizer.prose(String($0)) }.filter { !$0.isEmpty }
            // Bounded as the store bounds them, said in the form's words with the bound.
            guard findings.count <= LedgerRepository.checkFindingsMax else {
                throw ValidationError(
                    field: "finding", code: Pages.pageMessage,
                    message: Lang.fill(f.t("check.tooManyFindings"), ["n": String(LedgerRepository.checkFindingsMax)]))
            }
            if let long = findings.firstIndex(where: { $0.count > LedgerRepository.findingMax }) {
                throw ValidationError(
                    field: "finding", code: Pages.pageMessage,
                    message: Lang.fill(
                        f.t("check.findingTooLong"),
                        ["line": String(long + 1), "n": String(LedgerRepository.findingMax)]))
            }
            // A failed item is followed up as a finding to rectify; without words there is nothing to follow up.
            if findings.isEmpty && items.contains(where: { !$0.passed }) {
                throw ValidationError(field: "finding", code: Pages.pageMessage, message: f.t("check.findingNeeded"))
            }
            try await form.withStoredFile("photo", database: services.database, actor: actor) { photo in
                let photos = photo.map { [$0] } ?? []
                _ = try await ledger().addCheck(
                    projectId: id, .init(date: date, items: items, findings: findings.map { ($0, photos, nil) }),
                    actor: actor)
            }
        }
    }

    /// A finding's next step; reporting the fix may carry a photo, stored once the step is tried and removed again
    /// if it is refused.
    @Sendable func stepFinding(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let (fields, form) = try await Pages.formWithFiles(request, context)
        guard let step = LedgerRepository.FindingStep(rawValue: try context.parameters.require("step")) else {
            throw AppError.notFound
        }
        let id = try context.parameters.require("id", as: Int64.self)
        let row = (SiteRoute.findingStep(id, step).path, fields)
        return try await saveOnProject(of: .finding, id: id, anchor: "checks", row: row, context, f) {
            let actor = try context.actor()
            let note = fields["note"] ?? ""
            guard let form else {
                _ = try await ledger().stepFinding(id: id, step: step, note: note, actor: actor)
                return
            }
            try await form.withStoredFile("photo", database: services.database, actor: actor) { photo in
                _ = try await ledger().stepFinding(
                    id: id, step: step, note: note, photos: photo.map { [$0] } ?? [], actor: actor)
            }
        }
    }

    /// A step on one of a project's records (a finding, a change order, a payment) from the project's page: saved,
    /// back to its section; refused, the project's page again saying why, instead of a page with only a way back.
    func saveOnProject(
        of part: ProjectRepository.Part, id: Int64, anchor: String,
        row: (action: String, fields: [String: String])? = nil, _ context: AppContext, _ f: PageFrame,
        _ body: () async throws -> Void
    ) async throws -> Response {
        guard let project = try await ProjectRepository(database: services.database).project(of: part, id: id) else {
            throw AppError.notFound
        }
        return try await save(id: project, anchor: anchor, context, f, row: row, body)
    }

    /// Records the day a task started or finished, as the site manager reports it from the schedule's table.
    @Sendable func taskActual(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let task = try context.parameters.require("task", as: Int64.self)
        let step = try context.parameters.require("step")
        guard step == "started" || step == "finished" else { throw AppError.notFound }
        let fields = try await Pages.form(request, context)
        let row = (SiteRoute.taskActual(id, task, step).path, fields)
        return try await save(id: id, anchor: "schedule", context, f, row: row) {
            guard let day = Day(fields["date"] ?? "") else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            var change = ScheduleRepository.TaskChange()
            if step == "started" { change.actualStart = .some(day) } else { change.actualFinish = .some(day) }
            let cal = try await CalendarRepository(database: services.database).calendar()
            _ = try await ScheduleRepository(database: services.database, calendar: cal).updateTask(
                projectId: id, taskId: task, change: change, ifVersion: nil, actor: try context.actor())
        }
    }

    @Sendable func advance(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await Pages.multipartForm(request, context)
        return try await save(id: id, anchor: nil, context, f, gate: form.fields) {
            let actor = try context.actor()
            guard let type = form.fields["document_type"].flatMap(DocumentType.init(rawValue:)) else {
                throw ValidationError(
                    field: "document_type", code: Pages.pageMessage, message: f.t("project.documentTypeRequired"))
            }
            // A gate passed is not undone: the form asks for a tick that the file and the stage were checked.
            guard form.fields["confirm"] == "1" else {
                throw ValidationError(
                    field: "confirm", code: Pages.pageMessage, message: f.t("project.advanceConfirmNeeded"))
            }
            try await form.withStoredFile("file", database: services.database, actor: actor) { file in
                let evidence = file.map { [Evidence.document(attachmentId: $0, type: type)] } ?? []
                _ = try await ProjectRepository(database: services.database).advance(
                    id: id, evidence: evidence, note: form.fields["note"] ?? "", actor: actor)
            }
        }
    }
}
