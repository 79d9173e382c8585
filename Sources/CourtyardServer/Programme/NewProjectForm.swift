import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The office puts a compound into a batch of the renovation programme from the compound's page (纳入改造计划), the
/// step after importing its households; the project's page opens next. Before, only the API could.
struct NewProjectController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/compounds/:id/projects", page: "/programme", create)
    }

    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let actor = try context.actor()
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await CompoundPage.load(
                id: id, actor: actor, services: services, f, typed: fields, problem: m.1)
            return f.page(title: page.title, "registry-compound", page, status: status)
        }
        var made: Int64 = 0
        let saved = try await Pages.save(f, next: "/programme", redisplay: redisplay) {
            made = try await Self.create(compound: id, fields, actor: actor, services: services, f)
        }
        guard saved.status == .seeOther, made > 0 else { return saved }
        return Response(status: .seeOther, headers: [.location: SiteRoute.project(made).path])
    }

    /// Checks what was typed, then creates the project; a batch the compound is already in is said as such.
    static func create(compound: Int64, _ fields: [String: String], actor: Actor, services: Services, _ f: PageFrame)
        async throws -> Int64
    {
        guard let year = Int(fields["batch_year"] ?? ""), (2000...2100).contains(year) else {
            throw ValidationError(field: "batch_year", code: Pages.pageMessage, message: f.t("newProject.badYear"))
        }
        guard let deadline = Day(fields["deadline"] ?? "") else {
            throw ValidationError(field: "deadline", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        let repo = ProjectRepository(database: services.database)
        let existing = try await repo.summaries(actor: actor, filter: .init(batchYear: year, compoundId: compound))
        guard existing.isEmpty else {
            throw ValidationError(
                field: "batch_year", code: Pages.pageMessage,
                message: f.t("newProject.taken").replacingOccurrences(of: "{year}", with: String(year)))
        }
        guard deadline.civil.year >= year else {
            throw ValidationError(field: "deadline", code: Pages.pageMessage, message: f.t("newProject.deadlineEarly"))
        }
        return try await repo.create(
            compoundId: compound, batchYear: year, deadline: deadline, fields: .init(), actor: actor
        ).summary.id
    }
}
