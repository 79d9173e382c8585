import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// A form sent twice (a double tap on a slow phone, a reload that sends again) is saved once, and the second
/// sending comes back where the first led, not to a refusal of the first's own record.
@Suite struct FormSentTwiceTests {
    /// Two forms that differ only in how their values fall under names never share a key.
    @Test func aKeyTellsApartValuesUnderOneNameFromValuesUnderTwo() {
        let one = SentForm.digest(sender: "a", path: "/p", fields: ["q0": ["5", "q1", "4"]], files: [])
        let two = SentForm.digest(sender: "a", path: "/p", fields: ["q0": ["5"], "q1": ["4"]], files: [])
        #expect(one != two)
    }

    /// The one-time value a drawn page put in its forms.
    static func once(_ page: String) throws -> String {
        try #require(
            page.firstMatch(of: try Regex(#"name="_once" value="([^"]+)""#))?.output[1].substring.map(String.init))
    }

    @Test func aPaperBallotTappedTwiceIsEnteredOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let worker = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let vote = try await VoteBallotPageTests.openVote(services)
            let (_, page) = try await worker.get("/votes/\(vote)")
            let homes = try VoteBallotPageTests.households(page)
            try #require(homes.count >= 2)
            let once = try Self.once(page)
            let before = try await CoordinationTests.count(services, "ballots")
            let ballot = [
                ("_once", once), ("household_id", homes[0]), ("choice", "approve"), ("paper_number", "纸-7001"),
            ]
            async let first = worker.post("/votes/\(vote)/ballots", ballot)
            async let second = worker.post("/votes/\(vote)/ballots", ballot)
            let answers = try await [first, second]
            // Both sendings come back to the saved message (before, the second said "this household has voted").
            #expect(answers.map(\.0) == [.seeOther, .seeOther])
            #expect(answers[0].1 == answers[1].1 && answers[0].1.contains("entered="))
            #expect(try await CoordinationTests.count(services, "ballots") == before + 1)
            // Sent again later (a reload): still once.
            #expect(try await worker.post("/votes/\(vote)/ballots", ballot).1 == answers[0].1)
            #expect(try await CoordinationTests.count(services, "ballots") == before + 1)

            // The same form changed (back, another household chosen) is a sending of its own.
            let next = [("_once", once), ("household_id", homes[1]), ("choice", "reject"), ("paper_number", "纸-7002")]
            #expect(try await worker.post("/votes/\(vote)/ballots", next).0 == .seeOther)
            #expect(try await CoordinationTests.count(services, "ballots") == before + 2)
            // A refused sending leaves the form free: mended and sent, it is entered.
            let (_, again) = try await worker.get("/votes/\(vote)")
            let third = try Self.once(again)
            #expect(third != once)
            let homesLeft = try VoteBallotPageTests.households(again)
            let bad = [("_once", third), ("household_id", homesLeft[0]), ("choice", ""), ("paper_number", "纸-7003")]
            #expect(try await worker.post("/votes/\(vote)/ballots", bad).0 == .unprocessableContent)
            #expect(try await worker.post("/votes/\(vote)/ballots", bad).0 == .unprocessableContent)
            let mended = [
                ("_once", third), ("household_id", homesLeft[0]), ("choice", "abstain"), ("paper_number", "纸-7003"),
            ]
            #expect(try await worker.post("/votes/\(vote)/ballots", mended).0 == .seeOther)
            #expect(try await CoordinationTests.count(services, "ballots") == before + 3)
        }
    }

    /// Every form saved through `Pages.save` (department requests here) is saved once.
    @Test func aDepartmentRequestSentTwiceIsFiledOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let token = try await client.token("office")
            let project = try #require(
                try await client.call(.get, "/api/v1/projects", token: token).json.items.first?["id"]?.intValue)
            let water = try await CoordinationTests.scopeId(client, try await client.token("water"))
            let (_, page) = try await office.get("/coordination")
            let form = [
                ("_once", try Self.once(page)), ("project_id", String(project)),
                ("department_organisation_id", String(water)), ("kind", "water_meter"), ("description", "5号楼水表移位"),
                ("needed_by", Clock.today.adding(days: 20).description),
            ]
            let before = try await CoordinationTests.count(services, "coordination_requests")
            async let first = office.post("/coordination/requests", form)
            async let second = office.post("/coordination/requests", form)
            let answers = try await [first, second]
            #expect(
                answers.map(\.0) == [.seeOther, .seeOther]
                    && answers.map(\.1) == ["/coordination?filed=1", "/coordination?filed=1"])
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before + 1)
            // Without the page's one-time value (a script, an old page) the same words just sent are refused as
            // sent already; other words are a request of their own.
            let plain = Array(form.dropFirst())
            let repeated = try await office.post("/coordination/requests", plain)
            #expect(repeated.0 == .conflict && repeated.2.contains("同样的协调事项刚刚已经提交过"))
            let other = plain.map { $0.0 == "description" ? ($0.0, "6号楼水表移位") : $0 }
            #expect(try await office.post("/coordination/requests", other).0 == .seeOther)
            #expect(try await CoordinationTests.count(services, "coordination_requests") == before + 2)
        }
    }

    /// A resident's report sent twice is filed once: both sendings lead to its page, and the second does not count
    /// against the address's limit.
    @Test func aPublicReportSentTwiceIsFiledOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let page = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                String(buffer: $0.body)
            }
            let form = [("_once", try Self.once(page)), ("category", "other"), ("description", "楼道灯不亮")]
            let uri = "/public/compounds/\(compound)/reports"
            func send(_ form: [(String, String)]) async throws -> (HTTPResponse.Status, String) {
                let body = form.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
                return try await client.execute(
                    uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: body.joined(separator: "&"))
                ) { ($0.status, $0.headers[.location] ?? "") }
            }
            let before = try await CoordinationTests.count(services, "reports")
            async let first = send(form)
            async let second = send(form)
            let answers = try await [first, second]
            #expect(answers.map(\.0) == [.seeOther, .seeOther])
            #expect(answers[0].1 == answers[1].1 && answers[0].1.hasPrefix("/public/reports/track?code=R-"))
            #expect(try await send(form).1 == answers[0].1)
            #expect(try await CoordinationTests.count(services, "reports") == before + 1)
            // Sent again with the name corrected, the one report takes the corrected name.
            let code = try #require(answers[0].1.firstMatch(of: /code=(R-[^&]+)/)).1
            for name in ["张先生", "章先生"] {
                let again = try await send(form + [("name", name)])
                #expect(again.0 == .seeOther && again.1.contains("code=\(code)&"), "\(again)")
            }
            let names = try await services.database.withConnection { db in
                try await db.raw("SELECT reporter_name FROM reports WHERE description = '楼道灯不亮'").all()
                    .map { try $0.text("reporter_name") }
            }
            #expect(names == ["章先生"])
            // Four more reports are allowed from the address: the repeats took none of its five.
            for i in 0..<4 {
                #expect(try await send([("category", "other"), ("description", "漏水 \(i)")]).0 == .seeOther)
            }
            #expect(try await send([("category", "other"), ("description", "漏水")]).0 == .tooManyRequests)
        }
    }

    /// A resident's answers tapped twice are received once, and the second sending is thanked too instead of being
    /// refused as the household's second answer.
    @Test func answersToAQuestionnaireTappedTwiceAreReceivedOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, _, phone, _) = try await ParticipationTests.stewardCompound(client, services, token: steward)
            let today = ParticipationTests.today
            let q = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"加装电梯意向","opens_on":"\#(today)",
                     "closes_on":"\#(today)","questions":[{"text":"是否同意","type":"single","options":["同意","不同意"]}]}
                    """#)
            let qid = try #require(q.json["id"]?.intValue)
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/publish", token: office)
            let page = try await client.execute(uri: "/public/questionnaires/\(qid)", method: .get) {
                String(buffer: $0.body)
            }
            let form = "_once=\(try Self.once(page))&phone=\(phone)&q0=0"
            func send() async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/questionnaires/\(qid)", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                ) { ($0.status, $0.headers[.location] ?? "") }
            }
            async let first = send()
            async let second = send()
            let answers = try await [first, second]
            let thanks = "/public/questionnaires/\(qid)?answered=1"
            #expect(answers.map(\.0) == [.seeOther, .seeOther] && answers.map(\.1) == [thanks, thanks])
            let responses = try await SelectionTests.ints(
                services, "SELECT id FROM questionnaire_responses WHERE questionnaire_id = \(bind: qid)")
            #expect(responses.count == 1)
        }
    }

    /// A sign-up tapped twice signs up once, and the second sending (the answer the person sees) shows the same
    /// code that cancels it, instead of "already signed up" with the code lost.
    @Test func aSignupTappedTwiceShowsItsCodeBothTimes() async throws {
        try await TestApp.with { client, services in
            let (token, ids) = try await EventTests.place(client)
            let id = try await EventTests.event(client, token, community: ids[1], capacity: "5")
            let page = try await client.execute(uri: "/public/events/\(id)", method: .get) { String(buffer: $0.body) }
            let form = "_once=\(try Self.once(page))&name=%E8%B5%B5%E5%A5%B6%E5%A5%B6&phone=13900000001"
            func send() async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/events/\(id)/signups", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            async let first = send()
            async let second = send()
            let answers = try await [first, second]
            let receipt = try Regex(#"取消码是 [A-Z2-9]{4}-[A-Z2-9]{4}"#)
            let receipts = answers.map { a in a.1.firstMatch(of: receipt).map { String(a.1[$0.range]) } }
            #expect(answers.allSatisfy { $0.0 == .created || $0.0 == .ok })
            #expect(receipts[0] != nil && receipts[0] == receipts[1])
            // No number of the database's is shown, and the form is not offered again under the thanks.
            #expect(answers.allSatisfy { !$0.1.contains("编号") && !$0.1.contains("/public/events/\(id)/signups\"") })
            let made = try await SelectionTests.ints(
                services, "SELECT id FROM event_signups WHERE event_id = \(bind: id)")
            #expect(made.count == 1)
            let code = try #require(receipts[1]?.suffix(9))
            // The text message carries the code too, for a person who did not write it down.
            let sms = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT payload_json FROM outbox WHERE event = 'event.signup' AND target = '13900000001'"
                )
                .all().map { try $0.decode(column: "payload_json", as: String.self) }
            }
            #expect(sms.count == 1 && sms[0].contains("取消码\(code)"))
            // The code shown cancels it; the cancellation tapped twice says so twice (not "already cancelled").
            // A wrong code is refused with the cancel form open again and the code as typed.
            let wrong = try await client.execute(
                uri: "/public/events/\(id)/cancel", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_once=other&code=ABCD-EFGH")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(wrong.0 == .notFound && wrong.1.contains(#"value="ABCD-EFGH" aria-invalid="true""#))
            #expect(wrong.1.contains("<details open><summary>"))
            let cancel = "_once=\(try Self.once(page))&code=\(code)"
            func sendCancel() async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/events/\(id)/cancel", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: cancel)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            async let once = sendCancel()
            async let twice = sendCancel()
            let cancelled = try await [once, twice]
            #expect(cancelled.map(\.0) == [.ok, .ok] && cancelled.allSatisfy { $0.1.contains("已取消您的报名") })
            // Cancelled by mistake, the first form sent again signs up anew: not the old receipt of a cancelled one.
            let (again, receiptAgain) = try await send()
            #expect(again == .created && receiptAgain.contains("报名成功"))
            let live = try await SelectionTests.ints(
                services, "SELECT id FROM event_signups WHERE event_id = \(bind: id) AND status <> 'cancelled'")
            #expect(live.count == 1 && live[0] != made[0])
            // The database keeps no key a code could be made from: only hashes of them.
            let keys = try await services.database.withConnection { db in
                try await db.raw("SELECT key FROM form_submissions").all().map {
                    try $0.decode(column: "key", as: String.self)
                }
            }
            let digest = SentForm.digest(
                sender: "127.0.0.1", path: "/public/events/\(id)/signups",
                fields: ["_once": [try Self.once(page)], "name": ["赵奶奶"], "phone": ["13900000001"]], files: [])
            #expect(!keys.isEmpty && !keys.contains(digest))
        }
    }
}

/// A public sign-up refused says what is wrong beside each field, every field at once, with what was typed kept.
@Suite struct PublicSignupFieldTests {
    @Test func anEmptyOrEmojiSignupIsMarkedFieldByField() async throws {
        try await TestApp.with { client, services in
            let (token, ids) = try await EventTests.place(client)
            let id = try await EventTests.event(client, token, community: ids[1], capacity: "5")
            func send(_ path: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/public/events/\(id)/\(path)", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            let empty = try await send("signups", "_once=a&name=&phone=")
            #expect(empty.0 == .unprocessableContent)
            #expect(
                empty.1.contains(#"id="signup-name-error">请填写姓名"#) && empty.1.contains(#"id="signup-phone-error">"#))
            // Emoji alone is no name; the phone typed stays beside it.
            let emoji = try await send("signups", "_once=b&name=%F0%9F%98%80%F0%9F%98%80&phone=13900000002")
            #expect(emoji.0 == .unprocessableContent && emoji.1.contains("姓名里至少要有一个字"))
            #expect(emoji.1.contains(#"value="13900000002""#) && !emoji.1.contains(#"id="signup-phone-error""#))
            #expect(try await SelectionTests.count(services, "event_signups") == 0)
            // A cancellation without its code asks for the code, beside the field.
            let noCode = try await send("cancel", "_once=c&code=")
            #expect(noCode.0 == .unprocessableContent && noCode.1.contains(#"id="cancel-code-error">请填写报名时拿到的取消码"#))
        }
    }
}
