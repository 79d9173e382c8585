import CourtyardDomain
import SQLKit

/// A list of live paper entries (ballots or questionnaire responses): those listed, and how many there are in all.
public struct EnteredPapers<Entry: Sendable>: Sendable {
    public var entries: [Entry]
    public var total: Int
}

/// A paper entry just voided, as its page names it: the paper's number and the household it was entered for.
public struct VoidedPaper: Sendable, Equatable {
    public var paper: String
    public var household: String
}

/// What the lists of paper ballots and of paper questionnaires share: whose entries a person sees, how one is found,
/// and how its household and whoever entered it are named. `alias` is the entries' table in the query (a constant).
enum PaperEntries {
    /// Whether `actor` lists every entry (they may `manage`) or only their own of today (they enter papers), and the
    /// search cleaned; refused when they may do neither, or the search is longer than 100 characters.
    static func reader(_ actor: Actor, manage: Capability, find: String, field: String) throws -> (
        all: Bool, find: String
    ) {
        let all = Permissions.allows(actor.role, manage)
        guard all || Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        try TextBounds.check(find, field: field, max: 100)
        return (all, TextNormalizer.clean(find))
    }

    /// Live paper entries only, and only `actor`'s of today (in China, whose day began at 16:00 UTC the day before,
    /// entry times being stored in UTC) unless `all`.
    static func live(_ alias: String, all: Bool, actor: Actor) -> SQLQueryString {
        let live: SQLQueryString = "\(unsafeRaw: alias).voided_at IS NULL AND \(unsafeRaw: alias).channel = 'paper'"
        guard !all else { return live }
        let since = Clock.today.adding(days: -1).description + "T16:00:00Z"
        return live
            + " AND \(unsafeRaw: alias).entered_by = \(bind: actor.username) AND \(unsafeRaw: alias).at >= \(bind: since)"
    }

    /// The entries whose paper number (in any case), room or household `find` is; all when it is empty. A household
    /// is found as it is shown (1号楼-1单元-101) and as people write it short (1-1-101, 1 1 101).
    static func matching(_ alias: String, find: String) -> SQLQueryString {
        guard !find.isEmpty else { return "" }
        var any: SQLQueryString =
            " AND (LOWER(\(unsafeRaw: alias).paper_number) = \(bind: find.lowercased()) OR h.room = \(bind: find)"
            + " OR b.name || '-' || e.name || '-' || h.room = \(bind: find)"
        let parts = find.split(whereSeparator: { $0 == "-" || $0 == " " }).map(String.init)
        if parts.count == 3 {
            let buildings = [parts[0], parts[0] + "号楼", parts[0] + "栋", parts[0] + "幢"]
            let entrances = [parts[1], parts[1] + "单元"]
            any +=
                " OR (b.name IN (\(binds: buildings)) AND e.name IN (\(binds: entrances)) AND h.room = \(bind: parts[2]))"
        }
        return any + ")"
    }

    /// The household (`h`, its entrance `e` and building `b`) and the account (`u`) of each entry.
    static func joins(_ alias: String) -> SQLQueryString {
        """
         JOIN households h ON h.id = \(unsafeRaw: alias).household_id JOIN entrances e ON e.id = h.entrance_id
         JOIN buildings b ON b.id = h.building_id LEFT JOIN users u ON u.username = \(unsafeRaw: alias).entered_by
        """
    }

    /// The columns that name an entry's household and whoever entered it (their name, else their username).
    static func named(_ alias: String) -> SQLQueryString {
        """
        b.name AS building, e.name AS entrance, h.room,
          COALESCE(NULLIF(u.display_name, ''), \(unsafeRaw: alias).entered_by) AS entered_by, \(unsafeRaw: alias).at
        """
    }

    /// The reason an entry is voided with (`what` names the entry in the message): at most 500 characters, tidied,
    /// and not empty.
    static func voidReason(_ reason: String, what: String) throws -> String {
        try TextBounds.check(reason, field: "reason", max: 500)
        let why = TextNormalizer.line(reason)
        guard !why.isEmpty else {
            throw ValidationError(field: "reason", code: "required", message: "voiding a \(what) needs a reason")
        }
        return why
    }

    /// Voids the live entry `id` of `table` (a constant), whose `row` was read with `named` and its paper number, and
    /// logs its household, paper number and reason as `action` on `entity`. Voided a moment before by someone else,
    /// it is not found, as for whoever came second.
    static func void(
        _ table: String, id: Int64, row: any SQLRow, reason why: String, db: any SQLDatabase,
        log: (actor: Actor, action: String, entity: String, entityId: Int64, subdistrictId: Int64)
    ) async throws {
        guard
            try await db.raw(
                """
                UPDATE \(unsafeRaw: table) SET voided_at = \(bind: Clock.isoNow()), void_reason = \(bind: why)
                WHERE id = \(bind: id) AND voided_at IS NULL RETURNING id
                """
            ).first() != nil
        else { throw StoreError.notFound }
        try await AuditLog.record(
            db: db, actor: log.actor, action: log.action, entity: log.entity, entityId: log.entityId,
            subdistrictId: log.subdistrictId, before: nil,
            after: .object([
                ("household", .string(try household(row))),
                ("paper_number", .string(try row.optionalText("paper_number") ?? "")), ("reason", .string(why)),
            ]))
    }

    /// Logs a paper entry as `action` on `entity` (its vote or questionnaire): its household and paper number, never
    /// what the paper says, so the audit log tells who entered which paper without telling how a household voted.
    static func logEntered(
        householdId: Int64, paper: String, db: any SQLDatabase,
        log: (actor: Actor, action: String, entity: String, entityId: Int64, subdistrictId: Int64)
    ) async throws {
        let row = try await db.raw(
            """
            SELECT b.name AS building, e.name AS entrance, h.room FROM households h
            JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
            WHERE h.id = \(bind: householdId)
            """
        ).first()
        try await AuditLog.record(
            db: db, actor: log.actor, action: log.action, entity: log.entity, entityId: log.entityId,
            subdistrictId: log.subdistrictId, before: nil,
            after: .object([
                ("household", .string(try row.map { try household($0) } ?? "")), ("paper_number", .string(paper)),
            ]))
    }

    /// A voided entry's paper number and household ("楼栋-单元-房号"), for the page its void returns to: read by
    /// whoever may read every entry (`all`), or by whoever entered it. Nil for a live entry or another's.
    static func voided(
        _ table: String, parent: String, parentId: Int64, id: Int64, all: Bool, actor: Actor, db: any SQLDatabase
    ) async throws -> VoidedPaper? {
        var sql: SQLQueryString =
            "SELECT x.paper_number, " + named("x") + " FROM \(unsafeRaw: table) x" + joins("x")
            + " WHERE x.id = \(bind: id) AND x.\(unsafeRaw: parent) = \(bind: parentId) AND x.voided_at IS NOT NULL"
        if !all { sql += " AND x.entered_by = \(bind: actor.username)" }
        guard let r = try await db.raw(sql).first() else { return nil }
        return VoidedPaper(paper: try r.optionalText("paper_number") ?? "", household: try household(r))
    }

    /// Whether a live entry of `table` under `parent` has this paper number, in any case (nil when none has), and
    /// the home ("楼栋-单元-房号") it was entered for when `viewer` may see that home: a building's steward learns
    /// nothing of another building's entries by typing numbers.
    static func taken(
        _ table: String, parent: String, parentId: Int64, paper: String, viewer: Scope, db: any SQLDatabase
    ) async throws -> String?? {
        let sql: SQLQueryString =
            "SELECT x.household_id, " + named("x") + " FROM \(unsafeRaw: table) x" + joins("x")
            + " WHERE x.\(unsafeRaw: parent) = \(bind: parentId) AND x.voided_at IS NULL"
            + " AND LOWER(x.paper_number) = \(bind: paper.lowercased())"
        guard let r = try await db.raw(sql).first() else { return nil }
        let home: SQLQueryString =
            "SELECT t.id FROM households t JOIN compounds c ON c.id = t.compound_id "
            + "WHERE t.id = \(bind: try r.int("household_id")) AND " + ResourceSpec.households.scopeCondition(viewer)
        return .some(try await db.raw(home).first() != nil ? try household(r) : nil)
    }

    /// "楼栋-单元-房号" of a row read with `named`.
    static func household(_ r: any SQLRow) throws -> String {
        "\(try r.text("building"))-\(try r.text("entrance"))-\(try r.text("room"))"
    }
}
