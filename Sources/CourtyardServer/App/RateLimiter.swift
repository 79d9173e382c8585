import Foundation

/// At most `limit` actions per key in a sliding `window`, for what anyone may do without an account.
final class RateLimiter: @unchecked Sendable {
    let limit: Int
    let window: TimeInterval
    private let lock = NSLock()
    private var hits: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt; false when the key has used up its allowance.
    func allow(_ key: String, now: Date = Date()) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if hits.count > 50_000 { hits = hits.filter { $0.value.contains { now.timeIntervalSince($0) < window } } }
        var recent = (hits[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            hits[key] = recent
            return false
        }
        recent.append(now)
        hits[key] = recent
        return true
    }

    /// Gives back the latest attempt: for an attempt that turned out to be legitimate (a right password).
    func refund(_ key: String) {
        lock.lock()
        defer { lock.unlock() }
        if var recent = hits[key], !recent.isEmpty {
            recent.removeLast()
            hits[key] = recent.isEmpty ? nil : recent
        }
    }
}
