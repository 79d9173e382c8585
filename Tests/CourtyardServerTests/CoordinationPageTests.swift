import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The office plans meetings and files requests to departments from its pages, as a clerk would.
@Suite struct CoordinationPageTests {
    struct Browser {
        let client: any TestClientProtocol
        let cookie: String
        let csrf: String

        func get(_ path: String) async throws -> (HTTPResponse.Status, String) {
            try await client.execute(uri: path, method: .get, headers: [.cookie: cookie]) {
                ($0.status, String(buffer: $0.body))
            }
        }

        /// Posts a form as the browser sends it; answers the status, where it leads and the page.
        func post(_ path: String, _ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String, String) {
            let body = ([("_csrf", csrf)] + fields).map { k, v in
                "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }.joined(separator: "&")
            return try await client.execute(
                uri: path, method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: body)
            ) { ($0.status, $0.headers[.location] ?? "", String(buffer: $0.body)) }
        }
    }

    /// The water company's liaison in its queue: its page session, its token and the requests waiting to be taken.
    static func waterQueue(_ client: any TestClientProtocol) async throws -> (Browser, String, [Int64]) {
        let (cookie, csrf) = try await client.session("water")
        let token = try await client.token("water")
        let open = try await client.call(.get, "/api/v1/coordination_requests?state=requested", token: token)
        let ids = open.json.items.compactMap { $0["id"]?.intValue }
        return (Browser(client: client, cookie: cookie, csrf: csrf), token, ids)
    }

    static func office(_ client: any TestClientProtocol) async throws -> Browser {
        let (cookie, csrf) = try await client.session("office")
        return Browser(client: client, cookie: cookie, csrf: csrf)
    }

    @Test func theOfficeFilesARequestAndTheDepartmentFindsItInItsQueue() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            let project = try #require(
                try await client.call(.get, "/api/v1/projects", token: token).json.items.first?["id"]?.intValue)
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let before = try await CoordinationTests.count(services, "coordination_requests")
            // Without the day it is needed by: refused in Chinese, nothing written, the text kept.
            let (refused, _, again) = try await office.post(
                "/coordination/requests",
                [
                    ("project_id", String(project)), ("department_organisation_id", String(water)),
                    ("kind", "water_meter"), ("description", "3号楼水表移至单元外"), ("needed_by", ""),
                ])
            #expect(refused == .unprocessableContent)
            #expect(again.contains("日期") && again.contains("3号楼水表移至单元外"))
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before)
            // Several mistakes: each named, in the form's order.
            let (several, _, named) = try await office.post(
                "/coordination/requests",
                [
                    ("project_id", String(project)), ("department_organisation_id", ""), ("kind", "water_meter"),
                    ("description", " "), ("needed_by", "2026-02-30"),
                ])
            #expect(several == .unprocessableContent)
            #expect(named.contains("请选择承办部门。\n请说明需要部门办理的事项。\n日期无效"))
            // Each wrong field is marked and its reason said beside it; a right one is not marked.
            #expect(named.contains(#"<select name="department_organisation_id" required aria-invalid="true""#))
            #expect(named.contains(#"<p class="field-error" id="coordination-description-error">请说明"#))
            #expect(named.contains(#"aria-describedby="coordination-needed-error""#))
            #expect(!named.contains(#"<select name="kind" required aria-invalid"#))
            // Needed today, before the department is due to accept it: the day is named beside the date.
            let acceptDue = WorkCalendar.shipped.adding(workingDays: 2, to: Clock.today).description
            let (soon, _, early) = try await office.post(
                "/coordination/requests",
                [
                    ("project_id", String(project)), ("department_organisation_id", String(water)),
                    ("kind", "water_meter"), ("description", "3号楼水表移至单元外"),
                    ("needed_by", Clock.today.description),
                ])
            #expect(soon == .unprocessableContent)
            #expect(early.contains(#"<p class="field-error" id="coordination-needed-error">需完成日期不能早于 \#(acceptDue)"#))
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before)
            // A water meter sent to the gas company is asked about beside the department, and sent once confirmed.
            let gas = try await CoordinationTests.scopeId(client, try await client.token("gas"))
            let toGas: [(String, String)] = [
                ("project_id", String(project)), ("department_organisation_id", String(gas)), ("kind", "water_meter"),
                ("description", "3号楼水表移至单元外"), ("needed_by", Clock.today.adding(days: 20).description),
            ]
            let (asked, _, question) = try await office.post("/coordination/requests", toGas)
            #expect(asked == .unprocessableContent && question.contains("“水表移位”一般不由"))
            #expect(question.contains(#"name="confirm_department""#) && question.contains("3号楼水表移至单元外"))
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before)
            // Asked together with what else is wrong, not only once that is mended.
            let (both, _, bothSaid) = try await office.post(
                "/coordination/requests", toGas.filter { $0.0 != "description" } + [("description", "")])
            #expect(both == .unprocessableContent && bothSaid.contains("“水表移位”一般不由"))
            #expect(bothSaid.contains(#"id="coordination-description-error""#), "the description marked too")
            // A tick given for another department does not count for this one.
            let (stale, _, _) = try await office.post(
                "/coordination/requests", toGas + [("confirm_department", "1"), ("confirm_department_for", "0")])
            #expect(stale == .unprocessableContent)
            let (confirmed, _, _) = try await office.post(
                "/coordination/requests",
                toGas + [("confirm_department", "1"), ("confirm_department_for", String(gas))])
            #expect(confirmed == .seeOther)
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before + 1)
            let (filed, next, _) = try await office.post(
                "/coordination/requests",
                [
                    ("project_id", String(project)), ("department_organisation_id", String(water)),
                    ("kind", "water_meter"), ("description", "3号楼水表移至单元外"),
                    ("needed_by", Clock.today.adding(days: 20).description),
                ])
            #expect(filed == .seeOther && next == "/coordination?filed=1")
            let (_, list) = try await office.get("/coordination?state=requested")
            #expect(list.contains("3号楼水表移至单元外") && list.contains("水表移位") && list.contains("待受理"))
            #expect(list.contains("各部门办理情况"))
            let (liaisonCookie, _) = try await client.session("water")
            let queue = try await client.execute(uri: "/queue", method: .get, headers: [.cookie: liaisonCookie]) {
                String(buffer: $0.body)
            }
            #expect(queue.contains("3号楼水表移至单元外"))
            // A department's liaison works from its queue, not the office's page: the office's link leads there.
            let sent = try await client.execute(uri: "/coordination", method: .get, headers: [.cookie: liaisonCookie]) {
                ($0.status, $0.headers[.location])
            }
            #expect(sent.0 == .seeOther && sent.1 == "/queue")
        }
    }

    /// A liaison looks back at what the department finished or declined, the last first, with the reason it declined.
    @Test func theQueueListsWhatTheDepartmentFinishedAndDeclined() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (water, _, ids) = try await Self.waterQueue(client)
            try #require(ids.count >= 1)
            let (_, before) = try await water.get("/queue")
            #expect(!before.contains("水表不归本部门管"))
            // Each card's forms send to an address naming the card, so the answer opens at it on a phone.
            #expect(before.contains(#"<article class="card queue-item" id="request-\#(ids[0])">"#))
            #expect(before.contains(#"action="/queue/\#(ids[0])/declined#request-\#(ids[0])""#))
            let (declined, _, _) = try await water.post("/queue/\(ids[0])/declined", [("reason", "水表不归本部门管")])
            #expect(declined == .seeOther)
            let (_, after) = try await water.get("/queue")
            let finished = try #require(after.range(of: "已办结和已退回"))
            #expect(after[finished.upperBound...].contains("水表不归本部门管"))
            #expect(after[finished.upperBound...].contains("已退回"))
            // The last finished first: the first row is today's.
            let firstDay = try #require(after[finished.upperBound...].range(of: #"data-label="日期">"#))
            #expect(after[firstDay.upperBound...].hasPrefix(Clock.today.description))
        }
    }

    /// What the liaison wrote on finishing is what the queue's finished rows, the office's list and the API show; a
    /// refused finish keeps no photo, a finish keeps its one.
    @Test func theDoneNoteIsShownWhereTheRequestIsLookedBackOn() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (water, token, ids) = try await Self.waterQueue(client)
            let id = try #require(ids.first)
            let today = Clock.today.description
            let note = "旧表已拆，新表装在单元门外"
            let done: [(String, String)] = [("_csrf", water.csrf), ("done_on", today), ("note", note)]
            let photos = { try await SelectionTests.count(services, "attachments") }
            let before = try await photos()
            #expect(try await water.post("/queue/\(id)/accepted", []).0 == .seeOther)
            // Not yet planned: finishing is refused, and the photo sent with it is not kept.
            let early = try await SiteLogPageTests.post(
                client, "/queue/\(id)/done", cookie: water.cookie, done, photo: SiteLogPageTests.png)
            #expect(early.0 == .conflict)
            #expect(try await photos() == before)
            #expect(try await water.post("/queue/\(id)/scheduled", [("planned_on", today)]).0 == .seeOther)
            // A planned day is moved (改期) on the card, saying why; without a reason it is refused and kept.
            let (_, planned) = try await water.get("/queue")
            #expect(planned.contains("改期") && planned.contains(#"action="/queue/\#(id)/scheduled#request-\#(id)""#))
            let later = Clock.today.adding(days: 2).description
            let (bare, _, asked) = try await water.post("/queue/\(id)/scheduled", [("planned_on", later)])
            #expect(bare == .unprocessableContent && asked.contains("改期请写明原因"))
            let (moved, _, _) = try await water.post(
                "/queue/\(id)/scheduled", [("planned_on", later), ("note", "管材未到，顺延两天")])
            #expect(moved == .seeOther)
            let read = try await client.call(.get, "/api/v1/coordination_requests/\(id)", token: token)
            #expect(read.json["planned_on"]?.stringValue == later)
            #expect(
                try await water.post("/queue/\(id)/scheduled", [("planned_on", today), ("note", "提前")]).0 == .seeOther)
            let finished = try await SiteLogPageTests.post(
                client, "/queue/\(id)/done", cookie: water.cookie, done, photo: SiteLogPageTests.png)
            #expect(finished.0 == .seeOther)
            #expect(try await photos() == before + 1)
            let (_, queue) = try await water.get("/queue")
            let rows = try #require(queue.range(of: "已办结和已退回"))
            #expect(queue[rows.upperBound...].contains(note))
            let office = try await Self.office(client)
            let (_, list) = try await office.get("/coordination?state=done")
            #expect(list.contains(note))
            let after = try await client.call(.get, "/api/v1/coordination_requests/\(id)", token: token)
            #expect(after.json["done_note"]?.stringValue == note)
            #expect(after.json["evidence"]?.idList?.count == 1)
        }
    }

    /// A liaison's refused step is said on its own card, in the form's words, with what was typed kept.
    @Test func aRefusedStepInTheQueueKeepsWhatWasTypedOnItsCard() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, csrf) = try await client.session("water")
            let water = Browser(client: client, cookie: cookie, csrf: csrf)
            let token = try await client.token("water")
            let open = try await client.call(.get, "/api/v1/coordination_requests?state=requested", token: token)
            let item = try #require(open.json.items.first)
            let id = try #require(item["id"]?.intValue)
            let neededBy = try #require(item["needed_by"]?.stringValue.flatMap { Day($0) })
            let (noReason, _, page) = try await water.post("/queue/\(id)/declined", [("reason", " ")])
            #expect(noReason == .unprocessableContent)
            #expect(page.contains("请写明退回原因") && page.contains("<details open>"))
            #expect(!page.contains("取消原因"))
            let long = String(repeating: "缺", count: 2001)
            let (tooLong, _, kept) = try await water.post("/queue/\(id)/declined", [("reason", long)])
            #expect(tooLong == .unprocessableContent && kept.contains("退回原因最多 2000 字") && kept.contains(long))
            let (accepted, next, _) = try await water.post("/queue/\(id)/accepted", [])
            #expect(accepted == .seeOther && next == "/queue?took=accepted&item=\(id)#took")
            // The note names the request it is about: its card moves, and two may be of one kind.
            let (_, confirmed) = try await water.get(String(next.prefix { $0 != "#" }))
            #expect(confirmed.contains("”：已受理。下一步：确定办理日期。"))
            let past = Clock.today.adding(days: -1).description
            let (early, _, again) = try await water.post(
                "/queue/\(id)/scheduled", [("planned_on", past), ("note", "周三停水施工")])
            #expect(early == .unprocessableContent)
            #expect(again.contains("计划办理日期不能早于今天") && again.contains("周三停水施工"))
            let late = neededBy.adding(days: 10).description
            let (unexplained, _, said) = try await water.post("/queue/\(id)/scheduled", [("planned_on", late)])
            #expect(unexplained == .unprocessableContent && said.contains("请在说明中写明原因"))
            let (explained, _, _) = try await water.post(
                "/queue/\(id)/scheduled", [("planned_on", late), ("note", "管材到货要等十天")])
            #expect(explained == .seeOther)
            let after = try await client.call(.get, "/api/v1/coordination_requests/\(id)", token: token)
            #expect(after.json["state"]?.stringValue == "scheduled" && after.json["planned_on"]?.stringValue == late)
            // The office reads the day as late and why, as the page told the liaison it would.
            let (_, office) = try await Self.office(client).get("/coordination?state=scheduled")
            #expect(office.contains("比需完成日期晚 10 天") && office.contains("部门说明：管材到货要等十天"))
            // Finishing is a form opened on purpose, not one tap under the card.
            let (_, queue) = try await water.get("/queue")
            #expect(
                queue.contains(#"<details><summary style="min-height:44px;display:flex;align-items:center">已办完，登记办结…"#))
        }
    }

    @Test func aDeclinedRequestIsReopenedFromThePageWithWhatWasMissing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            let declined = try #require(
                try await client.call(.get, "/api/v1/coordination_requests?state=declined", token: token).json.items
                    .first?["id"]?.intValue)
            let before = try await client.call(.get, "/api/v1/coordination_requests/\(declined)", token: token)
            let reason = try #require(before.json["decline_reason"]?.stringValue)
            #expect(!reason.isEmpty && before.json["returned_because"]?.stringValue == reason)
            let (_, page) = try await office.get("/coordination?state=declined")
            #expect(page.contains("/coordination/requests/\(declined)/reopen"))
            let viewer = try await client.session("viewer")
            let (notTheirs, _, _) = try await PageTests.postForm(
                client, "/coordination/requests/\(declined)/reopen", cookie: viewer.cookie,
                RefusedFormTests.urlencoded([("_csrf", viewer.csrf), ("note", "")]))
            #expect(notTheirs == .forbidden, "only the office reopens, whatever the note")
            // Without what was added: refused beside the form, which stays open on the declined requests.
            let (bare, _, again) = try await office.post("/coordination/requests/\(declined)/reopen", [("note", "  ")])
            #expect(bare == .unprocessableContent && again.contains("请写明补充了什么"))
            #expect(
                again.contains("<details open>")
                    && again.contains(#"aria-current="true"><a href="/coordination?state=declined">"#))
            // With the drawing the department asked for, sent as the page's form sends it.
            let boundary = "----reopen"
            var body = ByteBuffer()
            for (name, value) in [("_csrf", office.csrf), ("note", "已补充管线图")] {
                body.writeString(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
            }
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"迁移平面图.pdf\"\r\n"
                    + "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--\(boundary)--\r\n")
            let status = try await client.execute(
                uri: "/coordination/requests/\(declined)/reopen", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: body
            ) { $0.status }
            #expect(status == .seeOther)
            let after = try await client.call(.get, "/api/v1/coordination_requests/\(declined)", token: token)
            #expect(after.json["state"]?.stringValue == "reopened")
            #expect(after.json["ball_in_court"]?.stringValue == "department")
            #expect(after.json["supplement"]?.stringValue == "已补充管线图")
            // Reopened, its reason is cleared, and kept as why it was returned.
            #expect(
                after.json["decline_reason"]?.stringValue == "" && after.json["returned_because"]?.stringValue == reason
            )
            // The department reads what was added beside the request it declined.
            let department = try #require(after.json["department_organisation_id"]?.intValue)
            var liaison: String?
            for name in ["water", "gas", "power"]
            where try await CoordinationTests.scopeId(client, try await client.token(name)) == department {
                liaison = name
            }
            let (cookie, csrf) = try await client.session(try #require(liaison))
            let (_, queue) = try await Browser(client: client, cookie: cookie, csrf: csrf).get("/queue")
            #expect(queue.contains("<strong>重新提交时补充的说明</strong>：已补充管线图"))
            #expect(queue.contains("您上次退回的原因：\(reason)"), "what the department asked for, beside what was added")
            #expect(queue.contains(">迁移平面图.pdf</a>"), "the drawing is linked on the department's card")
            let (_, officeList) = try await office.get("/coordination")
            #expect(officeList.contains("重新提交时补充的说明：已补充管线图"))
        }
    }

    @Test func theOfficePlansAMeetingAndASeriesAndCancelsOne() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let (_, list) = try await office.get("/meetings")
            #expect(list.contains("安排每个工作日的例会") && list.contains("name=\"organisation_id\""))
            // A time that is not a time: refused, what was typed is still there.
            let (bad, _, again) = try await office.post(
                "/meetings",
                [
                    ("title", "燃气管线专题会"), ("date", "2031-03-04"), ("time", "8点半"), ("duration", "60"),
                    ("location", "街道办三楼"),
                ])
            #expect(bad == .unprocessableContent && again.contains("燃气管线专题会"))
            // The time is marked where it stands; the fields that were right are not.
            #expect(again.contains(#"name="time" required value="8点半" aria-invalid="true""#))
            #expect(!again.contains(#"value="燃气管线专题会" aria-invalid"#))
            // Refused, the page shows the week the form was sent from, not the week of the date typed.
            #expect(list.contains(#"name="week_from" value=""#))
            let (_, _, sameWeek) = try await office.post(
                "/meetings",
                [
                    ("title", "燃气管线专题会"), ("date", "2031-03-04"), ("time", "8点半"), ("duration", "60"),
                    ("location", "街道办三楼"), ("week_from", "2030-12-02"),
                ])
            #expect(sameWeek.contains("2030-12-02 – 2030-12-08") && !sameWeek.contains("2031-03-03 – 2031-03-09"))
            // An end date with the one-meeting button is not dropped silently: it says which button plans a series.
            let (withUntil, _, told) = try await office.post(
                "/meetings",
                [
                    ("title", "燃气管线专题会"), ("date", "2031-03-10"), ("until", "2031-03-01"), ("time", "14:30"),
                    ("duration", "60"), ("location", "街道办三楼"),
                ])
            #expect(withUntil == .unprocessableContent && told.contains("只开一次，请清空这个日期"))
            #expect(told.contains(#"name="until" value="2031-03-01" aria-invalid="true""#))
            let (made, where_, _) = try await office.post(
                "/meetings",
                [
                    ("title", "燃气管线专题会"), ("date", "2031-03-04"), ("time", "14:30"), ("duration", "60"),
                    ("location", "街道办三楼"), ("organisation_id", String(water)),
                ])
            #expect(made == .seeOther && where_.hasPrefix("/meetings/"))
            let (_, meeting) = try await office.get(where_)
            #expect(meeting.contains("燃气管线专题会") && meeting.contains("14:30") && meeting.contains("取消这次会议"))
            let (cancelled, _, _) = try await office.post(where_ + "/cancel", [("reason", "部门人员无法到场")])
            #expect(cancelled == .seeOther)
            let (_, after) = try await office.get(where_)
            #expect(after.contains("部门人员无法到场") && after.contains("已取消"))
            // A daily series from a Monday to a Friday: five meetings, and the first one opens.
            let (series, first, _) = try await office.post(
                "/meetings/series",
                [
                    ("title", "改造例会"), ("date", "2031-03-03"), ("until", "2031-03-07"), ("time", "08:30"),
                    ("duration", "45"), ("location", "社区会议室"), ("organisation_id", String(water)),
                ])
            #expect(series == .seeOther)
            let (_, firstPage) = try await office.get(first)
            #expect(firstPage.contains("改造例会") && firstPage.contains("2031-03-03"))
            let token = try await client.token("office")
            let week = try await client.call(.get, "/api/v1/meetings?from=2031-03-03&to=2031-03-07", token: token)
            #expect(week.json.items.filter { $0["title"]?.stringValue == "改造例会" }.count == 5)
            // The page says how many were planned and how to end them early.
            #expect(first.contains("planned=5") && firstPage.contains("已安排 5 次例会，每个工作日一次，到 2031-03-07 为止。"))
            // 2031's holidays are not entered: the clerk is told the meetings stand on every weekday until they are.
            #expect(firstPage.contains("2031年的节假日安排尚未录入") && !firstPage.contains("会随日子向前自动续排"))
            let (tooLong, _, said) = try await office.post(
                "/meetings/series",
                [
                    ("title", "改造例会"), ("date", "2031-03-03"), ("until", "2033-03-07"), ("time", "08:30"),
                    ("duration", "45"), ("location", "社区会议室"),
                ])
            #expect(tooLong == .unprocessableContent && said.contains("一个例会系列最长 400 天，请把结束日期提前。"))
            #expect(said.contains(#"name="until" value="2033-03-07" aria-invalid="true""#))
            // From Wednesday's meeting the office ends the series: three meetings go, Monday's and Tuesday's stay.
            let wednesday = try #require(
                week.json.items.first {
                    $0["title"]?.stringValue == "改造例会" && $0["date"]?.stringValue == "2031-03-05"
                }?[
                    "id"]?.intValue)
            let (_, wedPage) = try await office.get("/meetings/\(wednesday)")
            #expect(wedPage.contains("将取消本系列 2031-03-05 起尚未召开的 3 次例会（最后一次在 2031-03-07）"))
            let noReason = try await office.post("/meetings/\(wednesday)/end-series", [("reason", " ")])
            #expect(noReason.0 == .unprocessableContent)
            // The refused form is shown open beneath its words, its reason marked; before, it was folded away.
            #expect(
                noReason.2.contains("<details open><summary")
                    && noReason.2.contains(#"aria-invalid="true" aria-describedby="end-series-error" autofocus"#)
                    && noReason.2.contains(#"id="end-series-error" role="alert">"#))
            let ended = try await office.post("/meetings/\(wednesday)/end-series", [("reason", "改造提前完工")])
            #expect(ended.0 == .seeOther && ended.1 == "/meetings/\(wednesday)?ended=3")
            #expect(try await office.get(ended.1).1.contains("已取消本系列以后的 3 次例会，系列到此结束。"))
            let states = try await client.call(.get, "/api/v1/meetings?from=2031-03-03&to=2031-03-07", token: token)
                .json.items.filter { $0["title"]?.stringValue == "改造例会" }.map { $0["state"]?.stringValue ?? "" }
            #expect(states.filter { $0 == "cancelled" }.count == 3 && states.filter { $0 == "scheduled" }.count == 2)
        }
    }

    /// A meeting whose time has passed and that nobody recorded reads so on the week's list and on its page, where
    /// one still ahead reads 待召开. Before, a meeting held last week still read 待召开.
    @Test func aPastMeetingNobodyRecordedSaysItAwaitsItsRecord() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            for (title, day) in [("上周例会", "2026-02-12"), ("下月例会", "2031-03-04")] {
                let made = try await client.call(
                    .post, "/api/v1/meeting_series", token: token,
                    body: #"""
                        {"title":"\#(title)","first_on":"\#(day)","until":"\#(day)","time":"08:30","duration_minutes":60,
                         "location":"街道办三楼","participants":[]}
                        """#)
                #expect(made.status == .created)
            }
            let (_, past) = try await office.get("/meetings?from=2026-02-09")
            #expect(past.contains("上周例会") && past.contains("时间已过，待记录") && !past.contains("待召开"))
            let (_, ahead) = try await office.get("/meetings?from=2031-03-03")
            #expect(ahead.contains("下月例会") && ahead.contains("待召开") && !ahead.contains("时间已过"))
            let id = try #require(
                try await client.call(.get, "/api/v1/meetings?from=2026-02-12&to=2026-02-12", token: token)
                    .json.items.first { $0["title"]?.stringValue == "上周例会" }?["id"]?.intValue)
            #expect(try await office.get("/meetings/\(id)").1.contains("时间已过，待记录"))
        }
    }

    /// The printed minutes say of a late arrival that they came late and of an apology that it was one; a person
    /// simply absent is listed under 缺席 without the word again, and empty parts read "—".
    /// The sign-in, the minutes and their actions are one form: a refused save shows everything as typed and saves
    /// nothing, and closing the meeting saves what was typed since the last save before it freezes the minutes.
    @Test func theMeetingsRecordIsOneFormThatKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let (made, page, _) = try await office.post(
                "/meetings",
                [
                    ("title", "燃气管线专题会"), ("date", "2031-03-04"), ("time", "14:30"), ("duration", "60"),
                    ("location", "街道办三楼"), ("organisation_id", String(water)),
                ])
            #expect(made == .seeOther)
            let (_, html) = try await office.get(page)
            #expect(html.contains(#"id="record""#) && html.contains(#"formaction="\#(page)/close""#))
            let field = try #require(html.firstMatch(of: /name="(p_\d+)"/)?.1).description
            let typed: [(String, String)] = [
                (field, "late"), ("discussion", "讨论了燃气立管迁移方案"), ("decisions", "本周内完成迁移"),
                ("action_title", "迁移3号楼燃气立管"), ("action_owner", String(water)), ("action_due", "2031-03-01"),
                ("action_project", ""),
            ]
            let (refused, _, again) = try await office.post(page + "/minutes", typed)
            #expect(refused == .unprocessableContent && again.contains("完成期限早于会议日期"))
            #expect(again.contains("讨论了燃气立管迁移方案</textarea>") && again.contains("本周内完成迁移</textarea>"))
            #expect(again.contains(#"value="迁移3号楼燃气立管""#) && again.contains(#"value="2031-03-01""#))
            #expect(again.contains(#"name="\#(field)" value="late" checked"#))
            // Nothing was saved: not the minutes, not the sign-in beside them.
            let (_, stored) = try await office.get(page)
            #expect(!stored.contains("讨论了燃气立管迁移方案") && !stored.contains(#"value="late" checked"#))
            // Closed straight from the form: what was typed is saved, then frozen.
            var fixed = typed
            fixed[5] = ("action_due", "2031-03-06")
            // Without the tick that the minutes were checked, nothing is frozen and what was typed is shown again.
            let (unticked, _, kept) = try await office.post(page + "/close", fixed)
            #expect(unticked == .unprocessableContent && kept.contains("讨论了燃气立管迁移方案</textarea>"))
            #expect(kept.contains("纪要已核对无误") && kept.contains(#"id="record""#))
            let (closed, _, _) = try await office.post(page + "/close", fixed + [("confirm_close", "1")])
            #expect(closed == .seeOther)
            let (_, after) = try await office.get(page)
            #expect(after.contains("讨论了燃气立管迁移方案") && after.contains("迁移3号楼燃气立管"))
            #expect(!after.contains(#"id="record""#), "the minutes are frozen")
            let token = try await client.token("office")
            let id = page.split(separator: "/").last.map(String.init) ?? ""
            let meeting = try await client.call(.get, "/api/v1/meetings/\(id)", token: token).json
            #expect(meeting["state"]?.stringValue == "held")
            #expect(meeting["attendance"]?.arrayItemsForTests.first?["status"]?.stringValue == "late")
        }
    }

    /// An action handed to the contractor at a meeting waits on its home page and on 会议交办, where it is reported
    /// done with what was done; before, an invited organisation had no page that showed it.
    @Test func anOrganisationFindsItsMeetingActionsAndReportsThemDone() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
            let (_, page, _) = try await office.post(
                "/meetings",
                [
                    ("title", "现场协调会"), ("date", "2031-03-04"), ("time", "09:00"), ("duration", "60"),
                    ("location", "项目部"), ("organisation_id", String(contractor)),
                ])
            let (saved, _, _) = try await office.post(
                page + "/minutes",
                [
                    ("discussion", "雨水井砌筑"), ("decisions", ""), ("action_title", "完成5号楼北侧雨水井砌筑"),
                    ("action_owner", String(contractor)), ("action_due", "2031-03-06"), ("action_project", ""),
                ])
            #expect(saved == .seeOther)
            let (cookie, csrf) = try await client.session("contractor")
            let site = Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, home) = try await site.get("/")
            #expect(home.contains("会议交办的事项") && home.contains("完成5号楼北侧雨水井砌筑"))
            #expect(home.contains(#"<a href="/my-actions">会议交办</a>"#))
            let id = try #require(home.firstMatch(of: /\/my-actions#a(\d+)/)?.1).description
            let (_, list) = try await site.get("/my-actions")
            #expect(list.contains("完成5号楼北侧雨水井砌筑") && list.contains("action=\"/my-actions/\(id)/done\""))
            let (bare, _, told) = try await site.post("/my-actions/\(id)/done", [("note", "  ")])
            #expect(bare == .unprocessableContent && told.contains("请写明办理情况。"))
            let (done, to, _) = try await site.post("/my-actions/\(id)/done", [("note", "已砌筑完成，报监理验收")])
            #expect(done == .seeOther && to.hasPrefix("/my-actions?saved=1"))
            let (_, after) = try await site.get("/my-actions")
            #expect(after.contains("近 30 天已办结") && after.contains("已砌筑完成，报监理验收"))
            let token = try await client.token("office")
            let actions = try await client.call(
                .get, "/api/v1/actions?owner_organisation_id=\(contractor)", token: token)
            #expect(
                actions.json.items.contains { $0["id"]?.intValue == Int64(id) && $0["state"]?.stringValue == "done" })
            // A property company answers for the actions handed to it as well.
            let (propertyCookie, propertyCsrf) = try await client.session("property")
            let property = Browser(client: client, cookie: propertyCookie, csrf: propertyCsrf)
            let (_, propertyHome) = try await property.get("/")
            #expect(propertyHome.contains(#"<a href="/my-actions">会议交办</a>"#))
            #expect(propertyHome.contains("物业用房移交清单核对"))
            let (_, theirs) = try await property.get("/my-actions")
            #expect(theirs.contains("物业用房移交清单核对") && theirs.contains("/done\""))
            // Not for an account that answers for no organisation.
            let (steward, _) = try await client.session("steward")
            #expect(try await PageTests.page(client, "/my-actions", cookie: steward).0 == .forbidden)
        }
    }

    @Test func thePrintedMinutesListWhoCameAndWhoDidNot() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: token,
                body: #"""
                    {"title":"签到例会","first_on":"2026-11-02","until":"2026-11-02","time":"08:30","duration_minutes":60,
                     "location":"街道办三楼","participants":[{"name":"张大爷","role":"resident_representative"},
                     {"name":"李阿姨","role":"resident_representative"},{"name":"王叔","role":"resident_representative"}]}
                    """#)
            #expect(made.status == .created)
            let id = try #require(
                try await client.call(
                    .get, "/api/v1/meetings?series_id=\(made.json["id"]?.intValue ?? 0)", token: token
                )
                .json.items.first?["id"]?.intValue)
            let lines =
                try await client.call(.get, "/api/v1/meetings/\(id)", token: token).json["attendance"]?
                .arrayItemsForTests ?? []
            let ids = Dictionary(
                uniqueKeysWithValues: lines.compactMap { l in
                    l["name"]?.stringValue.flatMap { n in l["participant_id"]?.intValue.map { (n, $0) } }
                })
            let marks = [("张大爷", "late"), ("李阿姨", "absent"), ("王叔", "excused")]
            let body = marks.map { #"{"participant_id":\#(ids[$0.0] ?? 0),"status":"\#($0.1)"}"# }
            let put = try await client.call(
                .put, "/api/v1/meetings/\(id)/attendance", token: token,
                body: "[" + body.joined(separator: ",") + "]")
            #expect(put.status == .ok, "\(put.json)")
            let (_, sheet) = try await office.get("/meetings/\(id)/print")
            #expect(sheet.contains("张大爷（迟到）"))
            #expect(sheet.contains("李阿姨、王叔（请假）") || sheet.contains("王叔（请假）、李阿姨"), "\(sheet)")
            #expect(!sheet.contains("（缺席）"))
        }
    }

    @Test func theOfficeHomeListsRequestsAndActionsPastDue() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            let late = try await client.call(.get, "/api/v1/coordination_requests?overdue=true", token: token).json
                .items
            let lateActions = try await client.call(.get, "/api/v1/actions?state=open&overdue=true", token: token).json
                .items
            let (_, home) = try await office.get("/")
            #expect(home.contains("逾期的协调事项") && home.contains("逾期未办结的交办事项"))
            let request = try #require(late.first, "the demo has a request past due")
            #expect(home.contains(request["department_name"]?.stringValue ?? "?"))
            let action = try #require(lateActions.first, "the demo has an action past due")
            #expect(home.contains(action["title"]?.stringValue ?? "?"))
        }
    }

    @Test func theOfficeAssignsAReportToADepartmentFromItsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await Self.office(client)
            let token = try await client.token("office")
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let reports = try await client.call(.get, "/api/v1/reports?state=acknowledged", token: token).json.items
            let id = try #require(reports.first?["id"]?.intValue, "the demo has an acknowledged report")
            let (_, page) = try await office.get("/reports/\(id)")
            #expect(page.contains("<option value=\"\(water)\""))
            let (moved, to, _) = try await office.post(
                "/reports/\(id)/transitions",
                [("to", "assigned"), ("assignee_organisation_id", String(water)), ("note", "燃气味道，请燃气公司处理")])
            #expect(moved == .seeOther && to == "/reports/\(id)?moved=assigned")
            // The step taken is said on the page it returns to.
            let (_, told) = try await office.get(to)
            #expect(told.contains(#"<p class="note ok""#) && told.contains("已保存，现在是“已派单”。"))
            let after = try await client.call(.get, "/api/v1/reports/\(id)", token: token)
            #expect(after.json["state"]?.stringValue == "assigned")
            #expect(after.json["ball_in_court"]?.stringValue == "department")
            // The history names who did it as people know them, not by their sign-in name.
            let last = after.json["history"]?.arrayItemsForTests.last
            let name = try await services.database.withConnection { db in
                try await db.raw("SELECT display_name FROM users WHERE username = 'office'").first()!
                    .decode(column: "display_name", as: String.self)
            }
            #expect(!name.isEmpty && last?["by"]?.stringValue == "office" && last?["by_name"]?.stringValue == name)
            let (_, shown) = try await office.get("/reports/\(id)")
            #expect(shown.contains(">\(name)</td>") && !shown.contains(">office</td>"))
        }
    }

    @Test func aSupervisorFollowsTheRequestsOnTheProjectsItSupervises() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let supervisor = try await client.token("supervisor")
            let own = Set(
                try await client.call(.get, "/api/v1/projects", token: supervisor).json.items.compactMap {
                    $0["id"]?.intValue
                })
            let all = try await client.call(.get, "/api/v1/coordination_requests", token: office).json.items
            let expected = all.filter { own.contains($0["project_id"]?.intValue ?? 0) }.compactMap {
                $0["id"]?.intValue
            }
            let seen = try await client.call(.get, "/api/v1/coordination_requests", token: supervisor).json.items
                .compactMap { $0["id"]?.intValue }
            #expect(!expected.isEmpty, "the demo has requests on the supervisor's projects")
            #expect(Set(seen) == Set(expected))
        }
    }
}

/// A work item priced on a contract cannot be deleted from under it.
@Suite struct PricedWorkItemTests {
    @Test func aWorkItemOnTheContractIsNotDeleted() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            var found: (Int64, Int64)?
            for p in try await client.call(.get, "/api/v1/projects?limit=100", token: office).json.items {
                let id = p["id"]?.intValue ?? 0
                let contract = try await client.call(.get, "/api/v1/projects/\(id)/contract", token: office)
                if let item = contract.json["items"]?.arrayItemsForTests.first?["work_item_id"]?.intValue {
                    found = (id, item)
                    break
                }
            }
            let (project, item) = try #require(found, "the demo has a contract")
            let refused = try await client.call(
                .delete, "/api/v1/projects/\(project)/work_items/\(item)", token: office)
            #expect(refused.status == .conflict)
        }
    }
}
