import CourtyardDomain
import Foundation
import SQLKit

public struct Account: Sendable {
    public var id: Int64
    public var username: String
    public var passwordHash: String
    public var role: Role
    public var scope: Scope
    public var displayName: String
    public var disabled: Bool
    public var failedLogins: Int
    public var lockedUntil: String?
    public var createdAt: String
    public var version: Int
    /// A steward's account disabled because every post it served has ended (rather than by the office).
    public var termEnded = false

    public var actor: Actor { Actor(userId: id, username: username, role: role, scope: scope) }

    /// The account as the audit log keeps it (JSON by nature).
    var auditRecord: JSONValue { (try? JSONValueCoding.encode(summary)) ?? .null }

    /// The account as the API and pages show it: never its password hash or sign-in counters.
    public var summary: AccountSummary {
        AccountSummary(
            id: id, username: username, role: role, scope: scope.description, displayName: displayName,
            disabled: disabled, locked: lockedUntil.map { $0 > Clock.isoNow() } ?? false, createdAt: createdAt,
            version: version)
    }
}

/// An account as others see it.
public struct AccountSummary: Codable, Sendable {
    public var id: Int64
    public var username: String
    public var role: Role
    public var scope: String
    public var displayName: String
    public var disabled: Bool
    public var locked: Bool
    public var createdAt: String
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case id, username, role, scope
        case displayName = "display_name"
        case disabled, locked
        case createdAt = "created_at"
        case version
    }
}

/// An API token as its owner sees it (never the token itself).
public struct TokenSummary: Codable, Sendable {
    public var id: Int64
    public var createdAt: String
    public var expiresAt: String
    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

/// Accounts, their sign-in state, and the tokens (API bearer tokens and page sessions) they hold.
public struct AccountRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// Failed sign-ins before an account is locked, and for how long.
    public static let lockoutThreshold = 5
    public static let lockoutSeconds: TimeInterval = 15 * 60

    static let columns =
        "id, username, password_hash, role, scope_kind, scope_id, display_name, disabled, failed_logins, locked_until, created_at, version"

    static func decode(_ r: any SQLRow) throws -> Account {
        let kind = try r.decode(column: "scope_kind", as: String?.self).flatMap(ScopeKind.init(rawValue:))
        return Account(
            id: try r.decode(column: "id", as: Int64.self), username: try r.decode(column: "username", as: String.self),
            passwordHash: try r.decode(column: "password_hash", as: String.self),
            role: Role(rawValue: try r.decode(column: "role", as: String.self)) ?? .viewer,
            scope: Scope(kind: kind, id: kind == nil ? nil : try r.decode(column: "scope_id", as: Int64?.self)),
            displayName: try r.decode(column: "display_name", as: String.self),
            disabled: try r.decode(column: "disabled", as: Int.self) != 0,
            failedLogins: try r.decode(column: "failed_logins", as: Int.self),
            lockedUntil: try r.decode(column: "locked_until", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: String.self),
            version: try r.decode(column: "version", as: Int.self))
    }

    public func count() async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first()!.decode(column: "n", as: Int.self)
        }
    }

    /// The account by its name, as sign-in sees it: a steward's account whose posts have all ended is disabled.
    /// `anyCase` (sign-in): the name read as typed on a phone, spaces around it dropped, and in another case when
    /// that finds one account only (a phone keyboard makes louzhang Louzhang). Without it (a name stored on a record,
    /// turned into the person's name) the name is found exactly.
    public func find(username typed: String, anyCase: Bool = false) async throws -> Account? {
        let username = anyCase ? typed.trimmingWhitespace() : typed
        guard !username.isEmpty, username.count <= 64 else { return nil }
        return try await database.withConnection { db in
            var found = try await db.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM users WHERE username = \(bind: username)"
            ).first().map(Self.decode)
            if found == nil, anyCase, let folded = Self.asciiFolded(username) {
                let alike = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.columns) FROM users WHERE LOWER(username) = \(bind: folded) LIMIT 2
                    """
                ).all()
                if alike.count == 1 { found = try Self.decode(alike[0]) }
            }
            guard var account = found else { return nil }
            if account.role == .steward, try await Self.endedSteward(account.id, db: db) {
                account.disabled = true
                account.termEnded = true
            }
            return account
        }
    }

    /// The names people know these accounts by (王主任), in one query; accounts without one are left out. At most 500.
    public func displayNames(_ usernames: Set<String>) async throws -> [String: String] {
        let wanted = Array(usernames.prefix(500))
        guard !wanted.isEmpty else { return [:] }
        return try await database.withConnection { db in
            var names: [String: String] = [:]
            let rows = try await db.raw(
                "SELECT username, display_name FROM users WHERE username IN (\(binds: wanted)) AND display_name <> ''"
            ).all()
            for r in rows { names[try r.text("username")] = try r.text("display_name") }
            return names
        }
    }

    /// A steward's account lives as long as one of its posts: once every post it was linked to has ended (or none has
    /// begun), it signs in and reads no more. An account never linked to a post is not affected.
    static func endedSteward(_ userId: Int64, db: any SQLDatabase, today: Day = Clock.today) async throws -> Bool {
        let r = try await db.raw(
            """
            SELECT COUNT(*) AS posts, COALESCE(SUM(CASE WHEN since <= \(bind: today.description)
              AND (until IS NULL OR until >= \(bind: today.description)) THEN 1 ELSE 0 END), 0) AS current
            FROM stewards WHERE user_id = \(bind: userId)
            """
        ).first()
        guard let r else { return false }
        return try r.int("posts") > 0 && r.int("current") == 0
    }

    public func find(id: Int64) async throws -> Account? {
        try await database.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id)").first().map(
                Self.decode)
        }
    }

    /// Checks that a scope names something that exists and suits the role.
    public func validateScope(role: Role, scope: Scope) async throws {
        let allowed = Permissions.allowedScopes(for: role)
        guard let kind = scope.kind, let id = scope.id else {
            if allowed.isEmpty { return }
            throw ValidationError(
                field: "scope", code: "scope_required",
                message:
                    "role \(role.rawValue) needs a scope: \(allowed.map { "\($0.rawValue):ID" }.joined(separator: " or "))"
            )
        }
        guard allowed.contains(kind) else {
            throw ValidationError(
                field: "scope", code: "invalid_scope",
                message: allowed.isEmpty
                    ? "role \(role.rawValue) has no scope"
                    : "role \(role.rawValue) takes a scope of \(allowed.map(\.rawValue).joined(separator: " or "))")
        }
        let table =
            switch kind {
            case .subdistrict: "subdistricts"
            case .community: "communities"
            case .compound: "compounds"
            case .organisation: "organisations"
            case .building: "buildings"
            case .entrance: "entrances"
            }
        let found = try await database.withConnection { db in
            try await db.raw("SELECT id FROM \(unsafeRaw: table) WHERE id = \(bind: id)").first()
        }
        if found == nil { throw ValidationError(field: "scope", code: "not_found", message: "\(scope) does not exist") }
    }

    /// A name of ASCII letters, digits and `._-` in lower case, as both databases' LOWER() make it; nil for a name
    /// with other characters, which is compared exactly only (SQLite folds only ASCII, PostgreSQL by its locale).
    /// Two accounts made at once under names differing only in case would each pass the check before the other is
    /// stored: on PostgreSQL the check and the insert hold a lock to the transaction's end (SQLite writes one at a time).
    static func oneNameAtATime(_ db: any SQLDatabase) async throws {
        guard db.kind == .postgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(\(bind: namesLockKey))").run()
    }

    /// The key of that lock ("Courtyn" in ASCII), apart from the migrations'.
    static let namesLockKey: Int64 = 0x436F_7572_7479_6E

    static func asciiFolded(_ name: String) -> String? {
        guard name.unicodeScalars.allSatisfy(\.isASCII) else { return nil }
        return name.lowercased()
    }

    public func create(
        username: String, passwordHash: String, role: Role, scope: Scope, displayName: String = "",
        actor: Actor
    ) async throws -> Account {
        let name = username.trimmingWhitespace()
        guard name.count >= 2, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        else {
            throw ValidationError(
                field: "username", code: "invalid",
                message: "username must be 2-64 letters, digits, dots, dashes or underscores")
        }
        try await validateScope(role: role, scope: scope)
        return try await database.transaction { db in
            // Names that differ only in (ASCII) case would be one name to sign in with.
            try await Self.oneNameAtATime(db)
            var taken: SQLQueryString = "SELECT id FROM users WHERE username = \(bind: name)"
            if let folded = Self.asciiFolded(name) { taken += " OR LOWER(username) = \(bind: folded)" }
            let existing = try await db.raw(taken).first()
            if existing != nil { throw StoreError.refused(code: "taken", message: "username \(name) is taken") }
            let row = try await db.raw(
                """
                INSERT INTO users (username, password_hash, role, scope_kind, scope_id, display_name, created_at)
                VALUES (\(bind: name), \(bind: passwordHash), \(bind: role.rawValue), \(bind: scope.kind?.rawValue), \(bind: scope.id),
                  \(bind: displayName), \(bind: Clock.isoNow()))
                RETURNING \(unsafeRaw: Self.columns)
                """
            ).first()!
            let account = try Self.decode(row)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "users", entityId: account.id,
                subdistrictId: scope.kind == .subdistrict ? scope.id : nil, before: nil, after: account.auditRecord)
            return account
        }
    }

    /// Changes role, scope, display name, password or disabled; `expectedVersion` guards against a stale edit.
    public func update(
        id: Int64, role: Role?, scope: Scope?, displayName: String?, passwordHash: String?, disabled: Bool?,
        expectedVersion: Int?, actor: Actor
    ) async throws -> Account {
        guard let before = try await find(id: id) else { throw StoreError.notFound }
        if let v = expectedVersion, v != before.version { throw StoreError.stale }
        let newRole = role ?? before.role
        let newScope = scope ?? before.scope
        if role != nil || scope != nil { try await validateScope(role: newRole, scope: newScope) }
        return try await database.transaction { db in
            var sql: SQLQueryString =
                "UPDATE users SET version = version + 1, role = \(bind: newRole.rawValue), scope_kind = \(bind: newScope.kind?.rawValue), scope_id = \(bind: newScope.id)"
            if let displayName { sql += ", display_name = \(bind: displayName)" }
            if let passwordHash {
                sql += ", password_hash = \(bind: passwordHash), failed_logins = 0, locked_until = NULL"
                sql += ", login_window_start = NULL"
            }
            if let disabled { sql += ", disabled = \(bind: disabled ? 1 : 0)" }
            sql += " WHERE id = \(bind: id) AND version = \(bind: before.version) RETURNING \(unsafeRaw: Self.columns)"
            let q = sql
            guard let row = try await db.raw(q).first() else { throw StoreError.stale }
            let after = try Self.decode(row)
            if disabled == true || passwordHash != nil {
                try await db.raw(
                    "UPDATE api_tokens SET revoked_at = \(bind: Clock.isoNow()) WHERE user_id = \(bind: id) AND revoked_at IS NULL"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "users", entityId: id,
                subdistrictId: newScope.kind == .subdistrict ? newScope.id : nil, before: before.auditRecord,
                after: after.auditRecord
            )
            return after
        }
    }

    public func list(actor: Actor) async throws -> [Account] {
        guard Permissions.allows(actor.role, .readUsers) else { throw AccessError.forbidden }
        var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM users"
        if actor.scope.kind == .subdistrict, let sd = actor.scope.id {
            // Accounts whose scope lies inside the officer's sub-district.
            sql += """
                 WHERE (scope_kind = 'subdistrict' AND scope_id = \(bind: sd))
                 OR (scope_kind = 'community' AND scope_id IN (SELECT id FROM communities WHERE subdistrict_id = \(bind: sd)))
                 OR (scope_kind = 'compound' AND scope_id IN (SELECT id FROM compounds WHERE subdistrict_id = \(bind: sd)))
                 OR (scope_kind = 'organisation' AND scope_id IN (SELECT id FROM organisations WHERE subdistrict_id = \(bind: sd)))
                 OR (scope_kind = 'building' AND scope_id IN (SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.subdistrict_id = \(bind: sd)))
                 OR (scope_kind = 'entrance' AND scope_id IN (SELECT e.id FROM entrances e JOIN compounds c ON c.id = e.compound_id WHERE c.subdistrict_id = \(bind: sd)))
                """
        }
        sql += " ORDER BY id"
        let q = sql
        return try await database.withConnection { db in try await db.raw(q).all().map(Self.decode) }
    }

    // MARK: sign-in state

    /// Claims one of the attempts a window allows, before the password is checked, in a single statement: parallel
    /// requests cannot all pass a check made before any of them failed, so at most `lockoutThreshold` wrong passwords
    /// are ever checked per window (a right one gives its attempt back). Nil when the account is locked or the
    /// window's attempts are used up.
    /// A window starts with its first attempt and lasts `lockoutSeconds`; an expired lock starts a new one.
    public func reserveAttempt(id: Int64, now: Date = Date()) async throws -> Int? {
        let nowText = Clock.iso(now)
        let cutoff = Clock.iso(now.addingTimeInterval(-Self.lockoutSeconds))
        func fresh() -> SQLQueryString {
            """
            (login_window_start IS NULL OR login_window_start <= \(bind: cutoff)
              OR (locked_until IS NOT NULL AND locked_until <= \(bind: nowText)))
            """
        }
        let sql: SQLQueryString =
            "UPDATE users SET failed_logins = CASE WHEN " + fresh()
            + " THEN 1 ELSE failed_logins + 1 END, "
            + "login_window_start = CASE WHEN " + fresh() + " THEN \(bind: nowText) ELSE login_window_start END, "
            + "locked_until = CASE WHEN " + fresh() + " THEN NULL ELSE locked_until END "
            + "WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: nowText)) AND ("
            + fresh() + " OR failed_logins < \(bind: Self.lockoutThreshold)) RETURNING failed_logins"
        return try await statement { db in
            try await db.raw(sql).first()?.decode(column: "failed_logins", as: Int.self)
        }
    }

    /// One statement on its own. PostgreSQL runs it atomically without a transaction's extra round trips, so
    /// parallel sign-ins hold the account's row lock only for the statement; SQLite queues it behind its one writer.
    func statement<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        database.kind == .postgres ? try await database.withConnection(body) : try await database.transaction(body)
    }

    /// A wrong password keeps its reserved attempt; the one that uses up the window locks the account.
    public func recordFailure(id: Int64, now: Date = Date()) async throws {
        let until = Clock.iso(now.addingTimeInterval(Self.lockoutSeconds))
        try await statement { db in
            try await db.raw(
                """
                UPDATE users SET locked_until = \(bind: until)
                WHERE id = \(bind: id) AND failed_logins >= \(bind: Self.lockoutThreshold)
                  AND (locked_until IS NULL OR locked_until <= \(bind: Clock.iso(now)))
                """
            ).run()
        }
    }

    /// A right password gives its reserved attempt back; the window's wrong ones still count.
    public func releaseAttempt(id: Int64) async throws {
        try await statement { db in
            try await db.raw(
                """
                UPDATE users SET failed_logins = failed_logins - 1 WHERE id = \(bind: id) AND failed_logins > 0
                """
            ).run()
        }
    }

    // MARK: tokens

    public enum TokenKind: String, Sendable { case api, session }

    /// Stores the hash of a new token; the token itself is never stored.
    public func issueToken(userId: Int64, tokenHash: String, kind: TokenKind, csrf: String, lifetime: TimeInterval)
        async throws -> Int64
    {
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO api_tokens (user_id, token_hash, kind, csrf, created_at, expires_at)
                VALUES (\(bind: userId), \(bind: tokenHash), \(bind: kind.rawValue), \(bind: csrf), \(bind: Clock.isoNow()),
                  \(bind: Clock.iso(Date().addingTimeInterval(lifetime))))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
        }
    }

    public struct TokenGrant: Sendable {
        public var tokenId: Int64
        public var kind: TokenKind
        public var csrf: String
        public var account: Account
    }

    /// The live account behind a token, or nil when the token is unknown, revoked, expired, or its account disabled
    /// (a steward's account whose posts have all ended counts as disabled).
    public func resolve(tokenHash: String) async throws -> TokenGrant? {
        let row = try await database.withConnection { db in
            try await db.raw(
                """
                SELECT t.id AS token_id, t.kind, t.csrf, t.expires_at, t.revoked_at, \(unsafeRaw: Self.columns.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = \(bind: tokenHash)
                """
            ).first()
        }
        guard let row, try row.decode(column: "revoked_at", as: String?.self) == nil,
            try row.decode(column: "expires_at", as: String.self) > Clock.isoNow()
        else { return nil }
        let account = try Self.decode(row)
        guard !account.disabled else { return nil }
        if account.role == .steward {
            let ended = try await database.withConnection { db in try await Self.endedSteward(account.id, db: db) }
            if ended { return nil }
        }
        return TokenGrant(
            tokenId: try row.decode(column: "token_id", as: Int64.self),
            kind: TokenKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .api,
            csrf: try row.decode(column: "csrf", as: String.self), account: account)
    }

    /// Revokes one of the user's tokens; false when there is no such live token.
    @discardableResult
    public func revoke(tokenId: Int64, userId: Int64) async throws -> Bool {
        try await database.transaction { db in
            let row = try await db.raw(
                """
                UPDATE api_tokens SET revoked_at = \(bind: Clock.isoNow())
                WHERE id = \(bind: tokenId) AND user_id = \(bind: userId) AND revoked_at IS NULL RETURNING id
                """
            ).first()
            return row != nil
        }
    }

    public func tokens(userId: Int64) async throws -> [TokenSummary] {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id, created_at, expires_at FROM api_tokens
                WHERE user_id = \(bind: userId) AND revoked_at IS NULL AND kind = 'api' ORDER BY id
                """
            ).all(decoding: TokenSummary.self)
        }
    }
}
