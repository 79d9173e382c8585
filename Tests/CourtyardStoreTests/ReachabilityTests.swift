import AsyncKit
import CourtyardTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import Testing

@testable import CourtyardStore

@Suite struct ReachabilityTests {
    /// After a failed attempt requests are refused at once, except one probe every quarter second; a connection
    /// reached ends it. A failure of an attempt begun before the last connection reached says nothing.
    @Test func aFailedAttemptRefusesRequestsUntilAProbeReachesTheServer() {
        let reach = Reachability()
        let step = Reachability.probeEvery
        let first = reach.ticket(now: 1_000)
        #expect(first != nil)
        #expect(reach.ticket(now: 1_001) != nil, "while it is in reach every request may try")
        reach.failed(ticket: first!, now: 2_000)
        #expect(reach.isDown)
        #expect(reach.ticket(now: 2_000 + step - 1) == nil, "refused at once within the probe interval")
        let probe = reach.ticket(now: 2_000 + step)
        #expect(probe != nil, "one probe once the interval is over")
        #expect(reach.ticket(now: 2_000 + step + 1) == nil, "and only one")
        reach.reached()
        #expect(!reach.isDown)
        #expect(reach.ticket(now: 2_000 + step + 2) != nil)
        // An attempt begun while it was down fails late, after a probe reached the server: it stays in reach.
        reach.failed(ticket: probe!, now: 2_000 + step + 3)
        #expect(!reach.isDown)
    }

    /// PostgreSQL stopped while the pool held idle connections: one handed out after the stop counts as reached, yet
    /// an attempt refused at once still says it is out of reach (before, the waiting requests hung for the pool's
    /// 10 s under a restart).
    @Test func anAttemptRefusedAtOnceCountsAfterAnIdleConnectionWasHandedOut() {
        let reach = Reachability()
        let ticket = reach.ticket(now: 1_000)!
        reach.reached()  // an idle connection from before the stop
        reach.failed(ticket: ticket, began: 5_000_000_000, now: 5_000_000_000 + 2_000_000)
        #expect(reach.isDown)
        // A late failure (a connection attempt that waited out its timeout) still says nothing.
        let late = Reachability()
        let old = late.ticket(now: 1_000)!
        late.reached()
        late.failed(ticket: old, began: 1_000, now: 1_000 + 5 * Reachability.fresh)
        #expect(!late.isDown)
    }

    /// Requests waiting for a connection give up at once when an attempt fails, and a connection that comes after
    /// they gave up goes back to the pool.
    @Test func waitingRequestsGiveUpWhenAnAttemptFailsAndLateConnectionsGoBack() async throws {
        let reach = Reachability()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let promise = loop.makePromise(of: Int.self)
        let givenBack = GivenBack()
        let ticket = try #require(reach.ticket())
        let waiter = Task { try await reach.wait(for: promise.futureResult) { n in givenBack.add(n) } }
        while reach.waitingCount == 0 { await Task.yield() }
        reach.failed(ticket: ticket)
        await #expect(throws: DatabaseUnreachable.self) { try await waiter.value }
        promise.succeed(7)
        // Given back on the event loop, soon but not at once: read until it is, for ten seconds at most.
        let deadline = ContinuousClock.now + .seconds(10)
        while givenBack.values.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(givenBack.values == [7])
    }

    /// PostgreSQL out of reach (nothing listens on the port): of requests made together, more than the pool holds,
    /// those that tried fail with the refused connection and those waiting for a connection give up at once instead
    /// of waiting out the pool's timeout (10 s); a request made next is refused at once, and a quarter second later
    /// one tries again.
    @Test func anUnreachablePostgreSQLIsAnsweredAtOnce() async throws {
        let port = try closedPort()
        // Each refused connection is logged by the pool; expected here, so kept out of the test log.
        var quiet = Logger(label: "courtyard.db")
        quiet.logLevel = .critical
        let db = try Database.open(
            url: "postgres://postgres@127.0.0.1:\(port)/postgres", dataDirectory: "/nonexistent", logger: quiet)
        let select: @Sendable () async throws -> Void = {
            try await db.withConnection { try await $0.raw("SELECT 1").run() }
        }
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            for _ in 0..<(db.maxConnections * 4) { group.addTask { await failure(select) } }
            return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
        }
        #expect(errors.allSatisfy { $0.map(Database.isUnavailable) == true })
        #expect(!errors.contains { $0 is ConnectionPoolTimeoutError }, "nobody waits out the pool's timeout")
        #expect(errors.contains { $0 is DatabaseUnreachable }, "those waiting gave up")
        #expect(await failure(select) is DatabaseUnreachable, "refused at once")
        try await Task.sleep(for: .milliseconds(300))
        let probe = await failure(select)
        await db.shutdown()
        #expect(probe.map(Database.isUnavailable) == true)
        #expect(!(probe is DatabaseUnreachable), "a probe tries the server again")
    }

    /// PostgreSQL ends a connection between two statements of a transaction (a restart's fast shutdown does so to
    /// each): the next statement fails at once as unavailable. Before, PostgresNIO dropped a statement written to the
    /// closed connection unanswered, and the request (and its connection) waited for ever.
    @Test func aStatementOnAConnectionPostgreSQLEndedFailsAtOnce() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else { return }
        try await TestDatabase.with { db in
            let outcome = await within(seconds: 10) {
                try await db.transaction { tx in
                    let pid = try await tx.raw("SELECT pg_backend_pid() AS pid").first()?.decode(
                        column: "pid", as: Int.self)
                    let other = try Database.open(url: url, dataDirectory: "", maxConnections: 2)
                    try await TestDatabase.closing(other) { other in
                        try await other.withConnection { db in
                            let backend: SQLQueryString = "CAST(\(bind: pid ?? 0) AS integer)"
                            try await db.raw("SELECT pg_terminate_backend(" + backend + ")").run()
                            // Until the backend has gone (on a busy machine that takes a moment), then a little more
                            // for its last words to reach this connection.
                            for _ in 0..<100 {
                                let left = try await db.raw(
                                    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid = " + backend
                                ).first()?.decode(column: "n", as: Int.self)
                                if left == 0 { break }
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    try await tx.raw("SELECT 1").run()
                }
            }
            switch outcome {
            case nil: Issue.record("the statement was never answered")
            case .success?: Issue.record("the statement ran on a connection PostgreSQL ended")
            case .failure(let error)?: #expect(Database.isUnavailable(error), "\(String(reflecting: error))")
            }
            let after = try await db.withConnection {
                try await $0.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
            }
            #expect(after == 1, "the pool gives a working connection next")
        }
    }

    /// A local port nothing listens on.
    /// One attempt to reach PostgreSQL is given as long as the database was opened with: against a server that takes
    /// the connection and never answers, a short `connectTimeout` fails the attempt itself while the request could
    /// still wait, and a long one leaves the request to the pool's wait. Before, every attempt had five seconds,
    /// whatever a test's load needed.
    @Test func anAttemptToConnectTakesNoLongerThanTheDatabaseAllows() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { _ in MultiThreadedEventLoopGroup.singleton.any().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let url = "postgres://postgres@127.0.0.1:\(silent.localAddress?.port ?? 1)/postgres"
        var quiet = Logger(label: "courtyard.db")
        quiet.logLevel = .critical
        func attempt(connect: TimeAmount, wait: TimeAmount) async throws -> (any Error)? {
            let db = try Database.open(
                url: url, dataDirectory: "/nonexistent", logger: quiet, maxConnections: 2, connectionWait: wait,
                connectTimeout: connect)
            let error = await failure { try await db.withConnection { try await $0.raw("SELECT 1").run() } }
            await db.shutdown()
            return error
        }
        let short = try await attempt(connect: .milliseconds(300), wait: .seconds(3))
        #expect(short != nil && !(short is ConnectionPoolTimeoutError), "the attempt failed before the wait ended")
        let long = try await attempt(connect: .seconds(30), wait: .milliseconds(500))
        #expect(long is ConnectionPoolTimeoutError, "the request waited out the pool, the attempt went on")
        try await silent.close()
    }

    private func closedPort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress?.port ?? 1
        try channel.close().wait()
        return port
    }

    /// A request waits for a pooled connection no longer than the database was opened with: with every connection
    /// held for two seconds, those queued behind them past a quarter second are refused with the pool's timeout (a
    /// 503 to the person), while the holders finish.
    @Test func aRequestWaitsForAConnectionNoLongerThanTheDatabaseAllows() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-wait-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir, maxConnections: 2, connectionWait: .milliseconds(250))
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            for _ in 0..<(db.maxConnections * 3) {
                group.addTask {
                    await failure { try await db.withConnection { _ in try await Task.sleep(for: .seconds(2)) } }
                }
            }
            return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
        }
        await db.shutdown()
        #expect(errors.filter { $0 == nil }.count >= 1, "the holders finished")
        #expect(errors.contains { $0 is ConnectionPoolTimeoutError }, "those queued past the wait were refused")
        #expect(errors.allSatisfy { $0 == nil || $0 is ConnectionPoolTimeoutError })
    }
}

/// What `body` gave, or nil when it had not ended within `seconds` (it is then left waiting).
private func within<T: Sendable>(
    seconds: Int, _ body: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error>? {
    await withCheckedContinuation { (answer: CheckedContinuation<Result<T, any Error>?, Never>) in
        let answered = NIOLockedValueBox(false)
        let give: @Sendable (Result<T, any Error>?) -> Void = { result in
            let first = answered.withLockedValue { done in
                defer { done = true }
                return !done
            }
            if first { answer.resume(returning: result) }
        }
        Task {
            do { give(.success(try await body())) } catch { give(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            give(nil)
        }
    }
}

private func failure(_ body: @Sendable () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch { return error }
}

private final class GivenBack: Sendable {
    private let box = NIOLockedValueBox([Int]())
    func add(_ n: Int) { box.withLockedValue { $0.append(n) } }
    var values: [Int] { box.withLockedValue { $0 } }
}
