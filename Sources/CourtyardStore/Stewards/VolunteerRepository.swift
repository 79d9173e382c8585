import CourtyardDomain
import Foundation
import SQLKit

/// Minutes of volunteer service recorded by hand (patrols, outreach, other), as the API shows them.
public struct VolunteerService: Codable, Sendable, Equatable {
    public var id: Int64
    public var communityId: Int64
    public var compoundId: Int64?
    public var bodyId: Int64?
    public var name: String
    public var phone: String
    public var activity: VolunteerActivity
    public var date: Day
    public var minutes: Int64
    public var note: String
    /// Whether the reader may remove it: community staff and the office any, whoever recorded it on that day.
    public var removable: Bool
    /// When it was recorded, to the second: sent back with a removal, so that a form read before the entry was
    /// removed and its number given to a new one removes nothing.
    public var recordedAt: String
    enum CodingKeys: String, CodingKey {
        case id, communityId = "community_id", compoundId = "compound_id", bodyId = "body_id", name, phone, activity
        case date, minutes, note, removable, recordedAt = "recorded_at"
    }
}

/// A year of volunteer service over the places the reader sees: each person, each team, the whole.
public struct VolunteerYear: Codable, Sendable, Equatable {
    public struct Person: Codable, Sendable, Equatable {
        public var name: String
        public var phone: String
        public var teams: [String]
        public var eventMinutes: Int64, patrolMinutes: Int64, outreachMinutes: Int64, otherMinutes: Int64
        public var totalMinutes: Int64
        public var totalHours: String
        enum CodingKeys: String, CodingKey {
            case name, phone, teams, eventMinutes = "event_minutes", patrolMinutes = "patrol_minutes"
            case outreachMinutes = "outreach_minutes", otherMinutes = "other_minutes", totalMinutes = "total_minutes"
            case totalHours = "total_hours"
        }
    }
    public struct Team: Codable, Sendable, Equatable {
        public var name: String
        public var volunteers: Int
        public var totalMinutes: Int64
        public var totalHours: String
        enum CodingKeys: String, CodingKey {
            case name, volunteers, totalMinutes = "total_minutes", totalHours = "total_hours"
        }
    }
    public var year: Int
    public var volunteers: [Person]
    public var teams: [Team]
    public var totalMinutes: Int64
    public var totalHours: String
    enum CodingKeys: String, CodingKey {
        case year, volunteers, teams, totalMinutes = "total_minutes", totalHours = "total_hours"
    }
}

/// Volunteer hours: patrols, outreach and other service entered by stewards, community staff or the office, and
/// the minutes helpers gave at community events; summed per person and team for a year. Names and phones are
/// personal data, masked for roles that do not read it.
public struct VolunteerRepository: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    public struct NewHours: Sendable {
        public var communityId: Int64?, compoundId: Int64?, bodyId: Int64?, name: String, phone: String
        public var activity: VolunteerActivity, date: Day, minutes: Int64, note: String
        /// Recorded knowing the same person's same service that day is already there (a second patrol).
        public var again: Bool
        public init(
            communityId: Int64?, compoundId: Int64?, bodyId: Int64?, name: String, phone: String,
            activity: VolunteerActivity, date: Day, minutes: Int64, note: String, again: Bool = false
        ) {
            self.again = again
            self.communityId = communityId
            self.compoundId = compoundId
            self.bodyId = bodyId
            self.name = name
            self.phone = phone
            self.activity = activity
            self.date = date
            self.minutes = minutes
            self.note = note
        }
    }

    static func scope(_ actor: Actor) -> SQLQueryString {
        "v.community_id IN (SELECT t.community_id FROM compounds t WHERE "
            + ResourceSpec.compounds.scopeCondition(actor.scope) + ")"
    }

    public func record(_ n: NewHours, actor: Actor) async throws -> VolunteerService {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        let name = try EventRepository.personName(n.name, field: "name")
        let phone = TextNormalizer.clean(n.phone).isEmpty ? "" : try EventRepository.phone(n.phone, field: "phone")
        let note = try EventRepository.text(n.note, field: "note", max: 500, required: false)
        guard n.activity != .event else {
            throw ValidationError(
                field: "activity", code: "from_events",
                message: "event hours come from the event's helpers; record patrol, outreach or other")
        }
        guard (1...EventRules.maxHelperMinutes).contains(n.minutes) else {
            throw ValidationError(
                field: "minutes", code: "out_of_range", message: "minutes is 1 to \(EventRules.maxHelperMinutes)")
        }
        guard n.date <= Clock.today else {
            throw ValidationError(field: "date", code: "in_future", message: "date is after today")
        }
        try RecordedDay.notTooOld(n.date, field: "date", today: Clock.today)
        let id: Int64 = try await database.transaction { db in
            let (sd, community) = try await Self.place(n, actor: actor, db: db)
            if !n.again {
                // Two sendings at once are one after the other here: on PostgreSQL the community's row is locked
                // (SQLite has one writer), so the second finds the first.
                if database.kind == .postgres {
                    _ = try await db.raw("SELECT id FROM communities WHERE id = \(bind: community) FOR UPDATE").all()
                }
                try await Self.refuseRepeat(n, name: name, phone: phone, community: community, db: db)
            }
            let id = try await db.raw(
                """
                INSERT INTO volunteer_hours (subdistrict_id, community_id, compound_id, body_id, name, phone, activity,
                  date, minutes, note, created_at, created_by)
                VALUES (\(bind: sd), \(bind: community), \(bind: n.compoundId), \(bind: n.bodyId), \(bind: name),
                  \(bind: phone), \(bind: n.activity.rawValue), \(bind: n.date.description), \(bind: n.minutes),
                  \(bind: note), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "volunteer_hours", entityId: id, subdistrictId: sd,
                before: nil,
                after: .object([("activity", .string(n.activity.rawValue)), ("minutes", .int(n.minutes))]))
            return id
        }
        guard let made = try await list(actor: actor, year: n.date.civil.year, id: id).first else {
            throw StoreError.notFound
        }
        return made
    }

    /// The same person's same service on the same day, already recorded in the community, is refused unless sent
    /// `again`: the form sent twice, or two stewards writing down one patrol, would count its hours twice.
    static func refuseRepeat(
        _ n: NewHours, name: String, phone: String, community: Int64, db: any SQLDatabase
    ) async throws {
        guard
            try await db.raw(
                """
                SELECT id FROM volunteer_hours WHERE community_id = \(bind: community) AND name = \(bind: name)
                  AND phone = \(bind: phone) AND activity = \(bind: n.activity.rawValue)
                  AND date = \(bind: n.date.description) AND minutes = \(bind: n.minutes) LIMIT 1
                """
            ).first() == nil
        else {
            throw StoreError.refused(
                code: "already_recorded",
                message: "this service of \(name) on \(n.date) is already recorded; send again: true if it is another")
        }
    }

    /// Removes an entry recorded wrongly (logged with what it said): community staff and the office any in their
    /// scope, whoever recorded it only on the day they did (a steward's slip mended at once, as a site log's).
    /// Given `recordedAt` (the entry's `recorded_at` as read), an entry recorded at another time under the same
    /// number (SQLite gives a removed entry's number again) is not found rather than removed.
    public func remove(id: Int64, recordedAt: String? = nil, actor: Actor) async throws {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let sql: SQLQueryString =
                """
                SELECT v.subdistrict_id, v.name, v.activity, v.date, v.minutes, v.created_at, v.created_by
                FROM volunteer_hours v WHERE v.id = \(bind: id) AND
                """ + " " + Self.scope(actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            if let recordedAt, try r.text("created_at") != recordedAt { throw StoreError.notFound }
            guard try Self.mayRemove(r, actor: actor) else {
                throw StoreError.refused(
                    code: "not_removable",
                    message: "whoever recorded an entry may remove it on that day; after that, community staff")
            }
            guard try await db.raw("DELETE FROM volunteer_hours WHERE id = \(bind: id) RETURNING id").first() != nil
            else { throw StoreError.notFound }
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "volunteer_hours", entityId: id,
                subdistrictId: try r.int("subdistrict_id"),
                before: .object([
                    ("name", .string(try r.text("name"))), ("activity", .string(try r.text("activity"))),
                    ("date", .string(try r.text("date"))), ("minutes", .int(try r.int("minutes"))),
                ]), after: nil)
        }
    }

    /// An entry as it was when removed.
    public struct Removed: Codable, Sendable {
        public var name: String
        public var activity: VolunteerActivity
        public var date: Day
        public var minutes: Int64
    }

    /// The entry this account removed, as the audit log kept it, for the page its removal returns to: which entry
    /// went. Nil for one it did not remove.
    public func removed(id: Int64, actor: Actor) async throws -> Removed? {
        let row = try await database.withConnection { db in
            try await db.raw(
                """
                SELECT before_json FROM audit_log WHERE entity = 'volunteer_hours' AND entity_id = \(bind: id)
                  AND action = 'delete' AND username = \(bind: actor.username) ORDER BY id DESC LIMIT 1
                """
            ).first()
        }
        guard let text = try row?.optionalText("before_json") else { return nil }
        return try? JSONDecoder().decode(Removed.self, from: Data(text.utf8))
    }

    /// Community staff and the office remove any entry in their scope; whoever else writes contacts only their own,
    /// on the day they recorded it. `row` holds the entry's `created_at` and `created_by`.
    static func mayRemove(_ row: SQLRow, actor: Actor) throws -> Bool {
        guard Permissions.allows(actor.role, .writeContacts) else { return false }
        if Permissions.allows(actor.role, .manageStewards) { return true }
        return LogCorrection.refusal(
            writtenAt: try row.text("created_at"), author: try row.text("created_by"), actor: actor.username,
            today: Clock.today) == nil
    }

    /// The entry's place: its compound, or its community, or its team's; each must be in the actor's scope, and a
    /// team must be a volunteer team or neighbourhood station of that place.
    static func place(_ n: NewHours, actor: Actor, db: any SQLDatabase) async throws -> (Int64, Int64) {
        // A building's steward records service in the compound they look after, not for a whole community.
        if actor.role == .steward, n.compoundId == nil {
            throw ValidationError(
                field: "compound_id", code: "required", message: "a steward records service in their own compound")
        }
        var community = n.communityId
        if let c = n.compoundId {
            let sql: SQLQueryString =
                "SELECT t.community_id FROM compounds t WHERE t.id = \(bind: c) AND "
                + ResourceSpec.compounds.scopeCondition(actor.scope)
            guard let r = try await db.raw(sql).first() else {
                throw ValidationError(
                    field: "compound_id", code: "not_found", message: "compound_id is not in your care")
            }
            let its = try r.int("community_id")
            // A community named beside the compound must be the compound's: nothing is filed under another quietly.
            if let given = n.communityId, given != its {
                throw ValidationError(
                    field: "community_id", code: "not_the_compounds", message: "the compound is in another community")
            }
            community = its
        }
        if let b = n.bodyId {
            guard
                let r = try await db.raw(
                    """
                    SELECT g.kind, COALESCE(g.community_id, (SELECT community_id FROM compounds WHERE id = g.compound_id))
                      AS community_id FROM bodies g WHERE g.id = \(bind: b) AND
                    """ + " " + BodyRepository.scope(actor)
                ).first()
            else { throw ValidationError(field: "body_id", code: "not_found", message: "body_id is not in your care") }
            guard ["volunteer_team", "neighbourhood_station"].contains(try r.text("kind")) else {
                throw ValidationError(
                    field: "body_id", code: "not_a_team", message: "body_id is not a volunteer team or station")
            }
            let teamCommunity = try r.int("community_id")
            if let community, community != teamCommunity {
                throw ValidationError(
                    field: "body_id", code: "elsewhere", message: "the team serves another community")
            }
            community = teamCommunity
        }
        guard let community else {
            throw ValidationError(
                field: "community_id", code: "required", message: "give community_id, compound_id or body_id")
        }
        let sql: SQLQueryString =
            "SELECT c.subdistrict_id FROM communities c WHERE c.id = \(bind: community) AND c.id IN "
            + "(SELECT t.community_id FROM compounds t WHERE " + ResourceSpec.compounds.scopeCondition(actor.scope)
            + ")"
        guard let r = try await db.raw(sql).first() else {
            throw ValidationError(field: "community_id", code: "not_found", message: "community_id is not in your care")
        }
        return (try r.int("subdistrict_id"), community)
    }

    /// Entries recorded by hand in a year (or one of them), newest first.
    public func list(
        actor: Actor, year: Int, communityId: Int64? = nil, bodyId: Int64? = nil, id: Int64? = nil,
        paging: Paging = .export
    ) async throws -> [VolunteerService] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            """
            SELECT v.id, v.community_id, v.compound_id, v.body_id, v.name, v.phone, v.activity, v.date, v.minutes, v.note,
              v.created_at, v.created_by
            FROM volunteer_hours v WHERE v.date >= \(bind: "\(year)-01-01") AND v.date <= \(bind: "\(year)-12-31") AND
            """ + " " + Self.scope(actor)
        if let communityId { sql += " AND v.community_id = \(bind: communityId)" }
        if let bodyId { sql += " AND v.body_id = \(bind: bodyId)" }
        if let id { sql += " AND v.id = \(bind: id)" }
        sql += " ORDER BY v.date DESC, v.id DESC" + paging.sql
        let q = sql
        let personal = actor.seesPersonalData
        let phones = Self.seesPhones(actor)
        return try await database.withConnection { db in
            try await db.raw(q).all().map { r in
                let name = try r.text("name")
                let phone = try r.text("phone")
                return VolunteerService(
                    id: try r.int("id"), communityId: try r.int("community_id"),
                    compoundId: try r.optionalInt("compound_id"), bodyId: try r.optionalInt("body_id"),
                    name: PersonalData.name(name, personal: personal),
                    phone: PersonalData.phone(phone, personal: phones),
                    activity: VolunteerActivity(rawValue: try r.text("activity")) ?? .other,
                    date: Day(try r.text("date")) ?? Clock.today, minutes: try r.int("minutes"),
                    note: try r.text("note"), removable: try Self.mayRemove(r, actor: actor),
                    recordedAt: try r.text("created_at"))
            }
        }
    }

    /// Every minute of service over the places the actor sees, in a year (or ever): hand-recorded entries and event
    /// helpers' minutes (events not cancelled, by their day in China time).
    func entries(year: Int?, communityId: Int64?, actor: Actor) async throws -> [VolunteerEntry] {
        var hand: SQLQueryString =
            """
            SELECT v.name, v.phone, g.name AS team, v.body_id, v.activity, v.minutes, v.community_id
            FROM volunteer_hours v
            LEFT JOIN bodies g ON g.id = v.body_id WHERE
            """ + " " + Self.scope(actor)
        var events: SQLQueryString =
            """
            SELECT h.name, h.phone, h.minutes, h.event_id, e.community_id FROM event_helpers h
            JOIN events e ON e.id = h.event_id
            WHERE e.state <> 'cancelled' AND
            """ + " " + EventRepository.scope(actor)
        if let year {
            guard (2000...2100).contains(year) else {
                throw ValidationError(field: "year", code: "invalid", message: "year is 2000 to 2100")
            }
            hand += " AND v.date >= \(bind: "\(year)-01-01") AND v.date <= \(bind: "\(year)-12-31")"
            let from = EventInstant(parsing: "\(year)-01-01T00:00:00+08:00")!.utcText
            let to = EventInstant(parsing: "\(year + 1)-01-01T00:00:00+08:00")!.utcText
            events += " AND e.starts_at >= \(bind: from) AND e.starts_at < \(bind: to)"
        }
        if let communityId {
            hand += " AND v.community_id = \(bind: communityId)"
            events += " AND e.community_id = \(bind: communityId)"
        }
        let (h, e) = (hand, events)
        return try await database.withConnection { db in
            let byHand = try await db.raw(h).all().map { r in
                VolunteerEntry(
                    name: try r.text("name"), phone: try r.text("phone"), team: try r.optionalText("team"),
                    teamId: try r.optionalInt("body_id"),
                    activity: VolunteerActivity(rawValue: try r.text("activity")) ?? .other,
                    minutes: try r.int("minutes"), communityId: try r.int("community_id"))
            }
            let atEvents = try await db.raw(e).all().map { r in
                VolunteerEntry(
                    name: try r.text("name"), phone: try r.text("phone"), team: nil, activity: .event,
                    minutes: try r.int("minutes"), eventId: try r.int("event_id"),
                    communityId: try r.optionalInt("community_id"))
            }
            return byHand + atEvents
        }
    }

    /// A year's service per person and team.
    public func year(_ year: Int, actor: Actor, communityId: Int64? = nil) async throws -> VolunteerYear {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let entries = try await entries(year: year, communityId: communityId, actor: actor)
        return Self.summary(
            year: year, entries: entries, personal: actor.seesPersonalData, phones: Self.seesPhones(actor))
    }

    /// Each person's total, most first (at most 1,000), in a year or ever: events served at, minutes by activity.
    public func totals(year: Int?, communityId: Int64?, actor: Actor) async throws -> [VolunteerTotal] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let entries = try await entries(year: year, communityId: communityId, actor: actor)
        let personal = actor.seesPersonalData
        let phones = Self.seesPhones(actor)
        return VolunteerSummary.build(entries).people.prefix(1000).map { p in
            VolunteerTotal(
                name: PersonalData.name(p.name, personal: personal),
                phone: PersonalData.phone(p.phone, personal: phones),
                events: Int64(p.events.count), minutes: p.total, hours: EventRules.hoursText(minutes: p.total),
                teams: p.teams, eventMinutes: p.minutes[.event] ?? 0, patrolMinutes: p.minutes[.patrol] ?? 0,
                outreachMinutes: p.minutes[.outreach] ?? 0, otherMinutes: p.minutes[.other] ?? 0)
        }
    }

    /// A building's steward reads the community's volunteers by name, not their phones: those are for the staff
    /// who call them.
    static func seesPhones(_ actor: Actor) -> Bool { actor.seesPersonalData && actor.role != .steward }

    static func summary(year: Int, entries: [VolunteerEntry], personal: Bool, phones: Bool? = nil) -> VolunteerYear {
        let phones = phones ?? personal
        let (people, teams) = VolunteerSummary.build(entries)
        let total = people.reduce(Int64(0)) { $0 + $1.total }
        return VolunteerYear(
            year: year,
            volunteers: people.map { p in
                VolunteerYear.Person(
                    name: PersonalData.name(p.name, personal: personal),
                    phone: PersonalData.phone(p.phone, personal: phones), teams: p.teams,
                    eventMinutes: p.minutes[.event] ?? 0, patrolMinutes: p.minutes[.patrol] ?? 0,
                    outreachMinutes: p.minutes[.outreach] ?? 0, otherMinutes: p.minutes[.other] ?? 0,
                    totalMinutes: p.total, totalHours: EventRules.hoursText(minutes: p.total))
            },
            teams: teams.map {
                VolunteerYear.Team(
                    name: $0.name, volunteers: $0.volunteers, totalMinutes: $0.minutes,
                    totalHours: EventRules.hoursText(minutes: $0.minutes))
            }, totalMinutes: total, totalHours: EventRules.hoursText(minutes: total))
    }
}
