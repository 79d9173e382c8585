import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// Investment control: contracts, change orders, progress payments and the programme's investment report.
enum InvestmentRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        InvestmentController(services: services).register(on: api)
    }
}

/// The name a body's field goes by in a 422, as the decoder's path writes it (`items[2].unit_price_fen`).
private func fieldName(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        .replacingOccurrences(of: ".[", with: "[")
}

/// An amount of money as a client sends it: a whole number of fen. 12.5 is refused naming the field, as is a
/// number past what 64 bits hold.
struct WholeFen: Decodable {
    var fen: Int64
    init(from decoder: any Decoder) throws {
        let field = fieldName(decoder.codingPath)
        let text = try decoder.singleValueContainer().decode(ExactDecimal.self).numberText
        guard let fen = Int64(text) else {
            let digits = text.filter(\.isNumber)
            let whole = !text.contains(".") && !text.lowercased().contains("e")
            throw ValidationError(
                field: field, code: whole && digits.count > 15 ? "overflow" : "not_whole_fen",
                message: whole && digits.count > 15
                    ? "\(field) is at most \(InvestmentRules.maxFen) fen" : "\(field) is a whole number of fen")
        }
        self.fen = fen
    }
}

/// A quantity as a client sends it: a number or decimal text with at most three decimals, kept in thousandths.
struct QuantityValue: Decodable {
    var quantity: Quantity
    init(from decoder: any Decoder) throws {
        let field = fieldName(decoder.codingPath)
        let c = try decoder.singleValueContainer()
        let text = (try? c.decode(ExactDecimal.self).numberText) ?? (try? c.decode(String.self))
        guard let text, let q = Quantity(parsing: text) else {
            throw ValidationError(
                field: field, code: "invalid",
                message: "\(field) is a number from 0 to \(Quantity.max) with at most three decimals")
        }
        quantity = q
    }
}

struct ContractBody: Decodable {
    struct Item: Decodable {
        var workItemId: Int64
        var quantity: QuantityValue
        var unitPriceFen: WholeFen
        enum CodingKeys: String, CodingKey {
            case workItemId = "work_item_id", quantity, unitPriceFen = "unit_price_fen"
        }
    }
    var contractorId: Int64
    var signedOn: Day
    var attachmentId: Int64?
    var items: [Item]
    enum CodingKeys: String, CodingKey {
        case contractorId = "contractor_id", signedOn = "signed_on", attachmentId = "attachment_id", items
    }
}

struct ChangeOrderBody: Decodable {
    var reason: String
    var amountFen: WholeFen
    var workItemId: Int64?
    enum CodingKeys: String, CodingKey { case reason, amountFen = "amount_fen", workItemId = "work_item_id" }
}

struct PaymentBody: Decodable {
    struct Line: Decodable {
        var workItemId: Int64
        var quantity: QuantityValue
        enum CodingKeys: String, CodingKey { case workItemId = "work_item_id", quantity }
    }
    var periodEnd: Day
    var measured: [Line]
    var amountFen: WholeFen
    enum CodingKeys: String, CodingKey { case periodEnd = "period_end", measured, amountFen = "amount_fen" }
}

struct RejectBody: Decodable {
    var reason: String
}

struct InvestmentSettingsBody: Decodable {
    var subdistrictId: Int64?
    var paymentRatioPercent: Int64?
    var retentionPercent: Int64?
    var liabilityMonths: Int64?
    var budgetTolerancePercent: Int64?
    enum CodingKeys: String, CodingKey {
        case subdistrictId = "subdistrict_id", paymentRatioPercent = "payment_ratio_percent"
        case retentionPercent = "retention_percent", liabilityMonths = "liability_months"
        case budgetTolerancePercent = "budget_tolerance_percent"
    }
}

/// The pm company's investment control over each project and the programme.
struct InvestmentController: ProjectScoped {
    let services: Services
    var investment: InvestmentRepository { InvestmentRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.put("projects/:id/contract", use: putContract)
        api.get("projects/:id/contract", use: contract)
        api.post("projects/:id/change_orders", use: proposeChange)
        api.get("projects/:id/change_orders", use: changeOrders)
        api.post("change_orders/:id/approve", use: decision(approve: true, investment.decideChange))
        api.post("change_orders/:id/reject", use: decision(approve: false, investment.decideChange))
        api.post("projects/:id/payments", use: requestPayment)
        api.get("projects/:id/payments", use: payments)
        api.post("payments/:id/approve", use: decision(approve: true, investment.decidePayment))
        api.post("payments/:id/reject", use: decision(approve: false, investment.decidePayment))
        api.get("programme/investment", use: report)
        api.put("programme/investment/settings", use: setSettings)
    }

    @Sendable func putContract(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(ContractBody.self, request, context: context)
        let made = try await investment.putContract(
            projectId: try id(context),
            .init(
                contractorId: b.contractorId, signedOn: b.signedOn, attachmentId: b.attachmentId,
                items: b.items.map {
                    .init(workItemId: $0.workItemId, quantity: $0.quantity.quantity, unitPriceFen: $0.unitPriceFen.fen)
                }), actor: try context.actor())
        return try JSONBody.response(made)
    }

    @Sendable func contract(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let c = try await investment.contract(projectId: try id(context), actor: try context.actor()) else {
            throw AppError(status: .notFound, code: "not_found", message: "the project has no contract yet")
        }
        return try JSONBody.response(c)
    }

    @Sendable func proposeChange(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(ChangeOrderBody.self, request, context: context)
        let made = try await investment.proposeChange(
            projectId: try id(context), .init(reason: b.reason, amountFen: b.amountFen.fen, workItemId: b.workItemId),
            actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func changeOrders(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await investment.changeOrders(projectId: try id(context), actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    /// Approving or rejecting a change order or a payment: a rejection carries its reason.
    func decision<Item: Encodable & Sendable>(
        approve: Bool, _ decide: @escaping @Sendable (Int64, Bool, String, Actor) async throws -> Item
    ) -> @Sendable (Request, AppContext) async throws -> Response {
        { request, context in
            let reason =
                approve ? "" : try await JSONBody.decode(RejectBody.self, request, context: context).reason
            return try JSONBody.response(try await decide(try id(context), approve, reason, try context.actor()))
        }
    }

    @Sendable func requestPayment(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(PaymentBody.self, request, context: context)
        let made = try await investment.requestPayment(
            projectId: try id(context),
            .init(
                periodEnd: b.periodEnd,
                measured: b.measured.map { MeasuredLine(workItemId: $0.workItemId, quantity: $0.quantity.quantity) },
                amountFen: b.amountFen.fen), actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func payments(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await investment.payments(projectId: try id(context), actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func report(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        guard let year = q.get("batch_year").flatMap({ Int64($0) }) else {
            throw AppError.badRequest("required", "batch_year is required", field: "batch_year")
        }
        let report = try await investment.report(batchYear: year, actor: try context.actor())
        let lang = q.get("lang").flatMap(Lang.parse) ?? .en
        let format = q.get("format") ?? "json"
        switch format {
        case "json": return try JSONBody.response(report)
        case "csv":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"investment-\(year).csv\"",
                ], body: .init(byteBuffer: ByteBuffer(string: CSV.write(InvestmentSheet.rows(report, lang: lang)))))
        case "xlsx":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"investment-\(year).xlsx\"",
                ], body: .init(byteBuffer: ByteBuffer(data: try InvestmentSheet.xlsx(report, lang: lang))))
        default: throw AppError.badRequest("invalid_format", "format is json, csv or xlsx", field: "format")
        }
    }

    @Sendable func setSettings(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(InvestmentSettingsBody.self, request, context: context)
        let settings = try await investment.updateSettings(subdistrictId: b.subdistrictId, actor: try context.actor()) {
            s in
            s.paymentRatioPercent = b.paymentRatioPercent ?? s.paymentRatioPercent
            s.retentionPercent = b.retentionPercent ?? s.retentionPercent
            s.liabilityMonths = b.liabilityMonths ?? s.liabilityMonths
            s.budgetTolerancePercent = b.budgetTolerancePercent ?? s.budgetTolerancePercent
        }
        return try JSONBody.response(settings)
    }
}

/// The investment report as a clerk files it: with `lang=zh-Hans`, Chinese headers and money in 元 with two
/// decimals (exact); otherwise the API's field names and fen. One table with a level column (CSV), or one sheet
/// per level (XLSX).
enum InvestmentSheet {
    static let fields = [
        "level", "subdistrict_name", "community_name", "name", "projects", "budget_fen", "contract_fen",
        "approved_changes_fen", "paid_fen", "remaining_fen", "over_budget", "over_budget_projects",
    ]
    static let money: Set<Int> = [5, 6, 7, 8, 9]

    /// Fen as 元 with two decimals, exact and without grouping, so a spreadsheet reads it as a number.
    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let a = fen.magnitude
        let cents = a % 100
        return "\(sign)\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    static func header(_ lang: Lang) -> [String] {
        lang == .zh ? fields.map { Lang.zh.t("investment.col." + $0) } : fields
    }

    static func line(_ l: InvestmentLine, level: String, _ lang: Lang) -> [String] {
        let zh = lang == .zh
        let money = { (fen: Int64) in zh ? yuan(fen) : String(fen) }
        return [
            zh ? Lang.zh.t("investment.level." + level) : level, l.subdistrictName,
            level == "subdistrict" ? "" : l.communityName, level == "project" ? l.name : "", String(l.projects),
            // A project without a contract has an empty contract cell, not a contract of 0.
            money(l.budgetFen), level == "project" && l.contracts == 0 ? "" : money(l.contractFen),
            money(l.approvedChangesFen), money(l.paidFen),
            money(l.remainingFen),
            zh ? (l.overBudget ? Lang.zh.t("investment.flag.over") : "") : (l.overBudget ? "true" : "false"),
            String(l.overBudgetProjects),
        ]
    }

    static func levels(_ r: InvestmentReport) -> [(String, [InvestmentLine])] {
        [("project", r.projects), ("community", r.communities), ("subdistrict", r.subdistricts)]
    }

    static func rows(_ r: InvestmentReport, lang: Lang) -> [[String]] {
        [header(lang)] + levels(r).flatMap { level, lines in lines.map { line($0, level: level, lang) } }
    }

    static func xlsx(_ r: InvestmentReport, lang: Lang) throws -> Data {
        let numeric: Set<Int> = money.union([4, 11])
        return try XLSX.write(
            sheets: levels(r).map { level, lines in
                XLSX.Sheet(
                    name: lang == .zh ? Lang.zh.t("investment.level." + level) : level, header: header(lang),
                    rows: lines.map { l in
                        line(l, level: level, lang).enumerated().map {
                            numeric.contains($0) ? XLSX.Cell.number($1) : XLSX.Cell.text($1)
                        }
                    })
            })
    }
}
