import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Weekly bulletins (通报) and the programme's figures.
enum BulletinRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        BulletinController(services: services).register(on: api)
        ProgrammeController(services: services).register(on: api)
    }

    static func render(_ b: Bulletin, format: String, lang: Lang) throws -> Response {
        let name = "bulletin-\(b.id)"
        switch format {
        case "json": return try JSONBody.response(b)
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: BulletinDocument.html(b, lang: lang))))
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

/// Weekly bulletins (通报): drafts, publication and their printable and table forms.
struct BulletinController: Sendable {
    let services: Services
    var bulletins: BulletinRepository { BulletinRepository(database: services.database) }

    func id(_ context: AppContext) throws -> Int64 {
        try context.parameters.require("id", as: Int64.self)
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("bulletins", use: create)
        api.get("bulletins", use: list)
        api.get("bulletins/:id", use: show)
        api.patch("bulletins/:id", use: update)
        api.delete("bulletins/:id", use: delete)
        api.post("bulletins/:id/publish", use: publish)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(NewBulletinBody.self, request, context: context)
        let b = try await bulletins.draft(
            batchYear: Int(clamping: body.batchYear), asOf: body.asOf, subdistrictId: body.subdistrictId,
            nextSteps: body.nextSteps ?? "", actor: try context.actor())
        return try JSONBody.response(b, status: .created)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let year = request.uri.queryParameters.get("batch_year").flatMap { Int($0) }
        return try ListPage.response(
            try await bulletins.list(actor: try context.actor(), batchYear: year, paging: paging), paging)
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let b = try await bulletins.get(id: try id(context), actor: try context.actor())
        return try BulletinRoutes.render(
            b, format: request.uri.queryParameters.get("format") ?? "json", lang: context.lang)
    }

    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let body = try await JSONBody.decode(BulletinChangesBody.self, request, context: context)
        return try JSONBody.response(
            try await bulletins.update(
                id: try id(context), asOf: body.asOf, nextSteps: body.nextSteps,
                actor: try context.actor()))
    }

    @Sendable func delete(_ request: Request, _ context: AppContext) async throws -> Response {
        try await bulletins.delete(id: try id(context), actor: try context.actor())
        return Response(status: .noContent)
    }

    @Sendable func publish(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try await bulletins.publish(id: try id(context), actor: try context.actor()))
    }
}

/// The programme's figures: progress by unit and the S-curve.
struct ProgrammeController: Sendable {
    let services: Services
    var bulletins: BulletinRepository { BulletinRepository(database: services.database) }

    func id(_ context: AppContext) throws -> Int64 {
        try context.parameters.require("id", as: Int64.self)
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("programme/progress", use: progress)
        api.get("programme/s-curve.svg", use: sCurve)
    }

    @Sendable func progress(_ request: Request, _ context: AppContext) async throws -> Response {
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

    @Sendable func sCurve(_ request: Request, _ context: AppContext) async throws -> Response {
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
