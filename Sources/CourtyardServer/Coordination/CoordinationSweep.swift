import CourtyardStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Beside the outbox worker: every few minutes, departments hear of requests that went past their due day
/// (once per due day, so several servers running it send each notice once).
struct CoordinationSweep: Service {
    let services: Services
    var interval: Duration = .seconds(300)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await CoordinationRequestRepository(database: services.database).announceOverdue()
            } catch {
                services.logger.error("coordination sweep: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
