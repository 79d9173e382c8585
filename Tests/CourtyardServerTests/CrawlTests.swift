import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every demo account signs in through the form and follows every link it is shown, the way a person would:
/// no link may lead to an error, a sign-in page, or a page in Chinese that shows English or a raw code.
@Suite(.serialized) struct CrawlTests {
    static let accounts = [
        "office", "community", "steward", "contractor", "supervisor", "pm", "water", "property",
        "viewer",
    ]
    static let maxPages = 400
    /// At most this many pages of one shape (`/households/{id}`): every kind of page is reached, and the crawl
    /// stays light enough to run beside the rest of the suite on PostgreSQL.
    static let maxPerShape = 4

    /// A link's shape: numbers in the path and query values stand for any.
    static func shape(_ link: String) -> String {
        let parts = link.split(separator: "?", maxSplits: 1)
        let path = parts[0].split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "{id}" : String($0) }.joined(separator: "/")
        let keys = parts.count > 1 ? parts[1].split(separator: "&").map { $0.split(separator: "=")[0] }.sorted() : []
        return path + "?" + keys.joined(separator: "&")
    }

    /// One visited page: where it was linked from, what it answered, and its HTML when it was a page.
    struct Visit {
        var path: String
        var from: String
        var status: HTTPResponse.Status
        var location: String?
        var html: String?
    }

    /// Same-site GET links of a page: `href` of `<a>` and `src` of `<img>`, entities undone, fragments dropped.
    static func links(in html: String) -> [String] {
        var found: [String] = []
        for pattern in [#"<a\s[^>]*?href="([^"]*)""#, #"<img\s[^>]*?src="([^"]*)""#] {
            let regex = try! Regex(pattern)
            for m in html.matches(of: regex) {
                guard let sub = m.output[1].substring else { continue }
                var link = String(sub).replacingOccurrences(of: "&amp;", with: "&")
                if let hash = link.firstIndex(of: "#") { link = String(link[..<hash]) }
                guard link.hasPrefix("/"), !link.hasPrefix("//"), !link.isEmpty else { continue }
                // The language and type-size switches and the programme's orders show the same page (each is checked
                // where it is tested); logging out is a form, never a link.
                if link.contains("lang=en") || link.contains("large=") || link.contains("sort=")
                    || link.hasPrefix("/logout")
                {
                    continue
                }
                found.append(link)
            }
        }
        return found
    }

    /// Breadth-first from `start`, at most `maxPages` distinct links.
    static func crawl(_ client: any TestClientProtocol, cookie: String?, start: String) async throws -> [Visit] {
        var queue: [(String, String)] = [(start, "(start)")]
        var seen: Set<String> = [start]
        var shapes: [String: Int] = [:]
        var visits: [Visit] = []
        var i = 0
        while i < queue.count, visits.count < maxPages {
            let (path, from) = queue[i]
            i += 1
            var headers: HTTPFields = [.acceptLanguage: "zh-CN,zh;q=0.9"]
            if let cookie { headers[.cookie] = cookie }
            let visit = try await client.execute(uri: path, method: .get, headers: headers) { r -> Visit in
                let type = r.headers[.contentType] ?? ""
                return Visit(
                    path: path, from: from, status: r.status, location: r.headers[.location],
                    html: type.hasPrefix("text/html") ? String(buffer: r.body) : nil)
            }
            visits.append(visit)
            var next = visit.html.map(links(in:)) ?? []
            if let location = visit.location, (300..<400).contains(visit.status.code) { next.append(location) }
            for link in next where !seen.contains(link) {
                seen.insert(link)
                shapes[shape(link), default: 0] += 1
                if shapes[shape(link)]! > maxPerShape { continue }
                queue.append((link, path))
            }
        }
        return visits
    }

    /// A link that fails a person: an error status, or a redirect to the sign-in page for someone signed in.
    static func brokenLinks(_ visits: [Visit], signedIn: Bool) -> [String] {
        visits.compactMap { v in
            if v.status.code >= 400 { return "\(v.path) (from \(v.from)) answers \(v.status.code)" }
            if signedIn, let l = v.location, l.hasPrefix("/login") {
                return "\(v.path) (from \(v.from)) sends to sign-in"
            }
            if !signedIn, v.from != "(start)", let l = v.location, l.hasPrefix("/login") {
                return "\(v.path) (from \(v.from)) sends the public to sign-in"
            }
            return nil
        }
    }

    /// What a person reads on a page: text between tags, plus the words of `title`, `aria-label`, `placeholder`
    /// and `alt` attributes; scripts and styles left out.
    static func visibleText(_ html: String) -> String {
        // `<code>` holds names as the API spells them (the audit log's field names), on purpose.
        var text = html.replacing(try! Regex(#"(?s)<style>.*?</style>|<code>.*?</code>"#), with: " ")
        var attributes: [String] = []
        for m in text.matches(of: try! Regex(#"(?:title|aria-label|placeholder|alt)="([^"]*)""#)) {
            if let s = m.output[1].substring { attributes.append(String(s)) }
        }
        text = text.replacing(try! Regex(#"<[^>]*>"#), with: " ")
        return (text + " " + attributes.joined(separator: " "))
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
    }

    /// Words on a Chinese page that are not Chinese: snake_case codes, catalogue keys, runs of English words.
    static func untranslated(_ html: String) -> [String] {
        let text = visibleText(html)
        let patterns = [
            #"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"#,  // on_display, gate_public_review
            #"\b[a-z]+(?:\.[A-Za-z_]+){1,3}\b"#,  // report.state.x
            #"\b[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}\b"#,  // three English words in a row
            #"\b(?:subdistrict|community|compound|organisation):\d+\b"#,  // a scope as stored, organisation:12
        ]
        // Names of formats and standards read the same in Chinese.
        let allowed: Set<String> = ["English"]
        var found: [String] = []
        for p in patterns {
            for m in text.matches(of: try! Regex(p)) {
                let word = String(text[m.range])
                if !allowed.contains(word), !word.contains("@") { found.append(word) }
            }
        }
        return found
    }

    @Test(arguments: accounts)
    func everyLinkAnAccountSeesOpensAndSpeaksChinese(_ username: String) async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session(username)
            let visits = try await Self.crawl(client, cookie: cookie, start: "/")
            #expect(visits.first?.status == .ok, "\(username) has no home page")
            if ProcessInfo.processInfo.environment["CRAWL_SHAPES"] != nil {
                print("SHAPES \(username) \(visits.count): \(Set(visits.map { Self.shape($0.path) }).sorted())")
            }
            Self.recordProblems(visits, who: username, signedIn: true)
        }
    }

    /// Every broken link, and every page that shows English words or raw codes, as an issue naming who saw it.
    static func recordProblems(_ visits: [Visit], who: String, signedIn: Bool) {
        for problem in brokenLinks(visits, signedIn: signedIn) { Issue.record("\(who): \(problem)") }
        for v in visits where v.status == .ok {
            guard let html = v.html else { continue }
            let words = untranslated(html)
            if !words.isEmpty { Issue.record("\(who): \(v.path) shows \(Set(words).sorted().prefix(8))") }
        }
    }

    @Test func thePublicFollowsEveryLinkWithoutBeingSentToSignIn() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let visits = try await Self.crawl(client, cookie: nil, start: "/public/compounds/\(compound)")
            #expect(visits.count > 1)
            Self.recordProblems(visits, who: "public", signedIn: false)
        }
    }

    @Test func anUnknownPathIsAPageInThePersonsLanguage() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("steward")
            let signedIn: HTTPFields = [.cookie: cookie]
            let english: HTTPFields = [.acceptLanguage: "en"]
            for (headers, words) in [(signedIn, "返回首页"), (english, "Sign in")] {
                let (status, type, body) = try await client.execute(
                    uri: "/no/such/page", method: .get,
                    headers: headers
                ) {
                    ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body))
                }
                #expect(status == .notFound)
                #expect(type.hasPrefix("text/html"))
                #expect(body.contains(words))
            }
            // A page's address with a malformed number in it is a page not found, not the API's JSON.
            for path in ["/public/compounds/abc", "/public/events/99999999999999999999"] {
                let (status, type) = try await client.execute(uri: path, method: .get, headers: [:]) {
                    ($0.status, $0.headers[.contentType] ?? "")
                }
                #expect(status == .notFound && type.hasPrefix("text/html"), "\(path)")
            }
            // A feed's address keeps the JSON its document promises: a malformed number names no community.
            let (feedStatus, feedType) = try await client.execute(
                uri: "/public/communities/9223372036854775808/events.ics", method: .get
            ) { ($0.status, $0.headers[.contentType] ?? "") }
            #expect(feedStatus == .notFound && feedType.hasPrefix("application/json"))
            let (status, type) = try await client.execute(uri: "/api/v1/no-such", method: .get) {
                ($0.status, $0.headers[.contentType] ?? "")
            }
            #expect(status == .notFound || status == .unauthorized)
            #expect(type.hasPrefix("application/json"))
        }
    }
}

/// The language and large-type links keep a page's query, but not a crafted one longer than any form sends.
@Suite struct ToggleLinkTests {
    @Test func aCraftedQueryIsNotCopiedIntoTheLanguageLinks() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let typed = String(repeating: "a", count: 3_000)
            let page = try await PageTests.page(client, "/public?q=\(typed)", cookie: nil).1
            #expect(page.contains(#"href="/public?lang=en""#) && !page.contains("q=aaaa"))
            let short = try await PageTests.page(client, "/public?q=abc", cookie: nil).1
            #expect(short.contains(#"href="/public?q=abc&amp;lang=en""#))
        }
    }
}
