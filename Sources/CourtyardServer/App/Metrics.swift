import Foundation
import Hummingbird

/// Request counts by route and status, a latency histogram, and the database pool, in Prometheus text.
final class MetricsRegistry: @unchecked Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private let lock = NSLock()
    private var requests: [String: Int] = [:]
    private var bucketCounts = [Int](repeating: 0, count: MetricsRegistry.buckets.count)
    private var count = 0
    private var sum = 0.0

    func record(method: String, route: String, status: Int, seconds: Double) {
        let key =
            "method=\"\(method)\",route=\"\(route.replacingOccurrences(of: "\"", with: ""))\",status=\"\(status)\""
        lock.lock()
        defer { lock.unlock() }
        requests[key, default: 0] += 1
        count += 1
        sum += seconds
        for (i, b) in Self.buckets.enumerated() where seconds <= b { bucketCounts[i] += 1 }
    }

    func render(poolMax: Int, poolInUse: Int, databaseKind: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        var out =
            "# HELP courtyard_http_requests_total HTTP requests by route and status.\n# TYPE courtyard_http_requests_total counter\n"
        for (k, v) in requests.sorted(by: { $0.key < $1.key }) { out += "courtyard_http_requests_total{\(k)} \(v)\n" }
        out +=
            "# HELP courtyard_http_request_duration_seconds Request latency.\n# TYPE courtyard_http_request_duration_seconds histogram\n"
        for (i, b) in Self.buckets.enumerated() {
            out += "courtyard_http_request_duration_seconds_bucket{le=\"\(b)\"} \(bucketCounts[i])\n"
        }
        out += "courtyard_http_request_duration_seconds_bucket{le=\"+Inf\"} \(count)\n"
        out +=
            "courtyard_http_request_duration_seconds_sum \(sum)\ncourtyard_http_request_duration_seconds_count \(count)\n"
        out +=
            "# HELP courtyard_db_pool_connections Database connections allowed and in use.\n# TYPE courtyard_db_pool_connections gauge\n"
        out += "courtyard_db_pool_connections{database=\"\(databaseKind)\",state=\"max\"} \(poolMax)\n"
        out += "courtyard_db_pool_connections{database=\"\(databaseKind)\",state=\"in_use\"} \(poolInUse)\n"
        return out
    }
}

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let registry: MetricsRegistry

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            let response = try await next(request, context)
            registry.record(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                status: response.status.code, seconds: seconds())
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? AppError.from(error)?.status.code ?? 500
            registry.record(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status,
                seconds: seconds())
            throw error
        }
    }
}
