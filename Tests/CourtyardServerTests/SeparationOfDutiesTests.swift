import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// Four eyes: whoever reports a fix does not pass its re-inspection, and whoever asks for money does not approve it.
@Suite struct SeparationOfDutiesTests {
    @Test func whoeverReportsAFixDoesNotPassItsReInspection() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.setUp(client, services)
            let f = s.f
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let check = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/checks",
                #"{"date":"\#(today)","items":[{"item":"临边防护","passed":false}],"findings":[{"description":"临边护栏缺失一段"}]}"#
            )
            let id = try #require(check.json["findings"]?.arrayItemsForTests.first?["id"]?.intValue)
            let fixed = try await f.call(.post, "/api/v1/findings/\(id)/rectify", as: s.pm, #"{"note":"已补齐护栏"}"#)
            #expect(fixed.json["state"]?.stringValue == "rectified" && fixed.json["rectified_by"]?.stringValue == "pm")
            let own = try await f.call(.post, "/api/v1/findings/\(id)/verify", as: s.pm)
            #expect(own.status == .conflict && own.json.errorCode == "own_fix")
            #expect(own.text.contains("复检须由其他人进行"))
            let pm = try await client.session("pm")
            let pmPage = try await PageTests.page(client, "/projects/\(f.pid)", cookie: pm.cookie).1
            #expect(!pmPage.contains("/findings/\(id)/verify") && pmPage.contains("整改由你上报，须由其他人复检。"))
            let supervisor = try await client.session("supervisor")
            let theirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: supervisor.cookie).1
            #expect(theirs.contains(#"action="/findings/\#(id)/verify""#))
            // Why it failed is written in a labelled box of lines, as the fix was.
            let reject = try #require(
                theirs.firstMatch(of: /action="\/findings\/\d+\/reject".*?<\/form>/).map { String($0.0) })
            #expect(reject.contains(#"<label>复检不合格的原因（整改单位据此再整改）<textarea name="note" rows="3""#), "\(reject)")
            // Failing looks unlike passing.
            #expect(reject.contains(#"<button type="submit" class="secondary">复检不合格</button>"#), "\(reject)")
            // A failed re-inspection says why beside the contractor's account of the fix, not over it.
            let failed = try await f.call(
                .post, "/api/v1/findings/\(id)/reject", as: f.supervisor, #"{"note":"护栏仍缺一段"}"#)
            #expect(failed.json["rectification_note"]?.stringValue == "已补齐护栏")
            #expect(failed.json["reinspection_note"]?.stringValue == "护栏仍缺一段")
            let reopened = try await PageTests.page(client, "/projects/\(f.pid)", cookie: pm.cookie).1
            // It says who failed it and when, for the contractor to ask what is still wrong.
            let by = try #require(failed.json["reinspected_by_name"]?.stringValue)
            let on = try #require(failed.json["reinspected_on"]?.stringValue)
            #expect(reopened.contains("已补齐护栏") && reopened.contains("复检不合格（\(by)，\(on)），原因：护栏仍缺一段"))
            // The check's row says its finding is still open beside the items that passed.
            #expect(reopened.contains("0/1（不合格：临边防护），1 项问题未销项"))
            _ = try await f.call(.post, "/api/v1/findings/\(id)/rectify", as: s.pm, #"{"note":"已全部补齐"}"#)
            let verified = try await f.call(
                .post, "/api/v1/findings/\(id)/verify", as: f.supervisor, #"{"note":"现场查看已补齐"}"#)
            #expect(verified.json["reinspection_note"]?.stringValue == "现场查看已补齐")
            #expect(verified.json["state"]?.stringValue == "verified")
            let name = try #require(verified.json["verified_by_name"]?.stringValue)
            let after = try await PageTests.page(client, "/projects/\(f.pid)", cookie: pm.cookie).1
            #expect(after.contains("复检合格：\(name)，\(today)"))
        }
    }

    @Test func whoeverProposesAChangeOrderDoesNotApproveIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/change_orders", as: s.pm,
                #"{"reason":"增设无障碍坡道","amount_fen":800000}"#)
            let id = try #require(made.json["id"]?.intValue)
            let own = try await f.call(.post, "/api/v1/change_orders/\(id)/approve", as: s.pm)
            #expect(own.status == .conflict && own.json.errorCode == "own_request")
            #expect(own.text.contains("须由其他人审核"))
            let still = try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders")
            #expect(still.json.items.first?["state"]?.stringValue == "submitted")
            let pm = try await client.session("pm")
            let page = try await PageTests.page(client, "/projects/\(f.pid)", cookie: pm.cookie).1
            #expect(!page.contains("/change_orders/\(id)/approve") && page.contains("由你提出，须由其他人审核。"))
            let home = try await PageTests.page(client, "/", cookie: pm.cookie).1
            #expect(!home.contains("增设无障碍坡道") && !home.contains("¥8,000.00"), "not among what waits for it")
            // Withdrawing it is still the proposer's own step.
            let back = try await f.call(
                .post, "/api/v1/change_orders/\(id)/reject", as: s.pm, #"{"reason":"撤回，改由施工单位提出"}"#)
            #expect(back.json["state"]?.stringValue == "rejected")
        }
    }
}
