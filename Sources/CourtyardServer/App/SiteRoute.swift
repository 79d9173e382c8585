import Foundation

/// A page's address, built from typed values: a link is `SiteRoute.audit(before: id).path`, never a string put
/// together where it is used. Each feature adds its pages in an extension beside its controllers.
struct SiteRoute: Hashable, Sendable {
    let path: String

    /// A path and a query, each query value percent-encoded.
    init(_ path: String, query: [(String, String?)] = []) {
        let pairs = query.compactMap { key, value in value.map { "\(key)=\(SiteRoute.encode($0))" } }
        self.path = pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? ""
    }

    /// The value of one of the address's query items.
    func queryItem(_ name: String) -> String? {
        URLComponents(string: path)?.queryItems?.first { $0.name == name }?.value
    }

    static let home = SiteRoute("/")
    static func login(next: String? = nil) -> SiteRoute { SiteRoute("/login", query: [("next", next)]) }
}

extension CharacterSet {
    /// What a query value may hold unencoded.
    static let urlQueryValueAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~/"))
}
