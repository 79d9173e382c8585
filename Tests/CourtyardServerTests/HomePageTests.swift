import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import CourtyardStore
import CourtyardTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Each role lands on its work: the demo's late projects, reports and findings appear on the right person's home,
/// each linked to where the work is done.
enum HomePageTests {
    static func home(_ client: any TestClientProtocol, _ user: String, _ uri: String = "/") async throws -> String {
        let (cookie, _) = try await client.session(user)
        let (status, html, _) = try await PageTests.page(client, uri, cookie: cookie)
        #expect(status == .ok, "\(user) \(uri)")
        return html
    }

    static func theOfficeSeesProjectsBehindOverdueFindingsAndTheWeek(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let html = try await Self.home(client, "office")
        #expect(html.contains("今日待办"))
        // A project with a task past its late finish is listed by its compound, linked to its page.
        let late = try await services.database.withConnection { db in
            try await db.raw(
                """
                SELECT p.id, t.name FROM projects p JOIN compounds t ON t.id = p.compound_id
                WHERE p.completed_on IS NULL AND EXISTS (SELECT 1 FROM tasks k WHERE k.project_id = p.id
                  AND k.actual_finish IS NULL AND k.late_finish < \(bind: Clock.today.description))
                ORDER BY p.id
                """
            ).first()
        }
        let row = try #require(late, "the demo has a project with a late task")
        let id = try row.decode(column: "id", as: Int64.self)
        let name = try row.decode(column: "name", as: String.self)
        #expect(html.contains("<a href=\"/projects/\(id)\">\(name)</a>"))
        #expect(html.contains("项工作超过最迟完成日期"))
        // Its own page says so where the schedule starts, flags the task, and its section link counts them.
        let (cookie, _) = try await client.session("office")
        let project = try await client.execute(uri: "/projects/\(id)", method: .get, headers: [.cookie: cookie]) {
            String(buffer: $0.body)
        }
        #expect(project.contains(#"<p class="note bad" role="status">"#) && project.contains("项工作超过最迟完成日期（最早 "))
        #expect(
            project.contains(#"<strong class="flag">已超期</strong>"#) && project.contains(##"<a href="#schedule">工期（"##))
        #expect(html.contains("逾期未整改的问题"))
        #expect(html.contains("本周与上周") && html.contains("上周 "))
        // New reports are listed, each linked, not only counted.
        let newest = try #require(
            try await services.database.withConnection { db in
                try await db.raw("SELECT id FROM reports WHERE state = 'submitted' ORDER BY id DESC").first()?.int("id")
            }, "the demo has a new report")
        #expect(html.contains("新收到、待受理的监督反映") && html.contains(#"href="/reports?state=submitted""#))
        #expect(html.contains(#"<a href="/reports/\#(newest)">"#))
        // The registry's figures stay below the queue.
        #expect(html.contains("<b>6000</b><span>户数</span>"))
    }

    static func aStewardSeesTheFixWaitingForTheirConfirmationAndTheirCompound(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let html = try await Self.home(client, "steward")
        let fixed = try await services.database.withConnection { db in
            try await db.raw("SELECT id FROM reports WHERE state = 'fixed' ORDER BY id").first()!
                .decode(column: "id", as: Int64.self)
        }
        #expect(html.contains("等待确认整改的反映"))
        #expect(html.contains("<a href=\"/reports/\(fixed)\">楼道照明线路施工后一直不亮</a>"))
        // Who is signed in is said above the title too, for a phone whose bar has no room for it (two stewards may
        // share one phone); the stylesheet shows it there only on a narrow screen.
        #expect(html.contains(#"<p class="who-line muted">张老师 · 楼长</p><h1>"#))
        let css = try ContrastTests.stylesheet()
        #expect(css.contains(".tools .who{display:none}main .who-line{display:block}"))
        #expect(html.contains("我负责的小区") && html.contains(" 栋楼 · "))
        // The households in their care not yet visited or called, with the way to the page where each is recorded.
        #expect(html.contains("住户走访待办") && html.contains("尚未走访或联系"))
        #expect(html.contains("href=\"/my-households\""))
    }

    static func aCommunityWorkerSeesHouseholdsNotYetReachedByBuilding(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let html = try await Self.home(client, "community")
        let vote = try await services.database.withConnection { db in
            try await db.raw(
                """
                SELECT v.id, (SELECT COUNT(*) FROM vote_electorate e WHERE e.vote_id = v.id) AS total,
                  (SELECT COUNT(*) FROM ballots b WHERE b.vote_id = v.id AND b.voided_at IS NULL) AS cast
                FROM votes v WHERE v.status = 'open' ORDER BY v.id
                """
            ).first()!
        }
        let id = try vote.decode(column: "id", as: Int64.self)
        let total = try vote.decode(column: "total", as: Int.self)
        let cast = try vote.decode(column: "cast", as: Int.self)
        #expect(html.contains("<a href=\"/votes/\(id)\">"))
        #expect(html.contains("已参与 \(cast) 户，共 \(total) 户"))
        #expect(html.contains("按楼栋查看未参与的住户"))
        #expect(html.contains("<a href=\"/households/"))
        // The home it leads to offers recording a visit to it, the home already chosen.
        let home = try #require(html.firstMatch(of: /<a href="\/households\/(\d+)"/)).1
        let (staff, _) = try await client.session("community")
        let (_, homePage, _) = try await PageTests.page(client, "/households/\(home)", cookie: staff)
        #expect(homePage.contains(#"<a class="button" href="/my-households?household=\#(home)">记录对这户的走访或电话联系</a>"#))
        let (visitStatus, visit, _) = try await PageTests.page(
            client, "/my-households?household=\(home)", cookie: staff)
        #expect(visitStatus == .ok && visit.contains(#"value="\#(home)" selected"#), "the home already chosen")
        // The vote's own page lists them too, by building, for the steward who chases them.
        let (cookie, _) = try await client.session("community")
        let (_, votePage, _) = try await PageTests.page(client, "/votes/\(id)", cookie: cookie)
        #expect(votePage.contains("还没投票的住户（按楼栋）"))
        // Each room chooses it in the paper-ballot form of the same page.
        let listed = votePage.matches(of: try Regex(#"<a href="/votes/\#(id)\?pick=\d+#ballot">"#)).count
        #expect(listed == total - cast)
        // Someone who does not enter ballots does not get the list.
        let (viewer, _) = try await client.session("viewer")
        let (_, viewed, _) = try await PageTests.page(client, "/votes/\(id)", cookie: viewer)
        #expect(!viewed.contains("还没投票的住户"))
    }

    static func aContractorSeesItsAssignedReportFindingsAndTodaysLog(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let html = try await Self.home(client, "contractor")
        #expect(html.contains("交办给本单位的反映"))
        #expect(html.contains("施工挖断了2号楼的下水管"))
        #expect(html.contains("待整改的问题"))
        // A finding to rectify opens the project at its checks, where the rectify button is.
        #expect(html.contains("#checks\""))
        #expect(html.contains("今天还没写施工日志的项目") || html.contains("今天的施工日志都已填写"))
        #expect(html.contains("我参与的改造项目"))
        let supervisor = try await Self.home(client, "supervisor")
        #expect(supervisor.contains("今天还没有巡查的项目") || supervisor.contains("今天的巡查都已完成"))
        #expect(supervisor.contains("已整改、待复检的问题"))
        #expect(!supervisor.contains("交办给本单位的反映"))
        // What waits for its approval is on its home, not only deep in each project's page.
        #expect(supervisor.contains("待我审核") && supervisor.contains("进度款 ¥") && supervisor.contains("#investment\""))
        let pm = try await Self.home(client, "pm")
        #expect(pm.contains("待我审核"))
        #expect(!(try await Self.home(client, "contractor")).contains("待我审核"))
    }

    static func aPropertyCompanySeesTheReportsAssignedToIt(_ client: any TestClientProtocol, _ services: Services)
        async throws
    {
        let html = try await Self.home(client, "property")
        #expect(html.contains("本公司待办的反映"))
        #expect(html.contains("小区门口电动车乱停"))
        // Only its own: a report assigned to a contractor is not there.
        #expect(!html.contains("施工挖断了2号楼的下水管"))
        #expect(html.contains("<a href=\"/reports\""))
        // It waits on the property company, as the report's page and the API say; once fixed it waits on the
        // resident and leaves the company's list.
        let token = try await client.token("property")
        let listed = try await client.call(.get, "/api/v1/reports?limit=200", token: token).json.items
        let theirs = try #require(listed.first { $0["description"]?.stringValue?.hasPrefix("小区门口电动车乱停") == true })
        #expect(theirs["ball_in_court"]?.stringValue == "property_company")
        let id = try #require(theirs["id"]?.intValue)
        let (_, page, _) = try await PageTests.page(
            client, "/reports/\(id)", cookie: try await client.session("property").cookie)
        #expect(page.contains("<b>物业公司（"), "the company by name")
        let fixed = try await client.call(
            .post, "/api/v1/reports/\(id)/transitions", token: token, body: #"{"to":"fixed","note":"已清理"}"#)
        #expect(fixed.json["ball_in_court"]?.stringValue == "reporter")
        #expect(!(try await Self.home(client, "property")).contains("小区门口电动车乱停"))
    }

    static func theProgrammeSortsAndFlagsProjectsBehind(_ client: any TestClientProtocol, _ services: Services)
        async throws
    {
        let year = Clock.today.civil.year
        let html = try await Self.home(client, "office", "/programme?batch_year=\(year)")
        // Behind schedule first by default, each flagged.
        let firstRow = try #require(html.range(of: "<tbody>\n<tr")).upperBound
        #expect(html[firstRow...].hasPrefix(" class=\"behind\""))
        #expect(html.contains("<strong class=\"flag\""))
        #expect(html.contains("href=\"/programme?batch_year=\(year)&amp;sort=deadline\""))
        let byDeadline = try await Self.home(client, "office", "/programme?batch_year=\(year)&sort=deadline")
        let deadlines = byDeadline.matches(of: try Regex(#"data-label="完工期限">(\d{4}-\d{2}-\d{2})<"#)).compactMap {
            $0.output[1].substring.map(String.init)
        }
        #expect(deadlines.count > 3)
        #expect(deadlines == deadlines.sorted())
    }

    static func largeTypeIsSwitchedOnAndKept(_ client: any TestClientProtocol, _ services: Services) async throws {
        let (cookie, _) = try await client.session("steward")
        let (_, plain, _) = try await PageTests.page(client, "/", cookie: cookie)
        #expect(plain.contains("<html lang=\"zh-Hans\">"))
        #expect(plain.contains("href=\"/?large=1\">长辈版</a>"))
        let (_, large, headers) = try await PageTests.page(client, "/?large=1", cookie: cookie)
        #expect(large.contains("<html lang=\"zh-Hans\" class=\"large\">"))
        #expect(large.contains(">标准版</a>"))
        let kept = try #require(headers[.setCookie])
        #expect(kept.hasPrefix("large=1"))
        let (_, later, _) = try await PageTests.page(client, "/reports", cookie: cookie + "; large=1")
        #expect(later.contains("class=\"large\""))
        // The public pages keep it too.
        let (_, login, _) = try await PageTests.page(client, "/login", cookie: "large=1")
        #expect(login.contains("class=\"large\""))
    }

    static func theUsersPageNamesScopes(_ client: any TestClientProtocol, _ services: Services) async throws {
        let html = try await Self.home(client, "office", "/users")
        #expect(html.contains("单位：安居物业服务有限公司"))
        // What the page shows never names a scope by code; the form sends the code of the name chosen.
        let shown = html.replacing(try Regex(#"value="[^"]*""#), with: "")
        #expect(!shown.contains("organisation:") && !shown.contains("community:"))
        // The administrator adds accounts: the form offers each place and organisation by its name.
        let (admin, _) = try await client.session("admin", TestApp.adminPassword)
        let (_, form, _) = try await PageTests.page(client, "/users", cookie: admin)
        let community = try #require(
            try await services.registry.list(.communities, query: ListQuery(limit: 1), actor: .system).items.first)
        let name = try #require(community["name"]?.stringValue)
        #expect(form.contains("<option value=\"community:\(community.id)\">\(name)</option>"))
        #expect(!form.contains("placeholder=\"community:1\""))
        #expect(!form.replacing(try Regex(#"value="[^"]*""#), with: "").contains("community:"))
    }
}

enum ChineseExportTests {
    static func theProjectsSheetInChineseHasChineseHeadersStagesAndMoneyInWan(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let token = try await client.token("office")
        let sheet = try await client.call(.get, "/api/v1/projects?format=csv&lang=zh-Hans", token: token)
        #expect(sheet.status == .ok)
        // A byte-order mark first, so Excel opens it as UTF-8; rows end in CRLF.
        #expect(sheet.text.hasPrefix("\u{FEFF}"))
        let lines = sheet.text.dropFirst().split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.first?.hasPrefix("社区,小区,户数,改造年度,阶段,完工期限") == true)
        #expect(lines.first?.contains("计划投资（万元）") == true)
        #expect(sheet.text.contains(",施工,"))
        #expect(!sheet.text.contains("construction") && !sheet.text.contains("community_name"))
        let projects = try await ProjectRepository(database: services.database).summaries(actor: .system)
        #expect(lines.count == projects.count + 1)
        // The English sheet is unchanged: API names and codes.
        let plain = try await client.call(.get, "/api/v1/projects?format=csv", token: token)
        #expect(plain.text.dropFirst().hasPrefix("id,community_name,compound_name"))
    }

    static func theHouseholdSheetAndQuestionnaireResultsInChineseHaveChineseHeaders(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let token = try await client.token("office")
        let sheet = try await client.call(.get, "/api/v1/exports/registry?format=csv&lang=zh-Hans", token: token)
        #expect(sheet.text.dropFirst().hasPrefix("社区,小区,地址,建成年份,楼栋,单元,房号"))
        // The page's export speaks the page's language.
        let (cookie, _) = try await client.session("office")
        let (_, page, _) = try await PageTests.page(client, "/export/households.csv", cookie: cookie)
        #expect(page.dropFirst().hasPrefix("社区,小区"))
        let qid = try await services.database.withConnection { db in
            try await db.raw("SELECT MIN(id) AS id FROM questionnaires").first()!.decode(
                column: "id", as: Int64.self)
        }
        let results = try await client.call(
            .get, "/api/v1/questionnaires/\(qid)/results?format=csv&lang=zh-Hans", token: token)
        #expect(results.status == .ok)
        #expect(results.text.dropFirst().hasPrefix("范围,户数,参与户数,参与率（%）,问题,选项,票数"))
        #expect(results.text.contains("全小区,") && !results.text.contains("overall"))
        let english = try await client.call(.get, "/api/v1/questionnaires/\(qid)/results?format=csv", token: token)
        #expect(english.text.dropFirst().hasPrefix("scope,households"))
    }

    static func theImportPageOffersABlankTemplateThatImportReads(_ client: any TestClientProtocol, _ services: Services)
        async throws
    {
        let (cookie, _) = try await client.session("office")
        let (_, page, _) = try await PageTests.page(client, "/import", cookie: cookie)
        #expect(page.contains("href=\"/export/households-template.csv\""))
        let (status, csv, headers) = try await PageTests.page(
            client, "/export/households-template.csv", cookie: cookie)
        #expect(status == .ok)
        #expect(headers[.contentDisposition]?.contains("households-template.csv") == true)
        let lines = csv.dropFirst().split(whereSeparator: \.isNewline)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("社区,小区,地址,建成年份,楼栋,单元,房号,楼层,建筑面积") == true)
        let (xstatus, _, xheaders) = try await PageTests.page(
            client, "/export/households-template.xlsx", cookie: cookie)
        #expect(xstatus == .ok && xheaders[.contentType]?.contains("spreadsheetml") == true)
        // Its sheet has a Chinese name, which import problems quote ("住户表 第 303 行").
        let bytes = try await client.execute(
            uri: "/export/households-template.xlsx", method: .get, headers: [.cookie: cookie]
        ) { Array($0.body.readableBytesView) }
        #expect(try XLSX.readWorkbook(bytes).map(\.name) == ["住户表"])
        // An English page's template is headed in English words, not the column names programs use.
        let (_, english, _) = try await PageTests.page(
            client, "/export/households-template.csv", cookie: cookie, headers: [.acceptLanguage: "en"])
        #expect(english.dropFirst().hasPrefix("Community,Compound,Address,Year built,Building,Entrance,Room,Floor"))
        #expect(!english.contains("area_m2"))
    }
}

@Suite struct PosterTests {
    static func aPosterNamesItsCompoundAndOfficeAndWaitsForThePublicAddress(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let q = try await services.database.withConnection { db in
            try await db.raw(
                "SELECT q.id, t.name FROM questionnaires q JOIN compounds t ON t.id = q.compound_id ORDER BY q.id"
            ).first()!
        }
        let id = try q.decode(column: "id", as: Int64.self)
        let name = try q.decode(column: "name", as: String.self)
        let (cookie, _) = try await client.session("community")
        let (status, html, _) = try await PageTests.page(client, "/questionnaires/\(id)/poster", cookie: cookie)
        #expect(status == .ok)
        #expect(html.contains("<p class=\"big\">\(name)</p>"))
        #expect(html.contains("建设路街道办事处"))
        if services.configuration.publicURL == nil {
            // No QR code and no link to print: the page says whom to ask, and tells the administrator what to set.
            #expect(html.contains("请联系系统管理员设置居民访问的网址") && !html.contains("COURTYARD_PUBLIC_URL"))
            #expect(!html.contains("qr.svg") && !html.contains("http://"))
            let admin = try await client.session("admin", TestApp.adminPassword)
            let (_, setUp, _) = try await PageTests.page(client, "/questionnaires/\(id)/poster", cookie: admin.cookie)
            #expect(setUp.contains("设置项：<code>COURTYARD_PUBLIC_URL</code>"))
        }
    }

    @Test func withThePublicAddressThePosterCarriesTheCodeAndThePhone() async throws {
        try await TestDatabase.with { db in
            var configuration = ServerConfiguration(bcryptCost: 4, runsOutboxWorker: false)
            configuration.publicURL = "https://gaizao.example.org"
            configuration.helpPhone = "0371-12345678"
            let services = Services(database: db, configuration: configuration)
            try await DemoData.seed(services: services, scale: .subdistrict)
            let app = buildApplication(services: services)
            try await app.test(.router) { client in
                let id = try await services.database.withConnection { db in
                    try await db.raw("SELECT MIN(id) AS id FROM questionnaires").first()!.decode(
                        column: "id", as: Int64.self)
                }
                let (cookie, _) = try await client.session("community")
                let (_, html, _) = try await PageTests.page(client, "/questionnaires/\(id)/poster", cookie: cookie)
                #expect(html.contains("src=\"/public/questionnaires/\(id)/qr.svg\""))
                #expect(html.contains("https://gaizao.example.org/public/questionnaires/\(id)"))
                #expect(html.contains("咨询电话： 0371-12345678"))
                #expect(!html.contains("COURTYARD_PUBLIC_URL"))
            }
        }
    }
}

enum ReportTrackingTests {
    static func aResidentFollowsTheirReportWithTheCodeTheyAreGiven(
        _ client: any TestClientProtocol, _ services: Services
    ) async throws {
        let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
            .items[0]
        // The form says first what to do in an emergency: a report here is handled on working days.
        let publicPage = try await client.execute(uri: "/public/compounds/\(compound.id)", method: .get) {
            String(buffer: $0.body)
        }
        #expect(publicPage.contains(#"<h2 id="report">我要反映问题</h2><p class="note bad" role="note">闻到燃气味"#))
        // A refused report opens at its form, where each field says what is wrong, not at the top of a long page.
        #expect(publicPage.contains(#"action="/public/compounds/\#(compound.id)/reports#report""#))
        let (made, location) = try await client.execute(
            uri: "/public/compounds/\(compound.id)/reports", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(
                string: "category=greening&description=%E8%8D%89%E5%9D%AA+13600001111&name=X&phone=13512345678")
        ) { ($0.status, $0.headers[.location] ?? "") }
        // Filed, the resident is sent to the report's own page (a reload there sends nothing again).
        #expect(made == .seeOther)
        let code = try #require(
            location.firstMatch(of: try Regex(#"R-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}"#)).map {
                String($0.output[0].substring!)
            })
        #expect(location == "/public/reports/track?code=\(code)&filed=1")
        let (_, thanks) = try await client.execute(uri: location, method: .get) { ($0.status, String(buffer: $0.body)) }
        #expect(thanks.contains("已收到，谢谢您！您的查询码是 \(TrackingCode.shown(code))"))
        #expect(thanks.contains(#"<a class="button" href="/public/compounds/\#(compound.id)">返回"#))
        // The office moves it on, with a note for the resident.
        let office = try await client.token("office")
        let id = try #require(
            try await client.call(.get, "/api/v1/reports?compound_id=\(compound.id)", token: office).json.items
                .first?["id"]?.intValue)
        _ = try await client.call(
            .post, "/api/v1/reports/\(id)/transitions", token: office, body: #"{"to":"acknowledged","note":"已转物业"}"#
        )
        // The office's page names who filed it as a person reads it, not by an account's name.
        let session = try await client.session("office")
        let staffPage = try await client.execute(
            uri: "/reports/\(id)", method: .get, headers: [.cookie: session.cookie]
        ) { String(buffer: $0.body) }
        #expect(staffPage.contains("居民（公开页面）") && !staffPage.contains(">public<"))
        // Typed in lower case with spaces, on a phone, without an account.
        let typed = code.lowercased().replacingOccurrences(of: "-", with: " ")
        let (status, page) = try await client.execute(
            uri: "/public/reports/track?code=\(typed.replacingOccurrences(of: " ", with: "+"))", method: .get
        ) { ($0.status, String(buffer: $0.body)) }
        #expect(status == .ok)
        #expect(page.contains("<h2>\(code)</h2>"))
        #expect(page.contains(compound["name"]!.stringValue!))
        #expect(page.contains("已受理") && page.contains("已转物业"))
        // What the resident wrote is shown back to the code's holder, a phone number in it masked.
        #expect(!page.contains("13512345678") && !page.contains("13600001111"))
        #expect(page.contains("您反映的内容") && page.contains("草坪 136****1111"))
        // Typed with spaces around it, the box shows it as typed, not with the form's "+" for each space.
        let padded = try await client.execute(
            uri: "/public/reports/track?code=+\(code)+", method: .get
        ) { String(buffer: $0.body) }
        #expect(padded.contains(#"name="code" value="\#(code)""#))
        let (empty, asked) = try await client.execute(uri: "/public/reports/track?code=", method: .get) {
            ($0.status, String(buffer: $0.body))
        }
        #expect(empty == .unprocessableContent && asked.contains("请输入查询码"))
        let (missing, _) = try await client.execute(uri: "/public/reports/track?code=R-2222-2222", method: .get) {
            ($0.status, String(buffer: $0.body))
        }
        #expect(missing == .notFound)
        let (form, _) = try await client.execute(uri: "/public/reports/track", method: .get) {
            ($0.status, String(buffer: $0.body))
        }
        #expect(form == .ok)
    }
}

/// The checks above share one demo sub-district, seeded once: each reads its own part of it, and the one that files
/// a report runs last. One seed instead of a dozen keeps the suite light beside the live-HTTP test.
@Suite struct EveryRolesDayTests {
    @Test func eachRoleLandsOnItsWorkAndEveryExportAndPosterSpeaksChinese() async throws {
        try await TestApp.with(demo: true) { client, services in
            try await HomePageTests.theOfficeSeesProjectsBehindOverdueFindingsAndTheWeek(client, services)
            try await HomePageTests.aStewardSeesTheFixWaitingForTheirConfirmationAndTheirCompound(client, services)
            try await HomePageTests.aCommunityWorkerSeesHouseholdsNotYetReachedByBuilding(client, services)
            try await HomePageTests.aContractorSeesItsAssignedReportFindingsAndTodaysLog(client, services)
            try await HomePageTests.aPropertyCompanySeesTheReportsAssignedToIt(client, services)
            try await HomePageTests.theProgrammeSortsAndFlagsProjectsBehind(client, services)
            try await HomePageTests.largeTypeIsSwitchedOnAndKept(client, services)
            try await HomePageTests.theUsersPageNamesScopes(client, services)
            try await ChineseExportTests.theProjectsSheetInChineseHasChineseHeadersStagesAndMoneyInWan(client, services)
            try await ChineseExportTests.theHouseholdSheetAndQuestionnaireResultsInChineseHaveChineseHeaders(
                client, services)
            try await ChineseExportTests.theImportPageOffersABlankTemplateThatImportReads(client, services)
            try await PosterTests.aPosterNamesItsCompoundAndOfficeAndWaitsForThePublicAddress(client, services)
            try await ReportTrackingTests.aResidentFollowsTheirReportWithTheCodeTheyAreGiven(client, services)
        }
    }
}

/// A project organisation's home names its own projects behind schedule, as the programme flags them.
@Suite struct SiteHomeLateTests {
    @Test func aPmCompanysHomeNamesItsProjectsBehindSchedule() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("pm")
            let home = try await PageTests.page(client, "/", cookie: cookie).1
            let section = try #require(
                home.firstMatch(
                    of: /<h2>进度落后的项目 <span class="count">(\d+)<\/span><\/h2>(.*?)<\/section>/.dotMatchesNewlines()))
            #expect(Int(section.1)! > 0, "the demo has projects of the pm company's behind schedule")
            #expect(
                section.2.contains(#"<strong class="flag">落后</strong>"#) && section.2.contains(#"href="/projects/"#))
        }
    }
}
