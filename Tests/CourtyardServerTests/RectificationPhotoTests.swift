import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// The contractor reports a fix with a photo of it, which the re-inspection compares with the photo of the finding.
@Suite struct RectificationPhotoTests {
    /// A project in construction with one open finding raised by the office.
    static func finding(_ client: any TestClientProtocol, _ services: Services) async throws -> (
        f: ProjectTests.Fixture, id: Int64
    ) {
        let f = try await ProjectTests.Fixture.make(client, services)
        try await f.startConstruction()
        let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
        let check = try await f.call(
            .post, "/api/v1/projects/\(f.pid)/checks",
            #"""
            {"date":"\#(today)","items":[{"item":"沟槽防护","passed":false}],"findings":[{"description":"北侧沟槽无围挡"}]}
            """#)
        return (f, try #require(check.json["findings"]?.arrayItemsForTests.first?["id"]?.intValue))
    }

    @Test func aFixIsReportedWithPhotosThroughTheAPI() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (f, id) = try await Self.finding(client, services)
            let photo = try #require(
                try await client.upload(SiteLogPageTests.png, filename: "围挡.png", token: f.contractor).json["id"]?
                    .intValue)
            // A photo that is not a list, one that does not exist, or eleven of them: refused, the finding still open.
            let mistyped = try await f.call(
                .post, "/api/v1/findings/\(id)/rectify", as: f.contractor, #"{"note":"已补设","photos":"\#(photo)"}"#)
            #expect(mistyped.status == .unprocessableContent, "a mistyped field is not passed over")
            let missing = try await f.call(
                .post, "/api/v1/findings/\(id)/rectify", as: f.contractor, #"{"note":"已补设","photos":[999999]}"#)
            #expect(missing.status == .unprocessableContent && missing.json["error"]?["field"]?.stringValue == "photos")
            let eleven = (0..<11).map { _ in "\(photo)" }.joined(separator: ",")
            let many = try await f.call(
                .post, "/api/v1/findings/\(id)/rectify", as: f.contractor, #"{"note":"已补设","photos":[\#(eleven)]}"#)
            #expect(many.json.errorCode == "fix_photos_too_many")
            #expect(many.text.contains("整改照片最多10张"))
            let state = try await f.call(.get, "/api/v1/projects/\(f.pid)/checks").json.items.first?["findings"]?
                .arrayItemsForTests.first?["state"]?.stringValue
            #expect(state == "open")
            let fixed = try await f.call(
                .post, "/api/v1/findings/\(id)/rectify", as: f.contractor, #"{"note":"已补设围挡","photos":[\#(photo)]}"#)
            #expect(fixed.status == .ok && fixed.json["state"]?.stringValue == "rectified")
            #expect(fixed.json["rectification_photos"]?.arrayItemsForTests.map(\.intValue) == [photo])
            // Whoever re-inspects sees the photo of the fix, not only whoever took it.
            let seen = try await f.call(.get, "/api/v1/attachments/\(photo)", as: f.supervisor)
            #expect(seen.status == .ok)
            // A re-inspection carries no photos of the fix; without a body it still passes.
            let verifyWithPhoto = try await f.call(.post, "/api/v1/findings/\(id)/verify", #"{"photos":[\#(photo)]}"#)
            #expect(verifyWithPhoto.json.errorCode == "fix_photos_only")
            let verified = try await f.call(.post, "/api/v1/findings/\(id)/verify")
            #expect(verified.json["state"]?.stringValue == "verified")
            #expect(verified.json["rectification_photos"]?.arrayItemsForTests.map(\.intValue) == [photo])
        }
    }

    @Test func theContractorSendsAPhotoOfTheFixFromTheProjectPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (f, id) = try await Self.finding(client, services)
            let contractor = try await client.session("contractor")
            let (_, before, _) = try await PageTests.page(client, "/projects/\(f.pid)", cookie: contractor.cookie)
            #expect(before.contains(#"action="/findings/\#(id)/rectify" enctype="multipart/form-data""#))
            #expect(before.contains("整改后照片（可选）"))
            // The page's top links each section, the findings saying how many are not yet settled.
            #expect(before.contains(##"<nav class="jump" aria-label="本页各部分"><a href="#plan">改造内容</a>"##))
            #expect(before.contains(##"<a href="#checks">巡查整改（1 项未办结）</a></nav>"##) && before.contains(#"id="checks""#))
            func rectify(note: String) async throws -> HTTPResponse.Status {
                try await SiteLogPageTests.post(
                    client, "/findings/\(id)/rectify", cookie: contractor.cookie,
                    [("_csrf", contractor.csrf), ("note", note)], photo: SiteLogPageTests.png
                ).0
            }
            // Refused without words: the photo sent with it is not kept.
            let stored = try await SelectionTests.count(services, "attachments")
            #expect(try await rectify(note: " ") == .unprocessableContent)
            #expect(try await SelectionTests.count(services, "attachments") == stored)
            #expect(try await rectify(note: "已补设围挡") == .seeOther)
            #expect(try await SelectionTests.count(services, "attachments") == stored + 1)
            let office = try await client.session("office")
            let (_, page, _) = try await PageTests.page(client, "/projects/\(f.pid)", cookie: office.cookie)
            #expect(page.contains("整改说明") && page.contains("已补设围挡"))
            #expect(page.contains(#"alt="整改后照片""#))
        }
    }
}
