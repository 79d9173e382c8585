import CourtyardDomain
import Foundation

/// A meeting series: one coordination meeting on each working day.
public struct MeetingSeries: Codable, Sendable {
    public var id: Int64
    public var subdistrictId: Int64
    public var title: String
    public var firstOn: Day
    public var until: Day?
    public var time: String
    public var durationMinutes: Int
    public var location: String
    public var participants: [MeetingParticipant]
    public var meetings: Int
    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", title, firstOn = "first_on", until, time
        case durationMinutes = "duration_minutes", location, participants, meetings
    }
}

/// Who takes part: an organisation, an account, or a named resident representative.
public struct MeetingParticipant: Codable, Sendable {
    public var id: Int64
    public var organisationId: Int64?
    public var userId: Int64?
    public var name: String
    public var role: String
    enum CodingKeys: String, CodingKey {
        case id, organisationId = "organisation_id", userId = "user_id", name, role
    }
}

public struct AttendanceLine: Codable, Sendable {
    public var participantId: Int64
    public var name: String
    public var organisationId: Int64?
    public var status: AttendanceStatus?
    enum CodingKeys: String, CodingKey {
        case participantId = "participant_id", name, organisationId = "organisation_id", status
    }
}

/// One meeting; `attendance`, `minutes` and `actions` only when one meeting is read.
public struct Meeting: Codable, Sendable {
    public var id: Int64
    public var subdistrictId: Int64
    public var seriesId: Int64?
    public var title: String
    public var date: Day
    public var startsAt: String
    public var durationMinutes: Int
    public var location: String
    public var state: MeetingState
    public var cancelReason: String
    public var version: Int
    public var attendance: [AttendanceLine]?
    public var minutes: Minutes?
    public var actions: [MeetingAction]?
    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", seriesId = "series_id", title, date, startsAt = "starts_at"
        case durationMinutes = "duration_minutes", location, state, cancelReason = "cancel_reason", version
        case attendance, minutes, actions
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(subdistrictId, forKey: .subdistrictId)
        try c.encode(seriesId, forKey: .seriesId)
        try c.encode(title, forKey: .title)
        try c.encode(date, forKey: .date)
        try c.encode(startsAt, forKey: .startsAt)
        try c.encode(durationMinutes, forKey: .durationMinutes)
        try c.encode(location, forKey: .location)
        try c.encode(state, forKey: .state)
        try c.encode(cancelReason, forKey: .cancelReason)
        try c.encode(version, forKey: .version)
        if let attendance { try c.encode(attendance, forKey: .attendance) }
        if let minutes { try c.encode(minutes, forKey: .minutes) }
        if let actions { try c.encode(actions, forKey: .actions) }
    }
}

public struct Minutes: Codable, Sendable {
    public var discussion: String
    public var decisions: [String]
    public var closedAt: String?
    enum CodingKeys: String, CodingKey { case discussion, decisions, closedAt = "closed_at" }
}

/// An action handed out in a meeting.
public struct MeetingAction: Codable, Sendable {
    public var id: Int64
    public var meetingId: Int64
    public var title: String
    public var ownerOrganisationId: Int64
    public var ownerName: String
    public var dueOn: Day
    public var projectId: Int64?
    public var createdOn: Day
    public var state: ActionState
    public var overdue: Bool
    public var carriedOver: Int
    public var doneOn: Day?
    public var doneNote: String
    /// Who reported it done, by the name they go by.
    public var doneByName: String?
    public var evidence: [Int64]
    /// Why the office found it, reported done, still to do; empty unless it was reopened.
    public var reopenNote: String
    /// Every report of it done and every handing back, the first first: a second report does not hide the first.
    public var history: [ActionEvent] = []
    enum CodingKeys: String, CodingKey {
        case id, meetingId = "meeting_id", title, ownerOrganisationId = "owner_organisation_id"
        case ownerName = "owner_name", dueOn = "due_on", projectId = "project_id", createdOn = "created_on", state
        case overdue, carriedOver = "carried_over", doneOn = "done_on", doneNote = "done_note"
        case doneByName = "done_by_name", evidence, reopenNote = "reopen_note", history
    }
}

/// A step in an action's life after the meeting: reported done (with what and the photos), or handed back by the
/// office (why, and the new day).
public struct ActionEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case done, reopened }
    public var at: String
    public var kind: Kind
    public var note: String
    public var evidence: [Int64]
    public var dueOn: Day?
    public var byName: String
    enum CodingKeys: String, CodingKey { case at, kind, note, evidence, dueOn = "due_on", byName = "by_name" }
}

/// A line of the agenda that is not an action: something late, with what it is and since when.
public struct AgendaItem: Codable, Sendable {
    public var id: Int64
    public var projectId: Int64?
    public var title: String
    public var dueOn: Day?
    /// For a project whose stage has not moved: the stage it is stuck in.
    public var stage: ProjectStage?
    enum CodingKeys: String, CodingKey { case id, projectId = "project_id", title, dueOn = "due_on", stage }
}

public struct Agenda: Codable, Sendable {
    public var meetingId: Int64
    public var date: Day
    public var actions: [MeetingAction]
    public var overdueReports: [AgendaItem]
    public var overdueFindings: [AgendaItem]
    public var overdueRequests: [AgendaItem]
    public var lateTasks: [AgendaItem]
    public var stalledProjects: [AgendaItem]
    public var staleStageDays: Int
    enum CodingKeys: String, CodingKey {
        case meetingId = "meeting_id", date, actions, overdueReports = "overdue_reports"
        case overdueFindings = "overdue_findings", overdueRequests = "overdue_coordination_requests"
        case lateTasks = "late_tasks", stalledProjects = "stalled_projects", staleStageDays = "stale_stage_days"
    }
}

/// A request to a city department (协调事项); `history` only when one request is read.
public struct CoordinationRequest: Codable, Sendable {
    public var id: Int64
    public var subdistrictId: Int64
    public var projectId: Int64
    public var departmentOrganisationId: Int64
    public var departmentName: String
    public var kind: CoordinationKind
    public var description: String
    public var neededBy: Day
    public var attachments: [Int64]
    public var state: CoordinationState
    public var ballInCourt: CoordinationTurn
    public var stateSince: Day
    public var dueOn: Day?
    public var overdue: Bool
    public var plannedOn: Day?
    public var doneOn: Day?
    /// What the department wrote when it marked the request done (the last time, if it was reopened).
    public var doneNote: String
    /// What the office added when it last reopened a declined request ("" if it never was).
    public var supplement: String
    public var evidence: [Int64]
    public var declineReason: String
    /// Why the department returned it the last time it did ("" if it never did), kept once it is reopened and
    /// `decline_reason` is cleared: the liaison reads what they asked for beside what the office added.
    public var returnedBecause: String
    public var createdOn: Day
    /// Who filed it: the account's name, and the organisation it speaks for when it is a contractor's, a
    /// supervisor's or a pm company's (nil for the office's own staff).
    public var filedBy: String
    public var filedByOrganisation: String?
    public var version: Int
    public var history: [CoordinationEvent]?
    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", projectId = "project_id"
        case departmentOrganisationId = "department_organisation_id", departmentName = "department_name", kind
        case description, neededBy = "needed_by", attachments, state, ballInCourt = "ball_in_court"
        case stateSince = "state_since", dueOn = "due_on", overdue, plannedOn = "planned_on", doneOn = "done_on"
        case doneNote = "done_note", supplement, evidence, declineReason = "decline_reason", createdOn = "created_on",
            returnedBecause = "returned_because",
            filedBy = "filed_by", filedByOrganisation = "filed_by_organisation", version,
            history
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(subdistrictId, forKey: .subdistrictId)
        try c.encode(projectId, forKey: .projectId)
        try c.encode(departmentOrganisationId, forKey: .departmentOrganisationId)
        try c.encode(departmentName, forKey: .departmentName)
        try c.encode(kind, forKey: .kind)
        try c.encode(description, forKey: .description)
        try c.encode(neededBy, forKey: .neededBy)
        try c.encode(attachments, forKey: .attachments)
        try c.encode(state, forKey: .state)
        try c.encode(ballInCourt, forKey: .ballInCourt)
        try c.encode(stateSince, forKey: .stateSince)
        try c.encode(dueOn, forKey: .dueOn)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(plannedOn, forKey: .plannedOn)
        try c.encode(doneOn, forKey: .doneOn)
        try c.encode(doneNote, forKey: .doneNote)
        try c.encode(supplement, forKey: .supplement)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(declineReason, forKey: .declineReason)
        try c.encode(returnedBecause, forKey: .returnedBecause)
        try c.encode(createdOn, forKey: .createdOn)
        try c.encode(filedBy, forKey: .filedBy)
        try c.encode(filedByOrganisation, forKey: .filedByOrganisation)
        try c.encode(version, forKey: .version)
        if let history { try c.encode(history, forKey: .history) }
    }
}

public struct CoordinationEvent: Codable, Sendable {
    public var at: String
    public var from: CoordinationState?
    public var to: CoordinationState
    public var note: String
    public var plannedOn: Day?
    public var doneOn: Day?
    public var reason: String
    public var by: String
    enum CodingKeys: String, CodingKey {
        case at, from, to, note, plannedOn = "planned_on", doneOn = "done_on", reason, by
    }
}

/// One department's figures over a period.
public struct DepartmentFigureLine: Codable, Sendable {
    public var organisationId: Int64
    public var name: String
    public var requests: Int
    public var medianDaysToAccept: Int?
    public var medianDaysToFinish: Int?
    public var done: Int
    public var doneByNeededBy: Int
    /// The requests done or past their needed-by day: those the share is of (0 when none is, and the share is 0).
    public var due: Int
    public var shareDoneByNeededByPercent: Int
    enum CodingKeys: String, CodingKey {
        case organisationId = "organisation_id", name, requests, medianDaysToAccept = "median_days_to_accept"
        case medianDaysToFinish = "median_days_to_finish", done, doneByNeededBy = "done_by_needed_by", due
        case shareDoneByNeededByPercent = "share_done_by_needed_by_percent"
    }
}

/// An attendance rate per organisation over a period: meetings held where it was expected, and present or late.
public struct AttendanceRate: Codable, Sendable {
    public var organisationId: Int64
    public var name: String
    public var expected: Int
    public var attended: Int
    public var ratePercent: Int
    enum CodingKeys: String, CodingKey {
        case organisationId = "organisation_id", name, expected, attended, ratePercent = "rate_percent"
    }
}
