import CourtyardStore
import Foundation
import SQLKit
import Testing

@Suite struct SQLiteWriterTests {
    /// A transaction holds SQLite's write lock while more writers than the machine has cores arrive outside any
    /// transaction (a delivered message marked, a token's last use). They wait for the lock; the transaction
    /// still finishes, and then every one of them is written. A server that lets the waiting writers take every
    /// thread from the transaction never answers again.
    @Test func writersOutsideATransactionWaitWithoutStarvingTheOneHoldingTheLock() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-writers-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        try await db.withConnection { c in
            try await c.raw("PRAGMA journal_mode=WAL").run()
            try await c.raw("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)").run()
        }
        let writers = min(db.maxConnections - 1, ProcessInfo.processInfo.activeProcessorCount + 2)
        let finished = Finished()
        let work = Task {
            try await db.transaction { c in
                try await c.raw("INSERT INTO marks (who) VALUES ('transaction')").run()
                let outside = (0..<writers).map { i in
                    Task {
                        try await db.withConnection { w in
                            try await w.raw("INSERT INTO marks (who) VALUES (\(bind: "writer \(i)"))").run()
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                try await c.raw("INSERT INTO marks (who) VALUES ('transaction, again')").run()
                return outside
            }
        }
        Task {
            let outside = try await work.value
            for t in outside { try await t.value }
            await finished.set()
        }
        for _ in 0..<600 where await !finished.value { try await Task.sleep(for: .milliseconds(100)) }
        try #require(await finished.value, "the writers and the transaction are still waiting for each other")
        let n = try await db.withConnection { c in
            try await c.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self)
        }
        #expect(n == writers + 2)
        await db.shutdown()
    }
}

extension SQLiteWriterTests {
    struct Refused: Error, Equatable { let n: Int }

    /// Transactions that arrive together share a commit, but each is still all or nothing on its own: one that
    /// fails after writing is undone alone and its caller hears its own error; the others are written.
    @Test func transactionsCommittedTogetherStillSucceedOrFailEachOnItsOwn() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-group-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        try await db.withConnection { c in
            try await c.raw("PRAGMA journal_mode=WAL").run()
            try await c.raw("CREATE TABLE marks (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, step INTEGER NOT NULL)")
                .run()
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int, Refused>).self) { group in
            for n in 0..<60 {
                group.addTask {
                    do {
                        let r = try await db.transaction { c in
                            try await c.raw("INSERT INTO marks (n, step) VALUES (\(bind: n), 1)").run()
                            if n % 3 == 0 { throw Refused(n: n) }
                            try await c.raw("INSERT INTO marks (n, step) VALUES (\(bind: n), 2)").run()
                            return n * 10
                        }
                        return (n, .success(r))
                    } catch let e as Refused {
                        return (n, .failure(e))
                    }
                }
            }
            var all: [Int: Result<Int, Refused>] = [:]
            for try await (n, r) in group { all[n] = r }
            return all
        }
        for n in 0..<60 {
            #expect(outcomes[n] == (n % 3 == 0 ? .failure(Refused(n: n)) : .success(n * 10)))
        }
        let rows = try await db.withConnection { c in
            try await c.raw("SELECT n FROM marks ORDER BY n").all().map { try $0.decode(column: "n", as: Int.self) }
        }
        #expect(rows == (0..<60).filter { $0 % 3 != 0 }.flatMap { [$0, $0] })
        await db.shutdown()
    }
}

private actor Finished {
    var value = false
    func set() { value = true }
}
