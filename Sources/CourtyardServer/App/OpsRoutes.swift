import CourtyardDomain
import CourtyardStore
import Hummingbird

/// /healthz and /metrics for load balancers and Prometheus, the stylesheet and the API document: no sign-in.
enum OpsRoutes {
    static func add(to router: Router<AppContext>, services: Services) {
        router.get("healthz") { _, _ -> Response in
            let level = try await Migrations.currentVersion(services.database)
            let ok = level == Migrations.latest
            return JSONBody.response(
                .object([
                    ("status", .string(ok ? "ok" : "migrating")),
                    ("database", .string(services.database.kind.rawValue)),
                    ("migration", .int(Int64(level))), ("migration_latest", .int(Int64(Migrations.latest))),
                ]), status: ok ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ -> Response in
            let text = services.metrics.render(
                poolMax: services.database.maxConnections,
                poolInUse: services.database.connectionsInUse, databaseKind: services.database.kind.rawValue)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("static/courtyard.css") { request, _ -> Response in stylesheet(request) }
        Views.navScript.register(on: router)
        router.get("api/v1/openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    /// The stylesheet: cached for a year (its link carries its version), answered 304 when the ETag matches.
    static func stylesheet(_ request: Request) -> Response {
        ImmutableFile.response(
            request, text: Views.stylesheet, version: Views.stylesheetVersion, contentType: "text/css; charset=utf-8")
    }
}
