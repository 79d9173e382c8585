import Foundation
import Testing

@testable import CourtyardServer

/// Page templates escape what they show: markup is written unescaped only where the server drew it itself.
@Suite struct TemplateTests {
    /// The names a template may write with `{{{…}}}`: each is a `TrustedHTML` the server built.
    static let trusted: Set<String> = ["body", "chart", "qr", "svg", "bars"]

    @Test func everyTemplateParsesAndWritesMarkupOnlyFromTrustedValues() throws {
        #expect(!Views.templateTexts.isEmpty)
        _ = Views.library
        let triple = try Regex(#"\{\{\{\s*([A-Za-z0-9_.]+)\s*\}\}\}|\{\{&\s*([A-Za-z0-9_.]+)\s*\}\}"#)
        for (name, text) in Views.templateTexts {
            #expect(Views.library.getTemplate(named: name) != nil, "\(name) does not parse")
            for match in text.matches(of: triple) {
                let field = String(text[match.range]).trimmingCharacters(in: CharacterSet(charactersIn: "{}& "))
                #expect(Self.trusted.contains(field), "\(name) writes \(field) unescaped")
            }
        }
    }

    @Test func aValueIsEscapedInTextAndInAttributes() throws {
        struct Model { var name: String }
        let frame = PageFrame(lang: .zh, account: nil, csrf: "c", path: "/")
        var library = Views.library
        try library.register(#"<p title="{{name}}">{{name}}</p>"#, named: "probe")
        let html = library.render(
            ViewContext(frame: frame, model: Model(name: #""><script>alert('x')</script>"#)), withTemplate: "probe")
        #expect(
            html == #"<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;">"#
                + #"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"#)
    }
}
