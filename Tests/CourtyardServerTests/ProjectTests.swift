import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
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

    /// A project of next year's batch with a two-line plan (water supply 860.5 m, two lifts), and the accounts
    /// that work on it.
    struct Fixture {
        let client: any TestClientProtocol
        let office: String
        let contractor: String
        let supervisor: String
        let contractorOrg: Int64
        let supervisorOrg: Int64
        let pid: Int64
        let water: Int64
        let lift: Int64
        let year: Int
        let deadline: String
        let compound: Int64

        static func make(_ client: any TestClientProtocol, _ services: Services) async throws -> Fixture {
            let office = try await client.token("office")
            let contractor = try await client.token("contractor")
            let me = try await client.call(.get, "/api/v1/auth/me", token: contractor)
            let compound = try await Self.quietCompounds(services)[0]
            let year = Day.today(epochSeconds: Date().timeIntervalSince1970).civil.year + 1
            let created = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(year)-06-30"}"#)
            let pid = try #require(created.json["id"]?.intValue)
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"water_supply","quantity":"860.5","budget_fen":1000000}"#)
            let plan = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"elevators","quantity":2,"budget_fen":3000000}"#)
            let items = plan.json["work_items"]?.arrayItemsForTests ?? []
            let supervisor = try await client.token("supervisor")
            let supervisorMe = try await client.call(.get, "/api/v1/auth/me", token: supervisor)
            return Fixture(
                client: client, office: office, contractor: contractor,
                supervisor: supervisor,
                contractorOrg: Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!,
                supervisorOrg: Int64(supervisorMe.json["scope"]!.stringValue!.split(separator: ":")[1])!, pid: pid,
                water: try #require(items.first?["id"]?.intValue), lift: try #require(items.last?["id"]?.intValue),
                year: year, deadline: "\(year)-06-30", compound: compound)
        }

        /// Compounds with no supervision report open: a final acceptance there waits for nothing else.
        static func quietCompounds(_ services: Services) async throws -> [Int64] {
            let compounds = try await services.registry.list(.compounds, query: ListQuery(limit: 60), actor: .system)
            let reports = try await ReportRepository(database: services.database)
                .list(actor: .system, compoundId: nil, state: nil, overdueOnly: false)
            let busy = Set(reports.filter { ![.closed, .rejected].contains($0.state) }.map(\.compoundId))
            return compounds.items.map(\.id).filter { !busy.contains($0) }
        }

        /// The full panel of a final acceptance: supervisor, contractor, office and a resident representative.
        static let panel =
            #"[{"name":"张工","role":"supervisor"},{"name":"李经理","role":"contractor"},"#
            + #"{"name":"王科长","role":"office"},{"name":"赵阿姨","role":"resident_representative"}]"#

        /// The contractor's agreement for the batch, an emergency plan naming the project, and a training.
        func fileSafetyPaperwork() async throws {
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let agreement = try await call(
                .post, "/api/v1/safety/agreements",
                #"{"organisation_id":\#(contractorOrg),"batch_year":\#(year),"signed_on":"\#(today)","targets":"零事故"}"#)
            #expect(agreement.status == .created)
            let plan = try await call(
                .post, "/api/v1/safety/emergency_plans",
                #"{"organisation_id":\#(contractorOrg),"project_ids":[\#(pid)],"approved_on":"\#(today)"}"#)
            #expect(plan.status == .created)
            let training = try await call(
                .post, "/api/v1/projects/\(pid)/trainings", as: contractor,
                #"{"date":"\#(today)","trainer":"安全员刘","topics":"沟槽防护","trainees":[{"name":"王大力","trade":"管工"},{"name":"陈小明","trade":"电工"}]}"#
            )
            #expect(training.status == .created)
        }

        /// Every work item reported at 100% in today's log.
        func finishWorks() async throws {
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let log = try await call(
                .post, "/api/v1/projects/\(pid)/site_logs", as: contractor,
                #"{"date":"\#(today)","work_done":"完工","progress":[{"work_item_id":\#(water),"percent":100},{"work_item_id":\#(lift),"percent":100}]}"#
            )
            #expect(log.status == .created)
        }

        func call(_ method: HTTPRequest.Method, _ path: String, as token: String? = nil, _ body: String? = nil)
            async throws -> (status: HTTPResponse.Status, json: JSONValue, headers: HTTPFields, text: String)
        {
            try await client.call(method, path, token: token ?? office, body: body)
        }

        /// Through the four planning gates, each with its document, to `plan_approved`.
        func approvePlan() async throws {
            for type in ["consultation_minutes", "design_scheme", "notice_text", "approval_document"] {
                let step = try await call(
                    .post, "/api/v1/projects/\(pid)/advance", try await client.document(type, token: office))
                #expect(step.status == .ok, "gate with \(type)")
            }
        }

        /// The contractor assigned and the commencement report filed: the project is in construction.
        func startConstruction() async throws {
            try await approvePlan()
            _ = try await call(
                .patch, "/api/v1/projects/\(pid)",
                #"{"contractor_id":\#(contractorOrg),"supervisor_id":\#(supervisorOrg)}"#)
            try await fileSafetyPaperwork()
            let step = try await call(
                .post, "/api/v1/projects/\(pid)/advance",
                try await client.document("commencement_report", token: office))
            #expect(step.status == .ok)
        }
    }

    @Test func aProjectIsCreatedOncePerCompoundAndBatchWithAValidDeadline() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let created = try await f.call(.get, "/api/v1/projects/\(f.pid)")
            #expect(created.json["stage"]?.stringValue == "consultation")
            let again = try await f.call(
                .post, "/api/v1/projects",
                #"{"compound_id":\#(f.compound),"batch_year":\#(f.year),"deadline":"\#(f.deadline)"}"#)
            #expect(again.status == .conflict)
            let badDate = try await f.call(
                .post, "/api/v1/projects", #"{"compound_id":\#(f.compound),"batch_year":\#(f.year),"deadline":"30/06"}"#
            )
            #expect(
                badDate.status == .unprocessableContent && badDate.json["error"]?["field"]?.stringValue == "deadline")
        }
    }

    @Test func aPlanTakesCatalogueItemsWithExactQuantitiesAndTotalsByCategory() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let catalogue = try await f.call(.get, "/api/v1/work_catalogue")
            #expect(
                catalogue.json.items.contains {
                    $0["code"]?.stringValue == "elevators" && $0["category"]?.stringValue == "improvement"
                })
            let unknown = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/work_items", #"{"code":"moat","quantity":1,"budget_fen":1}"#)
            #expect(unknown.status == .unprocessableContent)
            let plan = try await f.call(.get, "/api/v1/projects/\(f.pid)")
            #expect(plan.json["totals_by_category"]?["basic"]?["budget_fen"]?.intValue == 1_000_000)
            #expect(plan.json["totals_by_category"]?["all"]?["budget_fen"]?.intValue == 4_000_000)
            #expect(plan.json["work_items"]?.arrayItemsForTests.first?["quantity"]?.stringValue == "860.50")
        }
    }

    @Test func aGateTakesOnlyItsOwnDocumentsAndRecordsWhoPassedIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let refused = try await f.call(.post, "/api/v1/projects/\(f.pid)/advance", #"{"note":"问需完成"}"#)
            #expect(refused.status == .conflict && refused.json.errorCode == "gate_preliminary_design")
            let notAFile = try await client.upload(Array("hello".utf8), filename: "x.pdf", token: f.office)
            #expect(notAFile.status == .unprocessableContent && notAFile.json.errorCode == "unsupported_type")
            let file = try await client.upload(ProjectTests.pdf, filename: "问需纪要.pdf", token: f.office)
            #expect(file.status == .created)
            let evidence = try #require(file.json["id"]?.intValue)
            let wrongKind = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/advance", #"{"evidence":[{"kind":"acceptance","id":1}]}"#)
            #expect(wrongKind.status == .unprocessableContent)
            // A bare attachment id says nothing of what the paper is.
            let bare = try await f.call(.post, "/api/v1/projects/\(f.pid)/advance", #"{"evidence":[\#(evidence)]}"#)
            #expect(bare.status == .unprocessableContent)
            let first =
                #"{"evidence":[{"kind":"document","attachment_id":\#(evidence),"document_type":"consultation_minutes"}]}"#
            #expect(try await f.call(.post, "/api/v1/projects/\(f.pid)/advance", first).status == .ok)
            let gates = try await f.call(.get, "/api/v1/projects/\(f.pid)").json["gates"]?.arrayItemsForTests ?? []
            #expect(gates.count == 1 && gates[0]["passed_by"]?.stringValue == "office")
            let firstEvidence = gates[0]["evidence"]?.arrayItemsForTests ?? []
            #expect(firstEvidence.count == 1 && firstEvidence[0]["kind"]?.stringValue == "document")
            #expect(firstEvidence[0]["attachment_id"]?.intValue == evidence && gates[0]["on_paper"] == .bool(true))
            // The uploaded evidence reads back byte for byte.
            let back = try await client.execute(
                uri: "/api/v1/attachments/\(evidence)", method: .get, headers: [.authorization: "Bearer \(f.office)"]
            ) { r in
                (r.headers[.contentType], Array(r.body.readableBytesView))
            }
            #expect(back.0 == "application/pdf" && back.1 == ProjectTests.pdf)
        }
    }

    @Test func constructionNeedsAContractorAndOnlyItsOrganisationsSeeTheProject() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.approvePlan()
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)").json["stage"]?.stringValue == "plan_approved")
            let commencement = try await client.document("commencement_report", token: f.office)
            let noContractor = try await f.call(.post, "/api/v1/projects/\(f.pid)/advance", commencement)
            #expect(noContractor.json.errorCode == "gate_construction")
            let stale = try await client.call(
                .patch, "/api/v1/projects/\(f.pid)", token: f.office, body: #"{"contractor_id":\#(f.contractorOrg)}"#,
                headers: [.ifMatch: "\"\(f.pid)-1\""])
            #expect(stale.status == .preconditionFailed)
            let assigned = try await f.call(
                .patch, "/api/v1/projects/\(f.pid)", #"{"contractor_id":\#(f.contractorOrg)}"#)
            #expect(assigned.json["contractor_id"]?.intValue == f.contractorOrg)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)", as: f.supervisor).status == .notFound)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)", as: f.contractor).status == .ok)
            try await f.fileSafetyPaperwork()
            #expect(try await f.call(.post, "/api/v1/projects/\(f.pid)/advance", commencement).status == .ok)
        }
    }

    @Test func theScheduleRunsForwardAndBackwardWithLagsAndRefusesCycles() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let (a, b, c, d) = try await Self.fourTasks(f)
            let cycle = try await f.call(.patch, "/api/v1/projects/\(f.pid)/tasks/\(a)", #"{"depends_on":[\#(d)]}"#)
            #expect(cycle.status == .conflict && cycle.json.errorCode == "dependency_cycle")
            let zero = try await f.call(.post, "/api/v1/projects/\(f.pid)/tasks", #"{"name":"x","duration_days":0}"#)
            #expect(zero.status == .unprocessableContent)
            let forward = try await f.call(.get, "/api/v1/projects/\(f.pid)/schedule?mode=forward&start=2026-03-02")
            let rows = forward.json["tasks"]?.arrayItemsForTests ?? []
            let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"]!.intValue!, $0) })
            #expect(byId[b]?["early_start"]?.stringValue == "2026-03-04" && byId[b]?["critical"] == .bool(true))
            #expect(byId[c]?["total_float"]?.intValue == 2 && byId[c]?["critical"] == .bool(false))
            #expect(byId[d]?["early_start"]?.stringValue == "2026-03-09")
            let lagged = try await f.call(
                .patch, "/api/v1/projects/\(f.pid)/tasks/\(c)", #"{"depends_on":[{"task_id":\#(a),"lag_days":3}]}"#)
            #expect(lagged.json["lags"]?[String(a)]?.intValue == 3)
            let withLag = try await f.call(.get, "/api/v1/projects/\(f.pid)/schedule?mode=forward&start=2026-03-02")
            #expect(
                withLag.json["tasks"]?.arrayItemsForTests.first { $0["id"]?.intValue == c }?["early_start"]?.stringValue
                    == "2026-03-09")
            let backward = try await f.call(.get, "/api/v1/projects/\(f.pid)/schedule?mode=backward")
            let lastFinish = backward.json["tasks"]?.arrayItemsForTests.first { $0["id"]?.intValue == d }?[
                "late_finish"]?.stringValue
            #expect(lastFinish == f.deadline)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/schedule?mode=sideways").status == .badRequest)
        }
    }

    /// A(2) → B(3, water supply), A → C(1), B and C → D(1).
    static func fourTasks(_ f: Fixture) async throws -> (Int64, Int64, Int64, Int64) {
        func task(_ body: String) async throws -> Int64 {
            let r = try await f.call(.post, "/api/v1/projects/\(f.pid)/tasks", body)
            #expect(r.status == .created, "task \(body)")
            return try #require(r.json["id"]?.intValue)
        }
        let a = try await task(#"{"name":"施工准备","duration_days":2}"#)
        let b = try await task(#"{"name":"管网","duration_days":3,"depends_on":[\#(a)],"work_item_id":\#(f.water)}"#)
        let c = try await task(#"{"name":"外墙","duration_days":1,"depends_on":[\#(a)]}"#)
        let d = try await task(
            #"{"name":"验收准备","duration_days":1,"depends_on":[\#(b),{"task_id":\#(c),"lag_days":0}]}"#)
        return (a, b, c, d)
    }

    @Test func aBaselineKeepsThePlannedDatesAndALongerTaskShowsItsVariance() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let (_, b, _, d) = try await Self.fourTasks(f)
            let baseline = try await f.call(.post, "/api/v1/projects/\(f.pid)/baseline?mode=forward&start=2026-03-02")
            #expect(baseline.status == .ok && baseline.json["baseline_at"] != .null)
            _ = try await f.call(.patch, "/api/v1/projects/\(f.pid)/tasks/\(b)", #"{"duration_days":5}"#)
            let moved = try await f.call(.get, "/api/v1/projects/\(f.pid)/schedule?mode=forward&start=2026-03-02")
            let rows = moved.json["tasks"]?.arrayItemsForTests ?? []
            #expect(rows.first { $0["id"]?.intValue == b }?["finish_variance_days"]?.intValue == 2)
            #expect(rows.first { $0["id"]?.intValue == d }?["start_variance_days"]?.intValue == 2)
            let gantt = try await f.call(.get, "/api/v1/projects/\(f.pid)/gantt.svg?mode=forward&start=2026-03-02")
            #expect(gantt.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
            #expect(gantt.text.hasPrefix("<svg") && gantt.text.contains("管网") && gantt.text.hasSuffix("</svg>"))
        }
    }

    @Test func theLedgerOpensWithConstructionAndAnOlderLogNeverLowersProgress() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            _ = try await f.call(.patch, "/api/v1/projects/\(f.pid)", #"{"contractor_id":\#(f.contractorOrg)}"#)
            let early = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(today)","work_done":"进场","weather":"晴","workers":12}"#)
            #expect(early.status == .conflict && early.json.errorCode == "not_in_construction")
            try await f.startConstruction()
            let logDay = today.adding(days: -3)
            let log = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"""
                {"date":"\#(logDay)","weather":"晴","workers":18,"work_done":"管网开挖","issues":"","progress":[{"work_item_id":\#(f.water),"percent":50},{"work_item_id":\#(f.lift),"percent":10}]}
                """#)
            #expect(log.status == .created)
            let twice = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(logDay)","work_done":"again"}"#)
            #expect(twice.status == .conflict)
            let future = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(today.adding(days: 2))","work_done":"later"}"#)
            #expect(future.status == .unprocessableContent)
            // A log of long ago, or longer than its form allows, is refused whole: nothing is cut or kept.
            let ancient = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"1900-01-01","work_done":"早"}"#)
            #expect(ancient.status == .unprocessableContent && ancient.json.errorCode == "too_old")
            let long = String(repeating: "挖", count: 4001)
            let tooLong = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(today.adding(days: -5))","work_done":"\#(long)"}"#)
            #expect(tooLong.status == .unprocessableContent && tooLong.json.errorCode == "too_long")
            #expect(tooLong.json["error"]?["field"]?.stringValue == "work_done")
            let training = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/trainings", as: f.contractor,
                #"{"date":"1900-01-01","trainer":"刘","topics":"高处作业","trainees":[{"name":"王大力","trade":"管工"}]}"#)
            #expect(training.status == .unprocessableContent && training.json.errorCode == "too_old")
            _ = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(logDay.adding(days: -1))","work_done":"准备","progress":[{"work_item_id":\#(f.water),"percent":5}]}"#
            )
            let started = try await f.call(.get, "/api/v1/projects/\(f.pid)")
            #expect(started.json["started_on"]?.stringValue == logDay.adding(days: -1).description)
            // (1,000,000 × 50 + 3,000,000 × 10) / 4,000,000 = 20.0
            #expect(started.text.contains(#""percent_complete":20.0,"#))
            let rollup = try await f.call(.get, "/api/v1/programme/progress?batch_year=\(f.year)&level=subdistrict")
            #expect(rollup.text.contains(#""percent_complete":20.0"#) && rollup.json.items.count == 1)
        }
    }

    @Test func aBulletinDatedBeforeTodayShowsTheProgressAndStageOfItsDay() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            try await f.startConstruction()
            for (days, water, lift) in [(-5, 5, 0), (-3, 50, 10), (0, 80, 10)] {
                let log = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                    #"""
                    {"date":"\#(today.adding(days: Int64(days)))","work_done":"管网","progress":[{"work_item_id":\#(f.water),"percent":\#(water)},{"work_item_id":\#(f.lift),"percent":\#(lift)}]}
                    """#)
                #expect(log.status == .created)
            }
            func line(_ asOf: Day) async throws -> JSONValue? {
                let draft = try await f.call(
                    .post, "/api/v1/bulletins", #"{"as_of":"\#(asOf)","batch_year":\#(f.year)}"#)
                #expect(draft.status == .created)
                return draft.json["compounds"]?.arrayItemsForTests.first { $0["project_id"]?.intValue == f.pid }
            }
            // (1,000,000 × 80 + 3,000,000 × 10) / 4,000,000 = 27.5 today; 20.0 three days ago; 1.3 (1.25) four.
            let now = try await line(today)
            #expect(now?["percent_complete"] == .number("27.5") && now?["stage"]?.stringValue == "construction")
            #expect(try await line(today.adding(days: -3))?["percent_complete"] == .int(20))
            let before = try await line(today.adding(days: -4))
            #expect(before?["percent_complete"] == .number("1.3"))
            // Every gate was passed today: four days ago the project was still in consultation.
            #expect(before?["stage"]?.stringValue == "consultation")
            #expect(try await line(today.adding(days: -6))?["percent_complete"] == .int(0))
        }
    }

    @Test func aFindingIsRectifiedRejectedRectifiedAgainAndVerified() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let photo = try #require(
                try await client.upload(SiteLogPageTests.png, filename: "沟槽.png", token: f.office).json["id"]?
                    .intValue)
            // A finding due before its check (overdue at once) or in 9999 (never overdue) is refused.
            for due in ["2020-01-01", "9999-12-31"] {
                let odd = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/checks",
                    #"{"date":"\#(today)","items":[{"item":"沟槽防护","passed":false}],"findings":[{"description":"无围挡","due_on":"\#(due)"}]}"#
                )
                #expect(odd.status == .unprocessableContent && odd.json.errorCode == "out_of_range", "\(due)")
            }
            let check = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/checks",
                #"""
                {"date":"\#(today)","items":[{"item":"沟槽防护","passed":false,"note":"缺围挡"},{"item":"警示标志","passed":true}],"findings":[{"description":"北侧沟槽无围挡","photos":[\#(photo)]}]}
                """#)
            #expect(check.status == .created && check.json["passed_items"]?.intValue == 1)
            let finding = try #require(check.json["findings"]?.arrayItemsForTests.first?["id"]?.intValue)
            #expect(try await f.call(.post, "/api/v1/findings/\(finding)/verify").status == .conflict)
            // A fix without words is refused: the checker re-inspects against what was done.
            let silent = try await f.call(
                .post, "/api/v1/findings/\(finding)/rectify", as: f.contractor, #"{"note":"  "}"#)
            #expect(silent.status == .unprocessableContent)
            #expect(silent.json["error"]?["code"]?.stringValue == "rectification_required")
            let fixed = try await f.call(
                .post, "/api/v1/findings/\(finding)/rectify", as: f.contractor, #"{"note":"已补设围挡"}"#)
            #expect(fixed.json["state"]?.stringValue == "rectified")
            // The office re-inspects against what the contractor says it fixed, read beside the finding.
            let (officeCookie, _) = try await client.session("office")
            let waiting = try await PageTests.page(client, "/projects/\(f.pid)", cookie: officeCookie).1
            #expect(waiting.contains("北侧沟槽无围挡") && waiting.contains("整改说明（\(today)）：已补设围挡"))
            // The photo taken when it was found is shown with it, to fix from and to re-inspect against.
            #expect(waiting.contains(#"<img src="/api/v1/attachments/\#(photo)" alt="问题照片""#))
            let (contractorCookie, _) = try await client.session("contractor")
            let (_, contractorPage, _) = try await PageTests.page(
                client, "/projects/\(f.pid)", cookie: contractorCookie)
            #expect(contractorPage.contains("/api/v1/attachments/\(photo)\""))
            let rejected = try await f.call(.post, "/api/v1/findings/\(finding)/reject", #"{"note":"围挡不连续"}"#)
            #expect(rejected.json["state"]?.stringValue == "open")
            let reopened = try await PageTests.page(client, "/projects/\(f.pid)", cookie: officeCookie).1
            #expect(rejected.json["reinspected_on"]?.stringValue == today.description)
            #expect(reopened.contains("），原因：围挡不连续"))
            // The contractor's home lists it again saying why, not only that it is due.
            let contractorHome = try await PageTests.page(client, "/", cookie: contractorCookie).1
            #expect(contractorHome.contains("复检不合格：围挡不连续 · 整改期限"))
            _ = try await f.call(.post, "/api/v1/findings/\(finding)/rectify", as: f.contractor, #"{"note":"已连续"}"#)
            let verified = try await f.call(.post, "/api/v1/findings/\(finding)/verify")
            #expect(verified.json["state"]?.stringValue == "verified")
        }
    }

    @Test func onlyAPassedFinalAcceptanceAcceptsTheProject() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let skip = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/advance",
                try await client.document("acceptance_report", token: f.office))
            #expect(skip.status == .conflict && skip.json.errorCode == "gate_accepted")
            // Who must be there is named, whatever the outcome; names alone stand for no one.
            let names = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"failed","participants":"街道、监理、居民代表"}"#)
            #expect(names.status == .conflict && names.json.errorCode == "final_acceptance")
            #expect(names.text.contains("参加人员中缺少监理单位") && names.text.contains("参加人员中缺少居民代表或楼长"))
            let failed = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"failed","participants":\#(Fixture.panel),"defects":["屋面渗水","楼道扶手松动"]}"#
            )
            #expect(failed.json["stage"]?.stringValue == "construction" && failed.json["completed_on"] == .null)
            let recorded = failed.json["acceptances"]?.arrayItemsForTests.last
            #expect(recorded?["participants"]?.arrayItemsForTests.first?["role"]?.stringValue == "supervisor")
            // Its defects are findings to rectify; work not at 100% and open findings refuse a pass, all named.
            let early = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"passed","participants":\#(Fixture.panel)}"#)
            #expect(early.status == .conflict && early.json.errorCode == "final_acceptance")
            #expect(early.text.contains("2项问题尚未整改销号") && early.text.contains("尚未完工的工程：供水、加装电梯"))
            let checks = try await f.call(.get, "/api/v1/projects/\(f.pid)/checks")
            let defects = checks.json.items.flatMap { $0["findings"]?.arrayItemsForTests ?? [] }
            #expect(defects.map { $0["description"]?.stringValue ?? "" } == ["竣工验收：屋面渗水", "竣工验收：楼道扶手松动"])
            for d in defects {
                let id = try #require(d["id"]?.intValue)
                _ = try await f.call(.post, "/api/v1/findings/\(id)/rectify", as: f.contractor, #"{"note":"已修复"}"#)
                _ = try await f.call(.post, "/api/v1/findings/\(id)/verify")
            }
            try await f.finishWorks()
            // Once the compound's zone has a property company, it must be on the panel too.
            let zone = try await f.call(
                .post, "/api/v1/zones", #"{"name":"验收片区","compound_ids":[\#(f.compound)]}"#)
            #expect(zone.status == .created, "\(zone.text)")
            try await services.database.withConnection { db in
                try await db.raw(
                    """
                    UPDATE zones SET property_company_id = (SELECT id FROM organisations WHERE kind = 'property_company' LIMIT 1)
                    WHERE id = \(bind: zone.json["id"]?.intValue ?? 0)
                    """
                ).run()
            }
            let withoutCompany = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"passed","participants":\#(Fixture.panel)}"#)
            #expect(withoutCompany.status == .conflict && withoutCompany.text.contains("参加人员中缺少物业公司"))
            let panel = Fixture.panel.dropLast() + #",{"name":"孙经理","role":"property_company"}]"#
            let passed = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"passed","participants":\#(panel)}"#)
            #expect(
                passed.json["stage"]?.stringValue == "accepted"
                    && passed.json["completed_on"]?.stringValue == today.description)
        }
    }

    @Test func aPublishedBulletinIsFrozenAndTheNextOneShowsTheChange() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            try await f.finishWorks()
            let accepted = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(today)","result":"passed","participants":\#(Fixture.panel)}"#)
            #expect(accepted.json["stage"]?.stringValue == "accepted")
            let draft = try await f.call(.post, "/api/v1/bulletins", #"{"as_of":"\#(today)","batch_year":\#(f.year)}"#)
            #expect(draft.status == .created && draft.json["state"]?.stringValue == "draft")
            #expect(draft.json["totals"]?["compounds_completed"]?.intValue == 1)
            #expect(draft.text.contains(#""completion_rate_by_compounds":100.0,"#))
            let bid = try #require(draft.json["id"]?.intValue)
            let published = try await f.call(.post, "/api/v1/bulletins/\(bid)/publish")
            #expect(published.json["issue_no"]?.intValue == 1 && published.json["change_pp"] == .null)
            #expect(try await f.call(.patch, "/api/v1/bulletins/\(bid)", #"{"next_steps":"x"}"#).status == .conflict)
            #expect(try await f.call(.post, "/api/v1/bulletins/\(bid)/publish").status == .conflict)
            // A second project in the batch changes the next bulletin, not the published one.
            let other = try await Fixture.quietCompounds(services)[1]
            _ = try await f.call(
                .post, "/api/v1/projects",
                #"{"compound_id":\#(other),"batch_year":\#(f.year),"deadline":"\#(f.deadline)"}"#)
            let frozen = try await f.call(.get, "/api/v1/bulletins/\(bid)")
            #expect(frozen.json["totals"]?["compounds_planned"]?.intValue == 1)
            // The stored document reads back as it was served when published, to the byte.
            #expect(frozen.text == published.text)
            let next = try await f.call(.post, "/api/v1/bulletins", #"{"as_of":"\#(today)","batch_year":\#(f.year)}"#)
            #expect(next.json["totals"]?["compounds_planned"]?.intValue == 2)
            #expect(
                next.text.contains(
                    #""change_pp":{"start_rate_by_compounds":-50.0,"completion_rate_by_compounds":-50.0,"#))
            let html = try await f.call(.get, "/api/v1/bulletins/\(bid)?format=html")
            #expect(html.text.contains("第1期") && html.text.contains("<table"))
            // A draft has no number yet: it says so, in words, in its heading and in its document number.
            let nextId = try #require(next.json["id"]?.intValue)
            let draftHTML = try await f.call(.get, "/api/v1/bulletins/\(nextId)?format=html").text
            #expect(draftHTML.contains("（草稿）") && draftHTML.contains("〕　号（草稿）"))
            #expect(!draftHTML.contains("第草稿期") && !draftHTML.contains("草稿号"))
            let csv = try await f.call(.get, "/api/v1/bulletins/\(bid)?format=csv")
            #expect(csv.text.contains("完工率（按小区，%）") && csv.text.contains("100.0"))
            let xlsx = try await client.execute(
                uri: "/api/v1/bulletins/\(bid)?format=xlsx", method: .get,
                headers: [.authorization: "Bearer \(f.office)"]
            ) { r in
                Array(r.body.readableBytesView.prefix(2))
            }
            #expect(xlsx == [0x50, 0x4B])
            let curve = try await f.call(.get, "/api/v1/programme/s-curve.svg?batch_year=\(f.year)")
            #expect(curve.text.hasPrefix("<svg") && curve.text.contains("polyline"))
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
            // Last year's batch, due next year: a bulletin as of today (never later) finds nothing overdue yet.
            let year = today.civil.year - 1
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let pid = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(year + 2)-12-31"}"#
            ).json["id"]!.intValue!
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/tasks", token: office, body: #"{"name":"管网改造","duration_days":20}"#)
            func overdue() async throws -> [String] {
                let b = try await client.call(
                    .post, "/api/v1/bulletins", token: office,
                    body: #"{"as_of":"\#(today)","batch_year":\#(year)}"#)
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
            #expect(
                page.contains("action=\"/projects/\(pid)/checks#check-form\"") && page.contains("name=\"item_height\""))
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            // The form as a browser sends it (multipart, for its photo), answered with its status and page.
            func send(_ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String) {
                let (status, _, page) = try await SiteLogPageTests.post(
                    client, "/projects/\(pid)/checks", cookie: office.cookie, [("_csrf", office.csrf)] + fields)
                return (status, page)
            }
            // A failed item without a word of what is wrong is refused, and the form comes back open as it was.
            let (bad, again) = try await send([("date", "2026-02-30"), ("item_height", "fail")])
            #expect(bad == .unprocessableContent && again.contains("日期无效"))
            #expect(again.contains(#"value="2026-02-30""#) && again.contains(#"value="fail" checked"#))
            // Every item is answered: one left unmarked is named, and nothing is recorded as passed for it.
            let others = ["excavation", "signs", "hoarding", "power", "fire_lane"].map { ("item_" + $0, "pass") }
            let (skipped, skippedPage) = try await send([("date", today.description), ("item_height", "fail")])
            #expect(skipped == .unprocessableContent && skippedPage.contains("还没选的：沟槽开挖防护、警示标志、文明施工围挡、临时用电、消防通道畅通。"))
            #expect(!page.contains(#"value="pass" checked"#) && page.contains(#"value="pass" required>"#))
            let refused = try await send([("date", today.description), ("item_height", "fail")] + others)
            #expect(refused.0 == .unprocessableContent && refused.1.contains("有不合格项时，请在“发现的问题”中写明问题"))
            let (saved, _) = try await send(
                [
                    ("date", today.description), ("item_height", "fail"),
                    ("finding", "5号楼脚手架未挂安全网\r\n\r\n  3号楼临边无护栏 "),
                ] + others)
            #expect(saved == .seeOther)
            let checks = try await client.call(.get, "/api/v1/projects/\(pid)/checks", token: officeToken).json.items
            let check = checks.first {
                $0["findings"]?.arrayItemsForTests.first?["description"]?.stringValue == "5号楼脚手架未挂安全网"
            }
            #expect(check?["passed_items"]?.intValue == 5 && check?["total_items"]?.intValue == 6)
            // One finding a line, each followed up on its own; the failed item is named beside the count.
            #expect(
                check?["findings"]?.arrayItemsForTests.compactMap { $0["description"]?.stringValue }
                    == ["5号楼脚手架未挂安全网", "3号楼临边无护栏"])
            let (_, shown, _) = try await PageTests.page(client, "/projects/\(pid)", cookie: office.cookie)
            #expect(shown.contains("5/6（不合格：高处作业安全防护），2 项问题未销项"))
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
