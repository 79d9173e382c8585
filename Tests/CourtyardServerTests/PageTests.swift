import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

@Suite struct PageTests {
    static func page(_ client: any TestClientProtocol, _ uri: String, cookie: String?, headers: HTTPFields = [:])
        async throws -> (HTTPResponse.Status, String, HTTPFields)
    {
        var h = headers
        if let cookie { h[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: h) {
            ($0.status, String(buffer: $0.body), $0.headers)
        }
    }

    static func postForm(_ client: any TestClientProtocol, _ uri: String, cookie: String, _ fields: String) async throws
        -> (HTTPResponse.Status, String, HTTPFields)
    {
        try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: fields)
        ) { ($0.status, String(buffer: $0.body), $0.headers) }
    }

    @Test func signInIsRequiredAndWrongPasswordsAreSaid() async throws {
        try await TestApp.with { client, _ in
            let (status, _, headers) = try await Self.page(client, "/communities", cookie: nil)
            #expect(status == .found)
            #expect(headers[.location] == "/login?next=/communities")
            let (s2, body, _) = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=wrong")
            ) { ($0.status, String(buffer: $0.body), $0.headers) }
            #expect(s2 == .unauthorized)
            #expect(body.contains("用户名或密码错误"))
            // The name typed stays, and the cursor waits in the password.
            #expect(body.contains(#"spellcheck="false" required value="admin">"#))
            #expect(body.contains(#"autocomplete="current-password" required autofocus>"#))
            // A bearer token is for the API, not for pages.
            let token = try await client.token("admin", TestApp.adminPassword)
            let (s3, _, _) = try await Self.page(client, "/", cookie: nil, headers: [.authorization: "Bearer \(token)"])
            #expect(s3 == .found)
        }
    }

    @Test func pagesSpeakChineseFirstAndEnglishOnRequest() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("office")
            let (_, zh, _) = try await Self.page(client, "/", cookie: cookie)
            #expect(zh.contains("<html lang=\"zh-Hans\">"))
            #expect(zh.contains("街道概况"))
            #expect(zh.contains("<b>6000</b><span>户数</span>"))
            let (_, en, headers) = try await Self.page(client, "/?lang=en", cookie: cookie)
            #expect(en.contains("Sub-district overview"))
            #expect(en.contains("<b>6000</b><span>Households</span>"))
            let langCookie = try #require(headers[.setCookie])
            #expect(langCookie.hasPrefix("lang=en"))
            let (_, remembered, _) = try await Self.page(client, "/communities", cookie: cookie + "; lang=en")
            #expect(remembered.contains("<html lang=\"en\">"))
            let (_, accept, _) = try await Self.page(
                client, "/communities", cookie: cookie, headers: [.acceptLanguage: "en-GB,en;q=0.8"])
            #expect(accept.contains("<html lang=\"en\">"))
            // No external assets: no http(s) links to other hosts in a page.
            #expect(!zh.contains("http://") && !zh.contains("https://"))
        }
    }

    @Test func aHouseholdIsEditedOnItsPageAndAStaleFormIsRefused() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let hh = try await services.registry.list(.households, query: ListQuery(limit: 1), actor: .system).items[0]
            let (status, page, _) = try await Self.page(client, "/households/\(hh.id)", cookie: cookie)
            #expect(status == .ok)
            #expect(page.contains("value=\"\(hh["area_m2"]!.stringValue!)\""))
            let form = "_csrf=\(csrf)&version=\(hh.version)&room=101&floor=1&area_m2=99.5"
            let (saved, _, headers) = try await Self.postForm(client, "/households/\(hh.id)", cookie: cookie, form)
            #expect(saved == .seeOther)
            #expect(headers[.location] == "/households/\(hh.id)?saved=1")
            let after = try await services.registry.get(.households, id: hh.id, actor: .system)
            #expect(after["area_m2"]?.stringValue == "99.50")
            // The same form again carries the old version: refused, and the newer value stays.
            let (stale, body, _) = try await Self.postForm(
                client, "/households/\(hh.id)", cookie: cookie, form.replacingOccurrences(of: "99.5", with: "10"))
            #expect(stale == .preconditionFailed)
            #expect(body.contains("该记录已被他人修改"))
            let (forged, _, _) = try await Self.postForm(
                client, "/households/\(hh.id)", cookie: cookie, "version=\(after.version)&room=101&area_m2=1")
            #expect(forged == .forbidden)
            let kept = try await services.registry.get(.households, id: hh.id, actor: .system)
            #expect(kept["area_m2"]?.stringValue == "99.50")
            // Adding a co-owner from the page.
            let (added, _, _) = try await Self.postForm(
                client, "/households/\(hh.id)/residents", cookie: cookie,
                "_csrf=\(csrf)&name=%E8%B5%B5%E5%85%AD&phone=13600000001&relation=co_owner")
            #expect(added == .seeOther)
            let (_, withCoOwner, _) = try await Self.page(client, "/households/\(hh.id)", cookie: cookie)
            #expect(withCoOwner.contains("赵六") && withCoOwner.contains("共有人"))
            // And correcting that resident's phone on the resident's page.
            let resident = try await services.registry.list(.residents, query: ListQuery(search: "赵六"), actor: .system)
                .items[0]
            let (fixed, _, _) = try await Self.postForm(
                client, "/residents/\(resident.id)", cookie: cookie,
                "_csrf=\(csrf)&version=\(resident.version)&name=%E8%B5%B5%E5%85%AD&phone=136-0000-0002")
            #expect(fixed == .seeOther)
            let reread = try await services.registry.get(.residents, id: resident.id, actor: .system)
            #expect(reread["phone"]?.stringValue == "13600000002")
            // A wrong phone is marked beside itself; the resident's home is named as people say it, not by a number.
            let (refused, residentPage, _) = try await Self.postForm(
                client, "/residents/\(resident.id)", cookie: cookie,
                "_csrf=\(csrf)&version=\(reread["version"]?.intValue ?? 0)&name=%E8%B5%B5%E5%85%AD&phone=12345")
            #expect(refused == .unprocessableContent)
            #expect(residentPage.contains(#"value="12345" aria-invalid="true" aria-describedby="form-note""#))
            #expect(!residentPage.contains(#">#\#(hh.id)<"#))
            #expect(residentPage.contains("-\(hh["room"]?.stringValue ?? "?")</a>"))
        }
    }

    @Test func theBuildingGridShowsEveryHousehold() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("steward")
            let building = try await services.registry.list(.buildings, query: ListQuery(limit: 1), actor: .system)
                .items[0]
            let count = try await services.registry.listAll(
                .households, query: ListQuery(filters: ["building_id": String(building.id)]), actor: .system
            ).count
            let (status, page, _) = try await Self.page(client, "/buildings/\(building.id)", cookie: cookie)
            #expect(status == .ok)
            #expect(page.components(separatedBy: "class=\"hh").count - 1 == count)
        }
    }

    @Test func theImportPageChecksThenWrites() async throws {
        try await TestApp.with { client, services in
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            // An upload that takes more than 3 s is answered with its job's page; on a busy machine even this small
            // one can, so the result is then read from that page once the job is done.
            func upload(dry: Bool, token: String) async throws -> (HTTPResponse.Status, String) {
                let boundary = "XyZ123"
                var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(token)\r\n"
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"subdistrict\"\r\n\r\n建设路街道\r\n"
                if dry { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n" }
                body +=
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                body += ImportAPITests.good + "\r\n--\(boundary)--\r\n"
                let (status, page, location) = try await client.execute(
                    uri: "/import", method: .post,
                    headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: ByteBuffer(string: body)
                ) {
                    ($0.status, String(buffer: $0.body), $0.headers[.location])
                }
                guard status == .seeOther, let location, location.hasPrefix("/import/jobs/") else {
                    return (status, page)
                }
                await services.importJobs.wait(String(location.dropFirst("/import/jobs/".count)), upTo: .seconds(60))
                let (s, job, _) = try await Self.page(client, location, cookie: cookie)
                return (s, job)
            }
            let (s1, dry) = try await upload(dry: true, token: csrf)
            #expect(s1 == .ok)
            #expect(dry.contains("检查通过，尚未写入"))
            let (s2, done) = try await upload(dry: false, token: csrf)
            #expect(s2 == .ok)
            #expect(done.contains("已写入数据库"))
            let (s3, _) = try await upload(dry: false, token: "forged")
            #expect(s3 == .forbidden)
        }
    }
}

@Suite struct CatalogueTests {
    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/CourtyardServer"
        ).standardized
    }

    @Test func everyKeyUsedIsInBothLanguages() throws {
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!.compactMap {
            $0 as? URL
        }
        .filter { $0.pathExtension == "swift" && !$0.lastPathComponent.hasPrefix("Catalogue") }
        #expect(files.count > 5)
        let pattern = try Regex(#"t\("([a-z]+\.[A-Za-z.]+)"\)"#)
        var used: Set<String> = []
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            for m in text.matches(of: pattern) {
                used.insert(String(text[m.range]).dropFirst(3).dropLast(2).description)
            }
        }
        #expect(used.count > 60)
        let dynamic =
            Role.allCases.map { "role." + $0.rawValue } + ResidentRelation.allCases.map { "rel." + $0.rawValue }
            + ["communities", "compounds", "buildings", "entrances", "households", "residents"].map { "entity." + $0 }
            + ["applied", "checked", "rejected"].map { "import.status." + $0 }
            + VoteMatter.allCases.map { "vote.matter.\($0.rawValue)" }
            + ["draft", "open", "closed"].map { "vote.status." + $0 }
            + ReportCategory.allCases.map { "category." + $0.rawValue }
            + ReportState.allCases.map { "report.state." + $0.rawValue }
            + ReportState.allCases.map { "report.step." + $0.rawValue }
        for key in used.union(dynamic) {
            #expect(Lang.zh.has(key), "zh-Hans lacks \(key)")
            #expect(Lang.en.has(key), "en lacks \(key)")
        }
        #expect(Set(Lang.zh.keys) == Set(Lang.en.keys))
    }
}
