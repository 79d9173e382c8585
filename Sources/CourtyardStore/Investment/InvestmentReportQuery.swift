import CourtyardDomain
import Foundation
import SQLKit

extension InvestmentRepository {
    /// The batch's investment per project, community and sub-district, for the projects the account may see:
    /// budget, contract, approved changes, paid, remaining, and flags where contract + changes pass the budget by
    /// more than the office's tolerance. Every sum is checked; each project's figures are bounded at entry.
    public func report(batchYear: Int64, actor: Actor) async throws -> InvestmentReport {
        guard Permissions.allows(actor.role, .readProjects), Self.readsMoney(actor.role) else {
            throw AccessError.forbidden
        }
        guard (2000...2100).contains(batchYear) else {
            throw ValidationError(field: "batch_year", code: "invalid", message: "batch_year must be 2000 to 2100")
        }
        let sql: SQLQueryString =
            """
            SELECT p.id, p.subdistrict_id, s.name AS subdistrict_name, p.community_id, cm.name AS community_name,
              c.name AS compound_name, COALESCE(w.budget, 0) AS budget_fen, k.sum_fen AS contract_fen,
              COALESCE(x.changes, 0) AS changes_fen, COALESCE(y.paid, 0) AS paid_fen
            FROM projects p
            JOIN compounds c ON c.id = p.compound_id
            JOIN communities cm ON cm.id = p.community_id
            JOIN subdistricts s ON s.id = p.subdistrict_id
            LEFT JOIN (SELECT project_id, CAST(SUM(budget_fen) AS BIGINT) AS budget FROM work_items GROUP BY project_id) w
              ON w.project_id = p.id
            LEFT JOIN contracts k ON k.project_id = p.id
            LEFT JOIN (SELECT project_id, CAST(SUM(amount_fen) AS BIGINT) AS changes FROM change_orders
              WHERE state = 'approved' GROUP BY project_id) x ON x.project_id = p.id
            LEFT JOIN (SELECT project_id, CAST(SUM(amount_fen) AS BIGINT) AS paid FROM payments
              WHERE state = 'approved' GROUP BY project_id) y ON y.project_id = p.id
            WHERE p.batch_year = \(bind: batchYear) AND
            """ + " " + ProjectRepository.scope(actor)
            + " ORDER BY s.name, p.subdistrict_id, cm.name, p.community_id, c.name, p.id"
        return try await database.withConnection { db in
            var tolerances: [Int64: Int64] = [:]
            var projects: [InvestmentLine] = []
            for r in try await db.raw(sql).all() {
                let sd = try r.int("subdistrict_id")
                if tolerances[sd] == nil {
                    tolerances[sd] = try await Self.settings(subdistrictId: sd, db: db).budgetTolerancePercent
                }
                let tolerance = tolerances[sd] ?? InvestmentSettings.standard.budgetTolerancePercent
                let contract = try r.optionalInt("contract_fen")
                let budget = try r.int("budget_fen")
                let changes = try r.int("changes_fen")
                let paid = try r.int("paid_fen")
                let flagged = InvestmentRules.overBudget(
                    budgetFen: budget, contractFen: contract, changesFen: changes, tolerancePercent: tolerance)
                guard let remaining = InvestmentRules.sum([contract ?? 0, changes, -paid]) else {
                    throw StoreError.invalid("project \(try r.int("id")) overflows")
                }
                projects.append(
                    InvestmentLine(
                        projectId: try r.int("id"), communityId: try r.int("community_id"), subdistrictId: sd,
                        name: try r.text("compound_name"), communityName: try r.text("community_name"),
                        subdistrictName: try r.text("subdistrict_name"), projects: 1, budgetFen: budget,
                        contractFen: contract ?? 0, contracts: contract == nil ? 0 : 1, approvedChangesFen: changes,
                        paidFen: paid, remainingFen: remaining, overBudget: flagged,
                        overBudgetProjects: flagged ? 1 : 0,
                        budgetTolerancePercent: tolerance))
            }
            return InvestmentReport(
                batchYear: batchYear, projects: projects,
                communities: try Self.rollUp(projects, community: true),
                subdistricts: try Self.rollUp(projects, community: false))
        }
    }

    /// Totals of project lines by community or sub-district, in the order the projects came, every sum checked.
    static func rollUp(_ lines: [InvestmentLine], community: Bool) throws -> [InvestmentLine] {
        var order: [Int64] = []
        var totals: [Int64: InvestmentLine] = [:]
        func add(_ a: Int64, _ b: Int64) throws -> Int64 {
            guard let s = InvestmentRules.sum([a, b]) else { throw StoreError.invalid("the report's totals overflow") }
            return s
        }
        for l in lines {
            let key = community ? (l.communityId ?? 0) : l.subdistrictId
            guard var t = totals[key] else {
                order.append(key)
                var first = l
                first.projectId = nil
                first.communityId = community ? l.communityId : nil
                first.name = community ? l.communityName : l.subdistrictName
                if !community { first.communityName = "" }
                first.overBudget = false
                totals[key] = first
                continue
            }
            t.projects += 1
            t.budgetFen = try add(t.budgetFen, l.budgetFen)
            t.contractFen = try add(t.contractFen, l.contractFen)
            t.contracts += l.contracts
            t.approvedChangesFen = try add(t.approvedChangesFen, l.approvedChangesFen)
            t.paidFen = try add(t.paidFen, l.paidFen)
            t.remainingFen = try add(t.remainingFen, l.remainingFen)
            t.overBudgetProjects += l.overBudgetProjects
            totals[key] = t
        }
        return order.compactMap { totals[$0] }.map { t in
            var line = t
            line.overBudget = t.overBudgetProjects > 0
            return line
        }
    }
}
