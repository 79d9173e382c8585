import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Selecting a zone's property company, handing a compound over to it, and what the company then sees.
@Suite struct SelectionTests {
    static func ints(_ services: Services, _ sql: SQLQueryString, _ column: String = "id") async throws -> [Int64] {
        try await ZoneTests.ints(services, sql, column)
    }

    static func count(_ services: Services, _ table: String) async throws -> Int64 {
        try await ints(services, "SELECT COUNT(*) AS n FROM \(unsafeRaw: table)", "n")[0]
    }

    static let future = "2099-12-20T17:00:00+08:00"
    static let futureInBeijing = "2099-12-20 17:00"

    @Test func aSelectionRunsFromNoticeToContractWithExactScores() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let property = try await client.token("property")
            let free = try await ZoneTests.freeCompounds(services, 2)
            let zone = try await client.call(
                .post, "/api/v1/zones", token: office,
                body: #"{"name":"选聘片区","compound_ids":[\#(free[0]),\#(free[1])]}"#)
            let zoneId = zone.json["id"]!.intValue!
            let member1 = try await Self.ints(services, "SELECT id FROM users WHERE username = 'office'")[0]
            let member2 = try await Self.ints(services, "SELECT id FROM users WHERE username = 'community'")[0]
            let companies = try await Self.ints(
                services, "SELECT id FROM organisations WHERE kind = 'property_company' ORDER BY id")
            let ownCompany = try await Self.ints(
                services, "SELECT scope_id AS id FROM users WHERE username = 'property'")[0]
            let otherCompany = companies.first { $0 != ownCompany }!
            let contractor = try await Self.ints(services, "SELECT id FROM organisations WHERE kind = 'contractor'")[0]

            // Bad input: weights that do not sum to 100, an unknown method, a past deadline; nothing written.
            func body(_ criteria: String, method: String = "public_tender", deadline: String = Self.future) -> String {
                #"""
                {"zone_id":\#(zoneId),"method":"\#(method)","criteria":\#(criteria),"deadline":"\#(deadline)",
                 "panel_user_ids":[\#(member1),\#(member2)]}
                """#
            }
            let selectionsBefore = try await Self.count(services, "property_selections")
            let bidsBefore = try await Self.count(services, "property_bids")
            let scoresBefore = try await Self.count(services, "property_scores")
            let good = #"[{"name":"服务方案","weight":60},{"name":"报价","weight":40}]"#
            let short = try await client.call(
                .post, "/api/v1/property_selections", token: office,
                body: body(#"[{"name":"服务方案","weight":60},{"name":"报价","weight":39}]"#))
            #expect(short.status == .unprocessableContent && short.json["error"]?["field"]?.stringValue == "criteria")
            let method = try await client.call(
                .post, "/api/v1/property_selections", token: office, body: body(good, method: "lottery"))
            #expect(method.status == .unprocessableContent && method.json["error"]?["field"]?.stringValue == "method")
            let past = try await client.call(
                .post, "/api/v1/property_selections", token: office,
                body: body(good, deadline: "2020-01-01T00:00:00+08:00"))
            #expect(past.json["error"]?["field"]?.stringValue == "deadline")
            #expect(try await Self.count(services, "property_selections") == selectionsBefore)
            let notices = try await Self.count(services, "notices")

            let made = try await client.call(.post, "/api/v1/property_selections", token: office, body: body(good))
            #expect(made.status == .created, "\(made.text)")
            let sid = made.json["id"]!.intValue!
            #expect(made.json["state"]?.stringValue == "bidding")
            // The selection notice is published on each compound of the zone.
            #expect(try await Self.count(services, "notices") == notices + 2)
            #expect(made.json["notice_ids"]?.arrayItems.count == 2)
            // Residents read the notice: no record number in its title, the deadline in Beijing time.
            let notice = try await services.database.withConnection { db in
                try await db.raw("SELECT title, body FROM notices ORDER BY id DESC LIMIT 1").first()!
            }
            #expect(try notice.decode(column: "title", as: String.self).hasPrefix("物业服务企业选聘公告："))
            #expect(try !notice.decode(column: "title", as: String.self).contains("#"))
            let text = try notice.decode(column: "body", as: String.self)
            #expect(text.contains("投标截止：\(Self.futureInBeijing)（北京时间）") && !text.contains(":00Z"))

            // Bids: a property company bids as itself; an organisation that is not one is refused by field.
            func bid(_ org: Int64, _ fee: Int, token: String) async throws -> (
                status: HTTPResponse.Status, json: JSONValue
            ) {
                let r = try await client.call(
                    .post, "/api/v1/property_selections/\(sid)/bids", token: token,
                    body: #"{"organisation_id":\#(org),"fee_fen_per_m2_month":\#(fee),"plan":"24小时保安，保洁每日两次"}"#)
                return (r.status, r.json)
            }
            let notProperty = try await bid(contractor, 120, token: office)
            #expect(
                notProperty.status == .unprocessableContent
                    && notProperty.json["error"]?["field"]?.stringValue == "organisation_id")
            let asOther = try await bid(otherCompany, 120, token: property)
            #expect(asOther.status == .unprocessableContent)
            let first = try await bid(ownCompany, 110, token: property)
            #expect(first.status == .created)
            let second = try await bid(otherCompany, 95, token: office)
            #expect(second.status == .created)
            #expect(try await Self.count(services, "property_bids") == bidsBefore + 2)
            let b1 = first.json["id"]!.intValue!
            let b2 = second.json["id"]!.intValue!
            // A property company sees only its own bid.
            let seen = try await client.call(.get, "/api/v1/property_selections/\(sid)/bids", token: property)
            #expect(seen.json.items.map { $0["id"]?.intValue } == [b1])

            let office2 = try await client.token("community")
            func score(_ token: String, _ entries: String) async throws -> (
                status: HTTPResponse.Status, json: JSONValue
            ) {
                let r = try await client.call(
                    .put, "/api/v1/property_selections/\(sid)/scores", token: token, body: entries)
                return (r.status, r.json)
            }
            let early = try await score(office, #"[{"bid_id":\#(b1),"criterion":"报价","score":90}]"#)
            #expect(early.status == .conflict, "scoring waits for the deadline")

            // The deadline passes: no more bids (409), nothing written.
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE property_selections SET deadline = '2020-01-01T00:00:00Z' WHERE id = \(bind: sid)"
                ).run()
            }
            let late = try await bid(companies.last!, 100, token: office)
            #expect(late.status == .conflict && late.json.errorCode == "after_deadline", "\(late.json)")
            #expect(try await Self.count(services, "property_bids") == bidsBefore + 2)

            // A score outside 0–100 is a 422 naming the entry; nothing is written.
            let over = try await score(office, #"[{"bid_id":\#(b1),"criterion":"报价","score":101}]"#)
            #expect(over.status == .unprocessableContent && over.json["error"]?["field"]?.stringValue == "[0].score")
            let negative = try await score(office, #"[{"bid_id":\#(b1),"criterion":"报价","score":-1}]"#)
            #expect(negative.status == .unprocessableContent)
            #expect(try await Self.count(services, "property_scores") == scoresBefore)
            let outsider = try await score(property, #"[{"bid_id":\#(b1),"criterion":"报价","score":50}]"#)
            #expect(outsider.status == .forbidden || outsider.status == .notFound)

            // Member 1: bid 1 = (60×85 + 40×90)/100 = 87; bid 2 = 70.
            let s1 = try await score(
                office,
                #"""
                [{"bid_id":\#(b1),"criterion":"服务方案","score":85},{"bid_id":\#(b1),"criterion":"报价","score":90},
                 {"bid_id":\#(b2),"criterion":"服务方案","score":70},{"bid_id":\#(b2),"criterion":"报价","score":70}]
                """#)
            #expect(s1.status == .ok && s1.json["complete"] == .bool(false), "\(s1.json)")
            // Member 2 sees none of member 1's scores until they have scored too; no ranking yet.
            let before = try await client.call(.get, "/api/v1/property_selections/\(sid)/scores", token: office2)
            #expect(before.json["scores"]?.arrayItems.isEmpty == true && before.json["members_scored"]?.intValue == 1)
            let noRanking = try await client.call(.get, "/api/v1/property_selections/\(sid)/ranking", token: office)
            #expect(noRanking.status == .conflict && noRanking.json.errorCode == "scores_incomplete")
            // Member 2: bid 1 = (60×80 + 40×70.5)/100 = 76.2; bid 2 = (60×75 + 40×80)/100 = 77.
            let s2 = try await score(
                office2,
                #"""
                [{"bid_id":\#(b1),"criterion":"服务方案","score":80},{"bid_id":\#(b1),"criterion":"报价","score":70.5},
                 {"bid_id":\#(b2),"criterion":"服务方案","score":75},{"bid_id":\#(b2),"criterion":"报价","score":80}]
                """#)
            #expect(s2.json["complete"] == .bool(true) && s2.json["scores"]?.arrayItems.count == 8)
            let ranking = try await client.call(.get, "/api/v1/property_selections/\(sid)/ranking", token: office)
            #expect(ranking.json.items.map { $0["total"]?.stringValue } == ["81.60", "73.50"], "\(ranking.json)")
            #expect(ranking.json.items.first?["bid_id"]?.intValue == b1)

            // One compound has an owners' committee: it votes (Art. 278 matter 4); the other waits on the office.
            let votes = try await Self.count(services, "votes")
            try await services.database.withConnection { db in
                try await db.raw(
                    """
                    INSERT INTO bodies (subdistrict_id, kind, name, compound_id, formed_on, created_at, created_by)
                    SELECT subdistrict_id, 'owners_committee', '业主委员会', id, '2025-01-01', '2025-01-01T00:00:00Z', 'test'
                    FROM compounds WHERE id = \(bind: free[0])
                    """
                ).run()
            }
            let proposed = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/proposal", token: office, body: #"{"bid_id":\#(b1)}"#)
            #expect(proposed.status == .ok && proposed.json["state"]?.stringValue == "deciding", "\(proposed.text)")
            #expect(try await Self.count(services, "votes") == votes + 1)
            let decisions = proposed.json["decisions"]?.arrayItems ?? []
            let voteId = decisions.first { $0["compound_id"]?.intValue == free[0] }?["vote_id"]?.intValue
            #expect(voteId != nil)
            let vote = try await client.call(.get, "/api/v1/votes/\(voteId ?? 0)", token: office)
            #expect(vote.json["matter"]?.intValue == 4)

            let noBasis = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/decisions", token: office,
                body: #"{"compound_id":\#(free[1]),"approved":true,"basis":" "}"#)
            #expect(noBasis.json["error"]?["field"]?.stringValue == "basis")
            let decided = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/decisions", token: office,
                body: #"{"compound_id":\#(free[1]),"approved":true,"basis":"无业主组织，经街道党工委会议研究决定（2026年第12次）"}"#)
            #expect(decided.status == .ok)
            let contract = #"""
                {"term_from":"2027-01-01","term_until":"2029-12-31","fee_fen_per_m2_month":110,
                 "scope":"公共区域保洁、秩序维护、设施设备维修养护"}
                """#
            let early2 = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/contract", token: office, body: contract)
            #expect(early2.status == .conflict && early2.json.errorCode == "not_agreed")
            // Which compound has not agreed, and why, in the client's words.
            let why = early2.json["error"]?["message"]?.stringValue ?? ""
            #expect(why.hasPrefix("还有小区没有同意：") && why.contains("的业主表决尚未结束"), "\(why)")
            // The owners' vote closes and passes (its tally is the vote feature's own, tested there).
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE votes SET status = 'closed', result_json = '{\"passed\":true}' WHERE id = \(bind: voteId ?? 0)"
                ).run()
            }
            func serves() async throws -> Bool {
                try await client.call(.get, "/api/v1/zones", token: property).json.items.contains {
                    $0["id"]?.intValue == zoneId
                }
            }
            #expect(try await !serves())
            // The owners agreed to 1.10 元 as bid: a contract at 1.11 元 is refused by its field, nothing written.
            let dearer = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/contract", token: office,
                body: contract.replacingOccurrences(
                    of: "\"fee_fen_per_m2_month\":110", with: "\"fee_fen_per_m2_month\":111"))
            #expect(dearer.status == .unprocessableContent && dearer.json.errorCode == "above_bid", "\(dearer.text)")
            #expect(dearer.json["error"]?["field"]?.stringValue == "fee_fen_per_m2_month")
            #expect(try await !serves())
            let closed = try await client.call(
                .post, "/api/v1/property_selections/\(sid)/contract", token: office, body: contract)
            #expect(closed.status == .ok && closed.json["state"]?.stringValue == "contracted", "\(closed.text)")
            #expect(closed.json["contract"]?["organisation_id"]?.intValue == ownCompany)
            // The result is made public on every compound of the zone, with the company, term and fee.
            let results = try await Self.ints(
                services,
                """
                SELECT COUNT(*) AS id FROM notices WHERE kind = 'property_selection' AND state = 'published'
                  AND title LIKE '%选聘结果公示%' AND compound_id IN (SELECT id FROM compounds WHERE zone_id = \(bind: zoneId))
                """)[0]
            let zoneCompounds = try await Self.ints(
                services, "SELECT COUNT(*) AS id FROM compounds WHERE zone_id = \(bind: zoneId)")[0]
            #expect(results == zoneCompounds && results > 0)
            #expect(closed.json["notice_ids"]?.arrayItems.count == 2 * Int(zoneCompounds))

            // The company now serves the zone, and sees it, its compounds and its record; never another company's.
            #expect(try await serves())
            let view = try await client.call(.get, "/api/v1/property_companies/\(ownCompany)", token: property)
            #expect(
                view.status == .ok
                    && view.json["zones"]?.arrayItems.contains { $0["zone_id"]?.intValue == zoneId } == true)
            let other = try await client.call(.get, "/api/v1/property_companies/\(otherCompany)", token: property)
            #expect(other.status == .notFound)
        }
    }

    @Test func aHandoverNeedsAllFourSignaturesAndAnAssignedCompany() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let admin = try await client.token("admin", TestApp.adminPassword)
            let project = try await Self.ints(
                services,
                """
                SELECT id FROM projects WHERE stage = 'accepted' AND contractor_id IS NOT NULL
                  AND compound_id IN (SELECT id FROM compounds WHERE zone_id IS NULL) ORDER BY id
                """)[0]
            let compound = try await Self.ints(
                services, "SELECT compound_id AS id FROM projects WHERE id = \(bind: project)")[0]
            let community = try await Self.ints(
                services, "SELECT community_id AS id FROM compounds WHERE id = \(bind: compound)")[0]
            let company = try await Self.ints(services, "SELECT scope_id AS id FROM users WHERE username = 'property'")[
                0]
            for (name, role, scope) in [
                ("ho-community", "community_staff", "community:\(community)"),
                ("ho-steward", "steward", "compound:\(compound)"),
            ] {
                let made = try await client.call(
                    .post, "/api/v1/users", token: admin,
                    body: #"{"username":"\#(name)","password":"hand-over-2026","role":"\#(role)","scope":"\#(scope)"}"#)
                #expect(made.status == .created, "\(made.text)")
            }
            let communityToken = try await client.token("ho-community", "hand-over-2026")
            let stewardToken = try await client.token("ho-steward", "hand-over-2026")
            let property = try await client.token("property")

            let checklist = #"""
                {"facilities":[{"name":"电梯","quantity":2,"condition":"good"},{"name":"路灯","quantity":12,"condition":"fair"}],
                 "documents":[{"kind":"as_built_drawings","name":"竣工图"},{"kind":"warranty","name":"保修书"}],
                 "keys":[{"name":"配电室钥匙","quantity":2}],
                 "defects":[{"description":"3号楼外墙一处渗水","due_on":"2027-03-31","open":true}],
                 "warranty_until":"2028-12-31"}
                """#
            let badDefect = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: office,
                body: checklist.replacingOccurrences(of: "2027-03-31", with: "2029-03-31"))
            #expect(badDefect.json["error"]?["field"]?.stringValue == "defects[0].due_on")
            let put = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: office, body: checklist)
            #expect(put.status == .ok && put.json["complete"] == .bool(false), "\(put.text)")
            // Two clerks save the checklist they read: the second, sending the tag it read, is refused and the first
            // clerk's checklist stays.
            let tag = put.headers[.eTag] ?? ""
            #expect(tag == "\"\(project)-\(put.json["version"]?.intValue ?? -1)\"")
            let first = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: office,
                body: checklist.replacingOccurrences(of: "2028-12-31", with: "2029-06-30"), headers: [.ifMatch: tag])
            #expect(first.status == .ok, "\(first.text)")
            let second = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: office,
                body: checklist.replacingOccurrences(of: "\"quantity\":12", with: "\"quantity\":13"),
                headers: [.ifMatch: tag])
            #expect(second.status == .conflict && second.json.errorCode == "checklist_changed", "\(second.text)")
            let kept = try await client.call(.get, "/api/v1/projects/\(project)/handover", token: office)
            #expect(kept.headers[.eTag] == first.headers[.eTag] && kept.json["version"] == first.json["version"])
            #expect(kept.json["checklist"]?["warranty_until"]?.stringValue == "2029-06-30")

            let upload = try await client.upload(ProjectTests.pdf, filename: "移交协议.pdf", token: office)
            let doc = upload.json["id"]!.intValue!
            func advance() async throws -> (status: HTTPResponse.Status, json: JSONValue) {
                let r = try await client.call(
                    .post, "/api/v1/projects/\(project)/advance", token: office,
                    body:
                        #"{"evidence":[{"kind":"document","attachment_id":\#(doc),"document_type":"handover_agreement"}]}"#
                )
                return (r.status, r.json)
            }
            func sign(_ token: String) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
                let read = try await client.call(.get, "/api/v1/projects/\(project)/handover", token: token)
                let version = read.json["version"]?.intValue ?? 0
                let r = try await client.call(
                    .post, "/api/v1/projects/\(project)/handover/sign", token: token, body: #"{"version":\#(version)}"#)
                return (r.status, r.json)
            }
            let refused = try await advance()
            #expect(refused.status == .conflict && refused.json.errorCode == "handover_incomplete")
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("确定物业服务企业") == true)

            // No company is assigned yet: the property company cannot even see the hand-over.
            #expect(try await sign(property).status == .notFound)
            try await services.database.withConnection { db in
                var zone = try await db.raw("SELECT zone_id FROM compounds WHERE id = \(bind: compound)").first()?
                    .decode(column: "zone_id", as: Int64?.self)
                if zone == nil {
                    zone = try await db.raw(
                        "INSERT INTO zones (subdistrict_id, name) SELECT subdistrict_id, '交接片区' FROM compounds WHERE id = \(bind: compound) RETURNING id"
                    ).first()!.decode(column: "id", as: Int64.self)
                    try await db.raw("UPDATE compounds SET zone_id = \(bind: zone) WHERE id = \(bind: compound)").run()
                }
                try await db.raw("UPDATE zones SET property_company_id = \(bind: company) WHERE id = \(bind: zone)")
                    .run()
            }
            // A signature names the checklist read: none, or one changed since, is refused.
            let path = "/api/v1/projects/\(project)/handover/sign"
            let unread = try await client.call(.post, path, token: office, body: "{}")
            #expect(unread.status == .unprocessableContent && unread.json["error"]?["field"]?.stringValue == "version")
            let stale = try await client.call(.post, path, token: office, body: #"{"version":0}"#)
            #expect(stale.status == .conflict && stale.json.errorCode == "checklist_changed")
            #expect(try await sign(office).status == .ok)
            #expect(try await sign(communityToken).status == .ok)
            #expect(try await sign(stewardToken).status == .ok)
            let three = try await advance()
            #expect(
                three.status == .conflict
                    && three.json["error"]?["message"]?.stringValue == "移交尚不能完成，还缺：物业服务企业签字。")
            let four = try await sign(property)
            #expect(four.status == .ok && four.json["complete"] == .bool(true), "\(four.json)")
            // Signed, it leaves the company's to-do list but stays on its own page, to come back to the keys.
            let companySession = try await client.session("property")
            let link = #"<a href="/projects/\#(project)/handover">"#
            let signed = try await PageTests.page(client, "/property-company", cookie: companySession.cookie).1
            #expect(signed.contains(link) && signed.contains("我方已签字，等其他各方签字后移交"))

            // A change to the checklist clears the signatures.
            let changed = try await client.call(
                .put, "/api/v1/projects/\(project)/handover", token: office,
                body: checklist.replacingOccurrences(of: "\"quantity\":12", with: "\"quantity\":13"))
            #expect(changed.json["signatures"]?.arrayItems.isEmpty == true && changed.json["complete"] == .bool(false))
            #expect(try await advance().status == .conflict)
            for t in [office, communityToken, stewardToken, property] { #expect(try await sign(t).status == .ok) }

            let findings = try await Self.count(services, "findings")
            let passed = try await advance()
            #expect(passed.status == .ok, "\(passed.json)")
            // The open defect stays a finding of the contractor's, due on its date.
            #expect(try await Self.count(services, "findings") == findings + 1)
            let due = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT due_on FROM findings WHERE project_id = \(bind: project) ORDER BY id DESC LIMIT 1"
                ).first()!.decode(column: "due_on", as: String.self)
            }
            #expect(due == "2027-03-31")
            let handedOver = try await PageTests.page(client, "/property-company", cookie: companySession.cookie).1
            #expect(handedOver.contains(link) && handedOver.contains("已移交 · <b>1 项问题未整改</b>"))
        }
    }
}
