import CourtyardDomain
import Foundation
import SQLKit

/// An opinion or suggestion as the API shows it; the author's name is personal data, masked as the role requires.
public struct Opinion: Codable, Sendable, Equatable {
    public var id: Int64
    public var compoundId: Int64
    public var householdId: Int64?
    public var kind: OpinionKind
    public var source: OpinionSource
    public var text: String
    public var authorName: String
    public var routedTo: OpinionRoute
    public var answer: String?
    public var answeredOn: Day?
    public var createdOn: Day
    enum CodingKeys: String, CodingKey {
        case id, compoundId = "compound_id", householdId = "household_id", kind, source, text
        case authorName = "author_name", routedTo = "routed_to", answer, answeredOn = "answered_on"
        case createdOn = "created_on"
    }
}

/// Irregular behaviour recorded with its place and photos; stopped, or escalated to city management.
public struct Irregularity: Codable, Sendable, Equatable {
    public var id: Int64
    public var compoundId: Int64
    public var buildingId: Int64?
    public var kind: IrregularityKind
    public var place: String
    public var description: String
    public var photos: [Int64]
    public var state: IrregularityState
    public var note: String
    public var coordinationRequestId: Int64?
    public var createdOn: Day
    enum CodingKeys: String, CodingKey {
        case id, compoundId = "compound_id", buildingId = "building_id", kind, place, description, photos, state
        case note, coordinationRequestId = "coordination_request_id", createdOn = "created_on"
    }
}

/// Opinions and suggestions routed to the community or the office and answered; irregular behaviour stopped or
/// escalated. A steward of a building or entrance sees those of its households (and those tied to none).
public struct OpinionRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar = .shipped) {
        self.database = database
        self.calendar = calendar
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

    /// The compound (and household) as the actor sees them; their sub-district.
    static func place(compound: Int64, household: Int64?, actor: Actor, db: any SQLDatabase) async throws -> Int64 {
        let sql: SQLQueryString =
            "SELECT t.subdistrict_id FROM compounds t WHERE t.id = \(bind: compound) AND "
            + ResourceSpec.compounds.scopeCondition(actor.scope)
        guard let r = try await db.raw(sql).first() else {
            throw ValidationError(field: "compound_id", code: "not_found", message: "compound_id does not exist")
        }
        if let household {
            let h: SQLQueryString =
                "SELECT t.id FROM households t JOIN compounds c ON c.id = t.compound_id WHERE t.id = \(bind: household) AND t.compound_id = \(bind: compound) AND "
                + ResourceSpec.households.scopeCondition(actor.scope)
            if try await db.raw(h).first() == nil {
                throw ValidationError(
                    field: "household_id", code: "not_found", message: "household_id is not a household of the compound"
                )
            }
        }
        return try r.int("subdistrict_id")
    }

    // MARK: opinions

    public struct NewOpinion: Sendable {
        public var compoundId: Int64
        public var householdId: Int64?
        public var kind: OpinionKind
        public var source: OpinionSource
        public var text: String
        public var authorName: String
        public var routeTo: OpinionRoute
        public init(
            compoundId: Int64, householdId: Int64?, kind: OpinionKind, source: OpinionSource, text: String,
            authorName: String, routeTo: OpinionRoute
        ) {
            self.compoundId = compoundId
            self.householdId = householdId
            self.kind = kind
            self.source = source
            self.text = text
            self.authorName = authorName
            self.routeTo = routeTo
        }
    }

    static let opinionColumns =
        "o.id, o.compound_id, o.household_id, o.kind, o.source, o.text, o.author_name, o.routed_to, o.answer, o.answered_on, o.created_on"

    static func decodeOpinion(_ r: any SQLRow, actor: Actor) throws -> Opinion {
        let name = try r.text("author_name")
        return Opinion(
            id: try r.int("id"), compoundId: try r.int("compound_id"), householdId: try r.optionalInt("household_id"),
            kind: OpinionKind(rawValue: try r.text("kind")) ?? .opinion,
            source: OpinionSource(rawValue: try r.text("source")) ?? .visit, text: try r.text("text"),
            authorName: PersonalData.name(name, personal: actor.seesPersonalData),
            routedTo: OpinionRoute(rawValue: try r.text("routed_to")) ?? .community,
            answer: try r.optionalText("answer"),
            answeredOn: try r.optionalText("answered_on").flatMap { Day($0) },
            createdOn: Day(try r.text("created_on")) ?? Clock.today)
    }

    /// Opinions the actor sees: of its compounds; those tied to a household only where it sees the household.
    static func opinionScope(_ actor: Actor) -> SQLQueryString {
        placeScope(actor, alias: "o", finer: "household_id", of: .households)
    }

    /// Rows of the compounds the actor sees; those tied to a finer place (a household, a building) only where it
    /// sees that place too.
    static func placeScope(_ actor: Actor, alias a: String, finer column: String, of spec: ResourceSpec)
        -> SQLQueryString
    {
        let finer = "\(a).\(column)"
        return "\(unsafeRaw: a).compound_id IN (SELECT t.id FROM compounds t WHERE "
            + ResourceSpec.compounds.scopeCondition(actor.scope)
            + ") AND (\(unsafeRaw: finer) IS NULL OR \(unsafeRaw: finer) IN (SELECT t.id FROM \(unsafeRaw: spec.name) t "
            + "JOIN compounds c ON c.id = t.compound_id WHERE " + spec.scopeCondition(actor.scope) + "))"
    }

    public func createOpinion(_ n: NewOpinion, actor: Actor) async throws -> Opinion {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        let text = try Self.text(n.text, field: "text", max: 2000)
        let author = try Self.text(n.authorName, field: "author_name", max: 50, required: false)
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.place(compound: n.compoundId, household: n.householdId, actor: actor, db: db)
            let row = try await db.raw(
                """
                INSERT INTO opinions (subdistrict_id, compound_id, household_id, kind, source, text, author_name, routed_to,
                  created_on, created_at, created_by)
                VALUES (\(bind: sd), \(bind: n.compoundId), \(bind: n.householdId), \(bind: n.kind.rawValue),
                  \(bind: n.source.rawValue), \(bind: text), \(bind: author), \(bind: n.routeTo.rawValue),
                  \(bind: Clock.today.description), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "opinions", entityId: id, subdistrictId: sd,
                before: nil,
                after: .object([("kind", .string(n.kind.rawValue)), ("routed_to", .string(n.routeTo.rawValue))]))
            return id
        }
        return try await opinion(id: id, actor: actor)
    }

    public func opinion(id: Int64, actor: Actor) async throws -> Opinion {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.opinionColumns) FROM opinions o WHERE o.id = \(bind: id) AND "
            + Self.opinionScope(actor)
        return try await database.withConnection { db in
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            return try Self.decodeOpinion(r, actor: actor)
        }
    }

    public func opinions(compoundId: Int64?, answered: Bool?, actor: Actor, paging: Paging = .export) async throws
        -> [Opinion]
    {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.opinionColumns) FROM opinions o WHERE " + Self.opinionScope(actor)
        if let c = compoundId { sql += " AND o.compound_id = \(bind: c)" }
        if let a = answered { sql += a ? " AND o.answer IS NOT NULL" : " AND o.answer IS NULL" }
        sql += " ORDER BY o.id DESC" + paging.sql
        let q = sql
        return try await database.withConnection { db in
            try await db.raw(q).all().map { try Self.decodeOpinion($0, actor: actor) }
        }
    }

    public func answer(id: Int64, answer: String, actor: Actor) async throws -> Opinion {
        let text = try Self.text(answer, field: "answer", max: 2000)
        try await database.transaction { db in
            let sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.opinionColumns), o.subdistrict_id FROM opinions o WHERE o.id = \(bind: id) AND "
                + Self.opinionScope(actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            let o = try Self.decodeOpinion(r, actor: actor)
            guard OpinionRules.mayAnswer(actor.role, routedTo: o.routedTo) else { throw AccessError.forbidden }
            if let refusal = OpinionRules.answerRefusal(alreadyAnswered: o.answer != nil) {
                throw StoreError.refused(code: "answered", message: refusal)
            }
            try await db.raw(
                "UPDATE opinions SET answer = \(bind: text), answered_on = \(bind: Clock.today.description), answered_by = \(bind: actor.username) WHERE id = \(bind: id)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "answer", entity: "opinions", entityId: id,
                subdistrictId: try r.int("subdistrict_id"), before: .object([("answer", .null)]),
                after: .object([("answer", .string(text))]))
        }
        return try await opinion(id: id, actor: actor)
    }

    /// What the public page shows: answered opinions and suggestions, without names or households.
    public func publicSummary(compoundId: Int64) async throws -> (received: Int, answered: [Opinion]) {
        try await database.withConnection { db in
            let n = try await db.raw("SELECT COUNT(*) AS n FROM opinions WHERE compound_id = \(bind: compoundId)")
                .first()!.int("n")
            let rows = try await db.raw(
                "SELECT \(unsafeRaw: Self.opinionColumns) FROM opinions o WHERE o.compound_id = \(bind: compoundId) AND o.answer IS NOT NULL ORDER BY o.answered_on DESC, o.id DESC LIMIT 20"
            ).all()
            let anonymous = Actor(userId: nil, username: "public", role: .viewer, scope: .global)
            return (
                Int(n),
                try rows.map {
                    var o = try Self.decodeOpinion($0, actor: anonymous)
                    o.authorName = ""
                    o.householdId = nil
                    return o
                }
            )
        }
    }

    // MARK: irregular behaviour

    public struct NewIrregularity: Sendable {
        public var compoundId: Int64
        public var buildingId: Int64?
        public var kind: IrregularityKind
        public var place: String
        public var description: String
        public var photos: [Int64]
        public init(
            compoundId: Int64, buildingId: Int64?, kind: IrregularityKind, place: String, description: String,
            photos: [Int64]
        ) {
            self.compoundId = compoundId
            self.buildingId = buildingId
            self.kind = kind
            self.place = place
            self.description = description
            self.photos = photos
        }
    }

    static let irregularityColumns =
        "i.id, i.compound_id, i.building_id, i.kind, i.place, i.description, i.photos_json, i.state, i.note, i.coordination_request_id, i.created_on"

    static func decodeIrregularity(_ r: any SQLRow) throws -> Irregularity {
        Irregularity(
            id: try r.int("id"), compoundId: try r.int("compound_id"), buildingId: try r.optionalInt("building_id"),
            kind: IrregularityKind(rawValue: try r.text("kind")) ?? .other, place: try r.text("place"),
            description: try r.text("description"), photos: try r.storedIds("photos_json"),
            state: IrregularityState(rawValue: try r.text("state")) ?? .recorded, note: try r.text("note"),
            coordinationRequestId: try r.optionalInt("coordination_request_id"),
            createdOn: Day(try r.text("created_on")) ?? Clock.today)
    }

    static func irregularityScope(_ actor: Actor) -> SQLQueryString {
        placeScope(actor, alias: "i", finer: "building_id", of: .buildings)
    }

    public func createIrregularity(_ n: NewIrregularity, actor: Actor) async throws -> Irregularity {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        let place = try Self.text(n.place, field: "place", max: 200)
        let description = try Self.text(n.description, field: "description", max: 2000)
        guard n.photos.count <= 10 else {
            throw ValidationError(field: "photos", code: "too_many", message: "at most 10 photos")
        }
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.place(compound: n.compoundId, household: nil, actor: actor, db: db)
            if let b = n.buildingId {
                let sql: SQLQueryString =
                    "SELECT t.id FROM buildings t JOIN compounds c ON c.id = t.compound_id WHERE t.id = \(bind: b) AND t.compound_id = \(bind: n.compoundId) AND "
                    + ResourceSpec.buildings.scopeCondition(actor.scope)
                if try await db.raw(sql).first() == nil {
                    throw ValidationError(
                        field: "building_id", code: "not_found",
                        message: "building_id is not a building of the compound")
                }
            }
            try await AttachmentRepository.requireReadable(n.photos, field: "photos", actor: actor, db: db)
            let row = try await db.raw(
                """
                INSERT INTO irregularities (subdistrict_id, compound_id, building_id, kind, place, description, photos_json,
                  state, created_on, created_at, created_by)
                VALUES (\(bind: sd), \(bind: n.compoundId), \(bind: n.buildingId), \(bind: n.kind.rawValue), \(bind: place),
                  \(bind: description), \(bind: StoredColumn.ids(n.photos)), \(bind: IrregularityState.recorded.rawValue),
                  \(bind: Clock.today.description), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "irregularities", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("kind", .string(n.kind.rawValue)), ("place", .string(place))]))
            return id
        }
        return try await irregularity(id: id, actor: actor)
    }

    public func irregularity(id: Int64, actor: Actor) async throws -> Irregularity {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.irregularityColumns) FROM irregularities i WHERE i.id = \(bind: id) AND "
            + Self.irregularityScope(actor)
        return try await database.withConnection { db in
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            return try Self.decodeIrregularity(r)
        }
    }

    public func irregularities(compoundId: Int64?, actor: Actor, paging: Paging = .export) async throws
        -> [Irregularity]
    {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.irregularityColumns) FROM irregularities i WHERE " + Self.irregularityScope(actor)
        if let c = compoundId { sql += " AND i.compound_id = \(bind: c)" }
        sql += " ORDER BY i.id DESC" + paging.sql
        let q = sql
        return try await database.withConnection { db in try await db.raw(q).all().map(Self.decodeIrregularity) }
    }

    /// Stopped on the spot by the steward or staff.
    public func stop(id: Int64, note: String, actor: Actor) async throws -> Irregularity {
        guard Permissions.allows(actor.role, .writeContacts) else { throw AccessError.forbidden }
        let text = try Self.text(note, field: "note", max: 2000, required: false)
        try await database.transaction { db in
            let before = try await Self.locked(id, actor: actor, db: db)
            if let refusal = IrregularityRules.refusal(.stop, state: before.state) {
                throw StoreError.refused(code: "not_open", message: refusal)
            }
            try await db.raw(
                "UPDATE irregularities SET state = \(bind: IrregularityState.stopped.rawValue), note = \(bind: text) WHERE id = \(bind: id)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "stop", entity: "irregularities", entityId: id,
                subdistrictId: try await db.raw("SELECT subdistrict_id FROM irregularities WHERE id = \(bind: id)")
                    .first()?
                    .int("subdistrict_id"),
                before: .object([("state", .string(before.state.rawValue))]),
                after: .object([("state", .string(IrregularityState.stopped.rawValue))]))
        }
        return try await irregularity(id: id, actor: actor)
    }

    static func locked(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Irregularity {
        let sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.irregularityColumns) FROM irregularities i WHERE i.id = \(bind: id) AND "
            + Self.irregularityScope(actor)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return try Self.decodeIrregularity(r)
    }

    /// Escalated to city management (城管) as a coordination request on the compound's latest project, with the
    /// record's photos; the record then names the request. One transaction: the record is claimed first, so of two
    /// escalations at once the second is refused and only one request is made.
    public func escalate(id: Int64, neededBy: Day, actor: Actor) async throws -> Irregularity {
        guard Permissions.allows(actor.role, .manageProjects) else { throw AccessError.forbidden }
        let requests = CoordinationRequestRepository(database: database, calendar: calendar)
        try await database.transaction { db in
            let record = try await Self.locked(id, actor: actor, db: db)
            if let refusal = IrregularityRules.refusal(.escalate, state: record.state) {
                throw StoreError.refused(code: "not_open", message: refusal)
            }
            let claimed = try await db.raw(
                """
                UPDATE irregularities SET state = \(bind: IrregularityState.escalated.rawValue)
                WHERE id = \(bind: id) AND state = \(bind: record.state.rawValue) RETURNING subdistrict_id
                """
            ).first()
            guard let claimed else {
                throw StoreError.refused(code: "not_open", message: "the record was escalated or closed meanwhile")
            }
            let (project, department) = try await Self.cityManagement(for: record, db: db)
            let new = CoordinationRequestRepository.NewRequest(
                projectId: project, departmentOrganisationId: department, kind: .other,
                description: record.place + "：" + record.description, neededBy: neededBy, attachments: record.photos)
            let request = try await requests.insert(
                new, description: try CoordinationRequestRepository.checkedDescription(new), actor: actor, db: db)
            try await db.raw(
                "UPDATE irregularities SET coordination_request_id = \(bind: request) WHERE id = \(bind: id)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "escalate", entity: "irregularities", entityId: id,
                subdistrictId: try claimed.int("subdistrict_id"),
                before: .object([("state", .string(record.state.rawValue))]),
                after: .object([
                    ("state", .string(IrregularityState.escalated.rawValue)),
                    ("coordination_request_id", .int(request)),
                ]))
        }
        return try await irregularity(id: id, actor: actor)
    }

    /// The compound's latest project, to attach the request to, and the city management department serving it.
    static func cityManagement(for record: Irregularity, db: any SQLDatabase) async throws -> (Int64, Int64) {
        guard
            let p = try await db.raw(
                "SELECT id, subdistrict_id FROM projects WHERE compound_id = \(bind: record.compoundId) ORDER BY batch_year DESC, id DESC LIMIT 1"
            ).first()
        else {
            throw ValidationError(
                field: "compound_id", code: "no_project",
                message: "the compound has no renovation project to attach the request to")
        }
        guard
            let d = try await db.raw(
                "SELECT id FROM organisations WHERE kind = 'department' AND department = 'city_management' AND subdistrict_id = \(bind: try p.int("subdistrict_id")) ORDER BY id LIMIT 1"
            ).first()
        else {
            throw ValidationError(
                field: "department", code: "no_city_management",
                message: "no city management department serves this sub-district")
        }
        return (try p.int("id"), try d.int("id"))
    }
}
