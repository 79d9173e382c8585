import CourtyardDomain
import Foundation
import SQLKit

/// Safety before and during construction: agreements, emergency plans and drills, pre-job trainings, and scored
/// inspections whose shortfalls become findings.
public struct SafetyRepository: Sendable {
    let database: Database
    let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar) {
        self.database = database
        self.calendar = calendar
    }

    /// Inspection findings are due this many working days after the inspection.
    public static let rectificationDays = 3

    // MARK: The gate's facts

    /// What the gate into construction looks at.
    static func facts(projectId: Int64, contractorId: Int64?, db: any SQLDatabase) async throws -> SafetyFacts {
        let agreement =
            try await contractorId.asyncMap { org in
                try await db.raw(
                    """
                    SELECT a.id FROM safety_agreements a JOIN projects p ON p.id = \(bind: projectId)
                    WHERE a.organisation_id = \(bind: org) AND a.batch_year = p.batch_year
                    """
                ).first() != nil
            } ?? false
        let plan =
            try await db.raw("SELECT plan_id FROM emergency_plan_projects WHERE project_id = \(bind: projectId)")
            .first() != nil
        return SafetyFacts(
            agreement: agreement, emergencyPlan: plan,
            trainings: Int(
                try await db.raw("SELECT COUNT(*) AS n FROM trainings WHERE project_id = \(bind: projectId)").first()?
                    .int("n") ?? 0))
    }

    /// A project's trainings, each as its day and the names it trained: what a site log's headcount is held to,
    /// each person counted once (`TrainedPeople`).
    static func trainings(projectId: Int64, db: any SQLDatabase) async throws -> [(date: String, names: [String])] {
        try await db.raw("SELECT date, trainees_json FROM trainings WHERE project_id = \(bind: projectId)").all().map {
            (try $0.text("date"), try $0.stored("trainees_json", as: [Trainee].self).map(\.name))
        }
    }

    /// What a missing requirement is called in the API's words.
    public static func describe(_ r: SafetyRequirement) -> String {
        switch r {
        case .agreement: "the contractor's safety agreement for the batch"
        case .emergencyPlan: "an emergency plan covering the project"
        case .training: "a pre-job safety training"
        }
    }

    // MARK: Agreements and plans

    static func requireOffice(_ actor: Actor) throws {
        guard [.admin, .subdistrictOfficer].contains(actor.role) else { throw AccessError.forbidden }
    }

    /// The organisation, when it is of `kind` and in the office's sub-district; its sub-district.
    static func organisation(_ id: Int64, kind: OrganisationKind, field: String, actor: Actor, db: any SQLDatabase)
        async throws -> Int64
    {
        guard let r = try await db.raw("SELECT kind, subdistrict_id FROM organisations WHERE id = \(bind: id)").first(),
            let sd = try r.optionalInt("subdistrict_id"), actor.scope.kind != .subdistrict || actor.scope.id == sd
        else {
            throw ValidationError(field: field, code: "not_found", message: "organisation \(id) does not exist")
        }
        guard try r.text("kind") == kind.rawValue else {
            throw ValidationError(
                field: field, code: "wrong_kind", message: "organisation \(id) is not a \(kind.rawValue)")
        }
        return sd
    }

    public struct NewAgreement: Sendable {
        public var organisationId: Int64, batchYear: Int64, signedOn: Day, targets: String, attachmentId: Int64?
        public init(organisationId: Int64, batchYear: Int64, signedOn: Day, targets: String, attachmentId: Int64?) {
            self.organisationId = organisationId
            self.batchYear = batchYear
            self.signedOn = signedOn
            self.targets = targets
            self.attachmentId = attachmentId
        }
    }

    public func createAgreement(_ a: NewAgreement, actor: Actor) async throws -> SafetyAgreement {
        try Self.requireOffice(actor)
        guard (2000...2100).contains(a.batchYear) else {
            throw ValidationError(field: "batch_year", code: "invalid", message: "batch_year must be 2000 to 2100")
        }
        try TextBounds.check(a.targets, field: "targets")
        guard a.signedOn <= Clock.today else {
            throw ValidationError(field: "signed_on", code: "future", message: "an agreement is recorded once signed")
        }
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.organisation(
                a.organisationId, kind: .contractor, field: "organisation_id", actor: actor, db: db)
            try await AttachmentRepository.requireReadable(
                a.attachmentId.map { [$0] } ?? [], field: "attachment_id", actor: actor, db: db)
            let taken = try await db.raw(
                """
                SELECT id FROM safety_agreements WHERE organisation_id = \(bind: a.organisationId)
                AND batch_year = \(bind: a.batchYear)
                """
            ).first()
            if taken != nil { throw StoreError.conflict("this contractor already has an agreement for the batch") }
            let id = try await db.raw(
                """
                INSERT INTO safety_agreements (subdistrict_id, organisation_id, batch_year, signed_on, targets,
                  attachment_id, created_at, created_by)
                VALUES (\(bind: sd), \(bind: a.organisationId), \(bind: a.batchYear), \(bind: a.signedOn.description),
                  \(bind: TextNormalizer.prose(a.targets)), \(bind: a.attachmentId), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "safety_agreements", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("organisation_id", .int(a.organisationId))]))
            return id
        }
        guard let made = try await agreements(actor: actor, batchYear: nil).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        return made
    }

    /// The agreements the account may see: an office its sub-district's, a contractor its own.
    public func agreements(actor: Actor, batchYear: Int64?) async throws -> [SafetyAgreement] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        var sql: SQLQueryString = """
            SELECT a.id, a.organisation_id, o.name, a.batch_year, a.signed_on, a.targets, a.attachment_id
            FROM safety_agreements a JOIN organisations o ON o.id = a.organisation_id WHERE
            """
        sql += " " + Self.scope(actor, subdistrict: "a.subdistrict_id", organisation: "a.organisation_id")
        if let batchYear { sql += " AND a.batch_year = \(bind: batchYear)" }
        sql += " ORDER BY a.batch_year DESC, o.name"
        let q = sql
        return try await database.withConnection { db in
            try await db.raw(q).all().map { r in
                SafetyAgreement(
                    id: try r.int("id"), organisationId: try r.int("organisation_id"),
                    organisationName: try r.text("name"),
                    batchYear: try r.int("batch_year"), signedOn: try LedgerRepository.day(r, "signed_on"),
                    targets: try r.text("targets"),
                    attachmentId: try r.optionalInt("attachment_id"))
            }
        }
    }

    /// Rows an account may see by sub-district, or by its own organisation.
    static func scope(_ actor: Actor, subdistrict: String, organisation: String) -> SQLQueryString {
        switch actor.scope.kind {
        case nil: return "1=1"
        case .organisation: return SQLQueryString(organisation) + " = \(bind: actor.scope.id ?? 0)"
        case .subdistrict: return SQLQueryString(subdistrict) + " = \(bind: actor.scope.id ?? 0)"
        case .community, .compound, .building, .entrance: return "1=0"
        }
    }

    public struct NewPlan: Sendable {
        public var organisationId: Int64, projectIds: [Int64], approvedOn: Day, attachmentId: Int64?
        public init(organisationId: Int64, projectIds: [Int64], approvedOn: Day, attachmentId: Int64?) {
            self.organisationId = organisationId
            self.projectIds = projectIds
            self.approvedOn = approvedOn
            self.attachmentId = attachmentId
        }
    }

    public func createPlan(_ plan: NewPlan, actor: Actor) async throws -> EmergencyPlan {
        try Self.requireOffice(actor)
        guard !plan.projectIds.isEmpty, plan.projectIds.count <= 500 else {
            throw ValidationError(field: "project_ids", code: "required", message: "a plan covers 1 to 500 projects")
        }
        // A plan dated ahead would stand as approved, and open the construction gate, before anyone approved it.
        guard plan.approvedOn <= Clock.today else {
            throw ValidationError(field: "approved_on", code: "future", message: "a plan is recorded once approved")
        }
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.organisation(
                plan.organisationId, kind: .contractor, field: "organisation_id", actor: actor, db: db)
            for pid in Set(plan.projectIds) {
                guard let p = try await ProjectRepository.load(pid, actor: actor, db: db), p.subdistrictId == sd else {
                    throw ValidationError(
                        field: "project_ids", code: "not_found", message: "project \(pid) is not in this sub-district")
                }
                // A contractor's plan covers the sites it builds, not another contractor's.
                guard p.contractorId == plan.organisationId else {
                    throw ValidationError(
                        field: "project_ids", code: "other_contractor",
                        message: "project \(pid) is not built by organisation \(plan.organisationId)")
                }
            }
            try await AttachmentRepository.requireReadable(
                plan.attachmentId.map { [$0] } ?? [], field: "attachment_id", actor: actor, db: db)
            let id = try await db.raw(
                """
                INSERT INTO emergency_plans (subdistrict_id, organisation_id, approved_on, attachment_id, created_at,
                  created_by)
                VALUES (\(bind: sd), \(bind: plan.organisationId), \(bind: plan.approvedOn.description),
                  \(bind: plan.attachmentId), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            for pid in Set(plan.projectIds) {
                try await db.raw(
                    "INSERT INTO emergency_plan_projects (plan_id, project_id) VALUES (\(bind: id), \(bind: pid))"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "emergency_plans", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("projects", .int(Int64(Set(plan.projectIds).count)))]))
            return id
        }
        return try await requirePlan(id, actor: actor)
    }

    func requirePlan(_ id: Int64, actor: Actor) async throws -> EmergencyPlan {
        guard let plan = try await plans(actor: actor, id: id).first else { throw StoreError.notFound }
        return plan
    }

    public func plans(actor: Actor, id: Int64? = nil) async throws -> [EmergencyPlan] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        var sql: SQLQueryString = """
            SELECT e.id, e.organisation_id, o.name, e.approved_on, e.attachment_id
            FROM emergency_plans e JOIN organisations o ON o.id = e.organisation_id WHERE
            """
        sql += " " + Self.scope(actor, subdistrict: "e.subdistrict_id", organisation: "e.organisation_id")
        if let id { sql += " AND e.id = \(bind: id)" }
        sql += " ORDER BY e.id DESC LIMIT 500"
        let q = sql
        return try await database.withConnection { db in
            var out: [EmergencyPlan] = []
            for r in try await db.raw(q).all() {
                let pid = try r.int("id")
                let projects = try await db.raw(
                    "SELECT project_id FROM emergency_plan_projects WHERE plan_id = \(bind: pid) ORDER BY project_id"
                ).all().map { try $0.int("project_id") }
                let drills = try await db.raw(
                    "SELECT id, date, attendance, note FROM emergency_drills WHERE plan_id = \(bind: pid) ORDER BY date"
                ).all().map {
                    EmergencyDrill(
                        id: try $0.int("id"), date: try LedgerRepository.day($0, "date"),
                        attendance: try $0.int("attendance"),
                        note: try $0.text("note"))
                }
                out.append(
                    EmergencyPlan(
                        id: pid, organisationId: try r.int("organisation_id"), organisationName: try r.text("name"),
                        projectIds: projects, approvedOn: try LedgerRepository.day(r, "approved_on"),
                        attachmentId: try r.optionalInt("attachment_id"), drills: drills))
            }
            return out
        }
    }

    /// A drill of the plan, with its attendance; by the office or the plan's contractor.
    public func addDrill(planId: Int64, date: Day, attendance: Int64, note: String, actor: Actor) async throws
        -> EmergencyPlan
    {
        guard [.admin, .subdistrictOfficer, .contractor].contains(actor.role) else { throw AccessError.forbidden }
        try RecordedDay.check(date, field: "date", today: Clock.today)
        try TextBounds.check(note, field: "note")
        guard (1...10_000).contains(attendance) else {
            throw ValidationError(field: "attendance", code: "invalid", message: "attendance is 1 to 10,000 people")
        }
        let plan = try await requirePlan(planId, actor: actor)
        try await database.transaction { db in
            let id = try await db.raw(
                """
                INSERT INTO emergency_drills (plan_id, date, attendance, note, created_at, created_by)
                VALUES (\(bind: plan.id), \(bind: date.description), \(bind: attendance), \(bind: TextNormalizer.prose(note)),
                  \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "emergency_drills", entityId: id, subdistrictId: nil,
                before: nil, after: .object([("attendance", .int(attendance))]))
        }
        return try await requirePlan(planId, actor: actor)
    }
}

extension SafetyRepository {
    /// The safety paperwork on file for a project, as the gate into construction would find it.
    public func facts(projectId: Int64) async throws -> SafetyFacts {
        try await database.withConnection { db in
            let contractor = try await db.raw("SELECT contractor_id FROM projects WHERE id = \(bind: projectId)")
                .first()?
                .optionalInt("contractor_id")
            return try await Self.facts(projectId: projectId, contractorId: contractor, db: db)
        }
    }
}
