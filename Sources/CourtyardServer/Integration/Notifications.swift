import AsyncHTTPClient
import CourtyardDomain
import CourtyardStore
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Where text messages and e-mail leave the system. A deployment plugs in its operator's gateway;
/// the default writes what it would send to the log, with the phone masked.
public protocol MessageGateway: Sendable {
    func send(phone: String, text: String) async throws
}

public struct LogMessageGateway: MessageGateway {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func send(phone: String, text: String) async throws {
        logger.info("message to \(PersonalData.maskPhone(phone)): \(text)")
    }
}

/// Webhook targets: http(s) only, and never a non-public address (`AddressPolicy`) unless the operator allows it.
/// The name is resolved once per check and the connection pinned to the address that was checked, so a name that
/// answers differently the second time (DNS rebinding) cannot lead elsewhere.
enum WebhookTarget {
    struct Refused: Error { let message: String }

    /// A checked target: the URL as given, and the address to connect to (nil when the host is already an address).
    struct Checked {
        var url: URL
        var pinned: String?
    }

    static func check(_ text: String, allowPrivate: Bool) throws -> URL {
        try checked(text, allowPrivate: allowPrivate).url
    }

    static func checked(_ text: String, allowPrivate: Bool) throws -> Checked {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            throw Refused(message: "the url must be an http or https address")
        }
        let literal = AddressPolicy.parse(host)
        let addresses = literal.map { [$0] } ?? resolve(host)
        guard let first = addresses.first else { throw Refused(message: "\(host) does not resolve") }
        if !allowPrivate, let bad = addresses.first(where: isPrivate) {
            throw Refused(
                message: "\(host) is not a public address (\(render(bad))); "
                    + "set COURTYARD_ALLOW_PRIVATE_WEBHOOKS=1 to allow loopback and private ones")
        }
        return Checked(url: url, pinned: literal == nil ? render(first) : nil)
    }

    /// Every address a host name resolves to, as bytes (4 for IPv4, 16 for IPv6).
    static func resolve(_ host: String) -> [[UInt8]] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(result) }
        var out: [[UInt8]] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if ai.pointee.ai_family == AF_INET, let sa = ai.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { s in
                    var a = s.pointee.sin_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            } else if ai.pointee.ai_family == AF_INET6, let sa = ai.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { s in
                    var a = s.pointee.sin6_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            }
            p = ai.pointee.ai_next
        }
        return out
    }

    static func isPrivate(_ a: [UInt8]) -> Bool { !AddressPolicy.isPublic(a) }

    /// "203.0.113.9" or "2001:db8::1": what a connection is pinned to.
    static func render(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = a.withUnsafeBytes { raw in
            inet_ntop(AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "::"
    }
}

/// Delivers the outbox: webhooks signed with HMAC-SHA256 of the body, messages through the gateway;
/// failures are retried with backoff. Runs beside the server; several servers may run it at once
/// because an item is claimed before it is sent.
public struct OutboxWorker: Service {
    let database: Database
    let gateway: any MessageGateway
    let allowPrivate: Bool
    let logger: Logger
    var interval: Duration = .seconds(1)

    public init(database: Database, gateway: any MessageGateway, allowPrivate: Bool, logger: Logger) {
        self.database = database
        self.gateway = gateway
        self.allowPrivate = allowPrivate
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { _ = try await deliverDue() } catch { logger.error("outbox: \(error)") }
            try? await Task.sleep(for: interval)
        }
    }

    /// Deliveries under way at once.
    static let parallel = 4

    /// One pass over what is due; returns how many were delivered.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let items = try await Outbox.due(database: database)
        // Side by side, so one slow or dead target does not hold up the rest; but at most `parallel` at once, since
        // each takes database connections to claim and settle its message, and a pass over thousands of due messages
        // started together would take every connection from the requests the server is answering.
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            var waiting = items.makeIterator()
            for _ in 0..<Self.parallel {
                guard let item = waiting.next() else { break }
                group.addTask { try await deliver(item) }
            }
            var delivered = 0
            while let ok = try await group.next() {
                if ok { delivered += 1 }
                if let item = waiting.next() { group.addTask { try await deliver(item) } }
            }
            return delivered
        }
    }

    func deliver(_ item: Outbox.Item) async throws -> Bool {
        guard try await Outbox.claim(database: database, item: item) else { return false }
        do {
            switch item.targetKind {
            case "webhook": try await post(item)
            case "sms":
                let text = JSONValue.parse(item.payload)?["text"]?.stringValue ?? ""
                try await gateway.send(phone: item.target, text: text)
            default: throw WebhookTarget.Refused(message: "unknown target \(item.targetKind)")
            }
            try await Outbox.delivered(database: database, id: item.id)
            return true
        } catch {
            let message = (error as? WebhookTarget.Refused)?.message ?? String(describing: error)
            try await Outbox.failed(database: database, item: item, error: message)
            return false
        }
    }

    static func signature(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func post(_ item: Outbox.Item) async throws {
        // Checked again at delivery, and the connection pinned to the address checked: a name may resolve elsewhere
        // than when the webhook was added, or than a moment ago.
        let target = try WebhookTarget.checked(item.target, allowPrivate: allowPrivate)
        let body = Array(item.payload.utf8)
        var request = HTTPClientRequest(url: target.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Courtyard-Webhooks/1")
        // Targets are many and calls are rare: no idle connection is kept.
        request.headers.add(name: "Connection", value: "close")
        request.headers.add(name: "X-Courtyard-Event", value: item.event)
        request.headers.add(name: "X-Courtyard-Delivery", value: String(item.id))
        request.headers.add(name: "X-Courtyard-Signature", value: Self.signature(body: body, secret: item.secret ?? ""))
        request.body = .bytes(ByteBuffer(bytes: body))
        // A redirect is never followed (its target was never checked): a 3xx answer is a failed delivery.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        if let pinned = target.pinned, let host = target.url.host { configuration.dnsOverride = [host: pinned] }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = response.status.code
            _ = try? await response.body.collect(upTo: 64 * 1024)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        guard (200..<300).contains(status) else {
            throw WebhookTarget.Refused(
                message: (300..<400).contains(status)
                    ? "the target answered \(status), a redirect; redirects are not followed"
                    : "the target answered \(status)")
        }
    }
}
