import CourtyardDomain
import Hummingbird

/// The query parameters each API operation takes, read from the OpenAPI document, so the server refuses what the
/// document does not allow: an integer that is not one or is out of its range, a value outside an enum, a date
/// that is not YYYY-MM-DD, a text that breaks its pattern or length, a required parameter left out. Each is a 400
/// naming the parameter, before the route runs. Parameters the document does not name are the route's business.
struct QueryRules: Sendable {
    enum Kind: Sendable, Equatable {
        case integer(min: Int64?, max: Int64?)
        case boolean
        case text(values: [String]?, pattern: String?, maxLength: Int?, date: Bool)
    }

    struct Parameter: Sendable {
        var name: String
        var required: Bool
        var kind: Kind
    }

    struct Operation: Sendable {
        var segments: [Substring]
        var method: String
        var parameters: [Parameter]
        /// Whether the operation is open to anyone (`security: []`); the others need an account.
        var open: Bool
    }

    let operations: [Operation]
    /// The operations by method, number of segments and resource (the segment after `/api/v1`), so finding a
    /// request's operation looks at a handful of templates rather than every one the document has.
    let buckets: [String: [Operation]]

    static func bucket(method: String, segments: [Substring]) -> String {
        let resource = segments.count > 2 ? segments[2] : ""
        return "\(method) \(segments.count) \(resource.hasPrefix("{") ? "*" : resource)"
    }

    init(document: [String: Any]) {
        var found: [Operation] = []
        let paths = document["paths"] as? [String: Any] ?? [:]
        for (path, value) in paths {
            guard let ops = value as? [String: Any] else { continue }
            for (method, op) in ops {
                let declared = (op as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                let query = declared.filter { $0["in"] as? String == "query" }.compactMap(Self.parameter)
                let open = ((op as? [String: Any])?["security"] as? [Any])?.isEmpty ?? false
                found.append(
                    Operation(
                        segments: path.split(separator: "/"), method: method.uppercased(),
                        parameters: query, open: open))
            }
        }
        operations = found
        buckets = Dictionary(grouping: found) { Self.bucket(method: $0.method, segments: $0.segments) }
    }

    static func parameter(_ p: [String: Any]) -> Parameter? {
        guard let name = p["name"] as? String else { return nil }
        let schema = p["schema"] as? [String: Any] ?? [:]
        let kind: Kind
        switch schema["type"] as? String {
        case "integer":
            let lo = (schema["minimum"] as? Int).map(Int64.init)
            let hi = (schema["maximum"] as? Int).map(Int64.init)
            kind = .integer(min: lo, max: hi)
        case "boolean": kind = .boolean
        default:
            kind = .text(
                values: schema["enum"] as? [String], pattern: schema["pattern"] as? String,
                maxLength: schema["maxLength"] as? Int, date: schema["format"] as? String == "date")
        }
        return Parameter(name: name, required: p["required"] as? Bool ?? false, kind: kind)
    }

    /// The operation a request reaches: the template with the most literal segments among those that match.
    func operation(path: String, method: String) -> Operation? {
        let parts = path.split(separator: "/")
        var best: (Operation, Int)?
        let candidates =
            (buckets[Self.bucket(method: method, segments: parts)] ?? [])
            + (buckets["\(method) \(parts.count) *"] ?? [])
        for op in candidates {
            var literal = 0
            let matches = zip(op.segments, parts).allSatisfy { t, p in
                if t.hasPrefix("{") { return true }
                literal += 1
                return t == p
            }
            if matches, literal > (best?.1 ?? -1) { best = (op, literal) }
        }
        return best?.0
    }

    /// Throws a 401 when the operation needs an account and the request has none, then a 400 naming the first
    /// parameter the operation's document refuses: a request is signed in before its contents are judged.
    func check(path: String, method: String, query: [(String, String)], signedIn: Bool = true) throws {
        let method = method == "HEAD" ? "GET" : method
        guard let op = operation(path: path, method: method) else { return }
        if !op.open && !signedIn { throw AppError.unauthorized }
        for p in op.parameters {
            let values = query.filter { $0.0 == p.name }.map(\.1)
            if values.isEmpty {
                if p.required { throw AppError.badRequest("required", "\(p.name) is required", field: p.name) }
                continue
            }
            guard values.count == 1 else {
                throw AppError.badRequest("invalid_parameter", "\(p.name) is given once", field: p.name)
            }
            if let why = Self.refusal(values[0], p.kind) {
                throw AppError.badRequest(Self.code(p.name), "\(p.name) \(why)", field: p.name)
            }
        }
    }

    /// The error code clients already know for a parameter: `invalid_limit`, `invalid_cursor`, `invalid_format`,
    /// `invalid_mode`; `invalid_parameter` for the others.
    static func code(_ name: String) -> String {
        ["limit", "cursor", "format", "mode"].contains(name) ? "invalid_\(name)" : "invalid_parameter"
    }

    /// Why a value does not fit its kind, or nil when it does.
    static func refusal(_ value: String, _ kind: Kind) -> String? {
        switch kind {
        case .integer(let lo, let hi):
            let range = "from \(lo.map(String.init) ?? "any") to \(hi.map(String.init) ?? "any")"
            guard value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }), let n = Int64(value) else {
                return "is a whole number" + (lo != nil || hi != nil ? " \(range)" : "")
            }
            if let lo, n < lo { return "is a whole number \(range)" }
            if let hi, n > hi { return "is a whole number \(range)" }
            return nil
        case .boolean:
            return ["true", "false", "1", "0"].contains(value) ? nil : "is true or false"
        case .text(let values, let pattern, let maxLength, let date):
            if let values, !values.contains(value) { return "is one of \(values.joined(separator: ", "))" }
            if let maxLength, value.count > maxLength { return "is at most \(maxLength) characters" }
            if date, Day(value) == nil { return "is a date as YYYY-MM-DD" }
            if let pattern, value.range(of: pattern, options: .regularExpression) == nil {
                return "does not match \(pattern)"
            }
            return nil
        }
    }
}

/// Checks an API request's sign-in and query against the document's `QueryRules` before the route runs.
struct QueryMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let rules: QueryRules

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if path.hasPrefix("/api/v1/") && !path.hasPrefix("/api/v1/open311/") {
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            try rules.check(
                path: path, method: request.method.rawValue, query: query,
                signedIn: context.account != nil)
        }
        return try await next(request, context)
    }
}
