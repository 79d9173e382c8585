import CourtyardDomain
import Testing

@Suite struct ProgressOnDayTests {
    func day(_ s: String) -> Day { Day(s)! }
    var logs: [ProgressOnDay.Log] {
        [
            .init(day: day("2026-11-02"), percents: [(1, 10), (2, 5)]),
            .init(day: day("2026-11-20"), percents: [(1, 60)]),
            .init(day: day("2026-11-09"), percents: [(1, 30), (2, 20)]),
            .init(day: day("2026-11-25"), percents: [(2, 90), (3, 40)]),
        ]
    }

    @Test func anItemTakesTheLatestLogOnOrBeforeTheDayWhateverTheirOrder() {
        let p = ProgressOnDay.percents([1, 2, 3], logs: logs, on: day("2026-11-20"))
        #expect(p == [1: 60, 2: 20, 3: 0])
        #expect(ProgressOnDay.percents([1, 2], logs: logs, on: day("2026-11-19")) == [1: 30, 2: 20])
    }

    @Test func beforeAnyLogAnItemIsAtNothingAndAfterTheLastItKeepsIt() {
        #expect(ProgressOnDay.percents([1, 2], logs: logs, on: day("2026-11-01")) == [1: 0, 2: 0])
        #expect(ProgressOnDay.percents([1, 2, 3], logs: logs, on: day("2026-12-31")) == [1: 60, 2: 90, 3: 40])
    }

    @Test func onlyTheItemsAskedForAreAnswered() {
        #expect(ProgressOnDay.percents([3], logs: logs, on: day("2026-11-25")) == [3: 40])
        #expect(ProgressOnDay.percents([], logs: logs, on: day("2026-11-25")).isEmpty)
    }

    @Test func aDayEndsAtMidnightInChina() {
        // 2026-11-20 ends at 16:00 UTC; a gate passed at 15:59:59 UTC was passed that day in China.
        let end = ProgressOnDay.endOfDay(day("2026-11-20"))
        #expect(end == "2026-11-20T16:00:00Z")
        #expect("2026-11-20T15:59:59Z" < end)
        #expect(!("2026-11-20T16:00:00Z" < end))
    }

    @Test func theStageOnADayIsTheOneTheFirstLaterPassLeft() {
        let passes: [(from: ProjectStage, at: String)] = [
            (.construction, "2026-11-28T02:00:00Z"), (.planApproved, "2026-11-21T03:00:00Z"),
        ]
        #expect(ProgressOnDay.stage(now: .accepted, passedSince: passes) == .planApproved)
        #expect(ProgressOnDay.stage(now: .accepted, passedSince: []) == .accepted)
    }
}
