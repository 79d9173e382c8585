import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/volunteers`: where each volunteer's hours come from, and the form that records a patrol by hand.
@Suite struct VolunteerPageTests {
    @Test func aCommunityWorkerRecordsAPatrolAndSeesWhereTheHoursComeFrom() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("community")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (status, page) = try await browser.get("/volunteers")
            #expect(status == .ok && page.contains("登记服务时长") && page.contains(#"name="duration""#))
            let place = try #require(page.firstMatch(of: /<option value="(compound:\d+)"/).map { String($0.1) })
            let before = try await SelectionTests.count(services, "volunteer_hours")
            // Without the time: refused beside the field, what was typed kept, nothing written.
            let (refused, _, again) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("phone", ""), ("activity", "patrol"),
                    ("date", Clock.today.description), ("duration", "两个钟头"), ("note", "夜间巡逻"),
                ])
            #expect(refused == .unprocessableContent)
            #expect(
                again.contains(#"id="volunteer-duration-error">没看懂“两个钟头”：时长请写成"#) && again.contains(#"value="韩冬梅""#))
            #expect(again.contains(#"value="两个钟头""#))
            // Everything wrong is said at once, each beside its own field: no name, a phone one digit short, a day
            // after today and a time nobody could read.
            let (all, _, allPage) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", ""), ("phone", "1380000000"), ("activity", "patrol"),
                    ("date", Clock.today.adding(days: 20).description), ("duration", "一个半"),
                ])
            #expect(all == .unprocessableContent)
            for (id, words) in [
                ("name", "请填写姓名"), ("phone", "手机号码格式不对"), ("date", "日期不能晚于今天"), ("duration", "没看懂“一个半”"),
            ] {
                #expect(allPage.contains(#"id="volunteer-\#(id)-error">\#(words)"#), "\(id)")
            }
            // A day after today is the store's refusal, marked beside the date.
            let (future, _, later) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("activity", "patrol"),
                    ("date", Clock.today.adding(days: 3).description), ("duration", "1.5"),
                ])
            #expect(future == .unprocessableContent && later.contains(#"id="volunteer-date-error""#))
            // A note past its bound names the bound of this form (500), not another form's.
            let (long, _, longPage) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("activity", "patrol"), ("date", Clock.today.description),
                    ("duration", "1"), ("note", String(repeating: "巡", count: 501)),
                ])
            #expect(long == .unprocessableContent && longPage.contains("说明最多 500 字。"))
            // Fifteen hours in one entry (1.5 mistyped) is asked about, nothing written; ticked, it is kept.
            let fifteen = [
                ("place", place), ("name", "孙志刚"), ("activity", "patrol"), ("date", Clock.today.description),
                ("duration", "15"),
            ]
            let (asked, _, askedPage) = try await browser.post("/volunteers", fifteen)
            #expect(asked == .unprocessableContent && askedPage.contains("一次登记 15 小时，比一般的服务时间长得多，请核对"))
            #expect(askedPage.contains(#"name="long" value="1""#))
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before)
            // A kind the form never offers (an event's hours come from its helpers) is refused, not filed as other.
            for crafted in ["event", "cooking"] {
                let (odd, _, oddPage) = try await browser.post(
                    "/volunteers",
                    [
                        ("place", place), ("name", "韩冬梅"), ("activity", crafted),
                        ("date", Clock.today.description), ("duration", "1"),
                    ])
                #expect(odd == .unprocessableContent && oddPage.contains("请选择服务类别"), "\(crafted)")
            }
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before)
            let (saved, next, _) = try await browser.post(
                "/volunteers",
                [
                    ("place", place), ("name", "韩冬梅"), ("phone", "13912345678"), ("activity", "patrol"),
                    ("date", Clock.today.description), ("duration", "1.5"), ("note", "夜间巡逻 3 号楼至 5 号楼"),
                ])
            #expect(saved == .seeOther && next.hasPrefix("/volunteers?year=\(Clock.today.civil.year)&saved="))
            #expect(next.hasSuffix("#record"))
            let (_, shown) = try await browser.get(String(next.prefix { $0 != "#" }))
            // Read back beside the form it was recorded with, 1.5 typed as hours.
            #expect(
                shown.contains(
                    #"<h2 id="record">登记服务时长</h2>\#n<p class="note ok" role="status">已登记：韩冬梅 · 巡逻 · 1.5 小时 · \#(Clock.today)"#
                ))
            // Community staff may remove any entry, not only on the day: the line says so.
            #expect(shown.contains("有误的，可在下方列表中删除后重新登记。"))
            // The person's row says where the hours come from: 1.5 hours of patrol.
            let row = try #require(shown.firstMatch(of: /<tr><td class="key" data-label="志愿者">韩冬梅<\/td>.*?<\/tr>/))
            #expect(row.0.contains(#"data-label="巡逻（小时）">1.5</td>"#))
            #expect(shown.contains("夜间巡逻 3 号楼至 5 号楼") && shown.contains("/api/v1/volunteer_hours/summary?year="))
            // Confirmed, the long entry is kept.
            let (confirmed, _, _) = try await browser.post("/volunteers", fifteen + [("long", "1")])
            #expect(confirmed == .seeOther)
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before + 2)
        }
    }

    /// A building's steward records in the compound they look after, and reads volunteers' names but not phones.
    @Test func aStewardRecordsInTheirCompoundAndSeesNoPhones() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let community = try await client.token("community")
            let me = try await client.call(.get, "/api/v1/auth/me", token: community)
            let communityId = try #require(Int64(me.json["scope"]?.stringValue?.split(separator: ":").last ?? ""))
            let made = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body: #"""
                    {"community_id":\#(communityId),"name":"周海燕","phone":"13812345670","activity":"patrol","date":"\#(Clock.today)","minutes":30}
                    """#)
            #expect(made.status == .created)
            let steward = try await client.token("steward")
            let whole = try await client.call(
                .post, "/api/v1/volunteer_hours", token: steward,
                body: #"""
                    {"community_id":\#(communityId),"name":"孙丽","activity":"patrol","date":"\#(Clock.today)","minutes":30}
                    """#)
            #expect(
                whole.status == .unprocessableContent && whole.json["error"]?["field"]?.stringValue == "compound_id")
            let summary = try await client.call(
                .get, "/api/v1/volunteer_hours/summary?year=\(Clock.today.civil.year)", token: steward)
            let person = summary.json["volunteers"]?.arrayItemsForTests.first { $0["name"]?.stringValue == "周海燕" }
            #expect(person != nil && person?["phone"]?.stringValue != "13812345670", "\(summary.text)")
        }
    }

    /// Whoever only reads sees the hours without the form, and no volunteer's name in full.
    @Test func aViewerReadsTheHoursWithoutTheFormOrNames() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let community = try await client.token("community")
            let me = try await client.call(.get, "/api/v1/auth/me", token: community)
            let scope = try #require(me.json["scope"]?.stringValue)
            let communityId = try #require(Int64(scope.split(separator: ":").last ?? ""))
            let made = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body: #"""
                    {"community_id":\#(communityId),"name":"李建国","activity":"outreach","date":"\#(Clock.today)","minutes":60}
                    """#)
            #expect(made.status == .created, "\(made.text)")
            let (cookie, csrf) = try await client.session("viewer")
            let browser = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (status, page) = try await browser.get("/volunteers")
            #expect(status == .ok && page.contains("按志愿者"))
            #expect(!page.contains(#"name="duration""#) && !page.contains("李建国"))
            let (refused, _, _) = try await browser.post("/volunteers", [("name", "x")])
            #expect(refused == .forbidden)
        }
    }

    /// The same service sent twice asks before it counts twice; a wrong entry is removed by whoever recorded it that
    /// day, and by the community's staff any day.
    @Test func aRepeatAsksFirstAndAWrongEntryIsRemoved() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("louzhang")
            let steward = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, page) = try await steward.get("/volunteers")
            let place = try #require(page.firstMatch(of: /<option value="(compound:\d+)"/).map { String($0.1) })
            let entry = [
                ("place", place), ("name", "韩冬梅"), ("activity", "patrol"), ("date", Clock.today.description),
                ("duration", "1.5"),
            ]
            let (first, _, _) = try await steward.post("/volunteers", entry)
            #expect(first == .seeOther)
            let before = try await SelectionTests.count(services, "volunteer_hours")
            let (twice, _, asked) = try await steward.post("/volunteers", entry)
            #expect(twice == .conflict && asked.contains(#"name="again" value="1""#) && asked.contains(#"value="韩冬梅""#))
            // Why it asks is said beside the box, where the page opens, not only at its top.
            #expect(
                asked.contains(#"<p class="field-error" id="volunteer-again-error" role="alert">这位志愿者当天同样的服务已经登记过"#))
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before)
            let (again, _, _) = try await steward.post("/volunteers", entry + [("again", "1")])
            let afterAgain = try await SelectionTests.count(services, "volunteer_hours")
            #expect(again == .seeOther && afterAgain == before + 1)
            // Their own entries of today carry a remove button; the community's do not.
            let community = try await client.token("community")
            let other = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body:
                    #"{"\#(place.hasPrefix("compound") ? "compound_id" : "community_id")":\#(place.split(separator: ":")[1]),"name":"周海燕","activity":"other","date":"\#(Clock.today)","minutes":30}"#
            )
            let otherId = try #require(other.json["id"]?.intValue)
            #expect(other.json["removable"] == .bool(true), "staff remove any entry")
            let (_, list) = try await steward.get("/volunteers")
            let removes = list.matches(of: /action="\/volunteers\/(\d+)\/remove"/).map { Int64($0.1)! }
            #expect(removes.count == 2 && !removes.contains(otherId))
            let (notTheirs, _, said) = try await steward.post("/volunteers/\(otherId)/remove", [])
            #expect(notTheirs == .conflict && said.contains("当天"))
            // A form read before its entry went, whose number a new entry now has, removes nothing.
            let countNow = try await SelectionTests.count(services, "volunteer_hours")
            let (stale, _, _) = try await steward.post(
                "/volunteers/\(removes[0])/remove", [("recorded_at", "2000-01-01T00:00:00Z")])
            let countAfter = try await SelectionTests.count(services, "volunteer_hours")
            #expect(stale == .seeOther && countAfter == countNow)
            let recorded = try #require(
                list.firstMatch(
                    of: try Regex(#"action="/volunteers/\#(removes[0])/remove">.*?name="recorded_at" value="([^"]+)""#)
                ).map { String($0.output[1].substring ?? "") })
            let (removed, to, _) = try await steward.post(
                "/volunteers/\(removes[0])/remove", [("recorded_at", recorded)])
            #expect(removed == .seeOther && to.hasSuffix("#entries"))
            let (_, after) = try await steward.get(String(to.prefix { $0 != "#" }))
            #expect(to.contains("removed=\(removes[0])"))
            // Named by the entry it was.
            #expect(after.contains("已删除这条登记：") && after.contains("· \(Clock.today)。"), "\(after)")
            #expect(try await SelectionTests.count(services, "volunteer_hours") == before + 1)
            // Sent twice at the same moment, it is recorded once and the other sending is asked about.
            let me = try await client.call(.get, "/api/v1/auth/me", token: community)
            let communityId = try #require(Int64(me.json["scope"]?.stringValue?.split(separator: ":").last ?? ""))
            let body =
                #"{"community_id":\#(communityId),"name":"赵兰","activity":"patrol","date":"\#(Clock.today)","minutes":40}"#
            async let a = client.call(.post, "/api/v1/volunteer_hours", token: community, body: body)
            async let b = client.call(.post, "/api/v1/volunteer_hours", token: community, body: body)
            let both = try await [a, b].map(\.status.code).sorted()
            #expect(both == [201, 409], "\(both)")
            // The API: the community's staff remove any entry in their scope, once.
            let gone = try await client.call(.delete, "/api/v1/volunteer_hours/entries/\(otherId)", token: community)
            #expect(gone.status == .noContent)
            let twiceGone = try await client.call(
                .delete, "/api/v1/volunteer_hours/entries/\(otherId)", token: community)
            #expect(twiceGone.status == .notFound)
            // The newest entry removed, the next one takes a number of its own (SQLite gave the same one again).
            let newest = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body: body.replacingOccurrences(of: "赵兰", with: "孙敏"))
            let newestId = try #require(newest.json["id"]?.intValue)
            let removedNewest = try await client.call(
                .delete, "/api/v1/volunteer_hours/entries/\(newestId)", token: community)
            #expect(removedNewest.status == .noContent)
            let next = try await client.call(
                .post, "/api/v1/volunteer_hours", token: community,
                body: body.replacingOccurrences(of: "赵兰", with: "钱芳"))
            #expect(try #require(next.json["id"]?.intValue) > newestId)
        }
    }
}
