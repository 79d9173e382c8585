/// What a site check's finding is given when its fix fails re-inspection.
public enum FindingRules {
    /// A deadline already past stays (the lateness is not wiped by a fix that did not hold); one still ahead gets at
    /// least `fresh` (the usual working days from today) to fix it properly.
    public static func dueAfterFailedFix(was: Day?, fresh: Day, today: Day) -> Day {
        guard let was else { return fresh }
        if was < today { return was }
        return max(was, fresh)
    }
}
