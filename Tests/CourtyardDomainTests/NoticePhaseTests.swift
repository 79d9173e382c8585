import CourtyardDomain
import Testing

/// A notice's phase and the objections it takes: one test per rule.
@Suite struct NoticePhaseTests {
    static let start = Day("2026-10-08")!
    static let end = Day("2026-10-14")!

    static func phase(published: Bool = true, _ today: String) -> NoticePhase {
        NoticePhase.of(published: published, startsOn: start, endsOn: end, today: Day(today)!)
    }

    @Test func anUnpublishedNoticeIsADraftWhateverTheDate() {
        #expect(Self.phase(published: false, "2026-10-10") == .draft)
    }

    @Test func aPublishedNoticeWaitsForItsFirstDay() {
        #expect(Self.phase("2026-10-07") == .scheduled)
    }

    @Test func itIsOnDisplayFromItsFirstToItsLastDayBothIncluded() {
        #expect(Self.phase("2026-10-08") == .onDisplay)
        #expect(Self.phase("2026-10-14") == .onDisplay)
    }

    @Test func itEndsTheDayAfterItsLastDay() {
        #expect(Self.phase("2026-10-15") == .ended)
    }

    @Test func onlyANoticeOnDisplayTakesObjections() {
        #expect(NoticePhase.allCases.filter(\.takesObjections) == [.onDisplay])
    }

    @Test func aNoticeIsPostedForAPeriodNotOverBegunAtMostAWeekBackAndAtMostAYearLong() {
        let today = Day("2026-12-03")!
        func problem(_ a: String, _ b: String) -> NoticeSchedule.Problem? {
            NoticeSchedule.problem(startsOn: Day(a)!, endsOn: Day(b)!, today: today)
        }
        #expect(problem("2020-01-01", "2020-01-08") == .ended)
        #expect(problem("2026-11-25", "2026-12-02") == .ended)
        #expect(problem("2026-11-26", "2026-12-03") == nil)
        #expect(problem("2026-11-25", "2026-12-10") == .startsTooEarly)
        #expect(problem("2026-12-03", "2026-12-03") == nil)
        #expect(problem("2026-12-03", "2027-12-03") == nil)
        #expect(problem("2026-12-03", "2027-12-04") == .tooLong)
        #expect(NoticeSchedule.Problem.startsTooEarly.field == "starts_on")
    }
}
