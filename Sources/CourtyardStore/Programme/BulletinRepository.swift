import CourtyardDomain
import Foundation
import SQLKit

/// The weekly progress bulletin (通报): drafted from the live data, frozen when published.
public struct BulletinRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// One project as a bulletin counts it.
    struct Line: Sendable {
        var projectId: Int64, compoundId: Int64, compoundName: String, communityId: Int64, communityName: String
        var subdistrictId: Int64, subdistrictName: String
        var households: Int64, stage: ProjectStage, startedOn: Day?, completedOn: Day?, percentTenths: Int64,
            contractor: String?
        var overdueTasks: Int64 = 0, openFindings: Int64 = 0, overdueFindings: Int64 = 0, openReports: Int64 = 0
        var satisfactionTenths: Int64?

        func started(by asOf: Day) -> Bool { startedOn.map { $0 <= asOf } ?? false }
        func completed(by asOf: Day) -> Bool { completedOn.map { $0 <= asOf } ?? false }

        func compound(asOf: Day) -> BulletinCompound {
            var problems: [String] = []
            if overdueTasks > 0 { problems.append("overdue_tasks:\(overdueTasks)") }
            if overdueFindings > 0 { problems.append("overdue_findings:\(overdueFindings)") }
            if openReports > 0 { problems.append("open_reports:\(openReports)") }
            return BulletinCompound(
                projectId: projectId, compoundId: compoundId, name: compoundName, communityId: communityId,
                communityName: communityName, households: households, stage: stage,
                startedOn: started(by: asOf) ? startedOn : nil, completedOn: completed(by: asOf) ? completedOn : nil,
                percentComplete: PercentTenths(tenths: percentTenths), overdueTasks: overdueTasks,
                openFindings: openFindings, overdueFindings: overdueFindings, openReports: openReports,
                problems: problems, responsible: contractor,
                satisfactionRate: satisfactionTenths.map(PercentTenths.init))
        }
    }

    /// The sub-district a bulletin covers: the actor's own, the one asked for, or (for an administrator) the whole city.
    func coverage(_ actor: Actor, requested: Int64?) throws -> Int64? {
        guard Permissions.allows(actor.role, .manageBulletins) || Permissions.allows(actor.role, .readRegistry) else {
            throw AccessError.forbidden
        }
        switch actor.scope.kind {
        case nil: return requested
        case .subdistrict:
            if let requested, requested != actor.scope.id { throw StoreError.notFound }
            return actor.scope.id
        default: throw AccessError.forbidden
        }
    }

    static func coverageSQL(_ subdistrict: Int64?, column: String) -> SQLQueryString {
        subdistrict.map { "\(unsafeRaw: column) = \(bind: $0)" } ?? "\(unsafeRaw: column) IS NULL"
    }

    /// Computes a bulletin's content at `asOf` for one batch; `previous` is the last published one it is compared with.
    static func compute(
        batchYear: Int, asOf: Day, subdistrict: Int64?, previous: BulletinFigures?, previousId: Int64?,
        db: any SQLDatabase, side: Database? = nil
    ) async throws -> BulletinFigures {
        var projectScope: SQLQueryString = "p.batch_year = \(bind: batchYear)"
        if let s = subdistrict { projectScope += " AND p.subdistrict_id = \(bind: s)" }
        let scope = projectScope
        let wide = subdistrict == nil
        // With a pool to draw on, the lines (the longest query, and 20,000 rows to read) are read on a second
        // connection while this one reads the rest. Each statement sees the data as committed when it starts,
        // whether on one connection or two.
        async let sideLines: [Line]? =
            side?.withSecondConnection(besides: db) { c in try await Self.lines(scope, wide: wide, db: c) } ?? nil
        let problemRows = try await Self.problemRows(scope, asOf: asOf, db: db)
        let satisfaction = try await QuestionnaireRepository.satisfaction(
            inProjects: "SELECT p.id FROM projects p WHERE " + scope, db: db)
        let calendar = try await CalendarRepository.calendar(db: db)
        let departments = try await CoordinationRequestRepository.bulletinSection(
            db: db, subdistrictId: subdistrict, asOf: asOf)
        let contractors = try await SafetyRepository.contractorFigures(
            db: db, projects: scope, asOf: asOf, calendar: calendar)
        var lines: [Line]
        if let read = try await sideLines {
            lines = read
        } else {
            lines = try await Self.lines(scope, wide: wide, db: db)
        }
        var index: [Int64: Int] = [:]
        for (i, l) in lines.enumerated() { index[l.projectId] = i }
        if asOf < Clock.today { try await Self.asItStood(&lines, index: index, scope, asOf: asOf, db: db) }
        let overdue = Self.problems(problemRows, asOf: asOf, lines: &lines, index: index)
        for i in lines.indices { lines[i].satisfactionTenths = satisfaction[lines[i].projectId] }
        var figures = assemble(
            lines: lines, asOf: asOf, previous: previous, overdue: overdue, cityWide: subdistrict == nil)
        figures.previousBulletinId = previousId
        figures.departments = departments
        figures.contractors = contractors
        return figures
    }

    /// Every project of the batch with its households (its compound's kept count), stage, dates and budget-weighted
    /// progress. A sub-district's few dozen projects look their sums up one by one through the index; a city's or a
    /// province's thousands are summed in one pass over the work items (one sort instead of a lookup each).
    static func lines(_ projectScope: SQLQueryString, wide: Bool, db: any SQLDatabase) async throws -> [Line] {
        let sums: SQLQueryString =
            wide
            ? """
            COALESCE(wi.budget, 0) AS budget, COALESCE(wi.weighted, 0) AS weighted
            FROM projects p
            LEFT JOIN (SELECT project_id, CAST(SUM(budget_fen) AS BIGINT) AS budget,
                         CAST(SUM(budget_fen * percent) AS BIGINT) AS weighted FROM work_items GROUP BY project_id) wi
              ON wi.project_id = p.id
            """
            : """
            (SELECT CAST(COALESCE(SUM(w.budget_fen), 0) AS BIGINT) FROM work_items w WHERE w.project_id = p.id) AS budget,
            (SELECT CAST(COALESCE(SUM(w.budget_fen * w.percent), 0) AS BIGINT) FROM work_items w WHERE w.project_id = p.id)
              AS weighted
            FROM projects p
            """
        let rows = try await db.raw(
            """
            SELECT p.id, p.compound_id, t.name AS compound_name, p.community_id, c.name AS community_name, p.stage,
              p.started_on, p.completed_on, p.subdistrict_id, sd.name AS subdistrict_name, o.name AS contractor,
              t.household_count AS households,
            """ + " " + sums + " " + """
                JOIN compounds t ON t.id = p.compound_id JOIN communities c ON c.id = p.community_id
                JOIN subdistricts sd ON sd.id = p.subdistrict_id LEFT JOIN organisations o ON o.id = p.contractor_id
                WHERE
                """ + " " + projectScope + Self.byName(db)
        ).all()
        return try rows.map { r -> Line in
            let compound = try r.int("compound_id")
            let stageText = try r.text("stage")
            guard let stage = ProjectStage(rawValue: stageText) else {
                throw StoreError.invalid("project \(try r.int("id")) is in an unknown stage \(stageText)")
            }
            return Line(
                projectId: try r.int("id"), compoundId: compound, compoundName: try r.text("compound_name"),
                communityId: try r.int("community_id"), communityName: try r.text("community_name"),
                subdistrictId: try r.int("subdistrict_id"), subdistrictName: try r.text("subdistrict_name"),
                households: try r.int("households"), stage: stage,
                startedOn: try r.optionalText("started_on").flatMap { Day($0) },
                completedOn: try r.optionalText("completed_on").flatMap { Day($0) },
                percentTenths: Percent.weighted(sum: try r.int("weighted"), weight: try r.int("budget")),
                contractor: try r.optionalText("contractor"))
        }
    }

    /// A bulletin dated before today reads each project as it stood that day (`ProgressOnDay`): the work items a
    /// later site log moved take the percent the logs up to the day had set, and a project moved through a gate
    /// since is in the stage it was in. Only projects with such later logs or passes are read again.
    static func asItStood(
        _ lines: inout [Line], index: [Int64: Int], _ projectScope: SQLQueryString, asOf: Day, db: any SQLDatabase
    ) async throws {
        for (project, tenths) in try await progressOn(asOf, projectScope, db: db) {
            if let i = index[project] { lines[i].percentTenths = tenths }
        }
        let passes = try await db.raw(
            "SELECT g.project_id, g.from_stage, g.passed_at FROM gate_passes g JOIN projects p ON p.id = g.project_id "
                + "WHERE g.passed_at >= \(bind: ProgressOnDay.endOfDay(asOf)) AND " + projectScope
        ).all()
        var since: [Int64: [(from: ProjectStage, at: String)]] = [:]
        for r in passes {
            guard let from = ProjectStage(rawValue: try r.text("from_stage")) else { continue }
            since[try r.int("project_id"), default: []].append((from, try r.text("passed_at")))
        }
        for (project, p) in since {
            if let i = index[project] { lines[i].stage = ProgressOnDay.stage(now: lines[i].stage, passedSince: p) }
        }
    }

    /// The budget-weighted progress on `asOf` of each project a site log dated after it moved: the items those logs
    /// name take the percent of the logs up to the day, the others keep today's.
    static func progressOn(_ asOf: Day, _ projectScope: SQLQueryString, db: any SQLDatabase) async throws
        -> [Int64: Int64]
    {
        let movedLater: SQLQueryString =
            "SELECT project_id FROM site_logs WHERE date > \(bind: asOf.description) AND progress_json <> '[]'"
        let logs = try await db.raw(
            "SELECT l.project_id, l.date, l.progress_json FROM site_logs l JOIN projects p ON p.id = l.project_id "
                + "WHERE l.progress_json <> '[]' AND l.project_id IN (" + movedLater + ") AND " + projectScope
        ).all()
        var byProject: [Int64: [ProgressOnDay.Log]] = [:]
        var changed: [Int64: Set<Int64>] = [:]
        for r in logs {
            let project = try r.int("project_id")
            let log = try LedgerRepository.progressLog(r)
            byProject[project, default: []].append(log)
            if log.day > asOf { changed[project, default: []].formUnion(log.percents.map(\.item)) }
        }
        guard !changed.isEmpty else { return [:] }
        var then: [Int64: [Int64: Int64]] = [:]
        for (project, moved) in changed {
            then[project] = ProgressOnDay.percents(moved, logs: byProject[project] ?? [], on: asOf)
        }
        var parts: [Int64: [(weight: Int64, percent: Int64)]] = [:]
        for r in try await db.raw(
            "SELECT w.id, w.project_id, w.budget_fen, w.percent FROM work_items w JOIN projects p ON p.id = w.project_id "
                + "WHERE w.project_id IN (" + movedLater + ") AND " + projectScope
        ).all() {
            let project = try r.int("project_id")
            let now = try r.int("percent")
            parts[project, default: []].append((try r.int("budget_fen"), then[project]?[try r.int("id")] ?? now))
        }
        return parts.mapValues(Percent.weighted)
    }

    /// Lines in order of community and compound name as their UTF-8 bytes, then of project: SQLite's own order, and
    /// PostgreSQL's "C" order whatever the database's collation (which may differ from one server to another, and
    /// compares slowly), so the same data lists the same way everywhere.
    static func byName(_ db: any SQLDatabase) -> SQLQueryString {
        db.kind == .postgres
            ? #" ORDER BY c.name COLLATE "C", t.name COLLATE "C", p.id"# : " ORDER BY c.name, t.name, p.id"
    }

    /// The rows that say what holds projects up: tasks past their latest finish, findings not yet verified (with
    /// their due days), and each compound's reports still open, each as it stood on `asOf`: a finding found later
    /// or a report filed later is not counted, one verified or closed later still is.
    struct ProblemRows: Sendable {
        var tasks: [(project: Int64, name: String, lateFinish: String)] = []
        var findings: [(project: Int64, description: String, dueOn: String)] = []
        var openReports: [(compound: Int64, count: Int64)] = []
    }

    static func problemRows(_ projectScope: SQLQueryString, asOf: Day, db: any SQLDatabase) async throws
        -> ProblemRows
    {
        var rows = ProblemRows()
        rows.tasks = try await db.raw(
            """
            SELECT k.project_id, k.name, k.late_finish FROM tasks k JOIN projects p ON p.id = k.project_id
            WHERE (k.actual_finish IS NULL OR k.actual_finish > \(bind: asOf.description))
              AND k.late_finish < \(bind: asOf.description) AND
            """ + " " + projectScope + " ORDER BY k.late_finish, k.id"
        ).all().map { (try $0.int("project_id"), try $0.text("name"), try $0.text("late_finish")) }
        rows.findings = try await db.raw(
            """
            SELECT f.project_id, f.description, f.due_on FROM findings f JOIN projects p ON p.id = f.project_id
              JOIN site_checks s ON s.id = f.check_id
            WHERE (f.state <> 'verified' OR f.verified_on > \(bind: asOf.description)) AND s.date <= \(bind: asOf.description) AND
            """ + " " + projectScope + " ORDER BY f.due_on, f.id"
        ).all().map { (try $0.int("project_id"), try $0.text("description"), try $0.text("due_on")) }
        rows.openReports = try await db.raw(
            "SELECT r.compound_id, COUNT(*) AS n FROM reports r JOIN projects p ON p.compound_id = r.compound_id WHERE "
                + openReport(asOf: asOf) + " AND " + projectScope + " GROUP BY r.compound_id"
        ).all().map { (try $0.int("compound_id"), try $0.int("n")) }
        return rows
    }

    /// A report (`r`) open on `asOf`: today, one not closed or turned down; before today, one filed by the end of the
    /// day whose last step by then (its history, `report_events`) had not closed or turned it down.
    static func openReport(asOf: Day) -> SQLQueryString {
        guard asOf < Clock.today else { return "r.state NOT IN ('closed', 'rejected')" }
        let end = ProgressOnDay.endOfDay(asOf)
        return """
            r.submitted_at < \(bind: end) AND COALESCE((SELECT e.to_state FROM report_events e
              WHERE e.report_id = r.id AND e.at < \(bind: end) ORDER BY e.at DESC, e.id DESC LIMIT 1), 'submitted')
              NOT IN ('closed', 'rejected')
            """
    }

    /// What holds each project up, counted on its line; the overdue tasks and findings themselves are listed, the
    /// first 500 of each.
    static func problems(_ rows: ProblemRows, asOf: Day, lines: inout [Line], index: [Int64: Int]) -> BulletinOverdue {
        var overdue = BulletinOverdue(tasks: [], findings: [])
        for t in rows.tasks {
            guard let i = index[t.project] else { continue }
            lines[i].overdueTasks += 1
            guard overdue.tasks.count < 500, let late = Day(t.lateFinish) else { continue }
            overdue.tasks.append(
                BulletinOverdueTask(
                    projectId: lines[i].projectId, compoundName: lines[i].compoundName, task: t.name, lateFinish: late))
        }
        for f in rows.findings {
            guard let i = index[f.project] else { continue }
            lines[i].openFindings += 1
            guard let due = Day(f.dueOn), due < asOf else { continue }
            lines[i].overdueFindings += 1
            guard overdue.findings.count < 500 else { continue }
            overdue.findings.append(
                BulletinOverdueFinding(
                    projectId: lines[i].projectId, compoundName: lines[i].compoundName, finding: f.description,
                    dueOn: due))
        }
        // Found by compound through a map: a province has 20,000 lines, and a scan of them per compound is quadratic.
        var byCompound: [Int64: [Int]] = [:]
        for i in lines.indices { byCompound[lines[i].compoundId, default: []].append(i) }
        for r in rows.openReports {
            for i in byCompound[r.compound] ?? [] { lines[i].openReports = r.count }
        }
        return overdue
    }

    static func change(_ now: Rates, _ before: Rates?) -> BulletinRates? {
        before.map { BulletinRates(now.minus($0)) }
    }

    /// One ranked row per unit, with the change since the same unit in the previous bulletin.
    static func ranking(
        _ level: Level, lines: [Line], asOf: Day, previous: [BulletinUnit], id: (Line) -> Int64,
        name: (Line) -> String
    ) -> [BulletinUnit] {
        var units: [Int64: (name: String, counts: ProgressCounts)] = [:]
        for l in lines {
            units[id(l), default: (name(l), ProgressCounts())].counts.add(
                households: l.households, started: l.started(by: asOf), completed: l.completed(by: asOf))
        }
        var before: [Int64: Rates] = [:]
        for u in previous where u.level == level { if let i = u.unitId { before[i] = u.rates.rates } }
        let ids = units.keys.sorted { units[$0]!.name < units[$1]!.name }
        let ranks = Ranking.ranks(ids.map { units[$0]!.counts.rates.rankKey })
        return zip(ids, ranks).sorted { ($0.1, units[$0.0]!.name) < ($1.1, units[$1.0]!.name) }.map { id, rank in
            let u = units[id]!
            return BulletinUnit(
                level: level, unitId: id, name: u.name, counts: u.counts,
                changePp: change(u.counts.rates, before[id]), rank: Int64(rank))
        }
    }

    static func assemble(
        lines: [Line], asOf: Day, previous: BulletinFigures?, overdue: BulletinOverdue, cityWide: Bool
    ) -> BulletinFigures {
        var total = ProgressCounts()
        for l in lines {
            total.add(households: l.households, started: l.started(by: asOf), completed: l.completed(by: asOf))
        }
        let communities = ranking(
            .community, lines: lines, asOf: asOf, previous: previous?.communities ?? [], id: \.communityId,
            name: \.communityName)
        let subdistricts =
            cityWide
            ? ranking(
                .subdistrict, lines: lines, asOf: asOf, previous: previous?.subdistricts ?? [], id: \.subdistrictId,
                name: \.subdistrictName) : []
        return BulletinFigures(
            totals: BulletinUnit(totals: total),
            changePp: change(total.rates, previous?.totals.rates.rates), previousBulletinId: nil,
            communities: communities, subdistricts: subdistricts, compounds: lines.map { $0.compound(asOf: asOf) },
            overdue: overdue, departments: nil, contractors: nil)
    }

    // MARK: Bulletins

    /// The last published bulletin before this one, with its id. One whose stored document cannot be read (written by
    /// an older version in another shape) is not compared with.
    static func previousPublished(
        batchYear: Int, subdistrict: Int64?, asOf: Day, excluding: Int64?, db: any SQLDatabase
    ) async throws -> (id: Int64, figures: BulletinFigures)? {
        var sql: SQLQueryString =
            "SELECT id, content_json FROM bulletins WHERE state = 'published' AND batch_year = \(bind: batchYear) AND "
        sql += coverageSQL(subdistrict, column: "subdistrict_id")
        sql += " AND as_of <= \(bind: asOf.description)"
        if let excluding { sql += " AND id <> \(bind: excluding)" }
        sql += " ORDER BY as_of DESC, id DESC LIMIT 1"
        guard let r = try await db.raw(sql).first(),
            let figures = try? r.stored("content_json", as: BulletinFigures.self)
        else { return nil }
        return (try r.int("id"), figures)
    }

    /// Drafts or publishes from the data as it is now, compared with the last bulletin published before it.
    /// `side`, when given, is a pool the longest part may be read from at the same time (see `compute`).
    static func computeNow(_ h: Header, db: any SQLDatabase, side: Database? = nil) async throws -> BulletinFigures {
        let previous = try await previousPublished(
            batchYear: h.batchYear, subdistrict: h.subdistrictId, asOf: h.asOf, excluding: h.id, db: db)
        return try await compute(
            batchYear: h.batchYear, asOf: h.asOf, subdistrict: h.subdistrictId, previous: previous?.figures,
            previousId: previous?.id, db: db, side: side)
    }

    public func draft(batchYear: Int, asOf: Day, subdistrictId: Int64?, nextSteps: String, actor: Actor) async throws
        -> Bulletin
    {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        try TextBounds.check(nextSteps, field: "next_steps", max: Self.nextStepsMax)
        try Self.checkAsOf(asOf)
        let sd = try coverage(actor, requested: subdistrictId)
        guard (2000...2100).contains(batchYear) else {
            throw ValidationError(field: "batch_year", code: "invalid", message: "batch_year must be 2000 to 2100")
        }
        let id: Int64 = try await database.transaction { db in
            if let sd, try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: sd)").first() == nil {
                throw StoreError.notFound
            }
            let id = try await db.raw(
                """
                INSERT INTO bulletins (subdistrict_id, batch_year, as_of, next_steps, created_at, created_by)
                VALUES (\(bind: sd), \(bind: batchYear), \(bind: asOf.description), \(bind: TextNormalizer.prose(nextSteps)), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "bulletins", entityId: id, subdistrictId: sd,
                before: nil,
                after: .object([("batch_year", .int(Int64(batchYear))), ("as_of", .string(asOf.description))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    struct Header: Sendable {
        var id: Int64, subdistrictId: Int64?, batchYear: Int, asOf: Day, issueNo: Int?, state: String, nextSteps: String
        var content: String?, createdAt: String, publishedAt: String?, version: Int
    }

    func header(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Header {
        guard
            let r = try await db.raw(
                """
                SELECT id, subdistrict_id, batch_year, as_of, issue_no, state, next_steps, content_json, created_at, published_at, version
                FROM bulletins WHERE id = \(bind: id)
                """
            ).first()
        else { throw StoreError.notFound }
        let sd = try r.optionalInt("subdistrict_id")
        switch actor.scope.kind {
        case nil: break
        case .subdistrict: if sd != actor.scope.id { throw StoreError.notFound }
        // A community or compound scope is checked against its sub-district below.
        case .community, .compound: if sd == nil { throw StoreError.notFound }
        case .organisation: throw StoreError.notFound
        case .building, .entrance:
            let place = ScopePlace.subdistrict(actor.scope.kind!, actor.scope.id ?? 0)
            let own = try await db.raw("SELECT " + place + " AS subdistrict_id").first()?.optionalInt("subdistrict_id")
            if sd == nil || own != sd { throw StoreError.notFound }
        }
        if actor.scope.kind == .community || actor.scope.kind == .compound {
            let table = actor.scope.kind == .community ? "communities" : "compounds"
            let own = try await db.raw(
                "SELECT subdistrict_id FROM \(unsafeRaw: table) WHERE id = \(bind: actor.scope.id ?? 0)"
            ).first()?.int("subdistrict_id")
            if own != sd { throw StoreError.notFound }
        }
        return Header(
            id: id, subdistrictId: sd, batchYear: try r.decode(column: "batch_year", as: Int.self),
            asOf: Day(try r.text("as_of"))!,
            issueNo: try r.decode(column: "issue_no", as: Int?.self), state: try r.text("state"),
            nextSteps: try r.text("next_steps"),
            content: try r.optionalText("content_json"), createdAt: try r.text("created_at"),
            publishedAt: try r.optionalText("published_at"),
            version: try r.decode(column: "version", as: Int.self))
    }

    /// A published bulletin is read as frozen; a draft is computed from the data as it is now.
    public func get(id: Int64, actor: Actor) async throws -> Bulletin {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let h = try await header(id, actor: actor, db: db)
            let figures: BulletinFigures
            if h.state == "published", let stored = h.content {
                guard let json = JSONValue.parse(stored),
                    let frozen = try? JSONValueCoding.decode(BulletinFigures.self, from: json)
                else { throw StoreError.invalid("published bulletin \(id) cannot be read") }
                figures = frozen
            } else {
                figures = try await Self.computeNow(h, db: db, side: database)
            }
            let unit =
                try await h.subdistrictId.asyncMap { sd in
                    try await db.raw("SELECT name FROM subdistricts WHERE id = \(bind: sd)").first()?.text("name")
                } ?? nil
            return Bulletin(h, issuingUnit: unit, figures: figures)
        }
    }

    public func list(actor: Actor, batchYear: Int?, paging: Paging = .export) async throws -> [BulletinSummary] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT b.id, b.subdistrict_id, b.batch_year, b.as_of, b.issue_no, b.state, b.published_at FROM bulletins b WHERE "
        switch actor.scope.kind {
        case nil: sql += "1=1"
        case .subdistrict: sql += "b.subdistrict_id = \(bind: actor.scope.id ?? 0)"
        case .community:
            sql += "b.subdistrict_id = (SELECT subdistrict_id FROM communities WHERE id = \(bind: actor.scope.id ?? 0))"
        case .compound:
            sql += "b.subdistrict_id = (SELECT subdistrict_id FROM compounds WHERE id = \(bind: actor.scope.id ?? 0))"
        case .organisation: sql += "1=0"
        case .building, .entrance:
            sql += "b.subdistrict_id = " + ScopePlace.subdistrict(actor.scope.kind!, actor.scope.id ?? 0)
        }
        if let batchYear { sql += " AND b.batch_year = \(bind: batchYear)" }
        sql += " ORDER BY b.as_of DESC, b.id DESC" + paging.sql
        let q = sql
        return try await database.withConnection { db in
            try await db.raw(q).all().map { r in
                let asOf = try r.text("as_of")
                let state = try r.text("state")
                guard let day = Day(asOf), let s = BulletinSummary.State(rawValue: state) else {
                    throw StoreError.invalid("bulletin \(try r.int("id")) is as of \(asOf) and \(state)")
                }
                return BulletinSummary(
                    id: try r.int("id"), subdistrictId: try r.optionalInt("subdistrict_id"),
                    batchYear: try r.int("batch_year"), asOf: day, issueNo: try r.optionalInt("issue_no"), state: s,
                    publishedAt: try r.optionalText("published_at"))
            }
        }
    }

    /// The longest 下步工作 a bulletin carries, in characters.
    public static let nextStepsMax = 4000

    /// A bulletin reports what has happened: its date is not after today.
    static func checkAsOf(_ asOf: Day) throws {
        guard asOf <= Clock.today else {
            throw ValidationError(field: "as_of", code: "future", message: "as_of cannot be after today")
        }
    }

    /// Only a draft may change; a published bulletin is a record of what was said.
    public func update(id: Int64, asOf: Day?, nextSteps: String?, actor: Actor) async throws -> Bulletin {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        if let nextSteps { try TextBounds.check(nextSteps, field: "next_steps", max: Self.nextStepsMax) }
        if let asOf { try Self.checkAsOf(asOf) }
        try await database.transaction { db in
            try await Self.change(
                try await header(id, actor: actor, db: db), asOf: asOf, nextSteps: nextSteps, actor: actor, db: db)
        }
        return try await get(id: id, actor: actor)
    }

    /// A draft's date and next steps changed inside the caller's transaction; the audit log names what changed.
    static func change(_ h: Header, asOf: Day?, nextSteps: String?, actor: Actor, db: any SQLDatabase) async throws {
        guard h.state == "draft" else {
            throw StoreError.refused(code: "published", message: "bulletin \(h.id) is published and cannot change")
        }
        let before = h.nextSteps
        let steps = nextSteps.map { TextNormalizer.prose($0) }
        var sql: SQLQueryString = "UPDATE bulletins SET version = version + 1"
        if let asOf { sql += ", as_of = \(bind: asOf.description)" }
        if let steps { sql += ", next_steps = \(bind: steps)" }
        sql += " WHERE id = \(bind: h.id)"
        try await db.raw(sql).run()
        var was: [(String, JSONValue)] = []
        var now: [(String, JSONValue)] = []
        if let asOf, asOf != h.asOf {
            was.append(("as_of", .string(h.asOf.description)))
            now.append(("as_of", .string(asOf.description)))
        }
        if let steps, steps != before {
            was.append(("next_steps", .string(before)))
            now.append(("next_steps", .string(steps)))
        }
        guard !now.isEmpty else { return }
        try await AuditLog.record(
            db: db, actor: actor, action: "update", entity: "bulletins", entityId: h.id,
            subdistrictId: h.subdistrictId, before: .object(was), after: .object(now))
    }

    public func delete(id: Int64, actor: Actor) async throws {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let h = try await header(id, actor: actor, db: db)
            guard h.state == "draft" else {
                throw StoreError.refused(
                    code: "published", message: "bulletin \(id) is published and cannot be deleted")
            }
            try await db.raw("DELETE FROM bulletins WHERE id = \(bind: id)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "bulletins", entityId: id,
                subdistrictId: h.subdistrictId,
                before: .object([("as_of", .string(h.asOf.description))]), after: nil)
        }
    }

    /// The day the last published issue of the draft's batch and coverage counts to.
    static func lastIssue(_ h: Header, db: any SQLDatabase) async throws -> Day? {
        var last: SQLQueryString =
            "SELECT MAX(as_of) AS last FROM bulletins WHERE state = 'published' AND batch_year = \(bind: h.batchYear) AND "
        last += Self.coverageSQL(h.subdistrictId, column: "subdistrict_id")
        return try await db.raw(last).first()?.optionalText("last").flatMap { Day($0) }
    }

    /// For a draft dated before the last issue (so that it cannot be published as it is), that issue's day.
    public func behindLastIssue(id: Int64, actor: Actor) async throws -> Day? {
        try await database.withConnection { db in
            let h = try await header(id, actor: actor, db: db)
            guard h.state == "draft", let last = try await Self.lastIssue(h, db: db), h.asOf < last else { return nil }
            return last
        }
    }

    /// Computes the content one last time, numbers the issue and freezes it; a date or next steps typed with it are
    /// saved in the same transaction, so a refused publication leaves the draft as it was.
    public func publish(id: Int64, asOf: Day? = nil, nextSteps: String? = nil, actor: Actor) async throws -> Bulletin {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        if let nextSteps { try TextBounds.check(nextSteps, field: "next_steps", max: Self.nextStepsMax) }
        if let asOf { try Self.checkAsOf(asOf) }
        try await database.transaction { db in
            var h = try await header(id, actor: actor, db: db)
            if asOf != nil || nextSteps != nil {
                try await Self.change(h, asOf: asOf, nextSteps: nextSteps, actor: actor, db: db)
                h = try await header(id, actor: actor, db: db)
            }
            guard h.state == "draft" else {
                throw StoreError.refused(code: "published", message: "bulletin \(id) is already published")
            }
            // Issues follow one another in time: each compares itself with the one before, so none goes back.
            if let before = try await Self.lastIssue(h, db: db), h.asOf < before {
                throw StoreError.refused(
                    code: "before_last_issue",
                    message: "the last published issue is as of \(before), later than this one",
                    details: [Phrase("lastIssue", values: ["date": before.description])])
            }
            let content = try await Self.computeNow(h, db: db)
            var count: SQLQueryString =
                "SELECT COUNT(*) AS n FROM bulletins WHERE state = 'published' AND batch_year = \(bind: h.batchYear) AND "
            count += Self.coverageSQL(h.subdistrictId, column: "subdistrict_id")
            let issue = try await db.raw(count).first()!.int("n") + 1
            try await db.raw(
                """
                UPDATE bulletins SET state = 'published', issue_no = \(bind: issue), content_json = \(bind: try JSONValueCoding.encode(content).serialized()),
                  published_at = \(bind: Clock.isoNow()), version = version + 1 WHERE id = \(bind: id) AND state = 'draft'
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "publish", entity: "bulletins", entityId: id,
                subdistrictId: h.subdistrictId,
                before: .string("draft"), after: .object([("issue_no", .int(issue))]))
            try await Outbox.emit(
                db: db, event: "bulletin.published", subdistrictId: h.subdistrictId,
                payload: .object([
                    ("id", .int(id)), ("issue_no", .int(issue)), ("batch_year", .int(Int64(h.batchYear))),
                    ("as_of", .string(h.asOf.description)),
                    ("totals", try JSONValueCoding.encode(content.totals)),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    // MARK: Programme figures

    public enum Level: String, CaseIterable, Codable, Sendable { case compound, community, subdistrict }

    /// Progress rolled up from work items (weighted by budget) to compounds, communities or sub-districts.
    public func progress(batchYear: Int, level: Level, actor: Actor) async throws -> [UnitProgress] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let (idCol, nameCol, join) =
            switch level {
            case .compound: ("p.compound_id", "u.name", "JOIN compounds u ON u.id = p.compound_id")
            case .community: ("p.community_id", "u.name", "JOIN communities u ON u.id = p.community_id")
            case .subdistrict: ("p.subdistrict_id", "u.name", "JOIN subdistricts u ON u.id = p.subdistrict_id")
            }
        let sql: SQLQueryString = """
            SELECT \(unsafeRaw: idCol) AS unit_id, \(unsafeRaw: nameCol) AS unit_name, COUNT(*) AS projects,
              CAST(COALESCE(SUM(w.budget), 0) AS BIGINT) AS budget, CAST(COALESCE(SUM(w.weighted), 0) AS BIGINT) AS weighted
            FROM projects p \(unsafeRaw: join)
            LEFT JOIN (SELECT project_id, CAST(SUM(budget_fen) AS BIGINT) AS budget, CAST(SUM(budget_fen * percent) AS BIGINT) AS weighted
                       FROM work_items GROUP BY project_id) w ON w.project_id = p.id
            WHERE p.batch_year = \(bind: batchYear) AND
            """ + " " + ProjectRepository.scope(actor)
            + " GROUP BY \(unsafeRaw: idCol), \(unsafeRaw: nameCol) ORDER BY \(unsafeRaw: nameCol)"
        return try await database.withConnection { db in
            try await db.raw(sql).all().map { r in
                let budget = try r.int("budget")
                let tenths = Percent.weighted(sum: try r.int("weighted"), weight: budget)
                return UnitProgress(
                    level: level, unitId: try r.int("unit_id"), name: try r.text("unit_name"),
                    projects: try r.int("projects"), budgetFen: budget, percentComplete: PercentTenths(tenths: tenths))
            }
        }
    }

    /// Planned and actual cumulative completions by week, for the S-curve: planned from deadlines, actual from completion dates.
    public func sCurve(batchYear: Int, actor: Actor) async throws -> (planned: [Day], actual: [Day], total: Int) {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            "SELECT p.deadline, p.completed_on FROM projects p WHERE p.batch_year = \(bind: batchYear) AND "
            + ProjectRepository.scope(actor)
        let rows = try await database.withConnection { db in try await db.raw(sql).all() }
        let planned = try rows.compactMap { Day(try $0.text("deadline")) }.sorted()
        let actual = try rows.compactMap { try $0.optionalText("completed_on").flatMap { Day($0) } }.sorted()
        return (planned, actual, rows.count)
    }
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
