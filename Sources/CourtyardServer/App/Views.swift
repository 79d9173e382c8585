import CourtyardDomain
import Crypto
import Foundation
import Mustache

/// Page templates: Mustache files, package resources kept beside their feature (`Programme/Views/…`).
///
/// `{{name}}` is escaped for HTML text and attribute values alike (`<`, `>`, `&`, `"`, `'`), so a resident's
/// name can sit in a cell or in `value="…"` without a second thought. `{{{name}}}` writes markup as it is and
/// is allowed only for `TrustedHTML` values the server drew itself (a chart, a QR code, a rendered page body);
/// a test holds every template to that.
enum Views {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templateTexts {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// Every `.mustache` resource by name (its file name without the extension).
    static let templateTexts: [String: String] = {
        guard let root = Bundle.module.resourceURL else { return [:] }
        var texts: [String: String] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for file in files where file.hasSuffix(".mustache") {
            let url = root.appendingPathComponent(file)
            texts[String(file.dropLast(".mustache".count))] = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        }
        return texts
    }()

    /// A template rendered over a page's model, with the page's frame (`t`, `csrf`, `lang`) behind it.
    static func render(_ template: String, _ model: Any, frame: PageFrame) -> TrustedHTML {
        guard let text = library.render(ViewContext(frame: frame, model: model), withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return TrustedHTML(text)
    }

    /// The stylesheet, served from `/static/courtyard.css` and cached by version.
    static let stylesheet: String = {
        guard let url = Bundle.module.url(forResource: "courtyard", withExtension: "css") else { return "" }
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// A short digest of the stylesheet: its ETag, and the version in its link so a new one is fetched at once.
    static let stylesheetVersion: String = {
        let digest = SHA256.hash(data: Data(stylesheet.utf8))
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }()

    static var stylesheetPath: String { "/static/courtyard.css?v=\(stylesheetVersion)" }

    /// The script that brings a signed-in page's tab into sight in the phone's sideways navigation row.
    static let navScript = StaticScript(named: "nav")
}

/// Markup the server drew itself, written into a template with `{{{…}}}`.
struct TrustedHTML: MustacheCustomRenderable, Sendable {
    let html: String
    init(_ html: String) { self.html = html }
    var renderText: String { html }
    var isNull: Bool { html.isEmpty }
}

/// What a template sees: the page model's fields, and behind them `t` (the catalogue: `{{t.nav.logout}}`),
/// `csrf` and `lang`. Inside a section, names not found in the item fall back to these.
struct ViewContext: MustacheParent {
    let frame: PageFrame
    let model: Any

    func child(named name: String) -> Any? {
        if let parent = model as? MustacheParent, let value = parent.child(named: name) { return value }
        if let value = Mirror(reflecting: model).children.first(where: { $0.label == name })?.value {
            return Self.unwrapped(value)
        }
        switch name {
        case "t": return Label(lang: frame.lang, key: "")
        case "csrf": return frame.csrf
        case "once": return frame.once
        case "lang": return frame.lang.htmlTag
        default: return nil
        }
    }

    /// A property read through reflection, with an optional's `nil` made a missing value.
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrapped($0.value) } ?? nil
    }
}

/// A catalogue entry reached by a dotted name: `{{t.project.stage}}` is `lang.t("project.stage")`.
/// A section over a key that is not in the catalogue is skipped.
struct Label: MustacheParent, MustacheCustomRenderable {
    let lang: Lang
    let key: String

    func child(named name: String) -> Any? { Label(lang: lang, key: key.isEmpty ? name : key + "." + name) }
    var renderText: String { lang.t(key) }
    var isNull: Bool { !lang.has(key) }
}
