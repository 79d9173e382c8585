import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import SQLKit

/// Household-sheet import (with dry run) and export.
enum ImportRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        ImportController(services: services).register(on: api)
    }

    static func exportResponse(
        _ rows: [HouseholdRow], format: String, headers: RegistryFiles.Headers = .names, filename: String = "households"
    ) throws -> Response {
        switch format {
        case "csv":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(filename).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: RegistryFiles.csv(rows, headers: headers))))
        case "xlsx":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"\(filename).xlsx\"",
                ], body: .init(byteBuffer: ByteBuffer(bytes: try RegistryFiles.xlsx(rows, headers: headers))))
        default:
            throw AppError.badRequest("invalid_format", "format must be csv or xlsx", field: "format")
        }
    }

    /// Reads and checks (and, unless a dry run, writes) the sheet in this server's turn: one sheet at a time.
    static func runImport(
        _ upload: Upload, services: Services, actor: Actor, progress: ImportProgressMeter? = nil
    ) async throws -> ImportReport {
        // Told while another sheet is read, so the page says it waits rather than that nothing has been read.
        progress?.begin(.waiting, total: nil)
        return try await services.importGate.serially {
            progress?.begin(.reading, total: nil)
            return try await readAndWrite(upload, services: services, actor: actor, progress: progress)
        }
    }

    static func readAndWrite(
        _ upload: Upload, services: Services, actor: Actor, progress: ImportProgressMeter?
    ) async throws -> ImportReport {
        // Reading and checking a city's sheet takes seconds of CPU: done on threads of its own, not the threads that
        // answer requests. An import writes while it reads; a dry run reads first, and so holds the write lock only
        // for its comparing.
        guard upload.dryRun else {
            return try await services.importer.run(
                streaming: RegistryFiles.streaming(upload.bytes, progress: progress), subdistrict: upload.subdistrict,
                dryRun: false, filename: upload.filename, actor: actor, progress: progress)
        }
        let parsed = try await OwnThreads.run { try RegistryFiles.parse(upload.bytes, progress: progress) }
        return try await services.importer.run(
            rows: parsed.rows, errors: parsed.errors, reading: parsed.reading,
            subdistrict: upload.subdistrict, dryRun: upload.dryRun, filename: upload.filename, actor: actor,
            progress: progress)
    }

    /// 320000 as 320,000.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 && c != "-" && digits[i - 1] != "-" { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// The report as the API answers it: each row's problem, and how the file was read, in the person's language.
    struct ReportBody: Encodable {
        var report: ImportReport
        var readingSummary: [String]

        init(_ report: ImportReport, lang: Lang) {
            // The code, row and column stay as they are; the words are the client's.
            self.report = report.saying { RegistryFiles.reason($0, lang: lang) }
            readingSummary = report.reading.map { RegistryFiles.readingLines($0, lang: lang) } ?? []
        }

        enum CodingKeys: String, CodingKey { case readingSummary = "reading_summary" }

        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(readingSummary, forKey: .readingSummary)
        }
    }

    /// A sheet with bad rows: the error, and the report that lists them.
    struct RefusalBody: Encodable {
        var error: StoredJSON
        var report: ReportBody
    }
}

/// Imports (run, list, read one) and the registry's export.
struct ImportController {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.post("imports", use: create)
        api.get("imports", use: list)
        api.get("imports/:id", use: read)
        api.get("exports/registry", use: export)
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.importRegistry)
        // The body is read before the turn is taken: an upload that stalls holds its own connection, not everyone's.
        let upload = try await Upload.read(request, context: context)
        let report = try await ImportRoutes.runImport(upload, services: services, actor: actor)
        let body = ImportRoutes.ReportBody(report, lang: context.lang)
        if !report.dryRun && !report.errors.isEmpty {
            let error = AppError.unprocessable(
                "invalid_rows", "\(report.errors.count) problems in the file; nothing was written")
            return try JSONBody.response(
                ImportRoutes.RefusalBody(error: StoredJSON(error.json(in: context.lang)["error"]!), report: body),
                status: .unprocessableContent)
        }
        return try JSONBody.response(body, status: report.applied ? .created : .ok)
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.importRegistry)
        let items = try await ImportHistory(database: services.database).list(actor: actor)
        if ListCSV.wanted(request) {
            return try ListCSV.response(
                columns: ["id", "at", "username", "filename", "dry_run", "status", "rows", "error_count"],
                items: items, filename: "imports")
        }
        return try ListPage.response(all: items, try ListPage.paging(request))
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.importRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        guard let item = try await ImportHistory(database: services.database).list(actor: actor, id: id).first else {
            throw AppError.notFound
        }
        return try JSONBody.response(item)
    }

    @Sendable func export(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.importRegistry)
        let format = request.uri.queryParameters.get("format") ?? "csv"
        let sd = request.uri.queryParameters.get("subdistrict_id").flatMap(Int64.init)
        let rows = try await RegistryExport.rows(database: services.database, subdistrictId: sd, actor: actor)
        return try ImportRoutes.exportResponse(
            rows, format: format, headers: ProjectsExport.wantsChinese(request) ? .chinese : .names)
    }
}

/// An uploaded sheet: a raw body with query parameters, or a multipart form from the import page.
struct Upload {
    var bytes: [UInt8]
    var filename: String
    var dryRun: Bool
    var subdistrict: String?
    /// The page form's CSRF token, when the upload came from the import page.
    var csrf: String?

    static func read(_ request: Request, context: AppContext) async throws -> Upload {
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let body = Array(buffer.readableBytesView)
        let q = request.uri.queryParameters
        let contentType = request.headers[.contentType] ?? ""
        if contentType.hasPrefix("multipart/form-data") {
            let form = try MultipartForm(body: body, contentType: contentType)
            guard let file = form.files["file"], !file.bytes.isEmpty else {
                throw AppError.unprocessable("required", "choose a file to upload", field: "file")
            }
            let dry = form.fields["dry_run"].map { $0 == "1" || $0 == "true" || $0 == "on" } ?? false
            let sd = form.fields["subdistrict"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            return Upload(
                bytes: file.bytes, filename: file.filename, dryRun: dry, subdistrict: sd, csrf: form.fields["_csrf"])
        }
        guard !body.isEmpty else {
            throw AppError.unprocessable("required", "the request body must be the file", field: "file")
        }
        let dry = q.get("dry_run").map { $0 == "1" || $0 == "true" } ?? false
        return Upload(
            bytes: body, filename: q.get("filename") ?? "upload", dryRun: dry, subdistrict: q.get("subdistrict"))
    }
}
