import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// Stewards, household contacts, campaigns and the battle map, through the API.
@Suite struct StewardTests {
    /// A day recorded visits may have: in the last year, as paper records entered late are.
    static let recent = Clock.today.adding(days: -30).description

    static func ints(_ services: Services, _ sql: SQLQueryString, _ column: String = "id") async throws -> [Int64] {
        try await services.database.withConnection { db in
            try await db.raw(sql).all().map { try $0.decode(column: column, as: Int64.self) }
        }
    }

    static func count(_ services: Services, _ table: String) async throws -> Int64 {
        try await ints(services, "SELECT COUNT(*) AS n FROM \(unsafeRaw: table)", "n")[0]
    }

    /// A compound with two entrances that have households: (compound, entrance A, entrance B).
    static func twoEntrances(_ services: Services) async throws -> (Int64, Int64, Int64) {
        let entrances = try await ints(
            services,
            "SELECT e.id FROM entrances e WHERE EXISTS (SELECT 1 FROM households h WHERE h.entrance_id = e.id) ORDER BY e.compound_id, e.id LIMIT 2"
        )
        let compound = try await ints(
            services, "SELECT compound_id FROM entrances WHERE id = \(bind: entrances[0])", "compound_id")[0]
        let second = try await ints(
            services, "SELECT compound_id FROM entrances WHERE id = \(bind: entrances[1])", "compound_id")[0]
        #expect(compound == second, "the demo's first compound has two entrances")
        return (compound, entrances[0], entrances[1])
    }

    /// Residents tied to a household of an entrance.
    static func residents(_ services: Services, entrance: Int64) async throws -> [Int64] {
        try await ints(
            services,
            "SELECT DISTINCT hr.resident_id AS id FROM household_residents hr JOIN households h ON h.id = hr.household_id WHERE h.entrance_id = \(bind: entrance) ORDER BY hr.resident_id"
        )
    }

    static func households(_ services: Services, entrance: Int64) async throws -> [Int64] {
        try await ints(services, "SELECT id FROM households WHERE entrance_id = \(bind: entrance) ORDER BY id")
    }

    /// Appoints a steward with a new account of the same name and signs it in.
    /// A steward appointed to the first entrance, signed in to the phone page: the session, that entrance and the
    /// next one (someone else's).
    static func stewardOnThePhonePage(_ client: any TestClientProtocol, _ services: Services) async throws -> (
        cookie: String, mine: Int64, other: Int64
    ) {
        let office = try await client.token("office")
        let (_, mine, other) = try await twoEntrances(services)
        let people = try await residents(services, entrance: mine)
        _ = try await stewardToken(client, office: office, resident: people[0], entrance: mine, username: "lzp")
        let (cookie, _) = try await client.session("lzp", "Lou-zhang-2026")
        return (cookie, mine, other)
    }

    static func stewardToken(
        _ client: any TestClientProtocol, office: String, resident: Int64, entrance: Int64, username: String
    ) async throws -> String {
        let made = try await client.call(
            .post, "/api/v1/stewards", token: office,
            body: #"""
                {"resident_id":\#(resident),"entrance_id":\#(entrance),"since":"2026-01-01","appointed_by":"election",
                 "account":{"username":"\#(username)","password":"Lou-zhang-2026"}}
                """#)
        #expect(made.status == .created, "\(made.text)")
        return try await client.token(username, "Lou-zhang-2026")
    }

    @Test func oneStewardPerEntranceAtATimeWithHistoryKept() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, entrance, _) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: entrance)
            let first = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(people[0]),"entrance_id":\#(entrance),"since":"2026-01-01","appointed_by":"election"}"#
            )
            #expect(first.status == .created)
            #expect(first.json["place"]?.stringValue == "entrance:\(entrance)")
            let before = try await Self.count(services, "stewards")
            let second = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(people[1]),"entrance_id":\#(entrance),"since":"2026-06-01","appointed_by":"appointment"}"#
            )
            #expect(second.status == .conflict)
            #expect(second.json.errorCode == "steward_exists")
            #expect(try await Self.count(services, "stewards") == before)
            let firstId = first.json["id"]!.intValue!
            let ended = try await client.call(
                .post, "/api/v1/stewards/\(firstId)/end", token: office, body: #"{"until":"2026-05-31","reason":"搬家"}"#)
            #expect(ended.status == .ok)
            #expect(ended.json["until"]?.stringValue == "2026-05-31")
            let again = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(people[1]),"entrance_id":\#(entrance),"since":"2026-06-01","appointed_by":"appointment"}"#
            )
            #expect(again.status == .created)
            let history = try await client.call(.get, "/api/v1/stewards?entrance_id=\(entrance)", token: office)
            #expect(history.json.items.count == 2)
            // Both places at once is refused, naming a field.
            let both = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(people[0]),"entrance_id":\#(entrance),"building_id":1,"since":"2026-01-01","appointed_by":"election"}"#
            )
            #expect(both.status == .unprocessableContent)
            #expect(both.json["error"]?["field"]?.stringValue != nil)
        }
    }

    @Test func twoAppointmentsToOnePostAtOnceLeaveOne() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, entrance, _) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: entrance)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for p in people.prefix(4) {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/stewards", token: office,
                            body:
                                #"{"resident_id":\#(p),"entrance_id":\#(entrance),"since":"2026-01-01","appointed_by":"election"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(
                try await Self.ints(
                    services, "SELECT COUNT(*) AS n FROM stewards WHERE place = \(bind: "entrance:\(entrance)")", "n")
                    == [1])
        }
    }

    /// The account of a steward whose term has ended reads and signs in no more; the next steward's account works,
    /// and an account never linked to a post is not affected.
    @Test func anEndedStewardsAccountNoLongerWorks() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, mine, _) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: mine)
            let token = try await Self.stewardToken(
                client, office: office, resident: people[0], entrance: mine, username: "louzhang9")
            #expect(try await client.call(.get, "/api/v1/auth/me", token: token).status == .ok)
            let post = try await client.call(.get, "/api/v1/stewards?entrance_id=\(mine)", token: office)
            let id = try #require(post.json.items.first?["id"]?.intValue)
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let ended = try await client.call(
                .post, "/api/v1/stewards/\(id)/end", token: office,
                body: #"{"until":"\#(today.adding(days: -1))","reason":"搬离本楼"}"#)
            #expect(ended.status == .ok)
            #expect(try await client.call(.get, "/api/v1/auth/me", token: token).status == .unauthorized)
            let again = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: #"{"username":"louzhang9","password":"Lou-zhang-2026"}"#)
            #expect(
                again.status == .unauthorized && again.json.errorCode == "term_ended",
                "told why, with the right password")
            let wrong = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: #"{"username":"louzhang9","password":"Wrong-pass-2026"}"#
            )
            #expect(wrong.json.errorCode == "invalid_credentials", "a wrong password tells nothing more")
            // The demo's steward account, never linked to a post, still signs in.
            #expect(
                try await client.call(.get, "/api/v1/auth/me", token: try await client.token("steward")).status == .ok)
        }
    }

    @Test func aStewardSeesAndWritesOnlyItsEntrancesHouseholds() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, mine, other) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: mine)
            let token = try await Self.stewardToken(
                client, office: office, resident: people[0], entrance: mine, username: "louzhang1")
            let me = try await client.call(.get, "/api/v1/auth/me", token: token)
            #expect(me.json["scope"]?.stringValue == "entrance:\(mine)")
            let inside = try await Self.households(services, entrance: mine)
            let outside = try await Self.households(services, entrance: other)
            #expect(try await client.call(.get, "/api/v1/households/\(inside[0])", token: token).status == .ok)
            #expect(try await client.call(.get, "/api/v1/households/\(outside[0])", token: token).status == .notFound)
            let listed = try await client.call(
                .get, "/api/v1/households?compound_id=\(compound)&limit=1000", token: token)
            #expect(Set(listed.json.items.compactMap { $0["id"]?.intValue }) == Set(inside))
            let outsider = try await Self.residents(services, entrance: other).first { !people.contains($0) }!
            #expect(try await client.call(.get, "/api/v1/residents/\(outsider)", token: token).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/residents/\(people[0])", token: token).status == .ok)
            // The next entrance's steward is listed to it, but named only as a neighbour would see it.
            let own = try await client.call(.get, "/api/v1/residents/\(people[0])", token: office).json["name"]
            let next = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(outsider),"entrance_id":\#(other),"since":"2026-01-01","appointed_by":"election"}"#
            )
            let nextName = try await client.call(.get, "/api/v1/residents/\(outsider)", token: office).json["name"]
            let stewards = try await client.call(.get, "/api/v1/stewards?compound_id=\(compound)", token: token)
            let names = Dictionary(
                uniqueKeysWithValues: stewards.json.items.compactMap { s in
                    s["entrance_id"]?.intValue.map { ($0, s["resident_name"]?.stringValue ?? "") }
                })
            #expect(names[mine] == own?.stringValue && names[mine]?.contains("*") == false)
            let masked = nextName?.stringValue.map(PersonalData.maskName)
            #expect(names[other] == masked && names[other] != nextName?.stringValue, "\(names)")
            let one = try await client.call(
                .get, "/api/v1/stewards/\(next.json["id"]?.intValue ?? 0)", token: token)
            #expect(one.json["resident_name"]?.stringValue == masked)
            let before = try await Self.count(services, "household_contacts")
            let refused = try await client.call(
                .post, "/api/v1/households/\(outside[0])/contacts", token: token,
                body: #"{"channel":"visit","date":"\#(Self.recent)","outcome":"explained","note":"x"}"#)
            #expect(refused.status == .notFound)
            #expect(
                try await client.call(.get, "/api/v1/households/\(outside[0])/contacts", token: token).status
                    == .notFound)
            #expect(try await Self.count(services, "household_contacts") == before)
            // Sent with no outcome, the refusal names the field (the phone page's script says it in the form's words).
            let noOutcome = try await client.call(
                .post, "/api/v1/households/\(inside[0])/contacts", token: token,
                body: #"{"channel":"visit","date":"\#(Self.recent)","outcome":"","note":"x"}"#)
            #expect(
                noOutcome.status == .unprocessableContent
                    && noOutcome.json["error"]?["field"]?.stringValue == "outcome", "\(noOutcome.text)")
            let stored = try await client.call(
                .post, "/api/v1/households/\(inside[0])/contacts", token: token,
                body: #"{"channel":"visit","date":"\#(Self.recent)","outcome":"explained","note":"讲解燃气入户政策"}"#)
            #expect(stored.status == .created)
            // The same scope kinds are given to accounts directly.
            let admin = try await client.token("admin", TestApp.adminPassword)
            let made = try await client.call(
                .post, "/api/v1/users", token: admin,
                body:
                    #"{"username":"danyuan2","password":"Dan-yuan-2026","role":"steward","scope":"entrance:\#(other)"}"#
            )
            #expect(made.status == .created)
            let wrongKind = try await client.call(
                .post, "/api/v1/users", token: admin,
                body:
                    #"{"username":"danyuan3","password":"Dan-yuan-2026","role":"viewer","scope":"entrance:\#(other)"}"#)
            #expect(wrongKind.status == .unprocessableContent)
        }
    }

    /// A visit dated 1990 (a slip of the keyboard on a phone) is refused and asks for the year to be checked; one
    /// entered late from paper, within the year, is kept.
    @Test func aVisitDatedYearsAgoIsRefused() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, entrance, _) = try await Self.twoEntrances(services)
            let household = try await Self.households(services, entrance: entrance)[0]
            let before = try await Self.count(services, "household_contacts")
            let old = try await client.call(
                .post, "/api/v1/households/\(household)/contacts", token: office,
                body: #"{"channel":"visit","date":"1990-03-02","outcome":"agreed","note":"同意"}"#)
            #expect(old.status == .unprocessableContent && old.json.errorCode == "too_old")
            #expect(old.json["error"]?["field"]?.stringValue == "date")
            let hours = try await client.call(
                .post, "/api/v1/volunteer_hours", token: office,
                body: #"{"name":"李红梅","activity":"patrol","date":"2016-12-01","minutes":60}"#)
            #expect(hours.status == .unprocessableContent && hours.json.errorCode == "too_old")
            #expect(try await Self.count(services, "household_contacts") == before)
            let late = try await client.call(
                .post, "/api/v1/households/\(household)/contacts", token: office,
                body: #"{"channel":"visit","date":"\#(Clock.today.adding(days: -300))","outcome":"agreed","note":"同意"}"#
            )
            #expect(late.status == .created)
        }
    }

    @Test func anEntrySentTwiceWithTheSameClientIdIsStoredOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, entrance, _) = try await Self.twoEntrances(services)
            let household = try await Self.households(services, entrance: entrance)[0]
            let body =
                #"{"channel":"phone","date":"\#(Self.recent)","outcome":"agreed","note":"同意","client_id":"p-42-0001"}"#
            let first = try await client.call(
                .post, "/api/v1/households/\(household)/contacts", token: office, body: body)
            #expect(first.status == .created)
            let again = try await client.call(
                .post, "/api/v1/households/\(household)/contacts", token: office, body: body)
            #expect(again.status == .ok)
            #expect(again.json["id"]?.intValue == first.json["id"]?.intValue)
            // Sent again and again at once: still one.
            let ids = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/households/\(household)/contacts", token: office,
                            body: body.replacingOccurrences(of: "p-42-0001", with: "p-42-0002")
                        ).json["id"]?.intValue
                    }
                }
                return try await group.reduce(into: Set<Int64?>()) { $0.insert($1) }
            }
            #expect(ids.count == 1 && ids.first! != nil)
            #expect(
                try await Self.ints(
                    services, "SELECT COUNT(*) AS n FROM household_contacts WHERE household_id = \(bind: household)",
                    "n")
                    == [2])
        }
    }

    @Test func badCampaignsAndContactsAreRefusedNamingTheFieldAndWriteNothing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, entrance, other) = try await Self.twoEntrances(services)
            let campaigns = try await Self.count(services, "campaigns")
            let targetRows = try await Self.count(services, "campaign_targets")
            let unknown = try await client.call(
                .post, "/api/v1/campaigns", token: office,
                body:
                    #"{"title":"燃气入户","compound_ids":[\#(compound)],"filter":{"building_ids":[999999]},"goal":"agree","until":"2099-12-31"}"#
            )
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.json["error"]?["field"]?.stringValue == "filter.building_ids")
            #expect(try await Self.count(services, "campaigns") == campaigns)
            #expect(try await Self.count(services, "campaign_targets") == targetRows)
            let building = try await Self.ints(
                services, "SELECT building_id FROM entrances WHERE id = \(bind: entrance)", "building_id")[0]
            let made = try await client.call(
                .post, "/api/v1/campaigns", token: office,
                body:
                    #"{"title":"燃气入户","compound_ids":[\#(compound)],"filter":{"building_ids":[\#(building)]},"goal":"agree","until":"2099-12-31"}"#
            )
            #expect(made.status == .created)
            let id = made.json["id"]!.intValue!
            let targets = try await Self.ints(
                services, "SELECT household_id AS id FROM campaign_targets WHERE campaign_id = \(bind: id)")
            #expect(made.json["targets"]?.intValue == Int64(targets.count))
            // After its last day, a contact no longer counts for the campaign: refused naming it, nothing written.
            try await services.database.withConnection { db in
                try await db.raw("UPDATE campaigns SET until = '2026-03-01' WHERE id = \(bind: id)").run()
            }
            let late = try await client.call(
                .post, "/api/v1/households/\(targets[0])/contacts", token: office,
                body: #"{"channel":"visit","date":"\#(Self.recent)","outcome":"agreed","note":"","campaign_id":\#(id)}"#
            )
            #expect(late.status == .unprocessableContent && late.json.errorCode == "campaign_ended")
            #expect(late.json["error"]?["field"]?.stringValue == "campaign_id")
            #expect(try await Self.count(services, "household_contacts WHERE campaign_id = \(id)") == 0)
            try await services.database.withConnection { db in
                try await db.raw("UPDATE campaigns SET until = '2099-12-31' WHERE id = \(bind: id)").run()
            }
            let notTarget = try await Self.ints(
                services,
                "SELECT id FROM households WHERE compound_id = \(bind: compound) AND building_id <> \(bind: building) ORDER BY id LIMIT 1"
            ).first
            if let notTarget {
                let contacts = try await Self.count(services, "household_contacts")
                let r = try await client.call(
                    .post, "/api/v1/households/\(notTarget)/contacts", token: office,
                    body:
                        #"{"channel":"visit","date":"\#(Self.recent)","outcome":"agreed","note":"","campaign_id":\#(id)}"#
                )
                #expect(r.status == .unprocessableContent)
                #expect(r.json["error"]?["field"]?.stringValue == "campaign_id")
                #expect(try await Self.count(services, "household_contacts") == contacts)
            }
            // A steward for another compound's entrance: community staff may not; the office only with a note.
            let farResident = try await Self.ints(
                services,
                "SELECT DISTINCT hr.resident_id AS id FROM household_residents hr JOIN households h ON h.id = hr.household_id WHERE h.compound_id <> \(bind: compound) AND hr.resident_id NOT IN (SELECT hr2.resident_id FROM household_residents hr2 JOIN households h2 ON h2.id = hr2.household_id WHERE h2.compound_id = \(bind: compound)) ORDER BY hr.resident_id LIMIT 1"
            )[0]
            let stewards = try await Self.count(services, "stewards")
            let noNote = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(farResident),"entrance_id":\#(other),"since":"2026-01-01","appointed_by":"appointment"}"#
            )
            #expect(noNote.status == .unprocessableContent)
            #expect(noNote.json["error"]?["field"]?.stringValue == "exception_note")
            #expect(try await Self.count(services, "stewards") == stewards)
            let withNote = try await client.call(
                .post, "/api/v1/stewards", token: office,
                body:
                    #"{"resident_id":\#(farResident),"entrance_id":\#(other),"since":"2026-01-01","appointed_by":"appointment","exception_note":"本单元无合适人选，由邻院党员代管"}"#
            )
            #expect(withNote.status == .created)
        }
    }

    /// Two stewards enter contacts for their own entrances at the same time; every count is exact, and the battle
    /// map has one cell per target, coloured by that target's status.
    @Test func campaignCountsAreExactUnderConcurrentEntriesAndTheMapMatches() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, a, b) = try await Self.twoEntrances(services)
            let tokenA = try await Self.stewardToken(
                client, office: office, resident: try await Self.residents(services, entrance: a)[0], entrance: a,
                username: "lza")
            let tokenB = try await Self.stewardToken(
                client, office: office, resident: try await Self.residents(services, entrance: b)[0], entrance: b,
                username: "lzb")
            let made = try await client.call(
                .post, "/api/v1/campaigns", token: office,
                body: #"{"title":"天然气入户动员","compound_ids":[\#(compound)],"goal":"agree","until":"2099-12-31"}"#)
            #expect(made.status == .created)
            let id = made.json["id"]!.intValue!
            let inA = try await Self.households(services, entrance: a)
            let inB = try await Self.households(services, entrance: b)
            // Entrance A: even households agree, odd ones refuse then nobody else; entrance B: every third unreachable.
            var plan: [(token: String, household: Int64, outcome: String, n: Int)] = []
            for (i, h) in inA.enumerated() { plan.append((tokenA, h, i % 2 == 0 ? "agreed" : "refused", i)) }
            for (i, h) in inB.enumerated() where i % 3 == 0 { plan.append((tokenB, h, "unreachable", i)) }
            for (i, h) in inB.enumerated() where i % 3 == 1 { plan.append((tokenB, h, "explained", i)) }
            let jobs = plan
            try await withThrowingTaskGroup(of: Void.self) { group in
                for job in jobs {
                    group.addTask {
                        let r = try await client.call(
                            .post, "/api/v1/households/\(job.household)/contacts", token: job.token,
                            body:
                                #"{"channel":"visit","date":"2026-03-0\#(job.n % 2 + 1)","outcome":"\#(job.outcome)","note":"","campaign_id":\#(id),"client_id":"c-\#(job.household)"}"#
                        )
                        #expect(r.status == .created)
                    }
                }
                try await group.waitForAll()
            }
            let all = try await Self.ints(
                services, "SELECT household_id AS id FROM campaign_targets WHERE campaign_id = \(bind: id)")
            let agreed = (0..<inA.count).filter { $0 % 2 == 0 }.count
            let refused = inA.count - agreed
            let unreachable = (0..<inB.count).filter { $0 % 3 == 0 }.count
            let contacted = (0..<inB.count).filter { $0 % 3 == 1 }.count
            let p = try await client.call(.get, "/api/v1/campaigns/\(id)/progress", token: office)
            #expect(p.status == .ok)
            let total = p.json["total"]!
            #expect(total["targets"]?.intValue == Int64(all.count))
            #expect(total["agreed"]?.intValue == Int64(agreed))
            #expect(total["refused"]?.intValue == Int64(refused))
            #expect(total["unreachable"]?.intValue == Int64(unreachable))
            #expect(total["contacted"]?.intValue == Int64(contacted))
            #expect(
                total["not_contacted"]?.intValue == Int64(all.count - agreed - refused - unreachable - contacted))
            guard case .array(let entrances) = p.json["by_entrance"] ?? .null else {
                Issue.record("by_entrance is a list")
                return
            }
            let rowA = entrances.first { $0["id"]?.intValue == a }
            #expect(rowA?["counts"]?["agreed"]?.intValue == Int64(agreed))
            guard case .array(let byDay) = p.json["by_day"] ?? .null else { return }
            #expect(byDay.compactMap { $0["contacts"]?.intValue }.reduce(0, +) == Int64(jobs.count))
            guard case .array(let bySteward) = p.json["by_steward"] ?? .null else { return }
            #expect(bySteward.compactMap { $0["counts"]?["targets"]?.intValue }.reduce(0, +) == Int64(all.count))
            // A steward's progress counts only its own households.
            let mine = try await client.call(.get, "/api/v1/campaigns/\(id)/progress", token: tokenA)
            #expect(mine.json["total"]?["targets"]?.intValue == Int64(inA.count))
            // The map: one cell per target, each with the status the progress counted.
            let map = try await client.call(.get, "/api/v1/campaigns/\(id)/map.svg", token: office)
            #expect(map.status == .ok)
            #expect(map.headers[.contentType]?.hasPrefix("image/svg+xml") == true)
            let cells = Self.cells(map.text)
            #expect(cells.count == all.count)
            #expect(Set(cells.keys) == Set(all))
            for (i, h) in inA.enumerated() { #expect(cells[h] == (i % 2 == 0 ? "agreed" : "refused")) }
            for (i, h) in inB.enumerated() {
                #expect(cells[h] == (i % 3 == 0 ? "unreachable" : i % 3 == 1 ? "contacted" : "not_contacted"))
            }
            let csv = try await client.call(.get, "/api/v1/campaigns/\(id)/progress?format=csv", token: office)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let xlsx = try await client.call(.get, "/api/v1/campaigns/\(id)/progress?format=xlsx", token: office)
            #expect(xlsx.status == .ok)
        }
    }

    /// `data-household-id` → `data-status` of every cell in a map.
    static func cells(_ svg: String) -> [Int64: String] {
        var out: [Int64: String] = [:]
        var rest = Substring(svg)
        while let r = rest.range(of: "data-household-id=\"") {
            rest = rest[r.upperBound...]
            let id = Int64(rest.prefix { $0 != "\"" })!
            guard let s = rest.range(of: "data-status=\"") else { break }
            let status = String(rest[s.upperBound...].prefix { $0 != "\"" })
            #expect(out[id] == nil, "one cell per household")
            out[id] = status
        }
        return out
    }

    @Test func aPartyMemberIsPersonalData() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (_, entrance, _) = try await Self.twoEntrances(services)
            let person = try await Self.residents(services, entrance: entrance)[0]
            let set = try await client.call(
                .patch, "/api/v1/residents/\(person)", token: office, body: #"{"party_member":true}"#)
            #expect(set.status == .ok)
            #expect(set.json["party_member"] == .bool(true))
            let viewer = try await client.call(
                .get, "/api/v1/residents/\(person)", token: try await client.token("viewer"))
            #expect(viewer.status == .ok)
            #expect(viewer.json["party_member"] == .null)
        }
    }
    @Test func bodiesKeepTheirMembersHistoryAndThePublicPageMasksNames() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, entrance, _) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: entrance)
            let bad = try await client.call(
                .post, "/api/v1/bodies", token: office,
                body:
                    #"{"kind":"owners_committee","name":"业委会","compound_id":\#(compound),"formed_on":"2026-01-05","members":[{"resident_id":\#(people[0]),"position":"主任"},{"position":"委员"}]}"#
            )
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["error"]?["field"]?.stringValue == "members[1].resident_id")
            let before = try await Self.count(services, "bodies")
            let made = try await client.call(
                .post, "/api/v1/bodies", token: office,
                body:
                    #"{"kind":"owners_committee","name":"第一届业主委员会","compound_id":\#(compound),"formed_on":"2026-01-05","members":[{"resident_id":\#(people[0]),"position":"主任"},{"resident_id":\#(people[1]),"position":"委员","from":"2026-01-05"}]}"#
            )
            #expect(made.status == .created)
            #expect(try await Self.count(services, "bodies") == before + 1)
            let id = made.json["id"]!.intValue!
            guard case .array(let members) = made.json["members"] ?? .null else {
                Issue.record("members is a list")
                return
            }
            #expect(members.count == 2)
            let leaving = members[1]["id"]!.intValue!
            let ended = try await client.call(
                .post, "/api/v1/bodies/\(id)/members/\(leaving)/end", token: office, body: #"{"until":"2026-02-01"}"#)
            #expect(ended.status == .ok)
            let added = try await client.call(
                .post, "/api/v1/bodies/\(id)/members", token: office,
                body: #"{"resident_id":\#(people[2]),"position":"委员","from":"2026-02-02"}"#)
            #expect(added.status == .created)
            guard case .array(let now) = added.json["members"] ?? .null else { return }
            #expect(now.count == 3, "the member who left is kept")
            #expect(now.first { $0["id"]?.intValue == leaving }?["current"] == .bool(false))
            // The public page lists the body and masks the names: the family name and 某某.
            let name = try await services.registry.get(Resident.self, id: people[0], actor: .system).name
            let (status, page) = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(status == .ok)
            #expect(page.contains("第一届业主委员会"))
            #expect(page.contains(String(name.first!) + "某某"))
            #expect(!page.contains(name))
        }
    }

    /// A contact with a household counts towards the one running campaign that targets it unless the steward
    /// chooses otherwise (before, it counted nowhere unless picked), and the page links each campaign's wall chart.
    @Test func aStewardsContactCountsTowardsTheCampaignThatTargetsTheHome() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("louzhang")
            let (_, page, _) = try await PageTests.page(client, "/my-households", cookie: cookie)
            let repo = CampaignRepository(database: services.database)
            let running = try await repo.list(actor: .system).filter { $0.until >= Clock.today }
            #expect(running.count >= 2, "the demo runs the gas and the absentee-owner campaigns")
            var targeted: [Int64: [Int64]] = [:]
            for c in running {
                for t in try await repo.targets(id: c.id, actor: .system).1 {
                    targeted[t.householdId, default: []].append(c.id)
                }
            }
            let homes = page.matches(of: /data-household="(\d+)"/).compactMap { Int64($0.1) }
            let home = try #require(homes.first { targeted[$0]?.count == 1 })
            let campaign = targeted[home]![0]
            let (_, form, _) = try await PageTests.page(client, "/my-households?household=\(home)", cookie: cookie)
            #expect(form.contains(#"<option value="\#(campaign)" selected>"#))
            // How the visit went is chosen each time, never carried over from a default.
            #expect(form.contains(#"name="outcome" required><option value="">请选择结果</option>"#))
            #expect(!form.contains(#"<option value="explained" selected>"#))
            // The wall chart opens inside the site with the way back to the steward's page; the picture is for print.
            #expect(form.contains("href=\"/campaigns/\(campaign)/map\">挂图作战："))
            let (pageStatus, chart, _) = try await PageTests.page(client, "/campaigns/\(campaign)/map", cookie: cookie)
            #expect(pageStatus == .ok && chart.contains(#"<a href="/my-households">← 我的住户</a>"#))
            #expect(chart.contains(#"src="/api/v1/campaigns/\#(campaign)/map.svg""#))
            let (mapStatus, svg, _) = try await PageTests.page(
                client, "/api/v1/campaigns/\(campaign)/map.svg", cookie: cookie)
            #expect(mapStatus == .ok && svg.contains("<svg"))
            // A home no running campaign targets: nothing is chosen for the steward.
            if let untargeted = homes.first(where: { targeted[$0] == nil }) {
                let (_, plain, _) = try await PageTests.page(
                    client, "/my-households?household=\(untargeted)", cookie: cookie)
                #expect(!plain.contains(#"selected>天然气"#) && !plain.contains(#"selected>外地"#))
            }
        }
    }

    @Test func aStewardsPhonePageListsItsHouseholdsAndSavesAnEntryOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, mine, other) = try await Self.stewardOnThePhonePage(client, services)
            let (status, page, _) = try await PageTests.page(client, "/my-households", cookie: cookie)
            #expect(status == .ok)
            let inside = try await Self.households(services, entrance: mine)
            let outside = try await Self.households(services, entrance: other)
            #expect(page.contains("value=\"\(inside[0])\""))
            #expect(!page.contains("value=\"\(outside[0])\""))
            #expect(page.contains("/static/steward-phone.js?v="))
            guard let r = page.range(of: "name=\"_csrf\" value=\"") else {
                Issue.record("the form carries a CSRF token")
                return
            }
            let csrf = String(page[r.upperBound...].prefix { $0 != "\"" })
            let form =
                "_csrf=\(csrf)&client_id=page-abc&household_id=\(inside[0])&channel=visit&date=2026-03-02&outcome=agreed&note=ok&follow_up_on="
            let (saved, _, headers) = try await PageTests.postForm(
                client, "/my-households/contacts", cookie: cookie, form)
            #expect(saved == .seeOther)
            #expect(headers[.location]?.hasPrefix("/my-households") == true)
            let (again, _, _) = try await PageTests.postForm(client, "/my-households/contacts", cookie: cookie, form)
            #expect(again == .seeOther)
            #expect(
                try await Self.ints(
                    services, "SELECT COUNT(*) AS n FROM household_contacts WHERE household_id = \(bind: inside[0])",
                    "n")
                    == [1])
            let (_, after, _) = try await PageTests.page(client, "/my-households", cookie: cookie)
            #expect(after.contains("2026-03-02 同意"))
            let (outsideStatus, _, _) = try await PageTests.postForm(
                client, "/my-households/contacts", cookie: cookie,
                "_csrf=\(csrf)&household_id=\(outside[0])&channel=visit&date=2026-03-02&outcome=agreed&note=")
            #expect(outsideStatus == .notFound)
            let (js, script, jsHeaders) = try await PageTests.page(client, "/static/steward-phone.js", cookie: nil)
            #expect(js == .ok)
            #expect(jsHeaders[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(script.contains("localStorage") && script.contains("client_id"))
        }
    }

    /// Sent without the script, a contact with no outcome says so, not that the date is wrong, and a follow-up day
    /// that does not exist is refused with what was typed kept, never saved as no follow-up.
    @Test func aPlainContactFormNamesWhatIsWrongAndDropsNothing() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, mine, _) = try await Self.stewardOnThePhonePage(client, services)
            let inside = try await Self.households(services, entrance: mine)
            let (_, page, _) = try await PageTests.page(client, "/my-households", cookie: cookie)
            let r = try #require(page.range(of: "name=\"_csrf\" value=\""))
            let csrf = String(page[r.upperBound...].prefix { $0 != "\"" })
            let base =
                "_csrf=\(csrf)&household_id=\(inside[0])&channel=visit&date=2026-03-02&note=%E5%B7%B2%E8%81%94%E7%B3%BB"
            let (noOutcome, told, _) = try await PageTests.postForm(
                client, "/my-households/contacts", cookie: cookie, base + "&outcome=&follow_up_on=")
            #expect(noOutcome == .unprocessableContent && told.contains("请选择联系结果。") && !told.contains("日期无效"))
            let (badDay, again, _) = try await PageTests.postForm(
                client, "/my-households/contacts", cookie: cookie, base + "&outcome=agreed&follow_up_on=2026-02-30")
            #expect(badDay == .unprocessableContent && again.contains("日期无效"))
            // What was typed comes back in the form, the refusal inside it beside the wrong field.
            #expect(told.contains(#"<option value="visit" selected>"#) && told.contains(">已联系</textarea>"))
            #expect(told.contains(#"name="date" value="2026-03-02""#), "the day typed, not today")
            #expect(told.contains(#"<select name="outcome" required aria-invalid="true">"#))
            #expect(again.contains(#"name="follow_up_on" value="2026-02-30" aria-invalid="true""#))
            #expect(again.contains(#"<option value="agreed" selected>"#))
            let (farDay, asked, _) = try await PageTests.postForm(
                client, "/my-households/contacts", cookie: cookie, base + "&outcome=agreed&follow_up_on=9999-03-02")
            #expect(farDay == .unprocessableContent && asked.contains("回访日期在走访一年以后，请核对年份。"))
            let saved = try await Self.ints(
                services, "SELECT COUNT(*) AS n FROM household_contacts WHERE household_id = \(bind: inside[0])", "n")
            #expect(saved == [0], "nothing saved without its follow-up day")
        }
    }

    /// Reaching an owner who lives elsewhere is a phone call: the household chosen on the steward's page lists its
    /// people with a number to call; a household outside the steward's entrance lists nobody.
    @Test func aStewardCallsThePeopleOfTheHouseholdChosen() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, mine, other) = try await Self.stewardOnThePhonePage(client, services)
            let inside = try await Self.households(services, entrance: mine)
            func withPhone(_ entrance: Int64) async throws -> (Int64, String) {
                try await services.database.withConnection { db in
                    let r = try await db.raw(
                        """
                        SELECT hr.household_id AS h, r.phone FROM household_residents hr
                        JOIN residents r ON r.id = hr.resident_id
                        JOIN households x ON x.id = hr.household_id
                        WHERE x.entrance_id = \(bind: entrance) AND r.phone <> '' ORDER BY hr.household_id LIMIT 1
                        """
                    ).first()!
                    return (try r.decode(column: "h", as: Int64.self), try r.decode(column: "phone", as: String.self))
                }
            }
            let (household, phone) = try await withPhone(mine)
            let (foreignHousehold, foreignPhone) = try await withPhone(other)
            #expect(inside.contains(household) && !inside.contains(foreignHousehold))
            let (status, page, _) = try await PageTests.page(
                client, "/my-households?household=\(household)", cookie: cookie)
            #expect(status == .ok)
            #expect(page.contains(#"href="tel:\#(phone)""#) && page.contains("拨打 \(phone)"))
            #expect(!page.contains("以往走访和电话记录"))
            // A visit recorded is read back on the home's card, with its note.
            let token = try await client.token("lzp", "Lou-zhang-2026")
            let visit = try await client.call(
                .post, "/api/v1/households/\(household)/contacts", token: token,
                body: #"{"channel":"visit","date":"\#(Self.recent)","outcome":"agreed","note":"希望楼道加扶手"}"#)
            #expect(visit.status == .created)
            let (_, again, _) = try await PageTests.page(
                client, "/my-households?household=\(household)", cookie: cookie)
            #expect(again.contains("以往走访和电话记录") && again.contains("希望楼道加扶手"))
            let (_, plain, _) = try await PageTests.page(client, "/my-households", cookie: cookie)
            #expect(plain.contains("按单元、楼层") && !plain.contains("tel:"))
            let (foreignStatus, foreign, _) = try await PageTests.page(
                client, "/my-households?household=\(foreignHousehold)", cookie: cookie)
            #expect(foreignStatus == .ok && foreign.contains("按单元、楼层"))
            #expect(!foreign.contains("tel:") && !foreign.contains(foreignPhone))
        }
    }

    @Test func opinionsAreRoutedAnsweredOnceAndSummarisedWithoutNames() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let community = try await client.token("community")
            let (compound, entrance, other) = try await Self.twoEntrances(services)
            let people = try await Self.residents(services, entrance: entrance)
            let steward = try await Self.stewardToken(
                client, office: office, resident: people[0], entrance: entrance, username: "lzo")
            let outside = try await Self.households(services, entrance: other)[0]
            let before = try await Self.count(services, "opinions")
            let refused = try await client.call(
                .post, "/api/v1/opinions", token: steward,
                body:
                    #"{"compound_id":\#(compound),"household_id":\#(outside),"kind":"opinion","source":"visit","text":"x","route_to":"community"}"#
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["error"]?["field"]?.stringValue == "household_id")
            #expect(try await Self.count(services, "opinions") == before)
            let inside = try await Self.households(services, entrance: entrance)[0]
            let made = try await client.call(
                .post, "/api/v1/opinions", token: steward,
                body:
                    #"{"compound_id":\#(compound),"household_id":\#(inside),"kind":"suggestion","source":"visit","text":"建议加装楼道感应灯","author_name":"钱多多","route_to":"office"}"#
            )
            #expect(made.status == .created)
            let id = made.json["id"]!.intValue!
            #expect(
                try await client.call(
                    .post, "/api/v1/opinions/\(id)/answer", token: community, body: #"{"answer":"好"}"#
                ).status == .forbidden, "routed to the office")
            let answered = try await client.call(
                .post, "/api/v1/opinions/\(id)/answer", token: office, body: #"{"answer":"已列入本期改造"}"#)
            #expect(answered.status == .ok)
            #expect(answered.json["answer"]?.stringValue == "已列入本期改造")
            let twice = try await client.call(
                .post, "/api/v1/opinions/\(id)/answer", token: office, body: #"{"answer":"再答"}"#)
            #expect(twice.status == .conflict)
            let (_, page) = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(page.contains("建议加装楼道感应灯") && page.contains("已列入本期改造"))
            #expect(!page.contains("钱多多"))
        }
    }

    @Test func irregularBehaviourIsStoppedOrEscalatedToCityManagementOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, _, _) = try await Self.twoEntrances(services)
            let made = try await client.call(
                .post, "/api/v1/irregularities", token: office,
                body:
                    #"{"compound_id":\#(compound),"kind":"illegal_construction","place":"1号楼北侧","description":"私搭彩钢棚"}"#
            )
            #expect(made.status == .created)
            let id = made.json["id"]!.intValue!
            let requests = try await Self.count(services, "coordination_requests")
            let escalated = try await client.call(
                .post, "/api/v1/irregularities/\(id)/escalate", token: office,
                body: #"{"needed_by":"\#(Clock.today.adding(days: 30))"}"#)
            #expect(escalated.status == .ok)
            #expect(escalated.json["state"]?.stringValue == "escalated")
            #expect(try await Self.count(services, "coordination_requests") == requests + 1)
            let request = escalated.json["coordination_request_id"]!.intValue!
            let read = try await client.call(.get, "/api/v1/coordination_requests/\(request)", token: office)
            #expect(read.json["department_name"]?.stringValue == "区城市管理局")
            let again = try await client.call(.post, "/api/v1/irregularities/\(id)/stop", token: office, body: "{}")
            #expect(again.status == .conflict)
            // Two escalations of one record at once make one request; the other is refused.
            let second = try await client.call(
                .post, "/api/v1/irregularities", token: office,
                body: #"{"compound_id":\#(compound),"kind":"fire_lane_blocked","place":"2号楼","description":"杂物堵塞"}"#)
            let secondId = try #require(second.json["id"]?.intValue)
            let before = try await Self.count(services, "coordination_requests")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await client.call(
                            .post, "/api/v1/irregularities/\(secondId)/escalate", token: office,
                            body: #"{"needed_by":"\#(Clock.today.adding(days: 30))"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .conflict }.count == 3)
            #expect(try await Self.count(services, "coordination_requests") == before + 1)
            // A request that cannot be made leaves the record as it was: nothing half done.
            let third = try await client.call(
                .post, "/api/v1/irregularities", token: office,
                body: #"{"compound_id":\#(compound),"kind":"fire_lane_blocked","place":"3号楼","description":"电动车停放"}"#)
            let thirdId = try #require(third.json["id"]?.intValue)
            let past = try await client.call(
                .post, "/api/v1/irregularities/\(thirdId)/escalate", token: office, body: #"{"needed_by":"2020-01-10"}"#
            )
            #expect(past.status == .unprocessableContent && past.json["error"]?["field"]?.stringValue == "needed_by")
            let still = try await client.call(.get, "/api/v1/irregularities/\(thirdId)", token: office)
            #expect(still.json["state"]?.stringValue == "recorded" && still.json["coordination_request_id"] == .null)
            let bad = try await client.call(
                .post, "/api/v1/irregularities", token: office,
                body: #"{"compound_id":\#(compound),"kind":"noise","place":"x","description":"y"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["error"]?["field"]?.stringValue == "kind")
        }
    }
}
