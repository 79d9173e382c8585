import CourtyardDomain
import Foundation
import SQLKit

/// The construction ledger (施工台账): one site log per project per day, daily site checks, and
/// their findings followed to rectification and re-inspection.
public struct LedgerRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar) {
        self.database = database
        self.calendar = calendar
    }

    /// Office accounts may write anywhere in scope; an organisation only on the projects it works on.
    static func requireWriter(_ actor: Actor, _ capability: Capability, project p: ProjectRepository.Row) throws {
        guard Permissions.allows(actor.role, capability) else { throw AccessError.forbidden }
        guard actor.scope.kind == .organisation else { return }
        let mine: Int64? =
            switch actor.role {
            case .contractor: p.contractorId
            case .supervisor: p.supervisorId
            case .pmCompany: p.pmCompanyId
            default: nil
            }
        guard let mine, mine == actor.scope.id else { throw AccessError.forbidden }
    }

    public struct NewSiteLog: Sendable {
        public var date: Day
        public var weather: String
        public var workers: Int
        public var workDone: String
        public var issues: String
        public var progress: [(workItemId: Int64, percent: Int)]
        public var photos: [Int64]
        public init(
            date: Day, weather: String = "", workers: Int = 0, workDone: String = "", issues: String = "",
            progress: [(workItemId: Int64, percent: Int)] = [], photos: [Int64] = []
        ) {
            self.date = date
            self.weather = weather
            self.workers = workers
            self.workDone = workDone
            self.issues = issues
            self.progress = progress
            self.photos = photos
        }
    }

    public func addSiteLog(projectId: Int64, _ log: NewSiteLog, actor: Actor) async throws -> SiteLog {
        try RecordedDay.check(log.date, field: "date", today: Clock.today)
        let workDone = try Self.checkTyped(log)
        let id: Int64 = try await database.transaction { db in
            let p = try await Self.requireLogWriter(projectId, actor: actor, db: db)
            if try await db.raw(
                "SELECT id FROM site_logs WHERE project_id = \(bind: projectId) AND date = \(bind: log.date.description)"
            ).first() != nil {
                throw StoreError.refused(
                    code: "log_exists", message: "project \(projectId) already has a site log for \(log.date)")
            }
            try await AttachmentRepository.requireReadable(log.photos, field: "photos", actor: actor, db: db)
            try await Self.requirePlanned(log.progress.map(\.workItemId), projectId: projectId, db: db)
            let progress = Self.stored(log.progress)
            let id = try await db.raw(
                """
                INSERT INTO site_logs (project_id, date, weather, workers, work_done, issues, progress_json, photos_json, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: log.date.description), \(bind: TextNormalizer.prose(log.weather)), \(bind: log.workers),
                  \(bind: workDone), \(bind: TextNormalizer.prose(log.issues)), \(bind: try StoredColumn.encode(progress)),
                  \(bind: StoredColumn.ids(log.photos)), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            // A work item's percent is what its latest-dated log says, so a back-filled log does not undo newer progress.
            for item in log.progress {
                let later = try await db.raw(
                    """
                    SELECT progress_json FROM site_logs WHERE project_id = \(bind: projectId) AND date > \(bind: log.date.description)
                    """
                ).all().contains { r in
                    ((try? r.stored("progress_json", as: [SiteLogProgress].self)) ?? []).contains {
                        $0.workItemId == item.workItemId
                    }
                }
                if !later {
                    try await db.raw(
                        "UPDATE work_items SET percent = \(bind: item.percent), version = version + 1 WHERE id = \(bind: item.workItemId)"
                    ).run()
                }
            }
            if p.startedOn == nil || log.date < p.startedOn! {
                try await db.raw(
                    "UPDATE projects SET started_on = \(bind: log.date.description), version = version + 1 WHERE id = \(bind: projectId)"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "site_logs", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil,
                after: .object([
                    ("date", .string(log.date.description)), ("progress", try JSONValueCoding.encode(progress)),
                    ("project", .string(try await ProjectRepository.compoundName(p, db: db))),
                ]))
            return id
        }
        return try await siteLog(id: id)
    }

    /// The project, when the account may write its site logs and it is in construction.
    static func requireLogWriter(_ projectId: Int64, actor: Actor, db: any SQLDatabase) async throws
        -> ProjectRepository.Row
    {
        let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
        try requireWriter(actor, .writeSiteLogs, project: p)
        guard p.stage == .construction else {
            throw StoreError.refused(
                code: "not_in_construction",
                message: "site logs are kept while the project is in construction; it is \(p.stage.rawValue)")
        }
        return p
    }

    /// One site log, as written.
    func siteLog(id: Int64) async throws -> SiteLog {
        try await database.withConnection { db in
            guard let log = try await Self.siteLogs(where: "id = \(bind: id)", limit: 1, db: db).first else {
                throw StoreError.notFound
            }
            return log
        }
    }

    /// The checks a site log's typed parts must pass, for writing it and for correcting it; answers the work done
    /// as it is kept.
    static func checkTyped(_ log: NewSiteLog) throws -> String {
        try ValidationErrors.raise(problems(log))
        return TextNormalizer.prose(log.workDone)
    }

    /// Everything wrong with a site log's typed parts at once, for a form to name every wrong field in one go; the
    /// first is the one a client reading one error was always told.
    public static func problems(_ log: NewSiteLog) -> [ValidationError] {
        var found = [
            TextBounds.problem(log.workDone, field: "work_done", max: 4000),
            TextBounds.problem(log.issues, field: "issues", max: 4000),
            TextBounds.problem(log.weather, field: "weather", max: 100),
        ].compactMap { $0 }
        if !(0...10_000).contains(log.workers) {
            found.append(ValidationError(field: "workers", code: "invalid", message: "workers is 0 to 10,000"))
        }
        if TextNormalizer.prose(log.workDone).isEmpty {
            found.append(ValidationError(field: "work_done", code: "required", message: "say what work was done"))
        }
        if log.progress.contains(where: { !(0...100).contains($0.percent) }) {
            found.append(ValidationError(field: "progress", code: "invalid", message: "percent is 0 to 100"))
        }
        return found
    }

    /// Corrects a site log: its author, on the day they wrote it (`LogCorrection`); its day stays. Each work item the
    /// log names, before or after, takes again the percent of the latest-dated log naming it (0 when none does).
    /// `change` makes the corrected log from the log as it stands, read in the same transaction (and, on
    /// PostgreSQL, locked), so two corrections at once never lose each other's fields.
    public func correctSiteLog(
        projectId: Int64, logId: Int64, expectedVersion: Int64? = nil, actor: Actor,
        _ change: @escaping @Sendable (SiteLog) throws -> NewSiteLog
    ) async throws -> SiteLog {
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        try await database.transaction { db in
            let p = try await Self.requireLogWriter(projectId, actor: actor, db: db)
            let which: SQLQueryString = "id = \(bind: logId) AND project_id = \(bind: projectId)"
            guard
                let old = try await db.raw(
                    "SELECT work_done, progress_json, created_at, created_by FROM site_logs WHERE " + which
                        + SQLQueryString(lock)
                ).first(),
                let current = try await Self.siteLogs(where: which, limit: 1, db: db).first
            else { throw StoreError.notFound }
            if let refusal = LogCorrection.refusal(
                writtenAt: try old.text("created_at"), author: try old.text("created_by"), actor: actor.username,
                today: Clock.today)
            {
                throw StoreError.refused(
                    code: refusal.rawValue,
                    message: refusal == .notAuthor
                        ? "only the person who wrote a site log may correct it"
                        : "a site log may be corrected only on the day it was written")
            }
            if let expectedVersion, expectedVersion != current.version { throw StoreError.stale }
            let log = try change(current)
            let workDone = try Self.checkTyped(log)
            try await AttachmentRepository.requireReadable(log.photos, field: "photos", actor: actor, db: db)
            // An item the log named already may have left the plan since; only one it newly names must be in it.
            let named = Set(current.progress.map(\.workItemId))
            try await Self.requirePlanned(
                log.progress.map(\.workItemId).filter { !named.contains($0) }, projectId: projectId, db: db)
            let progress = Self.stored(log.progress)
            try await db.raw(
                """
                UPDATE site_logs SET weather = \(bind: TextNormalizer.prose(log.weather)), workers = \(bind: log.workers),
                  work_done = \(bind: workDone), issues = \(bind: TextNormalizer.prose(log.issues)),
                  progress_json = \(bind: try StoredColumn.encode(progress)), photos_json = \(bind: StoredColumn.ids(log.photos)),
                  version = version + 1
                WHERE id = \(bind: logId)
                """
            ).run()
            let before = try old.stored("progress_json", as: [SiteLogProgress].self)
            try await Self.settlePercents(
                Set(before.map(\.workItemId) + log.progress.map(\.workItemId)), projectId, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "site_logs", entityId: logId,
                subdistrictId: p.subdistrictId,
                before: .object([
                    ("work_done", .string(try old.text("work_done"))), ("progress", try JSONValueCoding.encode(before)),
                ]),
                after: .object([("work_done", .string(workDone)), ("progress", try JSONValueCoding.encode(progress))]))
        }
        return try await siteLog(id: logId)
    }

    /// Refuses a work item that is not in the project's plan.
    static func requirePlanned(_ items: [Int64], projectId: Int64, db: any SQLDatabase) async throws {
        for item in items {
            if try await db.raw(
                "SELECT id FROM work_items WHERE id = \(bind: item) AND project_id = \(bind: projectId)"
            ).first() == nil {
                throw ValidationError(
                    field: "progress", code: "not_found", message: "work item \(item) is not in this project's plan")
            }
        }
    }

    /// A log's progress as its column keeps it: the typed `SiteLogProgress` list, which the log is read back as.
    static func stored(_ progress: [(workItemId: Int64, percent: Int)]) -> [SiteLogProgress] {
        progress.map { SiteLogProgress(workItemId: $0.workItemId, percent: Int64($0.percent)) }
    }

    /// Sets each work item's percent to what the latest-dated log naming it says, or 0 when no log does: the rule a
    /// bulletin dated in the past reads its day by (`ProgressOnDay`), on today.
    static func settlePercents(_ items: Set<Int64>, _ projectId: Int64, db: any SQLDatabase) async throws {
        guard !items.isEmpty else { return }
        let logs = try await db.raw(
            "SELECT date, progress_json FROM site_logs WHERE project_id = \(bind: projectId)"
        ).all().map { try progressLog($0) }
        let percents = ProgressOnDay.percents(items, logs: logs, on: Clock.today)
        for item in items.sorted() {
            let percent = percents[item] ?? 0
            try await db.raw(
                """
                UPDATE work_items SET percent = \(bind: percent), version = version + 1
                WHERE id = \(bind: item) AND project_id = \(bind: projectId)
                """
            ).run()
        }
    }

    /// A site log row's day and the percents it set.
    static func progressLog(_ r: any SQLRow) throws -> ProgressOnDay.Log {
        ProgressOnDay.Log(
            day: try day(r, "date"),
            percents: try r.stored("progress_json", as: [SiteLogProgress].self).map { ($0.workItemId, $0.percent) })
    }

    public func siteLogs(projectId: Int64, actor: Actor, limit: Int = 400) async throws -> [SiteLog] {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            return try await Self.siteLogs(where: "project_id = \(bind: projectId)", limit: limit, db: db)
        }
    }

    static func siteLogs(where condition: SQLQueryString, limit: Int, db: any SQLDatabase) async throws -> [SiteLog] {
        let sql: SQLQueryString =
            """
            SELECT id, project_id, date, weather, workers, work_done, issues, progress_json, photos_json, created_by,
              version
            FROM site_logs WHERE
            """ + " " + condition + " ORDER BY date DESC LIMIT \(unsafeRaw: String(limit))"
        let rows = try await db.raw(sql).all()
        var trainings: [Int64: [(date: String, names: [String])]] = [:]
        for project in Set(try rows.map { try $0.int("project_id") }) {
            trainings[project] = try await SafetyRepository.trainings(projectId: project, db: db)
        }
        return try rows.map { r in
            // The people trained by the log's day, each once (`TrainedPeople`).
            let date = try r.text("date")
            let trained = TrainedPeople.count(
                (trainings[try r.int("project_id")] ?? []).filter { $0.date <= date }.flatMap(\.names))
            return SiteLog(
                id: try r.int("id"), date: try day(r, "date"), weather: try r.text("weather"),
                workers: try r.int("workers"), workDone: try r.text("work_done"), issues: try r.text("issues"),
                progress: try r.stored("progress_json", as: [SiteLogProgress].self),
                photos: try r.storedIds("photos_json"), createdBy: try r.text("created_by"),
                untrainedWorkers: Int64(
                    WorkforceRule.untrainedWorkers(
                        workers: Int(try r.int("workers")), trained: trained)),
                version: try r.int("version"))
        }
    }

    /// A stored day that must be there.
    static func day(_ r: any SQLRow, _ column: String) throws -> Day {
        let text = try r.text(column)
        guard let d = Day(text) else { throw StoreError.invalid("\(column) \(text) is not a day") }
        return d
    }

    // MARK: Site checks and findings

    public struct NewCheck: Sendable {
        public var date: Day
        public var items: [(item: String, passed: Bool, note: String)]
        public var findings: [(description: String, photos: [Int64], dueOn: Day?)]
        public init(
            date: Day, items: [(item: String, passed: Bool, note: String)],
            findings: [(description: String, photos: [Int64], dueOn: Day?)]
        ) {
            self.date = date
            self.items = items
            self.findings = findings
        }
    }

    /// Findings are due three working days after the check unless the checker sets a date.
    public static let rectificationDays = 3

    /// Writes a check and its findings (each due after the rectification period unless given) inside a caller's
    /// transaction; returns the check's id.
    static func insertCheck(
        projectId: Int64, _ check: NewCheck, actor: Actor, calendar cal: WorkCalendar, db: any SQLDatabase
    ) async throws -> Int64 {
        let items = JSONValue.array(
            check.items.map {
                .object([
                    ("item", .string(TextNormalizer.prose($0.item))), ("passed", .bool($0.passed)),
                    ("note", .string(TextNormalizer.prose($0.note))),
                ])
            })
        let role = actor.scope.kind == .organisation ? actor.role.rawValue : "office"
        let id = try await db.raw(
            """
            INSERT INTO site_checks (project_id, date, checker_role, checklist_json, passed_items, total_items, created_at, created_by)
            VALUES (\(bind: projectId), \(bind: check.date.description), \(bind: role), \(bind: items.serialized()),
              \(bind: check.items.filter(\.passed).count), \(bind: check.items.count), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
            """
        ).first()!.int("id")
        for f in check.findings {
            let due = f.dueOn ?? cal.adding(workingDays: Self.rectificationDays, to: check.date)
            try await db.raw(
                """
                INSERT INTO findings (project_id, check_id, description, photos_json, due_on)
                VALUES (\(bind: projectId), \(bind: id), \(bind: TextNormalizer.prose(f.description)), \(bind: StoredColumn.ids(f.photos)),
                  \(bind: due.description))
                """
            ).run()
        }
        return id
    }

    /// The most a check lists, and the longest a finding is said: a finding is read on a phone's home page.
    public static let checkItemsMax = 50, checkFindingsMax = 50, findingMax = 500

    public func addCheck(projectId: Int64, _ check: NewCheck, actor: Actor) async throws -> SiteCheck {
        guard check.date <= Clock.today else {
            throw ValidationError(field: "date", code: "future", message: "a check is recorded after it happened")
        }
        try RecordedDay.notTooOld(check.date, field: "date", today: Clock.today)
        guard !check.items.isEmpty else {
            throw ValidationError(field: "items", code: "required", message: "a check lists its checklist items")
        }
        guard check.items.count <= Self.checkItemsMax, check.findings.count <= Self.checkFindingsMax else {
            throw ValidationError(
                field: check.items.count > Self.checkItemsMax ? "items" : "findings", code: "too_many",
                message: "a check lists at most \(Self.checkItemsMax) items and \(Self.checkFindingsMax) findings")
        }
        for i in check.items {
            guard !TextNormalizer.prose(i.item).isEmpty else {
                throw ValidationError(field: "items", code: "required", message: "every checklist item has a name")
            }
            try TextBounds.check(i.item, field: "items", max: 100)
            try TextBounds.check(i.note, field: "items", max: Self.findingMax)
        }
        for f in check.findings {
            guard !TextNormalizer.prose(f.description).isEmpty else {
                throw ValidationError(field: "findings", code: "required", message: "every finding has a description")
            }
            try TextBounds.check(f.description, field: "findings", max: Self.findingMax)
            // A finding given its own day is due on or after the check and within the year: one due before it is
            // overdue at once, one in 9999 never is.
            if let due = f.dueOn, due < check.date || due > check.date.adding(days: 366) {
                throw ValidationError(
                    field: "findings", code: "out_of_range",
                    message: "a finding is due on or after its check, within a year")
            }
        }
        let cal = calendar
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            try Self.requireWriter(actor, .writeSiteChecks, project: p)
            guard p.stage == .construction else {
                throw StoreError.refused(
                    code: "not_in_construction", message: "site checks are made while the project is in construction")
            }
            for f in check.findings {
                try await AttachmentRepository.requireReadable(f.photos, field: "findings", actor: actor, db: db)
            }
            let id = try await Self.insertCheck(projectId: projectId, check, actor: actor, calendar: cal, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "site_checks", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil,
                after: .object([
                    ("items", .int(Int64(check.items.count))), ("findings", .int(Int64(check.findings.count))),
                ]))
            return id
        }
        guard let made = try await checks(projectId: projectId, actor: actor).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        return made
    }

    public func checks(projectId: Int64, actor: Actor) async throws -> [SiteCheck] {
        let today = Clock.today
        return try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            var findings: [Int64: [Finding]] = [:]
            for f in try await db.raw(
                "SELECT \(unsafeRaw: Self.findingColumns) FROM findings WHERE project_id = \(bind: projectId) ORDER BY id"
            ).all() {
                findings[try f.int("check_id"), default: []].append(try Self.finding(f, today: today))
            }
            return try await db.raw(
                """
                SELECT id, date, checker_role, checklist_json, passed_items, total_items, created_by FROM site_checks
                WHERE project_id = \(bind: projectId) ORDER BY date DESC, id DESC LIMIT 400
                """
            ).all().map { r in
                let id = try r.int("id")
                return SiteCheck(
                    id: id, date: try Self.day(r, "date"), checkerRole: try r.text("checker_role"),
                    items: try r.stored("checklist_json", as: [ChecklistItem].self),
                    passedItems: try r.int("passed_items"), totalItems: try r.int("total_items"),
                    createdBy: try r.text("created_by"), findings: findings[id] ?? [])
            }
        }
    }

    static let findingColumns =
        """
        id, project_id, check_id, description, photos_json, due_on, state, rectified_on, rectification_note, reinspection_note,
          rectification_photos_json, rectified_by, verified_by, verified_on, reinspected_by, reinspected_on, version,
          (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u WHERE u.username = findings.verified_by)
            AS verified_by_name,
          (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u
            WHERE u.username = findings.reinspected_by) AS reinspected_by_name
        """

    static func finding(_ f: any SQLRow, today: Day) throws -> Finding {
        let stateText = try f.text("state")
        guard let state = Finding.State(rawValue: stateText) else {
            throw StoreError.invalid("a finding is \(stateText)")
        }
        let due = try day(f, "due_on")
        return Finding(
            id: try f.int("id"), projectId: try f.int("project_id"), checkId: try f.int("check_id"),
            description: try f.text("description"), photos: try f.storedIds("photos_json"),
            dueOn: due, state: state, overdue: state == .open && due < today,
            rectifiedOn: try f.optionalText("rectified_on").flatMap { Day($0) },
            rectificationNote: try f.text("rectification_note"),
            reinspectionNote: try f.text("reinspection_note"),
            rectificationPhotos: try f.storedIds("rectification_photos_json"),
            rectifiedBy: try f.optionalText("rectified_by"),
            verifiedBy: try f.optionalText("verified_by"),
            verifiedByName: try f.optionalText("verified_by_name"),
            verifiedOn: try f.optionalText("verified_on").flatMap { Day($0) },
            reinspectedBy: try f.optionalText("reinspected_by"),
            reinspectedByName: try f.optionalText("reinspected_by_name"),
            reinspectedOn: try f.optionalText("reinspected_on").flatMap { Day($0) },
            version: try f.int("version"))
    }

    public enum FindingStep: String, CaseIterable, Sendable {
        /// The contractor reports the fix (整改).
        case rectify
        /// The checker re-inspects (复检): passed closes the finding, failed opens it again.
        case verify, reject
    }

    /// The most photos a fix is reported with.
    public static let rectificationPhotosMax = 10

    /// A finding's next step. Photos go with reporting the fix only: they replace those of an earlier fix that the
    /// re-inspection failed.
    public func stepFinding(
        id: Int64, step: FindingStep, note: String, photos: [Int64] = [], actor: Actor
    ) async throws -> Finding {
        try TextBounds.check(note, field: "note")
        if !photos.isEmpty && step != .rectify {
            throw ValidationError(field: "photos", code: "fix_photos_only", message: "photos go with reporting the fix")
        }
        guard photos.count <= Self.rectificationPhotosMax, Set(photos).count == photos.count else {
            throw ValidationError(
                field: "photos", code: "fix_photos_too_many",
                message: "at most \(Self.rectificationPhotosMax) distinct photos")
        }
        let today = Clock.today
        let cal = calendar
        return try await database.transaction { db in
            guard
                let f = try await db.raw(
                    "SELECT project_id, state, rectified_by, due_on FROM findings WHERE id = \(bind: id)"
                )
                .first()
            else { throw StoreError.notFound }
            let p = try await ProjectRepository.require(try f.int("project_id"), actor: actor, db: db)
            let state = try f.text("state")
            switch step {
            case .rectify:
                try Self.requireWriter(actor, .writeSiteLogs, project: p)
                guard state == "open" else {
                    throw StoreError.conflict("a finding that is \(state) cannot be rectified")
                }
                // The checker re-inspects against what the contractor says was done: a fix without words is not one.
                guard !TextNormalizer.prose(note).isEmpty else {
                    throw ValidationError(field: "note", code: "rectification_required", message: "say what was fixed")
                }
                try await AttachmentRepository.requireReadable(photos, field: "photos", actor: actor, db: db)
                try await db.raw(
                    """
                    UPDATE findings SET state = 'rectified', rectified_on = \(bind: today.description),
                      rectified_by = \(bind: actor.username),
                      rectification_note = \(bind: TextNormalizer.prose(note)),
                      rectification_photos_json = \(bind: StoredColumn.ids(photos)), version = version + 1
                    WHERE id = \(bind: id)
                    """
                ).run()
            case .verify, .reject:
                try Self.requireWriter(actor, .writeSiteChecks, project: p)
                guard state == "rectified" else {
                    throw StoreError.conflict("only a rectified finding is re-inspected; this one is \(state)")
                }
                // Whoever reported the fix does not pass or fail it: someone else looks.
                if try f.optionalText("rectified_by") == actor.username {
                    throw StoreError.refused(code: "own_fix", message: "the fix was reported by this account")
                }
                if step == .verify {
                    try await db.raw(
                        """
                        UPDATE findings SET state = 'verified', verified_by = \(bind: actor.username),
                          verified_on = \(bind: today.description), reinspection_note = \(bind: TextNormalizer.prose(note)),
                          reinspected_by = \(bind: actor.username), reinspected_on = \(bind: today.description),
                          version = version + 1 WHERE id = \(bind: id)
                        """
                    ).run()
                } else {
                    guard !TextNormalizer.prose(note).isEmpty else {
                        throw ValidationError(field: "note", code: "required", message: "say what is still wrong")
                    }
                    let due = FindingRules.dueAfterFailedFix(
                        was: Day(try f.text("due_on")),
                        fresh: cal.adding(workingDays: Self.rectificationDays, to: today),
                        today: today)
                    try await db.raw(
                        """
                        UPDATE findings SET state = 'open', due_on = \(bind: due.description),
                          reinspection_note = \(bind: TextNormalizer.prose(note)), reinspected_by = \(bind: actor.username),
                          reinspected_on = \(bind: today.description), version = version + 1 WHERE id = \(bind: id)
                        """
                    ).run()
                }
            }
            try await AuditLog.record(
                db: db, actor: actor, action: step.rawValue, entity: "findings", entityId: id,
                subdistrictId: p.subdistrictId,
                before: .string(state), after: .string(step.rawValue))
            return try Self.finding(
                try await db.raw("SELECT \(unsafeRaw: Self.findingColumns) FROM findings WHERE id = \(bind: id)")
                    .first()!, today: today)
        }
    }
}
