import CourtyardDomain
import Testing

@Suite struct FindingRulesTests {
    let today = Day(year: 2026, month: 12, day: 7)!

    @Test func aFailedFixKeepsADeadlineAlreadyPast() {
        let past = today.adding(days: -3)
        #expect(FindingRules.dueAfterFailedFix(was: past, fresh: today.adding(days: 3), today: today) == past)
    }

    @Test func aDeadlineAheadIsGivenAtLeastTheUsualDays() {
        let fresh = today.adding(days: 3)
        #expect(FindingRules.dueAfterFailedFix(was: today, fresh: fresh, today: today) == fresh)
        #expect(
            FindingRules.dueAfterFailedFix(was: today.adding(days: 9), fresh: fresh, today: today)
                == today.adding(days: 9))
        #expect(FindingRules.dueAfterFailedFix(was: nil, fresh: fresh, today: today) == fresh)
    }
}
