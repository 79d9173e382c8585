/// A public notice's (公示) place in time, and what residents may do then.
public enum NoticePhase: String, CaseIterable, Codable, Sendable {
    /// Not yet published.
    case draft
    /// Published, its display period not yet begun.
    case scheduled
    /// On display: residents may object.
    case onDisplay = "on_display"
    /// The display period is over.
    case ended

    /// Where a notice stands today: only a published notice is ever shown; it is on display from its first day
    /// to its last, both included.
    public static func of(published: Bool, startsOn: Day, endsOn: Day, today: Day) -> NoticePhase {
        guard published else { return .draft }
        if today < startsOn { return .scheduled }
        return today <= endsOn ? .onDisplay : .ended
    }

    /// Objections are taken only while the notice is on display.
    public var takesObjections: Bool { self == .onDisplay }
}

/// What a notice's display period may be when it is posted: a notice is evidence that residents could read and
/// object, so its period may not be over already, may begin at most a week back (a paper notice put up on Monday and
/// entered on Friday), and runs at most a year.
public enum NoticeSchedule {
    public static let enteredLateDays: Int64 = 7
    public static let longestDays: Int64 = 366

    public enum Problem: String, Sendable, Equatable {
        case ended
        case startsTooEarly = "starts_too_early"
        case tooLong = "period_too_long"

        /// The field the problem is about.
        public var field: String { self == .startsTooEarly ? "starts_on" : "ends_on" }
    }

    public static func problem(startsOn: Day, endsOn: Day, today: Day) -> Problem? {
        if endsOn < today { return .ended }
        if startsOn < today.adding(days: -enteredLateDays) { return .startsTooEarly }
        if endsOn > startsOn.adding(days: longestDays - 1) { return .tooLong }
        return nil
    }
}
