import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func projectContract(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/contract") }
}

/// A project's construction contract (施工合同) and its bill of quantities (工程量清单), entered on a page by the office
/// or the project's pm company: the contractor, the day it was signed, the scanned contract, and for each work item
/// of the plan its quantity and unit price. A line left empty is not on the bill.
struct ContractPage {
    struct Line {
        var itemId: String
        var itemName: String
        var unit: String
        var planned: String
        var quantity: String
        var price: String
        var lineSum: String
        var invalid: Bool
    }
    var note: PageNote?
    var backHref: String
    var action: String
    var contractors: [FormOption]
    var signedOn: String
    var today: String
    var lines: [Line]
    /// A plan with no work items has no bill to fill in: the page says so instead of offering the form.
    var hasItems: Bool
    var sum: String?
    var replaces: Bool
    var scanHref: String?

    /// Who enters a project's contract: the office, and the pm company the project names.
    static func enters(_ actor: Actor, _ p: ProjectSummary) -> Bool {
        InvestmentRepository.entersContract(actor, pmCompanyId: p.pmCompanyId)
    }

    static func load(
        detail: ProjectDetail, actor: Actor, services: Services, typed: [String: String]?, wrong: Set<Int64> = [],
        note: PageNote?
    ) async throws -> ContractPage {
        let p = detail.summary
        let contract = try await InvestmentRepository(database: services.database).contract(
            projectId: p.id, actor: actor)
        let stored = Dictionary((contract?.items ?? []).map { ($0.workItemId, $0) }, uniquingKeysWith: { a, _ in a })
        let chosen = typed?["contractor_id"] ?? (contract?.contractorId ?? p.contractorId).map(String.init) ?? ""
        // The sub-district's contractors, whichever organisation's account reads them (a pm company's account sees
        // only its own organisation in the registry).
        let orgs = try await services.registry.listAll(
            Organisation.self,
            query: ListQuery(
                filters: ["kind": OrganisationKind.contractor.rawValue, "subdistrict_id": String(p.subdistrictId)]),
            actor: .system)
        let lines = detail.workItems.map { w in
            let line = stored[w.id]
            return Line(
                itemId: String(w.id), itemName: w.name, unit: w.unit, planned: w.quantity,
                quantity: typed?["quantity_\(w.id)"] ?? line?.quantity.description ?? "",
                price: typed?["price_\(w.id)"] ?? line.map { Money.yuan($0.unitPriceFen) } ?? "",
                lineSum: line.map { "¥" + Money.yuan($0.lineFen) } ?? "", invalid: wrong.contains(w.id))
        }
        return ContractPage(
            note: note, backHref: SiteRoute.project(p.id).path + "#investment",
            action: SiteRoute.projectContract(p.id).path,
            contractors: orgs.filter { p.contractorId == nil || $0.id == p.contractorId }.map {
                FormOption(value: String($0.id), label: $0.name, selected: chosen == String($0.id))
            }, signedOn: typed?["signed_on"] ?? contract?.signedOn.description ?? "", today: Clock.today.description,
            lines: lines, hasItems: !lines.isEmpty, sum: contract.map { Money.yuan($0.sumFen) },
            replaces: contract != nil,
            scanHref: contract?.attachmentId.map { SiteRoute.attachment($0).path })
    }
}

/// The contract page's two handlers: show it, and save what it sends.
struct ContractPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/projects/:id/contract", show)
        Pages.post(router, "/projects/:id/contract", save)
    }

    /// The project, for those who enter its contract; anyone else is refused as the API refuses them.
    func project(_ context: AppContext) async throws -> (ProjectDetail, Actor) {
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        guard ContractPage.enters(actor, detail.summary) else { throw AccessError.forbidden }
        return (detail, actor)
    }

    func render(
        _ detail: ProjectDetail, _ actor: Actor, _ f: PageFrame, typed: [String: String]? = nil,
        wrong: Set<Int64> = [], note: PageNote? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let page = try await ContractPage.load(
            detail: detail, actor: actor, services: services, typed: typed, wrong: wrong, note: note)
        let title = f.t("contract.title") + " · " + detail.summary.compoundName
        return f.page(title: title, "investment-contract", page, status: status)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let (detail, actor) = try await project(context)
        return try await render(detail, actor, f)
    }

    @Sendable func save(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let (detail, actor) = try await project(context)
        let form = try await Pages.multipartForm(request, context)
        let typed = form.fields
        let bill = ContractForm.bill(detail.workItems, typed, f)
        let again: Pages.Redisplay = { m, status in
            try await render(
                detail, actor, f, typed: typed, wrong: bill.wrong, note: PageNote(kind: m.0, text: m.1), status: status)
        }
        let id = detail.summary.id
        return try await Pages.save(f, next: SiteRoute.projectSaved(id, "investment").path, redisplay: again) {
            let new = try await ContractForm.contract(typed, bill: bill, f)
            let repo = InvestmentRepository(database: services.database)
            let before = try await repo.contract(projectId: id, actor: actor)
            if before != nil && typed["confirm_replace"] != "yes" {
                throw ValidationError(
                    field: "confirm_replace", code: Pages.pageMessage, message: f.t("contract.confirmNeeded"))
            }
            try await form.withStoredFile("scan", database: services.database, actor: actor) { scan in
                var c = new
                c.attachmentId = scan ?? before?.attachmentId
                _ = try await repo.putContract(projectId: id, c, actor: actor)
            }
        }
    }
}

/// What the contract form says, read line by line: each problem named by its work item, in the page's words.
enum ContractForm {
    struct Bill {
        var lines: [InvestmentRepository.NewContract.Item]
        var problems: [String]
        var wrong: Set<Int64>
    }

    static func bill(_ items: [WorkItem], _ typed: [String: String], _ f: PageFrame) -> Bill {
        var bill = Bill(lines: [], problems: [], wrong: [])
        for w in items {
            let q = (typed["quantity_\(w.id)"] ?? "").trimmingCharacters(in: .whitespaces)
            let p = (typed["price_\(w.id)"] ?? "").trimmingCharacters(in: .whitespaces)
            if q.isEmpty && p.isEmpty { continue }
            let named = ["item": w.name]
            guard let quantity = Quantity(parsing: q), quantity.milli > 0 else {
                bill.problems.append(Lang.fill(f.t("contract.badQuantity"), named))
                bill.wrong.insert(w.id)
                continue
            }
            guard let fen = YuanText.fen(p), fen >= 0 else {
                let key = YuanText.tooLarge(p) ? "contract.priceTooLarge" : "contract.badPrice"
                bill.problems.append(Lang.fill(f.t(key), named))
                bill.wrong.insert(w.id)
                continue
            }
            bill.lines.append(.init(workItemId: w.id, quantity: quantity, unitPriceFen: fen))
        }
        return bill
    }

    static func contract(_ typed: [String: String], bill: Bill, _ f: PageFrame) async throws
        -> InvestmentRepository.NewContract
    {
        guard let contractor = typed["contractor_id"].flatMap({ Int64($0) }) else {
            throw ValidationError(
                field: "contractor_id", code: Pages.pageMessage, message: f.t("contract.pickContractor"))
        }
        guard let signed = Day(typed["signed_on"] ?? "") else {
            throw ValidationError(field: "signed_on", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        guard bill.problems.isEmpty else {
            throw ValidationError(field: "items", code: Pages.pageMessage, message: Pages.lines(bill.problems))
        }
        guard !bill.lines.isEmpty else {
            throw ValidationError(field: "items", code: Pages.pageMessage, message: f.t("contract.noLines"))
        }
        return .init(contractorId: contractor, signedOn: signed, attachmentId: nil, items: bill.lines)
    }
}
