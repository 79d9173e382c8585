import CourtyardDomain
import Foundation

/// One line of a contract's bill of quantities: the work item, its quantity (thousandths), unit price and line
/// total (合价) in fen.
public struct ContractLine: Codable, Sendable, Equatable {
    public var workItemId: Int64
    public var workItemName: String
    public var unit: String
    public var quantity: Quantity
    public var unitPriceFen: Int64
    public var lineFen: Int64

    enum CodingKeys: String, CodingKey {
        case workItemId = "work_item_id", workItemName = "work_item_name", unit, quantity
        case unitPriceFen = "unit_price_fen", lineFen = "line_fen"
    }
}

/// A project's construction contract (施工合同) with its bill of quantities; `sum_fen` is the bill's total.
public struct Contract: Codable, Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var contractorId: Int64
    public var contractorName: String
    public var signedOn: Day
    public var attachmentId: Int64?
    public var items: [ContractLine]
    public var sumFen: Int64
    /// The sum of the change orders approved by both the pm company and the office.
    public var approvedChangesFen: Int64
    public var updatedAt: String
    public var updatedBy: String
    public var version: Int64

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", contractorId = "contractor_id", contractorName = "contractor_name"
        case signedOn = "signed_on", attachmentId = "attachment_id", items, sumFen = "sum_fen"
        case approvedChangesFen = "approved_changes_fen", updatedAt = "updated_at", updatedBy = "updated_by", version
    }
}

/// A change order (设计变更 / 工程签证): counts in the contract's value only once the pm company and then the
/// office have approved it.
public struct ChangeOrder: Codable, Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var workItemId: Int64?
    public var reason: String
    public var amountFen: Int64
    public var state: ApprovalState
    /// Whose approval it waits for: `pm_company`, then `office`; null once approved or rejected.
    public var waitingFor: String?
    public var pmApprovedBy: String?
    public var pmApprovedAt: String?
    public var officeApprovedBy: String?
    public var officeApprovedAt: String?
    public var rejectedBy: String?
    public var rejectReason: String
    public var createdAt: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", workItemId = "work_item_id", reason, amountFen = "amount_fen", state
        case waitingFor = "waiting_for", pmApprovedBy = "pm_approved_by", pmApprovedAt = "pm_approved_at"
        case officeApprovedBy = "office_approved_by", officeApprovedAt = "office_approved_at"
        case rejectedBy = "rejected_by", rejectReason = "reject_reason", createdAt = "created_at"
        case createdBy = "created_by"
    }
}

/// A measured quantity of a payment, as measured cumulatively to the period's end, valued at the bill's price.
public struct MeasuredItem: Codable, Sendable, Equatable {
    public var workItemId: Int64
    public var quantity: Quantity
    public var valueFen: Int64

    enum CodingKeys: String, CodingKey { case workItemId = "work_item_id", quantity, valueFen = "value_fen" }
}

/// A progress payment (进度款): confirmed by the supervisor, then approved by the pm company. The limit it was
/// entered under is kept with it, as it stood that day.
public struct Payment: Codable, Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var periodEnd: Day
    public var measured: [MeasuredItem]
    /// Σ measured × unit price plus the change orders approved twice on the day of entry.
    public var measuredValueFen: Int64
    /// `progress` (the ratio of the measured value), `settlement` (the settled sum less retention) or `released`.
    public var limitKind: String
    public var limitFen: Int64
    public var amountFen: Int64
    public var state: ApprovalState
    /// Whose step it waits for: `supervisor`, then `pm_company`; null once approved or rejected.
    public var waitingFor: String?
    public var supervisorConfirmedBy: String?
    public var supervisorConfirmedAt: String?
    public var pmApprovedBy: String?
    public var pmApprovedAt: String?
    public var rejectedBy: String?
    public var rejectReason: String
    public var createdAt: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", periodEnd = "period_end", measured
        case measuredValueFen = "measured_value_fen", limitKind = "limit_kind", limitFen = "limit_fen"
        case amountFen = "amount_fen", state, waitingFor = "waiting_for"
        case supervisorConfirmedBy = "supervisor_confirmed_by", supervisorConfirmedAt = "supervisor_confirmed_at"
        case pmApprovedBy = "pm_approved_by", pmApprovedAt = "pm_approved_at", rejectedBy = "rejected_by"
        case rejectReason = "reject_reason", createdAt = "created_at", createdBy = "created_by"
    }
}

/// One line of the investment report: a project, or a community's or a sub-district's total.
public struct InvestmentLine: Codable, Sendable, Equatable {
    public var projectId: Int64?
    public var communityId: Int64?
    public var subdistrictId: Int64
    public var name: String
    public var communityName: String
    public var subdistrictName: String
    public var projects: Int64
    /// Σ of the plans' work item budgets.
    public var budgetFen: Int64
    /// Σ of contract sums; projects without a contract count 0 here.
    public var contractFen: Int64
    public var contracts: Int64
    public var approvedChangesFen: Int64
    /// Σ of payments approved by the pm company.
    public var paidFen: Int64
    /// Contract + approved changes − paid.
    public var remainingFen: Int64
    /// Contract + approved changes above budget by more than the tolerance: for a project, itself; for a total,
    /// the number of its projects so flagged.
    public var overBudget: Bool
    public var overBudgetProjects: Int64
    /// The sub-district office's tolerance the flags were judged by.
    public var budgetTolerancePercent: Int64

    enum CodingKeys: String, CodingKey {
        case projectId = "project_id", communityId = "community_id", subdistrictId = "subdistrict_id", name
        case communityName = "community_name", subdistrictName = "subdistrict_name", projects
        case budgetFen = "budget_fen", contractFen = "contract_fen", contracts
        case approvedChangesFen = "approved_changes_fen", paidFen = "paid_fen", remainingFen = "remaining_fen"
        case overBudget = "over_budget", overBudgetProjects = "over_budget_projects"
        case budgetTolerancePercent = "budget_tolerance_percent"
    }
}

/// The programme's investment for a batch: per project, community and sub-district.
public struct InvestmentReport: Codable, Sendable, Equatable {
    public var batchYear: Int64
    public var projects: [InvestmentLine]
    public var communities: [InvestmentLine]
    public var subdistricts: [InvestmentLine]

    enum CodingKeys: String, CodingKey {
        case batchYear = "batch_year", projects, communities, subdistricts
    }
}

/// A change order or a payment waiting for the reader's approval, for its home page.
public struct AwaitingApproval: Sendable, Equatable {
    public enum Kind: String, Sendable { case changeOrder = "change_order", payment }
    public var kind: Kind
    public var id: Int64
    public var projectId: Int64
    public var compoundName: String
    public var amountFen: Int64
    public var submittedAt: String
    /// A payment's measurement date, which tells an older payment of a project from a newer one.
    public var periodEnd: Day?
}
