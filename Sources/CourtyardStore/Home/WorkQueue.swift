import CourtyardDomain
import SQLKit

/// A project on the office's list of projects behind schedule, with why.
public struct LateProject: Sendable, Equatable {
    public var projectId: Int64
    public var compoundId: Int64
    public var compoundName: String
    public var communityName: String
    public var stage: ProjectStage
    public var lateTasks: Int
    public var firstLateFinish: Day?
    public var deadline: Day
    public var stageSince: Day
    public var reasons: [ProjectWatch.Reason]
}

/// A finding from a site check, with the compound its project is in.
public struct QueueFinding: Sendable, Equatable {
    public var id: Int64
    public var projectId: Int64
    public var compoundName: String
    public var description: String
    public var dueOn: Day
    public var state: Finding.State
    public var overdue: Bool
    /// Why its last re-inspection failed, while it is open again; nil when none has.
    public var failedBecause: String? = nil
}

/// A project under construction whose log or check for today is not yet written.
public struct SiteDue: Sendable, Equatable {
    public var projectId: Int64
    public var compoundName: String
    public var lastDate: Day?
}

/// An open vote or questionnaire, and the households it has not reached, by building.
public struct OutreachRound: Sendable {
    public enum Kind: String, Sendable { case vote, questionnaire }
    public var kind: Kind
    public var id: Int64
    public var title: String
    public var compoundId: Int64
    public var compoundName: String
    public var total: Int
    public var reached: Int
    public var missing: [(building: String, homes: [Outreach.Home])]
}

/// A compound a community worker or steward looks after, with its figures.
public struct CareCompound: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var buildings: Int
    public var entrances: Int
    public var households: Int
}

/// A count this week against the same count last week.
public struct WeekFigure: Sendable, Equatable {
    public var key: String
    public var thisWeek: Int
    public var lastWeek: Int
}

/// The reads behind each role's home page: what waits for the person, inside their scope.
public struct WorkQueue: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// The China-time day a stored UTC instant falls on.
    static func chinaDay(_ iso: String) -> Day? {
        let chars = Array(iso)
        guard chars.count >= 13, let day = Day(String(chars[0..<10])), let h = Int(String(chars[11..<13])) else {
            return nil
        }
        return h >= 16 ? day.adding(days: 1) : day
    }

    /// Projects in the actor's scope that are behind today: late tasks, a passed deadline, a stalled stage.
    public func lateProjects(actor: Actor, today: Day) async throws -> [LateProject] {
        guard Permissions.allows(actor.role, .readProjects) else { throw AccessError.forbidden }
        let sql: SQLQueryString =
            """
            SELECT p.id, p.compound_id, t.name AS compound_name, c.name AS community_name, p.stage, p.deadline,
              p.completed_on, p.created_at,
              (SELECT COUNT(*) FROM tasks k WHERE k.project_id = p.id AND k.actual_finish IS NULL
                 AND k.late_finish IS NOT NULL AND k.late_finish < \(bind: today.description)) AS late_tasks,
              (SELECT MIN(k.late_finish) FROM tasks k WHERE k.project_id = p.id AND k.actual_finish IS NULL
                 AND k.late_finish IS NOT NULL AND k.late_finish < \(bind: today.description)) AS first_late,
              (SELECT MAX(g.passed_at) FROM gate_passes g WHERE g.project_id = p.id) AS moved_at
            FROM projects p JOIN compounds t ON t.id = p.compound_id JOIN communities c ON c.id = p.community_id
            WHERE
            """ + " " + ProjectRepository.scope(actor) + " ORDER BY c.name, t.name, p.id"
        let rows = try await database.withConnection { db in try await db.raw(sql).all() }
        return try rows.compactMap { r in
            guard let stage = ProjectStage(rawValue: try r.text("stage")), let deadline = Day(try r.text("deadline"))
            else { return nil }
            let since = Self.chinaDay(try r.optionalText("moved_at") ?? r.text("created_at")) ?? today
            let late = Int(try r.int("late_tasks"))
            let facts = ProjectWatch.Facts(
                stage: stage, lateTasks: late, deadline: deadline, completed: try r.optionalText("completed_on") != nil,
                stageSince: since)
            let reasons = ProjectWatch.reasons(facts, today: today)
            guard !reasons.isEmpty else { return nil }
            return LateProject(
                projectId: try r.int("id"), compoundId: try r.int("compound_id"),
                compoundName: try r.text("compound_name"), communityName: try r.text("community_name"), stage: stage,
                lateTasks: late, firstLateFinish: try r.optionalText("first_late").flatMap { Day($0) },
                deadline: deadline, stageSince: since, reasons: reasons)
        }
    }

    /// Findings in the actor's projects in these states, oldest due first; `overdueOnly` keeps those past due.
    public func findings(actor: Actor, states: [Finding.State], overdueOnly: Bool, today: Day) async throws
        -> [QueueFinding]
    {
        guard Permissions.allows(actor.role, .readProjects), !states.isEmpty else { return [] }
        var sql: SQLQueryString =
            """
            SELECT f.id, f.project_id, t.name AS compound_name, f.description, f.due_on, f.state, f.reinspection_note,
              f.reinspected_on
            FROM findings f JOIN projects p ON p.id = f.project_id JOIN compounds t ON t.id = p.compound_id
            WHERE
            """ + " " + ProjectRepository.scope(actor) + " AND f.state IN ("
        for (i, s) in states.enumerated() { sql += (i == 0 ? "" : ", ") + "\(bind: s.rawValue)" }
        sql += ")"
        // A fix waits for someone other than whoever reported it.
        sql += " AND (f.state <> 'rectified' OR f.rectified_by IS NULL OR f.rectified_by <> \(bind: actor.username))"
        if overdueOnly { sql += " AND f.due_on < \(bind: today.description)" }
        sql += " ORDER BY f.due_on, f.id LIMIT 100"
        let q = sql
        let rows = try await database.withConnection { db in try await db.raw(q).all() }
        return try rows.compactMap { r in
            guard let due = Day(try r.text("due_on")), let state = Finding.State(rawValue: try r.text("state")) else {
                return nil
            }
            let reinspected = try r.optionalText("reinspected_on") != nil
            let failed = state == .open && reinspected
            return QueueFinding(
                id: try r.int("id"), projectId: try r.int("project_id"), compoundName: try r.text("compound_name"),
                description: try r.text("description"), dueOn: due, state: state,
                overdue: state == .open && due < today, failedBecause: failed ? try r.text("reinspection_note") : nil)
        }
    }

    /// Projects of the actor under construction without today's site log (`checks: false`) or without a site
    /// check today by the actor's role (`checks: true`).
    public func siteDue(actor: Actor, checks: Bool, today: Day) async throws -> [SiteDue] {
        guard Permissions.allows(actor.role, .readProjects) else { return [] }
        let role = actor.scope.kind == .organisation ? actor.role.rawValue : "office"
        let table: SQLQueryString =
            checks
            ? "SELECT MAX(s.date) FROM site_checks s WHERE s.project_id = p.id AND s.checker_role = \(bind: role)"
            : "SELECT MAX(s.date) FROM site_logs s WHERE s.project_id = p.id"
        let sql: SQLQueryString =
            "SELECT p.id, t.name AS compound_name, (" + table + ") AS last_date "
            + "FROM projects p JOIN compounds t ON t.id = p.compound_id WHERE p.stage = 'construction' AND "
            + ProjectRepository.scope(actor) + " ORDER BY t.name, p.id"
        let rows = try await database.withConnection { db in try await db.raw(sql).all() }
        return try rows.compactMap { r in
            let last = try r.optionalText("last_date").flatMap { Day($0) }
            if let last, last >= today { return nil }
            return SiteDue(projectId: try r.int("id"), compoundName: try r.text("compound_name"), lastDate: last)
        }
    }

    /// The compounds in the actor's place scope, with buildings, entrances and households.
    public func compounds(actor: Actor) async throws -> [CareCompound] {
        guard Permissions.allows(actor.role, .readRegistry) else { return [] }
        // A building's or an entrance's steward counts what it looks after, not the whole compound.
        var inBuilding: SQLQueryString = ""
        var inEntrance: SQLQueryString = ""
        var inHome: SQLQueryString = ""
        switch (actor.scope.kind, actor.scope.id) {
        case (.building?, let id?):
            inBuilding = " AND b.id = \(bind: id)"
            inEntrance = " AND e.building_id = \(bind: id)"
            inHome = " AND h.building_id = \(bind: id)"
        case (.entrance?, let id?):
            inBuilding = " AND b.id = (SELECT building_id FROM entrances WHERE id = \(bind: id))"
            inEntrance = " AND e.id = \(bind: id)"
            inHome = " AND h.entrance_id = \(bind: id)"
        default: break
        }
        var sql: SQLQueryString = "SELECT t.id, t.name, (SELECT COUNT(*) FROM buildings b WHERE b.compound_id = t.id"
        sql += inBuilding + ") AS buildings, (SELECT COUNT(*) FROM entrances e JOIN buildings b ON b.id = e.building_id"
        sql += " WHERE b.compound_id = t.id" + inEntrance + ") AS entrances,"
        sql += " (SELECT COUNT(*) FROM households h WHERE h.compound_id = t.id" + inHome + ") AS households"
        sql += " FROM compounds t WHERE " + ResourceSpec.compounds.scopeCondition(actor.scope)
        sql += " ORDER BY t.name, t.id LIMIT 60"
        let query = sql
        let rows = try await database.withConnection { db in try await db.raw(query).all() }
        return try rows.map { r in
            CareCompound(
                id: try r.int("id"), name: try r.text("name"), buildings: Int(try r.int("buildings")),
                entrances: Int(try r.int("entrances")), households: Int(try r.int("households")))
        }
    }

    /// Open votes and questionnaires taking answers today in the actor's places, with the households not reached.
    public func outreach(actor: Actor, today: Day) async throws -> [OutreachRound] {
        guard Permissions.allows(actor.role, .enterBallots) else { return [] }
        let scope = ResourceSpec.compounds.scopeCondition(actor.scope)
        return try await database.withConnection { db in
            var rounds: [OutreachRound] = []
            let votes = try await db.raw(
                "SELECT v.id, v.title, v.compound_id, t.name FROM votes v JOIN compounds t ON t.id = v.compound_id "
                    + "WHERE v.status = 'open' AND " + scope + " ORDER BY v.id"
            ).all()
            for v in votes {
                let id = try v.int("id")
                let homes = try await Self.within(try await Self.voteHomes(id, db: db), actor: actor, db: db)
                rounds.append(
                    Self.round(
                        .vote, id: id, title: try v.text("title"), compoundId: try v.int("compound_id"),
                        compoundName: try v.text("name"), homes: homes))
            }
            let questionnaires = try await db.raw(
                "SELECT q.id, q.title, q.compound_id, t.name FROM questionnaires q "
                    + "JOIN compounds t ON t.id = q.compound_id WHERE q.state = 'published' "
                    + "AND q.opens_on <= \(bind: today.description) AND q.closes_on >= \(bind: today.description) AND "
                    + scope + " ORDER BY q.id"
            ).all()
            for q in questionnaires {
                let id = try q.int("id")
                let compound = try q.int("compound_id")
                var homes = try await db.raw(
                    """
                    SELECT h.id, b.name AS building, e.name AS entrance, h.room,
                      (SELECT COUNT(*) FROM questionnaire_responses x WHERE x.questionnaire_id = \(bind: id)
                         AND x.household_id = h.id AND x.voided_at IS NULL) AS reached
                    FROM households h JOIN buildings b ON b.id = h.building_id JOIN entrances e ON e.id = h.entrance_id
                    WHERE h.compound_id = \(bind: compound) ORDER BY b.id, e.id, h.floor, h.room
                    """
                ).all().map(Self.home)
                homes = try await Self.within(homes, actor: actor, db: db)
                rounds.append(
                    Self.round(
                        .questionnaire, id: id, title: try q.text("title"), compoundId: compound,
                        compoundName: try q.text("name"), homes: homes))
            }
            return rounds
        }
    }

    /// A vote's electorate, each household marked when it has a live ballot.
    static func voteHomes(_ id: Int64, db: any SQLDatabase) async throws -> [Outreach.Home] {
        try await db.raw(
            """
            SELECT h.id, b.name AS building, e.name AS entrance, h.room,
              (SELECT COUNT(*) FROM ballots x WHERE x.vote_id = \(bind: id) AND x.household_id = h.id
                 AND x.voided_at IS NULL) AS reached
            FROM vote_electorate ve JOIN households h ON h.id = ve.household_id
            JOIN buildings b ON b.id = h.building_id JOIN entrances e ON e.id = h.entrance_id
            WHERE ve.vote_id = \(bind: id) ORDER BY b.id, e.id, h.floor, h.room
            """
        ).all().map(Self.home)
    }

    /// The households an open vote has not reached, by building, for those who enter ballots in its compound;
    /// empty for anyone else or once the vote is not open.
    public func notVoted(voteId: Int64, actor: Actor) async throws -> [(building: String, homes: [Outreach.Home])] {
        guard Permissions.allows(actor.role, .enterBallots) else { return [] }
        let scope = ResourceSpec.compounds.scopeCondition(actor.scope)
        return try await database.withConnection { db in
            let open = try await db.raw(
                "SELECT v.id FROM votes v JOIN compounds t ON t.id = v.compound_id WHERE v.id = \(bind: voteId) "
                    + "AND v.status = 'open' AND " + scope
            ).first()
            guard open != nil else { return [] }
            return Outreach.missing(
                try await Self.within(try await Self.voteHomes(voteId, db: db), actor: actor, db: db))
        }
    }

    /// A steward of a building or an entrance is shown only the households there.
    static func within(_ homes: [Outreach.Home], actor: Actor, db: any SQLDatabase) async throws -> [Outreach.Home] {
        guard actor.scope.kind == .building || actor.scope.kind == .entrance, !homes.isEmpty else { return homes }
        let sql: SQLQueryString =
            "SELECT t.id FROM households t JOIN compounds c ON c.id = t.compound_id WHERE "
            + ResourceSpec.households.scopeCondition(actor.scope)
        let visible = Set(try await db.raw(sql).all().map { try $0.int("id") })
        return homes.filter { visible.contains($0.householdId) }
    }

    static func home(_ r: any SQLRow) throws -> Outreach.Home {
        Outreach.Home(
            householdId: try r.int("id"), building: try r.text("building"),
            room: "\(try r.text("entrance"))-\(try r.text("room"))", reached: try r.int("reached") > 0)
    }

    static func round(
        _ kind: OutreachRound.Kind, id: Int64, title: String, compoundId: Int64, compoundName: String,
        homes: [Outreach.Home]
    ) -> OutreachRound {
        OutreachRound(
            kind: kind, id: id, title: title, compoundId: compoundId, compoundName: compoundName, total: homes.count,
            reached: homes.filter(\.reached).count, missing: Outreach.missing(homes))
    }

    /// This week's figures against last week's, in the actor's place scope: reports received and closed, site logs,
    /// findings raised and rectified, ballots and questionnaire answers.
    public func weekFigures(actor: Actor, today: Day) async throws -> [WeekFigure] {
        let week = WeekSpan(today: today)
        let places = ResourceSpec.compounds.scopeCondition(actor.scope)
        let projects = ProjectRepository.scope(actor)
        let lastStart = WeekSpan.utcStart(of: week.lastMonday)
        let thisStart = WeekSpan.utcStart(of: week.thisMonday)
        let lastDay = week.lastMonday.description
        let thisDay = week.thisMonday.description
        // Each count: rows at or after `from` and before `to` (UTC instants, or China days for dated rows).
        func counts(_ key: String, _ sql: @escaping (String, String?) -> SQLQueryString, instants: Bool) -> (
            String, SQLQueryString, SQLQueryString
        ) {
            instants
                ? (key, sql(thisStart, nil), sql(lastStart, thisStart))
                : (key, sql(thisDay, nil), sql(lastDay, thisDay))
        }
        func bounded(_ column: String, _ from: String, _ to: String?) -> SQLQueryString {
            var s: SQLQueryString = "\(unsafeRaw: column) >= \(bind: from)"
            if let to { s += " AND \(unsafeRaw: column) < \(bind: to)" }
            return s
        }
        let queries = [
            counts(
                "reportsReceived",
                {
                    "SELECT COUNT(*) AS n FROM reports r JOIN compounds t ON t.id = r.compound_id WHERE "
                        + bounded("r.submitted_at", $0, $1) + " AND " + places
                }, instants: true),
            counts(
                "reportsClosed",
                {
                    "SELECT COUNT(*) AS n FROM report_events x JOIN reports r ON r.id = x.report_id "
                        + "JOIN compounds t ON t.id = r.compound_id WHERE x.to_state = 'closed' AND "
                        + bounded("x.at", $0, $1) + " AND " + places
                }, instants: true),
            counts(
                "siteLogs",
                {
                    "SELECT COUNT(*) AS n FROM site_logs s JOIN projects p ON p.id = s.project_id WHERE "
                        + bounded("s.date", $0, $1) + " AND " + projects
                }, instants: false),
            counts(
                "findingsRaised",
                {
                    "SELECT COUNT(*) AS n FROM findings f JOIN site_checks s ON s.id = f.check_id "
                        + "JOIN projects p ON p.id = f.project_id WHERE " + bounded("s.date", $0, $1) + " AND "
                        + projects
                }, instants: false),
            counts(
                "findingsRectified",
                {
                    "SELECT COUNT(*) AS n FROM findings f JOIN projects p ON p.id = f.project_id WHERE "
                        + bounded("f.rectified_on", $0, $1) + " AND " + projects
                }, instants: false),
            counts(
                "answers",
                {
                    "SELECT (SELECT COUNT(*) FROM ballots x JOIN votes v ON v.id = x.vote_id "
                        + "JOIN compounds t ON t.id = v.compound_id WHERE x.voided_at IS NULL AND "
                        + bounded("x.at", $0, $1) + " AND " + places + ") + "
                        + "(SELECT COUNT(*) FROM questionnaire_responses x JOIN questionnaires q ON q.id = "
                        + "x.questionnaire_id JOIN compounds t ON t.id = q.compound_id WHERE x.voided_at IS NULL AND "
                        + bounded("x.at", $0, $1) + " AND " + places + ") AS n"
                }, instants: true),
        ]
        return try await database.withConnection { db in
            var figures: [WeekFigure] = []
            for (key, this, last) in queries {
                let a = try await db.raw(this).first()?.decode(column: "n", as: Int.self) ?? 0
                let b = try await db.raw(last).first()?.decode(column: "n", as: Int.self) ?? 0
                figures.append(WeekFigure(key: key, thisWeek: a, lastWeek: b))
            }
            return figures
        }
    }
}
