/// What puts a project on the office's list of projects behind schedule, decided over facts the store loads.
public enum ProjectWatch {
    /// A stage before construction that has not moved for this many days is stalled (a month of no step).
    public static let stalledAfterDays: Int64 = 30

    public enum Reason: String, Sendable, Equatable, CaseIterable {
        /// Tasks not finished past their late finish: the whole plan slips.
        case lateTasks = "late_tasks"
        /// The deadline has passed and the works are not complete.
        case pastDeadline = "past_deadline"
        /// A stage before construction has not moved for `stalledAfterDays`.
        case stageStalled = "stage_stalled"
    }

    public struct Facts: Sendable {
        public var stage: ProjectStage
        public var lateTasks: Int
        public var deadline: Day
        public var completed: Bool
        public var stageSince: Day
        public init(stage: ProjectStage, lateTasks: Int, deadline: Day, completed: Bool, stageSince: Day) {
            self.stage = stage
            self.lateTasks = lateTasks
            self.deadline = deadline
            self.completed = completed
            self.stageSince = stageSince
        }
    }

    /// Why the project is behind today, in the order the list shows them; empty when it is not.
    public static func reasons(_ f: Facts, today: Day) -> [Reason] {
        guard !f.completed, f.stage < .accepted else { return [] }
        var reasons: [Reason] = []
        if f.lateTasks > 0 { reasons.append(.lateTasks) }
        if today > f.deadline { reasons.append(.pastDeadline) }
        if f.stage < .construction, stalledDays(f, today: today) >= stalledAfterDays { reasons.append(.stageStalled) }
        return reasons
    }

    /// Days the project has stood in its stage.
    public static func stalledDays(_ f: Facts, today: Day) -> Int64 { max(0, today.ordinal - f.stageSince.ordinal) }
}

/// This week and last week, as an office counts them: Monday to Sunday in China time.
public struct WeekSpan: Sendable, Equatable {
    public var thisMonday: Day
    public var lastMonday: Day

    public init(today: Day) {
        thisMonday = today.adding(days: -Int64(today.weekday - 1))
        lastMonday = thisMonday.adding(days: -7)
    }

    /// The instant a China day begins, as the stored UTC times write it ("2026-11-22T16:00:00Z" for 11-23).
    public static func utcStart(of day: Day) -> String { "\(day.adding(days: -1))T16:00:00Z" }
}

/// Which households a round of asking (a vote or a questionnaire) has not yet reached, by building.
public enum Outreach {
    public struct Home: Sendable, Equatable {
        public var householdId: Int64
        public var building: String
        public var room: String
        public var reached: Bool
        public init(householdId: Int64, building: String, room: String, reached: Bool) {
            self.householdId = householdId
            self.building = building
            self.room = room
            self.reached = reached
        }
    }

    /// The households not reached, grouped by building in the order the buildings first appear.
    public static func missing(_ homes: [Home]) -> [(building: String, homes: [Home])] {
        var order: [String] = []
        var groups: [String: [Home]] = [:]
        for h in homes where !h.reached {
            if groups[h.building] == nil { order.append(h.building) }
            groups[h.building, default: []].append(h)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
