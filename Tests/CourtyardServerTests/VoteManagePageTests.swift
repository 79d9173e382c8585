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
            // The voting map opens inside the site, with the way back and the picture to print.
            #expect(open.contains(#"href="/votes/\#(id)/map""#))
            let (_, map) = try await office.get("/votes/\(id)/map")
            #expect(
                map.contains(#"<img src="/api/v1/votes/\#(id)/map.svg""#) && map.contains(#"href="/votes/\#(id)">"#))
            // The close form comes after the ballot form: a clerk entering papers meets the ballot form first.
            let ballotForm = try #require(open.range(of: #"<section id="ballot">"#))
            let closeForm = try #require(open.range(of: #"action="/votes/\#(id)/close""#))
            #expect(ballotForm.lowerBound < closeForm.lowerBound)
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

    /// An elevator is voted by the owners of its entrance: the clerk asks for the compound's buildings, ticks one
    /// entrance, and the draft's electorate is that entrance's households alone.
    @Test func theOfficeDraftsAVoteOfOneEntranceFromThePage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let rows = try await services.database.withConnection { db in
                try await db.raw(
                    """
                    SELECT e.id, e.compound_id, e.name AS entrance, b.name AS building,
                      (SELECT COUNT(*) FROM households h WHERE h.entrance_id = e.id) AS homes
                    FROM entrances e JOIN buildings b ON b.id = e.building_id ORDER BY e.id
                    """
                ).all()
            }
            let first = try #require(rows.first)
            let entrance = try first.decode(column: "id", as: Int64.self)
            let compound = try first.decode(column: "compound_id", as: Int64.self)
            let homes = try first.decode(column: "homes", as: Int.self)
            let typed = [("compound_id", String(compound)), ("title", "3单元加装电梯"), ("matter", "8")]
            // Asking for the buildings saves nothing and brings the form back with them to tick.
            let (asked, _, form) = try await office.post("/votes", typed + [("scope", "parts")])
            #expect(asked == .ok)
            #expect(form.contains(#"name="entrance_ids" value="\#(entrance)""#) && form.contains("3单元加装电梯"))
            #expect(try await SelectionTests.ints(services, "SELECT id FROM votes WHERE title = '3单元加装电梯'").isEmpty)
            // Buildings and entrances ticked together: refused, in words, nothing saved.
            let building = try await SelectionTests.ints(
                services, "SELECT building_id AS id FROM entrances WHERE id = \(bind: entrance)")
            let (both, _, said) = try await office.post(
                "/votes", typed + [("building_ids", String(building[0])), ("entrance_ids", String(entrance))])
            #expect(both == .unprocessableContent && said.contains("请只勾选楼栋，或只勾选单元"))
            // An entrance of another compound: refused.
            let elsewhere = try await SelectionTests.ints(
                services, "SELECT id FROM entrances WHERE compound_id <> \(bind: compound) ORDER BY id LIMIT 1")
            if let other = elsewhere.first {
                let (wrong, _, why) = try await office.post("/votes", typed + [("entrance_ids", String(other))])
                #expect(wrong == .unprocessableContent && why.contains("不属于所选小区"))
            }
            // A ticked value that names nothing refuses the form; it never falls back to the whole compound.
            for bad in [[("building_ids", "abc")], [("building_ids", "")], [("entrance_ids", "99999999999999999999")]] {
                let (unread, _, told) = try await office.post("/votes", typed + bad)
                #expect(unread == .unprocessableContent && told.contains("无法识别"))
            }
            #expect(try await SelectionTests.ints(services, "SELECT id FROM votes WHERE title = '3单元加装电梯'").isEmpty)
            // The same entrance ticked twice is one entrance.
            let twice = [("entrance_ids", String(entrance)), ("entrance_ids", String(entrance))]
            let (made, next, _) = try await office.post("/votes", typed + twice)
            #expect(made == .seeOther && next.hasPrefix("/votes/"))
            let id = try #require(Int64(next.dropFirst("/votes/".count)))
            #expect(try await office.post("/votes/\(id)/open", []).0 == .seeOther)
            let vote = try await client.call(.get, "/api/v1/votes/\(id)", token: try await client.token("office"))
            #expect(vote.json["electorate"]?["entrance_ids"]?.idList == [entrance])
            #expect(vote.json["eligible_households"]?.intValue == Int64(homes))
            let (_, page) = try await office.get(next)
            let name =
                try first.decode(column: "building", as: String.self) + " "
                + (try first.decode(column: "entrance", as: String.self))
            #expect(page.contains(name))
            // The list names the part that votes as well, beside the compound.
            let (_, list) = try await office.get("/votes")
            #expect(list.contains(" · " + name))
        }
    }
}
