import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Hummingbird
import NIOCore

/// The one error every route throws: an HTTP status and the stable body
/// `{"error": {"code", "message", "field"}}`. A client's mistake is never a 500.
struct AppError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    /// The methods a path takes, sent as `Allow` with a 405.
    var allow: String?

    init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    static func badRequest(_ code: String, _ message: String, field: String? = nil) -> AppError {
        AppError(status: .badRequest, code: code, message: message, field: field)
    }
    static func unprocessable(_ code: String, _ message: String, field: String? = nil) -> AppError {
        AppError(status: .unprocessableContent, code: code, message: message, field: field)
    }
    static let unauthorized = AppError(
        status: .unauthorized, code: "unauthorized", message: "sign in or send a bearer token")
    static let forbidden = AppError(status: .forbidden, code: "forbidden", message: "your role may not do this")
    static let notFound = AppError(status: .notFound, code: "not_found", message: "no such record")
    static let stale = AppError(
        status: .preconditionFailed, code: "stale",
        message: "the record has changed since you read it; read it again and retry")

    var json: JSONValue {
        .object([
            (
                "error",
                .object([
                    ("code", .string(code)), ("message", .string(message)),
                    ("field", field.map { .string($0) } ?? .null),
                ])
            )
        ])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow }
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json.serialized())))
    }

    /// A body past the route's limit: 413 with the usual error body, in the person's language.
    static func tooLarge(maxBytes: Int?, lang: Lang) -> AppError {
        let limit = maxBytes.map { $0 >= 1024 * 1024 ? "\($0 / (1024 * 1024)) MB" : "\($0 / 1024) KB" } ?? "?"
        return AppError(
            status: .contentTooLarge, code: "too_large",
            message: lang.t("error.tooLarge").replacingOccurrences(of: "{limit}", with: limit), field: nil)
    }

    /// Maps what the store and the sheet readers throw to what a client sees.
    static func from(_ error: any Error, lang: Lang = .en) -> AppError? {
        switch error {
        case let e as BodyTooLarge: return tooLarge(maxBytes: e.limit, lang: lang)
        case let e as NIOTooManyBytesError: return tooLarge(maxBytes: e.maxBytes, lang: lang)
        case let e as AppError: return e
        case let e as ValidationError: return .unprocessable(e.code, e.message, field: e.field)
        case let e as StoreError:
            switch e {
            case .notFound: return .notFound
            case .stale: return .stale
            case .conflict(let m): return AppError(status: .conflict, code: "conflict", message: m)
            case .invalid(let m): return .badRequest("invalid", m)
            case .refused(let code, let m): return AppError(status: .conflict, code: code, message: m)
            }
        case is AccessError: return .forbidden
        case let e where Database.isUnavailable(e):
            return AppError(
                status: .serviceUnavailable, code: "database_unavailable", message: lang.t("error.databaseUnavailable"))
        case let e where Database.isDiskFull(e):
            return AppError(
                status: .init(code: 507, reasonPhrase: "Insufficient Storage"), code: "disk_full",
                message: lang.t("error.diskFull"))
        case let e where Database.isBusy(e):
            return AppError(
                status: .serviceUnavailable, code: "busy", message: "the database is busy; try again in a moment")
        case let e as QRCode.Failure:
            if case .tooLong(let n) = e {
                return .unprocessable(
                    "too_long",
                    "the link is \(n) bytes; a QR code here holds at most 213 (set a shorter COURTYARD_PUBLIC_URL)")
            }
            return nil
        case let e as Schedule.Failure:
            switch e {
            case .cycle(let ids):
                return AppError(
                    status: .conflict, code: "dependency_cycle",
                    message: "tasks depend on each other in a cycle: \(ids.map(String.init).joined(separator: " → "))")
            case .unknownDependency(let t, let d):
                return .unprocessable(
                    "not_found", "task \(t) depends on \(d), which is not in the project", field: "depends_on")
            }
        case let e as RegistryImporter.Failure:
            if case .subdistrict(let m) = e { return .unprocessable("subdistrict", m, field: "subdistrict") }
            return nil
        case let e as XLSX.Failure:
            if case .notAWorkbook(let m) = e { return .unprocessable("unreadable_file", m, field: "file") }
            return nil
        case let e as SheetLimitFailure:
            return .unprocessable(e.code, e.message, field: "file")
        case let e as CSV.Failure:
            if case .unterminatedQuote(let line) = e {
                return .unprocessable(
                    "unreadable_file", "a quoted field opened on line \(line) never closes", field: "file")
            }
            return nil
        case is TextDecoding.Failure:
            return .unprocessable("unreadable_file", "the file is neither UTF-8 nor GB18030 text", field: "file")
        case let e as HTTPError:
            return AppError(
                status: e.status, code: e.status == .contentTooLarge ? "too_large" : "http_\(e.status.code)",
                message: e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError where e.status.code < 500:
            // Whatever else the framework answers as a client error stays one.
            return AppError(status: e.status, code: "http_\(e.status.code)", message: e.status.reasonPhrase)
        default: return nil
        }
    }
}
