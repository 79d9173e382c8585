import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The office drafts, opens and closes an owners' vote from the pages, as a clerk does without the API.
@Suite struct VoteManagePageTests {
    @Test func theOfficeDraftsOpensAndClosesAVoteFromThePages() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let (_, list) = try await office.get("/votes")
            #expect(list.contains("发起业主表决") && list.contains(#"<select name="matter" required>"#))
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            // Refused: each mistake named, what was typed kept, the form open.
            let (refused, _, again) = try await office.post(
                "/votes", [("compound_id", String(compound)), ("title", " "), ("matter", "")])
            #expect(refused == .unprocessableContent)
            #expect(again.contains("请填写标题。\n请选择事项类别。") && again.contains("<details class=\"new-vote\" open>"))
            #expect(again.contains(#"<option value="\#(compound)" selected>"#))
            let (made, next, _) = try await office.post(
                "/votes", [("compound_id", String(compound)), ("title", "增设电动自行车充电棚"), ("matter", "8")])
            #expect(made == .seeOther && next.hasPrefix("/votes/"))
            let id = try #require(Int64(next.dropFirst("/votes/".count)))
            let (_, draft) = try await office.get(next)
            #expect(draft.contains("改变共有部分的用途") && draft.contains("开始表决"))

            let (opened, openedAt, _) = try await office.post("/votes/\(id)/open", [])
            #expect(opened == .seeOther && openedAt == "/votes/\(id)?opened=1")
            let (_, open) = try await office.get(openedAt)
            #expect(open.contains("表决已开始，可以录入选票。") && open.contains("结束表决并计票"))
            // Closing asks that the papers are all entered.
            let (unconfirmed, _, stillOpen) = try await office.post("/votes/\(id)/close", [])
            #expect(unconfirmed == .unprocessableContent && stillOpen.contains("请先确认纸质选票已全部录入并核对"))
            let (closed, closedAt, _) = try await office.post("/votes/\(id)/close", [("confirm", "1")])
            #expect(closed == .seeOther && closedAt == "/votes/\(id)?closed=1")
            let (_, result) = try await office.get(closedAt)
            #expect(result.contains("表决已结束，结果已计算。") && !result.contains("结束表决并计票"))
            let status = try await SelectionTests.ints(
                services, "SELECT id FROM votes WHERE id = \(bind: id) AND status = 'closed'")
            #expect(status == [id])

            // A steward enters ballots but neither drafts nor opens a vote.
            let (sc, scsrf) = try await client.session("steward")
            let steward = CoordinationPageTests.Browser(client: client, cookie: sc, csrf: scsrf)
            let (_, theirs) = try await steward.get("/votes")
            #expect(!theirs.contains("发起业主表决"))
            #expect(
                try await steward.post("/votes", [("compound_id", String(compound)), ("title", "x"), ("matter", "9")]).0
                    == .forbidden)
        }
    }
}
