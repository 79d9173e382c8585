import CourtyardDomain
import Testing

/// A duration typed by a person is read in exact minutes, as hours by default.
@Suite struct VolunteerDurationTests {
    @Test func hoursMinutesAndBothAreReadExactly() {
        let cases: [(String, Int64?)] = [
            ("1.5", 90), ("2", 120), ("2小时", 120), ("2 h", 120), ("0.5", 30), ("0.1", 6), ("１.５", 90), ("1。5", 90),
            ("１。５小时", 90),
            ("90分钟", 90), ("45分", 45), ("30 min", 30), ("1小时30分", 90), ("1小时30分钟", 90), ("1h30", 90),
            ("", nil), ("abc", nil), ("1.25", nil), ("-5", nil), ("1.5.2", nil), ("99999999999999999999", nil),
            ("2小时半", nil),
        ]
        for (typed, minutes) in cases {
            #expect(ServiceDuration.minutes(typed) == minutes, "\(typed)")
        }
    }

    @Test func savedMinutesAreOfferedInWordsThatReadBackTheSame() {
        let cases: [(Int64, String)] = [
            (90, "1.5"), (60, "1"), (150, "2.5"), (6, "6分钟"), (45, "45分钟"), (100, "1小时40分"), (1440, "24"),
            (1439, "23小时59分"),
        ]
        for (minutes, typed) in cases {
            #expect(ServiceDuration.typed(minutes) == typed)
        }
        for minutes in Int64(1)...1440 {
            #expect(ServiceDuration.minutes(ServiceDuration.typed(minutes)) == minutes, "\(minutes)")
        }
    }
}
