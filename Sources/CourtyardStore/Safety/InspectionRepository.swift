import CourtyardDomain
import Foundation
import SQLKit

extension SafetyRepository {
    // MARK: Trainings

    public struct NewTraining: Sendable {
        public var date: Day, trainer: String, topics: String, trainees: [Trainee], attachmentId: Int64?
        public init(date: Day, trainer: String, topics: String, trainees: [Trainee], attachmentId: Int64?) {
            self.date = date
            self.trainer = trainer
            self.topics = topics
            self.trainees = trainees
            self.attachmentId = attachmentId
        }
    }

    /// A pre-job training, by the office or the project's contractor.
    public func addTraining(projectId: Int64, _ t: NewTraining, actor: Actor) async throws -> Training {
        let trainees = TrainedPeople.once(
            t.trainees.map { Trainee(name: TextNormalizer.clean($0.name), trade: TextNormalizer.clean($0.trade)) },
            name: \.name)
        try TextBounds.check(t.topics, field: "topics")
        guard !trainees.isEmpty, trainees.count <= 500,
            trainees.allSatisfy({ !$0.name.isEmpty && $0.name.count <= 50 && $0.trade.count <= 50 })
        else {
            throw ValidationError(field: "trainees", code: "required", message: "list 1 to 500 trainees, each named")
        }
        let trainer = TextNormalizer.clean(t.trainer)
        guard !trainer.isEmpty else {
            throw ValidationError(field: "trainer", code: "required", message: "name who trained them")
        }
        try TextBounds.check(trainer, field: "trainer", max: 100)
        try RecordedDay.check(t.date, field: "date", today: Clock.today)
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            if actor.role != .subdistrictOfficer && actor.role != .admin {
                try LedgerRepository.requireWriter(actor, .writeSiteLogs, project: p)
                guard actor.role == .contractor else { throw AccessError.forbidden }
            }
            try await AttachmentRepository.requireReadable(
                t.attachmentId.map { [$0] } ?? [], field: "attachment_id", actor: actor, db: db)
            let json = try JSONValueCoding.encode(trainees).serialized()
            let id = try await db.raw(
                """
                INSERT INTO trainings (project_id, date, trainer, topics, trainees_json, trainee_count, attachment_id,
                  created_at, created_by)
                VALUES (\(bind: projectId), \(bind: t.date.description), \(bind: trainer), \(bind: TextNormalizer.prose(t.topics)),
                  \(bind: json), \(bind: trainees.count), \(bind: t.attachmentId), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "trainings", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil, after: .object([("trainees", .int(Int64(trainees.count)))]))
            return id
        }
        guard let made = try await trainings(projectId: projectId, actor: actor).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        return made
    }

    /// A project's trainings; trainees' names masked for accounts that may not read personal data.
    public func trainings(projectId: Int64, actor: Actor) async throws -> [Training] {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            return try await db.raw(
                """
                SELECT id, date, trainer, topics, trainees_json, trainee_count, attachment_id FROM trainings
                WHERE project_id = \(bind: projectId) ORDER BY date DESC, id DESC
                """
            ).all().map { r in
                let trainees = try r.stored("trainees_json", as: [Trainee].self)
                return Training(
                    id: try r.int("id"), projectId: projectId, date: try LedgerRepository.day(r, "date"),
                    trainer: try r.text("trainer"),
                    topics: try r.text("topics"),
                    trainees: actor.seesPersonalData
                        ? trainees : trainees.map { Trainee(name: PersonalData.maskName($0.name), trade: $0.trade) },
                    traineeCount: try r.int("trainee_count"), attachmentId: try r.optionalInt("attachment_id"))
            }
        }
    }

    // MARK: Templates

    public func templates(actor: Actor) async throws -> [InspectionTemplate] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let sd = actor.scope.kind == .subdistrict ? actor.scope.id : nil
        let sql: SQLQueryString = """
            SELECT id, template_key, name, items_json, subdistrict_id FROM inspection_templates
            WHERE subdistrict_id IS NULL OR subdistrict_id = \(bind: sd ?? 0) ORDER BY id
            """
        return try await database.withConnection { db in
            try await db.raw(sql).all().map { r in
                InspectionTemplate(
                    id: try r.int("id"), key: try r.optionalText("template_key"), name: try r.text("name"),
                    items: try r.stored("items_json", as: [InspectionItem].self),
                    shipped: try r.optionalInt("subdistrict_id") == nil)
            }
        }
    }

    /// The office's own table; its items are checked like the shipped ones.
    public func createTemplate(name: String, items: [InspectionItem], actor: Actor) async throws -> InspectionTemplate {
        try Self.requireOffice(actor)
        guard let sd = actor.scope.kind == .subdistrict ? actor.scope.id : nil else {
            throw ValidationError(field: "name", code: "no_subdistrict", message: "a template belongs to an office")
        }
        let name = TextNormalizer.clean(name)
        guard !name.isEmpty, name.count <= 100 else {
            throw ValidationError(field: "name", code: "required", message: "a template has a name")
        }
        guard !items.isEmpty, items.count <= 50, Set(items.map(\.code)).count == items.count,
            items.allSatisfy({ !$0.code.isEmpty && !$0.name.isEmpty && (1...100).contains($0.maxScore) })
        else {
            throw ValidationError(
                field: "items", code: "invalid",
                message: "1 to 50 items, each with its own code, a name and a max_score of 1 to 100")
        }
        let itemsText = try StoredColumn.encode(items)
        let id: Int64 = try await database.transaction { db in
            let id = try await db.raw(
                """
                INSERT INTO inspection_templates (subdistrict_id, name, items_json, created_at, created_by)
                VALUES (\(bind: sd), \(bind: name), \(bind: itemsText), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "inspection_templates", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("name", .string(name))]))
            return id
        }
        guard let t = try await templates(actor: actor).first(where: { $0.id == id }) else { throw StoreError.notFound }
        return t
    }

    // MARK: Inspections

    public struct NewInspection: Sendable {
        public struct Score: Sendable {
            public var item: String, score: Int64, note: String, photos: [Int64]
            public init(item: String, score: Int64, note: String, photos: [Int64]) {
                self.item = item
                self.score = score
                self.note = note
                self.photos = photos
            }
        }
        public var templateId: Int64, date: Day, scores: [Score], followsUp: Int64?
        public init(templateId: Int64, date: Day, scores: [Score], followsUp: Int64?) {
            self.templateId = templateId
            self.date = date
            self.scores = scores
            self.followsUp = followsUp
        }
    }

    /// A scored inspection by the supervisor, the pm company or the office; every item below its maximum becomes a
    /// finding due after the rectification period, followed through the finding lifecycle.
    public func inspect(projectId: Int64, _ n: NewInspection, actor: Actor) async throws -> Inspection {
        guard let template = try await templates(actor: actor).first(where: { $0.id == n.templateId }) else {
            throw ValidationError(field: "template_id", code: "not_found", message: "there is no such template")
        }
        try RecordedDay.check(n.date, field: "date", today: Clock.today)
        guard n.scores.count <= 50 else {
            throw ValidationError(field: "scores", code: "invalid", message: "at most 50 scores")
        }
        for s in n.scores { try TextBounds.check(s.note, field: "scores") }
        let pairs = n.scores.map { (item: $0.item, score: Int(clamping: $0.score)) }
        if let problem = InspectionRules.problems(items: template.items, scores: pairs).first {
            throw Self.error(problem)
        }
        let outcome = InspectionRules.outcome(items: template.items, scores: pairs)
        let given = Dictionary(n.scores.map { ($0.item, $0) }, uniquingKeysWith: { a, _ in a })
        let scores = template.items.map { i in
            InspectionScore(
                item: i.code, name: i.name, score: given[i.code]?.score ?? 0, maxScore: Int64(i.maxScore),
                mustPass: i.mustPass, note: TextNormalizer.prose(given[i.code]?.note ?? ""),
                photos: given[i.code]?.photos ?? [])
        }
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            try LedgerRepository.requireWriter(actor, .writeSiteChecks, project: p)
            guard p.stage == .construction else {
                throw StoreError.refused(
                    code: "not_in_construction", message: "inspections are made while the project is in construction")
            }
            if let f = n.followsUp {
                let earlier = try await db.raw(
                    "SELECT id FROM inspections WHERE id = \(bind: f) AND project_id = \(bind: projectId)"
                ).first()
                guard earlier != nil else {
                    throw ValidationError(
                        field: "follows_up", code: "not_found", message: "inspection \(f) is not of this project")
                }
            }
            for s in scores {
                try await AttachmentRepository.requireReadable(s.photos, field: "scores", actor: actor, db: db)
            }
            let due = calendar.adding(workingDays: Self.rectificationDays, to: n.date)
            let check = LedgerRepository.NewCheck(
                date: n.date, items: scores.map { ($0.name, $0.score == $0.maxScore, $0.note) },
                findings: scores.filter { $0.score < $0.maxScore }.map {
                    (
                        // "得20分（满分25）": a score out of its maximum, which "20/25" is read as a date.
                        "\(template.name)·\($0.name) 得\($0.score)分（满分\($0.maxScore)）"
                            + ($0.note.isEmpty ? "" : "，\($0.note)"),
                        $0.photos, due
                    )
                })
            let checkId = try await LedgerRepository.insertCheck(
                projectId: projectId, check, actor: actor, calendar: calendar, db: db)
            let role = actor.scope.kind == .organisation ? actor.role.rawValue : "office"
            let id = try await db.raw(
                """
                INSERT INTO inspections (project_id, template_id, check_id, date, scores_json, total, rating, follows_up,
                  inspector_role, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: template.id), \(bind: checkId), \(bind: n.date.description),
                  \(bind: try JSONValueCoding.encode(scores).serialized()), \(bind: outcome.total),
                  \(bind: outcome.rating.rawValue), \(bind: n.followsUp), \(bind: role), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "inspections", entityId: id,
                subdistrictId: p.subdistrictId, before: nil,
                after: .object([("total", .int(Int64(outcome.total))), ("rating", .string(outcome.rating.rawValue))]))
            return id
        }
        guard let made = try await inspections(projectId: projectId, actor: actor).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        return made
    }

    static func error(_ problem: InspectionProblem) -> ValidationError {
        switch problem {
        case .unknownItem(let item):
            ValidationError(field: "scores", code: "unknown_item", message: "\(item) is not an item of the template")
        case .repeatedItem(let item):
            ValidationError(field: "scores", code: "repeated_item", message: "\(item) is scored twice")
        case .missingItem(let item):
            ValidationError(field: "scores", code: "missing_item", message: "\(item) is not scored")
        case .scoreOutOfRange(let item, let max):
            ValidationError(field: "scores", code: "out_of_range", message: "\(item) is scored 0 to \(max)")
        }
    }

    public func inspections(projectId: Int64, actor: Actor) async throws -> [Inspection] {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            var out: [Inspection] = []
            let rows = try await db.raw(
                """
                SELECT i.id, i.template_id, t.name, i.date, i.scores_json, i.total, i.rating, i.follows_up, i.check_id,
                  i.inspector_role, i.created_by
                FROM inspections i JOIN inspection_templates t ON t.id = i.template_id
                WHERE i.project_id = \(bind: projectId) ORDER BY i.date DESC, i.id DESC
                """
            ).all()
            for r in rows {
                let check = try r.int("check_id")
                let findings = try await db.raw("SELECT id FROM findings WHERE check_id = \(bind: check) ORDER BY id")
                    .all().map { try $0.int("id") }
                out.append(
                    Inspection(
                        id: try r.int("id"), projectId: projectId, templateId: try r.int("template_id"),
                        templateName: try r.text("name"), date: try LedgerRepository.day(r, "date"),
                        scores: try r.stored("scores_json", as: [InspectionScore].self),
                        total: try r.int("total"), rating: InspectionRating(rawValue: try r.text("rating")) ?? .fail,
                        followsUp: try r.optionalInt("follows_up"), checkId: check, findingIds: findings,
                        inspectorRole: try r.text("inspector_role"), createdBy: try r.text("created_by")))
            }
            return out
        }
    }
}

extension SafetyRepository {
    /// The supervisor of the project records hidden works as seen before they are covered, with at least a photo.
    public func acceptHiddenWork(
        projectId: Int64, taskId: Int64, date: Day, result: AcceptanceResult, photos: [Int64], note: String,
        actor: Actor
    ) async throws -> HiddenWorkAcceptance {
        try TextBounds.check(note, field: "note")
        guard !photos.isEmpty, photos.count <= 20 else {
            throw ValidationError(
                field: "photos", code: "required", message: "hidden works are accepted with 1 to 20 photos")
        }
        try RecordedDay.check(date, field: "date", today: Clock.today)
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard actor.role == .supervisor else { throw AccessError.forbidden }
            try LedgerRepository.requireWriter(actor, .writeSiteChecks, project: p)
            guard
                let task = try await db.raw(
                    "SELECT hidden_work FROM tasks WHERE id = \(bind: taskId) AND project_id = \(bind: projectId)"
                ).first()
            else { throw StoreError.notFound }
            guard try task.int("hidden_work") != 0 else {
                throw StoreError.refused(code: "not_hidden_work", message: "the task is not marked as hidden works")
            }
            try await AttachmentRepository.requireReadable(photos, field: "photos", actor: actor, db: db)
            let id = try await db.raw(
                """
                INSERT INTO hidden_work_acceptances (project_id, task_id, date, result, photos_json, note, created_at,
                  created_by)
                VALUES (\(bind: projectId), \(bind: taskId), \(bind: date.description), \(bind: result.rawValue),
                  \(bind: StoredColumn.ids(photos)), \(bind: TextNormalizer.prose(note)), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "hidden_work_acceptances", entityId: id,
                subdistrictId: p.subdistrictId, before: nil, after: .object([("result", .string(result.rawValue))]))
            return id
        }
        return HiddenWorkAcceptance(
            id: id, taskId: taskId, date: date, result: result, photos: photos, note: TextNormalizer.prose(note),
            createdBy: actor.username)
    }

    /// Each contractor's inspections, mean score, open and overdue findings, and median working days to rectify,
    /// over the projects the account may see.
    public func contractorFigures(actor: Actor, batchYear: Int64?) async throws -> [ContractorSafety] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        var filter: SQLQueryString = ProjectRepository.scope(actor)
        if let batchYear { filter += " AND p.batch_year = \(bind: batchYear)" }
        let projects = filter
        return try await database.withConnection { db in
            try await Self.contractorFigures(db: db, projects: projects, asOf: Clock.today, calendar: calendar)
        }
    }

    /// The same over the projects `projects` selects (a condition on `p`), as of a day: what the bulletin counts.
    /// Three queries whatever the number of contractors: the contractors, their inspections grouped, their
    /// findings.
    static func contractorFigures(
        db: any SQLDatabase, projects: SQLQueryString, asOf today: Day, calendar: WorkCalendar
    ) async throws -> [ContractorSafety] {
        let orgs = try await db.raw(
            """
            SELECT DISTINCT o.id, o.name FROM projects p JOIN organisations o ON o.id = p.contractor_id WHERE
            """ + " " + projects + " ORDER BY o.name"
        ).all()
        var scores: [Int64: (count: Int64, sum: Int64)] = [:]
        for r in try await db.raw(
            """
            SELECT p.contractor_id AS org, COUNT(*) AS n, CAST(SUM(i.total) AS BIGINT) AS s FROM inspections i
            JOIN projects p ON p.id = i.project_id WHERE p.contractor_id IS NOT NULL AND i.date <= \(bind: today.description)
              AND
            """ + " " + projects + " GROUP BY p.contractor_id"
        ).all() {
            scores[try r.int("org")] = (try r.int("n"), try r.int("s"))
        }
        let findings = try await findingFigures(db: db, projects: projects, asOf: today, calendar: calendar)
        return try orgs.map { o in
            let org = try o.int("id")
            let score = scores[org] ?? (0, 0)
            let f = findings[org] ?? FindingFigures()
            return ContractorSafety(
                organisationId: org, name: try o.text("name"), inspections: score.count,
                meanScore: Self.mean(sum: score.sum, count: score.count), openFindings: f.open,
                overdueFindings: f.overdue, medianDaysToRectify: Self.median(f.days))
        }
    }

    struct FindingFigures {
        var open: Int64 = 0, overdue: Int64 = 0, days: [Int] = []
    }

    /// Each contractor's open and overdue findings and the working days each rectified one took, on `today`. Before
    /// the real today a finding counts from its check's day, and is open if it had not been reported fixed by then or
    /// is open again now (turned back at a re-inspection).
    static func findingFigures(
        db: any SQLDatabase, projects: SQLQueryString, asOf today: Day, calendar: WorkCalendar
    ) async throws -> [Int64: FindingFigures] {
        var by: [Int64: FindingFigures] = [:]
        for r in try await db.raw(
            """
            SELECT p.contractor_id AS org, f.state, f.due_on, f.rectified_on, c.date FROM findings f
            JOIN site_checks c ON c.id = f.check_id JOIN projects p ON p.id = f.project_id
            WHERE p.contractor_id IS NOT NULL AND c.date <= \(bind: today.description) AND
            """ + " " + projects
        ).all() {
            var f = by[try r.int("org"), default: FindingFigures()]
            let fixed = try r.optionalText("rectified_on").flatMap { Day($0) }.flatMap { $0 <= today ? $0 : nil }
            let openNow = try r.text("state") == "open"
            if openNow || (today < Clock.today && fixed == nil) {
                f.open += 1
                if let due = Day(try r.text("due_on")), due < today { f.overdue += 1 }
            }
            if let done = fixed, let from = Day(try r.text("date")) {
                f.days.append(done > from ? calendar.workingDays(after: from, through: done) : 0)
            }
            by[try r.int("org")] = f
        }
        return by
    }

    /// The mean to one decimal, rounded half up, by integers.
    static func mean(sum: Int64, count: Int64) -> ExactDecimal? {
        guard count > 0 else { return nil }
        let tenths = (sum * 20 + count) / (2 * count)
        return ExactDecimal(numberText: Percent.text(tenths))
    }

    /// The median, with a half where two middle values meet.
    static func median(_ values: [Int]) -> ExactDecimal? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let n = s.count
        let twice = n % 2 == 1 ? 2 * s[n / 2] : s[n / 2 - 1] + s[n / 2]
        return ExactDecimal(numberText: "\(twice / 2).\(twice % 2 == 0 ? "0" : "5")")
    }
}
