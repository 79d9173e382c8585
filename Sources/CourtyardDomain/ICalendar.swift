/// An iCalendar (RFC 5545) feed: meetings at a time of day in Asia/Shanghai, action due dates as whole days.
public enum ICalendar {
    public struct Event: Sendable, Equatable {
        public var uid: String
        public var summary: String
        public var location: String
        public var description: String
        public var date: Day
        /// Minutes after midnight and length; nil for an all-day entry.
        public var startMinutes: Int?
        public var durationMinutes: Int
        public var cancelled: Bool
        /// Where the entry is read (and signed up for) on the web; "" for none.
        public var url = ""
        /// How many times the entry was changed since it was first published (RFC 5545 SEQUENCE), so a calendar
        /// that keeps a copy takes a moved time as newer.
        public var sequence: Int64 = 0
        public init(
            uid: String, summary: String, location: String = "", description: String = "", date: Day,
            startMinutes: Int?, durationMinutes: Int = 0, cancelled: Bool = false
        ) {
            self.uid = uid
            self.summary = summary
            self.location = location
            self.description = description
            self.date = date
            self.startMinutes = startMinutes
            self.durationMinutes = durationMinutes
            self.cancelled = cancelled
        }
    }

    /// China Standard Time: UTC+8 all year, no daylight saving since 1991.
    static let timezone = [
        "BEGIN:VTIMEZONE", "TZID:Asia/Shanghai", "BEGIN:STANDARD", "DTSTART:19910915T000000", "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800", "TZNAME:CST", "END:STANDARD", "END:VTIMEZONE",
    ]

    /// `stamp` is the feed's DTSTAMP in UTC, e.g. "20261130T010203Z".
    public static func feed(name: String, events: [Event], stamp: String) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Courtyard//Coordination//ZH", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:" + text(name), "X-WR-TIMEZONE:Asia/Shanghai",
        ]
        lines += timezone
        for e in events {
            lines += ["BEGIN:VEVENT", "UID:" + text(e.uid), "DTSTAMP:" + stamp]
            if e.sequence > 0 { lines.append("SEQUENCE:\(e.sequence)") }
            let d = compact(e.date)
            if let start = e.startMinutes {
                let end = start + max(e.durationMinutes, 1)
                let endDay = e.date.adding(days: Int64(end / 1440))
                lines.append("DTSTART;TZID=Asia/Shanghai:\(d)T\(hhmm(start))00")
                lines.append("DTEND;TZID=Asia/Shanghai:\(compact(endDay))T\(hhmm(end % 1440))00")
            } else {
                lines.append("DTSTART;VALUE=DATE:\(d)")
                lines.append("DTEND;VALUE=DATE:\(compact(e.date.adding(days: 1)))")
            }
            lines.append("SUMMARY:" + text(e.summary))
            if !e.location.isEmpty { lines.append("LOCATION:" + text(e.location)) }
            if !e.description.isEmpty { lines.append("DESCRIPTION:" + text(e.description)) }
            // A URI value, not TEXT: written as it is, its commas and semicolons belonging to it.
            if !e.url.isEmpty, !e.url.contains(where: { $0.isNewline }) { lines.append("URL:" + e.url) }
            lines.append("STATUS:" + (e.cancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func compact(_ d: Day) -> String { String(d.description.filter { $0 != "-" }) }

    static func hhmm(_ minutes: Int) -> String {
        let h = minutes / 60
        let m = minutes % 60
        return (h < 10 ? "0" : "") + String(h) + (m < 10 ? "0" : "") + String(m)
    }

    /// TEXT values escape backslash, semicolon, comma and line breaks.
    public static func text(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": continue
            default: out.append(c)
            }
        }
        return out
    }

    /// Lines longer than 75 octets are folded: CRLF and a space, never inside a UTF-8 character.
    public static func fold(_ line: String) -> String {
        var parts: [String] = []
        var current = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let n = String(scalar).utf8.count
            // The first line holds 75 octets; each continuation 74 after its leading space.
            let limit = parts.isEmpty ? 75 : 74
            if octets + n > limit {
                parts.append(current)
                current = ""
                octets = 0
            }
            current.unicodeScalars.append(scalar)
            octets += n
        }
        parts.append(current)
        return parts.joined(separator: "\r\n ")
    }
}
