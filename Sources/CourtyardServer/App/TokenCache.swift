import CourtyardStore
import Foundation

/// Recently resolved tokens, so an API read costs one query rather than two. Entries live a few
/// seconds; revoking a token or changing an account clears this server's cache at once, and other
/// servers behind the same load balancer see the change within `lifetime` (4 s, inside the 5 s promised).
final class TokenCache: @unchecked Sendable {
    static let lifetime: TimeInterval = 4
    static let capacity = 10_000
    private let lock = NSLock()
    private var entries: [String: (grant: AccountRepository.TokenGrant, until: Date)] = [:]

    func get(_ hash: String) -> AccountRepository.TokenGrant? {
        lock.lock()
        defer { lock.unlock() }
        guard let e = entries[hash] else { return nil }
        if e.until < Date() {
            entries[hash] = nil
            return nil
        }
        return e.grant
    }

    func put(_ hash: String, _ grant: AccountRepository.TokenGrant) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[hash] = (grant, Date().addingTimeInterval(Self.lifetime))
    }

    func clear() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
