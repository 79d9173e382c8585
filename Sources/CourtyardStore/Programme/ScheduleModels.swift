import CourtyardDomain
import Foundation

/// A task's lags in working days, by predecessor, written as an object keyed by the predecessor's id in
/// ascending order (`{"12": 2}`).
public struct TaskLags: Codable, Sendable, Equatable {
    public var byPredecessor: [(id: Int64, days: Int)]

    public init(_ lags: [Int64: Int]) {
        byPredecessor = lags.sorted { $0.key < $1.key }.map { (id: $0.key, days: $0.value) }
    }

    public static func == (a: TaskLags, b: TaskLags) -> Bool {
        a.byPredecessor.map(\.id) == b.byPredecessor.map(\.id)
            && a.byPredecessor.map(\.days) == b.byPredecessor.map(\.days)
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for lag in byPredecessor { try c.encode(Int64(lag.days), forKey: Key(stringValue: String(lag.id))) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        var lags: [Int64: Int] = [:]
        for key in c.allKeys {
            guard let id = Int64(key.stringValue) else { continue }
            lags[id] = try c.decode(Int.self, forKey: key)
        }
        self.init(lags)
    }
}

/// A task of a project's schedule, as the API writes it.
public struct ProjectTask: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var durationDays: Int64
    public var dependsOn: [Int64]
    public var lags: TaskLags
    public var workItemId: Int64?
    public var baselineStart: Day?
    public var baselineFinish: Day?
    public var actualStart: Day?
    public var actualFinish: Day?
    public var version: Int64
    /// Hidden works (隐蔽工程): the task finishes only after the supervisor's passed acceptance with photos.
    public var hiddenWork: Bool

    enum CodingKeys: String, CodingKey {
        case id, name, durationDays = "duration_days", dependsOn = "depends_on", lags, workItemId = "work_item_id"
        case baselineStart = "baseline_start", baselineFinish = "baseline_finish", actualStart = "actual_start"
        case actualFinish = "actual_finish", version, hiddenWork = "hidden_work"
    }
}

/// A task with its computed dates, float, plan and variances against the baseline (in signed working days).
public struct ScheduledTask: Codable, Sendable, Equatable {
    public var task: ProjectTask
    public var earlyStart: Day
    public var earlyFinish: Day
    public var lateStart: Day
    public var lateFinish: Day
    public var totalFloat: Int64
    public var critical: Bool
    public var plannedStart: Day
    public var plannedFinish: Day
    public var startVarianceDays: Int64?
    public var finishVarianceDays: Int64?
    public var actualStartVarianceDays: Int64?
    public var actualFinishVarianceDays: Int64?

    enum CodingKeys: String, CodingKey {
        case earlyStart = "early_start", earlyFinish = "early_finish", lateStart = "late_start"
        case lateFinish = "late_finish", totalFloat = "total_float", critical, plannedStart = "planned_start"
        case plannedFinish = "planned_finish", startVarianceDays = "start_variance_days"
        case finishVarianceDays = "finish_variance_days", actualStartVarianceDays = "actual_start_variance_days"
        case actualFinishVarianceDays = "actual_finish_variance_days"
    }

    public init(
        task: ProjectTask, earlyStart: Day, earlyFinish: Day, lateStart: Day, lateFinish: Day, totalFloat: Int64,
        critical: Bool, plannedStart: Day, plannedFinish: Day, startVarianceDays: Int64?,
        finishVarianceDays: Int64?, actualStartVarianceDays: Int64?, actualFinishVarianceDays: Int64?
    ) {
        self.task = task
        self.earlyStart = earlyStart
        self.earlyFinish = earlyFinish
        self.lateStart = lateStart
        self.lateFinish = lateFinish
        self.totalFloat = totalFloat
        self.critical = critical
        self.plannedStart = plannedStart
        self.plannedFinish = plannedFinish
        self.startVarianceDays = startVarianceDays
        self.finishVarianceDays = finishVarianceDays
        self.actualStartVarianceDays = actualStartVarianceDays
        self.actualFinishVarianceDays = actualFinishVarianceDays
    }

    /// The task's fields first, then the schedule's, in one flat object.
    public func encode(to encoder: any Encoder) throws {
        try task.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(earlyStart, forKey: .earlyStart)
        try c.encode(earlyFinish, forKey: .earlyFinish)
        try c.encode(lateStart, forKey: .lateStart)
        try c.encode(lateFinish, forKey: .lateFinish)
        try c.encode(totalFloat, forKey: .totalFloat)
        try c.encode(critical, forKey: .critical)
        try c.encode(plannedStart, forKey: .plannedStart)
        try c.encode(plannedFinish, forKey: .plannedFinish)
        try c.encode(startVarianceDays, forKey: .startVarianceDays)
        try c.encode(finishVarianceDays, forKey: .finishVarianceDays)
        try c.encode(actualStartVarianceDays, forKey: .actualStartVarianceDays)
        try c.encode(actualFinishVarianceDays, forKey: .actualFinishVarianceDays)
    }

    public init(from decoder: any Decoder) throws {
        task = try ProjectTask(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        earlyStart = try c.decode(Day.self, forKey: .earlyStart)
        earlyFinish = try c.decode(Day.self, forKey: .earlyFinish)
        lateStart = try c.decode(Day.self, forKey: .lateStart)
        lateFinish = try c.decode(Day.self, forKey: .lateFinish)
        totalFloat = try c.decode(Int64.self, forKey: .totalFloat)
        critical = try c.decode(Bool.self, forKey: .critical)
        plannedStart = try c.decode(Day.self, forKey: .plannedStart)
        plannedFinish = try c.decode(Day.self, forKey: .plannedFinish)
        startVarianceDays = try c.decodeIfPresent(Int64.self, forKey: .startVarianceDays)
        finishVarianceDays = try c.decodeIfPresent(Int64.self, forKey: .finishVarianceDays)
        actualStartVarianceDays = try c.decodeIfPresent(Int64.self, forKey: .actualStartVarianceDays)
        actualFinishVarianceDays = try c.decodeIfPresent(Int64.self, forKey: .actualFinishVarianceDays)
    }
}

/// Which calendar a year of the schedule was counted on.
public struct CalendarYear: Codable, Sendable, Equatable {
    public var year: Int64
    public var source: WorkCalendar.YearSource
}

/// A project's computed schedule as the API writes it.
public struct ScheduleView: Codable, Sendable, Equatable {
    public var mode: Schedule.Mode
    public var anchor: Day
    public var start: Day
    public var finish: Day
    public var deadline: Day
    public var daysPastDeadline: Int64
    public var baselineAt: String?
    public var calendarYears: [CalendarYear]
    public var tasks: [ScheduledTask]

    enum CodingKeys: String, CodingKey {
        case mode, anchor, start, finish, deadline, daysPastDeadline = "days_past_deadline"
        case baselineAt = "baseline_at", calendarYears = "calendar_years", tasks
    }
}
