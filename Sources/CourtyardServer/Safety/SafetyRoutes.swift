import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Safety before and during construction: agreements, emergency plans, trainings, inspections, hidden works.
enum SafetyRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        SafetyController(services: services).register(on: api)
        InspectionController(services: services).register(on: api)
    }
}

extension Services {
    /// The safety repository on the office's working-day calendar, which finding due days count in.
    func safetyRepository() async throws -> SafetyRepository {
        SafetyRepository(database: database, calendar: try await CalendarRepository(database: database).calendar())
    }
}

struct NewAgreementBody: Decodable {
    var organisationId: Int64
    var batchYear: Int64
    var signedOn: Day
    var targets: String?
    var attachmentId: Int64?
    enum CodingKeys: String, CodingKey {
        case organisationId = "organisation_id", batchYear = "batch_year", signedOn = "signed_on", targets
        case attachmentId = "attachment_id"
    }
}

struct NewPlanBody: Decodable {
    var organisationId: Int64
    var projectIds: [Int64]
    var approvedOn: Day
    var attachmentId: Int64?
    enum CodingKeys: String, CodingKey {
        case organisationId = "organisation_id", projectIds = "project_ids", approvedOn = "approved_on"
        case attachmentId = "attachment_id"
    }
}

struct NewDrillBody: Decodable {
    var date: Day
    var attendance: Int64
    var note: String?
}

struct NewTrainingBody: Decodable {
    var date: Day
    var trainer: String
    var topics: String
    var trainees: [Trainee]
    var attachmentId: Int64?
    enum CodingKeys: String, CodingKey { case date, trainer, topics, trainees, attachmentId = "attachment_id" }
}

/// The office, the contractor and the supervisor keep the project's safety paperwork.
struct SafetyController: ProjectScoped {
    let services: Services
    func safety() async throws -> SafetyRepository {
        try await services.safetyRepository()
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("safety/agreements", use: createAgreement)
        api.get("safety/agreements", use: agreements)
        api.post("safety/emergency_plans", use: createPlan)
        api.get("safety/emergency_plans", use: plans)
        api.post("safety/emergency_plans/:id/drills", use: addDrill)
        api.get("safety/contractors", use: contractors)
        api.post("projects/:id/trainings", use: addTraining)
        api.get("projects/:id/trainings", use: trainings)
    }

    @Sendable func createAgreement(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewAgreementBody.self, request, context: context)
        let made = try await safety().createAgreement(
            .init(
                organisationId: b.organisationId, batchYear: b.batchYear, signedOn: b.signedOn,
                targets: b.targets ?? "", attachmentId: b.attachmentId), actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func agreements(_ request: Request, _ context: AppContext) async throws -> Response {
        let year = request.uri.queryParameters.get("batch_year").flatMap { Int64($0) }
        let items = try await safety().agreements(actor: try context.actor(), batchYear: year)
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func createPlan(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewPlanBody.self, request, context: context)
        let made = try await safety().createPlan(
            .init(
                organisationId: b.organisationId, projectIds: b.projectIds, approvedOn: b.approvedOn,
                attachmentId: b.attachmentId), actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func plans(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await safety().plans(actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func addDrill(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewDrillBody.self, request, context: context)
        let plan = try await safety().addDrill(
            planId: try id(context), date: b.date, attendance: b.attendance, note: b.note ?? "",
            actor: try context.actor())
        return try JSONBody.response(plan, status: .created)
    }

    @Sendable func contractors(_ request: Request, _ context: AppContext) async throws -> Response {
        let year = request.uri.queryParameters.get("batch_year").flatMap { Int64($0) }
        let items = try await safety().contractorFigures(actor: try context.actor(), batchYear: year)
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func addTraining(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewTrainingBody.self, request, context: context)
        let made = try await safety().addTraining(
            projectId: try id(context),
            .init(
                date: b.date, trainer: b.trainer, topics: b.topics, trainees: b.trainees, attachmentId: b.attachmentId),
            actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func trainings(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await safety().trainings(projectId: try id(context), actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }
}

struct NewTemplateBody: Decodable {
    var name: String
    var items: [InspectionItem]
}

struct NewInspectionBody: Decodable {
    struct Score: Decodable {
        var item: String
        var score: Int64
        var note: String?
        var photos: [Int64]?
    }
    var templateId: Int64
    var date: Day
    var scores: [Score]
    var followsUp: Int64?
    enum CodingKeys: String, CodingKey { case templateId = "template_id", date, scores, followsUp = "follows_up" }

    var inspection: SafetyRepository.NewInspection {
        .init(
            templateId: templateId, date: date,
            scores: scores.map { .init(item: $0.item, score: $0.score, note: $0.note ?? "", photos: $0.photos ?? []) },
            followsUp: followsUp)
    }
}

struct HiddenWorkBody: Decodable {
    var date: Day
    var result: AcceptanceResult
    var photos: [Int64]
    var note: String?
}

/// Scored inspections, the tables they score against, and the supervisor's acceptance of hidden works.
struct InspectionController: ProjectScoped {
    let services: Services
    func safety() async throws -> SafetyRepository {
        try await services.safetyRepository()
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("inspection_templates", use: templates)
        api.post("inspection_templates", use: createTemplate)
        api.post("projects/:id/inspections", use: inspect)
        api.get("projects/:id/inspections", use: inspections)
        api.post("projects/:id/tasks/:task/hidden_work_acceptance", use: acceptHiddenWork)
    }

    @Sendable func templates(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await safety().templates(actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func createTemplate(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewTemplateBody.self, request, context: context)
        let made = try await safety().createTemplate(name: b.name, items: b.items, actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func inspect(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(NewInspectionBody.self, request, context: context)
        let made = try await safety().inspect(projectId: try id(context), b.inspection, actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }

    @Sendable func inspections(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await safety().inspections(projectId: try id(context), actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func acceptHiddenWork(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await JSONBody.decode(HiddenWorkBody.self, request, context: context)
        let made = try await safety().acceptHiddenWork(
            projectId: try id(context), taskId: try id(context, "task"), date: b.date, result: b.result,
            photos: b.photos, note: b.note ?? "", actor: try context.actor())
        return try JSONBody.response(made, status: .created)
    }
}
