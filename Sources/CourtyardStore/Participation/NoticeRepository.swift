import CourtyardDomain
import Foundation
import SQLKit

/// A public notice as the API shows it; `objection_list` only when one notice is read.
public struct Notice: Codable, Sendable {
    public var id: Int64
    public var compoundId: Int64
    public var projectId: Int64?
    public var kind: NoticeRepository.Kind
    public var title: String
    public var body: String
    public var attachments: [Int64]
    public var startsOn: Day
    public var endsOn: Day
    /// "draft" or "published".
    public var state: String
    public var phase: NoticePhase
    public var publishedAt: String?
    public var objections: Int
    public var version: Int
    public var objectionList: [NoticeObjection]?

    enum CodingKeys: String, CodingKey {
        case id, compoundId = "compound_id", projectId = "project_id", kind, title, body, attachments
        case startsOn = "starts_on", endsOn = "ends_on", state, phase, publishedAt = "published_at", objections
        case version, objectionList = "objection_list"
    }

    /// Every field in the API's order, `nil` as null; the objections only when they were read.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(compoundId, forKey: .compoundId)
        try c.encode(projectId, forKey: .projectId)
        try c.encode(kind, forKey: .kind)
        try c.encode(title, forKey: .title)
        try c.encode(body, forKey: .body)
        try c.encode(attachments, forKey: .attachments)
        try c.encode(startsOn, forKey: .startsOn)
        try c.encode(endsOn, forKey: .endsOn)
        try c.encode(state, forKey: .state)
        try c.encode(phase, forKey: .phase)
        try c.encode(publishedAt, forKey: .publishedAt)
        try c.encode(objections, forKey: .objections)
        try c.encode(version, forKey: .version)
        if let objectionList { try c.encode(objectionList, forKey: .objectionList) }
    }
}

/// A resident's objection to a notice, name and phone masked for accounts that do not see personal data.
public struct NoticeObjection: Codable, Sendable {
    public var id: Int64
    public var text: String
    public var name: String
    public var phone: String
    public var at: String
    public var reply: String
    /// When the reply was last saved (UTC); nil before one is.
    public var repliedAt: String? = nil
    /// The code the objector was given, so a resident who phones with it is found (nil for older objections).
    public var trackingCode: String? = nil
    /// How many times it has been answered (0 before the first answer): a change of answer sends the count read.
    public var replyVersion: Int64 = 0
    enum CodingKeys: String, CodingKey {
        case id, text, name, phone, at, reply, repliedAt = "replied_at", trackingCode = "tracking_code"
        case replyVersion = "reply_version"
    }
}

/// What an objector is told: the objection's number and its notice's.
public struct ObjectionReceipt: Codable, Sendable {
    public var id: Int64
    public var noticeId: Int64
    /// The compound the notice is posted in, for the page that thanks the resident (not part of the API's answer).
    public var compoundId: Int64? = nil
    /// The code the resident looks the answer up by (Y-XXXX-XXXX), on the page reports are followed on.
    public var code: String
    enum CodingKeys: String, CodingKey { case id, noticeId = "notice_id", code = "tracking_code" }
}

/// An objection as the one holding its code sees it: their words and the answer, nobody's name or phone.
public struct ObjectionTrack: Sendable {
    public var code: String
    public var noticeTitle: String
    public var compoundId: Int64?
    public var compound: String
    public var text: String
    public var at: String
    public var endsOn: Day
    public var reply: String
    public var repliedAt: String?
}

/// An expert review (专家评审) of a project.
public struct ExpertReview: Codable, Sendable {
    public struct Expert: Codable, Sendable {
        public var name: String
        public var affiliation: String
        public var opinion: String
    }
    public var id: Int64
    public var projectId: Int64
    public var date: Day
    public var experts: [Expert]
    public var conclusion: NoticeRepository.Conclusion
    public var summary: String
    public var createdBy: String
    enum CodingKeys: String, CodingKey {
        case id, projectId = "project_id", date, experts, conclusion, summary, createdBy = "created_by"
    }
}

/// Public notices (公示) with their display period and residents' objections, and expert reviews (专家评审).
public struct NoticeRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public enum Kind: String, CaseIterable, Codable, Sendable {
        case plan
        case voteResult = "vote_result"
        case propertySelection = "property_selection"
        case other
    }

    /// A notice's place in time, as the domain decides it.
    public static func phase(state: String, startsOn: Day, endsOn: Day, today: Day) -> NoticePhase {
        NoticePhase.of(published: state == "published", startsOn: startsOn, endsOn: endsOn, today: today)
    }

    public struct NewNotice: Sendable {
        public var compoundId: Int64, projectId: Int64?, kind: Kind, title: String, body: String, attachments: [Int64],
            startsOn: Day, endsOn: Day
        public init(
            compoundId: Int64, projectId: Int64?, kind: Kind, title: String, body: String, attachments: [Int64],
            startsOn: Day, endsOn: Day
        ) {
            self.compoundId = compoundId
            self.projectId = projectId
            self.kind = kind
            self.title = title
            self.body = body
            self.attachments = attachments
            self.startsOn = startsOn
            self.endsOn = endsOn
        }
    }

    /// A notice's title and text as kept, and its period, checked alike for a new notice and a corrected draft.
    static func checked(title: String, body: String, startsOn: Day, endsOn: Day) throws -> (String, String) {
        let title = try TextBounds.title(TextNormalizer.prose(title), what: "a notice")
        let body = TextNormalizer.prose(body)
        guard !body.isEmpty, body.count <= 20_000 else {
            throw ValidationError(field: "body", code: "required", message: "a notice needs a body")
        }
        guard endsOn >= startsOn else {
            throw ValidationError(
                field: "ends_on", code: "before_start", message: "the display ends on or after it starts")
        }
        try checkSchedule(startsOn: startsOn, endsOn: endsOn)
        return (title, body)
    }

    public func create(_ n: NewNotice, actor: Actor) async throws -> Notice {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let (title, body) = try Self.checked(title: n.title, body: n.body, startsOn: n.startsOn, endsOn: n.endsOn)
        let id: Int64 = try await database.transaction { db in
            guard
                let compound = try await ResourceRepository(database: database).fetch(
                    .compounds, id: n.compoundId, actor: actor, db: db)
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found",
                    message: "compound \(n.compoundId) does not exist in your scope")
            }
            if let p = n.projectId,
                try await db.raw(
                    "SELECT id FROM projects WHERE id = \(bind: p) AND compound_id = \(bind: n.compoundId)"
                ).first() == nil
            {
                throw ValidationError(
                    field: "project_id", code: "not_found", message: "project \(p) is not this compound's")
            }
            try await AttachmentRepository.requireReadable(n.attachments, field: "attachments", actor: actor, db: db)
            let id = try await db.raw(
                """
                INSERT INTO notices (subdistrict_id, compound_id, project_id, kind, title, body, attachments_json, starts_on, ends_on, created_at, created_by)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: n.compoundId), \(bind: n.projectId), \(bind: n.kind.rawValue), \(bind: title), \(bind: body),
                  \(bind: StoredColumn.ids(n.attachments)), \(bind: n.startsOn.description), \(bind: n.endsOn.description), \(bind: Clock.isoNow()),
                  \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "notices", entityId: id,
                subdistrictId: compound.subdistrictId,
                before: nil, after: .object([("title", .string(title))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    static let columns =
        "n.id, n.subdistrict_id, n.compound_id, n.project_id, n.kind, n.title, n.body, n.attachments_json, n.starts_on, n.ends_on, n.state, n.published_at, n.version"

    static func decode(_ r: any SQLRow, objections: Int, today: Day) throws -> Notice {
        let state = try r.text("state")
        let starts = Day(try r.text("starts_on"))!
        let ends = Day(try r.text("ends_on"))!
        return Notice(
            id: try r.int("id"), compoundId: try r.int("compound_id"), projectId: try r.optionalInt("project_id"),
            kind: Kind(rawValue: try r.text("kind")) ?? .other, title: try r.text("title"), body: try r.text("body"),
            attachments: try r.storedIds("attachments_json"), startsOn: starts, endsOn: ends,
            state: state, phase: phase(state: state, startsOn: starts, endsOn: ends, today: today),
            publishedAt: try r.optionalText("published_at"), objections: objections,
            version: Int(try r.int("version")), objectionList: nil)
    }

    func scope(_ actor: Actor) -> SQLQueryString { ResourceSpec.compounds.scopeCondition(actor.scope) }

    public func get(id: Int64, actor: Actor) async throws -> Notice {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let today = Clock.today
        return try await database.withConnection { db in
            let sql: SQLQueryString =
                "SELECT \(unsafeRaw: Self.columns) FROM notices n JOIN compounds t ON t.id = n.compound_id WHERE n.id = \(bind: id) AND "
                + scope(actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            let mask = !actor.seesPersonalData
            let objections = try await db.raw(
                """
                SELECT id, text, name, phone, at, reply, replied_at, tracking_code, reply_version FROM notice_objections
                WHERE notice_id = \(bind: id)
                ORDER BY id
                """
            ).all().map { o in
                let name = try o.text("name")
                let phone = try o.text("phone")
                return NoticeObjection(
                    id: try o.int("id"), text: try o.text("text"),
                    name: PersonalData.name(name, personal: !mask),
                    phone: PersonalData.phone(phone, personal: !mask), at: try o.text("at"),
                    reply: try o.text("reply"), repliedAt: try o.optionalText("replied_at"),
                    trackingCode: try o.optionalText("tracking_code"), replyVersion: try o.int("reply_version"))
            }
            var notice = try Self.decode(r, objections: objections.count, today: today)
            notice.objectionList = objections
            return notice
        }
    }

    public func list(actor: Actor, compoundId: Int64?, paging: Paging = .export) async throws -> [Notice] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString = """
            SELECT \(unsafeRaw: Self.columns), (SELECT COUNT(*) FROM notice_objections o WHERE o.notice_id = n.id) AS objection_count
            FROM notices n JOIN compounds t ON t.id = n.compound_id WHERE
            """ + " " + scope(actor)
        if let compoundId { sql += " AND n.compound_id = \(bind: compoundId)" }
        sql += " ORDER BY n.starts_on DESC, n.id DESC" + paging.sql
        let q = sql
        let today = Clock.today
        return try await database.withConnection { db in
            try await db.raw(q).all().map {
                try Self.decode($0, objections: Int(try $0.int("objection_count")), today: today)
            }
        }
    }

    /// Published notices of a compound for its public page: title, body, period and how many objections, never who objected.
    public func publicNotices(compoundId: Int64) async throws -> [Notice] {
        let today = Clock.today
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.columns), (SELECT COUNT(*) FROM notice_objections o WHERE o.notice_id = n.id) AS objection_count
                FROM notices n WHERE n.compound_id = \(bind: compoundId) AND n.state = 'published' ORDER BY n.starts_on DESC LIMIT 50
                """
            ).all().map { try Self.decode($0, objections: Int(try $0.int("objection_count")), today: today) }
        }
    }

    static func checkSchedule(startsOn: Day, endsOn: Day) throws {
        guard let problem = NoticeSchedule.problem(startsOn: startsOn, endsOn: endsOn, today: Clock.today) else {
            return
        }
        throw ValidationError(
            field: problem.field, code: problem.rawValue,
            message: "a notice is posted for a period not yet over, begun at most "
                + "\(NoticeSchedule.enteredLateDays) days ago and at most \(NoticeSchedule.longestDays) days long")
    }

    /// What a draft may still change before it is published: its kind, title, text and period.
    public struct DraftChanges: Sendable {
        public var kind: Kind, title: String, body: String, startsOn: Day, endsOn: Day
        public init(kind: Kind, title: String, body: String, startsOn: Day, endsOn: Day) {
            self.kind = kind
            self.title = title
            self.body = body
            self.startsOn = startsOn
            self.endsOn = endsOn
        }
    }

    /// Corrects a draft, checked as a new notice is; a published notice is a record and does not change.
    public func updateDraft(id: Int64, _ c: DraftChanges, actor: Actor) async throws -> Notice {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let (title, body) = try Self.checked(title: c.title, body: c.body, startsOn: c.startsOn, endsOn: c.endsOn)
        try await database.transaction { db in
            let sql: SQLQueryString =
                "SELECT n.state, n.subdistrict_id, n.title FROM notices n JOIN compounds t ON t.id = n.compound_id WHERE n.id = \(bind: id) AND "
                + scope(actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            guard try r.text("state") == "draft" else {
                throw StoreError.refused(code: "published", message: "notice \(id) is published and cannot change")
            }
            try await db.raw(
                """
                UPDATE notices SET kind = \(bind: c.kind.rawValue), title = \(bind: title), body = \(bind: body),
                  starts_on = \(bind: c.startsOn.description), ends_on = \(bind: c.endsOn.description), version = version + 1
                WHERE id = \(bind: id) AND state = 'draft'
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "notices", entityId: id,
                subdistrictId: try r.int("subdistrict_id"),
                before: .object([("title", .string(try r.text("title")))]), after: .object([("title", .string(title))]))
        }
        return try await get(id: id, actor: actor)
    }

    public func publish(id: Int64, actor: Actor) async throws -> Notice {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let sql: SQLQueryString =
                "SELECT n.state, n.subdistrict_id, n.compound_id, n.title, n.kind, n.starts_on, n.ends_on FROM notices n JOIN compounds t ON t.id = n.compound_id WHERE n.id = \(bind: id) AND "
                + scope(actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            guard try r.text("state") == "draft" else { throw StoreError.conflict("notice \(id) is already published") }
            // A draft kept until its period has passed would be published as a notice no one could have read.
            if let starts = Day(try r.text("starts_on")), let ends = Day(try r.text("ends_on")) {
                try Self.checkSchedule(startsOn: starts, endsOn: ends)
            }
            try await db.raw(
                "UPDATE notices SET state = 'published', published_at = \(bind: Clock.isoNow()), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            let sd = try r.int("subdistrict_id")
            try await AuditLog.record(
                db: db, actor: actor, action: "publish", entity: "notices", entityId: id, subdistrictId: sd,
                before: .string("draft"), after: .string("published"))
            try await Outbox.emit(
                db: db, event: "notice.published", subdistrictId: sd,
                payload: .object([
                    ("id", .int(id)), ("compound_id", .int(try r.int("compound_id"))),
                    ("kind", .string(try r.text("kind"))), ("title", .string(try r.text("title"))),
                    ("starts_on", .string(try r.text("starts_on"))), ("ends_on", .string(try r.text("ends_on"))),
                ]))
        }
        return try await get(id: id, actor: actor)
    }

    /// A resident's objection, accepted only while the notice is on display.
    public func object(noticeId: Int64, text: String, name: String, phone: String) async throws
        -> ObjectionReceipt
    {
        let text = TextNormalizer.prose(text)
        guard !text.isEmpty, text.count <= 2000 else {
            throw ValidationError(
                field: "text", code: "required", message: "write the objection in at most 2,000 characters")
        }
        let normalized = phone.isEmpty ? "" : PersonalData.normalizePhone(phone) ?? "?"
        guard normalized != "?" else {
            throw ValidationError(field: "phone", code: "invalid", message: "phone is not a phone number")
        }
        let name = TextNormalizer.clean(name)
        guard name.count <= 50 else {
            throw ValidationError(field: "name", code: "too_long", message: "name is at most 50 characters")
        }
        let today = Clock.today
        var generator = SystemRandomNumberGenerator()
        let code = TrackingCode.make(prefix: "Y", using: &generator)
        return try await database.transaction { db in
            guard
                let r = try await db.raw(
                    "SELECT state, starts_on, ends_on, subdistrict_id, compound_id FROM notices WHERE id = \(bind: noticeId)"
                ).first()
            else {
                throw StoreError.notFound
            }
            let phase = Self.phase(
                state: try r.text("state"), startsOn: Day(try r.text("starts_on"))!,
                endsOn: Day(try r.text("ends_on"))!, today: today)
            guard phase.takesObjections else {
                throw StoreError.refused(
                    code: "not_on_display", message: "objections are taken while the notice is on display")
            }
            let id = try await db.raw(
                """
                INSERT INTO notice_objections (notice_id, text, name, phone, at, tracking_code) VALUES (\(bind: noticeId), \(bind: text), \(bind: name),
                  \(bind: normalized), \(bind: Clock.isoNow()), \(bind: code)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: ReportRepository.publicReporter, action: "object", entity: "notices", entityId: noticeId,
                subdistrictId: try r.int("subdistrict_id"), before: nil, after: .object([("objection_id", .int(id))]))
            return ObjectionReceipt(
                id: id, noticeId: noticeId, compoundId: try r.optionalInt("compound_id"), code: code)
        }
    }

    /// The objection its code names, for whoever holds the code; nil for a code that names none.
    public func trackObjection(code typed: String) async throws -> ObjectionTrack? {
        guard let code = TrackingCode.normalize(typed), code.hasPrefix("Y-") else { return nil }
        return try await database.withConnection { db in
            guard
                let r = try await db.raw(
                    """
                    SELECT o.text, o.at, o.reply, o.replied_at, n.title, n.ends_on, n.compound_id,
                      COALESCE(c.name, '') AS compound
                    FROM notice_objections o JOIN notices n ON n.id = o.notice_id
                      LEFT JOIN compounds c ON c.id = n.compound_id
                    WHERE o.tracking_code = \(bind: code)
                    """
                ).first()
            else { return nil }
            return ObjectionTrack(
                code: code, noticeTitle: try r.text("title"), compoundId: try r.optionalInt("compound_id"),
                compound: try r.text("compound"), text: try r.text("text"), at: try r.text("at"),
                endsOn: Day(try r.text("ends_on")) ?? Clock.today, reply: try r.text("reply"),
                repliedAt: try r.optionalText("replied_at"))
        }
    }

    /// The office's answer to an objection, kept with it and audited.
    /// Answers an objection, or changes its answer. Given `seen`, the `reply_version` the writer read (0 before any
    /// answer), an answer another clerk saved meanwhile is refused (`reply_changed`) rather than replaced unread.
    public func reply(
        noticeId: Int64, objectionId: Int64, text: String, seen: Int64? = nil, actor: Actor
    ) async throws -> Notice {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let reply = TextNormalizer.prose(text)
        guard !reply.isEmpty else {
            throw ValidationError(field: "reply", code: "required", message: "write the answer")
        }
        guard reply.count <= 2000 else {
            var e = ValidationError(field: "reply", code: "too_long", message: "the answer is at most 2000 characters")
            e.values = ["max": "2000"]
            throw e
        }
        let s = scope(actor)
        // Two clerks answering at once are taken one after the other.
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        try await database.transaction { db in
            let sql: SQLQueryString =
                "SELECT n.subdistrict_id FROM notices n JOIN compounds t ON t.id = n.compound_id WHERE n.id = \(bind: noticeId) AND "
                + s
            guard let n = try await db.raw(sql).first() else { throw StoreError.notFound }
            guard
                let earlier = try await db.raw(
                    """
                    SELECT reply, reply_version FROM notice_objections
                    WHERE id = \(bind: objectionId) AND notice_id = \(bind: noticeId)\(unsafeRaw: lock)
                    """
                ).first()
            else {
                throw StoreError.notFound
            }
            if let seen, seen != (try earlier.int("reply_version")) {
                throw StoreError.refused(
                    code: "reply_changed", message: "the objection was answered meanwhile; read the answer first")
            }
            // A reply changed keeps the one it replaces in the audit log.
            let before = try earlier.text("reply")
            try await db.raw(
                "UPDATE notice_objections SET reply = \(bind: reply), replied_by = \(bind: actor.username), replied_at = \(bind: Clock.isoNow()), reply_version = reply_version + 1 WHERE id = \(bind: objectionId)"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "reply", entity: "notice_objections", entityId: objectionId,
                subdistrictId: try n.int("subdistrict_id"), before: before.isEmpty ? nil : .string(before),
                after: .string(reply))
        }
        return try await get(id: noticeId, actor: actor)
    }

    // MARK: Expert reviews

    public enum Conclusion: String, CaseIterable, Codable, Sendable {
        case approved
        case approvedWithChanges = "approved_with_changes"
        case rejected
    }

    public func addReview(
        projectId: Int64, date: Day, experts: [(name: String, affiliation: String, opinion: String)],
        conclusion: Conclusion,
        summary: String, actor: Actor
    ) async throws -> ExpertReview? {
        guard Permissions.allows(actor.role, .manageProjects) else { throw AccessError.forbidden }
        let list = experts.map {
            (TextNormalizer.clean($0.name), TextNormalizer.clean($0.affiliation), TextNormalizer.prose($0.opinion))
        }
        guard !list.isEmpty, list.allSatisfy({ !$0.0.isEmpty }) else {
            throw ValidationError(field: "experts", code: "required", message: "an expert review names its experts")
        }
        guard date <= Clock.today else {
            throw ValidationError(field: "date", code: "future", message: "a review is recorded after it took place")
        }
        let id: Int64 = try await database.transaction { db in
            let p = try await ProjectRepository.require(projectId, actor: actor, db: db)
            let experts = JSONValue.array(
                list.map {
                    .object([("name", .string($0.0)), ("affiliation", .string($0.1)), ("opinion", .string($0.2))])
                })
            let id = try await db.raw(
                """
                INSERT INTO expert_reviews (project_id, date, experts_json, conclusion, summary, created_at, created_by)
                VALUES (\(bind: projectId), \(bind: date.description), \(bind: experts.serialized()), \(bind: conclusion.rawValue),
                  \(bind: TextNormalizer.prose(summary)), \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "expert_reviews", entityId: id,
                subdistrictId: p.subdistrictId,
                before: nil, after: .object([("conclusion", .string(conclusion.rawValue))]))
            return id
        }
        return try await reviews(projectId: projectId, actor: actor).first { $0.id == id }
    }

    public func reviews(projectId: Int64, actor: Actor) async throws -> [ExpertReview] {
        try await database.withConnection { db in
            _ = try await ProjectRepository.require(projectId, actor: actor, db: db)
            return try await db.raw(
                """
                SELECT id, date, experts_json, conclusion, summary, created_by FROM expert_reviews WHERE project_id = \(bind: projectId) ORDER BY date, id
                """
            ).all().map { r in
                let experts = try JSONDecoder().decode(
                    [ExpertReview.Expert].self, from: Data(try r.text("experts_json").utf8))
                return ExpertReview(
                    id: try r.int("id"), projectId: projectId, date: Day(try r.text("date")) ?? Day(ordinal: 0),
                    experts: experts, conclusion: Conclusion(rawValue: try r.text("conclusion")) ?? .rejected,
                    summary: try r.text("summary"), createdBy: try r.text("created_by"))
            }
        }
    }
}
