import CourtyardDomain
import Foundation
import SQLKit

/// A project's tasks, their critical-path schedule on the working-day calendar, and baselines.
public struct ScheduleRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar) {
        self.database = database
        self.calendar = calendar
    }

    /// Running a schedule is the office's and the project-management company's job.
    static func requireScheduler(_ actor: Actor, project: ProjectRepository.Row) throws {
        if Permissions.allows(actor.role, .manageProjects) { return }
        if actor.role == .pmCompany, actor.scope.id == project.pmCompanyId { return }
        throw AccessError.forbidden
    }

    public struct TaskRow: Sendable {
        public var id: Int64, name: String, duration: Int, dependsOn: [Int64], lags: [Int64: Int], workItemId: Int64?
        public var baselineStart: Day?, baselineFinish: Day?, actualStart: Day?, actualFinish: Day?, version: Int
        public var hiddenWork: Bool = false
        var task: Schedule.Task { Schedule.Task(id: id, duration: duration, dependsOn: dependsOn, lags: lags) }

        /// The task as the API writes it.
        public var model: ProjectTask {
            ProjectTask(
                id: id, name: name, durationDays: Int64(duration), dependsOn: dependsOn, lags: TaskLags(lags),
                workItemId: workItemId, baselineStart: baselineStart, baselineFinish: baselineFinish,
                actualStart: actualStart, actualFinish: actualFinish, version: Int64(version), hiddenWork: hiddenWork)
        }
    }

    static func tasks(projectId: Int64, db: any SQLDatabase) async throws -> [TaskRow] {
        let deps = try await db.raw(
            """
            SELECT d.task_id, d.depends_on, d.lag_days FROM task_dependencies d JOIN tasks k ON k.id = d.task_id WHERE k.project_id = \(bind: projectId)
            ORDER BY d.depends_on
            """
        ).all()
        var byTask: [Int64: [Int64]] = [:]
        var lags: [Int64: [Int64: Int]] = [:]
        for d in deps {
            let t = try d.int("task_id")
            let on = try d.int("depends_on")
            let lag = try d.decode(column: "lag_days", as: Int.self)
            byTask[t, default: []].append(on)
            if lag != 0 { lags[t, default: [:]][on] = lag }
        }
        return try await db.raw(
            """
            SELECT id, name, duration_days, work_item_id, baseline_start, baseline_finish, actual_start, actual_finish, version,
              hidden_work
            FROM tasks WHERE project_id = \(bind: projectId) ORDER BY id
            """
        ).all().map { r in
            let id = try r.int("id")
            return TaskRow(
                id: id, name: try r.text("name"), duration: try r.decode(column: "duration_days", as: Int.self),
                dependsOn: byTask[id] ?? [], lags: lags[id] ?? [:], workItemId: try r.optionalInt("work_item_id"),
                baselineStart: try r.optionalText("baseline_start").flatMap { Day($0) },
                baselineFinish: try r.optionalText("baseline_finish").flatMap { Day($0) },
                actualStart: try r.optionalText("actual_start").flatMap { Day($0) },
                actualFinish: try r.optionalText("actual_finish").flatMap { Day($0) },
                version: try r.decode(column: "version", as: Int.self), hiddenWork: try r.int("hidden_work") != 0)
        }
    }

    public struct TaskChange: Sendable {
        public var name: String?
        public var duration: Int?
        public var dependsOn: [Int64]?
        /// Lags in working days by predecessor, given with `dependsOn`.
        public var lags: [Int64: Int] = [:]
        public var workItemId: Int64??
        public var actualStart: Day??
        public var actualFinish: Day??
        public var hiddenWork: Bool?
        public init() {}
    }

    public func addTask(projectId: Int64, change: TaskChange, actor: Actor) async throws -> ProjectTask {
        guard let name = change.name.map(TextNormalizer.prose), !name.isEmpty, name.count <= 200 else {
            throw ValidationError(
                field: "name", code: "required", message: "a task needs a name of at most 200 characters")
        }
        guard let duration = change.duration else {
            throw ValidationError(field: "duration_days", code: "required", message: "duration_days is required")
        }
        let cal = calendar
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            try Self.requireScheduler(actor, project: p)
            let id = try await db.raw(
                """
                INSERT INTO tasks (project_id, name, duration_days) VALUES (\(bind: projectId), \(bind: name), \(bind: 1)) RETURNING id
                """
            ).first()!.int("id")
            var c = change
            c.name = name
            c.duration = duration
            try await Self.apply(c, taskId: id, project: p, db: db)
            try await Self.refreshLateFinishes(project: p, calendar: cal, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "tasks", entityId: id, subdistrictId: p.subdistrictId,
                before: nil, after: .object([("name", .string(name)), ("duration_days", .int(Int64(duration)))]))
            return id
        }
        return try await task(projectId: projectId, taskId: id, actor: actor)
    }

    public func updateTask(projectId: Int64, taskId: Int64, change: TaskChange, ifVersion: Int?, actor: Actor)
        async throws -> ProjectTask
    {
        let cal = calendar
        try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            let contractorReporting =
                actor.role == .contractor && actor.scope.id == p.contractorId
                && change.name == nil && change.duration == nil && change.dependsOn == nil && change.workItemId == nil
                && change.hiddenWork == nil
            if !contractorReporting { try Self.requireScheduler(actor, project: p) }
            guard
                let row = try await db.raw(
                    "SELECT version FROM tasks WHERE id = \(bind: taskId) AND project_id = \(bind: projectId)"
                ).first()
            else {
                throw StoreError.notFound
            }
            if let v = ifVersion, try row.decode(column: "version", as: Int.self) != v { throw StoreError.stale }
            try await Self.apply(change, taskId: taskId, project: p, db: db)
            try await Self.refreshLateFinishes(project: p, calendar: cal, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "tasks", entityId: taskId,
                subdistrictId: p.subdistrictId,
                before: nil, after: .object([("task_id", .int(taskId))]))
        }
        return try await task(projectId: projectId, taskId: taskId, actor: actor)
    }

    public func deleteTask(projectId: Int64, taskId: Int64, actor: Actor) async throws {
        let cal = calendar
        try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            try Self.requireScheduler(actor, project: p)
            guard
                try await db.raw("SELECT id FROM tasks WHERE id = \(bind: taskId) AND project_id = \(bind: projectId)")
                    .first() != nil
            else {
                throw StoreError.notFound
            }
            try await db.raw(
                "DELETE FROM task_dependencies WHERE task_id = \(bind: taskId) OR depends_on = \(bind: taskId)"
            ).run()
            try await db.raw("DELETE FROM tasks WHERE id = \(bind: taskId)").run()
            try await Self.refreshLateFinishes(project: p, calendar: cal, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "tasks", entityId: taskId,
                subdistrictId: p.subdistrictId,
                before: .object([("project_id", .int(projectId))]), after: nil)
        }
    }

    /// Writes a change after checking it: durations, the work item, dates, and that dependencies stay acyclic.
    static func apply(_ c: TaskChange, taskId: Int64, project p: ProjectRepository.Row, db: any SQLDatabase)
        async throws
    {
        var sets: [SQLQueryString] = []
        if let n = c.name {
            let name = TextNormalizer.prose(n)
            guard !name.isEmpty, name.count <= 200 else {
                throw ValidationError(field: "name", code: "required", message: "a task needs a name")
            }
            sets.append("name = \(bind: name)")
        }
        if let d = c.duration {
            guard (1...999).contains(d) else {
                throw ValidationError(
                    field: "duration_days", code: "invalid", message: "duration_days is 1 to 999 working days")
            }
            sets.append("duration_days = \(bind: d)")
        }
        if let w = c.workItemId {
            if let w,
                try await db.raw("SELECT id FROM work_items WHERE id = \(bind: w) AND project_id = \(bind: p.id)")
                    .first() == nil
            {
                throw ValidationError(
                    field: "work_item_id", code: "not_found", message: "work item \(w) is not in this project's plan")
            }
            sets.append("work_item_id = \(bind: w)")
        }
        // The day a task started or finished is reported after it happened, and within the year.
        if case .some(.some(let d)) = c.actualStart {
            try RecordedDay.check(d, field: "actual_start", today: Clock.today)
        }
        if case .some(.some(let d)) = c.actualFinish {
            try RecordedDay.check(d, field: "actual_finish", today: Clock.today)
        }
        if let s = c.actualStart { sets.append("actual_start = \(bind: s?.description)") }
        if let f = c.actualFinish { sets.append("actual_finish = \(bind: f?.description)") }
        if let h = c.hiddenWork { sets.append("hidden_work = \(bind: h ? 1 : 0)") }
        if let deps = c.dependsOn {
            let unique = Array(Set(deps)).sorted()
            if unique.contains(taskId) {
                throw StoreError.refused(code: "dependency_cycle", message: "a task cannot depend on itself")
            }
            let existing = try await tasks(projectId: p.id, db: db)
            for d in unique where !existing.contains(where: { $0.id == d }) {
                throw ValidationError(
                    field: "depends_on", code: "not_found", message: "task \(d) is not in this project")
            }
            if let cycle = Schedule.wouldCycle(existing.map(\.task), task: taskId, dependsOn: unique) {
                throw StoreError.refused(
                    code: "dependency_cycle",
                    message: "that would close a cycle: \(cycle.map(String.init).joined(separator: " → "))")
            }
            try await db.raw("DELETE FROM task_dependencies WHERE task_id = \(bind: taskId)").run()
            for d in unique {
                let lag = c.lags[d] ?? 0
                guard (0...365).contains(lag) else {
                    throw ValidationError(
                        field: "depends_on", code: "invalid", message: "a lag is 0 to 365 working days")
                }
                try await db.raw(
                    "INSERT INTO task_dependencies (task_id, depends_on, lag_days) VALUES (\(bind: taskId), \(bind: d), \(bind: lag))"
                ).run()
            }
        }
        var sql: SQLQueryString = "UPDATE tasks SET version = version + 1"
        for s in sets { sql += ", " + s }
        sql += " WHERE id = \(bind: taskId)"
        try await db.raw(sql).run()
        let row = try await db.raw(
            "SELECT actual_start, actual_finish, hidden_work FROM tasks WHERE id = \(bind: taskId)"
        ).first()!
        if let s = try row.optionalText("actual_start"), let f = try row.optionalText("actual_finish"), f < s {
            throw ValidationError(
                field: "actual_finish", code: "before_start", message: "a task cannot finish before it starts")
        }
        if try row.optionalText("actual_finish") != nil, try row.int("hidden_work") != 0 {
            let accepted = try await db.raw(
                """
                SELECT id FROM hidden_work_acceptances WHERE task_id = \(bind: taskId) AND result = 'passed'
                """
            ).first()
            if accepted == nil {
                throw StoreError.refused(
                    code: "hidden_work_not_accepted",
                    message: "hidden works finish only after the supervisor's passed acceptance with photos")
            }
        }
    }

    /// Keeps each task's latest finish against the deadline, so a bulletin can name overdue tasks without scheduling every project.
    static func refreshLateFinishes(project p: ProjectRepository.Row, calendar: WorkCalendar, db: any SQLDatabase)
        async throws
    {
        let rows = try await tasks(projectId: p.id, db: db)
        guard !rows.isEmpty else { return }
        let result = try Schedule.compute(rows.map(\.task), mode: .backward, anchor: p.deadline, calendar: calendar)
        for r in result.rows {
            try await db.raw(
                "UPDATE tasks SET late_finish = \(bind: r.lateFinish.description) WHERE id = \(bind: r.id)"
            ).run()
        }
    }

    /// After the working-day calendar changes: every unfinished project's latest finishes, recomputed in one transaction.
    public static func refreshAll(database: Database, calendar: WorkCalendar) async throws {
        try await database.transaction { db in
            let rows = try await db.raw(
                """
                SELECT p.id, p.subdistrict_id, p.community_id, p.compound_id, p.batch_year, p.deadline, p.planned_start, p.stage,
                  p.started_on, p.completed_on, p.contractor_id, p.supervisor_id, p.pm_company_id, p.version
                FROM projects p WHERE p.completed_on IS NULL AND EXISTS (SELECT 1 FROM tasks k WHERE k.project_id = p.id)
                """
            ).all()
            for r in rows {
                try await refreshLateFinishes(project: try ProjectRepository.Row(r), calendar: calendar, db: db)
            }
        }
    }

    public func task(projectId: Int64, taskId: Int64, actor: Actor) async throws -> ProjectTask {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            guard let t = try await Self.tasks(projectId: projectId, db: db).first(where: { $0.id == taskId }) else {
                throw StoreError.notFound
            }
            return t.model
        }
    }

    /// A computed schedule with each task's row and what the chart needs.
    public struct Plan: Sendable {
        public var mode: Schedule.Mode
        public var anchor: Day
        public var deadline: Day
        public var result: Schedule.Result
        public var tasks: [TaskRow]
        public var baselineAt: String?

        /// The dates the plan holds a task to: as late as allowed from the deadline, or as early as possible from the start.
        /// Every year from the plan's first date to its last, with the source of its working days.
        public func calendarYears(_ calendar: WorkCalendar) -> [(year: Int, source: WorkCalendar.YearSource)] {
            let days = [result.start, result.finish, anchor, deadline]
            return calendar.sources(from: days.min()!, through: days.max()!)
        }

        public func planned(_ r: Schedule.Row) -> (start: Day, finish: Day) {
            mode == .backward ? (r.lateStart, r.lateFinish) : (r.earlyStart, r.earlyFinish)
        }
    }

    public func plan(projectId: Int64, mode: Schedule.Mode, start: Day?, actor: Actor) async throws -> Plan {
        let cal = calendar
        return try await database.withConnection { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            let rows = try await Self.tasks(projectId: projectId, db: db)
            let anchor = mode == .backward ? p.deadline : (start ?? p.startedOn ?? p.plannedStart ?? Clock.today)
            let baselineAt = try await db.raw("SELECT baseline_at FROM projects WHERE id = \(bind: projectId)").first()?
                .optionalText("baseline_at")
            let result = try Schedule.compute(rows.map(\.task), mode: mode, anchor: anchor, calendar: cal)
            return Plan(
                mode: mode, anchor: anchor, deadline: p.deadline, result: result, tasks: rows, baselineAt: baselineAt)
        }
    }

    /// Signed working days from `a` to `b`: positive when `b` is later.
    func variance(_ a: Day?, _ b: Day?) -> Int64? {
        guard let a, let b else { return nil }
        return Int64(b >= a ? calendar.workingDays(after: a, through: b) : -calendar.workingDays(after: b, through: a))
    }

    /// A computed plan as the API writes it: the span, the overrun past the deadline, and each task's dates.
    public func view(_ plan: Plan) -> ScheduleView {
        let byId = Dictionary(plan.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = plan.result.rows.map { r in
            let t = byId[r.id]!
            let planned = plan.planned(r)
            return ScheduledTask(
                task: t.model, earlyStart: r.earlyStart, earlyFinish: r.earlyFinish, lateStart: r.lateStart,
                lateFinish: r.lateFinish, totalFloat: Int64(r.totalFloat), critical: r.critical,
                plannedStart: planned.start, plannedFinish: planned.finish,
                startVarianceDays: variance(t.baselineStart, planned.start),
                finishVarianceDays: variance(t.baselineFinish, planned.finish),
                actualStartVarianceDays: variance(t.baselineStart, t.actualStart),
                actualFinishVarianceDays: variance(t.baselineFinish, t.actualFinish))
        }
        let overrun: Int64 =
            plan.result.finish > plan.deadline
            ? Int64(calendar.workingDays(after: plan.deadline, through: plan.result.finish)) : 0
        return ScheduleView(
            mode: plan.mode, anchor: plan.anchor, start: plan.result.start, finish: plan.result.finish,
            deadline: plan.deadline, daysPastDeadline: overrun, baselineAt: plan.baselineAt,
            calendarYears: plan.calendarYears(calendar).map { CalendarYear(year: Int64($0.year), source: $0.source) },
            tasks: rows)
    }

    /// Freezes the plan's dates as the baseline the current plan and the actuals are compared with.
    public func setBaseline(projectId: Int64, mode: Schedule.Mode, start: Day?, actor: Actor) async throws
        -> ScheduleView
    {
        let plan = try await plan(projectId: projectId, mode: mode, start: start, actor: actor)
        guard !plan.tasks.isEmpty else { throw StoreError.conflict("the project has no tasks to baseline") }
        try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            try Self.requireScheduler(actor, project: p)
            for r in plan.result.rows {
                let d = plan.planned(r)
                try await db.raw(
                    """
                    UPDATE tasks SET baseline_start = \(bind: d.start.description), baseline_finish = \(bind: d.finish.description) WHERE id = \(bind: r.id)
                    """
                ).run()
            }
            try await db.raw(
                "UPDATE projects SET baseline_at = \(bind: Clock.isoNow()), version = version + 1 WHERE id = \(bind: projectId)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "baseline", entity: "projects", entityId: projectId,
                subdistrictId: p.subdistrictId,
                before: nil,
                after: .object([("mode", .string(mode.rawValue)), ("tasks", .int(Int64(plan.tasks.count)))]))
        }
        return view(try await self.plan(projectId: projectId, mode: mode, start: start, actor: actor))
    }
}
