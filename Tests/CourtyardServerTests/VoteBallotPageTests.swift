import CourtyardServer
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// Paper ballots entered from the vote's page, as a community worker does on a phone.
@Suite struct VoteBallotPageTests {
    static func openVote(_ services: Services) async throws -> Int64 {
        try await services.database.withConnection { db in
            try await db.raw("SELECT id FROM votes WHERE status = 'open' ORDER BY id").first()!.decode(
                column: "id", as: Int64.self)
        }
    }

    static func households(_ html: String) throws -> [String] {
        html.matches(of: try Regex(#"<option value="(\d+)""#)).compactMap { $0.output[1].substring.map(String.init) }
    }

    @Test func aPaperBallotIsEnteredFromTheVotePageAndEachRefusalStandsByItsField() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let worker = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let vote = try await Self.openVote(services)
            let (_, page) = try await worker.get("/votes/\(vote)")
            #expect(page.contains("录入纸质选票"))
            let homes = try Self.households(page)
            // Each home is written as everywhere else (1号楼-1单元-101), under its building.
            let group = try #require(page.firstMatch(of: /<optgroup label="([^"]+)"><option value="\d+">([^<]+)</))
            #expect(group.output.2.hasPrefix("\(group.output.1)-") && group.output.2.contains("单元-"))
            try #require(homes.count >= 2)
            // A room in the list of those not voted chooses it in the form (it opened the home's page before).
            let pick = "/votes/\(vote)?pick=\(homes[1])"
            #expect(page.contains(#"<a href="\#(pick)#ballot">"#))
            let (_, picked) = try await worker.get(pick)
            #expect(picked.contains(#"<option value="\#(homes[1])" selected>"#))
            let before = try await CoordinationTests.count(services, "ballots")

            // No choice: refused beside the choice, the number kept, nothing written.
            let (refused, _, again) = try await worker.post(
                "/votes/\(vote)/ballots", [("household_id", homes[0]), ("paper_number", "纸-0001")])
            #expect(refused == .unprocessableContent)
            #expect(again.contains("请选择选票上的表决意见。") && again.contains(#"value="纸-0001""#))
            #expect(again.contains(#"<option value="\#(homes[0])" selected>"#))
            #expect(try await CoordinationTests.count(services, "ballots") == before)

            // Entered: back to the page, saved, and the household leaves the list of those not voted.
            let (saved, location, _) = try await worker.post(
                "/votes/\(vote)/ballots",
                [("household_id", homes[0]), ("choice", "approve"), ("paper_number", "纸-0001")])
            let ballot = try #require(
                try await SelectionTests.ints(services, "SELECT id FROM ballots WHERE paper_number = '纸-0001'").first)
            #expect(saved == .seeOther && location == "/votes/\(vote)?entered=\(ballot)#ballot")
            #expect(try await CoordinationTests.count(services, "ballots") == before + 1)
            // The audit log says who entered which paper for which home, never how it voted.
            let logged = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT after_json AS t FROM audit_log WHERE action = 'enter_ballot' AND entity_id = \(bind: vote)"
                ).all().map { try $0.text("t") }
            }
            let this = logged.filter { $0.contains("纸-0001") }
            #expect(this.count == 1 && this[0].contains("单元-"), "\(logged)")
            #expect(!logged.contains { $0.contains("approve") || $0.contains("同意") })
            // Read back as stored, as it is on the paper: the home, the choice and the paper number.
            let (_, after) = try await worker.get(String(location.prefix { $0 != "#" }))
            #expect(after.contains("已录入：") && after.contains(" · 同意 · 编号 纸-0001。统计已更新"))
            // Not to someone who did not enter it, nor from an address made up by hand.
            let office = try await CoordinationPageTests.office(client)
            let (_, theirs) = try await office.get("/votes/\(vote)?entered=\(ballot)")
            #expect(!theirs.contains("纸-0001。统计已更新") && theirs.contains("纸质选票已录入"))
            let (_, madeUp) = try await worker.get("/votes/\(vote)?entered=1&household=\(homes[1])&choice=reject")
            #expect(!madeUp.contains("已录入：") && madeUp.contains("纸质选票已录入"))
            #expect(!(try Self.households(after)).contains(homes[0]))

            // The same household again, then another household with the same paper number.
            let (twice, _, votedPage) = try await worker.post(
                "/votes/\(vote)/ballots",
                [("household_id", homes[0]), ("choice", "reject"), ("paper_number", "纸-0002")])
            #expect(twice == .unprocessableContent && votedPage.contains("这户已经投过票了"))
            let (samePaper, _, paperPage) = try await worker.post(
                "/votes/\(vote)/ballots",
                [("household_id", homes[1]), ("choice", "reject"), ("paper_number", "纸-0001")])
            #expect(samePaper == .unprocessableContent && paperPage.contains("这个编号的纸质选票已经录入过"))
            // It names the home the number was entered for.
            let holder = try #require(
                try await services.database.withConnection { db in
                    try await db.raw(
                        """
                        SELECT b.name || '-' || e.name || '-' || h.room AS home FROM households h
                        JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
                        WHERE h.id = \(bind: Int64(homes[0]) ?? 0)
                        """
                    ).first()?.text("home")
                })
            #expect(paperPage.contains("录在 \(holder)，请核对编号。"))
            // The phone scrolls to the number to correct, far down the page: its field takes the focus.
            #expect(
                paperPage.contains(
                    #"name="paper_number" value="纸-0001" maxlength="50" required autocomplete="off" autofocus"#))
            // And a screen reader reads the field's message with it.
            #expect(paperPage.contains(#"aria-invalid="true" aria-describedby="ballot-paper-error""#))
            #expect(paperPage.contains(#"<p class="field-error" id="ballot-paper-error" role="alert">"#))
            #expect(try await CoordinationTests.count(services, "ballots") == before + 1)
        }
    }

    /// A ballot entered wrongly is voided by the office from the vote's page, with its reason; the household can
    /// then be entered again.
    @Test func theOfficeVoidsABallotEnteredWronglyAndItIsEnteredAgain() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let worker = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let vote = try await Self.openVote(services)
            let (_, page) = try await worker.get("/votes/\(vote)")
            let home = try #require(try Self.households(page).first)
            let ballot = [("household_id", home), ("choice", "reject"), ("paper_number", "纸-0900")]
            #expect(try await worker.post("/votes/\(vote)/ballots", ballot).0 == .seeOther)
            let id = try await services.database.withConnection { db in
                try await db.raw("SELECT id FROM ballots WHERE paper_number = '纸-0900'").first()!
                    .decode(column: "id", as: Int64.self)
            }
            let office = try await CoordinationPageTests.office(client)
            let (_, listed) = try await office.get("/votes/\(vote)")
            #expect(listed.contains("已录入的选票") && listed.contains("纸-0900") && listed.contains("反对"))
            // Ballots the system entered are said to be the system's, in the page's words.
            let seeded = try #require(
                try await SelectionTests.ints(
                    services,
                    """
                    SELECT b.vote_id AS id FROM ballots b JOIN votes v ON v.id = b.vote_id
                    WHERE b.entered_by = 'system' AND b.voided_at IS NULL AND v.status = 'open' ORDER BY b.vote_id
                    """
                ).first)
            let (_, systemPage) = try await office.get("/votes/\(seeded)")
            #expect(systemPage.contains("系统 · ") && !systemPage.contains(">system · "))
            let void = "/votes/\(vote)/ballots/\(id)/void"
            let (noReason, _, said) = try await office.post(void, [("reason", " ")])
            #expect(
                noReason == .unprocessableContent
                    && said.contains(#"aria-invalid="true" aria-describedby="ballot-void-error""#))
            let (voided, next, _) = try await office.post(void, [("reason", "录错了表决意见，纸质选票为同意")])
            #expect(voided == .seeOther && next == "/votes/\(vote)?voided=\(id)#entered")
            let (_, after) = try await office.get(next)
            #expect(after.contains("）已作废，该户可以重新录入。") && !after.contains(void))
            // Said at the list the void returns to, not at the top of a long page, naming the paper and its home.
            #expect(
                after.contains(#"<h2 id="entered">已录入的选票</h2><p class="note ok" role="status">编号 纸-0900 的选票（"#))
            let again = [("household_id", home), ("choice", "approve"), ("paper_number", "纸-0900")]
            #expect(try await worker.post("/votes/\(vote)/ballots", again).0 == .seeOther)
            // Whoever only reads the vote sees no ballots and voids none.
            let (viewerCookie, viewerCsrf) = try await client.session("viewer")
            let viewer = CoordinationPageTests.Browser(client: client, cookie: viewerCookie, csrf: viewerCsrf)
            let (_, viewerPage) = try await viewer.get("/votes/\(vote)")
            #expect(!viewerPage.contains("已录入的选票") && !viewerPage.contains("纸-0900"))
            #expect(try await viewer.post(void, [("reason", "x")]).0 == .forbidden)
        }
    }

    /// Among many paper ballots the office finds the one on its desk by its paper number or its room; the page says
    /// how many there are and, past the newest it lists, that the others are found by searching.
    @Test func theOfficeFindsAPaperBallotByItsNumberOrRoom() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let worker = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let vote = try await Self.openVote(services)
            let (_, page) = try await worker.get("/votes/\(vote)")
            let homes = try Self.households(page)
            try #require(homes.count >= 5)
            let repo = VoteRepository(database: services.database)
            let n = try await repo.enteredBallots(voteId: vote, actor: .system).total + 3
            for (k, home) in homes.prefix(3).enumerated() {
                let ballot = [("household_id", home), ("choice", "approve"), ("paper_number", "查-\(k)")]
                #expect(try await worker.post("/votes/\(vote)/ballots", ballot).0 == .seeOther)
            }
            let office = try await CoordinationPageTests.office(client)
            let (_, all) = try await office.get("/votes/\(vote)")
            #expect(all.contains("共 \(n) 张纸质选票") && all.contains(#"name="ballot""#))
            #expect(all.contains("查-0") && all.contains("查-2"))
            let (_, found) = try await office.get("/votes/\(vote)?ballot=%E6%9F%A5-1")
            #expect(found.contains("共 \(n) 张纸质选票，找到 1 张。") && found.contains("查-1"))
            #expect(!found.contains("查-0") && !found.contains("查-2") && found.contains(#"value="查-1""#))
            let (_, none) = try await office.get("/votes/\(vote)?ballot=9999")
            #expect(none.contains("找到 0 张") && !none.contains("查-1"))
            let newest = try await repo.enteredBallots(voteId: vote, actor: .system, limit: 2)
            #expect(newest.total == n && newest.entries.map(\.paperNumber) == ["查-2", "查-1"])
            let room = try await repo.enteredBallots(
                voteId: vote, actor: .system, find: String(newest.entries[0].household.split(separator: "-").last!))
            #expect(room.entries.contains { $0.paperNumber == "查-2" })
            let household = try await repo.enteredBallots(
                voteId: vote, actor: .system, find: newest.entries[0].household)
            #expect(household.entries.map(\.paperNumber) == ["查-2"])
            // A paper number already entered, typed in another case, is the same paper: refused beside its field.
            let first = [("household_id", homes[3]), ("choice", "approve"), ("paper_number", "Q-7")]
            #expect(try await worker.post("/votes/\(vote)/ballots", first).0 == .seeOther)
            let lower = [("household_id", homes[4]), ("choice", "approve"), ("paper_number", "q-7")]
            let (refused, _, said) = try await worker.post("/votes/\(vote)/ballots", lower)
            #expect(refused != .seeOther && said.contains("这个编号的纸质选票已经录入过"), "\(refused)")
        }
    }

    @Test func someoneWhoDoesNotEnterBallotsHasNoFormAndCannotPostOne() async throws {
        try await TestApp.with(demo: true) { client, services in
            let vote = try await Self.openVote(services)
            let (cookie, csrf) = try await client.session("viewer")
            let viewer = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, page) = try await viewer.get("/votes/\(vote)")
            #expect(!page.contains("录入纸质选票"))
            let before = try await CoordinationTests.count(services, "ballots")
            let (status, _, _) = try await viewer.post(
                "/votes/\(vote)/ballots", [("household_id", "1"), ("choice", "approve"), ("paper_number", "X")])
            #expect(status == .forbidden)
            #expect(try await CoordinationTests.count(services, "ballots") == before)
        }
    }

    /// A steward who entered a paper ballot for the wrong room voids it the same day and enters it again; another
    /// person's ballot, or one entered on an earlier day, stays for the office.
    @Test func aStewardVoidsABallotTheyEnteredTodayAndOnlyThat() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("steward")
            let steward = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let mine = try #require(try await services.accounts.find(username: "steward")?.scope.id)
            let office = try await client.token("office")
            let draft = try await client.call(
                .post, "/api/v1/votes", token: office,
                body: #"{"title":"增设电动车充电桩","matter":9,"electorate":{"compound_id":\#(mine)}}"#)
            let vote = try #require(draft.json["id"]?.intValue)
            #expect(try await client.call(.post, "/api/v1/votes/\(vote)/open", token: office).status == .ok)
            let (_, page) = try await steward.get("/votes/\(vote)")
            let homes = try Self.households(page)
            try #require(homes.count >= 3)
            for (home, paper) in [(homes[0], "纸-8001"), (homes[1], "纸-8002")] {
                let sent = [("household_id", home), ("choice", "approve"), ("paper_number", paper)]
                #expect(try await steward.post("/votes/\(vote)/ballots", sent).0 == .seeOther)
            }
            let ids = try await SelectionTests.ints(
                services, "SELECT id FROM ballots WHERE paper_number IN ('纸-8001', '纸-8002') ORDER BY paper_number")
            // The office's worker enters one too: not the steward's to void.
            let (wc, wcsrf) = try await client.session("community")
            let worker = CoordinationPageTests.Browser(client: client, cookie: wc, csrf: wcsrf)
            let theirs = [("household_id", homes[2]), ("choice", "reject"), ("paper_number", "纸-8003")]
            #expect(try await worker.post("/votes/\(vote)/ballots", theirs).0 == .seeOther)
            let other = try #require(
                try await SelectionTests.ints(services, "SELECT id FROM ballots WHERE paper_number = '纸-8003'").first)

            let (_, listed) = try await steward.get("/votes/\(vote)")
            #expect(listed.contains("您今天录入的纸质选票") && listed.contains("纸-8001") && listed.contains("纸-8002"))
            #expect(!listed.contains("纸-8003"))
            let (voided, next, _) = try await steward.post(
                "/votes/\(vote)/ballots/\(ids[0])/void", [("reason", "房号选错，应为102")])
            #expect(voided == .seeOther && next.contains("voided=\(ids[0])"))
            // The reason is kept as written, its Chinese comma included.
            let reason = try await services.database.withConnection { db in
                try await db.raw("SELECT void_reason FROM ballots WHERE id = \(bind: ids[0])").first()!
                    .decode(column: "void_reason", as: String.self)
            }
            #expect(reason == "房号选错，应为102")
            let again = [("household_id", homes[0]), ("choice", "reject"), ("paper_number", "纸-8001")]
            #expect(try await steward.post("/votes/\(vote)/ballots", again).0 == .seeOther)

            let token = try await client.token("steward")
            let refused = try await client.call(
                .post, "/api/v1/votes/\(vote)/ballots/\(other)/void", token: token, body: #"{"reason":"x"}"#)
            #expect(refused.status == .conflict && refused.json.errorCode == "ballot_not_yours")
            // Entered yesterday: the office's now.
            try await services.database.withConnection { db in
                try await db.raw("UPDATE ballots SET at = '2020-01-01T01:00:00Z' WHERE id = \(bind: ids[1])").run()
            }
            let (late, _, latePage) = try await steward.post(
                "/votes/\(vote)/ballots/\(ids[1])/void", [("reason", "房号选错")])
            #expect(late == .conflict && latePage.contains("录入人只能在录入当天作废自己录入的选票"))
            let live = try await SelectionTests.ints(
                services, "SELECT id FROM ballots WHERE id IN (\(bind: ids[1]), \(bind: other)) AND voided_at IS NULL")
            #expect(live.count == 2)
        }
    }
}
