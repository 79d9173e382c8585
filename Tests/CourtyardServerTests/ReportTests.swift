import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ReportTests {
    @Test func aReportGoesRoundTheLoopWithWhoseTurnItIs() async throws {
        try await TestApp.with(demo: true) { client, services in
            let steward = try await client.token("steward")
            let office = try await client.token("office")
            let contractor = try await client.token("contractor")
            let me = try await client.call(.get, "/api/v1/auth/me", token: contractor)
            let org = Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let filed = try await client.call(
                .post, "/api/v1/reports", token: steward,
                body: #"""
                    {"compound_id":\#(compound),"category":"safety","description":"3号楼北侧沟槽没有围挡","reporter_name":"王建国","reporter_phone":"13912345678"}
                    """#)
            #expect(filed.status == .created)
            #expect(filed.json["ball_in_court"]?.stringValue == "office")
            #expect(filed.json["due_on"] != .null)
            let id = filed.json["id"]!.intValue!
            // The contractor sees nothing until the report is theirs.
            let hidden = try await client.call(.get, "/api/v1/reports/\(id)", token: contractor)
            #expect(hidden.status == .notFound)
            let skip = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"fixed"}"#)
            #expect(skip.status == .conflict)
            let stewardAck = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: steward, body: #"{"to":"acknowledged"}"#)
            #expect(stewardAck.status == .forbidden)
            _ = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"acknowledged","note":"已收到"}"#)
            let noOrg = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"assigned"}"#)
            #expect(noOrg.json["error"]?["field"]?.stringValue == "assignee_organisation_id")
            let assigned = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office,
                body: #"{"to":"assigned","assignee_organisation_id":\#(org)}"#)
            #expect(assigned.json["ball_in_court"]?.stringValue == "contractor")
            let seen = try await client.call(.get, "/api/v1/reports/\(id)", token: contractor)
            #expect(seen.status == .ok)
            #expect(seen.json["reporter_phone"]?.stringValue == "139****5678")
            #expect(seen.json["reporter_name"]?.stringValue == "王**")
            let fixed = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: contractor, body: #"{"to":"fixed","note":"已补设围挡"}"#)
            #expect(fixed.json["ball_in_court"]?.stringValue == "reporter")
            #expect(fixed.json["due_on"] == .null)
            let reopened = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: steward, body: #"{"to":"reopened","note":"围挡不全"}"#)
            #expect(reopened.json["ball_in_court"]?.stringValue == "office")
            #expect(reopened.json["due_on"] != .null, "a reopened report waits on the office with a day")
            for step in [#"{"to":"assigned","assignee_organisation_id":\#(org)}"#] {
                _ = try await client.call(.post, "/api/v1/reports/\(id)/transitions", token: office, body: step)
            }
            // A fix without saying what was done is refused: the resident confirms it against those words.
            let silent = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: contractor, body: #"{"to":"fixed"}"#)
            #expect(silent.status == .unprocessableContent && silent.json.errorCode == "what_was_fixed")
            _ = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: contractor, body: #"{"to":"fixed","note":"围挡已补全"}"#)
            _ = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: steward, body: #"{"to":"verified"}"#)
            let closed = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"closed"}"#)
            #expect(closed.json["state"]?.stringValue == "closed")
            #expect(closed.json["ball_in_court"]?.stringValue == "none")
            guard case .array(let history) = closed.json["history"] ?? .null else {
                Issue.record("no history")
                return
            }
            #expect(
                history.compactMap { $0["to"]?.stringValue } == [
                    "submitted", "acknowledged", "assigned", "fixed", "reopened", "assigned", "fixed", "verified",
                    "closed",
                ])
            let after = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"reopened"}"#)
            #expect(after.status == .conflict)
        }
    }

    @Test func rejectingNeedsAReasonAndBadInputIsNamed() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let bad = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"ufo","description":"x"}"#)
            #expect(bad.json["error"]?["field"]?.stringValue == "category")
            let empty = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"other","description":"  "}"#)
            #expect(empty.json["error"]?["field"]?.stringValue == "description")
            let phone = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"other","description":"x","reporter_phone":"call me"}"#)
            #expect(phone.json["error"]?["field"]?.stringValue == "reporter_phone")
            let id = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"noise_dust","description":"夜间施工噪声"}"#
            ).json["id"]!.intValue!
            let noReason = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"rejected"}"#)
            #expect(noReason.json["error"]?["field"]?.stringValue == "note")
            let rejected = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"rejected","note":"不属于改造范围"}"#)
            #expect(rejected.json["state"]?.stringValue == "rejected")
            let list = try await client.call(.get, "/api/v1/reports?state=rejected", token: office)
            #expect(list.json.items.contains { $0["id"]?.intValue == id })
            #expect(list.json.items.allSatisfy { $0["state"]?.stringValue == "rejected" })
            let csv = try await client.call(.get, "/api/v1/reports?format=csv", token: office)
            #expect(csv.text.contains("夜间施工噪声"))
        }
    }

    @Test func officesEnterAYearsHolidays() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let viewer = try await client.token("viewer")
            let published = try await client.call(.get, "/api/v1/calendars/2026", token: viewer)
            #expect(published.json["source"]?.stringValue == "published")
            guard case .array(let w) = published.json["workdays"] ?? .null else {
                Issue.record("no workdays")
                return
            }
            #expect(w.contains(.string("2026-10-10")))
            let body = #"{"holidays":["2027-10-01","2027-10-04","2027-10-05"],"workdays":["2027-10-09"]}"#
            #expect(
                try await client.call(.put, "/api/v1/calendars/2027", token: viewer, body: body).status == .forbidden)
            let entered = try await client.call(.put, "/api/v1/calendars/2027", token: office, body: body)
            #expect(entered.status == .ok)
            #expect(entered.json["source"]?.stringValue == "entered")
            let weekday = try await client.call(
                .put, "/api/v1/calendars/2027", token: office, body: #"{"holidays":[],"workdays":["2027-10-08"]}"#)
            #expect(weekday.json.errorCode == "not_weekend")
            let wrongYear = try await client.call(
                .put, "/api/v1/calendars/2027", token: office, body: #"{"holidays":["2026-10-01"]}"#)
            #expect(wrongYear.json.errorCode == "other_year")
            let again = try await client.call(.get, "/api/v1/calendars/2027", token: office)
            guard case .array(let h) = again.json["holidays"] ?? .null else {
                Issue.record("no holidays")
                return
            }
            #expect(h.count == 3)
        }
    }
}

@Suite struct ReportPageTests {
    /// The office moves a report on its page; the contractor's page offers only the step that is theirs.
    @Test func theOfficeAndTheContractorWorkAReportOnItsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let contractor = try await client.session("contractor")
            let token = try await client.token("contractor")
            let org = try await client.call(.get, "/api/v1/auth/me", token: token).json["scope"]!.stringValue!.split(
                separator: ":")[1]
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let filed = try await client.call(
                .post, "/api/v1/reports", token: try await client.token("steward"),
                body:
                    #"{"compound_id":\#(compound),"category":"safety","description":"脚手架无防护网","reporter_name":"周大爷","reporter_phone":"13912345678"}"#
            )
            let id = filed.json["id"]!.intValue!
            func step(_ s: (cookie: String, csrf: String), _ form: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/reports/\(id)/transitions", method: .post,
                    headers: [.cookie: s.cookie, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "_csrf=\(s.csrf)&\(form)")
                ) { $0.status }
            }
            let list = try await client.execute(
                uri: "/reports?state=submitted", method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            #expect(list.contains("/reports/\(id)\""))
            #expect(try await step(office, "to=acknowledged&note=") == .seeOther)
            #expect(try await step(office, "to=assigned&note=") == .unprocessableContent)  // no contractor named
            // Refused, the page says which field beside it and keeps the step and the note as typed.
            let refused = try await client.execute(
                uri: "/reports/\(id)/transitions", method: .post,
                headers: [.cookie: office.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(office.csrf)&to=assigned&note=%E8%AF%B7%E5%B0%BD%E5%BF%AB")
            ) { String(buffer: $0.body) }
            #expect(refused.contains(#"id="report-assignee-error" role="alert">请选择派给哪个单位。"#))
            #expect(refused.contains(">请尽快</textarea>") && refused.contains(#"<option value="assigned" selected>"#))
            #expect(refused.contains(#"<optgroup label="施工单位">"#))
            #expect(
                try await step(
                    office,
                    "to=assigned&assignee_organisation_id=\(org)&note=%E8%AF%B7%E5%BD%93%E5%A4%A9%E6%95%B4%E6%94%B9")
                    == .seeOther)
            let page = try await client.execute(
                uri: "/reports/\(id)", method: .get, headers: [.cookie: contractor.cookie]
            ) { String(buffer: $0.body) }
            #expect(page.contains("value=\"fixed\"") && !page.contains("value=\"verified\"") && page.contains("请当天整改"))
            // Whose move it is names the company, on the report and in the list, so it can be chased by name.
            let orgName = try #require(
                try await client.call(.get, "/api/v1/organisations/\(org)", token: try await client.token("office"))
                    .json["name"]?.stringValue)
            #expect(page.contains("施工单位（\(orgName)）"))
            // The company sees the reporter masked, and is told how to reach them.
            #expect(page.contains("请通过社区或楼长联系") && !page.contains("13912345678"))
            let assigned = try await client.execute(
                uri: "/reports?state=assigned", method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            #expect(assigned.contains("施工单位（\(orgName)）"))
            // While it waits on the company the office is offered no step ready chosen: saving a word must not
            // report the fix.
            let officePage = try await client.execute(
                uri: "/reports/\(id)", method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            let select = try #require(
                officePage.firstMatch(of: /<select name="to" required>.*?<\/select>/).map { String($0.0) })
            #expect(select.hasPrefix(#"<select name="to" required><option value="">请选择下一步</option>"#))
            #expect(!select.contains(" selected"), "\(select)")
            // The office urges the company instead (催办): a note in the history, the state and the due day as they
            // were; the company reads it.
            let before = try await client.call(.get, "/api/v1/reports/\(id)", token: token)
            #expect(officePage.contains(#"action="/reports/\#(id)/urge""#) && !page.contains("/urge\""))
            let emptyUrge = try await client.execute(
                uri: "/reports/\(id)/urge", method: .post,
                headers: [.cookie: office.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(office.csrf)&urge=%20")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(
                emptyUrge.0 == .unprocessableContent
                    && emptyUrge.1.contains(#"id="report-urge-error" role="alert">请写明催办说明。"#))
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE organisations SET contact_phone = '13700000009' WHERE id = \(bind: Int64(org) ?? 0)"
                )
                .run()
            }
            let urged = try await client.execute(
                uri: "/reports/\(id)/urge", method: .post,
                headers: [.cookie: office.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(
                    string: "_csrf=\(office.csrf)&urge=%E8%AF%B7%E6%98%8E%E5%A4%A9%E5%89%8D%E5%A4%84%E7%90%86")
            ) { ($0.status, $0.headers[.location] ?? "") }
            #expect(urged == (.seeOther, "/reports/\(id)?saved=urged#history"))
            // Again within ten minutes from the same account: refused, nothing texted twice.
            let twice = try await client.call(
                .post, "/api/v1/reports/\(id)/urge", token: try await client.token("office"), body: #"{"note":"再催"}"#)
            #expect(twice.status == .conflict && twice.json.errorCode == "already_urged")
            let urgedReport = try await client.call(.get, "/api/v1/reports/\(id)", token: token)
            #expect(
                urgedReport.json["state"] == before.json["state"]
                    && urgedReport.json["due_on"] == before.json["due_on"])
            let entry = urgedReport.json["history"]?.arrayItems.last
            #expect(entry?["from"]?.stringValue == "assigned" && entry?["to"]?.stringValue == "assigned")
            #expect(entry?["note"]?.stringValue == "请明天前处理")
            // The company is texted at the number it gave, naming the compound and the report.
            let texts = try await SelectionTests.ints(
                services,
                """
                SELECT COUNT(*) AS id FROM outbox WHERE event = 'report.urged' AND target = '13700000009'
                  AND payload_json LIKE '%街道办催办%' AND payload_json LIKE '%请明天前处理%'
                """)
            #expect(texts == [1])
            let read = try await client.execute(
                uri: "/reports/\(id)", method: .get, headers: [.cookie: contractor.cookie]
            ) { String(buffer: $0.body) }
            #expect(read.contains(">催办</td>") && read.contains("请明天前处理") && read.contains("<b>已派单</b>"))
            // Only the office urges, and only a report that waits on others.
            let byContractor = try await client.call(
                .post, "/api/v1/reports/\(id)/urge", token: try await client.token("contractor"), body: #"{"note":"x"}"#
            )
            #expect(byContractor.status == .forbidden)
            // The contractor may hand it back instead, saying why; it does not confirm or close.
            #expect(
                page.contains(#"<option value="reopened" data-needs-note="1">退回街道"#)
                    && !page.contains("value=\"closed\""))
            #expect(try await step(contractor, "to=fixed&note=") == .unprocessableContent)
            #expect(try await step(contractor, "to=fixed&note=%E5%B7%B2%E6%95%B4%E6%94%B9") == .seeOther)
            let after = try await client.call(.get, "/api/v1/reports/\(id)", token: token)
            let fixed = try await client.call(.get, "/api/v1/reports/\(id)", token: token)
            #expect(
                fixed.json["state"]?.stringValue == "fixed" && fixed.json["ball_in_court"]?.stringValue == "reporter")
            let late = try await client.call(
                .post, "/api/v1/reports/\(id)/urge", token: try await client.token("office"), body: #"{"note":"还没好吗"}"#)
            #expect(late.status == .conflict && late.json.errorCode == "not_assigned")
        }
    }
}
