import CourtyardDomain
import Foundation
import SQLKit

/// Coordination meetings (例会): series over the working-day calendar, single meetings, attendance, minutes and
/// the actions they hand out. Every write is one transaction with its audit record.
public struct MeetingRepository: Sendable {
    public let database: Database
    public let calendar: WorkCalendar
    public init(database: Database, calendar: WorkCalendar = .shipped) {
        self.database = database
        self.calendar = calendar
    }

    // MARK: who acts for which office

    /// The sub-district an account runs meetings for: its own, its community's, or the one an administrator names.
    static func office(_ actor: Actor, requested: Int64?, db: any SQLDatabase) async throws -> Int64 {
        guard Permissions.allows(actor.role, .manageProjects) else { throw AccessError.forbidden }
        let own: Int64?
        switch actor.scope.kind {
        case nil: own = nil
        case .subdistrict: own = actor.scope.id
        case .community:
            own = try await db.raw("SELECT subdistrict_id FROM communities WHERE id = \(bind: actor.scope.id ?? 0)")
                .first()?.int("subdistrict_id")
        default: throw AccessError.forbidden
        }
        if let own {
            if let requested, requested != own { throw StoreError.notFound }
            return own
        }
        guard let requested else {
            throw ValidationError(field: "subdistrict_id", code: "required", message: "name the sub-district")
        }
        guard try await db.raw("SELECT id FROM subdistricts WHERE id = \(bind: requested)").first() != nil else {
            throw ValidationError(
                field: "subdistrict_id", code: "not_found", message: "sub-district \(requested) does not exist")
        }
        return requested
    }

    /// The sub-district whose meetings a place account reads; nil for administrators (all) and organisations.
    static func placeSubdistrict(_ actor: Actor, db: any SQLDatabase) async throws -> Int64? {
        guard let kind = actor.scope.kind, let id = actor.scope.id else { return nil }
        switch kind {
        case .subdistrict: return id
        case .community:
            return try await db.raw("SELECT subdistrict_id FROM communities WHERE id = \(bind: id)").first()?.int(
                "subdistrict_id") ?? 0
        case .compound:
            return try await db.raw("SELECT subdistrict_id FROM compounds WHERE id = \(bind: id)").first()?.int(
                "subdistrict_id") ?? 0
        case .organisation: return nil
        case .building, .entrance:
            return try await db.raw("SELECT " + ScopePlace.subdistrict(kind, id) + " AS subdistrict_id").first()?
                .optionalInt("subdistrict_id") ?? 0
        }
    }

    /// The meetings (alias `m`) an account sees: an office all of its sub-district's, an organisation or a person
    /// those they take part in.
    static func visible(_ actor: Actor, db: any SQLDatabase) async throws -> SQLQueryString {
        let takesPart: SQLQueryString
        if actor.scope.kind == .organisation, let org = actor.scope.id {
            takesPart =
                "EXISTS (SELECT 1 FROM meeting_participants mp WHERE (mp.series_id = m.series_id OR mp.meeting_id = m.id) AND (mp.organisation_id = \(bind: org) OR mp.user_id = \(bind: actor.userId ?? 0)))"
        } else {
            takesPart =
                "EXISTS (SELECT 1 FROM meeting_participants mp WHERE (mp.series_id = m.series_id OR mp.meeting_id = m.id) AND mp.user_id = \(bind: actor.userId ?? 0))"
        }
        if actor.scope.kind == nil { return "1=1" }
        if let sd = try await placeSubdistrict(actor, db: db) {
            return "(m.subdistrict_id = \(bind: sd) OR " + takesPart + ")"
        }
        return takesPart
    }

    // MARK: series

    public enum ParticipantInput: Sendable {
        case organisation(Int64)
        case user(Int64)
        case representative(name: String)
    }

    public struct NewSeries: Sendable {
        public var title: String
        public var subdistrictId: Int64?
        public var firstOn: Day
        public var until: Day?
        public var time: String
        public var durationMinutes: Int
        public var location: String
        public var participants: [ParticipantInput]
        public init(
            title: String, subdistrictId: Int64?, firstOn: Day, until: Day?, time: String, durationMinutes: Int,
            location: String, participants: [ParticipantInput]
        ) {
            self.title = title
            self.subdistrictId = subdistrictId
            self.firstOn = firstOn
            self.until = until
            self.time = time
            self.durationMinutes = durationMinutes
            self.location = location
            self.participants = participants
        }
    }

    static func checkText(_ field: String, _ text: String, max: Int) throws -> String {
        let t = TextNormalizer.line(text)
        guard !t.isEmpty else {
            throw ValidationError(field: field, code: "required", message: "\(field) is 1 to \(max) characters")
        }
        try TextBounds.check(t, field: field, max: max)
        return t
    }

    static func checkTime(_ time: String, _ duration: Int) throws {
        guard MeetingSeriesRules.minutes(time) != nil else {
            throw ValidationError(field: "time", code: "invalid", message: "time is HH:MM, e.g. 08:30")
        }
        guard (5...600).contains(duration) else {
            throw ValidationError(field: "duration_minutes", code: "invalid", message: "5 to 600 minutes")
        }
    }

    /// Checks and writes participants for a series or a single meeting.
    static func insertParticipants(
        _ list: [ParticipantInput], seriesId: Int64?, meetingId: Int64?, subdistrictId: Int64, db: any SQLDatabase
    ) async throws {
        guard list.count <= 100 else {
            throw ValidationError(field: "participants", code: "too_many", message: "at most 100 participants")
        }
        for (i, p) in list.enumerated() {
            var org: Int64?
            var user: Int64?
            var name = ""
            var role = ""
            switch p {
            case .organisation(let id):
                guard
                    let row = try await db.raw(
                        "SELECT name, kind, subdistrict_id FROM organisations WHERE id = \(bind: id)"
                    ).first(), try row.optionalInt("subdistrict_id") == subdistrictId
                else {
                    throw ValidationError(
                        field: "participants[\(i)].organisation_id", code: "not_found",
                        message: "organisation \(id) does not exist in this sub-district")
                }
                org = id
                name = try row.text("name")
                role = try row.text("kind")
            case .user(let id):
                guard
                    let row = try await db.raw(
                        "SELECT display_name, username, role, disabled FROM users WHERE id = \(bind: id)"
                    ).first(), try row.decode(column: "disabled", as: Int.self) == 0
                else {
                    throw ValidationError(
                        field: "participants[\(i)].user_id", code: "not_found", message: "account \(id) does not exist")
                }
                user = id
                let display = try row.text("display_name")
                name = display.isEmpty ? try row.text("username") : display
                role = try row.text("role")
            case .representative(let n):
                name = try checkText("participants[\(i)].name", n, max: 100)
                role = "resident_representative"
            }
            try await db.raw(
                """
                INSERT INTO meeting_participants (series_id, meeting_id, organisation_id, user_id, name, role)
                VALUES (\(bind: seriesId), \(bind: meetingId), \(bind: org), \(bind: user), \(bind: name), \(bind: role))
                """
            ).run()
        }
    }

    /// A residents' representative is a resident, named by no organisation or account: their name is personal data,
    /// masked (刘**) for accounts that do not see it, as everywhere else.
    static func shown(_ p: MeetingParticipant, to actor: Actor) -> MeetingParticipant {
        guard p.organisationId == nil, p.userId == nil else { return p }
        var shown = p
        shown.name = PersonalData.name(p.name, personal: actor.seesPersonalData)
        return shown
    }

    static func participants(seriesId: Int64?, meetingId: Int64?, db: any SQLDatabase) async throws
        -> [MeetingParticipant]
    {
        try await db.raw(
            """
            SELECT id, organisation_id, user_id, name, role FROM meeting_participants
            WHERE (series_id IS NOT NULL AND series_id = \(bind: seriesId ?? 0)) OR (meeting_id IS NOT NULL AND meeting_id = \(bind: meetingId ?? 0))
            ORDER BY id
            """
        ).all().map {
            MeetingParticipant(
                id: try $0.int("id"), organisationId: try $0.optionalInt("organisation_id"),
                userId: try $0.optionalInt("user_id"), name: try $0.text("name"), role: try $0.text("role"))
        }
    }

    public func createSeries(_ s: NewSeries, actor: Actor) async throws -> MeetingSeries {
        let title = try Self.checkText("title", s.title, max: 200)
        let location = try Self.checkText("location", s.location, max: 200)
        try Self.checkTime(s.time, s.durationMinutes)
        if let until = s.until {
            guard until >= s.firstOn else {
                throw ValidationError(field: "until", code: "before_first", message: "until is on or after first_on")
            }
            guard until.ordinal - s.firstOn.ordinal <= MeetingSeriesRules.maxSpan else {
                throw ValidationError(field: "until", code: "too_long", message: "a series spans at most 400 days")
            }
        }
        let today = Clock.today
        let last = MeetingSeriesRules.lastDay(firstOn: s.firstOn, until: s.until, today: today)
        guard last.ordinal - s.firstOn.ordinal <= MeetingSeriesRules.maxSpan + MeetingSeriesRules.openEndedHorizon
        else {
            throw ValidationError(field: "first_on", code: "too_early", message: "first_on is too far in the past")
        }
        let dates = MeetingSeriesRules.dates(firstOn: s.firstOn, until: last, calendar: calendar)
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.office(actor, requested: s.subdistrictId, db: db)
            let id = try await db.raw(
                """
                INSERT INTO meeting_series (subdistrict_id, title, first_on, until_on, start_time, duration_minutes, location, created_at, created_by)
                VALUES (\(bind: sd), \(bind: title), \(bind: s.firstOn.description), \(bind: s.until?.description), \(bind: s.time),
                  \(bind: s.durationMinutes), \(bind: location), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await Self.insertParticipants(s.participants, seriesId: id, meetingId: nil, subdistrictId: sd, db: db)
            for d in dates {
                try await Self.insertMeeting(
                    db: db, subdistrictId: sd, seriesId: id, title: title, date: d, time: s.time,
                    duration: s.durationMinutes, location: location)
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "meeting_series", entityId: id, subdistrictId: sd,
                before: nil, after: .object([("title", .string(title)), ("meetings", .int(Int64(dates.count)))]))
            return id
        }
        return try await series(id: id, actor: actor)
    }

    @discardableResult
    static func insertMeeting(
        db: any SQLDatabase, subdistrictId: Int64, seriesId: Int64?, title: String, date: Day, time: String,
        duration: Int, location: String
    ) async throws -> Int64 {
        try await db.raw(
            """
            INSERT INTO meetings (subdistrict_id, series_id, title, date, start_time, duration_minutes, location, created_at)
            VALUES (\(bind: subdistrictId), \(bind: seriesId), \(bind: title), \(bind: date.description), \(bind: time),
              \(bind: duration), \(bind: location), \(bind: Clock.isoNow())) RETURNING id
            """
        ).first()!.int("id")
    }

    public func series(id: Int64, actor: Actor) async throws -> MeetingSeries {
        try await database.withConnection { db in
            let sd = try await Self.placeSubdistrict(actor, db: db)
            guard
                let r = try await db.raw(
                    """
                    SELECT s.id, s.subdistrict_id, s.title, s.first_on, s.until_on, s.start_time, s.duration_minutes, s.location,
                      (SELECT COUNT(*) FROM meetings m WHERE m.series_id = s.id) AS n
                    FROM meeting_series s WHERE s.id = \(bind: id)
                    """
                ).first()
            else { throw StoreError.notFound }
            if actor.scope.kind != nil, sd != (try r.int("subdistrict_id")) { throw StoreError.notFound }
            return MeetingSeries(
                id: id, subdistrictId: try r.int("subdistrict_id"), title: try r.text("title"),
                firstOn: Day(try r.text("first_on")) ?? Day(ordinal: 0),
                until: try r.optionalText("until_on").flatMap { Day($0) }, time: try r.text("start_time"),
                durationMinutes: try r.decode(column: "duration_minutes", as: Int.self),
                location: try r.text("location"),
                participants: try await Self.participants(seriesId: id, meetingId: nil, db: db).map {
                    Self.shown($0, to: actor)
                },
                meetings: Int(try r.int("n")))
        }
    }

    /// Ends a series from `from` on: every meeting of it still scheduled that day or later is cancelled with one
    /// reason, and the series ends the day before, so that no more are planned; the ones held stay as they were.
    /// Answers how many were cancelled.
    public func cancelSeries(id: Int64, from asked: Day, reason given: String, actor: Actor) async throws -> Int {
        let reason = TextNormalizer.line(given)
        guard !reason.isEmpty else {
            throw ValidationError(field: "reason", code: "required", message: "cancelling a series gives the reason")
        }
        guard given.unicodeScalars.count <= 500 else {
            throw ValidationError(field: "reason", code: "too_long", message: "the reason is at most 500 characters")
        }
        // A meeting already past stays as it was (held, or waiting for its minutes): only days to come are cancelled.
        let from = max(asked, Clock.today)
        let series = try await series(id: id, actor: actor)
        return try await database.transaction { db in
            _ = try await Self.office(actor, requested: series.subdistrictId, db: db)
            let ids = try await db.raw(
                """
                SELECT id FROM meetings WHERE series_id = \(bind: id) AND state = 'scheduled'
                  AND date >= \(bind: from.description) ORDER BY id
                """
            ).all().map { try $0.int("id") }
            if !ids.isEmpty {
                try await db.raw(
                    """
                    UPDATE meetings SET state = 'cancelled', cancel_reason = \(bind: reason), version = version + 1
                    WHERE id IN (\(binds: ids))
                    """
                ).run()
            }
            let end = max(series.firstOn, from.adding(days: -1))
            if series.until.map({ $0 > end }) ?? true {
                try await db.raw(
                    "UPDATE meeting_series SET until_on = \(bind: end.description) WHERE id = \(bind: id)"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "cancel", entity: "meeting_series", entityId: id,
                subdistrictId: series.subdistrictId, before: nil,
                after: .object([("reason", .string(reason)), ("meetings", .int(Int64(ids.count)))]))
            return ids.count
        }
    }

    /// Whether a series without an end has meetings planned less than two weeks ahead of its horizon, so the sweep
    /// should plan more; read without a write lock.
    public static func needsRollForward(database: Database, today: Day = Clock.today) async throws -> Bool {
        let soon = MeetingSeriesRules.lastDay(firstOn: today, until: nil, today: today).adding(days: -14)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT s.id FROM meeting_series s WHERE s.until_on IS NULL
                  AND COALESCE((SELECT MAX(m.date) FROM meetings m WHERE m.series_id = s.id), s.first_on) < \(bind: soon.description)
                  AND s.first_on < \(bind: soon.description) LIMIT 1
                """
            ).first() != nil
        }
    }

    /// A changed calendar moves every series' future meetings that were not held: new working days get one,
    /// days no longer worked lose theirs. Held and cancelled meetings stay as they were.
    public static func refreshAll(database: Database, calendar: WorkCalendar, today: Day = Clock.today) async throws {
        try await database.transaction { db in
            for s in try await db.raw(
                "SELECT id, subdistrict_id, title, first_on, until_on, start_time, duration_minutes, location FROM meeting_series"
            ).all() {
                let id = try s.int("id")
                let first = Day(try s.text("first_on")) ?? today
                let until = try s.optionalText("until_on").flatMap { Day($0) }
                let wanted = MeetingSeriesRules.dates(
                    firstOn: first, until: MeetingSeriesRules.lastDay(firstOn: first, until: until, today: today),
                    calendar: calendar)
                let existing = try await db.raw(
                    "SELECT date, state FROM meetings WHERE series_id = \(bind: id)"
                ).all().map {
                    (
                        date: Day(try $0.text("date")) ?? today,
                        state: MeetingState(rawValue: try $0.text("state")) ?? .held
                    )
                }
                let change = MeetingSeriesRules.reconcile(existing: existing, wanted: wanted, today: today)
                for d in change.remove {
                    let ids = try await db.raw(
                        "SELECT id FROM meetings WHERE series_id = \(bind: id) AND date = \(bind: d.description) AND state = 'scheduled'"
                    ).all().map { try $0.int("id") }
                    for m in ids {
                        // A meeting that already has actions keeps them: it is cancelled rather than removed.
                        let hasActions =
                            try await db.raw("SELECT id FROM meeting_actions WHERE meeting_id = \(bind: m)").first()
                            != nil
                        if hasActions {
                            try await db.raw(
                                "UPDATE meetings SET state = 'cancelled', cancel_reason = 'calendar', version = version + 1 WHERE id = \(bind: m)"
                            ).run()
                        } else {
                            try await db.raw("DELETE FROM meeting_attendance WHERE meeting_id = \(bind: m)").run()
                            try await db.raw("DELETE FROM meetings WHERE id = \(bind: m)").run()
                        }
                    }
                }
                for d in change.add {
                    try await insertMeeting(
                        db: db, subdistrictId: try s.int("subdistrict_id"), seriesId: id, title: try s.text("title"),
                        date: d, time: try s.text("start_time"),
                        duration: try s.decode(column: "duration_minutes", as: Int.self),
                        location: try s.text("location"))
                }
            }
        }
    }

    // MARK: meetings

    public struct NewMeeting: Sendable {
        public var title: String
        public var subdistrictId: Int64?
        public var seriesId: Int64?
        public var date: Day
        public var time: String
        public var durationMinutes: Int
        public var location: String
        public var participants: [ParticipantInput]
        public init(
            title: String, subdistrictId: Int64?, seriesId: Int64?, date: Day, time: String, durationMinutes: Int,
            location: String, participants: [ParticipantInput]
        ) {
            self.title = title
            self.subdistrictId = subdistrictId
            self.seriesId = seriesId
            self.date = date
            self.time = time
            self.durationMinutes = durationMinutes
            self.location = location
            self.participants = participants
        }
    }

    /// A single extra meeting, on any day (an urgent one may fall on a rest day).
    public func createMeeting(_ m: NewMeeting, actor: Actor) async throws -> Meeting {
        let title = try Self.checkText("title", m.title, max: 200)
        let location = try Self.checkText("location", m.location, max: 200)
        try Self.checkTime(m.time, m.durationMinutes)
        let id: Int64 = try await database.transaction { db in
            let sd = try await Self.office(actor, requested: m.subdistrictId, db: db)
            if let series = m.seriesId {
                guard
                    try await db.raw(
                        "SELECT id FROM meeting_series WHERE id = \(bind: series) AND subdistrict_id = \(bind: sd)"
                    ).first() != nil
                else {
                    throw ValidationError(
                        field: "series_id", code: "not_found", message: "series \(series) does not exist here")
                }
                // A series meets once a day: the extra one is a separate meeting of no series.
            }
            let id = try await Self.insertMeeting(
                db: db, subdistrictId: sd, seriesId: nil, title: title, date: m.date, time: m.time,
                duration: m.durationMinutes, location: location)
            var people = m.participants
            if people.isEmpty, let series = m.seriesId {
                people = try await Self.participants(seriesId: series, meetingId: nil, db: db).map {
                    if let o = $0.organisationId { return .organisation(o) }
                    if let u = $0.userId { return .user(u) }
                    return .representative(name: $0.name)
                }
            }
            try await Self.insertParticipants(people, seriesId: nil, meetingId: id, subdistrictId: sd, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "meetings", entityId: id, subdistrictId: sd,
                before: nil,
                after: .object([("title", .string(title)), ("date", .string(m.date.description))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    static let columns = """
        m.id, m.subdistrict_id, m.series_id, m.title, m.date, m.start_time, m.duration_minutes, m.location, m.state,
        m.cancel_reason, m.discussion, m.decisions_json, m.closed_at, m.version
        """

    static func decode(_ r: any SQLRow) throws -> Meeting {
        let date = Day(try r.text("date")) ?? Day(ordinal: 0)
        return Meeting(
            id: try r.int("id"), subdistrictId: try r.int("subdistrict_id"), seriesId: try r.optionalInt("series_id"),
            title: try r.text("title"), date: date, startsAt: "\(date)T\(try r.text("start_time")):00+08:00",
            durationMinutes: try r.decode(column: "duration_minutes", as: Int.self), location: try r.text("location"),
            state: MeetingState(rawValue: try r.text("state")) ?? .scheduled, cancelReason: try r.text("cancel_reason"),
            version: try r.decode(column: "version", as: Int.self), attendance: nil, minutes: nil, actions: nil)
    }

    public func list(actor: Actor, from: Day?, to: Day?, seriesId: Int64?, paging: Paging = .export) async throws
        -> [Meeting]
    {
        try await database.withConnection { db in
            var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM meetings m WHERE "
            sql += try await Self.visible(actor, db: db)
            if let from { sql += " AND m.date >= \(bind: from.description)" }
            if let to { sql += " AND m.date <= \(bind: to.description)" }
            if let seriesId { sql += " AND m.series_id = \(bind: seriesId)" }
            sql += " ORDER BY m.date, m.start_time, m.id" + paging.sql
            return try await db.raw(sql).all().map(Self.decode)
        }
    }

    /// One meeting with its attendance sheet, minutes and the actions it handed out.
    public func get(id: Int64, actor: Actor) async throws -> Meeting {
        let today = Clock.today
        return try await database.withConnection { db in
            var m = try await Self.fetch(id, actor: actor, db: db)
            let status = Dictionary(
                try await db.raw("SELECT participant_id, status FROM meeting_attendance WHERE meeting_id = \(bind: id)")
                    .all().map { (try $0.int("participant_id"), AttendanceStatus(rawValue: try $0.text("status"))) },
                uniquingKeysWith: { a, _ in a })
            m.attendance = try await Self.participants(seriesId: m.seriesId, meetingId: id, db: db).map {
                Self.shown($0, to: actor)
            }.map {
                AttendanceLine(
                    participantId: $0.id, name: $0.name, organisationId: $0.organisationId, status: status[$0.id] ?? nil
                )
            }
            let row = try await db.raw(
                "SELECT discussion, decisions_json, closed_at FROM meetings WHERE id = \(bind: id)"
            ).first()!
            m.minutes = Minutes(
                discussion: try row.text("discussion"),
                decisions: JSONValue.parse(try row.text("decisions_json"))?.stringList ?? [],
                closedAt: try row.optionalText("closed_at"))
            m.actions = try await Self.actions(
                db: db, where: "a.meeting_id = \(bind: id)", asOf: max(today, m.date), subdistrictId: m.subdistrictId)
            return m
        }
    }

    static func fetch(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Meeting {
        var sql: SQLQueryString = "SELECT \(unsafeRaw: columns) FROM meetings m WHERE m.id = \(bind: id) AND "
        sql += try await visible(actor, db: db)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return try decode(r)
    }

    /// A meeting the account may change: one of its own office's, still scheduled.
    static func writable(_ id: Int64, actor: Actor, db: any SQLDatabase, what: String) async throws -> Meeting {
        let m = try await fetch(id, actor: actor, db: db)
        _ = try await office(actor, requested: m.subdistrictId, db: db)
        guard m.state == .scheduled else {
            throw StoreError.conflict("the meeting is \(m.state.rawValue); its \(what) can no longer change")
        }
        return m
    }

    public func cancel(id: Int64, reason given: String, actor: Actor) async throws -> Meeting {
        // Counted as sent, in code points as the document's maxLength counts, before cleaning shortens it.
        let reason = TextNormalizer.line(given)
        guard !reason.isEmpty, given.unicodeScalars.count <= 500 else {
            throw ValidationError(field: "reason", code: "required", message: "cancelling a meeting gives the reason")
        }
        try await database.transaction { db in
            let m = try await Self.writable(id, actor: actor, db: db, what: "state")
            try await db.raw(
                "UPDATE meetings SET state = 'cancelled', cancel_reason = \(bind: reason), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "cancel", entity: "meetings", entityId: id,
                subdistrictId: m.subdistrictId,
                before: .string("scheduled"), after: .string("cancelled"))
        }
        return try await get(id: id, actor: actor)
    }

    public func putAttendance(id: Int64, lines: [(participantId: Int64, status: AttendanceStatus)], actor: Actor)
        async throws -> Meeting
    {
        try await database.transaction { db in
            let m = try await Self.writable(id, actor: actor, db: db, what: "attendance")
            let known = Set(try await Self.participants(seriesId: m.seriesId, meetingId: id, db: db).map(\.id))
            for (i, l) in lines.enumerated() where !known.contains(l.participantId) {
                throw ValidationError(
                    field: "[\(i)].participant_id", code: "not_found",
                    message: "participant \(l.participantId) does not take part in this meeting")
            }
            for l in lines {
                try await db.raw(
                    "DELETE FROM meeting_attendance WHERE meeting_id = \(bind: id) AND participant_id = \(bind: l.participantId)"
                ).run()
                try await db.raw(
                    "INSERT INTO meeting_attendance (meeting_id, participant_id, status) VALUES (\(bind: id), \(bind: l.participantId), \(bind: l.status.rawValue))"
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "attendance", entity: "meetings", entityId: id,
                subdistrictId: m.subdistrictId, before: nil, after: .object([("recorded", .int(Int64(lines.count)))]))
        }
        return try await get(id: id, actor: actor)
    }

    // MARK: minutes and actions

    public struct NewAction: Sendable {
        public var title: String
        public var ownerOrganisationId: Int64
        public var dueOn: Day
        public var projectId: Int64?
        public init(title: String, ownerOrganisationId: Int64, dueOn: Day, projectId: Int64?) {
            self.title = title
            self.ownerOrganisationId = ownerOrganisationId
            self.dueOn = dueOn
            self.projectId = projectId
        }
    }

    /// Replaces the minutes of a meeting not yet closed; its actions still open are replaced by the ones given
    /// (those already marked done stay).
    public func putMinutes(
        id: Int64, discussion: String, decisions: [String], actions: [NewAction], actor: Actor
    ) async throws -> Meeting {
        let discussion = TextNormalizer.prose(discussion)
        guard discussion.count <= 20000 else {
            throw ValidationError(field: "discussion", code: "too_long", message: "at most 20,000 characters")
        }
        guard decisions.count <= 100, actions.count <= 100 else {
            throw ValidationError(field: "actions", code: "too_many", message: "at most 100 decisions and 100 actions")
        }
        let decided = try decisions.enumerated().map {
            try Self.checkText("decisions[\($0.offset)]", $0.element, max: 2000)
        }
        try await database.transaction { db in
            let m = try await Self.writable(id, actor: actor, db: db, what: "minutes")
            var rows: [(String, NewAction)] = []
            for (i, a) in actions.enumerated() {
                let title = try Self.checkText("actions[\(i)].title", a.title, max: 500)
                guard
                    let org = try await db.raw(
                        "SELECT subdistrict_id FROM organisations WHERE id = \(bind: a.ownerOrganisationId)"
                    ).first(), try org.optionalInt("subdistrict_id") == m.subdistrictId
                else {
                    throw ValidationError(
                        field: "actions[\(i)].owner_organisation_id", code: "not_found",
                        message: "organisation \(a.ownerOrganisationId) does not exist in this sub-district")
                }
                guard ActionRules.dueIsValid(dueOn: a.dueOn, meetingDate: m.date) else {
                    throw ValidationError(
                        field: "actions[\(i)].due_on", code: "before_meeting",
                        message: "due_on \(a.dueOn) is before the meeting on \(m.date)")
                }
                if let p = a.projectId {
                    guard
                        try await db.raw(
                            "SELECT id FROM projects WHERE id = \(bind: p) AND subdistrict_id = \(bind: m.subdistrictId)"
                        ).first() != nil
                    else {
                        throw ValidationError(
                            field: "actions[\(i)].project_id", code: "not_found",
                            message: "project \(p) does not exist in this sub-district")
                    }
                }
                rows.append((title, a))
            }
            try await db.raw(
                """
                UPDATE meetings SET discussion = \(bind: discussion), decisions_json = \(bind: JSONValue.array(decided.map { .string($0) }).serialized()),
                  version = version + 1 WHERE id = \(bind: id)
                """
            ).run()
            try await db.raw("DELETE FROM meeting_actions WHERE meeting_id = \(bind: id) AND state = 'open'").run()
            for (title, a) in rows {
                try await db.raw(
                    """
                    INSERT INTO meeting_actions (subdistrict_id, meeting_id, title, owner_organisation_id, due_on, project_id, created_on, created_at)
                    VALUES (\(bind: m.subdistrictId), \(bind: id), \(bind: title), \(bind: a.ownerOrganisationId), \(bind: a.dueOn.description),
                      \(bind: a.projectId), \(bind: m.date.description), \(bind: Clock.isoNow()))
                    """
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "minutes", entity: "meetings", entityId: id,
                subdistrictId: m.subdistrictId,
                before: nil,
                after: .object([("decisions", .int(Int64(decided.count))), ("actions", .int(Int64(rows.count)))]))
        }
        return try await get(id: id, actor: actor)
    }

    /// Closes a meeting: its minutes are frozen, it counts as held, and each owner hears of its actions.
    public func close(id: Int64, actor: Actor) async throws -> Meeting {
        try await database.transaction { db in
            let m = try await Self.writable(id, actor: actor, db: db, what: "minutes")
            try await db.raw(
                """
                UPDATE meetings SET state = 'held', closed_at = \(bind: Clock.isoNow()), closed_by = \(bind: actor.username),
                  chair = \(bind: actor.username), version = version + 1 WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "close", entity: "meetings", entityId: id, subdistrictId: m.subdistrictId,
                before: .string("scheduled"), after: .string("held"))
            for a in try await db.raw(
                """
                SELECT a.id, a.title, a.owner_organisation_id, a.due_on, o.contact_phone FROM meeting_actions a
                JOIN organisations o ON o.id = a.owner_organisation_id WHERE a.meeting_id = \(bind: id) AND a.state = 'open'
                """
            ).all() {
                try await Outbox.emit(
                    db: db, event: "action.assigned", subdistrictId: m.subdistrictId,
                    payload: .object([
                        ("id", .int(try a.int("id"))), ("meeting_id", .int(id)),
                        ("title", .string(try a.text("title"))),
                        ("owner_organisation_id", .int(try a.int("owner_organisation_id"))),
                        ("due_on", .string(try a.text("due_on"))),
                    ]))
                try await Outbox.message(
                    db: db, event: "action.assigned", phone: try a.text("contact_phone"),
                    text: "【楼院焕新】\(m.date)例会交办：\(try a.text("title"))，请于\(try a.text("due_on"))前完成。")
            }
        }
        return try await get(id: id, actor: actor)
    }

    /// Actions (alias `a`) matching `condition`, oldest first, with how many held meetings each was carried over.
    static func actions(db: any SQLDatabase, where condition: SQLQueryString, asOf: Day, subdistrictId: Int64?)
        async throws -> [MeetingAction]
    {
        let today = Clock.today
        var sql: SQLQueryString = """
            SELECT a.id, a.meeting_id, a.title, a.owner_organisation_id, o.name AS owner_name, a.due_on, a.project_id,
              a.created_on, a.state, a.done_on, a.done_note, a.evidence_json, a.subdistrict_id, a.reopen_note,
              (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u WHERE u.username = a.done_by)
                AS done_by_name
            FROM meeting_actions a JOIN organisations o ON o.id = a.owner_organisation_id WHERE
            """
        sql += " "
        sql += condition
        sql += " ORDER BY a.created_on, a.id LIMIT 5000"
        let rows = try await db.raw(sql).all()
        let history = try await Self.actionHistory(db: db, where: condition)
        var held: [Int64: [Day]] = [:]
        for sd in Set(try rows.map { try $0.int("subdistrict_id") }) {
            held[sd] = try await db.raw(
                "SELECT DISTINCT date FROM meetings WHERE subdistrict_id = \(bind: sd) AND state = 'held'"
            ).all().compactMap { Day(try $0.text("date")) }
        }
        return try rows.map { r in
            let state = ActionState(rawValue: try r.text("state")) ?? .open
            let due = Day(try r.text("due_on")) ?? today
            let created = Day(try r.text("created_on")) ?? today
            let done = try r.optionalText("done_on").flatMap { Day($0) }
            return MeetingAction(
                id: try r.int("id"), meetingId: try r.int("meeting_id"), title: try r.text("title"),
                ownerOrganisationId: try r.int("owner_organisation_id"), ownerName: try r.text("owner_name"),
                dueOn: due, projectId: try r.optionalInt("project_id"), createdOn: created, state: state,
                overdue: ActionRules.isOverdue(dueOn: due, state: state, today: today),
                carriedOver: ActionRules.carriedOver(
                    createdOn: created, doneOn: done, heldMeetings: held[try r.int("subdistrict_id")] ?? [], asOf: asOf),
                doneOn: done, doneNote: try r.text("done_note"), doneByName: try r.optionalText("done_by_name"),
                evidence: try r.storedIds("evidence_json"), reopenNote: try r.text("reopen_note"),
                history: history[try r.int("id")] ?? [])
        }
    }

    /// The events of the actions (alias `a`) matching `condition`, by action, each action's first first.
    static func actionHistory(db: any SQLDatabase, where condition: SQLQueryString) async throws
        -> [Int64: [ActionEvent]]
    {
        var sql: SQLQueryString = """
            SELECT e.action_id, e.at, e.kind, e.note, e.evidence_json, e.due_on,
              (SELECT COALESCE(NULLIF(u.display_name, ''), u.username) FROM users u WHERE u.username = e.username)
                AS by_name, e.username
            FROM action_events e WHERE e.action_id IN (
              SELECT a.id FROM meeting_actions a JOIN organisations o ON o.id = a.owner_organisation_id WHERE
            """
        sql += " "
        sql += condition
        sql += ") ORDER BY e.id"
        var found: [Int64: [ActionEvent]] = [:]
        for e in try await db.raw(sql).all() {
            found[try e.int("action_id"), default: []].append(
                ActionEvent(
                    at: try e.text("at"), kind: ActionEvent.Kind(rawValue: try e.text("kind")) ?? .done,
                    note: try e.text("note"), evidence: try e.storedIds("evidence_json"),
                    dueOn: try e.optionalText("due_on").flatMap { Day($0) },
                    byName: try e.optionalText("by_name") ?? e.text("username")))
        }
        return found
    }

    /// Writes one step of an action's life inside the caller's transaction.
    static func recordAction(
        _ kind: ActionEvent.Kind, id: Int64, note: String, evidence: [Int64] = [], dueOn: Day? = nil, actor: Actor,
        db: any SQLDatabase
    ) async throws {
        try await db.raw(
            """
            INSERT INTO action_events (action_id, at, kind, note, evidence_json, due_on, username)
            VALUES (\(bind: id), \(bind: Clock.isoNow()), \(bind: kind.rawValue), \(bind: note),
              \(bind: StoredColumn.ids(evidence)), \(bind: dueOn?.description), \(bind: actor.username))
            """
        ).run()
    }

    /// The actions an account sees: an office its sub-district's, an organisation those it owns.
    static func actionScope(_ actor: Actor, db: any SQLDatabase) async throws -> SQLQueryString {
        if actor.scope.kind == nil { return "1=1" }
        if actor.scope.kind == .organisation { return "a.owner_organisation_id = \(bind: actor.scope.id ?? 0)" }
        return "a.subdistrict_id = \(bind: try await placeSubdistrict(actor, db: db) ?? 0)"
    }

    public func listActions(
        actor: Actor, owner: Int64?, state: ActionState?, overdueOnly: Bool, paging: Paging = .export
    ) async throws -> [MeetingAction] {
        let today = Clock.today
        return try await database.withConnection { db in
            var cond = try await Self.actionScope(actor, db: db)
            if let owner { cond += " AND a.owner_organisation_id = \(bind: owner)" }
            if let state { cond += " AND a.state = \(bind: state.rawValue)" }
            if overdueOnly { cond += " AND a.state = 'open' AND a.due_on < \(bind: today.description)" }
            let all = try await Self.actions(db: db, where: cond, asOf: today, subdistrictId: nil)
            return paging.slice(all)
        }
    }

    /// Marks an action done: its owner or the office.
    public func markDone(id: Int64, note: String, evidence: [Int64], actor: Actor) async throws -> MeetingAction {
        let note = TextNormalizer.prose(note)
        guard note.count <= 2000 else {
            throw ValidationError(field: "note", code: "too_long", message: "at most 2,000 characters")
        }
        let today = Clock.today
        return try await database.transaction { db in
            var cond: SQLQueryString = "a.id = \(bind: id) AND "
            cond += try await Self.actionScope(actor, db: db)
            guard let a = try await Self.actions(db: db, where: cond, asOf: today, subdistrictId: nil).first else {
                throw StoreError.notFound
            }
            let owner = actor.scope.kind == .organisation && actor.scope.id == a.ownerOrganisationId
            guard owner || Permissions.allows(actor.role, .manageProjects) else { throw AccessError.forbidden }
            guard a.state == .open else { throw StoreError.conflict("the action is already done") }
            try await AttachmentRepository.requireReadable(evidence, field: "evidence", actor: actor, db: db)
            try await db.raw(
                """
                UPDATE meeting_actions SET state = 'done', done_on = \(bind: today.description), done_note = \(bind: note),
                  evidence_json = \(bind: StoredColumn.ids(evidence)), done_by = \(bind: actor.username) WHERE id = \(bind: id)
                """
            ).run()
            try await Self.recordAction(.done, id: id, note: note, evidence: evidence, actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "done", entity: "meeting_actions", entityId: id,
                subdistrictId: try await Self.actionSubdistrict(id, db: db),
                before: .string("open"), after: .string("done"))
            return try await Self.actions(db: db, where: "a.id = \(bind: id)", asOf: today, subdistrictId: nil)[0]
        }
    }

    /// The office changes an open action's due day or hands it to another organisation; the new owner is told.
    public func updateAction(id: Int64, dueOn: Day?, ownerOrganisationId: Int64?, actor: Actor) async throws
        -> MeetingAction
    {
        let today = Clock.today
        return try await database.transaction { db in
            let a = try await Self.officeAction(id, actor: actor, db: db)
            guard a.state == .open else {
                throw StoreError.refused(code: "action_done", message: "the action is done; reopen it first")
            }
            if let dueOn { try ActionRules.checkNewDue(dueOn, createdOn: a.createdOn) }
            var owner: (id: Int64, phone: String)?
            if let o = ownerOrganisationId, o != a.ownerOrganisationId {
                owner = try await Self.actionOwner(o, action: id, db: db)
            }
            let due = dueOn ?? a.dueOn
            if owner != nil { try ActionRules.checkHandover(due: due, today: today) }
            try await db.raw(
                """
                UPDATE meeting_actions SET due_on = \(bind: due.description),
                  owner_organisation_id = \(bind: owner?.id ?? a.ownerOrganisationId) WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "meeting_actions", entityId: id,
                subdistrictId: try await Self.actionSubdistrict(id, db: db),
                before: .object([
                    ("due_on", .string(a.dueOn.description)), ("owner_organisation_id", .int(a.ownerOrganisationId)),
                ]),
                after: .object([
                    ("due_on", .string(due.description)),
                    ("owner_organisation_id", .int(owner?.id ?? a.ownerOrganisationId)),
                ]))
            if let owner, !owner.phone.isEmpty {
                try await Outbox.message(
                    db: db, event: "action.assigned", phone: owner.phone,
                    text: "【楼院焕新】例会交办事项改由贵单位办理：\(a.title)，请于\(due)前完成。")
            }
            return try await Self.actions(db: db, where: "a.id = \(bind: id)", asOf: today, subdistrictId: nil)[0]
        }
    }

    /// The office checks an action reported done and finds it is not: it is open again, due on a new day, with the
    /// reason its owner reads beside it.
    public func reopenAction(id: Int64, note: String, dueOn: Day, actor: Actor) async throws -> MeetingAction {
        let reason = TextNormalizer.prose(note)
        guard !reason.isEmpty else {
            throw ValidationError(field: "note", code: "required", message: "say what is still to be done")
        }
        try TextBounds.check(reason, field: "note")
        guard dueOn >= Clock.today else {
            throw ValidationError(field: "due_on", code: "past", message: "the new due day is today or later")
        }
        let today = Clock.today
        return try await database.transaction { db in
            let a = try await Self.officeAction(id, actor: actor, db: db)
            guard a.state == .done else {
                throw StoreError.refused(code: "action_open", message: "the action is still open")
            }
            try ActionRules.checkNewDue(dueOn, createdOn: a.createdOn)
            try await db.raw(
                """
                UPDATE meeting_actions SET state = 'open', due_on = \(bind: dueOn.description), done_on = NULL,
                  done_by = NULL, reopen_note = \(bind: reason) WHERE id = \(bind: id)
                """
            ).run()
            try await Self.recordAction(.reopened, id: id, note: reason, dueOn: dueOn, actor: actor, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "reopen", entity: "meeting_actions", entityId: id,
                subdistrictId: try await Self.actionSubdistrict(id, db: db),
                before: .string("done"), after: .string("open"))
            let owner = try await Self.actionOwner(a.ownerOrganisationId, action: id, db: db)
            if !owner.phone.isEmpty {
                try await Outbox.message(
                    db: db, event: "action.assigned", phone: owner.phone,
                    text: "【楼院焕新】例会交办事项经核对尚未办结：\(a.title)，\(reason)。请于\(dueOn)前完成。")
            }
            return try await Self.actions(db: db, where: "a.id = \(bind: id)", asOf: today, subdistrictId: nil)[0]
        }
    }

    /// The sub-district an action belongs to, which its audit entries are filed under (the office reads its own).
    static func actionSubdistrict(_ id: Int64, db: any SQLDatabase) async throws -> Int64? {
        try await db.raw("SELECT subdistrict_id FROM meeting_actions WHERE id = \(bind: id)").first()?.optionalInt(
            "subdistrict_id")
    }

    /// An action of the office's sub-district, for the office to manage; anyone else is refused.
    static func officeAction(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> MeetingAction {
        guard Permissions.allows(actor.role, .manageProjects), actor.scope.kind != .organisation else {
            throw AccessError.forbidden
        }
        var cond: SQLQueryString = "a.id = \(bind: id) AND "
        cond += try await actionScope(actor, db: db)
        guard let a = try await actions(db: db, where: cond, asOf: Clock.today, subdistrictId: nil).first else {
            throw StoreError.notFound
        }
        return a
    }

    /// An organisation of the action's sub-district that it may be handed to, with the phone it is told on.
    static func actionOwner(_ id: Int64, action: Int64, db: any SQLDatabase) async throws
        -> (id: Int64, phone: String)
    {
        guard
            let o = try await db.raw(
                """
                SELECT id, contact_phone FROM organisations WHERE id = \(bind: id)
                  AND subdistrict_id = (SELECT subdistrict_id FROM meeting_actions WHERE id = \(bind: action))
                """
            ).first()
        else {
            throw ValidationError(
                field: "owner_organisation_id", code: "not_found",
                message: "organisation \(id) does not exist in this sub-district")
        }
        return (id, try o.optionalText("contact_phone") ?? "")
    }

    // MARK: agenda

    /// The office's "stage not moved" threshold in working days (10 until it sets its own).
    static func staleStageDays(db: any SQLDatabase, subdistrictId: Int64) async throws -> Int {
        try await db.raw(
            "SELECT stale_stage_days FROM coordination_settings WHERE subdistrict_id = \(bind: subdistrictId)"
        ).first()?.decode(column: "stale_stage_days", as: Int.self) ?? 10
    }

    public func setStaleStageDays(_ days: Int, subdistrictId: Int64?, actor: Actor) async throws -> Int {
        guard (1...120).contains(days) else {
            throw ValidationError(field: "stale_stage_days", code: "invalid", message: "1 to 120 working days")
        }
        return try await database.transaction { db in
            let sd = try await Self.office(actor, requested: subdistrictId, db: db)
            try await db.raw("DELETE FROM coordination_settings WHERE subdistrict_id = \(bind: sd)").run()
            try await db.raw(
                """
                INSERT INTO coordination_settings (subdistrict_id, stale_stage_days, updated_at, updated_by)
                VALUES (\(bind: sd), \(bind: days), \(bind: Clock.isoNow()), \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "coordination_settings", entityId: sd,
                subdistrictId: sd,
                before: nil, after: .object([("days", .int(Int64(days)))]))
            return days
        }
    }

    /// What the meeting goes through, built when asked: open actions, and everything late on its day.
    public func agenda(id: Int64, actor: Actor) async throws -> Agenda {
        try await database.withConnection { db in
            let m = try await Self.fetch(id, actor: actor, db: db)
            guard Permissions.allows(actor.role, .manageProjects) || actor.role == .viewer else {
                throw AccessError.forbidden
            }
            let day = m.date.description
            let sd = m.subdistrictId
            let actions = try await Self.actions(
                db: db,
                where:
                    "a.subdistrict_id = \(bind: sd) AND a.state = 'open' AND (a.created_on < \(bind: day) OR a.meeting_id = \(bind: id))",
                asOf: m.date, subdistrictId: sd)
            func items(_ sql: SQLQueryString) async throws -> [AgendaItem] {
                try await db.raw(sql).all().map {
                    AgendaItem(
                        id: try $0.int("id"), projectId: try $0.optionalInt("project_id"), title: try $0.text("title"),
                        dueOn: try $0.optionalText("due_on").flatMap { Day($0) }, stage: nil)
                }
            }
            let reports = try await items(
                """
                SELECT r.id, NULL AS project_id, r.description AS title, r.due_on FROM reports r
                WHERE r.subdistrict_id = \(bind: sd) AND r.due_on IS NOT NULL AND r.due_on < \(bind: day)
                  AND r.state NOT IN ('closed', 'rejected') ORDER BY r.due_on, r.id LIMIT 200
                """)
            let findings = try await items(
                """
                SELECT f.id, f.project_id, cp.name || ' · ' || f.description AS title, f.due_on FROM findings f
                JOIN projects p ON p.id = f.project_id JOIN compounds cp ON cp.id = p.compound_id
                WHERE p.subdistrict_id = \(bind: sd) AND f.state = 'open' AND f.due_on < \(bind: day)
                ORDER BY f.due_on, f.id LIMIT 200
                """)
            let requests = try await items(
                """
                SELECT c.id, c.project_id, o.name || ' · ' || c.description AS title, c.due_on FROM coordination_requests c
                JOIN organisations o ON o.id = c.department_organisation_id
                WHERE c.subdistrict_id = \(bind: sd) AND c.due_on IS NOT NULL AND c.due_on < \(bind: day)
                  AND c.state NOT IN ('done', 'declined') ORDER BY c.due_on, c.id LIMIT 200
                """)
            let tasks = try await items(
                """
                SELECT t.id, t.project_id, cp.name || ' · ' || t.name AS title, t.late_finish AS due_on FROM tasks t
                JOIN projects p ON p.id = t.project_id JOIN compounds cp ON cp.id = p.compound_id
                WHERE p.subdistrict_id = \(bind: sd) AND t.actual_finish IS NULL AND t.late_finish IS NOT NULL
                  AND t.late_finish < \(bind: day) ORDER BY t.late_finish, t.id LIMIT 200
                """)
            let n = try await Self.staleStageDays(db: db, subdistrictId: sd)
            var stalled: [AgendaItem] = []
            for p in try await db.raw(
                """
                SELECT p.id, c.name, p.stage, p.created_at, (SELECT MAX(g.passed_at) FROM gate_passes g WHERE g.project_id = p.id) AS moved,
                  (SELECT MAX(l.date) FROM site_logs l WHERE l.project_id = p.id) AS logged
                FROM projects p JOIN compounds c ON c.id = p.compound_id
                WHERE p.subdistrict_id = \(bind: sd) AND p.stage NOT IN ('accepted', 'handed_over') ORDER BY p.id
                """
            ).all() {
                // A stage before construction moves by its gates; a site in construction stays in that stage for
                // months and moves by its daily log, so it is listed only when no log was written for the days.
                var since = String(try (p.optionalText("moved") ?? p.text("created_at")).prefix(10))
                if try p.text("stage") == ProjectStage.construction.rawValue, let logged = try p.optionalText("logged")
                {
                    since = max(since, String(logged.prefix(10)))
                }
                guard let moved = Day(since) else { continue }
                if calendar.workingDays(after: moved, through: m.date) > n {
                    stalled.append(
                        AgendaItem(
                            id: try p.int("id"), projectId: try p.int("id"),
                            title: try p.text("name"), dueOn: moved,
                            stage: ProjectStage(rawValue: try p.text("stage"))))
                }
            }
            return Agenda(
                meetingId: id, date: m.date, actions: actions, overdueReports: reports, overdueFindings: findings,
                overdueRequests: requests, lateTasks: tasks,
                // The longest stalled first: the day each last moved, oldest on top.
                stalledProjects: stalled.sorted { ($0.dueOn ?? m.date, $0.id) < ($1.dueOn ?? m.date, $1.id) },
                staleStageDays: n)
        }
    }

    // MARK: attendance rate

    /// For each organisation taking part, in meetings held from `from` through `to`: how often it was expected
    /// and how often present or late.
    public func attendanceRates(actor: Actor, subdistrictId: Int64?, from: Day, to: Day) async throws
        -> [AttendanceRate]
    {
        try await database.withConnection { db in
            // An office its own sub-district; an administrator the one it names, or all of them.
            var scope: SQLQueryString = "1=1"
            if let own = try await Self.placeSubdistrict(actor, db: db) {
                if let subdistrictId, subdistrictId != own { throw StoreError.notFound }
                scope = "m.subdistrict_id = \(bind: own)"
            } else if actor.scope.kind == nil {
                if let subdistrictId { scope = "m.subdistrict_id = \(bind: subdistrictId)" }
            } else {
                throw AccessError.forbidden
            }
            var sql: SQLQueryString = """
                SELECT mp.organisation_id, o.name, COUNT(*) AS expected,
                  SUM(CASE WHEN ma.status IN ('present', 'late') THEN 1 ELSE 0 END) AS attended
                FROM meetings m JOIN meeting_participants mp ON (mp.series_id = m.series_id OR mp.meeting_id = m.id)
                JOIN organisations o ON o.id = mp.organisation_id
                LEFT JOIN meeting_attendance ma ON ma.meeting_id = m.id AND ma.participant_id = mp.id
                WHERE m.state = 'held' AND m.date >= \(bind: from.description) AND m.date <= \(bind: to.description) AND
                """
            sql += " "
            sql += scope
            sql += " GROUP BY mp.organisation_id, o.name ORDER BY mp.organisation_id"
            let rows = try await db.raw(sql).all()
            return try rows.map {
                let expected = Int(try $0.int("expected"))
                let attended = Int(try $0.decode(column: "attended", as: Int64?.self) ?? 0)
                return AttendanceRate(
                    organisationId: try $0.int("organisation_id"), name: try $0.text("name"), expected: expected,
                    attended: attended, ratePercent: DepartmentFigures.percent(attended, of: expected))
            }
        }
    }
}
