import NIOConcurrencyHelpers

/// The addresses pages are served at and forms are sent to, as the router has them (`/meetings/:id/end-series`).
/// A page that answers a form stays at the form's address; opened again from the address bar, or after signing in
/// again, that address leads back to the nearest page above it instead of to "not found".
final class PageAddresses: Sendable {
    private struct Known {
        var pages: Set<[String]> = []
        var forms: Set<[String]> = []
        /// Forms whose page is not above their address (`/questionnaires` is sent from `/participation`).
        var named: [[String]: String] = [:]
    }
    private let known = NIOLockedValueBox(Known())

    func add(page: String) { known.withLockedValue { _ = $0.pages.insert(Self.parts(page)) } }
    func add(form: String, page: String? = nil) {
        known.withLockedValue { k in
            k.forms.insert(Self.parts(form))
            if let page { k.named[Self.parts(form)] = page }
        }
    }

    /// For an address only forms are sent to, the page its form is on when registered so, or else the nearest page
    /// above it ("/" when none is); nil for any other.
    func pageAbove(form path: String) -> String? {
        var parts = Self.parts(path)
        return known.withLockedValue { k in
            guard let form = k.forms.first(where: { Self.matches($0, parts) }) else { return nil }
            if let named = k.named[form] { return named }
            while !parts.isEmpty {
                parts.removeLast()
                if k.pages.contains(where: { Self.matches($0, parts) }) { return "/" + parts.joined(separator: "/") }
            }
            return "/"
        }
    }

    private static func parts(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// Whether `path` is one of `pattern`'s addresses: each parameter (`{id}` as the router writes `:id`) stands for
    /// any one part.
    private static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        pattern.count == path.count
            && zip(pattern, path).allSatisfy { $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == "*" || $0 == $1 }
    }
}
