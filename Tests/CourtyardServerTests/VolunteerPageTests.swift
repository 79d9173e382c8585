import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/volunteers`: where each volunteer's hours come from, and the form that records a patrol by hand.
@Suite struct VolunteerPageTests {
    @Test func aCommunityWorkerRecordsAPatrolAndSeesWhereTheHoursComeFrom() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (status, page) = try await browser.get("/volunteers")
            #expect(status == .ok && page.contains("登记服务时长") && page.contains(#"name="minutes""#))
            let place = try #require(page.firstMatch(of: /<option value="(compound:\d+)"/).map { String($0.1) })
            let before = try await SelectionTests.count(services, "volunteer_hours")
            // Without the minutes: refused beside the field, what was typed kept, nothing written.
            let (refused, _, again) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("phone", ""), ("activity", "patrol"),
                    ("date", Clock.today.description), ("minutes", ""), ("note", "夜间巡逻"),
                ])
            #expect(refused == .unprocessableContent)
            #expect(again.contains(#"id="volunteer-minutes-error">请填写服务时长"#) && again.contains(#"value="韩冬梅""#))
            // A day after today is the store's refusal, marked beside the date.
            let (future, _, later) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("activity", "patrol"),
                    ("date", Clock.today.adding(days: 3).description), ("minutes", "90"),
                ])
            #expect(future == .unprocessableContent && later.contains(#"id="volunteer-date-error""#))
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before)
            let (saved, next, _) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("phone", "13912345678"), ("activity", "patrol"),
                    ("date", Clock.today.description), ("minutes", "90"), ("note", "夜间巡逻 3 号楼至 5 号楼"),
                ])
            #expect(saved == .seeOther && next == "/volunteers?year=\(Clock.today.civil.year)&saved=1")
            let (_, shown) = try await browser.get(next ?? "/volunteers")
            #expect(shown.contains("已登记，时长已计入。"))
            // The person's row says where the hours come from: 1.5 hours of patrol.
            let row = try #require(shown.firstMatch(of: /<tr><td class="key" data-label="志愿者">韩冬梅<\/td>.*?<\/tr>/))
            #expect(row.0.contains(#"data-label="巡逻（小时）">1.5</td>"#))
            #expect(shown.contains("夜间巡逻 3 号楼至 5 号楼") && shown.contains("/api/v1/volunteer_hours/summary?year="))
        }
    }

    /// Whoever only reads sees the hours without the form, and no volunteer's name in full.
    @Test func aViewerReadsTheHoursWithoutTheFormOrNames() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let community = try await client.token("community")
            let me = try await client.call(.get, "/api/v1/auth/me", token: community)
            let scope = try #require(me.json["scope"]?.stringValue)
            let communityId = try #require(Int64(scope.split(separator: ":").last ?? ""))
            let made = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body: #"""
                    {"community_id":\#(communityId),"name":"李建国","activity":"outreach","date":"\#(Clock.today)","minutes":60}
                    """#)
            #expect(made.status == .created, "\(made.text)")
            let (cookie, csrf) = try await client.session("viewer")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (status, page) = try await browser.get("/volunteers")
            #expect(status == .ok && page.contains("按志愿者"))
            #expect(!page.contains(#"name="minutes""#) && !page.contains("李建国"))
            let (refused, _, _) = try await browser.post("/volunteers", [("name", "x")])
            #expect(refused == .forbidden)
        }
    }
}
