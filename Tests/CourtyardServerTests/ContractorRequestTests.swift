import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// The contractor's site manager meets the gas pipe first: it asks the department itself, on its own projects only,
/// and the department and the office read who asked.
@Suite struct ContractorRequestTests {
    @Test func aContractorFilesARequestOnItsOwnProjectOnly() async throws {
        try await TestApp.with(demo: true) { client, services in
            let token = try await client.token("contractor")
            let office = try await client.token("office")
            let own = try await client.call(.get, "/api/v1/projects?limit=500", token: token).json.items
                .compactMap { $0["id"]?.intValue }
            let all = try await client.call(.get, "/api/v1/projects?limit=500", token: office).json.items
                .compactMap { $0["id"]?.intValue }
            let mine = try #require(own.first)
            let other = try #require(all.first { !own.contains($0) })
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let needed = Clock.today.adding(days: 15)
            func file(_ project: Int64, _ as: String) async throws -> (HTTPResponse.Status, JSONValue) {
                let r = try await client.call(
                    .post, "/api/v1/coordination_requests", token: `as`,
                    body: #"""
                        {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"water_meter","description":"2号楼水表井挡住了管沟","needed_by":"\#(needed)"}
                        """#)
                return (r.status, r.json)
            }
            try await services.database.withConnection { db in
                try await db.raw("UPDATE organisations SET contact_phone = '13800000007' WHERE id = \(bind: water)")
                    .run()
            }
            let before = try await CoordinationTests.count(services, "coordination_requests")
            // Another contractor's project: as if it did not exist; a steward may not ask at all.
            let (refused, why) = try await file(other, token)
            #expect(refused == .unprocessableContent && why["error"]?["field"]?.stringValue == "project_id")
            #expect(try await file(mine, try await client.token("steward")).0 == .forbidden)
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before)
            let long = try await client.call(
                .post, "/api/v1/coordination_requests", token: token,
                body:
                    #"{"project_id":\#(mine),"department_organisation_id":\#(water),"kind":"other","description":"\#(String(repeating: "长", count: 2001))","needed_by":"\#(needed)"}"#
            )
            #expect(long.status == .unprocessableContent && long.json["error"]?["code"]?.stringValue == "too_long")
            let (filed, made) = try await file(mine, token)
            #expect(filed == .created)
            let name = try #require(made["filed_by_organisation"]?.stringValue)
            #expect(!name.isEmpty && made["filed_by"]?.stringValue?.isEmpty == false)
            // The department's text message names the contractor, not the office.
            let sms = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT payload_json FROM outbox WHERE target_kind = 'sms' AND event = 'coordination_request.created' ORDER BY id DESC"
                ).first()!.text("payload_json")
            }
            #expect(sms.contains(name + "经街道平台"))
            // The department's queue and the office's list say who asked.
            let (liaison, _) = try await client.session("water")
            let queue = try await client.execute(uri: "/queue", method: .get, headers: [.cookie: liaison]) {
                String(buffer: $0.body)
            }
            #expect(queue.contains("2号楼水表井挡住了管沟") && queue.contains("提出：" + name))
            let (_, list) = try await CoordinationPageTests.office(client).get("/coordination?state=requested")
            #expect(list.contains("提出：" + name))
            // An office's request reads the clerk alone; the API says no organisation.
            let (_, byOffice) = try await file(mine, office)
            #expect(byOffice["filed_by_organisation"] == .null && byOffice["filed_by"]?.stringValue?.isEmpty == false)
        }
    }

    /// On its page the contractor is offered its own projects and the departments that serve them, files the
    /// request, and is not offered the office's step of reopening a declined one.
    @Test func theContractorsPageFilesARequest() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let token = try await client.token("contractor")
            let mine = try #require(
                try await client.call(.get, "/api/v1/projects?limit=1", token: token).json.items.first?["id"]?.intValue)
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let (status, page) = try await browser.get("/coordination")
            #expect(status == .ok)
            #expect(page.contains(#"<option value="\#(mine)""#) && page.contains(#"<option value="\#(water)""#))
            #expect(!page.contains("各部门办理情况"))
            // A request filed by no account (the demo's own) names no filer rather than an empty one.
            #expect(!page.contains("提出：<"))
            let (past, _, marked) = try await browser.post(
                "/coordination/requests",
                [
                    ("project_id", String(mine)), ("department_organisation_id", String(water)),
                    ("kind", "water_meter"), ("description", "水表移位"),
                    ("needed_by", Clock.today.adding(days: -1).description),
                ])
            #expect(past == .unprocessableContent && marked.contains("需完成日期不能早于今天"))
            #expect(marked.contains(#"aria-describedby="coordination-needed-error""#))
            let before = try await CoordinationTests.count(services, "coordination_requests")
            let (filed, next, _) = try await browser.post(
                "/coordination/requests",
                [
                    ("project_id", String(mine)), ("department_organisation_id", String(water)),
                    ("kind", "water_meter"), ("description", "3号楼北侧水表需移位"),
                    ("needed_by", Clock.today.adding(days: 10).description),
                ])
            #expect(filed == .seeOther && next == "/coordination?filed=1")
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before + 1)
            let (_, list) = try await browser.get("/coordination")
            #expect(list.contains("3号楼北侧水表需移位"))
            #expect(!list.contains("/reopen"))
            // Reopening a declined request is the office's step: refused before the form is read.
            let id = try #require(
                try await client.call(.get, "/api/v1/coordination_requests?state=requested", token: token).json.items
                    .first { $0["description"]?.stringValue == "3号楼北侧水表需移位" }?["id"]?.intValue)
            let (refused, _, _) = try await browser.post("/coordination/requests/\(id)/reopen", [("note", "补充图纸")])
            #expect(refused == .forbidden)
        }
    }
}
