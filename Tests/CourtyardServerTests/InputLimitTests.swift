import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Numbers and bodies a client sends are checked before any arithmetic: a 422 or 413 naming the problem, never a crash.
@Suite struct InputLimitTests {
    @Test func aHugeQuantityIsRefusedNamingTheField() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            for quantity in ["-1617986817094185472", "92233720368547758", "\"99999999999999999999.5\"", "0", "-1"] {
                let r = try await client.call(
                    .post, "/api/v1/projects/1/work_items", token: token,
                    body: #"{"code":"roofs","quantity":\#(quantity),"budget_fen":100}"#)
                #expect(r.status == .unprocessableContent, "quantity \(quantity)")
                #expect(r.json["error"]?["field"]?.stringValue == "quantity", "quantity \(quantity)")
            }
            let budget = try await client.call(
                .post, "/api/v1/projects/1/work_items", token: token,
                body: #"{"code":"roofs","quantity":1,"budget_fen":9223372036854775807}"#)
            #expect(budget.status == .unprocessableContent)
            #expect(budget.json["error"]?["field"]?.stringValue == "budget_fen")
        }
    }

    @Test func aBodyOverTheLimitIs413WithTheUsualErrorBody() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let big = "{\"title\":\"" + String(repeating: "x", count: 1024 * 1024 + 10) + "\"}"
            let r = try await client.call(
                .post, "/api/v1/projects", token: token, body: big,
                headers: [.acceptLanguage: "en"])
            #expect(r.status == .contentTooLarge)
            #expect(r.json.errorCode == "too_large")
            #expect(r.json["error"]?["message"]?.stringValue?.contains("1 MB") == true, "\(r.text)")
            #expect(r.json["error"]?["field"] == .null)
            let zh = try await client.call(.post, "/api/v1/projects", token: token, body: big)
            #expect(zh.status == .contentTooLarge)
            #expect(zh.json["error"]?["message"]?.stringValue?.contains("上限") == true)
            let form = try await client.call(
                .post, "/login", token: nil,
                body: "username=" + String(repeating: "a", count: 1_100_000),
                headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .contentTooLarge)
        }
    }
}

extension JSONValue {
    var list: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}
