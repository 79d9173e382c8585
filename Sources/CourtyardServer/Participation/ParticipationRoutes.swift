import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// Residents' participation beyond votes and reports: questionnaires, public notices and expert reviews.
enum ParticipationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        NoticeController(services: services).register(on: api)
        QuestionnaireController(services: services).register(on: api)
    }
}

/// Questionnaires: drafted, published, answered on paper (here) or online (on the public page), and their results.
struct QuestionnaireController {
    let services: Services
    var questionnaires: QuestionnaireRepository { QuestionnaireRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("questionnaires", use: create)
        api.get("questionnaires", use: list)
        api.get("questionnaires/:id", use: read)
        api.patch("questionnaires/:id", use: update)
        api.delete("questionnaires/:id", use: discard)
        api.post("questionnaires/:id/publish", use: publish)
        api.post("questionnaires/:id/close", use: close)
        api.post("questionnaires/:id/responses", use: enterPaper)
        api.get("questionnaires/:id/responses", use: enteredResponses)
        api.post("questionnaires/:id/responses/:response_id/void", use: voidResponse)
        api.get("questionnaires/:id/results", use: results)
        api.get("questionnaires/:id/map.svg", use: map)
    }

    /// A new questionnaire. The questions are read one by one so that a bad one is named by its number.
    struct NewQuestionnaire: Decodable {
        var compoundId: Int64?
        var projectId: Int64?
        var kind: LooseField?
        var title: String?
        var questions: LooseField?
        var opensOn: LooseField?
        var closesOn: LooseField?
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", projectId = "project_id", kind, title, questions
            case opensOn = "opens_on", closesOn = "closes_on"
        }
    }

    /// Corrects a draft: what is sent replaces what it had, what is left out stays; its compound and project stay
    /// (naming another is refused). Published or closed, it is a 409.
    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let body = try await JSONBody.decode(NewQuestionnaire.self, request, context: context)
        let q = try await questionnaires.get(id: try id(context), actor: actor)
        if let c = body.compoundId, c != q.compoundId {
            throw AppError.unprocessable("immutable", "a questionnaire stays with its compound", field: "compound_id")
        }
        if let p = body.projectId, p != q.projectId {
            throw AppError.unprocessable("immutable", "a questionnaire stays with its project", field: "project_id")
        }
        let updated = try await questionnaires.updateDraft(
            id: q.id, kind: body.kind == nil ? q.kind : try FieldCheck.oneOf("kind", body.kind, QuestionnaireKind.self),
            title: body.title ?? q.title,
            questions: body.questions == nil ? q.questions : try Self.questions(body.questions),
            opensOn: body.opensOn == nil ? q.opensOn : try FieldCheck.requiredDay("opens_on", body.opensOn),
            closesOn: body.closesOn == nil ? q.closesOn : try FieldCheck.requiredDay("closes_on", body.closesOn),
            actor: actor)
        return try JSONBody.response(updated)
    }

    /// Discards a draft nobody has seen; published or closed, it is a 409.
    @Sendable func discard(_ request: Request, _ context: AppContext) async throws -> Response {
        try await questionnaires.deleteDraft(id: try id(context), actor: try context.actor())
        return Response(status: .noContent)
    }

    /// A paper response: answers are JSON by nature (an option's index, a list of them, a rating or text).
    struct PaperResponse: Decodable {
        var householdId: Int64?
        var channel: LooseField?
        var paperNumber: String?
        var answers: LooseField?
        enum CodingKeys: String, CodingKey {
            case householdId = "household_id", channel, paperNumber = "paper_number", answers
        }
    }

    func id(_ context: AppContext) throws -> Int64 { try context.parameters.require("id", as: Int64.self) }

    /// The questions as sent, each read on its own so that a bad one is named by its number.
    static func questions(_ field: LooseField?) throws -> [Question] {
        var questions: [Question] = []
        for (i, q) in (field?.json.arrayItems ?? []).enumerated() {
            guard let question = Question(json: q) else {
                throw AppError.unprocessable(
                    "invalid", "question \(i + 1) needs text and a type (single, multiple, rating, text)",
                    field: "questions")
            }
            questions.append(question)
        }
        return questions
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewQuestionnaire.self, request, context: context)
        let questions = try Self.questions(body.questions)
        guard let compound = body.compoundId else {
            throw AppError.unprocessable("required", "compound_id is required", field: "compound_id")
        }
        let q = try await questionnaires.create(
            compoundId: compound, projectId: body.projectId,
            kind: try FieldCheck.oneOf("kind", body.kind, QuestionnaireKind.self), title: body.title ?? "",
            questions: questions, opensOn: try FieldCheck.requiredDay("opens_on", body.opensOn),
            closesOn: try FieldCheck.requiredDay("closes_on", body.closesOn), actor: try context.actor())
        return try JSONBody.response(q, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let compound = request.uri.queryParameters.get("compound_id").flatMap { Int64($0) }
        return try ListPage.response(
            try await questionnaires.list(actor: try context.actor(), compoundId: compound, paging: paging), paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try await questionnaires.get(id: try id(context), actor: try context.actor()))
    }

    @Sendable func publish(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await questionnaires.setState(id: try id(context), to: .published, actor: try context.actor()))
    }

    @Sendable func close(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await questionnaires.setState(id: try id(context), to: .closed, actor: try context.actor()))
    }

    /// Paper responses are entered by stewards and staff with the paper's number.
    @Sendable func enterPaper(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(PaperResponse.self, request, context: context)
        guard (body.channel?.json.stringValue ?? "paper") == "paper" else {
            throw AppError.unprocessable(
                "invalid", "staff enter paper responses; residents answer online on the public page", field: "channel")
        }
        guard let household = body.householdId else {
            throw AppError.unprocessable("required", "household_id is required", field: "household_id")
        }
        let r = try await questionnaires.enterPaper(
            id: try id(context), householdId: household, paperNumber: body.paperNumber ?? "",
            answers: body.answers?.json.arrayItems ?? [], actor: try context.actor())
        return try JSONBody.response(r, status: .created)
    }

    /// The live paper responses the caller may void (the office every one; whoever else enters them, their own of
    /// today), newest first; `find` keeps a paper number, room or 楼栋-单元-房号.
    @Sendable func enteredResponses(_ request: Request, _ context: AppContext) async throws -> Response {
        struct Listed: Encodable {
            var items: [QuestionnaireRepository.EnteredResponse]
            var total: Int
        }
        let find = String((request.uri.queryParameters.get("find") ?? "").unicodeScalars.prefix(100))
        let listed = try await questionnaires.enteredResponses(
            id: try id(context), actor: try context.actor(), find: find)
        return try JSONBody.response(Listed(items: listed.entries, total: listed.total))
    }

    /// Voids a paper response entered wrongly, with the reason, so the paper may be entered again.
    @Sendable func voidResponse(_ request: Request, _ context: AppContext) async throws -> Response {
        struct VoidBody: Decodable { var reason: LooseField? }
        let body = try await JSONBody.decode(VoidBody.self, request, context: context)
        try await questionnaires.void(
            id: try id(context), responseId: try context.parameters.require("response_id", as: Int64.self),
            reason: body.reason?.json.stringValue ?? "", actor: try context.actor())
        return Response(status: .noContent)
    }

    /// The battle map of who has answered (not what), household by household.
    @Sendable func map(_ request: Request, _ context: AppContext) async throws -> Response {
        let (title, cells) = try await questionnaires.participation(id: try id(context), actor: try context.actor())
        return ProjectRoutes.svg(
            BattleMap.participation(title: title, households: cells, done: "answered", lang: context.lang))
    }

    @Sendable func results(_ request: Request, _ context: AppContext) async throws -> Response {
        let results = try await questionnaires.results(id: try id(context), actor: try context.actor())
        let format = request.uri.queryParameters.get("format") ?? "json"
        if format == "json" { return try JSONBody.response(results) }
        // A sheet for a clerk: Chinese headers, and the whole compound's lines named in Chinese.
        let chinese = ProjectsExport.wantsChinese(request)
        let sheet =
            chinese
            ? [results.rows[0].map { Lang.zh.t("export.q." + $0) }]
                + results.rows.dropFirst().map { r in
                    r.first == "overall" ? [Lang.zh.t("export.q.all")] + r.dropFirst() : r
                }
            : results.rows
        switch format {
        case "csv":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"questionnaire-\(results.header.id).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: CSV.write(sheet))))
        case "xlsx":
            let rows = sheet
            let numeric: Set<Int> = [1, 2, 3, 6, 7, 8]
            let data = try XLSX.write(
                header: rows[0],
                rows: rows.dropFirst().map { r in
                    r.enumerated().map { numeric.contains($0) ? .number($1) : .text($1) }
                },
                sheetName: "results")
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"questionnaire-\(results.header.id).xlsx\"",
                ], body: .init(byteBuffer: ByteBuffer(data: data)))
        default: throw AppError.badRequest("invalid_format", "format is json, csv or xlsx", field: "format")
        }
    }
}
