import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Residents' supervision reports during the works (居民监督).
enum ReportRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        CalendarController(services: services).register(on: api)
        ReportController(services: services).register(on: api)
    }
}

/// The working-day calendar that due dates count in.
struct CalendarController {
    let services: Services
    var calendars: CalendarRepository { CalendarRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.get("calendars/:year", use: read)
        api.put("calendars/:year", use: replace)
    }

    /// A year's changes to the ordinary week. Each list is read by hand so that a bad date names its list.
    struct Year: Decodable {
        var holidays: LooseField?
        var workdays: LooseField?
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try context.actor()
        return JSONBody.response(try await calendars.year(try context.parameters.require("year", as: Int.self)).json)
    }

    @Sendable func replace(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(Year.self, request, context: context)
        func days(_ key: String, _ field: LooseField?) throws -> [Day] {
            guard case .array(let a) = field?.json ?? .array([]) else {
                throw AppError.unprocessable("invalid", "\(key) must be a list of dates", field: key)
            }
            return try a.map {
                guard let text = $0.stringValue, let d = Day(text) else {
                    throw AppError.unprocessable("invalid", "\(key) holds dates as YYYY-MM-DD", field: key)
                }
                return d
            }
        }
        let year = try await calendars.put(
            year: try context.parameters.require("year", as: Int.self),
            holidays: try days("holidays", body.holidays), workdays: try days("workdays", body.workdays),
            actor: try context.actor())
        return JSONBody.response(year.json)
    }
}

/// Supervision reports and the steps that move them on.
struct ReportController {
    let services: Services

    /// Due dates count the calendar as entered (or published) when the request arrives; only a step sets one, so
    /// lists and reads do without it.
    func reports() async throws -> ReportRepository {
        ReportRepository(
            database: services.database, calendar: try await CalendarRepository(database: services.database).calendar())
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("reports", use: create)
        api.get("reports", use: list)
        api.get("reports/:id", use: read)
        api.post("reports/:id/transitions", use: transition)
        api.post("reports/:id/urge", use: urge)
    }

    struct NewReport: Decodable {
        var compoundId: Int64?
        var buildingId: LooseField?
        var category: LooseField?
        var description: LooseField?
        var photos: LooseField?
        var reporterName: LooseField?
        var reporterPhone: LooseField?
        enum CodingKeys: String, CodingKey {
            case compoundId = "compound_id", buildingId = "building_id", category, description, photos
            case reporterName = "reporter_name", reporterPhone = "reporter_phone"
        }
    }

    struct Step: Decodable {
        var to: LooseField?
        var note: LooseField?
        var assigneeOrganisationId: LooseField?
        /// Photos of the fix (uploaded attachments' ids), with the step to fixed.
        var photos: [Int64]?
        enum CodingKeys: String, CodingKey {
            case to, note, assigneeOrganisationId = "assignee_organisation_id", photos
        }
    }

    static let csvColumns = [
        "id", "compound_id", "building_id", "category", "description", "state", "ball_in_court",
        "assignee_organisation_id", "submitted_at", "due_on", "overdue",
    ]

    /// The office urges the company or department an assigned report waits on (催办): a note in its history.
    @Sendable func urge(_ request: Request, _ context: AppContext) async throws -> Response {
        struct Urge: Decodable { var note: String? }
        let body = try await JSONBody.decode(Urge.self, request, context: context)
        return try JSONBody.response(
            try await reports().urge(
                id: try context.parameters.require("id", as: Int64.self), note: body.note ?? "",
                actor: try context.actor()))
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.fileReports)
        let body = try await JSONBody.decode(NewReport.self, request, context: context)
        guard let compound = body.compoundId else {
            throw AppError.unprocessable("required", "compound_id is required", field: "compound_id")
        }
        let category = try FieldCheck.oneOf("category", body.category, ReportCategory.self)
        var photos: [Int64] = []
        if case .array(let a) = body.photos?.json ?? .array([]) { photos = a.compactMap(\.intValue) }
        let report = try await ReportRepository.filing(services.database).create(
            .init(
                compoundId: compound, buildingId: body.buildingId?.json.intValue, category: category,
                description: body.description?.json.stringValue ?? "", photos: photos,
                reporterName: body.reporterName?.json.stringValue ?? "",
                reporterPhone: body.reporterPhone?.json.stringValue ?? ""), actor: actor)
        return try JSONBody.response(report, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        var state: ReportState?
        if let s = q.get("state") {
            guard let parsed = ReportState(rawValue: s) else {
                throw AppError.badRequest("invalid_filter", "unknown state \(s)", field: "state")
            }
            state = parsed
        }
        let paging = try ListPage.paging(request)
        let items = try await ReportRepository(database: services.database).list(
            actor: try context.actor(), compoundId: q.get("compound_id").flatMap(Int64.init), state: state,
            overdueOnly: q.get("overdue") == "true", paging: paging)
        if ListCSV.wanted(request) {
            return try ListCSV.response(columns: Self.csvColumns, items: items, filename: "reports")
        }
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await ReportRepository(database: services.database).get(id: id, actor: try context.actor()))
    }

    @Sendable func transition(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(Step.self, request, context: context)
        let to = try FieldCheck.oneOf("to", body.to, ReportState.self)
        let report = try await reports().transition(
            id: try context.parameters.require("id", as: Int64.self), to: to,
            note: body.note?.json.stringValue ?? "", assignee: body.assigneeOrganisationId?.json.intValue,
            photos: body.photos ?? [], actor: try context.actor())
        return try JSONBody.response(report)
    }
}
