import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Photos a resident sends with a report from the public page: at most three, read as photos, stored without
/// where they were taken.
@Suite struct ReportPhotoTests {
    /// A JPEG of 1600 × 1200 pixels whose Exif says where it was taken.
    static let jpegWithGPS: [UInt8] = jpeg(width: 1600, height: 1200)

    /// A JPEG with its Exif (where it was taken), its frame header (its size) and a scan.
    static func jpeg(width: Int, height: Int) -> [UInt8] {
        let exif = Array("Exif\0\0GPSLatitude 31.2304 N 121.4737 E".utf8)
        let n = exif.count + 2
        let frame: [UInt8] = [
            0xFF, 0xC0, 0x00, 0x08, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8),
            UInt8(width & 0xFF), 1,
        ]
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(n >> 8), UInt8(n & 0xFF)] + exif + frame
            + [0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02, 0x55, 0xAA, 0xFF, 0xD9]
    }

    static func send(
        _ client: any TestClientProtocol, compound: Int64, photos: [[UInt8]], description: String = "楼道墙皮脱落",
        english: Bool = false
    ) async throws -> (HTTPResponse.Status, String) {
        let boundary = "photo-boundary-3"
        var body = ByteBuffer()
        for (k, v) in [("category", "other"), ("description", description)] {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        for (i, p) in photos.enumerated() {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_\(i).jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            body.writeBytes(p)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return try await client.execute(
            uri: "/public/compounds/\(compound)/reports", method: .post,
            headers: english
                ? [.contentType: "multipart/form-data; boundary=\(boundary)", .acceptLanguage: "en"]
                : [.contentType: "multipart/form-data; boundary=\(boundary)"], body: body
        ) { ($0.status, String(buffer: $0.body)) }
    }

    @Test func aReportCarriesUpToThreePhotosStrippedOfWhereTheyWereTaken() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let before = try await CoordinationTests.count(services, "reports")
            let attachments = try await CoordinationTests.count(services, "attachments")
            // Four photos, or one that is not a photo: refused, nothing written.
            let (four, tooMany) = try await Self.send(
                client, compound: compound, photos: Array(repeating: Self.jpegWithGPS, count: 4))
            #expect(four == .unprocessableContent && tooMany.contains("最多只能附3张照片"))
            let (gif, unreadable) = try await Self.send(client, compound: compound, photos: [Array("GIF89a....".utf8)])
            #expect(gif == .unprocessableContent && unreadable.contains("有一张照片无法读取"))
            #expect(unreadable.contains("楼道墙皮脱落</textarea>"))
            #expect(try await CoordinationTests.count(services, "reports") == before)
            #expect(try await CoordinationTests.count(services, "attachments") == attachments)

            let (made, _) = try await Self.send(
                client, compound: compound, photos: [Self.jpegWithGPS, Self.jpegWithGPS])
            #expect(made == .seeOther)
            let stored = try await services.database.withConnection { db in
                let refs = try await db.raw("SELECT photos_json FROM reports ORDER BY id DESC").first()!.decode(
                    column: "photos_json", as: String.self)
                let ids = refs.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
                var datas: [[UInt8]] = []
                for id in ids {
                    let data = try await db.raw("SELECT data FROM attachments WHERE id = \(bind: id)").first()!.decode(
                        column: "data", as: ByteBuffer.self)
                    datas.append(Array(data.readableBytesView))
                }
                return datas
            }
            #expect(stored.count == 2)
            for photo in stored {
                #expect(photo.starts(with: [0xFF, 0xD8]) && photo.suffix(2) == [0xFF, 0xD9])
                #expect(!String(decoding: photo, as: UTF8.self).contains("GPS"))
            }
            // The office reads the report with its photos, each one it can open.
            let (report, photos) = try await services.database.withConnection { db in
                let r = try await db.raw("SELECT id, photos_json FROM reports ORDER BY id DESC").first()!
                return (
                    try r.decode(column: "id", as: Int64.self),
                    try r.decode(column: "photos_json", as: String.self).split(whereSeparator: { !$0.isNumber })
                        .compactMap { Int64($0) }
                )
            }
            let (cookie, _) = try await client.session("office")
            let (_, page, _) = try await PageTests.page(client, "/reports/\(report)", cookie: cookie)
            for photo in photos {
                #expect(page.contains(#"<img src="/api/v1/attachments/\#(photo)""#))
                let (status, _, _) = try await PageTests.page(client, "/api/v1/attachments/\(photo)", cookie: cookie)
                #expect(status == .ok)
            }
        }
    }

    /// A form past the body limit (photos an old phone browser could not shrink) is a page that says so in the
    /// person's language and sends them back to the form; the API keeps its JSON.
    @Test func aFormPastTheLimitIsAPageNotJSON() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try #require(
                try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system).items.first?.id
            )
            let boundary = "big-7"
            var body = ByteBuffer()
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n楼道漏水\r\n")
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
                    + "Content-Type: image/jpeg\r\n\r\n")
            body.writeBytes([UInt8](repeating: 0xFF, count: 11 * 1024 * 1024))
            body.writeString("\r\n--\(boundary)--\r\n")
            let (status, type, text) = try await client.execute(
                uri: "/public/compounds/\(compound)/reports", method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .acceptLanguage: "zh-CN"],
                body: body
            ) { ($0.status, $0.headers[.contentType] ?? "", String(buffer: $0.body)) }
            #expect(status == .contentTooLarge && type.hasPrefix("text/html"))
            #expect(text.contains("提交的内容太大") && text.contains("返回") && !text.contains("\"error\""))
            let api = try await client.execute(
                uri: "/api/v1/imports", method: .post, headers: [.contentType: "text/csv"],
                body: ByteBuffer(bytes: [UInt8](repeating: 0x41, count: 60 * 1024 * 1024))
            ) { ($0.status, $0.headers[.contentType] ?? "") }
            #expect(api.1.hasPrefix("application/json"))
        }
    }

    /// A photo past 4096 pixels a side or 16.7 million in all is refused beside the photo field, in the page's
    /// language, with its size; the rest of the form is kept and nothing is written.
    @Test func aPhotoTooLargeIsRefusedBesideThePhotoField() async throws {
        try await TestApp.with(demo: true) { client, services in
            let compound = try await services.registry.list(.compounds, query: ListQuery(limit: 1), actor: .system)
                .items[0].id
            let before = try await CoordinationTests.count(services, "reports")
            let (long, page) = try await Self.send(
                client, compound: compound, photos: [Self.jpeg(width: 5000, height: 3000)])
            #expect(long == .unprocessableContent)
            #expect(page.contains(#"<p class="field-error" id="report-photo-error" role="alert">照片太大（5000 × 3000 像素）"#))
            #expect(page.contains(#"aria-invalid="true" aria-describedby="report-photo-error""#))
            #expect(page.contains("楼道墙皮脱落</textarea>"))
            let (square, english) = try await Self.send(
                client, compound: compound, photos: [Self.jpegWithGPS, Self.jpeg(width: 4096, height: 4096)],
                description: "Plaster falling", english: true)
            #expect(square == .unprocessableContent)
            #expect(english.contains("A photo is too large (4096 × 4096 pixels)"))
            #expect(english.contains("Plaster falling</textarea>"))
            #expect(try await CoordinationTests.count(services, "reports") == before)
            // Refused for something else, a good photo is asked for again beside its field: no browser keeps it.
            let (empty, again) = try await Self.send(
                client, compound: compound, photos: [Self.jpeg(width: 800, height: 600)], description: "")
            #expect(empty == .unprocessableContent)
            #expect(again.contains(#"id="report-photo-error" role="alert">照片还没有提交"#))

            // The form carries the script that makes photos smaller in the browser, served as a file of its own.
            let (_, form) = try await client.execute(uri: "/public/compounds/\(compound)", method: .get) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(
                form.contains(#"<script src="/static/report-photos.js?v="#) && form.contains(#"data-resize="1600""#))
            let (js, script, headers) = try await PageTests.page(client, "/static/report-photos.js", cookie: nil)
            #expect(js == .ok && headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(script.contains("createImageBitmap") && script.contains("'image/jpeg', QUALITY"))
        }
    }
}
