import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
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
    /// A catalogue key that says this error in either language, and the values of its `{placeholders}`. Without
    /// one, the words are found by field and code (`message(in:)`).
    var key: String?
    var values: [String: String] = [:]
    /// What stands in the way, named item by item (`StoreError.refused`'s details).
    var details: [Phrase] = []
    /// Every wrong field, in the form's order, when several are (`ValidationErrors`): the body lists them under
    /// `errors`, and a page says each.
    var all: [AppError] = []

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

    /// An error said by a catalogue key in whichever language the person reads.
    init(
        status: HTTPResponse.Status, code: String, key: String, _ values: [String: String] = [:], field: String? = nil
    ) {
        self.init(status: status, code: code, message: "", field: field)
        self.key = key
        self.values = values
        self.message = text(in: .en) ?? key
    }

    func json(in lang: Lang) -> JSONValue {
        var body = fields(in: lang)
        if !all.isEmpty { body.append(("errors", .array(all.map { .object($0.fields(in: lang)) }))) }
        return .object([("error", .object(body))])
    }

    private func fields(in lang: Lang) -> [(String, JSONValue)] {
        [
            ("code", .string(code)), ("message", .string(message(in: lang))),
            ("field", field.map { .string($0) } ?? .null),
        ]
    }

    /// What a client reads: the catalogue's words in its language (by key, then by field and code, then by code);
    /// in English the message as written when the catalogue has no key for it; a plain sentence for the status
    /// otherwise. Never an English sentence for a client that reads Chinese.
    func message(in lang: Lang) -> String {
        if code == Pages.pageMessage { return message }
        if lang == .en, key == nil { return message }
        return text(in: lang, byField: false) ?? lang.t(genericKey)
    }

    /// The catalogue's words for this error, or nil when it has none. A page knows which form was sent and may take
    /// the words written for a field of it (`byField`); a client of the API or the command line takes the code's.
    func text(in lang: Lang, byField: Bool = true) -> String? {
        if let detailed = detailed(in: lang) { return detailed }
        if let key {
            return lang.catalogue[key].map { Lang.fill($0, values) }
        }
        guard byField else {
            // A text too long says how long it may be, when the store said so, to an API client too.
            let keys = (code == "too_long" && values["max"] != nil ? ["error.tooLongMax"] : []) + ["error.\(code)"]
            return keys.lazy.compactMap { lang.catalogue[$0] }.first.map { Lang.fill($0, values) }
        }
        // A field inside a list ("criteria[1].weight", "[0].score") is looked up without its position.
        let field = field.map {
            $0.replacingOccurrences(of: #"\[\d+\]\.?"#, with: ".", options: .regularExpression)
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        // A text too long for no field of its own says how long it may be, when the store said so.
        let bound = values["max"] == nil ? [] : ["error.tooLongMax"]
        let keys = (field.map { ["error.\($0).\(code)"] } ?? []) + bound + ["error.\(code)"]
        return keys.lazy.compactMap { lang.catalogue[$0] }.first.map { Lang.fill($0, values) }
    }

    /// A refusal that names what stands in its way: its lead (`error.<code>.lead`), then each detail, when the
    /// catalogue has words for all of them.
    func detailed(in lang: Lang) -> String? {
        guard !details.isEmpty, let lead = lang.catalogue["error.\(code).lead"] ?? lang.catalogue["error.refusedLead"]
        else { return nil }
        var parts: [String] = []
        for phrase in details {
            guard let text = lang.catalogue["error.detail.\(phrase.key)"] else { return nil }
            var values = phrase.values
            for (name, term) in phrase.terms {
                guard let word = lang.catalogue[term] else { return nil }
                values[name] = word
            }
            parts.append(Lang.fill(text, values))
        }
        return lead + parts.joined(separator: lang == .zh ? "；" : "; ") + (lang == .zh ? "。" : ".")
    }

    /// The sentence for an error the catalogue has no words for, by its status.
    var genericKey: String {
        switch status.code {
        case 401: "error.unauthorized"
        case 403: "error.forbidden"
        case 404: "error.notFound"
        case 409: "error.conflictGeneric"
        case 429: "error.rate_limited"
        case 500...: "error.internal"
        default: "error.invalidGeneric"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let allow { headers[.allow] = allow }
        let lang = Lang.choose(
            query: request.uri.queryParameters.get("lang"), cookie: request.cookies["lang"]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json(in: lang).serialized())))
    }

    /// A body past the route's limit: 413 with the usual error body.
    static func tooLarge(maxBytes: Int?) -> AppError {
        let limit = maxBytes.map { $0 >= 1024 * 1024 ? "\($0 / (1024 * 1024)) MB" : "\($0 / 1024) KB" } ?? "?"
        return AppError(status: .contentTooLarge, code: "too_large", key: "error.tooLarge", ["limit": limit])
    }

    /// A field refused by the store; a text "at most N characters" long carries N, for words that say so.
    static func validation(_ e: ValidationError) -> AppError {
        var a = AppError.unprocessable(e.code, e.message, field: e.field)
        a.values.merge(e.values) { _, given in given }
        if e.code == "too_long", let n = e.message.firstMatch(of: /at most ([0-9,]+) characters/)?.1 {
            a.values["max"] = String(n).replacingOccurrences(of: ",", with: "")
        }
        return a
    }

    /// Maps what the store and the sheet readers throw to what a client sees.
    static func from(_ error: any Error) -> AppError? {
        switch error {
        case let e as BodyTooLarge: return tooLarge(maxBytes: e.limit)
        case let e as NIOTooManyBytesError: return tooLarge(maxBytes: e.maxBytes)
        case let e as AppError: return e
        case let e as ValidationError: return validation(e)
        case let e as ValidationErrors:
            var lead = validation(e.lead)
            lead.all = e.all.map(validation)
            return lead
        case let e as StoreError:
            switch e {
            case .notFound: return .notFound
            case .stale: return .stale
            case .conflict(let m): return AppError(status: .conflict, code: "conflict", message: m)
            case .invalid(let m): return .badRequest("invalid", m)
            case .refused(let code, let m, let details):
                var e = AppError(status: .conflict, code: code, message: m)
                e.details = details
                return e
            }
        case is AccessError: return .forbidden
        case let e where Database.isUnavailable(e):
            return AppError(status: .serviceUnavailable, code: "database_unavailable", key: "error.databaseUnavailable")
        case let e where Database.isDiskFull(e):
            return AppError(
                status: .init(code: 507, reasonPhrase: "Insufficient Storage"), code: "disk_full", key: "error.diskFull"
            )
        case let e where Database.isBusy(e):
            return AppError(status: .serviceUnavailable, code: "busy", key: "error.busy")
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
            var a = AppError(
                status: .unprocessableContent, code: "subdistrict", key: e.key.0, e.key.1,
                field: "subdistrict")
            a.message = e.message
            return a
        case let e as XLSX.Failure:
            if case .notAWorkbook(let m) = e { return .unprocessable("unreadable_file", m, field: "file") }
            return nil
        case let e as SheetLimitFailure:
            return .unprocessable(e.code, e.message, field: "file")
        case let e as CSV.Failure:
            if case .unterminatedQuote(let line) = e {
                var a = AppError(
                    status: .unprocessableContent, code: "unreadable_file", key: "error.unterminatedQuote",
                    ["line": String(line)], field: "file")
                a.message = "a quoted field opened on line \(line) never closes"
                return a
            }
            return nil
        case is RegistryFiles.OldWorkbook:
            var a = AppError(
                status: .unprocessableContent, code: "unreadable_file", key: "error.oldWorkbook", field: "file")
            a.message = "the file is an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV"
            return a
        case is TextDecoding.Failure:
            var a = AppError(
                status: .unprocessableContent, code: "unreadable_file", key: "error.notText", field: "file")
            a.message = "the file is neither UTF-8 nor GB18030 text"
            return a
        case let e as HTTPError
        where e.status == .badRequest && (e.body ?? "").hasPrefix("Parameter '")
            && (e.body ?? "").contains("can not be converted"):
            // An address whose record number is not a number (`/coordination_requests/None`) names no record.
            return AppError.notFound
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
