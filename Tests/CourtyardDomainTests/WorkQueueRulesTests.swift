import CourtyardDomain
import Testing

/// What puts a project on the office's list, how weeks are counted, and who a round has not reached.
@Suite struct WorkQueueRulesTests {
    static let today = Day("2026-11-30")!

    static func facts(
        _ stage: ProjectStage = .construction, late: Int = 0, deadline: String = "2027-06-30", completed: Bool = false,
        since: String = "2026-11-20"
    ) -> ProjectWatch.Facts {
        ProjectWatch.Facts(
            stage: stage, lateTasks: late, deadline: Day(deadline)!, completed: completed, stageSince: Day(since)!)
    }

    @Test func aProjectOnTimeIsNotListed() {
        #expect(ProjectWatch.reasons(Self.facts(), today: Self.today).isEmpty)
    }

    @Test func lateTasksPutAProjectBehind() {
        #expect(ProjectWatch.reasons(Self.facts(late: 2), today: Self.today) == [.lateTasks])
    }

    @Test func aPassedDeadlinePutsAProjectBehindOnlyTheDayAfter() {
        #expect(ProjectWatch.reasons(Self.facts(deadline: "2026-11-30"), today: Self.today).isEmpty)
        #expect(ProjectWatch.reasons(Self.facts(deadline: "2026-11-29"), today: Self.today) == [.pastDeadline])
    }

    @Test func aStageBeforeConstructionStallsAfterThirtyDays() {
        #expect(ProjectWatch.reasons(Self.facts(.consultation, since: "2026-11-01"), today: Self.today) == [])
        #expect(
            ProjectWatch.reasons(Self.facts(.consultation, since: "2026-10-31"), today: Self.today) == [.stageStalled])
        // Construction is watched through its tasks, not its stage.
        #expect(ProjectWatch.reasons(Self.facts(.construction, since: "2026-01-01"), today: Self.today).isEmpty)
    }

    @Test func aCompletedOrAcceptedProjectIsNeverBehind() {
        #expect(ProjectWatch.reasons(Self.facts(late: 3, completed: true), today: Self.today).isEmpty)
        #expect(ProjectWatch.reasons(Self.facts(.accepted, late: 3, deadline: "2026-01-01"), today: Self.today).isEmpty)
    }

    @Test func reasonsComeInTheListsOrder() {
        let f = Self.facts(.publicReview, late: 1, deadline: "2026-10-01", since: "2026-09-01")
        #expect(ProjectWatch.reasons(f, today: Self.today) == [.lateTasks, .pastDeadline, .stageStalled])
    }

    @Test func weeksRunMondayToSundayInChinaTime() {
        // 2026-11-30 is a Monday; 2026-12-06 a Sunday.
        #expect(WeekSpan(today: Self.today).thisMonday == Self.today)
        #expect(WeekSpan(today: Day("2026-12-06")!).thisMonday == Self.today)
        #expect(WeekSpan(today: Self.today).lastMonday == Day("2026-11-23"))
        #expect(WeekSpan.utcStart(of: Self.today) == "2026-11-29T16:00:00Z")
    }

    @Test func householdsNotReachedAreGroupedByBuildingInOrder() {
        let homes = [
            Outreach.Home(householdId: 1, building: "2号楼", room: "1-101", reached: false),
            Outreach.Home(householdId: 2, building: "1号楼", room: "1-101", reached: true),
            Outreach.Home(householdId: 3, building: "1号楼", room: "1-102", reached: false),
            Outreach.Home(householdId: 4, building: "2号楼", room: "1-102", reached: false),
        ]
        let missing = Outreach.missing(homes)
        #expect(missing.map(\.building) == ["2号楼", "1号楼"])
        #expect(missing[0].homes.map(\.householdId) == [1, 4])
        #expect(missing[1].homes.map(\.householdId) == [3])
        #expect(
            Outreach.missing(
                homes.map {
                    var h = $0
                    h.reached = true
                    return h
                }
            ).isEmpty)
    }
}
