import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Accounts: administrators create and change them; sub-district officers read those in their sub-district.
enum AccountRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        api.get("users") { request, context -> Response in
            let actor = try context.require(.readUsers)
            let list = try await services.accounts.list(actor: actor)
            if ListCSV.wanted(request) {
                return ListCSV.response(
                    columns: ["id", "username", "display_name", "role", "scope", "disabled", "locked", "created_at"],
                    items: list.map(\.json), filename: "users")
            }
            return ListPage.response(all: list.map(\.json), try ListPage.paging(request))
        }
        api.get("users/:id") { _, context -> Response in
            let actor = try context.require(.readUsers)
            let id = try context.parameters.require("id", as: Int64.self)
            guard let account = try await services.accounts.list(actor: actor).first(where: { $0.id == id }) else {
                throw AppError.notFound
            }
            return JSONBody.response(account.json, etag: "\"\(account.id)-\(account.version)\"")
        }
        api.post("users") { request, context -> Response in
            let actor = try context.require(.writeUsers)
            let body = try await JSONBody.object(request, context: context)
            let (role, scope) = try roleAndScope(body, required: true)
            guard let username = body["username"]?.stringValue else {
                throw AppError.unprocessable("required", "username is required", field: "username")
            }
            guard let password = body["password"]?.stringValue else {
                throw AppError.unprocessable("required", "password is required", field: "password")
            }
            try Security.checkPasswordStrength(password, username: username)
            let account = try await services.accounts.create(
                username: username,
                passwordHash: try await hashPassword(password, services: services), role: role!,
                scope: scope ?? .global,
                displayName: body["display_name"]?.stringValue ?? "", actor: actor)
            return JSONBody.response(account.json, status: .created, etag: "\"\(account.id)-\(account.version)\"")
        }
        api.patch("users/:id") { request, context -> Response in
            let actor = try context.require(.writeUsers)
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await JSONBody.object(request, context: context)
            let (role, scope) = try roleAndScope(body, required: false)
            var hash: String?
            if let p = try body.optionalText("password") {
                guard let target = try await services.accounts.find(id: id) else { throw AppError.notFound }
                try Security.checkPasswordStrength(p, username: target.username)
                hash = try await hashPassword(p, services: services)
            }
            var disabled: Bool?
            if let d = body["disabled"] {
                guard case .bool(let b) = d else {
                    throw AppError.unprocessable("invalid", "disabled must be true or false", field: "disabled")
                }
                disabled = b
            }
            let account = try await services.accounts.update(
                id: id, role: role, scope: scope,
                displayName: try body.optionalText("display_name"), passwordHash: hash, disabled: disabled,
                expectedVersion: try RegistryRoutes.expectedVersion(request, id: id), actor: actor)
            services.tokens.clear()
            return JSONBody.response(account.json, etag: "\"\(account.id)-\(account.version)\"")
        }
        api.get("audit") { request, context -> Response in
            let actor = try context.require(.readAudit)
            let q = request.uri.queryParameters
            let limit = q.get("limit").flatMap(Int.init) ?? 50
            let csv = ListCSV.wanted(request)
            let page = try await AuditLog.list(
                database: services.database, actor: actor, entity: q.get("entity"),
                entityId: q.get("entity_id").flatMap(Int64.init), before: q.get("cursor").flatMap(Int64.init),
                limit: csv ? 500 : limit)
            if csv {
                return ListCSV.response(
                    columns: ["id", "at", "username", "action", "entity", "entity_id", "before", "after"],
                    items: page.items.map(\.json), filename: "audit")
            }
            return JSONBody.response(
                .object([
                    ("items", .array(page.items.map(\.json))),
                    ("next_cursor", page.next.map { .string(String($0)) } ?? .null),
                ]))
        }
    }

    static func roleAndScope(_ body: [String: JSONValue], required: Bool) throws -> (Role?, Scope?) {
        var role: Role?
        if let r = body["role"] {
            guard let text = r.stringValue, let parsed = Role(rawValue: text) else {
                throw AppError.unprocessable(
                    "invalid", "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "role")
            }
            role = parsed
        } else if required {
            throw AppError.unprocessable("required", "role is required", field: "role")
        }
        var scope: Scope?
        if let s = body["scope"] {
            if case .null = s {
                scope = .global
            } else {
                guard let text = s.stringValue, let parsed = text == "global" ? Scope.global : Scope.parse(text) else {
                    throw AppError.unprocessable("invalid", "scope must look like community:12", field: "scope")
                }
                scope = parsed
            }
        }
        return (role, scope)
    }
}
