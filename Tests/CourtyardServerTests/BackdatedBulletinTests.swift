import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// A bulletin dated before today counts the findings, reports and inspections of its day, not of the day it is drafted.
@Suite struct BackdatedBulletinTests {
    @Test func aBulletinDatedYesterdayLeavesOutWhatWasFoundOrFiledTodayAndKeepsWhatWasClosedToday() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            // Two findings three days ago; one of them fixed and verified today. One more found today.
            let earlier = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/checks",
                #"""
                {"date":"\#(today.adding(days: -3))","items":[{"item":"沟槽防护","passed":false}],"findings":[{"description":"北侧沟槽无围挡"},{"description":"材料占道"}]}
                """#)
            let fixedToday = try #require(earlier.json["findings"]?.arrayItemsForTests.first?["id"]?.intValue)
            _ = try await f.call(.post, "/api/v1/findings/\(fixedToday)/rectify", as: f.contractor, #"{"note":"已补设"}"#)
            #expect(try await f.call(.post, "/api/v1/findings/\(fixedToday)/verify").json["verified_on"] != nil)
            let found = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/checks",
                #"{"date":"\#(today)","items":[{"item":"警示标志","passed":false}],"findings":[{"description":"夜间无警示灯"}]}"#)
            #expect(found.status == .created)
            let template = try await SafetyTests.templateId(f, key: "signs")
            let full =
                #"[{"item":"signs","score":30},{"item":"lights","score":25},"#
                + #"{"item":"hoarding","score":25},{"item":"traffic","score":20}]"#
            let inspected = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/inspections", as: f.supervisor,
                #"{"template_id":\#(template),"date":"\#(today)","scores":\#(full)}"#)
            #expect(inspected.status == .created)
            // A report filed three days ago and turned down today; another filed today.
            func report(_ text: String) async throws -> Int64 {
                try #require(
                    try await f.call(
                        .post, "/api/v1/reports",
                        #"{"compound_id":\#(f.compound),"category":"safety","description":"\#(text)"}"#
                    ).json["id"]?.intValue)
            }
            let old = try await report("路灯不亮")
            let stamp = "\(today.adding(days: -3))T02:00:00Z"
            try await services.database.withConnection { db in
                try await db.raw("UPDATE reports SET submitted_at = \(bind: stamp) WHERE id = \(bind: old)").run()
                try await db.raw("UPDATE report_events SET at = \(bind: stamp) WHERE report_id = \(bind: old)").run()
            }
            let turnedDown = try await f.call(
                .post, "/api/v1/reports/\(old)/transitions", #"{"to":"rejected","note":"不属于改造范围"}"#)
            #expect(turnedDown.status == .ok)
            _ = try await report("井盖松动")
            func figures(_ asOf: Day) async throws -> (line: JSONValue?, contractor: JSONValue?) {
                let draft = try await f.call(
                    .post, "/api/v1/bulletins", #"{"as_of":"\#(asOf)","batch_year":\#(f.year)}"#)
                #expect(draft.status == .created)
                return (
                    draft.json["compounds"]?.arrayItemsForTests.first { $0["project_id"]?.intValue == f.pid },
                    draft.json["contractors"]?.arrayItemsForTests.first {
                        $0["organisation_id"]?.intValue == f.contractorOrg
                    }
                )
            }
            let yesterday = try await figures(today.adding(days: -1))
            #expect(yesterday.line?["open_findings"]?.intValue == 2, "the two of three days ago, not today's")
            #expect(yesterday.line?["open_reports"]?.intValue == 1, "the one turned down today, not today's")
            #expect(yesterday.contractor?["open_findings"]?.intValue == 2)
            #expect(yesterday.contractor?["inspections"]?.intValue == 0, "today's inspection came later")
            let now = try await figures(today)
            #expect(now.line?["open_findings"]?.intValue == 2, "the one left of three days ago and today's")
            #expect(now.line?["open_reports"]?.intValue == 1)
            #expect(now.contractor?["open_findings"]?.intValue == 2)
            #expect(now.contractor?["inspections"]?.intValue == 1)
            let before = try await figures(today.adding(days: -4))
            #expect(before.line?["open_findings"]?.intValue == 0 && before.line?["open_reports"]?.intValue == 0)
        }
    }
}
