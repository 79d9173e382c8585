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
