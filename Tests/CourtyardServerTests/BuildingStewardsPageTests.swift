import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The office appoints a building's steward (楼长) on the building's page, with a sign-in for the steward's phone,
/// and ends the term there; everyone who reads the registry sees who serves, masked as their role requires.
@Suite struct BuildingStewardsPageTests {
    /// A building with residents and no steward at all, and one of its residents with their name.
    static func vacantBuilding(_ services: Services) async throws -> (building: Int64, resident: Int64, name: String) {
        try await services.database.withConnection { db in
            let r = try await db.raw(
                """
                SELECT h.building_id, r.id, r.name FROM household_residents hr
                JOIN households h ON h.id = hr.household_id JOIN residents r ON r.id = hr.resident_id
                WHERE NOT EXISTS (SELECT 1 FROM stewards s WHERE s.building_id = h.building_id)
                ORDER BY h.building_id, r.id LIMIT 1
                """
            ).first()!
            return (
                try r.decode(column: "building_id", as: Int64.self), try r.decode(column: "id", as: Int64.self),
                try r.decode(column: "name", as: String.self)
            )
        }
    }

    static func appoint(
        _ client: any TestClientProtocol, _ office: CoordinationPageTests.Browser, _ building: Int64,
        _ fields: [(String, String)], record: [UInt8]? = nil
    ) async throws -> (HTTPResponse.Status, String, String) {
        try await SiteLogPageTests.post(
            client, "/buildings/\(building)/stewards", cookie: office.cookie, [("_csrf", office.csrf)] + fields,
            photo: record, fileField: "election_record")
    }

    @Test func theOfficeAppointsAStewardWithASignInAndEndsTheTerm() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let (building, resident, name) = try await Self.vacantBuilding(services)
            let page = try await office.get("/buildings/\(building)")
            #expect(page.0 == .ok && page.1.contains("本楼尚未任命楼长。") && page.1.contains("任命楼长"))
            #expect(page.1.contains("<option value=\"\(resident)\">\(name)（"))
            // Two people of one name in one home read apart by their phone's last digits.
            let mobile = try await services.database.withConnection { db in
                try await db.raw("SELECT phone FROM residents WHERE id = \(bind: resident)").first()?.decode(
                    column: "phone", as: String?.self) ?? ""
            }
            #expect(mobile.count >= 4 && page.1.contains("手机尾号\(mobile.suffix(4))）</option>"))
            let today = Clock.today.description
            let before = try await SelectionTests.count(services, "stewards")
            let users = try await SelectionTests.count(services, "users")
            let files = try await SelectionTests.count(services, "attachments")
            let person: [(String, String)] = [
                ("place", "building"), ("resident_id", String(resident)), ("since", today),
                ("appointed_by", "election"),
                ("public_name", "王阿姨"), ("with_account", "yes"), ("username", "lz-page"),
            ]
            // Nobody chosen, a weak first password, a year typed as 1990: each refused in words, nothing written,
            // what was typed kept.
            let nobody = try await Self.appoint(client, office, building, [("place", "building"), ("since", today)])
            #expect(nobody.0 == .unprocessableContent && nobody.2.contains("请选择楼长人选。"))
            let noTick = try await Self.appoint(
                client, office, building, person.filter { $0.0 != "with_account" } + [("password", "Lou-zhang-2026")])
            #expect(noTick.0 == .unprocessableContent && noTick.2.contains("要开通账号请勾选"))
            let weak = try await Self.appoint(client, office, building, person + [("password", "12345678")])
            #expect(weak.0 == .unprocessableContent && weak.2.contains("密码") && weak.2.contains("value=\"lz-page\""))
            let old = try await Self.appoint(
                client, office, building,
                person.filter { $0.0 != "since" } + [("since", "1990-01-01"), ("password", "Lou-zhang-2026")],
                record: SiteLogPageTests.png)
            #expect(old.0 == .unprocessableContent && old.2.contains("任职起始日早于十年前"))
            #expect(try await SelectionTests.count(services, "stewards") == before)
            #expect(try await SelectionTests.count(services, "users") == users)
            #expect(try await SelectionTests.count(services, "attachments") == files, "a refused record is not kept")

            let made = try await Self.appoint(
                client, office, building, person + [("password", "Lou-zhang-2026")], record: SiteLogPageTests.png)
            #expect(made.0 == .seeOther && made.1 == "/buildings/\(building)?saved=1#stewards")
            let record = try await SelectionTests.ints(
                services,
                "SELECT election_record_attachment_id AS id FROM stewards WHERE building_id = \(bind: building) AND user_id IS NOT NULL"
            )
            #expect(record.count == 1, "the election record is kept with the term")
            let shown = try await office.get("/buildings/\(building)")
            #expect(shown.1.contains("<b>\(name)</b>") && shown.1.contains("\(today) 起") && shown.1.contains("已开通"))
            #expect(shown.1.contains("居民选举产生") && shown.1.contains(">选举记录</a>"))
            // The new steward signs in on the phone and reads the post's households.
            let steward = try await client.session("lz-page", "Lou-zhang-2026")
            let phone = try await client.execute(uri: "/my-households", method: .get, headers: [.cookie: steward.0]) {
                $0.status
            }
            #expect(phone == .ok)
            // The post is taken: a second appointment is refused with what to do.
            let again = try await Self.appoint(
                client, office, building, person.filter { !["with_account", "username"].contains($0.0) })
            #expect(again.0 == .conflict && again.2.contains("请先为其办理卸任"))

            let id = try await SelectionTests.ints(
                services, "SELECT id FROM stewards WHERE building_id = \(bind: building) AND user_id IS NOT NULL")[0]
            let end = "/buildings/\(building)/stewards/\(id)/end"
            #expect(shown.1.contains("action=\"\(end)#stewards\""))
            let unticked = try await office.post(end, [("until", today), ("reason", "搬离本楼")])
            #expect(unticked.0 == .unprocessableContent && unticked.2.contains("请勾选确认卸任。"))
            #expect(unticked.2.contains("<details open>") && unticked.2.contains("value=\"搬离本楼\""), "kept, open")
            let far = try await office.post(end, [("until", "2099-01-01"), ("confirm_end", "yes")])
            #expect(far.0 == .unprocessableContent && far.2.contains("最后任职日在一年以后"))
            #expect(try await office.get("/buildings/\(building)").1.contains("\(today) 起"))
            // Another building's address does not end this term.
            let elsewhere = try await office.post(
                "/buildings/\(building + 1)/stewards/\(id)/end", [("until", today), ("confirm_end", "yes")])
            #expect(elsewhere.0 == .notFound)
            let ended = try await office.post(end, [("until", today), ("reason", "搬离本楼"), ("confirm_end", "yes")])
            #expect(ended.0 == .seeOther)
            let after = try await office.get("/buildings/\(building)")
            #expect(after.1.contains("\(today) 至 \(today)") && after.1.contains("卸任原因：搬离本楼"))
            #expect(!after.1.contains("action=\"\(end)#stewards\""), "an ended term offers no second ending")
            // A stale form sent again does not overwrite the last day recorded.
            let stale = try await office.post(end, [("until", today), ("reason", "另一个原因"), ("confirm_end", "yes")])
            #expect(stale.0 == .conflict && stale.2.contains("已经登记"))
            #expect(try await office.get("/buildings/\(building)").1.contains("卸任原因：搬离本楼"))
        }
    }

    @Test func aReaderWithoutTheRightSeesTheStewardMaskedAndNoForm() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let (building, resident, name) = try await Self.vacantBuilding(services)
            let made = try await Self.appoint(
                client, office, building,
                [
                    ("place", "building"), ("resident_id", String(resident)),
                    ("since", Clock.today.adding(days: 1).description), ("appointed_by", "appointment"),
                ])
            #expect(made.0 == .seeOther)
            let (cookie, csrf) = try await client.session("viewer")
            let viewer = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let page = try await viewer.get("/buildings/\(building)")
            #expect(page.0 == .ok && page.1.contains("社区指定") && page.1.contains("（尚未开始）"))
            #expect(!page.1.contains(name) && !page.1.contains("任命楼长"), "a viewer reads no name and no form")
            let refused = try await SiteLogPageTests.post(
                client, "/buildings/\(building)/stewards", cookie: cookie,
                [("_csrf", csrf), ("place", "building"), ("resident_id", String(resident)), ("since", "2026-01-01")])
            #expect(refused.0 == .forbidden)
        }
    }
}
