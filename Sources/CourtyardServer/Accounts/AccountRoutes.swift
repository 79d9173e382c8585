import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Accounts: administrators create and change them; sub-district officers read those in their sub-district.
struct AccountController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("users", use: list)
        api.get("users/:id", use: show)
        api.post("users", use: create)
        api.patch("users/:id", use: update)
        api.get("audit", use: audit)
    }

    /// `POST /users`.
    struct NewAccount: Decodable {
        var username: String
        var password: String
        var role: String
        var scope: String?
        var displayName: String?
        enum CodingKeys: String, CodingKey {
            case username, password, role, scope
            case displayName = "display_name"
        }
    }

    /// `PATCH /users/{id}`: absent fields stay; `"scope": null` makes the account global.
    struct AccountChanges: Decodable {
        var role: String?
        var scope: String??
        var displayName: String?
        var password: String?
        var disabled: Bool?
        enum CodingKeys: String, CodingKey {
            case role, scope, password, disabled
            case displayName = "display_name"
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            role = try c.decodeIfPresent(String.self, forKey: .role)
            scope =
                c.contains(.scope)
                ? .some(try c.decodeNil(forKey: .scope) ? nil : c.decode(String.self, forKey: .scope)) : nil
            displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
            password = try c.decodeIfPresent(String.self, forKey: .password)
            disabled = try c.decodeIfPresent(Bool.self, forKey: .disabled)
        }
    }

    static func etag(_ a: AccountSummary) -> String { "\"\(a.id)-\(a.version)\"" }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.readUsers)
        let accounts = try await services.accounts.list(actor: actor).map(\.summary)
        if ListCSV.wanted(request) {
            return try ListCSV.response(
                columns: ["id", "username", "display_name", "role", "scope", "disabled", "locked", "created_at"],
                items: accounts, filename: "users")
        }
        return try ListPage.response(all: accounts, try ListPage.paging(request))
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.readUsers)
        let id = try context.parameters.require("id", as: Int64.self)
        guard let account = try await services.accounts.list(actor: actor).first(where: { $0.id == id }) else {
            throw AppError.notFound
        }
        return try JSONBody.response(account.summary, etag: Self.etag(account.summary))
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeUsers)
        let body = try await JSONBody.decode(NewAccount.self, request, context: context)
        let role = try Self.role(body.role)
        let scope = try body.scope.map(Self.scope) ?? .global
        try Security.checkPasswordStrength(body.password, username: body.username)
        let account = try await services.accounts.create(
            username: body.username, passwordHash: try await hashPassword(body.password, services: services),
            role: role, scope: scope, displayName: body.displayName ?? "", actor: actor
        ).summary
        return try JSONBody.response(account, status: .created, etag: Self.etag(account))
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeUsers)
        let id = try context.parameters.require("id", as: Int64.self)
        let body = try await JSONBody.decode(AccountChanges.self, request, context: context)
        var hash: String?
        if let p = body.password {
            guard let target = try await services.accounts.find(id: id) else { throw AppError.notFound }
            try Security.checkPasswordStrength(p, username: target.username)
            hash = try await hashPassword(p, services: services)
        }
        let account = try await services.accounts.update(
            id: id, role: try body.role.map(Self.role), scope: try body.scope.map { try $0.map(Self.scope) ?? .global },
            displayName: body.displayName, passwordHash: hash, disabled: body.disabled,
            expectedVersion: try RegistryRoutes.expectedVersion(request, id: id), actor: actor
        ).summary
        services.tokens.clear()
        return try JSONBody.response(account, etag: Self.etag(account))
    }

    @Sendable func audit(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.readAudit)
        let q = request.uri.queryParameters
        let csv = ListCSV.wanted(request)
        let page = try await AuditLog.list(
            database: services.database, actor: actor, entity: q.get("entity"),
            entityId: q.get("entity_id").flatMap(Int64.init), before: q.get("cursor").flatMap(Int64.init),
            limit: csv ? 500 : q.get("limit").flatMap(Int.init) ?? 50)
        if csv {
            return try ListCSV.response(
                columns: ["id", "at", "username", "action", "entity", "entity_id", "before", "after"],
                items: page.items, filename: "audit")
        }
        struct Page: Encodable {
            var items: [AuditLog.Entry]
            var nextCursor: String?
            enum CodingKeys: String, CodingKey {
                case items
                case nextCursor = "next_cursor"
            }
        }
        return try JSONBody.response(Page(items: page.items, nextCursor: page.next.map(String.init)))
    }

    static func role(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text) else {
            throw AppError.unprocessable(
                "invalid", "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "role")
        }
        return role
    }

    static func scope(_ text: String) throws -> Scope {
        guard let scope = text == "global" ? Scope.global : Scope.parse(text) else {
            throw AppError.unprocessable("invalid", "scope must look like community:12", field: "scope")
        }
        return scope
    }
}
