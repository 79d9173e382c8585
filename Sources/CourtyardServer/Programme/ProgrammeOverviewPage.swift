import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func project(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)") }
    static func programme(year: Int, stage: ProjectStage? = nil) -> SiteRoute {
        SiteRoute("/programme", query: [("batch_year", String(year)), ("stage", stage?.rawValue)])
    }
    static func projectsCSV(year: Int) -> SiteRoute {
        SiteRoute("/api/v1/projects", query: [("batch_year", String(year)), ("format", "csv")])
    }
    static func sCurve(year: Int, lang: Lang) -> SiteRoute {
        SiteRoute("/api/v1/programme/s-curve.svg", query: [("batch_year", String(year)), ("lang", lang.rawValue)])
    }
}

/// A batch year's programme: its figures, its projects by stage, the S-curve and the list of projects.
struct ProgrammeOverview {
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
    }

    let cards: [Card]
    let previousYear: Int
    let previousHref: String
    let nextYear: Int
    let nextHref: String
    let csvHref: String
    let chips: [Chip]
    let chartSrc: String
    let rows: [Row]
    /// Computed properties are invisible to templates, so the flag is stored.
    let hasRows: Bool

    static func load(services: Services, actor: Actor, year: Int, stage: ProjectStage?, _ f: PageFrame)
        async throws -> ProgrammeOverview
    {
        let all = try await ProjectRepository(database: services.database).summaries(
            actor: actor, filter: .init(batchYear: year))
        return ProgrammeOverview(all, year: year, stage: stage, f)
    }

    init(_ all: [ProjectSummary], year: Int, stage: ProjectStage?, _ f: PageFrame) {
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
        csvHref = SiteRoute.projectsCSV(year: year).path
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
        let shown = stage.map { st in all.filter { $0.stage == st } } ?? all
        rows = shown.map { p in
            Row(
                href: SiteRoute.project(p.id).path, compound: p.compoundName, isModel: p.isModel,
                community: p.communityName, households: p.households, stageLabel: f.t("stage." + p.stage.rawValue),
                width: min(100, max(0, p.percentComplete.tenths / 10)), percent: p.percentComplete.numberText,
                startedOn: p.startedOn?.description ?? "", deadline: p.deadline.description,
                contractor: p.contractorName ?? "")
        }
        hasRows = !rows.isEmpty
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
        let page = try await ProgrammeOverview.load(services: services, actor: actor, year: year, stage: stage, f)
        return f.page(
            title: f.t("programme.title").replacingOccurrences(of: "{year}", with: String(year)),
            "programme-overview", page)
    }
}
