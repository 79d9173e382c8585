import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// Pages name people and places as the office says them: no login name, no record number, and a way on to what a
/// record belongs to.
@Suite struct PageWordingTests {
    @Test func anEventsSignUpsReadByPlaceInTheListAndByWhoEnteredThem() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let community = try await services.registry.list(.communities, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let event = try await EventTests.event(client, office, community: community, capacity: "5")
            let own = try await client.call(
                .post, "/api/v1/events/\(event)/signups", token: nil, body: #"{"name":"赵奶奶","phone":"13900000001"}"#)
            let entered = try await client.call(
                .post, "/api/v1/events/\(event)/signups", token: office, body: #"{"name":"钱爷爷","phone":"13900000002"}"#)
            #expect(own.status == .created && entered.status == .created)
            let me = try await client.call(.get, "/api/v1/auth/me", token: office)
            let name = try #require(me.json["display_name"]?.stringValue)
            #expect(!name.isEmpty && name != "office")
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/events/\(event)", cookie: cookie).1
            #expect(page.contains("第 1 位") && page.contains("第 2 位") && !page.contains("№"))
            #expect(page.contains("本人报名") && page.contains("\(name)代报名") && !page.contains(">office<"))
        }
    }

    @Test func aCompoundPageLeadsToItsRenovationProject() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/compounds/\(f.compound)", cookie: cookie).1
            #expect(page.contains(#"<a href="/projects/\#(f.pid)">\#(f.year)年改造项目 · 意见征询</a>"#))
            // A resident's steward, who does not follow projects, is not sent to a page that refuses them.
            let steward = try await client.session("louzhang")
            let theirs = try await PageTests.page(client, "/compounds/\(f.compound)", cookie: steward.cookie).1
            #expect(!theirs.contains("/projects/"))
        }
    }

    @Test func anEmergencyPlanNotYetDrilledSaysSo() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.approvePlan()
            _ = try await f.call(
                .patch, "/api/v1/projects/\(f.pid)",
                #"{"contractor_id":\#(f.contractorOrg),"supervisor_id":\#(f.supervisorOrg)}"#)
            try await f.fileSafetyPaperwork()
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/safety?year=\(f.year)", cookie: cookie).1
            #expect(page.contains("演练：尚未演练") && !page.contains("演练：</p>"))
        }
    }

    @Test func aRecordThatIsNotThereIsHeadedSoNotAsAFault() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("office")
            let (status, page, _) = try await PageTests.page(client, "/projects/999999", cookie: cookie)
            #expect(status == .notFound && page.contains("<h1>找不到该记录</h1>") && !page.contains("出错了"))
        }
    }

    /// After importing a compound, the office puts it into a batch from its page and lands on the new project.
    @Test func theOfficeAddsACompoundToTheProgrammeFromItsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await ProjectTests.Fixture.quietCompounds(services)[0]
            let office = try await CoordinationPageTests.office(client)
            let (_, page) = try await office.get("/compounds/\(compound)")
            #expect(page.contains(#"action="/compounds/\#(compound)/projects""#) && page.contains("纳入改造计划"))
            let year = Day.today(epochSeconds: Date().timeIntervalSince1970).civil.year + 2
            let (early, _, told) = try await office.post(
                "/compounds/\(compound)/projects", [("batch_year", String(year)), ("deadline", "\(year - 1)-06-30")])
            #expect(early == .unprocessableContent && told.contains("完工期限不能早于改造批次的年度。"))
            #expect(told.contains(#"value="\#(year - 1)-06-30""#), "what was typed is kept")
            let (made, to, _) = try await office.post(
                "/compounds/\(compound)/projects", [("batch_year", String(year)), ("deadline", "\(year)-10-31")])
            #expect(made == .seeOther && to.hasPrefix("/projects/"))
            let (_, project) = try await office.get(to)
            #expect(project.contains("意见征询"))
            let (again, _, taken) = try await office.post(
                "/compounds/\(compound)/projects", [("batch_year", String(year)), ("deadline", "\(year)-10-31")])
            #expect(again == .unprocessableContent && taken.contains("该小区已在\(year)年批次的改造计划中。"))
            // Not offered to an account that does not run the programme.
            let (viewer, _) = try await client.session("viewer")
            let theirs = try await PageTests.page(client, "/compounds/\(compound)", cookie: viewer).1
            #expect(!theirs.contains("/projects\""))
        }
    }
}
