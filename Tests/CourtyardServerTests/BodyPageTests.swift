import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// A self-governance body's page: its members present and past; the office finds a resident of the body's compound
/// by name or phone, adds them with a position, and records a member leaving.
@Suite struct BodyPageTests {
    /// A compound's body, and a resident of that compound who is not a member, with their name; and a resident of
    /// another compound.
    static func bodyAndNewcomer(_ services: Services) async throws -> (
        body: Int64, resident: Int64, name: String,
        stranger: String
    ) {
        try await services.database.withConnection { db in
            let r = try await db.raw(
                """
                SELECT g.id AS body, r.id, r.name FROM bodies g
                JOIN households h ON h.compound_id = g.compound_id
                JOIN household_residents hr ON hr.household_id = h.id JOIN residents r ON r.id = hr.resident_id
                WHERE NOT EXISTS (SELECT 1 FROM body_members m WHERE m.body_id = g.id AND m.resident_id = r.id)
                  AND g.compound_id IS NOT NULL
                ORDER BY g.id, r.id LIMIT 1
                """
            ).first()!
            let body = try r.decode(column: "body", as: Int64.self)
            let s = try await db.raw(
                """
                SELECT r.name FROM residents r JOIN household_residents hr ON hr.resident_id = r.id
                JOIN households h ON h.id = hr.household_id
                WHERE NOT EXISTS (
                  SELECT 1 FROM residents o JOIN household_residents ohr ON ohr.resident_id = o.id
                  JOIN households oh ON oh.id = ohr.household_id
                  WHERE o.name = r.name AND oh.compound_id = (SELECT compound_id FROM bodies WHERE id = \(bind: body)))
                ORDER BY r.id LIMIT 1
                """
            ).first()!
            return (
                body, try r.decode(column: "id", as: Int64.self), try r.decode(column: "name", as: String.self),
                try s.decode(column: "name", as: String.self)
            )
        }
    }

    /// Staff often know a person by the last four digits of their phone (手机尾号): four digits or more find it.
    @Test func aPersonIsFoundByPartOfTheirPhone() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let (body, resident, _, _) = try await Self.bodyAndNewcomer(services)
            try await services.database.withConnection { db in
                try await db.raw("UPDATE residents SET phone = '13900047788' WHERE id = \(bind: resident)").run()
            }
            let offered = "name=\"resident_id\" value=\"\(resident)\""
            #expect(try await office.get("/bodies/\(body)?q=7788").1.contains(offered))
            #expect(try await office.get("/bodies/\(body)?q=%EF%BC%97%EF%BC%97%EF%BC%98%EF%BC%98").1.contains(offered))
            #expect(!(try await office.get("/bodies/\(body)?q=788").1.contains(offered)), "three digits are no phone")
        }
    }

    @Test func theOfficeFindsAResidentAddsThemAndRecordsThemLeaving() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let (body, resident, name, stranger) = try await Self.bodyAndNewcomer(services)
            let page = try await office.get("/bodies/\(body)")
            #expect(page.0 == .ok && page.1.contains("增加成员") && page.1.contains("/outreach"))
            let q = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            // A space typed after the name (a phone keyboard's habit) comes as "+" and is no part of it.
            let found = try await office.get("/bodies/\(body)?q=\(q)+")
            #expect(found.1.contains("name=\"resident_id\" value=\"\(resident)\""))
            let elsewhere = try await office.get(
                "/bodies/\(body)?q=\(stranger.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(elsewhere.1.contains("没有找到此人") && !elsewhere.1.contains("name=\"resident_id\""))
            let members = try await SelectionTests.count(services, "body_members")
            let today = Clock.today.description
            let nobody = try await office.post("/bodies/\(body)/members", [("position", "委员"), ("from", today)])
            #expect(nobody.0 == .unprocessableContent && nobody.2.contains("请先查找并选择一位居民。"))
            let noPost = try await office.post(
                "/bodies/\(body)/members", [("resident_id", String(resident)), ("position", " "), ("from", today)])
            #expect(noPost.0 == .unprocessableContent && noPost.2.contains("请填写职务"))
            let old = try await office.post(
                "/bodies/\(body)/members",
                [("resident_id", String(resident)), ("position", "委员"), ("from", "2010-01-01"), ("q", name)])
            #expect(old.0 == .unprocessableContent && old.2.contains("任职起始日早于该组织的成立日期"))
            #expect(old.2.contains("value=\"\(resident)\" required checked"), "the person chosen stays chosen")
            #expect(try await SelectionTests.count(services, "body_members") == members)

            let added = try await office.post(
                "/bodies/\(body)/members", [("resident_id", String(resident)), ("position", "宣传委员"), ("from", today)])
            #expect(added.0 == .seeOther && added.1 == "/bodies/\(body)?saved=1")
            #expect(try await SelectionTests.count(services, "body_members") == members + 1)
            let twice = try await office.post(
                "/bodies/\(body)/members", [("resident_id", String(resident)), ("position", "委员"), ("from", today)])
            #expect(twice.0 == .conflict && twice.2.contains("已是该组织的在任成员"))
            let strangerId = try await SelectionTests.ints(
                services, "SELECT MIN(id) AS id FROM residents WHERE name = \(bind: stranger)")[0]
            let posted = try await office.post(
                "/bodies/\(body)/members", [("resident_id", String(strangerId)), ("position", "委员"), ("from", today)])
            #expect(posted.0 == .unprocessableContent && posted.2.contains("不住在该组织所在的小区"))
            let early = try await office.post(
                "/bodies/\(body)/members",
                [("resident_id", String(strangerId)), ("position", "委员"), ("from", "2017-01-01")])
            #expect(early.0 == .unprocessableContent && early.2.contains("早于该组织的成立日期"))
            #expect(try await SelectionTests.count(services, "body_members") == members + 1)
            let shown = try await office.get("/bodies/\(body)")
            #expect(shown.1.contains("宣传委员") && shown.1.contains("<b>\(name)</b>") && shown.1.contains("\(today) 起"))

            let member = try await SelectionTests.ints(
                services,
                "SELECT id FROM body_members WHERE body_id = \(bind: body) AND resident_id = \(bind: resident)")[0]
            let end = "/bodies/\(body)/members/\(member)/end"
            let unticked = try await office.post(end, [("until", today)])
            #expect(unticked.0 == .unprocessableContent && unticked.2.contains("请勾选确认离任。"))
            let left = try await office.post(end, [("until", today), ("confirm_end", "yes")])
            #expect(left.0 == .seeOther)
            let after = try await office.get("/bodies/\(body)")
            #expect(after.1.contains("\(today) 至 \(today)") && !after.1.contains("action=\"\(end)#members\""))

            let (cookie, csrf) = try await client.session("viewer")
            let viewer = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let read = try await viewer.get("/bodies/\(body)?q=\(q)")
            #expect(read.0 == .ok && read.1.contains("宣传委员") && !read.1.contains(name) && !read.1.contains("增加成员"))
            let refused = try await viewer.post(
                "/bodies/\(body)/members", [("resident_id", String(resident)), ("position", "委员"), ("from", today)])
            #expect(refused.0 == .forbidden)
        }
    }

    @Test func theOfficeFormsABodyOnTheOutreachPageAndLandsOnIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let page = try await office.get("/outreach")
            #expect(page.1.contains("成立自治组织") && page.1.contains("/bodies/"))
            let compound = try await SelectionTests.ints(services, "SELECT MIN(id) AS id FROM compounds")[0]
            let bodies = try await SelectionTests.count(services, "bodies")
            let fields: [(String, String)] = [("kind", "volunteer_team"), ("name", "银发志愿服务队")]
            let nowhere = try await office.post("/outreach/bodies", fields + [("formed_on", Clock.today.description)])
            #expect(nowhere.0 == .unprocessableContent && nowhere.2.contains("请选择组织类别和服务的小区或社区。"))
            #expect(nowhere.2.contains("value=\"银发志愿服务队\""))
            let ahead = try await office.post(
                "/outreach/bodies",
                fields + [("place", "compound:\(compound)"), ("formed_on", Clock.today.adding(days: 3).description)])
            #expect(ahead.0 == .unprocessableContent && ahead.2.contains("成立日期不能晚于今天。"))
            #expect(try await SelectionTests.count(services, "bodies") == bodies)
            let made = try await office.post(
                "/outreach/bodies",
                fields + [("place", "compound:\(compound)"), ("formed_on", Clock.today.description)])
            let id = try await SelectionTests.ints(services, "SELECT MAX(id) AS id FROM bodies")[0]
            #expect(made.0 == .seeOther && made.1 == "/bodies/\(id)?saved=1#add-member")
            let shown = try await office.get("/bodies/\(id)")
            #expect(shown.1.contains("银发志愿服务队") && shown.1.contains("志愿服务队") && shown.1.contains("增加成员"))
        }
    }
}
