import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct APITests {
    /// Creates sub-district → community → compound → building → entrance and returns their ids.
    static func tree(_ client: any TestClientProtocol, _ token: String) async throws -> [Int64] {
        var ids: [Int64] = []
        let sd = try await client.call(.post, "/api/v1/subdistricts", token: token, body: #"{"name":"建设路街道"}"#)
        #expect(sd.status == .created)
        ids.append(sd.json["id"]!.intValue!)
        let steps: [(String, String)] = [
            ("communities", "subdistrict_id"), ("compounds", "community_id"), ("buildings", "compound_id"),
            ("entrances", "building_id"),
        ]
        for (resource, parent) in steps {
            let r = try await client.call(
                .post, "/api/v1/\(resource)", token: token, body: #"{"\#(parent)":\#(ids.last!),"name":"甲"}"#)
            #expect(r.status == .created, "\(resource): \(r.text)")
            ids.append(r.json["id"]!.intValue!)
        }
        return ids
    }

    @Test func createsReadsAndUpdatesWithETags() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let ids = try await Self.tree(client, token)
            let made = try await client.call(
                .post, "/api/v1/households", token: token,
                body: #"{"entrance_id":\#(ids[4]),"room":"301","floor":3,"area_m2":"85.6"}"#)
            #expect(made.status == .created)
            #expect(made.json["area_m2"]?.stringValue == "85.60")
            #expect(made.json["compound_id"]?.intValue == ids[2])
            let id = made.json["id"]!.intValue!
            let read = try await client.call(.get, "/api/v1/households/\(id)", token: token)
            let etag = try #require(read.headers[.eTag])
            let notModified = try await client.call(
                .get, "/api/v1/households/\(id)", token: token, headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            let updated = try await client.call(
                .patch, "/api/v1/households/\(id)", token: token, body: #"{"area_m2":"90.05"}"#,
                headers: [.ifMatch: etag])
            #expect(updated.status == .ok)
            #expect(updated.json["area_m2"]?.stringValue == "90.05")
            #expect(updated.headers[.eTag] != etag)
            let stale = try await client.call(
                .patch, "/api/v1/households/\(id)", token: token, body: #"{"area_m2":"70"}"#, headers: [.ifMatch: etag])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.json.errorCode == "stale")
            let final = try await client.call(.get, "/api/v1/households/\(id)", token: token)
            #expect(final.json["area_m2"]?.stringValue == "90.05")
        }
    }

    @Test func twoEditorsAtOnceOneWins() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let ids = try await Self.tree(client, token)
            let etag = try await client.call(.get, "/api/v1/compounds/\(ids[2])", token: token).headers[.eTag]!
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        try await client.call(
                            .patch, "/api/v1/compounds/\(ids[2])", token: token,
                            body: #"{"address":"路\#(i)号"}"#, headers: [.ifMatch: etag]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 5)
        }
    }

    /// A body whose bytes are not UTF-8 is refused, not stored with replacement marks in a name.
    @Test func aBodyThatIsNotUTF8IsRefused() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let ids = try await Self.tree(client, token)
            let bytes = Array(#"{"community_id":\#(ids[1]),"name":""#.utf8) + [0xFF, 0xFE] + Array("张\"}".utf8)
            let (status, body) = try await client.execute(
                uri: "/api/v1/compounds", method: .post,
                headers: [
                    .authorization: "Bearer \(token)", .contentType: "application/json", .acceptLanguage: "zh-CN",
                ],
                body: ByteBuffer(bytes: bytes)
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(status == .badRequest && body.contains("invalid_utf8") && body.contains("UTF-8 编码"), "\(body)")
        }
    }

    @Test func clientMistakesGetClearErrorsNever500() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let ids = try await Self.tree(client, token)
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String, String?)] = [
                (.post, "/api/v1/compounds", "{not json", .badRequest, "invalid_json", nil),
                (
                    .post, "/api/v1/compounds", #"{"community_id":\#(ids[1]),"name":"乙","colour":"red"}"#,
                    .unprocessableContent, "unknown_field", "colour"
                ),
                (
                    .post, "/api/v1/compounds", #"{"community_id":\#(ids[1])}"#, .unprocessableContent, "required",
                    "name"
                ),
                (
                    .post, "/api/v1/compounds", #"{"community_id":999,"name":"乙"}"#, .unprocessableContent, "not_found",
                    "community_id"
                ),
                (.post, "/api/v1/compounds", #"{"community_id":\#(ids[1]),"name":"甲"}"#, .conflict, "conflict", nil),
                (
                    .post, "/api/v1/households", #"{"entrance_id":\#(ids[4]),"room":"1","area_m2":"85.123"}"#,
                    .unprocessableContent, "invalid", "area_m2"
                ),
                (.get, "/api/v1/compounds/999", nil, .notFound, "not_found", nil),
                (.get, "/api/v1/compounds?limit=0", nil, .badRequest, "invalid_limit", "limit"),
                (.get, "/api/v1/compounds?colour=red", nil, .badRequest, "unknown_filter", "colour"),
                (
                    .patch, "/api/v1/compounds/\(ids[2])", #"{"built_year":"old"}"#, .unprocessableContent, "invalid",
                    "built_year"
                ),
                (.patch, "/api/v1/compounds/\(ids[2])", #"{"name":"x"}"#, .preconditionFailed, "stale", nil),
                (.delete, "/api/v1/communities/\(ids[1])", nil, .conflict, "conflict", nil),
            ]
            for (i, c) in cases.enumerated() {
                let headers: HTTPFields = c.4 == "stale" ? [.ifMatch: "\"\(ids[2])-99\""] : [:]
                let r = try await client.call(c.0, c.1, token: token, body: c.2, headers: headers)
                #expect(r.status == c.3, "case \(i): \(r.text)")
                #expect(r.json.errorCode == c.4, "case \(i)")
                #expect(r.json["error"]?["field"]?.stringValue == c.5, "case \(i)")
            }
        }
    }

    @Test func listsPageByCursorAndExportAsCSV() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let token = try await client.token("office")
            var seen: [Int64] = []
            var cursor: String? = nil
            repeat {
                let r = try await client.call(
                    .get, "/api/v1/compounds?limit=15" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                seen += r.json.items.compactMap { $0["id"]?.intValue }
                cursor = r.json["next_cursor"]?.stringValue
            } while cursor != nil
            #expect(seen.count == 40)
            #expect(Set(seen).count == 40)
            let csv = try await client.call(.get, "/api/v1/compounds?format=csv&community_id=1", token: token)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(
                lines.first?.hasSuffix(
                    "id,community_id,subdistrict_id,name,address,built_year,ownerless,zone_id,lat,lon,version") == true)
            #expect(lines.count == 9)
            for list in ["users", "audit", "imports", "residents", "organisations"] {
                let r = try await client.call(.get, "/api/v1/\(list)?format=csv", token: token)
                #expect(r.status == .ok, "\(list) as CSV")
                #expect(r.headers[.contentType]?.hasPrefix("text/csv") == true, "\(list) as CSV")
                #expect(r.text.split(separator: "\r\n").count > 1, "\(list) has rows")
            }
            let contractors = try await client.call(.get, "/api/v1/organisations?kind=contractor", token: token)
            #expect(contractors.json.items.count == 3)
            #expect(contractors.json.items.allSatisfy { $0["kind"]?.stringValue == "contractor" })
            let hh = try await client.call(.get, "/api/v1/households?compound_id=1&limit=1", token: token)
            guard case .array(let residents) = hh.json.items.first?["residents"] ?? .null else {
                Issue.record("no residents")
                return
            }
            #expect(residents.contains { $0["relation"]?.stringValue == "owner" })
        }
    }

    @Test func everyChangeShowsInTheAuditLog() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let ids = try await Self.tree(client, token)
            _ = try await client.call(.patch, "/api/v1/compounds/\(ids[2])", token: token, body: #"{"ownerless":true}"#)
            let log = try await client.call(.get, "/api/v1/audit?entity=compounds&entity_id=\(ids[2])", token: token)
            #expect(log.json.items.map { $0["action"]?.stringValue } == ["update", "create"])
            #expect(log.json.items.first?["username"]?.stringValue == "admin")
        }
    }

    @Test func healthMetricsAndOpenAPI() async throws {
        try await TestApp.with { client, services in
            let health = try await client.call(.get, "/healthz", token: nil)
            #expect(health.status == .ok)
            #expect(health.json["database"]?.stringValue == services.database.kind.rawValue)
            #expect(health.json["migration"]?.intValue == Int64(Migrations.latest))
            _ = try await client.call(.get, "/api/v1/compounds", token: nil)
            let metrics = try await client.call(.get, "/metrics", token: nil)
            #expect(
                metrics.text.contains(
                    #"courtyard_http_requests_total{method="GET",route="/api/v1/compounds",status="401"} 1"#))
            #expect(metrics.text.contains("courtyard_http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("courtyard_db_pool_connections"))
            let doc = try await client.call(.get, "/api/v1/openapi.json", token: nil)
            #expect(doc.json["openapi"]?.stringValue == "3.0.3")
            let paths = doc.json["paths"]
            for spec in ResourceSpec.all + [ResourceSpec.subdistricts] {
                #expect(paths?["/api/v1/\(spec.name)"] != nil, "\(spec.name) documented")
                #expect(paths?["/api/v1/\(spec.name)/{id}"]?["patch"] != nil, "\(spec.name) update documented")
            }
            for p in [
                "/api/v1/auth/token", "/api/v1/users", "/api/v1/imports", "/api/v1/audit", "/api/v1/exports/registry",
                "/healthz",
            ] {
                #expect(paths?[p] != nil, "\(p) documented")
            }
        }
    }

    /// The live test client's deadline is fixed at 20 s. When the whole suite runs on PostgreSQL on two cores a
    /// request can miss it while nothing is wrong, so an attempt that timed out is made again, three at most; a
    /// wrong answer fails at once.
    @Test func servesOverRealHTTP() async throws {
        for attempt in 1...3 {
            do {
                try await TestApp.with(.live) { client, _ in
                    let token = try await client.token("admin", TestApp.adminPassword)
                    let ids = try await Self.tree(client, token)
                    let r = try await client.call(.get, "/api/v1/compounds/\(ids[2])", token: token)
                    #expect(r.status == .ok)
                    #expect(r.json["name"]?.stringValue == "甲")
                }
                return
            } catch TestClient.Error.readTimeout where attempt < 3 {
                continue
            }
        }
    }
}
