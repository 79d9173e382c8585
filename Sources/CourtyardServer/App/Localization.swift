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
        Lang.fill(t(key), values)
    }

    /// A catalogue string with its `{placeholders}` filled in one pass, so a value holding braces stays as written.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        guard !values.isEmpty, text.contains("{") else { return text }
        var out = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = values[name] { out += value } else { out += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// For the catalogue test.
    public func has(_ key: String) -> Bool { catalogue[key] != nil }
    public var keys: [String] { Array(catalogue.keys) }
}
