import CourtyardDomain
import Foundation
import SQLKit

/// Community events: created by the office or a community's staff for a community or one compound, signed up to
/// by name and phone (never past the capacity, with a waiting list), attended, reported on, and the hours helpers
/// gave. Sign-ups and cancellations lock the event's row first, so counting the places and taking one is one step
/// on both databases.
public struct EventRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct NewEvent: Sendable {
        public var title: String
        public var kind: EventKind
        public var communityId: Int64?
        public var compoundId: Int64?
        public var startsAt: EventInstant
        public var endsAt: EventInstant
        public var place: String
        public var capacity: Int64?
        public var signup: EventSignupMode
        public var organisers: [EventOrganiser]
        public init(
            title: String, kind: EventKind, communityId: Int64?, compoundId: Int64?, startsAt: EventInstant,
            endsAt: EventInstant, place: String, capacity: Int64?, signup: EventSignupMode,
            organisers: [EventOrganiser]
        ) {
            self.title = title
            self.kind = kind
            self.communityId = communityId
            self.compoundId = compoundId
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.place = place
            self.capacity = capacity
            self.signup = signup
            self.organisers = organisers
        }
    }

    /// What a PATCH changes; nil leaves a field as it is (`capacity: .some(nil)` removes the limit).
    public struct Change: Sendable {
        public var title: String?
        public var kind: EventKind?
        public var startsAt: EventInstant?
        public var endsAt: EventInstant?
        public var place: String?
        public var capacity: Int64??
        public var signup: EventSignupMode?
        public var organisers: [EventOrganiser]?
        public init(
            title: String? = nil, kind: EventKind? = nil, startsAt: EventInstant? = nil, endsAt: EventInstant? = nil,
            place: String? = nil, capacity: Int64?? = nil, signup: EventSignupMode? = nil,
            organisers: [EventOrganiser]? = nil
        ) {
            self.title = title
            self.kind = kind
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.place = place
            self.capacity = capacity
            self.signup = signup
            self.organisers = organisers
        }
    }

    public struct Filter: Sendable {
        public var communityId: Int64?
        public var compoundId: Int64?
        public var upcoming: Bool?
        public init(communityId: Int64? = nil, compoundId: Int64? = nil, upcoming: Bool? = nil) {
            self.communityId = communityId
            self.compoundId = compoundId
            self.upcoming = upcoming
        }
    }

    /// Who cancels a sign-up: staff in scope, or the person with the code they were given (its hash).
    public enum Canceller: Sendable {
        case staff(Actor)
        case code(hash: String)
    }

    static func text(_ s: String, field: String, max: Int, required: Bool = true) throws -> String {
        let c = TextNormalizer.line(s)
        if required && c.isEmpty {
            throw ValidationError(field: field, code: "required", message: "\(field) is required")
        }
        guard c.unicodeScalars.count <= max else {
            throw ValidationError(field: field, code: "too_long", message: "\(field) is at most \(max) characters")
        }
        return c
    }

    /// A person's name as typed: `text`, and at least one letter in it (a row of emoji names nobody).
    static func personName(_ s: String, field: String) throws -> String {
        let name = try text(s, field: field, max: 50)
        guard name.contains(where: \.isLetter) else {
            throw ValidationError(field: field, code: "no_letter", message: "\(field) has no letter in it")
        }
        return name
    }

    /// Everything wrong with a sign-up's name and phone at once, for a form that marks each beside its field.
    public static func signupProblems(name: String, phone: String) -> [ValidationError] {
        var found: [ValidationError] = []
        do { _ = try personName(name, field: "name") } catch let e as ValidationError { found.append(e) } catch {}
        do { _ = try self.phone(phone, field: "phone") } catch let e as ValidationError { found.append(e) } catch {}
        return found
    }

    static func phone(_ raw: String, field: String) throws -> String {
        guard !TextNormalizer.clean(raw).isEmpty else {
            throw ValidationError(field: field, code: "required", message: "\(field) is required")
        }
        guard let p = PersonalData.normalizePhone(raw) else {
            throw ValidationError(field: field, code: "invalid", message: "\(field) is not a phone number")
        }
        return p
    }

    static func organisers(_ list: [EventOrganiser]) throws -> [EventOrganiser] {
        guard list.count <= 20 else {
            throw ValidationError(field: "organisers", code: "too_many", message: "at most 20 organisers")
        }
        return try list.enumerated().map { i, o in
            let name = try text(o.name, field: "organisers[\(i)].name", max: 50)
            let phone =
                TextNormalizer.clean(o.phone).isEmpty ? "" : try Self.phone(o.phone, field: "organisers[\(i)].phone")
            return EventOrganiser(name: name, phone: phone)
        }
    }

    static func organisersJSON(_ list: [EventOrganiser]) -> String {
        JSONValue.array(list.map { .object([("name", .string($0.name)), ("phone", .string($0.phone))]) }).serialized()
    }

    /// Events the actor reaches: its sub-district's, its community's, or its compound's.
    /// Events the actor reaches: a compound's account (or a building's or entrance's) also reaches the events its
    /// whole community holds, as its residents are invited to them.
    static func scope(_ actor: Actor) -> SQLQueryString {
        guard let kind = actor.scope.kind, let id = actor.scope.id else { return "1=1" }
        switch kind {
        case .compound, .building, .entrance:
            let compound = ScopePlace.compound(kind, id)
            return "(e.compound_id = " + compound
                + " OR (e.compound_id IS NULL AND e.community_id = (SELECT community_id FROM compounds WHERE id = "
                + compound + ")))"
        default:
            return placeScope(sd: "e.subdistrict_id", cm: "e.community_id", cp: "e.compound_id")(kind, id)
        }
    }

    static let columns = """
        e.id, e.community_id, e.compound_id, e.title, e.kind, e.starts_at, e.ends_at, e.place, e.capacity, e.signup,
        e.organisers_json, e.state, e.cancel_reason, e.report_text, e.report_photos_json, e.reported_at, e.version,
        e.created_at, e.subdistrict_id,
        (SELECT COUNT(*) FROM event_signups s WHERE s.event_id = e.id AND s.status = 'confirmed') AS n_confirmed,
        (SELECT COUNT(*) FROM event_signups s WHERE s.event_id = e.id AND s.status = 'waitlisted') AS n_waiting,
        (SELECT COUNT(*) FROM event_signups s WHERE s.event_id = e.id AND s.status = 'confirmed' AND s.attended = 1)
          AS n_attended
        """

    static func instant(_ stored: String) -> EventInstant { EventInstant(parsing: stored) ?? EventInstant(seconds: 0) }

    static func decode(_ r: any SQLRow, personal: Bool) throws -> CommunityEvent {
        let organisers = try r.storedDocument("organisers_json").value.arrayItems.map {
            let name = $0["name"]?.stringValue ?? ""
            let phone = $0["phone"]?.stringValue ?? ""
            return EventOrganiser(
                name: personal ? name : PersonalData.maskOrganiser(name),
                phone: PersonalData.phone(phone, personal: personal))
        }
        var report: EventReport?
        if let text = try r.optionalText("report_text") {
            report = EventReport(
                text: text, photos: try r.storedIds("report_photos_json"),
                reportedAt: try r.optionalText("reported_at") ?? "")
        }
        return CommunityEvent(
            id: try r.int("id"), communityId: try r.int("community_id"), compoundId: try r.optionalInt("compound_id"),
            title: try r.text("title"), kind: EventKind(rawValue: try r.text("kind")) ?? .other,
            startsAt: instant(try r.text("starts_at")).chinaText, endsAt: instant(try r.text("ends_at")).chinaText,
            place: try r.text("place"), capacity: try r.optionalInt("capacity"),
            signup: EventSignupMode(rawValue: try r.text("signup")) ?? .none, organisers: organisers,
            state: EventState(rawValue: try r.text("state")) ?? .scheduled, cancelReason: try r.text("cancel_reason"),
            confirmed: try r.int("n_confirmed"), waitlisted: try r.int("n_waiting"), attended: try r.int("n_attended"),
            report: report, version: try r.int("version"), createdAt: try r.text("created_at"))
    }

    // MARK: events

    public func create(_ n: NewEvent, actor: Actor) async throws -> CommunityEvent {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let title = try Self.text(n.title, field: "title", max: 200)
        let place = try Self.text(n.place, field: "place", max: 200)
        let organisers = try Self.organisers(n.organisers)
        let now = EventInstant(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
        if let problem = EventRules.check(startsAt: n.startsAt, endsAt: n.endsAt, capacity: n.capacity, now: now) {
            throw problem
        }
        if (n.communityId == nil) == (n.compoundId == nil) {
            throw ValidationError(
                field: "community_id", code: "one_place", message: "give exactly one of community_id and compound_id")
        }
        let id: Int64 = try await database.transaction { db in
            let (sd, community) = try await Self.place(
                community: n.communityId, compound: n.compoundId, actor: actor, db: db)
            let row = try await db.raw(
                """
                INSERT INTO events (subdistrict_id, community_id, compound_id, title, kind, starts_at, ends_at, place,
                  capacity, signup, organisers_json, created_at, created_by)
                VALUES (\(bind: sd), \(bind: community), \(bind: n.compoundId), \(bind: title), \(bind: n.kind.rawValue),
                  \(bind: n.startsAt.utcText), \(bind: n.endsAt.utcText), \(bind: place), \(bind: n.capacity),
                  \(bind: n.signup.rawValue), \(bind: Self.organisersJSON(organisers)), \(bind: Clock.isoNow()),
                  \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "events", entityId: id, subdistrictId: sd, before: nil,
                after: .object([("title", .string(title)), ("kind", .string(n.kind.rawValue))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    /// The community (and sub-district) of the place the event is for, as the actor sees it.
    static func place(community: Int64?, compound: Int64?, actor: Actor, db: any SQLDatabase) async throws -> (
        Int64, Int64
    ) {
        if let compound {
            let sql: SQLQueryString =
                "SELECT t.subdistrict_id, t.community_id FROM compounds t WHERE t.id = \(bind: compound) AND "
                + ResourceSpec.compounds.scopeCondition(actor.scope)
            guard let r = try await db.raw(sql).first() else {
                throw ValidationError(field: "compound_id", code: "not_found", message: "compound_id does not exist")
            }
            return (try r.int("subdistrict_id"), try r.int("community_id"))
        }
        let sql: SQLQueryString =
            "SELECT t.subdistrict_id, t.id FROM communities t WHERE t.id = \(bind: community ?? 0) AND "
            + ResourceSpec.communities.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else {
            throw ValidationError(field: "community_id", code: "not_found", message: "community_id does not exist")
        }
        return (try r.int("subdistrict_id"), try r.int("id"))
    }

    public func get(id: Int64, actor: Actor) async throws -> CommunityEvent {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) FROM events e WHERE e.id = \(bind: id) AND " + Self.scope(actor)
        return try await database.withConnection { db in
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            return try Self.decode(r, personal: actor.seesPersonalData)
        }
    }

    public func list(_ filter: Filter, actor: Actor, paging: Paging = .export) async throws -> [CommunityEvent] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM events e WHERE " + Self.scope(actor)
        if let c = filter.communityId { sql += " AND e.community_id = \(bind: c)" }
        if let c = filter.compoundId { sql += " AND e.compound_id = \(bind: c)" }
        if let u = filter.upcoming {
            sql += u ? " AND e.ends_at >= \(bind: Clock.isoNow())" : " AND e.ends_at < \(bind: Clock.isoNow())"
        }
        sql += " ORDER BY e.starts_at DESC, e.id DESC" + paging.sql
        let q = sql
        let personal = actor.seesPersonalData
        return try await database.withConnection { db in
            try await db.raw(q).all().map { try Self.decode($0, personal: personal) }
        }
    }

    /// An event as anyone may see it (a public page): organisers masked, nothing of who signed up.
    public func publicEvent(id: Int64) async throws -> CommunityEvent {
        try await database.withConnection { db in
            guard
                let r = try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM events e WHERE e.id = \(bind: id)")
                    .first()
            else { throw StoreError.notFound }
            return try Self.decode(r, personal: false)
        }
    }

    /// A community's reported events, newest report first, for its public news page and feed.
    public func news(communityId: Int64, limit: Int = 50) async throws -> [CommunityEvent] {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM events e WHERE e.community_id = \(bind: communityId)
                  AND e.report_text IS NOT NULL AND e.state = 'scheduled'
                ORDER BY e.reported_at DESC, e.id DESC LIMIT \(bind: limit)
                """
            ).all().map { try Self.decode($0, personal: false) }
        }
    }

    /// A community's coming events that are not cancelled, soonest first, for its public pages.
    public func publicUpcoming(communityId: Int64, limit: Int = 50) async throws -> [CommunityEvent] {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns) FROM events e WHERE e.community_id = \(bind: communityId)
                  AND e.ends_at >= \(bind: Clock.isoNow()) AND e.state = 'scheduled'
                ORDER BY e.starts_at, e.id LIMIT \(bind: limit)
                """
            ).all().map { try Self.decode($0, personal: false) }
        }
    }

    /// Every event of a community from a month back, cancelled ones too, for its public calendar.
    public func calendar(communityId: Int64?, actor: Actor?, from: String) async throws -> [CommunityEvent] {
        var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM events e WHERE e.ends_at >= \(bind: from)"
        if let communityId { sql += " AND e.community_id = \(bind: communityId)" }
        if let actor {
            guard Permissions.allows(actor.role, .readRegistry) else { return [] }
            sql += " AND " + Self.scope(actor)
        }
        sql += " ORDER BY e.starts_at, e.id LIMIT 2000"
        let q = sql
        return try await database.withConnection { db in
            try await db.raw(q).all().map { try Self.decode($0, personal: false) }
        }
    }

    /// The event's row, in scope, locked for the rest of the transaction: an UPDATE takes PostgreSQL's row lock
    /// (SQLite's BEGIN IMMEDIATE already holds the write lock), so sign-ups to one event count places one at a time.
    static func locked(_ id: Int64, actor: Actor?, db: any SQLDatabase) async throws -> (CommunityEvent, Int64) {
        var guardSQL: SQLQueryString = "SELECT e.id FROM events e WHERE e.id = \(bind: id)"
        if let actor { guardSQL += " AND " + scope(actor) }
        guard try await db.raw(guardSQL).first() != nil else { throw StoreError.notFound }
        try await db.raw("UPDATE events SET signup_seq = signup_seq + 1 WHERE id = \(bind: id)").run()
        guard
            let r = try await db.raw("SELECT \(unsafeRaw: columns) FROM events e WHERE e.id = \(bind: id)").first()
        else { throw StoreError.notFound }
        return (try decode(r, personal: true), try r.int("subdistrict_id"))
    }

    public func update(id: Int64, _ c: Change, ifVersion: Int64?, actor: Actor) async throws -> CommunityEvent {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let title = try c.title.map { try Self.text($0, field: "title", max: 200) }
        let place = try c.place.map { try Self.text($0, field: "place", max: 200) }
        let organisers = try c.organisers.map { try Self.organisers($0) }
        try await database.transaction { db in
            let (before, sd) = try await Self.locked(id, actor: actor, db: db)
            if let v = ifVersion, v != before.version { throw StoreError.stale }
            if before.state == .cancelled {
                throw StoreError.refused(code: "event_cancelled", message: "a cancelled event is not changed")
            }
            let starts = c.startsAt ?? before.starts
            let ends = c.endsAt ?? before.ends
            let capacity = c.capacity ?? before.capacity
            let now = EventInstant(seconds: Int64(Date().timeIntervalSince1970))
            let moves = starts != before.starts || ends != before.ends || (place ?? before.place) != before.place
            if moves && !EventRules.mayMoveTimes(startsAt: before.starts, now: now) {
                throw StoreError.refused(code: "event_held", message: "the event has started; its times and place stay")
            }
            if starts != before.starts, let problem = EventRules.moveProblem(to: starts, now: now) { throw problem }
            // A start moved is checked against today; one kept stands as it was planned.
            let moved = starts != before.starts ? now : nil
            if let problem = EventRules.check(startsAt: starts, endsAt: ends, capacity: capacity, now: moved) {
                throw problem
            }
            if let capacity, capacity < before.confirmed {
                throw ValidationError(
                    field: "capacity", code: "below_confirmed",
                    message: "capacity cannot fall below the \(before.confirmed) people already confirmed")
            }
            try await db.raw(
                """
                UPDATE events SET title = \(bind: title ?? before.title), kind = \(bind: (c.kind ?? before.kind).rawValue),
                  starts_at = \(bind: starts.utcText), ends_at = \(bind: ends.utcText), place = \(bind: place ?? before.place),
                  capacity = \(bind: capacity), signup = \(bind: (c.signup ?? before.signup).rawValue),
                  organisers_json = \(bind: Self.organisersJSON(organisers ?? before.organisers)),
                  version = version + 1
                WHERE id = \(bind: id)
                """
            ).run()
            _ = try await Self.promote(eventId: id, capacity: capacity, db: db)
            if moves {
                try await Self.tellChange(
                    id, title: title ?? before.title, starts: starts, ends: ends, place: place ?? before.place, db: db)
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "events", entityId: id, subdistrictId: sd,
                before: .object([
                    ("starts_at", .string(before.startsAt)), ("ends_at", .string(before.endsAt)),
                    ("place", .string(before.place)), ("capacity", before.capacity.map { .int($0) } ?? .null),
                ]),
                after: .object([
                    ("starts_at", .string(starts.chinaText)), ("ends_at", .string(ends.chinaText)),
                    ("place", .string(place ?? before.place)), ("capacity", capacity.map { .int($0) } ?? .null),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    /// Everyone signed up or waiting is told by text message of a new time or place, as of a cancellation.
    static func tellChange(
        _ id: Int64, title: String, starts: EventInstant, ends: EventInstant, place: String, db: any SQLDatabase
    ) async throws {
        // "2026-12-20 14:00至16:00", or with the end's day when it ends on another.
        let until = ends.chinaDay == starts.chinaDay ? String(ends.chinaShort.suffix(5)) : ends.chinaShort
        try await tellSignedUp(
            id, event: "event.changed",
            text: "【楼院焕新】活动有变：\(title)，改为\(starts.chinaShort)至\(until)，地点：\(place)。", db: db)
    }

    /// One text message to each phone signed up for the event or waiting for a place.
    static func tellSignedUp(_ id: Int64, event: String, text: String, db: any SQLDatabase) async throws {
        let phones = try await db.raw(
            "SELECT DISTINCT phone FROM event_signups WHERE event_id = \(bind: id) AND status <> 'cancelled'"
        ).all().map { try $0.text("phone") }
        for phone in phones { try await Outbox.message(db: db, event: event, phone: phone, text: text) }
    }

    public func cancel(id: Int64, reason: String, actor: Actor) async throws -> CommunityEvent {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let why = try Self.text(reason, field: "reason", max: 500)
        try await database.transaction { db in
            let (before, sd) = try await Self.locked(id, actor: actor, db: db)
            if before.state == .cancelled {
                throw StoreError.refused(code: "event_cancelled", message: "the event is already cancelled")
            }
            try await db.raw(
                "UPDATE events SET state = 'cancelled', cancel_reason = \(bind: why), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            // Everyone signed up or waiting is told by text message, with the reason.
            try await Self.tellSignedUp(
                id, event: "event.cancelled",
                text: "【楼院焕新】活动取消：\(before.title)（\(before.starts.chinaShort)）。原因：\(why)", db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "cancel", entity: "events", entityId: id, subdistrictId: sd,
                before: .object([("state", .string("scheduled"))]), after: .object([("state", .string("cancelled"))]))
        }
        return try await get(id: id, actor: actor)
    }

    // MARK: sign-ups

    /// Signs a person up: anonymously (`actor` nil, any event that takes sign-ups) or by a steward or staff in
    /// scope for a neighbour. Confirmed while places are free, else on the waiting list. `codeHash` is the hash of
    /// the cancellation code the caller hands the person.
    /// `code`, when given, is the cancellation code `codeHash` was made from: the text message carries it, so a
    /// person who did not write it down can still cancel.
    public func signUp(
        eventId: Int64, name: String, phone: String, codeHash: String, code: String? = nil, actor: Actor?,
        now: EventInstant
    ) async throws -> (id: Int64, status: EventSignupStatus) {
        if let actor, !Permissions.allows(actor.role, .writeContacts) { throw AccessError.forbidden }
        let name = try Self.personName(name, field: "name")
        let phone = try Self.phone(phone, field: "phone")
        return try await database.transaction { db in
            let (event, sd) = try await Self.locked(eventId, actor: actor, db: db)
            if let refusal = EventRules.signupRefusal(
                state: event.state, mode: event.signup, startsAt: event.starts, now: now)
            {
                if refusal == .started {
                    throw ValidationError(field: refusal.field, code: refusal.code, message: refusal.message)
                }
                throw StoreError.refused(code: refusal.code, message: refusal.message)
            }
            // A resident is a name and a phone the registry holds together: a phone alone would let anyone sign a
            // stranger up, and the answer would tell whether a number belongs to a resident.
            if event.signup == .residents {
                var sql: SQLQueryString = """
                    SELECT r.id FROM residents r JOIN household_residents hr ON hr.resident_id = r.id
                    JOIN households h ON h.id = hr.household_id JOIN compounds c ON c.id = h.compound_id
                    WHERE r.phone = \(bind: phone) AND r.name = \(bind: name)
                    """
                if let compound = event.compoundId {
                    sql += " AND c.id = \(bind: compound)"
                } else {
                    sql += " AND c.community_id = \(bind: event.communityId)"
                }
                sql += " LIMIT 1"
                guard try await db.raw(sql).first() != nil else {
                    throw ValidationError(
                        field: "phone", code: "not_resident",
                        message: "this event is for residents: no resident of its place has this name and phone")
                }
            }
            let dup = try await db.raw(
                "SELECT id FROM event_signups WHERE event_id = \(bind: eventId) AND phone = \(bind: phone) AND status <> 'cancelled'"
            ).first()
            if dup != nil {
                throw StoreError.refused(code: "already_signed_up", message: "this phone is already signed up")
            }
            let confirmed = try await db.raw(
                "SELECT COUNT(*) AS n FROM event_signups WHERE event_id = \(bind: eventId) AND status = 'confirmed'"
            ).first()!.int("n")
            let status = EventRules.status(confirmed: confirmed, capacity: event.capacity)
            let row = try await db.raw(
                """
                INSERT INTO event_signups (event_id, name, phone, status, code_hash, entered_by, created_at)
                VALUES (\(bind: eventId), \(bind: name), \(bind: phone), \(bind: status.rawValue), \(bind: codeHash),
                  \(bind: actor?.username), \(bind: Clock.isoNow()))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            // The person is told by text message whether they have a place or are waiting.
            let outcome = status == .confirmed ? "报名成功" : "已进入候补名单，有空位时将短信通知您"
            try await Outbox.message(
                db: db, event: "event.signup", phone: phone,
                text: "【楼院焕新】\(outcome)：\(event.title)，\(event.starts.chinaShort)，\(event.place)。"
                    + (code.map { "如不能参加，可凭取消码\($0)在活动页取消。" } ?? ""))
            try await AuditLog.record(
                db: db, actor: actor ?? Actor(userId: nil, username: "public", role: .viewer, scope: .global),
                action: "sign_up", entity: "events", entityId: eventId, subdistrictId: sd, before: nil,
                after: .object([("signup_id", .int(id)), ("status", .string(status.rawValue))]))
            return (id, status)
        }
    }

    static func decodeSignup(_ r: any SQLRow) throws -> EventSignup {
        EventSignup(
            id: try r.int("id"), eventId: try r.int("event_id"), name: try r.text("name"), phone: try r.text("phone"),
            status: EventSignupStatus(rawValue: try r.text("status")) ?? .cancelled,
            attended: try r.int("attended") != 0, enteredBy: try r.optionalText("entered_by"),
            enteredByName: try r.optionalText("entered_by_name"), createdAt: try r.text("created_at"))
    }

    /// The sign-ups of an event, for staff in scope only: names and phones are personal data.
    public func signups(eventId: Int64, actor: Actor, paging: Paging = .export) async throws -> [EventSignup] {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        _ = try await get(id: eventId, actor: actor)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id, event_id, name, phone, status, attended, entered_by, created_at,
                  (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u
                    WHERE u.username = event_signups.entered_by) AS entered_by_name
                FROM event_signups WHERE event_id = \(bind: eventId)
                ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, id
                """ + paging.sql
            ).all().map(Self.decodeSignup)
        }
    }

    /// Moves people up from the waiting list while places are free; the ids that moved.
    static func promote(eventId: Int64, capacity: Int64?, db: any SQLDatabase) async throws -> [Int64] {
        let confirmed = try await db.raw(
            "SELECT COUNT(*) AS n FROM event_signups WHERE event_id = \(bind: eventId) AND status = 'confirmed'"
        ).first()!.int("n")
        var phones: [Int64: String] = [:]
        let waiting = try await db.raw(
            "SELECT id, phone FROM event_signups WHERE event_id = \(bind: eventId) AND status = 'waitlisted' ORDER BY id"
        ).all().map { r in
            let id = try r.int("id")
            phones[id] = try r.text("phone")
            return id
        }
        let moving = EventRules.promotions(confirmed: confirmed, capacity: capacity, waiting: waiting)
        guard !moving.isEmpty else { return [] }
        let event = try await db.raw("SELECT title, starts_at, place FROM events WHERE id = \(bind: eventId)").first()
        let text = try event.map { e in
            "【楼院焕新】有了空位，您已从候补转为正式报名：\(try e.text("title"))，"
                + "\(Self.instant(try e.text("starts_at")).chinaShort)，\(try e.text("place"))。"
        }
        for id in moving {
            try await db.raw("UPDATE event_signups SET status = 'confirmed' WHERE id = \(bind: id)").run()
            // The person who waited is told by text message that the place is theirs.
            if let text {
                try await Outbox.message(db: db, event: "event.signup.promoted", phone: phones[id] ?? "", text: text)
            }
        }
        return moving
    }

    /// Cancels a sign-up; a confirmed place goes to the first on the waiting list. Staff in scope may cancel
    /// any; the person cancels their own with its code until the event starts. A wrong code is the same 404 as
    /// a sign-up that does not exist.
    /// Whether a sign-up still stands (not cancelled): no one's name or phone, only whether it holds.
    /// The sign-up of an event that a cancellation code names (and the number, when one is given), if any.
    public func signupId(eventId: Int64, codeHash: String, number: Int64? = nil) async throws -> Int64? {
        try await database.withConnection { db in
            var sql: SQLQueryString =
                "SELECT id FROM event_signups WHERE event_id = \(bind: eventId) AND code_hash = \(bind: codeHash)"
            if let number { sql += " AND id = \(bind: number)" }
            return try await db.raw(sql + " ORDER BY id DESC LIMIT 1").first().map { try $0.int("id") }
        }
    }

    public func signupStands(eventId: Int64, signupId: Int64) async throws -> Bool {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id FROM event_signups
                WHERE id = \(bind: signupId) AND event_id = \(bind: eventId) AND status <> 'cancelled'
                """
            ).first() != nil
        }
    }

    public func cancelSignup(eventId: Int64, signupId: Int64, by canceller: Canceller, now: EventInstant)
        async throws -> SignupCancellation
    {
        var found: Actor?
        if case .staff(let actor) = canceller {
            guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
            found = actor
        }
        let staff = found
        return try await database.transaction { db in
            let (event, sd) = try await Self.locked(eventId, actor: staff, db: db)
            guard
                let r = try await db.raw(
                    "SELECT status, code_hash, phone FROM event_signups WHERE id = \(bind: signupId) AND event_id = \(bind: eventId)"
                ).first()
            else { throw StoreError.notFound }
            // Once the event is over the list is what happened: who came is marked at the door, not by cancelling.
            if staff != nil, now >= event.ends {
                throw StoreError.refused(
                    code: "event_over", message: "the event is over; its sign-ups are no longer changed")
            }
            if case .code(let hash) = canceller {
                guard try r.text("code_hash") == hash else { throw StoreError.notFound }
                if now >= event.starts {
                    throw StoreError.refused(
                        code: "event_started", message: "the event has started; ask its organisers to cancel")
                }
            }
            let status = EventSignupStatus(rawValue: try r.text("status")) ?? .cancelled
            if status == .cancelled {
                throw StoreError.refused(code: "already_cancelled", message: "the sign-up is already cancelled")
            }
            try await db.raw(
                "UPDATE event_signups SET status = 'cancelled', cancelled_at = \(bind: Clock.isoNow()) WHERE id = \(bind: signupId)"
            ).run()
            // Someone the organisers took off the list is told so, as they were told they were on it.
            if staff != nil,
                let e = try await db.raw(
                    "SELECT title, starts_at FROM events WHERE id = \(bind: eventId)"
                ).first()
            {
                let text =
                    "【楼院焕新】您的活动报名已由组织方取消：\(try e.text("title"))，"
                    + "\(Self.instant(try e.text("starts_at")).chinaShort)。如有疑问请联系社区。"
                try await Outbox.message(
                    db: db, event: "event.signup.cancelled", phone: try r.text("phone"), text: text)
            }
            let promoted =
                status == .confirmed && event.state == .scheduled
                ? try await Self.promote(eventId: eventId, capacity: event.capacity, db: db) : []
            try await AuditLog.record(
                db: db, actor: staff ?? Actor(userId: nil, username: "public", role: .viewer, scope: .global),
                action: "cancel_signup", entity: "events", entityId: eventId, subdistrictId: sd,
                before: .object([("signup_id", .int(signupId)), ("status", .string(status.rawValue))]),
                after: .object([("promoted", .array(promoted.map(JSONValue.int)))]))
            return SignupCancellation(id: signupId, status: .cancelled, promoted: promoted)
        }
    }

    /// Who came: the confirmed sign-ups listed attended, the others not. Once the event has started.
    public func setAttendance(eventId: Int64, attended: [Int64], actor: Actor, now: EventInstant) async throws
        -> [EventSignup]
    {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let (event, sd) = try await Self.locked(eventId, actor: actor, db: db)
            if let refusal = EventRules.attendanceRefusal(startsAt: event.starts, now: now) {
                throw StoreError.refused(code: "not_started", message: refusal)
            }
            let confirmed = Set(
                try await db.raw(
                    "SELECT id FROM event_signups WHERE event_id = \(bind: eventId) AND status = 'confirmed'"
                ).all().map { try $0.int("id") })
            for (i, id) in attended.enumerated() where !confirmed.contains(id) {
                throw ValidationError(
                    field: "attended[\(i)]", code: "not_confirmed",
                    message: "attended[\(i)] is not a confirmed sign-up of this event")
            }
            let chosen = Set(attended)
            for id in confirmed {
                try await db.raw(
                    "UPDATE event_signups SET attended = \(bind: chosen.contains(id) ? 1 : 0) WHERE id = \(bind: id)"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "attendance", entity: "events", entityId: eventId, subdistrictId: sd,
                before: nil, after: .object([("attended", .int(Int64(chosen.count)))]))
        }
        return try await signups(eventId: eventId, actor: actor)
    }

    // MARK: report

    /// The report after the event, with photos the author may read; replaces an earlier one.
    public func setReport(eventId: Int64, text: String, photos: [Int64], actor: Actor, now: EventInstant)
        async throws -> CommunityEvent
    {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let body = try Self.text(text, field: "text", max: 10_000)
        guard photos.count <= 12 else {
            throw ValidationError(field: "photos", code: "too_many", message: "at most 12 photos")
        }
        try await database.transaction { db in
            let (event, sd) = try await Self.locked(eventId, actor: actor, db: db)
            if let refusal = EventRules.reportRefusal(endsAt: event.ends, state: event.state, now: now) {
                throw StoreError.refused(code: "not_ended", message: refusal)
            }
            try await AttachmentRepository.requireReadable(photos, field: "photos", actor: actor, db: db)
            try await db.raw(
                """
                UPDATE events SET report_text = \(bind: body), report_photos_json = \(bind: StoredColumn.ids(photos)),
                  reported_at = \(bind: event.report?.reportedAt ?? Clock.isoNow()), version = version + 1
                WHERE id = \(bind: eventId)
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "report", entity: "events", entityId: eventId, subdistrictId: sd,
                before: nil, after: .object([("photos", .array(photos.map(JSONValue.int)))]))
        }
        return try await get(id: eventId, actor: actor)
    }

    // MARK: volunteer hours

    public func hours(eventId: Int64, actor: Actor) async throws -> EventHours {
        let event = try await get(id: eventId, actor: actor)
        let personal = actor.seesPersonalData
        return try await database.withConnection { db in
            let helpers = try await db.raw(
                "SELECT name, phone, role, minutes FROM event_helpers WHERE event_id = \(bind: event.id) ORDER BY id"
            ).all().map { r in
                let name = try r.text("name")
                let phone = try r.text("phone")
                return VolunteerHours(
                    name: PersonalData.name(name, personal: personal),
                    phone: PersonalData.phone(phone, personal: personal),
                    role: HelperRole(rawValue: try r.text("role")) ?? .helper, minutes: try r.int("minutes"))
            }
            let total = helpers.reduce(Int64(0)) { $0 + $1.minutes }
            return EventHours(
                eventId: event.id, helpers: helpers, totalMinutes: total,
                totalHours: EventRules.hoursText(minutes: total))
        }
    }

    /// Replaces the hours given to an event (once it has started).
    public func setHours(
        eventId: Int64, _ helpers: [(name: String, phone: String, role: HelperRole, minutes: Int64)], actor: Actor,
        now: EventInstant
    )
        async throws -> EventHours
    {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        guard helpers.count <= 200 else {
            throw ValidationError(field: "helpers", code: "too_many", message: "at most 200 helpers")
        }
        var clean: [(String, String, HelperRole, Int64)] = []
        var named: Set<String> = []
        for (i, h) in helpers.enumerated() {
            let name = try Self.text(h.name, field: "helpers[\(i)].name", max: 50)
            // One line a person: the same person on two lines would count their hours twice.
            guard named.insert(TrainedPeople.key(name)).inserted else {
                throw ValidationError(
                    field: "helpers[\(i)].name", code: "duplicate", message: "\(name) is already on an earlier line")
            }
            let phone =
                TextNormalizer.clean(h.phone).isEmpty ? "" : try Self.phone(h.phone, field: "helpers[\(i)].phone")
            guard h.minutes >= 1 && h.minutes <= EventRules.maxHelperMinutes else {
                throw ValidationError(
                    field: "helpers[\(i)].minutes", code: "out_of_range",
                    message: "helpers[\(i)].minutes is 1 to \(EventRules.maxHelperMinutes)")
            }
            clean.append((name, phone, h.role, h.minutes))
        }
        let rows = clean
        try await database.transaction { db in
            let (event, sd) = try await Self.locked(eventId, actor: actor, db: db)
            if let refusal = EventRules.attendanceRefusal(startsAt: event.starts, now: now) {
                throw StoreError.refused(code: "not_started", message: refusal)
            }
            try await db.raw("DELETE FROM event_helpers WHERE event_id = \(bind: eventId)").run()
            for (name, phone, role, minutes) in rows {
                try await db.raw(
                    """
                    INSERT INTO event_helpers (event_id, name, phone, role, minutes)
                    VALUES (\(bind: eventId), \(bind: name), \(bind: phone), \(bind: role.rawValue), \(bind: minutes))
                    """
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "volunteer_hours", entity: "events", entityId: eventId, subdistrictId: sd,
                before: nil, after: .object([("helpers", .int(Int64(rows.count)))]))
        }
        return try await hours(eventId: eventId, actor: actor)
    }
}
