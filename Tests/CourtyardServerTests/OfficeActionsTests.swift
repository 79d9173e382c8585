import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// The office manages what its meetings handed out: it moves an action's day, hands it to another organisation,
/// reads what an owner reported done and hands back one that is not.
@Suite struct OfficeActionsTests {
    typealias Browser = CoordinationPageTests.Browser

    /// A meeting whose minutes hand the contractor one action; its id.
    static func action(_ client: any TestClientProtocol, office: Browser, owner: Int64, project: Int64? = nil)
        async throws -> String
    {
        let (_, page, _) = try await office.post(
            "/meetings",
            [
                ("title", "现场协调会"), ("date", "2031-03-04"), ("time", "09:00"), ("duration", "60"),
                ("location", "项目部"), ("organisation_id", String(owner)),
            ])
        let (saved, _, _) = try await office.post(
            page + "/close",
            [
                ("discussion", "雨水井砌筑"), ("decisions", ""), ("action_title", "完成5号楼北侧雨水井砌筑"),
                ("action_owner", String(owner)), ("action_due", "2031-03-06"),
                ("action_project", project.map(String.init) ?? ""),
                ("confirm_close", "1"),
            ])
        #expect(saved == .seeOther, "the meeting held, its action handed out")
        let token = try await client.token("office")
        let list = try await client.call(
            .get, "/api/v1/actions?owner_organisation_id=\(owner)&state=open", token: token)
        let id = list.json.items.first { $0["title"]?.stringValue == "完成5号楼北侧雨水井砌筑" }?["id"]?.intValue
        return String(try #require(id))
    }

    @Test func theOfficeMovesAnActionsDayHandsItBackWhenNotDoneAndItsOwnerReadsWhy() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
            let id = try await Self.action(client, office: office, owner: contractor)
            let (_, list) = try await office.get("/actions")
            #expect(list.contains("完成5号楼北侧雨水井砌筑") && list.contains(#"action="/actions/\#(id)/edit""#))
            // A day before the meeting is refused on the card; a later one is kept.
            let (early, _, told) = try await office.post(
                "/actions/\(id)/edit", [("due_on", "2031-03-01"), ("owner_organisation_id", String(contractor))])
            #expect(early == .unprocessableContent && told.contains("完成期限早于会议日期"))
            #expect(told.contains(#"value="2031-03-01" required"#), "the day typed is shown again with why")
            let (moved, _, _) = try await office.post(
                "/actions/\(id)/edit", [("due_on", "2031-03-20"), ("owner_organisation_id", String(contractor))])
            #expect(moved == .seeOther)
            let token = try await client.token("office")
            let read = try await client.call(.get, "/api/v1/actions?state=open", token: token).json.items
            #expect(read.first { $0["id"]?.intValue == Int64(id) }?["due_on"]?.stringValue == "2031-03-20")
            // The contractor reports it done; the office reads what was said and who said it.
            let (cookie, csrf) = try await client.session("contractor")
            let site = Browser(client: client, cookie: cookie, csrf: csrf)
            _ = try await site.post("/my-actions/\(id)/done", [("note", "已砌筑完成，报监理验收")])
            let (_, checked) = try await office.get("/actions")
            #expect(checked.contains("报办结：") && checked.contains("已砌筑完成，报监理验收"))
            #expect(checked.contains(#"action="/actions/\#(id)/reopen""#))
            // The meeting that handed it out says so too, with what was reported.
            let done = try await client.call(.get, "/api/v1/actions?state=done", token: token).json.items
            let meeting = try #require(done.first { $0["id"]?.intValue == Int64(id) }?["meeting_id"]?.intValue)
            let (_, minutes) = try await office.get("/meetings/\(meeting)")
            #expect(minutes.contains("报办结：") && minutes.contains("已砌筑完成，报监理验收"))
            // Handed back without a reason: refused. With one: open again, due on the new day, and the owner reads why.
            let (bare, _, _) = try await office.post(
                "/actions/\(id)/reopen", [("note", " "), ("due_on", "2031-12-01")])
            #expect(bare == .unprocessableContent)
            let (back, _, _) = try await office.post(
                "/actions/\(id)/reopen", [("note", "井盖未安装"), ("due_on", "2031-12-01")])
            #expect(back == .seeOther)
            let (_, theirs) = try await site.get("/my-actions")
            #expect(theirs.contains("街道退回重办：井盖未安装") && theirs.contains("action=\"/my-actions/\(id)/done\""))
            // Nobody but the office manages actions.
            let api = try await client.call(
                .patch, "/api/v1/actions/\(id)", token: try await client.token("contractor"),
                body: #"{"due_on":"2031-12-30"}"#)
            #expect(api.status == .forbidden)
            #expect(try await site.get("/actions").0 == .forbidden)
        }
    }

    /// Reported done, handed back, reported done again: the first report and the handing back stay on the card and
    /// in the API, the first first; the last report is the one the card leads with.
    @Test func aSecondReportKeepsTheFirst() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
            let id = try await Self.action(client, office: office, owner: contractor)
            let (cookie, csrf) = try await client.session("contractor")
            let site = Browser(client: client, cookie: cookie, csrf: csrf)
            _ = try await site.post("/my-actions/\(id)/done", [("note", "雨水井已砌筑")])
            _ = try await office.post("/actions/\(id)/reopen", [("note", "井盖未安装"), ("due_on", "2031-12-01")])
            let (_, theirs) = try await site.get("/my-actions")
            #expect(theirs.contains("此前：") && theirs.contains("报办结（") && theirs.contains("雨水井已砌筑"))
            _ = try await site.post("/my-actions/\(id)/done", [("note", "井盖已安装")])
            let (_, card) = try await office.get("/actions")
            #expect(card.contains("井盖已安装") && card.contains("雨水井已砌筑") && card.contains("退回：井盖未安装"))
            let token = try await client.token("office")
            let done = try await client.call(.get, "/api/v1/actions?state=done", token: token).json.items
            let history = try #require(done.first { $0["id"]?.intValue == Int64(id) }?["history"]?.arrayItemsForTests)
            #expect(history.map { $0["kind"]?.stringValue ?? "" } == ["done", "reopened", "done"])
            #expect(history.map { $0["note"]?.stringValue ?? "" } == ["雨水井已砌筑", "井盖未安装", "井盖已安装"])
            #expect(history[1]["due_on"]?.stringValue == "2031-12-01")
        }
    }

    @Test func anActionIsHandedToAnotherOrganisationWhichIsTold() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
            let gas = try await CoordinationTests.scopeId(client, try await client.token("gas"))
            let token = try await client.token("office")
            let project = try #require(
                try await client.call(.get, "/api/v1/projects?limit=1", token: token).json.items.first)
            let id = try await Self.action(
                client, office: office, owner: contractor, project: project["id"]?.intValue)
            let compound = try #require(project["compound_name"]?.stringValue)
            try await services.database.withConnection { db in
                try await db.raw("UPDATE organisations SET contact_phone = '13903710002' WHERE id = \(bind: gas)").run()
            }
            let messages = try await SelectionTests.count(services, "outbox")
            let handed = try await client.call(
                .patch, "/api/v1/actions/\(id)", token: token, body: #"{"owner_organisation_id":\#(gas)}"#)
            #expect(handed.status == .ok && handed.json["owner_organisation_id"]?.intValue == gas)
            #expect(handed.json["due_on"]?.stringValue == "2031-03-06", "the day stays when only the owner changes")
            #expect(try await SelectionTests.count(services, "outbox") == messages + 1, "the new owner is told")
            let far = try await client.call(
                .patch, "/api/v1/actions/\(id)", token: token, body: #"{"due_on":"2062-03-06"}"#)
            #expect(far.json.errorCode == "too_far")
            let (cookie, csrf) = try await client.session("gas")
            let (_, theirs) = try await Browser(client: client, cookie: cookie, csrf: csrf).get("/my-actions")
            #expect(theirs.contains("完成5号楼北侧雨水井砌筑") && theirs.contains(compound), "where the work is")
            let (_, listed) = try await office.get("/actions")
            #expect(listed.contains(#"<p class="place">\#(compound)"#))
        }
    }

    @Test func anOverdueActionHandedOverNeedsANewDay() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
            let gas = try await CoordinationTests.scopeId(client, try await client.token("gas"))
            let token = try await client.token("office")
            let id = try await Self.action(client, office: office, owner: contractor)
            let yesterday = Clock.today.adding(days: -1).description
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE meeting_actions SET due_on = \(bind: yesterday), created_on = '2026-01-05' WHERE id = \(bind: Int64(id)!)"
                ).run()
            }
            let stale = try await client.call(
                .patch, "/api/v1/actions/\(id)", token: token, body: #"{"owner_organisation_id":\#(gas)}"#)
            #expect(stale.status == .unprocessableContent && stale.json.errorCode == "handover_past")
            let (refused, _, page) = try await office.post(
                "/actions/\(id)/edit", [("due_on", yesterday), ("owner_organisation_id", String(gas))])
            #expect(refused == .unprocessableContent && page.contains("原日期已过，请重新定一个"))
            // Moving only the day is still the office's to record; handing over with a new day is taken.
            let due = Clock.today.adding(days: 7).description
            let handed = try await client.call(
                .patch, "/api/v1/actions/\(id)", token: token,
                body: #"{"owner_organisation_id":\#(gas),"due_on":"\#(due)"}"#)
            #expect(handed.status == .ok && handed.json["due_on"]?.stringValue == due)
        }
    }
}
