import CourtyardDemo
import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// A server over a fresh database, with an admin whose password is known.
enum TestApp {
    static let adminPassword = "admin-password-1"

    static func with<R: Sendable>(
        demo: Bool = false, allowPrivateWebhooks: Bool = false, _ setup: TestingSetup = .router,
        _ body: @escaping @Sendable (any TestClientProtocol, Services) async throws -> R
    ) async throws -> R {
        let run: @Sendable (Database) async throws -> R = { db in
            var configuration = ServerConfiguration(
                bcryptCost: 4, allowPrivateWebhooks: allowPrivateWebhooks, runsOutboxWorker: false)
            // A form sent twice waits for the first sending however slow a busy machine makes it; the answer to a
            // sending that gives up waiting is tested on the store (`FormSubmissions`) with a clock of its own.
            configuration.sentFormPatience = 120
            let services = Services(database: db, configuration: configuration)
            if !demo { _ = try await ensureAdmin(services: services, password: adminPassword) }
            // An upload answers with its report when the import ends within this time, and with the job's page when
            // it does not; on a busy machine a small sheet may take longer than a person's 3 s, so tests that read
            // the report wait longer, and tests of the job's page set their own limit.
            await services.importJobs.setAnswerWithin(.seconds(120))
            let app = buildApplication(services: services)
            return try await app.test(setup) { client in try await body(client, services) }
        }
        guard demo else { return try await TestDatabase.with(run) }
        // The demo sub-district is seeded once per test run and copied for each test.
        return try await TestDatabase.with(
            prepared: "demo",
            { db in
                let services = Services(
                    database: db, configuration: ServerConfiguration(bcryptCost: 4, runsOutboxWorker: false))
                _ = try await ensureAdmin(services: services, password: adminPassword)
                try await DemoData.seed(services: services, scale: .subdistrict)
            }, run)
    }
}

extension TestClientProtocol {
    func token(_ username: String, _ password: String = DemoData.password) async throws -> String {
        try await execute(
            uri: "/api/v1/auth/token", method: .post,
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ) { response in
            #expect(response.status == .created, "sign-in of \(username)")
            return try json(response)["token"]?.stringValue ?? ""
        }
    }

    /// A JSON request with a bearer token; returns status, parsed body and headers.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil, headers: HTTPFields = [:]
    )
        async throws -> (status: HTTPResponse.Status, json: JSONValue, headers: HTTPFields, text: String)
    {
        var h = headers
        if let token { h[.authorization] = "Bearer \(token)" }
        if body != nil, h[.contentType] == nil { h[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: h, body: body.map { ByteBuffer(string: $0) }) { r in
            let text = String(buffer: r.body)
            let parsed = (try? JSONDecoder().decode(AnyJSONForTests.self, from: Data(text.utf8)))?.value ?? .null
            return (r.status, parsed, r.headers, text)
        }
    }

    /// Signs in through the login form and returns the session cookie and the page's CSRF token.
    func session(_ username: String, _ password: String = DemoData.password) async throws -> (
        cookie: String, csrf: String
    ) {
        let cookie = try await execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "username=\(username)&password=\(password)&next=/")
        ) { r in
            #expect(r.status == .seeOther, "page sign-in of \(username)")
            let set = r.headers[.setCookie] ?? ""
            return String(set.split(separator: ";")[0])
        }
        let csrf = try await execute(uri: "/users", method: .get, headers: [.cookie: cookie]) { r in
            let page = String(buffer: r.body)
            guard let range = page.range(of: "name=\"_csrf\" value=\"") else { return "" }
            return String(page[range.upperBound...].prefix { $0 != "\"" })
        }
        return (cookie, csrf)
    }
}

func json(_ response: TestResponse) throws -> JSONValue {
    try JSONDecoder().decode(AnyJSONForTests.self, from: Data(String(buffer: response.body).utf8)).value
}

/// The tests' own JSON reader, so they do not trust the server's parser to check the server.
struct AnyJSONForTests: Decodable {
    var value: JSONValue
    init(from decoder: any Decoder) throws {
        if var a = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !a.isAtEnd { items.append(try a.decode(AnyJSONForTests.self).value) }
            value = .array(items)
        } else if let o = try? decoder.container(keyedBy: K.self) {
            value = .object(
                try o.allKeys.map { ($0.stringValue, try o.decode(AnyJSONForTests.self, forKey: $0).value) })
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                value = .null
            } else if let b = try? c.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                value = .int(i)
            } else if let d = try? c.decode(Decimal.self) {
                value = .number("\(d)")
            } else {
                value = .string(try c.decode(String.self))
            }
        }
    }
    struct K: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension JSONValue {
    var items: [JSONValue] {
        if case .array(let a) = self["items"] ?? .null { return a }
        return []
    }
    var errorCode: String? { self["error"]?["code"]?.stringValue }
}
