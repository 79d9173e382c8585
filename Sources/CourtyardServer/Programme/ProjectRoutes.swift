import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Renovation projects: plans, gates, acceptances, attachments, schedules and the construction ledger.
enum ProjectRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        CatalogueController(services: services).register(on: api)
        ProjectController(services: services).register(on: api)
        AttachmentController(services: services).register(on: api)
        ScheduleController(services: services).register(on: api)
        LedgerController(services: services).register(on: api)
    }

    static func etag(_ p: ProjectDetail) -> String? { "\"\(p.summary.id)-\(p.summary.version)\"" }

    static func svg(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Each gate with the records and document types it takes.
    static func gates() -> JSONValue {
        .object([
            (
                "items",
                .array(
                    ProjectStage.allCases.filter { $0 != .consultation }.map { stage in
                        .object([
                            ("gate", .string(stage.gate)),
                            ("from", .string(ProjectStage.allCases[stage.index - 1].rawValue)),
                            ("to", .string(stage.rawValue)),
                            ("record_kinds", .array(stage.recordKinds.map { .string($0.rawValue) })),
                            ("document_types", .array(stage.documentTypes.map { .string($0.rawValue) })),
                        ])
                    })
            ), ("next_cursor", .null),
        ])
    }

    static func scheduleQuery(_ request: Request) throws -> (Schedule.Mode, Day?) {
        let q = request.uri.queryParameters
        let modeText = q.get("mode") ?? "backward"
        guard let mode = Schedule.Mode(rawValue: modeText) else {
            throw AppError.badRequest("invalid_mode", "mode is backward or forward", field: "mode")
        }
        var start: Day?
        if let s = q.get("start") {
            guard let d = Day(s) else {
                throw AppError.badRequest("invalid", "start is a date as YYYY-MM-DD", field: "start")
            }
            start = d
        }
        return (mode, start)
    }

    /// The largest quantity a request may give: as many whole units as `Area.parse` reads (nine digits).
    static let maxWholeQuantity: Int64 = 999_999_999

    /// A quantity as a number or decimal text, kept in hundredths; checked for range before it is scaled.
    static func decimal(_ value: JSONValue?, field: String) throws -> Area {
        guard let value else { throw AppError.unprocessable("required", "\(field) is required", field: field) }
        let invalid = AppError.unprocessable(
            "invalid",
            "\(field) is a number from 0.01 to \(maxWholeQuantity) with at most two decimals", field: field)
        if let i = value.intValue {
            guard i > 0, i <= maxWholeQuantity else { throw invalid }
            return Area(centi: i * 100)
        }
        guard let a = Area(parsing: value.cellText), a.centi > 0 else { throw invalid }
        return a
    }
}

/// The national work catalogue and the stage gates, for clients building forms.
struct CatalogueController: ProjectScoped {
    let services: Services
    func register(on api: RouterGroup<AppContext>) {
        api.get("work_catalogue", use: workCatalogue)
        api.get("gates", use: listGates)
    }

    @Sendable func workCatalogue(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.actor()
        let items: [JSONValue] = WorkCatalogue.items.map {
            .object([
                ("code", .string($0.code)), ("category", .string($0.category.rawValue)),
                ("name_zh", .string($0.zh)),
                ("name_en", .string($0.en)), ("unit", .string($0.unit)),
            ])
        }
        return JSONBody.response(
            .object([
                ("categories", .array(WorkCategory.allCases.map { .string($0.rawValue) })),
                ("items", .array(items)),
            ]))
    }

    @Sendable func listGates(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.actor()
        return JSONBody.response(ProjectRoutes.gates())
    }
}

/// Renovation projects: their plan, gates and acceptances.
struct ProjectController: ProjectScoped {
    let services: Services
    func register(on api: RouterGroup<AppContext>) {
        api.post("projects", use: create)
        api.get("projects", use: list)
        api.get("projects/:id", use: show)
        api.patch("projects/:id", use: update)
        api.post("projects/:id/work_items", use: addWorkItem)
        api.delete("projects/:id/work_items/:item", use: deleteWorkItem)
        api.post("projects/:id/advance", use: advance)
        api.post("projects/:id/acceptances", use: addAcceptance)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewProjectBody.self, request, context: context)
        let p = try await projects.create(
            compoundId: body.compoundId, batchYear: Int(clamping: body.batchYear), deadline: body.deadline,
            fields: body.rest.fields, actor: try context.actor())
        return try JSONBody.response(p, status: .created, etag: ProjectRoutes.etag(p))
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        var filter = ProjectRepository.Filter(
            batchYear: q.get("batch_year").flatMap { Int($0) },
            compoundId: q.get("compound_id").flatMap { Int64($0) },
            communityId: q.get("community_id").flatMap { Int64($0) })
        if let s = q.get("stage") {
            guard let stage = ProjectStage(rawValue: s) else {
                throw AppError.badRequest("invalid_filter", "unknown stage \(s)", field: "stage")
            }
            filter.stage = stage
        }
        let paging = try ListPage.paging(request)
        let items = try await projects.summaries(actor: try context.actor(), filter: filter, paging: paging)
        if ListCSV.wanted(request) {
            if ProjectsExport.wantsChinese(request) { return ProjectsExport.chinese(items) }
            return try ListCSV.response(
                columns: [
                    "id", "community_name", "compound_name", "households", "batch_year", "stage", "deadline",
                    "started_on", "completed_on", "percent_complete", "budget_fen", "contractor_name",
                ], items: items, filename: "projects")
        }
        return try ListPage.response(items, paging)
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let p = try await projects.detail(id: try id(context), actor: try context.actor())
        return try JSONBody.response(p, etag: ProjectRoutes.etag(p))
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(ProjectFieldsBody.self, request, context: context)
        let pid = try id(context)
        let p = try await projects.update(
            id: pid, fields: body.fields,
            ifVersion: try RegistryRoutes.expectedVersion(request, id: pid),
            actor: try context.actor())
        return try JSONBody.response(p, etag: ProjectRoutes.etag(p))
    }

    @Sendable func addWorkItem(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewWorkItemBody.self, request, context: context)
        let p = try await projects.addWorkItem(projectId: try id(context), try body.item, actor: try context.actor())
        return try JSONBody.response(p, status: .created)
    }

    @Sendable func deleteWorkItem(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await projects.deleteWorkItem(
                projectId: try id(context), itemId: try id(context, "item"), actor: try context.actor()))
    }

    @Sendable func advance(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(AdvanceBody.self, request, context: context)
        let p = try await projects.advance(
            id: try id(context), evidence: (body.evidence ?? []).map(\.evidence), note: body.note ?? "",
            actor: try context.actor())
        return try JSONBody.response(p)
    }

    @Sendable func addAcceptance(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewAcceptanceBody.self, request, context: context)
        let p = try await projects.addAcceptance(
            projectId: try id(context), kind: body.kind, date: body.date, result: body.result,
            participants: body.participants, defects: body.defects, note: body.note ?? "", actor: try context.actor())
        return try JSONBody.response(p, status: .created)
    }
}

/// Uploaded files: evidence, photos and documents.
struct AttachmentController: ProjectScoped {
    let services: Services
    func register(on api: RouterGroup<AppContext>) {
        api.post("attachments", use: upload)
        api.get("attachments/:id", use: download)
    }

    @Sendable func upload(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        guard
            [.fileReports, .manageProjects, .writeSiteLogs, .writeSiteChecks, .manageVotes].contains(where: {
                Permissions.allows(actor.role, $0)
            }) || ReportRouting.takesAssignments(actor.role)  // a photo of a fix, by whoever a report was sent to
        else {
            throw AppError.forbidden
        }
        let form = try await MultipartForm.read(request)
        guard let file = form.files["file"] else {
            throw AppError.unprocessable("required", "send the file in the form field \"file\"", field: "file")
        }
        return try JSONBody.response(
            try await AttachmentRepository(database: services.database).create(
                filename: file.filename, bytes: file.bytes, actor: actor),
            status: .created)
    }

    @Sendable func download(_ request: Request, _ context: AppContext) async throws -> Response {
        let file = try await AttachmentRepository(database: services.database)
            .read(id: try id(context), actor: try context.actor())
        return .inlineFile(file, cache: "private, max-age=86400")
    }
}

/// A project's tasks, schedule, baseline and Gantt chart.
struct ScheduleController: ProjectScoped {
    let services: Services
    func register(on api: RouterGroup<AppContext>) {
        api.post("projects/:id/tasks", use: createTask)
        api.get("projects/:id/tasks", use: listTasks)
        api.patch("projects/:id/tasks/:task", use: updateTask)
        api.delete("projects/:id/tasks/:task", use: deleteTask)
        api.get("projects/:id/schedule", use: schedule)
        api.post("projects/:id/baseline", use: baseline)
        api.get("projects/:id/gantt.svg", use: gantt)
    }

    @Sendable func createTask(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(TaskBody.self, request, context: context)
        let t = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .addTask(projectId: try id(context), change: body.change, actor: try context.actor())
        return try JSONBody.response(t, status: .created)
    }

    @Sendable func listTasks(_ request: Request, _ context: AppContext) async throws -> Response {
        let plan = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .plan(projectId: try id(context), mode: .backward, start: nil, actor: try context.actor())
        return try ListPage.response(all: plan.tasks.map(\.model), try ListPage.paging(request))
    }

    @Sendable func updateTask(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(TaskBody.self, request, context: context)
        let taskId = try id(context, "task")
        let t = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .updateTask(
                projectId: try id(context), taskId: taskId, change: body.change,
                ifVersion: try RegistryRoutes.expectedVersion(request, id: taskId), actor: try context.actor())
        return try JSONBody.response(t)
    }

    @Sendable func deleteTask(_ request: Request, _ context: AppContext) async throws -> Response {
        try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .deleteTask(projectId: try id(context), taskId: try id(context, "task"), actor: try context.actor())
        return Response(status: .noContent)
    }

    @Sendable func schedule(_ request: Request, _ context: AppContext) async throws -> Response {
        let (mode, start) = try ProjectRoutes.scheduleQuery(request)
        let repo = ScheduleRepository(database: services.database, calendar: try await calendar())
        let plan = try await repo.plan(
            projectId: try id(context), mode: mode, start: start, actor: try context.actor())
        return try JSONBody.response(repo.view(plan))
    }

    @Sendable func baseline(_ request: Request, _ context: AppContext) async throws -> Response {
        let (mode, start) = try ProjectRoutes.scheduleQuery(request)
        let repo = ScheduleRepository(database: services.database, calendar: try await calendar())
        return try JSONBody.response(
            try await repo.setBaseline(
                projectId: try id(context), mode: mode, start: start, actor: try context.actor()))
    }

    @Sendable func gantt(_ request: Request, _ context: AppContext) async throws -> Response {
        let (mode, start) = try ProjectRoutes.scheduleQuery(request)
        let repo = ScheduleRepository(database: services.database, calendar: try await calendar())
        let plan = try await repo.plan(
            projectId: try id(context), mode: mode, start: start, actor: try context.actor())
        return ProjectRoutes.svg(GanttChart.draw(plan, today: Clock.today, lang: context.lang))
    }
}

/// The construction ledger: site logs, site checks and their findings.
struct LedgerController: ProjectScoped {
    let services: Services
    func register(on api: RouterGroup<AppContext>) {
        api.post("projects/:id/site_logs", use: addSiteLog)
        api.get("projects/:id/site_logs", use: siteLogs)
        api.patch("projects/:id/site_logs/:log_id", use: correctSiteLog)
        api.post("projects/:id/checks", use: addCheck)
        api.get("projects/:id/checks", use: checks)
        api.post("findings/:id/:step", use: stepFinding)
    }

    @Sendable func addSiteLog(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewSiteLogBody.self, request, context: context)
        let log = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .addSiteLog(projectId: try id(context), body.log, actor: try context.actor())
        return try JSONBody.response(log, status: .created)
    }

    /// Corrects a site log on the day it was written, by its author: the fields sent replace the log's, the others
    /// stay; its day does not change. `If-Match` names the correction read (the log's ETag, `"id-version"`).
    @Sendable func correctSiteLog(_ request: Request, _ context: AppContext) async throws -> Response {
        let (projectId, logId, actor) = (try id(context), try id(context, "log_id"), try context.actor())
        let expected = try RegistryRoutes.expectedVersion(request, id: logId).map(Int64.init)
        let body = try await JSONBody.decode(
            SiteLogCorrectionBody.self, request, context: context,
            changing: ["weather", "workers", "work_done", "issues", "progress", "photos"])
        let log = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .correctSiteLog(projectId: projectId, logId: logId, expectedVersion: expected, actor: actor) {
                body.log(over: $0)
            }
        return try JSONBody.response(log, etag: "\"\(log.id)-\(log.version)\"")
    }

    @Sendable func siteLogs(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .siteLogs(
                projectId: try id(context),
                actor: try context.actor())
        if ListCSV.wanted(request) {
            return try ListCSV.response(
                columns: ["date", "weather", "workers", "work_done", "issues", "created_by"], items: items,
                filename: "site-logs")
        }
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func addCheck(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewCheckBody.self, request, context: context)
        let check = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .addCheck(projectId: try id(context), body.check, actor: try context.actor())
        return try JSONBody.response(check, status: .created)
    }

    @Sendable func checks(_ request: Request, _ context: AppContext) async throws -> Response {
        let items = try await LedgerRepository(database: services.database, calendar: try await calendar()).checks(
            projectId: try id(context),
            actor: try context.actor())
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func stepFinding(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let step = LedgerRepository.FindingStep(rawValue: try context.parameters.require("step")) else {
            throw AppError.notFound
        }
        let body = try await JSONBody.decode(FindingStepBody.self, request, context: context, ifNone: .init())
        let f = try await LedgerRepository(database: services.database, calendar: try await calendar()).stepFinding(
            id: try id(context), step: step,
            note: body.note ?? "", photos: body.photos ?? [], actor: try context.actor())
        return try JSONBody.response(f)
    }
}

/// What the project controllers share: the project repository, the working-day calendar and ids from the path.
protocol ProjectScoped: Sendable {
    var services: Services { get }
}

extension ProjectScoped {
    var projects: ProjectRepository { ProjectRepository(database: services.database) }

    func calendar() async throws -> WorkCalendar {
        try await CalendarRepository(database: services.database).calendar()
    }

    func id(_ context: AppContext, _ name: String = "id") throws -> Int64 {
        try context.parameters.require(name, as: Int64.self)
    }
}
