import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Residents' supervision reports during the works (居民监督).
enum ReportRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        let reports = ReportRepository(database: services.database)
        api.post("reports") { request, context -> Response in
            let actor = try context.require(.fileReports)
            let body = try await JSONBody.object(request, context: context)
            guard let compound = body["compound_id"]?.intValue else {
                throw AppError.unprocessable("required", "compound_id is required", field: "compound_id")
            }
            guard let category = body["category"]?.stringValue.flatMap(ReportCategory.init(rawValue:)) else {
                throw AppError.unprocessable("invalid", "category must be one of \(ReportCategory.allCases.map(\.rawValue).joined(separator: ", "))", field: "category")
            }
            var photos: [Int64] = []
            if case .array(let a) = body["photos"] ?? .array([]) { photos = a.compactMap(\.intValue) }
            let report = try await reports.create(.init(compoundId: compound, buildingId: body["building_id"]?.intValue, category: category,
                description: body["description"]?.stringValue ?? "", photos: photos,
                reporterName: body["reporter_name"]?.stringValue ?? "", reporterPhone: body["reporter_phone"]?.stringValue ?? ""), actor: actor)
            return JSONBody.response(report, status: .created)
        }
        api.get("reports") { request, context -> Response in
            let q = request.uri.queryParameters
            var state: ReportState?
            if let s = q.get("state") {
                guard let parsed = ReportState(rawValue: s) else { throw AppError.badRequest("invalid_filter", "unknown state \(s)", field: "state") }
                state = parsed
            }
            let items = try await reports.list(actor: try context.actor(), compoundId: q.get("compound_id").flatMap(Int64.init), state: state,
                overdueOnly: q.get("overdue") == "true")
            if ListCSV.wanted(request) {
                return ListCSV.response(columns: ["id", "compound_id", "building_id", "category", "description", "state", "ball_in_court",
                    "assignee_organisation_id", "submitted_at", "due_on", "overdue"], items: items, filename: "reports")
            }
            return JSONBody.response(.object([("items", .array(items)), ("next_cursor", .null)]))
        }
        api.get("reports/:id") { _, context -> Response in
            JSONBody.response(try await reports.get(id: try context.parameters.require("id", as: Int64.self), actor: try context.actor()))
        }
        api.post("reports/:id/transitions") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            guard let to = body["to"]?.stringValue.flatMap(ReportState.init(rawValue:)) else {
                throw AppError.unprocessable("invalid", "to must be one of \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))", field: "to")
            }
            let report = try await reports.transition(id: try context.parameters.require("id", as: Int64.self), to: to,
                note: body["note"]?.stringValue ?? "", assignee: body["assignee_organisation_id"]?.intValue, actor: try context.actor())
            return JSONBody.response(report)
        }
    }
}
