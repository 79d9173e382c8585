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
                // Detached: these stand for other requests, not for this transaction's task.
                let outside = (0..<writers).map { i in
                    Task.detached {
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

extension SQLiteWriterTests {
    /// The writer keeps each statement's prepared form. One that failed (a duplicate key) is ready again for the
    /// next transaction that says the same with other values, and values of every kind read back as written.
    @Test func aStatementThatFailedIsReadyForTheNextTransaction() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-prepared-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        try await db.withConnection { c in
            try await c.raw("PRAGMA journal_mode=WAL").run()
            try await c.raw("CREATE TABLE tags (code TEXT PRIMARY KEY, n INTEGER, share REAL, note TEXT)").run()
        }
        func add(_ code: String, _ n: Int64?) async throws {
            try await db.transaction { c in
                try await c.raw(
                    "INSERT INTO tags (code, n, share, note) VALUES (\(bind: code), \(bind: n), 0.25, '楼长 \\ \"甲\"')"
                ).run()
            }
        }
        try await add("a", 1)
        await #expect(throws: (any Error).self) { try await add("a", 2) }
        do {
            try await add("a", 3)
            Issue.record("a duplicate key was written")
        } catch {
            #expect(String(describing: error).contains("UNIQUE constraint failed"))
        }
        try await add("b", nil)
        try await add("c", Int64.max)
        let rows = try await db.transaction { c in
            try await c.raw("SELECT code, n, share, note FROM tags ORDER BY code").all().map {
                (
                    try $0.decode(column: "code", as: String.self), try $0.decode(column: "n", as: Int64?.self),
                    try $0.decode(column: "share", as: Double.self), try $0.decode(column: "note", as: String.self)
                )
            }
        }
        #expect(rows.map(\.0) == ["a", "b", "c"])
        #expect(rows.map(\.1) == [1, nil, Int64.max])
        #expect(rows.allSatisfy { $0.2 == 0.25 && $0.3 == "楼长 \\ \"甲\"" })
        await db.shutdown()
    }

    /// A transaction's body that hands its connection to a task of its own would write beside the writer, outside
    /// the transaction's order: the statement is refused instead of run.
    @Test func aStatementFromOutsideTheWritersThreadIsRefused() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-offthread-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        try await db.withConnection { c in try await c.raw("CREATE TABLE marks (id INTEGER PRIMARY KEY)").run() }
        let refused = try await db.transaction { c in
            try await c.raw("INSERT INTO marks (id) VALUES (1)").run()
            let stray = Task.detached { try await c.raw("INSERT INTO marks (id) VALUES (2)").run() }
            do {
                try await stray.value
                return false
            } catch {
                return String(describing: error).contains("writer")
            }
        }
        #expect(refused)
        let n = try await db.withConnection { c in
            try await c.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self)
        }
        #expect(n == 1)
        await db.shutdown()
    }
}

private actor Finished {
    var value = false
    func set() { value = true }
}
