import CourtyardDomain
import Foundation

/// A project as a list shows it: its place, stage, dates, progress, budget and organisations.
/// Fields are declared in the order the API writes them.
public struct ProjectSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var subdistrictId: Int64
    public var communityId: Int64
    public var communityName: String
    public var compoundId: Int64
    public var compoundName: String
    public var households: Int64
    public var batchYear: Int64
    public var deadline: Day
    public var plannedStart: Day?
    public var stage: ProjectStage
    public var startedOn: Day?
    public var completedOn: Day?
    /// Budget-weighted mean of the work items' percents.
    public var percentComplete: PercentTenths
    public var budgetFen: Int64
    public var isModel: Bool
    public var modelWriteup: String
    public var contractorId: Int64?
    public var supervisorId: Int64?
    public var designerId: Int64?
    public var pmCompanyId: Int64?
    public var contractorName: String?
    public var baselineAt: String?
    public var version: Int64

    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", communityId = "community_id", communityName = "community_name"
        case compoundId = "compound_id", compoundName = "compound_name", households, batchYear = "batch_year"
        case deadline, plannedStart = "planned_start", stage, startedOn = "started_on", completedOn = "completed_on"
        case percentComplete = "percent_complete", budgetFen = "budget_fen", isModel = "is_model"
        case modelWriteup = "model_writeup", contractorId = "contractor_id", supervisorId = "supervisor_id"
        case designerId = "designer_id", pmCompanyId = "pm_company_id", contractorName = "contractor_name"
        case baselineAt = "baseline_at", version
    }
}

/// One line of a project's tailored plan.
public struct WorkItem: Codable, Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var category: WorkCategory
    public var name: String
    /// The quantity as text ("12.5"), as the API has always written it.
    public var quantity: String
    public var unit: String
    public var budgetFen: Int64
    /// Whole percent done, 0 to 100.
    public var percent: Int64
    public var version: Int64

    enum CodingKeys: String, CodingKey {
        case id, code, category, name, quantity, unit, budgetFen = "budget_fen", percent, version
    }
}

/// How many items of a plan and how much budget fall in one category (or in all).
public struct ItemTotal: Codable, Sendable, Equatable {
    public var items: Int64
    public var budgetFen: Int64
    enum CodingKeys: String, CodingKey { case items, budgetFen = "budget_fen" }
}

/// A plan's totals by national category and overall.
public struct CategoryTotals: Codable, Sendable, Equatable {
    public var basic: ItemTotal
    public var improvement: ItemTotal
    public var upgrade: ItemTotal
    public var all: ItemTotal

    public init(_ items: [WorkItem]) {
        func total(_ list: [WorkItem]) -> ItemTotal {
            ItemTotal(items: Int64(list.count), budgetFen: list.reduce(0) { $0 + $1.budgetFen })
        }
        basic = total(items.filter { $0.category == .basic })
        improvement = total(items.filter { $0.category == .improvement })
        upgrade = total(items.filter { $0.category == .upgrade })
        all = total(items)
    }

    public subscript(_ category: WorkCategory) -> ItemTotal {
        switch category {
        case .basic: basic
        case .improvement: improvement
        case .upgrade: upgrade
        }
    }
}

/// A gate a project passed, with the evidence as it was stored when it passed.
public struct GatePass: Codable, Sendable, Equatable {
    public var from: ProjectStage
    public var to: ProjectStage
    /// The stored evidence list (a document of its time: older passes hold bare attachments).
    public var evidence: StoredJSON
    public var onPaper: Bool
    public var note: String
    public var passedAt: String
    public var passedBy: String

    enum CodingKeys: String, CodingKey {
        case from, to, evidence, onPaper = "on_paper", note, passedAt = "passed_at", passedBy = "passed_by"
    }
}

/// An acceptance of a project's works, intermediate or final.
public struct Acceptance: Codable, Sendable, Equatable {
    public var id: Int64
    public var kind: ProjectRepository.AcceptanceKind
    public var date: Day
    public var result: ProjectRepository.AcceptanceResult
    public var participants: [AcceptanceParticipant]
    public var note: String
}

/// A project with its plan, gates, acceptances and residents' satisfaction: the answer of every project route.
public struct ProjectDetail: Codable, Sendable, Equatable {
    public var summary: ProjectSummary
    public var workItems: [WorkItem]
    public var totalsByCategory: CategoryTotals
    public var nextStage: ProjectStage?
    public var nextGateEvidence: [EvidenceKind]
    public var nextGateDocumentTypes: [DocumentType]
    public var gates: [GatePass]
    public var acceptances: [Acceptance]
    public var satisfactionRate: PercentTenths?

    enum CodingKeys: String, CodingKey {
        case workItems = "work_items", totalsByCategory = "totals_by_category", nextStage = "next_stage"
        case nextGateEvidence = "next_gate_evidence", nextGateDocumentTypes = "next_gate_document_types"
        case gates, acceptances, satisfactionRate = "satisfaction_rate"
    }

    public init(
        summary: ProjectSummary, workItems: [WorkItem], gates: [GatePass], acceptances: [Acceptance],
        satisfactionRate: PercentTenths?
    ) {
        self.summary = summary
        self.workItems = workItems
        self.totalsByCategory = CategoryTotals(workItems)
        self.nextStage = summary.stage.next
        self.nextGateEvidence = summary.stage.next?.recordKinds ?? []
        self.nextGateDocumentTypes = summary.stage.next?.documentTypes ?? []
        self.gates = gates
        self.acceptances = acceptances
        self.satisfactionRate = satisfactionRate
    }

    /// The summary's fields first, then the detail's, in one flat object.
    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workItems, forKey: .workItems)
        try c.encode(totalsByCategory, forKey: .totalsByCategory)
        try c.encode(nextStage, forKey: .nextStage)
        try c.encode(nextGateEvidence, forKey: .nextGateEvidence)
        try c.encode(nextGateDocumentTypes, forKey: .nextGateDocumentTypes)
        try c.encode(gates, forKey: .gates)
        try c.encode(acceptances, forKey: .acceptances)
        try c.encode(satisfactionRate, forKey: .satisfactionRate)
    }

    public init(from decoder: any Decoder) throws {
        summary = try ProjectSummary(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        workItems = try c.decode([WorkItem].self, forKey: .workItems)
        totalsByCategory = try c.decode(CategoryTotals.self, forKey: .totalsByCategory)
        nextStage = try c.decodeIfPresent(ProjectStage.self, forKey: .nextStage)
        nextGateEvidence = try c.decode([EvidenceKind].self, forKey: .nextGateEvidence)
        nextGateDocumentTypes = try c.decode([DocumentType].self, forKey: .nextGateDocumentTypes)
        gates = try c.decode([GatePass].self, forKey: .gates)
        acceptances = try c.decode([Acceptance].self, forKey: .acceptances)
        satisfactionRate = try c.decodeIfPresent(PercentTenths.self, forKey: .satisfactionRate)
    }
}
