import CourtyardDomain
import Foundation
import SQLKit

/// A supervision report as the API shows it; `history` only when one report is read.
public struct Report: Codable, Sendable {
    public var id: Int64
    public var compoundId: Int64
    public var buildingId: Int64?
    public var category: ReportCategory
    public var description: String
    public var photos: [Int64]
    /// Masked ("张*", "138****5678") for accounts that do not see personal data.
    public var reporterName: String
    public var reporterPhone: String
    public var state: ReportState
    public var ballInCourt: BallInCourt
    public var assigneeOrganisationId: Int64?
    /// The organisation's name, so those chasing it know whom to call (中建七局…, 市自来水公司).
    public var assigneeName: String? = nil
    public var stateSince: Day
    public var dueOn: Day?
    public var overdue: Bool
    public var submittedAt: String
    public var version: Int
    public var history: [ReportEvent]?
    /// Reopened by the organisation it was assigned to handing it back (or the office taking it back), not by the
    /// reporter: the pages say 已退回街道. Not part of the API's form, where `history` says the same.
    public var handedBack = false

    enum CodingKeys: String, CodingKey {
        case id, compoundId = "compound_id", buildingId = "building_id", category, description, photos
        case reporterName = "reporter_name", reporterPhone = "reporter_phone", state, ballInCourt = "ball_in_court"
        case assigneeOrganisationId = "assignee_organisation_id", assigneeName = "assignee_name"
        case stateSince = "state_since", dueOn = "due_on"
        case overdue, submittedAt = "submitted_at", version, history
    }

    /// Every field in the API's order, `nil` as null; the history only when it was read.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(compoundId, forKey: .compoundId)
        try c.encode(buildingId, forKey: .buildingId)
        try c.encode(category, forKey: .category)
        try c.encode(description, forKey: .description)
        try c.encode(photos, forKey: .photos)
        try c.encode(reporterName, forKey: .reporterName)
        try c.encode(reporterPhone, forKey: .reporterPhone)
        try c.encode(state, forKey: .state)
        try c.encode(ballInCourt, forKey: .ballInCourt)
        try c.encode(assigneeOrganisationId, forKey: .assigneeOrganisationId)
        try c.encode(assigneeName, forKey: .assigneeName)
        try c.encode(stateSince, forKey: .stateSince)
        try c.encode(dueOn, forKey: .dueOn)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(submittedAt, forKey: .submittedAt)
        try c.encode(version, forKey: .version)
        if let history { try c.encode(history, forKey: .history) }
    }
}

/// One step in a report's history.
public struct ReportEvent: Codable, Sendable {
    public var at: String
    public var from: ReportState?
    public var to: ReportState
    public var note: String
    /// The account's sign-in name, and the name a person reads (its display name, or the sign-in name).
    public var by: String
    public var byName: String
    public var organisationId: Int64?
    /// The photos of a fix, taken when the report was marked fixed (empty for any other step).
    public var photos: [Int64] = []
    enum CodingKeys: String, CodingKey {
        case at, from, to, note, by, byName = "by_name", organisationId = "organisation_id", photos
    }
}

/// What anyone may see of a report on a compound's public page: never who reported or the text.
public struct PublicReportLine: Sendable {
    public var category: String
    public var state: ReportState
    public var submitted: String
    public var overdue: Bool
}

/// Supervision reports and their history. Every step is a transition the lifecycle allows,
/// written with its history entry and audit record in one transaction.
public struct ReportRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public let levels: ServiceLevels
    /// Due dates count the calendar as stored when the report is filed, read in the filing's own transaction,
    /// instead of `calendar`.
    public let storedCalendar: Bool
    public init(database: Database, calendar: WorkCalendar = .shipped, levels: ServiceLevels = ServiceLevels()) {
        self.init(database: database, calendar: calendar, levels: levels, storedCalendar: false)
    }

    init(database: Database, calendar: WorkCalendar, levels: ServiceLevels, storedCalendar: Bool) {
        self.database = database
        self.calendar = calendar
        self.levels = levels
        self.storedCalendar = storedCalendar
    }

    /// Files reports with due dates counted in the calendar as stored at the moment of each filing.
    public static func filing(_ database: Database) -> ReportRepository {
        ReportRepository(database: database, calendar: .shipped, levels: ServiceLevels(), storedCalendar: true)
    }

    public struct NewReport: Sendable {
        public var compoundId: Int64
        public var buildingId: Int64?
        public var category: ReportCategory
        public var description: String
        public var photos: [Int64]
        public var reporterName: String
        public var reporterPhone: String
        /// Photos sent with the report itself (the public form), stored with it in one transaction, already
        /// stripped of where they were taken.
        public var newPhotos: [(filename: String, bytes: [UInt8])]
        public init(
            compoundId: Int64, buildingId: Int64?, category: ReportCategory, description: String, photos: [Int64] = [],
            reporterName: String = "", reporterPhone: String = "", newPhotos: [(filename: String, bytes: [UInt8])] = []
        ) {
            self.newPhotos = newPhotos
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

    /// Files a report for a signed-in account and reads it back, in the same transaction.
    public func create(_ r: NewReport, actor: Actor) async throws -> Report {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        return try await file(r, actor: actor, publicPage: false) { db, id in
            try await self.read(id: id, actor: actor, db: db)
        }.value
    }

    /// Files a report, from an account or from a public page without one; returns its id.
    public func file(_ r: NewReport, actor: Actor, publicPage: Bool) async throws -> Int64 {
        try await fileTracked(r, actor: actor, publicPage: publicPage).id
    }

    /// The photos a report may carry.
    public static let maxPhotos = 3

    /// Files a report and returns its id and the tracking code the reporter follows it with. `once`: the same report
    /// sent again within an hour from a public page (the back button, a form sent anew) is not filed twice; the
    /// report already filed is answered, with `again` set.
    public func fileTracked(_ r: NewReport, actor: Actor, publicPage: Bool, once: Bool = false) async throws
        -> (id: Int64, code: String, again: Bool)
    {
        let filed = try await file(r, actor: actor, publicPage: publicPage, once: once) { _, id in id }
        return (filed.value, filed.code, filed.again)
    }

    /// The report just filed from a public page that this one repeats: the same compound, kind, words and phone, by
    /// the same building and sender, within the hour and not yet taken up.
    static func repeated(
        _ r: NewReport, description: String, phone: String, actor: Actor, db: any SQLDatabase
    ) async throws -> (id: Int64, code: String, name: String)? {
        let since = Clock.iso(Date().addingTimeInterval(-3600))
        guard
            let row = try await db.raw(
                """
                SELECT id, tracking_code, reporter_name FROM reports
                WHERE compound_id = \(bind: r.compoundId) AND state = 'submitted'
                  AND category = \(bind: r.category.rawValue) AND description = \(bind: description)
                  AND reporter_phone = \(bind: phone) AND created_by = \(bind: actor.username)
                  AND COALESCE(building_id, 0) = \(bind: r.buildingId ?? 0)
                  AND submitted_at >= \(bind: since) AND tracking_code IS NOT NULL
                ORDER BY id DESC LIMIT 1
                """
            ).first()
        else { return nil }
        return (try row.int("id"), try row.text("tracking_code"), try row.text("reporter_name"))
    }

    /// The reporter's phone as stored: empty when none was given, nil when what was given is no phone number.
    static func phone(_ r: NewReport) -> String? {
        r.reporterPhone.isEmpty ? "" : PersonalData.normalizePhone(r.reporterPhone)
    }

    /// The tracking code of the same report sent by the same sender within the hour (a form sent again from a
    /// reload or Back), if there is one: answered with its code even when the sender may file no more.
    public func filedAlready(_ r: NewReport, actor: Actor) async throws -> String? {
        let description = TextNormalizer.prose(r.description)
        guard let phone = Self.phone(r) else { return nil }
        return try await database.withConnection { db in
            try await Self.repeated(r, description: description, phone: phone, actor: actor, db: db)?.code
        }
    }

    /// Files a report and, in the same transaction, reads what `then` reads of it.
    func file<T: Sendable>(
        _ r: NewReport, actor: Actor, publicPage: Bool, once: Bool = false,
        then: @escaping @Sendable (any SQLDatabase, Int64) async throws -> T
    ) async throws -> (value: T, code: String, again: Bool) {
        guard publicPage || Permissions.allows(actor.role, .fileReports) else { throw AccessError.forbidden }
        let description = TextNormalizer.prose(r.description)
        guard !description.isEmpty, description.count <= 2000 else {
            throw ValidationError(
                field: "description", code: "required", message: "describe the problem in at most 2,000 characters")
        }
        guard let phone = Self.phone(r) else {
            throw ValidationError(
                field: "reporter_phone", code: "invalid", message: "reporter_phone is not a phone number")
        }
        guard r.photos.count + r.newPhotos.count <= Self.maxPhotos else {
            throw ValidationError(field: "photos", code: "too_many", message: "a report carries at most 3 photos")
        }
        let name = TextNormalizer.clean(r.reporterName)
        guard name.count <= 50 else {
            throw ValidationError(field: "reporter_name", code: "too_long", message: "a name is at most 50 characters")
        }
        let today = Clock.today
        var generator = SystemRandomNumberGenerator()
        let made = TrackingCode.make(using: &generator)
        let (value, code, again): (T, String, Bool) = try await database.transaction { db in
            guard
                let compound = try await ResourceRepository(database: database).fetch(
                    .compounds, id: r.compoundId, actor: actor, db: db)
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found",
                    message: "compound \(r.compoundId) does not exist in your scope")
            }
            if once, publicPage,
                let same = try await Self.repeated(r, description: description, phone: phone, actor: actor, db: db)
            {
                // Sent again with the name corrected (a slip seen on the receipt): the report keeps the new name,
                // and the audit log keeps the change.
                if !name.isEmpty, name != same.name {
                    try await db.raw(
                        "UPDATE reports SET reporter_name = \(bind: name), version = version + 1 WHERE id = \(bind: same.id)"
                    ).run()
                    try await AuditLog.record(
                        db: db, actor: actor, action: "update", entity: "reports", entityId: same.id,
                        subdistrictId: compound.subdistrictId,
                        before: .object([("reporter_name", .string(PersonalData.maskName(same.name)))]),
                        after: .object([("reporter_name", .string(PersonalData.maskName(name)))]))
                }
                return (try await then(db, same.id), same.code, true)
            }
            let code = made
            try await AttachmentRepository.requireReadable(r.photos, field: "photos", actor: actor, db: db)
            var photos = r.photos
            for p in r.newPhotos {
                guard let type = AttachmentRepository.sniff(p.bytes), type.hasPrefix("image/") else {
                    throw ValidationError(
                        field: "photos", code: "unsupported_type", message: "attach a JPEG, PNG or WebP photo")
                }
                photos.append(
                    try await AttachmentRepository.insert(
                        filename: p.filename, bytes: p.bytes, type: type, actor: actor, db: db
                    ).id)
            }
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
            let calendar = storedCalendar ? try await CalendarRepository.calendar(db: db) : calendar
            let due = ReportLifecycle.due(.submitted, since: today, calendar: calendar, levels: office)
            let id = try await db.raw(
                """
                INSERT INTO reports (subdistrict_id, compound_id, building_id, category, description, photos_json, reporter_name, reporter_phone,
                  state, state_since, due_on, submitted_at, created_by, tracking_code)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: r.compoundId), \(bind: r.buildingId), \(bind: r.category.rawValue),
                  \(bind: description), \(bind: JSONValue.array(photos.map { .int($0) }).serialized()), \(bind: name),
                  \(bind: phone), 'submitted', \(bind: today.description), \(bind: due?.description), \(bind: Clock.isoNow()), \(bind: actor.username),
                  \(bind: code))
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
            return (try await then(db, id), code, false)
        }
        return (value, code, again)
    }

    /// The tracking code of a report, for the account that filed it (a steward filing for a resident hands it on);
    /// nil for anyone else, and for reports filed before codes existed.
    public func trackingCode(id: Int64, actor: Actor) async throws -> String? {
        guard actor.userId != nil, Self.canRead(actor) else { return nil }
        return try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT r.tracking_code FROM reports r JOIN compounds t ON t.id = r.compound_id WHERE r.id = \(bind: id) AND r.created_by = \(bind: actor.username) AND "
                + Self.scope(actor)
            return try await db.raw(sql).first()?.decode(column: "tracking_code", as: String?.self)
        }
    }

    /// What the holder of a tracking code sees of their report: where, what kind, what they wrote (its phone
    /// numbers masked), where it stands and each step with the office's note; never who reported or who handled it.
    public func track(code typed: String) async throws -> ReportTrack? {
        guard let code = TrackingCode.normalize(typed) else { return nil }
        let today = Clock.today
        return try await database.withConnection { db in
            guard
                let r = try await db.raw(
                    """
                    SELECT r.id, r.compound_id, r.category, r.state, r.due_on, r.submitted_at, t.name AS compound,
                      b.name AS building, r.description
                    FROM reports r JOIN compounds t ON t.id = r.compound_id LEFT JOIN buildings b ON b.id = r.building_id
                    WHERE r.tracking_code = \(bind: code)
                    """
                ).first()
            else { return nil }
            let id = try r.int("id")
            let state = ReportState(rawValue: try r.text("state")) ?? .submitted
            let due = try r.optionalText("due_on").flatMap { Day($0) }
            let steps = try await db.raw(
                """
                SELECT at, from_state, to_state, note, photos_json FROM report_events WHERE report_id = \(bind: id)
                ORDER BY id
                """
            ).all().map { e in
                ReportTrack.Step(
                    at: try e.text("at"), state: ReportState(rawValue: try e.text("to_state")) ?? .submitted,
                    note: try e.text("note"), from: try e.optionalText("from_state").flatMap(ReportState.init),
                    photos: try e.storedIds("photos_json"))
            }
            return ReportTrack(
                code: code, compoundId: try r.int("compound_id"), compound: try r.text("compound"),
                building: try r.optionalText("building"),
                category: ReportCategory(rawValue: try r.text("category")) ?? .other, state: state,
                submittedAt: try r.text("submitted_at"), dueOn: due,
                description: PersonalData.maskPhones(in: try r.text("description")),
                overdue: ReportLifecycle.isOverdue(due: due, today: today), steps: steps)
        }
    }

    /// What anyone may see of a compound's reports: category, state and dates, never who reported or the text.
    public func publicSummary(compoundId: Int64) async throws -> [PublicReportLine] {
        let today = Clock.today
        let rows = try await database.withConnection { db in
            try await db.raw(
                "SELECT category, state, submitted_at, due_on FROM reports WHERE compound_id = \(bind: compoundId) ORDER BY id DESC LIMIT 100"
            ).all()
        }
        return try rows.map { r in
            PublicReportLine(
                category: try r.decode(column: "category", as: String.self),
                state: ReportState(rawValue: try r.decode(column: "state", as: String.self)) ?? .submitted,
                submitted: try r.decode(column: "submitted_at", as: String.self),
                overdue: ReportLifecycle.isOverdue(
                    due: try r.decode(column: "due_on", as: String?.self).flatMap { Day($0) }, today: today))
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
        r.state, r.assignee_organisation_id, r.state_since, r.due_on, r.submitted_at, r.version,
        ao.kind AS assignee_kind, ao.name AS assignee_name,
        (SELECT e.from_state FROM report_events e WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1) AS last_from
        """

    /// The reports with their compound (for the scope) and the organisation each waits on (`columns`' `ao`).
    static let from =
        "FROM reports r JOIN compounds t ON t.id = r.compound_id "
        + "LEFT JOIN organisations ao ON ao.id = r.assignee_organisation_id"

    func decode(_ row: any SQLRow, actor: Actor, today: Day) throws -> Report {
        let state = ReportState(rawValue: try row.decode(column: "state", as: String.self)) ?? .submitted
        let due = try row.decode(column: "due_on", as: String?.self).flatMap { Day($0) }
        let mask = !actor.seesPersonalData
        let name = try row.decode(column: "reporter_name", as: String.self)
        let phone = try row.decode(column: "reporter_phone", as: String.self)
        let photos =
            (try? JSONDecoder().decode(
                [Int64].self, from: Data(try row.decode(column: "photos_json", as: String.self).utf8))) ?? []
        let category = try row.decode(column: "category", as: String.self)
        let since = try row.decode(column: "state_since", as: String.self)
        var report = Report(
            id: try row.decode(column: "id", as: Int64.self),
            compoundId: try row.decode(column: "compound_id", as: Int64.self),
            buildingId: try row.decode(column: "building_id", as: Int64?.self),
            category: ReportCategory(rawValue: category) ?? .other,
            description: try row.decode(column: "description", as: String.self), photos: photos,
            reporterName: PersonalData.name(name, personal: !mask),
            reporterPhone: PersonalData.phone(phone, personal: !mask),
            state: state,
            ballInCourt: ReportLifecycle.ballInCourt(
                state,
                assigneeKind: try row.decode(column: "assignee_kind", as: String?.self).flatMap(
                    OrganisationKind.init(rawValue:))),
            assigneeOrganisationId: try row.decode(column: "assignee_organisation_id", as: Int64?.self),
            stateSince: Day(since) ?? Day(ordinal: 0), dueOn: due,
            overdue: ReportLifecycle.isOverdue(due: due, today: today),
            submittedAt: try row.decode(column: "submitted_at", as: String.self),
            version: try row.decode(column: "version", as: Int.self), history: nil)
        let lastFrom = try row.decode(column: "last_from", as: String?.self).flatMap(ReportState.init)
        report.assigneeName = try row.decode(column: "assignee_name", as: String?.self)
        report.handedBack = ReportRouting.stepWord(from: lastFrom, to: state) == "handed_back"
        return report
    }

    public func get(id: Int64, actor: Actor) async throws -> Report {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        return try await database.withConnection { db in try await read(id: id, actor: actor, db: db) }
    }

    /// A report with its history, as `actor` may see it.
    func read(id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Report {
        let sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) \(unsafeRaw: Self.from) WHERE r.id = \(bind: id) AND "
            + Self.scope(actor)
        guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
        var report = try decode(row, actor: actor, today: Clock.today)
        report.history = try await db.raw(
            """
            SELECT e.at, e.from_state, e.to_state, e.note, e.username, e.organisation_id, e.photos_json, u.display_name
            FROM report_events e LEFT JOIN users u ON u.username = e.username WHERE e.report_id = \(bind: id) ORDER BY e.id
            """
        ).all().map { e in
            ReportEvent(
                at: try e.decode(column: "at", as: String.self),
                from: try e.decode(column: "from_state", as: String?.self).flatMap(ReportState.init(rawValue:)),
                to: ReportState(rawValue: try e.decode(column: "to_state", as: String.self)) ?? .submitted,
                note: try e.decode(column: "note", as: String.self),
                by: try e.decode(column: "username", as: String.self),
                byName: try e.decode(column: "display_name", as: String?.self).flatMap { $0.isEmpty ? nil : $0 }
                    ?? e.decode(column: "username", as: String.self),
                organisationId: try e.decode(column: "organisation_id", as: Int64?.self),
                photos: try e.storedIds("photos_json"))
        }
        return report
    }

    public func list(
        actor: Actor, compoundId: Int64?, state: ReportState?, overdueOnly: Bool, paging: Paging = .export
    ) async throws -> [Report] {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) \(unsafeRaw: Self.from) WHERE " + Self.scope(actor)
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
    public func transition(
        id: Int64, to: ReportState, note: String, assignee: Int64?, photos: [Int64] = [], actor: Actor
    ) async throws -> Report {
        guard Self.canRead(actor) else { throw AccessError.forbidden }
        try TextBounds.check(note, field: "note")
        try Self.checkFixPhotos(photos, to: to)
        let note = TextNormalizer.prose(note)
        let today = Clock.today
        try await database.transaction { db in
            let row = try await Self.locked(id, actor: actor, db: db)
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
            try await AttachmentRepository.requireOwnPhotos(photos, field: "photos", actor: actor, db: db)
            try await record(
                db, id: id, row: row, from: from, to: to, note: note, assignee: newAssignee, photos: photos,
                actor: actor, today: today)
        }
        return try await get(id: id, actor: actor)
    }

    /// The office urges (催办) the company or department a report waits on: the note goes into the report's history
    /// (read by them, and by the reporter with the tracking code), and nothing else changes.
    public func urge(id: Int64, note: String, actor: Actor) async throws -> Report {
        guard Permissions.allows(actor.role, .manageReports) else { throw AccessError.forbidden }
        try TextBounds.check(note, field: "note")
        let note = TextNormalizer.prose(note)
        guard !note.isEmpty else {
            throw ValidationError(field: "note", code: "required", message: "say what is urged")
        }
        try await database.transaction { db in
            let row = try await Self.locked(id, actor: actor, db: db)
            let state = ReportState(rawValue: try row.decode(column: "state", as: String.self)) ?? .submitted
            guard ReportRouting.mayUrge(actor, state: state) else {
                throw StoreError.refused(
                    code: "not_assigned", message: "only a report waiting on those it was sent to is urged")
            }
            // Once in ten minutes per account: a double tap, or a clerk's impatience, texts the company once.
            let since = Clock.iso(Date().addingTimeInterval(-600))
            let recent = try await db.raw(
                """
                SELECT id FROM report_events WHERE report_id = \(bind: id) AND from_state = to_state
                  AND username = \(bind: actor.username) AND at >= \(bind: since) LIMIT 1
                """
            ).first()
            if recent != nil {
                throw StoreError.refused(
                    code: "already_urged", message: "this account urged the report in the last ten minutes")
            }
            let assignee = try row.decode(column: "assignee_organisation_id", as: Int64?.self)
            try await db.raw(
                """
                INSERT INTO report_events (report_id, at, from_state, to_state, note, username, organisation_id, photos_json)
                VALUES (\(bind: id), \(bind: Clock.isoNow()), \(bind: state.rawValue), \(bind: state.rawValue),
                  \(bind: note), \(bind: actor.username), \(bind: assignee), '[]')
                """
            ).run()
            // Those it waits on are texted at the number their organisation gave, as a clerk's call would reach them.
            let due = try row.decode(column: "due_on", as: String?.self).map { "，请于\($0)前处理" } ?? ""
            try await Outbox.message(
                db: db, event: "report.urged", phone: try row.decode(column: "phone", as: String?.self) ?? "",
                text: "【楼院焕新】街道办催办：\(try row.decode(column: "compound_name", as: String.self))的监督反映"
                    + "（编号\(id)）\(due)。\(note)")
            try await AuditLog.record(
                db: db, actor: actor, action: "urge", entity: "reports", entityId: id,
                subdistrictId: try row.decode(column: "subdistrict_id", as: Int64.self), before: nil,
                after: .string(note))
        }
        return try await get(id: id, actor: actor)
    }

    /// A report as a step or an urging needs it, its row held (on PostgreSQL) for the transaction: its state, place,
    /// the organisation it waits on and that organisation's phone, the reporter's phone and its code.
    static func locked(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> any SQLRow {
        let sql: SQLQueryString =
            "SELECT r.state, r.subdistrict_id, r.assignee_organisation_id, r.compound_id, t.name AS compound_name, "
            + "r.tracking_code, r.reporter_phone, r.due_on, "
            + "(SELECT o.contact_phone FROM organisations o WHERE o.id = r.assignee_organisation_id) AS phone "
            + "FROM reports r JOIN compounds t ON t.id = r.compound_id WHERE r.id = \(bind: id) AND "
            + Self.scope(actor) + Self.lock(db)
        guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
        return row
    }

    /// Photos of a fix are at most `maxFixPhotos`, and go with the step that reports it fixed only.
    static func checkFixPhotos(_ photos: [Int64], to: ReportState) throws {
        guard !photos.isEmpty else { return }
        guard to == .fixed else {
            throw ValidationError(field: "photos", code: "only_when_fixed", message: "photos go with the step to fixed")
        }
        guard photos.count <= maxFixPhotos else {
            throw ValidationError(field: "photos", code: "too_many", message: "at most \(maxFixPhotos) photos")
        }
    }

    public static let maxFixPhotos = 3

    /// On PostgreSQL the report's row is held for the step, so two steps at once are taken one after the other,
    /// the second from the state the first left.
    static func lock(_ db: any SQLDatabase) -> SQLQueryString {
        db.kind == .postgres ? " FOR UPDATE OF r" : ""
    }

    /// The reporter's answer to a reported fix, by the report's tracking code (`ReportRouting.reporterAnswer`): it is
    /// fixed, or it is not and what is still wrong. Answers the state the report is in afterwards; nil for a code
    /// that names no report.
    public func answerFix(code typed: String, fixed: Bool, note: String) async throws -> ReportState? {
        guard let code = TrackingCode.normalize(typed) else { return nil }
        try TextBounds.check(note, field: "note")
        let note = TextNormalizer.prose(note)
        let today = Clock.today
        return try await database.transaction { db -> ReportState? in
            let sql: SQLQueryString =
                "SELECT r.id, r.state, r.subdistrict_id, r.assignee_organisation_id, r.compound_id, "
                + "t.name AS compound_name, r.tracking_code, r.reporter_phone FROM reports r "
                + "JOIN compounds t ON t.id = r.compound_id WHERE r.tracking_code = \(bind: code)" + Self.lock(db)
            guard let row = try await db.raw(sql).first() else { return nil }
            let from = ReportState(rawValue: try row.decode(column: "state", as: String.self)) ?? .submitted
            switch ReportRouting.reporterAnswer(from: from, fixed: fixed, note: note) {
            case .success(let to):
                try await record(
                    db, id: try row.int("id"), row: row, from: from, to: to, note: note,
                    assignee: try row.decode(column: "assignee_organisation_id", as: Int64?.self),
                    actor: Self.publicReporter, today: today)
                return to
            case .failure(.notAStep(let from, let to)):
                throw StoreError.conflict("a report that is \(from.rawValue) cannot become \(to.rawValue)")
            case .failure(.forbidden): throw AccessError.forbidden
            case .failure(.invalid(let error)): throw error
            }
        }
    }

    /// Writes a step decided: the report's state, due day and assignee, its history, the audit, the webhook and, for
    /// the steps the reporter hears of, the text message.
    func record(
        _ db: any SQLDatabase, id: Int64, row: any SQLRow, from: ReportState, to: ReportState, note: String,
        assignee newAssignee: Int64?, photos: [Int64] = [], actor: Actor, today: Day
    ) async throws {
        let sd = try row.decode(column: "subdistrict_id", as: Int64.self)
        // Whom an assigned report waits on: a contractor, the property company or a department.
        let assigneeKind = try await newAssignee.asyncMap { org in
            try await db.raw("SELECT kind FROM organisations WHERE id = \(bind: org)").first()?
                .decode(column: "kind", as: String.self)
        }.flatMap { $0 }.flatMap(OrganisationKind.init(rawValue:))
        let office =
            try await ServiceLevelRepository.levels(
                db: db, subdistrictId: sd) ?? levels
        let due = ReportLifecycle.due(to, since: today, calendar: calendar, levels: office)
        try await db.raw(
            """
            UPDATE reports SET state = \(bind: to.rawValue), state_since = \(bind: today.description), due_on = \(bind: due?.description),
              assignee_organisation_id = \(bind: newAssignee), version = version + 1 WHERE id = \(bind: id)
            """
        ).run()
        try await db.raw(
            """
            INSERT INTO report_events (report_id, at, from_state, to_state, note, username, organisation_id, photos_json)
            VALUES (\(bind: id), \(bind: Clock.isoNow()), \(bind: from.rawValue), \(bind: to.rawValue), \(bind: note),
              \(bind: actor.username), \(bind: newAssignee), \(bind: StoredColumn.ids(photos)))
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
                ("ball_in_court", .string(ReportLifecycle.ballInCourt(to, assigneeKind: assigneeKind).rawValue)),
                ("due_on", due.map { .string($0.description) } ?? .null),
            ]))
        // The reporter hears of the steps that concern them, by text message when they left a phone.
        if ReportRouting.tellsReporter(to) {
            let reference = try row.decode(column: "tracking_code", as: String?.self).map { "（查询码\($0)）" }
            try await Outbox.message(
                db: db, event: "report.transitioned",
                phone: try row.decode(column: "reporter_phone", as: String.self),
                // The message names the compound, so a resident who reported in two places knows which, and the
                // tracking code they can look the report up with (older reports have none: their number).
                text: "【楼院焕新】您在\(try row.decode(column: "compound_name", as: String.self))反映的问题"
                    + (reference ?? "（编号\(id)）") + "\(Self.smsState(to))。\(note.isEmpty ? "" : "说明：" + note)")
        }
    }

    static func smsState(_ s: ReportState) -> String {
        switch s {
        case .acknowledged: "已受理"
        case .fixed: "已整改完毕，请在查询页确认是否修好"
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

/// A report as its tracking code shows it to the reporter.
public struct ReportTrack: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var at: String
        public var state: ReportState
        public var note: String
        public var from: ReportState? = nil
        /// The photos of a fix, which the reporter is shown by the tracking code.
        public var photos: [Int64] = []
    }
    public var code: String
    public var compoundId: Int64
    public var compound: String
    public var building: String?
    public var category: ReportCategory
    public var state: ReportState
    public var submittedAt: String
    public var dueOn: Day?
    /// What the reporter wrote, so one with two reports tells them apart; phone numbers in it are masked.
    public var description: String
    public var overdue: Bool
    public var steps: [Step]
}
