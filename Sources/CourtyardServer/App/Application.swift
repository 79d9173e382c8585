import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import Logging

/// How a server is started; the executable and the tests both build one.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// bcrypt's cost: 12 in service; tests lower it so hundreds of sign-ins stay fast.
    public var bcryptCost: UInt8
    public var secureCookies: Bool
    /// Webhooks to loopback and private addresses are refused unless the operator allows them (COURTYARD_ALLOW_PRIVATE_WEBHOOKS=1).
    public var allowPrivateWebhooks: Bool
    /// Runs the outbox worker beside the server; tests drive it by hand.
    public var runsOutboxWorker: Bool
    /// The address residents reach the site at, for links and QR codes on printed posters (COURTYARD_PUBLIC_URL);
    /// without it, the address the request came to.
    public var publicURL: String?
    /// The phone number printed on posters for residents' questions (COURTYARD_HELP_PHONE).
    public var helpPhone: String?
    /// The reverse proxies whose `X-Forwarded-For` names the client (COURTYARD_TRUSTED_PROXIES, addresses or CIDRs);
    /// without it the header is ignored. A list that does not parse stops the server at start.
    public var trustedProxies: TrustedProxies = .none
    /// How long a form sent a second time waits for the first sending to be saved before it says it may have been
    /// (`FormSubmissions`); tests on a busy machine wait longer.
    public var sentFormPatience: Double = 10

    public init(
        host: String = "127.0.0.1", port: Int = 8080, bcryptCost: UInt8 = 12, secureCookies: Bool = false,
        allowPrivateWebhooks: Bool = false, runsOutboxWorker: Bool = true
    ) {
        self.host = host
        self.port = port
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.allowPrivateWebhooks = allowPrivateWebhooks
        self.runsOutboxWorker = runsOutboxWorker
        self.publicURL = ProcessInfo.processInfo.environment["COURTYARD_PUBLIC_URL"].flatMap {
            $0.isEmpty ? nil : String($0.trimmingSuffix("/"))
        }
        self.helpPhone = ProcessInfo.processInfo.environment["COURTYARD_HELP_PHONE"].flatMap {
            $0.isEmpty ? nil : $0
        }
    }
}

func buildRouter(services: Services) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    router.add(middleware: MetricsMiddleware(registry: services.metrics))
    router.add(middleware: AuthMiddleware(services: services))
    router.add(middleware: QueryMiddleware(rules: OpenAPIDocument.queryRules))
    OpsRoutes.add(to: router, services: services)
    let api = router.group("api/v1")
    AuthController(services: services).register(on: api)
    RegistryRoutes.add(to: api, services: services)
    AccountController(services: services).register(on: api)
    ImportRoutes.add(to: api, services: services)
    VoteRoutes.add(to: api, services: services)
    ReportRoutes.add(to: api, services: services)
    ProjectRoutes.add(to: api, services: services)
    SafetyRoutes.add(to: api, services: services)
    BulletinRoutes.add(to: api, services: services)
    ParticipationRoutes.add(to: api, services: services)
    IntegrationRoutes.add(to: api, services: services)
    CoordinationRoutes.add(to: api, services: services)
    InvestmentRoutes.add(to: api, services: services)
    StewardRoutes.add(to: api, services: services)
    ZoneRoutes.add(to: api, services: services)
    EventRoutes.add(to: api, services: services)
    CalendarFeedController.addFeedRoute(to: router, services: services)
    Open311Routes.add(to: router, services: services)
    Pages.add(to: router, services: services)
    router.add(middleware: MethodMiddleware(table: MethodTable(routes: router.routes)))
    return router
}

public func buildApplication(services: Services) -> some ApplicationProtocol {
    Application(
        router: buildRouter(services: services),
        configuration: .init(
            address: .hostname(services.configuration.host, port: services.configuration.port),
            serverName: "courtyard"),
        services: services.configuration.runsOutboxWorker
            ? [services.outboxWorker, CoordinationSweep(services: services)] : [],
        logger: services.logger)
}

/// Creates the first administrator on an empty database; returns the password when one was generated.
public func ensureAdmin(services: Services, password: String?, lang: Lang = .en) async throws -> String? {
    guard try await services.accounts.count() == 0 else { return nil }
    let chosen = password.flatMap { $0.isEmpty ? nil : $0 } ?? Security.randomToken().prefix(16).description
    if let why = passwordRefusal(chosen, username: "admin", lang: lang) {
        throw PasswordRefused(message: "COURTYARD_ADMIN_PASSWORD: \(why)")
    }
    let hash = try await Security.hashPassword(chosen, cost: services.configuration.bcryptCost)
    do {
        _ = try await services.accounts.create(
            username: "admin", passwordHash: hash, role: .admin, scope: .global,
            displayName: "系统管理员", actor: .system)
    } catch {
        // Another server starting over the same database made it a moment earlier.
        if try await services.accounts.find(username: "admin") != nil { return nil }
        throw error
    }
    return password == nil || password!.isEmpty ? chosen : nil
}

/// A password set outside a request that the password rules refuse.
public struct PasswordRefused: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Hashes with the configured cost; the CLI and demo data use it too.
public func hashPassword(_ password: String, services: Services) async throws -> String {
    try await Security.hashPassword(password, cost: services.configuration.bcryptCost)
}

extension String {
    func trimmingSuffix(_ c: Character) -> Substring {
        var s = Substring(self)
        while s.last == c { s = s.dropLast() }
        return s
    }
}

extension Services {
    /// An absolute link residents can open, for QR codes, printed notices and feeds: COURTYARD_PUBLIC_URL, else the
    /// address the request was sent to when it reads as a host name or address (nothing else is put in a link), else
    /// the server's own. Responses carrying such a link say `Vary: Host`, so a shared cache keeps one per address.
    func publicLink(_ path: String, request: Request) -> String {
        if let url = configuration.publicURL { return url + path }
        let own = "\(configuration.host):\(configuration.port)"
        let asked = request.head.authority.flatMap { Self.plainAuthority($0) ? $0 : nil }
        return "http://" + (asked ?? own) + path
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`: a name of letters, digits, dots and hyphens (no label empty or
    /// beginning or ending with a hyphen), or an IPv6 address in brackets; a port of 1 to 65535; at most 255 in all.
    static func plainAuthority(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 255, s.allSatisfy(\.isASCII) else { return false }
        var host = Substring(s)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard inside.contains(":"), inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return false
            }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return false }
                port = rest.dropFirst()
            }
            host = inside
        } else {
            let parts = host.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return false }
            host = parts[0]
            port = parts.count == 2 ? parts[1] : nil
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard
                labels.allSatisfy({ label in
                    !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                        && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
                })
            else { return false }
        }
        if let port {
            guard port.count <= 5, let n = Int(port), (1...65535).contains(n), port.allSatisfy(\.isNumber) else {
                return false
            }
        }
        return true
    }
}
