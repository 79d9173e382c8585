import CourtyardDomain
import CourtyardServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The server holds requests to the OpenAPI document: query parameters out of their type, range or enum are a 400
/// naming the parameter, and the document says which response fields may be null.
@Suite struct SchemaStrictnessTests {
    @Test func queryParametersTheDocumentRefusesAre400NamingThem() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let admin = try await client.token("admin", TestApp.adminPassword)
            let cases: [(String, String, String)] = [
                (office, "/api/v1/projects?batch_year=abc", "batch_year"),
                (office, "/api/v1/bulletins?batch_year=%7B%22a%22%3A1%7D", "batch_year"),
                (office, "/api/v1/projects?batch_year=1999", "batch_year"),
                (office, "/api/v1/votes?compound_id=x", "compound_id"),
                (office, "/api/v1/notices?compound_id=1.5", "compound_id"),
                (office, "/api/v1/users?format=pdf", "format"),
                (office, "/api/v1/reports?format=pdf", "format"),
                (office, "/api/v1/reports?overdue=yes", "overdue"),
                (admin, "/api/v1/audit?limit=5000", "limit"),
                (admin, "/api/v1/audit?entity_id=abc", "entity_id"),
                (office, "/api/v1/outbox?limit=0", "limit"),
                (office, "/api/v1/compounds?cursor=-1", "cursor"),
                (office, "/api/v1/compounds?community_id=abc", "community_id"),
                (office, "/api/v1/organisations?kind=bakery", "kind"),
                (office, "/api/v1/programme/progress", "batch_year"),
                (office, "/api/v1/projects/1/schedule?start=2026-13-01", "start"),
                (office, "/api/v1/projects/1/schedule?mode=forward&start=9999-01-01", "start"),
            ]
            for (token, uri, field) in cases {
                let r = try await client.call(.get, uri, token: token)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.json["error"]?["field"]?.stringValue == field, "\(uri): \(r.text)")
                #expect(r.json["error"]?["code"]?.stringValue != nil, "\(uri)")
            }
            for uri in [
                "/api/v1/projects?batch_year=2026&limit=1000&format=json", "/api/v1/audit?limit=1000",
                "/api/v1/organisations?kind=contractor", "/api/v1/reports?overdue=true&compound_id=1",
            ] {
                let token = uri.hasPrefix("/api/v1/audit") ? admin : office
                #expect(try await client.call(.get, uri, token: token).status == .ok, "\(uri)")
            }
        }
    }

    /// An If-Match that is not an entity tag the server gives is a 400; another version's tag stays a 412.
    @Test func aMalformedIfMatchIs400() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let first = try await client.call(.get, "/api/v1/compounds?limit=1", token: office).json.items[0]
            let id = first["id"]!.intValue!
            let bad = try await client.call(
                .patch, "/api/v1/compounds/\(id)", token: office, body: #"{"address":"x"}"#,
                headers: [.ifMatch: "W/\"{z&\""])
            #expect(bad.status == .badRequest && bad.json["error"]?["field"]?.stringValue == "If-Match")
            let stale = try await client.call(
                .patch, "/api/v1/compounds/\(id)", token: office,
                body: #"{"address":"x"}"#,
                headers: [.ifMatch: "\"\(id)-999\""])
            #expect(stale.status == .preconditionFailed)
        }
    }

    /// A request without an account is a 401 before its body or path is judged.
    @Test func signingInComesBeforeTheBody() async throws {
        try await TestApp.with { client, _ in
            let r = try await client.call(
                .post, "/api/v1/projects/1/work_items", token: nil,
                body: #"{"budget_fen": 0, "code": "", "quantity": 0}"#)
            #expect(r.status == .unauthorized)
            let t = try await client.call(
                .patch, "/api/v1/projects/1/tasks/1", token: nil, body: "{}",
                headers: [.ifMatch: "nonsense"])
            #expect(t.status == .unauthorized)
            #expect(try await client.call(.get, "/healthz", token: nil).status == .ok)
            let trace = try await client.call(.init("TRACE")!, "/healthz", token: nil)
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "GET")
        }
    }

    /// A change may not empty a required field, and a flag is true or false, never null (it was a 500).
    @Test func aChangeMayNotEmptyARequiredFieldNorNullAFlag() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let first = try await client.call(.get, "/api/v1/compounds?limit=1", token: admin).json.items[0]
            let id = first["id"]!.intValue!
            let empty = try await client.call(.patch, "/api/v1/compounds/\(id)", token: admin, body: #"{"name":" "}"#)
            #expect(empty.status == .unprocessableContent && empty.json["error"]?["field"]?.stringValue == "name")
            let flag = try await client.call(
                .patch, "/api/v1/compounds/\(id)", token: admin,
                body: #"{"ownerless":null}"#)
            #expect(flag.status == .unprocessableContent && flag.json["error"]?["field"]?.stringValue == "ownerless")
            let created = try await client.call(
                .post, "/api/v1/compounds", token: admin,
                body: #"{"community_id":1,"name":"新院","ownerless":null}"#)
            #expect(created.status == .unprocessableContent, "\(created.text)")
        }
    }

    /// Fields a project may leave unset are nullable in the document, as the server sends them.
    @Test func theDocumentSaysWhichFieldsMayBeNull() async throws {
        try await TestApp.with { client, _ in
            let document = try await client.call(.get, "/api/v1/openapi.json", token: nil).json
            let project = document["components"]?["schemas"]?["Project"]?["properties"]
            for field in [
                "planned_start", "contractor_id", "supervisor_id", "designer_id", "pm_company_id",
                "started_on", "completed_on",
            ] {
                #expect(project?[field]?["nullable"] == .bool(true), "\(field)")
            }
            #expect(project?["deadline"]?["nullable"] == nil)
            let limit = document["paths"]?["/api/v1/projects"]?["get"]?["parameters"]?.arrayItems
                .first { $0["name"]?.stringValue == "limit" }
            #expect(limit?["schema"]?["maximum"]?.intValue == 1000 && limit?["schema"]?["minimum"]?.intValue == 1)
        }
    }
}
