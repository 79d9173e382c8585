import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// A site check is dated within the last year and its findings are said in a few lines, as an inspection's are.
@Suite struct SiteCheckBoundsTests {
    @Test func aCheckFromLongAgoOrAFindingPagesLongIsRefusedAndNothingIsWritten() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            func check(date: Day, finding: String) async throws -> JSONValue {
                try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/checks",
                    #"""
                    {"date":"\#(date)","items":[{"item":"沟槽防护","passed":false}],"findings":[{"description":"\#(finding)"}]}
                    """#
                ).json
            }
            #expect(try await check(date: Day("1990-01-01")!, finding: "无围挡").errorCode == "too_old")
            let long = String(repeating: "围", count: LedgerRepository.findingMax + 1)
            let tooLong = try await check(date: today, finding: long)
            #expect(tooLong.errorCode == "too_long" && tooLong["error"]?["field"]?.stringValue == "findings")
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/checks").json.items.isEmpty)
            let fine = try await check(date: today.adding(days: -300), finding: String(long.dropLast()))
            #expect(fine["findings"]?.arrayItemsForTests.count == 1)
            // From the page the person is told which part is too long, and the form limits it as they type.
            let supervisor = try await client.session("supervisor")
            let (_, form, _) = try await PageTests.page(client, "/projects/\(f.pid)", cookie: supervisor.cookie)
            #expect(form.contains(#"<textarea name="finding" rows="3" maxlength="5000""#))
            let (status, _, page) = try await SiteLogPageTests.post(
                client, "/projects/\(f.pid)/checks", cookie: supervisor.cookie,
                [
                    ("_csrf", supervisor.csrf), ("date", today.description), ("item_excavation", "fail"),
                    ("finding", long + long),
                ] + ["height", "signs", "hoarding", "power", "fire_lane"].map { ("item_" + $0, "pass") })
            #expect(status == .unprocessableContent && page.contains("“发现的问题”第 1 行太长：每条最多 500 字。"))
            // More lines than a check may have, and lines of invisible marks only, are said as such.
            let passed = ["height", "signs", "hoarding", "power", "fire_lane"].map { ("item_" + $0, "pass") }
            let (many, _, manySaid) = try await SiteLogPageTests.post(
                client, "/projects/\(f.pid)/checks", cookie: supervisor.cookie,
                [
                    ("_csrf", supervisor.csrf), ("date", today.description), ("item_excavation", "fail"),
                    ("finding", (1...51).map { "第\($0)处无围挡" }.joined(separator: "\n")),
                ] + passed)
            #expect(many == .unprocessableContent && manySaid.contains("一次最多 50 条"))
            let (blank, _, blankSaid) = try await SiteLogPageTests.post(
                client, "/projects/\(f.pid)/checks", cookie: supervisor.cookie,
                [
                    ("_csrf", supervisor.csrf), ("date", today.description), ("item_excavation", "fail"),
                    ("finding", "\u{200B}\u{200B}\n \u{3000}"),
                ] + passed)
            #expect(blank == .unprocessableContent && blankSaid.contains("请在“发现的问题”中写明问题"))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/checks").json.items.count == 1)
        }
    }
}
