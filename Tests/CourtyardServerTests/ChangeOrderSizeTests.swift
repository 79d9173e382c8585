import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// A change order changes a contract: it is not larger than the contract, and cuts do not take it below nothing.
@Suite struct ChangeOrderSizeTests {
    @Test func aChangeLargerThanTheContractOrACutBelowNothingIsRefusedAndNothingIsWritten() async throws {
        try await TestApp.with(demo: true) { client, services in
            // The contract comes to 4,032,600 fen.
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            func propose(_ fen: Int64) async throws -> JSONValue {
                try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/change_orders", as: f.contractor,
                    #"{"reason":"调整","amount_fen":\#(fen)}"#
                ).json
            }
            let huge = try await propose(400_000_000)
            #expect(huge.errorCode == "change_beyond_contract" && huge["error"]?["field"]?.stringValue == "amount_fen")
            #expect(try await propose(-4_032_601).errorCode == "cut_beyond_contract")
            #expect(try await propose(4_032_601).errorCode == "change_beyond_contract")
            #expect(try await propose(-3_000_000)["state"]?.stringValue == "submitted")
            let below = try await propose(-1_500_000)
            #expect(below.errorCode == "change_below_zero", "4,032,600 − 3,000,000 − 1,500,000 is below nothing")
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders").json.items.count == 1)
            // The whole contract again is the most one change may add.
            #expect(try await propose(4_032_600)["state"]?.stringValue == "submitted")
            // The page says so in Chinese.
            let contractor = try await client.session("contractor")
            let (status, page, _) = try await PageTests.postForm(
                client, "/projects/\(f.pid)/change_orders", cookie: contractor.cookie,
                RefusedFormTests.urlencoded([
                    ("_csrf", contractor.csrf), ("reason", "巨额测试"), ("amount", "99999999.99"),
                ]))
            #expect(status == .unprocessableContent && page.contains("单项变更金额不能超过合同价"))
        }
    }
}

/// Whoever approves a payment is told when the value it claims runs well ahead of the progress the site logs record.
@Suite struct PaymentAheadOfProgressTests {
    @Test func theSupervisorIsWarnedOfAClaimFarAheadOfTheWorks() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            // Both lifts measured (3,120,300 of 4,032,600 fen, 77%) while the site logs say 0%.
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(InvestmentTests.today)","measured":\#(InvestmentTests.measured(f, water: "100.25", lifts: "2")),"amount_fen":90000}"#
            )
            #expect(made.status == .created)
            let warning = "申报的已完工程价值比计量期末（\(InvestmentTests.today)）形象进度（0.0%）对应的产值高出 10 个百分点以上"
            let supervisor = try await client.session("supervisor")
            let theirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: supervisor.cookie).1
            #expect(theirs.contains(warning))
            let office = try await client.session("office")
            let notTheirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: office.cookie).1
            #expect(!notTheirs.contains(warning), "said to whoever approves it now")
        }
    }

    /// A claim is judged by the progress at the end of its period: the site finishing the works since does not make a
    /// claim that ran ahead of it then look right.
    @Test func aClaimIsJudgedByTheProgressAtItsPeriodEnd() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            try await f.startConstruction()
            let today = InvestmentTests.today
            let end = today.adding(days: -3)
            try await services.database.withConnection { db in
                let moved = today.adding(days: -10).description + "T09:00:00+08:00"
                try await db.raw("UPDATE gate_passes SET passed_at = \(bind: moved) WHERE project_id = \(bind: f.pid)")
                    .run()
            }
            func log(_ day: Day, water: Int, lift: Int) async throws {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                    #"""
                    {"date":"\#(day)","weather":"晴","workers":9,"work_done":"施工","progress":[{"work_item_id":\#(f.water),"percent":\#(water)},{"work_item_id":\#(f.lift),"percent":\#(lift)}]}
                    """#)
                #expect(r.status == .created, "\(r.text)")
            }
            try await log(today.adding(days: -5), water: 10, lift: 0)
            try await log(today, water: 100, lift: 100)
            // Everything measured on the period's end, when the logs said 2.5%; today they say 100%.
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(end)","measured":\#(InvestmentTests.measured(f, water: "860.5", lifts: "2")),"amount_fen":90000}"#
            )
            #expect(made.status == .created, "\(made.text)")
            let supervisor = try await client.session("supervisor")
            let theirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: supervisor.cookie).1
            #expect(theirs.contains("计量期末（\(end)）形象进度（2.5%）"))
        }
    }
}
