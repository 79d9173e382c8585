import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// What the API promises and the figures it prints: lists page, exports match the bulletin, evidence is typed,
/// schedules say which calendar they used, and public forms answer a resident in Chinese.
@Suite struct ContractTests {
    /// Every list pages: `limit` caps the page, `cursor` follows on, and walking the pages gives the whole list once.
    @Test func everyListPagesAsTheAPIPromises() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let paths = [
                "/api/v1/projects", "/api/v1/reports", "/api/v1/votes", "/api/v1/questionnaires", "/api/v1/notices",
                "/api/v1/bulletins", "/api/v1/outbox", "/api/v1/users", "/api/v1/imports", "/api/v1/webhooks",
            ]
            for path in paths {
                let all = try await client.call(.get, path + "?limit=1000", token: office)
                #expect(all.status == .ok, "\(path)")
                let ids = all.json.items.map { $0["id"]?.cellText ?? "" }
                var walked: [String] = []
                var cursor: String? = nil
                repeat {
                    let page = try await client.call(
                        .get, path + "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: office)
                    #expect(page.json.items.count <= 2, "\(path)")
                    walked += page.json.items.map { $0["id"]?.cellText ?? "" }
                    cursor = page.json["next_cursor"]?.stringValue
                } while cursor != nil && walked.count <= ids.count
                #expect(walked == ids, "\(path) paged")
            }
            let three = try await client.call(.get, "/api/v1/projects?limit=3", token: office)
            #expect(three.json.items.count == 3 && three.json["next_cursor"]?.stringValue == "3")
            for bad in ["limit=0", "limit=1001", "limit=x", "cursor=-1", "cursor=abc"] {
                let r = try await client.call(.get, "/api/v1/projects?\(bad)", token: office)
                #expect(r.status == .badRequest, "\(bad)")
            }
        }
    }

    /// The bulletin's CSV and XLSX say what its JSON says, cell by cell, under headers of the same width.
    @Test func bulletinExportsMatchTheBulletinCellByCell() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let list = try await client.call(.get, "/api/v1/bulletins", token: office)
            let id = list.json.items.first { $0["state"]?.stringValue == "published" }!["id"]!.intValue!
            // Read with the exact-number parser, so 30.0 stays 30.0 as the tables print it.
            let b = JSONValue.parse(try await client.call(.get, "/api/v1/bulletins/\(id)", token: office).text)!
            var text = try await client.call(.get, "/api/v1/bulletins/\(id)?format=csv", token: office).text
            #expect(text.hasPrefix("\u{FEFF}"))  // a BOM, so Excel opens it as UTF-8
            text.removeFirst()
            let csv = try CSV.parse(text)
            let issue = b["issue_no"]!.intValue!
            #expect(csv[0][0] == "关于老旧小区改造工作进展情况的通报（第\(issue)期）")
            let header = csv[2]
            #expect(header.first == "单位" && header.contains("计划改造小区数") && header.contains("完工率较上期（百分点）"))
            let counts = [
                "compounds_planned", "compounds_started", "compounds_completed", "households_planned",
                "households_started", "households_completed",
            ]
            let keys = counts + Rates.keys
            func expectUnit(_ cells: [String], _ unit: JSONValue, change: JSONValue?, rank: String) {
                // The sheet reader keeps no empty cells at the end of a row; put them back before comparing.
                #expect(cells.count <= header.count)
                let row = cells + Array(repeating: "", count: max(0, header.count - cells.count))
                #expect(Array(row[1...keys.count]) == keys.map { unit[$0]?.cellText ?? "" })
                let changes = Rates.keys.map { change?[$0]?.cellText ?? "" }
                #expect(Array(row[(keys.count + 1)...(keys.count + 4)]) == changes)
                #expect(row[keys.count + 5] == rank)
            }
            expectUnit(csv[3], b["totals"]!, change: b["change_pp"], rank: "")
            #expect(csv[3][0] == "合计")
            let communities = b["communities"].arrayItems
            for (i, c) in communities.enumerated() {
                #expect(csv[4 + i][0] == c["name"]!.cellText)
                expectUnit(csv[4 + i], c, change: c["change_pp"], rank: c["rank"]!.cellText)
            }
            let compoundsAt = 4 + communities.count + 1
            #expect(csv[compoundsAt].first == "小区" && csv[compoundsAt].contains("形象进度（%）"))
            let compounds = b["compounds"].arrayItems
            #expect(csv.count >= compoundsAt + 1 + compounds.count)
            for (i, c) in compounds.enumerated() {
                let row = csv[compoundsAt + 1 + i] + Array(repeating: "", count: csv[compoundsAt].count)
                #expect(csv[compoundsAt + 1 + i].count <= csv[compoundsAt].count)
                #expect(row[0] == c["name"]!.cellText && row[1] == c["community_name"]!.cellText)
                #expect(
                    row[3] == BulletinStageName.zh(c["stage"]!.cellText) && row[6] == c["percent_complete"]!.cellText)
            }
            let xlsx = try await client.execute(
                uri: "/api/v1/bulletins/\(id)?format=xlsx", method: .get,
                headers: [.authorization: "Bearer \(office)"]
            ) { Array($0.body.readableBytesView) }
            let sheet = try XLSX.read(xlsx)
            #expect(sheet[0] == header)
            for (i, row) in sheet.dropFirst().enumerated() {
                // A reader may leave out empty cells at the end of a row; every cell it gives is the CSV's.
                // A number cell holds the value (30.0 reads back as 30); text cells are the same text.
                let line = csv[3 + i]
                let same = zip(row, line).allSatisfy { a, b in
                    a == b || (Decimal(string: a).map { $0 == Decimal(string: b) } ?? false)
                }
                #expect(row.count <= line.count && same, "\(row) \(line)")
                let restEmpty = line.dropFirst(row.count).allSatisfy { $0.isEmpty }
                #expect(restEmpty)
            }
            #expect(sheet.count == 1 + 1 + communities.count)
        }
    }

    /// Evidence names what it is: a record of a kind the gate takes, or a document of a type it takes, used once.
    @Test func gateEvidenceIsTypedAndADocumentServesOneGate() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let gates = try await client.call(.get, "/api/v1/gates", token: office)
            #expect(gates.json.items.count == 7)
            let first = gates.json.items[0]
            #expect(first["gate"]?.stringValue == "gate_preliminary_design")
            #expect(first["record_kinds"]?.arrayItemsForTests.map(\.cellText) == ["questionnaire"])
            #expect(
                first["document_types"]?.arrayItemsForTests.map(\.cellText).contains("consultation_minutes") == true)

            let projects = try await client.call(.get, "/api/v1/projects?stage=consultation", token: office)
            let pid = projects.json.items[0]["id"]!.intValue!
            let upload = try await client.upload(ProjectTests.pdf, filename: "纪要.pdf", token: office)
            let doc = upload.json["id"]!.intValue!
            func advance(_ evidence: String) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
                let r = try await client.call(
                    .post, "/api/v1/projects/\(pid)/advance", token: office, body: #"{"evidence":\#(evidence)}"#)
                return (r.status, r.json)
            }
            func document(_ id: Int64, _ type: String) -> String {
                #"[{"kind":"document","attachment_id":\#(id),"document_type":"\#(type)"}]"#
            }
            #expect(try await advance("[\(doc)]").status == .unprocessableContent)
            let wrongType = try await advance(document(doc, "handover_agreement"))
            #expect(wrongType.status == .unprocessableContent && wrongType.json.errorCode == "wrong_document_type")
            let twice = try await advance(
                document(doc, "consultation_minutes").dropLast() + ","
                    + document(doc, "resident_opinion_summary").dropFirst())
            #expect(twice.status == .unprocessableContent && twice.json.errorCode == "repeated_document")
            let passed = try await advance(document(doc, "consultation_minutes"))
            #expect(passed.status == .ok && passed.json["stage"]?.stringValue == "preliminary_design")
            #expect(passed.json["gates"]?.arrayItemsForTests.last?["on_paper"] == .bool(true))
            let again = try await advance(document(doc, "design_scheme"))
            #expect(again.status == .conflict)
            let after = try await client.call(.get, "/api/v1/projects/\(pid)", token: office)
            #expect(after.json["stage"]?.stringValue == "preliminary_design")
            let page = try await client.execute(
                uri: "/projects/\(pid)", method: .get,
                headers: [.cookie: try await client.session("office").cookie]
            ) { String(buffer: $0.body) }
            #expect(page.contains("仅凭上传的文件通过，系统中没有对应的记录") && page.contains("征询意见会议纪要"))
            #expect(page.contains("name=\"document_type\"") && page.contains("value=\"design_scheme\""))
        }
    }

    /// A schedule says which calendar each year was counted on, and the page warns of a year nobody entered.
    @Test func aScheduleSaysWhichCalendarEachYearUsed() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            // A project the community's staff see too.
            let projects = try await client.call(.get, "/api/v1/projects", token: try await client.token("community"))
            let pid = try #require(projects.json.items.first?["id"]?.intValue)
            _ = try await client.call(
                .patch, "/api/v1/projects/\(pid)", token: office, body: #"{"deadline":"2031-10-30"}"#)
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/tasks", token: office, body: #"{"name":"外墙保温","duration_days":20}"#)
            let schedule = try await client.call(.get, "/api/v1/projects/\(pid)/schedule", token: office)
            let years = schedule.json["calendar_years"]?.arrayItemsForTests ?? []
            #expect(years.contains { $0["year"]?.intValue == 2031 && $0["source"]?.stringValue == "weekdays" })
            let cookie = try await client.session("office").cookie
            let page = try await client.execute(uri: "/projects/\(pid)", method: .get, headers: [.cookie: cookie]) {
                String(buffer: $0.body)
            }
            #expect(page.contains("2031年的节假日安排尚未录入"))
            #expect(page.contains(#"role="alert">2031年的节假日安排尚未录入"#) && page.contains("请在工作日历中录入后再看"))
            // Someone who cannot enter the calendar is told, not alarmed, and not asked to do what they cannot.
            let community = try await client.session("community").cookie
            let theirs = try await client.execute(
                uri: "/projects/\(pid)", method: .get, headers: [.cookie: community]
            ) { String(buffer: $0.body) }
            #expect(theirs.contains(#"<p class="note plain" role="status">2031年的节假日安排尚未录入"#))
            #expect(theirs.contains("街道办录入后会自动更正") && !theirs.contains("请在工作日历中录入后再看"))
            let entered = try await client.call(
                .put, "/api/v1/calendars/2031", token: office,
                body: #"{"holidays":["2031-10-01","2031-10-02","2031-10-03"],"workdays":[]}"#)
            #expect(entered.status == .ok)
            let after = try await client.call(.get, "/api/v1/projects/\(pid)/schedule", token: office)
            #expect(
                after.json["calendar_years"]?.arrayItemsForTests.contains {
                    $0["year"]?.intValue == 2031 && $0["source"]?.stringValue == "entered"
                } == true)
        }
    }

    /// A resident who made a mistake reads what to do in Chinese, sees no internal number, and keeps what was typed.
    @Test func publicFormsAnswerInChineseAndKeepWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, household, phone, _) = try await ParticipationTests.stewardCompound(
                client, services, token: steward)
            let today = ParticipationTests.today
            let q = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"加装电梯意向","opens_on":"\#(today)","closes_on":"\#(today)",
                     "questions":[{"text":"是否同意","type":"single","options":["同意","不同意"]},{"text":"建议","type":"text","required":false}]}
                    """#)
            let qid = q.json["id"]!.intValue!
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/publish", token: office)
            func answer(_ form: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/questionnaires/\(qid)", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            let suggestion = "%E5%A4%9A%E8%A3%85%E6%89%B6%E6%89%8B"  // 多装扶手
            let stranger = try await answer("phone=13000000000&q0=0&q1=\(suggestion)")
            #expect(stranger.0 == .unprocessableContent && stranger.1.contains("本小区登记的业主中没有这个手机号码"))
            #expect(stranger.1.contains("多装扶手") && stranger.1.contains("value=\"13000000000\""))
            let missing = try await answer("phone=\(phone)&q1=\(suggestion)")
            #expect(missing.0 == .unprocessableContent && missing.1.contains("第 1 题为必答题"))
            #expect(try await answer("phone=\(phone)&q0=0").0 == .seeOther)
            let thanks = try await client.execute(uri: "/public/questionnaires/\(qid)?answered=1", method: .get) {
                String(buffer: $0.body)
            }
            #expect(thanks.contains("谢谢您的意见，已收到。"))
            // The thanks stand alone, not above the same empty form, with a way to answer for another home.
            #expect(!thanks.contains("<form") && thanks.contains("再为另一户填写"))
            let twice = try await answer("phone=\(phone)&q0=1")
            #expect(twice.0 == .conflict && twice.1.contains("这套房屋已经提交过问卷"))
            #expect(!twice.1.contains("household") && !twice.1.contains("户 \(household)"))

            let story = "%E6%B0%B4%E7%AE%A1%E6%BC%8F%E6%B0%B4"  // 水管漏水
            let report = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "category=water_drainage&description=\(story)&phone=12")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(report.0 == .unprocessableContent && report.1.contains("手机号码格式不对"))
            // The message stands beside the form the resident filled in, not at the top of a long page.
            let form = report.1.range(of: "id=\"report\"")!.lowerBound
            #expect(report.1[form...].contains("手机号码格式不对") && !report.1[..<form].contains("手机号码格式不对"))
            #expect(report.1.contains(">水管漏水</textarea>") && report.1.contains("value=\"water_drainage\" selected"))
            #expect(!report.1.contains("reporter_phone"))
        }
    }
}

/// Stage names as the zh-Hans exports print them.
enum BulletinStageName {
    static func zh(_ stage: String) -> String {
        [
            "consultation": "意见征询", "preliminary_design": "初步设计", "public_review": "方案公示", "expert_review": "专家评审",
            "plan_approved": "方案批复", "construction": "施工", "accepted": "竣工验收", "handed_over": "移交管理",
        ][stage] ?? stage
    }
}

@Suite struct RouteDocumentTests {
    /// Every API route the server serves is in the OpenAPI document with the same methods, and the other way round
    /// (Open311's hand-written form and XML endpoints aside).
    @Test func theDocumentNamesExactlyTheServedRoutes() async throws {
        try await TestApp.with { client, services in
            let document = try await client.call(.get, "/api/v1/openapi.json", token: nil).json
            var documented: [String: [String]] = [:]
            if case .object(let paths) = document["paths"] ?? .null {
                for (path, ops) in paths {
                    guard case .object(let o) = ops else { continue }
                    documented[path] = o.map(\.0).filter { ["get", "post", "put", "patch", "delete"].contains($0) }
                        .map { $0.uppercased() }.sorted()
                }
            }
            let served = servedAPIRoutes(services: services).filter { !$0.key.hasPrefix("/api/v1/open311") }
            documented = documented.filter { $0.key.hasPrefix("/api/v1/") && !$0.key.hasPrefix("/api/v1/open311") }
            for (path, methods) in served { #expect(documented[path] == methods, "served \(path) \(methods)") }
            for (path, methods) in documented { #expect(served[path] == methods, "documented \(path) \(methods)") }
        }
    }

    /// A method a path does not take is a 405 that says which it does.
    @Test func aMethodThePathDoesNotTakeIs405WithAllow() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let r = try await client.call(.delete, "/api/v1/projects", token: token)
            #expect(r.status == .methodNotAllowed && r.headers[.allow] == "GET, POST")
            #expect(try await client.call(.get, "/api/v1/no-such-thing", token: token).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/projects", token: token).status == .ok)
            // A list beside a removable entry advertises only what the list takes.
            for path in ["/api/v1/volunteer_hours/entries", "/api/v1/volunteer_hours/summary"] {
                let o = try await client.call(.options, path, token: token)
                #expect(o.headers[.allow] == "GET", "\(path)")
            }
            let entry = try await client.call(.options, "/api/v1/volunteer_hours/entries/1", token: token)
            #expect(entry.headers[.allow] == "DELETE")
        }
    }
}
