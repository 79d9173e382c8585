import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

struct Row {
    let method: HTTPRequest.Method
    let uri: String
    let body: String?
    let expected: [Int]
    init(_ m: HTTPRequest.Method, _ u: String, _ b: String?, _ e: [Int]) {
        method = m
        uri = u
        body = b
        expected = e
    }
}

/// Every demo role against every kind of route, on the API and on the pages.
@Suite struct RoleMatrixTests {
    @Test func everyRoleGetsExactlyItsScope() async throws {
        try await TestApp.with(demo: true) { client, services in
            // Compound A is in the steward's and the community account's scope; compound B is elsewhere in the sub-district.
            let (a, b, hhB) = try await services.database.withConnection { db in
                let a = try await db.raw(
                    "SELECT MIN(id) AS id FROM compounds WHERE community_id = (SELECT MIN(id) FROM communities)"
                ).first()!
                .decode(column: "id", as: Int64.self)
                let b = try await db.raw("SELECT MAX(id) AS id FROM compounds").first()!.decode(
                    column: "id", as: Int64.self)
                let h = try await db.raw("SELECT MIN(id) AS id FROM households WHERE compound_id = \(bind: b)").first()!
                    .decode(column: "id", as: Int64.self)
                return (a, b, h)
            }
            let buildingB = try await services.database.withConnection { db in
                try await db.raw("SELECT MIN(id) AS id FROM buildings WHERE compound_id = \(bind: b)").first()!.decode(
                    column: "id", as: Int64.self)
            }
            // An organisation names its sub-district (an administrator must; an office's own is the default).
            let sdA = try await services.database.withConnection { db in
                try await db.raw("SELECT subdistrict_id FROM compounds WHERE id = \(bind: a)").first()!
                    .decode(column: "subdistrict_id", as: Int64.self)
            }
            let users = [
                "admin", "office", "community", "steward", "contractor", "supervisor", "pm", "water", "property",
                "viewer",
            ]
            var tokens: [String: String] = [:]
            for u in users {
                tokens[u] = try await client.token(u, u == "admin" ? TestApp.adminPassword : DemoData.password)
            }

            //                                               admin office comm steward contr super pm  water prop viewer
            let matrix: [Row] = [
                Row(.get, "/api/v1/compounds/\(a)", nil, [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
                Row(.get, "/api/v1/compounds/\(b)", nil, [200, 200, 404, 404, 403, 403, 403, 403, 403, 200]),
                Row(.get, "/api/v1/households/\(hhB)", nil, [200, 200, 404, 404, 403, 403, 403, 403, 403, 200]),
                Row(
                    .patch, "/api/v1/compounds/\(b)", #"{"address":"新地址"}"#,
                    [200, 200, 404, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/users", nil, [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(
                    .post, "/api/v1/users",
                    #"{"username":"u_x","password":"password-1","role":"viewer","scope":"compound:\#(a)"}"#,
                    [201, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/audit", nil, [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/imports", nil, [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(
                    .get, "/api/v1/exports/registry?format=csv", nil,
                    [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/organisations", nil, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
                Row(
                    .post, "/api/v1/organisations", #"{"name":"新施工单位","kind":"contractor","subdistrict_id":\#(sdA)}"#,
                    [201, 201, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/residents?limit=5", nil, [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
            ]
            // Projects: organisations see only those they work on, so the expectation follows project B's assignments.
            let sd = try await services.database.withConnection { db in
                try await db.raw("SELECT subdistrict_id FROM compounds WHERE id = \(bind: b)").first()!.decode(
                    column: "subdistrict_id", as: Int64.self)
            }
            let projectB = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT id, contractor_id, supervisor_id, pm_company_id FROM projects WHERE compound_id = \(bind: b)"
                ).first()!
            }
            let pB = try projectB.decode(column: "id", as: Int64.self)
            var orgOf: [String: Int64] = [:]
            for u in ["contractor", "supervisor", "pm"] {
                let me = try await client.call(.get, "/api/v1/auth/me", token: tokens[u])
                orgOf[u] = Int64(me.json["scope"]!.stringValue!.split(separator: ":")[1])!
            }
            func sees(_ u: String, _ column: String) throws -> Int {
                try projectB.decode(column: column, as: Int64?.self) == orgOf[u] ? 200 : 404
            }
            let projectRow = Row(
                .get, "/api/v1/projects/\(pB)", nil,
                [
                    200, 200, 404, 404, try sees("contractor", "contractor_id"),
                    try sees("supervisor", "supervisor_id"), try sees("pm", "pm_company_id"), 403, 403, 200,
                ])
            let programme: [Row] = [
                projectRow,
                Row(.get, "/api/v1/bulletins", nil, [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
                Row(
                    .post, "/api/v1/bulletins", #"{"as_of":"2026-11-20","batch_year":2026}"#,
                    [201, 201, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/questionnaires", nil, [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
                Row(
                    .post, "/api/v1/webhooks",
                    #"{"url":"http://127.0.0.1/x","events":["*"],"secret":"0123456789abcdef"}"#,
                    [422, 422, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(.get, "/api/v1/outbox", nil, [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                Row(
                    .get, "/api/v1/service_levels?subdistrict_id=\(sd)", nil,
                    [200, 200, 403, 403, 403, 403, 403, 403, 403, 200]),
            ]
            for row in matrix + programme {
                for (i, user) in users.enumerated() {
                    var body = row.body
                    if let b = body {
                        body = b.replacingOccurrences(of: "u_x", with: "u_\(user)").replacingOccurrences(
                            of: "新施工单位", with: "施工单位\(user)")
                    }
                    let r = try await client.call(row.method, row.uri, token: tokens[user], body: body)
                    #expect(Int(r.status.code) == row.expected[i], "\(user) \(row.method) \(row.uri)")
                    if r.status.code >= 400 { #expect(r.json.errorCode != nil, "error body for \(user) \(row.uri)") }
                }
            }
            // Lists are cut to scope, not refused: the community account sees no household of compound B.
            let listB = try await client.call(.get, "/api/v1/households?compound_id=\(b)", token: tokens["community"])
            #expect(listB.status == .ok)
            #expect(listB.json.items.isEmpty)
            let listA = try await client.call(
                .get, "/api/v1/households?compound_id=\(a)&limit=3", token: tokens["steward"])
            #expect(listA.json.items.count == 3)
            // The viewer reads the registry with names and phones masked.
            let masked = try await client.call(.get, "/api/v1/households/\(hhB)", token: tokens["viewer"])
            guard case .array(let residents) = masked.json["residents"] ?? .null, let first = residents.first else {
                Issue.record("household without residents")
                return
            }
            #expect(first["phone"]?.stringValue?.contains("****") == true)

            // The pages apply the same checks.
            let pages: [(String, [Int])] = [
                ("/", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
                ("/buildings/\(buildingB)", [200, 200, 404, 404, 403, 403, 403, 403, 403, 200]),
                ("/households/\(hhB)", [200, 200, 404, 404, 403, 403, 403, 403, 403, 200]),
                ("/compounds/\(b)", [200, 200, 404, 404, 403, 403, 403, 403, 403, 200]),
                ("/users", [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                ("/import", [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                ("/audit", [200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
                ("/programme", [200, 200, 200, 200, 200, 200, 200, 403, 403, 200]),
                ("/bulletins", [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
                ("/participation", [200, 200, 200, 200, 403, 403, 403, 403, 403, 200]),
            ]
            for (i, user) in users.enumerated() {
                let cookie = try await client.session(user, user == "admin" ? TestApp.adminPassword : DemoData.password)
                    .cookie
                for (uri, expected) in pages {
                    let status = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) {
                        $0.status
                    }
                    #expect(Int(status.code) == expected[i], "page \(uri) for \(user)")
                }
            }
        }
    }
}
