import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// A paper questionnaire entered wrongly (the wrong room, a box misread) is voided with its reason and the paper
/// entered again; the results count only live responses.
@Suite struct QuestionnaireVoidTests {
    /// A published questionnaire in the steward's compound, with one question, and two of its households.
    static func published(_ client: any TestClientProtocol, _ services: Services) async throws -> (
        qid: Int64, household: Int64, other: Int64
    ) {
        let office = try await client.token("office")
        let steward = try await client.token("steward")
        let (compound, household, _, other) = try await ParticipationTests.stewardCompound(
            client, services, token: steward)
        let qid = try await ParticipationTests.publishedQuestionnaire(
            client, token: office, compound: compound, title: "加装电梯意愿", question: "是否同意加装电梯？")
        return (qid, household, other)
    }

    /// A paper response answering the one question with its first option.
    static func enter(
        _ client: any TestClientProtocol, _ qid: Int64, household: Int64, paper: String, token: String
    ) async throws -> (status: HTTPResponse.Status, json: JSONValue, headers: HTTPFields, text: String) {
        try await client.call(
            .post, "/api/v1/questionnaires/\(qid)/responses", token: token,
            body: #"{"household_id":\#(household),"paper_number":"\#(paper)","answers":[0]}"#)
    }

    /// A number already used is said with the home it was used for only to whoever may see that home: a building's
    /// steward learns nothing of another building's answers by typing numbers.
    @Test func aTakenNumberNamesTheHomeOnlyToThoseWhoSeeIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let louzhang = try await client.token("louzhang")
            let scope = try await client.call(.get, "/api/v1/auth/me", token: louzhang).json["scope"]?.stringValue
            let building = try #require(scope.flatMap { Int64($0.split(separator: ":").last ?? "") })
            let homes = try await SelectionTests.ints(
                services, "SELECT id FROM households WHERE building_id = \(bind: building) ORDER BY id")
            let compound = try #require(
                try await SelectionTests.ints(
                    services, "SELECT compound_id AS id FROM buildings WHERE id = \(bind: building)"
                ).first)
            let elsewhere = try #require(
                try await SelectionTests.ints(
                    services,
                    """
                    SELECT id FROM households WHERE compound_id = \(bind: compound) AND building_id <> \(bind: building)
                    ORDER BY id
                    """
                ).first)
            let office = try await client.token("office")
            let qid = try await ParticipationTests.publishedQuestionnaire(
                client, token: office, compound: compound, title: "加装电梯意愿", question: "是否同意加装电梯？")
            #expect(
                try await Self.enter(client, qid, household: elsewhere, paper: "L-1", token: office).status == .created)
            let mine = try await Self.enter(client, qid, household: homes[0], paper: "L-1", token: louzhang)
            #expect(mine.status == .conflict && mine.json.errorCode == "paper_entered")
            #expect(!mine.text.contains("录在"), "\(mine.text)")
            // The office, who sees every home, is told which.
            let again = try await Self.enter(client, qid, household: homes[1], paper: "L-1", token: office)
            #expect(again.text.contains("录在"), "\(again.text)")
            // On the page, a home of another building (not offered, posted anyway) is refused beside the home's
            // field in words of its own, and nothing is written.
            let (cookie, csrf) = try await client.session("louzhang")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let before = try await SelectionTests.count(services, "questionnaire_responses")
            let (refused, _, page) = try await browser.post(
                "/questionnaires/\(qid)/responses",
                [("household_id", String(elsewhere)), ("paper_number", "L-2"), ("q0", "0")])
            #expect(refused == .unprocessableContent)
            #expect(page.contains(#"id="paper-household-error" role="alert">这户不在本小区，或不归您负责"#), "\(page)")
            #expect(page.ranges(of: "这户不在本小区").count == 1, "said beside the home only, not again at the top")
            // A choice that is not one of the question's is refused, not kept as unanswered.
            for bad in ["abc", "99999999999999999999999"] {
                let (wrong, _, said) = try await browser.post(
                    "/questionnaires/\(qid)/responses",
                    [("household_id", String(homes[2])), ("paper_number", "L-3"), ("q0", bad)])
                #expect(wrong == .unprocessableContent && said.contains("第 1 题的回答不符合题目要求"), "\(bad)")
            }
            #expect(page.contains(#"action="/questionnaires/\#(qid)/responses#paper""#))
            #expect(try await SelectionTests.count(services, "questionnaire_responses") == before)
            // A one-answer question tapped by mistake goes back to blank: its 纸上未填 choice, kept as chosen.
            #expect(page.contains(#"<input type="radio" name="q0" value="">纸上未填"#), "offered, not chosen")
            let (_, _, blank) = try await browser.post(
                "/questionnaires/\(qid)/responses",
                [("household_id", String(elsewhere)), ("paper_number", "L-4"), ("q0", "")])
            #expect(blank.contains(#"<input type="radio" name="q0" value="" checked>纸上未填"#))
        }
    }

    @Test func aStewardVoidsTheirOwnPaperOfTodayAndEntersItAgain() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, other) = try await Self.published(client, services)
            let steward = try await client.token("steward")
            // Entered against the wrong room.
            let wrong = try await Self.enter(client, qid, household: other, paper: "A-07", token: steward)
            #expect(wrong.status == .created)
            let rid = try #require(wrong.json["id"]?.intValue)
            let listed = try await client.call(.get, "/api/v1/questionnaires/\(qid)/responses", token: steward)
            #expect(listed.json["total"]?.intValue == 1)
            #expect(listed.json["items"]?.arrayItemsForTests.first?["paper_number"]?.stringValue == "A-07")
            let path = "/api/v1/questionnaires/\(qid)/responses/\(rid)/void"
            let noReason = try await client.call(.post, path, token: steward, body: #"{"reason":"  "}"#)
            #expect(
                noReason.status == .unprocessableContent && noReason.json["error"]?["field"]?.stringValue == "reason")
            #expect(
                try await client.call(.post, path, token: steward, body: #"{"reason":"选错了房号"}"#).status == .noContent)
            // Voided twice is not there any more; the results no longer count it.
            #expect(try await client.call(.post, path, token: steward, body: #"{"reason":"再来"}"#).status == .notFound)
            let office = try await client.token("office")
            let results = try await client.call(.get, "/api/v1/questionnaires/\(qid)/results", token: office)
            #expect(results.json["responses"]?.intValue == 0, "\(results.text)")
            // The same paper, entered again against the right room: its number and the household are free.
            let again = try await Self.enter(client, qid, household: household, paper: "A-07", token: steward)
            #expect(again.status == .created)
            let audit = try await client.call(.get, "/api/v1/audit?entity=questionnaires", token: office)
            let voiding = audit.json.items.first { $0["action"]?.stringValue == "void_response" }
            // Which paper, for which home, and why: the audit page names them.
            let after = voiding?["after"]?.stringValue.flatMap { JSONValue.parse($0) }
            #expect(after?["paper_number"]?.stringValue == "A-07" && after?["reason"]?.stringValue == "选错了房号")
            #expect(after?["household"]?.stringValue?.hasSuffix("-") == false)
        }
    }

    /// Only the office voids a paper someone else entered, or one entered on an earlier day; an online answer is
    /// never voided; once closed, the responses stand.
    @Test func whoMayVoidWhichResponse() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, other) = try await Self.published(client, services)
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let byOffice = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses", token: office,
                body: #"{"household_id":\#(other),"paper_number":"B-01","answers":[1]}"#)
            let officeRid = try #require(byOffice.json["id"]?.intValue)
            // The steward's list holds only what they entered today: not the office's paper.
            let mine = try await client.call(.get, "/api/v1/questionnaires/\(qid)/responses", token: steward)
            #expect(mine.json["total"]?.intValue == 0)
            let notYours = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses/\(officeRid)/void", token: steward,
                body: #"{"reason":"不是我录的"}"#)
            #expect(notYours.status == .conflict && notYours.json.errorCode == "response_not_yours")
            let bySteward = try await Self.enter(client, qid, household: household, paper: "B-02", token: steward)
            let stewardRid = try #require(bySteward.json["id"]?.intValue)
            // Entered yesterday: past the day its enterer may mend it.
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE questionnaire_responses SET at = '2020-01-01T02:00:00Z' WHERE id = \(bind: stewardRid)"
                ).run()
            }
            let late = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses/\(stewardRid)/void", token: steward,
                body: #"{"reason":"录错"}"#)
            #expect(late.status == .conflict && late.json.errorCode == "response_past_day")
            // The office finds it by its number in any case, and by its home written short (1-1-101).
            let found = try await client.call(
                .get, "/api/v1/questionnaires/\(qid)/responses?find=b-02", token: office)
            #expect(found.json["total"]?.intValue == 2 && found.json["items"]?.arrayCount == 1)
            let label = try #require(found.json["items"]?.arrayItemsForTests.first?["household"]?.stringValue)
            let short = label.replacingOccurrences(of: "号楼", with: "").replacingOccurrences(of: "单元", with: "")
            #expect(short != label, "\(label)")
            let byHome = try await client.call(
                .get,
                "/api/v1/questionnaires/\(qid)/responses?find=\(short.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-"]))!)",
                token: office)
            #expect(byHome.json["items"]?.arrayItemsForTests.map { $0["paper_number"]?.stringValue } == ["B-02"])
            #expect(
                try await client.call(
                    .post, "/api/v1/questionnaires/\(qid)/responses/\(stewardRid)/void", token: office,
                    body: #"{"reason":"核对纸质问卷，房号录错"}"#
                ).status == .noContent)
            // Closed, the rest stand.
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/close", token: office)
            let closed = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses/\(officeRid)/void", token: office,
                body: #"{"reason":"太晚了"}"#)
            #expect(closed.status == .conflict && closed.json.errorCode == "not_open")
            let viewer = try await client.token("viewer")
            #expect(
                try await client.call(.get, "/api/v1/questionnaires/\(qid)/responses", token: viewer).status
                    == .forbidden)
        }
    }

    /// The audit page names the paper voided (its number, its home, why) and says a questionnaire was published,
    /// not the day's words for one not yet open.
    @Test func theAuditPageNamesThePaperAndThePublishing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, _) = try await Self.published(client, services)
            let office = try await client.token("office")
            let entered = try await Self.enter(client, qid, household: household, paper: "审-01", token: office)
            let rid = try #require(entered.json["id"]?.intValue)
            _ = try await client.call(
                .post, "/api/v1/questionnaires/\(qid)/responses/\(rid)/void", token: office,
                body: #"{"reason":"核对后发现房号录错"}"#)
            let (cookie, _) = try await client.session("office")
            let page = try await PageTests.page(client, "/audit", cookie: cookie).1
            #expect(page.contains("作废纸质问卷") && page.contains("纸质编号：") && page.contains("审-01"))
            #expect(page.contains("核对后发现房号录错") && page.contains("草稿 → 已发布") && !page.contains("未在征询期"))
        }
    }

    /// Two people voiding the same paper at once: it is voided once, logged once, and the other is told it is gone.
    @Test func aPaperVoidedTwiceAtOnceIsVoidedOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, _) = try await Self.published(client, services)
            let office = try await client.token("office")
            let entered = try await Self.enter(client, qid, household: household, paper: "并-01", token: office)
            let rid = try #require(entered.json["id"]?.intValue)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/questionnaires/\(qid)/responses/\(rid)/void", token: office,
                            body: #"{"reason":"重复录入 \#(i)"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .noContent }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { [.noContent, .notFound, .conflict].contains($0) }, "\(statuses)")
            let audit = try await client.call(.get, "/api/v1/audit?entity=questionnaires", token: office)
            #expect(audit.json.items.filter { $0["action"]?.stringValue == "void_response" }.count == 1)
        }
    }

    /// Past thirty papers, the page lists the newest thirty and says the others are found by searching.
    @Test func theOfficeIsHandedTheNewestThirtyPapers() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, _) = try await Self.published(client, services)
            let homes = try await SelectionTests.ints(
                services,
                """
                SELECT h.id AS id FROM households h WHERE h.compound_id =
                  (SELECT compound_id FROM households WHERE id = \(bind: household)) ORDER BY h.id
                """)
            try #require(homes.count > 31)
            let repo = QuestionnaireRepository(database: services.database)
            for (k, home) in homes.prefix(31).enumerated() {
                _ = try await repo.enterPaper(
                    id: qid, householdId: home, paperNumber: "多-\(k)", answers: [.int(0)], actor: .system)
            }
            let office = try await CoordinationPageTests.office(client)
            let (_, page) = try await office.get("/questionnaires/\(qid)")
            #expect(page.contains("共 31 份纸质问卷，列出最近录入的 30 份"))
            #expect(page.components(separatedBy: "/void\"").count == 31 && !page.contains(">多-0<"))
        }
    }

    /// On the page: the steward's own paper of today is listed with a void form; a void without a reason is refused
    /// beside it, with the form open; voided, the page says the paper may be entered again.
    @Test func theQuestionnairePageListsAndVoidsPapers() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (qid, household, other) = try await Self.published(client, services)
            let steward = try await client.token("steward")
            let entered = try await Self.enter(client, qid, household: other, paper: "C-11", token: steward)
            let rid = try #require(entered.json["id"]?.intValue)
            let (cookie, csrf) = try await client.session("steward")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, page) = try await browser.get("/questionnaires/\(qid)")
            let action = "/questionnaires/\(qid)/responses/\(rid)/void"
            #expect(page.contains("您今天录入的纸质问卷") && page.contains("C-11") && page.contains(action))
            // Each paper is read back with its answers, to check against the paper before the day ends.
            #expect(page.contains(#"data-label="录入的答案">1. 同意</td>"#))
            // The homes not yet answered are offered by building, each written as the ballot form writes it.
            let group = try #require(page.firstMatch(of: /<optgroup label="([^"]+)"><option value="\d+">([^<]+)</))
            #expect(group.output.2.hasPrefix("\(group.output.1)-") && group.output.2.contains("单元-"))
            let (refused, _, again) = try await browser.post(action, [("reason", " ")])
            #expect(refused == .unprocessableContent)
            #expect(again.contains(#"id="response-void-error" role="alert">请填写原因"#))
            let (voided, next, _) = try await browser.post(action, [("reason", "选错了房号")])
            #expect(voided == .seeOther && next == "/questionnaires/\(qid)?voided=\(rid)#entered")
            let (_, after) = try await browser.get("/questionnaires/\(qid)?voided=\(rid)")
            // Said where the void leads (the list), not at the top of a long page.
            #expect(
                after.contains(
                    #"<h2 id="entered">您今天录入的纸质问卷</h2><p class="note ok" role="status">编号 C-11 的问卷（"#)
                    && after.contains("）已作废，可以重新录入。"))
            #expect(!after.contains(action))
            // A paper refused (its number is taken) keeps the list below the form, to look up who holds the number.
            let again2 = try await Self.enter(client, qid, household: other, paper: "C-12", token: steward)
            #expect(again2.status == .created)
            let (taken, _, takenPage) = try await browser.post(
                "/questionnaires/\(qid)/responses",
                [("household_id", String(household)), ("paper_number", "C-12"), ("q0", "0")])
            #expect(taken == .conflict)
            #expect(takenPage.contains("您今天录入的纸质问卷") && takenPage.contains("C-12"))
            // The refusal names the home the number was entered for.
            let otherHome = try #require(
                try await services.database.withConnection { db in
                    try await db.raw(
                        """
                        SELECT b.name || '-' || e.name || '-' || h.room AS home FROM households h
                        JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
                        WHERE h.id = \(bind: other)
                        """
                    ).first()?.text("home")
                })
            #expect(takenPage.contains("这个纸质问卷编号已经录入过了：录在 \(otherHome)，请核对编号。"))
            // Marked beside the number, whatever its case.
            let (lower, _, lowerPage) = try await browser.post(
                "/questionnaires/\(qid)/responses",
                [("household_id", String(household)), ("paper_number", "c-12"), ("q0", "0")])
            #expect(lower == .conflict)
            #expect(
                lowerPage.contains(#"value="c-12" aria-describedby="paper-number-hint" autofocus aria-invalid="true""#))
            // A search typed with a space (sent as "+") still finds the paper.
            let (_, spaced) = try await browser.get("/questionnaires/\(qid)?response=C-12+")
            #expect(spaced.contains("共 1 份纸质问卷，找到 1 份。"))
            // Searched for the voided paper, the list says none is found among the live ones, and leads back to all.
            let (_, searched) = try await browser.get("/questionnaires/\(qid)?response=C-11")
            #expect(searched.contains("共 1 份纸质问卷，找到 0 份。") && searched.contains(">显示全部</a>"))
        }
    }
}
