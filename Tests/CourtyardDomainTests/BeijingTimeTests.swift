import CourtyardDomain
import Testing

@Suite struct BeijingTimeTests {
    @Test func storedUTCTimesShowInChinaTime() {
        #expect(beijingTime("2026-11-25T23:58:07Z") == "2026-11-26 07:58")
        #expect(beijingTime("2026-12-31T16:00:00Z", dateOnly: true) == "2027-01-01")
        #expect(beijingTime("2026-03-01T02:05:00Z") == "2026-03-01 10:05")
        #expect(beijingTime("not a time") == "not a time")
    }
}
