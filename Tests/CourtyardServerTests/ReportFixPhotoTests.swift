import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// Whoever fixed a report shows the fix: a photo with the step to fixed, which the office reads in the report's
/// history and the resident sees by the tracking code before saying whether it is fixed.
@Suite struct ReportFixPhotoTests {
    /// A report filed by a resident and sent by the office to the demo contractor: its tracking code and id.
    static func assigned(_ client: some TestClientProtocol, _ services: Services) async throws
        -> (code: String, id: Int64)
    {
        let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
            .items[0].id
        let page = try await ReporterAnswerTests.page(client, "/public/compounds/\(compound)")
        let filed = try await ReporterAnswerTests.send(
            client, "/public/compounds/\(compound)/reports",
            [("_once", try FormSentTwiceTests.once(page)), ("category", "water_drainage"), ("description", "楼道水管漏水")])
        let code = try ReporterAnswerTests.code(filed.location)
        let id = try await SelectionTests.ints(services, "SELECT id FROM reports WHERE tracking_code = \(bind: code)")[
            0]
        let office = try await client.token("office")
        let contractor = try await CoordinationTests.scopeId(client, try await client.token("contractor"))
        for step in [#"{"to":"acknowledged"}"#, #"{"to":"assigned","assignee_organisation_id":\#(contractor)}"#] {
            let moved = try await client.call(.post, "/api/v1/reports/\(id)/transitions", token: office, body: step)
            #expect(moved.status == .ok, "\(moved.text)")
        }
        return (code, id)
    }

    @Test func theContractorShowsTheFixAndTheResidentSeesItByTheCode() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (code, id) = try await Self.assigned(client, services)
            let (cookie, csrf) = try await client.session("contractor")
            let path = "/reports/\(id)/transitions"
            let form = try await PageTests.page(client, "/reports/\(id)", cookie: cookie).1
            #expect(
                form.contains(#"enctype="multipart/form-data""#) && form.contains("整改后照片")
                    && form.contains("data-resize"))
            // The steps refused without a note say so to the page's script, which makes the note required while one
            // is chosen, so the browser asks before the photos are sent and lost to a refusal.
            #expect(form.contains(#"<option value="fixed" data-needs-note="1""#))
            #expect(!form.contains(#"value="acknowledged" data-needs-note"#))
            // A photo with another step (handing the report back) is refused, and its file not kept.
            let files = try await SelectionTests.count(services, "attachments")
            let back = try await SiteLogPageTests.post(
                client, path, cookie: cookie, [("_csrf", csrf), ("to", "reopened"), ("note", "不归我们")],
                photo: SiteLogPageTests.png)
            #expect(back.0 == .unprocessableContent && back.2.contains("只有“报告已整改”时才能附照片"))
            #expect(try await SelectionTests.count(services, "attachments") == files)
            #expect(try await ReporterAnswerTests.state(services, id) == "assigned")
            // A file that is not a photo is named beside the photo field, and nothing is kept.
            let notPhoto = try await SiteLogPageTests.post(
                client, path, cookie: cookie, [("_csrf", csrf), ("to", "fixed"), ("note", "已更换三楼水管")],
                photo: Array("不是图片".utf8))
            #expect(notPhoto.0 == .unprocessableContent && notPhoto.2.contains("“现场.png”不是能用的照片"))
            #expect(try await SelectionTests.count(services, "attachments") == files)
            let fixed = try await SiteLogPageTests.post(
                client, path, cookie: cookie, [("_csrf", csrf), ("to", "fixed"), ("note", "已更换三楼水管")],
                photo: SiteLogPageTests.png)
            #expect(fixed.0 == .seeOther)
            let office = try await client.token("office")
            let read = try await client.call(.get, "/api/v1/reports/\(id)", token: office)
            let photo = try #require(
                read.json["history"]?.arrayItemsForTests.last?["photos"]?.arrayItemsForTests.first?.intValue)
            #expect(try await client.call(.get, "/api/v1/attachments/\(photo)", token: office).status == .ok)
            // The resident, with no account, sees it beside the question, by the code only.
            let tracking = try await ReporterAnswerTests.page(client, "/public/reports/track?code=\(code)")
            let src = "/public/reports/track/photos/\(photo)?code=\(code)"
            #expect(tracking.contains("修好了吗？") && tracking.contains(src))
            let shown = try await client.execute(uri: src, method: .get) {
                ($0.status, $0.headers[.contentType], $0.headers[.contentDisposition] ?? "")
            }
            #expect(shown.0 == .ok && shown.1 == "image/png")
            #expect(shown.2.contains("fix-\(photo).png") && !shown.2.contains("现场"), "not the uploader's file name")
            for wrong in [
                "/public/reports/track/photos/\(photo)?code=R-2222-2222", "/public/reports/track/photos/\(photo)",
                "/public/reports/track/photos/\(photo - 1)?code=\(code)",
            ] {
                let (status, type, body) = try await client.execute(uri: wrong, method: .get) {
                    ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body))
                }
                // Opened in a browser (a photo tapped to see it large), a page in the resident's words, not JSON.
                #expect(status == .notFound && type.hasPrefix("text/html"), "\(wrong)")
                #expect(body.contains("链接可能有误") && body.contains("href=\"/public\"") && !body.contains("\"code\""))
            }
            // A photo's address with no number in it leads to finding one's compound too, not to signing in.
            let malformed = try await client.execute(uri: "/public/reports/track/photos/abc", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(malformed.0 == .notFound && malformed.1.contains("找到您的小区"))
        }
    }

    /// The page's field takes several photos, as the API does: up to three, a fourth refused with nothing kept.
    @Test func thePageTakesUpToThreePhotos() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (_, id) = try await Self.assigned(client, services)
            let (cookie, csrf) = try await client.session("contractor")
            func send(_ n: Int) async throws -> (HTTPResponse.Status, String) {
                let boundary = "fix-boundary-5"
                var body = ByteBuffer()
                for (k, v) in [("_csrf", csrf), ("to", "fixed"), ("note", "已更换水管")] {
                    body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
                }
                for i in 0..<n {
                    body.writeString(
                        "--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\(i).png\"\r\n"
                            + "Content-Type: image/png\r\n\r\n")
                    body.writeBytes(SiteLogPageTests.png)
                    body.writeString("\r\n")
                }
                body.writeString("--\(boundary)--\r\n")
                return try await client.execute(
                    uri: "/reports/\(id)/transitions", method: .post,
                    headers: [.cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)"], body: body
                ) { ($0.status, String(buffer: $0.body)) }
            }
            let files = try await SelectionTests.count(services, "attachments")
            let four = try await send(4)
            #expect(four.0 == .unprocessableContent && four.1.contains("最多只能附3张照片"))
            #expect(try await SelectionTests.count(services, "attachments") == files)
            #expect(try await send(2).0 == .seeOther)
            let read = try await client.call(.get, "/api/v1/reports/\(id)", token: try await client.token("office"))
            #expect(read.json["history"]?.arrayItemsForTests.last?["photos"]?.arrayItemsForTests.count == 2)
        }
    }

    /// Three photos a phone could not shrink fit the fix form (each may be as large as an attachment); past that, the
    /// person reads why and how back to the form, not a bare error.
    @Test func theFixFormTakesThreeFullSizePhotosAndSaysWhenItIsTooLarge() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (_, id) = try await Self.assigned(client, services)
            let (cookie, csrf) = try await client.session("contractor")
            func send(_ photos: Int, megabytes: Int) async throws -> (HTTPResponse.Status, String, String) {
                let boundary = "fix-boundary-big"
                var body = ByteBuffer()
                for (k, v) in [("_csrf", csrf), ("to", "fixed"), ("note", "已更换水管")] {
                    body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
                }
                for i in 0..<photos {
                    body.writeString(
                        "--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\(i).jpg\"\r\n"
                            + "Content-Type: image/jpeg\r\n\r\n")
                    body.writeBytes([UInt8](repeating: 0xFF, count: megabytes * 1024 * 1024))
                    body.writeString("\r\n")
                }
                body.writeString("--\(boundary)--\r\n")
                return try await client.execute(
                    uri: "/reports/\(id)/transitions", method: .post,
                    headers: [
                        .cookie: cookie, .contentType: "multipart/form-data; boundary=\(boundary)",
                        .acceptLanguage: "zh-CN",
                    ], body: body
                ) { ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body)) }
            }
            let files = try await SelectionTests.count(services, "attachments")
            // Read whole: these are no photos, and are said to be so beside the field.
            let three = try await send(3, megabytes: 5)
            #expect(three.0 == .unprocessableContent && three.1.hasPrefix("text/html"))
            let past = try await send(4, megabytes: 8)
            #expect(past.0 == .contentTooLarge && past.1.hasPrefix("text/html"))
            #expect(past.2.contains("提交的内容太大") && past.2.contains("点浏览器的“返回”回到表单"))
            #expect(try await SelectionTests.count(services, "attachments") == files)
        }
    }

    @Test func theAPITakesPhotosWithTheStepToFixedOnly() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (code, id) = try await Self.assigned(client, services)
            let contractor = try await client.token("contractor")
            let png = try #require(
                try await client.upload(SiteLogPageTests.png, filename: "修好了.png", token: contractor).json["id"]?
                    .intValue)
            let pdf = try #require(
                try await client.upload(ProjectTests.pdf, filename: "单据.pdf", token: contractor).json["id"]?.intValue)
            func step(_ body: String) async throws -> (HTTPResponse.Status, JSONValue) {
                let r = try await client.call(.post, "/api/v1/reports/\(id)/transitions", token: contractor, body: body)
                return (r.status, r.json)
            }
            // Someone else's picture (the office's upload) is not the contractor's to publish as its fix.
            let officeFile = try #require(
                try await client.upload(
                    SiteLogPageTests.png, filename: "街道.png", token: try await client.token("office")
                )
                .json["id"]?.intValue)
            let borrowed = try await step(#"{"to":"fixed","note":"已修","photos":[\#(officeFile)]}"#)
            #expect(borrowed.0 == .unprocessableContent && borrowed.1["error"]?["field"]?.stringValue == "photos")
            // A file that only starts like a PNG is no photo: refused as it is sent, nothing kept.
            let broken = try await client.upload(
                Array(SiteLogPageTests.png.prefix(16)), filename: "坏.png", token: contractor)
            #expect(broken.status == .unprocessableContent && broken.json.errorCode == "unsupported_type")
            let early = try await step(#"{"to":"reopened","note":"退回","photos":[\#(png)]}"#)
            #expect(early.0 == .unprocessableContent && early.1["error"]?["code"]?.stringValue == "only_when_fixed")
            let notAPhoto = try await step(#"{"to":"fixed","note":"已修","photos":[\#(pdf)]}"#)
            #expect(notAPhoto.0 == .unprocessableContent && notAPhoto.1["error"]?["field"]?.stringValue == "photos")
            let many = try await step(#"{"to":"fixed","note":"已修","photos":[\#(png),\#(png),\#(png),\#(png)]}"#)
            #expect(many.0 == .unprocessableContent && many.1["error"]?["code"]?.stringValue == "too_many")
            #expect(try await ReporterAnswerTests.state(services, id) == "assigned")
            let jpg = try #require(
                try await client.upload(ReportPhotoTests.jpegWithGPS, filename: "IMG_1.jpg", token: contractor)
                    .json["id"]?.intValue)
            let done = try await step(#"{"to":"fixed","note":"已修","photos":[\#(png),\#(jpg)]}"#)
            #expect(done.0 == .ok)
            #expect(
                done.1["history"]?.arrayItemsForTests.last?["photos"]?.arrayItemsForTests.compactMap(\.intValue)
                    == [png, jpg])
            // The resident is shown it without where it was taken.
            let shown = try await client.execute(
                uri: "/public/reports/track/photos/\(jpg)?code=\(code)", method: .get
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(shown.0 == .ok && !shown.1.contains("GPSLatitude"))
        }
    }
}
