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
            let warning = "申报的已完工程价值比形象进度（0.0%）对应的产值高出 10 个百分点以上"
            let supervisor = try await client.session("supervisor")
            let theirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: supervisor.cookie).1
            #expect(theirs.contains(warning))
            let office = try await client.session("office")
            let notTheirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: office.cookie).1
            #expect(!notTheirs.contains(warning), "said to whoever approves it now")
        }
    }
}
