import CourtyardDomain
import CourtyardStore
import Foundation

/// At most `limit` actions per key in a sliding `window`, for what anyone may do without an account. The counts
/// live in the database, so any number of servers over one database hold the limit together.
struct RateLimiter: Sendable {
    /// Names the limit, so two limits on the same key (a client address) count apart.
    let name: String
    let limit: Int
    let window: RateWindow

    init(_ name: String, limit: Int, window: TimeInterval) {
        self.name = name
        self.limit = limit
        self.window = RateWindow(seconds: Int64(window))
    }

    func bucket(_ key: String) -> String { name + ":" + String(key.prefix(200)) }

    /// Records an attempt; false when the key has used up its allowance.
    func allow(_ key: String, in database: Database) async throws -> Bool {
        try await RateLimitRepository(database: database).hit(bucket: bucket(key), limit: limit, window: window)
    }

    /// Gives back the latest attempt: for an attempt that turned out to be legitimate (a right password).
    func refund(_ key: String, in database: Database) async throws {
        try await RateLimitRepository(database: database).refund(bucket: bucket(key), window: window)
    }
}
