import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Whether PostgreSQL was out of reach a moment ago. The pool answers a failed connection attempt only to the request
/// that began it; requests queued beside it wait for a connection until the pool's timeout (10 s), so while
/// PostgreSQL is down a request could hang that long before its 503. Once an attempt has failed, the requests queued
/// meanwhile give up at once and new ones are refused at once, except one every `probeEvery` that tries again; so an
/// outage is answered at once, and the server finds PostgreSQL back within that time.
final class Reachability: Sendable {
    private struct State {
        var down = false
        var probedAt: UInt64 = 0
        /// Counts connections reached: a failure of an attempt begun before the last one reached says nothing.
        var epoch: UInt64 = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
        var lastWaiter = 0
    }
    private let state = NIOLockedValueBox(State())
    static let probeEvery: UInt64 = 250_000_000
    /// An attempt that failed within this long of beginning says how PostgreSQL is now (a refusal is immediate).
    static let fresh: UInt64 = 1_000_000_000

    /// A ticket to ask the pool for a connection now, or nil when the request is to be refused at once.
    func ticket(now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> UInt64? {
        state.withLockedValue { s in
            guard s.down else { return s.epoch }
            guard now &- s.probedAt >= Self.probeEvery else { return nil }
            s.probedAt = now
            return s.epoch
        }
    }

    /// An attempt begun with `ticket` (at `began`) could not reach PostgreSQL: unless another reached it since, the
    /// requests waiting for a connection give up, and new ones are refused until a probe reaches it. An attempt that
    /// failed at once (a refusal) counts whatever reached it since: a connection handed out meanwhile may have been an
    /// idle one from before PostgreSQL stopped, which says nothing of PostgreSQL now.
    func failed(ticket: UInt64, began: UInt64? = nil, now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        let waiting = state.withLockedValue { s -> [@Sendable () -> Void] in
            let immediate = began.map { now &- $0 < Self.fresh } ?? false
            guard s.epoch == ticket || immediate else { return [] }
            s.down = true
            s.probedAt = now
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for giveUp in waiting { giveUp() }
    }

    /// A connection came: PostgreSQL is in reach.
    func reached() {
        state.withLockedValue { s in
            s.epoch &+= 1
            s.down = false
        }
    }

    var isDown: Bool { state.withLockedValue { $0.down } }
    var waitingCount: Int { state.withLockedValue { $0.waiting.count } }

    /// Waits for the pool's `connection`, or gives up (`DatabaseUnreachable`) when an attempt fails meanwhile; a
    /// connection that comes after giving up goes back to the pool by `giveBack`.
    func wait<C: Sendable>(
        for connection: EventLoopFuture<C>, giveBack: @escaping @Sendable (C) -> Void
    ) async throws -> C {
        try await withCheckedThrowingContinuation { (answer: CheckedContinuation<C, any Error>) in
            let answered = NIOLockedValueBox(false)
            let first: @Sendable () -> Bool = {
                answered.withLockedValue { done in
                    defer { done = true }
                    return !done
                }
            }
            let id = state.withLockedValue { s -> Int in
                s.lastWaiter &+= 1
                s.waiting[s.lastWaiter] = { if first() { answer.resume(throwing: DatabaseUnreachable()) } }
                return s.lastWaiter
            }
            connection.whenComplete { result in
                self.state.withLockedValue { _ = $0.waiting.removeValue(forKey: id) }
                if first() {
                    answer.resume(with: result)
                } else if case .success(let conn) = result {
                    giveBack(conn)
                }
            }
        }
    }
}

/// A request refused at once because PostgreSQL was out of reach a moment ago (`Reachability`).
public struct DatabaseUnreachable: Error, Equatable {
    public init() {}
}
