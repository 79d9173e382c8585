import CourtyardStore
import CourtyardTestSupport
import Foundation
import SQLKit
import Testing

/// Values read back as they were written, through the rows each database answers with (on PostgreSQL, rows that
/// decode whole numbers and text straight from their cells, and other kinds as PostgresKit does).
@Suite struct RowReadingTests {
    @Test func everyKindReadsBackAsWritten() async throws {
        try await TestDatabase.with { database in
            try await database.withConnection { db in
                try await db.raw(
                    "CREATE TABLE kinds (id BIGINT PRIMARY KEY, n BIGINT, t TEXT, f DOUBLE PRECISION, b BIGINT)"
                ).run()
                let rows: [(Int64, Int64?, String?, Double?)] = [
                    (1, Int64.max, "幸福里 3号楼\n“引号”\\", 1.5), (2, Int64.min, "", nil), (3, nil, nil, -0.25),
                ]
                for (id, n, t, f) in rows {
                    try await db.raw(
                        "INSERT INTO kinds (id, n, t, f, b) VALUES (\(bind: id), \(bind: n), \(bind: t), \(bind: f), \(bind: 7))"
                    ).run()
                }
                let read = try await db.raw("SELECT id, n, t, f, b FROM kinds ORDER BY id").all()
                #expect(read.count == 3)
                for (row, expected) in zip(read, rows) {
                    #expect(try row.decode(column: "id", as: Int64.self) == expected.0)
                    #expect(try row.decode(column: "id", as: Int.self) == Int(expected.0))
                    #expect(try row.decode(column: "n", as: Int64?.self) == expected.1)
                    #expect(try row.decode(column: "t", as: String?.self) == expected.2)
                    #expect(try row.decode(column: "f", as: Double?.self) == expected.3)
                    #expect(try row.decode(column: "b", as: Int?.self) == 7)
                    #expect(try row.decodeNil(column: "n") == (expected.1 == nil))
                    #expect(try row.decodeNil(column: "absent") && !row.contains(column: "absent"))
                    #expect(row.allColumns == ["id", "n", "t", "f", "b"])
                    #expect(throws: (any Error).self) { try row.decode(column: "absent", as: Int64.self) }
                }
                #expect(throws: (any Error).self) { try read[2].decode(column: "n", as: Int64.self) }
                #expect(try read[0].decode(column: "t", as: String.self) == "幸福里 3号楼\n“引号”\\")
                // A value of a kind bound otherwise (a list) still reaches the database.
                let ids: [Int64] = [1, 3]
                let listed = try await db.raw(
                    TestDatabase.usesPostgres
                        ? "SELECT COUNT(*) AS n FROM kinds WHERE id = ANY(\(bind: ids))"
                        : "SELECT COUNT(*) AS n FROM kinds WHERE id IN (1, 3)"
                ).first()
                #expect(try listed?.decode(column: "n", as: Int64.self) == 2)
                // Smaller integers and text of other kinds.
                let other = try await db.raw(
                    """
                    SELECT CAST(-7 AS SMALLINT) AS s, CAST(-2147483648 AS INTEGER) AS i, CAST('幸福' AS VARCHAR(10)) AS v,
                      CAST('幸福里' AS CHAR(4)) AS c
                    """
                ).first()!
                #expect(try other.decode(column: "s", as: Int64.self) == -7)
                #expect(try other.decode(column: "i", as: Int.self) == -2_147_483_648)
                #expect(try other.decode(column: "v", as: String.self) == "幸福")
                #expect(try other.decode(column: "c", as: String.self).hasPrefix("幸福里"))
            }
        }
    }
}

/// A request holding a connection may borrow a second to read beside it, one such borrow at a time, so requests
/// that each hold one can never all wait for another.
@Suite struct SecondConnectionTests {
    @Test func oneSecondConnectionIsOutAtATime() async throws {
        try await TestDatabase.with { database in
            let inner: Int?? = try await database.withConnection { first in
                try await database.withSecondConnection(besides: first) { second in
                    #expect(second.eventLoop !== first.eventLoop)
                    return try await database.withSecondConnection(besides: first) { db in
                        try await db.raw("SELECT 1 AS n").first()!.decode(column: "n", as: Int.self)
                    }
                }
            }
            #expect(inner == .some(nil))
            let again = try await database.withConnection { first in
                try await database.withSecondConnection(besides: first) { db in
                    try await db.raw("SELECT 2 AS n").first()!.decode(column: "n", as: Int.self)
                }
            }
            #expect(again == 2)
        }
    }

    /// Any other second connection could leave a loop's share of the pool held by tasks each waiting for another:
    /// the tests fail on one, naming where it was asked for.
    @Test func anyOtherSecondConnectionFailsInTheTests() async throws {
        try await TestDatabase.with { database in
            await #expect(throws: Database.ConnectionTakenWhileHolding.self) {
                try await database.withConnection { _ in
                    try await database.withConnection { db in try await db.raw("SELECT 1").run() }
                }
            }
            do {
                try await database.withConnection { _ in try await database.transaction { _ in } }
                Issue.record("a transaction begun while holding a connection went through")
            } catch let e as Database.ConnectionTakenWhileHolding {
                #expect(e.site.hasPrefix("CourtyardStoreTests/RowReadingTests.swift:"))
            }
        }
    }
}
