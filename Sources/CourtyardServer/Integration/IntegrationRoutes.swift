import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Webhooks, Open311 keys, the outbox and each office's service levels.
enum IntegrationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        let integrations = IntegrationRepository(database: services.database)
        api.post("webhooks") { request, context -> Response in
            let actor = try context.require(.manageIntegrations)
            let body = try await JSONBody.object(request, context: context)
            guard let url = body["url"]?.stringValue else {
                throw AppError.unprocessable("required", "url is required", field: "url")
            }
            do { _ = try WebhookTarget.check(url, allowPrivate: services.configuration.allowPrivateWebhooks) } catch let
                e as WebhookTarget.Refused
            {
                throw AppError.unprocessable("refused_target", e.message, field: "url")
            }
            guard let events = body["events"]?.stringList else {
                throw AppError.unprocessable("required", "events is a list of event names", field: "events")
            }
            let w = try await integrations.addWebhook(
                url: url, events: events, secret: try body.optionalText("secret") ?? "", actor: actor)
            return JSONBody.response(w, status: .created)
        }
        api.get("webhooks") { request, context -> Response in
            let all = try await integrations.webhooks(actor: try context.actor())
            return ListPage.response(all: all, try ListPage.paging(request))
        }
        api.delete("webhooks/:id") { _, context -> Response in
            try await integrations.removeWebhook(
                id: try context.parameters.require("id", as: Int64.self), actor: try context.actor())
            return Response(status: .noContent)
        }
        api.get("outbox") { request, context -> Response in
            let actor = try context.require(.manageIntegrations)
            let paging = try ListPage.paging(request)
            return ListPage.response(
                try await Outbox.list(database: services.database, actor: actor, paging: paging), paging)
        }
        api.post("open311/keys") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            let key = try await integrations.addOpen311Key(
                name: try body.optionalText("name") ?? "",
                key: Security.randomToken(),
                subdistrictId: try body.optionalInt("subdistrict_id") ?? nil, actor: try context.actor())
            return JSONBody.response(key, status: .created)
        }
        api.get("service_levels") { request, context -> Response in
            JSONBody.response(
                try await ServiceLevelRepository(database: services.database).get(
                    actor: try context.actor(),
                    subdistrictId: request.uri.queryParameters.get("subdistrict_id").flatMap { Int64($0) }))
        }
        api.put("service_levels") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            guard let ack = body["acknowledge_days"]?.intValue, let fix = body["fix_days"]?.intValue else {
                throw AppError.unprocessable(
                    "required", "acknowledge_days and fix_days are whole numbers of working days",
                    field: "acknowledge_days")
            }
            return JSONBody.response(
                try await ServiceLevelRepository(database: services.database).put(
                    actor: try context.actor(),
                    subdistrictId: try body.optionalInt("subdistrict_id") ?? nil,
                    levels: ServiceLevels(acknowledgeDays: Int(ack), fixDays: Int(fix))))
        }
    }
}
