/// Daily coordination (例会) and requests to city departments (协调事项): the rules, without a database.

/// A coordination meeting's state: scheduled until the office closes its minutes (held), or cancelled.
public enum MeetingState: String, CaseIterable, Codable, Sendable {
    case scheduled, held, cancelled
}

/// How a participant attended one meeting.
public enum AttendanceStatus: String, CaseIterable, Codable, Sendable {
    case present, late, absent, excused
}

/// An action handed out in a meeting: open until its owner or the office marks it done.
public enum ActionState: String, CaseIterable, Codable, Sendable {
    case open, done
}

/// What a coordination request asks a department for.
public enum CoordinationKind: String, CaseIterable, Codable, Sendable {
    case gasRelocation = "gas_relocation"
    case powerPole = "power_pole"
    case telecomLine = "telecom_line"
    case waterMeter = "water_meter"
    /// Moving a water supply main or riser (供水管线迁改), as distinct from a meter.
    case waterSupply = "water_supply"
    case drainageConnection = "drainage_connection"
    case heating, greening
    case roadPermit = "road_permit"
    case planningApproval = "planning_approval"
    case other

    /// The kinds of department that usually do it (a gas pipe's relocation, the gas company); nil when any may.
    /// A request sent elsewhere is asked about first, not refused: a city may arrange its departments otherwise.
    public var usualDepartments: Set<DepartmentKind>? {
        switch self {
        case .gasRelocation: [.gas]
        case .powerPole: [.power]
        case .telecomLine: [.telecom]
        case .waterMeter, .waterSupply: [.water]
        case .drainageConnection: [.water, .municipalWorks]
        case .heating: [.heating]
        case .greening: [.greening, .cityManagement]
        case .roadPermit: [.cityManagement, .municipalWorks]
        case .planningApproval: [.planning]
        case .other: nil
        }
    }
}

/// A coordination request's state.
public enum CoordinationState: String, CaseIterable, Codable, Sendable {
    case requested, accepted, scheduled, done, declined, reopened
}

/// Whose turn it is on a coordination request.
public enum CoordinationTurn: String, CaseIterable, Codable, Sendable {
    case department, office, contractor, none
}

/// The meetings of a series: one on each working day of the calendar.
public enum MeetingSeriesRules {
    /// The longest a series runs without an end date, and the longest it may run with one (in calendar days).
    public static let openEndedHorizon: Int64 = 62
    public static let maxSpan: Int64 = 400

    /// Every working day from `firstOn` through `until` (holidays skipped, worked weekend days included).
    public static func dates(firstOn: Day, until: Day, calendar: WorkCalendar) -> [Day] {
        guard until >= firstOn else { return [] }
        var out: [Day] = []
        var d = firstOn
        while d <= until {
            if calendar.isWorkingDay(d) { out.append(d) }
            d = d.adding(days: 1)
        }
        return out
    }

    /// The last day a series covers: its end date, or a horizon after its first day or today, whichever is later.
    public static func lastDay(firstOn: Day, until: Day?, today: Day) -> Day {
        until ?? max(firstOn, today).adding(days: openEndedHorizon)
    }

    /// What a changed calendar does to a series: days that now need a meeting, and not-yet-held meetings after
    /// `today` on days that are no longer working days. Held and cancelled meetings, and today's, never move.
    public struct Change: Equatable, Sendable {
        public var add: [Day]
        public var remove: [Day]
    }

    public static func reconcile(
        existing: [(date: Day, state: MeetingState)], wanted: [Day], today: Day
    ) -> Change {
        let have = Set(existing.map(\.date))
        let want = Set(wanted)
        let add = wanted.filter { $0 > today && !have.contains($0) }
        let remove = existing.filter { $0.state == .scheduled && $0.date > today && !want.contains($0.date) }.map(
            \.date)
        return Change(add: add.sorted(), remove: remove.sorted())
    }

    /// "08:30" as minutes after midnight; nil for anything else.
    public static func minutes(_ time: String) -> Int? {
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        return h * 60 + m
    }
}

/// Actions: how long they have been carried from meeting to meeting, and when they are late.
public enum ActionRules {
    /// The meetings held after the one that created the action, up to `asOf`, while it stayed open
    /// (the meeting on the day it was done still counts: it was carried there).
    public static func carriedOver(createdOn: Day, doneOn: Day?, heldMeetings: [Day], asOf: Day) -> Int {
        heldMeetings.filter { $0 > createdOn && $0 <= asOf && (doneOn == nil || $0 <= doneOn!) }.count
    }

    public static func isOverdue(dueOn: Day, state: ActionState, today: Day) -> Bool {
        state == .open && today > dueOn
    }

    /// An action must be due on or after the meeting that hands it out.
    public static func dueIsValid(dueOn: Day, meetingDate: Day) -> Bool { dueOn >= meetingDate }

    /// An action handed to another organisation is due today or later: a day already past would reach its new owner
    /// as overdue before they heard of it.
    public static func checkHandover(due: Day, today: Day) throws {
        guard due >= today else {
            throw ValidationError(
                field: "due_on", code: "handover_past", message: "an action handed over is due today or later")
        }
    }

    /// A day an action is moved to: not before the meeting that handed it out, and within a year of it (a slip of
    /// the keyboard, 2062 for 2026, is likelier than an action a year away).
    public static func checkNewDue(_ due: Day, createdOn: Day) throws {
        guard dueIsValid(dueOn: due, meetingDate: createdOn) else {
            throw ValidationError(field: "due_on", code: "before_meeting", message: "due_on is before the meeting")
        }
        guard due <= createdOn.adding(days: 366) else {
            throw ValidationError(field: "due_on", code: "too_far", message: "due_on is more than a year away")
        }
    }
}

/// A coordination request's lifecycle: requested → accepted → scheduled → done, or declined → reopened.
public enum CoordinationLifecycle {
    public static let transitions: [CoordinationState: Set<CoordinationState>] = [
        .requested: [.accepted, .declined],
        .accepted: [.scheduled, .declined],
        // A planned day may be moved (改期), saying why: the office and the works plan around it.
        .scheduled: [.scheduled, .done],
        .declined: [.reopened],
        .reopened: [.accepted, .declined],
        .done: [],
    ]

    public static func canMove(from: CoordinationState, to: CoordinationState) -> Bool {
        transitions[from]?.contains(to) ?? false
    }

    /// The department holds a request until it is done (then the contractor's works go on) or declined (then the
    /// office must add what is missing and reopen it).
    public static func ballInCourt(_ s: CoordinationState) -> CoordinationTurn {
        switch s {
        case .requested, .accepted, .scheduled, .reopened: .department
        case .declined: .office
        case .done: .contractor
        }
    }

    /// When the current step is due: accepting within the department's service level (working days from the day
    /// the request entered the state), planning by `needed_by`, finishing by the planned day.
    public static func due(
        _ s: CoordinationState, since: Day, acceptDays: Int, neededBy: Day, plannedOn: Day?, calendar: WorkCalendar
    ) -> Day? {
        switch s {
        case .requested, .reopened: calendar.adding(workingDays: acceptDays, to: since)
        case .accepted: neededBy
        case .scheduled: plannedOn ?? neededBy
        case .done, .declined: nil
        }
    }

    public static func isOverdue(due: Day?, today: Day) -> Bool { due.map { today > $0 } ?? false }

    /// A request is needed no earlier than the day its department is due to accept it: needed sooner, it would be
    /// late before the department had to read it, and the department's on-time share would carry the filer's haste.
    /// Refused on `needed_by` with the earliest day and the service level, for the filer to choose again or ring.
    public static func checkNeededBy(_ neededBy: Day, acceptDue: Day, acceptDays: Int) throws {
        guard neededBy >= acceptDue else {
            var e = ValidationError(
                field: "needed_by", code: "before_acceptance",
                message: "needed_by is before \(acceptDue), the day the department is due to accept the request "
                    + "(\(acceptDays) working days)")
            e.values = ["day": acceptDue.description, "days": String(acceptDays)]
            throw e
        }
    }

    /// Who may take a step: the office any (it may record what a department said on the phone), reopening only
    /// the office; a department only on requests addressed to its own organisation.
    public static func mayTake(_ actor: Actor, to: CoordinationState, department: Int64) -> Bool {
        if Permissions.allows(actor.role, .manageProjects) { return true }
        guard actor.role == .department, actor.scope.kind == .organisation, actor.scope.id == department else {
            return false
        }
        return to != .reopened
    }

    /// What a step needs besides being allowed: a date to plan, the day it was done, a reason to decline.
    public struct Step: Sendable {
        public var from: CoordinationState
        public var to: CoordinationState
        public var note: String
        public var plannedOn: Day?
        public var doneOn: Day?
        public var reason: String
        public var today: Day
        /// The day the works need it done by, and the day the request was made, when known.
        public var neededBy: Day?
        public var filedOn: Day?
        public init(
            from: CoordinationState, to: CoordinationState, note: String, plannedOn: Day?, doneOn: Day?, reason: String,
            today: Day, neededBy: Day? = nil, filedOn: Day? = nil
        ) {
            self.neededBy = neededBy
            self.filedOn = filedOn
            self.from = from
            self.to = to
            self.note = note
            self.plannedOn = plannedOn
            self.doneOn = doneOn
            self.reason = reason
            self.today = today
        }
    }

    public enum Refusal: Error, Equatable, Sendable {
        case notAStep(from: CoordinationState, to: CoordinationState)
        case forbidden
        case invalid(ValidationError)
    }

    /// Decides a step; the checks run in this order, so a request wrong in several ways is refused for the first.
    public static func decide(_ step: Step, actor: Actor, department: Int64) -> Refusal? {
        guard canMove(from: step.from, to: step.to) else { return .notAStep(from: step.from, to: step.to) }
        guard mayTake(actor, to: step.to, department: department) else { return .forbidden }
        switch step.to {
        case .scheduled where step.plannedOn == nil:
            return .invalid(
                ValidationError(field: "planned_on", code: "required", message: "scheduling names the planned day"))
        case .scheduled where step.plannedOn! < step.today:
            return .invalid(
                ValidationError(field: "planned_on", code: "past", message: "the planned day cannot be before today"))
        case .scheduled where step.plannedOn! > step.today.adding(days: 366):
            // A year out is a slip of the keyboard (2030 for 2026) likelier than a plan.
            return .invalid(
                ValidationError(
                    field: "planned_on", code: "too_far", message: "the planned day is more than a year away"))
        case .scheduled where step.from == .scheduled && step.note.trimmingCharacters(in: .whitespaces).isEmpty:
            return .invalid(
                ValidationError(
                    field: "note", code: "reschedule_reason", message: "moving the planned day says why in note"))
        case .scheduled where step.neededBy.map { step.plannedOn! > $0 } == true && step.note.isEmpty:
            // Planning after the day the works need it is the department's to explain, not to do silently.
            return .invalid(
                ValidationError(
                    field: "note", code: "late_plan", message: "a planned day after needed_by says why in note"))
        case .done where step.doneOn == nil:
            return .invalid(ValidationError(field: "done_on", code: "required", message: "done names the day"))
        case .done where step.doneOn! > step.today:
            return .invalid(
                ValidationError(field: "done_on", code: "future", message: "done_on cannot be in the future"))
        case .done where step.filedOn.map { step.doneOn! < $0 } == true:
            var e = ValidationError(
                field: "done_on", code: "before_filed", message: "done_on cannot be before the request was made")
            e.values = ["date": step.filedOn?.description ?? ""]
            return .invalid(e)
        case .declined where step.reason.isEmpty:
            return .invalid(
                ValidationError(field: "reason", code: "required", message: "declining a request gives the reason"))
        case .reopened where step.note.isEmpty:
            return .invalid(
                ValidationError(
                    field: "note", code: "required", message: "reopening a request adds the missing information in note"
                ))
        default: return nil
        }
    }
}

/// A department's figures over a period.
public enum DepartmentFigures {
    /// One request as the figures read it: working days from filing to acceptance and to done, and whether it was done
    /// by the day it was needed.
    public struct Entry: Sendable {
        public var daysToAccept: Int?
        public var daysToFinish: Int?
        public var doneByNeeded: Bool
        /// Done, or its needed-by day is over: only such a request says whether the department was on time.
        public var due: Bool
        public init(daysToAccept: Int?, daysToFinish: Int?, doneByNeeded: Bool, due: Bool) {
            self.daysToAccept = daysToAccept
            self.daysToFinish = daysToFinish
            self.doneByNeeded = doneByNeeded
            self.due = due
        }
    }

    /// Whether a request counts towards the on-time share on `today`: done, or needed by a day already past. A
    /// request still within its time is neither on time nor late yet, so filing one does not lower the share.
    public static func isDue(doneOn: Day?, neededBy: Day, today: Day) -> Bool { doneOn != nil || neededBy < today }

    /// The on-time share: of the requests due, the percent done by the day they were needed; nil when none is due.
    public static func onTimeShare(_ entries: [Entry]) -> (due: Int, percent: Int?) {
        let due = entries.filter(\.due)
        guard !due.isEmpty else { return (0, nil) }
        return (due.count, percent(due.filter(\.doneByNeeded).count, of: due.count))
    }

    /// The median in whole working days: of an even count, the mean of the two middle values rounded half up (0 and
    /// 7 days give 4, not 0); nil for no values.
    public static func median(_ values: [Int]) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid] + 1) / 2
    }

    /// Percent of `part` in `whole`, rounded half up, in whole numbers (0 when there is nothing).
    public static func percent(_ part: Int, of whole: Int) -> Int {
        guard whole > 0 else { return 0 }
        return (200 * part + whole) / (2 * whole)
    }
}

/// A moment as the offices read a clock: the calendar day and the minute of that day in China (UTC+8).
public struct LocalMoment: Sendable, Equatable {
    public var day: Day
    /// 0 to 1439.
    public var minute: Int

    public init(day: Day, minute: Int) {
        self.day = day
        self.minute = minute
    }

    public init(epochSeconds: Double) {
        let local = Int64((epochSeconds + 8 * 3600).rounded(.down))
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        self.init(day: Day(ordinal: days), minute: Int((local - days * 86400) / 60))
    }
}

extension MeetingState {
    /// A scheduled meeting whose end has passed waits for its record: the office notes who came and closes the
    /// minutes, or cancels it. `startTime` is "HH:MM" on `date`, China time; a time that does not read so counts from
    /// the day's start.
    public static func awaitsRecord(
        _ state: MeetingState, date: Day, startTime: String, durationMinutes: Int, at now: LocalMoment
    ) -> Bool {
        guard state == .scheduled else { return false }
        if date != now.day { return date < now.day }
        let start = MeetingSeriesRules.minutes(startTime) ?? 0
        return start + max(0, min(durationMinutes, 24 * 60)) <= now.minute
    }
}
