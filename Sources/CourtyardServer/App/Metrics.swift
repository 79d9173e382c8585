import CoreMetrics
import Foundation
import Hummingbird
import Prometheus

/// Request counts by route and status, a latency histogram, and the database pool, through swift-metrics into a
/// Prometheus registry of this server's own (so several servers in one process, as in the tests, keep apart).
///
/// Names: `courtyard_http_requests_total{method,route,status}`, `courtyard_http_request_duration_seconds`
/// (histogram), `courtyard_db_pool_connections{database,state="max"|"in_use"}`.
final class MetricsRegistry: Sendable {
    static let buckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.buckets
        self.factory = factory
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let dimensions = [
            ("method", method), ("route", route.replacingOccurrences(of: "\"", with: "")), ("status", String(status)),
        ]
        CoreMetrics.Counter(label: "courtyard_http_requests_total", dimensions: dimensions, factory: factory)
            .increment()
        CoreMetrics.Timer(label: "courtyard_http_request_duration_seconds", factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    func render(poolMax: Int, poolInUse: Int, databaseKind: String) -> String {
        for (state, value) in [("max", poolMax), ("in_use", poolInUse)] {
            CoreMetrics.Gauge(
                label: "courtyard_db_pool_connections", dimensions: [("database", databaseKind), ("state", state)],
                factory: factory
            ).record(value)
        }
        return registry.emitToString()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let registry: MetricsRegistry

    func handle(
        _ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let route = { context.endpointPath ?? "unmatched" }
        do {
            let response = try await next(request, context)
            registry.record(
                method: request.method.rawValue, route: route(), status: response.status.code,
                duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? AppError.from(error)?.status.code ?? 500
            registry.record(
                method: request.method.rawValue, route: route(), status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
