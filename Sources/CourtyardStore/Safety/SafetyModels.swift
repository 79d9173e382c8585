import CourtyardDomain
import Foundation

/// A contractor's safety responsibility agreement for a batch (安全生产目标责任书).
public struct SafetyAgreement: Codable, Sendable, Equatable {
    public var id: Int64
    public var organisationId: Int64
    public var organisationName: String
    public var batchYear: Int64
    public var signedOn: Day
    public var targets: String
    public var attachmentId: Int64?

    enum CodingKeys: String, CodingKey {
        case id, organisationId = "organisation_id", organisationName = "organisation_name"
        case batchYear = "batch_year", signedOn = "signed_on", targets, attachmentId = "attachment_id"
    }
}

/// A drill of an emergency plan, with how many took part.
public struct EmergencyDrill: Codable, Sendable, Equatable {
    public var id: Int64
    public var date: Day
    public var attendance: Int64
    public var note: String
}

/// An approved emergency plan (应急救援预案) and the projects it covers.
public struct EmergencyPlan: Codable, Sendable, Equatable {
    public var id: Int64
    public var organisationId: Int64
    public var organisationName: String
    public var projectIds: [Int64]
    public var approvedOn: Day
    public var attachmentId: Int64?
    public var drills: [EmergencyDrill]

    enum CodingKeys: String, CodingKey {
        case id, organisationId = "organisation_id", organisationName = "organisation_name"
        case projectIds = "project_ids", approvedOn = "approved_on", attachmentId = "attachment_id", drills
    }
}

/// A person trained before the job; the name is personal data, masked for those who may not read it.
public struct Trainee: Codable, Sendable, Equatable {
    public var name: String
    public var trade: String
    public init(name: String, trade: String) {
        self.name = name
        self.trade = trade
    }
}

/// A pre-job safety training on a project (岗前安全教育培训).
public struct Training: Codable, Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var date: Day
    public var trainer: String
    public var topics: String
    public var trainees: [Trainee]
    public var traineeCount: Int64
    public var attachmentId: Int64?

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", date, trainer, topics, trainees, traineeCount = "trainee_count"
        case attachmentId = "attachment_id"
    }
}

/// An inspection table: shipped (after JGJ 59-2011) or the office's own.
public struct InspectionTemplate: Codable, Sendable, Equatable {
    public var id: Int64
    public var key: String?
    public var name: String
    public var items: [InspectionItem]
    public var shipped: Bool
}

/// One item's score in an inspection.
public struct InspectionScore: Codable, Sendable, Equatable {
    public var item: String
    public var name: String
    public var score: Int64
    public var maxScore: Int64
    public var mustPass: Bool
    public var note: String
    public var photos: [Int64]

    enum CodingKeys: String, CodingKey {
        case item, name, score, maxScore = "max_score", mustPass = "must_pass", note, photos
    }
}

/// A scored inspection of a project, its outcome, and the findings it raised.
public struct Inspection: Codable, Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var templateId: Int64
    public var templateName: String
    public var date: Day
    public var scores: [InspectionScore]
    public var total: Int64
    public var rating: InspectionRating
    public var followsUp: Int64?
    public var checkId: Int64
    public var findingIds: [Int64]
    public var inspectorRole: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", templateId = "template_id", templateName = "template_name", date, scores
        case total, rating, followsUp = "follows_up", checkId = "check_id", findingIds = "finding_ids"
        case inspectorRole = "inspector_role", createdBy = "created_by"
    }
}

/// A contractor's safety record over its projects.
public struct ContractorSafety: Codable, Sendable, Equatable {
    public var organisationId: Int64
    public var name: String
    public var inspections: Int64
    /// The mean total, to one decimal, rounded half up; null before the first inspection.
    public var meanScore: ExactDecimal?
    public var openFindings: Int64
    public var overdueFindings: Int64
    /// The median of working days from a finding's check to its rectification; null before the first one.
    public var medianDaysToRectify: ExactDecimal?

    enum CodingKeys: String, CodingKey {
        case organisationId = "organisation_id", name, inspections, meanScore = "mean_score"
        case openFindings = "open_findings", overdueFindings = "overdue_findings"
        case medianDaysToRectify = "median_days_to_rectify"
    }
}

/// The supervisor's acceptance of hidden works (隐蔽工程验收) before they are covered, with photos.
public struct HiddenWorkAcceptance: Codable, Sendable, Equatable {
    public var id: Int64
    public var taskId: Int64
    public var date: Day
    public var result: AcceptanceResult
    public var photos: [Int64]
    public var note: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case id, taskId = "task_id", date, result, photos, note, createdBy = "created_by"
    }
}
