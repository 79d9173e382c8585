import CourtyardDomain
import Foundation
import SQLKit

/// A questionnaire as the API shows it.
public struct Questionnaire: Codable, Sendable {
    public var id: Int64
    public var compoundId: Int64
    public var projectId: Int64?
    public var kind: QuestionnaireKind
    public var title: String
    public var questions: [Question]
    public var opensOn: Day
    public var closesOn: Day
    public var state: QuestionnaireState
    /// Whether it takes responses today.
    public var accepting: Bool
    /// Ended early: the day it was meant to close (`closes_on` is then the day it was ended); nil otherwise.
    public var plannedClosesOn: Day?
    enum CodingKeys: String, CodingKey {
        case id, compoundId = "compound_id", projectId = "project_id", kind, title, questions
        case opensOn = "opens_on", closesOn = "closes_on", state, accepting, plannedClosesOn = "planned_closes_on"
    }
}

/// A response as entered: which household answered, and how.
public struct QuestionnaireResponse: Codable, Sendable {
    public var id: Int64
    public var questionnaireId: Int64
    public var householdId: Int64
    public var channel: String
    enum CodingKeys: String, CodingKey {
        case id, questionnaireId = "questionnaire_id", householdId = "household_id", channel
    }
}

/// Questionnaires for a compound: one response per household, online (the owner's phone identifies
/// the household) or on paper (entered with the paper's number); results by question and by building.
public struct QuestionnaireRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct Header: Sendable {
        public var id: Int64, subdistrictId: Int64, compoundId: Int64, projectId: Int64?, kind: QuestionnaireKind,
            title: String
        public var questions: [Question], opensOn: Day, closesOn: Day, state: QuestionnaireState
        /// Ended early: the day it was meant to close.
        public var plannedClosesOn: Day?

        /// Responses are taken when published and between the dates.
        public func accepting(today: Day) -> Bool {
            state.accepting(opensOn: opensOn, closesOn: closesOn, today: today)
        }

        /// As the API shows it, taking responses or not today.
        public var summary: Questionnaire {
            Questionnaire(
                id: id, compoundId: compoundId, projectId: projectId, kind: kind, title: title, questions: questions,
                opensOn: opensOn, closesOn: closesOn, state: state, accepting: accepting(today: Clock.today),
                plannedClosesOn: plannedClosesOn)
        }
    }

    static func header(_ id: Int64, db: any SQLDatabase, scope: SQLQueryString?) async throws -> Header {
        var sql: SQLQueryString = """
            SELECT q.id, q.subdistrict_id, q.compound_id, q.project_id, q.kind, q.title, q.questions_json, q.opens_on, q.closes_on, q.state,
              q.planned_closes_on
            FROM questionnaires q JOIN compounds t ON t.id = q.compound_id WHERE q.id = \(bind: id)
            """
        if let scope { sql += " AND " + scope }
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        let questions = try r.storedDocument("questions_json").value.arrayItems.compactMap { Question(json: $0) }
        return Header(
            id: id, subdistrictId: try r.int("subdistrict_id"), compoundId: try r.int("compound_id"),
            projectId: try r.optionalInt("project_id"),
            kind: QuestionnaireKind(rawValue: try r.text("kind")) ?? .consultation, title: try r.text("title"),
            questions: questions,
            opensOn: Day(try r.text("opens_on"))!, closesOn: Day(try r.text("closes_on"))!,
            state: QuestionnaireState(rawValue: try r.text("state")) ?? .draft,
            plannedClosesOn: try r.optionalText("planned_closes_on").flatMap { Day($0) })
    }

    func scope(_ actor: Actor) -> SQLQueryString { ResourceSpec.compounds.scopeCondition(actor.scope) }

    public func create(
        compoundId: Int64, projectId: Int64?, kind: QuestionnaireKind, title: String, questions: [Question],
        opensOn: Day, closesOn: Day,
        actor: Actor
    ) async throws -> Questionnaire {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let (title, qs) = try Self.checked(title: title, questions: questions, opensOn: opensOn, closesOn: closesOn)
        let id: Int64 = try await database.transaction { db in
            guard
                let compound = try await ResourceRepository(database: database).fetch(
                    .compounds, id: compoundId, actor: actor, db: db)
            else {
                throw ValidationError(
                    field: "compound_id", code: "not_found",
                    message: "compound \(compoundId) does not exist in your scope")
            }
            if let p = projectId {
                guard
                    let row = try await db.raw(
                        "SELECT stage FROM projects WHERE id = \(bind: p) AND compound_id = \(bind: compoundId)"
                    ).first()
                else {
                    throw ValidationError(
                        field: "project_id", code: "not_found", message: "project \(p) is not this compound's")
                }
                try Self.requireSurveyable(kind, stage: ProjectStage(rawValue: try row.text("stage")) ?? .consultation)
            }
            let id = try await db.raw(
                """
                INSERT INTO questionnaires (subdistrict_id, compound_id, project_id, kind, title, questions_json, opens_on, closes_on, created_at, created_by)
                VALUES (\(bind: compound.subdistrictId ?? 0), \(bind: compoundId), \(bind: projectId), \(bind: kind.rawValue), \(bind: title),
                  \(bind: JSONValue.array(qs.map(\.json)).serialized()), \(bind: opensOn.description), \(bind: closesOn.description),
                  \(bind: Clock.isoNow()), \(bind: actor.username)) RETURNING id
                """
            ).first()!.int("id")
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "questionnaires", entityId: id,
                subdistrictId: compound.subdistrictId,
                before: nil, after: .object([("title", .string(title)), ("kind", .string(kind.rawValue))]))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    /// A questionnaire's title and questions as kept, checked with its period: for a new one and a corrected draft.
    static func checked(title: String, questions: [Question], opensOn: Day, closesOn: Day) throws
        -> (title: String, questions: [Question])
    {
        let title = try TextBounds.title(TextNormalizer.prose(title), what: "a questionnaire")
        let qs = questions.map {
            Question(
                text: TextNormalizer.prose($0.text), type: $0.type, options: $0.options.map(TextNormalizer.prose),
                required: $0.required)
        }
        if let p = QuestionnaireRules.checkQuestions(qs) {
            throw ValidationError(field: "questions", code: "invalid", message: p.message)
        }
        guard closesOn >= opensOn else {
            throw ValidationError(field: "closes_on", code: "before_start", message: "it closes on or after it opens")
        }
        return (title, qs)
    }

    /// 问效 comes after the works: a satisfaction survey of a project waits for its acceptance.
    static func requireSurveyable(_ kind: QuestionnaireKind, stage: ProjectStage) throws {
        if kind == .satisfaction && stage < .accepted {
            throw StoreError.refused(
                code: "not_accepted",
                message: "a satisfaction survey follows the project's acceptance; it is \(stage.rawValue)")
        }
    }

    /// The draft whose questions are to change or which is discarded, held on PostgreSQL while it is: a draft only,
    /// since residents answer a published one.
    static func draft(_ id: Int64, scope: SQLQueryString, db: any SQLDatabase) async throws -> Header {
        if db.kind == .postgres {
            _ = try await db.raw("SELECT id FROM questionnaires WHERE id = \(bind: id) FOR UPDATE").first()
        }
        let h = try await header(id, db: db, scope: scope)
        guard h.state == .draft else {
            throw StoreError.refused(
                code: "not_draft",
                message: "only a draft questionnaire is changed or discarded; this one is \(h.state.rawValue)")
        }
        return h
    }

    /// Corrects a draft: its kind, title, questions and period, checked as a new one is. Its compound stays.
    public func updateDraft(
        id: Int64, kind: QuestionnaireKind, title: String, questions: [Question], opensOn: Day, closesOn: Day,
        actor: Actor
    ) async throws -> Questionnaire {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let (title, qs) = try Self.checked(title: title, questions: questions, opensOn: opensOn, closesOn: closesOn)
        let s = scope(actor)
        try await database.transaction { db in
            let h = try await Self.draft(id, scope: s, db: db)
            if let p = h.projectId,
                let row = try await db.raw("SELECT stage FROM projects WHERE id = \(bind: p)").first()
            {
                try Self.requireSurveyable(kind, stage: ProjectStage(rawValue: try row.text("stage")) ?? .consultation)
            }
            try await db.raw(
                """
                UPDATE questionnaires SET kind = \(bind: kind.rawValue), title = \(bind: title),
                  questions_json = \(bind: JSONValue.array(qs.map(\.json)).serialized()),
                  opens_on = \(bind: opensOn.description), closes_on = \(bind: closesOn.description)
                WHERE id = \(bind: id)
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "questionnaires", entityId: id,
                subdistrictId: h.subdistrictId, before: .object([("title", .string(h.title))]),
                after: .object([("title", .string(title)), ("kind", .string(kind.rawValue))]))
        }
        return try await get(id: id, actor: actor)
    }

    /// Discards a draft nobody has seen.
    public func deleteDraft(id: Int64, actor: Actor) async throws {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let s = scope(actor)
        try await database.transaction { db in
            let h = try await Self.draft(id, scope: s, db: db)
            try await db.raw("DELETE FROM questionnaires WHERE id = \(bind: id)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: "questionnaires", entityId: id,
                subdistrictId: h.subdistrictId, before: .object([("title", .string(h.title))]), after: nil)
        }
    }

    public func get(id: Int64, actor: Actor) async throws -> Questionnaire {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let s = scope(actor)
        return try await database.withConnection { db in try await Self.header(id, db: db, scope: s).summary }
    }

    /// What a resident sees: the questions, never who answered.
    public func publicHeader(id: Int64) async throws -> Header {
        try await database.withConnection { db in try await Self.header(id, db: db, scope: nil) }
    }

    public func list(actor: Actor, compoundId: Int64?, paging: Paging = .export) async throws -> [Questionnaire] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT q.id FROM questionnaires q JOIN compounds t ON t.id = q.compound_id WHERE " + scope(actor)
        if let compoundId { sql += " AND q.compound_id = \(bind: compoundId)" }
        sql += " ORDER BY q.opens_on DESC, q.id DESC" + paging.sql
        let q = sql
        return try await database.withConnection { db in
            var out: [Questionnaire] = []
            for r in try await db.raw(q).all() {
                out.append(try await Self.header(try r.int("id"), db: db, scope: nil).summary)
            }
            return out
        }
    }

    /// Publishing freezes the questions; closing ends it early.
    public func setState(id: Int64, to state: QuestionnaireState, actor: Actor) async throws -> Questionnaire {
        guard Permissions.allows(actor.role, .manageParticipation) else { throw AccessError.forbidden }
        let s = scope(actor)
        try await database.transaction { db in
            let h = try await Self.header(id, db: db, scope: s)
            guard h.state.canBecome(state) else {
                throw StoreError.conflict(
                    "a questionnaire that is \(h.state.rawValue) cannot become \(state.rawValue)")
            }
            try await db.raw(
                "UPDATE questionnaires SET state = \(bind: state.rawValue), version = version + 1 WHERE id = \(bind: id)"
            ).run()
            // Ended early while open: its period ends today, as residents then read it, beside the day it was meant to.
            let today = Clock.today
            if state == .closed && h.opensOn <= today && today < h.closesOn {
                try await db.raw(
                    """
                    UPDATE questionnaires SET closes_on = \(bind: today.description),
                      planned_closes_on = \(bind: h.closesOn.description) WHERE id = \(bind: id)
                    """
                ).run()
            }
            try await AuditLog.record(
                db: db, actor: actor, action: state == .closed ? "close" : "publish", entity: "questionnaires",
                entityId: id,
                subdistrictId: h.subdistrictId, before: .string(h.state.rawValue), after: .string(state.rawValue))
            if state == .closed {
                try await Outbox.emit(
                    db: db, event: "questionnaire.closed", subdistrictId: h.subdistrictId,
                    payload: .object([
                        ("id", .int(id)), ("compound_id", .int(h.compoundId)), ("kind", .string(h.kind.rawValue)),
                        ("title", .string(h.title)),
                    ]))
            }
        }
        return try await get(id: id, actor: actor)
    }

    /// A paper response entered by a steward or staff, checked against the household's place in the actor's scope.
    public func enterPaper(id: Int64, householdId: Int64, paperNumber: String, answers: [JSONValue], actor: Actor)
        async throws -> QuestionnaireResponse
    {
        guard Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        let paper = TextNormalizer.prose(paperNumber)
        guard !paper.isEmpty else {
            throw ValidationError(
                field: "paper_number", code: "required", message: "a paper response is entered with its number")
        }
        guard paper.count <= 50 else {
            throw ValidationError(field: "paper_number", code: "too_long", message: "at most 50 characters")
        }
        let s = scope(actor)
        return try await database.transaction { db in
            let h = try await Self.header(id, db: db, scope: s)
            guard
                try await ResourceRepository(database: database).fetch(
                    .households, id: householdId, actor: actor, db: db) != nil
            else {
                throw ValidationError(
                    field: "household_id", code: "not_found", message: "household \(householdId) is not in your scope")
            }
            let entered = try await Self.insert(
                h, householdId: householdId, channel: "paper", paper: paper, answers: answers, by: actor.username,
                viewer: actor.scope, db: db)
            try await PaperEntries.logEntered(
                householdId: householdId, paper: paper, db: db,
                log: (actor, "enter_response", "questionnaires", id, h.subdistrictId))
            return entered
        }
    }

    /// A live paper response as it is checked against the paper: the household, the paper's number, who entered it.
    public struct EnteredResponse: Sendable, Codable {
        public var id: Int64
        public var householdId: Int64
        public var household: String
        public var paperNumber: String
        public var enteredBy: String
        public var at: String
        /// The answers as entered, one a question (an option's index or indexes, a rating, words, or null), for
        /// whoever entered them to check against the paper.
        public var answers: StoredJSON
        enum CodingKeys: String, CodingKey {
            case id, householdId = "household_id", household, paperNumber = "paper_number", enteredBy = "entered_by"
            case at, answers
        }
    }

    /// The live paper responses of a questionnaire, newest first (at most `limit`), for those who may void one: the
    /// office every one; whoever else enters paper responses the ones they entered today, which they may still correct.
    /// An online response is never listed. `find`, when not empty, keeps those whose paper number, room or household
    /// (楼栋-单元-房号) it is, with the answers entered, to check against the paper.
    public func enteredResponses(id: Int64, actor: Actor, find: String = "", limit: Int = 1000) async throws
        -> EnteredPapers<EnteredResponse>
    {
        let (all, find) = try PaperEntries.reader(actor, manage: .manageParticipation, find: find, field: "find")
        let live: SQLQueryString =
            "r.questionnaire_id = \(bind: id) AND " + PaperEntries.live("r", all: all, actor: actor)
        let s = scope(actor)
        return try await database.withConnection { db in
            _ = try await Self.header(id, db: db, scope: s)
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM questionnaire_responses r WHERE " + live).first()?
                .int("n") ?? 0
            let sql: SQLQueryString =
                "SELECT r.id, r.household_id, r.paper_number, r.answers_json, " + PaperEntries.named("r")
                + " FROM questionnaire_responses r" + PaperEntries.joins("r") + " WHERE " + live
                + PaperEntries.matching("r", find: find) + " ORDER BY r.id DESC LIMIT \(bind: max(1, min(limit, 1000)))"
            let responses = try await db.raw(sql).all().map { r in
                EnteredResponse(
                    id: try r.int("id"), householdId: try r.int("household_id"),
                    household: try PaperEntries.household(r), paperNumber: try r.optionalText("paper_number") ?? "",
                    enteredBy: try r.text("entered_by"), at: try r.text("at"),
                    answers: try r.storedDocument("answers_json"))
            }
            return EnteredPapers(entries: responses, total: Int(total))
        }
    }

    /// Voids a paper response with a reason (audited), so the household's paper may be entered again: the office
    /// any paper response, whoever else enters them one they entered, on the day they entered it; only while the
    /// questionnaire takes responses, so closed results stand.
    public func void(id: Int64, responseId: Int64, reason: String, actor: Actor) async throws {
        let office = Permissions.allows(actor.role, .manageParticipation)
        guard office || Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        let why = try PaperEntries.voidReason(reason, what: "response")
        let s = scope(actor)
        try await database.transaction { db in
            let h = try await Self.header(id, db: db, scope: s)
            guard h.accepting(today: Clock.today) else {
                throw StoreError.refused(
                    code: "not_open", message: "this questionnaire is not taking responses, so its responses stand")
            }
            let sql: SQLQueryString =
                "SELECT r.entered_by AS username, r.paper_number, " + PaperEntries.named("r")
                + " FROM questionnaire_responses r" + PaperEntries.joins("r")
                + " WHERE r.id = \(bind: responseId) AND r.questionnaire_id = \(bind: id) AND "
                + PaperEntries.live("r", all: true, actor: actor)
            guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
            if !office, let refusal = Self.correctionRefusal(try r.text("at"), try r.text("username"), actor) {
                throw refusal
            }
            try await PaperEntries.void(
                "questionnaire_responses", id: responseId, row: r, reason: why, db: db,
                log: (actor, "void_response", "questionnaires", id, h.subdistrictId))
        }
    }

    /// The paper response just voided, named for the page the void returns to (nil when it is not the actor's to see).
    public func voidedPaper(id: Int64, responseId: Int64, actor: Actor) async throws -> VoidedPaper? {
        let all = Permissions.allows(actor.role, .manageParticipation)
        guard all || Permissions.allows(actor.role, .enterBallots) else { return nil }
        let s = scope(actor)
        return try await database.withConnection { db in
            _ = try await Self.header(id, db: db, scope: s)
            return try await PaperEntries.voided(
                "questionnaire_responses", parent: "questionnaire_id", parentId: id, id: responseId, all: all,
                actor: actor, db: db)
        }
    }

    /// Why someone other than the office may not void a paper response: the same rule as a paper ballot's.
    static func correctionRefusal(_ at: String, _ enteredBy: String, _ actor: Actor) -> StoreError? {
        switch BallotCorrection.refusal(enteredAt: at, enteredBy: enteredBy, actor: actor.username, today: Clock.today)
        {
        case nil: nil
        case .notEnteredByActor:
            .refused(
                code: "response_not_yours",
                message: "only the sub-district's or community's staff may void a response someone else entered")
        case .pastDay:
            .refused(
                code: "response_past_day",
                message: "a response may be voided by whoever entered it only on the day it was entered")
        }
    }

    /// An online response: the owner's phone finds the household in the questionnaire's compound.
    public func respondOnline(id: Int64, phone: String, householdId: Int64?, answers: [JSONValue]) async throws
        -> QuestionnaireResponse
    {
        guard let normalized = PersonalData.normalizePhone(phone) else {
            throw ValidationError(field: "phone", code: "invalid", message: "phone is not a phone number")
        }
        return try await database.transaction { db in
            let h = try await Self.header(id, db: db, scope: nil)
            let owned = try await db.raw(
                """
                SELECT DISTINCT h.id FROM households h JOIN household_residents hr ON hr.household_id = h.id JOIN residents r ON r.id = hr.resident_id
                WHERE h.compound_id = \(bind: h.compoundId) AND r.phone = \(bind: normalized) AND hr.relation IN ('owner', 'co_owner') ORDER BY h.id
                """
            ).all().map { try $0.int("id") }
            guard !owned.isEmpty else {
                throw ValidationError(
                    field: "phone", code: "not_an_owner",
                    message: "no household in this compound has an owner with that phone")
            }
            let household: Int64
            if owned.count == 1 {
                household = owned[0]
            } else {
                guard let chosen = householdId, owned.contains(chosen) else {
                    throw ValidationError(
                        field: "household_id", code: "choose_household",
                        message: "that phone owns \(owned.count) households here; choose one")
                }
                household = chosen
            }
            return try await Self.insert(
                h, householdId: household, channel: "online", paper: nil, answers: answers, by: "online", db: db)
        }
    }

    /// The households an owner's phone reaches in a compound, as room labels, for the public form.
    public func ownedHouseholds(id: Int64, phone: String) async throws -> [(id: Int64, label: String)] {
        guard let normalized = PersonalData.normalizePhone(phone) else { return [] }
        return try await database.withConnection { db in
            let h = try await Self.header(id, db: db, scope: nil)
            return try await db.raw(
                """
                SELECT DISTINCT h.id, b.name AS building, e.name AS entrance, h.room FROM households h JOIN buildings b ON b.id = h.building_id
                JOIN entrances e ON e.id = h.entrance_id JOIN household_residents hr ON hr.household_id = h.id JOIN residents r ON r.id = hr.resident_id
                WHERE h.compound_id = \(bind: h.compoundId) AND r.phone = \(bind: normalized) AND hr.relation IN ('owner', 'co_owner') ORDER BY h.id
                """
            ).all().map {
                (try $0.int("id"), "\(try $0.text("building"))-\(try $0.text("entrance"))-\(try $0.text("room"))")
            }
        }
    }

    /// Every household of the questionnaire's compound as "building-entrance-room", and whether it has answered, for the paper-entry form.
    public func households(id: Int64, actor: Actor) async throws -> [(
        id: Int64, building: String, label: String, answered: Bool
    )] {
        guard Permissions.allows(actor.role, .enterBallots) else { throw AccessError.forbidden }
        let s = scope(actor)
        return try await database.withConnection { db in
            let h = try await Self.header(id, db: db, scope: s)
            // Only the homes the account may enter for: a building's steward, that building's.
            var sql: SQLQueryString = """
                SELECT t.id, b.name AS building, e.name AS entrance, t.room,
                  (SELECT COUNT(*) FROM questionnaire_responses q WHERE q.questionnaire_id = \(bind: id) AND q.household_id = t.id
                     AND q.voided_at IS NULL) AS answered
                FROM households t JOIN buildings b ON b.id = t.building_id JOIN entrances e ON e.id = t.entrance_id
                JOIN compounds c ON c.id = t.compound_id
                WHERE t.compound_id = \(bind: h.compoundId) AND
                """
            sql += " " + ResourceSpec.households.scopeCondition(actor.scope) + " ORDER BY b.id, e.id, t.floor, t.room"
            return try await db.raw(sql).all().map {
                let building = try $0.text("building")
                return (
                    try $0.int("id"), building, "\(building)-\(try $0.text("entrance"))-\(try $0.text("room"))",
                    try $0.int("answered") > 0
                )
            }
        }
    }

    /// `viewer`: the scope of whoever enters a paper, to name the home a number is already used for only to one
    /// who may see it.
    static func insert(
        _ h: Header, householdId: Int64, channel: String, paper: String?, answers: [JSONValue], by: String,
        viewer: Scope = .global, db: any SQLDatabase
    ) async throws -> QuestionnaireResponse {
        guard h.accepting(today: Clock.today) else {
            throw StoreError.refused(
                code: "not_open", message: "this questionnaire is not taking responses (\(h.opensOn) to \(h.closesOn))")
        }
        let household = try await db.raw("SELECT compound_id FROM households WHERE id = \(bind: householdId)").first()
        guard let household, try household.int("compound_id") == h.compoundId else {
            throw ValidationError(
                field: "household_id", code: "outside",
                message: "household \(householdId) is not in this questionnaire's compound")
        }
        let parsed: [Answer]
        switch QuestionnaireRules.answers(answers, to: h.questions, onPaper: channel == "paper") {
        case .success(let a): parsed = a
        case .failure(let p):
            var error = ValidationError(
                field: "answers", code: p.reason == .nothingAnswered ? p.reason.rawValue : "invalid", message: p.message
            )
            // The question a person checks against the paper.
            error.values = ["n": String(max(p.question, 1))]
            throw error
        }
        if try await db.raw(
            "SELECT id FROM questionnaire_responses WHERE questionnaire_id = \(bind: h.id) AND household_id = \(bind: householdId) AND voided_at IS NULL"
        ).first() != nil {
            throw StoreError.refused(code: "already_answered", message: "household \(householdId) has already answered")
        }
        if let paper {
            // Refused naming the home it was entered for, so the one who holds the paper can be found.
            if let home = try await PaperEntries.taken(
                "questionnaire_responses", parent: "questionnaire_id", parentId: h.id, paper: paper, viewer: viewer,
                db: db)
            {
                throw StoreError.refused(
                    code: "paper_entered", message: "paper \(paper) has already been entered",
                    details: home.map { [Phrase("paperHome", values: ["home": $0])] } ?? [])
            }
        }
        let id: Int64
        do {
            id = try await db.raw(
                """
                INSERT INTO questionnaire_responses (questionnaire_id, household_id, channel, paper_number, answers_json, at, entered_by)
                VALUES (\(bind: h.id), \(bind: householdId), \(bind: channel), \(bind: paper), \(bind: JSONValue.array(parsed.map(\.json)).serialized()),
                  \(bind: Clock.isoNow()), \(bind: by)) RETURNING id
                """
            ).first()!.int("id")
        } catch  where DatabaseErrors.isUniqueViolation(error) {
            // The same answer entered at the same moment elsewhere (another server, another phone) got in first.
            if "\(String(reflecting: error))".contains("paper") {
                throw StoreError.refused(
                    code: "paper_entered", message: "paper \(paper ?? "") has already been entered")
            }
            throw StoreError.refused(code: "already_answered", message: "household \(householdId) has already answered")
        }
        return QuestionnaireResponse(id: id, questionnaireId: h.id, householdId: householdId, channel: channel)
    }

    /// Results overall, by question and by building, with the response rate by households.
    public struct Results: Sendable {
        public var header: Header
        public var eligible: Int64
        public var overall: [QuestionnaireRules.Tally]
        public var responses: Int64
        public var buildings:
            [(id: Int64, name: String, eligible: Int64, responses: Int64, tallies: [QuestionnaireRules.Tally])]
    }

    public func results(id: Int64, actor: Actor) async throws -> Results {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let s = scope(actor)
        return try await database.withConnection { db in
            let h = try await Self.header(id, db: db, scope: s)
            return try await Self.results(h, db: db)
        }
    }

    public func publicResults(id: Int64) async throws -> Results {
        try await database.withConnection { db in
            try await Self.results(try await Self.header(id, db: db, scope: nil), db: db)
        }
    }

    static func results(_ h: Header, db: any SQLDatabase) async throws -> Results {
        var buildings: [(id: Int64, name: String, eligible: Int64)] = []
        for r in try await db.raw(
            """
            SELECT b.id, b.name, COUNT(h.id) AS n FROM buildings b LEFT JOIN households h ON h.building_id = b.id
            WHERE b.compound_id = \(bind: h.compoundId) GROUP BY b.id, b.name ORDER BY b.id
            """
        ).all() { buildings.append((try r.int("id"), try r.text("name"), try r.int("n"))) }
        var byBuilding: [Int64: [[Answer]]] = [:]
        var all: [[Answer]] = []
        for r in try await db.raw(
            """
            SELECT h.building_id, q.answers_json FROM questionnaire_responses q JOIN households h ON h.id = q.household_id
            WHERE q.questionnaire_id = \(bind: h.id) AND q.voided_at IS NULL
            """
        ).all() {
            let answers = QuestionnaireRules.decode(try r.storedDocument("answers_json").value, questions: h.questions)
            all.append(answers)
            byBuilding[try r.int("building_id"), default: []].append(answers)
        }
        return Results(
            header: h, eligible: buildings.reduce(0) { $0 + $1.eligible },
            overall: QuestionnaireRules.tally(all, questions: h.questions), responses: Int64(all.count),
            buildings: buildings.map { b in
                (
                    b.id, b.name, b.eligible, Int64(byBuilding[b.id]?.count ?? 0),
                    QuestionnaireRules.tally(byBuilding[b.id] ?? [], questions: h.questions)
                )
            })
    }

    /// The share of satisfied ratings (4 or 5) over every rating question, as tenths of a percent; nil with no ratings.
    public static func satisfaction(_ r: Results) -> Int64? {
        satisfaction(questions: r.header.questions, tallies: r.overall)
    }

    static func satisfaction(questions: [Question], tallies: [QuestionnaireRules.Tally]) -> Int64? {
        var satisfied = 0
        var answered = 0
        for (q, t) in zip(questions, tallies) where q.type == .rating {
            satisfied += t.satisfied
            answered += t.answered
        }
        return answered == 0 ? nil : Percent.tenths(Int64(satisfied), of: Int64(answered))
    }

    /// The latest satisfaction survey's rate of each project that has one: two queries whatever the number of
    /// projects, since a bulletin asks for all of a city's.
    public static func satisfactionByProject(projectIds: [Int64], db: any SQLDatabase) async throws -> [Int64: Int64] {
        guard !projectIds.isEmpty else { return [:] }
        return try await satisfaction(inProjects: "\(binds: projectIds)", db: db)
    }

    /// The same for the projects `projects` selects (a query answering their ids): a province's 20,000 projects are
    /// named by the query that finds them, not one bound value each, which PostgreSQL caps at 65,535.
    public static func satisfaction(inProjects projects: SQLQueryString, db: any SQLDatabase) async throws
        -> [Int64: Int64]
    {
        let surveyScope: SQLQueryString =
            "kind = 'satisfaction' AND state <> 'draft' AND project_id IN (" + projects + ")"
        let surveys = try await db.raw(
            "SELECT id, project_id, questions_json FROM questionnaires WHERE " + surveyScope + " ORDER BY opens_on, id"
        ).all().map { r in
            (
                id: try r.int("id"), project: try r.int("project_id"),
                questions: try r.storedDocument("questions_json").value.arrayItems.compactMap { Question(json: $0) }
            )
        }
        guard !surveys.isEmpty else { return [:] }
        var answers: [Int64: [JSONValue]] = [:]
        for r in try await db.raw(
            "SELECT questionnaire_id, answers_json FROM questionnaire_responses WHERE voided_at IS NULL AND questionnaire_id IN "
                + "(SELECT id FROM questionnaires WHERE " + surveyScope + ")"
        ).all() {
            answers[try r.int("questionnaire_id"), default: []].append(try r.storedDocument("answers_json").value)
        }
        var out: [Int64: Int64] = [:]
        for survey in surveys {
            let decoded = (answers[survey.id] ?? []).map { QuestionnaireRules.decode($0, questions: survey.questions) }
            if let rate = satisfaction(
                questions: survey.questions, tallies: QuestionnaireRules.tally(decoded, questions: survey.questions))
            {
                out[survey.project] = rate
            }
        }
        return out
    }
}

/// One question's tally as the API gives it: option counts, a rating's mean and satisfaction, or the answers typed.
struct QuestionTallyBody: Encodable {
    struct OptionCount: Encodable {
        var option: String
        var count: Int64
    }
    var text: String
    var type: String
    var answered: Int64
    var options: [OptionCount]?
    var meanRating: PercentTenths?
    var satisfied: Int64?
    var satisfactionRate: PercentTenths?
    var answers: [String]?

    enum CodingKeys: String, CodingKey {
        case text, type, answered, options, meanRating = "mean_rating", satisfied
        case satisfactionRate = "satisfaction_rate", answers
    }

    init(_ q: Question, _ t: QuestionnaireRules.Tally, texts: Bool) {
        text = q.text
        type = q.type.rawValue
        answered = Int64(t.answered)
        switch q.type {
        case .single, .multiple:
            options = zip(q.options, t.optionCounts).map { OptionCount(option: $0, count: Int64($1)) }
        case .rating:
            meanRating = PercentTenths(tenths: t.meanRatingTenths)
            satisfied = Int64(t.satisfied)
            satisfactionRate = PercentTenths(tenths: t.satisfactionTenths)
        case .text:
            if texts { answers = t.texts }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(type, forKey: .type)
        try c.encode(answered, forKey: .answered)
        try c.encodeIfPresent(options, forKey: .options)
        try c.encodeIfPresent(meanRating, forKey: .meanRating)
        try c.encodeIfPresent(satisfied, forKey: .satisfied)
        try c.encodeIfPresent(satisfactionRate, forKey: .satisfactionRate)
        try c.encodeIfPresent(answers, forKey: .answers)
    }
}

/// One building's responses and tallies (without the typed answers, which are listed once overall).
struct BuildingResultsBody: Encodable {
    var buildingId: Int64
    var name: String
    var eligibleHouseholds: Int64
    var responses: Int64
    var responseRate: PercentTenths
    var questions: [QuestionTallyBody]
    enum CodingKeys: String, CodingKey {
        case buildingId = "building_id", name, eligibleHouseholds = "eligible_households", responses
        case responseRate = "response_rate", questions
    }
}

extension QuestionnaireRepository.Results: Encodable {
    enum CodingKeys: String, CodingKey {
        case questionnaire, eligibleHouseholds = "eligible_households", responses, responseRate = "response_rate"
        case satisfactionRate = "satisfaction_rate", questions, byBuilding = "by_building"
    }

    /// The results as the API gives them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(header.summary, forKey: .questionnaire)
        try c.encode(eligible, forKey: .eligibleHouseholds)
        try c.encode(responses, forKey: .responses)
        try c.encode(PercentTenths(tenths: Percent.tenths(responses, of: eligible)), forKey: .responseRate)
        try c.encode(
            QuestionnaireRepository.satisfaction(self).map { PercentTenths(tenths: $0) }, forKey: .satisfactionRate)
        try c.encode(
            zip(header.questions, overall).map { QuestionTallyBody($0, $1, texts: true) }, forKey: .questions)
        try c.encode(
            buildings.map { b in
                BuildingResultsBody(
                    buildingId: b.id, name: b.name, eligibleHouseholds: b.eligible, responses: b.responses,
                    responseRate: PercentTenths(tenths: Percent.tenths(b.responses, of: b.eligible)),
                    questions: zip(header.questions, b.tallies).map { QuestionTallyBody($0, $1, texts: false) })
            }, forKey: .byBuilding)
    }

    /// One row per question and option (or rating), overall and per building, for CSV and XLSX.
    public var rows: [[String]] {
        var out: [[String]] = [
            [
                "scope", "households", "responses", "response_rate", "question", "option", "count", "mean_rating",
                "satisfaction_rate",
            ]
        ]
        func add(_ scope: String, _ eligible: Int64, _ responses: Int64, _ tallies: [QuestionnaireRules.Tally]) {
            let rate = Percent.text(Percent.tenths(responses, of: eligible))
            for (q, t) in zip(header.questions, tallies) {
                switch q.type {
                case .single, .multiple:
                    for (o, c) in zip(q.options, t.optionCounts) {
                        out.append([scope, String(eligible), String(responses), rate, q.text, o, String(c), "", ""])
                    }
                case .rating:
                    out.append([
                        // Nobody rated: no mean and no rate, rather than a 0.0 that reads as the worst score.
                        scope, String(eligible), String(responses), rate, q.text, "", String(t.answered),
                        t.answered == 0 ? "" : Percent.text(t.meanRatingTenths),
                        t.answered == 0 ? "" : Percent.text(t.satisfactionTenths),
                    ])
                case .text:
                    out.append([
                        scope, String(eligible), String(responses), rate, q.text, "", String(t.answered), "", "",
                    ])
                }
            }
        }
        add("overall", eligible, responses, overall)
        for b in buildings { add(b.name, b.eligible, b.responses, b.tallies) }
        return out
    }
}
