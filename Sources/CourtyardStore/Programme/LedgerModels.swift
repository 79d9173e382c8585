import CourtyardDomain
import Foundation

/// One work item's percent as a site log reported it.
public struct SiteLogProgress: Codable, Sendable, Equatable {
    public var workItemId: Int64
    public var percent: Int64
    enum CodingKeys: String, CodingKey { case workItemId = "work_item_id", percent }
    public init(workItemId: Int64, percent: Int64) {
        self.workItemId = workItemId
        self.percent = percent
    }
}

/// A day's site log (施工日志).
public struct SiteLog: Codable, Sendable, Equatable {
    public var id: Int64
    public var date: Day
    public var weather: String
    public var workers: Int64
    public var workDone: String
    public var issues: String
    public var progress: [SiteLogProgress]
    public var photos: [Int64]
    public var createdBy: String
    /// Workers beyond those trained on the project by the log's day: the log is taken, and flagged.
    public var untrainedWorkers: Int64
    /// Counts the log's corrections from 1; a correction names the one it read (`If-Match`, the form's `version`).
    public var version: Int64

    enum CodingKeys: String, CodingKey {
        case id, date, weather, workers, workDone = "work_done", issues, progress, photos, createdBy = "created_by"
        case untrainedWorkers = "untrained_workers", version
    }
}

/// One line of a site check's list: the item, whether it passed, and a note.
public struct ChecklistItem: Codable, Sendable, Equatable {
    public var item: String
    public var passed: Bool
    public var note: String
}

/// What a site check found wrong, followed to rectification and re-inspection.
public struct Finding: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case open, rectified, verified }
    public var id: Int64
    public var projectId: Int64
    public var checkId: Int64
    public var description: String
    public var photos: [Int64]
    public var dueOn: Day
    public var state: State
    /// Open and past its due day.
    public var overdue: Bool
    public var rectifiedOn: Day?
    public var rectificationNote: String
    /// What the last re-inspection said: why it failed, or what was seen when it passed.
    public var reinspectionNote: String
    /// The contractor's photos of the fix, the latest time it was reported fixed.
    public var rectificationPhotos: [Int64]
    public var rectifiedBy: String?
    public var verifiedBy: String?
    /// The name the re-inspector goes by, for the page.
    public var verifiedByName: String?
    /// The day the re-inspection passed it; none for a finding closed before the day was kept.
    public var verifiedOn: Day?
    /// Who re-inspected it last, passed or failed, their name for the page, and the day.
    public var reinspectedBy: String?
    public var reinspectedByName: String?
    public var reinspectedOn: Day?
    public var version: Int64

    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", checkId = "check_id", description, photos, dueOn = "due_on", state
        case overdue, rectifiedOn = "rectified_on", rectificationNote = "rectification_note"
        case reinspectionNote = "reinspection_note"
        case rectificationPhotos = "rectification_photos"
        case rectifiedBy = "rectified_by", verifiedBy = "verified_by", verifiedByName = "verified_by_name"
        case verifiedOn = "verified_on", reinspectedBy = "reinspected_by", reinspectedByName = "reinspected_by_name"
        case reinspectedOn = "reinspected_on", version
    }
}

/// A daily site check (巡查) with its findings.
public struct SiteCheck: Codable, Sendable, Equatable {
    public var id: Int64
    public var date: Day
    /// The checker's role, or `office`.
    public var checkerRole: String
    public var items: [ChecklistItem]
    public var passedItems: Int64
    public var totalItems: Int64
    public var createdBy: String
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case id, date, checkerRole = "checker_role", items, passedItems = "passed_items"
        case totalItems = "total_items", createdBy = "created_by", findings
    }
}
