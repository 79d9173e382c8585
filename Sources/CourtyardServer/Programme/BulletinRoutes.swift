import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Weekly bulletins (通报) and the programme's figures.
enum BulletinRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        let bulletins = BulletinRepository(database: services.database)
        @Sendable func id(_ context: AppContext) throws -> Int64 {
            try context.parameters.require("id", as: Int64.self)
        }

        api.post("bulletins") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            guard let year = body["batch_year"]?.intValue else {
                throw AppError.unprocessable("required", "batch_year is required", field: "batch_year")
            }
            let b = try await bulletins.draft(
                batchYear: Int(year), asOf: try body.requiredDay("as_of"),
                subdistrictId: try body.optionalInt("subdistrict_id") ?? nil,
                nextSteps: try body.optionalText("next_steps") ?? "", actor: try context.actor())
            return JSONBody.response(b, status: .created)
        }
        api.get("bulletins") { request, context -> Response in
            let paging = try ListPage.paging(request)
            let year = request.uri.queryParameters.get("batch_year").flatMap { Int($0) }
            return try ListPage.response(
                try await bulletins.list(actor: try context.actor(), batchYear: year, paging: paging), paging)
        }
        api.get("bulletins/:id") { request, context -> Response in
            let b = try await bulletins.get(id: try id(context), actor: try context.actor())
            return try render(b, format: request.uri.queryParameters.get("format") ?? "json", lang: context.lang)
        }
        api.patch("bulletins/:id") { request, context -> Response in
            let body = try await JSONBody.object(request, context: context)
            let asOf = try body.optionalDay("as_of") ?? nil
            return JSONBody.response(
                try await bulletins.update(
                    id: try id(context), asOf: asOf, nextSteps: try body.optionalText("next_steps"),
                    actor: try context.actor()))
        }
        api.delete("bulletins/:id") { _, context -> Response in
            try await bulletins.delete(id: try id(context), actor: try context.actor())
            return Response(status: .noContent)
        }
        api.post("bulletins/:id/publish") { _, context -> Response in
            JSONBody.response(try await bulletins.publish(id: try id(context), actor: try context.actor()))
        }
        api.get("programme/progress") { request, context -> Response in
            let q = request.uri.queryParameters
            guard let year = q.get("batch_year").flatMap({ Int($0) }) else {
                throw AppError.badRequest("required", "batch_year is required", field: "batch_year")
            }
            guard let level = BulletinRepository.Level(rawValue: q.get("level") ?? "community") else {
                throw AppError.badRequest("invalid", "level is compound, community or subdistrict", field: "level")
            }
            let items = try await bulletins.progress(batchYear: year, level: level, actor: try context.actor())
            if ListCSV.wanted(request) {
                return try ListCSV.response(
                    columns: ["\(level.rawValue)_id", "name", "projects", "budget_fen", "percent_complete"],
                    items: items, filename: "progress")
            }
            return try ListPage.response(all: items, try ListPage.paging(request))
        }
        api.get("programme/s-curve.svg") { request, context -> Response in
            guard let year = request.uri.queryParameters.get("batch_year").flatMap({ Int($0) }) else {
                throw AppError.badRequest("required", "batch_year is required", field: "batch_year")
            }
            let data = try await bulletins.sCurve(batchYear: year, actor: try context.actor())
            return ProjectRoutes.svg(
                SCurveChart.draw(
                    planned: data.planned, actual: data.actual, total: data.total,
                    today: Clock.today, lang: context.lang,
                    title: context.lang.t("scurve.title").replacingOccurrences(of: "{year}", with: String(year))))
        }
    }

    static func render(_ b: JSONValue, format: String, lang: Lang) throws -> Response {
        let name = "bulletin-\(b["id"]?.cellText ?? "")"
        switch format {
        case "json": return JSONBody.response(b)
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: BulletinDocument.html(b, lang: lang))))
        case "csv":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(name).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: BulletinDocument.csv(b, lang: lang))))
        case "xlsx":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"\(name).xlsx\"",
                ], body: .init(byteBuffer: ByteBuffer(data: try BulletinDocument.xlsx(b, lang: lang))))
        default: throw AppError.badRequest("invalid_format", "format is json, html, csv or xlsx", field: "format")
        }
    }
}
