import CourtyardDomain
import Foundation
import SQLKit

/// Visits, calls, messages and letters to households, entered by stewards, community staff or the office.
public struct ContactRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct NewContact: Sendable {
        public var channel: ContactChannel
        public var date: Day
        public var outcome: ContactOutcome
        public var note: String
        public var campaignId: Int64?
        public var followUpOn: Day?
        public var clientId: String?
        public init(
            channel: ContactChannel, date: Day, outcome: ContactOutcome, note: String, campaignId: Int64? = nil,
            followUpOn: Day? = nil, clientId: String? = nil
        ) {
            self.channel = channel
            self.date = date
            self.outcome = outcome
            self.note = note
            self.campaignId = campaignId
            self.followUpOn = followUpOn
            self.clientId = clientId
        }
    }

    static let columns =
        "id, household_id, channel, date, outcome, note, campaign_id, follow_up_on, client_id, username, created_at"

    static func decode(_ r: any SQLRow) throws -> HouseholdContact {
        HouseholdContact(
            id: try r.int("id"), householdId: try r.int("household_id"),
            channel: ContactChannel(rawValue: try r.text("channel")) ?? .visit,
            date: Day(try r.text("date")) ?? Clock.today,
            outcome: ContactOutcome(rawValue: try r.text("outcome")) ?? .explained, note: try r.text("note"),
            campaignId: try r.optionalInt("campaign_id"),
            followUpOn: try r.optionalText("follow_up_on").flatMap { Day($0) },
            clientId: try r.optionalText("client_id"), username: try r.text("username"),
            createdAt: try r.text("created_at"))
    }

    /// The household as the actor sees it; a household outside a steward's entrances does not exist for them.
    static func household(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> (
        compound: Int64, building: Int64, entrance: Int64, subdistrict: Int64
    ) {
        let sql: SQLQueryString =
            "SELECT t.compound_id, t.building_id, t.entrance_id, c.subdistrict_id FROM households t JOIN compounds c ON c.id = t.compound_id WHERE t.id = \(bind: id) AND "
            + ResourceSpec.households.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return (
            try r.int("compound_id"), try r.int("building_id"), try r.int("entrance_id"), try r.int("subdistrict_id")
        )
    }

    static func existing(clientId: String, actor: Actor, db: any SQLDatabase) async throws -> HouseholdContact? {
        try await db.raw(
            "SELECT \(unsafeRaw: columns) FROM household_contacts WHERE username = \(bind: actor.username) AND client_id = \(bind: clientId)"
        ).first().map(decode)
    }

    /// Stores a contact, or, when the same author sent the same client id before, answers with that first entry
    /// and stores nothing (`created` false). The unique index decides between two copies arriving at once.
    public func create(householdId: Int64, _ n: NewContact, actor: Actor) async throws -> (
        contact: HouseholdContact, created: Bool
    ) {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        let note = TextNormalizer.line(n.note)
        guard note.unicodeScalars.count <= 2000 else {
            throw ValidationError(field: "note", code: "too_long", message: "note is at most 2000 characters")
        }
        if let c = n.clientId {
            guard (1...100).contains(c.count),
                c.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
            else {
                throw ValidationError(
                    field: "client_id", code: "invalid", message: "client_id is 1-100 letters, digits, - _ . or :")
            }
        }
        if n.date > Clock.today {
            throw ValidationError(field: "date", code: "in_future", message: "date is after today")
        }
        try RecordedDay.notTooOld(n.date, field: "date", today: Clock.today)
        if let f = n.followUpOn, let problem = StewardRules.followUpProblem(f, date: n.date) { throw problem }
        do {
            return try await database.transaction { db in
                let place = try await Self.household(householdId, actor: actor, db: db)
                if let c = n.clientId, let first = try await Self.existing(clientId: c, actor: actor, db: db) {
                    return (first, false)
                }
                if let campaign = n.campaignId {
                    guard
                        let row = try await db.raw(
                            "SELECT until FROM campaigns WHERE id = \(bind: campaign) AND subdistrict_id = \(bind: place.subdistrict)"
                        ).first()
                    else {
                        throw ValidationError(
                            field: "campaign_id", code: "not_found", message: "campaign_id does not exist")
                    }
                    if let until = Day(try row.text("until")), CampaignRules.endedBefore(n.date, until: until) {
                        throw ValidationError(
                            field: "campaign_id", code: "campaign_ended",
                            message: "the campaign ended on \(until); a contact on \(n.date) does not count for it")
                    }
                    let target = try await db.raw(
                        "SELECT household_id FROM campaign_targets WHERE campaign_id = \(bind: campaign) AND household_id = \(bind: householdId)"
                    ).first()
                    if target == nil {
                        throw ValidationError(
                            field: "campaign_id", code: "not_a_target",
                            message: "the household is not among campaign \(campaign)'s targets")
                    }
                }
                let row = try await db.raw(
                    """
                    INSERT INTO household_contacts (household_id, compound_id, building_id, entrance_id, channel, date, outcome,
                      note, campaign_id, follow_up_on, client_id, user_id, username, created_at)
                    VALUES (\(bind: householdId), \(bind: place.compound), \(bind: place.building), \(bind: place.entrance),
                      \(bind: n.channel.rawValue), \(bind: n.date.description), \(bind: n.outcome.rawValue), \(bind: note),
                      \(bind: n.campaignId), \(bind: n.followUpOn?.description), \(bind: n.clientId), \(bind: actor.userId),
                      \(bind: actor.username), \(bind: Clock.isoNow()))
                    RETURNING \(unsafeRaw: Self.columns)
                    """
                ).first()!
                let contact = try Self.decode(row)
                try await AuditLog.record(
                    db: db, actor: actor, action: "create", entity: "household_contacts", entityId: contact.id,
                    subdistrictId: place.subdistrict, before: nil, after: try JSONValueCoding.encode(contact))
                return (contact, true)
            }
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            // The same entry arrived twice at once: the other copy was stored first; answer with it.
            guard let c = n.clientId,
                let first = try await database.withConnection({ db in
                    try await Self.existing(clientId: c, actor: actor, db: db)
                })
            else { throw error }
            return (first, false)
        }
    }

    /// A household's contacts, newest first.
    public func list(householdId: Int64, actor: Actor, paging: Paging = .export) async throws -> [HouseholdContact] {
        guard Permissions.allows(actor.role, .readPersonalData) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            _ = try await Self.household(householdId, actor: actor, db: db)
            return try await db.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM household_contacts WHERE household_id = \(bind: householdId) ORDER BY date DESC, id DESC"
                    + paging.sql
            ).all().map(Self.decode)
        }
    }
    /// For a steward's phone page: each household's latest contact, and the follow-ups due by `today` (on or before)
    /// with no contact since, among the households the actor sees.
    public func phoneSummary(householdIds: [Int64], actor: Actor, today: Day = Clock.today) async throws -> (
        last: [Int64: HouseholdContact], due: [HouseholdContact]
    ) {
        guard Permissions.allows(actor.role, .readPersonalData), !householdIds.isEmpty else { return ([:], []) }
        return try await database.withConnection { db in
            var sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.columns.split(separator: ",").map { "x." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")) FROM household_contacts x JOIN households t ON t.id = x.household_id JOIN compounds c ON c.id = t.compound_id WHERE "
                + ResourceSpec.households.scopeCondition(actor.scope) + " AND x.household_id IN ("
            for (i, h) in householdIds.enumerated() { sql += i == 0 ? "\(bind: h)" : ", \(bind: h)" }
            sql += ") ORDER BY x.date, x.id"
            var last: [Int64: HouseholdContact] = [:]
            for r in try await db.raw(sql).all() {
                let c = try Self.decode(r)
                last[c.householdId] = c
            }
            let due = last.values.filter { c in c.followUpOn.map { $0 <= today } ?? false }
                .sorted { ($0.followUpOn!, $0.householdId) < ($1.followUpOn!, $1.householdId) }
            return (last, due)
        }
    }
}
