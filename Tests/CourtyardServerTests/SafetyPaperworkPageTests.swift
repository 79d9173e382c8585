import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The office files a batch's safety paperwork from one page, and sees which projects a plan does not yet cover.
@Suite struct SafetyPaperworkPageTests {
    @Test func theOfficeSeesWhatIsMissingAndFilesAPlanAndADrill() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let year = String(SafetyTests.today.civil.year)
            let page = try await office.get("/safety?year=\(year)")
            #expect(page.0 == .ok && page.1.contains("尚无预案的小区") && page.1.contains("<span class=\"flag\">"))
            let uncovered = try await SelectionTests.ints(
                services,
                """
                SELECT p.id FROM projects p WHERE p.contractor_id IS NOT NULL AND p.batch_year = \(bind: Int(year)!)
                  AND NOT EXISTS (SELECT 1 FROM emergency_plan_projects e WHERE e.project_id = p.id) ORDER BY p.id
                """)
            let project = try #require(uncovered.first)
            let contractor = try await SelectionTests.ints(
                services, "SELECT contractor_id AS id FROM projects WHERE id = \(bind: project)")[0]
            let plans = try await SelectionTests.count(services, "emergency_plans")
            let none = try await office.post(
                "/safety/plans",
                [("organisation_id", String(contractor)), ("approved_on", "2026-01-20"), ("batch_year", year)])
            #expect(none.0 == .unprocessableContent && none.2.contains("请至少勾选一个项目。"))
            #expect(try await SelectionTests.count(services, "emergency_plans") == plans)
            let filed = try await office.post(
                "/safety/plans",
                [
                    ("organisation_id", String(contractor)), ("approved_on", "2026-01-20"), ("batch_year", year),
                    ("project_ids", String(project)),
                ])
            #expect(filed.0 == .seeOther && filed.1 == "/safety?year=\(year)&saved=1")
            #expect(try await SelectionTests.count(services, "emergency_plans") == plans + 1)
            let plan = try await SelectionTests.ints(services, "SELECT MAX(id) AS id FROM emergency_plans")[0]
            let future = try await office.post(
                "/safety/plans/\(plan)/drills", [("date", "2099-01-01"), ("attendance", "30"), ("batch_year", year)])
            #expect(future.0 == .unprocessableContent && future.2.contains("演练日期不能晚于今天。"))
            let drill = try await office.post(
                "/safety/plans/\(plan)/drills",
                [("date", SafetyTests.today.description), ("attendance", "30"), ("batch_year", year)])
            #expect(drill.0 == .seeOther)
            let twice = try await office.post(
                "/safety/agreements",
                [("organisation_id", String(contractor)), ("batch_year", year), ("signed_on", "2026-01-15")])
            #expect(twice.0 == .unprocessableContent && twice.2.contains("该施工单位本批次已经登记了责任书。"))
        }
    }
}
