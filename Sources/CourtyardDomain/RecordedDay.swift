/// The day of something recorded after it happened (a site log, a training): not in the future, and not so far
/// back that a slip of the keyboard (2016 for 2026, 1900) is likelier than a paper record entered late.
public enum RecordedDay {
    /// How far back such a record may be entered: a year.
    public static let daysBack: Int64 = 366

    public static func check(_ day: Day, field: String, today: Day) throws {
        guard day <= today else {
            throw ValidationError(field: field, code: "future", message: "\(field) cannot be in the future")
        }
        try notTooOld(day, field: field, today: today)
    }

    /// The second half alone, for records whose own check of the future answers with a code of its own.
    public static func notTooOld(_ day: Day, field: String, today: Day) throws {
        guard day >= today.adding(days: -daysBack) else {
            throw ValidationError(field: field, code: "too_old", message: "\(field) is more than a year ago")
        }
    }
}

/// Who besides the office may void a paper ballot entered wrongly: the person who entered it, on the day they did
/// (the same rule as a site log's correction). A steward who picked the wrong room mends it at once; after that day
/// the office, which holds the papers, decides.
public enum BallotCorrection {
    public enum Refusal: String, Sendable, Equatable {
        case notEnteredByActor = "ballot_not_yours"
        case pastDay = "ballot_past_day"
    }

    /// Why `actor` may not void a ballot `enteredBy` entered at `enteredAt` (stored UTC); nil when they may.
    public static func refusal(enteredAt: String, enteredBy: String, actor: String, today: Day) -> Refusal? {
        switch LogCorrection.refusal(writtenAt: enteredAt, author: enteredBy, actor: actor, today: today) {
        case nil: nil
        case .notAuthor: .notEnteredByActor
        case .pastDay: .pastDay
        }
    }
}

/// Who may correct a site log, and until when: the person who wrote it, on the day (in China) they wrote it. A slip
/// noticed at once is mended; after that day the ledger stands as written.
public enum LogCorrection {
    public enum Refusal: String, Sendable, Equatable {
        case notAuthor = "not_author"
        case pastDay = "past_day"
    }

    /// Why `actor` may not correct a log `author` wrote at `writtenAt` (stored UTC, "2026-12-01T17:30:00Z"); nil
    /// when they may.
    public static func refusal(writtenAt: String, author: String, actor: String, today: Day) -> Refusal? {
        guard author == actor else { return .notAuthor }
        guard writtenDay(writtenAt) == today else { return .pastDay }
        return nil
    }

    /// The day in China (UTC+8) of a stored UTC time; nil for text that is not one.
    public static func writtenDay(_ iso: String) -> Day? {
        let utf8 = Array(iso.utf8)
        guard utf8.count >= 13, utf8[10] == UInt8(ascii: "T"), let day = Day(String(iso.prefix(10))),
            let hour = Int(String(decoding: utf8[11..<13], as: UTF8.self)), (0..<24).contains(hour)
        else { return nil }
        return hour >= 16 ? day.adding(days: 1) : day
    }
}
