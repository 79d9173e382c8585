import CourtyardDomain
import Testing

@Suite struct EventRulesTests {
    @Test func instantsAreReadWithTheirOffsetOrAsChinaTime() {
        let a = EventInstant(parsing: "2026-12-06T09:00:00+08:00")
        let b = EventInstant(parsing: "2026-12-06T01:00:00Z")
        let c = EventInstant(parsing: "2026-12-06T09:00")
        let d = EventInstant(parsing: "2026-12-05T20:00:00.250-05:00")
        #expect(a != nil && a == b && b == c && c == d)
        #expect(a?.chinaText == "2026-12-06T09:00:00+08:00")
        #expect(a?.utcText == "2026-12-06T01:00:00Z")
        #expect(a?.chinaDay.description == "2026-12-06" && a?.chinaMinutes == 540)
        // Just after midnight in China is the day before in UTC.
        let late = EventInstant(parsing: "2026-12-06T00:30:00+08:00")
        #expect(late?.chinaDay.description == "2026-12-06" && late?.utcText == "2026-12-05T16:30:00Z")
        for bad in [
            "", "tomorrow", "2026-12-06", "2026-13-06T09:00", "2026-12-06T24:00", "2026-12-06T09:00+8",
            "2026-12-06T09:00:00+08:00x", "2026-12-06T09:60",
        ] {
            #expect(EventInstant(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func anEventsTimesMoveOnlyBeforeItStarts() {
        let starts = EventInstant(seconds: 1_000_000)
        #expect(EventRules.mayMoveTimes(startsAt: starts, now: EventInstant(seconds: 999_999)))
        #expect(!EventRules.mayMoveTimes(startsAt: starts, now: starts))
        #expect(!EventRules.mayMoveTimes(startsAt: starts, now: EventInstant(seconds: 2_000_000)))
        // Not yet started, it is moved to a start still ahead, not into the past where it would stay held.
        #expect(EventRules.moveProblem(to: EventInstant(seconds: 1_000_001), now: starts) == nil)
        #expect(EventRules.moveProblem(to: starts, now: starts)?.code == "moved_past")
        #expect(EventRules.moveProblem(to: EventInstant(seconds: 5), now: starts)?.field == "starts_at")
    }

    @Test func anEventEndsAfterItStartsAndHasAtLeastOnePlace() {
        let s = EventInstant(seconds: 1_000_000)
        #expect(EventRules.check(startsAt: s, endsAt: s, capacity: nil)?.field == "ends_at")
        #expect(EventRules.check(startsAt: s, endsAt: EventInstant(seconds: 999_000), capacity: 5)?.field == "ends_at")
        #expect(
            EventRules.check(startsAt: s, endsAt: EventInstant(seconds: s.seconds + 32 * 86400), capacity: 5)?.field
                == "ends_at")
        let later = EventInstant(seconds: 1_003_600)
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: 0)?.field == "capacity")
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: -1)?.field == "capacity")
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: 1) == nil)
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: nil) == nil)
        // Planned from `now`: a year ahead at most, so 9999 for 2026 is caught.
        let now = EventInstant(seconds: s.seconds - EventRules.maxLeadSeconds)
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: nil, now: now) == nil, "a year ahead exactly")
        let early = EventInstant(seconds: now.seconds - 1)
        #expect(EventRules.check(startsAt: s, endsAt: later, capacity: nil, now: early)?.code == "too_far")
        let far = EventInstant(parsing: "9999-12-31T09:00")!
        let farEnd = EventInstant(seconds: far.seconds + 3600)
        #expect(EventRules.check(startsAt: far, endsAt: farEnd, capacity: nil, now: s)?.field == "starts_at")
        let yearOne = EventInstant(parsing: "0001-06-01T09:00")!
        let yearOneEnd = EventInstant(seconds: yearOne.seconds + 3600)
        #expect(EventRules.check(startsAt: yearOne, endsAt: yearOneEnd, capacity: nil, now: s)?.code == "too_old")
        let lastMonth = EventInstant(seconds: s.seconds - 30 * 86400)
        let lastMonthEnd = EventInstant(seconds: lastMonth.seconds + 3600)
        #expect(EventRules.check(startsAt: lastMonth, endsAt: lastMonthEnd, capacity: nil, now: s) == nil)
    }

    @Test func signupsCloseWhenTheEventStartsIsCancelledOrTakesNone() {
        let starts = EventInstant(seconds: 5000)
        let before = EventInstant(seconds: 4999)
        #expect(EventRules.signupRefusal(state: .scheduled, mode: .open, startsAt: starts, now: before) == nil)
        #expect(EventRules.signupRefusal(state: .scheduled, mode: .residents, startsAt: starts, now: before) == nil)
        #expect(EventRules.signupRefusal(state: .scheduled, mode: .open, startsAt: starts, now: starts) == .started)
        #expect(
            EventRules.signupRefusal(state: .scheduled, mode: .open, startsAt: starts, now: starts)?.field
                == "starts_at")
        #expect(EventRules.signupRefusal(state: .cancelled, mode: .open, startsAt: starts, now: before) == .cancelled)
        #expect(EventRules.signupRefusal(state: .scheduled, mode: .none, startsAt: starts, now: before) == .noSignup)
    }

    @Test func aPlaceIsTakenWhileFewerThanTheCapacityAreConfirmed() {
        #expect(EventRules.status(confirmed: 9, capacity: 10) == .confirmed)
        #expect(EventRules.status(confirmed: 10, capacity: 10) == .waitlisted)
        #expect(EventRules.status(confirmed: 1000, capacity: nil) == .confirmed)
    }

    @Test func theWaitingListMovesUpInOrderIntoFreePlacesOnly() {
        #expect(EventRules.promotions(confirmed: 9, capacity: 10, waiting: [4, 7, 9]) == [4])
        #expect(EventRules.promotions(confirmed: 7, capacity: 10, waiting: [4, 7]) == [4, 7])
        #expect(EventRules.promotions(confirmed: 10, capacity: 10, waiting: [4]) == [])
        #expect(EventRules.promotions(confirmed: 3, capacity: nil, waiting: [4, 5]) == [4, 5])
    }

    @Test func hoursAreMinutesShownWithOneDecimalRoundedHalfUp() {
        #expect(EventRules.hoursText(minutes: 150) == "2.5")
        #expect(EventRules.hoursText(minutes: 60) == "1.0")
        #expect(EventRules.hoursText(minutes: 45) == "0.75")
        #expect(EventRules.hoursText(minutes: 170) == "2.83")
        #expect(EventRules.hoursText(minutes: 20) == "0.33")
        #expect(EventRules.hoursText(minutes: 40) == "0.67")
        #expect(EventRules.hoursText(minutes: 3) == "0.05")
        #expect(EventRules.hoursText(minutes: 2) == "0.03")
        #expect(EventRules.hoursText(minutes: 1_440) == "24.0")
        #expect(EventRules.hoursText(minutes: 0) == "0.0")
    }

    @Test func reportsWaitForTheEndAndAttendanceForTheStart() {
        let starts = EventInstant(seconds: 100)
        let ends = EventInstant(seconds: 200)
        #expect(EventRules.attendanceRefusal(startsAt: starts, now: EventInstant(seconds: 99)) != nil)
        #expect(EventRules.attendanceRefusal(startsAt: starts, now: starts) == nil)
        #expect(EventRules.reportRefusal(endsAt: ends, state: .scheduled, now: EventInstant(seconds: 199)) != nil)
        #expect(EventRules.reportRefusal(endsAt: ends, state: .scheduled, now: ends) == nil)
        #expect(EventRules.reportRefusal(endsAt: ends, state: .cancelled, now: ends) != nil)
    }

    @Test func aCancellationCodeReadsInTwoGroups() {
        #expect(EventRules.formatCode("abcd2345") == "ABCD-2345")
        #expect(EventRules.formatCode("ab-cd 23 45") == "ABCD-2345")
    }
}
