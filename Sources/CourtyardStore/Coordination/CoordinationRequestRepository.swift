import CourtyardDomain
import Foundation
import SQLKit

/// Requests to city departments (协调事项) and their history. Every step is one the lifecycle allows, written with its
/// history entry, audit record and notifications in one transaction.
public struct CoordinationRequestRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar = .shipped) {
        self.database = database
        self.calendar = calendar
    }

    /// Working days a department has to accept a request until the office sets its own.
    public static let defaultAcceptDays = 2

    static func acceptDays(db: any SQLDatabase, department: Int64) async throws -> Int {
        try await db.raw(
            "SELECT accept_days FROM department_service_levels WHERE organisation_id = \(bind: department)"
        ).first()?.decode(column: "accept_days", as: Int.self) ?? defaultAcceptDays
    }

    /// The requests (alias `c`) an account sees: a department those addressed to it; anyone else those of the
    /// projects it sees (an office its sub-district's, a community's staff their communities', a steward their
    /// compound's; a contractor, supervisor, designer or pm company the projects it works on).
    static func scope(_ actor: Actor) -> SQLQueryString {
        if actor.scope.kind == nil { return "1=1" }
        if actor.scope.kind == .organisation, actor.role == .department {
            return "c.department_organisation_id = \(bind: actor.scope.id ?? 0)"
        }
        guard actor.scope.kind == .organisation || Permissions.allows(actor.role, .readProjects) else { return "1=0" }
        return "c.project_id IN (SELECT p.id FROM projects p WHERE " + ProjectRepository.scope(actor) + ")"
    }

    public struct NewRequest: Sendable {
        public var projectId: Int64
        public var departmentOrganisationId: Int64
        public var kind: CoordinationKind
        public var description: String
        public var neededBy: Day
        public var attachments: [Int64]
        public init(
            projectId: Int64, departmentOrganisationId: Int64, kind: CoordinationKind, description: String,
            neededBy: Day, attachments: [Int64]
        ) {
            self.projectId = projectId
            self.departmentOrganisationId = departmentOrganisationId
            self.kind = kind
            self.description = description
            self.neededBy = neededBy
            self.attachments = attachments
        }
    }

    /// Files a request. A contractor, supervisor or pm company files only on a project it works on (the project's
    /// scope below); the department reads who filed it and for which organisation.
    public func create(_ r: NewRequest, actor: Actor) async throws -> CoordinationRequest {
        guard Permissions.allows(actor.role, .fileCoordinationRequests) else { throw AccessError.forbidden }
        let description = try Self.checkedDescription(r)
        let id: Int64 = try await database.transaction { db in
            try await insert(r, description: description, actor: actor, db: db)
        }
        return try await get(id: id, actor: actor)
    }

    /// A new request's own checks, before the database is asked anything: its description cleaned, or a refusal.
    static func checkedDescription(_ r: NewRequest) throws -> String {
        let description = TextNormalizer.prose(r.description)
        guard !description.isEmpty else {
            throw ValidationError(field: "description", code: "required", message: "describe what is needed")
        }
        guard description.count <= 2000 else {
            throw ValidationError(field: "description", code: "too_long", message: "at most 2,000 characters")
        }
        guard r.neededBy >= Clock.today else {
            throw ValidationError(field: "needed_by", code: "past", message: "needed_by is today or later")
        }
        guard r.neededBy <= Clock.today.adding(days: 366) else {
            throw ValidationError(field: "needed_by", code: "too_far", message: "needed_by is more than a year away")
        }
        guard r.attachments.count <= 20 else {
            throw ValidationError(field: "attachments", code: "too_many", message: "at most 20 attachments")
        }
        return description
    }

    /// The same request sent again within ten minutes (a second tap, a client retrying) while the first still waits:
    /// refused, so the department is not sent it, and texted, twice. On PostgreSQL the project's row is locked first,
    /// so sendings at the same moment are checked one after the other.
    static func refuseRepeat(
        _ r: NewRequest, description: String, actor: Actor, db: any SQLDatabase
    ) async throws {
        if db.kind == .postgres {
            _ = try await db.raw("SELECT id FROM projects WHERE id = \(bind: r.projectId) FOR UPDATE").all()
        }
        let since = Clock.iso(Date().addingTimeInterval(-600))
        let same = try await db.raw(
            """
            SELECT id FROM coordination_requests WHERE project_id = \(bind: r.projectId)
              AND department_organisation_id = \(bind: r.departmentOrganisationId) AND kind = \(bind: r.kind.rawValue)
              AND description = \(bind: description) AND created_by = \(bind: actor.username) AND state = 'requested'
              AND created_at >= \(bind: since)
            ORDER BY id DESC LIMIT 1
            """
        ).first()
        if let same {
            throw StoreError.refused(
                code: "already_requested", message: "the same request was sent just now as number \(try same.int("id"))"
            )
        }
    }

    /// Writes a checked request inside the caller's transaction, with its first event, audit entry, webhook and the
    /// department's text message; answers its id.
    func insert(_ r: NewRequest, description: String, actor: Actor, db: any SQLDatabase) async throws -> Int64 {
        let today = Clock.today
        guard
            let p = try await db.raw(
                "SELECT p.id, p.subdistrict_id FROM projects p WHERE p.id = \(bind: r.projectId) AND "
                    + ProjectRepository.scope(actor)
            ).first()
        else {
            throw ValidationError(
                field: "project_id", code: "not_found",
                message: "project \(r.projectId) does not exist in your scope")
        }
        let sd = try p.int("subdistrict_id")
        try await Self.refuseRepeat(r, description: description, actor: actor, db: db)
        guard
            let dept = try await db.raw(
                "SELECT kind, name, subdistrict_id, contact_phone FROM organisations WHERE id = \(bind: r.departmentOrganisationId)"
            ).first()
        else {
            throw ValidationError(
                field: "department_organisation_id", code: "not_found",
                message: "organisation \(r.departmentOrganisationId) does not exist")
        }
        guard try dept.text("kind") == OrganisationKind.department.rawValue else {
            throw ValidationError(
                field: "department_organisation_id", code: "not_a_department",
                message:
                    "organisation \(r.departmentOrganisationId) is a \(try dept.text("kind")), not a department")
        }
        guard try dept.optionalInt("subdistrict_id") == sd else {
            throw ValidationError(
                field: "department_organisation_id", code: "not_found",
                message: "department \(r.departmentOrganisationId) does not serve this sub-district")
        }
        try await AttachmentRepository.requireReadable(r.attachments, field: "attachments", actor: actor, db: db)
        let days = try await Self.acceptDays(db: db, department: r.departmentOrganisationId)
        let due = calendar.adding(workingDays: days, to: today)
        try CoordinationLifecycle.checkNeededBy(r.neededBy, acceptDue: due, acceptDays: days)
        let id = try await db.raw(
            """
            INSERT INTO coordination_requests (subdistrict_id, project_id, department_organisation_id, kind, description, needed_by,
              attachments_json, state, state_since, due_on, created_on, created_at, created_by)
            VALUES (\(bind: sd), \(bind: r.projectId), \(bind: r.departmentOrganisationId), \(bind: r.kind.rawValue), \(bind: description),
              \(bind: r.neededBy.description), \(bind: StoredColumn.ids(r.attachments)), 'requested', \(bind: today.description),
              \(bind: due.description), \(bind: today.description), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
            """
        ).first()!.int("id")
        try await db.raw(
            """
            INSERT INTO coordination_events (request_id, at, from_state, to_state, note, username)
            VALUES (\(bind: id), \(bind: Clock.isoNow()), NULL, 'requested', '', \(bind: actor.username))
            """
        ).run()
        try await AuditLog.record(
            db: db, actor: actor, action: "create", entity: "coordination_requests", entityId: id,
            subdistrictId: sd,
            before: nil, after: .object([("kind", .string(r.kind.rawValue))]))
        try await Outbox.emit(
            db: db, event: "coordination_request.created", subdistrictId: sd,
            payload: .object([
                ("id", .int(id)), ("project_id", .int(r.projectId)),
                ("department_organisation_id", .int(r.departmentOrganisationId)),
                ("kind", .string(r.kind.rawValue)),
                ("needed_by", .string(r.neededBy.description)),
                ("due_on", .string(due.description)),
            ]))
        let who = try await Self.filer(actor, db: db)
        try await Outbox.message(
            db: db, event: "coordination_request.created", phone: try dept.text("contact_phone"),
            text: "【楼院焕新】\(who)向贵单位提出协调事项（编号\(id)），需于\(r.neededBy)前完成，请登录处理。")
        return id
    }

    /// Who the department's text message says asks: the organisation a contractor's, supervisor's or pm company's
    /// account speaks for, or the sub-district office (街道).
    static func filer(_ actor: Actor, db: any SQLDatabase) async throws -> String {
        guard actor.scope.kind == .organisation, let id = actor.scope.id,
            let name = try await db.raw("SELECT name FROM organisations WHERE id = \(bind: id)").first()?.text("name")
        else { return "街道" }
        return name + "经街道平台"
    }

    /// The files a request carries: its own and those added on reopening it.
    public static let maxAttachments = 10

    static let columns = """
        c.id, c.subdistrict_id, c.project_id, c.department_organisation_id, o.name AS department_name, c.kind, c.description,
        c.needed_by, c.attachments_json, c.state, c.state_since, c.due_on, c.planned_on, c.done_on, c.evidence_json,
        c.decline_reason, c.created_on, c.version,
        (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u WHERE u.username = c.created_by)
          AS filed_by,
        (SELECT fo.name FROM users u JOIN organisations fo ON fo.id = u.scope_id
         WHERE u.username = c.created_by AND u.scope_kind = 'organisation') AS filed_by_organisation,
        (SELECT e.note FROM coordination_events e WHERE e.request_id = c.id AND e.to_state = 'done'
         ORDER BY e.id DESC LIMIT 1) AS done_note,
        (SELECT e.note FROM coordination_events e WHERE e.request_id = c.id AND e.to_state = 'reopened'
         ORDER BY e.id DESC LIMIT 1) AS supplement,
        (SELECT e.reason FROM coordination_events e WHERE e.request_id = c.id AND e.to_state = 'declined'
         ORDER BY e.id DESC LIMIT 1) AS returned_because
        """

    static func decode(_ r: any SQLRow, today: Day) throws -> CoordinationRequest {
        let state = CoordinationState(rawValue: try r.text("state")) ?? .requested
        let due = try r.optionalText("due_on").flatMap { Day($0) }
        return CoordinationRequest(
            id: try r.int("id"), subdistrictId: try r.int("subdistrict_id"), projectId: try r.int("project_id"),
            departmentOrganisationId: try r.int("department_organisation_id"),
            departmentName: try r.text("department_name"),
            kind: CoordinationKind(rawValue: try r.text("kind")) ?? .other, description: try r.text("description"),
            neededBy: Day(try r.text("needed_by")) ?? today,
            attachments: try r.storedIds("attachments_json"), state: state,
            ballInCourt: CoordinationLifecycle.ballInCourt(state), stateSince: Day(try r.text("state_since")) ?? today,
            dueOn: due, overdue: CoordinationLifecycle.isOverdue(due: due, today: today),
            plannedOn: try r.optionalText("planned_on").flatMap { Day($0) },
            doneOn: try r.optionalText("done_on").flatMap { Day($0) },
            doneNote: try r.optionalText("done_note") ?? "",
            supplement: try r.optionalText("supplement") ?? "",
            evidence: try r.storedIds("evidence_json"),
            declineReason: try r.text("decline_reason"), returnedBecause: try r.optionalText("returned_because") ?? "",
            createdOn: Day(try r.text("created_on")) ?? today,
            filedBy: try r.optionalText("filed_by") ?? "",
            filedByOrganisation: try r.optionalText("filed_by_organisation"),
            version: try r.decode(column: "version", as: Int.self), history: nil)
    }

    public func get(id: Int64, actor: Actor) async throws -> CoordinationRequest {
        let today = Clock.today
        return try await database.withConnection { db in
            var sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.columns) FROM coordination_requests c JOIN organisations o ON o.id = c.department_organisation_id WHERE c.id = \(bind: id) AND "
            sql += Self.scope(actor)
            guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
            var r = try Self.decode(row, today: today)
            r.history = try await db.raw(
                """
                SELECT at, from_state, to_state, note, planned_on, done_on, reason, username FROM coordination_events
                WHERE request_id = \(bind: id) ORDER BY id
                """
            ).all().map { e in
                CoordinationEvent(
                    at: try e.text("at"),
                    from: try e.optionalText("from_state").flatMap(CoordinationState.init(rawValue:)),
                    to: CoordinationState(rawValue: try e.text("to_state")) ?? .requested, note: try e.text("note"),
                    plannedOn: try e.optionalText("planned_on").flatMap { Day($0) },
                    doneOn: try e.optionalText("done_on").flatMap { Day($0) }, reason: try e.text("reason"),
                    by: try e.text("username"))
            }
            return r
        }
    }

    /// A list; `queue` orders by the day each is due (oldest due first) and leaves out those done or declined;
    /// `finished` holds only those, the last finished first.
    public func list(
        actor: Actor, departmentId: Int64? = nil, projectId: Int64? = nil, state: CoordinationState? = nil,
        overdueOnly: Bool = false, queue: Bool = false, finished: Bool = false, paging: Paging = .export
    ) async throws -> [CoordinationRequest] {
        let today = Clock.today
        return try await database.withConnection { db in
            var sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.columns) FROM coordination_requests c JOIN organisations o ON o.id = c.department_organisation_id WHERE "
            sql += Self.scope(actor)
            if let departmentId { sql += " AND c.department_organisation_id = \(bind: departmentId)" }
            if let projectId { sql += " AND c.project_id = \(bind: projectId)" }
            if let state { sql += " AND c.state = \(bind: state.rawValue)" }
            if overdueOnly { sql += " AND c.due_on IS NOT NULL AND c.due_on < \(bind: today.description)" }
            if queue {
                sql += " AND c.state NOT IN ('done', 'declined') ORDER BY c.due_on, c.id"
            } else if finished {
                // The day each is said to be finished on: the day done, or the day declined.
                sql += " AND c.state IN ('done', 'declined')"
                sql +=
                    " ORDER BY CASE WHEN c.state = 'done' THEN COALESCE(c.done_on, c.state_since) ELSE c.state_since END DESC"
                sql += ", c.id DESC"
            } else {
                sql += " ORDER BY c.id DESC"
            }
            sql += paging.sql
            return try await db.raw(sql).all().map { try Self.decode($0, today: today) }
        }
    }

    public struct Step: Sendable {
        public var to: CoordinationState
        public var note: String
        public var plannedOn: Day?
        public var doneOn: Day?
        public var reason: String
        public var evidence: [Int64]
        public init(
            to: CoordinationState, note: String, plannedOn: Day?, doneOn: Day?, reason: String, evidence: [Int64] = []
        ) {
            self.to = to
            self.note = note
            self.plannedOn = plannedOn
            self.doneOn = doneOn
            self.reason = reason
            self.evidence = evidence
        }
    }

    public func transition(id: Int64, _ s: Step, actor: Actor) async throws -> CoordinationRequest {
        let note = TextNormalizer.prose(s.note)
        let reason = TextNormalizer.prose(s.reason)
        try TextBounds.check(s.note, field: "note")
        try TextBounds.check(s.reason, field: "reason")
        let today = Clock.today
        try await database.transaction { db in
            var sql: SQLQueryString =
                "SELECT c.state, c.subdistrict_id, c.department_organisation_id, c.needed_by, c.project_id, c.accepted_on, c.created_on, c.attachments_json FROM coordination_requests c WHERE c.id = \(bind: id) AND "
            sql += Self.scope(actor)
            guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
            let from = CoordinationState(rawValue: try row.text("state")) ?? .requested
            let dept = try row.int("department_organisation_id")
            let sd = try row.int("subdistrict_id")
            let step = CoordinationLifecycle.Step(
                from: from, to: s.to, note: note, plannedOn: s.plannedOn, doneOn: s.doneOn, reason: reason,
                today: today,
                neededBy: Day(try row.text("needed_by")), filedOn: Day(String(try row.text("created_on").prefix(10))))
            switch CoordinationLifecycle.decide(step, actor: actor, department: dept) {
            case nil: break
            case .notAStep(let f, let t)?:
                throw StoreError.conflict("a request that is \(f.rawValue) cannot become \(t.rawValue)")
            case .forbidden?: throw AccessError.forbidden
            case .invalid(let e)?: throw e
            }
            try await AttachmentRepository.requireReadable(s.evidence, field: "evidence", actor: actor, db: db)
            let neededBy = Day(try row.text("needed_by")) ?? today
            let days = try await Self.acceptDays(db: db, department: dept)
            let due = CoordinationLifecycle.due(
                s.to, since: today, acceptDays: days, neededBy: neededBy, plannedOn: s.plannedOn, calendar: calendar)
            var update: SQLQueryString =
                "UPDATE coordination_requests SET state = \(bind: s.to.rawValue), state_since = \(bind: today.description), due_on = \(bind: due?.description), version = version + 1"
            switch s.to {
            case .accepted:
                if try row.optionalText("accepted_on") == nil { update += ", accepted_on = \(bind: today.description)" }
            case .scheduled: update += ", planned_on = \(bind: s.plannedOn?.description)"
            case .done:
                update +=
                    ", done_on = \(bind: s.doneOn?.description), evidence_json = \(bind: StoredColumn.ids(s.evidence))"
            case .declined: update += ", decline_reason = \(bind: reason)"
            case .reopened:
                // What the office adds on reopening (a plan drawing the department asked for) joins the request's files.
                let files = try row.storedIds("attachments_json")
                let added = s.evidence.filter { !files.contains($0) }
                guard files.count + added.count <= Self.maxAttachments else {
                    throw ValidationError(
                        field: "evidence", code: "too_many",
                        message: "a request carries at most \(Self.maxAttachments) files")
                }
                update += ", decline_reason = '', attachments_json = \(bind: StoredColumn.ids(files + added))"
            case .requested: break
            }
            update += " WHERE id = \(bind: id)"
            try await db.raw(update).run()
            try await db.raw(
                """
                INSERT INTO coordination_events (request_id, at, from_state, to_state, note, planned_on, done_on, reason, evidence_json, username)
                VALUES (\(bind: id), \(bind: Clock.isoNow()), \(bind: from.rawValue), \(bind: s.to.rawValue), \(bind: note),
                  \(bind: s.plannedOn?.description), \(bind: s.doneOn?.description), \(bind: reason),
                  \(bind: StoredColumn.ids(s.evidence)), \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "transition", entity: "coordination_requests", entityId: id,
                subdistrictId: sd, before: .string(from.rawValue), after: .string(s.to.rawValue))
            try await Outbox.emit(
                db: db, event: "coordination_request.transitioned", subdistrictId: sd,
                payload: .object([
                    ("id", .int(id)), ("project_id", .int(try row.int("project_id"))), ("from", .string(from.rawValue)),
                    ("to", .string(s.to.rawValue)),
                    ("ball_in_court", .string(CoordinationLifecycle.ballInCourt(s.to).rawValue)),
                    ("due_on", due.map { .string($0.description) } ?? .null),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    /// The compound each project renovates, for a department's queue: the place it must go to, and nothing else of
    /// the project.
    public func projectNames(_ ids: [Int64]) async throws -> [Int64: String] {
        let asked = Array(Set(ids))
        guard !asked.isEmpty else { return [:] }
        return try await database.withConnection { db in
            var out: [Int64: String] = [:]
            for r in try await db.raw(
                """
                SELECT p.id, c.name, c.address FROM projects p JOIN compounds c ON c.id = p.compound_id
                WHERE p.id IN (\(binds: asked))
                """
            ).all() {
                let address = try r.text("address")
                out[try r.int("id")] = try r.text("name") + (address.isEmpty ? "" : "（\(address)）")
            }
            return out
        }
    }

    /// What the department wrote when it set each request's current day (a reason for a day later than needed, a
    /// reschedule's why), by request; requests without such words are left out.
    public func planNotes(_ ids: [Int64]) async throws -> [Int64: String] {
        let asked = Array(Set(ids))
        guard !asked.isEmpty else { return [:] }
        return try await database.withConnection { db in
            var out: [Int64: String] = [:]
            // In order of entry, so each request's latest scheduling is the one kept.
            for r in try await db.raw(
                """
                SELECT request_id, note FROM coordination_events
                WHERE to_state = 'scheduled' AND request_id IN (\(binds: asked)) ORDER BY id
                """
            ).all() {
                let note = try r.text("note")
                out[try r.int("request_id")] = note.isEmpty ? nil : note
            }
            return out
        }
    }

    // MARK: service levels

    public struct ServiceLevel: Codable, Sendable {
        public var organisationId: Int64
        public var acceptDays: Int
        public var source: String
        enum CodingKeys: String, CodingKey {
            case organisationId = "organisation_id", acceptDays = "accept_days", source
        }
    }

    public func serviceLevel(department: Int64, actor: Actor) async throws -> ServiceLevel {
        try await database.withConnection { db in
            guard
                let row = try await db.raw(
                    "SELECT kind, subdistrict_id FROM organisations WHERE id = \(bind: department)"
                ).first(), try row.text("kind") == OrganisationKind.department.rawValue
            else { throw StoreError.notFound }
            if actor.scope.kind == .organisation {
                guard actor.scope.id == department else { throw StoreError.notFound }
            } else if actor.scope.kind != nil {
                guard
                    try await MeetingRepository.placeSubdistrict(actor, db: db)
                        == (try row.optionalInt("subdistrict_id"))
                else { throw StoreError.notFound }
            }
            let own = try await db.raw(
                "SELECT accept_days FROM department_service_levels WHERE organisation_id = \(bind: department)"
            ).first()?.decode(column: "accept_days", as: Int.self)
            return ServiceLevel(
                organisationId: department, acceptDays: own ?? Self.defaultAcceptDays,
                source: own == nil ? "default" : "office")
        }
    }

    /// The office sets how many working days a department has to accept its requests.
    public func setServiceLevel(department: Int64, acceptDays: Int, actor: Actor) async throws -> ServiceLevel {
        guard (1...30).contains(acceptDays) else {
            throw ValidationError(field: "accept_days", code: "invalid", message: "1 to 30 working days")
        }
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT kind, subdistrict_id FROM organisations WHERE id = \(bind: department)"
                ).first(), try row.text("kind") == OrganisationKind.department.rawValue
            else { throw StoreError.notFound }
            let sd = try await MeetingRepository.office(actor, requested: try row.optionalInt("subdistrict_id"), db: db)
            try await db.raw("DELETE FROM department_service_levels WHERE organisation_id = \(bind: department)").run()
            try await db.raw(
                """
                INSERT INTO department_service_levels (organisation_id, accept_days, updated_at, updated_by)
                VALUES (\(bind: department), \(bind: acceptDays), \(bind: Clock.isoNow()), \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "department_service_levels", entityId: department,
                subdistrictId: sd, before: nil, after: .object([("days", .int(Int64(acceptDays)))]))
        }
        return try await serviceLevel(department: department, actor: actor)
    }

    // MARK: figures

    /// Per department, the requests filed from `from` through `to`: how many, the median working days to accept and
    /// to finish, and the share done by the day they were needed.
    public static func figures(db: any SQLDatabase, subdistrictId: Int64?, from: Day, to: Day, calendar: WorkCalendar)
        async throws -> [DepartmentFigureLine]
    {
        var sql: SQLQueryString = """
            SELECT c.department_organisation_id, o.name, c.created_on, c.accepted_on, c.done_on, c.needed_by, c.state
            FROM coordination_requests c JOIN organisations o ON o.id = c.department_organisation_id
            WHERE c.created_on >= \(bind: from.description) AND c.created_on <= \(bind: to.description)
            """
        if let subdistrictId { sql += " AND c.subdistrict_id = \(bind: subdistrictId)" }
        sql += " ORDER BY c.department_organisation_id, c.id"
        var byDept: [(Int64, String, [DepartmentFigures.Entry])] = []
        let today = Clock.today
        for r in try await db.raw(sql).all() {
            let dept = try r.int("department_organisation_id")
            guard let created = Day(try r.text("created_on")), let needed = Day(try r.text("needed_by")) else {
                continue
            }
            let accepted = try r.optionalText("accepted_on").flatMap { Day($0) }
            let done = try r.optionalText("done_on").flatMap { Day($0) }
            let entry = DepartmentFigures.Entry(
                daysToAccept: accepted.map { calendar.workingDays(after: created, through: $0) },
                daysToFinish: done.map { calendar.workingDays(after: created, through: $0) },
                doneByNeeded: done.map { $0 <= needed } ?? false,
                due: DepartmentFigures.isDue(doneOn: done, neededBy: needed, today: today))
            if byDept.last?.0 == dept {
                byDept[byDept.count - 1].2.append(entry)
            } else {
                byDept.append((dept, try r.text("name"), [entry]))
            }
        }
        return byDept.map { dept, name, entries in
            let share = DepartmentFigures.onTimeShare(entries)
            return DepartmentFigureLine(
                organisationId: dept, name: name, requests: entries.count,
                medianDaysToAccept: DepartmentFigures.median(entries.compactMap(\.daysToAccept)),
                medianDaysToFinish: DepartmentFigures.median(entries.compactMap(\.daysToFinish)),
                done: entries.filter { $0.daysToFinish != nil }.count,
                doneByNeededBy: entries.filter(\.doneByNeeded).count, due: share.due,
                shareDoneByNeededByPercent: share.percent ?? 0)
        }
    }

    public func figures(actor: Actor, subdistrictId: Int64?, from: Day, to: Day) async throws
        -> [DepartmentFigureLine]
    {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            var sd = subdistrictId
            if actor.scope.kind != nil {
                guard let own = try await MeetingRepository.placeSubdistrict(actor, db: db) else {
                    throw AccessError.forbidden
                }
                if let subdistrictId, subdistrictId != own { throw StoreError.notFound }
                sd = own
            }
            return try await Self.figures(db: db, subdistrictId: sd, from: from, to: to, calendar: calendar)
        }
    }

    /// The bulletin's department section: per department, the requests filed in the seven days up to `asOf`.
    static func bulletinSection(db: any SQLDatabase, subdistrictId: Int64?, asOf: Day) async throws
        -> [DepartmentFigureLine]
    {
        try await figures(
            db: db, subdistrictId: subdistrictId, from: asOf.adding(days: -6), to: asOf,
            calendar: try await CalendarRepository.calendar(db: db))
    }

    // MARK: overdue notices

    /// Whether any request went past its due day without its department being told, read without a write lock.
    public func hasOverdueToAnnounce(today: Day = Clock.today) async throws -> Bool {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id FROM coordination_requests WHERE due_on IS NOT NULL AND due_on < \(bind: today.description)
                  AND state NOT IN ('done', 'declined') AND (overdue_told_for IS NULL OR overdue_told_for <> due_on) LIMIT 1
                """
            ).first() != nil
        }
    }

    /// Tells each department once per due day about its requests that went past it (webhook and text message).
    /// Returns how many were announced.
    @discardableResult
    public func announceOverdue(today: Day = Clock.today) async throws -> Int {
        try await database.transaction { db in
            let rows = try await db.raw(
                """
                SELECT c.id, c.subdistrict_id, c.department_organisation_id, c.due_on, c.state, o.contact_phone
                FROM coordination_requests c JOIN organisations o ON o.id = c.department_organisation_id
                WHERE c.due_on IS NOT NULL AND c.due_on < \(bind: today.description) AND c.state NOT IN ('done', 'declined')
                  AND (c.overdue_told_for IS NULL OR c.overdue_told_for <> c.due_on)
                ORDER BY c.id LIMIT 500
                """
            ).all()
            var told = 0
            for r in rows {
                let id = try r.int("id")
                let due = try r.text("due_on")
                // Claimed by the update, so two servers sweeping at once send the notice once.
                let claimed = try await db.raw(
                    """
                    UPDATE coordination_requests SET overdue_told_for = \(bind: due)
                    WHERE id = \(bind: id) AND (overdue_told_for IS NULL OR overdue_told_for <> \(bind: due)) RETURNING id
                    """
                ).first()
                guard claimed != nil else { continue }
                told += 1
                try await Outbox.emit(
                    db: db, event: "coordination_request.overdue", subdistrictId: try r.int("subdistrict_id"),
                    payload: .object([
                        ("id", .int(id)), ("department_organisation_id", .int(try r.int("department_organisation_id"))),
                        ("state", .string(try r.text("state"))), ("due_on", .string(due)),
                    ]))
                try await Outbox.message(
                    db: db, event: "coordination_request.overdue", phone: try r.text("contact_phone"),
                    text: "【楼院焕新】协调事项（编号\(id)）已超过办理时限（\(due)），请尽快处理。")
            }
            return told
        }
    }
}
