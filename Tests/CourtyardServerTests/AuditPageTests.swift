import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// The office reads the audit log in its own words: no field, state or record kind as stored, no internal number.
@Suite struct AuditPageTests {
    @Test func theOfficeReadsWhatChangedInItsOwnWords() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let household = try #require(
                try await client.call(.get, "/api/v1/households?limit=1", token: office).json.items.first)
            let id = try #require(household["id"]?.intValue)
            let changed = try await client.call(
                .patch, "/api/v1/households/\(id)", token: office, body: #"{"area_m2":"90.05","room":"9901"}"#)
            #expect(changed.status == .ok)
            let report = try #require(
                try await client.call(.get, "/api/v1/reports?state=submitted", token: office).json.items.first?["id"]?
                    .intValue)
            let moved = try await client.call(
                .post, "/api/v1/reports/\(report)/transitions", token: office,
                body: #"{"to":"acknowledged","note":"已转物业"}"#)
            #expect(moved.status == .ok || moved.status == .created)
            // A resident signs up for an event: the entry names the event and says how the sign-up stands.
            let community = try await services.registry.list(.communities, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let event = try await EventTests.event(client, office, community: community, capacity: "5")
            let signed = try await client.call(
                .post, "/api/v1/events/\(event)/signups", token: nil, body: #"{"name":"赵奶奶","phone":"13900000001"}"#)
            #expect(signed.status == .created)

            // A vote opened and closed: its tally is kept as JSON, never shown so.
            let compound = try #require(household["compound_id"]?.intValue)
            let vote = try #require(
                try await client.call(
                    .post, "/api/v1/votes", token: office,
                    body: #"{"title":"增设充电桩","matter":9,"electorate":{"compound_id":\#(compound)}}"#
                ).json["id"]?.intValue)
            _ = try await client.call(.post, "/api/v1/votes/\(vote)/open", token: office)
            #expect(try await client.call(.post, "/api/v1/votes/\(vote)/close", token: office).status == .ok)

            let (cookie, _) = try await client.session("office")
            let (status, page, _) = try await PageTests.page(client, "/audit", cookie: cookie)
            #expect(status == .ok)
            // A household's change: each field by name, the values as typed.
            #expect(page.contains("面积（㎡）：") && page.contains("→ 90.05") && page.contains("房号："))
            // A report handled: the two states by their labels.
            #expect(page.contains("状态：待受理 → 已受理") || page.contains("状态：已提交 → 已受理"))
            #expect(page.contains("社区活动 快乐星期天") && page.contains("状态：已报名"))
            #expect(page.contains("业主表决 增设充电桩"))
            // Closed, it reads as closed and whether it passed, not as the size of its tally.
            #expect(page.contains("状态：投票中 → 已结束（未通过）"), "\(page)")
            for code in ["area_m2", "acknowledged", "submitted", ">office<", "<code>", "{&quot;", "{\""] {
                #expect(!page.contains(code), "\(code) on the audit page")
            }
        }
    }

    /// A step that keeps only a number says what the number is: people who came, people recorded, days.
    @Test func aNumberAloneIsNamed() {
        let f = PageFrame(lang: .zh, account: nil, csrf: "", path: "")
        for (after, field) in [
            (#"{"attended":10}"#, "到场人数"), (#"{"recorded":8}"#, "登记人数"), (#"{"days":5}"#, "天数"),
        ] {
            let (_, changes) = AuditPage.summarise(before: nil, after: after, entity: "meetings", names: [:], f)
            #expect(changes.map(\.field) == [field], "\(after)")
        }
        // Entries written before the number was named keep it bare; they read the same.
        for (entity, field) in [("meetings", "登记人数"), ("department_service_levels", "天数")] {
            let (_, changes) = AuditPage.summarise(before: nil, after: "8", entity: entity, names: [:], f)
            #expect(changes.map(\.field) == [field] && changes.first?.after == "8", "\(entity)")
        }
    }

    /// Money reads in yuan and an approval by the step it reached, not as fen and a count.
    @Test func aChangeOrdersAmountAndApprovalReadAsTheOfficeSaysThem() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/change_orders", as: f.contractor,
                #"{"reason":"增加雨水管 40 米","amount_fen":1800000}"#)
            let id = try #require(made.json["id"]?.intValue)
            #expect(try await f.call(.post, "/api/v1/change_orders/\(id)/approve", as: s.pm).status == .ok)
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/audit", cookie: cookie).1
            #expect(page.contains("金额：¥18,000.00") && !page.contains("1800000"))
            #expect(page.contains("审批进度：待审批 → 已通过第一级审批"))
        }
    }

    /// Every kind of record and every action the store writes to the audit log has a label in both languages, so
    /// none reaches the page as stored.
    @Test func everyAuditedActionAndRecordKindIsNamed() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var named: Set<String> = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for call in text.matches(of: try Regex(#"AuditLog\.record\((?s:.){0,600}?\)"#)) {
                let body = String(text[call.range])
                for m in body.matches(of: try Regex(#"(action|entity): "([a-z0-9_]+)""#)) {
                    let kind = String(m.output[1].substring!)
                    let code = String(m.output[2].substring!)
                    named.insert(kind == "action" ? "audit.action.\(code)" : "entity.\(code)")
                }
            }
        }
        #expect(named.count > 60)
        for key in named.sorted() {
            #expect(Lang.zh.catalogue[key] != nil, "\(key) in zh-Hans")
            #expect(Lang.en.catalogue[key] != nil, "\(key) in English")
        }
    }
}

/// A steward of one building opens the compound's page through it: only the buildings they may open are listed,
/// never a link that answers "not in your scope".
@Suite struct OneBuildingStewardTests {
    @Test func theCompoundPageListsOnlyTheBuildingsTheyMayOpen() async throws {
        try await TestApp.with(demo: true) { client, services in
            let building = try #require(try await services.accounts.find(username: "louzhang")?.scope.id)
            let compound = try #require(
                try await SelectionTests.ints(
                    services, "SELECT compound_id AS id FROM buildings WHERE id = \(bind: building)"
                ).first)
            let (cookie, _) = try await client.session("louzhang")
            let (status, page, _) = try await PageTests.page(client, "/compounds/\(compound)", cookie: cookie)
            #expect(status == .ok)
            let links = page.matches(of: try Regex(#"href="/buildings/(\d+)""#)).compactMap {
                $0.output[1].substring.flatMap { Int64($0) }
            }
            #expect(Set(links) == [building])
            for id in Set(links) {
                #expect(try await PageTests.page(client, "/buildings/\(id)", cookie: cookie).0 == .ok)
            }
            // The office still sees every building of the compound.
            let (office, _) = try await client.session("office")
            let (_, all, _) = try await PageTests.page(client, "/compounds/\(compound)", cookie: office)
            #expect(all.matches(of: try Regex(#"href="/buildings/\d+""#)).count > 1)
        }
    }
}

/// An API address whose record number is not a number names no record: 404, as for a number that is not there
/// (a client that followed a link from a field left empty asks for `/coordination_requests/None`).
@Suite struct MalformedRecordAddressTests {
    @Test func aRecordNumberThatIsNotANumberIsNotFound() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            for path in ["/api/v1/coordination_requests/None", "/api/v1/households/abc", "/api/v1/votes/1.5"] {
                let r = try await client.call(.get, path, token: office)
                #expect(r.status == .notFound && r.json.errorCode == "not_found", "\(path): \(r.status)")
            }
        }
    }
}
