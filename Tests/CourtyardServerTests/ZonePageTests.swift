import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The office runs a zone and its property company selection on the pages alone, and a panel member from the
/// community scores on a page of their own; a refused form says why in Chinese and keeps what was typed.
@Suite struct ZonePageTests {
    typealias Browser = CoordinationPageTests.Browser

    static func community(_ client: any TestClientProtocol) async throws -> Browser {
        let (cookie, csrf) = try await client.session("community")
        return Browser(client: client, cookie: cookie, csrf: csrf)
    }

    @Test func theOfficeRunsASelectionFromZoneToContractOnItsPages() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await CoordinationPageTests.office(client)
            let free = try await ZoneTests.freeCompounds(services, 2)
            let noCompounds = try await office.post("/zones", [("name", "页面片区")])
            #expect(noCompounds.0 == .unprocessableContent && noCompounds.2.contains("请至少勾选一个小区。"))
            #expect(noCompounds.2.contains("value=\"页面片区\""))
            let made = try await office.post(
                "/zones", [("name", "页面片区"), ("compound_ids", String(free[0])), ("compound_ids", String(free[1]))])
            #expect(made.0 == .seeOther && made.1.hasPrefix("/zones/"))
            let zone = try #require(Int64(made.1.dropFirst("/zones/".count).prefix { $0.isNumber }))
            let panel = try await SelectionTests.ints(
                services, "SELECT id FROM users WHERE username IN ('office', 'community') ORDER BY id")
            let start: [(String, String)] = [
                ("method", "invited"), ("deadline", "2099-12-20T17:00"), ("panel", String(panel[0])),
                ("panel", String(panel[1])),
            ]
            let badWeights = try await office.post(
                "/zones/\(zone)/selections", start + [("criteria", "服务方案 60\n收费标准 30\n企业信誉 20")])
            #expect(badWeights.0 == .unprocessableContent && badWeights.2.contains("评分标准的权重合计须为 100。"))
            #expect(badWeights.2.contains("企业信誉 20</textarea>"))
            let started = try await office.post(
                "/zones/\(zone)/selections", start + [("criteria", "服务方案 50\n收费标准 30\n企业信誉 20")])
            #expect(started.0 == .seeOther)
            let sid = try await SelectionTests.ints(
                services, "SELECT id FROM property_selections WHERE zone_id = \(bind: zone)")[0]
            let companies = try await SelectionTests.ints(
                services, "SELECT id FROM organisations WHERE kind = 'property_company' ORDER BY id")
            let badFee = try await office.post(
                "/property-selections/\(sid)/bids", [("organisation_id", String(companies[0])), ("fee", "1.999")])
            #expect(badFee.0 == .unprocessableContent && badFee.2.contains("报价请填写每平方米每月的元数"))
            // Every mistake at once, and what was typed stays: the company chosen and the fee.
            #expect(badFee.2.contains("最多两位小数。\n请填写服务方案"))
            #expect(
                badFee.2.contains(#"<option value="\#(companies[0])" selected>"#)
                    && badFee.2.contains(#"value="1.999""#))
            for (company, fee) in [(companies[0], "1.20"), (companies[1], "0.95")] {
                let bid = try await office.post(
                    "/property-selections/\(sid)/bids",
                    [("organisation_id", String(company)), ("fee", fee), ("plan", "保洁每日两次，二十四小时值班")])
                #expect(bid.0 == .seeOther)
            }
            let bids = try await SelectionTests.ints(
                services, "SELECT id FROM property_bids WHERE selection_id = \(bind: sid) ORDER BY id")
            #expect(bids.count == 2)
            // While bidding is open the bids are sealed: the public page says how many came in, not who or at what
            // price; the office, which takes them in, sees them.
            let sealed = try await client.execute(uri: "/public/zones/\(zone)", method: .get) {
                String(buffer: $0.body)
            }
            #expect(sealed.contains("已收到 2 份投标") && !sealed.contains("0.95") && !sealed.contains("1.20"))
            #expect(try await office.get("/zones/\(zone)").1.contains(">0.95</td>"))
            let communitySees = try await Self.community(client).get("/property-selections/\(sid)")
            #expect(communitySees.0 == .ok && !communitySees.1.contains(">0.95</td>"))
            // A contractor or a supervisor has no part in choosing the property company: the page is not theirs.
            for name in ["contractor", "supervisor", "pm"] {
                let (cookie, _) = try await client.session(name)
                #expect(try await PageTests.page(client, "/property-selections/\(sid)", cookie: cookie).0 == .notFound)
            }
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE property_selections SET deadline = '2020-01-01T00:00:00Z' WHERE id = \(bind: sid)"
                ).run()
            }
            try await scoreAndContract(client, services, office, sid: sid, bids: bids)
        }
    }

    func scoreAndContract(
        _ client: any TestClientProtocol, _ services: Services, _ office: Browser, sid: Int64, bids: [Int64]
    ) async throws {
        let tooHigh = try await office.post("/property-selections/\(sid)/scores", [("score_\(bids[0])_0", "101")])
        #expect(tooHigh.0 == .unprocessableContent && tooHigh.2.contains("得分须在 0 到 100 之间"))
        #expect(tooHigh.2.contains("value=\"101\""))
        // 1.20 scores 80/80/80 and 0.95 scores 90/90/90 from both members: 80.00 and 90.00.
        let mine = bids.flatMap { b in (0..<3).map { ("score_\(b)_\($0)", b == bids[0] ? "80" : "90") } }
        #expect(try await office.post("/property-selections/\(sid)/scores", mine).0 == .seeOther)
        let community = try await Self.community(client)
        let home = try await community.get("/")
        #expect(home.1.contains("待我评分的物业选聘") && home.1.contains("/property-selections/\(sid)"))
        let own = try await community.get("/property-selections/\(sid)")
        #expect(own.0 == .ok && own.1.contains("name=\"score_\(bids[1])_2\""))
        let scored = try await community.post("/property-selections/\(sid)/scores", mine)
        #expect(scored.0 == .seeOther && scored.1 == "/property-selections/\(sid)?saved=1")
        #expect(try await community.post("/property-selections/\(sid)/proposal", [("bid_id", "1")]).0 == .forbidden)
        let zone = try await ZoneTests.zoneOf(services, sid)
        let ranked = try await office.get("/zones/\(zone)")
        #expect(ranked.1.contains(">90.00</td>") && ranked.1.contains(">80.00</td>"))
        // The ranking is out: no one may change a score behind it, and no form offers to.
        #expect(!ranked.1.contains("/property-selections/\(sid)/scores"))
        let late = try await office.post(
            "/property-selections/\(sid)/scores", bids.flatMap { b in (0..<3).map { ("score_\(b)_\($0)", "100") } })
        #expect(late.0 == .conflict && late.2.contains("得分和排名已公布，不能再修改评分"))
        #expect(try await office.get("/zones/\(zone)").1.contains(">90.00</td>"))
        #expect(
            try await office.post("/property-selections/\(sid)/proposal", [("bid_id", String(bids[1]))]).0 == .seeOther)
        let decisions = try await services.database.withConnection { db in
            try await db.raw(
                "SELECT compound_id, vote_id FROM property_selection_decisions WHERE selection_id = \(bind: sid)"
            ).all().map {
                (
                    try $0.decode(column: "compound_id", as: Int64.self),
                    try $0.decode(column: "vote_id", as: Int64?.self)
                )
            }
        }
        for (compound, vote) in decisions {
            if let vote {
                // The owners read the vote's title: the company and the zone, no internal number.
                let title = try await services.database.withConnection { db in
                    try await db.raw("SELECT title FROM votes WHERE id = \(bind: vote)").first()!
                        .decode(column: "title", as: String.self)
                }
                #expect(title.hasPrefix("选聘物业服务企业：") && !title.contains("#"))
                try await services.database.withConnection { db in
                    try await db.raw(
                        "UPDATE votes SET status = 'closed', result_json = '{\"passed\":true}' WHERE id = \(bind: vote)"
                    ).run()
                }
            } else {
                let decided = try await office.post(
                    "/property-selections/\(sid)/decisions",
                    [("compound_id", String(compound)), ("approved", "yes"), ("basis", "无业主组织，经街道会议研究决定")])
                #expect(decided.0 == .seeOther)
            }
        }
        let term: [(String, String)] = [("term_from", "2027-01-01"), ("fee", "0.95"), ("scope", "保洁、秩序维护")]
        let backwards = try await office.post(
            "/property-selections/\(sid)/contract", term + [("term_until", "2026-12-31")])
        #expect(backwards.0 == .unprocessableContent && backwards.2.contains("合同结束日期须晚于开始日期。"))
        // A term that is already over is refused, and the dates and scope typed stay in the form.
        let over = try await office.post(
            "/property-selections/\(sid)/contract",
            [("term_from", "2020-01-01"), ("term_until", "2021-12-31"), ("fee", "0.95"), ("scope", "保洁、秩序维护")])
        #expect(over.0 == .unprocessableContent && over.2.contains("合同期限已经结束"))
        // Said again inside the contract form, far down the zone's page.
        #expect(over.2.contains(#"<h4>签订物业服务合同</h4><p class="note bad lines" role="alert">合同期限已经结束"#))
        #expect(over.2.contains(#"value="2020-01-01""#) && over.2.contains("保洁、秩序维护</textarea>"))
        let signed = try await office.post(
            "/property-selections/\(sid)/contract", term + [("term_until", "2029-12-31")])
        #expect(signed.0 == .seeOther)
        let state = try await services.database.withConnection { db in
            try await db.raw("SELECT state FROM property_selections WHERE id = \(bind: sid)").first()!
                .decode(column: "state", as: String.self)
        }
        #expect(state == "contracted")
        // The fee stays on one line with its unit, also on a phone.
        #expect(try await office.get("/zones/\(zone)").1.contains(#"<span class="nobreak">0.95 元/㎡·月</span>"#))
        let company = try await SelectionTests.ints(
            services, "SELECT property_company_id AS id FROM zones WHERE id = \(bind: zone)")
        let winner = try await SelectionTests.ints(
            services, "SELECT organisation_id AS id FROM property_bids WHERE id = \(bind: bids[1])")
        #expect(company == winner)
    }
}

extension ZoneTests {
    static func zoneOf(_ services: Services, _ selection: Int64) async throws -> Int64 {
        try await ints(services, "SELECT zone_id AS id FROM property_selections WHERE id = \(bind: selection)")[0]
    }
}
