import CourtyardDomain
import CourtyardServer
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Investment control through the API: contracts, change orders, payments at their limit, the report.
@Suite struct InvestmentTests {
    typealias Fixture = ProjectTests.Fixture
    static var today: Day { Day.today(epochSeconds: Date().timeIntervalSince1970) }

    /// The fixture's project with its contractor, supervisor and pm company, and the pm company's token.
    struct Setup {
        let f: Fixture
        let pm: String
        let pmOrg: Int64
    }

    static func setUp(_ client: any TestClientProtocol, _ services: Services) async throws -> Setup {
        let f = try await Fixture.make(client, services)
        let pm = try await client.token("pm")
        let me = try await client.call(.get, "/api/v1/auth/me", token: pm)
        let pmOrg = try #require(Int64(me.json["scope"]?.stringValue?.split(separator: ":")[1] ?? ""))
        let patched = try await f.call(
            .patch, "/api/v1/projects/\(f.pid)",
            #"{"contractor_id":\#(f.contractorOrg),"supervisor_id":\#(f.supervisorOrg),"pm_company_id":\#(pmOrg)}"#)
        #expect(patched.status == .ok)
        return Setup(f: f, pm: pm, pmOrg: pmOrg)
    }

    /// The same with the contract below signed by the pm company: 4,032,600 fen.
    static func withContract(_ client: any TestClientProtocol, _ services: Services) async throws -> Setup {
        let s = try await setUp(client, services)
        let put = try await s.f.call(.put, "/api/v1/projects/\(s.f.pid)/contract", as: s.pm, contractBody(s.f))
        #expect(put.status == .ok)
        return s
    }

    /// Water supply 860.5 m at 12.00 元 (1,032,600 fen) and two lifts at 15,000.00 元 (3,000,000 fen).
    static func contractBody(_ f: Fixture, waterPrice: String = "1200") -> String {
        #"{"contractor_id":\#(f.contractorOrg),"signed_on":"\#(today)","items":[{"work_item_id":\#(f.water),"quantity":"860.5","unit_price_fen":\#(waterPrice)},{"work_item_id":\#(f.lift),"quantity":2,"unit_price_fen":1500000}]}"#
    }

    @Test func aContractAnswersWithItsBillsSumExactly() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            let put = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            #expect(put.status == .ok)
            #expect(put.json["sum_fen"]?.intValue == 4_032_600)
            #expect(put.text.contains(#""quantity":860.500"#))
            #expect(put.json["items"]?.arrayItemsForTests.first?["line_fen"]?.intValue == 1_032_600)
            // Replaced, not added to: 860.5 m at 12.35 元 is 1,062,717.5 fen, rounded half up to 1,062,718.
            let replaced = try await f.call(
                .put, "/api/v1/projects/\(f.pid)/contract", Self.contractBody(f, waterPrice: "1235"))
            let replacedSum = try #require(replaced.json["sum_fen"]?.intValue)
            #expect(replacedSum == 4_062_718, "\(replaced.text)")
            #expect(replaced.json["version"]?.intValue == 2)
            // The contractor does not write its own contract.
            let own = try await f.call(
                .put, "/api/v1/projects/\(f.pid)/contract", as: f.contractor, Self.contractBody(f))
            #expect(own.status == .forbidden)
        }
    }

    @Test func changeOrdersCountOnlyOnceThePmCompanyAndThenTheOfficeApprove() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/change_orders", as: f.contractor,
                #"{"reason":"增加雨水管 40 米","amount_fen":500000,"work_item_id":\#(f.water)}"#)
            #expect(made.status == .created && made.json["state"]?.stringValue == "submitted")
            #expect(made.json["waiting_for"]?.stringValue == "pm_company")
            let id = try #require(made.json["id"]?.intValue)
            // The office too early, the contractor never: refused, nothing changed.
            let early = try await f.call(.post, "/api/v1/change_orders/\(id)/approve")
            #expect(early.status == .conflict && early.json.errorCode == "not_your_turn")
            #expect(early.text.contains("待项目管理公司审核"))
            let contractor = try await f.call(.post, "/api/v1/change_orders/\(id)/approve", as: f.contractor)
            #expect(contractor.status == .forbidden)
            let first = try await f.call(.post, "/api/v1/change_orders/\(id)/approve", as: s.pm)
            #expect(
                first.json["state"]?.stringValue == "first_approved"
                    && first.json["pm_approved_by"]?.stringValue == "pm")
            #expect(try await f.call(.post, "/api/v1/change_orders/\(id)/approve", as: s.pm).status == .conflict)
            let once = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract")
            #expect(once.json["approved_changes_fen"]?.intValue == 0)
            let second = try await f.call(.post, "/api/v1/change_orders/\(id)/approve")
            #expect(second.json["state"]?.stringValue == "approved" && second.json["waiting_for"] == .null)
            let twice = try await f.call(.get, "/api/v1/projects/\(f.pid)/contract")
            #expect(twice.json["approved_changes_fen"]?.intValue == 500_000)
            // A reduction rejected by the pm company never counts; a rejection needs its reason.
            let cut = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/change_orders", #"{"reason":"取消一台电梯","amount_fen":-1500000}"#)
            let cutId = try #require(cut.json["id"]?.intValue)
            let noReason = try await f.call(
                .post, "/api/v1/change_orders/\(cutId)/reject", as: s.pm, #"{"reason":" "}"#)
            #expect(
                noReason.status == .unprocessableContent && noReason.json["error"]?["field"]?.stringValue == "reason")
            let rejected = try await f.call(
                .post, "/api/v1/change_orders/\(cutId)/reject", as: s.pm, #"{"reason":"居民要求保留"}"#)
            #expect(
                rejected.json["state"]?.stringValue == "rejected" && rejected.json["rejected_by"]?.stringValue == "pm")
            #expect(try await f.call(.post, "/api/v1/change_orders/\(cutId)/approve").status == .conflict)
            let report = try await f.call(.get, "/api/v1/programme/investment?batch_year=\(f.year)")
            let line = report.json["projects"]?.arrayItemsForTests.first { $0["project_id"]?.intValue == f.pid }
            #expect(line?["contract_fen"]?.intValue == 4_032_600 && line?["approved_changes_fen"]?.intValue == 500_000)
            // Budget 4,000,000; contract + changes 4,532,600 is more than 10% over.
            #expect(line?["budget_fen"]?.intValue == 4_000_000 && line?["over_budget"] == .bool(true))
            #expect(line?["remaining_fen"]?.intValue == 4_532_600)
            let list = try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders", as: f.supervisor)
            #expect(list.json.items.count == 2)
        }
    }

    static func measured(_ f: Fixture, water: String, lifts: String) -> String {
        #"[{"work_item_id":\#(f.water),"quantity":\#(water)},{"work_item_id":\#(f.lift),"quantity":\#(lifts)}]"#
    }

    @Test func exactlyEightyPercentOfTheMeasuredValueIsPaidAndOneFenMoreIsRefused() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            // 500 m × 1,200 + 1 lift × 1,500,000 = 2,100,000 fen measured; 80% is 1,680,000.
            func pay(_ fen: Int64) async throws -> (status: HTTPResponse.Status, json: JSONValue, text: String) {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                    #"{"period_end":"\#(Self.today)","measured":\#(Self.measured(f, water: "500", lifts: "1")),"amount_fen":\#(fen)}"#
                )
                return (r.status, r.json, r.text)
            }
            let over = try await pay(1_680_001)
            #expect(over.status == .conflict && over.json.errorCode == "payment_limit")
            #expect(over.text.contains("16,800.00") && over.text.contains("80%"))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items.isEmpty)
            let first = try await pay(1_000_000)
            #expect(first.status == .created && first.json["measured_value_fen"]?.intValue == 2_100_000)
            #expect(
                first.json["limit_fen"]?.intValue == 1_680_000 && first.json["limit_kind"]?.stringValue == "progress")
            // Refused, the words say what may still be asked for: 16,800.00 less the 10,000.00 asked before.
            let justOver = try await pay(680_001)
            #expect(justOver.status == .conflict && justOver.text.contains("本期最多还能申请 6,800.00 元"), "\(justOver.text)")
            let exact = try await pay(680_000)
            #expect(exact.status == .created)
            // A rejected payment no longer counts against the limit.
            let exactId = try #require(exact.json["id"]?.intValue)
            let rejected = try await f.call(
                .post, "/api/v1/payments/\(exactId)/reject", as: f.supervisor, #"{"reason":"计量有误"}"#)
            #expect(rejected.json["state"]?.stringValue == "rejected")
            #expect(try await pay(680_000).status == .created)
        }
    }

    @Test func theSupervisorConfirmsAndThenThePmCompanyApprovesAPayment() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(Self.today)","measured":\#(Self.measured(f, water: "100.25", lifts: "0")),"amount_fen":90000}"#
            )
            #expect(made.status == .created && made.json["waiting_for"]?.stringValue == "supervisor")
            let id = try #require(made.json["id"]?.intValue)
            #expect(try await f.call(.post, "/api/v1/payments/\(id)/approve", as: s.pm).status == .conflict)
            #expect(try await f.call(.post, "/api/v1/payments/\(id)/approve", as: f.contractor).status == .forbidden)
            #expect(try await f.call(.post, "/api/v1/payments/\(id)/approve").status == .forbidden)
            // Payments are approved in the order requested: a newer one waits at each step for the older one.
            let next = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(Self.today)","measured":\#(Self.measured(f, water: "100.25", lifts: "0")),"amount_fen":1}"#
            )
            let nextId = try #require(next.json["id"]?.intValue)
            let early = try await f.call(.post, "/api/v1/payments/\(nextId)/approve", as: f.supervisor)
            #expect(early.status == .conflict && early.json.errorCode == "earlier_pending")
            let confirmed = try await f.call(.post, "/api/v1/payments/\(id)/approve", as: f.supervisor)
            #expect(confirmed.json["state"]?.stringValue == "first_approved")
            #expect(confirmed.json["waiting_for"]?.stringValue == "pm_company")
            #expect(try await f.call(.post, "/api/v1/payments/\(nextId)/approve", as: f.supervisor).status == .ok)
            let ahead = try await f.call(.post, "/api/v1/payments/\(nextId)/approve", as: s.pm)
            #expect(ahead.status == .conflict && ahead.json.errorCode == "earlier_pending")
            let approved = try await f.call(.post, "/api/v1/payments/\(id)/approve", as: s.pm)
            #expect(approved.json["state"]?.stringValue == "approved")
            let report = try await f.call(.get, "/api/v1/programme/investment?batch_year=\(f.year)", as: s.pm)
            let line = report.json["projects"]?.arrayItemsForTests.first { $0["project_id"]?.intValue == f.pid }
            #expect(line?["paid_fen"]?.intValue == 90_000 && line?["remaining_fen"]?.intValue == 4_032_600 - 90_000)
            // The pm company sees only its own projects.
            #expect(report.json["projects"]?.arrayItemsForTests.allSatisfy { $0["project_id"] != .null } == true)
            // Quantities are cumulative: the next measurement neither ends earlier nor measures less.
            let yesterday = Self.today.adding(days: -1)
            let earlier = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(yesterday)","measured":\#(Self.measured(f, water: "200", lifts: "0")),"amount_fen":1}"#
            )
            #expect(earlier.status == .unprocessableContent && earlier.json["error"]?["field"] == .string("period_end"))
            let less = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                #"{"period_end":"\#(Self.today)","measured":\#(Self.measured(f, water: "100.249", lifts: "0")),"amount_fen":1}"#
            )
            #expect(less.status == .unprocessableContent && less.json.errorCode == "below_earlier")
            #expect(less.json["error"]?["field"] == .string("measured[0].quantity"))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items.count == 2)
        }
    }

    @Test func badMoneyAnotherProjectsWorkItemAndOverflowAreRefusedNamingTheFieldAndNothingIsWritten() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            let other = try await Fixture.quietCompounds(services)[1]
            let otherProject = try await f.call(
                .post, "/api/v1/projects",
                #"{"compound_id":\#(other),"batch_year":\#(f.year),"deadline":"\#(f.deadline)"}"#)
            let otherPid = try #require(otherProject.json["id"]?.intValue)
            let otherItem = try await f.call(
                .post, "/api/v1/projects/\(otherPid)/work_items",
                #"{"code":"water_supply","quantity":"10","budget_fen":1000}"#)
            let foreign = try #require(otherItem.json["work_items"]?.arrayItemsForTests.first?["id"]?.intValue)
            func contract(_ items: String) async throws -> JSONValue {
                let r = try await f.call(
                    .put, "/api/v1/projects/\(f.pid)/contract",
                    #"{"contractor_id":\#(f.contractorOrg),"signed_on":"\#(Self.today)","items":\#(items)}"#)
                #expect(r.status == .unprocessableContent, "\(items)")
                return r.json["error"]?["field"] ?? .null
            }
            #expect(
                try await contract(#"[{"work_item_id":\#(f.water),"quantity":1,"unit_price_fen":12.5}]"#)
                    == .string("items[0].unit_price_fen"))
            #expect(
                try await contract(#"[{"work_item_id":\#(foreign),"quantity":1,"unit_price_fen":100}]"#)
                    == .string("items[0].work_item_id"))
            #expect(
                try await contract(
                    #"[{"work_item_id":\#(f.water),"quantity":1,"unit_price_fen":1},{"work_item_id":\#(f.lift),"quantity":"999999999.999","unit_price_fen":1000000000000}]"#
                ) == .string("items[1].unit_price_fen"))
            #expect(
                try await contract(#"[{"work_item_id":\#(f.water),"quantity":"1.2345","unit_price_fen":100}]"#)
                    == .string("items[0].quantity"))
            #expect(
                try await contract(
                    #"[{"work_item_id":\#(f.water),"quantity":1,"unit_price_fen":99999999999999999999}]"#)
                    == .string("items[0].unit_price_fen"))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/contract").status == .notFound)

            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            for (body, field) in [
                (#"{"reason":"x","amount_fen":1.5}"#, "amount_fen"),
                (#"{"reason":"x","amount_fen":1000000000001}"#, "amount_fen"),
                (#"{"reason":"x","amount_fen":100,"work_item_id":\#(foreign)}"#, "work_item_id"),
            ] {
                let r = try await f.call(.post, "/api/v1/projects/\(f.pid)/change_orders", body)
                #expect(r.status == .unprocessableContent && r.json["error"]?["field"]?.stringValue == field, "\(body)")
            }
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders").json.items.isEmpty)
            for (measured, amount, field) in [
                (#"[{"work_item_id":\#(foreign),"quantity":1}]"#, "100", "measured[0].work_item_id"),
                (#"[{"work_item_id":\#(f.water),"quantity":"1.0001"}]"#, "100", "measured[0].quantity"),
                (#"[{"work_item_id":\#(f.lift),"quantity":3}]"#, "100", "measured[0].quantity"),
                (#"[{"work_item_id":\#(f.water),"quantity":1}]"#, "0.5", "amount_fen"),
            ] {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                    #"{"period_end":"\#(Self.today)","measured":\#(measured),"amount_fen":\#(amount)}"#)
                #expect(
                    r.status == .unprocessableContent && r.json["error"]?["field"]?.stringValue == field, "\(measured)")
            }
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items.isEmpty)
        }
    }

    @Test func theOfficeMaySetAHigherRatioButNotALowerOne() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            let low = try await f.call(.put, "/api/v1/programme/investment/settings", #"{"payment_ratio_percent":79}"#)
            #expect(
                low.status == .unprocessableContent
                    && low.json["error"]?["field"]?.stringValue == "payment_ratio_percent")
            let high = try await f.call(.put, "/api/v1/programme/investment/settings", #"{"payment_ratio_percent":90}"#)
            #expect(high.status == .ok && high.json["payment_ratio_percent"]?.intValue == 90)
            #expect(high.json["retention_percent"]?.intValue == 3)
            #expect(
                try await f.call(.put, "/api/v1/programme/investment/settings", as: s.pm, #"{"retention_percent":2}"#)
                    .status == .forbidden)
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            // 1 lift measured: 1,500,000; 90% is 1,350,000.
            func pay(_ fen: Int64) async throws -> HTTPResponse.Status {
                try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                    #"{"period_end":"\#(Self.today)","measured":[{"work_item_id":\#(f.lift),"quantity":1}],"amount_fen":\#(fen)}"#
                ).status
            }
            #expect(try await pay(1_350_001) == .conflict)
            #expect(try await pay(1_350_000) == .created)
        }
    }

    @Test func afterFinalAcceptanceTheSettledSumLessTheRetentionIsTheLimit() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            try await f.startConstruction()
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            try await f.finishWorks()
            let accepted = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/acceptances",
                #"{"kind":"final","date":"\#(Self.today)","result":"passed","participants":\#(Fixture.panel)}"#)
            #expect(accepted.status == .created || accepted.status == .ok)
            // Everything measured: 4,032,600 settled, 3% retained: 3,911,622 payable.
            func pay(_ fen: Int64) async throws -> (status: HTTPResponse.Status, json: JSONValue) {
                let r = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/payments", as: f.contractor,
                    #"{"period_end":"\#(Self.today)","measured":\#(Self.measured(f, water: "860.5", lifts: "2")),"amount_fen":\#(fen)}"#
                )
                return (r.status, r.json)
            }
            #expect(try await pay(3_911_623).status == .conflict)
            let paid = try await pay(3_911_622)
            #expect(paid.status == .created && paid.json["limit_kind"]?.stringValue == "settlement")
        }
    }

    @Test func theReportIsReadableAsCSVAndXLSXWithChineseHeadersAndYuan() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let csv = try await f.call(
                .get, "/api/v1/programme/investment?batch_year=\(f.year)&format=csv&lang=zh-Hans")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let rows = try CSV.parse(csv.text)
            #expect(rows.first?.contains("合同价（元）") == true && rows.first?.contains("计划投资（元）") == true)
            let contractColumn = try #require(rows.first?.firstIndex(of: "合同价（元）"))
            #expect(rows.contains { $0.first == "项目" && $0[contractColumn] == "40326.00" })
            #expect(rows.contains { $0.first == "街道" })
            let english = try await f.call(.get, "/api/v1/programme/investment?batch_year=\(f.year)&format=csv")
            #expect(try CSV.parse(english.text).first?.contains("contract_fen") == true)
            let bytes = try await client.execute(
                uri: "/api/v1/programme/investment?batch_year=\(f.year)&format=xlsx&lang=zh-Hans", method: .get,
                headers: [.authorization: "Bearer \(f.office)"]
            ) { Array($0.body.readableBytesView) }
            let sheets = try XLSX.readWorkbook(bytes)
            #expect(sheets.map(\.name) == ["项目", "社区", "街道"])
            let projectRows = sheets[0].rows.map(\.cells)
            #expect(projectRows.first?.contains("合同价（元）") == true)
            #expect(projectRows.contains { $0.contains("40326.00") || $0.contains("40326") })
        }
    }

    @Test func thePmCompanysInvestmentTableIsAPageLinkedFromItsNavigation() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let pm = try await client.session("pm")
            let page = try await client.execute(
                uri: "/investment?batch_year=\(f.year)", method: .get, headers: [.cookie: pm.cookie]
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(page.0 == .ok)
            #expect(page.1.contains("投资控制") && page.1.contains("href=\"/investment\""))
            #expect(page.1.contains("合同价") && page.1.contains("40,326.00"))
            let contractor = try await client.session("contractor")
            let refused = try await client.execute(
                uri: "/investment", method: .get, headers: [.cookie: contractor.cookie]
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(refused.0 == .forbidden)
        }
    }

    @Test func theProjectPageShowsTheButtonsOfWhoseTurnItIsAndTheyTakeTheStep() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/change_orders", as: f.contractor,
                #"{"reason":"增加雨水管 40 米","amount_fen":500000}"#)
            let id = try #require(made.json["id"]?.intValue)
            func page(_ cookie: String) async throws -> String {
                try await client.execute(uri: "/projects/\(f.pid)", method: .get, headers: [.cookie: cookie]) {
                    String(buffer: $0.body)
                }
            }
            let office = try await client.session("office")
            #expect(try await page(office.cookie).contains("待项目管理公司审核"))
            #expect(!(try await page(office.cookie).contains("/change_orders/\(id)/approve")))
            let pm = try await client.session("pm")
            #expect(try await page(pm.cookie).contains("action=\"/change_orders/\(id)/approve#change-\(id)\""))
            #expect(try await page(pm.cookie).contains("已核对金额 ¥5,000.00"))
            func approve(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/change_orders/\(id)/approve", method: .post,
                    headers: [.cookie: pm.cookie, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "_csrf=\(pm.csrf)" + body)
                ) { $0.status }
            }
            // Money is approved with the tick that the amount was checked; without it nothing changes, and the page
            // says so beside the buttons pressed (it opens there), not at the top of the page.
            #expect(try await approve("") == .unprocessableContent)
            let told = try await client.execute(
                uri: "/change_orders/\(id)/approve", method: .post,
                headers: [.cookie: pm.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(pm.csrf)")
            ) { String(buffer: $0.body) }
            let beside = try #require(told.range(of: #"<p class="field-error" role="alert">请先勾选“已核对金额”，再点同意。</p>"#))
            #expect(
                told[beside.upperBound...].hasPrefix(
                    #"<form class="stack" method="post" action="/change_orders/\#(id)/approve#change-\#(id)">"#))
            #expect(told.components(separatedBy: "请先勾选“已核对金额”").count == 2, "said once")
            let untouched = try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders")
            #expect(untouched.json.items.first?["state"]?.stringValue == "submitted")
            #expect(try await approve("&confirm=1") == .seeOther)
            let after = try await f.call(.get, "/api/v1/projects/\(f.pid)/change_orders")
            #expect(after.json.items.first?["state"]?.stringValue == "first_approved")
            #expect(try await page(office.cookie).contains("action=\"/change_orders/\(id)/approve#change-\(id)\""))
            // The office finds the change waiting for its approval on its home page, not only on the project's.
            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: office.cookie]) {
                String(buffer: $0.body)
            }
            #expect(home.contains("待我审核") && home.contains("/projects/\(f.pid)#investment"))
            #expect(home.contains("工程变更 ¥5,000.00"))
        }
    }

    @Test func theOfficeIsWarnedBeforeAChangePassesTheBudgetAndAReturnedOneShowsWhy() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await Self.setUp(client, services)
            let f = s.f
            _ = try await f.call(.put, "/api/v1/projects/\(f.pid)/contract", as: s.pm, Self.contractBody(f))
            let budget = try #require(
                try await f.call(.get, "/api/v1/projects/\(f.pid)").json["budget_fen"]?.intValue)
            func propose(_ reason: String, _ fen: Int64) async throws -> Int64 {
                let made = try await f.call(
                    .post, "/api/v1/projects/\(f.pid)/change_orders", as: f.contractor,
                    #"{"reason":"\#(reason)","amount_fen":\#(fen)}"#)
                return try #require(made.json["id"]?.intValue)
            }
            // The budget again (no more than the contract, the most one change adds): contract and changes then pass
            // the budget and its 10% tolerance.
            let big = try await propose("加装电梯两部", budget)
            let cut = try await propose("取消围墙粉刷", 100)
            // The contract (40,326.00 元) is already a little over the budget (40,000.00 元): 1,000 元 more stays
            // within the tolerance, and is said as a note, not a warning.
            #expect(budget == 4_000_000)
            let small = try await propose("增加雨水篦子", 100_000)
            #expect(try await f.call(.post, "/api/v1/change_orders/\(small)/approve", as: s.pm).status == .ok)
            #expect(try await f.call(.post, "/api/v1/change_orders/\(big)/approve", as: s.pm).status == .ok)
            let returned = try await f.call(
                .post, "/api/v1/change_orders/\(cut)/reject", as: s.pm, #"{"reason":"居民要求保留"}"#)
            #expect(returned.status == .ok)
            let office = try await CoordinationPageTests.office(client)
            let page = try await office.get("/projects/\(f.pid)").1
            #expect(page.contains("注意：批准后，合同价与已批准的变更合计 ¥"), "\(page)")
            #expect(page.contains("超过概算 ¥\(Money.yuan(budget)) 的 10% 容差"))
            #expect(page.contains("退回理由：居民要求保留"))
            #expect(page.contains("合计 ¥41,326.00，超过概算 ¥40,000.00，仍在 10% 容差以内。"))
            #expect(page.components(separatedBy: "注意：批准后").count == 2)
            // The pm company, whose step is done, is not warned: the warning goes with the office's button.
            let pm = try await client.session("pm")
            let theirs = try await client.execute(
                uri: "/projects/\(f.pid)", method: .get, headers: [.cookie: pm.cookie]
            ) {
                String(buffer: $0.body)
            }
            #expect(!theirs.contains("注意：批准后") && theirs.contains("退回理由：居民要求保留"))
        }
    }
}

/// A contractor's site manager proposes a change order from the project's page, as on a phone.
@Suite struct ChangeOrderPageTests {
    @Test func aContractorProposesAChangeFromTheProjectPage() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, csrf) = try await client.session("contractor")
            let contractor = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let project = try await services.database.withConnection { db in
                try await db.raw(
                    """
                    SELECT p.id FROM projects p JOIN contracts c ON c.project_id = p.id
                    JOIN users u ON u.username = 'contractor' AND u.scope_id = p.contractor_id ORDER BY p.id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let (_, page) = try await contractor.get("/projects/\(project)")
            #expect(page.contains("提出工程变更") && page.contains("/projects/\(project)/change_orders"))
            let token = try await client.token("contractor")
            let before = try await client.call(.get, "/api/v1/projects/\(project)/change_orders", token: token)
                .json.items.count
            let reason = "3号楼增设雨棚 6 处（现场签证）"
            let (refused, _, again) = try await contractor.post(
                "/projects/\(project)/change_orders", [("reason", reason), ("amount", "两万")])
            #expect(refused == .unprocessableContent && again.contains("变更金额请填写元数"))
            #expect(again.contains(reason) && again.contains(#"<details id="change-form" open>"#))
            // The page opens at the form, which says why inside it: on a phone the top is far above.
            #expect(again.contains(#"action="/projects/\#(project)/change_orders#change-form""#))
            let inForm = try #require(again.range(of: #"<details id="change-form" open>"#)).upperBound
            #expect(again[inForm...].prefix(900).contains("变更金额请填写元数"))
            let (_, _, large) = try await contractor.post(
                "/projects/\(project)/change_orders", [("reason", reason), ("amount", "10000000001")])
            #expect(large.contains("金额不能超过 100 亿元。") && !large.contains("变更金额请填写元数"))
            let (saved, next, _) = try await contractor.post(
                "/projects/\(project)/change_orders", [("reason", reason), ("amount", "24,500.50")])
            #expect(saved == .seeOther && next == "/projects/\(project)?saved=investment#investment")
            // Where the page lands, in the section, it says the change was saved.
            let landed = try await contractor.get(next)
            #expect(landed.1.contains(#"<h2 id="investment">合同与进度款</h2><p class="note ok" role="status">已保存。</p>"#))
            let after = try await client.call(.get, "/api/v1/projects/\(project)/change_orders", token: token)
            let made = after.json.items.last
            #expect(after.json.items.count == before + 1)
            #expect(made?["amount_fen"]?.intValue == 2_450_050 && made?["reason"]?.stringValue == reason)
            let (_, shown) = try await contractor.get("/projects/\(project)")
            #expect(shown.contains("24,500.50") && shown.contains("待项目管理公司审核"))
            // A resident-facing account or a department cannot propose one.
            let (liaison, liaisonCsrf) = try await client.session("water")
            let water = CoordinationPageTests.Browser(client: client, cookie: liaison, csrf: liaisonCsrf)
            let (denied, _, _) = try await water.post(
                "/projects/\(project)/change_orders", [("reason", reason), ("amount", "1")])
            #expect(denied == .forbidden || denied == .notFound)
        }
    }
}

/// A progress payment asked for from the project's page, and what was measured shown to whoever approves it.
@Suite struct PaymentPageTests {
    @Test func aContractorRequestsAPaymentLineByLineAndTheSupervisorSeesWhatWasMeasured() async throws {
        try await TestApp.with(demo: true) { client, services in
            let s = try await InvestmentTests.withContract(client, services)
            let f = s.f
            let (cookie, csrf) = try await client.session("contractor")
            let contractor = CoordinationPageTests.Browser(client: client, cookie: cookie, csrf: csrf)
            let (_, page) = try await contractor.get("/projects/\(f.pid)")
            #expect(page.contains("申请进度款") && page.contains(#"action="/projects/\#(f.pid)/payments#payment-form""#))
            #expect(page.contains("（合同 860.5 ") && page.contains(#"name="q_\#(f.water)""#))
            let path = "/projects/\(f.pid)/payments"
            let today = InvestmentTests.today.description
            // Every line typed wrong is named at once, and what was typed comes back in the open form.
            let (bad, _, again) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "12.3456"), ("q_\(f.lift)", "1"), ("amount", "一万")])
            #expect(bad == .unprocessableContent && again.contains(#"<details id="payment-form" open>"#))
            #expect(again.contains("的数量请填写数字，最多三位小数。") && again.contains("金额"))
            #expect(again.contains(#"value="12.3456""#))
            // The store's refusal about a line names its work item, not its place in a list.
            let (above, _, aboveText) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "900"), ("q_\(f.lift)", ""), ("amount", "100")])
            #expect(above == .unprocessableContent || above == .conflict)
            #expect(aboveText.contains("：计量数量超过了工程量清单的数量"))
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items.isEmpty)
            // 500 m × 12.00 + 1 lift × 15,000.00 = 21,000.00 yuan measured; 10,000.00 asked.
            let (saved, next, _) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "500"), ("q_\(f.lift)", "1"), ("amount", "10,000")])
            #expect(saved == .seeOther && next == "/projects/\(f.pid)?saved=investment#investment")
            let stored = try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items
            #expect(stored.count == 1 && stored.first?["amount_fen"]?.intValue == 1_000_000)
            #expect(stored.first?["measured_value_fen"]?.intValue == 2_100_000)
            // Less than measured before is refused giving the earlier figure, as quantities are cumulative.
            let (less, _, lessText) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "400"), ("q_\(f.lift)", "1"), ("amount", "100")])
            #expect(less == .unprocessableContent && lessText.contains("计量数量少于上一次的累计数量（500）"))
            // An amount of nothing or less is a payment's own refusal, not a change order's.
            let (negative, _, negativeText) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "600"), ("q_\(f.lift)", "1"), ("amount", "-1200")])
            #expect(negative == .unprocessableContent && negativeText.contains("申请金额请填写大于 0 的元数"))
            // Said once, inside the form the page opens at.
            #expect(negativeText.components(separatedBy: "申请金额请填写大于 0 的元数").count == 2)
            // A line left empty stands at what was measured before: 600 m × 12.00 + 1 lift = 22,200.00 yuan.
            let (second, _, _) = try await contractor.post(
                path, [("period_end", today), ("q_\(f.water)", "600"), ("q_\(f.lift)", ""), ("amount", "100")])
            #expect(second == .seeOther)
            let both = try await f.call(.get, "/api/v1/projects/\(f.pid)/payments").json.items
            #expect(both.count == 2 && both.last?["measured_value_fen"]?.intValue == 2_220_000)
            let firstId = try #require(both.first?["id"]?.intValue)
            let secondId = try #require(both.last?["id"]?.intValue)
            // The supervisor, whose turn it is, reads the lines above the tick, open.
            let supervisor = try await client.session("supervisor")
            let read = try await client.execute(
                uri: "/projects/\(f.pid)", method: .get, headers: [.cookie: supervisor.cookie]
            ) { String(buffer: $0.body) }
            #expect(
                read.contains("计量明细（2 项）") && read.contains(#"<span class="nobreak">500 "#)
                    && read.contains("¥6,000.00"))
            #expect(
                read.contains(#"<details open><summary style="min-height:44px;display:flex;align-items:center">计量明细"#))
            // Only the earlier request offers its approval; the later one says it waits for it.
            #expect(read.contains("/payments/\(firstId)/approve") && !read.contains("/payments/\(secondId)/approve"))
            #expect(read.contains("本项目还有更早申请的进度款等待这一步审核"))
            // The later payment's lines say what its period adds to the one before.
            #expect(read.contains("（本期 100）") && read.contains("（本期 0）"))
            // The next request starts from the quantities measured, which are cumulative.
            let (_, later) = try await contractor.get("/projects/\(f.pid)")
            #expect(later.contains(#"name="q_\#(f.water)" inputmode="decimal" maxlength="20" value="600""#))
        }
    }
}
