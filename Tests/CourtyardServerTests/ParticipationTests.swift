import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Questionnaires, notices, expert reviews and service levels, on both databases.
@Suite struct ParticipationTests {
    static var today: Day { Day.today(epochSeconds: Date().timeIntervalSince1970) }

    /// A published consultation in `compound` with one single-choice question, open from `opens` to `closes` days
    /// from today; its id.
    static func publishedQuestionnaire(
        _ client: any TestClientProtocol, token: String, compound: some BinaryInteger, title: String, opens: Int64 = -1,
        closes: Int64 = 7, question: String = "是否同意？", options: [String] = ["同意", "不同意"]
    ) async throws -> Int64 {
        let quoted = options.map { "\"\($0)\"" }.joined(separator: ",")
        let created = try await client.call(
            .post, "/api/v1/questionnaires", token: token,
            body: #"""
                {"compound_id":\#(compound),"kind":"consultation","title":"\#(title)","opens_on":"\#(today.adding(days: opens))","closes_on":"\#(today.adding(days: closes))",
                 "questions":[{"text":"\#(question)","type":"single","options":[\#(quoted)]}]}
                """#)
        let id = try #require(created.json["id"]?.intValue)
        _ = try await client.call(.post, "/api/v1/questionnaires/\(id)/publish", token: token)
        return Int64(id)
    }

    /// The steward's compound, a household in it with its owner's phone, and another household.
    static func stewardCompound(_ client: any TestClientProtocol, _ services: Services, token: String) async throws -> (
        Int64, Int64, String, Int64
    ) {
        let me = try await client.call(.get, "/api/v1/auth/me", token: token)
        let compound = Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!
        let rows = try await services.database.withConnection { db in
            try await db.raw(
                """
                SELECT h.id, r.phone FROM households h JOIN household_residents hr ON hr.household_id = h.id JOIN residents r ON r.id = hr.resident_id
                WHERE h.compound_id = \(bind: compound) AND hr.relation = 'owner' AND r.phone <> '' ORDER BY h.id
                """
            ).all().map {
                (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "phone", as: String.self))
            }
        }
        // A phone that owns exactly one household here, so the online answer needs no choice of home.
        let counts = Dictionary(grouping: rows, by: \.1).mapValues(\.count)
        let single = rows.first { counts[$0.1] == 1 }!
        let other = rows.first { $0.0 != single.0 && $0.1 != single.1 }!.0
        return (compound, single.0, single.1, other)
    }

    /// The same paper answer entered at once from several phones: one is kept, every other is refused as already
    /// answered or already entered (409), never a server error, on PostgreSQL's concurrent writers too.
    @Test func oneAnswerEnteredAtOnceFromSeveralPhonesIsKeptOnceAndTheRestRefused() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, household, _, _) = try await Self.stewardCompound(client, services, token: steward)
            let qid = try await Self.publishedQuestionnaire(
                client, token: office, compound: compound, title: "同时录入", question: "最需要改造的？", options: ["管网", "外墙"])
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for i in 0..<12 {
                    group.addTask {
                        let r = try await client.call(
                            .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                            body: #"{"household_id":\#(household),"paper_number":"S\#(i % 2)","answers":[0]}"#)
                        return (r.status, r.json.errorCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == 12, "\(statuses)")
            #expect(statuses.filter { $0.0 == .created }.count == 1)
            let refused = statuses.filter { $0.0 != .created }
            #expect(refused.count == 11)
            #expect(refused.allSatisfy { $0.0 == .conflict && ["already_answered", "paper_entered"].contains($0.1) })
        }
    }

    @Test func aQuestionnaireTakesOneResponsePerHouseholdOnPaperOrOnline() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, household, phone, other) = try await Self.stewardCompound(client, services, token: steward)
            let bad = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"x","opens_on":"\#(Self.today)","closes_on":"\#(Self.today)","questions":[{"text":"q","type":"single","options":["only"]}]}
                    """#)
            #expect(bad.status == .unprocessableContent && bad.json["error"]?["field"]?.stringValue == "questions")
            let created = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"改造意见征询","opens_on":"\#(Self.today.adding(days: -1))","closes_on":"\#(Self.today.adding(days: 7))",
                     "questions":[{"text":"最需要改造的？","type":"single","options":["管网","外墙"]},{"text":"满意度","type":"rating"},{"text":"建议","type":"text","required":false}]}
                    """#)
            #expect(created.status == .created)
            let qid = created.json["id"]!.intValue!
            #expect(created.json["questions"]?.arrayCount == 3)
            let early = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                body: #"{"household_id":\#(household),"paper_number":"P1","answers":[0,5]}"#)
            #expect(early.status == .conflict && early.json.errorCode == "not_open")
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/publish", token: office)

            let paper = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                body: #"{"household_id":\#(other),"paper_number":"P1","answers":["外墙",5,"盼早开工"]}"#)
            #expect(paper.status == .created)
            #expect(
                try await client.call(
                    .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                    body: #"{"household_id":\#(other),"paper_number":"P2","answers":[0,4]}"#
                ).status == .conflict)
            #expect(
                try await client.call(
                    .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                    body: #"{"household_id":\#(household),"paper_number":"P1","answers":[0,4]}"#
                ).status == .conflict)
            let wrong = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                body: #"{"household_id":\#(household),"paper_number":"P3","answers":[0,9]}"#)
            #expect(wrong.status == .unprocessableContent && wrong.json["error"]?["field"]?.stringValue == "answers")
            // The page keeps everything typed when a paper is refused (its number is taken), and says blanks are fine;
            // a paper form with a question left blank is then entered as it is.
            let (cookie, csrf) = try await client.session("steward")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, paperForm) = try await browser.get("/questionnaires/\(qid)")
            #expect(paperForm.contains("纸上没有填写的题目留空即可"))
            let third = try #require(
                paperForm.matches(of: /<option value="(\d+)">/).map { String($0.1) }
                    .first { $0 != String(household) && $0 != String(other) })
            let (refused, _, again) = try await browser.post(
                "/questionnaires/\(qid)/responses",
                [("household_id", third), ("paper_number", "P1"), ("q0", "1"), ("q1", "5"), ("q2", "楼道灯坏了")])
            #expect(refused == .conflict)
            #expect(again.contains(#"<option value="\#(third)" selected>"#) && again.contains(#"value="P1""#))
            #expect(again.contains(#"name="q0" value="1" checked"#) && again.contains(#"name="q1" value="5" checked"#))
            #expect(again.contains("楼道灯坏了</textarea>"))
            // No household chosen, or nothing answered: said in the person's words, with what was typed kept.
            let (noHome, _, noHomePage) = try await browser.post(
                "/questionnaires/\(qid)/responses", [("household_id", ""), ("paper_number", "P9"), ("q1", "4")])
            #expect(noHome == .unprocessableContent && noHomePage.contains("请选择这份问卷是哪一户的。"))
            #expect(noHomePage.contains(#"value="P9""#))
            // Neither the household nor the number: each is named and marked beside its field.
            let (neither, _, neitherPage) = try await browser.post(
                "/questionnaires/\(qid)/responses", [("household_id", ""), ("paper_number", " "), ("q1", "4")])
            #expect(neither == .unprocessableContent)
            #expect(neitherPage.contains(#"id="paper-household-error" role="alert">请选择这份问卷是哪一户的。"#))
            #expect(neitherPage.contains(#"<p class="field-error" role="alert">请填写纸质问卷上的编号"#))
            let (empty, _, emptyPage) = try await browser.post(
                "/questionnaires/\(qid)/responses", [("household_id", third), ("paper_number", "P9"), ("q2", " ")])
            #expect(empty == .unprocessableContent && emptyPage.contains("一题都没有填写"))
            // Entered on the page, it comes back at the paper form, naming the paper just entered, as a ballot does.
            let (entered, next, _) = try await browser.post(
                "/questionnaires/\(qid)/responses", [("household_id", third), ("paper_number", "P5"), ("q1", "4")])
            #expect(
                entered == .seeOther && next.hasPrefix("/questionnaires/\(qid)?entered=") && next.hasSuffix("#paper"))
            let (_, back) = try await browser.get(String(next.prefix { $0 != "#" }))
            #expect(
                try back.firstMatch(of: Regex(#"<h2 id="paper">[^<]*</h2><p class="note ok" role="status">已录入："#))
                    != nil)
            #expect(back.contains(" · 编号 P5。可继续录入下一份。"))
            let voided = try #require(Int64(next.split(separator: "=").last?.prefix { $0.isNumber } ?? ""))
            _ = try await QuestionnaireRepository(database: services.database).void(
                id: qid, responseId: voided, reason: "测试后作废", actor: .system)
            let blank = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses", token: steward,
                body: #"{"household_id":\#(third),"paper_number":"P4","answers":[null,4]}"#)
            #expect(blank.status == .created, "\(blank.json)")

            // Online: the owner's phone finds the household, on the public page without an account.
            func answerOnline(_ phone: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/questionnaires/\(qid)", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "phone=\(phone)&q0=0&q1=4&q2=")
                ) { (r: TestResponse) in (r.status, String(buffer: r.body)) }
            }
            let stranger = try await answerOnline("13000000000")
            #expect(stranger.0 == .unprocessableContent)
            let online = try await answerOnline(phone)
            #expect(online.0 == .seeOther)
            #expect(try await answerOnline(phone).0 == .conflict)
            let form = try await client.execute(uri: "/public/questionnaires/\(qid)", method: .get) { r in
                String(buffer: r.body)
            }
            #expect(form.contains("name=\"phone\"") && form.contains("type=\"radio\""))

            let results = try await client.call(.get, "/api/v1/questionnaires/\(qid)/results", token: office)
            #expect(results.json["responses"]?.intValue == 3)
            let eligible = results.json["eligible_households"]!.intValue!
            #expect(results.text.contains(#""response_rate":\#(Percent.text(Percent.tenths(3, of: eligible)))"#))
            #expect(
                results.json["questions"]?.arrayItemsForTests.first?["options"]?.arrayItemsForTests.map {
                    $0["count"]?.intValue
                } == [1, 1], "the paper left blank counts no option")
            let byBuilding = results.json["by_building"]?.arrayItemsForTests ?? []
            #expect(byBuilding.reduce(Int64(0)) { $0 + ($1["responses"]?.intValue ?? 0) } == 3)
            #expect(byBuilding.reduce(Int64(0)) { $0 + ($1["eligible_households"]?.intValue ?? 0) } == eligible)
            let csv = try await client.call(.get, "/api/v1/questionnaires/\(qid)/results?format=csv", token: office)
            #expect(csv.text.contains("overall") && csv.text.contains("管网"))
            // A building where nobody rated has no mean and no rate, not 0.0.
            #expect(!csv.text.contains(",0,0.0,0.0") && csv.text.contains(",0,,\r\n"))
            let xlsx = try await client.execute(
                uri: "/api/v1/questionnaires/\(qid)/results?format=xlsx", method: .get,
                headers: [.authorization: "Bearer \(office)"]
            ) { Array($0.body.readableBytesView.prefix(2)) }
            #expect(xlsx == [0x50, 0x4B])

            // Closed, it takes no more answers and becomes evidence for the gate out of consultation.
            let closed = try await client.call(.post, "/api/v1/questionnaires/\(qid)/close", token: office)
            #expect(try await answerOnline(phone).0 == .conflict)
            // Ended a week early: it closes today, and the day it was meant to close is kept and said.
            let planned = Self.today.adding(days: 7)
            #expect(closed.json["closes_on"]?.stringValue == Self.today.description)
            #expect(closed.json["planned_closes_on"]?.stringValue == planned.description)
            let publicPage = try await client.execute(uri: "/public/questionnaires/\(qid)", method: .get) { r in
                String(buffer: r.body)
            }
            #expect(publicPage.contains("\(Self.today)（提前结束，原定 \(planned) 截止）"))
            let (officeCookie, _) = try await client.session("office")
            let officePage = try await PageTests.page(client, "/questionnaires/\(qid)", cookie: officeCookie).1
            #expect(officePage.contains("已于 \(Self.today) 提前结束（原定 \(planned) 截止）"))
            // Ended, it offers no poster for the stairwell, and still the residents' page of its results.
            #expect(
                !officePage.contains("/questionnaires/\(qid)/poster")
                    && officePage.contains("/public/questionnaires/\(qid)"))
            let project = try await client.call(
                .post, "/api/v1/projects", token: office,
                body:
                    #"{"compound_id":\#(compound),"batch_year":\#(Self.today.civil.year + 1),"deadline":"\#(Self.today.civil.year + 1)-10-31"}"#
            )
            let pid = project.json["id"]!.intValue!
            let tooEarly = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"project_id":\#(pid),"kind":"satisfaction","title":"满意度","opens_on":"\#(Self.today)","closes_on":"\#(Self.today)","questions":[{"text":"满意度","type":"rating"}]}
                    """#)
            #expect(tooEarly.status == .conflict && tooEarly.json.errorCode == "not_accepted")
            let advanced = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"questionnaire","id":\#(qid)}],"note":"问需完成"}"#)
            #expect(advanced.status == .ok && advanced.json["stage"]?.stringValue == "preliminary_design")
        }
    }

    @Test func noticesTakeObjectionsWhileOnDisplayAndServeAsEvidenceWithReviews() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 3), actor: .system)
                .items[2].id
            let year = Self.today.civil.year + 1
            let pid = try await client.call(
                .post, "/api/v1/projects", token: office,
                body: #"{"compound_id":\#(compound),"batch_year":\#(year),"deadline":"\#(year)-10-31"}"#
            ).json["id"]!.intValue!
            func notice(_ starts: Day, _ ends: Day) async throws -> Int64 {
                let n = try await client.call(
                    .post, "/api/v1/notices", token: office,
                    body: #"""
                        {"compound_id":\#(compound),"project_id":\#(pid),"kind":"plan","title":"改造方案公示","body":"改造内容：管网、外墙。","starts_on":"\#(starts)","ends_on":"\#(ends)"}
                        """#)
                #expect(n.status == .created)
                let id = n.json["id"]!.intValue!
                let published = try await client.call(.post, "/api/v1/notices/\(id)/publish", token: office)
                #expect(published.json["state"]?.stringValue == "published")
                return id
            }
            let up = try await notice(Self.today.adding(days: -1), Self.today.adding(days: 6))
            let objection = try await client.call(
                .post, "/api/v1/notices/\(up)/objections", token: nil,
                body: #"{"text":"停车位离窗太近","name":"刘桂芳","phone":"13838381234"}"#)
            #expect(objection.status == .created)
            #expect(objection.json["tracking_code"]?.stringValue?.hasPrefix("Y-") == true, "\(objection.json)")
            let seen = try await client.call(.get, "/api/v1/notices/\(up)", token: office)
            #expect(seen.json["phase"]?.stringValue == "on_display" && seen.json["objections"]?.intValue == 1)
            #expect(seen.json["objection_list"]?.arrayItemsForTests.first?["phone"]?.stringValue == "13838381234")
            let objectionId = seen.json["objection_list"]!.arrayItemsForTests[0]["id"]!.intValue!
            let answered = try await client.call(
                .post, "/api/v1/notices/\(up)/objections/\(objectionId)/reply", token: office,
                body: #"{"reply":"已请设计单位调整车位位置"}"#)
            #expect(answered.json["objection_list"]?.arrayItemsForTests.first?["reply"]?.stringValue == "已请设计单位调整车位位置")
            // Two clerks who read it before that answer, one after the other within the second: the count read is
            // stale for both, and the answer stays.
            #expect(answered.json["objection_list"]?.arrayItemsForTests.first?["reply_version"]?.intValue == 1)
            let replyPath = "/api/v1/notices/\(up)/objections/\(objectionId)/reply"
            for late in ["甲", "乙"] {
                let stale = try await client.call(
                    .post, replyPath, token: office, body: #"{"reply":"\#(late)","reply_version":0}"#)
                #expect(stale.status == .conflict && stale.json.errorCode == "reply_changed")
            }
            let current = try await client.call(
                .post, replyPath, token: office, body: #"{"reply":"已请设计单位调整车位位置。","reply_version":1}"#)
            #expect(current.status == .ok)
            let after = try await client.call(
                .post, replyPath, token: office, body: #"{"reply":"丙","reply_version":1}"#)
            #expect(after.status == .conflict, "the count moved on with the change")
            // An answer of nothing a reader sees is no answer; one too long says how long it may be.
            let invisible = try await client.call(
                .post, replyPath, token: office, body: #"{"reply":"\u202e\u200b\u2060"}"#)
            #expect(invisible.status == .unprocessableContent && invisible.json.errorCode == "required")
            let long = try await client.call(
                .post, replyPath, token: office, body: #"{"reply":"\#(String(repeating: "长", count: 2001))"}"#,
                headers: [.acceptLanguage: "zh-CN"])
            #expect(long.json.errorCode == "too_long" && long.text.contains("2000"), "\(long.text)")
            // A name of a hundred characters is refused, not stored whole.
            let named = try await client.call(
                .post, "/api/v1/notices/\(up)/objections", token: nil,
                body: #"{"text":"太近","name":"\#(String(repeating: "名", count: 100))"}"#)
            #expect(named.status == .unprocessableContent && named.json["error"]?["field"]?.stringValue == "name")
            let viewer = try await client.token("viewer")
            #expect(
                try await client.call(
                    .post, "/api/v1/notices/\(up)/objections/\(objectionId)/reply", token: viewer,
                    body: #"{"reply":"x"}"#
                ).status == .forbidden)
            let masked = try await client.call(.get, "/api/v1/notices/\(up)", token: viewer)
            #expect(masked.json["objection_list"]?.arrayItemsForTests.first?["phone"]?.stringValue == "138****1234")
            let page = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                String(buffer: $0.body)
            }
            #expect(
                page.contains("改造方案公示") && page.contains("/public/notices/\(up)/objections") && !page.contains("刘桂芳")
                    && !page.contains("13838381234"))

            // A notice still on display is not yet evidence; one whose period is over is.
            let refused = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"notice","id":\#(up)}]}"#)
            #expect(refused.status == .unprocessableContent)
            // A period already over is not posted: a notice no one could read is no evidence.
            let backdated = try await client.call(
                .post, "/api/v1/notices", token: office,
                body: #"""
                    {"compound_id":\#(compound),"project_id":\#(pid),"kind":"plan","title":"补录公示","body":"改造内容。","starts_on":"2020-01-01","ends_on":"2020-01-08"}
                    """#)
            #expect(backdated.status == .unprocessableContent && backdated.json.errorCode == "ended")
            #expect(backdated.text.contains("公示期已经结束"))
            // A notice posted a week ago, whose period has passed since.
            let over = try await notice(Self.today.adding(days: -7), Self.today)
            try await services.database.withConnection { db in
                try await db.raw(
                    """
                    UPDATE notices SET starts_on = \(bind: Self.today.adding(days: -10).description),
                      ends_on = \(bind: Self.today.adding(days: -3).description) WHERE id = \(bind: over)
                    """
                ).run()
            }
            #expect(
                try await client.call(.post, "/api/v1/notices/\(over)/objections", token: nil, body: #"{"text":"太晚了"}"#)
                    .json.errorCode == "not_on_display")
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: try await client.document("consultation_minutes", token: office))
            let reviewStage = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"notice","id":\#(over)}]}"#)
            #expect(reviewStage.json["stage"]?.stringValue == "public_review")
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"notice","id":\#(over)}]}"#)
            _ = try await client.call(
                .post, "/api/v1/projects/\(pid)/work_items", token: office,
                body: #"{"code":"roofs","quantity":100,"budget_fen":500000}"#)
            let rejected = try await client.call(
                .post, "/api/v1/projects/\(pid)/expert_reviews", token: office,
                body: #"""
                    {"date":"\#(Self.today)","experts":[{"name":"王工","affiliation":"市设计院","opinion":"管线走向需调整"}],"conclusion":"rejected"}
                    """#)
            #expect(rejected.status == .created)
            let notYet = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"expert_review","id":\#(rejected.json["id"]!.intValue!)}]}"#)
            #expect(notYet.status == .unprocessableContent)
            let approved = try await client.call(
                .post, "/api/v1/projects/\(pid)/expert_reviews", token: office,
                body: #"""
                    {"date":"\#(Self.today)","experts":[{"name":"王工","affiliation":"市设计院","opinion":"同意"},{"name":"李工","opinion":"同意"}],"conclusion":"approved_with_changes","summary":"按意见修改后实施"}
                    """#)
            let planned = try await client.call(
                .post, "/api/v1/projects/\(pid)/advance", token: office,
                body: #"{"evidence":[{"kind":"expert_review","id":\#(approved.json["id"]!.intValue!)}]}"#)
            #expect(planned.json["stage"]?.stringValue == "plan_approved")
        }
    }

    @Test func anOfficeSetsItsOwnServiceLevels() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let before = try await client.call(.get, "/api/v1/service_levels", token: office)
            #expect(before.json["source"]?.stringValue == "default" && before.json["acknowledge_days"]?.intValue == 1)
            #expect(
                try await client.call(
                    .put, "/api/v1/service_levels", token: office, body: #"{"acknowledge_days":0,"fix_days":5}"#
                ).status == .unprocessableContent)
            let set = try await client.call(
                .put, "/api/v1/service_levels", token: office, body: #"{"acknowledge_days":3,"fix_days":10}"#)
            #expect(set.json["source"]?.stringValue == "office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let filed = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"safety","description":"沟槽无围挡"}"#)
            let cal = try await CalendarRepository(database: services.database).calendar()
            #expect(filed.json["due_on"]?.stringValue == cal.adding(workingDays: 3, to: Self.today).description)
            let steward = try await client.token("steward")
            #expect(
                try await client.call(
                    .put, "/api/v1/service_levels", token: steward, body: #"{"acknowledge_days":2,"fix_days":5}"#
                ).status == .forbidden)
        }
    }
}

extension JSONValue {
    var arrayItemsForTests: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }
    var arrayCount: Int { arrayItemsForTests.count }
}

@Suite struct ParticipationPageTests {
    /// A steward enters a paper questionnaire on the page, as on a phone; a second entry for the same home is refused with the reason.
    @Test func aStewardEntersAPaperQuestionnaireOnThePage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let stewardToken = try await client.token("steward")
            let (compound, household, _, _) = try await ParticipationTests.stewardCompound(
                client, services, token: stewardToken)
            let q = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"satisfaction","title":"满意度测评","opens_on":"\#(ParticipationTests.today)","closes_on":"\#(ParticipationTests.today)",
                     "questions":[{"text":"总体满意度","type":"rating"},{"text":"希望增加","type":"multiple","options":["充电桩","快递柜"],"required":false}]}
                    """#)
            let qid = q.json["id"]!.intValue!
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/publish", token: office)
            let steward = try await client.session("steward")
            let page = try await client.execute(
                uri: "/questionnaires/\(qid)", method: .get, headers: [.cookie: steward.cookie]
            ) { String(buffer: $0.body) }
            #expect(page.contains("name=\"paper_number\"") && page.contains("value=\"\(household)\""))
            func enter(_ paper: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/questionnaires/\(qid)/responses", method: .post,
                    headers: [.cookie: steward.cookie, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(
                        string: "_csrf=\(steward.csrf)&household_id=\(household)&paper_number=\(paper)&q0=5&q1=0&q1=1")
                ) { r in
                    (r.status, String(buffer: r.body))
                }
            }
            #expect(try await enter("S-1").0 == .seeOther)
            let again = try await enter("S-2")
            #expect(again.0 == .conflict && again.1.contains("这套房屋已经提交过问卷"))
            let results = try await client.call(.get, "/api/v1/questionnaires/\(qid)/results", token: office)
            #expect(results.json["responses"]?.intValue == 1)
            #expect(
                results.json["questions"]?.arrayItemsForTests[1]["options"]?.arrayItemsForTests.map {
                    $0["count"]?.intValue
                } == [1, 1])
            #expect(results.text.contains(#""satisfaction_rate":100.0"#))
        }
    }
}

@Suite struct NoticePageTests {
    /// The notice form as the page sends it, with a scanned document.
    static func noticeForm(_ csrf: String, _ compound: Int64, ends: Day, publish: Bool = true) -> ByteBuffer {
        let boundary = "nb-1"
        var body = ByteBuffer()
        for (k, v) in [
            ("_csrf", csrf), ("compound_id", String(compound)), ("kind", "plan"), ("title", "改造方案公示"),
            ("body", "改造内容：外墙、管网。"), ("starts_on", ParticipationTests.today.description),
            ("ends_on", ends.description), ("publish", publish ? "1" : ""),
        ] {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"方案.pdf\"\r\n"
                + "Content-Type: application/pdf\r\n\r\n")
        body.writeBytes(ProjectTests.pdf)
        body.writeString("\r\n--\(boundary)--\r\n")
        return body
    }

    /// Unticked, a notice is kept as a draft: its page names its document and publishes it; only then do residents
    /// see it, the document named by its file name, not a number.
    @Test func aDraftNoticeIsCheckedOnItsPageAndPublishedThere() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system)
                .items[1].id
            let (_, form, _) = try await PageTests.page(client, "/participation", cookie: office.cookie)
            #expect(form.contains(#"<input type="checkbox" name="publish" value="1">"#), "not ticked by default")
            let posted = try await client.execute(
                uri: "/notices", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=nb-1"],
                body: Self.noticeForm(
                    office.csrf, compound, ends: ParticipationTests.today.adding(days: 7), publish: false)
            ) { r in r.headers[.location] ?? "" }
            func publicPage() async throws -> String {
                try await client.execute(uri: "/public/compounds/\(compound)", method: .get) { String(buffer: $0.body) }
            }
            #expect(!(try await publicPage()).contains("改造方案公示"), "a draft is not public")
            let (_, draft, _) = try await PageTests.page(client, posted, cookie: office.cookie)
            #expect(draft.contains("附件：方案.pdf</a> <small class=\"muted\">PDF · "))
            #expect(draft.contains(#"action="\#(posted)/publish""#))
            // A slip found while checking is corrected on the draft's page; refused, the form keeps what was typed.
            let today = ParticipationTests.today
            func edit(_ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String, HTTPFields) {
                try await PageTests.postForm(
                    client, posted + "/edit", cookie: office.cookie,
                    RefusedFormTests.urlencoded([("_csrf", office.csrf), ("kind", "plan")] + fields))
            }
            let (backwards, again, _) = try await edit([
                ("title", "改造方案公示（修订）"), ("body", "改造内容：外墙、管网、屋面。"),
                ("starts_on", today.description), ("ends_on", today.adding(days: -1).description),
            ])
            #expect(backwards == .unprocessableContent && again.contains(#"<details id="edit" open>"#))
            #expect(again.contains(#"value="改造方案公示（修订）""#) && again.contains("改造内容：外墙、管网、屋面。</textarea>"))
            let (corrected, _, _) = try await edit([
                ("title", "改造方案公示（修订）"), ("body", "改造内容：外墙、管网、屋面。"),
                ("starts_on", today.description), ("ends_on", today.adding(days: 7).description),
            ])
            #expect(corrected == .seeOther)
            // A read-only account is refused outright, even with a form that would not pass.
            let viewer = try await client.session("viewer")
            let (refused, _, _) = try await PageTests.postForm(
                client, posted + "/edit", cookie: viewer.cookie,
                RefusedFormTests.urlencoded([("_csrf", viewer.csrf), ("title", "")]))
            #expect(refused == .forbidden)
            let (status, _, headers) = try await PageTests.postForm(
                client, posted + "/publish", cookie: office.cookie,
                RefusedFormTests.urlencoded([("_csrf", office.csrf)]))
            #expect(status == .seeOther)
            let (_, published, _) = try await PageTests.page(client, headers[.location] ?? "", cookie: office.cookie)
            #expect(published.contains("已发布到小区公开页面。") && !published.contains("/publish\""))
            let page = try await publicPage()
            #expect(page.contains("改造方案公示") && page.contains("附件：方案.pdf</a>") && !page.contains("附件 #"))
            #expect(page.contains("改造方案公示（修订）") && page.contains("改造内容：外墙、管网、屋面。"))
        }
    }

    /// A questionnaire kept as a draft says so, is published from its page, and ends early only once ticked.
    @Test func aDraftQuestionnaireIsPublishedAndEndedFromItsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let token = try await client.token("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let today = ParticipationTests.today
            let created = try await client.call(
                .post, "/api/v1/questionnaires", token: token,
                body:
                    #"{"compound_id":\#(compound),"kind":"satisfaction","title":"草稿征询","opens_on":"\#(today)","closes_on":"\#(today.adding(days: 5))","questions":[{"type":"rating","text":"满意吗"}]}"#
            )
            let id = try #require(created.json["id"]?.intValue)
            let (_, draft, _) = try await PageTests.page(client, "/questionnaires/\(id)", cookie: office.cookie)
            #expect(draft.contains("草稿：居民还看不到。"))
            #expect(
                !draft.contains("/public/questionnaires/\(id)\"") && !draft.contains("/poster\""),
                "no link to a missing page")
            func post(_ path: String, _ fields: [(String, String)]) async throws -> (
                HTTPResponse.Status, String, String
            ) {
                let (status, body, headers) = try await PageTests.postForm(
                    client, "/questionnaires/\(id)/\(path)", cookie: office.cookie,
                    RefusedFormTests.urlencoded([("_csrf", office.csrf)] + fields))
                return (status, body, headers[.location] ?? "")
            }
            let (published, _, next) = try await post("publish", [])
            #expect(published == .seeOther)
            let (_, open, _) = try await PageTests.page(client, next, cookie: office.cookie)
            #expect(open.contains("已发布，居民现在可以看到这份征询。") && open.contains("征询中：\(today) 至"))
            let viewer = try await client.session("viewer")
            let (notTheirs, _, _) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/close", cookie: viewer.cookie,
                RefusedFormTests.urlencoded([("_csrf", viewer.csrf)]))
            #expect(notTheirs == .forbidden, "a read-only account is refused, not asked to tick")
            let (unticked, again, _) = try await post("close", [])
            #expect(unticked == .unprocessableContent && again.contains("请先勾选确认，再结束征询。"))
            #expect(
                try await client.call(.get, "/api/v1/questionnaires/\(id)", token: token).json["state"]?.stringValue
                    == "published")
            let (closed, _, _) = try await post("close", [("confirm", "1")])
            #expect(closed == .seeOther)
            // Ended early, its period ends today, and a rating nobody gave reads as no answers, not a mean of 0.
            let ended = try await client.execute(uri: "/public/questionnaires/\(id)", method: .get) {
                String(buffer: $0.body)
            }
            #expect(ended.contains("\(today) – \(today)") && ended.contains("暂无回答。") && !ended.contains("平均分 0.0"))
            #expect(
                try await client.call(.get, "/api/v1/questionnaires/\(id)", token: token).json["state"]?.stringValue
                    == "closed")
        }
    }

    /// A questionnaire published to open later is listed as 待开始, not in words that fit one already over.
    @Test func aQuestionnairePublishedToOpenLaterIsListedAsNotYetOpen() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, _, _, _) = try await ParticipationTests.stewardCompound(client, services, token: steward)
            let created = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"下月开始的征询","opens_on":"\#(ParticipationTests.today.adding(days: 3))","closes_on":"\#(ParticipationTests.today.adding(days: 9))",
                     "questions":[{"text":"是否同意？","type":"single","options":["同意","不同意"]}]}
                    """#)
            let id = try #require(created.json["id"]?.intValue)
            #expect(try await client.call(.post, "/api/v1/questionnaires/\(id)/publish", token: office).status == .ok)
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/participation", cookie: cookie).1
            let row = try #require(page.firstMatch(of: /下月开始的征询.*?<\/tr>/))
            #expect(row.0.contains("待开始") && !row.0.contains("未在征询期"), "\(row.0)")
        }
    }

    /// A clerk posts a notice with its scanned document on the page; it is on the public page at once, the document with it.
    @Test func aClerkPostsANoticeWithItsDocument() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system)
                .items[1].id
            let today = ParticipationTests.today
            // Refused (it ends before it starts), the page says the document chosen must be chosen again.
            let backwards = try await client.execute(
                uri: "/notices", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=nb-1"],
                body: Self.noticeForm(office.csrf, compound, ends: today.adding(days: -1))
            ) { r in (r.status, String(buffer: r.body)) }
            let said = backwards.1.components(separatedBy: "<main").last ?? ""
            #expect(backwards.0 == .unprocessableContent && said.contains("所选的照片或文件没有保存"))
            let posted = try await client.execute(
                uri: "/notices", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=nb-1"],
                body: Self.noticeForm(office.csrf, compound, ends: today.adding(days: 7))
            ) { r in (r.status, r.headers[.location] ?? "") }
            #expect(posted.0 == .seeOther && posted.1.hasPrefix("/notices/"))
            let page = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                String(buffer: $0.body)
            }
            #expect(page.contains("改造方案公示"))
            guard let r = page.range(of: "/public/attachments/") else {
                Issue.record("no public document")
                return
            }
            let attachment = String(page[r.upperBound...].prefix { $0.isNumber })
            let file = try await client.execute(uri: "/public/attachments/\(attachment)", method: .get) { r in
                (r.status, Array(r.body.readableBytesView), r.headers[.contentDisposition] ?? "")
            }
            #expect(file.0 == .ok && file.1 == ProjectTests.pdf)
            // Saved, it keeps its name, not its number.
            #expect(file.2.contains("filename*=UTF-8''%E6%96%B9%E6%A1%88.pdf"), "\(file.2)")
            // A resident objects on the public page; the clerk answers on the notice's page.
            let noticeId = String(posted.1.dropFirst("/notices/".count))
            let objected = try await client.execute(
                uri: "/public/notices/\(noticeId)/objections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "compound_id=\(compound)&text=%E5%A4%AA%E5%90%B5")
            ) { ($0.status, $0.headers[.location] ?? "") }
            // Received, the resident is sent to a page with the code to look the answer up by (a reload there sends
            // nothing), and a way back to the notice's own compound whatever compound the form named.
            #expect(objected.0 == .seeOther && objected.1.hasPrefix("/public/reports/track?code=Y-"), "\(objected)")
            let code = try #require(objected.1.firstMatch(of: /code=(Y-[^&]+)/)).1
            let back = try await client.execute(uri: objected.1, method: .get) { String(buffer: $0.body) }
            #expect(back.contains("已收到您的异议，谢谢！查询码是 \(TrackingCode.shown(String(code)))"))
            #expect(
                back.contains("待答复（公示至") && back.contains("太吵")
                    && back.contains(#"href="/public/compounds/\#(compound)""#))
            // Its day never breaks across lines on a phone.
            #expect(back.contains("公示至 \(today.adding(days: 7).nonBreaking)"))
            // A notice that is not there answers with the page that says so, not with an API's words.
            let (missingStatus, missingType) = try await client.execute(
                uri: "/public/notices/99999999/objections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "compound_id=\(compound)&text=%E5%A4%AA%E5%90%B5")
            ) { ($0.status, $0.headers[.contentType] ?? "") }
            #expect(missingStatus == .notFound && missingType.hasPrefix("text/html"), "\(missingType)")
            let elsewhere = try await client.execute(
                uri: "/public/notices/\(noticeId)/objections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "compound_id=99999999&text=%E5%A4%AA%E5%90%B5%E4%BA%86")
            ) { $0.headers[.location] ?? "" }
            let other = try await client.execute(uri: elsewhere, method: .get) { String(buffer: $0.body) }
            #expect(other.contains(#"href="/public/compounds/\#(compound)""#) && !other.contains("99999999"))
            let staffPage = try await client.execute(
                uri: "/notices/\(noticeId)", method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            guard let m = staffPage.range(of: "/objections/"),
                let objection = Int(staffPage[m.upperBound...].prefix { $0.isNumber })
            else {
                Issue.record("no reply form")
                return
            }
            let replied = try await client.execute(
                uri: "/notices/\(noticeId)/objections/\(objection)/reply", method: .post,
                headers: [.cookie: office.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(
                    string: "_csrf=\(office.csrf)&reply=%E5%B7%B2%E8%B0%83%E6%95%B4%E6%96%BD%E5%B7%A5%E6%97%B6%E9%97%B4"
                )
            ) { ($0.status, $0.headers[.location] ?? "") }
            // The resident left no phone: the clerk is not told to ring them.
            #expect(replied == (.seeOther, "/notices/\(noticeId)?saved=replied_code#objection-\(objection)"))
            let shown = try await client.execute(
                uri: replied.1, method: .get, headers: [.cookie: office.cookie]
            ) { String(buffer: $0.body) }
            #expect(shown.contains("答复已保存。这位居民没有留电话") && shown.contains("已调整施工时间"))
            // A second clerk, whose page was read before that answer, is refused rather than replacing it unread.
            let late = try await client.execute(
                uri: "/notices/\(noticeId)/objections/\(objection)/reply", method: .post,
                headers: [.cookie: office.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(office.csrf)&reply_version=0&reply=%E4%B8%8D%E6%94%B9")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(late.0 == .conflict && late.1.contains("这条异议刚刚由其他工作人员答复过"), "\(late.1.prefix(300))")
            // The notice comes back with the answer now given and the late clerk's words kept in the open box.
            #expect(
                late.1.contains("已调整施工时间") && late.1.contains(">不改</textarea>") && late.1.contains("<details open>"))
            #expect(
                !(try await client.execute(uri: replied.1, method: .get, headers: [.cookie: office.cookie]) {
                    String(buffer: $0.body)
                }.contains(">不改</textarea>")))
            #expect(shown.contains(#"name="reply_version" value="1""#), "the count read goes back with a change")
            // Staff see the objector's code, to find the objection when a resident phones with it.
            #expect(shown.contains("<span class=\"nobreak\">查询码：\(TrackingCode.shown(String(code)))</span>"))
            // Answered, the reply reads as the answer and changing it is asked for, with the reply in the box.
            let item = try #require(
                shown.firstMatch(of: try Regex(#"<li id="objection-\#(objection)">.*?</li>"#).dotMatchesNewlines()).map
                {
                    String(shown[$0.range])
                })
            #expect(item.contains("<summary>修改答复</summary>") && item.contains(">已调整施工时间</textarea>"), "\(item)")
            // The resident, without an account or a phone given, reads the answer by the code, typed by hand.
            let typed = code.replacingOccurrences(of: "-", with: " ").lowercased()
            let answer = try await client.execute(
                uri:
                    "/public/reports/track?code=\(typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                method: .get
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(answer.0 == .ok && answer.1.contains("已答复") && answer.1.contains("已调整施工时间"))
            #expect(!answer.1.contains("已收到您的异议"), "thanked only when just sent")
            // A project's evidence is not public: only what a published notice shows is.
            #expect(try await client.execute(uri: "/public/attachments/1", method: .get) { $0.status } == .notFound)
        }
    }
}

@Suite struct QuestionnaireFormTests {
    /// The community worker starts a questionnaire from the page: filled slots become questions, empty ones are skipped.
    @Test func aQuestionnaireIsStartedFromThePage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let community = try await client.session("community")
            let me = try await client.call(.get, "/api/v1/auth/me", token: try await client.token("steward"))
            let compound = me.json["scope"]!.stringValue!.split(separator: ":")[1]
            let today = ParticipationTests.today
            func post(_ extra: String) async throws -> (HTTPResponse.Status, String, String) {
                try await client.execute(
                    uri: "/questionnaires", method: .post,
                    headers: [.cookie: community.cookie, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(
                        string:
                            "_csrf=\(community.csrf)&compound_id=\(compound)&kind=consultation&title=%E6%94%B9%E9%80%A0%E6%84%8F%E8%A7%81&opens_on=\(today)&closes_on=\(today.adding(days: 7))&publish=1&\(extra)"
                    )
                ) { r in
                    (r.status, r.headers[.location] ?? "", String(buffer: r.body))
                }
            }
            let bad = try await post("q0_text=%E6%94%B9%E4%BB%80%E4%B9%88&q0_type=single&q0_options=%E7%AE%A1%E7%BD%91")
            #expect(bad.0 == .unprocessableContent && bad.2.contains("须有 2 至 20 个互不相同的选项"))
            #expect(
                bad.2.components(separatedBy: "aria-invalid").count == 2
                    && bad.2.contains(#"name="q0_options" rows="3" aria-invalid="true""#),
                "the head was typed right; only the question's options are marked")
            let noTitle = try await post("title=&q0_text=%E6%94%B9%E4%BB%80%E4%B9%88&q0_type=text")
            #expect(noTitle.0 == .unprocessableContent)
            #expect(noTitle.2.contains(#"name="title" required maxlength="200" value="" aria-invalid="true""#))
            // The refused form is shown again whole, beneath the reason.
            #expect(
                bad.2.contains("name=\"q5_options\"") && bad.2.contains("name=\"_csrf\" value=\"\(community.csrf)\""))
            let made = try await post(
                "q0_text=%E6%94%B9%E4%BB%80%E4%B9%88&q0_type=single&q0_options=%E7%AE%A1%E7%BD%91%0D%0A%E5%A4%96%E5%A2%99&q1_text=%E6%BB%A1%E6%84%8F%E5%BA%A6&q1_type=rating&q1_options=&q2_text=&q2_type=text"
            )
            #expect(made.0 == .seeOther && made.1.hasPrefix("/questionnaires/"))
            let id = made.1.dropFirst("/questionnaires/".count)
            let q = try await client.call(.get, "/api/v1/questionnaires/\(id)", token: try await client.token("office"))
            #expect(q.json["accepting"] == .bool(true))
            let questions = q.json["questions"]?.arrayItemsForTests ?? []
            #expect(
                questions.count == 2
                    && questions[0]["options"]?.arrayItemsForTests.compactMap(\.stringValue) == ["管网", "外墙"])
            #expect(questions[1]["type"]?.stringValue == "rating")
        }
    }
}

@Suite struct RefusedFormTests {
    static func urlencoded(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(
            separator: "&")
    }

    /// A questionnaire refused for several mistakes names them all, and comes back open with what was typed: the
    /// compound chosen (not the first in the list), the title, the dates and each question; nothing is created.
    @Test func aRefusedQuestionnaireKeepsWhatWasTypedAndItsCompound() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system)
                .items[1].id
            let before = try await services.database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM questionnaires").first(decoding: Count.self)?.n
            }
            let (status, page, _) = try await PageTests.postForm(
                client, "/questionnaires", cookie: office.cookie,
                Self.urlencoded([
                    ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "satisfaction"),
                    ("title", "外墙改造满意度"), ("opens_on", "2026-12-10"), ("closes_on", "2026-12-01"),
                    ("q0_text", "您对外墙是否满意"), ("q0_type", "single"), ("q0_options", ""),
                ]))
            #expect(status == .unprocessableContent)
            #expect(page.contains(#"role="alert""#))
            #expect(page.contains("截止日期早于开始日期。\n"), "the period named in the form's words")
            #expect(page.contains("第 1 题须有 2 至 20 个互不相同的选项。"), "and the question without options")
            #expect(page.contains(#"<option value="\#(compound)" selected>"#))
            #expect(page.contains(#"<option value="satisfaction" selected>"#))
            #expect(page.contains(#"value="外墙改造满意度""#) && page.contains(#"value="您对外墙是否满意""#))
            #expect(page.contains(#"value="2026-12-10""#) && page.contains(#"value="2026-12-01""#))
            #expect(page.contains(#"<option value="single" selected>"#))
            #expect(page.contains("<details open>"))
            #expect(!page.contains(#"name="publish" value="1" checked"#), "left unticked as it was")
            // A title that is too long is said to be too long, not missing.
            let (longStatus, longPage, _) = try await PageTests.postForm(
                client, "/questionnaires", cookie: office.cookie,
                Self.urlencoded([
                    ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "satisfaction"),
                    ("title", String(repeating: "改", count: 201)), ("opens_on", "2026-12-10"),
                    ("closes_on", "2026-12-20"), ("q0_text", "您是否满意"), ("q0_type", "rating"),
                ]))
            #expect(longStatus == .unprocessableContent && longPage.contains("标题最多 200 个字"))
            #expect(!longPage.contains("请填写标题"))
            let after = try await services.database.withConnection {
                try await $0.raw("SELECT COUNT(*) AS n FROM questionnaires").first(decoding: Count.self)?.n
            }
            #expect(after == before)
        }
    }

    /// Each question is told and marked by the number its slot shows, also when a slot above it was left empty, and
    /// options typed under no question are not dropped silently. Before, the second slot's problem was said as the
    /// first question's, and nothing was marked.
    @Test func aRefusedQuestionIsNamedAndMarkedByItsSlot() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let (status, page, _) = try await PageTests.postForm(
                client, "/questionnaires", cookie: office.cookie,
                Self.urlencoded([
                    ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "consultation"),
                    ("title", "加装电梯意见"), ("opens_on", "2026-12-10"), ("closes_on", "2026-12-20"),
                    ("q0_text", ""), ("q0_type", "single"), ("q1_text", "您是否同意加装电梯"), ("q1_type", "single"),
                    ("q1_options", "同意"), ("q2_text", ""), ("q2_type", "single"), ("q2_options", "一楼\n二楼"),
                    ("q3_text", "您住几楼"), ("q3_type", "text"),
                ]))
            #expect(status == .unprocessableContent)
            #expect(page.contains("第 2 题须有 2 至 20 个互不相同的选项。") && !page.contains("第 1 题"))
            #expect(page.contains("第 3 题的题目不能为空"), "options typed under no question")
            #expect(page.contains(#"name="q1_options" rows="3" aria-invalid="true""#))
            #expect(page.contains(#"name="q2_text" maxlength="300" value="" aria-invalid="true""#))
            #expect(!page.contains(#"name="q0_text" maxlength="300" value="" aria-invalid"#), "an empty slot is fine")
            #expect(!page.contains(#"value="您住几楼" aria-invalid"#))
            #expect(page.contains("一楼\n二楼"), "what was typed is kept")
            let (none, nonePage, _) = try await PageTests.postForm(
                client, "/questionnaires", cookie: office.cookie,
                Self.urlencoded([
                    ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "consultation"),
                    ("title", "加装电梯意见"), ("opens_on", "2026-12-10"), ("closes_on", "2026-12-20"),
                ]))
            #expect(none == .unprocessableContent && nonePage.contains("问卷须有 1 至 50 道题"))
            #expect(nonePage.contains(#"name="q0_text" maxlength="300" value="" aria-invalid="true""#))
        }
    }

    /// A notice refused for an empty text and a bad date names both and keeps the title and the compound chosen.
    @Test func aRefusedNoticeKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system)
                .items[1].id
            let boundary = "nb-2"
            var body = ByteBuffer()
            for (k, v) in [
                ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "plan"), ("title", "管网改造公示"),
                ("body", " "), ("starts_on", "2026-02-30"), ("ends_on", "2026-03-07"), ("publish", "1"),
            ] {
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
            }
            body.writeString("--\(boundary)--\r\n")
            let (status, page) = try await client.execute(
                uri: "/notices", method: .post,
                headers: [.cookie: office.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: body
            ) { r in (r.status, String(buffer: r.body)) }
            #expect(status == .unprocessableContent)
            #expect(page.contains("请填写公示内容。\n公示开始：日期无效"), "which date is wrong")
            // The body and the start are marked where they stand; the end and the title, typed right, are not.
            #expect(page.contains(#"<textarea name="body" rows="5" required aria-invalid="true">"#))
            #expect(page.contains(#"name="starts_on" type="date" value="2026-02-30" required aria-invalid="true""#))
            #expect(page.contains(#"value="2026-03-07" required>"#) && !page.contains(#"value="管网改造公示" aria-invalid"#))
            #expect(page.contains(#"<option value="\#(compound)" selected>"#))
            #expect(page.contains(#"value="管网改造公示""#) && page.contains(#"value="2026-03-07""#))
            #expect(page.contains(#"name="publish" value="1" checked"#))
        }
    }

    /// A new event refused for several mistakes names them all and keeps every field typed and the place chosen.
    @Test func aRefusedEventKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 2), actor: .system)
                .items[1].id
            let (status, page, _) = try await PageTests.postForm(
                client, "/events", cookie: office.cookie,
                Self.urlencoded([
                    ("_csrf", office.csrf), ("title", "义诊"), ("kind", "culture"), ("place_ref", "compound:\(compound)"),
                    ("starts_at", "\(EventTests.day)T10:00"), ("ends_at", "\(EventTests.day)T09:00"), ("place", ""),
                    ("capacity", "99999999999999999999"), ("signup", "residents"), ("organisers", "王芳、李强"),
                ]))
            #expect(status == .unprocessableContent)
            #expect(page.contains("结束时间要晚于开始时间\n请填写活动地点\n名额为 1 到 100000 人"), "a number too large said so")
            #expect(page.contains(#"<option value="compound:\#(compound)" selected>"#))
            #expect(page.contains(#"value="义诊""#) && page.contains(#"value="\#(EventTests.day)T10:00""#))
            #expect(page.contains(#"value="99999999999999999999""#) && page.contains(#"value="王芳、李强""#))
            #expect(page.contains(#"<option value="residents" selected>"#))
            #expect(page.contains(#"role="alert""#))
        }
    }
}

private struct Count: Decodable { let n: Int }

extension NoticePageTests {
    /// A building's steward enters paper answers for the homes of that building only: the form lists no others.
    @Test func aBuildingsStewardIsOfferedOnlyItsBuildingsHomesOnPaper() async throws {
        try await TestApp.with(demo: true) { client, services in
            let steward = try await client.token("louzhang2")
            let me = try await client.call(.get, "/api/v1/auth/me", token: steward)
            let scope = try #require(me.json["scope"]?.stringValue).split(separator: ":")
            #expect(scope.first == "building")
            let building = try #require(Int64(scope.last ?? ""))
            let compound = try await SelectionTests.ints(
                services, "SELECT compound_id AS id FROM buildings WHERE id = \(bind: building)")[0]
            let office = try await client.token("office")
            let today = ParticipationTests.today
            let created = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body:
                    #"{"compound_id":\#(compound),"kind":"satisfaction","title":"楼内满意度","opens_on":"\#(today)","closes_on":"\#(today.adding(days: 5))","questions":[{"type":"rating","text":"满意吗"}]}"#
            )
            let id = try #require(created.json["id"]?.intValue)
            _ = try await client.call(.post, "/api/v1/questionnaires/\(id)/publish", token: office)
            let (cookie, _) = try await client.session("louzhang2")
            let (_, page, _) = try await PageTests.page(client, "/questionnaires/\(id)", cookie: cookie)
            let offered = page.matches(of: /<option value="(\d+)"/).compactMap { Int64($0.1) }
            let mine = Set(
                try await SelectionTests.ints(
                    services, "SELECT id FROM households WHERE building_id = \(bind: building)"))
            let all = try await SelectionTests.ints(
                services, "SELECT id FROM households WHERE compound_id = \(bind: compound)")
            #expect(!offered.isEmpty && Set(offered) == mine && all.count > mine.count)
            // Its home counts the building it looks after, not the whole compound.
            let (_, home, _) = try await PageTests.page(client, "/", cookie: cookie)
            #expect(home.contains("1 栋楼 · ") && home.contains(" · \(mine.count) 户"))
        }
    }
}
