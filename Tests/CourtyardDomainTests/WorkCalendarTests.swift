import CourtyardDomain
import Testing

@Suite struct WorkCalendarTests {
    let cal = WorkCalendar.shipped

    @Test func daysRoundTripAndKnowTheirWeekday() {
        #expect(Day("1970-01-01")?.ordinal == 0)
        #expect(Day("2026-11-25")?.weekday == 3)  // a Wednesday
        #expect(Day("2024-02-29")?.description == "2024-02-29")
        #expect(Day("2025-02-29") == nil)
        #expect(Day("2026-13-01") == nil)
        #expect(Day("26-1-1") == nil)
        for text in ["1999-12-31", "2000-02-29", "2026-10-01", "2100-03-01"] { #expect(Day(text)?.description == text) }
    }

    /// A day prints as it is read, with a four-digit year, so any date the API takes it also gives back valid.
    @Test func earlyYearsPrintWithFourDigits() {
        #expect(Day("0527-04-07")?.description == "0527-04-07")
        #expect(Day("0001-01-01")?.description == "0001-01-01")
        #expect(Day("2026-10-01")?.description == "2026-10-01")
    }

    @Test func adjustedHolidaysAndWorkingWeekends() {
        #expect(!cal.isWorkingDay(Day("2026-10-05")!))  // Monday inside National Day
        #expect(cal.isWorkingDay(Day("2026-10-10")!))  // Saturday worked in exchange
        #expect(cal.isWorkingDay(Day("2025-09-28")!))  // Sunday worked
        #expect(!cal.isWorkingDay(Day("2026-02-20")!))  // Spring Festival Friday
        #expect(cal.isWorkingDay(Day("2026-02-24")!))
        // A year nobody entered: Monday to Friday.
        #expect(!cal.isWorkingDay(Day("2027-10-02")!))  // Saturday
        #expect(cal.isWorkingDay(Day("2027-10-01")!))  // Friday, no arrangement entered
        #expect(WorkCalendar.published(year: 2027) == nil)
    }

    @Test func countsAndAddsWorkingDays() {
        // Thursday before the 2026 Mid-Autumn break (09-25..09-27): the next working day is Monday.
        #expect(cal.adding(workingDays: 1, to: Day("2026-09-24")!) == Day("2026-09-28"))
        // Counting from a holiday starts at the next working day.
        #expect(cal.adding(workingDays: 1, to: Day("2026-09-25")!) == Day("2026-09-29"))
        // Five working days from 2026-09-30: 10-08, 10-09, 10-10 (Saturday worked), 10-12, 10-13.
        #expect(cal.adding(workingDays: 5, to: Day("2026-09-30")!) == Day("2026-10-13"))
        #expect(cal.adding(workingDays: 0, to: Day("2026-10-03")!) == Day("2026-10-08"))
        #expect(cal.workingDays(after: Day("2026-09-30")!, through: Day("2026-10-13")!) == 5)
        #expect(cal.workingDays(after: Day("2026-10-13")!, through: Day("2026-09-30")!) == 0)
    }
}
