import CourtyardSheets
import Hummingbird
import NIOCore

/// A table a clerk downloads: CSV (UTF-8) or XLSX, the header first, numbers as numbers in XLSX.
enum SheetDownload {
    /// `format` is "json", "csv" or "xlsx"; anything else is a 400 naming the parameter.
    static func format(_ request: Request) throws -> String {
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard ["json", "csv", "xlsx"].contains(format) else {
            throw AppError.badRequest("invalid_format", "format is json, csv or xlsx", field: "format")
        }
        return format
    }

    static func response(
        _ sheet: [[String]], numeric: Set<Int>, format: String, filename: String, sheetName: String
    ) throws -> Response {
        if format == "csv" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(filename).csv\"",
                ], body: .init(byteBuffer: ByteBuffer(string: CSV.write(sheet))))
        }
        let data = try XLSX.write(
            header: sheet[0],
            rows: sheet.dropFirst().map { r in r.enumerated().map { numeric.contains($0) ? .number($1) : .text($1) } },
            sheetName: sheetName)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: "attachment; filename=\"\(filename).xlsx\"",
            ], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
