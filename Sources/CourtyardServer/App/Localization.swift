import Foundation

/// The interface languages: zh-Hans first, English second.
public enum Lang: String, Sendable, CaseIterable {
    case zh = "zh-Hans"
    case en

    var catalogue: [String: String] { self == .zh ? Catalogue.zhHans : Catalogue.en }

    /// A string from this language's catalogue; a missing key shows itself so a test can catch it.
    func t(_ key: String) -> String { catalogue[key] ?? key }

    /// `?lang=`, then the remembered cookie, then Accept-Language; zh-Hans when nothing says otherwise.
    public static func choose(query: String?, cookie: String?, acceptLanguage: String?) -> Lang {
        if let q = query.flatMap(parse) { return q }
        if let c = cookie.flatMap(parse) { return c }
        if let accept = acceptLanguage {
            for part in accept.split(separator: ",") {
                let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
                if tag.hasPrefix("zh") { return .zh }
                if tag.hasPrefix("en") { return .en }
            }
        }
        return .zh
    }

    static func parse(_ s: String) -> Lang? {
        let l = s.lowercased()
        if l == "en" || l.hasPrefix("en-") { return .en }
        if l.hasPrefix("zh") { return .zh }
        return nil
    }

    var htmlTag: String { self == .zh ? "zh-Hans" : "en" }
}

extension Lang {
    /// A string of this language's catalogue with its `{placeholders}` filled, for the command line.
    public func say(_ key: String, _ values: [String: String] = [:]) -> String {
        values.reduce(t(key)) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// For the catalogue test.
    public func has(_ key: String) -> Bool { catalogue[key] != nil }
    public var keys: [String] { Array(catalogue.keys) }
}
