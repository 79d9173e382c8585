import CourtyardDomain
import CourtyardStore

/// How the audit log reads to the office: each changed field by its name in the page's language, each state by
/// its label, a linked record by its name, a list by its length; never a stored code or an internal number.
enum AuditWords {
    /// Where each record's states are named in the catalogue.
    static let statePrefixes: [String: String] = [
        "reports": "report", "events": "event", "coordination_requests": "coordination", "meetings": "meeting",
        "questionnaires": "questionnaire", "bulletins": "bulletin", "change_orders": "investment",
        "payments": "investment", "property_selections": "selection", "irregularities": "irregularity",
        "votes": "vote", "campaigns": "campaign", "findings": "finding", "household_contacts": "contact",
    ]

    /// The field's name, or a plain word for a field the catalogue does not name.
    static func field(_ key: String, _ f: PageFrame) -> String {
        f.lang.catalogue["audit.field.\(key)"] ?? f.t("audit.field.other")
    }

    /// A value as the office reads it. `names` holds the names of linked registry records ("buildings/12").
    static func value(_ v: JSONValue?, key: String, entity: String, names: [String: String], _ f: PageFrame)
        -> String
    {
        switch v {
        case nil, .null: return ""
        case .bool(let b): return f.t(b ? "audit.yes" : "audit.no")
        case .array(let items): return items.isEmpty ? f.t("common.none") : "\(items.count) \(f.t("audit.fields"))"
        case .object(let pairs): return "\(pairs.count) \(f.t("audit.fields"))"
        case .number(let n): return n
        case .int(let i):
            // Money is kept in fen and read in yuan; an approval's step by what it means.
            if key.hasSuffix("_fen") { return (i < 0 ? "-¥" : "¥") + Money.yuan(i).trimmingPrefix("-") }
            if key == "approvals", let step = f.lang.catalogue["audit.approvals.\(i)"] { return step }
            guard key.hasSuffix("_id") else { return String(i) }
            return names[reference(key, i)] ?? f.t("audit.linked")
        case .string(let s):
            // A vote closed keeps its tally as its new state: said as closed, and whether it passed.
            if key == "state", s.hasPrefix("{"), case .bool(let passed)? = JSONValue.parse(s)?["passed"] {
                return f.lang.say("audit.voteClosed", ["result": f.t(passed ? "vote.passed" : "vote.failed")])
            }
            // A result kept as JSON text: said by its size, not shown raw.
            if s.hasPrefix("{") || s.hasPrefix("["), let parsed = JSONValue.parse(s) {
                switch parsed {
                case .object, .array: return value(parsed, key: key, entity: entity, names: names, f)
                default: break
                }
            }
            if key == "scope", let scope = Scope.parse(s) { return place(scope, names: names, f) }
            if s.count == 20, s.hasSuffix("Z"), s.dropFirst(10).first == "T" { return beijingTime(s) }
            guard isCode(s) else { return String(s.prefix(40)) }
            return label(code: s, key: key, entity: entity, f) ?? f.t("audit.changed")
        }
    }

    /// An account's scope as a place: its kind and, for a registry place, its name.
    static func place(_ scope: Scope, names: [String: String], _ f: PageFrame) -> String {
        guard let id = scope.id, let kind = scope.kind.map({ $0.rawValue + "s" }) else { return f.t("audit.scope.all") }
        return [f.lang.catalogue["entity." + kind] ?? "", names["\(kind)/\(id)"] ?? ""].filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// The registry record a `…_id` field points at, as `names` keys it.
    static func reference(_ key: String, _ id: Int64) -> String {
        "\(key.dropLast(3))s/\(id)"
    }

    /// A stored code's label: a role's name, the record's own states and its field's words, or the step it names
    /// (a finding's "rectify"); never another kind of record's state of the same code.
    static func label(code: String, key: String, entity: String, _ f: PageFrame) -> String? {
        // A state whose page words depend on the day (a questionnaire published but not yet open) has words of its
        // own for the log, which records the step, not the day.
        var keys: [String] = ["audit.\(entity).state.\(code)"]
        if key == "role" { keys.append("role.\(code)") }
        if let own = statePrefixes[entity] {
            keys += ["\(own).state.\(code)", "\(own).status.\(code)", "\(own).\(key).\(code)", "\(own).\(code)"]
        }
        keys.append("audit.action.\(code)")
        return keys.lazy.compactMap { f.lang.catalogue[$0] }.first
    }

    /// Text that is a stored code (`escalated`, `water_meter`), not words a person typed.
    static func isCode(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 40 && s.utf8.contains { $0 >= 97 && $0 <= 122 }
            && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
