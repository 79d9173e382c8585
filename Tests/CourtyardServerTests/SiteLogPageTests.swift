import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The site log as a contractor writes it on the project's page from a phone.
@Suite struct SiteLogPageTests {
    typealias Browser = CoordinationPageTests.Browser

    /// A 1×1 PNG, as a phone's camera would send a (much larger) one.
    static let png: [UInt8] = Array(
        Data(
            base64Encoded:
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )!)

    /// A page's multipart form as a browser sends it, with a PNG in `fileField` when `photo` is given.
    static func post(
        _ client: any TestClientProtocol, _ path: String, cookie: String, _ fields: [(String, String)],
        photo: [UInt8]? = nil, fileField: String = "photo"
    ) async throws -> (HTTPResponse.Status, String, String) {
        let boundary = "log-boundary-7"
        var body = ByteBuffer()
        for (k, v) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        if let photo {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"现场.png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n"
            )
            body.writeBytes(photo)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return try await client.execute(
            uri: path, method: .post,
            headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: body
        ) { ($0.status, $0.headers[.location] ?? "", String(buffer: $0.body)) }
    }

    /// A project of the demo contractor in construction without today's log, and one of its work items above 0%.
    static func project(_ services: Services) async throws -> (project: Int64, item: Int64, percent: Int64) {
        try await services.database.withConnection { db in
            let r = try await db.raw(
                """
                SELECT p.id AS project, w.id AS item, w.percent FROM projects p
                JOIN work_items w ON w.project_id = p.id
                JOIN users u ON u.username = 'contractor' AND u.scope_id = p.contractor_id
                WHERE p.stage = 'construction' AND w.percent > 0
                  AND NOT EXISTS (SELECT 1 FROM site_logs l WHERE l.project_id = p.id AND l.date = \(bind: Clock.today.description))
                ORDER BY p.id, w.id
                """
            ).first()!
            return (
                try r.decode(column: "project", as: Int64.self), try r.decode(column: "item", as: Int64.self),
                try r.decode(column: "percent", as: Int64.self)
            )
        }
    }

    static func percent(_ services: Services, _ item: Int64) async throws -> Int64 {
        try await services.database.withConnection { db in
            try await db.raw("SELECT percent FROM work_items WHERE id = \(bind: item)").first()!
                .decode(column: "percent", as: Int64.self)
        }
    }

    /// A slip in today's log is mended the same day by the person who wrote it: the text and the percent it set;
    /// nobody else may, and a log written on an earlier day stands as written.
    @Test func todaysLogIsCorrectedByItsAuthorTheSameDay() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let (project, item, percent) = try await Self.project(services)
            // The new log's weather and workers start empty, their usual values as hints: typing on a phone does
            // not add to them (晴晴, 40).
            let (_, form, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(form.contains(#"name="weather" value="" maxlength="100" placeholder="晴">"#))
            #expect(form.contains(#"inputmode="numeric" value="" placeholder="0">"#))
            let fields = [
                ("_csrf", csrf), ("date", Clock.today.description), ("weather", "晴"), ("workers", "8"),
                ("work_done", "拆除3号楼旧雨蓬"), ("progress_\(item)", String(percent + 10)),
            ]
            let (saved, _, _) = try await Self.post(client, "/projects/\(project)/site_logs", cookie: cookie, fields)
            #expect(saved == .seeOther)
            #expect(try await Self.percent(services, item) == percent + 10)
            let (_, page, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(page.contains("更正今天的日志"))
            let office = Browser(client: client, cookie: cookie, csrf: csrf)
            let action = try #require(
                page.range(of: #"action="/projects/\#(project)/site_logs/"#).map {
                    String(
                        page[page.index(after: page.index($0.lowerBound, offsetBy: 7))...].prefix {
                            $0 != "\"" && $0 != "#"
                        })
                })
            // Refused (no work described): the form stays open with what was typed.
            let (refused, _, again) = try await office.post(
                action, [("weather", "晴"), ("workers", "9"), ("work_done", " "), ("progress_\(item)", "55")])
            #expect(refused == .unprocessableContent)
            #expect(again.contains(#"<details id="log-correct" open>"#) && again.contains(#"value="9""#))
            let (mended, _, _) = try await office.post(
                action,
                [
                    ("weather", "晴"), ("workers", "9"), ("work_done", "拆除3号楼旧雨棚"),
                    ("progress_\(item)", String(percent + 5)), ("version", "1"),
                ])
            #expect(mended == .seeOther)
            // A second tab, read before that correction, is refused and shows the log as it is now; nothing of
            // it is saved over the first.
            let (stale, _, stalePage) = try await office.post(
                action,
                [
                    ("weather", "阴"), ("workers", "4"), ("work_done", "拆除3号楼旧雨棚"), ("issues", "雨棚有裂缝"),
                    ("progress_\(item)", String(percent + 5)), ("version", "1"),
                ])
            #expect(stale == .preconditionFailed)
            #expect(stalePage.contains("今天的日志在您打开这页之后又有人改过"))
            #expect(stalePage.contains(#"name="version" value="2""#) && stalePage.contains(#"value="9""#))
            // What the second tab typed is said under the refusal, to type again, not put into the form.
            #expect(stalePage.contains(#"<details id="log-correct" open>"#))
            #expect(stalePage.contains("您刚才填写的（没有保存）：") && stalePage.contains("存在问题：雨棚有裂缝"))
            #expect(!stalePage.contains(">雨棚有裂缝</textarea>"))
            let (_, after, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(after.contains("拆除3号楼旧雨棚") && !after.contains("拆除3号楼旧雨蓬"))
            #expect(try await Self.percent(services, item) == percent + 5)
            // The office, which may write site logs too, may not correct the contractor's; nor may the supervisor.
            let (officeCookie, officeCSRF) = try await client.session("office")
            let clerk = Browser(client: client, cookie: officeCookie, csrf: officeCSRF)
            let (other, _, otherPage) = try await clerk.post(
                action, [("work_done", "改写"), ("workers", "1"), ("progress_\(item)", "1")])
            #expect(other == .conflict || other == .unprocessableContent)
            #expect(otherPage.contains("只有填写这篇日志的人可以更正它"))
            let (supervisorCookie, supervisorCSRF) = try await client.session("supervisor")
            let supervisor = Browser(client: client, cookie: supervisorCookie, csrf: supervisorCSRF)
            let (denied, _, _) = try await supervisor.post(action, [("work_done", "改写"), ("progress_\(item)", "1")])
            #expect(denied == .forbidden)
            #expect(try await Self.percent(services, item) == percent + 5)
            // Written yesterday (in China): it stands as written.
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE site_logs SET created_at = \(bind: Clock.iso(Date().addingTimeInterval(-86_400 * 2)))"
                ).run()
            }
            let (late, _, latePage) = try await office.post(
                action, [("weather", "晴"), ("workers", "9"), ("work_done", "再改一次"), ("progress_\(item)", "1")])
            #expect(late == .conflict || late == .unprocessableContent)
            #expect(latePage.contains("施工日志只能在填写当天更正"))
            #expect(try await Self.percent(services, item) == percent + 5)
        }
    }

    /// The same correction through the API: the fields sent replace the log's, the rest stay, the day never moves;
    /// only its author, only on the day.
    @Test func todaysLogIsCorrectedThroughTheAPIByItsAuthor() async throws {
        try await TestApp.with(demo: true) { client, services in
            let contractor = try await client.token("contractor")
            let (project, item, percent) = try await Self.project(services)
            let path = "/api/v1/projects/\(project)/site_logs"
            let written = try await client.call(
                .post, path, token: contractor,
                body: #"""
                    {"date":"\#(Clock.today)","weather":"晴","workers":8,"work_done":"拆除旧雨蓬","progress":[{"work_item_id":\#(item),"percent":\#(percent + 10)}]}
                    """#)
            #expect(written.status == .created)
            let log = try #require(written.json["id"]?.intValue)
            let mended = try await client.call(
                .patch, "\(path)/\(log)", token: contractor,
                body: #"{"work_done":"拆除旧雨棚","progress":[{"work_item_id":\#(item),"percent":\#(percent + 5)}]}"#)
            #expect(mended.status == .ok)
            #expect(mended.json["work_done"]?.stringValue == "拆除旧雨棚" && mended.json["workers"]?.intValue == 8)
            #expect(mended.json["weather"]?.stringValue == "晴" && mended.json["date"]?.stringValue == "\(Clock.today)")
            #expect(try await Self.percent(services, item) == percent + 5)
            // Only the workers sent: the text and the progress stay as they were.
            let workers = try await client.call(.patch, "\(path)/\(log)", token: contractor, body: #"{"workers":9}"#)
            #expect(workers.status == .ok && workers.json["workers"]?.intValue == 9)
            #expect(workers.json["work_done"]?.stringValue == "拆除旧雨棚")
            #expect(workers.json["progress"]?.arrayItemsForTests.first?["percent"]?.intValue == percent + 5)
            #expect(try await Self.percent(services, item) == percent + 5)
            let blank = try await client.call(.patch, "\(path)/\(log)", token: contractor, body: #"{"work_done":" "}"#)
            #expect(blank.status == .unprocessableContent)
            #expect(blank.json["error"]?["errors"] == nil && blank.json["error"]?["field"]?.stringValue == "work_done")
            let two = try await client.call(
                .patch, "\(path)/\(log)", token: contractor, body: #"{"work_done":" ","workers":-1}"#)
            #expect(two.status == .unprocessableContent)
            let fields = two.json["error"]?["errors"]?.arrayItemsForTests.map { $0["field"]?.stringValue ?? "" }
            #expect(fields == ["workers", "work_done"])
            let office = try await client.token("office")
            let other = try await client.call(.patch, "\(path)/\(log)", token: office, body: #"{"workers":1}"#)
            #expect(other.json.errorCode == "not_author")
            let supervisor = try await client.token("supervisor")
            let denied = try await client.call(.patch, "\(path)/\(log)", token: supervisor, body: #"{"workers":1}"#)
            #expect(denied.status == .forbidden)
            let missing = try await client.call(.patch, "\(path)/999999", token: contractor, body: #"{"workers":1}"#)
            #expect(missing.status == .notFound)
            try await services.database.withConnection { db in
                try await db.raw(
                    "UPDATE site_logs SET created_at = \(bind: Clock.iso(Date().addingTimeInterval(-86_400 * 2)))"
                ).run()
            }
            let late = try await client.call(.patch, "\(path)/\(log)", token: contractor, body: #"{"workers":9}"#)
            #expect(late.json.errorCode == "past_day")
            let stored = try await client.call(.get, path, token: contractor)
            let row = stored.json["items"]?.arrayItemsForTests.first { $0["id"]?.intValue == log }
            #expect(row?["workers"]?.intValue == 9 && row?["work_done"]?.stringValue == "拆除旧雨棚")
        }
    }

    /// A log typed with several mistakes names all of them at once, a line each, in the page's language, and keeps
    /// what was typed; the correction form does the same.
    @Test func aRefusedLogNamesEveryMistakeAtOnce() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let (project, item, _) = try await Self.project(services)
            let name = try await services.database.withConnection { db in
                try await db.raw("SELECT name FROM work_items WHERE id = \(bind: item)").first()!.decode(
                    column: "name", as: String.self)
            }
            let path = "/projects/\(project)/site_logs"
            let (status, _, page) = try await Self.post(
                client, path, cookie: cookie,
                [
                    ("_csrf", csrf), ("date", "2026-02-30"), ("weather", "晴"), ("workers", "十个"),
                    ("work_done", " "), ("progress_\(item)", "150"),
                ])
            #expect(status == .unprocessableContent)
            let note = try #require(
                page.components(separatedBy: #"<p class="note bad lines" role="alert">"#).dropFirst().first
            )
            .prefix { $0 != "<" }
            #expect(
                note.split(separator: "\n") == [
                    "日期无效：请按 年-月-日 填写一个存在的日期，如 2026-03-01。", "作业人数请填写0到10000之间的整数。",
                    "“\(name)”的进度请填写0到100之间的整数。", "请填写当日完成工作。",
                ])
            #expect(page.contains(#"value="十个""#) && page.contains(#"value="150""#))
            // Each field named is marked where it is, and only those.
            #expect(
                page.contains(#"required aria-invalid="true">"#)
                    && page.contains(#"value="十个" placeholder="0" aria-invalid="true">"#))
            #expect(
                page.contains(#"value="150" aria-invalid="true">"#)
                    && page.contains(
                        #"<textarea name="work_done" rows="3" required maxlength="4000" aria-invalid="true">"#)
            )
            #expect(
                !page.contains(#"placeholder="晴" aria-invalid"#)
                    && !page.contains(#"<textarea name="issues" rows="2" maxlength="4000" aria-invalid"#))
            // A day years back is refused for its year at once, before any question of moving the works' start.
            let (old, _, oldPage) = try await Self.post(
                client, path, cookie: cookie,
                [("_csrf", csrf), ("date", "1990-01-01"), ("workers", "3"), ("work_done", "清运垃圾")])
            #expect(old == .unprocessableContent && oldPage.contains("日期早于一年前，请核对年份。"))
            #expect(!oldPage.contains(#"name="confirm_start""#) && oldPage.contains(#"value="1990-01-01" max="#))
            let (english, _, enPage) = try await Self.post(
                client, path + "?lang=en", cookie: cookie,
                [("_csrf", csrf), ("date", Clock.today.description), ("workers", "-1"), ("work_done", "")])
            #expect(english == .unprocessableContent)
            #expect(enPage.contains("Say what work was done that day.") && !enPage.contains("say what work was done"))
            let logs = try await services.database.withConnection { db in
                try await db.raw("SELECT COUNT(*) AS n FROM site_logs WHERE project_id = \(bind: project)").first()!
                    .decode(column: "n", as: Int.self)
            }
            let (saved, _, _) = try await Self.post(
                client, path, cookie: cookie,
                [("_csrf", csrf), ("date", Clock.today.description), ("workers", "3"), ("work_done", "清运垃圾")])
            #expect(saved == .seeOther)
            let (_, projectPage, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            let action = try #require(
                projectPage.range(of: #"action="/projects/\#(project)/site_logs/"#).map {
                    String(
                        projectPage[projectPage.index(after: projectPage.index($0.lowerBound, offsetBy: 7))...].prefix {
                            $0 != "\"" && $0 != "#"
                        })
                })
            let browser = Browser(client: client, cookie: cookie, csrf: csrf)
            let (refused, _, again) = try await browser.post(
                action, [("workers", "x"), ("work_done", ""), ("progress_\(item)", "-5")])
            #expect(refused == .unprocessableContent)
            #expect(again.contains("作业人数请填写0到10000之间的整数。\n“\(name)”的进度请填写0到100之间的整数。\n请填写当日完成工作。"))
            let after = try await services.database.withConnection { db in
                try await db.raw("SELECT COUNT(*) AS n FROM site_logs WHERE project_id = \(bind: project)").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(after == logs + 1)
        }
    }

    /// A work item today's log names leaves the plan: the log's other fields can still be corrected, while a
    /// correction that names an item outside the plan is refused.
    @Test func aLogNamingAnItemSinceRemovedCanStillBeCorrected() async throws {
        try await TestApp.with(demo: true) { client, services in
            let contractor = try await client.token("contractor")
            let (project, item, percent) = try await Self.project(services)
            let extra = try await services.database.withConnection { db in
                try await db.raw(
                    """
                    INSERT INTO work_items (project_id, code, category, name, quantity_centi, unit, budget_fen)
                    VALUES (\(bind: project), 'X-1', 'other', '临时围挡', 100, '项', 0) RETURNING id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let path = "/api/v1/projects/\(project)/site_logs"
            let written = try await client.call(
                .post, path, token: contractor,
                body: #"""
                    {"date":"\#(Clock.today)","workers":6,"work_done":"搭设围挡","progress":[{"work_item_id":\#(item),"percent":\#(percent)},{"work_item_id":\#(extra),"percent":50}]}
                    """#)
            #expect(written.status == .created)
            let log = try #require(written.json["id"]?.intValue)
            // The item leaves the plan, and its number goes to an item of another project (SQLite gives the highest
            // number again once it is free).
            try await services.database.withConnection { db in
                try await db.raw("DELETE FROM work_items WHERE id = \(bind: extra)").run()
                try await db.raw(
                    """
                    INSERT INTO work_items (id, project_id, code, category, name, quantity_centi, unit, budget_fen)
                    SELECT \(bind: extra), MIN(id), 'Y-1', 'other', '别的项目', 100, '项', 0 FROM projects
                    WHERE id <> \(bind: project)
                    """
                ).run()
            }
            let workers = try await client.call(.patch, "\(path)/\(log)", token: contractor, body: #"{"workers":7}"#)
            #expect(workers.status == .ok && workers.json["workers"]?.intValue == 7)
            #expect(workers.json["progress"]?.arrayItemsForTests.count == 2)
            // Each correction counts; one sent with the tag of an earlier reading is refused and changes nothing.
            #expect(workers.headers[.eTag] == "\"\(log)-2\"" && workers.json["version"]?.intValue == 2)
            let stale = try await client.call(
                .patch, "\(path)/\(log)", token: contractor, body: #"{"workers":9}"#,
                headers: [.ifMatch: "\"\(log)-1\""])
            #expect(stale.status == .preconditionFailed && stale.json.errorCode == "stale")
            // A log's day is not changed by a correction, and an empty one changes nothing: both said, not counted.
            let dated = try await client.call(
                .patch, "\(path)/\(log)", token: contractor, body: #"{"date":"2026-01-01","workers":7}"#)
            #expect(dated.status == .unprocessableContent && dated.json.errorCode == "unknown_field", "\(dated.text)")
            let empty = try await client.call(.patch, "\(path)/\(log)", token: contractor, body: "{}")
            #expect(empty.status == .unprocessableContent && empty.json.errorCode == "empty")
            let current = try await client.call(
                .patch, "\(path)/\(log)", token: contractor, body: #"{"workers":8}"#,
                headers: [.ifMatch: "\"\(log)-2\""])
            #expect(current.status == .ok && current.json["workers"]?.intValue == 8)
            // The other project's item keeps its own percent: this log's 50% is not written to it.
            #expect(try await Self.percent(services, extra) == 0)
            let elsewhere = try await client.call(
                .patch, "\(path)/\(log)", token: contractor,
                body: #"{"progress":[{"work_item_id":999999,"percent":10}]}"#)
            #expect(elsewhere.status == .unprocessableContent && elsewhere.json.errorCode == "not_found")
        }
    }

    @Test func loweringProgressAsksFirstThenTheLogIsSavedWithItsPhotoAndTodaysLogIsShown() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let (project, item, percent) = try await Self.project(services)
            let (_, page, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(page.contains("填写今天的施工日志") && page.contains(#"<details id="log-form" open>"#))
            // The camera's photo is made smaller in the browser before it is sent, by the script every page loads.
            #expect(
                page.contains(#"capture="environment" data-resize="1600""#) && page.contains("/static/report-photos.js")
            )
            let before = try await CoordinationTests.count(services, "site_logs")
            let fields = [
                ("_csrf", csrf), ("date", Clock.today.description), ("weather", "多云"), ("workers", "１２"),
                ("work_done", "拆除3号楼旧雨棚"), ("progress_\(item)", String(percent - 1)),
            ]
            // A count or a percent out of range is said plainly, before any warning about lowering progress.
            for (name, value, words) in [
                ("workers", "-5", "作业人数请填写0到10000之间的整数"), ("progress_\(item)", "150", "进度请填写0到100之间的整数"),
                ("progress_\(item)", "-3", "进度请填写0到100之间的整数"), ("date", "2026-02-30", "请按 年-月-日 填写一个存在的日期"),
            ] {
                let steady = fields.filter { $0.0 != "progress_\(item)" } + [("progress_\(item)", String(percent))]
                let bad = steady.filter { $0.0 != name } + [(name, value)]
                let (status, _, said) = try await Self.post(
                    client, "/projects/\(project)/site_logs", cookie: cookie, bad)
                #expect(status == .unprocessableContent && said.contains(words), "\(name)=\(value)")
                #expect(!said.contains("确认调低进度"), "\(name)=\(value)")
                #expect(said.contains("填写今天的施工日志") == (name != "date"), "\(name)=\(value)")
            }
            // Lower than it stands: the page asks first, keeps what was typed and writes nothing.
            let (asked, _, again) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields)
            #expect(asked == .unprocessableContent)
            #expect(again.contains("确认调低进度") && again.contains("\(percent)% → \(percent - 1)%"))
            #expect(again.contains("拆除3号楼旧雨棚</textarea>") && again.contains(#"value="多云""#))
            #expect(try await CoordinationTests.count(services, "site_logs") == before)

            // A file that is no photo is refused, and the page says once that the chosen file was not kept.
            let (notPhoto, _, saidOnce) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields + [("confirm_lower", "1")],
                photo: Array("not a photo at all".utf8))
            #expect(notPhoto == .unprocessableContent)
            // (The page's own words for its script, on <body>, are not said to the person.)
            let main = saidOnce.components(separatedBy: "<main").last ?? ""
            #expect(main.components(separatedBy: "所选的照片或文件没有保存").count == 2, "\(saidOnce)")
            // Confirmed, with a photo: saved, back with the saved message, today's log shown, the form folded.
            let (saved, location, _) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields + [("confirm_lower", "1")],
                photo: Self.png)
            #expect(saved == .seeOther && location == "/projects/\(project)?saved=log#ledger")
            #expect(try await CoordinationTests.count(services, "site_logs") == before + 1)
            let photos = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT photos_json FROM site_logs WHERE project_id = \(bind: project) AND date = \(bind: Clock.today.description)"
                ).first()!.decode(column: "photos_json", as: String.self)
            }
            #expect(photos != "[]")
            // Typed with a Chinese keyboard's digits (１２), the count is kept as twelve.
            let workers = try await SelectionTests.ints(
                services,
                "SELECT workers FROM site_logs WHERE project_id = \(bind: project) AND date = \(bind: Clock.today.description)",
                "workers")
            #expect(workers == [12])
            let (_, after, _) = try await PageTests.page(client, "/projects/\(project)?saved=log", cookie: cookie)
            #expect(after.contains("施工日志已保存。") && after.contains("今天的施工日志已填写"))
            #expect(after.contains("补写其他日期的日志") && after.contains(#"<details id="log-form">"#))

            // The same day again: refused in Chinese inside the form, the text kept.
            let (twice, _, refused) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie,
                fields.dropLast() + [("progress_\(item)", String(percent - 1))])
            #expect(twice == .conflict && refused.contains("拆除3号楼旧雨棚</textarea>"))
            #expect(refused.contains("这一天已经有施工日志了"), "says what the conflict is")
            #expect(try await CoordinationTests.count(services, "site_logs") == before + 1)
        }
    }
}

extension SiteLogPageTests {
    /// A back-filled log dated before the project started would move its 开工日期 back: the page asks first, and
    /// only a confirmed date moves it.
    @Test func aLogDatedBeforeTheStartAsksBeforeMovingIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let (project, item, percent) = try await Self.project(services)
            let token = try await client.token("contractor")
            let started = try #require(
                Day(
                    try await client.call(.get, "/api/v1/projects/\(project)", token: token).json["started_on"]?
                        .stringValue ?? ""))
            let early = started.adding(days: -20)
            let fields = [
                ("_csrf", csrf), ("date", early.description), ("weather", "晴"), ("workers", "6"),
                ("work_done", "补记：进场搭设围挡"), ("progress_\(item)", String(percent)),
            ]
            let before = try await CoordinationTests.count(services, "site_logs")
            let (asked, _, again) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields)
            #expect(asked == .unprocessableContent)
            #expect(again.contains("早于本项目的开工日期 \(started)") && again.contains(#"name="confirm_start""#))
            #expect(again.contains("补记：进场搭设围挡</textarea>"))
            // Shown again for the day typed, the form is headed as a back-fill, not as today's log.
            #expect(again.contains("补写其他日期的日志") && !again.contains("填写今天的施工日志"))
            #expect(try await CoordinationTests.count(services, "site_logs") == before)
            let (saved, _, _) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields + [("confirm_start", "1")])
            #expect(saved == .seeOther)
            let after = try await client.call(.get, "/api/v1/projects/\(project)", token: token)
            #expect(after.json["started_on"]?.stringValue == early.description)
        }
    }
}
