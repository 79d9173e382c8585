import Foundation
import Testing

/// Every text colour against the background it is drawn on, from the stylesheet itself: at least 4.5:1 (WCAG AA).
@Suite struct ContrastTests {
    static func stylesheet() throws -> String {
        let here = URL(fileURLWithPath: #filePath)
        let css = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CourtyardServer/App/Views/courtyard.css")
        return try String(contentsOf: css, encoding: .utf8)
    }

    /// `#abc` or `#aabbcc`, or a `var(--x)` looked up in `:root`, as `#rrggbb`.
    static func colour(_ value: String, _ vars: [String: String]) -> String? {
        var v = value.trimmingCharacters(in: .whitespaces)
        if v.hasPrefix("var(") { v = vars[String(v.dropFirst(4).dropLast())] ?? "" }
        guard v.hasPrefix("#") else { return nil }
        if v.count == 4 { return "#" + v.dropFirst().map { "\($0)\($0)" }.joined() }
        return v.count == 7 ? v.lowercased() : nil
    }

    /// Each rule's declarations by property.
    static func rules(_ css: String) -> [(selector: String, decls: [String: String])] {
        let noComments = css.replacing(try! Regex(#"(?s)/\*.*?\*/"#), with: "")
        return noComments.matches(of: try! Regex(#"([^{}]+)\{([^{}]*)\}"#)).compactMap { m in
            guard let sel = m.output[1].substring, let body = m.output[2].substring else { return nil }
            var decls: [String: String] = [:]
            for d in body.split(separator: ";") {
                let kv = d.split(separator: ":", maxSplits: 1)
                if kv.count == 2 {
                    decls[kv[0].trimmingCharacters(in: .whitespacesAndNewlines)] = String(kv[1])
                        .replacingOccurrences(of: "!important", with: "")
                }
            }
            return (sel.trimmingCharacters(in: .whitespacesAndNewlines), decls)
        }
    }

    @Test func everyRuleWithBothColoursIsReadable() throws {
        let all = Self.rules(try Self.stylesheet())
        var vars: [String: String] = [:]
        for r in all where r.selector == ":root" {
            for (k, v) in r.decls where k.hasPrefix("--") { vars[k] = v }
        }
        var checked = 0
        for r in all {
            guard let fg = r.decls["color"].flatMap({ Self.colour($0, vars) }),
                let bg = (r.decls["background"] ?? r.decls["background-color"]).flatMap({ Self.colour($0, vars) })
            else { continue }
            checked += 1
            let ratio = PageSafetyTests.contrast(fg, bg)
            #expect(ratio >= 4.5, "\(r.selector): \(fg) on \(bg) is \(ratio):1")
        }
        #expect(checked >= 3)
    }

    /// Text that takes its colour from one rule and its background from another: every pairing a page shows.
    @Test func inheritedPairsAreReadable() throws {
        let all = Self.rules(try Self.stylesheet())
        var vars: [String: String] = [:]
        for r in all where r.selector == ":root" {
            for (k, v) in r.decls where k.hasPrefix("--") { vars[k] = v }
        }
        let link = try #require(all.first { $0.selector == "a" }?.decls["color"].flatMap { Self.colour($0, vars) })
        let ink = try #require(Self.colour("var(--ink)", vars))
        let muted = try #require(Self.colour("var(--muted)", vars))
        let accent = try #require(Self.colour("var(--accent)", vars))
        let page = try #require(Self.colour("var(--bg)", vars))
        let card = try #require(Self.colour("var(--card)", vars))
        let th = try #require(all.first { $0.selector == "th" }?.decls["background"].flatMap { Self.colour($0, vars) })
        let ok = try #require(all.first { $0.selector == ".ok" }?.decls["background"].flatMap { Self.colour($0, vars) })
        let bad = try #require(
            all.first { $0.selector == ".bad" }?.decls["background"].flatMap { Self.colour($0, vars) })
        let done = try #require(
            all.first { $0.selector == ".stages li.done" }?.decls["background"].flatMap { Self.colour($0, vars) })
        let pairs: [(String, String, String)] = [
            ("text on the page", ink, page), ("text on a card", ink, card), ("a link on the page", link, page),
            ("a link on a card", link, card), ("a link in a table head", link, th), ("muted on the page", muted, page),
            ("muted on a card", muted, card), ("header text", "#ffffff", accent),
            ("a saved note", ink, ok), ("a refused note", ink, bad), ("a done stage's link", link, done),
            ("a flag", "#9b1c1c", card), ("a count badge", ink, th),
        ]
        for (what, fg, bg) in pairs {
            let ratio = PageSafetyTests.contrast(fg, bg)
            #expect(ratio >= 4.5, "\(what): \(fg) on \(bg) is \(ratio):1")
        }
    }
}
