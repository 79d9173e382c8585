import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Pages that keep people from slips: the safe choice comes first, a removal asks, every record says where it is,
/// navigation says where you are, and what is tapped is big enough and readable.
@Suite struct PageSafetyTests {
    static func page(_ client: any TestClientProtocol, _ uri: String, cookie: String) async throws
        -> (HTTPResponse.Status, String)
    {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) {
            ($0.status, String(buffer: $0.body))
        }
    }

    @Test func aStewardConfirmingAFixHasConfirmChosenNotReopen() async throws {
        try await TestApp.with(demo: true) { client, services in
            let mine = try #require(try await services.accounts.find(username: "steward")?.scope.id)
            let fixed = try await ReportRepository(database: services.database)
                .list(actor: .system, compoundId: mine, state: .fixed, overdueOnly: false)
            let id = try #require(fixed.first?.id)
            let (cookie, _) = try await client.session("steward")
            let (status, html) = try await Self.page(client, "/reports/\(id)", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains("<option value=\"verified\" selected>确认已整改</option>"))
            #expect(html.contains("<option value=\"reopened\" data-needs-note=\"1\">重新办理</option>"))
        }
    }

    @Test func removingAPersonFromAHouseholdAsksFirstAndIsNotStyledLikeSaving() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let first = try await services.registry.list(.households, query: ListQuery(limit: 1), actor: .system)
                .items[0]
            let hh = try await services.registry.get(.households, id: first.id, actor: .system)
            let rid = try #require(hh["residents"]?.arrayItems.first?["resident_id"]?.intValue)
            let (_, household) = try await Self.page(client, "/households/\(hh.id)", cookie: cookie)
            let remove = "/households/\(hh.id)/residents/\(rid)/remove"
            // A link to a page that asks, styled as a danger action; no form on the household page removes at once.
            #expect(household.contains("<a class=\"button danger\" href=\"\(remove)\">"))
            #expect(!household.contains("action=\"\(remove)\""))
            // A number the account reads whole is one tap to call.
            let phone = try #require(hh["residents"]?.arrayItems.first?["phone"]?.stringValue)
            let digits = try #require(PersonalData.normalizePhone(phone), "the community office reads phones whole")
            #expect(household.contains("<a href=\"tel:\(digits)\">\(phone)</a>"))
            let (status, ask) = try await Self.page(client, remove, cookie: cookie)
            #expect(status == .ok)
            #expect(ask.contains("name=\"confirm\" value=\"1\" required"))
            #expect(ask.contains("<button type=\"submit\" class=\"danger\">确认移出</button>"))
            #expect(ask.contains("href=\"/households/\(hh.id)\">取消</a>"))
            // Without the box ticked nothing is removed.
            let (unticked, again, _) = try await PageTests.postForm(client, remove, cookie: cookie, "_csrf=\(csrf)")
            #expect(unticked == .unprocessableContent)
            #expect(again.contains("请先勾选确认"))
            let still = try await services.registry.get(.households, id: hh.id, actor: .system)
            #expect(still["residents"]?.arrayItems.contains { $0["resident_id"]?.intValue == rid } == true)
            let (done, _, headers) = try await PageTests.postForm(
                client, remove, cookie: cookie,
                "_csrf=\(csrf)&confirm=1")
            #expect(done == .seeOther)
            #expect(headers[.location] == "/households/\(hh.id)?saved=1")
            let after = try await services.registry.get(.households, id: hh.id, actor: .system)
            #expect(after["residents"]?.arrayItems.contains { $0["resident_id"]?.intValue == rid } == false)
        }
    }

    /// The demo's first household, as stored.
    static func firstHousehold(_ services: Services) async throws -> Household {
        let first = try await services.registry.list(.households, query: ListQuery(limit: 1), actor: .system).items[0]
        return try await services.registry.get(Household.self, id: first.id, actor: .system)
    }

    @Test func aFloorThatIsNotANumberIsRefusedInWordsAndNothingChanges() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let before = try await Self.firstHousehold(services)
            let (status, page, _) = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=101&area_m2=80&floor=%E4%B8%89%E6%A5%BC&version=\(before.version)")
            #expect(status == .unprocessableContent)
            #expect(page.contains("楼层请填写整数"))
            #expect(!page.contains("floor:"))
            let after = try await services.registry.get(Household.self, id: before.id, actor: .system)
            #expect(after == before)
        }
    }

    /// Several wrong fields are named at once, a line each, and the form shows what was typed, not what is stored;
    /// the API lists them all under `errors`; a stale form shows the stored values again.
    @Test func aHouseholdFormWithSeveralMistakesNamesThemAllAndKeepsWhatWasTyped() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let before = try await Self.firstHousehold(services)
            let (status, page, _) = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=&area_m2=85.6.1&floor=%E4%B8%89%E6%A5%BC&version=\(before.version)")
            #expect(status == .unprocessableContent)
            #expect(page.contains(#"<p class="note bad lines" id="form-note" role="alert">"#))
            // Each wrong field is marked beside itself, and reads the note.
            for name in ["room", "floor", "area_m2"] {
                let field = try #require(page.range(of: #"name="\#(name)""#))
                let tag = page[field.lowerBound...].prefix { $0 != ">" }
                #expect(tag.contains(#"aria-invalid="true" aria-describedby="form-note""#), "\(name)")
            }
            #expect(
                page.contains(
                    "请填写房号。\n楼层请填写整数，例如 3 或 -1。\n面积请填写大于 0 的平方米数，最多两位小数，如 85.60。"))
            #expect(page.contains(#"name="floor" inputmode="numeric" value="三楼""#))
            #expect(page.contains(#"name="area_m2" inputmode="decimal" value="85.6.1""#))
            #expect(try await services.registry.get(Household.self, id: before.id, actor: .system) == before)
            // Someone else saves meanwhile; the typed form, refused again, still carries the version it was typed
            // over, so saving it cannot overwrite their change.
            let other = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=\(before.room)&area_m2=77&version=\(before.version)")
            #expect(other.0 == .seeOther)
            let (_, retyped, _) = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=101&area_m2=66&floor=x&version=\(before.version)")
            #expect(retyped.contains(#"name="version" value="\#(before.version)""#))
            let (overwrite, _, _) = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=101&area_m2=66&floor=1&version=\(before.version)")
            #expect(overwrite == .preconditionFailed)
            let saved = try await services.registry.get(Household.self, id: before.id, actor: .system)
            #expect(saved.area.description == "77.00")
            // A resident refused for a bad phone: the name typed stays in the form that adds one.
            let (refused, again, _) = try await PageTests.postForm(
                client, "/households/\(before.id)/residents", cookie: cookie,
                "_csrf=\(csrf)&name=%E8%B5%B5%E5%85%AD&phone=12345&relation=tenant&lives_elsewhere=1")
            #expect(refused == .unprocessableContent)
            #expect(again.contains(#"name="name" value="赵六""#) && again.contains(#"value="1" checked"#))
            #expect(again.contains(#"<option value="tenant" selected>"#))
            // Only the resident's phone is marked, not the household's fields above it.
            #expect(again.contains(#"value="12345" aria-invalid="true""#))
            #expect(again.components(separatedBy: #"aria-invalid="true""#).count == 2)
            // Changed meanwhile: the stored values, not the typed ones.
            let (stale, body, _) = try await PageTests.postForm(
                client, "/households/\(before.id)", cookie: cookie,
                "_csrf=\(csrf)&room=909&area_m2=12&version=\(before.version)")
            #expect(stale == .preconditionFailed)
            #expect(body.contains(#"value="\#(saved.room)""#) && !body.contains(#"value="909""#))
            #expect(body.contains(#"value="77.00""#))
            let token = try await client.token("community")
            let api = try await client.call(
                .patch, "/api/v1/households/\(before.id)", token: token, body: #"{"room":"","area_m2":"0","floor":1.5}"#
            )
            #expect(api.status == .unprocessableContent)
            let all = api.json["error"]?["errors"]?.arrayItemsForTests ?? []
            #expect(all.map { $0["field"]?.stringValue ?? "" } == ["room", "floor", "area_m2"])
            // On top, the error a client reading one was always told: the first found, by the fields' names.
            #expect(api.json["error"]?["field"]?.stringValue == "area_m2")
        }
    }

    @Test func reportsVotesQuestionnairesAndNoticesSayWhichCompound() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("community")
            // A report on the compound of the demo's first vote, which the community account sees.
            let voted = try #require(
                try await VoteRepository(database: services.database).list(actor: .system, compoundId: nil).last)
            let report = try #require(
                try await ReportRepository(database: services.database)
                    .list(actor: .system, compoundId: voted.compoundId, state: nil, overdueOnly: false).first)
            let compoundId = report.compoundId
            let compound = try await services.registry.get(.compounds, id: compoundId, actor: .system)
            let name = try #require(compound["name"]?.stringValue)
            let (_, reports) = try await Self.page(client, "/reports", cookie: cookie)
            let id = report.id
            #expect(reports.contains("<td data-label=\"位置\">\(name)</td>"))
            let words = report.description.prefix(10)
            #expect(reports.contains("<a href=\"/reports/\(id)\">\(words)"))
            #expect(!reports.contains(">\(id)</a>"), "a report's link is not its bare number")
            let (_, one) = try await Self.page(client, "/reports/\(id)", cookie: cookie)
            #expect(one.contains("位置：\(name)"))
            let (_, votes) = try await Self.page(client, "/votes", cookie: cookie)
            // A card on a phone: each cell names its column.
            #expect(votes.contains("<th scope=\"col\">小区</th>") && votes.contains("<td data-label=\"小区\">\(name)</td>"))
            let (_, participation) = try await Self.page(client, "/participation", cookie: cookie)
            #expect(participation.components(separatedBy: "<th scope=\"col\">小区</th>").count == 3)
            let noticeLink = participation.firstMatch(of: try Regex(#"/notices/(\d+)""#))
            let noticeId = try #require(noticeLink?.output[1].substring)
            let (_, notice) = try await Self.page(client, "/notices/\(noticeId)", cookie: cookie)
            // The notice names its own compound (the first listed may be another compound's, e.g. a zone's).
            let noticeCompound = try await NoticeRepository(database: services.database).get(
                id: Int64(noticeId)!, actor: .system
            ).compoundId
            let noticeName = try #require(
                try await services.registry.get(.compounds, id: noticeCompound, actor: .system)["name"]?.stringValue)
            #expect(notice.contains("小区：\(noticeName)"))
        }
    }

    @Test func registryPagesMarkWhereYouAre() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("steward")
            let hh = try await services.registry.list(.households, query: ListQuery(limit: 1), actor: .system).items[0]
            let building = try #require(hh["building_id"]?.intValue)
            let compound = try #require(hh["compound_id"]?.intValue)
            // The steward's home leads to their compound, though its community is not theirs to open.
            let (_, home) = try await Self.page(client, "/", cookie: cookie)
            #expect(home.contains("<a href=\"/compounds/\(compound)\">"))
            for path in ["/compounds/\(compound)", "/buildings/\(building)", "/households/\(hh.id)"] {
                let (status, html) = try await Self.page(client, path, cookie: cookie)
                #expect(status == .ok)
                #expect(html.contains("<a href=\"/communities\" aria-current=\"page\">"), "\(path): the nav entry")
                #expect(html.contains("<span aria-current=\"page\">"), "\(path): the trail's last step")
                // The steward cannot open the community: its name is in the trail, not as a link.
                #expect(!html.contains("href=\"/communities/"), "\(path) links a community the steward cannot open")
            }
            // On a phone the row of tabs keeps its order; a script scrolls the marked tab into sight.
            #expect(home.contains(#"<script src="/static/nav.js?v="#))
            let (status, script) = try await Self.page(client, "/static/nav.js", cookie: cookie)
            #expect(status == .ok && script.contains("header nav a[aria-current]") && script.contains("scrollLeft"))
            // A note such as 已保存 is said once: the same script takes ?saved=… off the address (the browser check in
            // CI reloads such a page and finds no note).
            #expect(script.contains("history.replaceState") && script.contains(#"["saved", "ended""#))
            #expect(!(try await Self.page(client, "/static/courtyard.css", cookie: cookie).1.contains("order:-1")))
        }
    }

    /// WCAG 2 contrast ratio of two `#rrggbb` colours.
    static func contrast(_ a: String, _ b: String) -> Double {
        func luminance(_ hex: String) -> Double {
            let v = Int(hex.dropFirst(), radix: 16)!
            func channel(_ shift: Int) -> Double {
                let s = Double((v >> shift) & 255) / 255
                return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
            }
            let r: Double = channel(16)
            let g: Double = channel(8)
            let b: Double = channel(0)
            return 0.2126 * r + 0.7152 * g + 0.0722 * b
        }
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test func tapTargetsAre44PixelsAndTheChosenFilterIsReadable() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("steward")
            let (_, html) = try await Self.page(client, "/reports?state=fixed", cookie: cookie)
            // The stylesheet is a file of its own, cached for a year under its version.
            let href = try #require(
                html.firstMatch(of: try Regex(#"<link rel="stylesheet" href="([^"]+)">"#))?.output[1].substring)
            let sheet = try await client.call(.get, String(href), token: nil)
            #expect(sheet.status == .ok)
            #expect(sheet.headers[.cacheControl]?.contains("max-age=31536000") == true)
            let etag = try #require(sheet.headers[.eTag])
            let again = try await client.call(.get, String(href), token: nil, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let css = sheet.text
            for rule in ["nav a{", "label.check{", "button.link{", ".stages.chips a{"] {
                let start = try #require(css.range(of: rule), "\(rule)")
                let body = css[start.upperBound...].prefix { $0 != "}" }
                #expect(body.contains("min-height:44px"), "\(rule) is under 44 px")
            }
            // The chosen chip: white text on the accent.
            #expect(css.contains(".stages li.now a{color:#fff}"))
            let accent = try #require(css.firstMatch(of: try Regex(#"--accent:(#[0-9a-f]{6})"#))?.output[1].substring)
            #expect(Self.contrast("#ffffff", String(accent)) >= 4.5)
            #expect(html.contains("<li class=\"now\" aria-current=\"true\"><a href=\"/reports?state=fixed\">"))
        }
    }
}
