import CourtyardDomain
import Foundation
import SQLKit

/// Stewards: one per building or entrance at a time, terms kept as history, each optionally tied to the account
/// with which the steward signs in (scoped to exactly that building or entrance).
public struct StewardRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// A new account made with the appointment: its name, its password already hashed, and how it is shown.
    public struct NewAccount: Sendable {
        public var username: String
        public var passwordHash: String
        public var displayName: String
        public init(username: String, passwordHash: String, displayName: String) {
            self.username = username
            self.passwordHash = passwordHash
            self.displayName = displayName
        }
    }

    public struct NewSteward: Sendable {
        public var residentId: Int64
        public var buildingId: Int64?
        public var entranceId: Int64?
        public var since: Day
        public var until: Day?
        public var appointedBy: StewardAppointment
        public var electionRecordAttachmentId: Int64?
        public var exceptionNote: String
        public var publicName: String?
        public var userId: Int64?
        public var account: NewAccount?
        public init(
            residentId: Int64, buildingId: Int64?, entranceId: Int64?, since: Day, until: Day?,
            appointedBy: StewardAppointment, electionRecordAttachmentId: Int64? = nil, exceptionNote: String = "",
            publicName: String? = nil, userId: Int64? = nil, account: NewAccount? = nil
        ) {
            self.residentId = residentId
            self.buildingId = buildingId
            self.entranceId = entranceId
            self.since = since
            self.until = until
            self.appointedBy = appointedBy
            self.electionRecordAttachmentId = electionRecordAttachmentId
            self.exceptionNote = exceptionNote
            self.publicName = publicName
            self.userId = userId
            self.account = account
        }
    }

    static let select: SQLQueryString = """
        SELECT s.id, s.resident_id, r.name AS resident_name, s.compound_id, s.building_id, s.entrance_id, s.place,
          b.name AS building_name, e.name AS entrance_name, s.since, s.until, s.appointed_by,
          s.election_record_attachment_id, s.user_id, s.exception_note, s.end_reason, s.created_at, s.public_name
        FROM stewards s JOIN residents r ON r.id = s.resident_id JOIN buildings b ON b.id = s.building_id
        LEFT JOIN entrances e ON e.id = s.entrance_id JOIN compounds t ON t.id = s.compound_id
        """

    /// The building around an entrance steward's entrance, whose building steward it reads in full.
    static func entranceBuilding(_ actor: Actor, db: any SQLDatabase) async throws -> Int64? {
        guard actor.scope.kind == .entrance, let id = actor.scope.id else { return nil }
        return try await db.raw("SELECT building_id FROM entrances WHERE id = \(bind: id)").first()?.int("building_id")
    }

    static func decode(
        _ r: any SQLRow, actor: Actor, entranceBuilding: Int64? = nil, today: Day = Clock.today
    ) throws -> Steward {
        let name = try r.text("resident_name")
        let since = Day(try r.text("since")) ?? today
        let until = try r.optionalText("until").flatMap { Day($0) }
        let building = try r.text("building_name")
        let entrance = try r.optionalText("entrance_name")
        let full = StewardRules.namesInFull(
            scope: actor.scope, entranceBuilding: entranceBuilding, steward: try r.int("building_id"),
            entrance: try r.optionalInt("entrance_id"))
        return Steward(
            id: try r.int("id"), residentId: try r.int("resident_id"),
            residentName: PersonalData.name(name, personal: actor.seesPersonalData && full),
            compoundId: try r.int("compound_id"), buildingId: try r.int("building_id"),
            entranceId: try r.optionalInt("entrance_id"), place: try r.text("place"),
            placeName: entrance.map { building + " " + $0 } ?? building, since: since, until: until,
            current: since <= today && (until.map { $0 >= today } ?? true),
            appointedBy: StewardAppointment(rawValue: try r.text("appointed_by")) ?? .appointment,
            electionRecordAttachmentId: try r.optionalInt("election_record_attachment_id"),
            userId: try r.optionalInt("user_id"),
            // The office's words on why an outsider holds the post may name people: read as names are.
            exceptionNote: actor.seesPersonalData && full ? try r.text("exception_note") : "",
            endReason: try r.text("end_reason"), createdAt: try r.text("created_at"))
    }

    /// A place as the account sees it: nil when it does not exist or lies outside the actor's scope.
    static func place(
        building: Int64?, entrance: Int64?, actor: Actor, db: any SQLDatabase
    ) async throws -> (compound: Int64, building: Int64, entrance: Int64?, subdistrict: Int64)? {
        if let entrance {
            let sql: SQLQueryString =
                "SELECT t.compound_id, t.building_id, c.subdistrict_id FROM entrances t JOIN compounds c ON c.id = t.compound_id WHERE t.id = \(bind: entrance) AND "
                + ResourceSpec.entrances.scopeCondition(actor.scope)
            guard let r = try await db.raw(sql).first() else { return nil }
            return (try r.int("compound_id"), try r.int("building_id"), entrance, try r.int("subdistrict_id"))
        }
        guard let building else { return nil }
        let sql: SQLQueryString =
            "SELECT t.compound_id, c.subdistrict_id FROM buildings t JOIN compounds c ON c.id = t.compound_id WHERE t.id = \(bind: building) AND "
            + ResourceSpec.buildings.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else { return nil }
        return (try r.int("compound_id"), building, nil, try r.int("subdistrict_id"))
    }

    public func create(_ n: NewSteward, actor: Actor) async throws -> Steward {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        if (n.buildingId == nil) == (n.entranceId == nil) {
            throw ValidationError(
                field: n.buildingId == nil ? "building_id" : "entrance_id", code: "one_place",
                message: "give building_id or entrance_id, not both and not neither")
        }
        if let problem = StewardRules.termProblem(since: n.since, until: n.until) { throw problem }
        if let problem = StewardRules.sinceProblem(n.since, today: Clock.today) { throw problem }
        if n.userId != nil && n.account != nil {
            throw ValidationError(
                field: "account", code: "one_account", message: "give user_id or account, not both")
        }
        let note = TextNormalizer.line(n.exceptionNote)
        guard note.unicodeScalars.count <= 500 else {
            throw ValidationError(
                field: "exception_note", code: "too_long", message: "exception_note is at most 500 characters")
        }
        let id: Int64 = try await database.transaction { db in
            guard let place = try await Self.place(building: n.buildingId, entrance: n.entranceId, actor: actor, db: db)
            else {
                let field = n.entranceId != nil ? "entrance_id" : "building_id"
                throw ValidationError(field: field, code: "not_found", message: "\(field) does not exist")
            }
            let placeKey =
                n.entranceId.map { "\(ScopeKind.entrance.rawValue):\($0)" }
                ?? "\(ScopeKind.building.rawValue):\(place.building)"
            // Two appointments to one post at once queue here; the later one sees the earlier.
            if database.kind == .postgres {
                let table = n.entranceId != nil ? "entrances" : "buildings"
                try await db.raw(
                    "SELECT id FROM \(unsafeRaw: table) WHERE id = \(bind: n.entranceId ?? place.building) FOR UPDATE"
                ).run()
            }
            let residentSQL: SQLQueryString =
                "SELECT t.id, t.subdistrict_id FROM residents t WHERE t.id = \(bind: n.residentId) AND "
                + ResourceSpec.residents.scopeCondition(actor.scope)
            guard let resident = try await db.raw(residentSQL).first(),
                try resident.int("subdistrict_id") == place.subdistrict
            else {
                throw ValidationError(field: "resident_id", code: "not_found", message: "resident_id does not exist")
            }
            let homes = try await db.raw(
                """
                SELECT DISTINCT h.compound_id FROM household_residents hr JOIN households h ON h.id = hr.household_id
                WHERE hr.resident_id = \(bind: n.residentId)
                """
            ).all().map { try $0.int("compound_id") }
            if let problem = StewardRules.otherCompoundProblem(
                residentCompounds: Set(homes), placeCompound: place.compound, role: actor.role, exceptionNote: note)
            {
                throw problem
            }
            if let a = n.electionRecordAttachmentId {
                try await AttachmentRepository.requireReadable(
                    [a], field: "election_record_attachment_id", actor: actor, db: db)
            }
            let terms = try await db.raw("SELECT id, since, until FROM stewards WHERE place = \(bind: placeKey)").all()
            for t in terms {
                let since = Day(try t.text("since")) ?? n.since
                let until = try t.optionalText("until").flatMap { Day($0) }
                if StewardRules.overlaps((since, until), (n.since, n.until)) {
                    throw StoreError.refused(
                        code: "steward_exists",
                        message:
                            "\(placeKey) already has a steward from \(since)\(until.map { " to \($0)" } ?? "") (steward \(try t.int("id"))); end that term first"
                    )
                }
            }
            let userId = try await Self.account(n, placeKey: placeKey, place: place, actor: actor, db: db)
            let row = try await db.raw(
                """
                INSERT INTO stewards (resident_id, subdistrict_id, compound_id, building_id, entrance_id, place, since, until,
                  appointed_by, election_record_attachment_id, user_id, exception_note, public_name, created_at, created_by)
                VALUES (\(bind: n.residentId), \(bind: place.subdistrict), \(bind: place.compound), \(bind: place.building),
                  \(bind: place.entrance), \(bind: placeKey), \(bind: n.since.description), \(bind: n.until?.description),
                  \(bind: n.appointedBy.rawValue), \(bind: n.electionRecordAttachmentId), \(bind: userId), \(bind: note),
                  \(bind: n.publicName), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            let created = try await Self.one(id, actor: .system, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "stewards", entityId: id,
                subdistrictId: place.subdistrict, before: nil, after: try JSONValueCoding.encode(created))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    /// A rule's problem with a term's end as the store's error.
    static func check(_ problem: StoreProblem?) throws {
        switch problem {
        case nil: return
        case .invalid(let field, let code)?:
            throw ValidationError(field: field, code: code, message: "\(field) is more than a year away")
        case .refused(let code)?:
            throw StoreError.refused(code: code, message: "the term's last day is already recorded")
        }
    }

    /// Links an existing steward account, or makes a new one, scoped to exactly the post's building or entrance.
    static func account(
        _ n: NewSteward, placeKey: String,
        place: (compound: Int64, building: Int64, entrance: Int64?, subdistrict: Int64),
        actor: Actor, db: any SQLDatabase
    ) async throws -> Int64? {
        let scope = Scope.parse(placeKey)!
        if let userId = n.userId {
            guard
                let row = try await db.raw(
                    "SELECT id, role, scope_kind, scope_id, version FROM users WHERE id = \(bind: userId)"
                ).first()
            else { throw ValidationError(field: "user_id", code: "not_found", message: "user_id does not exist") }
            guard try row.text("role") == Role.steward.rawValue else {
                throw ValidationError(
                    field: "user_id", code: "not_a_steward", message: "user_id is not a steward's account")
            }
            let kind = try row.optionalText("scope_kind")
            let scopeId = try row.optionalInt("scope_id")
            // An account serves one post: it is not moved away from another building or entrance it still serves.
            if let kind, kind == ScopeKind.building.rawValue || kind == ScopeKind.entrance.rawValue,
                "\(kind):\(scopeId ?? 0)" != placeKey,
                try await db.raw(
                    "SELECT id FROM stewards WHERE user_id = \(bind: userId) AND (until IS NULL OR until >= \(bind: Clock.today.description))"
                ).first() != nil
            {
                throw StoreError.refused(
                    code: "account_serves_elsewhere", message: "user_id still serves \(kind):\(scopeId ?? 0)")
            }
            try await db.raw(
                "UPDATE users SET version = version + 1, scope_kind = \(bind: scope.kind?.rawValue), scope_id = \(bind: scope.id) WHERE id = \(bind: userId)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "users", entityId: userId,
                subdistrictId: place.subdistrict,
                before: .object([("scope", .string("\(kind ?? "global"):\(scopeId ?? 0)"))]),
                after: .object([("scope", .string(placeKey))]))
            return userId
        }
        guard let a = n.account else { return nil }
        let name = a.username.trimmingCharacters(in: .whitespaces)
        guard name.count >= 2, name.count <= 64,
            name.unicodeScalars.allSatisfy({
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
            })
        else {
            throw ValidationError(
                field: "account.username", code: "invalid",
                message: "account.username must be 2-64 letters, digits, dots, dashes or underscores")
        }
        // OFFICE beside office would read as the office's own account.
        try await AccountRepository.oneNameAtATime(db)
        if try await db.raw("SELECT id FROM users WHERE LOWER(username) = \(bind: name.lowercased())").first() != nil {
            throw ValidationError(field: "account.username", code: "taken", message: "account.username is taken")
        }
        // Shown in the page's header: the steward's own name unless another was given.
        let display =
            a.displayName.isEmpty
            ? try await db.raw("SELECT name FROM residents WHERE id = \(bind: n.residentId)").first()?.text("name")
                ?? ""
            : a.displayName
        let row = try await db.raw(
            """
            INSERT INTO users (username, password_hash, role, scope_kind, scope_id, display_name, created_at)
            VALUES (\(bind: name), \(bind: a.passwordHash), \(bind: Role.steward.rawValue), \(bind: scope.kind?.rawValue),
              \(bind: scope.id), \(bind: display), \(bind: Clock.isoNow()))
            RETURNING id
            """
        ).first()!
        let id = try row.int("id")
        try await AuditLog.record(
            db: db, actor: actor, action: "create", entity: "users", entityId: id, subdistrictId: place.subdistrict,
            before: nil,
            after: .object([("username", .string(name)), ("role", .string("steward")), ("scope", .string(placeKey))]))
        return id
    }

    static func one(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Steward {
        let sql: SQLQueryString =
            select + " WHERE s.id = \(bind: id) AND " + ResourceSpec.compounds.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return try decode(r, actor: actor, entranceBuilding: try await entranceBuilding(actor, db: db))
    }

    public func get(id: Int64, actor: Actor) async throws -> Steward {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in try await Self.one(id, actor: actor, db: db) }
    }

    public struct Filter: Sendable {
        public var compoundId: Int64?
        public var buildingId: Int64?
        public var entranceId: Int64?
        public var residentId: Int64?
        public var current: Bool?
        public init(
            compoundId: Int64? = nil, buildingId: Int64? = nil, entranceId: Int64? = nil, residentId: Int64? = nil,
            current: Bool? = nil
        ) {
            self.compoundId = compoundId
            self.buildingId = buildingId
            self.entranceId = entranceId
            self.residentId = residentId
            self.current = current
        }
    }

    /// Stewards of the compounds the actor sees, newest term first within each place.
    public func list(_ f: Filter, actor: Actor, paging: Paging = .export) async throws -> [Steward] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString = Self.select + " WHERE " + ResourceSpec.compounds.scopeCondition(actor.scope)
        if let c = f.compoundId { sql += " AND s.compound_id = \(bind: c)" }
        if let b = f.buildingId { sql += " AND s.building_id = \(bind: b)" }
        if let e = f.entranceId { sql += " AND s.entrance_id = \(bind: e)" }
        if let r = f.residentId { sql += " AND s.resident_id = \(bind: r)" }
        let today = Clock.today.description
        if let current = f.current {
            sql +=
                current
                ? " AND s.since <= \(bind: today) AND (s.until IS NULL OR s.until >= \(bind: today))"
                : " AND NOT (s.since <= \(bind: today) AND (s.until IS NULL OR s.until >= \(bind: today)))"
        }
        sql += " ORDER BY s.compound_id, s.building_id, s.entrance_id, s.since DESC, s.id DESC" + paging.sql
        let q = sql
        return try await database.withConnection { db in
            let around = try await Self.entranceBuilding(actor, db: db)
            return try await db.raw(q).all().map { try Self.decode($0, actor: actor, entranceBuilding: around) }
        }
    }

    /// Who may be made a steward of a building: the people who live in it or own a home in it, each with the home
    /// that places them, in the order of the building's entrances, floors and rooms (at most 2,000).
    public func candidates(building: Int64, actor: Actor) async throws -> [StewardCandidate] {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        _ = try await ResourceRepository(database: database).get(.buildings, id: building, actor: actor)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT r.id, r.name, r.phone, e.name AS entrance, h.room, h.floor, hr.relation
                FROM household_residents hr JOIN households h ON h.id = hr.household_id
                JOIN entrances e ON e.id = h.entrance_id JOIN residents r ON r.id = hr.resident_id
                WHERE h.building_id = \(bind: building)
                ORDER BY e.id, h.floor, h.room, r.name, r.id LIMIT 2000
                """
            ).all().map { r in
                StewardCandidate(
                    residentId: try r.int("id"),
                    name: PersonalData.name(try r.text("name"), personal: actor.seesPersonalData),
                    entrance: try r.text("entrance"), room: try r.text("room"),
                    owner: try r.text("relation") == "owner",
                    phoneTail: StewardCandidate.tail(try r.optionalText("phone") ?? "", actor: actor))
            }
        }
    }

    /// Ends a term on a day (the last day served); a term already ended earlier is a 409.
    public func end(id: Int64, on day: Day, reason: String, actor: Actor) async throws -> Steward {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        let why = TextNormalizer.line(reason)
        guard why.unicodeScalars.count <= 500 else {
            throw ValidationError(field: "reason", code: "too_long", message: "reason is at most 500 characters")
        }
        try await database.transaction { db in
            let before = try await Self.one(id, actor: actor, db: db)
            if let problem = StewardRules.termProblem(since: before.since, until: day) { throw problem }
            try Self.check(StewardRules.endProblem(until: before.until, day: day, today: Clock.today))
            try await db.raw(
                "UPDATE stewards SET until = \(bind: day.description), end_reason = \(bind: why), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            let after = try await Self.one(id, actor: actor, db: db)
            let sd = try await db.raw("SELECT subdistrict_id FROM stewards WHERE id = \(bind: id)").first()?.int(
                "subdistrict_id")
            try await AuditLog.record(
                db: db, actor: actor, action: "end", entity: "stewards", entityId: id, subdistrictId: sd,
                before: .object([("until", before.until.map { .string($0.description) } ?? .null)]),
                after: .object([
                    ("until", after.until.map { .string($0.description) } ?? .null), ("end_reason", .string(why)),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    /// The current steward of each entrance and building among some compounds, for progress and public pages:
    /// entrance id or building id → (steward id, resident name unmasked, public name).
    static func current(compounds: [Int64], db: any SQLDatabase, today: Day = Clock.today) async throws -> [String: (
        id: Int64, name: String, publicName: String?
    )] {
        guard !compounds.isEmpty else { return [:] }
        var sql: SQLQueryString =
            "SELECT s.id, s.place, r.name, s.public_name FROM stewards s JOIN residents r ON r.id = s.resident_id WHERE s.compound_id IN ("
        for (i, c) in compounds.enumerated() { sql += i == 0 ? "\(bind: c)" : ", \(bind: c)" }
        sql +=
            ") AND s.since <= \(bind: today.description) AND (s.until IS NULL OR s.until >= \(bind: today.description))"
        var out: [String: (id: Int64, name: String, publicName: String?)] = [:]
        for r in try await db.raw(sql).all() {
            out[try r.text("place")] = (try r.int("id"), try r.text("name"), try r.optionalText("public_name"))
        }
        return out
    }
}
