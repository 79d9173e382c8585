import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// The demo's investment control: contracts with their bills of quantities on the projects at work of the demo
/// pm company, change orders in every state (one pushing a project over its budget), and progress payments in
/// every state, one entered at exactly its limit and one fen more refused.
enum DemoInvestment {
    static func seed(services: Services, subdistrictId: Int64) async throws {
        let investment = InvestmentRepository(database: services.database)
        let projectsRepo = ProjectRepository(database: services.database)
        let today = Clock.today
        let pmOrg = try await services.database.withConnection { db in
            try await db.raw("SELECT scope_id FROM users WHERE username = 'pm'").first()?.optionalInt("scope_id")
        }
        let projects = try await projectsRepo.summaries(actor: .system, filter: .init(batchYear: today.civil.year))
            .filter {
                $0.stage >= .construction && $0.contractorId != nil && $0.supervisorId != nil
                    && $0.pmCompanyId != nil && $0.subdistrictId == subdistrictId
            }
        let chosen = (projects.filter { $0.pmCompanyId == pmOrg } + projects.filter { $0.pmCompanyId != pmOrg })
            .prefix(6)
        for (i, p) in chosen.enumerated() {
            let detail = try await projectsRepo.detail(id: p.id, actor: .system)
            guard !detail.workItems.isEmpty, let contractor = p.contractorId else { continue }
            func org(_ role: Role, _ id: Int64?, _ name: String) -> Actor {
                Actor(userId: nil, username: name, role: role, scope: Scope(kind: .organisation, id: id))
            }
            let pm = org(.pmCompany, p.pmCompanyId, "pm")
            let supervisor = org(.supervisor, p.supervisorId, "supervisor")
            let builder = org(.contractor, contractor, "contractor")
            // Unit prices a little under or over the budget's, so the bill lands near the plan.
            let factor: Int64 = [96, 99, 102, 94, 100, 98][i % 6]
            let items = detail.workItems.compactMap { w -> InvestmentRepository.NewContract.Item? in
                guard let q = Quantity(parsing: w.quantity), q.milli > 0 else { return nil }
                return .init(workItemId: w.id, quantity: q, unitPriceFen: w.budgetFen * 1000 / q.milli * factor / 100)
            }
            let contract = try await investment.putContract(
                projectId: p.id,
                .init(
                    contractorId: contractor, signedOn: p.startedOn?.adding(days: -10) ?? today, attachmentId: nil,
                    items: items), actor: .system)
            // Change orders: approved twice, waiting for the office, waiting for the pm company, rejected.
            let first = detail.workItems[0]
            let changes: [(String, Int64, Int)] = [
                ("雨污分流管线现场增加检查井 2 座（工程签证）", 1_860_000, 2),
                ("外墙保温由 60 mm 调整为 80 mm（设计变更）", 2_450_000, 1),
                ("增设楼道扶手 36 处", 540_000, 0),
                ("取消单元门禁更换，利旧维修", -1_200_000, -1),
            ]
            for (k, (reason, amount, approvals)) in changes.enumerated() where k <= i % 4 + 1 {
                // The third project's large change order takes it past its budget's tolerance.
                let fen = i == 2 && k == 0 ? contract.sumFen / 5 : amount
                let c = try await investment.proposeChange(
                    projectId: p.id, .init(reason: reason, amountFen: fen, workItemId: k == 0 ? first.id : nil),
                    actor: builder)
                if approvals < 0 {
                    _ = try await investment.decideChange(
                        id: c.id, approve: false, reason: "现场复核不具备利旧条件", actor: pm)
                }
                if approvals >= 1 {
                    _ = try await investment.decideChange(id: c.id, approve: true, reason: "", actor: pm)
                }
                if approvals >= 2 {
                    _ = try await investment.decideChange(id: c.id, approve: true, reason: "", actor: .system)
                }
            }
            try await seedPayments(
                investment: investment, project: p, contract: contract, index: i, builder: builder,
                supervisor: supervisor, pm: pm)
        }
    }

    /// Payments on measured work: the first month approved, the second confirmed by the supervisor, the third
    /// waiting; on the first project one more at exactly the limit, one fen over refused, and one rejected.
    static func seedPayments(
        investment: InvestmentRepository, project p: ProjectSummary, contract: Contract, index i: Int, builder: Actor,
        supervisor: Actor, pm: Actor
    ) async throws {
        let today = Clock.today
        var paid: Int64 = 0
        var last: (payment: Payment, measured: [MeasuredLine])?
        for (month, share) in [(2, 30), (1, 55), (0, 70)].prefix(1 + i % 3) {
            // A share of each line; lines counted in whole units (lamps, sets) are measured in whole units.
            let measured = contract.items.map {
                let milli = $0.quantity.milli * Int64(share) / 100
                let whole = $0.quantity.milli % 1000 == 0
                return MeasuredLine(
                    workItemId: $0.workItemId, quantity: Quantity(milli: whole ? milli / 1000 * 1000 : milli))
            }
            let value = measured.reduce(Int64(0)) { sum, m in
                sum
                    + (InvestmentRules.lineFen(
                        m.quantity,
                        unitPriceFen: contract.items.first { $0.workItemId == m.workItemId }?.unitPriceFen ?? 0) ?? 0)
            }
            let amount = (value + contract.approvedChangesFen) * 75 / 100 - paid
            guard amount > 0 else { continue }
            let payment = try await investment.requestPayment(
                projectId: p.id,
                .init(periodEnd: today.adding(days: -Int64(30 * month + 5)), measured: measured, amountFen: amount),
                actor: builder)
            paid += amount
            last = (payment, measured)
            if month >= 1 {
                _ = try await investment.decidePayment(id: payment.id, approve: true, reason: "", actor: supervisor)
            }
            if month >= 2 {
                _ = try await investment.decidePayment(id: payment.id, approve: true, reason: "", actor: pm)
            }
        }
        // On the first project: a payment at exactly the limit, then one fen over, refused with nothing written;
        // the supervisor returns the one at the limit.
        guard i == 0, let payment = last?.payment, let measured = last?.measured, payment.limitFen > paid else {
            return
        }
        let exact = try await investment.requestPayment(
            projectId: p.id,
            .init(periodEnd: payment.periodEnd, measured: measured, amountFen: payment.limitFen - paid),
            actor: builder)
        do {
            _ = try await investment.requestPayment(
                projectId: p.id, .init(periodEnd: payment.periodEnd, measured: measured, amountFen: 1), actor: builder)
        } catch StoreError.refused(let code, _, _) where code == "payment_limit" {}
        _ = try await investment.decidePayment(
            id: exact.id, approve: false, reason: "计量复核：部分工程量未经监理确认，退回重报", actor: supervisor)
    }
}
