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
}
