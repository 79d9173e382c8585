import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func safety(year: Int64? = nil) -> SiteRoute {
        SiteRoute("/safety", query: [("year", year.map(String.init))])
    }
    static let safetyAgreements = SiteRoute("/safety/agreements")
    static let safetyPlans = SiteRoute("/safety/plans")
    static func safetyDrills(_ plan: Int64) -> SiteRoute { SiteRoute("/safety/plans/\(plan)/drills") }
}

/// The office's safety paperwork for a batch (安全生产): per contractor, its responsibility agreement and the
/// emergency plans that cover its projects, with the forms that record them and their drills. What a project
/// still lacks before it may enter construction shows at a glance.
struct SafetyPaperworkPage {
    struct ContractorRow {
        var contractor: String
        var agreement: String
        var hasAgreement: Bool
        var covered: String
        var allCovered: Bool
        var uncovered: String
    }
    struct PlanRow {
        var contractor: String
        var approvedOn: String
        var projects: String
        /// The drills held, or nil before the first (the page says 尚未演练).
        var drills: String?
        var drillAction: String
        /// What was typed into this plan's drill form when it was refused (the form then opens).
        var drillOpen = false
        var drillDate = ""
        var drillAttendance = ""
        var drillNote = ""
    }
    struct Forms {
        var agreementAction: String
        var planAction: String
        var contractors: [FormOption]
        var projects: [FormOption]
        var year: String
        var today: String
        /// What was typed into a refused agreement or plan form, each into its own.
        var agreementContractors: [FormOption]
        /// The agreement's own year field; the other forms carry the page's year.
        var agreementYear: String
        var signedOn = ""
        var targets = ""
        var approvedOn = ""
    }
    var note: PageNote?
    var year: String
    var years: [FormOption]
    var contractors: [ContractorRow]
    var hasContractors: Bool
    var plans: [PlanRow]
    var hasPlans: Bool
    var forms: Forms?

    /// Which of the page's forms was refused: the agreement, the plan, or one plan's drill.
    enum Refused: Equatable {
        case agreement, plan
        case drill(Int64)
    }

    static func load(
        year: Int64, actor: Actor, services: Services, note: PageNote?, typed: [String: String],
        refused: Refused? = nil, _ f: PageFrame
    ) async throws -> SafetyPaperworkPage {
        let safety = try await services.safetyRepository()
        let projects = try await ProjectRepository(database: services.database).summaries(
            actor: actor, filter: .init(batchYear: Int(year)))
        let agreements = try await safety.agreements(actor: actor, batchYear: year)
        let plans = try await safety.plans(actor: actor)
        let covered = Set(plans.flatMap(\.projectIds))
        let byContractor = Dictionary(grouping: projects.filter { $0.contractorId != nil }) { $0.contractorId! }
        let rows = byContractor.map { id, mine in
            let agreement = agreements.first { $0.organisationId == id }
            let open = mine.filter { !covered.contains($0.id) }
            return ContractorRow(
                contractor: mine[0].contractorName ?? "",
                agreement: agreement?.signedOn.description ?? f.t("safety.missing"),
                hasAgreement: agreement != nil, covered: "\(mine.count - open.count) / \(mine.count)",
                allCovered: open.isEmpty, uncovered: open.map(\.compoundName).joined(separator: "、"))
        }.sorted { $0.contractor < $1.contractor }
        let names = Dictionary(projects.map { ($0.id, $0.compoundName) }, uniquingKeysWith: { a, _ in a })
        let planRows = plans.filter { $0.projectIds.contains { names[$0] != nil } }.map { p in
            var row = PlanRow(
                contractor: p.organisationName, approvedOn: p.approvedOn.description,
                projects: p.projectIds.compactMap { names[$0] }.joined(separator: "、"),
                drills: p.drills.isEmpty
                    ? nil
                    : p.drills.map { "\($0.date) · \($0.attendance)\(f.t("safety.people"))" }.joined(separator: "；"),
                drillAction: SiteRoute.safetyDrills(p.id).path)
            if refused == .drill(p.id) {
                row.drillOpen = true
                row.drillDate = typed["date"] ?? ""
                row.drillAttendance = typed["attendance"] ?? ""
                row.drillNote = typed["note"] ?? ""
            }
            return row
        }
        let current = Int64(Clock.today.civil.year)
        return SafetyPaperworkPage(
            note: note, year: String(year),
            years: (current - 2...current + 1).map {
                FormOption(value: SiteRoute.safety(year: $0).path, label: "\($0)", selected: $0 == year)
            }, contractors: rows, hasContractors: !rows.isEmpty, plans: planRows, hasPlans: !planRows.isEmpty,
            forms: Permissions.allows(actor.role, .manageProjects)
                ? try await forms(
                    year: year, projects: projects, actor: actor, services: services, typed: typed, refused: refused)
                : nil)
    }

    static func forms(
        year: Int64, projects: [ProjectSummary], actor: Actor, services: Services, typed: [String: String],
        refused: Refused?
    ) async throws -> Forms {
        let orgs = try await services.registry.listAll(Organisation.self, actor: actor).filter {
            $0.kind == .contractor
        }
        let chosen = FormOption.ticked(typed, "project_ids")
        func contractors(_ form: Refused) -> [FormOption] {
            orgs.map {
                FormOption(
                    value: String($0.id), label: $0.name,
                    selected: refused == form && typed["organisation_id"] == String($0.id))
            }
        }
        var forms = Forms(
            agreementAction: SiteRoute.safetyAgreements.path, planAction: SiteRoute.safetyPlans.path,
            contractors: contractors(.plan),
            projects: projects.filter { $0.contractorId != nil }.map {
                FormOption(
                    value: String($0.id), label: "\($0.compoundName) · \($0.contractorName ?? "")",
                    selected: refused == .plan && chosen.contains(String($0.id)))
            }, year: String(year), today: Clock.today.description, agreementContractors: contractors(.agreement),
            agreementYear: String(year))
        if refused == .agreement {
            forms.agreementYear = typed["batch_year"] ?? forms.year
            forms.signedOn = typed["signed_on"] ?? ""
            forms.targets = typed["targets"] ?? ""
        }
        if refused == .plan { forms.approvedOn = typed["approved_on"] ?? "" }
        return forms
    }
}

struct SafetyPaperworkController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/safety", show)
        Pages.post(router, "/safety/agreements", agreement)
        Pages.post(router, "/safety/plans", plan)
        Pages.post(router, "/safety/plans/:id/drills", drill)
    }

    static func year(_ request: Request) -> Int64 {
        let asked = request.uri.queryParameters.get("year").flatMap { Int64($0) }
        return asked.flatMap { (2000...2100).contains($0) ? $0 : nil } ?? Int64(Clock.today.civil.year)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readProjects)
        let saved = request.uri.queryParameters.get("saved") == "1"
        let page = try await SafetyPaperworkPage.load(
            year: Self.year(request), actor: actor, services: services,
            note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil, typed: [:], f)
        return f.page(title: f.t("safety.paperworkTitle"), "safety-paperwork", page)
    }

    /// Runs one of the page's forms; refused, the page again with the reason and what was typed.
    func act(
        _ request: Request, _ context: AppContext, _ f: PageFrame, form: SafetyPaperworkPage.Refused,
        _ body: @escaping (Actor, [String: String], SafetyRepository) async throws -> Int64
    ) async throws -> Response {
        let actor = try context.require(.readProjects)
        let fields = try await Pages.checkboxForm(request, context)
        let year = Int64(fields["batch_year"] ?? "") ?? Int64(Clock.today.civil.year)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await SafetyPaperworkPage.load(
                year: (2000...2100).contains(year) ? year : Int64(Clock.today.civil.year), actor: actor,
                services: services, note: PageNote(kind: m.0, text: m.1), typed: fields, refused: form, f)
            return f.page(title: f.t("safety.paperworkTitle"), "safety-paperwork", page, status: status)
        }
        let problems = Self.problems(fields, form, f)
        if !problems.isEmpty { return try await redisplay(("bad", Pages.lines(problems)), .unprocessableContent) }
        let safety = try await services.safetyRepository()
        return try await Pages.save(f, redisplay: redisplay) {
            let shown = try await body(actor, fields, safety)
            return SiteRoute("/safety", query: [("year", String(shown)), ("saved", "1")]).path
        }
    }

    static func day(_ fields: [String: String], _ key: String, _ f: PageFrame) throws -> Day {
        guard let d = Day(fields[key] ?? "") else {
            throw ValidationError(field: key, code: Pages.pageMessage, message: dateProblem(fields[key], f))
        }
        return d
    }

    /// An empty date asks for one; a typed one that is not a date says how to write it.
    static func dateProblem(_ typed: String?, _ f: PageFrame) -> String {
        (typed ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? f.t("safety.form.badDate") : f.t("form.badDate")
    }

    /// Everything wrong with a typed form that can be told before saving, in the form's order.
    static func problems(_ fields: [String: String], _ form: SafetyPaperworkPage.Refused, _ f: PageFrame) -> [String] {
        var found: [String] = []
        let chosen = Int64(fields["organisation_id"] ?? "") != nil
        switch form {
        case .agreement:
            if !chosen { found.append(f.t("error.organisation_id.not_found")) }
            if Int(fields["batch_year"] ?? "").map({ (2000...2100).contains($0) }) != true {
                found.append(f.t("error.batch_year.invalid"))
            }
            if Day(fields["signed_on"] ?? "") == nil { found.append(dateProblem(fields["signed_on"], f)) }
        case .plan:
            if !chosen { found.append(f.t("error.organisation_id.not_found")) }
            if Day(fields["approved_on"] ?? "") == nil { found.append(dateProblem(fields["approved_on"], f)) }
        case .drill:
            if Day(fields["date"] ?? "") == nil { found.append(dateProblem(fields["date"], f)) }
            if Int64(fields["attendance"] ?? "").map({ (1...10_000).contains($0) }) != true {
                found.append(f.t("error.attendance.invalid"))
            }
        }
        return found
    }

    @Sendable func agreement(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await act(request, context, f, form: .agreement) { actor, fields, safety in
            let org = Int64(fields["organisation_id"] ?? "") ?? 0
            let year = Int64(fields["batch_year"] ?? "") ?? 0
            if try await safety.agreements(actor: actor, batchYear: year).contains(where: { $0.organisationId == org })
            {
                throw ValidationError(
                    field: "organisation_id", code: Pages.pageMessage, message: f.t("safety.form.agreementExists"))
            }
            let a = try await safety.createAgreement(
                .init(
                    organisationId: Int64(fields["organisation_id"] ?? "") ?? 0,
                    batchYear: Int64(fields["batch_year"] ?? "") ?? 0, signedOn: try Self.day(fields, "signed_on", f),
                    targets: fields["targets"] ?? "", attachmentId: nil), actor: actor)
            return a.batchYear
        }
    }

    @Sendable func plan(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await act(request, context, f, form: .plan) { actor, fields, safety in
            _ = try await safety.createPlan(
                .init(
                    organisationId: Int64(fields["organisation_id"] ?? "") ?? 0,
                    projectIds: Pages.ids(fields["project_ids"]),
                    approvedOn: try Self.day(fields, "approved_on", f), attachmentId: nil), actor: actor)
            return Int64(fields["batch_year"] ?? "") ?? Int64(Clock.today.civil.year)
        }
    }

    @Sendable func drill(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let plan = try context.parameters.require("id", as: Int64.self)
        return try await act(request, context, f, form: .drill(plan)) { actor, fields, safety in
            guard let attendance = Int64(fields["attendance"] ?? "") else {
                throw ValidationError(
                    field: "attendance", code: Pages.pageMessage, message: f.t("error.attendance.invalid"))
            }
            _ = try await safety.addDrill(
                planId: plan, date: try Self.day(fields, "date", f), attendance: attendance, note: fields["note"] ?? "",
                actor: actor)
            return Int64(fields["batch_year"] ?? "") ?? Int64(Clock.today.civil.year)
        }
    }
}
