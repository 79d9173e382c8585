import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Webhooks, Open311 keys, the outbox and each office's service levels.
enum IntegrationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        IntegrationController(services: services).register(on: api)
    }
}

/// A webhook to add: where to post, which events, and the secret its deliveries are signed with.
struct NewWebhook: Decodable {
    var url: String
    /// nil when `events` is not a list; checked once the address is known to be one a webhook may post to.
    var events: [String]?
    var secret: String?

    enum CodingKeys: String, CodingKey { case url, events, secret }

    /// An item of a list that counts only when it is text.
    struct TextItem: Decodable {
        var text: String?
        init(from decoder: any Decoder) throws { text = try? decoder.singleValueContainer().decode(String.self) }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let url = try? c.decode(String.self, forKey: .url) else {
            throw AppError.unprocessable("required", "url is required", field: "url")
        }
        self.url = url
        events = (try? c.decode([TextItem].self, forKey: .events))?.compactMap(\.text)
        if c.contains(.secret), (try? c.decodeNil(forKey: .secret)) == false {
            guard let s = try? c.decode(String.self, forKey: .secret) else {
                throw AppError.unprocessable("invalid", "secret must be text", field: "secret")
            }
            secret = s
        }
    }
}

/// An Open311 key to issue: the client's name, and for an administrator the sub-district it serves.
struct NewOpen311Key: Decodable {
    var name: String?
    var subdistrictId: Int64?

    enum CodingKeys: String, CodingKey {
        case name
        case subdistrictId = "subdistrict_id"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.name), (try? c.decodeNil(forKey: .name)) == false {
            guard let s = try? c.decode(String.self, forKey: .name) else {
                throw AppError.unprocessable("invalid", "name must be text", field: "name")
            }
            name = s
        }
        if c.contains(.subdistrictId), (try? c.decodeNil(forKey: .subdistrictId)) == false {
            guard let i = try? c.decode(Int64.self, forKey: .subdistrictId) else {
                throw AppError.unprocessable(
                    "invalid", "subdistrict_id must be a whole number", field: "subdistrict_id")
            }
            subdistrictId = i
        }
    }
}

/// An office's service levels: working days to acknowledge a report and to fix it.
struct ServiceLevelsBody: Decodable {
    var acknowledgeDays: Int64
    var fixDays: Int64
    var subdistrictId: Int64?

    enum CodingKeys: String, CodingKey {
        case acknowledgeDays = "acknowledge_days"
        case fixDays = "fix_days"
        case subdistrictId = "subdistrict_id"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let ack = try? c.decode(Int64.self, forKey: .acknowledgeDays),
            let fix = try? c.decode(Int64.self, forKey: .fixDays)
        else {
            throw AppError.unprocessable(
                "required", "acknowledge_days and fix_days are whole numbers of working days",
                field: "acknowledge_days")
        }
        acknowledgeDays = ack
        fixDays = fix
        if c.contains(.subdistrictId), (try? c.decodeNil(forKey: .subdistrictId)) == false {
            guard let i = try? c.decode(Int64.self, forKey: .subdistrictId) else {
                throw AppError.unprocessable(
                    "invalid", "subdistrict_id must be a whole number", field: "subdistrict_id")
            }
            subdistrictId = i
        }
    }
}

/// Webhooks, the outbox, Open311 keys and service levels: one handler each.
struct IntegrationController {
    let services: Services
    var integrations: IntegrationRepository { IntegrationRepository(database: services.database) }
    var serviceLevels: ServiceLevelRepository { ServiceLevelRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("webhooks", use: addWebhook)
        api.get("webhooks", use: webhooks)
        api.delete("webhooks/:id", use: removeWebhook)
        api.get("outbox", use: outbox)
        api.post("open311/keys", use: addOpen311Key)
        api.get("service_levels", use: getServiceLevels)
        api.put("service_levels", use: putServiceLevels)
    }

    @Sendable func addWebhook(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageIntegrations)
        let body = try await JSONBody.decode(NewWebhook.self, request, context: context)
        do {
            _ = try WebhookTarget.check(body.url, allowPrivate: services.configuration.allowPrivateWebhooks)
        } catch let
            e as WebhookTarget.Refused
        {
            throw AppError.unprocessable("refused_target", e.message, field: "url")
        }
        guard let events = body.events else {
            throw AppError.unprocessable("required", "events is a list of event names", field: "events")
        }
        let w = try await integrations.addWebhook(
            url: body.url, events: events, secret: body.secret ?? "", actor: actor)
        return try JSONBody.response(w, status: .created)
    }

    @Sendable func webhooks(_ request: Request, _ context: AppContext) async throws -> Response {
        let all = try await integrations.webhooks(actor: try context.actor())
        return try ListPage.response(all: all, try ListPage.paging(request))
    }

    @Sendable func removeWebhook(_ request: Request, _ context: AppContext) async throws -> Response {
        try await integrations.removeWebhook(
            id: try context.parameters.require("id", as: Int64.self), actor: try context.actor())
        return Response(status: .noContent)
    }

    @Sendable func outbox(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageIntegrations)
        let paging = try ListPage.paging(request)
        return try ListPage.response(
            try await Outbox.list(database: services.database, actor: actor, paging: paging), paging)
    }

    @Sendable func addOpen311Key(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewOpen311Key.self, request, context: context)
        let key = try await integrations.addOpen311Key(
            name: body.name ?? "", key: Security.randomToken(), subdistrictId: body.subdistrictId,
            actor: try context.actor())
        return try JSONBody.response(key, status: .created)
    }

    @Sendable func getServiceLevels(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await serviceLevels.get(
                actor: try context.actor(),
                subdistrictId: request.uri.queryParameters.get("subdistrict_id").flatMap { Int64($0) }))
    }

    @Sendable func putServiceLevels(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(ServiceLevelsBody.self, request, context: context)
        return try JSONBody.response(
            try await serviceLevels.put(
                actor: try context.actor(), subdistrictId: body.subdistrictId,
                levels: ServiceLevels(acknowledgeDays: Int(body.acknowledgeDays), fixDays: Int(body.fixDays))))
    }
}
