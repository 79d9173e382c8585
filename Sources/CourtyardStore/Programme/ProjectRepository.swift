import CourtyardDomain
import Foundation
import SQLKit

/// Renovation projects: one compound in one batch year, its tailored plan, its stage gates and acceptances.
public struct ProjectRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// The organisations a project names, by the column that holds each.
    public static let roles: [(field: String, kind: OrganisationKind)] = [
        ("contractor_id", .contractor), ("supervisor_id", .supervisor), ("designer_id", .designer),
        ("pm_company_id", .pmCompany),
    ]

    /// Place-scoped accounts see the projects of their places; an organisation sees the projects it works on.
    static func scope(_ actor: Actor) -> SQLQueryString {
        if actor.scope.kind == .organisation, let org = actor.scope.id {
            return
                "(p.contractor_id = \(bind: org) OR p.supervisor_id = \(bind: org) OR p.designer_id = \(bind: org) OR p.pm_company_id = \(bind: org))"
        }
        guard let kind = actor.scope.kind, let id = actor.scope.id else { return "1=1" }
        switch kind {
        case .subdistrict: return "p.subdistrict_id = \(bind: id)"
        case .community: return "p.community_id = \(bind: id)"
        case .compound: return "p.compound_id = \(bind: id)"
        case .organisation: return "1=0"
        case .building, .entrance: return "p.compound_id = " + ScopePlace.compound(kind, id)
        }
    }

    /// The compound a project renews, by name: what an audit entry about the project's log or money names.
    static func compoundName(_ p: Row, db: any SQLDatabase) async throws -> String {
        try await db.raw("SELECT name FROM compounds WHERE id = \(bind: p.compoundId)").first()?.text("name") ?? ""
    }

    public struct Row: Sendable {
        public var id: Int64, subdistrictId: Int64, communityId: Int64, compoundId: Int64, batchYear: Int
        public var deadline: Day, plannedStart: Day?, stage: ProjectStage, startedOn: Day?, completedOn: Day?
        public var contractorId: Int64?, supervisorId: Int64?, pmCompanyId: Int64?
        public var version: Int

        init(_ r: any SQLRow) throws {
            id = try r.int("id")
            subdistrictId = try r.int("subdistrict_id")
            communityId = try r.int("community_id")
            compoundId = try r.int("compound_id")
            batchYear = try r.decode(column: "batch_year", as: Int.self)
            guard let d = Day(try r.text("deadline")) else {
                throw StoreError.invalid("project \(id) has no valid deadline")
            }
            deadline = d
            plannedStart = try r.optionalText("planned_start").flatMap { Day($0) }
            stage = ProjectStage(rawValue: try r.text("stage")) ?? .consultation
            startedOn = try r.optionalText("started_on").flatMap { Day($0) }
            completedOn = try r.optionalText("completed_on").flatMap { Day($0) }
            contractorId = try r.optionalInt("contractor_id")
            supervisorId = try r.optionalInt("supervisor_id")
            pmCompanyId = try r.optionalInt("pm_company_id")
            version = try r.decode(column: "version", as: Int.self)
        }
    }

    /// The project if the actor may see it; `nil` otherwise, so callers answer 404 and reveal nothing.
    static func load(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Row? {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let sql: SQLQueryString = """
            SELECT p.id, p.subdistrict_id, p.community_id, p.compound_id, p.batch_year, p.deadline, p.planned_start, p.stage,
              p.started_on, p.completed_on, p.contractor_id, p.supervisor_id, p.pm_company_id, p.version
            FROM projects p WHERE p.id = \(bind: id) AND
            """ + " " + scope(actor)
        guard let r = try await db.raw(sql).first() else { return nil }
        return try Row(r)
    }

    static func require(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Row {
        guard let p = try await load(id, actor: actor, db: db) else { throw StoreError.notFound }
        return p
    }

    static func requireManager(_ actor: Actor) throws {
        guard Permissions.allows(actor.role, .manageProjects) else { throw AccessError.forbidden }
    }

    // MARK: Projects

    public struct Fields: Sendable {
        public var deadline: Day?
        public var plannedStart: Day??
        public var isModel: Bool?
        public var modelWriteup: String?
        public var organisations: [String: Int64?] = [:]
        public init() {}
    }

    public func create(compoundId: Int64, batchYear: Int, deadline: Day, fields: Fields, actor: Actor) async throws
        -> ProjectDetail
    {
        try Self.requireManager(actor)
        guard (2000...2100).contains(batchYear) else {
            throw ValidationError(field: "batch_year", code: "invalid", message: "batch_year must be 2000 to 2100")
        }
        guard deadline.civil.year >= batchYear else {
            throw ValidationError(
                field: "deadline", code: "invalid", message: "the deadline cannot fall before the batch year")
        }
        let id: Int64 = try await database.transaction { db in
            guard
                let compound = try await ResourceRepository(database: database).fetch(
                    .compounds, id: compoundId, actor: actor, db: db)
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found",
                    message: "compound \(compoundId) does not exist in your scope")
            }
            let taken = try await db.raw(
                "SELECT id FROM projects WHERE compound_id = \(bind: compoundId) AND batch_year = \(bind: batchYear)"
            ).first()
            if taken != nil {
                throw StoreError.conflict("compound \(compoundId) already has a project in the \(batchYear) batch")
            }
            try await Self.checkOrganisations(fields.organisations, subdistrictId: compound.subdistrictId ?? 0, db: db)
            let community = try await db.raw("SELECT community_id FROM compounds WHERE id = \(bind: compoundId)")
                .first()!.int("community_id")
            let org = { (k: String) -> Int64? in fields.organisations[k] ?? nil }
            let id = try await db.raw(
                """
                INSERT INTO projects (subdistrict_id, community_id, compound_id, batch_year, deadline, planned_start, is_model, model_writeup,
                  contractor_id, supervisor_id, designer_id, pm_company_id, created_at)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: community), \(bind: compoundId), \(bind: batchYear), \(bind: deadline.description),
                  \(bind: (fields.plannedStart ?? nil)?.description), \(bind: fields.isModel == true ? 1 : 0), \(bind: fields.modelWriteup ?? ""),
                  \(bind: org("contractor_id")), \(bind: org("supervisor_id")), \(bind: org("designer_id")), \(bind: org("pm_company_id")),
                  \(bind: Clock.isoNow()))
                RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "projects", entityId: id,
                subdistrictId: compound.subdistrictId,
                before: nil,
                after: .object([
                    ("compound_id", .int(compoundId)), ("batch_year", .int(Int64(batchYear))),
                    ("deadline", .string(deadline.description)),
                ]))
            return id
        }
        return try await detail(id: id, actor: actor)
    }

    /// Each organisation named must exist in the project's sub-district (one elsewhere would gain the project
    /// through it) and be of the kind its role needs (a contractor as contractor ...).
    static func checkOrganisations(_ orgs: [String: Int64?], subdistrictId: Int64, db: any SQLDatabase) async throws {
        for (field, kind) in roles {
            guard let maybe = orgs[field], let id = maybe else { continue }
            let sql: SQLQueryString = """
                SELECT kind FROM organisations WHERE id = \(bind: id) AND subdistrict_id = \(bind: subdistrictId)
                """
            guard let row = try await db.raw(sql).first() else {
                throw ValidationError(
                    field: field, code: "not_found",
                    message: "organisation \(id) does not exist in this sub-district")
            }
            guard try row.text("kind") == kind.rawValue else {
                throw ValidationError(
                    field: field, code: "wrong_kind", message: "organisation \(id) is not a \(kind.rawValue)")
            }
        }
    }

    public func update(id: Int64, fields: Fields, ifVersion: Int?, actor: Actor) async throws -> ProjectDetail {
        try Self.requireManager(actor)
        // A new deadline moves every task's latest finish, which the bulletin reads.
        let calendar = fields.deadline == nil ? nil : try await CalendarRepository(database: database).calendar()
        try await database.transaction { db in
            let p = try await Self.require(id, actor: actor, db: db)
            if let v = ifVersion, v != p.version { throw StoreError.stale }
            if let d = fields.deadline, d.civil.year < p.batchYear {
                throw ValidationError(
                    field: "deadline", code: "invalid", message: "the deadline cannot fall before the batch year")
            }
            try await Self.checkOrganisations(fields.organisations, subdistrictId: p.subdistrictId, db: db)
            var sets: [SQLQueryString] = []
            if let d = fields.deadline { sets.append("deadline = \(bind: d.description)") }
            if let s = fields.plannedStart { sets.append("planned_start = \(bind: s?.description)") }
            if let m = fields.isModel { sets.append("is_model = \(bind: m ? 1 : 0)") }
            if let w = fields.modelWriteup { sets.append("model_writeup = \(bind: TextNormalizer.prose(w))") }
            for (field, _) in Self.roles {
                if let o = fields.organisations[field] { sets.append("\(unsafeRaw: field) = \(bind: o)") }
            }
            guard !sets.isEmpty else { return }
            var sql: SQLQueryString = "UPDATE projects SET version = version + 1"
            for s in sets { sql += ", " + s }
            sql += " WHERE id = \(bind: id)"
            try await db.raw(sql).run()
            if let calendar {
                try await ScheduleRepository.refreshLateFinishes(
                    project: try await Self.require(id, actor: actor, db: db), calendar: calendar, db: db)
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "projects", entityId: id,
                subdistrictId: p.subdistrictId,
                before: .object([("version", .int(Int64(p.version)))]),
                after: .object([("fields", .int(Int64(sets.count)))]))
        }
        return try await detail(id: id, actor: actor)
    }

    static let listColumns = """
        p.id, p.subdistrict_id, p.community_id, p.compound_id, p.batch_year, p.deadline, p.planned_start, p.stage, p.started_on,
        p.completed_on, p.is_model, p.model_writeup, p.contractor_id, p.supervisor_id, p.designer_id, p.pm_company_id, p.baseline_at, p.version,
        t.name AS compound_name, c.name AS community_name, o.name AS contractor_name,
        COALESCE(w.budget, 0) AS budget, COALESCE(w.weighted, 0) AS weighted,
        (SELECT COUNT(*) FROM households h WHERE h.compound_id = p.compound_id) AS households
        """

    static let listFrom = """
        FROM projects p JOIN compounds t ON t.id = p.compound_id JOIN communities c ON c.id = p.community_id
        LEFT JOIN organisations o ON o.id = p.contractor_id
        LEFT JOIN (SELECT project_id, CAST(SUM(budget_fen) AS BIGINT) AS budget, CAST(SUM(budget_fen * percent) AS BIGINT) AS weighted
                   FROM work_items GROUP BY project_id) w ON w.project_id = p.id
        """

    static func day(_ r: any SQLRow, _ column: String) throws -> Day? {
        try r.optionalText(column).flatMap { Day($0) }
    }

    static func summary(_ r: any SQLRow) throws -> ProjectSummary {
        let budget = try r.int("budget")
        guard let deadline = try day(r, "deadline") else {
            throw StoreError.invalid("project \(try r.int("id")) has no valid deadline")
        }
        return ProjectSummary(
            id: try r.int("id"), subdistrictId: try r.int("subdistrict_id"), communityId: try r.int("community_id"),
            communityName: try r.text("community_name"), compoundId: try r.int("compound_id"),
            compoundName: try r.text("compound_name"), households: try r.int("households"),
            batchYear: try r.int("batch_year"), deadline: deadline, plannedStart: try day(r, "planned_start"),
            stage: ProjectStage(rawValue: try r.text("stage")) ?? .consultation, startedOn: try day(r, "started_on"),
            completedOn: try day(r, "completed_on"),
            percentComplete: PercentTenths(tenths: Percent.weighted(sum: try r.int("weighted"), weight: budget)),
            budgetFen: budget, isModel: try r.flag("is_model"), modelWriteup: try r.text("model_writeup"),
            contractorId: try r.optionalInt("contractor_id"), supervisorId: try r.optionalInt("supervisor_id"),
            designerId: try r.optionalInt("designer_id"), pmCompanyId: try r.optionalInt("pm_company_id"),
            contractorName: try r.optionalText("contractor_name"), baselineAt: try r.optionalText("baseline_at"),
            version: try r.int("version"))
    }

    public struct Filter: Sendable {
        public var batchYear: Int?, stage: ProjectStage?, compoundId: Int64?, communityId: Int64?
        public init(
            batchYear: Int? = nil, stage: ProjectStage? = nil, compoundId: Int64? = nil, communityId: Int64? = nil
        ) {
            self.batchYear = batchYear
            self.stage = stage
            self.compoundId = compoundId
            self.communityId = communityId
        }
    }

    /// The projects the actor may see, filtered, in the order of community, compound and batch.
    public func summaries(actor: Actor, filter: Filter = Filter(), paging: Paging = .export) async throws
        -> [ProjectSummary]
    {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT \(unsafeRaw: Self.listColumns) \(unsafeRaw: Self.listFrom) WHERE " + Self.scope(actor)
        if let y = filter.batchYear { sql += " AND p.batch_year = \(bind: y)" }
        if let s = filter.stage { sql += " AND p.stage = \(bind: s.rawValue)" }
        if let c = filter.compoundId { sql += " AND p.compound_id = \(bind: c)" }
        if let c = filter.communityId { sql += " AND p.community_id = \(bind: c)" }
        sql += " ORDER BY c.name, t.name, p.batch_year, p.id" + paging.sql
        let q = sql
        return try await database.withConnection { db in try await db.raw(q).all().map(Self.summary) }
    }

    /// A record that belongs to one project, named on the project's page.
    public enum Part: String, Sendable {
        case finding = "findings", changeOrder = "change_orders", payment = "payments"
    }

    /// The project a finding, change order or payment belongs to, for showing its page again after a refused step
    /// (the page checks who may see it); nil when there is no such record.
    public func project(of part: Part, id: Int64) async throws -> Int64? {
        try await database.withConnection { db in
            try await db.raw("SELECT project_id FROM \(unsafeRaw: part.rawValue) WHERE id = \(bind: id)").first()?
                .decode(column: "project_id", as: Int64.self)
        }
    }

    /// One project with its plan, gates, acceptances and residents' satisfaction.
    public func detail(id: Int64, actor: Actor) async throws -> ProjectDetail {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.listColumns) \(unsafeRaw: Self.listFrom) WHERE p.id = \(bind: id) AND "
                + Self.scope(actor)
            guard let row = try await db.raw(sql).first() else { throw StoreError.notFound }
            let summary = try Self.summary(row)
            let items = try await Self.workItems(projectId: id, db: db)
            let gates = try await db.raw(
                """
                SELECT from_stage, to_stage, evidence_json, note, passed_at, passed_by FROM gate_passes WHERE project_id = \(bind: id) ORDER BY id
                """
            ).all().map { g -> GatePass in
                let evidence = try g.storedDocument("evidence_json")
                let to = try Self.stage(g, "to_stage")
                return GatePass(
                    from: try Self.stage(g, "from_stage"), to: to,
                    evidence: evidence, onPaper: Self.passedOnPaper(evidence.value, into: to), note: try g.text("note"),
                    passedAt: try g.text("passed_at"), passedBy: try g.text("passed_by"))
            }
            let acceptances = try await db.raw(
                """
                SELECT id, kind, date, result, participants_json, note FROM acceptances WHERE project_id = \(bind: id) ORDER BY date, id
                """
            ).all().map { a -> Acceptance in
                guard let kind = AcceptanceKind(rawValue: try a.text("kind")),
                    let result = AcceptanceResult(rawValue: try a.text("result")), let date = try Self.day(a, "date")
                else { throw StoreError.invalid("acceptance \(try a.int("id")) is not readable") }
                return Acceptance(
                    id: try a.int("id"), kind: kind, date: date, result: result,
                    participants: Self.participants(try a.storedDocument("participants_json").value),
                    note: try a.text("note"))
            }
            let satisfaction = try await QuestionnaireRepository.satisfactionByProject(projectIds: [id], db: db)[id]
            return ProjectDetail(
                summary: summary, workItems: items, gates: gates, acceptances: acceptances,
                satisfactionRate: satisfaction.map { PercentTenths(tenths: $0) })
        }
    }

    static func stage(_ r: any SQLRow, _ column: String) throws -> ProjectStage {
        let text = try r.text(column)
        guard let stage = ProjectStage(rawValue: text) else { throw StoreError.invalid("unknown stage \(text)") }
        return stage
    }

    /// A gate passed only on documents (or, before evidence was typed, on bare attachments).
    static func passedOnPaper(_ evidence: JSONValue, into stage: ProjectStage) -> Bool {
        GateEvidence.onPaper(kinds: evidence.arrayItems.compactMap { $0["kind"]?.stringValue }, into: stage)
    }

    // MARK: The tailored plan

    static func workItems(projectId: Int64, db: any SQLDatabase) async throws -> [WorkItem] {
        try await db.raw(
            """
            SELECT id, code, category, name, quantity_centi, unit, budget_fen, percent, version FROM work_items WHERE project_id = \(bind: projectId) ORDER BY id
            """
        ).all().map { w in
            let category = try w.text("category")
            guard let c = WorkCategory(rawValue: category) else {
                throw StoreError.invalid("unknown work category \(category)")
            }
            return WorkItem(
                id: try w.int("id"), code: try w.text("code"), category: c, name: try w.text("name"),
                quantity: Area(centi: try w.int("quantity_centi")).description, unit: try w.text("unit"),
                budgetFen: try w.int("budget_fen"), percent: try w.int("percent"), version: try w.int("version"))
        }
    }

    public struct NewWorkItem: Sendable {
        public var code: String
        public var name: String?
        public var quantity: Area
        public var unit: String?
        public var budgetFen: Int64
        public init(code: String, name: String? = nil, quantity: Area, unit: String? = nil, budgetFen: Int64) {
            self.code = code
            self.name = name
            self.quantity = quantity
            self.unit = unit
            self.budgetFen = budgetFen
        }
    }

    /// Adds a line from the catalogue; the plan is frozen once the plan is approved, except by the office.
    /// ¥10 billion: far above any work item, and small enough that budget × percent summed in SQL stays in 64 bits.
    public static let maxBudgetFen: Int64 = 1_000_000_000_000

    public func addWorkItem(projectId: Int64, _ item: NewWorkItem, actor: Actor) async throws -> ProjectDetail {
        try Self.requireManager(actor)
        guard let entry = WorkCatalogue.item(item.code) else {
            throw ValidationError(
                field: "code", code: "unknown",
                message: "\(item.code) is not in the work catalogue (GET /api/v1/work_catalogue)")
        }
        guard item.budgetFen >= 0, item.budgetFen <= Self.maxBudgetFen else {
            throw ValidationError(
                field: "budget_fen", code: "invalid",
                message: "budget_fen is a whole number of fen from 0 to \(Self.maxBudgetFen)")
        }
        guard item.quantity.centi > 0 else {
            throw ValidationError(field: "quantity", code: "invalid", message: "quantity must be more than 0")
        }
        let name = TextNormalizer.clean(item.name ?? "").isEmpty ? entry.zh : TextNormalizer.clean(item.name!)
        let unit = TextNormalizer.clean(item.unit ?? "").isEmpty ? entry.unit : TextNormalizer.clean(item.unit!)
        try await database.transaction { db in
            let p = try await Self.require(projectId, actor: actor, db: db)
            let id = try await db.raw(
                """
                INSERT INTO work_items (project_id, code, category, name, quantity_centi, unit, budget_fen)
                VALUES (\(bind: projectId), \(bind: entry.code), \(bind: entry.category.rawValue), \(bind: name), \(bind: item.quantity.centi),
                  \(bind: unit), \(bind: item.budgetFen)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "work_items", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil, after: .object([("code", .string(entry.code)), ("budget_fen", .int(item.budgetFen))]))
        }
        return try await detail(id: projectId, actor: actor)
    }

    public func deleteWorkItem(projectId: Int64, itemId: Int64, actor: Actor) async throws -> ProjectDetail {
        try Self.requireManager(actor)
        try await database.transaction { db in
            let p = try await Self.require(projectId, actor: actor, db: db)
            guard
                try await db.raw(
                    "SELECT id FROM work_items WHERE id = \(bind: itemId) AND project_id = \(bind: projectId)"
                ).first() != nil
            else {
                throw StoreError.notFound
            }
            if try await db.raw("SELECT id FROM tasks WHERE work_item_id = \(bind: itemId)").first() != nil {
                throw StoreError.conflict("a task is tied to work item \(itemId); remove the task first")
            }
            // A line of the contract's bill or a change order keeps the money said about it.
            let priced = try await db.raw(
                """
                SELECT work_item_id FROM contract_items WHERE work_item_id = \(bind: itemId)
                UNION SELECT work_item_id FROM change_orders WHERE work_item_id = \(bind: itemId)
                """
            ).first()
            if priced != nil {
                throw StoreError.conflict("work item \(itemId) is on the contract or a change order")
            }
            try await db.raw("DELETE FROM work_items WHERE id = \(bind: itemId)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "work_items", entityId: itemId,
                subdistrictId: p.subdistrictId,
                before: .object([("project_id", .int(projectId))]), after: nil)
        }
        return try await detail(id: projectId, actor: actor)
    }

    // MARK: Stage gates

    /// Moves a project to its next stage if the evidence satisfies that gate.
    public func advance(id: Int64, evidence: [Evidence], note: String, actor: Actor) async throws -> ProjectDetail {
        try Self.requireManager(actor)
        try await database.transaction { db in
            let p = try await Self.require(id, actor: actor, db: db)
            let facts = try await Self.gateFacts(p, evidence: evidence, actor: actor, db: db)
            if let problem = ProjectGate.check(from: p.stage, facts: facts).first {
                throw Self.error(problem, next: p.stage.next)
            }
            guard let next = p.stage.next else { return }
            try await Self.pass(p, to: next, evidence: evidence, note: note, actor: actor, db: db)
        }
        return try await detail(id: id, actor: actor)
    }

    /// What stands in the way of the project's next gate whatever evidence comes with it, said as the gate would
    /// refuse it; nil when only the evidence is wanting.
    public func gateBlocker(id: Int64, actor: Actor) async throws -> (any Error)? {
        try await database.withConnection { db in
            let p = try await Self.require(id, actor: actor, db: db)
            guard let next = p.stage.next else { return nil }
            let facts = try await Self.gateFacts(p, evidence: [], actor: actor, db: db)
            return ProjectGate.standing(next: next, facts: facts).first.map { Self.error($0, next: next) }
        }
    }

    /// A gate's problem as the API says it.
    static func error(_ problem: GateProblem, next: ProjectStage?) -> any Error {
        let gate = next?.gate ?? "gate"
        switch problem {
        case .noFurtherStage: return StoreError.conflict("the project is handed over; there is no further stage")
        case .evidence(let problem): return evidenceError(problem, gate: next ?? .handedOver)
        case .recordDoesNotApply(let kind, let id):
            return ValidationError(
                field: "evidence", code: "not_found",
                message: "\(kind.rawValue) \(id) does not exist or does not apply to this project")
        case .documentNotFound(let id):
            return ValidationError(field: "evidence", code: "not_found", message: "document \(id) does not exist")
        case .documentNotReadable:
            return ValidationError(
                field: "evidence", code: "not_found", message: "an attachment in evidence does not exist")
        case .documentAlreadyUsed(let id, let into):
            return StoreError.conflict("document \(id) is already the evidence of the gate into \(into)")
        case .planHasNoWorkItems:
            return StoreError.refused(
                code: gate, message: "the plan has no work items yet", details: [Phrase("gate.noWorkItems")])
        case .noContractor:
            return StoreError.refused(
                code: gate, message: "assign a contractor before construction starts",
                details: [Phrase("gate.noContractor")])
        case .safetyMissing(let missing):
            return StoreError.refused(
                code: "safety_missing",
                message: "before construction starts, file "
                    + missing.map { SafetyRepository.describe($0) }.joined(separator: ", "),
                details: missing.map { Phrase("safety.missing", terms: ["what": "safety.requirement.\($0.rawValue)"]) })
        case .handoverIncomplete(let missing):
            return StoreError.refused(
                code: "handover_incomplete",
                message: "the hand-over is missing: "
                    + missing.map(HandoverRepository.describe).joined(separator: ", "),
                details: missing.map { Phrase("handover.missing", terms: ["what": HandoverRepository.term($0)]) })
        case .acceptedOnlyThroughFinalAcceptance:
            return StoreError.refused(
                code: gate, message: "a project is accepted only through a passed final acceptance",
                details: [Phrase("gate.finalAcceptance")])
        }
    }

    /// The domain's rules of a gate's evidence, said as the API says them.
    static func evidenceError(_ problem: GateEvidenceProblem, gate next: ProjectStage) -> any Error {
        let takes =
            "records: " + next.recordKinds.map(\.rawValue).joined(separator: ", ")
            + "; documents: " + next.documentTypes.map(\.rawValue).joined(separator: ", ")
        switch problem {
        case .missing:
            return StoreError.refused(
                code: next.gate, message: "moving to \(next.rawValue) needs evidence (\(takes))",
                details: [Phrase("gate.evidence", terms: ["stage": "stage.\(next.rawValue)"])])
        case .wrongKind(let kind):
            return ValidationError(
                field: "evidence", code: "wrong_kind",
                message: "a \(kind.rawValue) is not evidence for \(next.rawValue); it takes \(takes)")
        case .wrongDocumentType(let type):
            return ValidationError(
                field: "evidence", code: "wrong_document_type",
                message: "a \(type.rawValue) is not evidence for \(next.rawValue); it takes \(takes)")
        case .repeatedDocument(let id):
            return ValidationError(
                field: "evidence", code: "repeated_document", message: "document \(id) is listed twice")
        }
    }

    /// What the gate rules look at: the project's plan and contractor, and each record and document offered.
    static func gateFacts(_ p: Row, evidence: [Evidence], actor: Actor, db: any SQLDatabase) async throws -> GateFacts {
        var facts = GateFacts(
            projectId: p.id, compoundId: p.compoundId, evidence: evidence,
            hasWorkItems: try await db.raw("SELECT id FROM work_items WHERE project_id = \(bind: p.id)").first() != nil,
            hasContractor: p.contractorId != nil,
            safety: p.stage.next == .construction
                ? try await SafetyRepository.facts(projectId: p.id, contractorId: p.contractorId, db: db) : .complete,
            today: Clock.today)
        if p.stage.next == .handedOver {
            facts.handoverMissing = try await HandoverRepository.missing(
                projectId: p.id, compoundId: p.compoundId, db: db)
        }
        // Nothing is looked up for evidence the gate refuses on its face.
        guard let next = p.stage.next, GateEvidence.problem(evidence, into: next) == nil else { return facts }
        for e in evidence {
            switch e {
            case .record(let kind, let id):
                facts.records[EvidenceKey(kind, id)] = try await record(kind, id: id, db: db)
            case .document(let id, _):
                facts.documents[id] = try await document(id, actor: actor, db: db)
            }
        }
        return facts
    }

    /// The columns of a record that decide whether it counts as evidence; `nil` when there is no such record.
    static func record(_ kind: EvidenceKind, id: Int64, db: any SQLDatabase) async throws -> EvidenceRecordFacts? {
        func day(_ r: any SQLRow, _ column: String) throws -> Day? { try r.optionalText(column).flatMap { Day($0) } }
        switch kind {
        case .acceptance:
            return try await db.raw("SELECT project_id, kind, result FROM acceptances WHERE id = \(bind: id)").first()
                .map {
                    .acceptance(
                        projectId: try $0.int("project_id"), kind: AcceptanceKind(rawValue: try $0.text("kind")),
                        result: AcceptanceResult(rawValue: try $0.text("result")))
                }
        case .vote:
            return try await db.raw("SELECT compound_id, status FROM votes WHERE id = \(bind: id)").first().map {
                .vote(compoundId: try $0.int("compound_id"), status: try $0.text("status"))
            }
        case .notice:
            return try await db.raw("SELECT compound_id, state, ends_on FROM notices WHERE id = \(bind: id)").first()
                .map {
                    .notice(
                        compoundId: try $0.int("compound_id"), state: try $0.text("state"),
                        endsOn: try day($0, "ends_on"))
                }
        case .questionnaire:
            return try await db.raw(
                "SELECT compound_id, state, closes_on FROM questionnaires WHERE id = \(bind: id)"
            ).first().map {
                .questionnaire(
                    compoundId: try $0.int("compound_id"), state: try $0.text("state"),
                    closesOn: try day($0, "closes_on"))
            }
        case .expertReview:
            return try await db.raw("SELECT project_id, conclusion FROM expert_reviews WHERE id = \(bind: id)").first()
                .map { .expertReview(projectId: try $0.int("project_id"), conclusion: try $0.text("conclusion")) }
        }
    }

    /// Whether a document is stored, whether another gate already took it, and whether the passer may read it.
    static func document(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> EvidenceDocumentFacts {
        guard try await db.raw("SELECT id FROM attachments WHERE id = \(bind: id)").first() != nil else {
            return EvidenceDocumentFacts(exists: false)
        }
        let used = try await db.raw("SELECT to_stage FROM gate_documents WHERE attachment_id = \(bind: id)").first()
        return EvidenceDocumentFacts(
            exists: true, alreadyEvidenceInto: try used?.text("to_stage"),
            readableByPasser: try await AttachmentRepository.readable(id, actor: actor, db: db))
    }

    /// A gate's evidence as its column keeps it: a record by kind and id, or a document by attachment and type.
    struct StoredEvidence: Encodable {
        var evidence: Evidence
        enum Key: String, CodingKey { case kind, id, attachmentId = "attachment_id", documentType = "document_type" }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch evidence {
            case .record(let kind, let id):
                try c.encode(kind.rawValue, forKey: .kind)
                try c.encode(id, forKey: .id)
            case .document(let id, let type):
                try c.encode("document", forKey: .kind)
                try c.encode(id, forKey: .attachmentId)
                try c.encode(type.rawValue, forKey: .documentType)
            }
        }
    }

    static func pass(
        _ p: Row, to next: ProjectStage, evidence: [Evidence], note: String, actor: Actor, db: any SQLDatabase
    ) async throws {
        let ev = try JSONValueCoding.encode(evidence.map(StoredEvidence.init))
        try await db.raw(
            "UPDATE projects SET stage = \(bind: next.rawValue), version = version + 1 WHERE id = \(bind: p.id)"
        ).run()
        if next == .handedOver {
            try await HandoverRepository.openDefectsToFindings(projectId: p.id, actor: actor, db: db)
        }
        for case .document(let attachment, let type) in evidence {
            try await db.raw(
                """
                INSERT INTO gate_documents (attachment_id, project_id, to_stage, document_type)
                VALUES (\(bind: attachment), \(bind: p.id), \(bind: next.rawValue), \(bind: type.rawValue))
                """
            ).run()
        }
        try await db.raw(
            """
            INSERT INTO gate_passes (project_id, from_stage, to_stage, evidence_json, note, passed_at, passed_by)
            VALUES (\(bind: p.id), \(bind: p.stage.rawValue), \(bind: next.rawValue), \(bind: ev.serialized()), \(bind: TextNormalizer.prose(note)),
              \(bind: Clock.isoNow()), \(bind: actor.username))
            """
        ).run()
        try await AuditLog.record(
            db: db, actor: actor, action: "advance", entity: "projects", entityId: p.id, subdistrictId: p.subdistrictId,
            before: .string(p.stage.rawValue), after: .object([("stage", .string(next.rawValue)), ("evidence", ev)]))
        try await Outbox.emit(
            db: db, event: "project.advanced", subdistrictId: p.subdistrictId,
            payload: .object([
                ("id", .int(p.id)), ("compound_id", .int(p.compoundId)), ("from", .string(p.stage.rawValue)),
                ("to", .string(next.rawValue)),
            ]))
    }

    // MARK: Acceptances

    public typealias AcceptanceKind = CourtyardDomain.AcceptanceKind
    public typealias AcceptanceResult = CourtyardDomain.AcceptanceResult

    /// Records an acceptance; a passed final one completes the project and moves it to `accepted`.
    /// Who took part, as stored: people with their part, or (older records) names alone.
    static func participants(_ stored: JSONValue) -> [AcceptanceParticipant] {
        stored.arrayItems.compactMap { item in
            if let name = item.stringValue { return AcceptanceParticipant(name: name, role: .other) }
            return try? JSONValueCoding.decode(AcceptanceParticipant.self, from: item)
        }
    }

    public func addAcceptance(
        projectId: Int64, kind: AcceptanceKind, date: Day, result: AcceptanceResult,
        participants: [AcceptanceParticipant], defects: [String] = [], note: String, actor: Actor
    ) async throws -> ProjectDetail {
        guard AcceptanceRules.mayRecord(actor.role) else { throw AccessError.forbidden }
        let people = participants.map {
            AcceptanceParticipant(name: TextNormalizer.clean($0.name), role: $0.role, organisationId: $0.organisationId)
        }.filter { !$0.name.isEmpty }
        let names = people.map(\.name)
        if let problem = AcceptanceRules.check(participants: names, date: date, today: Clock.today).first {
            throw Self.error(problem)
        }
        let defects = defects.map(TextNormalizer.prose).filter { !$0.isEmpty }
        guard defects.isEmpty || result == .failed, defects.count <= 100 else {
            throw ValidationError(
                field: "defects", code: "invalid", message: "defects are listed, at most 100, on a failed acceptance")
        }
        let calendar = try await CalendarRepository(database: database).calendar()
        try await database.transaction { db in
            let p = try await Self.require(projectId, actor: actor, db: db)
            if let problem = AcceptanceRules.check(stage: p.stage).first { throw Self.error(problem) }
            if kind == .final {
                let facts = try await Self.finalAcceptanceFacts(p, db: db)
                let problems = FinalAcceptanceRules.check(participants: people, passed: result == .passed, facts: facts)
                if !problems.isEmpty { throw Self.error(problems) }
            }
            let id = try await db.raw(
                """
                INSERT INTO acceptances (project_id, kind, date, result, participants_json, note, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: kind.rawValue), \(bind: date.description), \(bind: result.rawValue),
                  \(bind: try JSONValueCoding.encode(people).serialized()), \(bind: TextNormalizer.prose(note)), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "acceptances", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil, after: .object([("kind", .string(kind.rawValue)), ("result", .string(result.rawValue))]))
            if !defects.isEmpty {
                let label = kind == .final ? "竣工验收" : "阶段验收"
                let due = calendar.adding(workingDays: LedgerRepository.rectificationDays, to: date)
                _ = try await LedgerRepository.insertCheck(
                    projectId: projectId,
                    .init(
                        date: date, items: [(label, false, TextNormalizer.prose(note))],
                        findings: defects.map { ("\(label)：\($0)", [], due) }), actor: actor, calendar: calendar, db: db
                )
            }
            if AcceptanceRules.completesProject(kind: kind, result: result) {
                try await db.raw(
                    "UPDATE projects SET completed_on = \(bind: date.description) WHERE id = \(bind: projectId)"
                ).run()
                try await Self.pass(
                    p, to: .accepted, evidence: [.record(.acceptance, id: id)], note: note, actor: actor, db: db)
            }
        }
        return try await detail(id: projectId, actor: actor)
    }

    /// What a final acceptance must find: all work at 100%, nothing open. The property company of the compound's zone
    /// takes part where the zone has one.
    static func finalAcceptanceFacts(_ p: Row, db: any SQLDatabase) async throws -> FinalAcceptanceFacts {
        let unfinished = try await db.raw(
            "SELECT name FROM work_items WHERE project_id = \(bind: p.id) AND percent < 100 ORDER BY id"
        ).all().map { try $0.text("name") }
        let findings =
            try await db.raw(
                "SELECT COUNT(*) AS n FROM findings WHERE project_id = \(bind: p.id) AND state <> 'verified'"
            ).first()?.int("n") ?? 0
        let reports =
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM reports WHERE compound_id = \(bind: p.compoundId)
                AND state NOT IN ('closed', 'rejected')
                """
            ).first()?.int("n") ?? 0
        let company = try await db.raw(
            """
            SELECT z.property_company_id FROM compounds c JOIN zones z ON z.id = c.zone_id
            WHERE c.id = \(bind: p.compoundId) AND z.property_company_id IS NOT NULL
            """
        ).first()
        return FinalAcceptanceFacts(
            unfinishedItems: unfinished, openFindings: Int(findings), openReports: Int(reports),
            hasPropertyCompany: company != nil)
    }

    /// A final acceptance's problems, all of them, in one refusal.
    static func error(_ problems: [FinalAcceptanceProblem]) -> any Error {
        let text = problems.map { problem -> String in
            switch problem {
            case .workNotComplete(let items): "work not at 100%: " + items.joined(separator: ", ")
            case .openFindings(let n): "\(n) open findings"
            case .openReports(let n): "\(n) open supervision reports"
            case .missingParticipant(let role): "no \(role.rawValue) among the participants"
            }
        }
        let details = problems.map { problem -> Phrase in
            switch problem {
            case .workNotComplete(let items): Phrase("final.work", values: ["items": items.joined(separator: "、")])
            case .openFindings(let n): Phrase("final.findings", values: ["n": String(n)])
            case .openReports(let n): Phrase("final.reports", values: ["n": String(n)])
            case .missingParticipant(let role):
                Phrase(
                    "final.participant",
                    terms: [
                        "who": role == .residentRepresentative
                            ? "acceptance.residentOrSteward" : "role.\(role.rawValue)"
                    ])
            }
        }
        return StoreError.refused(
            code: "final_acceptance", message: "final acceptance refused: " + text.joined(separator: "; "),
            details: details)
    }

    /// An acceptance's problem as the API says it.
    static func error(_ problem: AcceptanceProblem) -> any Error {
        switch problem {
        case .noParticipants:
            ValidationError(field: "participants", code: "required", message: "an acceptance lists who took part")
        case .inTheFuture:
            ValidationError(field: "date", code: "future", message: "an acceptance is recorded after it happened")
        case .notInConstruction(let stage):
            StoreError.conflict(
                "acceptances are recorded while the project is in construction; it is \(stage.rawValue)")
        }
    }
}
