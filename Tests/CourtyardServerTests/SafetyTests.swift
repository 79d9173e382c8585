import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Safety before and during construction, one test a rule, through the API.
@Suite struct SafetyTests {
    typealias Fixture = ProjectTests.Fixture
    static var today: Day { Day.today(epochSeconds: Date().timeIntervalSince1970) }

    @Test func constructionIsRefusedUntilEachPieceOfSafetyPaperworkIsFiled() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.approvePlan()
            _ = try await f.call(.patch, "/api/v1/projects/\(f.pid)", #"{"contractor_id":\#(f.contractorOrg)}"#)
            func tryStart() async throws -> (status: HTTPResponse.Status, json: JSONValue, text: String) {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/advance",
                    try await client.document("commencement_report", token: f.office))
                return (r.status, r.json, r.text)
            }
            let none = try await tryStart()
            #expect(none.status == .conflict && none.json.errorCode == "safety_missing")
            // Each missing paper is named, in the client's language (Chinese unless it asks otherwise).
            #expect(none.text.contains("开工前还须备齐：安全生产目标责任书；应急救援预案；岗前安全教育培训。"))
            _ = try await f.call(
                .post, "/api/v1/safety/agreements",
                #"{"organisation_id":\#(f.contractorOrg),"batch_year":\#(f.year),"signed_on":"\#(Self.today)"}"#)
            // A plan dated ahead, or one naming a site another contractor builds, does not open the gate.
            let tomorrow = Self.today.adding(days: 1).description
            let ahead = try await f.call(
                .post, "/api/v1/safety/emergency_plans",
                #"{"organisation_id":\#(f.contractorOrg),"project_ids":[\#(f.pid)],"approved_on":"\#(tomorrow)"}"#)
            #expect(
                ahead.status == .unprocessableContent && ahead.json["error"]?["field"]?.stringValue == "approved_on")
            let elsewhere = try await Fixture.quietCompounds(services)[1]
            let other = try await client.call(
                .post, "/api/v1/projects", token: f.office,
                body: #"{"compound_id":\#(elsewhere),"batch_year":\#(f.year),"deadline":"\#(f.deadline)"}"#)
            let otherId = try #require(other.json["id"]?.intValue)
            let foreign = try await f.call(
                .post, "/api/v1/safety/emergency_plans",
                #"{"organisation_id":\#(f.contractorOrg),"project_ids":[\#(f.pid),\#(otherId)],"approved_on":"\#(Self.today)"}"#
            )
            #expect(foreign.status == .unprocessableContent && foreign.text.contains("只能覆盖本单位承建的项目"))
            #expect(try await tryStart().text.contains("应急救援预案"))
            _ = try await f.call(
                .post, "/api/v1/safety/emergency_plans",
                #"{"organisation_id":\#(f.contractorOrg),"project_ids":[\#(f.pid)],"approved_on":"\#(Self.today)"}"#)
            let noTraining = try await tryStart()
            #expect(noTraining.status == .conflict && noTraining.text.contains("岗前安全教育培训"))
            #expect(!noTraining.text.contains("责任书") && !noTraining.text.contains("应急"))
            // In English the refusal names the same paper in the store's words.
            let en = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/advance?lang=en",
                try await client.document("commencement_report", token: f.office))
            #expect(en.status == .conflict && en.text.contains("a pre-job safety training") && !en.text.contains("岗前"))
            _ = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/trainings", as: f.contractor,
                #"{"date":"\#(Self.today)","trainer":"刘","topics":"用电","trainees":[{"name":"王大力","trade":"电工"}]}"#)
            #expect(try await tryStart().status == .ok)
        }
    }

    @Test func anAgreementIsOnePerContractorAndBatchAndOnlyForAContractor() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            let body = #"{"organisation_id":\#(f.contractorOrg),"batch_year":\#(f.year),"signed_on":"\#(Self.today)"}"#
            #expect(try await f.call(.post, "/api/v1/safety/agreements", body).status == .created)
            #expect(try await f.call(.post, "/api/v1/safety/agreements", body).status == .conflict)
            let supervisor = try await f.call(.get, "/api/v1/auth/me", as: f.supervisor)
            let supervisorOrg = try #require(
                Int64(supervisor.json["scope"]?.stringValue?.split(separator: ":")[1] ?? ""))
            let wrong = try await f.call(
                .post, "/api/v1/safety/agreements",
                #"{"organisation_id":\#(supervisorOrg),"batch_year":\#(f.year),"signed_on":"\#(Self.today)"}"#)
            #expect(
                wrong.status == .unprocessableContent && wrong.json["error"]?["field"]?.stringValue == "organisation_id"
            )
            #expect(try await f.call(.post, "/api/v1/safety/agreements", as: f.contractor, body).status == .forbidden)
            let list = try await f.call(.get, "/api/v1/safety/agreements?batch_year=\(f.year)")
            #expect(list.json.items.count == 1)
        }
    }

    @Test func traineesNamesAreMaskedAndALogWithMoreWorkersThanTrainedIsFlagged() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let asOffice = try await f.call(.get, "/api/v1/projects/\(f.pid)/trainings")
            #expect(asOffice.json.items.first?["trainees"]?.arrayItemsForTests.first?["name"]?.stringValue == "王大力")
            let asContractor = try await f.call(.get, "/api/v1/projects/\(f.pid)/trainings", as: f.contractor)
            let masked = asContractor.json.items.first?["trainees"]?.arrayItemsForTests.first?["name"]?.stringValue
            #expect(masked != nil && masked != "王大力" && masked?.hasPrefix("王") == true)
            // A person is counted once however many trainings name them: 王大力 again (once with a space, twice in
            // one list) adds no one, 李新 adds one.
            let again = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/trainings", as: f.contractor,
                #"{"date":"\#(Self.today)","trainer":"刘","topics":"用电","trainees":[{"name":"王大力","trade":"电工"},{"name":"王 大力","trade":"电工"},{"name":"李新","trade":"瓦工"},{"name":"李新","trade":"瓦工"}]}"#
            )
            #expect(again.status == .created && again.json["trainee_count"]?.intValue == 2)
            // Three were trained; five at work is taken, and flagged with the two untrained.
            let log = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(Self.today)","work_done":"开挖","workers":5}"#)
            #expect(log.status == .created && log.json["untrained_workers"]?.intValue == 2)
        }
    }

    static func templateId(_ f: Fixture, key: String) async throws -> Int64 {
        let templates = try await f.call(.get, "/api/v1/inspection_templates")
        #expect(templates.json.items.count == 7)
        return try #require(templates.json.items.first { $0["key"]?.stringValue == key }?["id"]?.intValue)
    }

    @Test func anInspectionIsScoredExactlyAndItsShortfallsBecomeFindingsDueInWorkingDays() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let template = try await Self.templateId(f, key: "signs")
            // signs 30 (must pass), lights 25 (must pass), hoarding 25, traffic 20.
            let scores =
                #"[{"item":"signs","score":30},{"item":"lights","score":20,"note":"两盏不亮"},"#
                + #"{"item":"hoarding","score":25},{"item":"traffic","score":0}]"#
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/inspections", as: f.supervisor,
                #"{"template_id":\#(template),"date":"\#(Self.today)","scores":\#(scores)}"#)
            #expect(made.status == .created)
            #expect(made.json["total"]?.intValue == 75 && made.json["rating"]?.stringValue == "pass")
            let findings = made.json["finding_ids"]?.arrayItemsForTests ?? []
            #expect(findings.count == 2)
            let checks = try await f.call(.get, "/api/v1/projects/\(f.pid)/checks")
            let raised = checks.json.items.flatMap { $0["findings"]?.arrayItemsForTests ?? [] }
            let cal = try await CalendarRepository(database: services.database).calendar()
            #expect(
                raised.allSatisfy {
                    $0["due_on"]?.stringValue == cal.adding(workingDays: 3, to: Self.today).description
                })
            #expect(raised.contains { $0["description"]?.stringValue == "安全警示标志·夜间警示灯 得20分（满分25），两盏不亮" })
            // A follow-up links to the inspection it follows; a must-pass item at zero fails it.
            let again = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/inspections", as: f.supervisor,
                #"{"template_id":\#(template),"date":"\#(Self.today)","follows_up":\#(made.json["id"]!.intValue!),"scores":[{"item":"signs","score":0},{"item":"lights","score":25},{"item":"hoarding","score":25},{"item":"traffic","score":20}]}"#
            )
            #expect(again.json["rating"]?.stringValue == "fail" && again.json["follows_up"] == made.json["id"])
            let figures = try await f.call(.get, "/api/v1/safety/contractors?batch_year=\(f.year)")
            let mine = figures.json.items.first { $0["organisation_id"]?.intValue == f.contractorOrg }
            #expect(mine?["inspections"]?.intValue == 2 && mine?["open_findings"]?.intValue == 3)
            #expect(figures.text.contains(#""mean_score":72.5"#))
        }
    }

    @Test func aScoreAboveItsMaximumOrAnUnknownItemIsRefusedAndNothingIsWritten() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let template = try await Self.templateId(f, key: "signs")
            for scores in [
                #"[{"item":"signs","score":31},{"item":"lights","score":25},{"item":"hoarding","score":25},{"item":"traffic","score":20}]"#,
                #"[{"item":"moat","score":1},{"item":"signs","score":30},{"item":"lights","score":25},{"item":"hoarding","score":25},{"item":"traffic","score":20}]"#,
                #"[{"item":"signs","score":30}]"#,
            ] {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/inspections", as: f.supervisor,
                    #"{"template_id":\#(template),"date":"\#(Self.today)","scores":\#(scores)}"#)
                #expect(r.status == .unprocessableContent && r.json["error"]?["field"]?.stringValue == "scores")
            }
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/inspections").json.items.isEmpty)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/checks").json.items.isEmpty)
            // A contractor does not inspect its own site.
            let own = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/inspections", as: f.contractor,
                #"{"template_id":\#(template),"date":"\#(Self.today)","scores":[]}"#)
            #expect(own.status == .forbidden || own.status == .unprocessableContent)
        }
    }

    @Test func hiddenWorksFinishOnlyAfterTheSupervisorsPassedAcceptanceWithPhotos() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await Fixture.make(client, services)
            try await f.startConstruction()
            let task = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/tasks", #"{"name":"管网回填前检查","duration_days":2,"hidden_work":true}"#)
            let tid = try #require(task.json["id"]?.intValue)
            #expect(task.json["hidden_work"] == .bool(true))
            let finish = #"{"actual_start":"\#(Self.today.adding(days: -2))","actual_finish":"\#(Self.today)"}"#
            let early = try await f.call(.patch, "/api/v1/projects/\(f.pid)/tasks/\(tid)", as: f.contractor, finish)
            #expect(early.status == .conflict && early.json.errorCode == "hidden_work_not_accepted")
            let noPhoto = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/tasks/\(tid)/hidden_work_acceptance", as: f.supervisor,
                #"{"date":"\#(Self.today)","result":"passed","photos":[]}"#)
            #expect(noPhoto.status == .unprocessableContent)
            let photo = try await client.upload(ProjectTests.pdf, filename: "回填前.pdf", token: f.supervisor)
            let pid = try #require(photo.json["id"]?.intValue)
            let byOffice = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/tasks/\(tid)/hidden_work_acceptance",
                #"{"date":"\#(Self.today)","result":"passed","photos":[\#(pid)]}"#)
            #expect(byOffice.status == .forbidden || byOffice.status == .unprocessableContent)
            let accepted = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/tasks/\(tid)/hidden_work_acceptance", as: f.supervisor,
                #"{"date":"\#(Self.today)","result":"passed","photos":[\#(pid)]}"#)
            #expect(accepted.status == .created)
            let done = try await f.call(.patch, "/api/v1/projects/\(f.pid)/tasks/\(tid)", as: f.contractor, finish)
            #expect(done.status == .ok && done.json["actual_finish"]?.stringValue == Self.today.description)
        }
    }
}

/// The supervisor's inspection form on the project's pages.
@Suite struct InspectionPageTests {
    static func post(
        _ client: any TestClientProtocol, _ uri: String, cookie: String, _ fields: [(String, String)]
    ) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        let boundary = "cyInspect42"
        var body = ""
        for (k, v) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return try await client.execute(
            uri: uri, method: .post,
            headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: ByteBuffer(string: body)
        ) { ($0.status, String(buffer: $0.body), $0.headers) }
    }

    @Test func aSupervisorScoresItemByItemAndARefusedFormKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.startConstruction()
            let (cookie, csrf) = try await client.session("supervisor")
            let form = try await PageSafetyTests.page(client, "/projects/\(f.pid)/inspections/new", cookie: cookie)
            #expect(
                form.0 == .ok && form.1.contains("name=\"score_plan\"") && form.1.contains("capture=\"environment\""))
            // Each score starts empty: one tap on 保存 records nothing nobody looked at.
            let blank = form.1.firstMatch(of: /name="score_plan"[^>]*>/).map { String($0.0) } ?? ""
            #expect(blank.hasSuffix(#"value="" required>"#), "\(blank)")
            let template = try await SafetyTests.templateId(f, key: "excavation")
            var fields: [(String, String)] = [
                ("_csrf", csrf), ("template_id", String(template)), ("date", SafetyTests.today.description),
                ("score_plan", "25"), ("score_edge", "12"), ("note_edge", "北侧缺护栏"), ("score_support", "20"),
                ("score_drainage", "15"), ("score_load", "15"), ("score_access", "10"),
            ]
            // Every mistake at once, each naming its item: too many points, not a whole number, points taken off
            // without a reason.
            let (refused, page, _) = try await Self.post(
                client, "/projects/\(f.pid)/inspections", cookie: cookie,
                fields.filter { !["score_access", "score_load"].contains($0.0) } + [
                    ("score_access", "7.5"), ("score_load", "12"),
                ])
            #expect(refused == .unprocessableContent)
            #expect(page.contains("的得分请填写 0 到 20 之间的整数。"))
            #expect(page.contains("的得分请填写 0 到 10 之间的整数。"))
            #expect(page.contains("扣了分，请在说明里写明扣分原因"))
            #expect(page.contains("value=\"12\"") && page.contains("value=\"北侧缺护栏\""))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/inspections").json.items.isEmpty)
            fields[3] = ("score_plan", "20")
            let (saved, _, headers) = try await Self.post(
                client, "/projects/\(f.pid)/inspections", cookie: cookie, fields)
            #expect(saved == .seeOther && headers[.location] == "/projects/\(f.pid)?saved=safety#safety")
            let stored = try await f.call(.get, "/api/v1/projects/\(f.pid)/inspections").json.items
            #expect(stored.count == 1 && stored.first?["total"]?.intValue == 92)
            let project = try await PageSafetyTests.page(client, "/projects/\(f.pid)", cookie: cookie)
            #expect(project.1.contains("地面开挖防护") && project.1.contains("<td class=\"num\">92</td>"))
        }
    }
}

/// The weekly bulletin carries the week's requests to city departments, on its page and in print.
@Suite struct BulletinDepartmentTests {
    @Test func aDraftBulletinShowsEachDepartmentsWeekOfRequests() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let today = SafetyTests.today
            let draft = try await client.call(
                .post, "/api/v1/bulletins", token: office,
                body: #"{"as_of":"\#(today)","batch_year":\#(today.civil.year)}"#)
            let departments = draft.json["departments"]?.arrayItemsForTests ?? []
            #expect(draft.status == .created && !departments.isEmpty)
            let name = try #require(departments.first?["name"]?.stringValue)
            let id = try #require(draft.json["id"]?.intValue)
            let print = try await client.call(.get, "/api/v1/bulletins/\(id)?format=html", token: office)
            #expect(print.text.contains("协调事项办理情况（本周）") && print.text.contains("<td>\(name)</td>"))
            let (cookie, _) = try await client.session("office")
            let page = try await PageSafetyTests.page(client, "/bulletins/\(id)", cookie: cookie)
            #expect(page.1.contains("协调事项办理情况（本周）") && page.1.contains(">\(name)</td>"))
        }
    }

    @Test func aDraftBulletinCarriesEachContractorsSafetyRecord() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let today = SafetyTests.today
            let year = today.civil.year
            let figures = try await client.call(.get, "/api/v1/safety/contractors?batch_year=\(year)", token: office)
            let inspected = try #require(figures.json.items.first { ($0["inspections"]?.intValue ?? 0) > 0 })
            let name = try #require(inspected["name"]?.stringValue)
            let draft = try await client.call(
                .post, "/api/v1/bulletins", token: office, body: #"{"as_of":"\#(today)","batch_year":\#(year)}"#)
            let line = try #require(
                draft.json["contractors"]?.arrayItemsForTests.first { $0["name"]?.stringValue == name })
            #expect(line["inspections"] == inspected["inspections"] && line["mean_score"] == inspected["mean_score"])
            let id = try #require(draft.json["id"]?.intValue)
            let print = try await client.call(.get, "/api/v1/bulletins/\(id)?format=html", token: office)
            #expect(print.text.contains("施工单位安全文明施工情况") && print.text.contains("<td>\(name)</td>"))
            let (cookie, _) = try await client.session("office")
            let page = try await PageSafetyTests.page(client, "/bulletins/\(id)", cookie: cookie)
            #expect(page.1.contains("施工单位安全文明施工情况"))
        }
    }
}

/// The programme page shows each contractor's safety record.
@Suite struct ContractorSafetyPageTests {
    @Test func theProgrammeListsEachContractorsInspectionsAndFindings() async throws {
        try await TestApp.with(demo: true) { client, services in
            let figures = try await SafetyRepository(
                database: services.database,
                calendar: try await CalendarRepository(database: services.database).calendar()
            ).contractorFigures(actor: .system, batchYear: Int64(SafetyTests.today.civil.year))
            let first = try #require(figures.first { $0.inspections > 0 })
            let (cookie, _) = try await client.session("office")
            let page = try await PageSafetyTests.page(client, "/programme", cookie: cookie)
            #expect(page.1.contains("施工单位安全文明施工情况"))
            #expect(page.1.contains("<td>\(first.name)</td><td class=\"num\">\(first.inspections)</td>"))
        }
    }
}

/// Navigation names each place once.
@Suite struct NavigationTests {
    @Test func everyRolesNavigationListsEachPageOnce() async throws {
        try await TestApp.with(demo: true) { client, _ in
            for user in ["office", "community", "steward", "contractor", "supervisor", "pm", "water", "property"] {
                let (cookie, _) = try await client.session(user)
                let (_, html) = try await PageSafetyTests.page(client, "/", cookie: cookie)
                let nav =
                    html.components(separatedBy: "<nav").dropFirst().first?.components(separatedBy: "</nav>")
                    .first ?? ""
                let hrefs = nav.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
                #expect(!hrefs.isEmpty, "\(user) has a navigation")
                #expect(Set(hrefs).count == hrefs.count, "\(user): \(hrefs)")
            }
        }
    }
}
