import CourtyardDomain
import Testing

@Suite struct ScheduleTests {
    let cal = WorkCalendar.shipped
    func day(_ s: String) -> Day { Day(s)! }

    // A → B (3) and A → C (1); B, C → D. B is on the critical path, C has 2 days of float.
    var diamond: [Schedule.Task] {
        [
            .init(id: 1, duration: 2), .init(id: 2, duration: 3, dependsOn: [1]),
            .init(id: 3, duration: 1, dependsOn: [1]),
            .init(id: 4, duration: 1, dependsOn: [2, 3]),
        ]
    }

    @Test func forwardPassCountsWorkingDaysAndSkipsTheWeekend() throws {
        // 2026-03-02 is a Monday.
        let r = try Schedule.compute(diamond, mode: .forward, anchor: day("2026-03-02"), calendar: cal)
        let rows = Dictionary(uniqueKeysWithValues: r.rows.map { ($0.id, $0) })
        #expect(rows[1]!.earlyStart == day("2026-03-02") && rows[1]!.earlyFinish == day("2026-03-03"))
        #expect(rows[2]!.earlyStart == day("2026-03-04") && rows[2]!.earlyFinish == day("2026-03-06"))
        #expect(rows[4]!.earlyStart == day("2026-03-09"))  // Monday after the weekend
        #expect(rows[3]!.totalFloat == 2 && !rows[3]!.critical)
        #expect(rows[3]!.lateStart == day("2026-03-06") && rows[3]!.lateFinish == day("2026-03-06"))
        #expect([1, 2, 4].allSatisfy { rows[Int64($0)]!.critical && rows[Int64($0)]!.totalFloat == 0 })
        #expect(r.finish == day("2026-03-09"))
    }

    @Test func aStartOnASundayBeginsOnMonday() throws {
        let r = try Schedule.compute(
            [.init(id: 1, duration: 1)], mode: .forward, anchor: day("2026-03-08"), calendar: cal)
        #expect(r.rows[0].earlyStart == day("2026-03-09"))
    }

    @Test func backwardPassEndsOnTheLastWorkingDayByTheDeadline() throws {
        // Deadline Sunday 2026-03-15: the last working day is Friday the 13th.
        let r = try Schedule.compute(diamond, mode: .backward, anchor: day("2026-03-15"), calendar: cal)
        let rows = Dictionary(uniqueKeysWithValues: r.rows.map { ($0.id, $0) })
        #expect(rows[4]!.lateFinish == day("2026-03-13"))
        #expect(rows[2]!.lateStart == day("2026-03-10") && rows[2]!.lateFinish == day("2026-03-12"))
        #expect(rows[1]!.lateStart == day("2026-03-06"))
        #expect(r.start == day("2026-03-06"))
        #expect(rows[3]!.totalFloat == 2)
    }

    @Test func adjustedHolidaysMoveTheSchedule() throws {
        // National Day 2026: 10-01 … 10-07 off, Saturday 10-10 worked (调休).
        let r = try Schedule.compute(
            [.init(id: 1, duration: 3)], mode: .forward, anchor: day("2026-09-30"), calendar: cal)
        #expect(r.rows[0].earlyStart == day("2026-09-30"))
        #expect(r.rows[0].earlyFinish == day("2026-10-09"))
        let r2 = try Schedule.compute(
            [.init(id: 1, duration: 4)], mode: .forward, anchor: day("2026-09-30"), calendar: cal)
        #expect(r2.rows[0].earlyFinish == day("2026-10-10"))  // the worked Saturday counts
        let entered = WorkCalendar(holidays: [day("2026-03-04")])
        let r3 = try Schedule.compute(
            [.init(id: 1, duration: 3)], mode: .forward, anchor: day("2026-03-02"), calendar: entered)
        #expect(r3.rows[0].earlyFinish == day("2026-03-05"))
    }

    @Test func cyclesAreNamedAndRefused() {
        let tasks: [Schedule.Task] = [
            .init(id: 1, duration: 1, dependsOn: [3]), .init(id: 2, duration: 1, dependsOn: [1]),
            .init(id: 3, duration: 1, dependsOn: [2]),
        ]
        #expect(throws: Schedule.Failure.self) {
            try Schedule.compute(tasks, mode: .forward, anchor: day("2026-03-02"), calendar: cal)
        }
        do {
            _ = try Schedule.order(tasks)
            Issue.record("no cycle found")
        } catch {
            guard case .cycle(let ids) = error else {
                Issue.record("wrong failure")
                return
            }
            #expect(ids.first == ids.last && Set(ids) == [1, 2, 3])
        }
        #expect(Schedule.wouldCycle(diamond, task: 1, dependsOn: [4]) != nil)
        #expect(Schedule.wouldCycle(diamond, task: 3, dependsOn: [2]) == nil)
        #expect(throws: Schedule.Failure.unknownDependency(task: 1, dependsOn: 9)) {
            try Schedule.order([.init(id: 1, duration: 1, dependsOn: [9])])
        }
    }
}

@Suite struct BulletinArithmeticTests {
    @Test func ratesRoundHalfUpFromExactIntegers() {
        #expect(Percent.tenths(1, of: 3) == 333)  // 33.33… → 33.3
        #expect(Percent.tenths(2, of: 3) == 667)  // 66.66… → 66.7
        #expect(Percent.tenths(1, of: 8) == 125)  // 12.5 exactly
        #expect(Percent.tenths(1, of: 16) == 63)  // 6.25 → 6.3, half up
        #expect(Percent.tenths(3, of: 16) == 188)  // 18.75 → 18.8
        #expect(Percent.tenths(1, of: 2000) == 1)  // 0.05 → 0.1
        #expect(Percent.tenths(1, of: 2001) == 0)  // 0.0499… → 0.0
        #expect(Percent.tenths(0, of: 0) == 0)
        #expect(Percent.tenths(40, of: 40) == 1000)
        #expect(Percent.text(1000) == "100.0" && Percent.text(5) == "0.5" && Percent.text(-12) == "-1.2")
        #expect(
            Percent.parseTenths("72.5") == 725 && Percent.parseTenths("-0.3") == -3 && Percent.parseTenths("72") == nil)
    }

    /// Sums of budget × percent near Int64's edge still give a rate, never an overflow.
    @Test func ratesOfHugeSumsDoNotOverflow() {
        #expect(Percent.tenths(Int64.max / 2, of: Int64.max) == 500)
        #expect(Percent.tenths(Int64.max, of: Int64.max) == 1000)
        #expect(Percent.weighted(sum: Int64.max / 100 * 50, weight: Int64.max / 100) == 500)
        #expect(Percent.weighted([(Int64.max / 4, 100), (Int64.max / 4, 0)]) == 500)
    }

    @Test func countsAndChangeInPercentagePoints() {
        var c = ProgressCounts()
        c.add(households: 150, started: true, completed: true)
        c.add(households: 90, started: true, completed: false)
        c.add(households: 60, started: false, completed: false)
        #expect(
            c.rates
                == Rates(
                    startByCompounds: 667, completionByCompounds: 333, startByHouseholds: 800,
                    completionByHouseholds: 500))
        let earlier = Rates(
            startByCompounds: 333, completionByCompounds: 333, startByHouseholds: 500, completionByHouseholds: 600)
        #expect(c.rates.minus(earlier).values == [334, 0, 300, -100])
    }

    @Test func weightedProgressUsesBudgets() {
        // 1,000,000 fen at 50% and 3,000,000 at 10%: (50 + 30) / 4 = 20.0%.
        #expect(Percent.weighted([(1_000_000, 50), (3_000_000, 10)]) == 200)
        #expect(Percent.weighted([(1, 1), (2, 0)]) == 3)  // 0.333… → 0.3
        #expect(Percent.weighted([]) == 0)
    }

    @Test func rankingSharesPlacesForEqualRates() {
        #expect(Ranking.ranks([500, 900, 500, 100]) == [2, 1, 2, 4])
        #expect(Ranking.ranks([Int64]()) == [])
    }
}

@Suite struct JSONParserTests {
    @Test func numbersKeepTheirText() throws {
        let v = try JSONParser.parse(
            #"{"a": 72.5, "b": 20.0, "c": -3, "d": 1e3, "e": "x\u00e9\ud83d\ude00", "f": [true, null]}"#)
        #expect(
            v["a"] == .number("72.5") && v["b"] == .number("20.0") && v["c"] == .int(-3) && v["d"] == .number("1e3"))
        #expect(v["e"] == .string("xé😀"))
        #expect(v.serialized() == #"{"a":72.5,"b":20.0,"c":-3,"d":1e3,"e":"xé😀","f":[true,null]}"#)
        for bad in ["{", "[1,]", "01", "\"\u{1}\"", "{\"a\" 1}", "1 2", "nul"] {
            #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bad) }
        }
    }
}

@Suite struct ScheduleLagTests {
    @Test func lagsWaitWorkingDaysInBothPasses() throws {
        // A(2) → B(1) after a 3-working-day lag (plaster curing): B starts on the 4th working day after A ends.
        let tasks: [Schedule.Task] = [
            .init(id: 1, duration: 2), .init(id: 2, duration: 1, dependsOn: [1], lags: [1: 3]),
        ]
        let f = try Schedule.compute(tasks, mode: .forward, anchor: Day("2026-03-02")!, calendar: .shipped)
        let rows = Dictionary(uniqueKeysWithValues: f.rows.map { ($0.id, $0) })
        #expect(rows[1]!.earlyFinish == Day("2026-03-03")!)
        #expect(rows[2]!.earlyStart == Day("2026-03-09")!)  // Wed, Thu, Fri waited; Monday
        #expect(rows[1]!.critical && rows[2]!.critical)
        let b = try Schedule.compute(tasks, mode: .backward, anchor: Day("2026-03-09")!, calendar: .shipped)
        #expect(b.rows.first { $0.id == 1 }!.lateFinish == Day("2026-03-03")!)
    }
}
