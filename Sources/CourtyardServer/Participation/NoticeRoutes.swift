import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Public notices (公示) with residents' objections, and projects' expert reviews (专家评审).
struct NoticeController {
    let services: Services
    /// Anyone may object while a notice is up, without an account, a few times per address.
    let objectionLimiter = RateLimiter("notice.objection", limit: 5, window: 600)
    var notices: NoticeRepository { NoticeRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("notices", use: create)
        api.get("notices", use: list)
        api.get("notices/:id", use: read)
        api.post("notices/:id/publish", use: publish)
        api.post("notices/:id/objections", use: object)
        api.post("notices/:id/objections/:objection/reply", use: reply)
        api.post("projects/:id/expert_reviews", use: addReview)
        api.get("projects/:id/expert_reviews", use: reviews)
    }

    struct NewNotice: Decodable {
        var compoundId: Int64?
        var projectId: Int64?
        var kind: LooseField?
        var title: String?
        var body: String?
        var attachments: LooseField?
        var startsOn: LooseField?
        var endsOn: LooseField?
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", projectId = "project_id", kind, title, body, attachments
            case startsOn = "starts_on", endsOn = "ends_on"
        }
    }

    struct Objection: Decodable {
        var text: String?
        var name: String?
        var phone: String?
    }

    struct Reply: Decodable {
        var reply: String?
        /// The `reply_version` of the objection read (0 before any answer): given, an answer saved meanwhile is a 409.
        var replyVersion: Int64?
        enum CodingKeys: String, CodingKey { case reply, replyVersion = "reply_version" }
    }

    struct NewReview: Decodable {
        var date: LooseField?
        var experts: LooseField?
        var conclusion: LooseField?
        var summary: String?
    }

    func id(_ context: AppContext) throws -> Int64 { try context.parameters.require("id", as: Int64.self) }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewNotice.self, request, context: context)
        guard let compound = body.compoundId else {
            throw AppError.unprocessable("required", "compound_id is required", field: "compound_id")
        }
        let n = try await notices.create(
            .init(
                compoundId: compound, projectId: body.projectId,
                kind: try FieldCheck.oneOf("kind", body.kind, NoticeRepository.Kind.self), title: body.title ?? "",
                body: body.body ?? "", attachments: try FieldCheck.idList("attachments", body.attachments),
                startsOn: try FieldCheck.requiredDay("starts_on", body.startsOn),
                endsOn: try FieldCheck.requiredDay("ends_on", body.endsOn)),
            actor: try context.actor())
        return try JSONBody.response(n, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let compound = request.uri.queryParameters.get("compound_id").flatMap { Int64($0) }
        return try ListPage.response(
            try await notices.list(actor: try context.actor(), compoundId: compound, paging: paging), paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try await notices.get(id: try id(context), actor: try context.actor()))
    }

    @Sendable func publish(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try await notices.publish(id: try id(context), actor: try context.actor()))
    }

    @Sendable func object(_ request: Request, _ context: AppContext) async throws -> Response {
        guard try await objectionLimiter.allow(context.remoteHost, in: services.database) else {
            throw AppError(
                status: .tooManyRequests, code: "rate_limited",
                message: "too many objections from this address; try again later")
        }
        let body = try await JSONBody.decode(Objection.self, request, context: context)
        let o = try await notices.object(
            noticeId: try id(context), text: body.text ?? "", name: body.name ?? "", phone: body.phone ?? "")
        return try JSONBody.response(o, status: .created)
    }

    @Sendable func reply(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(Reply.self, request, context: context)
        return try JSONBody.response(
            try await notices.reply(
                noticeId: try id(context), objectionId: try context.parameters.require("objection", as: Int64.self),
                text: body.reply ?? "", seen: body.replyVersion, actor: try context.actor()))
    }

    @Sendable func addReview(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewReview.self, request, context: context)
        var experts: [(name: String, affiliation: String, opinion: String)] = []
        for e in body.experts?.json.arrayItems ?? [] {
            guard let name = e["name"]?.stringValue else {
                throw AppError.unprocessable("invalid", "experts lists {name, affiliation, opinion}", field: "experts")
            }
            experts.append((name, e["affiliation"]?.stringValue ?? "", e["opinion"]?.stringValue ?? ""))
        }
        let r = try await notices.addReview(
            projectId: try id(context), date: try FieldCheck.requiredDay("date", body.date), experts: experts,
            conclusion: try FieldCheck.oneOf("conclusion", body.conclusion, NoticeRepository.Conclusion.self),
            summary: body.summary ?? "", actor: try context.actor())
        return try JSONBody.response(r, status: .created)
    }

    @Sendable func reviews(_ request: Request, _ context: AppContext) async throws -> Response {
        let all = try await notices.reviews(projectId: try id(context), actor: try context.actor())
        return try ListPage.response(all: all, try ListPage.paging(request))
    }
}
