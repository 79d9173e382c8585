import CourtyardDomain
import Foundation
import Testing

@Suite struct MeetingSeriesRulesTests {
    /// Spring Festival 2026: 02-15..02-23 are holidays, Saturday 02-14 and Saturday 02-28 are worked.
    @Test func aSeriesSkipsTheHolidayWeekAndMeetsOnTheMakeUpSaturdays() {
        let dates = MeetingSeriesRules.dates(
            firstOn: Day("2026-02-12")!, until: Day("2026-03-02")!, calendar: .shipped)
        #expect(
            dates.map(\.description) == [
                "2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27",
                "2026-02-28", "2026-03-02",
            ])
    }

    @Test func anOpenEndedSeriesRunsToAHorizon() {
        let today = Day("2026-11-30")!
        #expect(
            MeetingSeriesRules.lastDay(firstOn: Day("2026-11-02")!, until: nil, today: today)
                == today.adding(days: MeetingSeriesRules.openEndedHorizon))
        #expect(
            MeetingSeriesRules.lastDay(firstOn: Day("2026-11-02")!, until: Day("2026-12-01")!, today: today)
                == Day("2026-12-01")!)
    }

    @Test func aChangedCalendarMovesOnlyFutureMeetingsNotYetHeld() {
        let today = Day("2026-12-02")!
        var changed = WorkCalendar.shipped
        // The office declares 12-04 (Friday) a holiday and works Saturday 12-05.
        changed.holidays.insert(Day("2026-12-04")!)
        changed.workdays.insert(Day("2026-12-05")!)
        let existing: [(date: Day, state: MeetingState)] = [
            (Day("2026-12-01")!, .held), (Day("2026-12-02")!, .scheduled), (Day("2026-12-03")!, .cancelled),
            (Day("2026-12-04")!, .scheduled), (Day("2026-12-07")!, .scheduled),
        ]
        let wanted = MeetingSeriesRules.dates(firstOn: Day("2026-12-01")!, until: Day("2026-12-07")!, calendar: changed)
        let change = MeetingSeriesRules.reconcile(existing: existing, wanted: wanted, today: today)
        #expect(change.add == [Day("2026-12-05")!])
        #expect(change.remove == [Day("2026-12-04")!])
        // A past day that became a working day gets no meeting after the fact.
        changed.workdays.insert(Day("2026-11-29")!)
        let late = MeetingSeriesRules.reconcile(
            existing: existing, wanted: [Day("2026-11-29")!] + wanted, today: today)
        #expect(!late.add.contains(Day("2026-11-29")!))
    }

    @Test func aMeetingTimeIsHoursAndMinutes() {
        #expect(MeetingSeriesRules.minutes("08:30") == 510)
        #expect(MeetingSeriesRules.minutes("8:30") == nil)
        #expect(MeetingSeriesRules.minutes("24:00") == nil)
        #expect(MeetingSeriesRules.minutes("08:60") == nil)
    }
}

@Suite struct ActionRulesTests {
    @Test func anActionIsCarriedOverByEachMeetingHeldWhileItIsOpen() {
        let held = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"].map { Day($0)! }
        let created = Day("2026-11-23")!
        #expect(
            ActionRules.carriedOver(createdOn: created, doneOn: nil, heldMeetings: held, asOf: Day("2026-11-23")!) == 0)
        #expect(
            ActionRules.carriedOver(createdOn: created, doneOn: nil, heldMeetings: held, asOf: Day("2026-11-26")!) == 3)
        // Done on the 26th: carried over three meetings, and no more afterwards.
        #expect(
            ActionRules.carriedOver(
                createdOn: created, doneOn: Day("2026-11-26")!, heldMeetings: held, asOf: Day("2026-11-30")!) == 3)
    }

    @Test func anActionIsOverdueOnlyWhileOpenAfterItsDueDay() {
        let due = Day("2026-11-25")!
        #expect(!ActionRules.isOverdue(dueOn: due, state: .open, today: due))
        #expect(ActionRules.isOverdue(dueOn: due, state: .open, today: due.adding(days: 1)))
        #expect(!ActionRules.isOverdue(dueOn: due, state: .done, today: due.adding(days: 5)))
    }

    @Test func anActionIsNotDueBeforeItsMeeting() {
        #expect(ActionRules.dueIsValid(dueOn: Day("2026-11-25")!, meetingDate: Day("2026-11-25")!))
        #expect(!ActionRules.dueIsValid(dueOn: Day("2026-11-24")!, meetingDate: Day("2026-11-25")!))
    }
}

@Suite struct CoordinationLifecycleTests {
    static let office = Actor(
        userId: 1, username: "office", role: .subdistrictOfficer, scope: Scope(kind: .subdistrict, id: 1))
    static let water = Actor(userId: 2, username: "water", role: .department, scope: Scope(kind: .organisation, id: 9))
    static let gas = Actor(userId: 3, username: "gas", role: .department, scope: Scope(kind: .organisation, id: 8))
    static let contractor = Actor(
        userId: 4, username: "c", role: .contractor, scope: Scope(kind: .organisation, id: 9))
    static let today = Day("2026-11-30")!

    func step(
        _ from: CoordinationState, _ to: CoordinationState, note: String = "n", planned: Day? = nil,
        done: Day? = nil, reason: String = ""
    ) -> CoordinationLifecycle.Step {
        .init(from: from, to: to, note: note, plannedOn: planned, doneOn: done, reason: reason, today: Self.today)
    }

    @Test func onlyTheRequestsStepsAreAllowed() {
        let path: [CoordinationState] = [.requested, .accepted, .scheduled, .done]
        for (a, b) in zip(path, path.dropFirst()) { #expect(CoordinationLifecycle.canMove(from: a, to: b)) }
        #expect(CoordinationLifecycle.canMove(from: .requested, to: .declined))
        #expect(CoordinationLifecycle.canMove(from: .declined, to: .reopened))
        #expect(CoordinationLifecycle.canMove(from: .reopened, to: .accepted))
        #expect(!CoordinationLifecycle.canMove(from: .requested, to: .done))
        #expect(!CoordinationLifecycle.canMove(from: .done, to: .reopened))
        #expect(!CoordinationLifecycle.canMove(from: .requested, to: .reopened))
        // Only a planned day is moved again (改期); no other state repeats.
        for s in CoordinationState.allCases where s != .scheduled {
            #expect(!CoordinationLifecycle.canMove(from: s, to: s))
        }
        #expect(CoordinationLifecycle.canMove(from: .scheduled, to: .scheduled))
    }

    @Test func movingAPlannedDaySaysWhy() {
        let d = CoordinationLifecycle.self
        let later = Self.today.adding(days: 3)
        guard
            case .invalid(let e)? = d.decide(
                step(.scheduled, .scheduled, note: " ", planned: later), actor: Self.water, department: 9)
        else {
            Issue.record("a move without a reason was taken")
            return
        }
        #expect(e.code == "reschedule_reason" && e.field == "note")
        #expect(
            d.decide(step(.scheduled, .scheduled, note: "设备未到", planned: later), actor: Self.water, department: 9)
                == nil)
        // The first planning needs no reason when it is on time.
        #expect(
            d.decide(step(.accepted, .scheduled, note: "", planned: later), actor: Self.water, department: 9) == nil)
    }

    @Test func aPlannedDayMoreThanAYearAwayIsRefusedAsASlip() {
        let d = CoordinationLifecycle.self
        let far = step(.accepted, .scheduled, note: "排期", planned: Self.today.adding(days: 367))
        guard case .invalid(let e)? = d.decide(far, actor: Self.water, department: 9) else {
            Issue.record("a planned day years away was taken")
            return
        }
        #expect(e.code == "too_far" && e.field == "planned_on")
        let year = step(.accepted, .scheduled, note: "排期", planned: Self.today.adding(days: 366))
        #expect(d.decide(year, actor: Self.water, department: 9) == nil)
    }

    @Test func saysWhoseTurnItIs() {
        #expect(CoordinationLifecycle.ballInCourt(.requested) == .department)
        #expect(CoordinationLifecycle.ballInCourt(.scheduled) == .department)
        #expect(CoordinationLifecycle.ballInCourt(.declined) == .office)
        #expect(CoordinationLifecycle.ballInCourt(.reopened) == .department)
        #expect(CoordinationLifecycle.ballInCourt(.done) == .contractor)
    }

    /// Needed before the department is due to accept it, a request is refused on `needed_by` with that day.
    @Test func aRequestIsNeededNoEarlierThanItsAcceptanceDueDay() throws {
        let due = Day("2026-10-09")!
        #expect(throws: Never.self) { try CoordinationLifecycle.checkNeededBy(due, acceptDue: due, acceptDays: 2) }
        #expect(throws: Never.self) {
            try CoordinationLifecycle.checkNeededBy(due.adding(days: 1), acceptDue: due, acceptDays: 2)
        }
        do {
            try CoordinationLifecycle.checkNeededBy(Day("2026-10-08")!, acceptDue: due, acceptDays: 2)
            Issue.record("a day before the acceptance due day was taken")
        } catch let e as ValidationError {
            #expect(e.field == "needed_by" && e.code == "before_acceptance")
            #expect(e.values == ["day": "2026-10-09", "days": "2"])
        }
    }

    @Test func dueDatesCountWorkingDaysFromTheServiceLevel() {
        // Filed on the last working day before National Day 2026, accept within 2 working days: by 10-09.
        let due = CoordinationLifecycle.due(
            .requested, since: Day("2026-09-30")!, acceptDays: 2, neededBy: Day("2026-11-01")!, plannedOn: nil,
            calendar: .shipped)
        #expect(due == Day("2026-10-09"))
        #expect(
            CoordinationLifecycle.due(
                .scheduled, since: Day("2026-10-09")!, acceptDays: 2, neededBy: Day("2026-11-01")!,
                plannedOn: Day("2026-10-20")!, calendar: .shipped) == Day("2026-10-20"))
        #expect(
            CoordinationLifecycle.due(
                .done, since: Day("2026-10-09")!, acceptDays: 2, neededBy: Day("2026-11-01")!, plannedOn: nil,
                calendar: .shipped) == nil)
        #expect(CoordinationLifecycle.isOverdue(due: Day("2026-10-09"), today: Day("2026-10-10")!))
        #expect(!CoordinationLifecycle.isOverdue(due: Day("2026-10-09"), today: Day("2026-10-09")!))
    }

    @Test func onlyTheAddressedDepartmentMovesItAndOnlyTheOfficeReopens() {
        #expect(CoordinationLifecycle.mayTake(Self.water, to: .accepted, department: 9))
        #expect(!CoordinationLifecycle.mayTake(Self.gas, to: .accepted, department: 9))
        #expect(!CoordinationLifecycle.mayTake(Self.contractor, to: .accepted, department: 9))
        #expect(!CoordinationLifecycle.mayTake(Self.water, to: .reopened, department: 9))
        #expect(CoordinationLifecycle.mayTake(Self.office, to: .reopened, department: 9))
    }

    @Test func eachStepAsksForWhatItNeeds() {
        let d = CoordinationLifecycle.self
        #expect(
            d.decide(step(.requested, .done), actor: Self.office, department: 9)
                == .notAStep(from: .requested, to: .done))
        #expect(d.decide(step(.requested, .accepted), actor: Self.gas, department: 9) == .forbidden)
        #expect(d.decide(step(.requested, .accepted), actor: Self.water, department: 9) == nil)
        if case .invalid(let e) = d.decide(step(.accepted, .scheduled), actor: Self.water, department: 9) {
            #expect(e.field == "planned_on")
        } else {
            Issue.record("scheduling without a day was allowed")
        }
        if case .invalid(let e) = d.decide(step(.scheduled, .done), actor: Self.water, department: 9) {
            #expect(e.field == "done_on")
        } else {
            Issue.record("done without a day was allowed")
        }
        if case .invalid(let e) = d.decide(
            step(.scheduled, .done, done: Self.today.adding(days: 1)), actor: Self.water, department: 9)
        {
            #expect(e.code == "future")
        } else {
            Issue.record("done in the future was allowed")
        }
        if case .invalid(let e) = d.decide(step(.requested, .declined), actor: Self.water, department: 9) {
            #expect(e.field == "reason")
        } else {
            Issue.record("declining without a reason was allowed")
        }
        if case .invalid(let e) = d.decide(step(.declined, .reopened, note: ""), actor: Self.office, department: 9) {
            #expect(e.field == "note")
        } else {
            Issue.record("reopening without information was allowed")
        }
        #expect(
            d.decide(step(.accepted, .scheduled, planned: Self.today), actor: Self.water, department: 9) == nil)
    }
}

extension CoordinationLifecycleTests {
    @Test func aPlanIsNotInThePastAndALatePlanSaysWhy() {
        func decide(_ planned: Day, note: String) -> CoordinationLifecycle.Refusal? {
            CoordinationLifecycle.decide(
                .init(
                    from: .accepted, to: .scheduled, note: note, plannedOn: planned, doneOn: nil, reason: "",
                    today: Self.today, neededBy: Self.today.adding(days: 5)),
                actor: Self.water, department: 9)
        }
        func code(_ r: CoordinationLifecycle.Refusal?) -> String? {
            if case .invalid(let e)? = r { return e.code }
            return nil
        }
        #expect(code(decide(Self.today.adding(days: -1), note: "n")) == "past")
        #expect(decide(Self.today, note: "") == nil)
        #expect(decide(Self.today.adding(days: 5), note: "") == nil)
        #expect(code(decide(Self.today.adding(days: 6), note: "")) == "late_plan")
        #expect(decide(Self.today.adding(days: 6), note: "材料未到") == nil)
    }

    @Test func workIsNotDoneBeforeItWasAskedFor() {
        func decide(_ done: Day) -> CoordinationLifecycle.Refusal? {
            CoordinationLifecycle.decide(
                .init(
                    from: .scheduled, to: .done, note: "", plannedOn: nil, doneOn: done, reason: "", today: Self.today,
                    filedOn: Self.today.adding(days: -7)),
                actor: Self.water, department: 9)
        }
        #expect(decide(Self.today.adding(days: -7)) == nil)
        if case .invalid(let e)? = decide(Self.today.adding(days: -8)) {
            #expect(e.field == "done_on" && e.code == "before_filed")
        } else {
            Issue.record("done before the request was made was allowed")
        }
    }

    @Test func aRecordIsOfTheLastYearAndNotOfTomorrow() throws {
        #expect(throws: Never.self) { try RecordedDay.check(Self.today, field: "date", today: Self.today) }
        #expect(throws: Never.self) {
            try RecordedDay.check(Self.today.adding(days: -366), field: "date", today: Self.today)
        }
        for (day, code) in [(Self.today.adding(days: 1), "future"), (Day("1900-01-01")!, "too_old")] {
            #expect {
                try RecordedDay.check(day, field: "date", today: Self.today)
            } throws: {
                ($0 as? ValidationError)?.code == code
            }
        }
    }
}

/// A site log is mended by its author on the day (in China) they wrote it.
@Suite struct LogCorrectionTests {
    @Test func theAuthorCorrectsOnTheDayTheyWroteIt() {
        let today = Day("2026-12-02")!
        // 2026-12-01 16:30 UTC is 00:30 on the 2nd in China; 15:59 UTC is still the 1st.
        #expect(LogCorrection.writtenDay("2026-12-01T16:30:00Z") == today)
        #expect(LogCorrection.writtenDay("2026-12-01T15:59:59Z") == Day("2026-12-01"))
        #expect(LogCorrection.writtenDay("2026-12-02") == nil && LogCorrection.writtenDay("x") == nil)
        #expect(LogCorrection.writtenDay("2026-12-01T25:00:00Z") == nil)
        let written = "2026-12-02T01:00:00Z"
        #expect(
            LogCorrection.refusal(writtenAt: written, author: "contractor", actor: "contractor", today: today) == nil)
        #expect(
            LogCorrection.refusal(writtenAt: written, author: "contractor", actor: "supervisor", today: today)
                == .notAuthor)
        #expect(
            LogCorrection.refusal(
                writtenAt: written, author: "contractor", actor: "contractor", today: today.adding(days: 1))
                == .pastDay)
        #expect(LogCorrection.refusal(writtenAt: "broken", author: "a", actor: "a", today: today) == .pastDay)
    }

    @Test func whoeverEnteredABallotVoidsItOnThatDayOnly() {
        let today = Day("2026-12-02")!
        let at = "2026-12-01T16:05:00Z"  // 00:05 on the 2nd in China
        #expect(BallotCorrection.refusal(enteredAt: at, enteredBy: "louzhang", actor: "louzhang", today: today) == nil)
        #expect(
            BallotCorrection.refusal(enteredAt: at, enteredBy: "steward", actor: "louzhang", today: today)
                == .notEnteredByActor)
        #expect(
            BallotCorrection.refusal(
                enteredAt: at, enteredBy: "louzhang", actor: "louzhang", today: today.adding(days: 1))
                == .pastDay)
    }
}

@Suite struct DepartmentFiguresTests {
    @Test func theMedianIsTheLowerMiddleValue() {
        #expect(DepartmentFigures.median([]) == nil)
        #expect(DepartmentFigures.median([5, 1, 3]) == 3)
        #expect(DepartmentFigures.median([4, 1, 3, 2]) == 3)
        #expect(DepartmentFigures.median([7, 0]) == 4)
        #expect(DepartmentFigures.median([0, 0, 1, 1]) == 1)
    }

    @Test func sharesAreWholePercentRoundedHalfUp() {
        #expect(DepartmentFigures.percent(1, of: 3) == 33)
        #expect(DepartmentFigures.percent(2, of: 3) == 67)
        #expect(DepartmentFigures.percent(1, of: 8) == 13)
        #expect(DepartmentFigures.percent(0, of: 0) == 0)
        // The on-time share is of the requests due: done, or needed by a day already past.
        let today = Day(year: 2026, month: 12, day: 3)!
        func entry(done: Day?, needed: Day) -> DepartmentFigures.Entry {
            .init(
                daysToAccept: nil, daysToFinish: done == nil ? nil : 1,
                doneByNeeded: done.map { $0 <= needed } ?? false,
                due: DepartmentFigures.isDue(doneOn: done, neededBy: needed, today: today))
        }
        let notYet = entry(done: nil, needed: today)
        #expect(DepartmentFigures.onTimeShare([notYet]) == (0, nil))
        let onTime = entry(done: Day(year: 2026, month: 12, day: 1)!, needed: Day(year: 2026, month: 12, day: 2)!)
        let late = entry(done: nil, needed: Day(year: 2026, month: 12, day: 2)!)
        #expect(DepartmentFigures.onTimeShare([onTime, notYet]) == (1, 100))
        #expect(DepartmentFigures.onTimeShare([onTime, late, notYet]) == (2, 50))
    }
}

@Suite struct ICalendarTests {
    @Test func aFeedHasTimezoneStampAndCancelledMeetingsWithCRLF() {
        let text = ICalendar.feed(
            name: "例会",
            events: [
                .init(
                    uid: "meeting-1@courtyard", summary: "例会", location: "街道办三楼会议室", date: Day("2026-12-01")!,
                    startMinutes: 510, durationMinutes: 60),
                .init(
                    uid: "meeting-2@courtyard", summary: "例会", date: Day("2026-12-02")!, startMinutes: 510,
                    durationMinutes: 60, cancelled: true),
                .init(uid: "action-3@courtyard", summary: "迁移燃气管线", date: Day("2026-12-03")!, startMinutes: nil),
            ], stamp: "20261130T010000Z")
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai"))
        #expect(text.contains("DTSTART;TZID=Asia/Shanghai:20261201T083000\r\nDTEND;TZID=Asia/Shanghai:20261201T093000"))
        #expect(text.contains("UID:meeting-2@courtyard\r\nDTSTAMP:20261130T010000Z"))
        #expect(text.contains("STATUS:CANCELLED"))
        #expect(text.contains("DTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261204"))
        #expect(!text.contains("SEQUENCE"), "never changed, as first published")
        var moved = ICalendar.Event(
            uid: "event-4@courtyard", summary: "诗会", date: Day("2026-12-04")!, startMinutes: 600)
        moved.sequence = 2
        let again = ICalendar.feed(name: "活动", events: [moved], stamp: "20261130T010000Z")
        #expect(again.contains("DTSTAMP:20261130T010000Z\r\nSEQUENCE:2\r\n"))
    }

    @Test func longLinesFoldAt75OctetsWithoutSplittingACharacter() {
        let line = "SUMMARY:" + String(repeating: "协调燃气管线迁移", count: 10)
        let folded = ICalendar.fold(line)
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count > 1)
        for (i, p) in parts.enumerated() {
            #expect(p.utf8.count <= 75)
            if i > 0 { #expect(p.hasPrefix(" ")) }
        }
        #expect(
            parts.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }.joined() == line)
    }

    @Test func textValuesAreEscaped() {
        #expect(ICalendar.text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
    }
}

@Suite struct MeetingRecordRulesTests {
    /// 2026-12-03 09:00 China time is 01:00 UTC; 2026-12-02 23:59 in China is 15:59 UTC.
    @Test func aMomentIsReadOnChinasClock() {
        #expect(LocalMoment(epochSeconds: 1_796_259_600) == LocalMoment(day: Day("2026-12-03")!, minute: 540))
        #expect(LocalMoment(epochSeconds: 1_796_227_140) == LocalMoment(day: Day("2026-12-02")!, minute: 1439))
    }

    /// A 08:30 meeting of 60 minutes awaits its record from 09:30; before that, or once held or cancelled, it does not.
    @Test func aScheduledMeetingAwaitsItsRecordOnceItsEndHasPassed() {
        let day = Day("2026-12-03")!
        func awaits(_ state: MeetingState, _ on: Day, _ minute: Int) -> Bool {
            MeetingState.awaitsRecord(
                state, date: on, startTime: "08:30", durationMinutes: 60, at: LocalMoment(day: day, minute: minute))
        }
        #expect(!awaits(.scheduled, day, 569))
        #expect(awaits(.scheduled, day, 570))
        #expect(awaits(.scheduled, day.adding(days: -1), 0))
        #expect(!awaits(.scheduled, day.adding(days: 1), 1439))
        #expect(!awaits(.held, day.adding(days: -1), 0))
        #expect(!awaits(.cancelled, day.adding(days: -1), 0))
    }

    @Test func anActionHandedOverIsDueTodayOrLater() throws {
        let today = Day("2026-12-04")!
        #expect(throws: Never.self) { try ActionRules.checkHandover(due: today, today: today) }
        #expect(throws: ValidationError.self) {
            try ActionRules.checkHandover(due: today.adding(days: -1), today: today)
        }
    }
}
