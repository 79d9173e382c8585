import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

/// Daily coordination: the working-day meeting (例会), its actions, and requests to city departments (协调事项).
enum CoordinationRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        MeetingSeriesController(services: services).register(on: api)
        MeetingController(services: services).register(on: api)
        ActionController(services: services).register(on: api)
        CoordinationRequestController(services: services).register(on: api)
        DepartmentController(services: services).register(on: api)
        CalendarFeedController(services: services).register(on: api)
    }

    /// The working-day calendar as entered (or published) when the request arrives.
    static func calendar(_ services: Services) async throws -> WorkCalendar {
        try await CalendarRepository(database: services.database).calendar()
    }

    static func meetings(_ services: Services) async throws -> MeetingRepository {
        MeetingRepository(database: services.database, calendar: try await calendar(services))
    }

    static func requests(_ services: Services) async throws -> CoordinationRequestRepository {
        CoordinationRequestRepository(database: services.database, calendar: try await calendar(services))
    }

    /// `from`/`to` query dates (the document holds their format), the last 30 days by default; a period the wrong
    /// way round holds nothing.
    static func period(_ request: Request, defaultDays: Int64 = 30) -> (Day, Day) {
        let q = request.uri.queryParameters
        let to = q.get("to").flatMap { Day($0) } ?? Clock.today
        let from = q.get("from").flatMap { Day($0) } ?? to.adding(days: -defaultDays)
        return (from, to)
    }

    /// Participants as the issue writes them: `{"organisation_id"}`, `{"user_id"}` or `{"name", "role":
    /// "resident_representative"}`; anything else is a 422 naming the entry.
    static func participants(_ field: LooseField?) throws -> [MeetingRepository.ParticipantInput] {
        guard let json = field?.json, json != .null else { return [] }
        guard case .array(let items) = json else {
            throw AppError.unprocessable("invalid", "participants is a list", field: "participants")
        }
        return try items.enumerated().map { i, item in
            let key = "participants[\(i)]"
            guard case .object = item else {
                throw AppError.unprocessable("invalid", "\(key) is an object", field: key)
            }
            if let org = item["organisation_id"], org != .null {
                guard let id = org.intValue else {
                    throw AppError.unprocessable(
                        "invalid", "\(key).organisation_id is an id", field: key + ".organisation_id")
                }
                return .organisation(id)
            }
            if let user = item["user_id"], user != .null {
                guard let id = user.intValue else {
                    throw AppError.unprocessable("invalid", "\(key).user_id is an id", field: key + ".user_id")
                }
                return .user(id)
            }
            guard let role = item["role"]?.stringValue, role == "resident_representative" else {
                throw AppError.unprocessable(
                    "wrong_kind",
                    "\(key) names an organisation_id, a user_id, or a name with role resident_representative",
                    field: key + ".role")
            }
            return .representative(name: item["name"]?.stringValue ?? "")
        }
    }
}

/// Meeting series: one meeting on each working day.
struct MeetingSeriesController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("meeting_series", use: create)
        api.get("meeting_series/:id", use: read)
        api.post("meeting_series/:id/cancel", use: cancel)
    }

    struct Cancel: Decodable {
        var from: Day
        var reason: String
    }

    struct Cancelled: Encodable {
        var cancelled: Int
        var series: MeetingSeries
    }

    /// Ends a series from a day on: its meetings still scheduled then or later are cancelled.
    @Sendable func cancel(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Cancel.self, request, context: context)
        let repo = try await CoordinationRoutes.meetings(services)
        let n = try await repo.cancelSeries(id: id, from: b.from, reason: b.reason, actor: actor)
        return try JSONBody.response(Cancelled(cancelled: n, series: try await repo.series(id: id, actor: actor)))
    }

    struct NewSeries: Decodable {
        var title: String
        var subdistrictId: Int64?
        var firstOn: Day
        var until: Day?
        var time: String
        var durationMinutes: Int
        var location: String
        var participants: LooseField?
        enum CodingKeys: String, CodingKey {
            case title, subdistrictId = "subdistrict_id", firstOn = "first_on", until, time
            case durationMinutes = "duration_minutes", location, participants
        }
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let b = try await JSONBody.decode(NewSeries.self, request, context: context)
        let series = try await CoordinationRoutes.meetings(services).createSeries(
            .init(
                title: b.title, subdistrictId: b.subdistrictId, firstOn: b.firstOn, until: b.until, time: b.time,
                durationMinutes: b.durationMinutes, location: b.location,
                participants: try CoordinationRoutes.participants(b.participants)), actor: actor)
        return try JSONBody.response(series, status: .created)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).series(id: id, actor: try context.actor()))
    }
}

/// Meetings: the list, one meeting, extra ones, cancelling, attendance, agenda, minutes and closing.
struct MeetingController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("meetings", use: list)
        api.post("meetings", use: create)
        api.get("meetings/:id", use: read)
        api.post("meetings/:id/cancel", use: cancel)
        api.put("meetings/:id/attendance", use: attendance)
        api.get("meetings/:id/agenda", use: agenda)
        api.put("meetings/:id/minutes", use: minutes)
        api.post("meetings/:id/close", use: close)
        api.get("attendance_rates", use: rates)
        api.put("coordination_settings", use: settings)
    }

    struct NewMeeting: Decodable {
        var title: String
        var subdistrictId: Int64?
        var seriesId: Int64?
        var date: Day
        var time: String
        var durationMinutes: Int
        var location: String
        var participants: LooseField?
        enum CodingKeys: String, CodingKey {
            case title, subdistrictId = "subdistrict_id", seriesId = "series_id", date, time
            case durationMinutes = "duration_minutes", location, participants
        }
    }

    struct Cancel: Decodable { var reason: String }

    struct ActionIn: Decodable {
        var title: String
        var ownerOrganisationId: Int64
        var dueOn: Day
        var projectId: Int64?
        enum CodingKeys: String, CodingKey {
            case title, ownerOrganisationId = "owner_organisation_id", dueOn = "due_on", projectId = "project_id"
        }
    }

    struct MinutesIn: Decodable {
        var discussion: String?
        var decisions: [String]?
        var actions: [ActionIn]?
    }

    struct Settings: Decodable {
        var staleStageDays: Int
        var subdistrictId: Int64?
        enum CodingKeys: String, CodingKey {
            case staleStageDays = "stale_stage_days", subdistrictId = "subdistrict_id"
        }
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        let paging = try ListPage.paging(request)
        let items = try await CoordinationRoutes.meetings(services).list(
            actor: try context.actor(), from: q.get("from").flatMap { Day($0) }, to: q.get("to").flatMap { Day($0) },
            seriesId: q.get("series_id").flatMap(Int64.init), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let b = try await JSONBody.decode(NewMeeting.self, request, context: context)
        let m = try await CoordinationRoutes.meetings(services).createMeeting(
            .init(
                title: b.title, subdistrictId: b.subdistrictId, seriesId: b.seriesId, date: b.date, time: b.time,
                durationMinutes: b.durationMinutes, location: b.location,
                participants: try CoordinationRoutes.participants(b.participants)), actor: actor)
        return try JSONBody.response(m, status: .created)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).get(id: id, actor: try context.actor()))
    }

    @Sendable func cancel(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let b = try await JSONBody.decode(Cancel.self, request, context: context)
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).cancel(id: id, reason: b.reason, actor: actor))
    }

    /// The body is a list: `[{"participant_id", "status"}]`.
    @Sendable func attendance(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let buffer = try await request.collectBody(upTo: 256 * 1024)
        guard
            case .some(.array(let items)) = try? JSONParser.parse(
                String(decoding: buffer.readableBytesView, as: UTF8.self))
        else {
            throw AppError.badRequest("invalid_json", "the body is a JSON list of {participant_id, status}")
        }
        guard items.count <= 200 else {
            throw AppError.unprocessable("too_many", "at most 200 lines", field: "attendance")
        }
        let lines = try items.enumerated().map { i, item -> (participantId: Int64, status: AttendanceStatus) in
            guard let p = item["participant_id"]?.intValue else {
                throw AppError.unprocessable(
                    "required", "[\(i)].participant_id is required", field: "[\(i)].participant_id")
            }
            guard let s = item["status"]?.stringValue.flatMap(AttendanceStatus.init(rawValue:)) else {
                throw AppError.unprocessable(
                    "invalid", "[\(i)].status is present, late, absent or excused", field: "[\(i)].status")
            }
            return (p, s)
        }
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).putAttendance(id: id, lines: lines, actor: actor))
    }

    @Sendable func agenda(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).agenda(id: id, actor: try context.actor()))
    }

    @Sendable func minutes(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(MinutesIn.self, request, context: context)
        let m = try await CoordinationRoutes.meetings(services).putMinutes(
            id: id, discussion: b.discussion ?? "", decisions: b.decisions ?? [],
            actions: (b.actions ?? []).map {
                .init(
                    title: $0.title, ownerOrganisationId: $0.ownerOrganisationId, dueOn: $0.dueOn,
                    projectId: $0.projectId)
            }, actor: actor)
        return try JSONBody.response(m)
    }

    @Sendable func close(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(try await CoordinationRoutes.meetings(services).close(id: id, actor: actor))
    }

    @Sendable func rates(_ request: Request, _ context: AppContext) async throws -> Response {
        let (from, to) = CoordinationRoutes.period(request)
        let items = try await CoordinationRoutes.meetings(services).attendanceRates(
            actor: try context.actor(),
            subdistrictId: request.uri.queryParameters.get("subdistrict_id").flatMap(Int64.init),
            from: from, to: to)
        return try ListPage.response(all: items, .export)
    }

    @Sendable func settings(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let b = try await JSONBody.decode(Settings.self, request, context: context)
        let days = try await CoordinationRoutes.meetings(services).setStaleStageDays(
            b.staleStageDays, subdistrictId: b.subdistrictId, actor: actor)
        return JSONBody.response(.object([("stale_stage_days", .int(Int64(days)))]))
    }
}

/// Actions handed out in meetings.
struct ActionController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("actions", use: list)
        api.post("actions/:id/done", use: done)
        api.patch("actions/:id", use: update)
        api.post("actions/:id/reopen", use: reopen)
    }

    struct Change: Decodable {
        var dueOn: Day?
        var ownerOrganisationId: Int64?
        enum CodingKeys: String, CodingKey { case dueOn = "due_on", ownerOrganisationId = "owner_organisation_id" }
    }

    struct Reopen: Decodable {
        var note: String
        var dueOn: Day
        enum CodingKeys: String, CodingKey { case note, dueOn = "due_on" }
    }

    /// The office moves an open action's due day or hands it to another organisation.
    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Change.self, request, context: context)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).updateAction(
                id: id, dueOn: b.dueOn, ownerOrganisationId: b.ownerOrganisationId, actor: try context.actor()))
    }

    /// The office finds an action reported done still to do.
    @Sendable func reopen(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Reopen.self, request, context: context)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).reopenAction(
                id: id, note: b.note, dueOn: b.dueOn, actor: try context.actor()))
    }

    struct Done: Decodable {
        var note: String?
        var evidence: [Int64]?
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        var state: ActionState?
        if let s = q.get("state") {
            guard let parsed = ActionState(rawValue: s) else {
                throw AppError.badRequest("invalid_filter", "state is open or done", field: "state")
            }
            state = parsed
        }
        let paging = try ListPage.paging(request)
        let items = try await CoordinationRoutes.meetings(services).listActions(
            actor: try context.actor(), owner: q.get("owner_organisation_id").flatMap(Int64.init), state: state,
            overdueOnly: q.get("overdue") == "true", paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func done(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Done.self, request, context: context)
        return try JSONBody.response(
            try await CoordinationRoutes.meetings(services).markDone(
                id: id, note: b.note ?? "", evidence: b.evidence ?? [], actor: actor))
    }
}

/// Requests to city departments and the steps that move them on.
struct CoordinationRequestController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("coordination_requests", use: create)
        api.get("coordination_requests", use: list)
        api.get("coordination_requests/:id", use: read)
        api.post("coordination_requests/:id/transitions", use: transition)
        api.get("coordination_figures", use: figures)
    }

    struct NewRequest: Decodable {
        var projectId: Int64
        var departmentOrganisationId: Int64
        var kind: LooseField?
        var description: String
        var neededBy: Day
        var attachments: [Int64]?
        enum CodingKeys: String, CodingKey {
            case projectId = "project_id", departmentOrganisationId = "department_organisation_id", kind, description
            case neededBy = "needed_by", attachments
        }
    }

    struct Step: Decodable {
        var to: LooseField?
        var note: String?
        var plannedOn: Day?
        var doneOn: Day?
        var reason: String?
        var evidence: [Int64]?
        enum CodingKeys: String, CodingKey {
            case to, note, plannedOn = "planned_on", doneOn = "done_on", reason, evidence
        }
    }

    static let csvColumns = [
        "id", "project_id", "department_organisation_id", "department_name", "kind", "description", "needed_by",
        "state", "ball_in_court", "due_on", "overdue", "planned_on", "done_on",
    ]

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.fileCoordinationRequests)
        let b = try await JSONBody.decode(NewRequest.self, request, context: context)
        let kind = try FieldCheck.oneOf("kind", b.kind, CoordinationKind.self)
        let r = try await CoordinationRoutes.requests(services).create(
            .init(
                projectId: b.projectId, departmentOrganisationId: b.departmentOrganisationId, kind: kind,
                description: b.description, neededBy: b.neededBy, attachments: b.attachments ?? []), actor: actor)
        return try JSONBody.response(r, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let q = request.uri.queryParameters
        var state: CoordinationState?
        if let s = q.get("state") {
            guard let parsed = CoordinationState(rawValue: s) else {
                throw AppError.badRequest("invalid_filter", "unknown state \(s)", field: "state")
            }
            state = parsed
        }
        let paging = try ListPage.paging(request)
        let items = try await CoordinationRoutes.requests(services).list(
            actor: try context.actor(), departmentId: q.get("department_organisation_id").flatMap(Int64.init),
            projectId: q.get("project_id").flatMap(Int64.init), state: state, overdueOnly: q.get("overdue") == "true",
            paging: paging)
        if ListCSV.wanted(request) {
            return try ListCSV.response(columns: Self.csvColumns, items: items, filename: "coordination_requests")
        }
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.requests(services).get(id: id, actor: try context.actor()))
    }

    @Sendable func transition(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.actor()
        let b = try await JSONBody.decode(Step.self, request, context: context)
        let to = try FieldCheck.oneOf("to", b.to, CoordinationState.self)
        let r = try await CoordinationRoutes.requests(services).transition(
            id: try context.parameters.require("id", as: Int64.self),
            .init(
                to: to, note: b.note ?? "", plannedOn: b.plannedOn, doneOn: b.doneOn, reason: b.reason ?? "",
                evidence: b.evidence ?? []), actor: actor)
        return try JSONBody.response(r)
    }

    @Sendable func figures(_ request: Request, _ context: AppContext) async throws -> Response {
        let (from, to) = CoordinationRoutes.period(request)
        let items = try await CoordinationRoutes.requests(services).figures(
            actor: try context.actor(),
            subdistrictId: request.uri.queryParameters.get("subdistrict_id").flatMap(Int64.init), from: from, to: to)
        return try ListPage.response(all: items, .export)
    }
}

/// A department's queue and its service level.
struct DepartmentController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("departments/:id/queue", use: queue)
        api.get("departments/:id/service_level", use: serviceLevel)
        api.put("departments/:id/service_level", use: setServiceLevel)
    }

    struct Level: Decodable {
        var acceptDays: Int
        enum CodingKeys: String, CodingKey { case acceptDays = "accept_days" }
    }

    /// Open requests addressed to the department, oldest due first.
    @Sendable func queue(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let actor = try context.actor()
        if actor.scope.kind == .organisation && actor.scope.id != id { throw AppError.notFound }
        let paging = try ListPage.paging(request)
        let items = try await CoordinationRoutes.requests(services).list(
            actor: actor, departmentId: id, queue: true, paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func serviceLevel(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        return try JSONBody.response(
            try await CoordinationRoutes.requests(services).serviceLevel(department: id, actor: try context.actor()))
    }

    @Sendable func setServiceLevel(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageProjects)
        let id = try context.parameters.require("id", as: Int64.self)
        let b = try await JSONBody.decode(Level.self, request, context: context)
        return try JSONBody.response(
            try await CoordinationRoutes.requests(services).setServiceLevel(
                department: id, acceptDays: b.acceptDays, actor: actor))
    }
}

/// Every account's private iCalendar feed.
struct CalendarFeedController {
    let services: Services
    var feeds: CalendarFeedRepository { CalendarFeedRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("me/calendar_feed", use: replace)
    }

    /// Makes or replaces the account's secret and answers the feed's address.
    @Sendable func replace(_ request: Request, _ context: AppContext) async throws -> Response {
        let account = try context.requireAccount()
        let url = try await Self.newFeed(account: account, services: services, request: request)
        return JSONBody.response(.object([("url", .string(url))]), status: .created)
    }

    static func newFeed(account: Account, services: Services, request: Request) async throws -> String {
        let secret = Security.randomToken()
        try await CalendarFeedRepository(database: services.database).replace(
            userId: account.id, secretHash: Security.hash(token: secret), actor: account.actor)
        return services.publicLink("/calendar/\(secret).ics", request: request)
    }

    /// `/calendar/{secret}.ics`, open to whoever holds the address (calendar apps send no credentials).
    static func addFeedRoute(to router: Router<AppContext>, services: Services) {
        router.get("calendar/:file") { request, context -> Response in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".ics"), file.count > 4, file.count <= 100 else { throw AppError.notFound }
            let secret = String(file.dropLast(4))
            let feeds = CalendarFeedRepository(database: services.database)
            guard let userId = try await feeds.owner(secretHash: Security.hash(token: secret)),
                let account = try await services.accounts.find(id: userId)
            else { throw AppError.notFound }
            let events = try await feeds.events(actor: account.actor)
            let stamp = Clock.isoNow().filter { $0 != "-" && $0 != ":" }
            let text = ICalendar.feed(
                name: "楼院焕新 · " + (account.displayName.isEmpty ? account.username : account.displayName),
                events: events, stamp: stamp)
            return Response(
                status: .ok,
                headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "private, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
