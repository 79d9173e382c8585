import CourtyardStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Beside the outbox worker: every few minutes, departments hear of requests that went past their due day
/// (once per due day, so several servers running it send each notice once), and a series without an end plans its
/// meetings two months ahead as the days go by.
struct CoordinationSweep: Service {
    let services: Services
    var interval: Duration = .seconds(300)

    /// The first pass waits a minute: at start the outbox worker claims its backlog outside the write lock, and a
    /// transaction beside those claims would hold SQLite's few driver threads waiting on each other.
    var firstDelay: Duration = .seconds(60)

    func run() async throws {
        await Self.pause(firstDelay)
        let requests = CoordinationRequestRepository(database: services.database)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Only a pass that finds something takes the write transaction.
                if try await requests.hasOverdueToAnnounce() { _ = try await requests.announceOverdue() }
                if try await MeetingRepository.needsRollForward(database: services.database) {
                    let calendar = try await CalendarRepository(database: services.database).calendar()
                    try await MeetingRepository.refreshAll(database: services.database, calendar: calendar)
                }
            } catch {
                services.logger.error("coordination sweep: \(error)")
            }
            await Self.pause(interval)
        }
    }

    /// Waits a while, a second at a time, so a server asked to stop does not wait out the sweep's interval.
    static func pause(_ duration: Duration) async {
        var left = duration
        while left > .zero && !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: min(left, .seconds(1)))
            left -= .seconds(1)
        }
    }
}
