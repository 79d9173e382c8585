import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Bearer tokens for API clients.
enum AuthRoutes {
    static let tokenLifetime: TimeInterval = 90 * 86400

    static func add(to api: RouterGroup<AppContext>, services: Services) {
        api.post("auth/token") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
                throw AppError.unprocessable("required", "username and password are required", field: "username")
            }
            let account = try await SignIn.check(
                username: username, password: password, address: context.remoteHost,
                services: services)
            let token = Security.randomToken()
            let id = try await services.accounts.issueToken(
                userId: account.id, tokenHash: Security.hash(token: token),
                kind: .api, csrf: "", lifetime: tokenLifetime)
            return JSONBody.response(
                .object([
                    ("token", .string(token)), ("token_id", .int(id)),
                    ("expires_in", .int(Int64(tokenLifetime))), ("user", account.json),
                ]), status: .created)
        }
        api.get("auth/me") { _, context -> Response in
            JSONBody.response(try context.requireAccount().json)
        }
        api.get("auth/tokens") { _, context -> Response in
            let account = try context.requireAccount()
            return JSONBody.response(
                .object([("items", .array(try await services.accounts.tokens(userId: account.id)))]))
        }
        api.delete("auth/token") { _, context -> Response in
            let account = try context.requireAccount()
            guard let id = context.tokenId else { throw AppError.unauthorized }
            try await services.accounts.revoke(tokenId: id, userId: account.id)
            services.tokens.clear()
            return Response(status: .noContent)
        }
        api.delete("auth/tokens/:id") { _, context -> Response in
            let account = try context.requireAccount()
            guard
                try await services.accounts.revoke(
                    tokenId: try context.parameters.require("id", as: Int64.self), userId: account.id)
            else { throw AppError.notFound }
            services.tokens.clear()
            return Response(status: .noContent)
        }
    }
}

/// Password checks with lockout, shared by the API and the login page. Every attempt is counted before its
/// password is hashed: per account in the database (atomically, so a burst cannot outrun the count), per unknown
/// username and per client address in memory (so neither costs the server a hash without limit).
enum SignIn {
    static func check(username: String, password: String, address: String, services: Services) async throws -> Account {
        let invalid = AppError(
            status: .unauthorized, code: "invalid_credentials", message: "wrong username or password")
        let limits = services.signInLimits
        guard limits.addresses.allow(address) else {
            throw AppError(
                status: .tooManyRequests, code: "too_many_attempts",
                message: "too many sign-in attempts from this address; wait a quarter of an hour")
        }
        guard let account = try await services.accounts.find(username: username) else {
            // An unknown name is limited like an account and answers like one: answers do not tell which names exist.
            guard limits.unknownNames.allow(username.lowercased()) else {
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
        guard !account.disabled, try await Security.verify(password, hash: account.passwordHash) else {
            try await services.accounts.recordFailure(id: account.id)
            throw invalid
        }
        try await services.accounts.releaseAttempt(id: account.id)
        limits.addresses.refund(address)
        return account
    }

    static func locked(_ until: String) -> AppError {
        AppError(
            status: .unauthorized, code: "locked",
            message: "too many failed sign-ins; the account is locked until \(until)")
    }
}

/// The in-memory half of the sign-in limits; one per server process.
final class SignInLimits: @unchecked Sendable {
    /// Wrong passwords a client address may send per window (an office behind one NAT address shares it).
    static let perAddress = 50
    let addresses = RateLimiter(limit: perAddress, window: AccountRepository.lockoutSeconds)
    /// Unknown usernames get the same allowance as an account.
    let unknownNames = RateLimiter(limit: AccountRepository.lockoutThreshold, window: AccountRepository.lockoutSeconds)
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
