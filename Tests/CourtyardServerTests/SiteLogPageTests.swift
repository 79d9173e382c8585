import CourtyardServer
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The site log as a contractor writes it on the project's page from a phone.
@Suite struct SiteLogPageTests {
    /// A 1×1 PNG, as a phone's camera would send a (much larger) one.
    static let png: [UInt8] = Array(
        Data(
            base64Encoded:
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )!)

    static func post(
        _ client: any TestClientProtocol, _ path: String, cookie: String, _ fields: [(String, String)],
        photo: [UInt8]? = nil
    ) async throws -> (HTTPResponse.Status, String, String) {
        let boundary = "log-boundary-7"
        var body = ByteBuffer()
        for (k, v) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        if let photo {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"现场.png\"\r\nContent-Type: image/png\r\n\r\n"
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

    @Test func loweringProgressAsksFirstThenTheLogIsSavedWithItsPhotoAndTodaysLogIsShown() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let (project, item, percent) = try await Self.project(services)
            let (_, page, _) = try await PageTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(page.contains("填写今天的施工日志") && page.contains(#"<details id="log-form" open>"#))
            let before = try await CoordinationTests.count(services, "site_logs")
            let fields = [
                ("_csrf", csrf), ("date", Clock.today.description), ("weather", "多云"), ("workers", "12"),
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
            }
            // Lower than it stands: the page asks first, keeps what was typed and writes nothing.
            let (asked, _, again) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie, fields)
            #expect(asked == .unprocessableContent)
            #expect(again.contains("确认调低进度") && again.contains("\(percent)% → \(percent - 1)%"))
            #expect(again.contains("拆除3号楼旧雨棚</textarea>") && again.contains(#"value="多云""#))
            #expect(try await CoordinationTests.count(services, "site_logs") == before)

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
            let (_, after, _) = try await PageTests.page(client, "/projects/\(project)?saved=log", cookie: cookie)
            #expect(after.contains("施工日志已保存。") && after.contains("今天的施工日志已填写"))
            #expect(after.contains("补写其他日期的日志") && after.contains(#"<details id="log-form">"#))

            // The same day again: refused in Chinese inside the form, the text kept.
            let (twice, _, refused) = try await Self.post(
                client, "/projects/\(project)/site_logs", cookie: cookie,
                fields.dropLast() + [("progress_\(item)", String(percent - 1))])
            #expect(twice == .conflict && refused.contains("拆除3号楼旧雨棚</textarea>"))
            #expect(try await CoordinationTests.count(services, "site_logs") == before + 1)
        }
    }
}
