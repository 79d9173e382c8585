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
        var households: Int64, stage: String, startedOn: String?, completedOn: String?, percentTenths: Int64,
            contractor: String?
        var overdueTasks = 0, openFindings = 0, overdueFindings = 0, openReports = 0
        var satisfactionTenths: Int64?
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
    static func compute(batchYear: Int, asOf: Day, subdistrict: Int64?, previous: JSONValue?, db: any SQLDatabase)
        async throws -> JSONValue
    {
        let asOfText = asOf.description
        var projectScope: SQLQueryString = "p.batch_year = \(bind: batchYear)"
        if let s = subdistrict { projectScope += " AND p.subdistrict_id = \(bind: s)" }
        let households = try await db.raw(
            """
            SELECT h.compound_id, COUNT(*) AS n FROM households h JOIN projects p ON p.compound_id = h.compound_id WHERE
            """ + " " + projectScope + " GROUP BY h.compound_id"
        ).all()
        var householdsBy: [Int64: Int64] = [:]
        for r in households { householdsBy[try r.int("compound_id")] = try r.int("n") }
        let rows = try await db.raw(
            """
            SELECT p.id, p.compound_id, t.name AS compound_name, p.community_id, c.name AS community_name, p.stage, p.started_on, p.completed_on,
              p.subdistrict_id, sd.name AS subdistrict_name,
              o.name AS contractor, COALESCE(w.budget, 0) AS budget, COALESCE(w.weighted, 0) AS weighted
            FROM projects p JOIN compounds t ON t.id = p.compound_id JOIN communities c ON c.id = p.community_id
            JOIN subdistricts sd ON sd.id = p.subdistrict_id LEFT JOIN organisations o ON o.id = p.contractor_id
            LEFT JOIN (SELECT project_id, CAST(SUM(budget_fen) AS BIGINT) AS budget, CAST(SUM(budget_fen * percent) AS BIGINT) AS weighted
                       FROM work_items GROUP BY project_id) w ON w.project_id = p.id
            WHERE
            """ + " " + projectScope + " ORDER BY c.name, t.name"
        ).all()
        var lines: [Line] = []
        var index: [Int64: Int] = [:]
        for r in rows {
            let budget = try r.int("budget")
            let tenths = Percent.weighted(sum: try r.int("weighted"), weight: budget)
            let compound = try r.int("compound_id")
            index[try r.int("id")] = lines.count
            lines.append(
                Line(
                    projectId: try r.int("id"), compoundId: compound, compoundName: try r.text("compound_name"),
                    communityId: try r.int("community_id"), communityName: try r.text("community_name"),
                    subdistrictId: try r.int("subdistrict_id"), subdistrictName: try r.text("subdistrict_name"),
                    households: householdsBy[compound] ?? 0,
                    stage: try r.text("stage"), startedOn: try r.optionalText("started_on"),
                    completedOn: try r.optionalText("completed_on"),
                    percentTenths: tenths, contractor: try r.optionalText("contractor")))
        }
        // Problems: tasks past their latest finish, findings past due, reports still open.
        var overdueTasks: [JSONValue] = []
        for r in try await db.raw(
            """
            SELECT k.project_id, k.name, k.late_finish FROM tasks k JOIN projects p ON p.id = k.project_id
            WHERE k.actual_finish IS NULL AND k.late_finish < \(bind: asOfText) AND
            """ + " " + projectScope + " ORDER BY k.late_finish, k.id"
        ).all() {
            guard let i = index[try r.int("project_id")] else { continue }
            lines[i].overdueTasks += 1
            if overdueTasks.count < 500 {
                overdueTasks.append(
                    .object([
                        ("project_id", .int(lines[i].projectId)), ("compound_name", .string(lines[i].compoundName)),
                        ("task", .string(try r.text("name"))), ("late_finish", .string(try r.text("late_finish"))),
                    ]))
            }
        }
        var overdueFindings: [JSONValue] = []
        for r in try await db.raw(
            """
            SELECT f.project_id, f.description, f.due_on FROM findings f JOIN projects p ON p.id = f.project_id WHERE f.state <> 'verified' AND
            """ + " " + projectScope + " ORDER BY f.due_on, f.id"
        ).all() {
            guard let i = index[try r.int("project_id")] else { continue }
            lines[i].openFindings += 1
            let due = try r.text("due_on")
            if due < asOfText {
                lines[i].overdueFindings += 1
                if overdueFindings.count < 500 {
                    overdueFindings.append(
                        .object([
                            ("project_id", .int(lines[i].projectId)), ("compound_name", .string(lines[i].compoundName)),
                            ("finding", .string(try r.text("description"))), ("due_on", .string(due)),
                        ]))
                }
            }
        }
        for r in try await db.raw(
            """
            SELECT r.compound_id, COUNT(*) AS n FROM reports r JOIN projects p ON p.compound_id = r.compound_id
            WHERE r.state NOT IN ('closed', 'rejected') AND
            """ + " " + projectScope + " GROUP BY r.compound_id"
        ).all() {
            let compound = try r.int("compound_id")
            for i in lines.indices where lines[i].compoundId == compound { lines[i].openReports = Int(try r.int("n")) }
        }
        let satisfaction = try await QuestionnaireRepository.satisfactionByProject(
            projectIds: lines.map(\.projectId), db: db)
        for i in lines.indices { lines[i].satisfactionTenths = satisfaction[lines[i].projectId] }
        let content = assemble(
            lines: lines, asOf: asOfText, previous: previous, overdueTasks: overdueTasks,
            overdueFindings: overdueFindings,
            cityWide: subdistrict == nil)
        // The week's requests to city departments, per department, as the last key (rendered by the bulletin's page).
        guard case .object(var pairs) = content else { return content }
        pairs.append(
            (
                "departments",
                try await CoordinationRequestRepository.bulletinSection(db: db, subdistrictId: subdistrict, asOf: asOf)
            ))
        return .object(pairs)
    }

    static func rateFields(_ rates: Rates) -> [(String, JSONValue)] {
        zip(Rates.keys, rates.values).map { ($0, .number(Percent.text($1))) }
    }

    static func countFields(_ c: ProgressCounts) -> [(String, JSONValue)] {
        [
            ("compounds_planned", .int(c.compoundsPlanned)), ("compounds_started", .int(c.compoundsStarted)),
            ("compounds_completed", .int(c.compoundsCompleted)), ("households_planned", .int(c.householdsPlanned)),
            ("households_started", .int(c.householdsStarted)), ("households_completed", .int(c.householdsCompleted)),
        ]
    }

    static func rates(in value: JSONValue?) -> Rates? {
        guard let value else { return nil }
        let v = Rates.keys.compactMap {
            value[$0].flatMap { $0.cellText.isEmpty ? nil : Percent.parseTenths($0.cellText) }
        }
        return v.count == 4 ? Rates(values: v) : nil
    }

    static func change(_ now: Rates, _ before: Rates?) -> JSONValue {
        guard let before else { return .null }
        return .object(zip(Rates.keys, now.minus(before).values).map { ($0, .number(Percent.text($1))) })
    }

    static func assemble(
        lines: [Line], asOf: String, previous: JSONValue?, overdueTasks: [JSONValue], overdueFindings: [JSONValue],
        cityWide: Bool
    ) -> JSONValue {
        func started(_ l: Line) -> Bool { l.startedOn.map { $0 <= asOf } ?? false }
        func completed(_ l: Line) -> Bool { l.completedOn.map { $0 <= asOf } ?? false }
        var total = ProgressCounts()
        for l in lines { total.add(households: l.households, started: started(l), completed: completed(l)) }
        /// One ranked row per unit, with the change since the same unit in the previous bulletin.
        func ranking(_ key: String, id: (Line) -> Int64, name: (Line) -> String) -> [JSONValue] {
            var units: [Int64: (name: String, counts: ProgressCounts)] = [:]
            for l in lines {
                units[id(l), default: (name(l), ProgressCounts())].counts.add(
                    households: l.households, started: started(l), completed: completed(l))
            }
            var before: [Int64: Rates] = [:]
            for c in (previous?[key == "community_id" ? "communities" : "subdistricts"]).arrayItems {
                if let i = c[key]?.intValue, let r = rates(in: c) { before[i] = r }
            }
            let ids = units.keys.sorted { units[$0]!.name < units[$1]!.name }
            let ranks = Ranking.ranks(ids.map { units[$0]!.counts.rates.rankKey })
            return zip(ids, ranks).sorted { ($0.1, units[$0.0]!.name) < ($1.1, units[$1.0]!.name) }.map { id, rank in
                let u = units[id]!
                return .object(
                    [(key, .int(id)), ("name", .string(u.name))] + countFields(u.counts) + rateFields(u.counts.rates)
                        + [("change_pp", change(u.counts.rates, before[id])), ("rank", .int(Int64(rank)))])
            }
        }
        let communities = ranking("community_id", id: \.communityId, name: \.communityName)
        let subdistricts = cityWide ? ranking("subdistrict_id", id: \.subdistrictId, name: \.subdistrictName) : []
        let compounds: [JSONValue] = lines.map { l in
            var problems: [String] = []
            if l.overdueTasks > 0 { problems.append("overdue_tasks:\(l.overdueTasks)") }
            if l.overdueFindings > 0 { problems.append("overdue_findings:\(l.overdueFindings)") }
            if l.openReports > 0 { problems.append("open_reports:\(l.openReports)") }
            return .object([
                ("project_id", .int(l.projectId)), ("compound_id", .int(l.compoundId)),
                ("name", .string(l.compoundName)),
                ("community_id", .int(l.communityId)), ("community_name", .string(l.communityName)),
                ("households", .int(l.households)),
                ("stage", .string(l.stage)), ("started_on", started(l) ? .string(l.startedOn!) : .null),
                ("completed_on", completed(l) ? .string(l.completedOn!) : .null),
                ("percent_complete", .number(Percent.text(l.percentTenths))),
                ("overdue_tasks", .int(Int64(l.overdueTasks))), ("open_findings", .int(Int64(l.openFindings))),
                ("overdue_findings", .int(Int64(l.overdueFindings))), ("open_reports", .int(Int64(l.openReports))),
                ("problems", .array(problems.map { .string($0) })),
                ("responsible", l.contractor.map { .string($0) } ?? .null),
                ("satisfaction_rate", l.satisfactionTenths.map { .number(Percent.text($0)) } ?? .null),
            ])
        }
        return .object([
            ("totals", .object(countFields(total) + rateFields(total.rates))),
            ("change_pp", change(total.rates, rates(in: previous?["totals"]))),
            ("previous_bulletin_id", previous?["id"] ?? .null),
            ("communities", .array(communities)), ("subdistricts", .array(subdistricts)),
            ("compounds", .array(compounds)),
            ("overdue", .object([("tasks", .array(overdueTasks)), ("findings", .array(overdueFindings))])),
        ])
    }

    // MARK: Bulletins

    static func previousPublished(
        batchYear: Int, subdistrict: Int64?, asOf: Day, excluding: Int64?, db: any SQLDatabase
    ) async throws -> JSONValue? {
        var sql: SQLQueryString =
            "SELECT id, content_json FROM bulletins WHERE state = 'published' AND batch_year = \(bind: batchYear) AND "
        sql += coverageSQL(subdistrict, column: "subdistrict_id")
        sql += " AND as_of <= \(bind: asOf.description)"
        if let excluding { sql += " AND id <> \(bind: excluding)" }
        sql += " ORDER BY as_of DESC, id DESC LIMIT 1"
        guard let r = try await db.raw(sql).first(), case .object(var pairs) = try r.storedJSON("content_json") else {
            return nil
        }
        pairs.append(("id", .int(try r.int("id"))))
        return .object(pairs)
    }

    public func draft(batchYear: Int, asOf: Day, subdistrictId: Int64?, nextSteps: String, actor: Actor) async throws
        -> JSONValue
    {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
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
    public func get(id: Int64, actor: Actor) async throws -> JSONValue {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let h = try await header(id, actor: actor, db: db)
            let content: JSONValue
            if h.state == "published", let stored = h.content.flatMap(JSONValue.parse) {
                content = stored
            } else {
                let previous = try await Self.previousPublished(
                    batchYear: h.batchYear, subdistrict: h.subdistrictId, asOf: h.asOf, excluding: h.id, db: db)
                content = try await Self.compute(
                    batchYear: h.batchYear, asOf: h.asOf, subdistrict: h.subdistrictId, previous: previous, db: db)
            }
            let unit =
                try await h.subdistrictId.asyncMap { sd in
                    try await db.raw("SELECT name FROM subdistricts WHERE id = \(bind: sd)").first()?.text("name")
                } ?? nil
            guard case .object(let body) = content else { return content }
            return .object(
                [
                    ("id", .int(h.id)), ("subdistrict_id", h.subdistrictId.map { .int($0) } ?? .null),
                    ("issuing_unit", unit.map { .string($0) } ?? .null), ("batch_year", .int(Int64(h.batchYear))),
                    ("as_of", .string(h.asOf.description)), ("issue_no", h.issueNo.map { .int(Int64($0)) } ?? .null),
                    ("state", .string(h.state)), ("next_steps", .string(h.nextSteps)),
                    ("created_at", .string(h.createdAt)),
                    ("published_at", h.publishedAt.map { .string($0) } ?? .null), ("version", .int(Int64(h.version))),
                ] + body)
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

    /// Only a draft may change; a published bulletin is a record of what was said.
    public func update(id: Int64, asOf: Day?, nextSteps: String?, actor: Actor) async throws -> JSONValue {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let h = try await header(id, actor: actor, db: db)
            guard h.state == "draft" else {
                throw StoreError.refused(code: "published", message: "bulletin \(id) is published and cannot change")
            }
            var sql: SQLQueryString = "UPDATE bulletins SET version = version + 1"
            if let asOf { sql += ", as_of = \(bind: asOf.description)" }
            if let nextSteps { sql += ", next_steps = \(bind: TextNormalizer.prose(nextSteps))" }
            sql += " WHERE id = \(bind: id)"
            try await db.raw(sql).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "bulletins", entityId: id,
                subdistrictId: h.subdistrictId,
                before: .object([("as_of", .string(h.asOf.description))]),
                after: .object([("as_of", .string((asOf ?? h.asOf).description))]))
        }
        return try await get(id: id, actor: actor)
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

    /// Computes the content one last time, numbers the issue and freezes it.
    public func publish(id: Int64, actor: Actor) async throws -> JSONValue {
        guard Permissions.allows(actor.role, .manageBulletins) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let h = try await header(id, actor: actor, db: db)
            guard h.state == "draft" else {
                throw StoreError.refused(code: "published", message: "bulletin \(id) is already published")
            }
            let previous = try await Self.previousPublished(
                batchYear: h.batchYear, subdistrict: h.subdistrictId, asOf: h.asOf, excluding: h.id, db: db)
            let content = try await Self.compute(
                batchYear: h.batchYear, asOf: h.asOf, subdistrict: h.subdistrictId, previous: previous, db: db)
            var count: SQLQueryString =
                "SELECT COUNT(*) AS n FROM bulletins WHERE state = 'published' AND batch_year = \(bind: h.batchYear) AND "
            count += Self.coverageSQL(h.subdistrictId, column: "subdistrict_id")
            let issue = try await db.raw(count).first()!.int("n") + 1
            try await db.raw(
                """
                UPDATE bulletins SET state = 'published', issue_no = \(bind: issue), content_json = \(bind: content.serialized()),
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
                    ("totals", content["totals"] ?? .null),
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
