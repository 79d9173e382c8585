/// The day of something recorded after it happened (a site log, a training): not in the future, and not so far
/// back that a slip of the keyboard (2016 for 2026, 1900) is likelier than a paper record entered late.
public enum RecordedDay {
    /// How far back such a record may be entered: a year.
    public static let daysBack: Int64 = 366

    public static func check(_ day: Day, field: String, today: Day) throws {
        guard day <= today else {
            throw ValidationError(field: field, code: "future", message: "\(field) cannot be in the future")
        }
        guard day >= today.adding(days: -daysBack) else {
            throw ValidationError(field: field, code: "too_old", message: "\(field) is more than a year ago")
        }
    }
}
