import CourtyardDomain
import Foundation
import SQLKit

/// Supervision reports and their history. Every step is a transition the lifecycle allows,
/// written with its history entry and audit record in one transaction.
public struct ReportRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public let levels: ServiceLevels
    public init(database: Database, calendar: WorkCalendar = .shipped, levels: ServiceLevels = ServiceLevels()) {
        self.database = database
        self.calendar = calendar
        self.levels = levels
    }

    public struct NewReport: Sendable {
        public var compoundId: Int64
        public var buildingId: Int64?
        public var category: ReportCategory
        public var description: String
        public var photos: [Int64]
        public var reporterName: String
        public var reporterPhone: String
        public init(
            compoundId: Int64, buildingId: Int64?, category: ReportCategory, description: String, photos: [Int64] = [],
            reporterName: String = "", reporterPhone: String = ""
        ) {
            self.compoundId = compoundId
            self.buildingId = buildingId
            self.category = category
            self.description = description
            self.photos = photos
            self.reporterName = reporterName
            self.reporterPhone = reporterPhone
        }
    }

    /// The actor of reports filed on a public page, without an account.
    public static let publicReporter = Actor(userId: nil, username: "public", role: .viewer, scope: .global)

    public func create(_ r: NewReport, actor: Actor, publicPage: Bool = false) async throws -> JSONValue {
        guard publicPage || Permissions.allows(actor.role, .fileReports) else { throw AccessError.forbidden }
        let description = TextNormalizer.prose(r.description)
        guard !description.isEmpty, description.count <= 2000 else {
            throw ValidationError(
                field: "description", code: "required", message: "describe the problem in at most 2,000 characters")
        }
        let phone = r.reporterPhone.isEmpty ? "" : PersonalData.normalizePhone(r.reporterPhone) ?? "?"
        guard phone != "?" else {
            throw ValidationError(
                field: "reporter_phone", code: "invalid", message: "reporter_phone is not a phone number")
        }
        let today = Clock.today
        let id: Int64 = try await database.transaction { db in
            guard
                let compound = try await ResourceRepository(database: database).fetch(
                    .compounds, id: r.compoundId, actor: actor, db: db)
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found",
                    message: "compound \(r.compoundId) does not exist in your scope")
            }
            try await AttachmentRepository.requireReadable(r.photos, field: "photos", actor: actor, db: db)
            if let b = r.buildingId {
                let row = try await db.raw(
                    "SELECT id FROM buildings WHERE id = \(bind: b) AND compound_id = \(bind: r.compoundId)"
                ).first()
                if row == nil {
                    throw ValidationError(
                        field: "building_id", code: "not_found",
                        message: "building \(b) is not in compound \(r.compoundId)")
                }
            }
            let office =
                try await ServiceLevelRepository.levels(db: db, subdistrictId: compound.subdistrictId ?? 0) ?? levels
            let due = ReportLifecycle.due(.submitted, since: today, calendar: calendar, levels: office)
            let id = try await db.raw(
                """
                INSERT INTO reports (subdistrict_id, compound_id, building_id, category, description, photos_json, reporter_name, reporter_phone,
                  state, state_since, due_on, submitted_at, created_by)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: r.compoundId), \(bind: r.buildingId), \(bind: r.category.rawValue),
                  \(bind: description), \(bind: JSONValue.array(r.photos.map { .int($0) }).serialized()), \(bind: TextNormalizer.clean(r.reporterName)),
                  \(bind: phone), 'submitted', \(bind: today.description), \(bind: due?.description), \(bind: Clock.isoNow()), \(bind: actor.username))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
            try await db.raw(
                """
                INSERT INTO report_events (report_id, at, from_state, to_state, note, username)
                VALUES (\(bind: id), \(bind: Clock.isoNow()), NULL, 'submitted', '', \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "reports", entityId: id,
                subdistrictId: compound.subdistrictId, before: nil,
                after: .object([("category", .string(r.category.rawValue))]))
            try await Outbox.emit(
                db: db, event: "report.created", subdistrictId: compound.subdistrictId,
                payload: .object([
                    ("id", .int(id)), ("compound_id", .int(r.compoundId)), ("category", .string(r.category.rawValue)),
                    ("state", .string("submitted")), ("due_on", due.map { .string($0.description) } ?? .null),
                ]))
            return id
        }
        return publicPage ? .object([("id", .int(id))]) : try await get(id: id, actor: actor)
    }

    /// What anyone may see of a compound's reports: category, state and dates, never who reported or the text.
    public func publicSummary(compoundId: Int64) async throws -> [(
        category: String, state: ReportState, submitted: String, overdue: Bool
    )] {
        let today = Clock.today
        let rows = try await database.withConnection { db in
            try await db.raw(
                "SELECT category, state, submitted_at, due_on FROM reports WHERE compound_id = \(bind: compoundId) ORDER BY id DESC LIMIT 100"
            ).all()
        }
        return try rows.map { r in
            (
                try r.decode(column: "category", as: String.self),
                ReportState(rawValue: try r.decode(column: "state", as: String.self)) ?? .submitted,
                try r.decode(column: "submitted_at", as: String.self),
                ReportLifecycle.isOverdue(
                    due: try r.decode(column: "due_on", as: String?.self).flatMap { Day($0) }, today: today)
            )
        }
    }

    /// The reports this actor sees, as the domain decides: an organisation's assigned ones, or its places'.
    static func scope(_ actor: Actor) -> SQLQueryString {
        switch ReportRouting.visibility(actor) {
        case .assignedTo(let org): "r.assignee_organisation_id = \(bind: org)"
        case .places(let scope): ResourceSpec.compounds.scopeCondition(scope)
        }
    }

    static func canRead(_ actor: Actor) -> Bool { ReportRouting.canRead(actor) }

    static let columns = """
        r.id, r.subdistrict_id, r.compound_id, r.building_id, r.category, r.description, r.photos_json, r.reporter_name, r.reporter_phone,
        r.state, r.assignee_organisation_id, r.state_since, r.due_on, r.submitted_at, r.version
        """

    func decode(_ row: any SQLRow, actor: Actor, today: Day) throws -> JSONValue {
        let state = ReportState(rawValue: try row.decode(column: "state", as: String.self)) ?? .submitted
        let due = try row.decode(column: "due_on", as: String?.self)
        let mask = !actor.seesPersonalData
        let name = try row.decode(column: "reporter_name", as: String.self)
        let phone = try row.decode(column: "reporter_phone", as: String.self)
        let photos = JSONValue.parse(try row.decode(column: "photos_json", as: String.self)) ?? .array([])
        return .object([
            ("id", .int(try row.decode(column: "id", as: Int64.self))),
            ("compound_id", .int(try row.decode(column: "compound_id", as: Int64.self))),
            ("building_id", try row.decode(column: "building_id", as: Int64?.self).map { .int($0) } ?? .null),
            ("category", .string(try row.decode(column: "category", as: String.self))),
            ("description", .string(try row.decode(column: "description", as: String.self))), ("photos", photos),
            ("reporter_name", .string(mask && !name.isEmpty ? PersonalData.maskName(name) : name)),
            ("reporter_phone", .string(mask && !phone.isEmpty ? PersonalData.maskPhone(phone) : phone)),
            ("state", .string(state.rawValue)), ("ball_in_court", .string(ReportLifecycle.ballInCourt(state).rawValue)),
            (
                "assignee_organisation_id",
                try row.decode(column: "assignee_organisation_id", as: Int64?.self).map { .int($0) } ?? .null
            ),
            ("state_since", .string(try row.decode(column: "state_since", as: String.self))),
            ("due_on", due.map { .string($0) } ?? .null),
            ("overdue", .bool(ReportLifecycle.isOverdue(due: due.flatMap { Day($0) }, today: today))),
            ("submitted_at", .string(try row.decode(column: "submitted_at", as: String.self))),
            ("version", .int(Int64(try row.decode(column: "version", as: Int.self)))),
        ])
    }

    public func get(id: Int64, actor: Actor) async throws -> JSONValue {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        let today = Clock.today
        return try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.columns) FROM reports r "
                + "JOIN compounds t ON t.id = r.compound_id WHERE r.id = \(bind: id) AND " + Self.scope(actor)
            guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
            guard case .object(var pairs) = try decode(row, actor: actor, today: today) else {
                throw StoreError.notFound
            }
            let history = try await db.raw(
                """
                SELECT at, from_state, to_state, note, username, organisation_id FROM report_events WHERE report_id = \(bind: id) ORDER BY id
                """
            ).all().map { e -> JSONValue in
                .object([
                    ("at", .string(try e.decode(column: "at", as: String.self))),
                    ("from", try e.decode(column: "from_state", as: String?.self).map { .string($0) } ?? .null),
                    ("to", .string(try e.decode(column: "to_state", as: String.self))),
                    ("note", .string(try e.decode(column: "note", as: String.self))),
                    ("by", .string(try e.decode(column: "username", as: String.self))),
                    (
                        "organisation_id",
                        try e.decode(column: "organisation_id", as: Int64?.self).map { .int($0) } ?? .null
                    ),
                ])
            }
            pairs.append(("history", .array(history)))
            return .object(pairs)
        }
    }

    public func list(
        actor: Actor, compoundId: Int64?, state: ReportState?, overdueOnly: Bool, paging: Paging = .export
    ) async throws -> [JSONValue] {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) FROM reports r "
            + "JOIN compounds t ON t.id = r.compound_id WHERE " + Self.scope(actor)
        if let compoundId { sql += " AND r.compound_id = \(bind: compoundId)" }
        if let state { sql += " AND r.state = \(bind: state.rawValue)" }
        let today = Clock.today
        if overdueOnly { sql += " AND r.due_on IS NOT NULL AND r.due_on < \(bind: today.description)" }
        sql += " ORDER BY r.id DESC" + paging.sql
        let q = sql
        let rows = try await database.withConnection { db in try await db.raw(q).all() }
        return try rows.map { try decode($0, actor: actor, today: today) }
    }

    /// Moves a report one step, if the lifecycle allows it and the actor may take that step.
    public func transition(id: Int64, to: ReportState, note: String, assignee: Int64?, actor: Actor) async throws
        -> JSONValue
    {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        let note = TextNormalizer.prose(note)
        let today = Clock.today
        try await database.transaction { db in
            let sql: SQLQueryString =
                "SELECT r.state, r.subdistrict_id, r.assignee_organisation_id, r.compound_id, "
                + "r.reporter_phone FROM reports r JOIN compounds t ON t.id = r.compound_id WHERE r.id = \(bind: id) AND "
                + Self.scope(actor)
            guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
            let from = ReportState(rawValue: try row.decode(column: "state", as: String.self)) ?? .submitted
            let currentAssignee = try row.decode(column: "assignee_organisation_id", as: Int64?.self)
            let sd = try row.decode(column: "subdistrict_id", as: Int64.self)
            // The named organisation's sub-district, for the rule that a report goes only to one of its own.
            var assigneeSubdistrict: Int64?
            if to == .assigned, let org = assignee {
                assigneeSubdistrict = try await db.raw(
                    "SELECT subdistrict_id FROM organisations WHERE id = \(bind: org)"
                ).first()?.decode(column: "subdistrict_id", as: Int64?.self)
            }
            let step = ReportRouting.Step(
                from: from, to: to, note: note, currentAssignee: currentAssignee, requestedAssignee: assignee,
                reportSubdistrict: sd, requestedAssigneeSubdistrict: assigneeSubdistrict)
            let newAssignee: Int64?
            switch ReportRouting.decide(step, actor: actor) {
            case .success(let org): newAssignee = org
            case .failure(.notAStep(let from, let to)):
                throw StoreError.conflict("a report that is \(from.rawValue) cannot become \(to.rawValue)")
            case .failure(.forbidden): throw AccessError.forbidden
            case .failure(.invalid(let error)): throw error
            }
            let office =
                try await ServiceLevelRepository.levels(
                    db: db, subdistrictId: try row.decode(column: "subdistrict_id", as: Int64.self)) ?? levels
            let due = ReportLifecycle.due(to, since: today, calendar: calendar, levels: office)
            try await db.raw(
                """
                UPDATE reports SET state = \(bind: to.rawValue), state_since = \(bind: today.description), due_on = \(bind: due?.description),
                  assignee_organisation_id = \(bind: newAssignee), version = version + 1 WHERE id = \(bind: id)
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO report_events (report_id, at, from_state, to_state, note, username, organisation_id)
                VALUES (\(bind: id), \(bind: Clock.isoNow()), \(bind: from.rawValue), \(bind: to.rawValue), \(bind: note), \(bind: actor.username), \(bind: newAssignee))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "transition", entity: "reports", entityId: id,
                subdistrictId: sd, before: .string(from.rawValue), after: .string(to.rawValue))
            try await Outbox.emit(
                db: db, event: "report.transitioned", subdistrictId: sd,
                payload: .object([
                    ("id", .int(id)), ("compound_id", .int(try row.decode(column: "compound_id", as: Int64.self))),
                    ("from", .string(from.rawValue)), ("to", .string(to.rawValue)),
                    ("ball_in_court", .string(ReportLifecycle.ballInCourt(to).rawValue)),
                    ("due_on", due.map { .string($0.description) } ?? .null),
                ]))
            // The reporter hears of the steps that concern them, by text message when they left a phone.
            if ReportRouting.tellsReporter(to) {
                try await Outbox.message(
                    db: db, event: "report.transitioned",
                    phone: try row.decode(column: "reporter_phone", as: String.self),
                    text: "【楼院焕新】您反映的问题（编号\(id)）\(Self.smsState(to))。\(note.isEmpty ? "" : "说明：" + note)")
            }
        }
        return try await get(id: id, actor: actor)
    }

    static func smsState(_ s: ReportState) -> String {
        switch s {
        case .acknowledged: "已受理"
        case .fixed: "已整改完毕，请您确认"
        case .closed: "已办结"
        case .rejected: "不予受理"
        default: s.rawValue
        }
    }

    /// The steps this actor may take from `state` on a report assigned to `assignee`, for forms that offer only those.
    public func allowedSteps(actor: Actor, from state: ReportState, assignee: Int64?) -> [ReportState] {
        ReportRouting.allowedSteps(actor, from: state, assignee: assignee)
    }
}
