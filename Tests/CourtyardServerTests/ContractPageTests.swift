import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The project's pm company enters the construction contract and its bill of quantities on a page, line by line in
/// yuan, and corrects it later with a tick; every refusal names the work item, and nothing is stored.
@Suite struct ContractPageTests {
    @Test func thePmCompanyEntersTheBillInYuanAndCorrectsItWithATick() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.setUp(client, services)
            let f = s.f
            let (cookie, csrf) = try await client.session("pm")
            let pm = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let path = "/projects/\(f.pid)/contract"
            let project = try await pm.get("/projects/\(f.pid)")
            #expect(project.1.contains("href=\"\(path)\"") && project.1.contains("录入施工合同"))
            let page = try await pm.get(path)
            #expect(page.0 == .ok && page.1.contains("name=\"quantity_\(f.water)\""))
            // The pm company's account sees only its own organisation in the registry; the form still names the
            // project's contractor, chosen.
            #expect(page.1.contains("<option value=\"\(f.contractorOrg)\" selected>"))
            func send(_ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String, String) {
                try await SiteLogPageTests.post(client, path, cookie: cookie, [("_csrf", csrf)] + fields)
            }
            let head: [(String, String)] = [
                ("contractor_id", String(f.contractorOrg)), ("signed_on", InvestmentTests.today.description),
            ]
            let bad = try await send(head + [("quantity_\(f.water)", "八百"), ("price_\(f.water)", "12")])
            #expect(bad.0 == .unprocessableContent && bad.2.contains("的工程量须大于 0"))
            #expect(bad.2.contains("value=\"八百\"") && bad.2.contains("aria-invalid=\"true\""))
            // A price past 100 亿元 is said to be too large, not to be written wrong.
            let huge = try await send(head + [("quantity_\(f.water)", "1"), ("price_\(f.water)", "99,999,999,999")])
            #expect(huge.0 == .unprocessableContent && huge.2.contains("的单价不能超过 100 亿元"))
            let empty = try await send(head)
            #expect(empty.0 == .unprocessableContent && empty.2.contains("清单是空的"))
            let none = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract", as: s.pm)
            #expect(none.status == .notFound, "nothing refused is stored")

            let lines: [(String, String)] = [
                ("quantity_\(f.water)", "860.5"), ("price_\(f.water)", "12.00"), ("quantity_\(f.lift)", "2"),
                ("price_\(f.lift)", "15,000"),
            ]
            let made = try await send(head + lines)
            #expect(made.0 == .seeOther && made.1 == "/projects/\(f.pid)?saved=investment#investment")
            let stored = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract", as: s.pm)
            #expect(stored.json["sum_fen"]?.intValue == 4_032_600)
            #expect(try await pm.get("/projects/\(f.pid)").1.contains("修改合同"))

            let dearer = head + lines.map { $0.0 == "price_\(f.water)" ? ($0.0, "12.35") : $0 }
            let unticked = try await send(dearer)
            #expect(unticked.0 == .unprocessableContent && unticked.2.contains("请勾选确认"))
            let corrected = try await send(dearer + [("confirm_replace", "yes")])
            #expect(corrected.0 == .seeOther)
            let after = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract", as: s.pm)
            #expect(after.json["sum_fen"]?.intValue == 4_062_718, "860.5 × 12.35 rounds half up to the fen")

            let contractor = try await client.session("contractor")
            let refused = try await client.execute(uri: path, method: .get, headers: [.cookie: contractor.0]) {
                $0.status
            }
            #expect(refused == .forbidden)
        }
    }

    @Test func theReadOnlyOfficeAboveFollowsTheMoneyWithoutChangingIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let (cookie, _) = try await client.session("viewer")
            let table = try await PageTests.page(client, "/investment?batch_year=\(s.f.year)", cookie: cookie)
            #expect(table.0 == .ok && table.1.contains("40,326.00"), "the contract's sum in the table")
            #expect(table.1.contains("href=\"/investment\""), "the tab is there")
            let project = try await PageTests.page(client, "/projects/\(s.f.pid)", cookie: cookie).1
            #expect(project.contains("合同价 ¥40,326.00"))
            #expect(
                !project.contains("/contract\"") && !project.contains("/change_orders\""), "no form that changes money")
        }
    }

    @Test func aCorrectedContractStillCoversWhatWasPaidAndNamesTheProjectsContractor() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            let paid = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(InvestmentTests.today)","measured":\#(InvestmentTests.measured(f, water: "500", lifts: "1")),"amount_fen":1680000}"#
            )
            let id = try #require(paid.json["id"]?.intValue)
            try await services.database.withConnection { db in
                try await db.raw("UPDATE payments SET state = 'approved' WHERE id = \(bind: id)").run()
            }
            // 1 lift at 15,000 元 is less than the 16,800 元 approved for payment: refused, nothing changed.
            let small =
                #"{"contractor_id":\#(f.contractorOrg),"signed_on":"\#(InvestmentTests.today)","items":[{"work_item_id":\#(f.lift),"quantity":1,"unit_price_fen":1500000}]}"#
            let cut = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, small)
            #expect(cut.status == .conflict && cut.json.errorCode == "contract_below_paid")
            let kept = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract", as: s.pm)
            #expect(kept.json["sum_fen"]?.intValue == 4_032_600)
            let zero = try await f.call(
                .put, "/api/v1/projects/\(f.pid)/contract", as: s.pm,
                #"{"contractor_id":\#(f.contractorOrg),"signed_on":"\#(InvestmentTests.today)","items":[{"work_item_id":\#(f.lift),"quantity":1,"unit_price_fen":0}]}"#
            )
            #expect(zero.status == .unprocessableContent && zero.json.errorCode == "sum_zero")
        }
    }

    @Test func aProjectWithoutAContractorTakesTheOneItsContractNames() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)").json["contractor_id"] == .null)
            let put = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", InvestmentTests.contractBody(f))
            #expect(put.status == .ok)
            let read = try await f.call(.get, "/api/v1/projects/\(f.pid)")
            #expect(read.json["contractor_id"]?.intValue == f.contractorOrg)
        }
    }
}
