/// Community events (活动): what kind, who may sign up, and the rules for places, the waiting list and hours.
public enum EventKind: String, CaseIterable, Codable, Sendable {
    case happySunday = "happy_sunday"
    case culture, volunteer
    case policyTalk = "policy_talk"
    case other
}

/// Who may sign up: nobody (a walk-in event), anyone, or only people in the registry of the event's place.
public enum EventSignupMode: String, CaseIterable, Codable, Sendable {
    case none, open, residents
}

public enum EventState: String, CaseIterable, Codable, Sendable {
    case scheduled, cancelled
}

public enum EventSignupStatus: String, CaseIterable, Codable, Sendable {
    case confirmed, waitlisted, cancelled
}

/// An instant as whole seconds since 1970 UTC, read from RFC 3339 text; text without an offset is China time
/// (what a page's date-and-time field sends).
public struct EventInstant: Hashable, Comparable, Sendable {
    public let seconds: Int64
    public init(seconds: Int64) { self.seconds = seconds }

    public static let chinaOffset: Int64 = 8 * 3600

    /// `2026-12-06T09:00:00+08:00`, `2026-12-06T01:00:00Z`, `2026-12-06T09:00` (China time); seconds optional,
    /// a fraction of a second is dropped. Anything else is nil.
    public init?(parsing raw: String) {
        let text = Array(raw.utf8)
        guard text.count >= 16, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
            text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: "t") || text[10] == UInt8(ascii: " "),
            text[13] == UInt8(ascii: ":")
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= text.count else { return nil }
            var n = 0
            for b in text[from..<(from + count)] {
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        guard let day = Day(String(decoding: text[0..<10], as: UTF8.self)), let hour = number(11, 2),
            let minute = number(14, 2), hour < 24, minute < 60
        else { return nil }
        var i = 16
        var second = 0
        if i < text.count && text[i] == UInt8(ascii: ":") {
            guard let s = number(i + 1, 2), s < 60 else { return nil }
            second = s
            i += 3
            if i < text.count && text[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < text.count && text[i] >= 48 && text[i] <= 57 { i += 1 }
                guard i > start else { return nil }
            }
        }
        var offset = Self.chinaOffset
        if i < text.count {
            if text[i] == UInt8(ascii: "Z") || text[i] == UInt8(ascii: "z") {
                offset = 0
                i += 1
            } else if text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                guard let oh = number(i + 1, 2), i + 3 < text.count, text[i + 3] == UInt8(ascii: ":"),
                    let om = number(i + 4, 2), oh < 24, om < 60
                else { return nil }
                offset = Int64(oh * 3600 + om * 60) * (text[i] == UInt8(ascii: "-") ? -1 : 1)
                i += 6
            } else {
                return nil
            }
        }
        guard i == text.count else { return nil }
        seconds = day.ordinal * 86400 + Int64(hour * 3600 + minute * 60 + second) - offset
    }

    public static func < (a: EventInstant, b: EventInstant) -> Bool { a.seconds < b.seconds }

    /// The China calendar day and minutes after midnight there.
    public var chinaDay: Day {
        let local = seconds + Self.chinaOffset
        return Day(ordinal: local >= 0 ? local / 86400 : (local - 86399) / 86400)
    }
    public var chinaMinutes: Int { Int((seconds + Self.chinaOffset - chinaDay.ordinal * 86400) / 60) }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// `2026-12-06T09:00:00+08:00`: how the API writes an event's times.
    public var chinaText: String {
        let s = Int(seconds + Self.chinaOffset - chinaDay.ordinal * 86400)
        return "\(chinaDay)T\(Self.two(s / 3600)):\(Self.two(s % 3600 / 60)):\(Self.two(s % 60))+08:00"
    }
    /// `2026-12-06 09:00`, for pages.
    public var chinaShort: String {
        "\(chinaDay) \(Self.two(chinaMinutes / 60)):\(Self.two(chinaMinutes % 60))"
    }
    /// `2026-12-06T09:00`: China time as a page's date-and-time field holds it.
    public var chinaLocal: String {
        "\(chinaDay)T\(Self.two(chinaMinutes / 60)):\(Self.two(chinaMinutes % 60))"
    }
    /// `2026-12-06T01:00:00Z`: how the store keeps it, so text order is time order.
    public var utcText: String {
        let d = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let s = Int(seconds - d * 86400)
        return "\(Day(ordinal: d))T\(Self.two(s / 3600)):\(Self.two(s % 3600 / 60)):\(Self.two(s % 60))Z"
    }
}

/// The decisions about events, pure so each is tested on its own.
public enum EventRules {
    public static let maxCapacity: Int64 = 100_000
    /// An event lasts at most 31 days; anything longer is a typing mistake.
    public static let maxDurationSeconds: Int64 = 31 * 86400
    /// Hours a helper gives to one event, in minutes: at most a day.
    public static let maxHelperMinutes: Int64 = 24 * 60

    /// An event's times are changed only before it starts: one held keeps its day, which its attendance, its report
    /// and its helpers' hours are of (moved into the future it would be offered again to the public).
    public static func mayMoveTimes(startsAt: EventInstant, now: EventInstant) -> Bool { now < startsAt }

    /// An event not yet started is moved to a start still ahead: moved into the past it would count as held at once,
    /// and its times could not be put right again.
    public static func moveProblem(to startsAt: EventInstant, now: EventInstant) -> ValidationError? {
        guard startsAt <= now else { return nil }
        return ValidationError(
            field: "starts_at", code: "moved_past", message: "an upcoming event is moved to a later start")
    }

    /// An event is planned at most a year ahead: a start in 2062 for 2026 is a slip of the keyboard.
    public static let maxLeadSeconds: Int64 = 366 * 86400

    /// The times and capacity of an event, each checked; the first problem names its field. Given `now`, a start
    /// more than a year ahead or a year ago is refused too.
    public static func check(
        startsAt: EventInstant, endsAt: EventInstant, capacity: Int64?, now: EventInstant? = nil
    ) -> ValidationError? {
        if let now, startsAt.seconds - now.seconds > maxLeadSeconds {
            return ValidationError(field: "starts_at", code: "too_far", message: "starts_at is more than a year away")
        }
        // An event is entered after it took place (for its helpers' hours) within a year; year 1 is a slip.
        if let now, now.seconds - startsAt.seconds > maxLeadSeconds {
            return ValidationError(field: "starts_at", code: "too_old", message: "starts_at is more than a year ago")
        }
        if endsAt <= startsAt {
            return ValidationError(field: "ends_at", code: "before_start", message: "ends_at must be after starts_at")
        }
        if endsAt.seconds - startsAt.seconds > maxDurationSeconds {
            return ValidationError(field: "ends_at", code: "too_long", message: "an event lasts at most 31 days")
        }
        if let capacity, capacity < 1 || capacity > maxCapacity {
            return ValidationError(
                field: "capacity", code: "out_of_range",
                message: "capacity is 1 to \(maxCapacity), or null for no limit")
        }
        return nil
    }

    /// Why nobody may sign up now, if so: a cancelled event, one without sign-ups, or one that has started.
    public enum SignupRefusal: Equatable, Sendable {
        case cancelled, noSignup, started
        public var field: String {
            switch self {
            case .cancelled: "state"
            case .noSignup: "signup"
            case .started: "starts_at"
            }
        }
        public var code: String {
            switch self {
            case .cancelled: "event_cancelled"
            case .noSignup: "signup_closed"
            case .started: "event_started"
            }
        }
        public var message: String {
            switch self {
            case .cancelled: "the event is cancelled"
            case .noSignup: "this event takes no sign-ups"
            case .started: "starts_at has passed: sign-ups close when the event starts"
            }
        }
    }

    public static func signupRefusal(
        state: EventState, mode: EventSignupMode, startsAt: EventInstant, now: EventInstant
    ) -> SignupRefusal? {
        if state == .cancelled { return .cancelled }
        if mode == .none { return .noSignup }
        if now >= startsAt { return .started }
        return nil
    }

    /// A new sign-up takes a place while confirmed ones are fewer than the capacity, else waits.
    public static func status(confirmed: Int64, capacity: Int64?) -> EventSignupStatus {
        guard let capacity else { return .confirmed }
        return confirmed < capacity ? .confirmed : .waitlisted
    }

    /// Who moves up from the waiting list, in the order they signed up, once places are free.
    public static func promotions(confirmed: Int64, capacity: Int64?, waiting: [Int64]) -> [Int64] {
        guard let capacity else { return waiting }
        let free = max(0, capacity - confirmed)
        return Array(waiting.prefix(Int(min(free, Int64(waiting.count)))))
    }

    /// Attendance is taken once the event has started; a report once it has ended.
    public static func attendanceRefusal(startsAt: EventInstant, now: EventInstant) -> String? {
        now < startsAt ? "attendance is taken once the event has started" : nil
    }
    public static func reportRefusal(endsAt: EventInstant, state: EventState, now: EventInstant) -> String? {
        if state == .cancelled { return "a cancelled event has no report" }
        return now < endsAt ? "the report is written once the event has ended" : nil
    }

    /// Minutes as hours: with one decimal where that is exact (150 → "2.5", 60 → "1.0"), else with two, exact where
    /// they can be (45 → "0.75") and rounded half up where not (20 → "0.33"), so 45 and 45 minutes read 0.75 and
    /// 0.75 beside their 1.5.
    public static func hoursText(minutes: Int64) -> String {
        guard minutes % 6 != 0 else { return "\(minutes / 60).\(minutes % 60 / 6)" }
        let hundredths = (minutes * 100 + 30) / 60
        let cents = hundredths % 100
        return "\(hundredths / 100)." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// A sign-up's cancellation code as a person reads and types it: 8 letters and digits in two groups.
    public static func formatCode(_ raw: String) -> String {
        let c = Array(raw.uppercased().filter { $0.isLetter || $0.isNumber })
        guard c.count == 8 else { return String(c) }
        return String(c[0..<4]) + "-" + String(c[4..<8])
    }
}
