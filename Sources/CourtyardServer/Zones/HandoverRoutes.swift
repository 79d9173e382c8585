import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// A compound's hand-over checklist, signed by the four parties on their own accounts.
struct HandoverController {
    let services: Services
    var repo: HandoverRepository { HandoverRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.get("projects/:id/handover", use: read)
        api.put("projects/:id/handover", use: put)
        api.post("projects/:id/handover/sign", use: sign)
    }

    /// The checklist's entity tag, `"projectId-version"`, which a write sends back in If-Match.
    static func etag(_ h: Handover) -> String { "\"\(h.projectId)-\(h.version)\"" }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let h = try await repo.get(
            projectId: try context.parameters.require("id", as: Int64.self), actor: try context.actor())
        return try JSONBody.response(h, etag: Self.etag(h))
    }

    /// Given If-Match (the ETag read), a checklist another clerk saved meanwhile is refused (409
    /// `checklist_changed`) rather than overwritten.
    @Sendable func put(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let expected = try RegistryRoutes.expectedVersion(request, id: id)
        let checklist = try await JSONBody.decode(HandoverChecklist.self, request, context: context)
        let h = try await repo.put(projectId: id, checklist, version: expected, actor: actor)
        return try JSONBody.response(h, etag: Self.etag(h))
    }

    /// A signature is on the checklist its signer read: `version` as read is required, and a checklist changed
    /// since is refused (409 `checklist_changed`), as on the page.
    @Sendable func sign(_ request: Request, _ context: AppContext) async throws -> Response {
        struct Signing: Decodable { var version: Int? }
        let body = try await JSONBody.decode(Signing.self, request, context: context)
        guard let version = body.version else {
            throw ValidationError(field: "version", code: "required", message: "send the version of the checklist read")
        }
        return try JSONBody.response(
            try await repo.sign(
                projectId: try context.parameters.require("id", as: Int64.self), version: version,
                actor: try context.actor()))
    }
}

/// A property company's compounds, reports and record: its own account sees its own; the office any of its
/// sub-district's.
struct PropertyCompanyController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("property_companies/:id", use: read)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await PropertyCompanyRepository(database: services.database).view(
                organisationId: try context.parameters.require("id", as: Int64.self), actor: try context.actor()))
    }
}
