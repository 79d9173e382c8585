import CourtyardDemo
import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// The import page after a run: a clean dry run's file imported without choosing it again, and each earlier run's
/// report opened from the history in the person's language.
@Suite struct ImportHistoryPageTests {
    static func households(_ services: Services) async throws -> Int {
        try await services.database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM households").first()!.decode(column: "n", as: Int.self)
        }
    }

    /// The first `href` or `action` on a page that starts with `prefix`.
    static func link(_ page: String, _ prefix: String) -> String? {
        guard let start = page.range(of: "\"" + prefix) else { return nil }
        return String(page[page.index(after: start.lowerBound)...].prefix { $0 != "\"" })
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, cookie: String, form: String) async throws
        -> (HTTPResponse.Status, String, String?)
    {
        try await client.execute(
            uri: uri, method: .post,
            headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        ) { ($0.status, String(buffer: $0.body), $0.headers[.location]) }
    }

    @Test func aCleanDryRunIsImportedWithoutChoosingTheFileAgain() async throws {
        try await TestApp.with(demo: true) { client, services in
            // The upload answers with its result, however long a loaded machine takes.
            let (cookie, csrf) = try await client.session("office")
            let before = try await Self.households(services)
            let (status, page, _) = try await ImportProgressTests.upload(
                client, ImportProgressTests.sheet(30), cookie: cookie, csrf: csrf)
            #expect(status == .ok)
            #expect(page.contains("导入这个文件"))
            #expect(try await Self.households(services) == before)
            let apply = try #require(Self.link(page, "/import/jobs/"))
            #expect(apply.hasSuffix("/apply"))
            // Without the form's token nothing is imported.
            let (forged, _, _) = try await Self.post(client, apply, cookie: cookie, form: "_csrf=wrong")
            #expect(forged == .forbidden)
            #expect(try await Self.households(services) == before)
            // The import's result is its job's page: reloading it shows the result and sends nothing again.
            let (done, _, location) = try await Self.post(client, apply, cookie: cookie, form: "_csrf=\(csrf)")
            #expect(done == .seeOther)
            let (_, result, _) = try await PageTests.page(client, try #require(location), cookie: cookie)
            #expect(result.contains("已写入数据库"))
            #expect(!result.contains("导入这个文件"))
            #expect(result.contains(#"<a href="/communities">查看社区和小区</a>"#) && !page.contains("查看社区和小区"))
            // The dry run's own page no longer offers the button; its address opened after signing in again leads
            // there.
            let dryRun = String(apply.dropLast("/apply".count))
            let (_, dryRunPage, _) = try await PageTests.page(client, dryRun, cookie: cookie)
            #expect(!dryRunPage.contains("导入这个文件"))
            let (back, _, backTo) = try await PageTests.page(client, apply, cookie: cookie)
            #expect(back == .seeOther && backTo[.location] == dryRun)
            #expect(!result.contains("导入这个文件"))
            #expect(try await Self.households(services) == before + 30)
            // The file is imported once: the same button again says the file is gone and writes nothing.
            let (again, gone, _) = try await Self.post(client, apply, cookie: cookie, form: "_csrf=\(csrf)")
            #expect(again == .notFound)
            #expect(gone.contains("已不再保留"))
            #expect(try await Self.households(services) == before + 30)
        }
    }

    @Test func aDryRunWithProblemsOrByAnotherAccountCannotBeImportedFromTheButton() async throws {
        try await TestApp.with(demo: true) { client, services in
            // The upload answers with its result, however long a loaded machine takes.
            let (cookie, csrf) = try await client.session("office")
            var bad = ImportProgressTests.sheet(3)
            bad += Array("进度社区,进度小区,进度路1号,1990,9号楼,1单元,101,一楼,60,,,否\n".utf8)
            let (status, page, _) = try await ImportProgressTests.upload(client, bad, cookie: cookie, csrf: csrf)
            #expect(status == .unprocessableContent)
            #expect(!page.contains("导入这个文件"))
            let (_, clean, _) = try await ImportProgressTests.upload(
                client, ImportProgressTests.sheet(3), cookie: cookie, csrf: csrf)
            let apply = try #require(Self.link(clean, "/import/jobs/"))
            let office = try #require(try await services.accounts.find(username: "office"))
            _ = try await services.accounts.create(
                username: "office2", passwordHash: try await hashPassword("another-pass-123", services: services),
                role: .subdistrictOfficer, scope: office.scope, actor: .system)
            let (other, otherCSRF) = try await client.session("office2", "another-pass-123")
            let before = try await Self.households(services)
            let (refused, _, _) = try await Self.post(client, apply, cookie: other, form: "_csrf=\(otherCSRF)")
            #expect(refused == .notFound)
            #expect(try await Self.households(services) == before)
        }
    }

    @Test func theHistoryOpensARunsProblemsInThePersonsLanguage() async throws {
        try await TestApp.with(demo: true) { client, services in
            // The upload answers with its result, however long a loaded machine takes.
            let (cookie, csrf) = try await client.session("office")
            var bad = ImportProgressTests.sheet(2)
            bad += Array("进度社区,进度小区,进度路1号,1990,9号楼,1单元,101,一楼,60,,,否\n".utf8)
            _ = try await ImportProgressTests.upload(client, bad, cookie: cookie, csrf: csrf)
            let (_, importPage, _) = try await PageTests.page(client, "/import", cookie: cookie)
            let run = try #require(Self.link(importPage, "/import/history/"))
            // The history names the clerk as the office knows them, not by the sign-in name.
            #expect(importPage.contains(#"<td data-label="操作人">王主任</td>"#) && !importPage.contains(">office</td>"))
            // A trial that found problems reads as one, not as an import refused.
            #expect(importPage.contains("试导入：发现问题") && !importPage.contains(">被拒绝<"))
            let (status, zh, _) = try await PageTests.page(client, run, cookie: cookie)
            #expect(status == .ok)
            // A refused sheet's counts are what it would write once corrected.
            #expect(zh.contains("将新增") && !zh.contains(">新增<"))
            #expect(zh.contains("楼层“一楼”不是整数"))
            #expect(zh.contains("big.csv"))
            let (_, en, _) = try await PageTests.page(client, run + "?lang=en", cookie: cookie)
            #expect(en.contains("“一楼”"))
            #expect(!en.contains("楼层“一楼”不是整数"))
            // Another sub-district's officer does not learn the run is there.
            let elsewhere = try await services.database.withConnection { db in
                try await db.raw("INSERT INTO subdistricts (name) VALUES ('别的街道') RETURNING id").first()!
                    .decode(column: "id", as: Int64.self)
            }
            _ = try await services.accounts.create(
                username: "elsewhere", passwordHash: try await hashPassword("another-pass-123", services: services),
                role: .subdistrictOfficer, scope: Scope(kind: .subdistrict, id: elsewhere), actor: .system)
            let (other, _) = try await client.session("elsewhere", "another-pass-123")
            let (hidden, page, _) = try await PageTests.page(client, run, cookie: other)
            #expect(hidden == .notFound)
            #expect(!page.contains("一楼"))
            for address in ["/import/history/abc", "/import/history/1.5", "/import/history/99999999999999999999"] {
                let (malformed, page, _) = try await PageTests.page(client, address, cookie: cookie)
                #expect(malformed == .notFound, "\(address)")
                #expect(page.contains("找不到此页"), "\(address)")
            }
            // So is any signed-in page's address with a malformed number: a page not found, not a bad request.
            let (vote, votePage, _) = try await PageTests.page(client, "/votes/abc", cookie: cookie)
            #expect(vote == .notFound)
            #expect(votePage.contains("找不到此页"))
            // A form's address opened as a page (the refused form's page reloaded from the address bar, or signing in
            // again after the session ended) leads to the nearest page above it; before, it was "not found".
            let forms = [
                "/meetings/7/end-series": "/meetings/7", "/meetings/series": "/meetings",
                "/coordination/requests/3/reopen": "/coordination", "/events/4/signups/9/cancel": "/events/4",
                "/projects/5/handover/sign": "/projects/5/handover", "/change_orders/2/approve": "/investment",
                "/questionnaires": "/participation",
            ]
            for (form, above) in forms {
                let (status, _, headers) = try await PageTests.page(client, form, cookie: cookie)
                #expect(
                    status == .found && headers[.location] == above, "\(form): \(status) \(headers[.location] ?? "")")
            }
            let (unknown, unknownPage, _) = try await PageTests.page(client, "/meetings/7/no-such-form", cookie: cookie)
            #expect(unknown == .notFound && unknownPage.contains("找不到此页"), "an address no form is sent to")
        }
    }

    @Test func aRunKeptBeforeProblemsKeptTheirValuesSaysSoWithoutBlanks() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("office")
            let office = try #require(try await services.accounts.find(username: "office"))
            let report = """
                {"id":null,"dry_run":true,"applied":false,"rows":1,"subdistrict":"S",\
                "communities":{"created":0,"updated":0,"unchanged":0},"compounds":{"created":0,"updated":0,"unchanged":0},\
                "buildings":{"created":0,"updated":0,"unchanged":0},"entrances":{"created":0,"updated":0,"unchanged":0},\
                "households":{"created":0,"updated":0,"unchanged":0},"residents":{"created":0,"updated":0,"unchanged":0},\
                "error_count":1,"errors":[{"row":2,"column":"floor","code":"invalid_floor",\
                "message":"floor “x” is not a whole number","sheet":null}],"reading":null}
                """
            let id = try await services.database.withConnection { db in
                try await db.raw(
                    """
                    INSERT INTO imports (at, user_id, username, filename, subdistrict_id, dry_run, status, rows,
                      error_count, report_json)
                    VALUES ('2026-01-05T02:00:00Z', NULL, 'office', 'old.csv', \(bind: office.scope.id), 1,
                      'rejected', 1, 1, \(bind: report)) RETURNING id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let (status, page, _) = try await PageTests.page(client, "/import/history/\(id)", cookie: cookie)
            #expect(status == .ok)
            #expect(page.contains("这一行有问题"))
            #expect(!page.contains("{value}"))
        }
    }
}
