/// A calendar day, without time or zone: what schedules and service levels count in.
public struct Day: Hashable, Comparable, Sendable, TextCodable {
    /// Days since 1970-01-01.
    public let ordinal: Int64

    public init(ordinal: Int64) { self.ordinal = ordinal }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(year: year, month: month) else { return nil }
        // Howard Hinnant's days-from-civil.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        ordinal = era * 146_097 + doe - 719_468
    }

    /// "2026-10-01"; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            let day = Day(year: y, month: m, day: d)
        else { return nil }
        self = day
    }

    public var civil: (year: Int, month: Int, day: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    /// 1 Monday … 7 Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { Int(((ordinal % 7) + 7 + 3) % 7) + 1 }
    public var isWeekend: Bool { weekday >= 6 }
    /// The day as a sentence on a page shows it: with non-breaking hyphens, so that it never wraps in the middle on
    /// a phone.
    public var nonBreaking: String { description.replacingOccurrences(of: "-", with: "\u{2011}") }

    public func adding(days n: Int64) -> Day { Day(ordinal: ordinal + n) }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }

    public var description: String {
        let (y, m, d) = civil
        // Four digits for the year, as the text it is read from has (0527-04-07, not 527-04-07).
        let year = y >= 0 && y < 1000 ? String(String(y + 10000).dropFirst()) : String(y)
        return "\(year)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init?(parsing text: String) { self.init(text) }
}

/// Working days with China's adjusted holidays (调休): weekdays that are holidays, and weekend
/// days that are working days. A year nobody has entered falls back to Monday to Friday.
public struct WorkCalendar: Sendable, Equatable {
    public var holidays: Set<Day>
    public var workdays: Set<Day>
    /// Years whose arrangement an office entered itself (it replaces the published one).
    public var enteredYears: Set<Int> = []

    /// Where a year's working days come from: the State Council's published arrangement shipped with Courtyard,
    /// one the office entered, or neither, when every Monday to Friday counts (and National Day would too).
    public enum YearSource: String, Codable, Sendable, Equatable { case published, entered, weekdays }

    public static let publishedYears = [2025, 2026]

    public func source(ofYear year: Int) -> YearSource {
        if enteredYears.contains(year) { return .entered }
        return Self.publishedYears.contains(year) ? .published : .weekdays
    }

    /// Each calendar year from `from` through `to`, with the source of its working days.
    public func sources(from: Day, through to: Day) -> [(year: Int, source: YearSource)] {
        let first = min(from, to).civil.year
        let last = max(from, to).civil.year
        return (first...last).map { ($0, source(ofYear: $0)) }
    }

    public init(holidays: Set<Day> = [], workdays: Set<Day> = []) {
        self.holidays = holidays
        self.workdays = workdays
    }

    public func isWorkingDay(_ d: Day) -> Bool {
        if workdays.contains(d) { return true }
        if holidays.contains(d) { return false }
        return !d.isWeekend
    }

    /// The working day `n` working days after `d` (n ≥ 0); with n = 0, `d` itself or the next working day.
    public func adding(workingDays n: Int, to d: Day) -> Day {
        var day = d
        while !isWorkingDay(day) { day = day.adding(days: 1) }
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    public func workingDays(after from: Day, through to: Day) -> Int {
        guard to > from else { return 0 }
        var n = 0
        var d = from.adding(days: 1)
        while d <= to {
            if isWorkingDay(d) { n += 1 }
            d = d.adding(days: 1)
        }
        return n
    }

    /// The State Council's published arrangements, shipped so an office never types them in.
    public static func published(year: Int) -> WorkCalendar? {
        func days(_ ranges: [(String, String)]) -> Set<Day> {
            var out: Set<Day> = []
            for (a, b) in ranges {
                var d = Day("\(year)-\(a)")!
                let end = Day("\(year)-\(b)")!
                while d <= end {
                    out.insert(d)
                    d = d.adding(days: 1)
                }
            }
            return out
        }
        func single(_ list: [String]) -> Set<Day> { Set(list.map { Day("\(year)-\($0)")! }) }
        switch year {
        case 2025:
            return WorkCalendar(
                holidays: days([
                    ("01-01", "01-01"), ("01-28", "02-04"), ("04-04", "04-06"), ("05-01", "05-05"), ("05-31", "06-02"),
                    ("10-01", "10-08"),
                ]),
                workdays: single(["01-26", "02-08", "04-27", "09-28", "10-11"]))
        case 2026:
            return WorkCalendar(
                holidays: days([
                    ("01-01", "01-03"), ("02-15", "02-23"), ("04-04", "04-06"), ("05-01", "05-05"), ("06-19", "06-21"),
                    ("09-25", "09-27"), ("10-01", "10-07"),
                ]),
                workdays: single(["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]))
        default:
            return nil
        }
    }

    /// The published arrangements of every year shipped, worked out once: every due date starts from it.
    public static let shipped: WorkCalendar = {
        var c = WorkCalendar()
        for y in publishedYears {
            if let p = published(year: y) {
                c.holidays.formUnion(p.holidays)
                c.workdays.formUnion(p.workdays)
            }
        }
        return c
    }()
}
