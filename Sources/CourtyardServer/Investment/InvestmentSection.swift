import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func changeOrderStep(_ id: Int64, approve: Bool) -> SiteRoute {
        SiteRoute("/change_orders/\(id)/\(approve ? "approve" : "reject")")
    }
    static func paymentStep(_ id: Int64, approve: Bool) -> SiteRoute {
        SiteRoute("/payments/\(id)/\(approve ? "approve" : "reject")")
    }
    static func projectChangeOrders(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/change_orders") }
    static func projectPayments(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/payments") }
}

/// The contract and payments section of a project's page: the contract sum, change orders and payments with
/// where each stands, and the buttons of the one whose approval each waits for.
struct InvestmentSection {
    struct Step {
        let approveAction: String
        let rejectAction: String
        /// The tick that approving asks for, naming the amount approved: money goes out on one press otherwise.
        let confirm: String
        /// Why pressing 同意 or 退回 was refused, said beside these buttons (the page opens at them).
        var stepRefusal: String?

        /// Approve or reject one amount at the two addresses `route` gives (approve: true, then false).
        static func deciding(_ fen: Int64, _ route: (Bool) -> SiteRoute, _ f: PageFrame) -> Step {
            Step(
                approveAction: route(true).path, rejectAction: route(false).path,
                confirm: f.t("investment.confirmAmount").replacingOccurrences(of: "{amount}", with: Money.yuan(fen)))
        }
    }
    struct ChangeRow {
        /// The row's own place on the page: a refused step opens there, not at the section's top.
        let anchor: String
        let changeReason: String
        let changeAmount: String
        let changeState: String
        var changeStep: Step?
        /// Why it was returned; or, for the office's final approval, that approving it passes the budget.
        let changeNote: String?
        let changeWarns: Bool
    }
    struct PaymentRow {
        let anchor: String
        let periodEnd: String
        let paymentAmount: String
        let measuredValue: String
        let paymentLimit: String
        let paymentState: String
        var paymentStep: Step?
        /// Why it was returned; or, for whoever approves it now, that its claimed value runs well ahead of the works.
        let paymentNote: String?
        let paymentWarns: Bool
        /// What was measured, item by item: what the supervisor confirms and the pm company approves.
        let measuredLines: [MeasuredLineRow]
        let measuredCount: String
        /// Its asker's way to take it back while it waits (a figure typed wrong counts against the limit).
        let withdrawAction: String?
        var withdrawRefusal: String?
    }
    struct MeasuredLineRow {
        let itemName: String
        let itemQuantity: String
        let itemValue: String
    }
    /// Requesting a progress payment: the period's end, each contract line's quantity to date, and the amount.
    struct PaymentForm {
        struct Line {
            let field: String
            let label: String
            var value: String
        }
        let paymentAction: String
        var lines: [Line]
        var typedPeriodEnd: String
        var typedPaymentAmount = ""
        var paymentOpen = false
        var paymentProblem: String?
        let today: String
    }
    let contractSum: String?
    let approvedChanges: String
    var changeRows: [ChangeRow]
    let hasChanges: Bool
    var paymentRows: [PaymentRow]
    let hasPayments: Bool
    /// Proposing a change order, for those who may: what was typed when it was refused, and whether it is open.
    struct ChangeForm {
        let changeAction: String
        var typedReason = ""
        var typedAmount = ""
        var changeOpen = false
        /// Why the proposal was refused, said inside the form (the page opens at it) as well as on top.
        var changeProblem: String?
    }
    var changeForm: ChangeForm?
    var paymentForm: PaymentForm?
    /// The investment table, for those who may open it.
    let investmentTableHref: String?
    /// The page that enters or corrects the contract and its bill, for the office and the project's pm company.
    var contractHref: String?

    /// A refused approval, return or withdrawal sent to `action`, said beside the buttons that sent it; whether one
    /// was found.
    mutating func refuse(action: String, _ problem: String) -> Bool {
        var found = false
        for i in changeRows.indices
        where [changeRows[i].changeStep?.approveAction, changeRows[i].changeStep?.rejectAction].contains(action) {
            changeRows[i].changeStep?.stepRefusal = problem
            found = true
        }
        for i in paymentRows.indices {
            if [paymentRows[i].paymentStep?.approveAction, paymentRows[i].paymentStep?.rejectAction].contains(action) {
                paymentRows[i].paymentStep?.stepRefusal = problem
                found = true
            } else if paymentRows[i].withdrawAction == action {
                paymentRows[i].withdrawRefusal = problem
                found = true
            }
        }
        return found
    }

    /// Who sees a project's money, as the API answers it (`InvestmentRepository.readsMoney`).
    static func shows(_ role: Role) -> Bool { InvestmentRepository.readsMoney(role) }

    static func load(project: ProjectSummary, actor: Actor, services: Services, _ f: PageFrame) async throws
        -> InvestmentSection?
    {
        guard shows(actor.role) else { return nil }
        let repo = InvestmentRepository(database: services.database)
        let contract = try await repo.contract(projectId: project.id, actor: actor)
        let mine = { (role: Role, org: Int64?) in
            actor.role == role && org != nil && actor.scope.kind == .organisation && actor.scope.id == org
        }
        let office = [.admin, .subdistrictOfficer].contains(actor.role)
        // Taken back by whoever asked: 已撤回, not 已退回 as if a reviewer had sent it back.
        func state(_ s: ApprovalState, _ waiting: String?, withdrawn: Bool) -> String {
            withdrawn
                ? f.t("investment.state.withdrawn")
                : waiting.map { f.t("investment.waiting." + $0) } ?? f.t("investment.state." + s.rawValue)
        }
        let reviews = office || mine(.pmCompany, project.pmCompanyId)
        let budget = reviews ? try await budgetCheck(project, contract, repo, actor, f) : nil
        let changes = try await repo.changeOrders(projectId: project.id, actor: actor).map { c in
            // Whoever asked for a change does not approve it; the page tells them it waits for someone else.
            let ours =
                (c.state == .submitted && mine(.pmCompany, project.pmCompanyId))
                || (c.state == .firstApproved && office)
            let own = ours && c.createdBy == actor.username
            let turn = ours && !own
            let warning = turn ? budget?(c.amountFen) : nil
            return ChangeRow(
                anchor: "change-\(c.id)", changeReason: c.reason, changeAmount: Money.yuan(c.amountFen),
                changeState: state(c.state, c.waitingFor, withdrawn: c.rejectedBy == c.createdBy),
                changeStep: turn ? .deciding(c.amountFen, { SiteRoute.changeOrderStep(c.id, approve: $0) }, f) : nil,
                changeNote: own
                    ? f.t("investment.ownRequest")
                    : warning?.text ?? returned(c.state, c.rejectReason, withdrawn: c.rejectedBy == c.createdBy, f),
                changeWarns: warning?.beyond == true)
        }
        let committed = InvestmentRules.sum([contract?.sumFen ?? 0, contract?.approvedChangesFen ?? 0]) ?? 0
        var payments: [PaymentRow] = []
        let stored = try await repo.payments(projectId: project.id, actor: actor)
        let lines = Dictionary((contract?.items ?? []).map { ($0.workItemId, $0) }) { a, _ in a }
        for p in stored {
            let mayStep =
                (p.state == .submitted && mine(.supervisor, project.supervisorId))
                || (p.state == .firstApproved && mine(.pmCompany, project.pmCompanyId))
            // Payments are approved in the order asked for: a later one waits, and says so, until the earlier has.
            let waits =
                mayStep
                && PaymentOrder.olderHolds(
                    approving: p.state, older: stored.filter { $0.id < p.id }.map(\.state))
            let turn = mayStep && !waits
            // The progress at the period's end: the site may have moved on since the claim was measured.
            let then =
                turn
                ? try await repo.progress(projectId: project.id, on: p.periodEnd, actor: actor)
                    ?? project.percentComplete : project.percentComplete
            let ahead =
                turn
                && InvestmentRules.aheadOfProgress(
                    measuredFen: p.measuredValueFen, committedFen: committed, progressTenths: then.tenths)
            payments.append(
                PaymentRow(
                    anchor: "payment-\(p.id)", periodEnd: p.periodEnd.description,
                    paymentAmount: Money.yuan(p.amountFen),
                    measuredValue: Money.yuan(p.measuredValueFen), paymentLimit: Money.yuan(p.limitFen),
                    paymentState: state(p.state, p.waitingFor, withdrawn: p.rejectedBy == p.createdBy),
                    paymentStep: turn ? .deciding(p.amountFen, { SiteRoute.paymentStep(p.id, approve: $0) }, f) : nil,
                    paymentNote: waits
                        ? f.t("investment.earlierFirst")
                        : ahead
                            ? Lang.fill(
                                f.t("investment.aheadOfProgress"),
                                ["p": then.numberText, "day": p.periodEnd.description])
                            : returned(p.state, p.rejectReason, withdrawn: p.rejectedBy == p.createdBy, f),
                    paymentWarns: ahead,
                    measuredLines: Self.measuredRows(p, before: stored, lines: lines, f),
                    measuredCount: Lang.fill(f.t("investment.measuredLines"), ["n": String(p.measured.count)]),
                    withdrawAction: p.createdBy == actor.username && [.submitted, .firstApproved].contains(p.state)
                        ? SiteRoute.paymentStep(p.id, approve: false).path : nil))
        }
        let proposes =
            office || mine(.contractor, project.contractorId) || mine(.supervisor, project.supervisorId)
            || mine(.pmCompany, project.pmCompanyId)
        return InvestmentSection(
            contractSum: contract.map { Money.yuan($0.sumFen) },
            approvedChanges: Money.yuan(contract?.approvedChangesFen ?? 0),
            changeRows: changes, hasChanges: !changes.isEmpty, paymentRows: payments, hasPayments: !payments.isEmpty,
            changeForm: proposes && contract != nil
                ? ChangeForm(changeAction: SiteRoute.projectChangeOrders(project.id).path) : nil,
            paymentForm: (office || mine(.contractor, project.contractorId) || mine(.pmCompany, project.pmCompanyId))
                ? contract.map { PaymentForm($0, project: project.id, last: Self.lastMeasured(stored), f) } : nil,
            investmentTableHref: InvestmentPages.opens(actor.role)
                ? SiteRoute.investment(year: Int64(project.batchYear)).path : nil,
            contractHref: ContractPage.enters(actor, project) ? SiteRoute.projectContract(project.id).path : nil)
    }
}

extension InvestmentSection.PaymentForm {
    /// The form for a contract's bill: each line offered at the quantity last measured (quantities are cumulative),
    /// labelled with its contract quantity and unit.
    init(_ contract: Contract, project: Int64, last: [Int64: Quantity], _ f: PageFrame) {
        paymentAction = SiteRoute.projectPayments(project).path + "#payment-form"
        lines = contract.items.map { l in
            Line(
                field: "q_\(l.workItemId)",
                label: Lang.fill(
                    f.t("investment.measuredLabel"),
                    ["item": l.workItemName, "bill": l.quantity.plainText, "unit": l.unit]),
                value: last[l.workItemId].map(\.plainText) ?? "")
        }
        typedPeriodEnd = Clock.today.description
        today = Clock.today.description
    }

    /// The form as a refused sending typed it, open, with why.
    mutating func retype(_ fields: [String: String], problem: String) {
        typedPeriodEnd = fields["period_end"] ?? ""
        typedPaymentAmount = fields["amount"] ?? ""
        for i in lines.indices { lines[i].value = fields[lines[i].field] ?? "" }
        paymentOpen = true
        paymentProblem = problem
    }
}

extension InvestmentSection {
    /// A payment's lines as its approver reads them: the quantity to date, what this period adds to the payment
    /// before it (quantities are cumulative), and the value.
    static func measuredRows(_ p: Payment, before all: [Payment], lines: [Int64: ContractLine], _ f: PageFrame)
        -> [MeasuredLineRow]
    {
        let previous = lastMeasured(all.filter { ($0.periodEnd, $0.id) < (p.periodEnd, p.id) })
        return p.measured.map { m in
            let unit = lines[m.workItemId]?.unit ?? ""
            let added = Quantity(milli: m.quantity.milli - (previous[m.workItemId]?.milli ?? 0))
            let period = previous.isEmpty ? "" : f.lang.say("investment.thisPeriod", ["q": added.plainText])
            return MeasuredLineRow(
                itemName: lines[m.workItemId]?.workItemName ?? "—",
                itemQuantity: m.quantity.plainText + " " + unit + period, itemValue: Money.yuan(m.valueFen))
        }
    }

    /// Each work item's quantity in the latest payment not returned: where the next measurement starts from.
    static func lastMeasured(_ payments: [Payment]) -> [Int64: Quantity] {
        let latest = payments.filter { $0.state != .rejected }.max {
            ($0.periodEnd, $0.id) < ($1.periodEnd, $1.id)
        }
        return Dictionary((latest?.measured ?? []).map { ($0.workItemId, $0.quantity) }) { a, _ in a }
    }

    /// "退回理由：…" for a returned change order or payment.
    static func returned(_ state: ApprovalState, _ reason: String, withdrawn: Bool = false, _ f: PageFrame)
        -> String?
    {
        guard state == .rejected && !reason.isEmpty else { return nil }
        return f.t(withdrawn ? "investment.withdrawnBecause" : "investment.returnedBecause") + reason
    }

    /// For the pm company and the office, which approve a change order: what approving `amount` more would make the
    /// contract and its approved changes come to, when that passes the budget; `beyond` when it passes the
    /// sub-district's tolerance too (the investment table's 超概算).
    static func budgetCheck(
        _ project: ProjectSummary, _ contract: Contract?, _ repo: InvestmentRepository, _ actor: Actor, _ f: PageFrame
    ) async throws -> ((Int64) -> (text: String, beyond: Bool)?)? {
        guard let contract else { return nil }
        let tolerance = try await repo.settings(ofProject: project.id, actor: actor).budgetTolerancePercent
        return { amount in
            let changes = contract.approvedChangesFen.addingReportingOverflow(amount)
            let changesFen = changes.overflow ? Int64.max : changes.partialValue
            func over(_ percent: Int64) -> Bool {
                InvestmentRules.overBudget(
                    budgetFen: project.budgetFen, contractFen: contract.sumFen, changesFen: changesFen,
                    tolerancePercent: percent)
            }
            guard over(0) else { return nil }
            let beyond = over(tolerance)
            let total = InvestmentRules.sum([contract.sumFen, contract.approvedChangesFen, amount])
            let text = f.t(beyond ? "investment.overBudgetWarning" : "investment.overBudgetNote")
                .replacingOccurrences(of: "{total}", with: total.map(Money.yuan) ?? "—")
                .replacingOccurrences(of: "{budget}", with: Money.yuan(project.budgetFen))
                .replacingOccurrences(of: "{p}", with: String(tolerance))
            return (text, beyond)
        }
    }
}

/// The approve and reject buttons of the investment section.
struct InvestmentStepController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/change_orders/:id/:step", page: "/investment", stepChange)
        Pages.post(router, "/payments/:id/:step", page: "/investment", stepPayment)
        Pages.post(router, "/projects/:id/change_orders", proposeChange)
        Pages.post(router, "/projects/:id/payments", requestPayment)
    }

    /// A progress payment requested from the project's page: each line's quantity to date, read exactly; a
    /// refusal about a line names its work item, and the form comes back open with what was typed.
    @Sendable func requestPayment(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let pages = ProjectPageController(services: services)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await pages.page(
                id: id, context, f, message: PageNotice(tone: m.0, text: m.1), payment: fields, status: status)
        }
        return try await Pages.save(f, next: SiteRoute.projectSaved(id, "investment").path, redisplay: redisplay) {
            let actor = try context.actor()
            let repo = InvestmentRepository(database: services.database)
            guard let contract = try await repo.contract(projectId: id, actor: actor) else { throw AppError.notFound }
            let last = InvestmentSection.lastMeasured(try await repo.payments(projectId: id, actor: actor))
            let payment = try Self.payment(fields, contract: contract, last: last, f)
            do {
                _ = try await repo.requestPayment(projectId: id, payment.new, actor: actor)
            } catch let e as ValidationError {
                // "measured[2].quantity" is the third line measured: say it by its work item's name.
                throw Pages.namingListItem(e, count: payment.names.count, f) { payment.names[$0] + f.t("common.colon") }
            }
        }
    }

    /// The form's payment, its lines in the bill's order with the names they are said by; every line typed wrong
    /// is named at once.
    static func payment(_ fields: [String: String], contract: Contract, last: [Int64: Quantity], _ f: PageFrame)
        throws -> (new: InvestmentRepository.NewPayment, names: [String])
    {
        var problems: [String] = []
        guard let periodEnd = Day(fields["period_end"] ?? "") else {
            throw ValidationError(field: "period_end", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        var measured: [MeasuredLine] = []
        var names: [String] = []
        for l in contract.items {
            let typed = TextNormalizer.halfWidth(fields["q_\(l.workItemId)"] ?? "").trimmingCharacters(in: .whitespaces)
            // A line left empty is not measured again: it stands at what was measured before, if anything.
            if typed.isEmpty {
                if let before = last[l.workItemId] {
                    measured.append(MeasuredLine(workItemId: l.workItemId, quantity: before))
                    names.append(l.workItemName)
                }
                continue
            }
            guard let q = Quantity.parse(typed) else {
                problems.append(Lang.fill(f.t("investment.badQuantity"), ["item": l.workItemName]))
                continue
            }
            measured.append(MeasuredLine(workItemId: l.workItemId, quantity: q))
            names.append(l.workItemName)
        }
        if measured.isEmpty && problems.isEmpty { problems.append(f.t("investment.nothingMeasured")) }
        let amount = fields["amount"] ?? ""
        let fen = YuanText.fen(amount).flatMap { $0 > 0 ? $0 : nil }
        if fen == nil {
            problems.append(
                f.t(YuanText.tooLarge(amount) ? "investment.amountTooLarge" : "investment.badPaymentAmount"))
        }
        guard problems.isEmpty, let fen else {
            throw ValidationError(field: nil, code: Pages.pageMessage, message: Pages.lines(problems))
        }
        return (.init(periodEnd: periodEnd, measured: measured, amountFen: fen), names)
    }

    /// A change order proposed from the project's page; a refused one shows the page again with what was typed.
    @Sendable func proposeChange(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let typed = InvestmentSection.ChangeForm(
            changeAction: SiteRoute.projectChangeOrders(id).path, typedReason: fields["reason"] ?? "",
            typedAmount: fields["amount"] ?? "", changeOpen: true)
        let pages = ProjectPageController(services: services)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var shown = typed
            shown.changeProblem = m.1
            return try await pages.page(
                id: id, context, f, message: PageNotice(tone: m.0, text: m.1), change: shown, status: status)
        }
        return try await Pages.save(f, next: SiteRoute.projectSaved(id, "investment").path, redisplay: redisplay) {
            guard let fen = YuanText.fen(typed.typedAmount) else {
                let key = YuanText.tooLarge(typed.typedAmount) ? "investment.amountTooLarge" : "investment.badAmount"
                throw ValidationError(field: "amount", code: Pages.pageMessage, message: f.t(key))
            }
            _ = try await InvestmentRepository(database: services.database).proposeChange(
                projectId: id, .init(reason: typed.typedReason, amountFen: fen, workItemId: nil),
                actor: try context.actor())
        }
    }

    func step(_ context: AppContext) throws -> Bool {
        switch try context.parameters.require("step") {
        case "approve": return true
        case "reject": return false
        default: throw AppError.notFound
        }
    }

    /// Approving money from a page asks for the tick that the amount was checked; a form sent without it is refused
    /// and nothing changes.
    static func requireTick(_ approve: Bool, _ fields: [String: String], _ f: PageFrame) throws {
        guard approve, fields["confirm"] != "1" else { return }
        throw ValidationError(field: "confirm", code: Pages.pageMessage, message: f.t("investment.confirmNeeded"))
    }

    @Sendable func stepChange(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let approve = try step(context)
        let fields = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let repo = InvestmentRepository(database: services.database)
        return try await ProjectPageController(services: services).saveOnProject(
            of: .changeOrder, id: id, anchor: "investment", row: (request.uri.path, fields), context, f
        ) {
            try Self.requireTick(approve, fields, f)
            _ = try await repo.decideChange(
                id: id, approve: approve, reason: fields["reason"] ?? "", actor: try context.actor())
        }
    }

    @Sendable func stepPayment(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let approve = try step(context)
        let fields = try await Pages.form(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let repo = InvestmentRepository(database: services.database)
        return try await ProjectPageController(services: services).saveOnProject(
            of: .payment, id: id, anchor: "investment", row: (request.uri.path, fields), context, f
        ) {
            try Self.requireTick(approve, fields, f)
            _ = try await repo.decidePayment(
                id: id, approve: approve, reason: fields["reason"] ?? "", actor: try context.actor())
        }
    }
}
