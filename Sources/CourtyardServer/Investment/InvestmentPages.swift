import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func investment(year: Int64) -> SiteRoute {
        SiteRoute("/investment", query: [("batch_year", String(year))])
    }
    static func investmentSheet(year: Int64, format: String, lang: Lang) -> SiteRoute {
        SiteRoute(
            "/api/v1/programme/investment",
            query: [("batch_year", String(year)), ("format", format), ("lang", lang.rawValue)])
    }
}

/// The pages of investment control.
enum InvestmentPages {
    static func add(to router: Router<AppContext>, services: Services) {
        InvestmentPageController(services: services).register(on: router)
        InvestmentStepController(services: services).register(on: router)
        ContractPageController(services: services).register(on: router)
    }

    /// Who sees the investment table: the office, the pm company, the supervisor, and the read-only account of the
    /// office above, which follows the money across its sub-districts without changing any of it.
    static func opens(_ role: Role) -> Bool {
        [.admin, .subdistrictOfficer, .pmCompany, .supervisor, .viewer].contains(role)
    }
}

/// The pm company's investment table for a batch on a desktop: each project under its community, the
/// community's subtotal after its projects, the sub-district's total last; money in 元 to the fen, flags where contract
/// plus approved changes pass the budget by more than the office's tolerance.
struct InvestmentTable {
    struct Row {
        let href: String?
        let name: String
        let community: String
        let budget: String
        let contract: String
        let changes: String
        let paid: String
        let remaining: String
        let over: Bool
        let overLabel: String
        /// "" for a project, "subtotal" or "total" for a sum, as the row's class.
        let kind: String
    }
    let year: Int64
    let previousHref: String
    let previousYear: Int64
    let nextHref: String
    let nextYear: Int64
    let csvHref: String
    let xlsxHref: String
    let toleranceNote: String
    let rows: [Row]
    let hasRows: Bool
    let flagged: Int64

    init(_ report: InvestmentReport, _ f: PageFrame) {
        let year = report.batchYear
        self.year = year
        previousYear = year - 1
        nextYear = year + 1
        previousHref = SiteRoute.investment(year: year - 1).path
        nextHref = SiteRoute.investment(year: year + 1).path
        csvHref = SiteRoute.investmentSheet(year: year, format: "csv", lang: f.lang).path
        xlsxHref = SiteRoute.investmentSheet(year: year, format: "xlsx", lang: f.lang).path
        let tolerance =
            report.subdistricts.first?.budgetTolerancePercent ?? InvestmentSettings.standard.budgetTolerancePercent
        toleranceNote = f.t("investment.toleranceNote").replacingOccurrences(of: "{n}", with: String(tolerance))
        func row(_ l: InvestmentLine, kind: String) -> Row {
            let over =
                kind.isEmpty
                ? f.t("investment.flag.over")
                : f.t("investment.flag.count").replacingOccurrences(of: "{n}", with: String(l.overBudgetProjects))
            return Row(
                href: l.projectId.map { SiteRoute.projectSection($0, "investment").path },
                name: kind == "subtotal"
                    ? f.t("investment.subtotal").replacingOccurrences(of: "{name}", with: l.communityName)
                    : (kind == "total"
                        ? f.t("investment.total").replacingOccurrences(of: "{name}", with: l.subdistrictName) : l.name),
                community: kind.isEmpty ? l.communityName : "", budget: Money.yuan(l.budgetFen),
                contract: l.contracts == 0 ? "—" : Money.yuan(l.contractFen),
                changes: Money.yuan(l.approvedChangesFen), paid: Money.yuan(l.paidFen),
                remaining: l.contracts == 0 ? "—" : Money.yuan(l.remainingFen), over: l.overBudget, overLabel: over,
                kind: kind)
        }
        var rows: [Row] = []
        for c in report.communities {
            rows += report.projects.filter { $0.communityId == c.communityId }.map { row($0, kind: "") }
            rows.append(row(c, kind: "subtotal"))
        }
        rows += report.subdistricts.map { row($0, kind: "total") }
        self.rows = rows
        hasRows = !report.projects.isEmpty
        flagged = report.subdistricts.reduce(0) { $0 + $1.overBudgetProjects }
    }
}

struct InvestmentPageController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/investment", table)
    }

    @Sendable func table(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readProjects)
        guard InvestmentPages.opens(actor.role) else { throw AppError.forbidden }
        let year =
            request.uri.queryParameters.get("batch_year").flatMap { Int64($0) }.flatMap {
                (2000...2100).contains($0) ? $0 : nil
            } ?? Int64(Clock.today.civil.year)
        let report = try await InvestmentRepository(database: services.database).report(batchYear: year, actor: actor)
        return f.page(
            title: f.t("investment.title").replacingOccurrences(of: "{year}", with: String(year)),
            "investment-table", InvestmentTable(report, f))
    }
}
