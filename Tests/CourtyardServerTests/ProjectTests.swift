import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

extension TestClientProtocol {
    /// Uploads bytes as the multipart field `file`; returns status and body.
    func upload(_ bytes: [UInt8], filename: String, token: String) async throws -> (
        status: HTTPResponse.Status, json: JSONValue
    ) {
        let boundary = "cy-boundary-7"
        var body = ByteBuffer(
            string:
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await execute(
            uri: "/api/v1/attachments", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: body
        ) { r in
            (r.status, JSONValue.parse(String(buffer: r.body)) ?? .null)
        }
    }

    /// A freshly uploaded scan as gate evidence of the given document type: `{"evidence":[{…}]}`.
    func document(_ type: String, token: String) async throws -> String {
        let id = try await upload(ProjectTests.pdf, filename: "\(type).pdf", token: token).json["id"]!.intValue!
        return #"{"evidence":[{"kind":"document","attachment_id":\#(id),"document_type":"\#(type)"}]}"#
    }
}

@Suite struct ProjectTests {
    static let pdf = Array("%PDF-1.4\n%test\n".utf8)

    /// A project from creation to acceptance: plan, gates with evidence, schedule, ledger, checks, acceptance, bulletin.
    @Test func aProjectGoesFromConsultationToAcceptanceAndIntoABulletin() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let contractor = try await client.token("contractor")
            let supervisor = try await client.token("supervisor")
            let me = try await client.call(.get, "/api/v1/auth/me", token: contractor)
            let contractorOrg = Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let year = Day.today(epochSeconds: Date().timeIntervalSince1970).civil.year + 1
            let deadline = "\(year)-06-30"

            let created = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(deadline)"}"#)
            #expect(created.status == .created)
            #expect(created.json["stage"]?.stringValue == "consultation")
            let pid = created.json["id"]!.intValue!
            let again = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(deadline)"}"#)
            #expect(again.status == .conflict)
            let badDate = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"30/06"}"#)
            #expect(
                badDate.status == .unprocessableContent && badDate.json["error"]?["field"]?.stringValue == "deadline")

            // The tailored plan from the catalogue.
            let catalogue = try await client.call(.get, "/api/v1/work_catalogue", token: office)
            #expect(
                catalogue.json.items.contains {
                    $0["code"]?.stringValue == "elevators" && $0["category"]?.stringValue == "improvement"
                })
            let unknown = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"moat","quantity":1,"budget_fen":1}"#)
            #expect(unknown.status == .unprocessableContent)
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"water_supply","quantity":"860.5","budget_fen":1000000}"#)
            let plan = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"elevators","quantity":2,"budget_fen":3000000}"#)
            #expect(plan.json["totals_by_category"]?["basic"]?["budget_fen"]?.intValue == 1_000_000)
            #expect(plan.json["totals_by_category"]?["all"]?["budget_fen"]?.intValue == 4_000_000)
            let items = plan.json["work_items"]!
            guard case .array(let itemList) = items else {
                Issue.record("no items")
                return
            }
            #expect(itemList[0]["quantity"]?.stringValue == "860.50")
            let water = itemList[0]["id"]!.intValue!
            let lift = itemList[1]["id"]!.intValue!

            // Gates need evidence.
            let refused = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office, body: #"{"note":"问需完成"}"#)
            #expect(refused.status == .conflict && refused.json.errorCode == "gate_preliminary_design")
            let notAFile = try await client.upload(Array("hello".utf8), filename: "x.pdf", token: office)
            #expect(notAFile.status == .unprocessableContent && notAFile.json.errorCode == "unsupported_type")
            let file = try await client.upload(Self.pdf, filename: "问需纪要.pdf", token: office)
            #expect(file.status == .created)
            let evidence = file.json["id"]!.intValue!
            let wrongKind = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"acceptance","id":1}]}"#)
            #expect(wrongKind.status == .unprocessableContent)
            // A bare attachment id says nothing of what the paper is.
            let bare = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office, body: #"{"evidence":[\#(evidence)]}"#)
            #expect(bare.status == .unprocessableContent)
            let first =
                #"{"evidence":[{"kind":"document","attachment_id":\#(evidence),"document_type":"consultation_minutes"}]}"#
            #expect(
                try await client.call(.post, "/api/v1/projects/\(pid)/advance", token: office, body: first).status
                    == .ok)
            for type in ["design_scheme", "notice_text", "approval_document"] {
                let step = try await client.call(
                    .post, "/api/v1/projects/\(pid)/advance", token: office,
                    body: try await client.document(type, token: office))
                #expect(step.status == .ok)
            }
            let atPlan = try await client.call(.get, "/api/v1/projects/\(pid)", token: office)
            #expect(atPlan.json["stage"]?.stringValue == "plan_approved")
            guard case .array(let gates) = atPlan.json["gates"] ?? .null else {
                Issue.record("no gates")
                return
            }
            #expect(gates.count == 4 && gates[0]["passed_by"]?.stringValue == "office")
            guard case .array(let firstEvidence) = gates[0]["evidence"] ?? .null else {
                Issue.record("no evidence")
                return
            }
            #expect(firstEvidence.count == 1 && firstEvidence[0]["kind"]?.stringValue == "document")
            #expect(firstEvidence[0]["attachment_id"]?.intValue == evidence && gates[0]["on_paper"] == .bool(true))
            let commencement = try await client.document("commencement_report", token: office)
            let noContractor = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office, body: commencement)
            #expect(noContractor.json.errorCode == "gate_construction")
            let stale = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: office, body: #"{"contractor_id":\#(contractorOrg)}"#,
                headers: [.ifMatch: "\"\(pid)-1\""])
            #expect(stale.status == .preconditionFailed)
            let assigned = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: office, body: #"{"contractor_id":\#(contractorOrg)}"#)
            #expect(assigned.json["contractor_id"]?.intValue == contractorOrg)
            // An organisation that does not work on the project does not see it.
            #expect(try await client.call(.get, "/api/v1/projects/\(pid)", token: supervisor).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/projects/\(pid)", token: contractor).status == .ok)

            // Schedule: A(2) → B(3), C(1) → D(1); a cycle is refused.
            func task(_ body: String) async throws -> Int64 {
                let r = try await client.call(.post, "/api/v1/projects/\(pid)/tasks", token: office, body: body)
                #expect(r.status == .created, "task \(body)")
                return r.json["id"]!.intValue!
            }
            let a = try await task(#"{"name":"施工准备","duration_days":2}"#)
            let b = try await task(#"{"name":"管网","duration_days":3,"depends_on":[\#(a)],"work_item_id":\#(water)}"#)
            let c = try await task(#"{"name":"外墙","duration_days":1,"depends_on":[\#(a)]}"#)
            let d = try await task(
                #"{"name":"验收准备","duration_days":1,"depends_on":[\#(b),{"task_id":\#(c),"lag_days":0}]}"#)
            let cycle = try await client.call(
                .patch, "/api/v1/projects/\(pid)/tasks/\(a)", token: office, body: #"{"depends_on":[\#(d)]}"#)
            #expect(cycle.status == .conflict && cycle.json.errorCode == "dependency_cycle")
            let zero = try await client.call(
                .post, "/api/v1/projects/\(pid)/tasks", token: office, body: #"{"name":"x","duration_days":0}"#)
            #expect(zero.status == .unprocessableContent)
            let forward = try await client.call(
                .get, "/api/v1/projects/\(pid)/schedule?mode=forward&start=2026-03-02", token: office)
            guard case .array(let rows) = forward.json["tasks"] ?? .null else {
                Issue.record("no schedule")
                return
            }
            let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"]!.intValue!, $0) })
            #expect(byId[b]?["early_start"]?.stringValue == "2026-03-04" && byId[b]?["critical"] == .bool(true))
            #expect(byId[c]?["total_float"]?.intValue == 2 && byId[c]?["critical"] == .bool(false))
            #expect(byId[d]?["early_start"]?.stringValue == "2026-03-09")
            let lagged = try await client.call(
                .patch, "/api/v1/projects/\(pid)/tasks/\(c)", token: office,
                body: #"{"depends_on":[{"task_id":\#(a),"lag_days":3}]}"#)
            #expect(lagged.json["lags"]?[String(a)]?.intValue == 3)
            let withLag = try await client.call(
                .get, "/api/v1/projects/\(pid)/schedule?mode=forward&start=2026-03-02", token: office)
            #expect(
                withLag.json["tasks"]?.arrayItemsForTests.first { $0["id"]?.intValue == c }?["early_start"]?.stringValue
                    == "2026-03-09")
            _ = try await client.call(
                .patch, "/api/v1/projects/\(pid)/tasks/\(c)", token: office, body: #"{"depends_on":[\#(a)]}"#)
            let backward = try await client.call(.get, "/api/v1/projects/\(pid)/schedule?mode=backward", token: office)
            guard case .array(let brows) = backward.json["tasks"] ?? .null else {
                Issue.record("no schedule")
                return
            }
            let lastFinish = brows.first { $0["id"]?.intValue == d }?["late_finish"]?.stringValue
            #expect(lastFinish == "\(year)-06-30")
            #expect(
                try await client.call(.get, "/api/v1/projects/\(pid)/schedule?mode=sideways", token: office).status
                    == .badRequest)

            // Baseline, then a longer task shows its variance.
            let baseline = try await client.call(
                .post, "/api/v1/projects/\(pid)/baseline?mode=forward&start=2026-03-02", token: office)
            #expect(baseline.status == .ok && baseline.json["baseline_at"] != .null)
            _ = try await client.call(
                .patch, "/api/v1/projects/\(pid)/tasks/\(b)", token: office, body: #"{"duration_days":5}"#)
            let moved = try await client.call(
                .get, "/api/v1/projects/\(pid)/schedule?mode=forward&start=2026-03-02", token: office)
            guard case .array(let mrows) = moved.json["tasks"] ?? .null else {
                Issue.record("no schedule")
                return
            }
            #expect(mrows.first { $0["id"]?.intValue == b }?["finish_variance_days"]?.intValue == 2)
            #expect(mrows.first { $0["id"]?.intValue == d }?["start_variance_days"]?.intValue == 2)
            let gantt = try await client.call(
                .get, "/api/v1/projects/\(pid)/gantt.svg?mode=forward&start=2026-03-02", token: office)
            #expect(gantt.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
            #expect(gantt.text.hasPrefix("<svg") && gantt.text.contains("管网") && gantt.text.hasSuffix("</svg>"))

            // The ledger opens with construction.
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let early = try await client.call(
                .post, "/api/v1/projects/\(pid)/site_logs", token: contractor,
                body: #"{"date":"\#(today)","work_done":"进场","weather":"晴","workers":12}"#)
            #expect(early.status == .conflict && early.json.errorCode == "not_in_construction")
            #expect(
                try await client.call(.post, "/api/v1/projects/\(pid)/advance", token: office, body: commencement)
                    .status == .ok)
            let logDay = today.adding(days: -3)
            let log = try await client.call(
                .post, "/api/v1/projects/\(pid)/site_logs", token: contractor,
                body: #"""
                    {"date":"\#(logDay)","weather":"晴","workers":18,"work_done":"管网开挖","issues":"","progress":[{"work_item_id":\#(water),"percent":50},{"work_item_id":\#(lift),"percent":10}],"photos":[\#(evidence)]}
                    """#)
            #expect(log.status == .created)
            let twice = try await client.call(
                .post, "/api/v1/projects/\(pid)/site_logs", token: contractor,
                body: #"{"date":"\#(logDay)","work_done":"again"}"#)
            #expect(twice.status == .conflict)
            let future = try await client.call(
                .post, "/api/v1/projects/\(pid)/site_logs", token: contractor,
                body: #"{"date":"\#(today.adding(days: 2))","work_done":"later"}"#)
            #expect(future.status == .unprocessableContent)
            // An earlier log does not undo the newer percent.
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/site_logs", token: contractor,
                body:
                    #"{"date":"\#(logDay.adding(days: -1))","work_done":"准备","progress":[{"work_item_id":\#(water),"percent":5}]}"#
            )
            let started = try await client.call(.get, "/api/v1/projects/\(pid)", token: office)
            #expect(started.json["started_on"]?.stringValue == logDay.adding(days: -1).description)
            // (1,000,000 × 50 + 3,000,000 × 10) / 4,000,000 = 20.0
            #expect(started.text.contains(#""percent_complete":20.0,"#))

            let rollup = try await client.call(
                .get, "/api/v1/programme/progress?batch_year=\(year)&level=subdistrict", token: office)
            #expect(rollup.text.contains(#""percent_complete":20.0"#) && rollup.json.items.count == 1)

            // A site check with a finding, followed to rectified and re-inspected.
            let check = try await client.call(
                .post, "/api/v1/projects/\(pid)/checks", token: office,
                body: #"""
                    {"date":"\#(today)","items":[{"item":"沟槽防护","passed":false,"note":"缺围挡"},{"item":"警示标志","passed":true}],"findings":[{"description":"北侧沟槽无围挡"}]}
                    """#)
            #expect(check.status == .created && check.json["passed_items"]?.intValue == 1)
            guard case .array(let findings) = check.json["findings"] ?? .null,
                let finding = findings.first?["id"]?.intValue
            else {
                Issue.record("no finding")
                return
            }
            #expect(
                try await client.call(.post, "/api/v1/findings/\(finding)/verify", token: office).status == .conflict)
            let fixed = try await client.call(
                .post, "/api/v1/findings/\(finding)/rectify", token: contractor, body: #"{"note":"已补设围挡"}"#)
            #expect(fixed.json["state"]?.stringValue == "rectified")
            let rejected = try await client.call(
                .post, "/api/v1/findings/\(finding)/reject", token: office, body: #"{"note":"围挡不连续"}"#)
            #expect(rejected.json["state"]?.stringValue == "open")
            _ = try await client.call(
                .post, "/api/v1/findings/\(finding)/rectify", token: contractor, body: #"{"note":"已连续"}"#)
            let verified = try await client.call(.post, "/api/v1/findings/\(finding)/verify", token: office)
            #expect(verified.json["state"]?.stringValue == "verified")

            // Acceptance: only a passed final one accepts the project.
            let skip = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: try await client.document("acceptance_report", token: office))
            #expect(skip.status == .conflict && skip.json.errorCode == "gate_accepted")
            let failed = try await client.call(
                .post, "/api/v1/projects/\(pid)/acceptances", token: office,
                body: #"{"kind":"final","date":"\#(today)","result":"failed","participants":["监理","居民代表"]}"#)
            #expect(failed.json["stage"]?.stringValue == "construction" && failed.json["completed_on"] == .null)
            let passed = try await client.call(
                .post, "/api/v1/projects/\(pid)/acceptances", token: office,
                body: #"{"kind":"final","date":"\#(today)","result":"passed","participants":["街道","监理","居民代表"]}"#)
            #expect(
                passed.json["stage"]?.stringValue == "accepted"
                    && passed.json["completed_on"]?.stringValue == today.description)

            // The bulletin of that batch: drafted, published, frozen.
            let draft = try await client.call(
                .post, "/api/v1/bulletins", token: office, body: #"{"as_of":"\#(today)","batch_year":\#(year)}"#)
            #expect(draft.status == .created && draft.json["state"]?.stringValue == "draft")
            #expect(draft.json["totals"]?["compounds_completed"]?.intValue == 1)
            #expect(draft.text.contains(#""completion_rate_by_compounds":100.0,"#))
            let bid = draft.json["id"]!.intValue!
            let published = try await client.call(.post, "/api/v1/bulletins/\(bid)/publish", token: office)
            #expect(published.json["issue_no"]?.intValue == 1 && published.json["change_pp"] == .null)
            #expect(
                try await client.call(.patch, "/api/v1/bulletins/\(bid)", token: office, body: #"{"next_steps":"x"}"#)
                    .status == .conflict)
            #expect(try await client.call(.post, "/api/v1/bulletins/\(bid)/publish", token: office).status == .conflict)
            // A second project in the batch changes the next bulletin, not the published one.
            let other = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system).items[
                1
            ].id
            _ = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(other),"batch_year":\#(year),"deadline":"\#(deadline)"}"#)
            let frozen = try await client.call(.get, "/api/v1/bulletins/\(bid)", token: office)
            #expect(frozen.json["totals"]?["compounds_planned"]?.intValue == 1)
            let next = try await client.call(
                .post, "/api/v1/bulletins", token: office, body: #"{"as_of":"\#(today)","batch_year":\#(year)}"#)
            #expect(next.json["totals"]?["compounds_planned"]?.intValue == 2)
            #expect(
                next.text.contains(
                    #""change_pp":{"start_rate_by_compounds":-50.0,"completion_rate_by_compounds":-50.0,"#))
            let html = try await client.call(.get, "/api/v1/bulletins/\(bid)?format=html", token: office)
            #expect(html.text.contains("第1期") && html.text.contains("<table"))
            let csv = try await client.call(.get, "/api/v1/bulletins/\(bid)?format=csv", token: office)
            #expect(csv.text.contains("完工率（按小区，%）") && csv.text.contains("100.0"))
            let xlsx = try await client.execute(
                uri: "/api/v1/bulletins/\(bid)?format=xlsx", method: .get, headers: [.authorization: "Bearer \(office)"]
            ) { r in
                Array(r.body.readableBytesView.prefix(2))
            }
            #expect(xlsx == [0x50, 0x4B])
            let curve = try await client.call(.get, "/api/v1/programme/s-curve.svg?batch_year=\(year)", token: office)
            #expect(curve.text.hasPrefix("<svg") && curve.text.contains("polyline"))
            // The uploaded evidence reads back byte for byte.
            let back = try await client.execute(
                uri: "/api/v1/attachments/\(evidence)", method: .get, headers: [.authorization: "Bearer \(office)"]
            ) { r in
                (r.headers[.contentType], Array(r.body.readableBytesView))
            }
            #expect(back.0 == "application/pdf" && back.1 == Self.pdf)
        }
    }

    @Test func theDemoHasABatchInEveryStageAndTwoPublishedBulletins() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let projects = try await client.call(.get, "/api/v1/projects", token: office)
            let stages = Set(projects.json.items.compactMap { $0["stage"]?.stringValue })
            #expect(stages.count >= 6, "stages: \(stages)")
            let bulletins = try await client.call(.get, "/api/v1/bulletins", token: office)
            #expect(bulletins.json.items.filter { $0["state"]?.stringValue == "published" }.count == 2)
            let latest = bulletins.json.items[0]["id"]!.intValue!
            let b = try await client.call(.get, "/api/v1/bulletins/\(latest)", token: office)
            #expect(b.json["change_pp"] != .null && b.json["issue_no"]?.intValue == 2)
            guard case .array(let communities) = b.json["communities"] ?? .null else {
                Issue.record("no ranking")
                return
            }
            let ranks = communities.compactMap { $0["rank"]?.intValue }
            #expect(ranks == ranks.sorted() && ranks.first == 1)
            // The demo's satisfaction survey: its rate on the project and in a new bulletin is the one its results give.
            let survey = try await client.call(.get, "/api/v1/questionnaires", token: office).json.items.first {
                $0["kind"]?.stringValue == "satisfaction"
            }
            let sid = survey!["id"]!.intValue!
            let surveyed = survey!["project_id"]!.intValue!
            let rate = try await client.call(.get, "/api/v1/questionnaires/\(sid)/results", token: office).json[
                "satisfaction_rate"]
            #expect(rate != nil && rate != .null)
            #expect(
                try await client.call(.get, "/api/v1/projects/\(surveyed)", token: office).json["satisfaction_rate"]
                    == rate)
            let fresh = try await client.call(
                .post, "/api/v1/bulletins", token: office,
                body: #"{"as_of":"2026-11-20","batch_year":\#(b.json["batch_year"]!.intValue!)}"#)
            #expect(
                fresh.json["compounds"]?.arrayItemsForTests.first { $0["project_id"]?.intValue == surveyed }?[
                    "satisfaction_rate"] == rate)
            // Organisations without projects see none; a viewer reads but cannot draft.
            let water = try await client.token("water")
            #expect(try await client.call(.get, "/api/v1/projects", token: water).status == .forbidden)
            let viewer = try await client.token("viewer")
            #expect(
                try await client.call(
                    .post, "/api/v1/bulletins", token: viewer, body: #"{"as_of":"2026-11-01","batch_year":2026}"#
                ).status == .forbidden)
        }
    }
}

@Suite struct OverdueTaskTests {
    /// A bulletin names tasks past their latest finish; moving the deadline moves that finish at once.
    @Test func aNearerDeadlineMakesATaskOverdueInTheNextBulletin() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let year = today.civil.year + 2
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let pid = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(year)-12-31"}"#
            ).json["id"]!.intValue!
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/tasks", token: office, body: #"{"name":"管网改造","duration_days":20}"#)
            func overdue() async throws -> [String] {
                let b = try await client.call(
                    .post, "/api/v1/bulletins", token: office,
                    body: #"{"as_of":"\#(year)-06-30","batch_year":\#(year)}"#)
                return b.json["overdue"]?["tasks"]?.arrayItemsForTests.compactMap { $0["task"]?.stringValue } ?? []
            }
            #expect(try await overdue().isEmpty)
            let tooEarly = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: office, body: #"{"deadline":"\#(year - 1)-12-31"}"#)
            #expect(tooEarly.status == .unprocessableContent)
            let moved = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: office, body: #"{"deadline":"\#(year)-02-01"}"#)
            #expect(moved.status == .ok)
            #expect(try await overdue() == ["管网改造"])
        }
    }
}

@Suite struct SiteCheckPageTests {
    /// A daily check on the phone form, its finding rectified by the contractor and re-inspected, all on the project page.
    @Test func aCheckAndItsFindingAreFollowedOnTheProjectPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let officeToken = try await client.token("office")
            let contractorToken = try await client.token("contractor")
            let org = try await client.call(.get, "/api/v1/auth/me", token: contractorToken).json["scope"]!.stringValue!
                .split(separator: ":")[1]
            let pid = try await client.call(.get, "/api/v1/projects?stage=construction", token: officeToken).json.items[
                0]["id"]!.intValue!
            _ = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: officeToken, body: #"{"contractor_id":\#(org)}"#)
            let office = try await client.session("office")
            let contractor = try await client.session("contractor")
            let page = try await client.execute(
                uri: "/projects/\(pid)", method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            #expect(page.contains("action=\"/projects/\(pid)/checks\"") && page.contains("name=\"item_height\""))
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let boundary = "ck-1"
            var body = ByteBuffer()
            for (k, v) in [
                ("_csrf", office.csrf), ("date", today.description), ("item_height", "fail"), ("item_signs", "pass"),
                ("finding", "5号楼脚手架未挂安全网"),
            ] {
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
            }
            body.writeString("--\(boundary)--\r\n")
            let saved = try await client.execute(
                uri: "/projects/\(pid)/checks", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: body
            ) { $0.status }
            #expect(saved == .seeOther)
            let checks = try await client.call(.get, "/api/v1/projects/\(pid)/checks", token: officeToken).json.items
            let check = checks.first {
                $0["findings"]?.arrayItemsForTests.first?["description"]?.stringValue == "5号楼脚手架未挂安全网"
            }
            #expect(check?["passed_items"]?.intValue == 5 && check?["total_items"]?.intValue == 6)
            guard let finding = check?["findings"]?.arrayItemsForTests.first?["id"]?.intValue else {
                Issue.record("no finding")
                return
            }
            func step(_ s: (cookie: String, csrf: String), _ name: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/findings/\(finding)/\(name)", method: .post,
                    headers: [.cookie: s.cookie, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "_csrf=\(s.csrf)&note=ok")
                ) { $0.status }
            }
            #expect(try await step(contractor, "rectify") == .seeOther)
            #expect(try await step(contractor, "verify") == .forbidden)
            #expect(try await step(office, "verify") == .seeOther)
            let after = try await client.call(.get, "/api/v1/projects/\(pid)/checks", token: officeToken).json.items
            #expect(
                after.flatMap { $0["findings"]?.arrayItemsForTests ?? [] }.first { $0["id"]?.intValue == finding }?[
                    "state"]?.stringValue == "verified")
        }
    }
}
