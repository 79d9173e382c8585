import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The office directs outreach from one page: campaigns with their exact progress and battle maps, a form that
/// starts one, the stewards of every building and the self-governance bodies.
@Suite struct OutreachPageTests {
    @Test func theOfficeStartsACampaignAndSeesEveryStewardAndBody() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let page = try await office.get("/outreach")
            #expect(page.0 == .ok)
            #expect(page.1.contains("天然气入户动员") && page.1.contains("/api/v1/campaigns/"))
            #expect(page.1.contains("临时党支部") && page.1.contains("选举"))
            // Each steward's building is named with its compound, and "contacted" reads as not yet answered.
            #expect(page.1.contains(#"<td class="key" data-label="小区">"#) && page.1.contains("已联系、未表态"))
            let before = try await SelectionTests.count(services, "campaigns")
            let compound = try await SelectionTests.ints(services, "SELECT MIN(id) AS id FROM compounds")[0]
            let none = try await office.post(
                "/outreach/campaigns", [("title", "雨污分流入户告知"), ("goal", "reach"), ("until", "2099-01-31")])
            #expect(none.0 == .unprocessableContent && none.2.contains("value=\"雨污分流入户告知\""))
            #expect(none.2.contains("请勾选小区，每个小区只选一次。"))
            let past = try await office.post(
                "/outreach/campaigns",
                [("title", "雨污分流入户告知"), ("goal", "reach"), ("until", "2020-01-31"), ("compound_ids", String(compound))])
            #expect(past.0 == .unprocessableContent && past.2.contains("截止日期不能早于今天。"))
            #expect(try await SelectionTests.count(services, "campaigns") == before)
            let made = try await office.post(
                "/outreach/campaigns",
                [
                    ("title", "雨污分流入户告知"), ("goal", "reach"), ("until", "2099-01-31"), ("lives_elsewhere", "yes"),
                    ("compound_ids", String(compound)),
                ])
            #expect(made.0 == .seeOther && made.1 == "/outreach?saved=1")
            #expect(try await SelectionTests.count(services, "campaigns") == before + 1)
            let listed = try await office.get("/outreach").1
            #expect(listed.contains("雨污分流入户告知"))
            // A campaign to reach every household is measured by the share reached, not by how many agreed.
            #expect(listed.contains("完成率") && listed.contains("%（已联系上）"))
            let steward = try await client.session("steward")
            let refused = try await client.execute(uri: "/outreach", method: .get, headers: [.cookie: steward.0]) {
                $0.status
            }
            #expect(refused == .forbidden)
        }
    }
}
