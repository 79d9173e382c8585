import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// Residents' participation beyond votes and reports: questionnaires, public notices and expert reviews.
enum ParticipationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        NoticeController(services: services).register(on: api)
        let questionnaires = QuestionnaireRepository(database: services.database)
        @Sendable func id(_ context: AppContext) throws -> Int64 {
            try context.parameters.require("id", as: Int64.self)
        }

        // MARK: Questionnaires
        api.post("questionnaires") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            var questions: [Question] = []
            for (i, q) in body["questions"].arrayItems.enumerated() {
                guard let question = Question(json: q) else {
                    throw AppError.unprocessable(
                        "invalid", "question \(i + 1) needs text and a type (single, multiple, rating, text)",
                        field: "questions")
                }
                questions.append(question)
            }
            let q = try await questionnaires.create(
                compoundId: try body.requiredID("compound_id"), projectId: try body.optionalInt("project_id") ?? nil,
                kind: try body.requiredCase("kind", QuestionnaireKind.self),
                title: try body.optionalText("title") ?? "", questions: questions,
                opensOn: try body.requiredDay("opens_on"), closesOn: try body.requiredDay("closes_on"),
                actor: try context.actor())
            return JSONBody.response(q, status: .created)
        }
        api.get("questionnaires") { request, context -> Response in
            let paging = try ListPage.paging(request)
            let compound = request.uri.queryParameters.get("compound_id").flatMap { Int64($0) }
            return ListPage.response(
                try await questionnaires.list(actor: try context.actor(), compoundId: compound, paging: paging), paging)
        }
        api.get("questionnaires/:id") { _, context -> Response in
            JSONBody.response(try await questionnaires.get(id: try id(context), actor: try context.actor()))
        }
        api.post("questionnaires/:id/publish") { _, context -> Response in
            JSONBody.response(
                try await questionnaires.setState(id: try id(context), to: "published", actor: try context.actor()))
        }
        api.post("questionnaires/:id/close") { _, context -> Response in
            JSONBody.response(
                try await questionnaires.setState(id: try id(context), to: "closed", actor: try context.actor()))
        }
        // Paper responses are entered by stewards and staff with the paper's number.
        api.post("questionnaires/:id/responses") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            guard (body["channel"]?.stringValue ?? "paper") == "paper" else {
                throw AppError.unprocessable(
                    "invalid", "staff enter paper responses; residents answer online on the public page",
                    field: "channel")
            }
            let r = try await questionnaires.enterPaper(
                id: try id(context), householdId: try body.requiredID("household_id"),
                paperNumber: try body.optionalText("paper_number") ?? "", answers: body["answers"].arrayItems,
                actor: try context.actor())
            return JSONBody.response(r, status: .created)
        }
        api.get("questionnaires/:id/results") { request, context -> Response in
            let results = try await questionnaires.results(id: try id(context), actor: try context.actor())
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json": return JSONBody.response(results.json)
            case "csv":
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"questionnaire-\(results.header.id).csv\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: CSV.write(results.rows))))
            case "xlsx":
                let rows = results.rows
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
}
