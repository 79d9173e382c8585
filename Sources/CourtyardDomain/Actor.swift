/// Who is acting, for scope checks and for the audit log.
public struct Actor: Sendable {
    public var userId: Int64?
    public var username: String
    public var role: Role
    public var scope: Scope
    /// The client's address, for the audit log (behind a trusted proxy, the one it forwarded); nil for the system.
    public var address: String?
    public init(userId: Int64?, username: String, role: Role, scope: Scope) {
        self.userId = userId
        self.username = username
        self.role = role
        self.scope = scope
    }
    public static let system = Actor(userId: nil, username: "system", role: .admin, scope: .global)
    public var seesPersonalData: Bool { Permissions.allows(role, .readPersonalData) }
}

/// Something a refusal names (which papers are missing, whose turn it is), for the interface to say in the person's
/// language: a catalogue key under `error.detail.`, values put in as they are (numbers, sums, names), and terms that
/// are themselves catalogue keys (a role, a document).
public struct Phrase: Sendable, Equatable {
    public var key: String
    public var values: [String: String]
    public var terms: [String: String]
    public init(_ key: String, values: [String: String] = [:], terms: [String: String] = [:]) {
        self.key = key
        self.values = values
        self.terms = terms
    }
}

/// A field-level mistake in what a client sent: 422 with the field named.
public struct ValidationError: Error, Sendable, Equatable {
    public var field: String?
    public var code: String
    public var message: String
    /// What the person's words for the error fill in (`{day}`), beside the English message.
    public var values: [String: String] = [:]
    public init(field: String?, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// Several fields wrong at once, so a form can name all of them in one refusal.
public struct ValidationErrors: Error, Sendable, Equatable {
    /// The error named on top: the first one found, which is what a client reading one error was always told.
    public var lead: ValidationError
    /// Every wrong field, in the order a form lists them.
    public var all: [ValidationError]

    /// Nothing when `found` (in the order the checks found them) is empty, the one error alone, or all of them,
    /// listed by `rank` (a form's order of fields) when given.
    public static func raise(_ found: [ValidationError], rank: ((ValidationError) -> Int)? = nil) throws {
        guard let first = found.first else { return }
        if found.count == 1 { throw first }
        let listed = rank.map { r in found.enumerated().sorted { (r($0.1), $0.0) < (r($1.1), $1.0) }.map(\.1) }
        throw ValidationErrors(lead: first, all: listed ?? found)
    }
}
