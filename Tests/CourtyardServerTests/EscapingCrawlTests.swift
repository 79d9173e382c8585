import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit
import Testing

/// Every text a person can type, made hostile, and every page walked: no page may carry the markup as markup.
@Suite(.serialized) struct EscapingCrawlTests {
    static let payload = #""'><script>alert(1)</script>"#

    /// The columns people fill in by hand: names, titles, descriptions, notes, addresses.
    static let typedColumns: [(String, [String])] = [
        ("subdistricts", ["name"]), ("compounds", ["name", "address"]), ("buildings", ["name"]),
        ("entrances", ["name"]), ("households", ["room"]), ("residents", ["name"]),
        ("organisations", ["name", "contact_name"]), ("users", ["display_name"]), ("imports", ["filename"]),
        ("votes", ["title"]), ("ballots", ["void_reason"]), ("reports", ["description", "reporter_name"]),
        ("report_events", ["note"]), ("attachments", ["filename"]), ("projects", ["model_writeup"]),
        ("work_items", ["name"]), ("gate_passes", ["note"]), ("acceptances", ["note"]), ("tasks", ["name"]),
        ("site_logs", ["weather", "work_done", "issues"]), ("findings", ["description", "rectification_note"]),
        ("bulletins", ["next_steps"]), ("notices", ["title", "body"]),
        ("notice_objections", ["text", "name", "reply"]), ("expert_reviews", ["conclusion", "summary"]),
        ("questionnaires", ["title"]),
    ]

    static func poison(_ database: Database) async throws {
        try await database.withConnection { db in
            for (table, columns) in typedColumns {
                for column in columns {
                    // Identifiers come from the list above, never from input.
                    try await db.raw(
                        SQLQueryString(
                            "UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(unsafeRaw: column) || \(bind: payload) WHERE \(unsafeRaw: column) IS NOT NULL"
                        )
                    ).run()
                }
            }
        }
    }

    @Test(arguments: ["office", "steward", "contractor", "public"])
    func hostileTextIsShownAsTextOnEveryPage(_ who: String) async throws {
        try await TestApp.with(demo: true) { client, services in
            try await Self.poison(services.database)
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let visits: [CrawlTests.Visit]
            if who == "public" {
                visits = try await CrawlTests.crawl(client, cookie: nil, start: "/public/compounds/\(compound)")
            } else {
                let (cookie, _) = try await client.session(who)
                visits = try await CrawlTests.crawl(client, cookie: cookie, start: "/")
            }
            var shown = 0
            for v in visits {
                guard let html = v.html else { continue }
                // The payload closes an attribute and opens a script: either would leave `<script` in the page.
                // The server's own static scripts (the steward's phone page) are not typed text.
                let own = html.replacingOccurrences(
                    of: #"<script src="/static/[a-z-]+\.js\?v=[0-9a-f]+" defer></script>"#, with: "",
                    options: .regularExpression)
                let carriesScript = own.lowercased().contains("<script")
                #expect(!carriesScript, "\(who): \(v.path) carries a script")
                if html.contains("&lt;script&gt;") { shown += 1 }
            }
            #expect(shown > 0, "\(who) saw the typed text nowhere")
        }
    }
}
