import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// The meeting's list of projects that have not moved: a site in construction stays in that stage for months, so it
/// is listed when its daily log has stopped, not for being in construction.
@Suite struct AgendaStalledTests {
    @Test func aSiteInConstructionIsStalledOnlyWhenItsLogStops() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.startConstruction()
            let today = Clock.today
            let meeting = try await client.call(
                .post, "/api/v1/meetings", token: f.office,
                body: #"""
                    {"title":"工作例会","date":"\#(today)","time":"09:00","duration_minutes":60,"location":"街道办"}
                    """#)
            let id = try #require(meeting.json["id"]?.intValue)
            func stalled() async throws -> Bool {
                let agenda = try await client.call(.get, "/api/v1/meetings/\(id)/agenda", token: f.office)
                #expect(agenda.status == .ok)
                return agenda.json["stalled_projects"]?.arrayItemsForTests.contains {
                    $0["project_id"]?.intValue == f.pid
                } == true
            }
            #expect(try await !stalled(), "construction began today")
            let long = today.adding(days: -60).description + "T09:00:00+08:00"
            try await services.database.withConnection { db in
                try await db.raw("UPDATE gate_passes SET passed_at = \(bind: long) WHERE project_id = \(bind: f.pid)")
                    .run()
            }
            #expect(try await stalled(), "sixty days in construction with no log")
            let log = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(today.adding(days: -1))","weather":"晴","workers":9,"work_done":"管沟回填"}"#)
            #expect(log.status == .created)
            #expect(try await !stalled(), "the site wrote its log yesterday")
        }
    }
}
