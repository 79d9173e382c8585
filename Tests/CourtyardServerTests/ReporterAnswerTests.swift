import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// A resident follows a report by its tracking code: told that it is fixed, they answer on the tracking page whether
/// it is; a report sent again from the back button is not filed twice.
@Suite struct ReporterAnswerTests {
    static func send(_ client: some TestClientProtocol, _ uri: String, _ form: [(String, String)]) async throws
        -> (status: HTTPResponse.Status, location: String, body: String)
    {
        let body = form.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
        return try await client.execute(
            uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body.joined(separator: "&"))
        ) { ($0.status, $0.headers[.location] ?? "", String(buffer: $0.body)) }
    }

    static func page(_ client: some TestClientProtocol, _ uri: String) async throws -> String {
        try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
    }

    static func code(_ location: String) throws -> String {
        try #require(location.firstMatch(of: try Regex("code=(R-[A-Z0-9]{4}-[A-Z0-9]{4})"))?.output[1].substring)
            .description
    }

    /// Files a report from the compound's public page and has the office take it to 已整改; answers its code and id.
    static func fixedReport(_ client: some TestClientProtocol, _ services: Services) async throws
        -> (code: String, id: Int64)
    {
        let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
            .items[0].id
        let page = try await page(client, "/public/compounds/\(compound)")
        let filed = try await send(
            client, "/public/compounds/\(compound)/reports",
            [("_once", try FormSentTwiceTests.once(page)), ("category", "water_drainage"), ("description", "水管漏水")])
        let code = try code(filed.location)
        let id = try await SelectionTests.ints(services, "SELECT id FROM reports WHERE tracking_code = \(bind: code)")[
            0]
        let office = try await client.token("office")
        let contractor = try await SelectionTests.ints(
            services, "SELECT id FROM organisations WHERE kind = 'contractor' ORDER BY id")[0]
        for step in [
            #"{"to":"acknowledged"}"#, #"{"to":"assigned","assignee_organisation_id":\#(contractor)}"#,
            #"{"to":"fixed","note":"已更换水管"}"#,
        ] {
            let moved = try await client.call(.post, "/api/v1/reports/\(id)/transitions", token: office, body: step)
            #expect(moved.status == .ok, "\(moved.text)")
        }
        return (code, id)
    }

    static func state(_ services: Services, _ id: Int64) async throws -> String {
        try await services.database.withConnection { db in
            try await db.raw("SELECT state FROM reports WHERE id = \(bind: id)").first()!.decode(
                column: "state", as: String.self)
        }
    }

    @Test func aResidentSaysAFixIsNotDoneWithWhatIsWrongAndTheOfficeHasItAgain() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (code, id) = try await Self.fixedReport(client, services)
            let tracking = try await Self.page(client, "/public/reports/track?code=\(code)")
            #expect(tracking.contains("修好了吗？") && tracking.contains("已更换水管"))
            let once = try FormSentTwiceTests.once(tracking)
            // Not fixed, without saying what is wrong: refused beside the question, nothing moves.
            let bare = try await Self.send(
                client, "/public/reports/track", [("_once", once), ("code", code), ("answer", "not_fixed")])
            #expect(bare.status == .unprocessableContent && bare.body.contains("请写下还有什么没修好"))
            #expect(try await Self.state(services, id) == "fixed")
            let answer = [("_once", once), ("code", code), ("answer", "not_fixed"), ("note", "还在滴水")]
            let reopened = try await Self.send(client, "/public/reports/track", answer)
            #expect(reopened.status == .seeOther && reopened.location.contains("answered=reopened"))
            #expect(try await Self.state(services, id) == "reopened")
            // Sent twice (a double tap), it is taken once and leads to the same page.
            #expect(try await Self.send(client, "/public/reports/track", answer).location == reopened.location)
            let after = try await Self.page(client, reopened.location)
            #expect(after.contains("会重新安排处理") && after.contains("还在滴水") && !after.contains("修好了吗？"))
            // A report no longer waiting on the resident is not answered again.
            let late = try await Self.send(
                client, "/public/reports/track",
                [("_once", "other"), ("code", code), ("answer", "fixed")])
            #expect(late.status == .conflict && late.body.contains("不等待您确认"), "\(late.body)")
            #expect(try await Self.state(services, id) == "reopened")
            let office = try await client.token("office")
            let seen = try await client.call(.get, "/api/v1/reports/\(id)", token: office)
            #expect(seen.json["ball_in_court"]?.stringValue == "office")
        }
    }

    /// An address that looked many codes up (a shared network) is still shown the code of the report it just filed.
    @Test func theCodeOfAReportJustFiledIsShownAfterManyLookups() async throws {
        try await TestApp.with(demo: true) { client, services in
            for i in 0..<31 { _ = try await Self.page(client, "/public/reports/track?code=R-2222-22\(10 + i)") }
            let limited = try await Self.page(client, "/public/reports/track?code=R-2222-2222")
            #expect(limited.contains("查询过于频繁"))
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let form = try await Self.page(client, "/public/compounds/\(compound)")
            let filed = try await Self.send(
                client, "/public/compounds/\(compound)/reports",
                [("_once", try FormSentTwiceTests.once(form)), ("category", "other"), ("description", "楼道灯不亮")])
            let thanks = try await Self.page(client, filed.location)
            let code = try Self.code(filed.location)
            #expect(thanks.contains("已收到，谢谢您") && thanks.contains("<h2>\(code)</h2>"))
            // Without the mark of having just filed, the address is still held back.
            #expect(try await Self.page(client, "/public/reports/track?code=\(code)").contains("查询过于频繁"))
        }
    }

    @Test func aResidentConfirmsAFixAndAWrongCodeChangesNothing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (code, id) = try await Self.fixedReport(client, services)
            let wrong = try await Self.send(
                client, "/public/reports/track", [("_once", "a"), ("code", "R-2222-2222"), ("answer", "fixed")])
            #expect(wrong.status == .unprocessableContent && wrong.body.contains("没有找到"))
            let confirmed = try await Self.send(
                client, "/public/reports/track",
                [("_once", "b"), ("code", code.lowercased()), ("answer", "fixed")])
            #expect(confirmed.status == .seeOther && confirmed.location.contains("answered=verified"))
            #expect(try await Self.state(services, id) == "verified")
        }
    }

    @Test func aReportSentAgainFromTheBackButtonIsNotFiledTwice() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let uri = "/public/compounds/\(compound)/reports"
            // Back reloads the page: the form carries a new one-time value, and the same words.
            var locations: [String] = []
            let before = try await SelectionTests.count(services, "reports")
            for _ in 0..<2 {
                let page = try await Self.page(client, "/public/compounds/\(compound)")
                let form = [
                    ("_once", try FormSentTwiceTests.once(page)), ("category", "noise_dust"),
                    ("description", "晚上十点还在切割钢管"), ("phone", "13800001111"),
                ]
                locations.append(try await Self.send(client, uri, form).location)
            }
            #expect(try Self.code(locations[0]) == (try Self.code(locations[1])))
            #expect(locations[1].contains("again=1") && !locations[0].contains("again=1"))
            #expect(try await SelectionTests.count(services, "reports") == before + 1)
            let again = try await Self.page(client, locations[1])
            #expect(again.contains("没有重复登记"))
            // Sent again with a name: the report keeps it, the audit log says so; a name past 50 is refused.
            let name: SQLQueryString = "SELECT reporter_name AS t FROM reports ORDER BY id DESC LIMIT 1"
            let renamed = try await Self.page(client, "/public/compounds/\(compound)")
            let long = try await Self.send(
                client, uri,
                [
                    ("_once", try FormSentTwiceTests.once(renamed)), ("category", "noise_dust"),
                    ("description", "晚上十点还在切割钢管"), ("phone", "13800001111"),
                    ("name", String(repeating: "张", count: 51)),
                ])
            #expect(long.status == .unprocessableContent)
            let named = try await Self.send(
                client, uri,
                [
                    ("_once", try FormSentTwiceTests.once(renamed)), ("category", "noise_dust"),
                    ("description", "晚上十点还在切割钢管"), ("phone", "13800001111"), ("name", "张桂兰"),
                ])
            #expect(named.status == .seeOther)
            let stored = try await services.database.withConnection { try await $0.raw(name).first()?.text("t") }
            #expect(stored == "张桂兰")
            let audited: SQLQueryString =
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'reports' AND action = 'update'"
            #expect(try await services.database.withConnection { try await $0.raw(audited).first()?.int("n") } == 1)
            #expect(try await SelectionTests.count(services, "reports") == before + 1)
            // Other words are another report.
            let page = try await Self.page(client, "/public/compounds/\(compound)")
            let other = try await Self.send(
                client, uri,
                [
                    ("_once", try FormSentTwiceTests.once(page)), ("category", "noise_dust"),
                    ("description", "早上六点就开始切割"), ("phone", "13800001111"),
                ])
            #expect(try Self.code(other.location) != (try Self.code(locations[0])))
        }
    }
}

/// A report sent to a department waits in its queue, which it may hand back when it is not its to fix; the
/// community's staff then find it on their home, with everything else that waits on them.
@Suite struct ReportHandBackTests {
    @Test func aDepartmentFindsItsReportAndHandsBackOneThatIsNotItsOwn() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let gasToken = try await client.token("gas")
            let gas = try await client.call(.get, "/api/v1/auth/me", token: gasToken).json["scope"]!.stringValue!
                .split(separator: ":")[1]
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let filed = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"noise_dust","description":"早上六点就开始切割"}"#)
            let id = try #require(filed.json["id"]?.intValue)
            for step in [#"{"to":"acknowledged"}"#, #"{"to":"assigned","assignee_organisation_id":\#(gas)}"#] {
                _ = try await client.call(.post, "/api/v1/reports/\(id)/transitions", token: office, body: step)
            }
            let session = try await client.session("gas")
            let (_, queue, _) = try await PageTests.page(client, "/queue", cookie: session.cookie)
            #expect(queue.contains("交办给本单位的居民反映") && queue.contains("href=\"/reports/\(id)\""))
            let (_, page, _) = try await PageTests.page(client, "/reports/\(id)", cookie: session.cookie)
            #expect(page.contains("退回街道"))
            // The office is offered to take it back and send it elsewhere, not to hand it back to itself.
            let (_, officePage, _) = try await PageTests.page(
                client, "/reports/\(id)", cookie: try await client.session("office").cookie)
            #expect(officePage.contains("收回，改派其他单位") && !officePage.contains("退回街道（"))
            let (status, _, _) = try await PageTests.postForm(
                client, "/reports/\(id)/transitions", cookie: session.cookie,
                RefusedFormTests.urlencoded([
                    ("_csrf", session.csrf), ("to", "reopened"), ("note", "噪音不属于燃气公司，请转施工单位"),
                ]))
            #expect(status == .seeOther)
            let after = try await client.call(.get, "/api/v1/reports/\(id)", token: office)
            #expect(
                after.json["state"]?.stringValue == "reopened" && after.json["ball_in_court"]?.stringValue == "office")
            // It reads as handed back, for the office and on the resident's page, not as a reopening.
            let (_, handed, _) = try await PageTests.page(
                client, "/reports/\(id)", cookie: try await client.session("office").cookie)
            #expect(handed.contains("<b>已退回街道</b>") && handed.contains("噪音不属于燃气公司"))
            let (_, emptied, _) = try await PageTests.page(client, "/queue", cookie: session.cookie)
            #expect(!emptied.contains("href=\"/reports/\(id)\""))
            let home = try await HomePageTests.home(client, "community")
            #expect(home.contains("待办理的居民反映") && home.contains("href=\"/reports/\(id)\""))
            #expect(home.contains("噪声扬尘 · 已退回街道"), "the card says it was handed back, not reopened")
        }
    }
}

/// A resident without a link finds their compound's page from `/public`, and the page leads on to the community's news.
@Suite struct PublicFindTests {
    @Test func aResidentFindsTheirCompoundByAFewCharactersAndReachesItsNews() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0]
            let name = try #require(compound["name"]?.stringValue)
            let empty = try await ReporterAnswerTests.page(client, "/public")
            #expect(empty.contains("找到您的小区") && empty.contains(#"name="q""#))
            let part = String(name.prefix(2)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let found = try await ReporterAnswerTests.page(client, "/public?q=\(part)")
            #expect(found.contains(#"href="/public/compounds/\#(compound.id)">\#(name)</a>"#))
            let nothing = try await ReporterAnswerTests.page(client, "/public?q=%E6%97%A0%E6%AD%A4%E5%B0%8F%E5%8C%BA")
            #expect(nothing.contains("没有找到"))
            // As residents know it: by its street and number, or its community and street together.
            let address = try #require(compound["address"]?.stringValue)
            let community = try #require(compound["community_id"]?.intValue)
            let communityName = try #require(
                try await services.registry.get(.communities, id: community, actor: .system)["name"]?.stringValue)
            let link = #"href="/public/compounds/\#(compound.id)">"#
            for typed in [
                address, String(address.prefix(3)), "\(communityName) \(address.prefix(3))", "\(communityName)",
            ] {
                let q = typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                #expect(try await ReporterAnswerTests.page(client, "/public?q=\(q)").contains(link), "\(typed)")
            }
            // Every word must be somewhere; a wildcard typed is a character, not "anything".
            for typed in ["\(communityName) 无此路", "%", "_"] {
                let q = typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                #expect(!(try await ReporterAnswerTests.page(client, "/public?q=\(q)").contains(link)), "\(typed)")
            }
            let page = try await ReporterAnswerTests.page(client, "/public/compounds/\(compound.id)")
            #expect(page.contains(#"href="/public/communities/\#(community)/news">社区活动与新闻</a>"#))
        }
    }
}

/// A questionnaire draft is corrected on its own form, and discarded with a tick; a published one is neither.
@Suite struct QuestionnaireDraftTests {
    @Test func aDraftIsCorrectedThenDiscardedAndAPublishedOneStays() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let head = [
                ("_csrf", office.csrf), ("compound_id", String(compound)), ("kind", "consultation"),
                ("opens_on", Clock.today.description), ("closes_on", Clock.today.adding(days: 14).description),
            ]
            let (made, _, location) = try await PageTests.postForm(
                client, "/questionnaires", cookie: office.cookie,
                RefusedFormTests.urlencoded(
                    head + [
                        ("title", "加装电梯意愿调查（草搞）"), ("q0_text", "您是否同意加装电梯"), ("q0_type", "single"),
                        ("q0_options", "同意\n不同意"),
                    ]))
            #expect(made == .seeOther)
            let id = try #require(Int64(location[.location]?.split(separator: "/").last ?? ""))
            let (_, draft, _) = try await PageTests.page(client, "/questionnaires/\(id)", cookie: office.cookie)
            #expect(draft.contains(#"href="/questionnaires/\#(id)/edit""#) && draft.contains("删除草稿"))
            let (_, form, _) = try await PageTests.page(client, "/questionnaires/\(id)/edit", cookie: office.cookie)
            #expect(form.contains(#"value="加装电梯意愿调查（草搞）""#) && form.contains("同意\n不同意</textarea>"))
            // Refused, the form comes back with the words typed; corrected, the page says it is saved.
            let typo =
                head + [("title", ""), ("q0_text", "您是否同意加装电梯"), ("q0_type", "single"), ("q0_options", "同意\n不同意")]
            let (refused, again, _) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/edit", cookie: office.cookie, RefusedFormTests.urlencoded(typo))
            #expect(refused == .unprocessableContent && again.contains("您是否同意加装电梯"))
            let fixed =
                head + [
                    ("title", "加装电梯意愿调查"), ("q0_text", "您是否同意加装电梯"), ("q0_type", "single"),
                    ("q0_options", "同意\n不同意\n无所谓"), ("q1_text", "您住几楼"), ("q1_type", "text"),
                ]
            let (saved, _, savedAt) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/edit", cookie: office.cookie, RefusedFormTests.urlencoded(fixed))
            #expect(saved == .seeOther && savedAt[.location] == "/questionnaires/\(id)?saved=edited")
            let token = try await client.token("office")
            let read = try await client.call(.get, "/api/v1/questionnaires/\(id)", token: token)
            #expect(read.json["title"]?.stringValue == "加装电梯意愿调查")
            #expect(read.json["questions"]?.arrayItemsForTests.count == 2)
            // Read-only accounts may not; a tick is asked before discarding.
            let viewer = try await client.session("viewer")
            let (denied, _, _) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/delete", cookie: viewer.cookie,
                RefusedFormTests.urlencoded([("_csrf", viewer.csrf), ("confirm", "1")]))
            #expect(denied == .forbidden)
            let (unticked, asked, _) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/delete", cookie: office.cookie,
                RefusedFormTests.urlencoded([("_csrf", office.csrf)]))
            #expect(unticked == .unprocessableContent && asked.contains("请先勾选确认"))
            let (gone, _, goneAt) = try await PageTests.postForm(
                client, "/questionnaires/\(id)/delete", cookie: office.cookie,
                RefusedFormTests.urlencoded([("_csrf", office.csrf), ("confirm", "1")]))
            #expect(gone == .seeOther && goneAt[.location] == "/participation?deleted=1")
            #expect(try await client.call(.get, "/api/v1/questionnaires/\(id)", token: token).status == .notFound)
            // A published one keeps its questions: no correcting, no discarding.
            let published = try await SelectionTests.ints(
                services, "SELECT id FROM questionnaires WHERE state = 'published' ORDER BY id")[0]
            let (_, page, _) = try await PageTests.page(client, "/questionnaires/\(published)", cookie: office.cookie)
            #expect(!page.contains("/questionnaires/\(published)/edit") && !page.contains("删除草稿"))
            let (late, _, _) = try await PageTests.postForm(
                client, "/questionnaires/\(published)/delete", cookie: office.cookie,
                RefusedFormTests.urlencoded([("_csrf", office.csrf), ("confirm", "1")]))
            #expect(late == .conflict)
            #expect(try await client.call(.get, "/api/v1/questionnaires/\(published)", token: token).status == .ok)
        }
    }
}
