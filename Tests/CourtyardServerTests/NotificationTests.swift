import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import Testing

@testable import CourtyardServer

/// A real HTTP server on a free port that records what it receives.
actor Receiver {
    struct Hit: Sendable {
        var headers: [String: String]
        var body: [UInt8]
    }
    var hits: [Hit] = []
    func add(_ h: Hit) { hits.append(h) }

    /// Runs `body` with the receiver listening; returns its port to the body.
    static func with<R: Sendable>(_ body: @escaping @Sendable (Int, Receiver) async throws -> R) async throws -> R {
        let receiver = Receiver()
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let headers = Dictionary(
                request.headers.map { ($0.name.canonicalName.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            await receiver.add(Hit(headers: headers, body: Array(bytes.readableBytesView)))
            return .noContent
        }
        router.post("fail") { _, _ -> HTTPResponse.Status in .internalServerError }
        router.post("redirect") { request, _ -> Response in
            Response(status: .temporaryRedirect, headers: [.location: request.uri.queryParameters.get("to") ?? "/hook"])
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var port = 0
            for await p in stream {
                port = p
                break
            }
            let result = try await body(port, receiver)
            group.cancelAll()
            return result
        }
    }
}

@Suite struct NotificationTests {
    @Test func privateAndLoopbackTargetsAreRefused() {
        for bad in [
            "http://127.0.0.1/x", "http://10.1.2.3/x", "http://192.168.0.9/x", "http://172.20.0.1/x",
            "http://169.254.169.254/latest",
            "http://[::1]/x", "http://localhost:8080/x", "ftp://example.org/x", "not a url",
        ] {
            #expect(throws: WebhookTarget.Refused.self, "\(bad)") { try WebhookTarget.check(bad, allowPrivate: false) }
        }
        #expect(!WebhookTarget.isPrivate([8, 8, 8, 8]) && !WebhookTarget.isPrivate([172, 32, 0, 1]))
        #expect(
            WebhookTarget.isPrivate([100, 64, 0, 1])
                && WebhookTarget.isPrivate(Array(repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1]))
        #expect((try? WebhookTarget.check("http://127.0.0.1:9/x", allowPrivate: true)) != nil)
    }

    @Test func webhooksAreRefusedOnPrivateAddressesThroughTheAPI() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.token("office")
            let refused = try await client.call(
                .post, "/api/v1/webhooks", token: office,
                body: #"{"url":"http://127.0.0.1:9/hook","events":["report.created"],"secret":"0123456789abcdef"}"#)
            #expect(refused.status == .unprocessableContent && refused.json.errorCode == "refused_target")
            let steward = try await client.token("steward")
            #expect(
                try await client.call(
                    .post, "/api/v1/webhooks", token: steward,
                    body: #"{"url":"http://example.org/hook","events":["report.created"],"secret":"0123456789abcdef"}"#
                ).status == .forbidden)
        }
    }

    @Test func ipv6FormsOfPrivateAddressesAreRefused() {
        for bad in [
            "http://[::ffff:127.0.0.1]/x", "http://[::127.0.0.1]/x", "http://[64:ff9b::7f00:1]/x",
            "http://0.0.0.0/x",
            "http://192.0.2.1/x", "http://198.51.100.1/x", "http://203.0.113.1/x", "http://[2001:db8::1]/x",
            "http://224.0.0.1/x", "http://240.0.0.1/x",
        ] {
            #expect(throws: WebhookTarget.Refused.self, "\(bad)") { try WebhookTarget.check(bad, allowPrivate: false) }
        }
    }

    /// A target answering with a redirect is a failed delivery: the event never reaches where the redirect points.
    @Test func redirectsAreNotFollowed() async throws {
        try await TestApp.with(demo: true, allowPrivateWebhooks: true) { client, services in
            try await Receiver.with { finalPort, final in
                try await Receiver.with { firstPort, _ in
                    while try await services.outboxWorker.deliverDue() > 0 {}
                    let office = try await client.token("office")
                    let target = "http://127.0.0.1:\(firstPort)/redirect?to=http://127.0.0.1:\(finalPort)/hook"
                    let hook = try await client.call(
                        .post, "/api/v1/webhooks", token: office,
                        body: #"{"url":"\#(target)","events":["report.created"],"secret":"0123456789abcdef"}"#)
                    #expect(hook.status == .created)
                    let compound = try await services.registry.list(
                        .compounds, query: ListQuery(limit: 1),
                        actor: .system
                    ).items[0].id
                    _ = try await client.call(
                        .post, "/api/v1/reports", token: office,
                        body: #"{"compound_id":\#(compound),"category":"safety","description":"井盖缺失"}"#)
                    #expect(try await services.outboxWorker.deliverDue() == 0)
                    #expect(await final.hits.isEmpty)
                    let outbox = try await client.call(.get, "/api/v1/outbox", token: office)
                    let item = outbox.json.items.first { $0["target"]?.stringValue == target }
                    #expect(item?["delivered_at"] == .null && item?["last_error"]?.stringValue?.contains("307") == true)
                }
            }
        }
    }

    /// An office sees its own webhooks' deliveries in the outbox, never another office's targets.
    @Test func theOutboxShowsAnOfficeOnlyItsOwnDeliveries() async throws {
        try await TestApp.with(demo: true, allowPrivateWebhooks: true) { client, services in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let sd2 = try await services.registry.create(
                .subdistricts, input: ["name": .string("第二街道")],
                actor: .system
            ).id
            let cm2 = try await services.registry.create(
                .communities,
                input: ["subdistrict_id": .int(sd2), "name": .string("二社区")], actor: .system
            ).id
            let cp2 = try await services.registry.create(
                .compounds,
                input: ["community_id": .int(cm2), "name": .string("二号院")], actor: .system
            ).id
            let account =
                #"{"username":"office2","password":"office2-pass","role":"subdistrict_officer","#
                + #""scope":"subdistrict:\#(sd2)"}"#
            #expect(try await client.call(.post, "/api/v1/users", token: admin, body: account).status == .created)
            let office2 = try await client.token("office2", "office2-pass")
            let secretURL = "http://127.0.0.1:9/hooks/T0KEN-of-office-2"
            #expect(
                try await client.call(
                    .post, "/api/v1/webhooks", token: office2,
                    body: #"{"url":"\#(secretURL)","events":["report.created"],"secret":"0123456789abcdef"}"#
                )
                .status == .created)
            _ = try await ReportRepository(database: services.database).create(
                .init(
                    compoundId: cp2, buildingId: nil,
                    category: .safety, description: "二街道的事", reporterName: "", reporterPhone: ""), actor: .system)
            let office = try await client.token("office")
            #expect(try await client.call(.get, "/api/v1/outbox", token: office2).text.contains("T0KEN-of-office-2"))
            #expect(!(try await client.call(.get, "/api/v1/outbox", token: office).text.contains("T0KEN-of-office-2")))
            #expect(try await client.call(.get, "/api/v1/outbox", token: admin).text.contains("T0KEN-of-office-2"))
        }
    }

    /// Events wait in the outbox; a worker started later (as after a restart) delivers them, signed.
    @Test func theOutboxSurvivesARestartAndDeliversSignedWebhooks() async throws {
        try await TestApp.with(demo: true, allowPrivateWebhooks: true) { client, services in
            try await Receiver.with { port, receiver in
                let office = try await client.token("office")
                // The demo's own messages go first (a pass takes a batch, so until none is left), so what follows
                // counts only this test's events.
                while try await services.outboxWorker.deliverDue() > 0 {}
                let secret = "s3cret-s3cret-s3cret"
                let hook = try await client.call(
                    .post, "/api/v1/webhooks", token: office,
                    body:
                        #"{"url":"http://127.0.0.1:\#(port)/hook","events":["report.created","report.transitioned","notice.published"],"secret":"\#(secret)"}"#
                )
                #expect(hook.status == .created && hook.json["secret"] == nil)
                let dead = try await client.call(
                    .post, "/api/v1/webhooks", token: office,
                    body: #"{"url":"http://127.0.0.1:\#(port)/fail","events":["*"],"secret":"\#(secret)"}"#)
                #expect(dead.status == .created)
                let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                    .items[0].id
                let report = try await client.call(
                    .post, "/api/v1/reports", token: office,
                    body:
                        #"{"compound_id":\#(compound),"category":"safety","description":"沟槽无围挡","reporter_phone":"13912345678"}"#
                )
                let rid = report.json["id"]!.intValue!
                _ = try await client.call(
                    .post, "/api/v1/reports/\(rid)/transitions", token: office, body: #"{"to":"acknowledged"}"#)
                #expect(await receiver.hits.isEmpty)

                // A new set of services over the same database stands for a restarted server.
                let gateway = RecordingGateway()
                let restarted = Services(
                    database: services.database,
                    configuration: ServerConfiguration(bcryptCost: 4, allowPrivateWebhooks: true),
                    gateway: gateway)
                let delivered = try await restarted.outboxWorker.deliverDue()
                #expect(delivered == 3)  // two webhook posts and the reporter's text message
                let hits = await receiver.hits
                #expect(
                    hits.compactMap { $0.headers["x-courtyard-event"] }.sorted() == [
                        "report.created", "report.transitioned",
                    ])
                for h in hits {
                    let mac = HMAC<SHA256>.authenticationCode(
                        for: h.body, using: SymmetricKey(data: Array(secret.utf8)))
                    let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
                    #expect(h.headers["x-courtyard-signature"] == expected)
                }
                let created = hits.first { $0.headers["x-courtyard-event"] == "report.created" }!
                let first = JSONValue.parse(String(decoding: created.body, as: UTF8.self))
                #expect(
                    first?["data"]?["id"]?.intValue == rid
                        && !String(decoding: created.body, as: UTF8.self).contains("13912345678"))
                let sent = await gateway.sent
                #expect(sent.count == 1 && sent.first?.0 == "13912345678" && sent.first?.1.contains("已受理") == true)
                // The message says where: the compound's name.
                let place = try await services.registry.get(.compounds, id: compound, actor: .system)["name"]?
                    .stringValue
                #expect(sent.first?.1.contains("您在\(try #require(place))反映的问题（查询码R-") == true)
                // Nothing is sent twice; a failing target is retried later, not dropped.
                #expect(try await restarted.outboxWorker.deliverDue() == 0)
                let outbox = try await client.call(.get, "/api/v1/outbox", token: office)
                let failing = outbox.json.items.filter { $0["target"]?.stringValue == "http://127.0.0.1:\(port)/fail" }
                #expect(
                    failing.count == 2
                        && failing.allSatisfy {
                            $0["attempts"]?.intValue == 1 && $0["delivered_at"] == .null && $0["last_error"] != .null
                        })
            }
        }
    }
}

/// Counts the messages being sent at the same moment, each taking a while.
actor SlowGateway: MessageGateway {
    var sending = 0, most = 0, sent = 0
    func send(phone: String, text: String) async throws {
        sending += 1
        most = max(most, sending)
        try await Task.sleep(for: .milliseconds(20))
        sending -= 1
        sent += 1
    }
}

@Suite struct OutboxPassTests {
    /// A pass over many due messages sends them side by side, but never more at once than it allows: each takes
    /// database connections, and the requests the server is answering need them too.
    @Test func aPassSendsSideBySideButBoundedAndSendsEveryMessage() async throws {
        try await TestDatabase.with { database in
            try await database.transaction { db in
                for i in 0..<30 {
                    try await Outbox.message(db: db, event: "test", phone: "1380000\(1000 + i)", text: "第\(i)条")
                }
            }
            let gateway = SlowGateway()
            let worker = OutboxWorker(
                database: database, gateway: gateway, allowPrivate: false, logger: Logger(label: "test"))
            #expect(try await worker.deliverDue() == 30)
            #expect(await gateway.sent == 30)
            let most = await gateway.most
            #expect(most > 1 && most <= OutboxWorker.parallel)
            #expect(try await worker.deliverDue() == 0)
        }
    }
}

actor RecordingGateway: MessageGateway {
    var sent: [(String, String)] = []
    func send(phone: String, text: String) async throws { sent.append((phone, text)) }
}
