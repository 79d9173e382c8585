import CourtyardDomain
import CourtyardStore
import Hummingbird

/// The audit log, newest first: who changed what, and the fields that changed.
struct AuditPage {
    struct Change {
        var field: String
        var before: String
        var after: String
        var last: Bool
    }
    struct Entry {
        var at: String
        var user: String
        var action: String
        var entity: String
        /// The record's name where it has one (a compound, a household's room), never its internal id.
        var record: String
        /// For a creation or a removal, the record's name.
        var name: String?
        var changes: [Change]
    }
    var entries: [Entry]
    var next: String?

    static func load(services: Services, actor: Actor, before cursor: Int64?, _ f: PageFrame) async throws -> AuditPage
    {
        let page = try await AuditLog.list(
            database: services.database, actor: actor, entity: nil, entityId: nil, before: cursor, limit: 50)
        var names: [String: String] = [:]
        for e in page.items {
            guard let id = e.entityId, let spec = ResourceSpec.all.first(where: { $0.name == e.entity }) else {
                continue
            }
            let key = "\(e.entity)/\(id)"
            if names[key] != nil { continue }
            let record = try? await services.registry.get(spec, id: id, actor: .system)
            names[key] = ["name", "room", "title", "username"].lazy.compactMap { record?[$0]?.stringValue }.first ?? ""
        }
        let entries = page.items.map { e in
            let (name, changes) = summarise(before: e.before, after: e.after, f)
            return Entry(
                at: beijingTime(e.at), user: Pages.actorName(e.username, shown: e.username, f),
                action: f.lang.catalogue["audit.action." + e.action] ?? e.action,
                entity: f.lang.catalogue["entity." + e.entity] ?? e.entity,
                record: e.entityId.flatMap { names["\(e.entity)/\($0)"] } ?? "", name: name, changes: changes)
        }
        return AuditPage(entries: entries, next: page.next.map { SiteRoute.audit(before: $0).path })
    }

    /// What changed: for a creation or a removal the record's name; for a change the fields that changed,
    /// old and new, field names as stored (they are the API's names, documented there).
    static func summarise(before: String?, after: String?, _ f: PageFrame) -> (String?, [Change]) {
        func parse(_ s: String?) -> [String: JSONValue] {
            guard let s, case .some(.object(let pairs)) = JSONValue.parse(s) else { return [:] }
            return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        }
        let b = parse(before)
        let a = parse(after)
        if b.isEmpty || a.isEmpty {
            let record = a.isEmpty ? b : a
            let name = ["name", "title", "username", "room", "filename"].lazy
                .compactMap { record[$0]?.stringValue }.first
            return (name ?? (record.isEmpty ? "" : "\(record.count) \(f.t("audit.fields"))"), [])
        }
        let changed = Array(a.keys.sorted().filter { $0 != "version" && a[$0] != b[$0] }.prefix(8))
        return (
            nil,
            changed.enumerated().map { i, key in
                Change(
                    field: key, before: String((b[key]?.cellText ?? "").prefix(40)),
                    after: String((a[key]?.cellText ?? "").prefix(40)), last: i == changed.count - 1)
            }
        )
    }
}

extension SiteRoute {
    static func audit(before: Int64? = nil) -> SiteRoute {
        SiteRoute("/audit", query: [("cursor", before.map(String.init))])
    }
}

/// The audit log's page.
struct AuditPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/audit", list)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readAudit)
        let cursor = request.uri.queryParameters.get("cursor").flatMap(Int64.init)
        let page = try await AuditPage.load(services: services, actor: actor, before: cursor, f)
        return f.page(title: f.t("audit.title"), "audit", page)
    }
}
