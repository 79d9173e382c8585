import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Steps taken from a page that are refused come back to that page with why, and what was typed, instead of a page
/// with only a way back.
@Suite struct RefusedStepTests {
    static func first(_ services: Services, _ sql: String) async throws -> (id: Int64, project: Int64)? {
        try await services.database.withConnection { db in
            try await db.raw(SQLQueryString(stringLiteral: sql)).first().map {
                (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "project_id", as: Int64.self))
            }
        }
    }

    @Test func aBulletinWithABadYearAndDateNamesBothAndKeepsTheText() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.session("office")
            let (status, page, _) = try await PageTests.postForm(
                client, "/bulletins", cookie: office.cookie,
                RefusedFormTests.urlencoded([
                    ("_csrf", office.csrf), ("batch_year", "1e400"), ("as_of", "2026-02-30"),
                    ("next_steps", "下周完成3号楼外墙"),
                ]))
            #expect(status == .unprocessableContent)
            #expect(page.contains("改造年度须在 2000 到 2100 之间。\n截至：日期无效"))
            #expect(page.contains(#"role="alert""#))
            #expect(page.contains(#"value="1e400""#) && page.contains(#"value="2026-02-30""#))
            #expect(page.contains(">下周完成3号楼外墙</textarea>"))
        }
    }

    /// The next steps typed line by line keep their lines on the draft's page, as on the printed bulletin.
    @Test func aBulletinsNextStepsKeepTheirLines() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let office = try await client.session("office")
            let (status, _, headers) = try await PageTests.postForm(
                client, "/bulletins", cookie: office.cookie,
                RefusedFormTests.urlencoded([
                    ("_csrf", office.csrf), ("batch_year", String(Clock.today.civil.year)),
                    ("as_of", Clock.today.description), ("next_steps", "1. 完成3号楼外墙\n2. 燃气立管迁移"),
                ]))
            #expect(status == .seeOther)
            let (_, page, _) = try await PageTests.page(client, headers[.location] ?? "", cookie: office.cookie)
            #expect(page.contains("<p class=\"lines\">1. 完成3号楼外墙\n2. 燃气立管迁移</p>"))
        }
    }

    /// A draft is changed on its page, publishes only once ticked as checked, and can be discarded.
    @Test func aBulletinDraftIsChangedPublishedOnATickOrDeleted() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.session("office")
            func post(_ uri: String, _ fields: [(String, String)]) async throws -> (HTTPResponse.Status, String, String)
            {
                let (status, page, headers) = try await PageTests.postForm(
                    client, uri, cookie: office.cookie, RefusedFormTests.urlencoded([("_csrf", office.csrf)] + fields))
                return (status, page, headers[.location] ?? "")
            }
            let year = String(Clock.today.civil.year)
            let (_, _, draft) = try await post(
                "/bulletins", [("batch_year", year), ("as_of", Clock.today.description), ("next_steps", "第一稿")])
            let id = try #require(draft.split(separator: "/").last.map(String.init))
            let long = String(repeating: "长", count: BulletinRepository.nextStepsMax + 1)
            let (tooLong, again, _) = try await post(
                "/bulletins/\(id)/edit", [("as_of", "2026-01-05"), ("next_steps", long)])
            #expect(tooLong == .unprocessableContent && again.contains("下步工作最多 4000 字。"))
            #expect(again.contains(#"value="2026-01-05""#) && again.contains(long + "</textarea>"))
            let (saved, _, back) = try await post(
                "/bulletins/\(id)/edit", [("as_of", "2026-01-05"), ("next_steps", "第二稿\n燃气立管迁移")])
            #expect(saved == .seeOther && back == "/bulletins/\(id)?saved=1")
            let (_, page, _) = try await PageTests.page(client, back, cookie: office.cookie)
            #expect(page.contains("草稿已保存。") && page.contains("<p class=\"lines\">第二稿\n燃气立管迁移</p>"))
            #expect(page.contains("截至 2026-01-05"))
            // Dated before the last issue, the draft says at once that it cannot be published so.
            #expect(page.contains("这份草稿的截至日期早于它，不能发布"))
            let (unticked, refusedPage, _) = try await post("/bulletins/\(id)/publish", [])
            #expect(unticked == .unprocessableContent && refusedPage.contains("请先勾选已核对，再发布。"))
            let (_, stillDraft, _) = try await PageTests.page(client, "/bulletins/\(id)", cookie: office.cookie)
            #expect(stillDraft.contains(#"action="/bulletins/\#(id)/publish""#), "not published without the tick")
            let (_, _, second) = try await post(
                "/bulletins", [("batch_year", year), ("as_of", Clock.today.description), ("next_steps", "")])
            let other = try #require(second.split(separator: "/").last.map(String.init))
            // A date after today is refused: a bulletin reports what has happened.
            let tomorrow = Clock.today.adding(days: 1).description
            let (future, saidFuture, _) = try await post(
                "/bulletins/\(id)/edit", [("as_of", tomorrow), ("next_steps", "第二稿")])
            #expect(future == .unprocessableContent && saidFuture.contains("截至日期不能晚于今天"))
            // Publishing is a button of the draft's form: what was typed since the last save is published with it.
            let (published, _, _) = try await post(
                "/bulletins/\(id)/publish",
                [("as_of", Clock.today.description), ("next_steps", "第三稿：发布前补写"), ("confirm", "1")])
            #expect(published == .seeOther)
            let (_, issued, _) = try await PageTests.page(client, "/bulletins/\(id)", cookie: office.cookie)
            #expect(
                !issued.contains("/publish\"") && !issued.contains("/delete\""), "a published bulletin has no forms")
            #expect(issued.contains("第三稿：发布前补写"))
            // An issue does not go back in time: a draft dated before the last issue is refused, and kept.
            let (_, _, older) = try await post(
                "/bulletins", [("batch_year", year), ("as_of", "2026-01-05"), ("next_steps", "")])
            let olderId = try #require(older.split(separator: "/").last.map(String.init))
            let (backwards, saidBack, _) = try await post(
                "/bulletins/\(olderId)/publish", [("as_of", "2026-01-05"), ("next_steps", "补发"), ("confirm", "1")])
            #expect(
                backwards == .conflict && saidBack.contains("上一期已统计到 \(Clock.today)")
                    && saidBack.contains(">补发</textarea>"))
            #expect(saidBack.contains("上面改动的截至日期或下步工作也还没有保存"), "the typed 补发 is said to be unsaved")
            // The list says it of that draft too, and of no other.
            let (_, drafts, _) = try await PageTests.page(client, "/bulletins", cookie: office.cookie)
            #expect(drafts.components(separatedBy: "早于上一期（\(Clock.today)），不能发布").count == 2, "once")
            // Refused, it saved nothing of what was typed with it, and the audit log has no change to show.
            let kept = try await services.database.withConnection { db in
                try await db.raw("SELECT next_steps FROM bulletins WHERE id = \(bind: Int64(olderId) ?? 0)").first()?
                    .text("next_steps")
            }
            #expect(kept == "")
            let logged = try await SelectionTests.ints(
                services,
                "SELECT id FROM audit_log WHERE entity = 'bulletins' AND entity_id = \(bind: Int64(olderId) ?? 0) AND action = 'update'"
            )
            #expect(logged.isEmpty)
            let (refusedDelete, _, _) = try await post("/bulletins/\(other)/delete", [])
            #expect(refusedDelete == .unprocessableContent)
            // A read-only account is refused outright on every draft form, not told to tick or mend a date.
            let viewer = try await client.session("viewer")
            for step in ["edit", "publish", "delete"] {
                let (status, _, _) = try await PageTests.postForm(
                    client, "/bulletins/\(other)/\(step)", cookie: viewer.cookie,
                    RefusedFormTests.urlencoded([("_csrf", viewer.csrf), ("as_of", "bad")]))
                #expect(status == .forbidden, "\(step)")
            }
            let (deleted, _, list) = try await post("/bulletins/\(other)/delete", [("confirm", "1")])
            #expect(deleted == .seeOther && list == "/bulletins?deleted=1")
            let (gone, _, _) = try await PageTests.page(client, "/bulletins/\(other)", cookie: office.cookie)
            #expect(gone == .notFound)
            let (_, listed, _) = try await PageTests.page(client, list, cookie: office.cookie)
            #expect(listed.contains("草稿已删除。"))
        }
    }

    @Test func aRefusedFindingOrPaymentStepShowsTheProjectPageAgain() async throws {
        try await TestApp.with(demo: true) { client, services in
            let contractor = try await client.session("contractor")
            let finding = try #require(
                try await Self.first(services, "SELECT id, project_id FROM findings WHERE state = 'open' ORDER BY id"))
            let long = String(repeating: "长", count: 20_001)
            let (status, page, _) = try await PageTests.postForm(
                client, "/findings/\(finding.id)/rectify", cookie: contractor.cookie,
                RefusedFormTests.urlencoded([("_csrf", contractor.csrf), ("note", long)]))
            #expect(status == .unprocessableContent)
            #expect(page.contains(#"role="alert""#) && page.contains("说明最多 2000 字。"))
            #expect(page.contains(#"action="/findings/\#(finding.id)/rectify""#), "the project's page, with its form")
            // The note comes back in the finding's own form, with the reason beside it, where the page opens.
            let form = try #require(
                page.firstMatch(of: /action="\/findings\/\d+\/rectify".*?<\/form>/).map { String($0.0) })
            #expect(form.contains(#"aria-invalid="true" autofocus>\#(long)</textarea>"#))
            #expect(form.contains(#"<span class="field-error" role="alert">说明最多 2000 字。</span>"#))
            let office = try await client.session("office")
            let change = try #require(
                try await Self.first(
                    services,
                    "SELECT id, project_id FROM change_orders WHERE state NOT IN ('approved', 'rejected') ORDER BY id"))
            do {
                let (refused, again, _) = try await PageTests.postForm(
                    client, "/change_orders/\(change.id)/reject", cookie: office.cookie,
                    RefusedFormTests.urlencoded([("_csrf", office.csrf), ("reason", "")]))
                #expect(refused == .unprocessableContent)
                #expect(
                    again.contains(#"role="alert""#)
                        && again.contains(#"action="/change_orders/\#(change.id)/reject#change-\#(change.id)""#)
                )
                // A reason too long says how long it may be, not only that something is too long.
                let (tooLong, said, _) = try await PageTests.postForm(
                    client, "/change_orders/\(change.id)/reject", cookie: office.cookie,
                    RefusedFormTests.urlencoded([
                        ("_csrf", office.csrf), ("reason", String(repeating: "长", count: 2001)),
                    ]))
                #expect(tooLong == .unprocessableContent && said.contains("这段文字太长了：最多 2000 字"))
            }
            let (missing, _, _) = try await PageTests.postForm(
                client, "/payments/999999/reject", cookie: office.cookie,
                RefusedFormTests.urlencoded([("_csrf", office.csrf), ("reason", "")]))
            #expect(missing == .notFound)
        }
    }
}
