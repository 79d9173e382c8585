import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Residents' supervision reports during the works (居民监督).
enum ReportRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        // Due dates count the calendar as entered (or published) when the request arrives.
        @Sendable func reportsRepo() async throws -> ReportRepository {
            ReportRepository(
                database: services.database,
                calendar: try await CalendarRepository(database: services.database).calendar())
        }
        api.get("calendars/:year") { _, context -> Response in
            _ = try context.actor()
            return JSONBody.response(
                try await CalendarRepository(database: services.database).year(
                    try context.parameters.require("year", as: Int.self)
                ).json)
        }
        api.put("calendars/:year") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            func days(_ key: String) throws -> [Day] {
                guard case .array(let a) = body[key] ?? .array([]) else {
                    throw AppError.unprocessable("invalid", "\(key) must be a list of dates", field: key)
                }
                return try a.map {
                    guard let text = $0.stringValue, let d = Day(text) else {
                        throw AppError.unprocessable("invalid", "\(key) holds dates as YYYY-MM-DD", field: key)
                    }
                    return d
                }
            }
            let year = try await CalendarRepository(database: services.database).put(
                year: try context.parameters.require("year", as: Int.self),
                holidays: try days("holidays"), workdays: try days("workdays"), actor: try context.actor())
            return JSONBody.response(year.json)
        }
        api.post("reports") { request, context -> Response in
            let actor = try context.require(.fileReports)
            let body = try await JSONBody.object(request, context: context)
            let compound = try body.requiredID("compound_id")
            let category = try body.requiredCase("category", ReportCategory.self)
            var photos: [Int64] = []
            if case .array(let a) = body["photos"] ?? .array([]) { photos = a.compactMap(\.intValue) }
            let report = try await reportsRepo().create(
                .init(
                    compoundId: compound, buildingId: body["building_id"]?.intValue, category: category,
                    description: body["description"]?.stringValue ?? "", photos: photos,
                    reporterName: body["reporter_name"]?.stringValue ?? "",
                    reporterPhone: body["reporter_phone"]?.stringValue ?? ""), actor: actor)
            return JSONBody.response(report, status: .created)
        }
        api.get("reports") { request, context -> Response in
            let q = request.uri.queryParameters
            var state: ReportState?
            if let s = q.get("state") {
                guard let parsed = ReportState(rawValue: s) else {
                    throw AppError.badRequest("invalid_filter", "unknown state \(s)", field: "state")
                }
                state = parsed
            }
            let paging = try ListPage.paging(request)
            let items = try await reportsRepo().list(
                actor: try context.actor(), compoundId: q.get("compound_id").flatMap(Int64.init), state: state,
                overdueOnly: q.get("overdue") == "true", paging: paging)
            if ListCSV.wanted(request) {
                return ListCSV.response(
                    columns: [
                        "id", "compound_id", "building_id", "category", "description", "state", "ball_in_court",
                        "assignee_organisation_id", "submitted_at", "due_on", "overdue",
                    ], items: items, filename: "reports")
            }
            return ListPage.response(items, paging)
        }
        api.get("reports/:id") { _, context -> Response in
            JSONBody.response(
                try await reportsRepo().get(
                    id: try context.parameters.require("id", as: Int64.self), actor: try context.actor()))
        }
        api.post("reports/:id/transitions") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            let to = try body.requiredCase("to", ReportState.self)
            let report = try await reportsRepo().transition(
                id: try context.parameters.require("id", as: Int64.self), to: to,
                note: body["note"]?.stringValue ?? "", assignee: body["assignee_organisation_id"]?.intValue,
                actor: try context.actor())
            return JSONBody.response(report)
        }
    }
}
