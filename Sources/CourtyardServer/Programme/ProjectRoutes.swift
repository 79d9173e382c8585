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

    static func fields(_ body: [String: JSONValue]) throws -> ProjectRepository.Fields {
        var f = ProjectRepository.Fields()
        if let d = try body.optionalDay("deadline") {
            guard let d else {
                throw AppError.unprocessable("required", "a project always has a deadline", field: "deadline")
            }
            f.deadline = d
        }
        f.plannedStart = try body.optionalDay("planned_start")
        if let m = body["is_model"] {
            guard case .bool(let b) = m else {
                throw AppError.unprocessable("invalid", "is_model is true or false", field: "is_model")
            }
            f.isModel = b
        }
        if let w = try body.optionalText("model_writeup") {
            guard w.count <= 2000 else {
                throw AppError.unprocessable(
                    "too_long", "the write-up is at most 2,000 characters", field: "model_writeup")
            }
            f.modelWriteup = w
        }
        for (field, _) in ProjectRepository.roles {
            if let o = try body.optionalInt(field) { f.organisations[field] = o }
        }
        return f
    }

    /// Evidence as attachment ids (`[12, 13]`) or records (`[{"kind": "notice", "id": 4}]`).
    /// Evidence is a list of records `{"kind", "id"}` and documents `{"kind": "document", "attachment_id",
    /// "document_type"}`. A bare attachment id says nothing of what the paper is, so it is refused.
    static func evidence(_ value: JSONValue?) throws -> [Evidence] {
        guard let value, value != .null else { return [] }
        guard case .array(let a) = value else {
            throw AppError.unprocessable("invalid", "evidence is a list", field: "evidence")
        }
        return try a.map(evidenceItem)
    }

    static func evidenceItem(_ item: JSONValue) throws -> Evidence {
        let kinds = EvidenceKind.allCases.map(\.rawValue).joined(separator: ", ")
        if item["kind"]?.stringValue == "document" {
            guard let id = item["attachment_id"]?.intValue,
                let type = item["document_type"]?.stringValue.flatMap(DocumentType.init(rawValue:))
            else {
                throw AppError.unprocessable(
                    "invalid",
                    "a document is {kind: document, attachment_id, document_type} with "
                        + "document_type one of " + DocumentType.allCases.map(\.rawValue).joined(separator: ", "),
                    field: "evidence")
            }
            return .document(attachmentId: id, type: type)
        }
        guard let k = item["kind"]?.stringValue, let kind = EvidenceKind(rawValue: k), let id = item["id"]?.intValue
        else {
            throw AppError.unprocessable(
                "invalid",
                "evidence items are records {kind, id} with kind one of \(kinds), "
                    + "or documents {kind: document, attachment_id, document_type}", field: "evidence")
        }
        return .record(kind, id: id)
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

    static func taskChange(_ body: [String: JSONValue]) throws -> ScheduleRepository.TaskChange {
        var c = ScheduleRepository.TaskChange()
        c.name = try body.optionalText("name")
        if let d = try body.optionalInt("duration_days") {
            guard let d else {
                throw AppError.unprocessable(
                    "invalid", "duration_days is a number of working days", field: "duration_days")
            }
            c.duration = Int(d)
        }
        // depends_on lists task ids, or {"task_id", "lag_days"} for a wait in working days after the predecessor.
        if let deps = body["depends_on"], deps != .null {
            guard case .array(let items) = deps else {
                throw AppError.unprocessable("invalid", "depends_on is a list", field: "depends_on")
            }
            var ids: [Int64] = []
            for item in items {
                if let id = item.intValue {
                    ids.append(id)
                    continue
                }
                guard let id = item["task_id"]?.intValue else {
                    throw AppError.unprocessable(
                        "invalid", "depends_on lists task ids or {task_id, lag_days}", field: "depends_on")
                }
                ids.append(id)
                if let lag = item["lag_days"]?.intValue { c.lags[id] = Int(lag) }
            }
            c.dependsOn = ids
        }
        c.workItemId = try body.optionalInt("work_item_id")
        c.actualStart = try body.optionalDay("actual_start")
        c.actualFinish = try body.optionalDay("actual_finish")
        return c
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
        let body = try await JSONBody.object(request, context: context)
        guard let year = body["batch_year"]?.intValue else {
            throw AppError.unprocessable("required", "batch_year is required", field: "batch_year")
        }
        let p = try await projects.create(
            compoundId: try body.requiredID("compound_id"), batchYear: Int(year),
            deadline: try body.requiredDay("deadline"),
            fields: try ProjectRoutes.fields(body), actor: try context.actor())
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
        let body = try await JSONBody.object(request, context: context)
        let pid = try id(context)
        let p = try await projects.update(
            id: pid, fields: try ProjectRoutes.fields(body),
            ifVersion: try RegistryRoutes.expectedVersion(request, id: pid),
            actor: try context.actor())
        return try JSONBody.response(p, etag: ProjectRoutes.etag(p))
    }

    @Sendable func addWorkItem(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        guard let code = body["code"]?.stringValue else {
            throw AppError.unprocessable("required", "code is required", field: "code")
        }
        // A work item's budget is summed and weighted by percent in SQL, so it is bounded before it is stored.
        let maxBudget = ProjectRepository.maxBudgetFen
        guard let budget = body["budget_fen"]?.intValue, (0...maxBudget).contains(budget) else {
            throw AppError.unprocessable(
                "invalid",
                "budget_fen is a whole number of fen from 0 to \(maxBudget)", field: "budget_fen")
        }
        let quantity = try ProjectRoutes.decimal(body["quantity"], field: "quantity")
        let p = try await projects.addWorkItem(
            projectId: try id(context),
            .init(
                code: code, name: try body.optionalText("name"), quantity: quantity,
                unit: try body.optionalText("unit"), budgetFen: budget), actor: try context.actor())
        return try JSONBody.response(p, status: .created)
    }

    @Sendable func deleteWorkItem(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(
            try await projects.deleteWorkItem(
                projectId: try id(context), itemId: try id(context, "item"), actor: try context.actor()))
    }

    @Sendable func advance(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        let p = try await projects.advance(
            id: try id(context), evidence: try ProjectRoutes.evidence(body["evidence"]),
            note: try body.optionalText("note") ?? "",
            actor: try context.actor())
        return try JSONBody.response(p)
    }

    @Sendable func addAcceptance(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        var participants: [String] = []
        if case .array(let a) = body["participants"] ?? .null {
            participants = a.compactMap(\.stringValue)
        } else if let s = body["participants"]?.stringValue {
            participants = s.split(whereSeparator: { "、,，;；\n".contains($0) }).map(String.init)
        }
        let p = try await projects.addAcceptance(
            projectId: try id(context), kind: try body.requiredCase("kind", ProjectRepository.AcceptanceKind.self),
            date: try body.requiredDay("date"),
            result: try body.requiredCase("result", ProjectRepository.AcceptanceResult.self),
            participants: participants, note: try body.optionalText("note") ?? "", actor: try context.actor())
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
            })
        else {
            throw AppError.forbidden
        }
        let form = try await MultipartForm.read(request)
        guard let file = form.files["file"] else {
            throw AppError.unprocessable("required", "send the file in the form field \"file\"", field: "file")
        }
        return JSONBody.response(
            try await AttachmentRepository(database: services.database).create(
                filename: file.filename, bytes: file.bytes, actor: actor),
            status: .created)
    }

    @Sendable func download(_ request: Request, _ context: AppContext) async throws -> Response {
        let file = try await AttachmentRepository(database: services.database)
            .read(id: try id(context), actor: try context.actor())
        let safeName =
            file.filename.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" } ? file.filename : "attachment"
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .contentDisposition: "inline; filename=\"\(safeName)\"",
                .cacheControl: "private, max-age=86400", .init("X-Content-Type-Options")!: "nosniff",
            ], body: .init(byteBuffer: file.bytes))
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
        let body = try await JSONBody.object(request, context: context)
        let t = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .addTask(projectId: try id(context), change: try ProjectRoutes.taskChange(body), actor: try context.actor())
        return try JSONBody.response(t, status: .created)
    }

    @Sendable func listTasks(_ request: Request, _ context: AppContext) async throws -> Response {
        let plan = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .plan(projectId: try id(context), mode: .backward, start: nil, actor: try context.actor())
        return try ListPage.response(all: plan.tasks.map(\.model), try ListPage.paging(request))
    }

    @Sendable func updateTask(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        let taskId = try id(context, "task")
        let t = try await ScheduleRepository(database: services.database, calendar: try await calendar())
            .updateTask(
                projectId: try id(context), taskId: taskId, change: try ProjectRoutes.taskChange(body),
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
        api.post("projects/:id/checks", use: addCheck)
        api.get("projects/:id/checks", use: checks)
        api.post("findings/:id/:step", use: stepFinding)
    }

    @Sendable func addSiteLog(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.object(request, context: context)
        var progress: [(workItemId: Int64, percent: Int)] = []
        if case .array(let a) = body["progress"] ?? .null {
            for p in a {
                guard let item = p["work_item_id"]?.intValue, let pc = p["percent"]?.intValue else {
                    throw AppError.unprocessable(
                        "invalid", "progress lists {work_item_id, percent}", field: "progress")
                }
                progress.append((item, Int(pc)))
            }
        }
        guard let workers = try body.optionalInt("workers") ?? 0 else {
            throw AppError.unprocessable("invalid", "workers is a number", field: "workers")
        }
        let log = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .addSiteLog(
                projectId: try id(context),
                .init(
                    date: try body.requiredDay("date"), weather: try body.optionalText("weather") ?? "",
                    workers: Int(workers),
                    workDone: try body.optionalText("work_done") ?? "",
                    issues: try body.optionalText("issues") ?? "", progress: progress,
                    photos: try body.idList("photos")), actor: try context.actor())
        return try JSONBody.response(log, status: .created)
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
        let body = try await JSONBody.object(request, context: context)
        var items: [(item: String, passed: Bool, note: String)] = []
        if case .array(let a) = body["items"] ?? .null {
            for i in a {
                guard let name = i["item"]?.stringValue, case .bool(let passed) = i["passed"] ?? .null else {
                    throw AppError.unprocessable("invalid", "items lists {item, passed, note}", field: "items")
                }
                items.append((name, passed, i["note"]?.stringValue ?? ""))
            }
        }
        var findings: [(description: String, photos: [Int64], dueOn: Day?)] = []
        if case .array(let a) = body["findings"] ?? .null {
            for f in a {
                guard let d = f["description"]?.stringValue else {
                    throw AppError.unprocessable(
                        "invalid", "findings lists {description, photos, due_on}", field: "findings")
                }
                let due = f["due_on"]?.stringValue.flatMap { Day($0) }
                findings.append((d, f["photos"]?.idList ?? [], due))
            }
        }
        let check = try await LedgerRepository(database: services.database, calendar: try await calendar())
            .addCheck(
                projectId: try id(context),
                .init(date: try body.requiredDay("date"), items: items, findings: findings),
                actor: try context.actor())
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
        let body = (try? await JSONBody.object(request, context: context)) ?? [:]
        let f = try await LedgerRepository(database: services.database, calendar: try await calendar()).stepFinding(
            id: try id(context), step: step,
            note: body["note"]?.stringValue ?? "", actor: try context.actor())
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
