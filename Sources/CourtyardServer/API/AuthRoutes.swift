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
            let account = try await SignIn.check(username: username, password: password, services: services)
            let token = Security.randomToken()
            let id = try await services.accounts.issueToken(userId: account.id, tokenHash: Security.hash(token: token),
                kind: .api, csrf: "", lifetime: tokenLifetime)
            return JSONBody.response(.object([("token", .string(token)), ("token_id", .int(id)),
                ("expires_in", .int(Int64(tokenLifetime))), ("user", account.json)]), status: .created)
        }
        api.get("auth/me") { _, context -> Response in
            JSONBody.response(try context.requireAccount().json)
        }
        api.get("auth/tokens") { _, context -> Response in
            let account = try context.requireAccount()
            return JSONBody.response(.object([("items", .array(try await services.accounts.tokens(userId: account.id)))]))
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
            guard try await services.accounts.revoke(tokenId: try context.parameters.require("id", as: Int64.self), userId: account.id)
            else { throw AppError.notFound }
            services.tokens.clear()
            return Response(status: .noContent)
        }
    }
}

/// Password checks with lockout, shared by the API and the login page.
enum SignIn {
    /// A hash to verify against when the username is unknown, so both cases take the same time.
    static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5m1Yl9GJxO1F2mY4n9eWwKq0gWJt5yW"

    static func check(username: String, password: String, services: Services) async throws -> Account {
        let invalid = AppError(status: .unauthorized, code: "invalid_credentials", message: "wrong username or password")
        guard let account = try await services.accounts.find(username: username) else {
            _ = try? await Security.verify(password, hash: decoyHash)
            throw invalid
        }
        if let until = account.lockedUntil, until > Clock.isoNow() {
            throw AppError(status: .unauthorized, code: "locked", message: "too many failed sign-ins; the account is locked until \(until)")
        }
        guard !account.disabled, try await Security.verify(password, hash: account.passwordHash) else {
            try await services.accounts.recordFailure(id: account.id)
            throw invalid
        }
        if account.failedLogins > 0 || account.lockedUntil != nil { try await services.accounts.recordSuccess(id: account.id) }
        return account
    }
}
