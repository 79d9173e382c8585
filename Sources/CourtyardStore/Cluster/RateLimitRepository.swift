import CourtyardDomain
import Foundation
import SQLKit

/// Rate limits kept in the database (`rate_limits`, one row per bucket and period), so every server over one
/// database counts against the same allowance. A hit is one conditional upsert, the same SQL on SQLite and PostgreSQL.
public struct RateLimitRepository: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Counts a hit on `bucket` and answers true, or answers false (counting nothing) when its allowance is used up.
    public func hit(bucket: String, limit: Int, window: RateWindow, now: Date = Date()) async throws -> Bool {
        let epoch = Int64(now.timeIntervalSince1970.rounded(.down))
        let start = window.start(at: epoch)
        let previousStart = start - window.seconds
        let (allowed, sweep) = try await database.transaction { db -> (Bool, Bool) in
            let previous =
                try await db.raw(
                    "SELECT hits FROM rate_limits WHERE bucket = \(bind: bucket) AND window_start = \(bind: previousStart)"
                ).first().map { try $0.decode(column: "hits", as: Int.self) } ?? 0
            let cap = window.allowance(limit: limit, previousHits: previous, at: epoch)
            guard cap > 0 else { return (false, false) }
            let row = try await db.raw(
                """
                INSERT INTO rate_limits (bucket, window_start, hits) VALUES (\(bind: bucket), \(bind: start), 1)
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
                WHERE rate_limits.hits < \(bind: cap) RETURNING hits
                """
            ).first()
            return (row != nil, row != nil && Int.random(in: 0..<512) == 0)
        }
        // Now and then, periods older than a day (longer than any window) are swept away.
        if sweep {
            let old = epoch - 86_400
            try await database.transaction { db in
                try await db.raw("DELETE FROM rate_limits WHERE window_start < \(bind: old)").run()
            }
        }
        return allowed
    }

    /// Gives back one hit: for an attempt that turned out to be legitimate. An attempt made just before a period
    /// ended is given back from the period before, where it was counted (it weighs on the current one's allowance).
    public func refund(bucket: String, window: RateWindow, now: Date = Date()) async throws {
        let start = window.start(at: Int64(now.timeIntervalSince1970.rounded(.down)))
        try await database.transaction { db in
            for period in [start, start - window.seconds] {
                let given = try await db.raw(
                    """
                    UPDATE rate_limits SET hits = hits - 1
                    WHERE bucket = \(bind: bucket) AND window_start = \(bind: period) AND hits > 0 RETURNING hits
                    """
                ).first()
                if given != nil { return }
            }
        }
    }
}
