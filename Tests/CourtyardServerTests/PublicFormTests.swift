import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The forms residents use without an account: a refused one says what is wrong beside each field, in the page's
/// language and plain words, with no internal code, and keeps what was typed.
@Suite struct PublicFormTests {
    static func post(
        _ client: any TestClientProtocol, _ uri: String, _ form: [(String, String)], english: Bool = false,
        from referer: String? = nil
    ) async throws -> (HTTPResponse.Status, String) {
        let body = form.map { k, v in
            "\(k)=" + (v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if english { headers[.acceptLanguage] = "en" }
        if let referer { headers[.referer] = referer }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, String(buffer: $0.body))
        }
    }

    /// The message beside a field: the `field-error` paragraph that the field names with aria-describedby.
    static func fieldError(_ page: String, _ id: String) -> String? {
        guard let r = page.range(of: "<p class=\"field-error\" id=\"\(id)\" role=\"alert\">") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "<" })
    }

    /// No catalogue key, error code or API field name shows through to a resident.
    static func expectPlainWords(_ page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for raw in ["error.", "public.", "not_an_owner", "reporter_phone", "not_found", "choose_household", "_id"] {
            let text = page.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression)
            #expect(!text.contains(raw), "\(raw) shows on the page", sourceLocation: sourceLocation)
        }
    }

    /// The page answering a form links its language and large type to the page the form was on, never to the
    /// address that takes only forms (which would answer "not found"), and never off the site.
    @Test func theAnswerToAFormSwitchesLanguageAndTypeOnThePageTheFormWasOn() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let uri = "/public/compounds/\(compound)/reports"
            let form = [("category", ""), ("description", "漏水")]
            let (_, page) = try await Self.post(
                client, uri, form, from: "http://127.0.0.1:8080/public/compounds/\(compound)?lang=en")
            #expect(page.contains(#"<a class="large-toggle" href="/public/compounds/\#(compound)?large=1">"#))
            #expect(page.contains(#"<a class="lang" href="/public/compounds/\#(compound)?lang=en""#))
            let (_, away) = try await Self.post(client, uri, form, from: "http://elsewhere.example//evil.example/x")
            #expect(away.contains(#"<a class="large-toggle" href="/?large=1">"#))
            let (_, none) = try await Self.post(client, uri, form)
            #expect(none.contains(#"<a class="large-toggle" href="/?large=1">"#))
            let toggled = try await client.execute(uri: "/public/compounds/\(compound)?large=1", method: .get) {
                $0.status
            }
            #expect(toggled == .ok)
        }
    }

    /// A steward finds the report form from the reports page and files through it as themself: the report is theirs
    /// and they land on its page. Before, the reports page had no way to file, and a report sent through the compound's
    /// form was recorded as a resident's. A compound outside the account's scope still files as a resident.
    @Test func aStewardFilesAReportAsThemselfFromTheReportsPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let steward = try await client.session("steward")
            let compound = try await SelectionTests.ints(
                services, "SELECT scope_id AS id FROM users WHERE username = 'steward'")[0]
            let (_, list, _) = try await PageTests.page(client, "/reports", cookie: steward.cookie)
            let form = "/public/compounds/\(compound)#report"
            #expect(list.contains(#"<a class="button" href="\#(form)">反映问题</a>"#))
            let (_, compoundPage, _) = try await PageTests.page(
                client, "/compounds/\(compound)", cookie: steward.cookie)
            #expect(compoundPage.contains(#"href="\#(form)""#))
            let (_, office, _) = try await PageTests.page(
                client, "/reports", cookie: try await client.session("office").cookie)
            #expect(office.contains("请打开那个小区的页面"), "over many compounds, a word on where")
            let filed = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.cookie: steward.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "category=other&description=%E6%A5%BC%E9%81%93%E7%81%AF%E4%B8%8D%E4%BA%AE")
            ) { ($0.status, $0.headers[.location] ?? "") }
            #expect(filed.0 == .seeOther && filed.1.hasPrefix("/reports/"), "\(filed)")
            #expect(filed.1.hasSuffix("?filed=1"))
            let id = try #require(Int64(filed.1.dropFirst("/reports/".count).prefix { $0.isNumber }))
            let by = try await SelectionTests.ints(
                services,
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'reports' AND entity_id = \(bind: id) AND username = 'steward'",
                "n")
            #expect(by == [1], "recorded as the steward's")
            // The office reading it sees who reported it: the steward's account, as its history names it.
            let name = try await services.accounts.displayNames(["steward"])["steward"] ?? "steward"
            let (_, seen, _) = try await PageTests.page(
                client, "/reports/\(id)", cookie: try await client.session("office").cookie)
            #expect(seen.contains("反映人：\(name)（从账号提交）"), "\(seen)")
            // The form tells such an account that the name and phone are those of a resident it reports for; a
            // resident is not told so. Given, the resident is the reporter and the steward the one who filed it.
            let (_, publicForm, _) = try await PageTests.page(
                client, "/public/compounds/\(compound)", cookie: steward.cookie)
            #expect(publicForm.contains("代居民反映时") && publicForm.contains("用于联系居民核实"))
            let (_, anonymous, _) = try await PageTests.page(client, "/public/compounds/\(compound)", cookie: nil)
            #expect(!anonymous.contains("代居民反映时") && anonymous.contains("用于联系您核实"))
            #expect(anonymous.contains("（可不填）") && !anonymous.contains("(可不填)"))
            let forResident = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.cookie: steward.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(
                    string: "category=other&description=%E6%BC%8F%E6%B0%B4&name=%E7%8E%8B%E5%A4%A7%E7%88%B7")
            ) { $0.headers[.location] ?? "" }
            let (_, theirs, _) = try await PageTests.page(
                client, forResident, cookie: try await client.session("office").cookie)
            #expect(theirs.contains("反映人：王大爷（\(name)用本人账号代为提交）"), "\(theirs)")
            #expect(!theirs.contains("查询码："), "only the account that filed it is given the code")
            // The steward is given the code to hand on, which follows the report on the public tracking page.
            let (_, mine, _) = try await PageTests.page(client, forResident, cookie: steward.cookie)
            #expect(mine.contains("请把查询码告诉居民"))
            let shown = try #require(mine.range(of: "查询码：<strong class=\"nobreak\">"))
            let code = String(mine[shown.upperBound...].prefix { $0 != "<" })
            let typed = code.replacingOccurrences(of: "\u{2011}", with: "-")
            let tracked = try await client.execute(uri: "/public/reports/track?code=\(typed)", method: .get) {
                String(buffer: $0.body)
            }
            #expect(tracked.contains("<h2>\(typed)</h2>"), "the code the steward hands on finds the report")
            let other = try await SelectionTests.ints(
                services, "SELECT MAX(id) AS id FROM compounds WHERE id <> \(bind: compound)")[0]
            let elsewhere = try await client.execute(
                uri: "/public/compounds/\(other)/reports", method: .post,
                headers: [.cookie: steward.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "category=other&description=%E5%88%AB%E5%A4%84")
            ) { ($0.status, $0.headers[.location] ?? "") }
            #expect(elsewhere.0 == .seeOther && elsewhere.1.hasPrefix("/public/reports/track"), "\(elsewhere)")
        }
    }

    /// A resident mending a refused form is not locked out: only reports filed count against the address's limit of
    /// five in ten minutes, and the refusal then says how long to wait.
    @Test func onlyFiledReportsCountAgainstTheLimit() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let uri = "/public/compounds/\(compound)/reports"
            for _ in 0..<6 {
                let (status, _) = try await Self.post(client, uri, [("category", "other"), ("description", " ")])
                #expect(status == .unprocessableContent)
            }
            for i in 0..<5 {
                let (status, _) = try await Self.post(client, uri, [("category", "other"), ("description", "漏水 \(i)")])
                #expect(status == .seeOther)
            }
            let (status, page) = try await Self.post(client, uri, [("category", "other"), ("description", "漏水")])
            #expect(status == .tooManyRequests)
            #expect(page.contains("提交过于频繁，请 10 分钟后再试"))
        }
    }

    /// A report form whose parts are broken (no browser sends one) is a page in the resident's words, not the API's
    /// JSON with an English code.
    @Test func aBrokenReportFormIsAPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let (status, type, page) = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.contentType: "multipart/form-data"], body: ByteBuffer(string: "x")
            ) { ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body)) }
            #expect(status == .badRequest && type.hasPrefix("text/html"))
            #expect(page.contains("上传的表单格式有误") && !page.contains("invalid_multipart"))
        }
    }

    @Test func aRefusedReportSaysBesideEachFieldWhatIsWrongAndKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let before = try await CoordinationTests.count(services, "reports")
            let uri = "/public/compounds/\(compound)/reports"
            let (status, page) = try await Self.post(
                client, uri, [("category", ""), ("description", "  "), ("name", "赵大妈"), ("phone", "12345")])
            #expect(status == .unprocessableContent)
            #expect(Self.fieldError(page, "report-category-error") == "请选择问题类别")
            #expect(Self.fieldError(page, "report-description-error") == "请描述遇到的问题（不超过 2000 字）。")
            #expect(Self.fieldError(page, "report-phone-error") == "手机号码格式不对，请核对后重新填写。")
            #expect(Self.fieldError(page, "report-photo-error") == nil)
            #expect(page.contains(#"<select name="category" required aria-invalid="true""#))
            #expect(page.contains(#"aria-invalid="true" aria-describedby="report-phone-error""#))
            #expect(page.contains(#"value="赵大妈""#) && page.contains(#"value="12345""#))
            #expect(page.contains(##"<a href="#report">提交未成功"##))
            Self.expectPlainWords(page)

            // The same in English, and a wrong building, refused by the store, stands beside the building.
            let (english, words) = try await Self.post(
                client, uri, [("category", "other"), ("description", "The stair light is out")], english: true)
            #expect(english == .seeOther && !words.contains("field-error"))
            let (wrong, building) = try await Self.post(
                client, uri,
                [("category", "other"), ("building_id", "999999"), ("description", "The stair light is out")],
                english: true)
            #expect(wrong == .unprocessableContent)
            #expect(Self.fieldError(building, "report-building-error")?.contains("building") == true)
            #expect(building.contains("The stair light is out</textarea>"))
            #expect(!building.contains("999999 is not"))
            #expect(try await CoordinationTests.count(services, "reports") == before + 1)
        }
    }

    @Test func aRefusedAnswerToAQuestionnaireSaysBesideThePhoneAndEachQuestion() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let steward = try await client.token("steward")
            let (compound, _, phone, _) = try await ParticipationTests.stewardCompound(client, services, token: steward)
            let today = ParticipationTests.today
            let created = try await client.call(
                .post, "/api/v1/questionnaires", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"consultation","title":"改造意见征询",
                     "opens_on":"\#(today.adding(days: -1))","closes_on":"\#(today.adding(days: 7))",
                     "questions":[{"text":"最需要改造的？","type":"single","options":["管网","外墙"]},
                      {"text":"满意度","type":"rating"},{"text":"建议","type":"text","required":false}]}
                    """#)
            let qid = created.json["id"]!.intValue!
            _ = try await client.call(.post, "/api/v1/questionnaires/\(qid)/publish", token: office)
            let uri = "/public/questionnaires/\(qid)"

            // A phone that is not one, no answer to the first two questions: each said beside itself.
            let (status, page) = try await Self.post(client, uri, [("phone", "12"), ("q2", "盼早开工")])
            #expect(status == .unprocessableContent)
            #expect(Self.fieldError(page, "phone-error") == "手机号码格式不对，请核对后重新填写。")
            #expect(Self.fieldError(page, "q0-error") == "第 1 题为必答题，请作答。")
            #expect(Self.fieldError(page, "q1-error") == "第 2 题为必答题，请作答。")
            #expect(Self.fieldError(page, "q2-error") == nil)
            #expect(page.contains(#"<fieldset class="invalid" aria-describedby="q0-error">"#))
            #expect(page.contains(#"aria-invalid="true" aria-describedby="phone-error""#))
            #expect(page.contains("盼早开工</textarea>") && page.contains(#"value="12""#))
            Self.expectPlainWords(page)

            // A phone no owner here has, refused by the store: beside the phone, the answers kept.
            let (stranger, strangerPage) = try await Self.post(
                client, uri, [("phone", "13000000000"), ("q0", "1"), ("q1", "4")])
            #expect(stranger == .unprocessableContent)
            #expect(Self.fieldError(strangerPage, "phone-error")?.hasPrefix("本小区登记的业主中没有这个手机号码") == true)
            #expect(strangerPage.contains(#"name="q0" value="1" checked"#))

            // In English.
            let (_, english) = try await Self.post(client, uri, [("phone", phone), ("q0", "0")], english: true)
            #expect(Self.fieldError(english, "q1-error")?.contains("2") == true)
            #expect(Self.fieldError(english, "phone-error") == nil)
            Self.expectPlainWords(english)
        }
    }

    @Test func aRefusedObjectionSaysBesideItsFieldsWithTheNoticeOpen() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 3), actor: .system)
                .items[2].id
            let today = ParticipationTests.today
            let n = try await client.call(
                .post, "/api/v1/notices", token: office,
                body: #"""
                    {"compound_id":\#(compound),"kind":"plan","title":"改造方案公示","body":"改造内容：管网、外墙。",
                     "starts_on":"\#(today.adding(days: -1))","ends_on":"\#(today.adding(days: 6))"}
                    """#)
            let notice = try #require(n.json["id"]?.intValue)
            _ = try await client.call(.post, "/api/v1/notices/\(notice)/publish", token: office)
            let uri = "/public/notices/\(notice)/objections"
            let (status, page) = try await Self.post(
                client, uri, [("compound_id", "\(compound)"), ("text", ""), ("name", "刘"), ("phone", "999")])
            #expect(status == .unprocessableContent)
            #expect(Self.fieldError(page, "objection-\(notice)-text-error") == "请填写异议内容（不超过 2000 字）。")
            #expect(Self.fieldError(page, "objection-\(notice)-phone-error") == "手机号码格式不对，请核对后重新填写。")
            #expect(page.contains(#"<article class="card" id="notice-\#(notice)"><h3>"#))
            #expect(page.contains(##"<a href="#notice-\##(notice)">"##) && page.contains("<details open>"))
            #expect(page.contains(#"value="刘""#) && page.contains(#"value="999""#))
            Self.expectPlainWords(page)
            let (english, words) = try await Self.post(
                client, uri, [("compound_id", "\(compound)"), ("text", "Too noisy"), ("phone", "999")], english: true)
            #expect(english == .unprocessableContent)
            #expect(Self.fieldError(words, "objection-\(notice)-phone-error")?.contains("mobile number") == true)
            #expect(words.contains("Too noisy</textarea>"))
            let (made, thanks) = try await Self.post(
                client, uri, [("compound_id", "\(compound)"), ("text", "太吵")])
            #expect(made == .seeOther && !thanks.contains("field-error"))
        }
    }
}
