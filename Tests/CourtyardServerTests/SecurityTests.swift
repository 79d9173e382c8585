import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

@testable import CourtyardServer

/// Scope, personal data and sign-in rules that a crafted request must not get round.
@Suite struct SecurityTests {
    static func one(_ services: Services, _ sql: SQLQueryString) async throws -> Int64 {
        try await services.database.withConnection { db in
            try await db.raw(sql).first()!.decode(column: "id", as: Int64.self)
        }
    }

    @Test func linkingAResidentNeedsReadAccessToIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let community = try await client.token("community")
            let office = try await client.token("office")
            // A household in the community account's own community, and a resident living only in another community.
            let householdA = try await Self.one(
                services,
                """
                SELECT MIN(h.id) AS id FROM households h JOIN compounds c ON c.id = h.compound_id
                WHERE c.community_id = (SELECT MIN(id) FROM communities)
                """)
            let outsider = try await Self.one(
                services,
                """
                SELECT MIN(hr.resident_id) AS id FROM household_residents hr JOIN households h ON h.id = hr.household_id
                JOIN compounds c ON c.id = h.compound_id WHERE c.community_id = (SELECT MAX(id) FROM communities)
                """)
            #expect(try await client.call(.get, "/api/v1/residents/\(outsider)", token: community).status == .notFound)
            let link = try await client.call(
                .post, "/api/v1/households/\(householdA)/residents", token: community,
                body: #"{"resident_id":\#(outsider),"relation":"tenant"}"#)
            #expect(link.status == .notFound)
            #expect(try await client.call(.get, "/api/v1/residents/\(outsider)", token: community).status == .notFound)
            #expect(
                try await client.call(
                    .patch, "/api/v1/residents/\(outsider)", token: community,
                    body: #"{"phone":"13900000000"}"#
                ).status == .notFound)
            let household = try await client.call(.get, "/api/v1/households/\(householdA)", token: office)
            #expect(!household.text.contains("\"resident_id\":\(outsider)"))
            // Someone it already reads may be linked, and the office may link anyone in its sub-district.
            let insider = try await Self.one(
                services,
                """
                SELECT MIN(resident_id) AS id FROM household_residents WHERE household_id <> \(bind: householdA)
                AND household_id IN (SELECT h.id FROM households h JOIN compounds c ON c.id = h.compound_id
                  WHERE c.community_id = (SELECT MIN(id) FROM communities))
                """)
            #expect(
                try await client.call(
                    .post, "/api/v1/households/\(householdA)/residents", token: community,
                    body: #"{"resident_id":\#(insider),"relation":"tenant"}"#
                ).status == .ok)
            #expect(
                try await client.call(
                    .post, "/api/v1/households/\(householdA)/residents", token: office,
                    body: #"{"resident_id":\#(outsider),"relation":"tenant"}"#
                ).status == .ok)
        }
    }

    static func upload(
        _ client: any TestClientProtocol, token: String, name: String = "photo.jpg"
    ) async throws -> Int64 {
        var body = ByteBuffer()
        body.writeString(
            "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n"
        )
        body.writeBytes(SiteLogPageTests.png)
        body.writeString("\r\n--b1--\r\n")
        return try await client.execute(
            uri: "/api/v1/attachments", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=b1"], body: body
        ) { r in
            #expect(r.status == .created)
            return try json(r)["id"]?.intValue ?? 0
        }
    }

    @Test func attachmentsAreReadOnlyByThoseWhoReadTheirRecord() async throws {
        try await TestApp.with(demo: true) { client, services in
            var t: [String: String] = [:]
            for u in ["office", "community", "steward", "viewer", "water", "property", "contractor"] {
                t[u] = try await client.token(u)
            }
            t["admin"] = try await client.token("admin", TestApp.adminPassword)
            let tokens = t
            @Sendable func status(_ user: String, _ id: Int64) async throws -> HTTPResponse.Status {
                let response = try await client.call(.get, "/api/v1/attachments/\(id)", token: tokens[user])
                return response.status
            }
            // A photo on a report in a compound outside the community account's community.
            let photo = try await Self.upload(client, token: t["office"]!)
            #expect(try await status("water", photo) == .notFound)
            let far = try await Self.one(services, "SELECT MAX(id) AS id FROM compounds")
            let report = try await client.call(
                .post, "/api/v1/reports", token: t["office"],
                body: #"{"compound_id":\#(far),"category":"safety","description":"井盖缺失","photos":[\#(photo)]}"#)
            #expect(report.status == .created)
            for (user, expected) in [
                ("admin", HTTPResponse.Status.ok), ("office", .ok), ("viewer", .ok), ("community", .notFound),
                ("steward", .notFound), ("water", .notFound), ("property", .notFound), ("contractor", .notFound),
            ] {
                #expect(try await status(user, photo) == expected, "\(user)")
            }
            // Nobody gains a file by naming it on a record of their own.
            let near = try await Self.one(
                services, "SELECT MIN(id) AS id FROM compounds WHERE community_id = (SELECT MIN(id) FROM communities)")
            let borrowed = try await client.call(
                .post, "/api/v1/reports", token: t["community"],
                body: #"{"compound_id":\#(near),"category":"safety","description":"借用","photos":[\#(photo)]}"#)
            #expect(
                borrowed.status == .unprocessableContent && borrowed.json["error"]?["field"]?.stringValue == "photos")
            #expect(try await status("community", photo) == .notFound)
            // The uploader reads its own file before it is attached anywhere.
            let own = try await Self.upload(client, token: t["contractor"]!)
            #expect(
                try await status("contractor", own) == .ok)
            #expect(try await status("water", own) == .notFound)
            #expect(try await status("office", own) == .notFound)
            // Gate evidence follows its project: the office reads it, a department (no projects) does not.
            let evidence = try await Self.one(services, "SELECT MIN(id) AS id FROM attachments")
            #expect(try await status("office", evidence) == .ok)
            #expect(try await status("water", evidence) == .notFound)
            #expect(try await client.call(.get, "/api/v1/attachments/999999", token: t["admin"]).status == .notFound)
        }
    }

    @Test func rolesWithoutPersonalDataCannotSearchByIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let viewer = try await client.token("viewer")
            let office = try await client.token("office")
            let (name, phone) = try await services.database.withConnection { db in
                let r = try await db.raw("SELECT name, phone FROM residents WHERE phone <> '' ORDER BY id LIMIT 1")
                    .first()!
                return (try r.decode(column: "name", as: String.self), try r.decode(column: "phone", as: String.self))
            }
            let q = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            #expect(try await client.call(.get, "/api/v1/residents?q=\(q)", token: office).json.items.count >= 1)
            #expect(try await client.call(.get, "/api/v1/residents?q=\(q)", token: viewer).json.items.isEmpty)
            #expect(try await client.call(.get, "/api/v1/residents?q=\(phone)", token: viewer).json.items.isEmpty)
            #expect(
                try await client.call(.get, "/api/v1/residents?q=\(q)&format=csv", token: viewer).text.split(
                    separator: "\n"
                ).count <= 1)
            // Non-personal fields stay searchable.
            let room = try await services.database.withConnection { db in
                try await db.raw("SELECT room FROM households ORDER BY id LIMIT 1").first()!.decode(
                    column: "room", as: String.self)
            }
            #expect(
                try await client.call(.get, "/api/v1/households?q=\(room)&limit=5", token: viewer).json.items.count >= 1
            )
        }
    }

    @Test func open311KeysReadTextOnlyInTheirOwnSubdistrict() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let key = try await client.call(.post, "/api/v1/open311/keys", token: office, body: #"{"name":"热线"}"#).json[
                "api_key"]!.stringValue!
            let sd2 = try await services.registry.create(
                .subdistricts, input: ["name": .string("第二街道")], actor: .system
            ).id
            let cm2 = try await services.registry.create(
                .communities, input: ["subdistrict_id": .int(sd2), "name": .string("二社区")],
                actor: .system
            ).id
            let cp2 = try await services.registry.create(
                .compounds, input: ["community_id": .int(cm2), "name": .string("二号院")],
                actor: .system
            ).id
            let reports = ReportRepository(database: services.database)
            let theirs = try await reports.create(
                .init(
                    compoundId: cp2, buildingId: nil, category: .safety, description: "别处的事",
                    reporterName: "", reporterPhone: ""), actor: .system
            ).id
            let near = try await Self.one(services, "SELECT MIN(id) AS id FROM compounds")
            let ours = try await reports.create(
                .init(
                    compoundId: near, buildingId: nil, category: .safety, description: "本街道的事",
                    reporterName: "", reporterPhone: ""), actor: .system
            ).id
            let other = try await client.call(.get, "/open311/v2/requests/\(theirs).json?api_key=\(key)", token: nil)
            #expect(other.status == .ok && other.json.arrayItemsForTests.first?["description"]?.stringValue == "")
            let mine = try await client.call(.get, "/open311/v2/requests/\(ours).json?api_key=\(key)", token: nil)
            #expect(mine.json.arrayItemsForTests.first?["description"]?.stringValue == "本街道的事")
            let list = try await client.call(.get, "/open311/v2/requests.json?api_key=\(key)", token: nil)
            #expect(!list.text.contains("别处的事") && list.text.contains("本街道的事"))
            // An administrator's key names the sub-district it serves.
            let admin = try await client.token("admin", TestApp.adminPassword)
            let adminKey = try await client.call(
                .post, "/api/v1/open311/keys", token: admin, body: #"{"name":"市热线","subdistrict_id":\#(sd2)}"#)
            #expect(adminKey.status == .created && adminKey.json["subdistrict_id"]?.intValue == sd2)
            let k2 = adminKey.json["api_key"]!.stringValue!
            let seen = try await client.call(.get, "/open311/v2/requests/\(theirs).json?api_key=\(k2)", token: nil)
            #expect(seen.json.arrayItemsForTests.first?["description"]?.stringValue == "别处的事")
            let unscoped = try await client.call(.post, "/api/v1/open311/keys", token: admin, body: #"{"name":"无范围"}"#)
            #expect(
                unscoped.status == .unprocessableContent
                    && unscoped.json["error"]?["field"]?.stringValue == "subdistrict_id")
        }
    }

    @Test func signInSendsPeopleOnlyToPathsOnThisSite() async throws {
        for bad in [
            "/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
            "https://evil.example",
            "/%2F/evil.example", "/%252F%252Fevil.example", "/ /evil.example", "/a\nb", "javascript:alert(1)",
            "evil.example",
            "/%5Cevil.example", "/\u{0}x", "", "/x\u{2028}y", "/%E3%80%80/evil.example",
            "/%20%09/evil.example",
        ] {
            #expect(LoginPages.safeNext(bad) == "/", "\(bad.debugDescription)")
        }
        // A search of two words keeps its encoded space.
        for good in [
            "/", "/compounds/12", "/projects/3?tab=logs", "/residents?q=%E5%BC%A0", "/public?q=%E5%BB%BA%20%E5%B9%B8",
        ] {
            #expect(LoginPages.safeNext(good) == good)
        }
        try await TestApp.with { client, _ in
            let page = try await client.execute(uri: "/login?next=/%09/evil.example", method: .get) {
                String(buffer: $0.body)
            }
            #expect(page.contains(#"name="next" value="/""#))
            let location = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=\(TestApp.adminPassword)&next=/%09/evil.example")
            ) { $0.headers[.location] }
            #expect(location == "/")
        }
    }

    @Test func parallelSignInsCheckAtMostTheThresholdOfPasswords() async throws {
        try await TestApp.with { client, _ in
            let admin = try await client.token("admin", TestApp.adminPassword)
            #expect(
                try await client.call(
                    .post, "/api/v1/users", token: admin,
                    body: #"{"username":"clerk","password":"clerk-pass-1","role":"admin"}"#
                ).status == .created)
            let outcomes = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for i in 0..<30 {
                    let password = i == 17 ? "clerk-pass-1" : "wrong-pass-\(i)"
                    group.addTask {
                        let r = try await client.call(
                            .post, "/api/v1/auth/token", token: nil,
                            body: #"{"username":"clerk","password":"\#(password)"}"#)
                        return (r.status, r.json.errorCode)
                    }
                }
                var all: [(HTTPResponse.Status, String?)] = []
                for try await o in group { all.append(o) }
                return all
            }
            // At most the threshold of wrong passwords is checked. The right one gives its attempt back, so when it
            // comes early one more wrong password may be checked in its place: still no more wrong ones than that.
            let wrong = outcomes.filter { $0.1 == "invalid_credentials" }
            let right = outcomes.filter { $0.0 == .created }
            #expect(wrong.count <= AccountRepository.lockoutThreshold, "\(wrong.count) wrong passwords were checked")
            #expect(right.count <= 1)
            // The rest were refused unchecked: locked, or (on a loaded machine) told the database was busy or out of
            // reach (no connection from the pool in time).
            let refused = outcomes.filter {
                $0.1 == "locked" || ($0.0 == .serviceUnavailable && ["busy", "database_unavailable"].contains($0.1))
            }
            #expect(
                refused.count >= 30 - AccountRepository.lockoutThreshold - right.count,
                "\(outcomes.map { "\($0.0.code) \($0.1 ?? "")" })")
            // Afterwards the account is locked: the right password is refused.
            let after = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: #"{"username":"clerk","password":"clerk-pass-1"}"#)
            #expect(after.json.errorCode == "locked" || !right.isEmpty)
        }
    }

    @Test func unknownUsernamesAndBusyAddressesAreLimited() async throws {
        try await TestApp.with { client, _ in
            for _ in 0..<AccountRepository.lockoutThreshold {
                let r = try await client.call(
                    .post, "/api/v1/auth/token", token: nil, body: #"{"username":"ghost","password":"nope-nope"}"#)
                #expect(r.json.errorCode == "invalid_credentials")
            }
            // An unknown name answers like a locked account, so the answer does not tell which names exist.
            let ghost = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: #"{"username":"ghost","password":"nope-nope"}"#)
            #expect(ghost.status == .unauthorized && ghost.json.errorCode == "locked")
            var limited: HTTPResponse.Status = .ok
            for i in 0..<SignInLimits.perAddress {
                let r = try await client.call(
                    .post, "/api/v1/auth/token", token: nil, body: #"{"username":"u\#(i)","password":"nope-nope"}"#)
                if r.status == .tooManyRequests {
                    limited = r.status
                    break
                }
            }
            #expect(limited == .tooManyRequests)
            // The page says so too, without a stack of bcrypt work behind it.
            let page = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=whatever-1&next=/")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(page.0 == .tooManyRequests && page.1.contains("<form"))
        }
    }

    @Test func weakAndOverlongPasswordsAreRefusedOnEveryPath() async throws {
        try await TestApp.with(demo: true) { client, services in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let long = String(repeating: "x", count: 60) + "长密码长密码"
            for (password, code) in [
                ("password", "weak_password"), ("12345678", "weak_password"), ("        ", "weak_password"),
                ("woaini1314", "weak_password"), ("88888888", "weak_password"), ("clerk2", "weak_password"),
                ("clerk2-clerk2", "weak_password"), (long, "password_too_long"),
            ] {
                let r = try await client.call(
                    .post, "/api/v1/users", token: admin,
                    body: #"{"username":"clerk2-clerk2","password":"\#(password)","role":"admin"}"#)
                #expect(r.status == .unprocessableContent && r.json.errorCode == code, "\(password)")
                #expect(r.json["error"]?["field"]?.stringValue == "password")
            }
            let tooLong = try await client.call(
                .post, "/api/v1/users", token: admin,
                body: #"{"username":"clerk3","password":"\#(long)","role":"admin"}"#)
            #expect(tooLong.json["error"]?["message"]?.stringValue?.contains("72") == true)
            let viewer = try await services.accounts.find(username: "viewer")!
            let patched = try await client.call(
                .patch, "/api/v1/users/\(viewer.id)", token: admin, body: #"{"password":"qwertyui"}"#)
            #expect(patched.status == .unprocessableContent && patched.json.errorCode == "weak_password")
            // The page form explains in the page's language and keeps the rest of the form's work undone.
            let session = try await client.session("admin", TestApp.adminPassword)
            let page = try await client.execute(
                uri: "/users?lang=en", method: .post,
                headers: [.cookie: session.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(session.csrf)&username=clerk4&password=11111111&role=admin&scope=")
            ) { r in
                (r.status, String(buffer: r.body))
            }
            #expect(page.0 == .unprocessableContent && page.1.contains(Lang.en.t("password.trivial")))
            #expect(try await services.accounts.find(username: "clerk4") == nil)
            // The first administrator's password from the environment follows the same rules.
            try await TestDatabase.with { db in
                let fresh = Services(
                    database: db, configuration: ServerConfiguration(bcryptCost: 4, runsOutboxWorker: false))
                await #expect(throws: (any Error).self) { try await ensureAdmin(services: fresh, password: "12345678") }
                let before = try await fresh.accounts.count()
                let generated = try await ensureAdmin(services: fresh, password: "ci-admin-password")
                #expect(before == 0 && generated == nil)
            }
        }
    }

    @Test func organisationsBelongToASubdistrictInTheCreatorsScope() async throws {
        try await TestApp.with(demo: true) { client, services in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let office = try await client.token("office")
            let sd = try await Self.one(services, "SELECT MIN(id) AS id FROM subdistricts")
            let sd2 = try await client.call(.post, "/api/v1/subdistricts", token: admin, body: #"{"name":"第二街道"}"#)
                .json["id"]!.intValue!
            let nowhere = try await client.call(
                .post, "/api/v1/organisations", token: admin, body: #"{"name":"无处公司","kind":"contractor"}"#)
            #expect(
                nowhere.status == .unprocessableContent
                    && nowhere.json["error"]?["field"]?.stringValue == "subdistrict_id")
            let own = try await client.call(
                .post, "/api/v1/organisations", token: office, body: #"{"name":"本街道公司","kind":"contractor"}"#)
            #expect(own.status == .created && own.json["subdistrict_id"]?.intValue == sd)
            let elsewhere = try await client.call(
                .post, "/api/v1/organisations", token: office,
                body: #"{"name":"外街道公司","kind":"contractor","subdistrict_id":\#(sd2)}"#)
            #expect(elsewhere.status == .notFound)
            let theirs = try await client.call(
                .post, "/api/v1/organisations", token: admin,
                body: #"{"name":"二街道公司","kind":"supervisor","subdistrict_id":\#(sd2)}"#)
            #expect(theirs.status == .created)
            let tid = theirs.json["id"]!.intValue!
            #expect(try await client.call(.get, "/api/v1/organisations/\(tid)", token: office).status == .notFound)
            #expect(
                !(try await client.call(.get, "/api/v1/organisations?limit=1000", token: office).text.contains("二街道公司"))
            )
            // Nor can the office hand its project or report to an organisation of another sub-district.
            let project = try await Self.one(services, "SELECT MIN(id) AS id FROM projects")
            let handed = try await client.call(
                .patch, "/api/v1/projects/\(project)", token: office,
                body: #"{"supervisor_id":\#(tid)}"#)
            #expect(handed.status == .unprocessableContent)
            #expect(handed.json["error"]?["field"]?.stringValue == "supervisor_id")
            let compound = try await Self.one(services, "SELECT MIN(id) AS id FROM compounds")
            let report = try await client.call(
                .post, "/api/v1/reports", token: office,
                body: #"{"compound_id":\#(compound),"category":"safety","description":"井盖缺失"}"#
            ).json["id"]!.intValue!
            _ = try await client.call(
                .post, "/api/v1/reports/\(report)/transitions", token: office,
                body: #"{"to":"acknowledged"}"#)
            let assigned = try await client.call(
                .post, "/api/v1/reports/\(report)/transitions", token: office,
                body: #"{"to":"assigned","assignee_organisation_id":\#(tid)}"#)
            #expect(assigned.status == .unprocessableContent)
            let ownOrg = own.json["id"]!.intValue!
            #expect(
                try await client.call(
                    .post, "/api/v1/reports/\(report)/transitions", token: office,
                    body: #"{"to":"assigned","assignee_organisation_id":\#(ownOrg)}"#
                ).status == .ok)
            // A legacy organisation in no sub-district is no longer shown to every office.
            try await services.database.withConnection { db in
                try await db.raw("INSERT INTO organisations (name, kind) VALUES ('旧数据公司', 'contractor')").run()
            }
            #expect(
                !(try await client.call(.get, "/api/v1/organisations?limit=1000", token: office).text.contains("旧数据公司"))
            )
        }
    }
}

/// A username typed on a phone: capitalised by its keyboard, or with a space after it.
@Suite struct SignInNameTests {
    @Test func aNameTypedInAnotherCaseOrWithSpacesSignsInAsTheOneAccount() async throws {
        try await TestApp.with(demo: true) { client, services in
            let page = try await PageTests.page(client, "/login", cookie: nil).1
            #expect(page.contains(#"autocapitalize="none""#), "the field does not capitalise the name")
            let (cookie, _) = try await client.session("%20Louzhang%20")
            let home = try await PageTests.page(client, "/", cookie: cookie)
            #expect(home.0 == .ok && home.1.contains("王老师"))
            // A second account differing only in case cannot be made, so a name in any case stays one account.
            let admin = try await client.token("admin", TestApp.adminPassword)
            let clash = try await client.call(
                .post, "/api/v1/users", token: admin,
                body: #"{"username":"LOUZHANG","password":"auditor-pass","role":"admin"}"#)
            #expect(clash.status == .conflict && clash.json.errorCode == "taken")
        }
    }

    /// Two admins making Wang and wang at the same moment: one account is made, the other is told the name is taken.
    @Test func twoNamesDifferingInCaseMadeAtOnceMakeOneAccount() async throws {
        try await TestApp.with { client, _ in
            let admin = try await client.token("admin", TestApp.adminPassword)
            for round in 0..<4 {
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for name in ["Wang\(round)", "wang\(round)", "WANG\(round)"] {
                        group.addTask {
                            try await client.call(
                                .post, "/api/v1/users", token: admin,
                                body: #"{"username":"\#(name)","password":"auditor-pass","role":"admin"}"#
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == .conflict }.count == 2, "\(statuses)")
            }
        }
    }
}

/// The demo's building steward who signs in is the same person residents see on their compound's page, masked.
@Suite struct DemoStewardTests {
    @Test func theStewardWhoSignsInIsTheOneThePublicPageNames() async throws {
        try await TestApp.with(demo: true) { client, services in
            let token = try await client.token("louzhang")
            let me = try await client.call(.get, "/api/v1/auth/me", token: token)
            let building = try #require(Int64(me.json["scope"]?.stringValue?.split(separator: ":").last ?? ""))
            let compound = try #require(
                try await services.registry.get(.buildings, id: building, actor: .system)["compound_id"]?.intValue)
            let page = try await PageTests.page(client, "/public/compounds/\(compound)", cookie: nil).1
            #expect(page.contains("王某某") && !page.contains("王淑珍"))
            // And has paper forms to enter: an open consultation in that compound.
            let (cookie, _) = try await client.session("louzhang")
            let list = try await PageTests.page(client, "/participation", cookie: cookie).1
            let link = try #require(
                list.firstMatch(of: /href="(\/questionnaires\/\d+)">楼道和公共空间整治意见征询/).map { String($0.1) })
            let form = try await PageTests.page(client, link, cookie: cookie).1
            #expect(form.contains(#"name="paper_number""#))
            // On a phone the navigation scrolls sideways: a steward's own pages come first after the home page.
            let home = try await PageTests.page(client, "/", cookie: cookie).1
            let nav = home.matches(of: /<a href="([^"]+)"(?: aria-current="page")?>[^<]+<\/a>/).map { String($0.1) }
            let start = try #require(nav.firstIndex(of: "/"))
            #expect(Array(nav[start...].prefix(3)) == ["/", "/my-households", "/participation"], "\(nav)")
            #expect(nav.contains("/volunteers"))
        }
    }
}

/// Signing in returns to the very page asked for; the sign-out address typed asks first; residents are pointed home.
@Suite struct SignInRoundTripTests {
    @Test func signInKeepsTheQueryAndSignOutByAddressAsks() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let asked = try await PageTests.page(client, "/my-households?household=5", cookie: nil)
            #expect(asked.2[.location] == "/login?next=/my-households%3Fhousehold%3D5")
            let back = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(
                    string: "username=louzhang&password=courtyard-demo&next=/my-households%3Fhousehold%3D5")
            ) { $0.headers[.location] }
            #expect(back == "/my-households?household=5")
            let login = try await PageTests.page(client, "/login", cookie: nil).1
            #expect(login.contains(#"<a href="/public">找到您的小区</a>"#))
            let signedOut = try await PageTests.page(client, "/logout", cookie: nil)
            #expect(signedOut.0 == .seeOther && signedOut.2[.location] == "/login")
            let (cookie, _) = try await client.session("louzhang")
            let ask = try await PageTests.page(client, "/logout", cookie: cookie)
            #expect(ask.0 == .ok && ask.1.contains("要退出登录吗？") && ask.1.contains(#"action="/logout""#))
            #expect(try await PageTests.page(client, "/", cookie: cookie).0 == .ok, "opening it signed nobody out")
        }
    }
}
