import CourtyardDomain
import CourtyardStore
import Hummingbird

/// The audit log, newest first: who changed what, and the fields that changed.
struct AuditPage {
    struct Change {
        var field: String
        /// Nothing before (a field first filled, a reason given) shows only what came after.
        var before: String?
        var after: String
        var last: Bool

        init(field: String, before: String, after: String, last: Bool) {
            self.field = field
            self.before = before.isEmpty ? nil : before
            self.after = after
            self.last = last
        }
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
        // The records named: each entry's own, and the registry records its changes link to.
        var wanted: Set<String> = []
        for e in page.items {
            if let id = e.entityId { wanted.insert("\(e.entity)/\(id)") }
            for (key, value) in parse(e.before).merging(parse(e.after), uniquingKeysWith: { a, _ in a }) {
                if key.hasSuffix("_id"), case .int(let id) = value { wanted.insert(AuditWords.reference(key, id)) }
                if key == "scope", let s = value.stringValue, let scope = Scope.parse(s), let kind = scope.kind,
                    let id = scope.id
                {
                    wanted.insert("\(kind.rawValue)s/\(id)")
                }
            }
        }
        var names = await recordNames(wanted, services: services)
        let others = page.items.compactMap { e in e.entityId.map { (entity: e.entity, id: $0) } }
        if let titles = try? await AuditLog.titles(database: services.database, of: others) {
            names.merge(titles) { registry, _ in registry }
        }
        let people = await displayNames(Set(page.items.map(\.username)), services: services)
        let entries = page.items.map { e in
            let (name, changes) = summarise(before: e.before, after: e.after, entity: e.entity, names: names, f)
            return Entry(
                at: beijingTime(e.at), user: Pages.actorName(e.username, shown: people[e.username] ?? e.username, f),
                action: f.lang.catalogue["audit.action." + e.action] ?? f.t("audit.action.other"),
                entity: f.lang.catalogue["entity." + e.entity] ?? f.t("audit.entity.other"),
                record: e.entityId.flatMap { names["\(e.entity)/\($0)"] } ?? "", name: name, changes: changes)
        }
        return AuditPage(entries: entries, next: page.next.map { SiteRoute.audit(before: $0).path })
    }

    /// The names of registry records ("buildings/12"), one query per kind; records of other kinds are named by the
    /// entry itself.
    static func recordNames(_ keys: Set<String>, services: Services) async -> [String: String] {
        var byKind: [String: [Int64]] = [:]
        for key in keys {
            let parts = key.split(separator: "/")
            guard parts.count == 2, let id = Int64(parts[1]) else { continue }
            byKind[String(parts[0]), default: []].append(id)
        }
        var names: [String: String] = [:]
        for (kind, ids) in byKind {
            guard let spec = ResourceSpec.all.first(where: { $0.name == kind }),
                let records = try? await services.registry.records(spec, ids: ids, actor: .system)
            else { continue }
            for (id, record) in records {
                names["\(kind)/\(id)"] =
                    ["name", "room", "title", "username"].lazy.compactMap {
                        record[$0]?.stringValue
                    }.first
            }
        }
        return names
    }

    /// Each account's name as people know it (王主任), for the accounts on the page.
    static func displayNames(_ usernames: Set<String>, services: Services) async -> [String: String] {
        (try? await services.accounts.displayNames(usernames)) ?? [:]
    }

    static func parse(_ s: String?) -> [String: JSONValue] {
        guard let s, case .some(.object(let pairs)) = JSONValue.parse(s) else { return [:] }
        return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
    }

    /// What a bare number kept by older entries counts, by the kind of record.
    static let bareNumber = [
        "meetings": "recorded", "coordination_settings": "days", "department_service_levels": "days",
    ]

    /// What changed: for a creation or a removal the record's name; for a change the fields that changed, old and
    /// new, each in the page's words (`AuditWords`); for a step from one state to the next, the two states.
    static func summarise(
        before: String?, after: String?, entity: String, names: [String: String], _ f: PageFrame
    ) -> (String?, [Change]) {
        let b = parse(before)
        let a = parse(after)
        func words(_ v: JSONValue?, _ key: String) -> String {
            AuditWords.value(v, key: key, entity: entity, names: names, f)
        }
        if b.isEmpty, a.isEmpty {
            // Entries written before a bare number was named: a meeting's people recorded, a service level's days.
            if before == nil, case .int(let n)? = after.flatMap({ JSONValue.parse($0) }), let key = bareNumber[entity] {
                return (nil, [Change(field: AuditWords.field(key, f), before: "", after: String(n), last: true)])
            }
            return (nil, steps(before, after, f, words))
        }
        if b.isEmpty || a.isEmpty {
            // A record made or removed: by its name, or else by a few of its details (a sign-up's status).
            let record = a.isEmpty ? b : a
            let named = ["name", "title", "display_name", "room", "filename"]
            if let name = named.lazy.compactMap({ record[$0]?.stringValue }).first { return (name, []) }
            // Only details the page can name, and not empty ones.
            let shown = Array(
                record.keys.sorted().filter { key in
                    guard f.lang.catalogue["audit.field.\(key)"] != nil else { return false }
                    switch record[key] {
                    case nil, .null, .string(""), .array([]): return false
                    default: return true
                    }
                }.prefix(4))
            return (
                nil,
                shown.enumerated().map { i, key in
                    Change(
                        field: AuditWords.field(key, f), before: "", after: words(record[key], key),
                        last: i == shown.count - 1)
                }
            )
        }
        let changed = Array(a.keys.sorted().filter { $0 != "version" && a[$0] != b[$0] }.prefix(8))
        return (
            nil,
            changed.enumerated().map { i, key in
                Change(
                    field: AuditWords.field(key, f), before: words(b[key], key), after: words(a[key], key),
                    last: i == changed.count - 1)
            }
        )
    }

    /// An entry that keeps bare values: a state before and after (a report handled), or a reason (a ballot voided).
    static func steps(
        _ before: String?, _ after: String?, _ f: PageFrame, _ words: (JSONValue?, String) -> String
    ) -> [Change] {
        let b = before.flatMap { JSONValue.parse($0) }
        let a = after.flatMap { JSONValue.parse($0) }
        switch (b, a) {
        case (.string, .string):
            let field = AuditWords.field("state", f)
            return [Change(field: field, before: words(b, "state"), after: words(a, "state"), last: true)]
        case (_, .string):
            return [Change(field: AuditWords.field("reason", f), before: "", after: words(a, "reason"), last: true)]
        default: return []
        }
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
