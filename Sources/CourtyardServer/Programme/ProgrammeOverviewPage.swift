import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func project(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)") }
    static func programme(year: Int, stage: ProjectStage? = nil, sort: ProgrammeOverview.Sort? = nil) -> SiteRoute {
        SiteRoute(
            "/programme", query: [("batch_year", String(year)), ("stage", stage?.rawValue), ("sort", sort?.rawValue)])
    }
    static func projectsCSV(year: Int, lang: Lang? = nil) -> SiteRoute {
        SiteRoute(
            "/api/v1/projects", query: [("batch_year", String(year)), ("format", "csv"), ("lang", lang?.rawValue)])
    }
    static func sCurve(year: Int, lang: Lang) -> SiteRoute {
        SiteRoute("/api/v1/programme/s-curve.svg", query: [("batch_year", String(year)), ("lang", lang.rawValue)])
    }
}

/// A batch year's programme: its figures, its projects by stage, the S-curve and the list of projects.
struct ProgrammeOverview {
    /// How the list is ordered: behind schedule first (the default), or by a column.
    enum Sort: String, CaseIterable {
        case overdue, compound, community, stage, progress, deadline
    }
    struct Header {
        let label: String
        let sortHref: String?
        let sorted: Bool
        let numeric: Bool
    }
    struct Card {
        let value: String
        let label: String
    }
    struct Chip {
        let label: String
        let count: Int
        let href: String
        let current: Bool
    }
    struct Row {
        let href: String
        let compound: String
        let isModel: Bool
        let community: String
        let households: Int64
        let stageLabel: String
        /// The bar's width, 0 to 100.
        let width: Int64
        let percent: String
        let startedOn: String
        let deadline: String
        let contractor: String
        /// "落后" with why, when the project is behind schedule.
        let behind: String?
        let behindWhy: String
    }

    let cards: [Card]
    let previousYear: Int
    let previousHref: String
    let nextYear: Int
    let nextHref: String
    let csvHref: String
    let chips: [Chip]
    /// The S-curve as an SVG file of its own, to open or save.
    let chartSrc: String
    /// The S-curve inline, scrolling sideways on a phone with its percentage axis kept in view.
    var chart: TrustedHTML?
    let headers: [Header]
    /// The same orders as chips, for a phone, where the table's head is hidden.
    let sorts: [Header]
    let rows: [Row]
    /// Computed properties are invisible to templates, so the flag is stored.
    let hasRows: Bool
    /// Each contractor's safety record over the batch: inspections, mean score, findings, days to rectify.
    var contractors: [ContractorRow] = []
    var hasContractors = false

    struct ContractorRow {
        let name: String
        let inspections: Int64
        let meanScore: String
        let openFindings: Int64
        let overdueFindings: Int64
        let medianDays: String

        /// Each contractor's safety record as the programme page and the bulletin show it.
        static func rows(_ figures: [ContractorSafety]?) -> [ContractorRow] {
            (figures ?? []).map {
                ContractorRow(
                    name: $0.name, inspections: $0.inspections, meanScore: $0.meanScore?.numberText ?? "—",
                    openFindings: $0.openFindings, overdueFindings: $0.overdueFindings,
                    medianDays: $0.medianDaysToRectify?.numberText ?? "—")
            }
        }
    }

    static func load(
        services: Services, actor: Actor, year: Int, stage: ProjectStage?, sort: Sort = .overdue, _ f: PageFrame
    )
        async throws -> ProgrammeOverview
    {
        let all = try await ProjectRepository(database: services.database).summaries(
            actor: actor, filter: .init(batchYear: year))
        let today = Clock.today
        let late = try await WorkQueue(database: services.database).lateProjects(actor: actor, today: today)
        var why: [Int64: String] = [:]
        for p in late {
            why[p.projectId] = p.reasons.map { r in
                let text = f.t("home.reason." + r.rawValue)
                switch r {
                case .lateTasks:
                    return text.replacingOccurrences(of: "{n}", with: String(p.lateTasks))
                        .replacingOccurrences(of: "{date}", with: p.firstLateFinish?.description ?? "")
                case .pastDeadline: return text.replacingOccurrences(of: "{date}", with: p.deadline.description)
                case .stageStalled:
                    return text.replacingOccurrences(
                        of: "{n}",
                        with: String(
                            ProjectWatch.stalledDays(
                                .init(
                                    stage: p.stage, lateTasks: p.lateTasks, deadline: p.deadline, completed: false,
                                    stageSince: p.stageSince), today: today)))
                }
            }.joined(separator: "；")
        }
        var page = ProgrammeOverview(all, year: year, stage: stage, sort: sort, behind: why, f)
        let safety = try await services.safetyRepository()
        page.contractors = ContractorRow.rows(try await safety.contractorFigures(actor: actor, batchYear: Int64(year)))
        page.hasContractors = !page.contractors.isEmpty
        let curve = try await BulletinRepository(database: services.database).sCurve(batchYear: year, actor: actor)
        page.chart = SCurveChart.drawing(
            planned: curve.planned, actual: curve.actual, total: curve.total, today: today, lang: f.lang,
            title: f.t("scurve.title").replacingOccurrences(of: "{year}", with: String(year))
        ).scrolling(key: SCurveChart.axis, hint: f.t("chart.scrollHint"))
        return page
    }

    init(
        _ all: [ProjectSummary], year: Int, stage: ProjectStage?, sort: Sort = .overdue, behind: [Int64: String] = [:],
        _ f: PageFrame
    ) {
        let budget = all.reduce(Int64(0)) { $0 + $1.budgetFen }
        let weighted = Percent.weighted(all.map { ($0.budgetFen, $0.percentComplete.tenths) })
        cards = [
            Card(value: String(all.count), label: f.t("programme.projects")),
            Card(value: String(all.filter { $0.startedOn != nil }.count), label: f.t("programme.started")),
            Card(value: String(all.filter { $0.completedOn != nil }.count), label: f.t("programme.completed")),
            Card(value: Percent.text(weighted / 10) + "%", label: f.t("programme.progress")),
            Card(value: Money.yuan(budget), label: f.t("programme.budget")),
        ]
        previousYear = year - 1
        previousHref = SiteRoute.programme(year: year - 1).path
        nextYear = year + 1
        nextHref = SiteRoute.programme(year: year + 1).path
        csvHref = SiteRoute.projectsCSV(year: year, lang: f.lang).path
        chips =
            [
                Chip(
                    label: f.t("programme.all"), count: all.count, href: SiteRoute.programme(year: year).path,
                    current: stage == nil)
            ]
            + ProjectStage.allCases.map { st in
                Chip(
                    label: f.t("stage." + st.rawValue), count: all.filter { $0.stage == st }.count,
                    href: SiteRoute.programme(year: year, stage: st).path, current: st == stage)
            }
        chartSrc = SiteRoute.sCurve(year: year, lang: f.lang).path
        let filtered = stage.map { st in all.filter { $0.stage == st } } ?? all
        let shown = Self.sorted(filtered, by: sort, behind: behind)
        let columns: [(Sort?, String, Bool)] = [
            (.overdue, "programme.behind", false), (.compound, "col.compound", false),
            (.community, "col.community", false), (nil, "dash.households", true), (.stage, "project.stage", false),
            (.progress, "project.progress", false), (nil, "project.startedOn", false),
            (.deadline, "project.deadline", false), (nil, "project.contractor", false),
        ]
        headers = columns.map { s, key, numeric in
            Header(
                label: f.t(key), sortHref: s.map { SiteRoute.programme(year: year, stage: stage, sort: $0).path },
                sorted: s == sort, numeric: numeric)
        }
        sorts = headers.filter { $0.sortHref != nil }
        rows = shown.map { p in
            Row(
                href: SiteRoute.project(p.id).path, compound: p.compoundName, isModel: p.isModel,
                community: p.communityName, households: p.households, stageLabel: f.t("stage." + p.stage.rawValue),
                width: min(100, max(0, p.percentComplete.tenths / 10)), percent: p.percentComplete.numberText,
                startedOn: p.startedOn?.description ?? "", deadline: p.deadline.description,
                contractor: p.contractorName ?? "", behind: behind[p.id] == nil ? nil : f.t("home.behind"),
                behindWhy: behind[p.id] ?? "")
        }
        hasRows = !rows.isEmpty
    }

    /// The projects in the chosen order; ties keep the repository's order (community, compound).
    static func sorted(_ all: [ProjectSummary], by sort: Sort, behind: [Int64: String]) -> [ProjectSummary] {
        let indexed = Array(all.enumerated())
        func key(_ p: ProjectSummary) -> (Int64, String) {
            switch sort {
            case .overdue: (behind[p.id] == nil ? 1 : 0, p.deadline.description)
            case .compound: (0, p.compoundName)
            case .community: (0, p.communityName)
            case .stage: (Int64(p.stage.index), "")
            case .progress: (p.percentComplete.tenths, "")
            case .deadline: (0, p.deadline.description)
            }
        }
        return indexed.sorted { a, b in
            let ka = key(a.element)
            let kb = key(b.element)
            if ka.0 != kb.0 { return ka.0 < kb.0 }
            if ka.1 != kb.1 { return ka.1 < kb.1 }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// The programme's overview page.
struct ProgrammePageController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/programme", overview)
    }

    @Sendable func overview(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readProjects)
        let year = request.uri.queryParameters.get("batch_year").flatMap { Int($0) } ?? Clock.today.civil.year
        let stage = request.uri.queryParameters.get("stage").flatMap { ProjectStage(rawValue: $0) }
        let sort = request.uri.queryParameters.get("sort").flatMap { ProgrammeOverview.Sort(rawValue: $0) } ?? .overdue
        let page = try await ProgrammeOverview.load(
            services: services, actor: actor, year: year, stage: stage, sort: sort, f)
        return f.page(
            title: f.t("programme.title").replacingOccurrences(of: "{year}", with: String(year)),
            "programme-overview", page)
    }
}
