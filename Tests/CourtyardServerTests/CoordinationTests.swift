import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The daily coordination meeting, its actions, and requests to city departments, through the API.
@Suite struct CoordinationTests {
    /// The scope id of a demo account ("subdistrict:3" → 3).
    static func scopeId(_ client: any TestClientProtocol, _ token: String) async throws -> Int64 {
        let me = try await client.call(.get, "/api/v1/auth/me", token: token)
        return Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!
    }

    static func count(_ services: Services, _ table: String) async throws -> Int64 {
        try await services.database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(
                column: "n", as: Int64.self)
        }
    }

    @Test func aSeriesMeetsOnWorkingDaysAcrossTheSpringFestivalWithItsMakeUpSaturdays() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let sd = try await Self.scopeId(client, office)
            let water = try await Self.scopeId(client, try await client.token("water"))
            let before = try await Self.count(services, "meeting_series")
            let meetingsBefore = try await Self.count(services, "meetings")
            // A participant of the wrong kind: a named person who is not a resident representative.
            let wrong = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"例会","first_on":"2026-02-12","until":"2026-03-02","time":"08:30","duration_minutes":60,
                     "location":"街道办三楼","participants":[{"organisation_id":\#(water)},{"name":"张大爷","role":"contractor"}]}
                    """#)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.json["error"]?["field"]?.stringValue == "participants[1].role")
            #expect(try await Self.count(services, "meeting_series") == before)
            #expect(try await Self.count(services, "meetings") == meetingsBefore)
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"例会","first_on":"2026-02-12","until":"2026-03-02","time":"08:30","duration_minutes":60,
                     "location":"街道办三楼","participants":[{"organisation_id":\#(water)},{"name":"张大爷","role":"resident_representative"}]}
                    """#)
            #expect(made.status == .created)
            #expect(made.json["subdistrict_id"]?.intValue == sd)
            #expect(made.json["meetings"]?.intValue == 9)
            let series = made.json["id"]!.intValue!
            let list = try await client.call(.get, "/api/v1/meetings?series_id=\(series)", token: office)
            #expect(
                list.json.items.compactMap { $0["date"]?.stringValue } == [
                    "2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25", "2026-02-26", "2026-02-27",
                    "2026-02-28", "2026-03-02",
                ])
            #expect(list.json.items.first?["starts_at"]?.stringValue == "2026-02-12T08:30:00+08:00")
            #expect(list.json.items.allSatisfy { $0["state"]?.stringValue == "scheduled" })
            // The water department takes part: it sees the meetings; the steward does not.
            let waterList = try await client.call(
                .get, "/api/v1/meetings?series_id=\(series)", token: try await client.token("water"))
            #expect(waterList.json.items.count == 9)
            // The residents' representative is a resident: named to the office, masked to a department.
            let first = try #require(list.json.items.first?["id"]?.intValue)
            let named = try await client.call(.get, "/api/v1/meetings/\(first)", token: office)
            #expect(named.text.contains("张大爷"))
            let masked = try await client.call(
                .get, "/api/v1/meetings/\(first)", token: try await client.token("water"))
            #expect(
                masked.status == .ok && !masked.text.contains("张大爷") && masked.text.contains("张**"), "\(masked.text)")
            let contractor = try await client.call(
                .get, "/api/v1/meetings?series_id=\(series)", token: try await client.token("contractor"))
            #expect(contractor.json.items.isEmpty)
        }
    }

    @Test func aChangedCalendarMovesFutureMeetings() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"例会","first_on":"2031-03-03","until":"2031-03-14","time":"08:30","duration_minutes":45,"location":"街道办"}
                    """#)
            let series = made.json["id"]!.intValue!
            #expect(made.json["meetings"]?.intValue == 10)
            let admin = try await client.token("admin", TestApp.adminPassword)
            let cal = try await client.call(
                .put, "/api/v1/calendars/2031", token: admin,
                body: #"{"holidays":["2031-03-05"],"workdays":["2031-03-08"]}"#)
            #expect(cal.status == .ok)
            let list = try await client.call(.get, "/api/v1/meetings?series_id=\(series)", token: office)
            let dates = list.json.items.compactMap { $0["date"]?.stringValue }
            #expect(!dates.contains("2031-03-05"))
            #expect(dates.contains("2031-03-08"))
            #expect(dates.count == 10)
        }
    }

    @Test func aSeriesWithoutAnEndKeepsPlanningTwoMonthsAhead() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"例会","first_on":"2031-03-03","time":"08:30","duration_minutes":45,"location":"街道办"}
                    """#)
            let series = try #require(made.json["id"]?.intValue)
            func last() async throws -> String? {
                try await client.call(.get, "/api/v1/meetings?series_id=\(series)&limit=500", token: office).json.items
                    .compactMap { $0["date"]?.stringValue }.max()
            }
            let firstPlan = try #require(try await last())
            #expect(firstPlan < "2031-06-01")
            // Three months on, the sweep finds the series running short and plans two months past that day.
            let later = Day("2031-06-02")!
            #expect(try await MeetingRepository.needsRollForward(database: services.database, today: later))
            let calendar = try await CalendarRepository(database: services.database).calendar()
            try await MeetingRepository.refreshAll(database: services.database, calendar: calendar, today: later)
            let rolled = try #require(try await last())
            #expect(rolled >= "2031-07-27" && rolled <= "2031-08-03")
            #expect(!(try await MeetingRepository.needsRollForward(database: services.database, today: later)))
            // From the day after, every working day has its meeting again.
            let june = try await client.call(
                .get, "/api/v1/meetings?series_id=\(series)&from=2031-06-03&to=2031-06-08", token: office)
            #expect(june.json.items.compactMap { $0["date"]?.stringValue } == (3...6).map { "2031-06-0\($0)" })
            // Ended from 10 June: its meetings from then on are cancelled, and the sweep plans no more.
            let ended = try await client.call(
                .post, "/api/v1/meeting_series/\(series)/cancel", token: office,
                body: #"{"from":"2031-06-10","reason":"改造完工"}"#)
            #expect(ended.status == .ok && (ended.json["cancelled"]?.intValue ?? 0) > 30, "\(ended.text)")
            #expect(ended.json["series"]?["until"]?.stringValue == "2031-06-09")
            let autumn = Day("2031-09-01")!
            #expect(!(try await MeetingRepository.needsRollForward(database: services.database, today: autumn)))
            try await MeetingRepository.refreshAll(database: services.database, calendar: calendar, today: autumn)
            let after = try await client.call(
                .get, "/api/v1/meetings?series_id=\(series)&from=2031-06-10&limit=500", token: office)
            #expect(after.json.items.allSatisfy { $0["state"]?.stringValue == "cancelled" })
            #expect(after.json.items.compactMap { $0["date"]?.stringValue }.max() == rolled)
        }
    }

    @Test func anActionIsCarriedOverThreeMeetingsAndThenDone() async throws {
        try await TestApp.with(demo: true) { client, services in
            // A sub-district of its own, so the demo's meetings do not count among those the action passes through.
            let office = try await client.token("admin", TestApp.adminPassword)
            let sd = try await client.call(.post, "/api/v1/subdistricts", token: office, body: #"{"name":"测试街道"}"#)
                .json["id"]!.intValue!
            let contractor = try await client.call(
                .post, "/api/v1/organisations", token: office,
                body: #"{"name":"测试施工单位","kind":"contractor","subdistrict_id":\#(sd)}"#
            ).json["id"]!.intValue!
            let user = try await client.call(
                .post, "/api/v1/users", token: office,
                body:
                    #"{"username":"c_test","password":"password-test-1","role":"contractor","scope":"organisation:\#(contractor)"}"#
            )
            #expect(user.status == .created)
            let contractorToken = try await client.token("c_test", "password-test-1")
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"例会","subdistrict_id":\#(sd),"first_on":"2026-11-02","until":"2026-11-06","time":"08:30",
                     "duration_minutes":60,"location":"街道办","participants":[{"organisation_id":\#(contractor)}]}
                    """#)
            let series = made.json["id"]!.intValue!
            let meetings = try await client.call(.get, "/api/v1/meetings?series_id=\(series)", token: office).json.items
                .compactMap { $0["id"]?.intValue }
            #expect(meetings.count == 5)
            let first = meetings[0]
            let actionsBefore = try await Self.count(services, "meeting_actions")
            // A due date before the meeting: refused, naming the field, and nothing written.
            let early = try await client.call(
                .put, "/api/v1/meetings/\(first)/minutes", token: office,
                body: #"""
                    {"discussion":"燃气管线","decisions":["周三前完成"],"actions":[{"title":"迁移燃气管线","owner_organisation_id":\#(contractor),"due_on":"2026-11-01"}]}
                    """#)
            #expect(early.status == .unprocessableContent)
            #expect(early.json["error"]?["field"]?.stringValue == "actions[0].due_on")
            #expect(try await Self.count(services, "meeting_actions") == actionsBefore)
            let minutes = try await client.call(
                .put, "/api/v1/meetings/\(first)/minutes", token: office,
                body: #"""
                    {"discussion":"燃气管线","decisions":["周三前完成"],"actions":[{"title":"迁移燃气管线","owner_organisation_id":\#(contractor),"due_on":"2026-11-04"}]}
                    """#)
            #expect(minutes.status == .ok)
            let participant = minutes.json["attendance"]?.arrayItemsForTests.first?["participant_id"]?.intValue ?? 0
            let attendance = try await client.call(
                .put, "/api/v1/meetings/\(first)/attendance", token: office,
                body: #"[{"participant_id":\#(participant),"status":"late"}]"#)
            #expect(attendance.json["attendance"]?.arrayItemsForTests.first?["status"]?.stringValue == "late")
            let closed = try await client.call(.post, "/api/v1/meetings/\(first)/close", token: office)
            #expect(closed.json["state"]?.stringValue == "held")
            let again = try await client.call(
                .put, "/api/v1/meetings/\(first)/minutes", token: office, body: #"{"discussion":"改"}"#)
            #expect(again.status == .conflict)
            #expect(try await client.call(.post, "/api/v1/meetings/\(first)/close", token: office).status == .conflict)
            for m in meetings[1...3] {
                #expect(try await client.call(.post, "/api/v1/meetings/\(m)/close", token: office).status == .ok)
            }
            let agenda = try await client.call(.get, "/api/v1/meetings/\(meetings[4])/agenda", token: office)
            let carried = agenda.json["actions"]?.arrayItemsForTests.first { $0["meeting_id"]?.intValue == first }
            #expect(carried?["title"]?.stringValue == "迁移燃气管线")
            #expect(carried?["carried_over"]?.intValue == 3)
            // The owner marks it done; it leaves the open list and keeps its count.
            let actionId = carried?["id"]?.intValue ?? 0
            let done = try await client.call(
                .post, "/api/v1/actions/\(actionId)/done", token: contractorToken, body: #"{"note":"已迁移"}"#)
            #expect(done.status == .ok)
            #expect(done.json["state"]?.stringValue == "done")
            #expect(done.json["carried_over"]?.intValue == 3)
            #expect(
                try await client.call(
                    .post, "/api/v1/actions/\(actionId)/done", token: contractorToken, body: #"{"note":"再"}"#
                ).status == .conflict)
            let open = try await client.call(.get, "/api/v1/actions?state=open", token: office)
            #expect(!open.json.items.contains { $0["id"]?.intValue == actionId })
            let agendaAfter = try await client.call(.get, "/api/v1/meetings/\(meetings[4])/agenda", token: office)
            #expect(
                agendaAfter.json["actions"]?.arrayItemsForTests.contains { $0["id"]?.intValue == actionId } == false)
            // Attendance rate: expected at four held meetings, late at one.
            let rates = try await client.call(
                .get, "/api/v1/attendance_rates?from=2026-11-02&to=2026-11-06&subdistrict_id=\(sd)", token: office)
            let line = rates.json.items.first { $0["organisation_id"]?.intValue == contractor }
            #expect(line?["expected"]?.intValue == 4)
            #expect(line?["attended"]?.intValue == 1)
            // Cancelling needs a reason; a held meeting cannot be cancelled.
            let noReason = try await client.call(
                .post, "/api/v1/meetings/\(meetings[4])/cancel", token: office, body: #"{"reason":""}"#)
            #expect(noReason.json["error"]?["field"]?.stringValue == "reason")
            #expect(
                try await client.call(
                    .post, "/api/v1/meetings/\(first)/cancel", token: office, body: #"{"reason":"停电"}"#
                ).status == .conflict)
            let cancelled = try await client.call(
                .post, "/api/v1/meetings/\(meetings[4])/cancel", token: office, body: #"{"reason":"区里开会"}"#)
            #expect(cancelled.json["state"]?.stringValue == "cancelled")
        }
    }

    /// A project of the office's and the water department's organisation id.
    static func projectAndDepartment(_ client: any TestClientProtocol, office: String) async throws -> (Int64, Int64) {
        let project = try await client.call(.get, "/api/v1/projects?limit=1", token: office).json.items[0]["id"]!
            .intValue!
        let water = try await scopeId(client, try await client.token("water"))
        return (project, water)
    }

    /// The same request sent eight times at once (a client retrying) is filed once: the department is asked, and
    /// texted, once; the others are told it was just sent.
    @Test func theSameRequestSentAtOnceIsFiledOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (project, water) = try await Self.projectAndDepartment(client, office: office)
            let needed = Clock.today.adding(days: 30)
            let body = #"""
                {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"water_meter","description":"同时提交","needed_by":"\#(needed)"}
                """#
            let before = try await Self.count(services, "coordination_requests")
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let r = try await client.call(.post, "/api/v1/coordination_requests", token: office, body: body)
                        return (r.status, r.json.errorCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.0 == .created }.count == 1, "\(answers)")
            #expect(answers.filter { $0 == (.conflict, "already_requested") }.count == 7, "\(answers)")
            #expect(try await Self.count(services, "coordination_requests") == before + 1)
            // Another request of other words is another request.
            let other = try await client.call(
                .post, "/api/v1/coordination_requests", token: office,
                body: body.replacingOccurrences(of: "同时提交", with: "另一处水表"))
            #expect(other.status == .created)
        }
    }

    @Test func everyRequestTransitionAndTheConflicts() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let waterToken = try await client.token("water")
            let contractorToken = try await client.token("contractor")
            let contractor = try await Self.scopeId(client, contractorToken)
            let (project, water) = try await Self.projectAndDepartment(client, office: office)
            let needed = Clock.today.adding(days: 30)
            let before = try await Self.count(services, "coordination_requests")
            let unknownKind = try await client.call(
                .post, "/api/v1/coordination_requests", token: office,
                body: #"""
                    {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"teleport","description":"x","needed_by":"\#(needed)"}
                    """#)
            #expect(unknownKind.status == .unprocessableContent)
            #expect(unknownKind.json["error"]?["field"]?.stringValue == "kind")
            let notADepartment = try await client.call(
                .post, "/api/v1/coordination_requests", token: office,
                body: #"""
                    {"project_id":\#(project),"department_organisation_id":\#(contractor),"kind":"water_meter","description":"x","needed_by":"\#(needed)"}
                    """#)
            #expect(notADepartment.status == .unprocessableContent)
            #expect(notADepartment.json["error"]?["field"]?.stringValue == "department_organisation_id")
            // Needed today, before the department is due to accept it (two working days): refused with that day.
            let acceptDue = WorkCalendar.shipped.adding(workingDays: 2, to: Clock.today)
            let tooSoon = try await client.call(
                .post, "/api/v1/coordination_requests", token: office,
                body: #"""
                    {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"water_meter","description":"x","needed_by":"\#(Clock.today)"}
                    """#, headers: [.acceptLanguage: "zh-CN"])
            #expect(tooSoon.status == .unprocessableContent)
            #expect(tooSoon.json["error"]?["code"]?.stringValue == "before_acceptance")
            #expect(tooSoon.json["error"]?["field"]?.stringValue == "needed_by")
            #expect(
                tooSoon.json["error"]?["message"]?.stringValue?.contains(acceptDue.description) == true,
                "\(tooSoon.text)")
            let farOff = try await client.call(
                .post, "/api/v1/coordination_requests", token: office,
                body: #"""
                    {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"water_meter","description":"x","needed_by":"9999-12-31"}
                    """#)
            #expect(farOff.status == .unprocessableContent && farOff.json.errorCode == "too_far")
            #expect(try await Self.count(services, "coordination_requests") == before)
            func create(_ description: String) async throws -> JSONValue {
                let r = try await client.call(
                    .post, "/api/v1/coordination_requests", token: office,
                    body: #"""
                        {"project_id":\#(project),"department_organisation_id":\#(water),"kind":"water_meter","description":"\#(description)","needed_by":"\#(needed)"}
                        """#)
                #expect(r.status == .created)
                return r.json
            }
            let first = try await create("3号楼水表移位")
            #expect(first["state"]?.stringValue == "requested")
            #expect(first["ball_in_court"]?.stringValue == "department")
            #expect(
                first["due_on"]?.stringValue
                    == WorkCalendar.shipped.adding(workingDays: 2, to: Clock.today).description)
            let id = first["id"]!.intValue!
            func step(_ token: String, _ body: String) async throws -> (HTTPResponse.Status, JSONValue) {
                let r = try await client.call(
                    .post, "/api/v1/coordination_requests/\(id)/transitions", token: token, body: body)
                return (r.status, r.json)
            }
            // The department sees it in its queue and nothing of projects.
            let queue = try await client.call(.get, "/api/v1/departments/\(water)/queue", token: waterToken)
            #expect(queue.json.items.contains { $0["id"]?.intValue == id })
            #expect(try await client.call(.get, "/api/v1/projects", token: waterToken).status == .forbidden)
            #expect(
                try await client.call(.get, "/api/v1/departments/\(contractor)/queue", token: waterToken).status
                    == .notFound)
            #expect(try await step(waterToken, #"{"to":"done","done_on":"2026-01-01"}"#).0 == .conflict)
            #expect(try await step(contractorToken, #"{"to":"accepted"}"#).0 == .notFound)
            #expect(try await step(waterToken, #"{"to":"accepted","note":"收到"}"#).1["state"]?.stringValue == "accepted")
            let noDay = try await step(waterToken, #"{"to":"scheduled"}"#)
            #expect(noDay.1["error"]?["field"]?.stringValue == "planned_on")
            let planned = Clock.today.adding(days: 5)
            let scheduled = try await step(waterToken, #"{"to":"scheduled","planned_on":"\#(planned)"}"#)
            #expect(scheduled.1["planned_on"]?.stringValue == planned.description)
            #expect(scheduled.1["due_on"]?.stringValue == planned.description)
            let done = try await step(waterToken, #"{"to":"done","done_on":"\#(Clock.today)","note":"已移位"}"#)
            #expect(done.1["state"]?.stringValue == "done")
            #expect(done.1["ball_in_court"]?.stringValue == "contractor")
            #expect(try await step(office, #"{"to":"reopened","note":"再看"}"#).0 == .conflict)
            let read = try await client.call(.get, "/api/v1/coordination_requests/\(id)", token: office)
            #expect(
                read.json["history"]?.arrayItemsForTests.compactMap { $0["to"]?.stringValue } == [
                    "requested", "accepted", "scheduled", "done",
                ])
            #expect(read.json["history"]?.arrayItemsForTests.last?["by"]?.stringValue == "water")

            // Declined with a reason, reopened by the office with more information, accepted again.
            let second = try await create("燃气调压箱旁的给水管")["id"]!.intValue!
            func step2(_ token: String, _ body: String) async throws -> (HTTPResponse.Status, JSONValue) {
                let r = try await client.call(
                    .post, "/api/v1/coordination_requests/\(second)/transitions", token: token, body: body)
                return (r.status, r.json)
            }
            #expect(try await step2(waterToken, #"{"to":"declined"}"#).1["error"]?["field"]?.stringValue == "reason")
            let declined = try await step2(waterToken, #"{"to":"declined","reason":"缺少管线图"}"#)
            #expect(declined.1["ball_in_court"]?.stringValue == "office")
            #expect(declined.1["decline_reason"]?.stringValue == "缺少管线图")
            #expect(try await step2(waterToken, #"{"to":"reopened","note":"补"}"#).0 == .forbidden)
            #expect(try await step2(office, #"{"to":"accepted"}"#).0 == .conflict)
            let reopened = try await step2(office, #"{"to":"reopened","note":"已补充管线图"}"#)
            #expect(reopened.1["state"]?.stringValue == "reopened")
            #expect(reopened.1["ball_in_court"]?.stringValue == "department")
            #expect(try await step2(waterToken, #"{"to":"accepted"}"#).1["state"]?.stringValue == "accepted")
            #expect(try await step2(waterToken, #"{"to":"bogus"}"#).1["error"]?["field"]?.stringValue == "to")

            // Today's figures count both requests: one accepted the same day and done by the day it was needed; the
            // other, not yet needed, neither lowers nor raises the on-time share.
            let figures = try await client.call(
                .get, "/api/v1/coordination_figures?from=\(Clock.today)&to=\(Clock.today)", token: office)
            let line = figures.json.items.first { $0["organisation_id"]?.intValue == water }
            #expect(line?["requests"]?.intValue == 2)
            #expect(line?["done"]?.intValue == 1)
            #expect(line?["median_days_to_accept"]?.intValue == 0)
            #expect(line?["due"]?.intValue == 1)
            #expect(line?["share_done_by_needed_by_percent"]?.intValue == 100)
            // The department's own list holds only what is addressed to it.
            let mine = try await client.call(.get, "/api/v1/coordination_requests", token: waterToken)
            #expect(mine.json.items.allSatisfy { $0["department_organisation_id"]?.intValue == water })
            #expect(mine.json.items.filter { [id, second].contains($0["id"]?.intValue ?? 0) }.count == 2)
        }
    }

    @Test func aReportAssignedToADepartmentIsTheDepartmentsTurn() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let waterToken = try await client.token("water")
            let water = try await Self.scopeId(client, waterToken)
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let filed = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"water_drainage","description":"水表井盖破损"}"#)
            let id = filed.json["id"]!.intValue!
            #expect(try await client.call(.get, "/api/v1/reports/\(id)", token: waterToken).status == .notFound)
            _ = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"acknowledged"}"#)
            let assigned = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: office,
                body: #"{"to":"assigned","assignee_organisation_id":\#(water)}"#)
            #expect(assigned.json["ball_in_court"]?.stringValue == "department")
            let seen = try await client.call(.get, "/api/v1/reports", token: waterToken)
            #expect(seen.json.items.contains { $0["id"]?.intValue == id })
            let fixed = try await client.call(
                .post, "/api/v1/reports/\(id)/transitions", token: waterToken, body: #"{"to":"fixed","note":"已更换"}"#)
            #expect(fixed.json["ball_in_court"]?.stringValue == "reporter")
        }
    }

    @Test func theCalendarFeedIsPrivateAndRFC5545() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let today = Clock.today
            let made = try await client.call(
                .post, "/api/v1/meeting_series", token: office,
                body: #"""
                    {"title":"老旧小区改造例会","first_on":"\#(today)","until":"\#(today.adding(days: 14))","time":"08:30","duration_minutes":60,"location":"街道办三楼会议室,东侧"}
                    """#)
            let series = made.json["id"]!.intValue!
            let meeting = try await client.call(.get, "/api/v1/meetings?series_id=\(series)", token: office).json.items[
                0]["id"]!.intValue!
            _ = try await client.call(
                .post, "/api/v1/meetings/\(meeting)/cancel", token: office, body: #"{"reason":"区里开会"}"#)
            let feed = try await client.call(.post, "/api/v1/me/calendar_feed", token: office)
            #expect(feed.status == .created)
            let url = feed.json["url"]!.stringValue!
            let path = String(url[url.range(of: "/calendar/")!.lowerBound...])
            let ics = try await client.execute(uri: path, method: .get) { r in
                (r.status, r.headers[.contentType] ?? "", String(buffer: r.body))
            }
            #expect(ics.0 == .ok)
            #expect(ics.1.hasPrefix("text/calendar"))
            let text = ics.2
            #expect(text.hasPrefix("BEGIN:VCALENDAR\r\n"))
            #expect(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai"))
            #expect(text.contains("UID:meeting-\(meeting)@courtyard"))
            #expect(text.contains("STATUS:CANCELLED"))
            #expect(text.contains("LOCATION:街道办三楼会议室\\,东侧"))
            #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75) }
            // A new secret replaces the old one; a guessed one finds nothing.
            _ = try await client.call(.post, "/api/v1/me/calendar_feed", token: office)
            #expect(try await client.execute(uri: path, method: .get) { $0.status } == .notFound)
            #expect(try await client.execute(uri: "/calendar/nothing.ics", method: .get) { $0.status } == .notFound)
        }
    }

    /// A department liaison's feed holds the day each open request to the department is due, and is named for
    /// the person, not their sign-in name.
    @Test func aDepartmentsFeedHoldsItsRequestsDueDays() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let water = try await client.token("water")
            let open = try await client.call(.get, "/api/v1/coordination_requests?state=requested", token: water)
            let item = try #require(open.json.items.first)
            let due = try #require(item["due_on"]?.stringValue).replacingOccurrences(of: "-", with: "")
            let feed = try await client.call(.post, "/api/v1/me/calendar_feed", token: water)
            let url = try #require(feed.json["url"]?.stringValue)
            let path = String(url[url.range(of: "/calendar/")!.lowerBound...])
            let text = try await client.execute(uri: path, method: .get) { String(buffer: $0.body) }
                .replacingOccurrences(of: "\r\n ", with: "")
            let id = try #require(item["id"]?.intValue)
            let event = try #require(
                text.components(separatedBy: "BEGIN:VEVENT").first { $0.contains("UID:coordination-\(id)@") })
            #expect(event.contains("DTSTART;VALUE=DATE:\(due)"))
            #expect(event.contains("协调事项受理时限："))
            #expect(!text.contains("X-WR-CALNAME:楼院焕新 · water\r\n"))
        }
    }
}

@Suite struct CoordinationSweepTests {
    @Test func anOverdueRequestIsAnnouncedOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let repo = CoordinationRequestRepository(database: services.database)
            let first = try await repo.announceOverdue()
            #expect(first >= 1)
            #expect(try await repo.announceOverdue() == 0)
        }
    }
}

@Suite struct CoordinationScopeTests {
    /// A building's steward and a community's staff see the department requests of the projects they see, not
    /// every one in the sub-district; the office sees them all.
    @Test func placeAccountsSeeOnlyTheRequestsOfTheirProjects() async throws {
        try await TestApp.with(demo: true) { client, _ in
            func ids(_ account: String, _ path: String, key: String) async throws -> Set<Int64> {
                let token = try await client.token(account)
                let r = try await client.call(.get, path, token: token)
                #expect(r.status == .ok, "\(account) \(path)")
                return Set((r.json["items"]?.arrayItemsForTests ?? []).compactMap { $0[key]?.intValue })
            }
            let all = try await ids("office", "/api/v1/coordination_requests?limit=200", key: "project_id")
            #expect(all.count > 1, "the demo's requests are for several projects")
            for account in ["louzhang", "community"] {
                let projects = try await ids(account, "/api/v1/projects?limit=200", key: "id")
                let seen = try await ids(account, "/api/v1/coordination_requests?limit=200", key: "project_id")
                #expect(seen.isSubset(of: projects), "\(account) sees only its projects' requests")
                #expect(seen == all.intersection(projects), "\(account) sees every request of its projects")
            }
            let steward = try await ids("louzhang", "/api/v1/coordination_requests?limit=200", key: "project_id")
            #expect(!steward.isEmpty && steward != all, "a building's steward does not see the whole sub-district's")
        }
    }
}
