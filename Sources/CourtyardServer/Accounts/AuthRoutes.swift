import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Bearer tokens for API clients.
struct AuthController {
    static let tokenLifetime: TimeInterval = 90 * 86400
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("auth/token", use: issue)
        api.get("auth/me", use: me)
        api.get("auth/tokens", use: tokens)
        api.delete("auth/token", use: revokeOwn)
        api.delete("auth/tokens/:id", use: revoke)
    }

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    struct IssuedToken: Encodable {
        var token: String
        var tokenId: Int64
        var expiresIn: Int64
        var user: AccountSummary
        enum CodingKeys: String, CodingKey {
            case token
            case tokenId = "token_id"
            case expiresIn = "expires_in"
            case user
        }
    }

    @Sendable func issue(_ request: Request, _ context: AppContext) async throws -> Response {
        let body: Credentials
        do {
            body = try await JSONBody.decode(Credentials.self, request, context: context)
        } catch let e as ValidationError where e.code == "required" || e.code == "invalid" {
            throw AppError.unprocessable("required", "username and password are required", field: "username")
        }
        let account = try await SignIn.check(
            username: body.username, password: body.password, address: context.remoteHost, services: services)
        let token = Security.randomToken()
        let id = try await services.accounts.issueToken(
            userId: account.id, tokenHash: Security.hash(token: token), kind: .api, csrf: "",
            lifetime: Self.tokenLifetime)
        let issued = IssuedToken(
            token: token, tokenId: id, expiresIn: Int64(Self.tokenLifetime), user: account.summary)
        return try JSONBody.response(issued, status: .created)
    }

    @Sendable func me(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try context.requireAccount().summary)
    }

    @Sendable func tokens(_ request: Request, _ context: AppContext) async throws -> Response {
        struct List: Encodable { var items: [TokenSummary] }
        let account = try context.requireAccount()
        return try JSONBody.response(List(items: try await services.accounts.tokens(userId: account.id)))
    }

    @Sendable func revokeOwn(_ request: Request, _ context: AppContext) async throws -> Response {
        let account = try context.requireAccount()
        guard let id = context.tokenId else { throw AppError.unauthorized }
        try await services.accounts.revoke(tokenId: id, userId: account.id)
        services.tokens.clear()
        return Response(status: .noContent)
    }

    @Sendable func revoke(_ request: Request, _ context: AppContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id", as: Int64.self)
        guard try await services.accounts.revoke(tokenId: id, userId: account.id) else { throw AppError.notFound }
        services.tokens.clear()
        return Response(status: .noContent)
    }
}

/// Password checks with lockout, shared by the API and the login page. Every attempt is counted before its
/// password is hashed: per account in the database (atomically, so a burst cannot outrun the count), per unknown
/// username and per client address in the database too (so neither costs the server a hash without limit).
enum SignIn {
    static func check(username: String, password: String, address: String, services: Services) async throws -> Account {
        let invalid = AppError(
            status: .unauthorized, code: "invalid_credentials", message: "wrong username or password")
        let limits = services.signInLimits
        guard try await limits.addresses.allow(address, in: services.database) else {
            throw AppError(
                status: .tooManyRequests, code: "too_many_attempts",
                message: "too many sign-in attempts from this address; wait a quarter of an hour")
        }
        guard let account = try await services.accounts.find(username: username, anyCase: true) else {
            // An unknown name is limited like an account and answers like one: answers do not tell which names exist.
            guard try await limits.unknownNames.allow(username.lowercased(), in: services.database) else {
                throw locked(Clock.iso(Date().addingTimeInterval(AccountRepository.lockoutSeconds)))
            }
            let decoy = try await limits.decoy(cost: services.configuration.bcryptCost)
            _ = try? await Security.verify(password, hash: decoy)
            throw invalid
        }
        guard try await services.accounts.reserveAttempt(id: account.id) != nil else {
            // The lock as read a moment ago, or (the window's attempts just used up) a quarter of an hour from now.
            let now = Clock.isoNow()
            throw locked(
                account.lockedUntil.flatMap { $0 > now ? $0 : nil }
                    ?? Clock.iso(Date().addingTimeInterval(AccountRepository.lockoutSeconds)))
        }
        let verified = try await Security.verify(password, hash: account.passwordHash)
        guard !account.disabled, verified else {
            try await services.accounts.recordFailure(id: account.id)
            // The right password of a steward whose posts have all ended: told why, not that the password is wrong.
            if verified && account.termEnded {
                throw AppError(
                    status: .unauthorized, code: "term_ended",
                    message: "the steward's term has ended; the account no longer signs in")
            }
            throw invalid
        }
        try await services.accounts.releaseAttempt(id: account.id)
        try await limits.addresses.refund(address, in: services.database)
        return account
    }

    static func locked(_ until: String) -> AppError {
        AppError(
            status: .unauthorized, code: "locked",
            message: "too many failed sign-ins; the account is locked until \(until)")
    }
}

/// The per-address and per-unknown-name half of the sign-in limits, counted in the database like the accounts' own.
final class SignInLimits: @unchecked Sendable {
    /// Wrong passwords a client address may send per window (an office behind one NAT address shares it).
    static let perAddress = 50
    let addresses = RateLimiter("signin.address", limit: perAddress, window: AccountRepository.lockoutSeconds)
    /// Unknown usernames get the same allowance as an account.
    let unknownNames = RateLimiter(
        "signin.unknown", limit: AccountRepository.lockoutThreshold, window: AccountRepository.lockoutSeconds)
    private let lock = NSLock()
    private var decoyHash: String?

    /// A hash at the configured cost to verify against when the username is unknown, so both cases take the same time.
    func decoy(cost: UInt8) async throws -> String {
        if let h = lock.withLock({ decoyHash }) { return h }
        let h = try await Security.hashPassword(Security.randomToken(), cost: cost)
        return lock.withLock {
            if decoyHash == nil { decoyHash = h }
            return decoyHash ?? h
        }
    }
}
