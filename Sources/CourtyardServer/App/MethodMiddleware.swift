import Hummingbird

/// The methods each served path takes, read from the router once every route is added: a known path asked with a
/// method it does not take is a 405 with `Allow` listing the ones it does, instead of a 404.
struct MethodTable: Sendable {
    /// Each templated path as its segments ("{id}" matches any one segment), with its methods.
    let routes: [(segments: [Substring], methods: [String])]

    init(paths: [String: [String]]) {
        routes = paths.map { path, methods in
            (path.split(separator: "/"), methods.map { $0.uppercased() }.sorted())
        }
    }

    init(routes: [Router<AppContext>.RouteDescription]) {
        let paths = Dictionary(grouping: routes, by: \.path.description).mapValues { $0.map(\.method.rawValue) }
        self.init(paths: paths)
    }

    /// The methods served on this path, or nil when no route has it.
    func allowed(path: String) -> [String]? {
        let parts = path.split(separator: "/")
        var found: Set<String> = []
        var known = false
        for r in routes where r.segments.count == parts.count {
            let matches = zip(r.segments, parts).allSatisfy { t, p in t.hasPrefix("{") || t == p }
            if matches {
                known = true
                found.formUnion(r.methods)
            }
        }
        return known ? found.sorted() : nil
    }
}

/// Added after every route, so it runs only for requests no route answered.
struct MethodMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: MethodTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard path.hasPrefix("/api/v1/") || path == "/healthz" || path == "/metrics" else {
            return try await next(request, context)
        }
        let method = request.method.rawValue
        if let allowed = table.allowed(path: path), !allowed.isEmpty, !allowed.contains(method),
            !(method == "HEAD" && allowed.contains("GET"))
        {
            var error = AppError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "\(method) is not a method of this path; it takes \(allowed.joined(separator: ", "))")
            error.allow = allowed.joined(separator: ", ")
            throw error
        }
        return try await next(request, context)
    }
}

/// The API paths the router serves, each with its methods (`/api/v1/projects/{id}` → `["GET", "PATCH"]`), so a test
/// can hold them against the OpenAPI document.
public func servedAPIRoutes(services: Services) -> [String: [String]] {
    let routes = buildRouter(services: services).routes.filter { $0.path.description.hasPrefix("/api/v1/") }
    return Dictionary(grouping: routes, by: \.path.description).mapValues { $0.map(\.method.rawValue).sorted() }
}
