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
        #expect(ReportLifecycle.ballInCourt(.assigned, assigneeKind: .propertyCompany) == .propertyCompany)
        #expect(ReportLifecycle.ballInCourt(.assigned, assigneeKind: .department) == .department)
        #expect(ReportLifecycle.ballInCourt(.assigned, assigneeKind: .contractor) == .contractor)
        #expect(ReportLifecycle.ballInCourt(.fixed, assigneeKind: .propertyCompany) == .reporter)
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
        // Acknowledged or reopened, it is to be sent on within the same day as a new one is acknowledged.
        for state in [ReportState.acknowledged, .reopened] {
            #expect(ReportLifecycle.due(state, since: Day("2026-09-30")!, calendar: cal, levels: levels) == ack)
        }
        #expect(ReportLifecycle.due(.verified, since: Day("2026-09-30")!, calendar: cal, levels: levels) == nil)
        #expect(ReportLifecycle.isOverdue(due: ack, today: Day("2026-10-09")!))
        #expect(!ReportLifecycle.isOverdue(due: ack, today: Day("2026-10-08")!))
        #expect(!ReportLifecycle.isOverdue(due: nil, today: Day("2030-01-01")!))
    }
}

@Suite struct TrackingCodeTests {
    @Test func aCodeIsEightCharactersWithoutLookAlikes() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let code = TrackingCode.make(using: &g)
            #expect(code.count == 11 && code.hasPrefix("R-"))
            #expect(!code.dropFirst(2).contains { "01OIL".contains($0) })
            #expect(TrackingCode.normalize(code) == code)
        }
    }

    @Test func whatAPersonTypesIsReadLeniently() {
        #expect(TrackingCode.normalize("r-abcd-ef23") == "R-ABCD-EF23")
        #expect(TrackingCode.normalize(" abcd ef23 ") == "R-ABCD-EF23")
        // As a page shows it (non-breaking hyphens, so it never wraps in the middle), copied back.
        #expect(TrackingCode.shown("R-ABCD-EF23") == "R\u{2011}ABCD\u{2011}EF23")
        #expect(TrackingCode.normalize(TrackingCode.shown("R-ABCD-EF23")) == "R-ABCD-EF23")
        #expect(TrackingCode.normalize("ABCD+EF23") == "R-ABCD-EF23", "a space as a query string writes it")
        #expect(TrackingCode.normalize("Rabcdef23") == "R-ABCD-EF23")
        #expect(TrackingCode.normalize("ABCD-EF2") == nil)
        #expect(TrackingCode.normalize("ABCD-EF20") == nil, "0 is never in a code")
        #expect(TrackingCode.normalize("' OR 1=1") == nil)
    }

    @Test func anObjectionsCodeKeepsItsY() {
        var g = SystemRandomNumberGenerator()
        let code = TrackingCode.make(prefix: "Y", using: &g)
        #expect(code.hasPrefix("Y-") && TrackingCode.normalize(code) == code)
        #expect(TrackingCode.normalize("y abcd ef23") == "Y-ABCD-EF23")
        #expect(TrackingCode.normalize("Xabcdef23") == nil, "only R and Y begin a code")
    }
}
