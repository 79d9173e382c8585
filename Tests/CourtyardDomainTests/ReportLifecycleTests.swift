import CourtyardDomain
import Testing

@Suite struct ReportLifecycleTests {
    @Test func onlyTheLoopsStepsAreAllowed() {
        let path: [ReportState] = [.submitted, .acknowledged, .assigned, .fixed, .verified, .closed]
        for (a, b) in zip(path, path.dropFirst()) { #expect(ReportLifecycle.canMove(from: a, to: b), "\(a) → \(b)") }
        #expect(!ReportLifecycle.canMove(from: .submitted, to: .fixed))
        #expect(!ReportLifecycle.canMove(from: .closed, to: .reopened))
        #expect(ReportLifecycle.canMove(from: .fixed, to: .reopened))
        #expect(ReportLifecycle.canMove(from: .reopened, to: .assigned))
        #expect(!ReportLifecycle.canMove(from: .rejected, to: .acknowledged))
        for s in ReportState.allCases { #expect(!ReportLifecycle.canMove(from: s, to: s)) }
    }

    @Test func saysWhoseTurnItIs() {
        #expect(ReportLifecycle.ballInCourt(.submitted) == .office)
        #expect(ReportLifecycle.ballInCourt(.assigned) == .contractor)
        #expect(ReportLifecycle.ballInCourt(.fixed) == .reporter)
        #expect(ReportLifecycle.ballInCourt(.reopened) == .office)
        #expect(ReportLifecycle.ballInCourt(.closed) == .none)
    }

    @Test func dueDatesCountWorkingDays() {
        let cal = WorkCalendar.shipped
        let levels = ServiceLevels()
        // Submitted on the last working day before National Day 2026: acknowledge by 10-08.
        let ack = ReportLifecycle.due(.submitted, since: Day("2026-09-30")!, calendar: cal, levels: levels)
        #expect(ack == Day("2026-10-08"))
        let fix = ReportLifecycle.due(.assigned, since: Day("2026-09-30")!, calendar: cal, levels: levels)
        #expect(fix == Day("2026-10-13"))
        #expect(ReportLifecycle.due(.fixed, since: Day("2026-09-30")!, calendar: cal, levels: levels) == nil)
        #expect(ReportLifecycle.isOverdue(due: ack, today: Day("2026-10-09")!))
        #expect(!ReportLifecycle.isOverdue(due: ack, today: Day("2026-10-08")!))
        #expect(!ReportLifecycle.isOverdue(due: nil, today: Day("2030-01-01")!))
    }
}
