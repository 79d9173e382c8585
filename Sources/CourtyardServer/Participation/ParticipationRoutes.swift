import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// Residents' participation beyond votes and reports: questionnaires, public notices and expert reviews.
enum ParticipationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        let notices = NoticeRepository(database: services.database)
        let questionnaires = QuestionnaireRepository(database: services.database)
        @Sendable func id(_ context: AppContext) throws -> Int64 {
            try context.parameters.require("id", as: Int64.self)
        }
        let limiter = RateLimiter(limit: 5, window: 600)

        // MARK: Notices
        api.post("notices") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            let n = try await notices.create(
                .init(
                    compoundId: try body.requiredID("compound_id"),
                    projectId: try body.optionalInt("project_id") ?? nil,
                    kind: try body.requiredCase("kind", NoticeRepository.Kind.self),
                    title: try body.optionalText("title") ?? "",
                    body: try body.optionalText("body") ?? "", attachments: try body.idList("attachments"),
                    startsOn: try body.requiredDay("starts_on"), endsOn: try body.requiredDay("ends_on")),
                actor: try context.actor())
            return JSONBody.response(n, status: .created)
        }
        api.get("notices") { request, context -> Response in
            let paging = try ListPage.paging(request)
            let compound = request.uri.queryParameters.get("compound_id").flatMap { Int64($0) }
            return ListPage.response(
                try await notices.list(actor: try context.actor(), compoundId: compound, paging: paging), paging)
        }
        api.get("notices/:id") { _, context -> Response in
            JSONBody.response(try await notices.get(id: try id(context), actor: try context.actor()))
        }
        api.post("notices/:id/publish") { _, context -> Response in
            JSONBody.response(try await notices.publish(id: try id(context), actor: try context.actor()))
        }
        // Anyone may object while a notice is up, without an account, a few times per address.
        api.post("notices/:id/objections") { request, context -> Response in
            guard limiter.allow(context.remoteHost) else {
                throw AppError(
                    status: .tooManyRequests, code: "rate_limited",
                    message: "too many objections from this address; try again later")
            }
            let body = try await JSONBody.object(request, context: context)
            let o = try await notices.object(
                noticeId: try id(context), text: try body.optionalText("text") ?? "",
                name: try body.optionalText("name") ?? "",
                phone: try body.optionalText("phone") ?? "")
            return JSONBody.response(o, status: .created)
        }

        api.post("notices/:id/objections/:objection/reply") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            return JSONBody.response(
                try await notices.reply(
                    noticeId: try id(context), objectionId: try context.parameters.require("objection", as: Int64.self),
                    text: try body.optionalText("reply") ?? "", actor: try context.actor()))
        }

        // MARK: Expert reviews
        api.post("projects/:id/expert_reviews") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            var experts: [(name: String, affiliation: String, opinion: String)] = []
            for e in body["experts"].arrayItems {
                guard let name = e["name"]?.stringValue else {
                    throw AppError.unprocessable(
                        "invalid", "experts lists {name, affiliation, opinion}", field: "experts")
                }
                experts.append((name, e["affiliation"]?.stringValue ?? "", e["opinion"]?.stringValue ?? ""))
            }
            let r = try await notices.addReview(
                projectId: try id(context), date: try body.requiredDay("date"), experts: experts,
                conclusion: try body.requiredCase("conclusion", NoticeRepository.Conclusion.self),
                summary: try body.optionalText("summary") ?? "",
                actor: try context.actor())
            return JSONBody.response(r, status: .created)
        }
        api.get("projects/:id/expert_reviews") { request, context -> Response in
            let all = try await notices.reviews(projectId: try id(context), actor: try context.actor())
            return ListPage.response(all: all, try ListPage.paging(request))
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
