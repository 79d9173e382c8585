import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Community events over HTTP: places never exceeded, the waiting list, refusals, privacy and the feeds.
@Suite struct EventTests {
    /// A day some weeks ahead, for events planned in the tests (an event starts at most a year ahead).
    static let day = Day.today(epochSeconds: Date().timeIntervalSince1970).adding(days: 60).description
    /// A day some weeks ago, for an event entered after it took place (at most a year after).
    static let past = Day.today(epochSeconds: Date().timeIntervalSince1970).adding(days: -30).description

    /// A sub-district, community, compound, building and entrance, and the admin's token.
    static func place(_ client: any TestClientProtocol) async throws -> (token: String, ids: [Int64]) {
        let token = try await client.token("admin", TestApp.adminPassword)
        return (token, try await APITests.tree(client, token))
    }

    static func event(
        _ client: any TestClientProtocol, _ token: String, community: Int64, capacity: String = "null",
        starts: String = "\(EventTests.day)T09:00:00+08:00", ends: String = "\(EventTests.day)T11:00:00+08:00",
        signup: String = "open"
    ) async throws -> Int64 {
        let r = try await client.call(
            .post, "/api/v1/events", token: token,
            body: """
                {"title":"快乐星期天","kind":"happy_sunday","community_id":\(community),"starts_at":"\(starts)",
                 "ends_at":"\(ends)","place":"活动室","capacity":\(capacity),"signup":"\(signup)",
                 "organisers":[{"name":"李红梅","phone":"13903710001"}]}
                """)
        #expect(r.status == .created, "\(r.text)")
        return r.json["id"]?.intValue ?? 0
    }

    static func count(_ services: Services, _ sql: SQLQueryString) async throws -> Int64 {
        try await services.database.withConnection { db in try await db.raw(sql).first()!.int("n") }
    }

    /// A deadline missed on a busy machine (the live client's read, or a database connection while the whole
    /// suite runs on two cores), not a wrong answer.
    static func timedOut(_ error: any Error) -> Bool {
        if case TestClient.Error.readTimeout = error { return true }
        return String(describing: error).contains("connectionRequestTimeout")
    }

    /// 50 people signing up at once to 10 places over real HTTP, each over its own connection: exactly 10 are
    /// confirmed, the rest wait. The few single requests around them go through the live client, whose deadline is
    /// fixed; an attempt whose setup timed out on a busy machine is made again (three at most); a wrong answer fails
    /// at once.
    @Test func placesAreNeverExceededUnderFiftyConcurrentSignups() async throws {
        for attempt in 1...3 {
            do {
                try await TestApp.with(.live) { client, services in
                    let (token, ids) = try await Self.place(client)
                    let id = try await Self.event(client, token, community: ids[1], capacity: "10")
                    let bodies = (0..<50).map { i in #"{"name":"居民\#(i)","phone":"139\#(String(10_000_000 + i))"}"# }
                    let answers = try await ConcurrentHTTP.post(
                        port: client.port!, "/api/v1/events/\(id)/signups", token: token, bodies: bodies)
                    #expect(answers.allSatisfy { $0.status == 201 }, "\(answers.map(\.status))")
                    let statuses = answers.map { $0.json["status"]?.stringValue }
                    #expect(statuses.filter { $0 == "confirmed" }.count == 10)
                    #expect(statuses.filter { $0 == "waitlisted" }.count == 40)
                    #expect(
                        try await Self.count(
                            services,
                            "SELECT COUNT(*) AS n FROM event_signups WHERE event_id = \(bind: id) AND status = 'confirmed'"
                        )
                            == 10)
                    let read = try await client.call(.get, "/api/v1/events/\(id)", token: token)
                    #expect(read.json["confirmed"]?.intValue == 10 && read.json["waitlisted"]?.intValue == 40)
                }
                return
            } catch let error where attempt < 3 && Self.timedOut(error) {
                continue
            }
        }
    }

    @Test func theWaitingListMovesUpWhenSomeoneCancels() async throws {
        try await TestApp.with { client, services in
            let (token, ids) = try await Self.place(client)
            let id = try await Self.event(client, token, community: ids[1], capacity: "2")
            var made: [(id: Int64, status: String, code: String)] = []
            for (i, phone) in ["13900000001", "13900000002", "13900000003", "13900000004"].enumerated() {
                // Anonymous sign-ups, as a resident makes them.
                let r = try await client.call(
                    .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"居民\#(i)","phone":"\#(phone)"}"#)
                #expect(r.status == .created)
                made.append(
                    (r.json["id"]!.intValue!, r.json["status"]!.stringValue!, r.json["cancel_code"]!.stringValue!))
            }
            #expect(made.map(\.status) == ["confirmed", "confirmed", "waitlisted", "waitlisted"])
            // Every place taken, the public page says so before the form, with the place in the queue.
            let full = try await client.execute(uri: "/public/events/\(id)", method: .get) { String(buffer: $0.body) }
            #expect(full.contains("名额已满。现在报名将排在候补第 3 位") && full.contains(">报名候补</button>"))
            // The same phone again is a conflict, nothing written.
            let again = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"又一次","phone":"139 0000 0001"}"#)
            #expect(again.status == .conflict && again.json.errorCode == "already_signed_up")
            // A wrong code opens nothing.
            let wrong = try await client.call(
                .delete, "/api/v1/events/\(id)/signups/\(made[0].id)?code=AAAA-AAAA", token: nil)
            #expect(wrong.status == .notFound)
            // The first person cancels with their code: the first on the waiting list moves up.
            let cancelled = try await client.call(
                .delete, "/api/v1/events/\(id)/signups/\(made[0].id)?code=\(made[0].code.lowercased())", token: nil)
            #expect(cancelled.status == .ok)
            #expect(cancelled.json["promoted"]?.arrayItemsForTests.compactMap(\.intValue) == [made[2].id])
            // Each person was told by text message; the one who moved up is told again.
            #expect(
                try await Self.count(
                    services, "SELECT COUNT(*) AS n FROM outbox WHERE target_kind = 'sms' AND event = 'event.signup'")
                    == 4)
            #expect(
                try await Self.count(
                    services,
                    """
                    SELECT COUNT(*) AS n FROM outbox WHERE target_kind = 'sms' AND event = 'event.signup.promoted'
                      AND target = '13900000003' AND payload_json LIKE '%候补转为正式报名%'
                    """) == 1)
            let twice = try await client.call(
                .delete, "/api/v1/events/\(id)/signups/\(made[0].id)?code=\(made[0].code)", token: nil)
            #expect(twice.status == .conflict)
            // Staff cancel a waiting sign-up: nobody moves (no place was freed).
            let staff = try await client.call(.delete, "/api/v1/events/\(id)/signups/\(made[3].id)", token: token)
            #expect(staff.status == .ok && staff.json["promoted"]?.arrayItemsForTests.isEmpty == true)
            // The person the organisers took off is told; those who cancelled with their own code are not.
            #expect(
                try await Self.count(
                    services,
                    """
                    SELECT COUNT(*) AS n FROM outbox WHERE target_kind = 'sms' AND event = 'event.signup.cancelled'
                      AND payload_json LIKE '%已由组织方取消%'
                    """) == 1)
            let list = try await client.call(.get, "/api/v1/events/\(id)/signups", token: token)
            let byId = Dictionary(
                list.json.items.map { ($0["id"]!.intValue!, $0["status"]!.stringValue!) },
                uniquingKeysWith: { a, _ in a })
            #expect(byId[made[1].id] == "confirmed" && byId[made[2].id] == "confirmed")
            #expect(byId[made[0].id] == "cancelled" && byId[made[3].id] == "cancelled")
            // Lowering the capacity below the confirmed is refused naming the field; raising it moves people up.
            let low = try await client.call(.patch, "/api/v1/events/\(id)", token: token, body: #"{"capacity":1}"#)
            #expect(low.status == .unprocessableContent && low.json["error"]?["field"]?.stringValue == "capacity")
            let fifth = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: token, body: #"{"name":"王奶奶","phone":"13900000005"}"#)
            #expect(fifth.json["status"]?.stringValue == "waitlisted")
            let raised = try await client.call(.patch, "/api/v1/events/\(id)", token: token, body: #"{"capacity":3}"#)
            #expect(raised.status == .ok && raised.json["confirmed"]?.intValue == 3)
            #expect(
                try await Self.count(
                    services,
                    "SELECT COUNT(*) AS n FROM event_signups WHERE event_id = \(bind: id) AND status = 'waitlisted'")
                    == 0)
            // Called off: the three still signed up are told why, by text message; those who cancelled are not.
            let called = try await client.call(
                .post, "/api/v1/events/\(id)/cancel", token: token, body: #"{"reason":"天气原因改期"}"#)
            #expect(called.status == .ok, "\(called.text)")
            #expect(
                try await Self.count(
                    services,
                    """
                    SELECT COUNT(*) AS n FROM outbox WHERE event = 'event.cancelled' AND payload_json LIKE '%天气原因改期%'
                      AND target IN ('13900000002', '13900000003', '13900000005')
                    """) == 3)
            #expect(
                try await Self.count(services, "SELECT COUNT(*) AS n FROM outbox WHERE event = 'event.cancelled'") == 3)
        }
    }

    @Test func aSignupToAPastEventAndBadEventsAreRefusedNamingTheFieldWithNothingWritten() async throws {
        try await TestApp.with { client, services in
            let (token, ids) = try await Self.place(client)
            let past = try await Self.event(
                client, token, community: ids[1], capacity: "10", starts: "\(EventTests.past)T09:00:00+08:00",
                ends: "\(EventTests.past)T11:00:00+08:00")
            for t in [nil, token] {
                let r = try await client.call(
                    .post, "/api/v1/events/\(past)/signups", token: t, body: #"{"name":"居民","phone":"13900000001"}"#)
                #expect(r.status == .unprocessableContent)
                #expect(r.json["error"]?["field"]?.stringValue == "starts_at")
                #expect(r.json.errorCode == "event_started")
            }
            #expect(try await Self.count(services, "SELECT COUNT(*) AS n FROM event_signups") == 0)
            // Held, it keeps its day: moved into the future it would be offered to the public again.
            let moved = try await client.call(
                .patch, "/api/v1/events/\(past)", token: token,
                body:
                    #"{"starts_at":"\#(EventTests.day)T09:00:00+08:00","ends_at":"\#(EventTests.day)T11:00:00+08:00"}"#)
            #expect(moved.status == .conflict && moved.json.errorCode == "event_held", "\(moved.text)")
            // One not yet held is not moved into the past, where it would stay held; nothing is changed.
            let upcoming = try await Self.event(
                client, token, community: ids[1], capacity: "10", starts: "\(EventTests.day)T09:00:00+08:00",
                ends: "\(EventTests.day)T11:00:00+08:00")
            let intoPast = try await client.call(
                .patch, "/api/v1/events/\(upcoming)", token: token,
                body:
                    #"{"starts_at":"\#(EventTests.past)T09:00:00+08:00","ends_at":"\#(EventTests.past)T11:00:00+08:00"}"#
            )
            #expect(intoPast.status == .unprocessableContent && intoPast.json.errorCode == "moved_past")
            let kept = try await client.call(.get, "/api/v1/events/\(upcoming)", token: token)
            #expect(kept.json["starts_at"]?.stringValue?.hasPrefix(EventTests.day.description) == true, "\(kept.text)")
            let replaced = try await client.call(
                .patch, "/api/v1/events/\(past)", token: token, body: #"{"place":"社区广场"}"#)
            #expect(replaced.status == .conflict && replaced.json.errorCode == "event_held", "its place stays too")
            let retitled = try await client.call(
                .patch, "/api/v1/events/\(past)", token: token, body: #"{"title":"诗会（补记）"}"#)
            #expect(retitled.status == .ok, "its other words may still be corrected")
            let base =
                #""title":"诗会","place":"活动室","signup":"open","community_id":\#(ids[1]),"starts_at":"\#(EventTests.day)T09:00:00+08:00""#
            let bad: [(String, String)] = [
                (#"{\#(base),"kind":"happy_sunday","ends_at":"\#(EventTests.day)T08:00:00+08:00"}"#, "ends_at"),
                (
                    #"{\#(base),"kind":"happy_sunday","ends_at":"\#(EventTests.day)T10:00:00+08:00","capacity":-1}"#,
                    "capacity"
                ),
                (
                    #"{\#(base),"kind":"happy_sunday","ends_at":"\#(EventTests.day)T10:00:00+08:00","capacity":0}"#,
                    "capacity"
                ),
                (#"{\#(base),"kind":"karaoke","ends_at":"\#(EventTests.day)T10:00:00+08:00"}"#, "kind"),
                (#"{\#(base),"kind":"culture","ends_at":"tomorrow"}"#, "ends_at"),
                (
                    #"{"title":"诗会","place":"活动室","signup":"open","community_id":\#(ids[1]),"kind":"culture","starts_at":"9999-06-01T09:00","ends_at":"9999-06-01T10:00"}"#,
                    "starts_at"
                ),
                (
                    #"{"title":"诗会","place":"活动室","signup":"open","community_id":\#(ids[1]),"kind":"culture","starts_at":"0001-06-01T09:00","ends_at":"0001-06-01T10:00"}"#,
                    "starts_at"
                ),
                (
                    #"{\#(base),"kind":"culture","ends_at":"\#(EventTests.day)T10:00:00+08:00","compound_id":\#(ids[2])}"#,
                    "community_id"
                ),
                (
                    #"{"title":" ","kind":"culture","place":"x","signup":"open","community_id":\#(ids[1]),"starts_at":"\#(EventTests.day)T09:00:00Z","ends_at":"\#(EventTests.day)T10:00:00Z"}"#,
                    "title"
                ),
            ]
            for (body, field) in bad {
                let r = try await client.call(.post, "/api/v1/events", token: token, body: body)
                #expect(r.status == .unprocessableContent, "\(body)")
                #expect(r.json["error"]?["field"]?.stringValue == field, "\(body): \(r.text)")
            }
            #expect(
                try await Self.count(services, "SELECT COUNT(*) AS n FROM events") == 2,
                "the past one and the upcoming one")
            // A bad phone and a missing name are refused, naming them.
            let coming = try await Self.event(client, token, community: ids[1])
            let phone = try await client.call(
                .post, "/api/v1/events/\(coming)/signups", token: nil, body: #"{"name":"居民","phone":"call me"}"#)
            #expect(phone.status == .unprocessableContent && phone.json["error"]?["field"]?.stringValue == "phone")
            let name = try await client.call(
                .post, "/api/v1/events/\(coming)/signups", token: nil, body: #"{"phone":"13900000001"}"#)
            #expect(name.status == .unprocessableContent && name.json["error"]?["field"]?.stringValue == "name")
            #expect(try await Self.count(services, "SELECT COUNT(*) AS n FROM event_signups") == 0)
        }
    }

    /// Only residents in the registry of the place sign up to a residents-only event (matched by phone).
    @Test func aResidentsOnlyEventTakesPhonesFromThePlacesRegistry() async throws {
        try await TestApp.with { client, services in
            let (token, ids) = try await Self.place(client)
            let h = try await client.call(
                .post, "/api/v1/households", token: token,
                body: #"{"entrance_id":\#(ids[4]),"room":"301","floor":3,"area_m2":"85.6"}"#)
            let household = h.json["id"]!.intValue!
            try await services.database.transaction { db in
                let r = try await db.raw(
                    "INSERT INTO residents (subdistrict_id, name, phone) VALUES (\(bind: ids[0]), '王秀兰', '13912345678') RETURNING id"
                ).first()!.int("id")
                try await db.raw(
                    "INSERT INTO household_residents (household_id, resident_id, relation) VALUES (\(bind: household), \(bind: r), 'owner')"
                ).run()
            }
            let id = try await Self.event(client, token, community: ids[1], signup: "residents")
            let stranger = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"路人","phone":"13800000000"}"#)
            #expect(stranger.status == .unprocessableContent)
            #expect(stranger.json["error"]?["field"]?.stringValue == "phone")
            // A resident's phone under another name is refused alike: the answer does not tell a stranger whether the
            // number is a resident's, and no one is signed up in a resident's name by someone who knows the number.
            let borrowed = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"随便写","phone":"13912345678"}"#)
            #expect(borrowed.status == .unprocessableContent && borrowed.text == stranger.text)
            let resident = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"王秀兰","phone":"139-1234-5678"}"#)
            #expect(resident.status == .created && resident.json["status"]?.stringValue == "confirmed")
        }
    }

    @Test func signupsArePersonalDataSeenOnlyByStaffInScope() async throws {
        try await TestApp.with { client, _ in
            let (token, ids) = try await Self.place(client)
            let other = try await client.call(
                .post, "/api/v1/communities", token: token, body: #"{"subdistrict_id":\#(ids[0]),"name":"乙"}"#)
            let otherId = other.json["id"]!.intValue!
            for (name, role, scope) in [
                ("staff1", "community_staff", "community:\(ids[1])"),
                ("staff2", "community_staff", "community:\(otherId)"),
                ("viewer1", "viewer", "community:\(ids[1])"), ("steward1", "steward", "compound:\(ids[2])"),
            ] {
                let u = try await client.call(
                    .post, "/api/v1/users", token: token,
                    body: #"{"username":"\#(name)","password":"\#(name)-pass-9","role":"\#(role)","scope":"\#(scope)"}"#
                )
                #expect(u.status == .created, "\(u.text)")
            }
            let id = try await Self.event(client, token, community: ids[1], capacity: "5")
            let signed = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"赵桂兰","phone":"13912345678"}"#)
            #expect(signed.status == .created)
            #expect(try await client.call(.get, "/api/v1/events/\(id)/signups", token: nil).status == .unauthorized)
            let steward = try await client.token("steward1", "steward1-pass-9")
            #expect(try await client.call(.get, "/api/v1/events/\(id)/signups", token: steward).status == .forbidden)
            // The compound's public page lists the community's coming event with its link.
            let compoundPage = try await client.execute(uri: "/public/compounds/\(ids[2])", method: .get) {
                String(buffer: $0.body)
            }
            #expect(compoundPage.contains("href=\"/public/events/\(id)\""))
            // A compound's steward reaches the events of its whole community, as its residents are invited to them.
            #expect(try await client.call(.get, "/api/v1/events/\(id)", token: steward).status == .ok)
            #expect(
                try await client.call(.get, "/api/v1/events", token: steward).json.items.contains {
                    $0["id"]?.intValue == id
                })
            let viewer = try await client.token("viewer1", "viewer1-pass-9")
            #expect(try await client.call(.get, "/api/v1/events/\(id)/signups", token: viewer).status == .forbidden)
            // The viewer reads the event with its organisers masked.
            let seen = try await client.call(.get, "/api/v1/events/\(id)", token: viewer)
            #expect(seen.status == .ok)
            #expect(seen.json["organisers"]?.arrayItemsForTests.first?["phone"]?.stringValue == "139****0001")
            #expect(seen.json["organisers"]?.arrayItemsForTests.first?["name"]?.stringValue == "李**")
            let elsewhere = try await client.token("staff2", "staff2-pass-9")
            #expect(try await client.call(.get, "/api/v1/events/\(id)/signups", token: elsewhere).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/events/\(id)", token: elsewhere).status == .notFound)
            let staff = try await client.token("staff1", "staff1-pass-9")
            let list = try await client.call(.get, "/api/v1/events/\(id)/signups", token: staff)
            #expect(list.json.items.first?["name"]?.stringValue == "赵桂兰")
            #expect(list.json.items.first?["phone"]?.stringValue == "13912345678")
            // A steward signs up an elderly neighbour for its compound's community event.
            let byNeighbour = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: steward, body: #"{"name":"刘大爷","phone":"13912340000"}"#)
            #expect(byNeighbour.status == .created)
            // The other community's staff still cannot.
            let byOther = try await client.call(
                .post, "/api/v1/events/\(id)/signups", token: elsewhere, body: #"{"name":"钱奶奶","phone":"13912340001"}"#)
            #expect(byOther.status == .notFound || byOther.status == .forbidden)
            // The public page shows counts, never who signed up.
            let page = try await client.execute(uri: "/public/events/\(id)", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("快乐星期天"))
            // A resident who came by a shared link reads whose event it is.
            #expect(page.contains("举办：甲</p>"))
            // The sign-up's privacy note speaks of the event, not of confirming a repair.
            #expect(page.contains("只有活动组织者和社区工作人员能看到") && !page.contains("整改"))
            #expect(!page.contains("赵桂兰") && !page.contains("13912345678") && !page.contains("13903710001"))
        }
    }

    /// A steward signs up a neighbour for its compound's event without the anonymous limit; anonymous sign-ups
    /// from one address stop at ten in ten minutes.
    @Test func anonymousSignupsAreLimitedAndAStewardsAreNot() async throws {
        try await TestApp.with { client, _ in
            let (token, ids) = try await Self.place(client)
            let u = try await client.call(
                .post, "/api/v1/users", token: token,
                body:
                    #"{"username":"steward1","password":"steward1-pass-9","role":"steward","scope":"compound:\#(ids[2])"}"#
            )
            #expect(u.status == .created)
            let made = try await client.call(
                .post, "/api/v1/events", token: token,
                body:
                    #"{"title":"楼道清洁","kind":"volunteer","compound_id":\#(ids[2]),"starts_at":"\#(EventTests.day)T09:00","ends_at":"\#(EventTests.day)T11:00","place":"单元门口","signup":"open"}"#
            )
            #expect(made.status == .created)
            #expect(made.json["starts_at"]?.stringValue == "\(EventTests.day)T09:00:00+08:00")
            let id = made.json["id"]!.intValue!
            // Refused sign-ups (a phone mistyped) take none of the address's ten.
            for _ in 0..<5 {
                let typo = try await client.call(
                    .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"居民","phone":"1390"}"#)
                #expect(typo.status == .unprocessableContent)
            }
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<11 {
                statuses.append(
                    try await client.call(
                        .post, "/api/v1/events/\(id)/signups", token: nil,
                        body: #"{"name":"居民","phone":"1390000\#(1000 + i)"}"#
                    ).status)
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .created } && statuses.last == .tooManyRequests)
            // Cancellation codes tried from one address are limited through the API as on the page.
            var tries: [HTTPResponse.Status] = []
            for _ in 0..<31 {
                tries.append(
                    try await client.call(.delete, "/api/v1/events/\(id)/signups/1?code=AAAA-AAAA", token: nil).status)
            }
            #expect(tries.prefix(30).allSatisfy { $0 == .notFound } && tries.last == .tooManyRequests, "\(tries)")
            let steward = try await client.token("steward1", "steward1-pass-9")
            for i in 0..<3 {
                let r = try await client.call(
                    .post, "/api/v1/events/\(id)/signups", token: steward,
                    body: #"{"name":"刘大爷","phone":"1370000\#(1000 + i)"}"#)
                #expect(r.status == .created)
            }
        }
    }

    /// After the event: attendance, helpers' hours, a report on the news page, in the Atom feed (parsed as XML
    /// here, with feedparser in CI) and the iCalendar feeds.
    @Test func theReportIsInTheNewsFeedAndTheEventInTheCalendars() async throws {
        try await TestApp.with { client, _ in
            let (token, ids) = try await Self.place(client)
            let id = try await Self.event(
                client, token, community: ids[1], capacity: "5", starts: "\(EventTests.past)T15:00:00+08:00",
                ends: "\(EventTests.past)T17:00:00+08:00")
            let early = try await Self.event(client, token, community: ids[1])
            let notYet = try await client.call(
                .put, "/api/v1/events/\(early)/report", token: token, body: #"{"text":"还没开始"}"#)
            #expect(notYet.status == .conflict && notYet.json.errorCode == "not_ended")
            let report = try await client.call(
                .put, "/api/v1/events/\(id)/report", token: token,
                body: #"{"text":"居民表演了快板 & 京剧 <选段>。","photos":[]}"#)
            #expect(report.status == .ok && report.json["report"]?["text"]?.stringValue == "居民表演了快板 & 京剧 <选段>。")
            let hours = try await client.call(
                .put, "/api/v1/events/\(id)/volunteer_hours", token: token,
                body:
                    #"{"helpers":[{"name":"李红梅","role":"organiser","minutes":150},{"name":"张建国","phone":"13903710002","role":"helper","minutes":20}]}"#
            )
            #expect(hours.status == .ok && hours.json["total_minutes"]?.intValue == 170)
            #expect(hours.json["total_hours"]?.stringValue == "2.83")
            let twice = try await client.call(
                .put, "/api/v1/events/\(id)/volunteer_hours", token: token,
                body:
                    #"{"helpers":[{"name":"李红梅","role":"helper","minutes":60},{"name":"李 红梅","role":"helper","minutes":60}]}"#
            )
            #expect(twice.status == .unprocessableContent && twice.json["error"]?["code"]?.stringValue == "duplicate")
            // On the page a refusal names the row, and the rows come back as typed.
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            let admin = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let rows: [(String, String)] = [
                ("name", "李红梅"), ("phone", ""), ("duration", "2.5"), ("role", "organiser"),
                ("name", "新人"), ("phone", "12345"), ("duration", "1小时"), ("role", "helper"),
            ]
            let refused = try await admin.post("/events/\(id)/hours", rows)
            #expect(refused.0 == .unprocessableContent && refused.2.contains("第 2 行：手机号码格式不对。"))
            #expect(refused.2.contains(#"value="新人""#) && refused.2.contains(#"value="12345""#))
            // A form sent with more rows than an event may have is refused saying how many, and not drawn back whole.
            let many = (0..<201).flatMap { i in
                [("name", "志愿者\(i)"), ("phone", ""), ("duration", "1"), ("role", "helper")]
            }
            let (tooMany, _, manyPage) = try await admin.post("/events/\(id)/hours", many)
            #expect(tooMany == .unprocessableContent && manyPage.contains("一次最多登记 200 人的服务时长"))
            #expect(manyPage.contains(#"value="志愿者199""#) && !manyPage.contains(#"value="志愿者200""#))
            let totals = try await client.call(.get, "/api/v1/volunteer_hours", token: token)
            #expect(totals.json.items.first?["name"]?.stringValue == "李红梅")
            // An organiser's row left without minutes (they come filled in) is passed over; a helper's is not.
            let organiserIdle: [(String, String)] = [
                ("name", "李红梅"), ("phone", ""), ("duration", ""), ("role", "organiser"),
                ("name", "曹秀英"), ("phone", ""), ("duration", "90分钟"), ("role", "helper"),
            ]
            #expect(try await admin.post("/events/\(id)/hours", organiserIdle).0 == .seeOther)
            let saved = try await client.call(.get, "/api/v1/events/\(id)/volunteer_hours", token: token)
            #expect(saved.json["total_minutes"]?.intValue == 90, "\(saved.text)")
            // The form reads hours as the volunteer page does, and offers what is saved in the same words.
            let page = try await admin.get("/events/\(id)")
            #expect(page.1.contains(#"name="duration" inputmode="decimal""#) && page.1.contains(#"value="1.5""#))
            // The organiser left without hours is still offered, filled in, beside the helper whose hours were saved.
            #expect(page.1.contains(#"name="name" value="李红梅""#) && page.1.contains(#"value="organiser""#))
            let hoursTyped: [(String, String)] = [
                ("name", "曹秀英"), ("phone", ""), ("duration", "25"), ("role", "helper"),
            ]
            let tooLong = try await admin.post("/events/\(id)/hours", hoursTyped)
            #expect(tooLong.0 == .unprocessableContent && tooLong.2.contains("第 1 行：服务时长须在 1 分钟到 24 小时之间"))
            #expect(tooLong.2.contains(#"value="25""#))
            // 15 typed for 1.5 is asked about, as on the volunteer page, and kept once ticked.
            let fifteen: [(String, String)] = [("name", "曹秀英"), ("phone", ""), ("duration", "15"), ("role", "helper")]
            let asked = try await admin.post("/events/\(id)/hours", fifteen)
            #expect(asked.0 == .unprocessableContent && asked.2.contains("第 1 行超过 12 小时"))
            #expect(asked.2.contains(#"<input type="checkbox" name="long" value="1">"#))
            #expect(try await admin.post("/events/\(id)/hours", fifteen + [("long", "1")]).0 == .seeOther)
            let fifteenSaved = try await client.call(.get, "/api/v1/events/\(id)/volunteer_hours", token: token)
            #expect(fifteenSaved.json["total_minutes"]?.intValue == 900)
            let unreadable = try await admin.post(
                "/events/\(id)/hours", [("name", "曹秀英"), ("phone", ""), ("duration", "一个半"), ("role", "helper")])
            #expect(unreadable.0 == .unprocessableContent && unreadable.2.contains("第 1 行：没看懂“一个半”"))
            // Said inside the form, where the page opens, with its rows numbered as the reason names them.
            let inForm = try #require(unreadable.2.range(of: #"/hours#hours""#)).upperBound
            #expect(unreadable.2[inForm...].prefix(600).contains("第 1 行：没看懂“一个半”"))
            #expect(unreadable.2.contains(#"<li><span class="muted">第 1 行</span>"#))
            let forgotten: [(String, String)] = [("name", "曹秀英"), ("phone", ""), ("duration", ""), ("role", "helper")]
            let refusedRow = try await admin.post("/events/\(id)/hours", forgotten)
            #expect(refusedRow.0 == .unprocessableContent && refusedRow.2.contains("第 1 行"))
            let (status, contentType, body) = try await client.execute(
                uri: "/public/communities/\(ids[1])/news.atom", method: .get
            ) { ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body)) }
            #expect(status == .ok && contentType.hasPrefix("application/atom+xml"))
            let feed = AtomProbe(Data(body.utf8))
            #expect(feed.parsed, "the feed is well-formed XML")
            #expect(feed.root == "feed" && feed.namespace == "http://www.w3.org/2005/Atom")
            #expect(feed.feedFields.isSuperset(of: ["title", "id", "updated", "author"]))
            #expect(feed.entries.count == 1)
            #expect(feed.entries.first?["title"] == "快乐星期天")
            #expect(feed.entries.first?["content"] == "居民表演了快板 & 京剧 <选段>。")
            #expect(feed.entries.first.map { Set($0.keys).isSuperset(of: ["id", "updated", "title"]) } == true)
            #expect(!body.contains("13903710001") && !body.contains("李红梅"))
            let news = try await client.execute(uri: "/public/communities/\(ids[1])/news", method: .get) {
                String(buffer: $0.body)
            }
            #expect(news.contains("居民表演了快板 &amp; 京剧 &lt;选段&gt;。"))
            let (ics, vary) = try await client.execute(
                uri: "/public/communities/\(ids[1])/events.ics", method: .get
            ) { (String(buffer: $0.body), $0.headers[.vary]) }
            #expect(ics.contains("UID:event-\(early)@courtyard\r\n"))
            // Its links carry the address asked at, so a shared cache keeps one copy per address; a Host that is not
            // a plain host name or address is never put in a link.
            #expect(vary == "Host")
            #expect(Services.plainAuthority("courtyard.example:8080") && Services.plainAuthority("[::1]:80"))
            #expect(Services.plainAuthority("localhost") && Services.plainAuthority("10.0.0.2:18301"))
            for bad in [
                "evil.example/x", "a\"b", "<x>", "evil@example", "", ".evil", String(repeating: "a", count: 256), "[",
                "::::", "[evil.example]", "1.2.3.4:99999999999", "host:0", "a..b", "-a.b", "a:b:c",
            ] {
                #expect(!Services.plainAuthority(bad), "\(bad)")
            }
            let compact = EventTests.day.replacingOccurrences(of: "-", with: "")
            #expect(ics.contains("DTSTART;TZID=Asia/Shanghai:\(compact)T090000\r\n"))
            // Each entry leads back to its page, and says what it is and where to sign up.
            let unfolded = ics.replacingOccurrences(of: "\r\n ", with: "")
            #expect(unfolded.contains("URL:http://") && unfolded.contains("/public/events/\(early)\r\n"))
            #expect(unfolded.contains("DESCRIPTION:") && unfolded.contains("/public/events/\(early)"))
            // The account's private feed carries the events of its scope too.
            let made = try await client.call(.post, "/api/v1/me/calendar_feed", token: token)
            let path = URL(string: made.json["url"]?.stringValue ?? "")?.path ?? ""
            let mine = try await client.execute(uri: path, method: .get) { String(buffer: $0.body) }
            #expect(mine.contains("UID:event-\(early)@courtyard"))
            #expect(
                try await client.execute(uri: "/public/communities/999999/news.atom", method: .get) { $0.status }
                    == .notFound)
        }
    }

    /// An event of the admin's first community with one resident signed up: the admin's token, the event, the sign-up.
    static func signedUp(_ client: any TestClientProtocol, name: String, phone: String) async throws -> (
        token: String, id: Int64, signup: Int64
    ) {
        let (token, ids) = try await Self.place(client)
        let id = try await Self.event(client, token, community: ids[1])
        let made = try await client.call(
            .post, "/api/v1/events/\(id)/signups", token: nil, body: #"{"name":"\#(name)","phone":"\#(phone)"}"#)
        return (token, id, try #require(made.json["id"]?.intValue))
    }

    /// A clerk's "取消报名" asks whom it cancels before it does: the button sits among the names.
    @Test func theOrganisersConfirmBeforeTakingSomeoneOffTheList() async throws {
        try await TestApp.with { client, services in
            let (_, id, signup) = try await Self.signedUp(client, name: "赵奶奶", phone: "13900000001")
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            let admin = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let asked = try await admin.post("/events/\(id)/signups/\(signup)/cancel", [])
            #expect(asked.0 == .ok && asked.2.contains("确定取消 赵奶奶 的报名吗？"))
            #expect(asked.2.contains("/events/\(id)/signups/\(signup)/cancel?confirm=1"))
            let stillThere: SQLQueryString =
                "SELECT COUNT(*) AS n FROM event_signups WHERE id = \(bind: signup) AND status = 'confirmed'"
            #expect(try await Self.count(services, stillThere) == 1)
            let done = try await admin.post("/events/\(id)/signups/\(signup)/cancel?confirm=1", [])
            #expect(done.0 == .seeOther && done.1 == "/events/\(id)?saved=cancelled")
            #expect(try await admin.get(done.1).1.contains("已取消这位居民的报名，并已短信告知本人。"))
            #expect(try await Self.count(services, stillThere) == 0)
            // Signing a neighbour up with a number that takes no text message keeps what was typed.
            let landline = try await admin.post("/events/\(id)/signups", [("name", "钱爷爷"), ("phone", "0371-6666")])
            #expect(landline.0 == .unprocessableContent)
            #expect(landline.2.contains(#"value="钱爷爷""#) && landline.2.contains(#"value="0371-6666""#))
        }
    }

    /// An event not yet held is moved from its page: refused into the past with what was typed kept, refused when
    /// another clerk changed it first, and saved otherwise, with those signed up told by text message.
    @Test func theOrganisersMoveAnUpcomingEventAndThoseSignedUpAreTold() async throws {
        try await TestApp.with { client, services in
            let (token, id, _) = try await Self.signedUp(client, name: "赵奶奶", phone: "13900000001")
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            let admin = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, page) = try await admin.get("/events/\(id)")
            let version = try #require(page.firstMatch(of: /name="version" value="(\d+)"/).map { String($0.1) })
            #expect(page.contains(#"value="\#(EventTests.day)T09:00""#) && page.contains("修改时间、地点、名额或组织者"))
            func edit(_ starts: String, _ ends: String, version: String, once: String? = nil) async throws -> (
                HTTPResponse.Status, String, String
            ) {
                try await admin.post(
                    "/events/\(id)/edit",
                    [
                        ("version", version), ("title", "快乐星期天"), ("starts_at", starts), ("ends_at", ends),
                        ("place", "社区广场"), ("capacity", ""),
                    ] + (once.map { [("_once", $0)] } ?? []))
            }
            let told: SQLQueryString =
                "SELECT COUNT(*) AS n FROM outbox WHERE event = 'event.changed' AND target = '13900000001'"
            let (past, _, refused) = try await edit(
                "\(EventTests.past)T09:00", "\(EventTests.past)T11:00", version: version)
            #expect(past == .unprocessableContent)
            #expect(refused.contains(#"<details id="edit" open>"#) && refused.contains("改期只能改到现在以后"))
            #expect(refused.contains(#"value="\#(EventTests.past)T09:00""#) && refused.contains(#"value="社区广场""#))
            let later = EventTests.day
            let (moved, to, _) = try await edit("\(later)T14:00", "\(later)T16:00", version: version)
            #expect(moved == .seeOther && to == "/events/\(id)?saved=1")
            #expect(try await Self.count(services, told) == 1)
            let stored = try await client.call(.get, "/api/v1/events/\(id)", token: token)
            #expect(stored.json["place"]?.stringValue == "社区广场", "\(stored.text)")
            #expect(try await Self.count(services, told) == 1)
            let text: SQLQueryString = "SELECT payload_json AS t FROM outbox WHERE event = 'event.changed'"
            let sent = try await services.database.withConnection { try await $0.raw(text).first()?.text("t") }
            #expect(sent?.contains("改为\(later) 14:00至16:00，地点：社区广场") == true, "\(sent ?? "")")
            // A form read before that change is refused showing what is stored now, and nothing more is sent.
            let (stale, _, stalePage) = try await edit("\(later)T15:00", "\(later)T17:00", version: version)
            #expect(stale == .preconditionFailed)
            #expect(stalePage.contains(#"value="\#(later)T14:00""#) && !stalePage.contains(#"value="\#(later)T15:00""#))
            #expect(try await Self.count(services, told) == 1)
            // Sent twice (a double tap), it is saved once and the second sending is not called someone else's change.
            let (_, fresh) = try await admin.get("/events/\(id)")
            let now = try #require(fresh.firstMatch(of: /name="version" value="(\d+)"/).map { String($0.1) })
            let once = UUID().uuidString
            let first = try await edit("\(later)T09:30", "\(later)T12:00", version: now, once: once)
            let second = try await edit("\(later)T09:30", "\(later)T12:00", version: now, once: once)
            #expect(first.0 == .seeOther && second.0 == .seeOther && second.1 == first.1, "\(second)")
            #expect(try await Self.count(services, told) == 2)
            // A start kept to the second by the API is shown to the minute; saved unchanged, it is not a move.
            let seconds = try await client.call(
                .patch, "/api/v1/events/\(id)", token: token,
                body: #"{"starts_at":"\#(later)T09:30:30+08:00","ends_at":"\#(later)T12:00:30+08:00"}"#)
            let afterSeconds = try await Self.count(services, told)
            #expect(seconds.status == .ok && afterSeconds == 3)
            let (_, shown) = try await admin.get("/events/\(id)")
            let current = try #require(shown.firstMatch(of: /name="version" value="(\d+)"/).map { String($0.1) })
            let (kept, _, _) = try await admin.post(
                "/events/\(id)/edit",
                [
                    ("version", current), ("title", "快乐星期天"), ("starts_at", "\(later)T09:30"),
                    ("ends_at", "\(later)T12:00"), ("place", "社区广场"), ("capacity", "20"),
                ])
            let afterKept = try await Self.count(services, told)
            #expect(kept == .seeOther && afterKept == 3, "a new capacity is not a move")
            // The organisers are changed on the page too; one kept keeps the phone an API client gave it.
            let phoned = try await client.call(
                .patch, "/api/v1/events/\(id)", token: token,
                body: #"{"organisers":[{"name":"王阿姨","phone":"13900000009"},{"name":"老李","phone":""}]}"#)
            #expect(phoned.status == .ok, "\(phoned.text)")
            let (_, listed) = try await admin.get("/events/\(id)")
            #expect(listed.contains(#"name="organisers" maxlength="500" value="王阿姨、老李""#))
            let latest = try #require(listed.firstMatch(of: /name="version" value="(\d+)"/).map { String($0.1) })
            let (renamed, _, _) = try await admin.post(
                "/events/\(id)/edit",
                [
                    ("version", latest), ("title", "快乐星期天"), ("starts_at", "\(later)T09:30"),
                    ("ends_at", "\(later)T12:00"), ("place", "社区广场"), ("capacity", "20"),
                    ("organisers", "王阿姨，张师傅"),
                ])
            #expect(renamed == .seeOther)
            let organisers = try await client.call(.get, "/api/v1/events/\(id)", token: token).json["organisers"]
            #expect(organisers.arrayItems.map { $0["name"]?.stringValue } == ["王阿姨", "张师傅"])
            #expect(
                organisers.arrayItems.first?["phone"]?.stringValue == "13900000009", "\(String(describing: organisers))"
            )
            #expect(try await Self.count(services, told) == 3, "new organisers are not a move")
        }
    }

    /// Once an event is over its list is what happened: nobody is taken off it, and no text tells them so.
    @Test func nobodyIsTakenOffTheListOfAnEventThatIsOver() async throws {
        try await TestApp.with { client, services in
            let (token, id, signup) = try await Self.signedUp(client, name: "孙阿姨", phone: "13900000002")
            try await services.database.withConnection { db in
                try await db.raw(
                    """
                    UPDATE events SET starts_at = '2020-06-01T01:00:00Z', ends_at = '2020-06-01T03:00:00Z'
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
            let (cookie, csrf) = try await client.session("admin", TestApp.adminPassword)
            let admin = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let page = try await admin.get("/events/\(id)").1
            #expect(page.contains("孙阿姨") && !page.contains("/signups/\(signup)/cancel"), "no cancel button")
            let refused = try await client.call(
                .delete, "/api/v1/events/\(id)/signups/\(signup)", token: token)
            #expect(refused.status == .conflict && refused.json.errorCode == "event_over", "\(refused.text)")
            #expect(refused.text.contains("活动已经结束"))
            let kept: SQLQueryString =
                "SELECT COUNT(*) AS n FROM event_signups WHERE id = \(bind: signup) AND status = 'confirmed'"
            #expect(try await Self.count(services, kept) == 1)
        }
    }
}

/// Reads an Atom document with Foundation's XML parser: the root, the feed's own elements and each entry's.
final class AtomProbe: NSObject, XMLParserDelegate {
    var parsed = false
    var root = ""
    var namespace = ""
    var feedFields: Set<String> = []
    var entries: [[String: String]] = []
    private var path: [String] = []
    private var text = ""

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = self
        parsed = parser.parse()
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if path.isEmpty {
            root = name
            namespace = namespaceURI ?? ""
        }
        if path == ["feed"] {
            if name == "entry" { entries.append([:]) } else { feedFields.insert(name) }
        }
        path.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if path.count == 3 && path[1] == "entry" { entries[entries.count - 1][name] = text }
        path.removeLast()
    }
}
