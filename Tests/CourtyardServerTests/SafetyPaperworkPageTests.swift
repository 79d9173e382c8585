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
            #expect(future.0 == .unprocessableContent && future.2.contains("日期不能晚于今天"))
            // Refused, the drill's form opens again under its own plan, with what was typed; the others stay empty.
            #expect(future.2.contains(#"<details open><summary>"#) && future.2.contains(#"value="2099-01-01""#))
            #expect(future.2.components(separatedBy: "<details open>").count == 2)
            let bad = try await office.post(
                "/safety/plans/\(plan)/drills", [("date", "2026-02-30"), ("attendance", "1e400"), ("batch_year", year)])
            #expect(bad.0 == .unprocessableContent)
            #expect(bad.2.contains("日期无效：请按 年-月-日 填写一个存在的日期，如 2026-03-01。\n参加人数须为 1 到 10000 人。"))
            #expect(bad.2.contains(#"value="1e400""#))
            let drill = try await office.post(
                "/safety/plans/\(plan)/drills",
                [("date", SafetyTests.today.description), ("attendance", "30"), ("batch_year", year)])
            #expect(drill.0 == .seeOther)
            let twice = try await office.post(
                "/safety/agreements",
                [("organisation_id", String(contractor)), ("batch_year", year), ("signed_on", "2026-01-15")])
            #expect(twice.0 == .unprocessableContent && twice.2.contains("该施工单位本批次已经登记了责任书。"))
            // An agreement with three mistakes names all three and keeps the date and targets typed, in its own form.
            let three = try await office.post(
                "/safety/agreements",
                [("organisation_id", ""), ("batch_year", "1e400"), ("signed_on", "2026-02-30"), ("targets", "零事故")])
            #expect(three.0 == .unprocessableContent)
            #expect(three.2.contains("请选择单位。\n批次年度须在 2000 到 2100 之间。\n日期无效"))
            #expect(three.2.contains(#"value="2026-02-30""#) && three.2.contains(">零事故</textarea>"))
            #expect(three.2.contains(#"role="alert""#))
            // The other forms keep the page's year, not the one typed wrong.
            #expect(!three.2.contains(#"type="hidden" name="batch_year" value="1e400""#))
        }
    }
}

/// A contractor's site manager records a pre-job training from the paper attendance sheet, one trainee per line.
@Suite struct TrainingPageTests {
    @Test func aContractorRecordsATrainingLineByLine() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let site = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let project = try await SelectionTests.ints(
                services,
                """
                SELECT MIN(p.id) AS id FROM projects p
                WHERE p.contractor_id = (SELECT scope_id FROM users WHERE username = 'contractor')
                """)[0]
            let before = try await SelectionTests.count(services, "trainings")
            let projectPage = try await site.get("/projects/\(project)")
            #expect(projectPage.1.contains("/projects/\(project)/trainings/new"))
            #expect(try await site.get("/projects/\(project)/trainings/new").0 == .ok)
            let empty = try await site.post(
                "/projects/\(project)/trainings",
                [("date", SafetyTests.today.description), ("trainer", "王安全"), ("topics", "临时用电"), ("trainees", " ")])
            #expect(empty.0 == .unprocessableContent && empty.2.contains("请填写参加培训的人员"))
            #expect(empty.2.contains("value=\"王安全\"") && empty.2.contains(">临时用电</textarea>"))
            // A line too long to be one person is named by its number.
            let long = try await site.post(
                "/projects/\(project)/trainings",
                [
                    ("date", SafetyTests.today.description), ("trainer", "王安全"), ("topics", "临时用电"),
                    ("trainees", "张三 瓦工\n" + String(repeating: "李", count: 51)),
                ])
            #expect(long.0 == .unprocessableContent && long.2.contains("第 2 行：姓名和工种各最多 50 字"))
            let saved = try await site.post(
                "/projects/\(project)/trainings",
                [
                    ("date", SafetyTests.today.description), ("trainer", "王安全"), ("topics", "临时用电"),
                    ("trainees", "张三 瓦工\n李四　电工\n王五\n赵六,架子工\n钱七、焊工"),
                ])
            #expect(saved.0 == .seeOther && saved.1 == "/projects/\(project)?saved=safety#safety")
            #expect(try await SelectionTests.count(services, "trainings") == before + 1)
            let people = try await SelectionTests.ints(
                services, "SELECT trainee_count AS id FROM trainings WHERE id = (SELECT MAX(id) FROM trainings)")[0]
            #expect(people == 5)
            // A name and a trade parted by a comma or 、 are read as two, not as one long name.
            let names = try await services.database.withConnection { db in
                try await db.raw("SELECT trainees_json FROM trainings WHERE id = (SELECT MAX(id) FROM trainings)")
                    .first()!.decode(column: "trainees_json", as: String.self)
            }
            #expect(names.contains(#""name":"赵六""#) && names.contains(#""trade":"架子工""#) && names.contains("焊工"))
            let viewer = try await client.session("viewer")
            let refused = try await client.execute(
                uri: "/projects/\(project)/trainings/new", method: .get, headers: [.cookie: viewer.0]
            ) { $0.status }
            #expect(refused == .forbidden)
        }
    }
}
