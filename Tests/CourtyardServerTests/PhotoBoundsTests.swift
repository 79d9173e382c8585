import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// A picture is kept only when a browser can show it, and a list of files is bounded before anything is read: a
/// site log naming one photo 120,000 times made its project's page 21 MB for everyone who opened it.
@Suite struct PhotoBoundsTests {
    /// A PNG whose header says it is `width` × `height` pixels.
    static func pngClaiming(width: UInt32, height: UInt32) -> [UInt8] {
        let be = { (v: UInt32) in [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let ihdr: [UInt8] = be(13) + Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0] + [0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + ihdr + Array(repeating: 0, count: 64)
    }

    @Test func aPictureNoBrowserCouldShowIsRefusedAsItIsSent() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            let before = try await CoordinationTests.count(services, "attachments")
            let huge = try await client.upload(
                Self.pngClaiming(width: 30_000, height: 30_000), filename: "大图.png", token: f.contractor)
            #expect(huge.status == .unprocessableContent && huge.json.errorCode == "too_many_pixels")
            #expect(huge.json["error"]?["message"]?.stringValue?.contains("30000 × 30000") == true, "\(huge.json)")
            let fake = try await client.upload(
                [0xFF, 0xD8, 0xFF, 0xE0] + Array("<html><script>".utf8), filename: "假.jpg", token: f.contractor)
            #expect(fake.status == .unprocessableContent && fake.json.errorCode == "unsupported_type")
            #expect(try await CoordinationTests.count(services, "attachments") == before)
            // A phone's largest photo (8,000 × 6,000) is kept.
            let phone = try await client.upload(
                Self.pngClaiming(width: 8_000, height: 6_000), filename: "手机.png", token: f.contractor)
            #expect(phone.status == .created)
        }
    }

    @Test func aSiteLogNamesEachPhotoOnceAndAtMostThirty() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.startConstruction()
            let photo = try #require(
                try await client.upload(SiteLogPageTests.png, filename: "现场.png", token: f.contractor).json["id"]?
                    .intValue)
            let before = try await CoordinationTests.count(services, "site_logs")
            let log = { (photos: [Int64]) in
                #"{"date":"\#(Clock.today)","weather":"晴","workers":9,"work_done":"管沟回填","photos":\#(photos)}"#
            }
            let twice = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor, log([photo, photo]))
            #expect(twice.status == .unprocessableContent && twice.json.errorCode == "repeated", "\(twice.json)")
            let many = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor, log((1...31).map { photo + $0 }))
            #expect(many.status == .unprocessableContent && many.json.errorCode == "too_many", "\(many.json)")
            #expect(try await CoordinationTests.count(services, "site_logs") == before)
            let one = try await f.call(.post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor, log([photo]))
            #expect(one.status == .created)
        }
    }
}

/// A project's money (contract and unit prices, changes, payments, the batch's totals) is read through the API by
/// those whose pages show it, and refused to the others as their pages refuse it.
@Suite struct MoneyReadersTests {
    @Test func theAPIShowsAProjectsMoneyOnlyToThoseWhosePagesShowIt() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let year = Clock.today.description.prefix(4)
            let paths = [
                "/api/v1/projects/1/contract", "/api/v1/projects/1/payments", "/api/v1/projects/1/change_orders",
                "/api/v1/programme/investment?batch_year=\(year)",
            ]
            for account in ["steward", "community", "water", "property"] {
                let token = try await client.token(account)
                for path in paths {
                    let r = try await client.call(.get, path, token: token)
                    #expect(r.status == .forbidden || r.status == .notFound, "\(account) \(path): \(r.status)")
                    // A project out of scope is not found to a role that reads projects: a 403 would say it exists.
                    // (A role that reads no project at all is refused outright, as everywhere.)
                    let outside = try await client.call(
                        .get, path.replacingOccurrences(of: "/1/", with: "/999999/"), token: token)
                    if path.contains("/projects/") && ["steward", "community"].contains(account) {
                        #expect(outside.status == .notFound, "\(account) \(path)")
                    }
                }
            }
            let office = try await client.token("office")
            for path in paths {
                #expect(try await client.call(.get, path, token: office).status == .ok, "office \(path)")
            }
        }
    }
}

/// A payment asked for with a figure typed wrong is taken back by whoever asked, whatever its role's turn; it then
/// no longer counts against the limit, and one approved stays.
@Suite struct PaymentWithdrawalTests {
    @Test func whoeverAskedTakesAPaymentBackWhileItWaits() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            func pay(_ fen: Int64) async throws -> (HTTPResponse.Status, Int64?) {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                    #"{"period_end":"\#(InvestmentTests.today)","measured":\#(InvestmentTests.measured(f, water: "500", lifts: "1")),"amount_fen":\#(fen)}"#
                )
                return (r.status, r.json["id"]?.intValue)
            }
            // 1,680,000 fen is the limit: one asking for all of it leaves nothing for the corrected request.
            let (typo, wrong) = try await pay(1_680_000)
            #expect(typo == .created)
            let id = try #require(wrong)
            #expect(try await pay(1_000_000).0 == .conflict)
            let back = try await f.call(
                .post, "/api/v1/payments/\(id)/reject", as: f.contractor, #"{"reason":"金额填错了"}"#)
            #expect(back.status == .ok && back.json["state"]?.stringValue == "rejected", "\(back.text)")
            let (again, _) = try await pay(1_000_000)
            #expect(again == .created)
            let audited: SQLQueryString =
                "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'payments' AND action = 'withdraw'"
            #expect(try await services.database.withConnection { try await $0.raw(audited).first()?.int("n") } == 1)
            // The page says it was taken back by whoever asked, not returned by a reviewer.
            let (cookie, _) = try await client.session("contractor")
            let (_, page, _) = try await PageTests.page(client, "/projects/\(f.pid)", cookie: cookie)
            #expect(page.contains("已撤回") && page.contains("撤回原因：金额填错了") && !page.contains("退回理由：金额填错了"))
            // Taken back once, it is closed: a second time is refused.
            let twice = try await f.call(.post, "/api/v1/payments/\(id)/reject", as: f.contractor, #"{"reason":"再撤"}"#)
            #expect(twice.status == .conflict && twice.json.errorCode == "closed")
        }
    }
}

/// An audit entry about a project's log or money names the project's compound, not only the kind of record.
@Suite struct AuditNamesTests {
    @Test func aSiteLogOrAPaymentInTheAuditLogNamesItsProject() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            try await f.startConstruction()
            let name = try #require(
                try await f.call(.get, "/api/v1/projects/\(f.pid)").json["compound_name"]?.stringValue)
            let log = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/site_logs", as: f.contractor,
                #"{"date":"\#(Clock.today)","weather":"晴","workers":9,"work_done":"管沟回填"}"#)
            #expect(log.status == .created)
            let office = try await client.session("office")
            let (_, page, _) = try await PageTests.page(client, "/audit", cookie: office.cookie)
            #expect(page.contains("项目：\(name)"), "the log's entry names its project")
        }
    }
}
