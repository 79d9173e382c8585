import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

/// Reads a request's JSON object; a body that is not one is a 400 naming the problem.
enum JSONBody {
    static func object(_ request: Request, context: AppContext) async throws -> [String: JSONValue] {
        guard let object = try await objectIfSent(request, context: context) else {
            throw AppError.badRequest("empty_body", "the request needs a JSON object body")
        }
        return object
    }

    /// The body's JSON object, or nil when the request has no body; a body that is not an object is a 400.
    static func objectIfSent(_ request: Request, context: AppContext) async throws -> [String: JSONValue]? {
        let buffer = try await request.collectBody(upTo: 1024 * 1024)
        guard buffer.readableBytes > 0 else { return nil }
        // Bytes that are not UTF-8 are refused, not stored as replacement marks in a name.
        guard let text = String(bytes: buffer.readableBytesView, encoding: .utf8) else {
            throw AppError.badRequest("invalid_utf8", "the body is not UTF-8 text")
        }
        guard case .some(.object(let pairs)) = try? JSONParser.parse(text) else {
            throw AppError.badRequest("invalid_json", "the body is not a JSON object")
        }
        return Dictionary(pairs, uniquingKeysWith: { _, b in b })
    }

    /// A request body as its typed shape: a missing field is a 422 `required`, a wrong one `invalid`, naming it.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: AppContext) async throws -> T {
        try typed(type, try await self.object(request, context: context))
    }

    /// The same for a change (`PATCH`): only `fields` may be sent (another, such as a log's day, is a 422
    /// `unknown_field` rather than passed over in silence) and at least one of them (`empty` otherwise).
    static func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, context: AppContext, changing fields: Set<String>
    ) async throws -> T {
        let object = try await self.object(request, context: context)
        if let key = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw AppError.unprocessable("unknown_field", "\(key) cannot be changed here", field: key)
        }
        guard !object.isEmpty else {
            throw AppError.unprocessable("empty", "send at least one of \(fields.sorted().joined(separator: ", "))")
        }
        return try typed(type, object)
    }

    /// A body that may be left out: `empty` when there is none, a 400 or 422 when the one sent is wrong, so a
    /// mistyped field is refused rather than passed over.
    static func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, context: AppContext, ifNone empty: T
    ) async throws -> T {
        guard let object = try await objectIfSent(request, context: context) else { return empty }
        return try typed(type, object)
    }

    private static func typed<T: Decodable>(_ type: T.Type, _ object: [String: JSONValue]) throws -> T {
        try JSONValueCoding.decode(type, from: .object(object.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    /// A typed model as the API's JSON: fields in the order they are declared, `nil` as `null`.
    static func response<T: Encodable>(
        _ model: T, status: HTTPResponse.Status = .ok, etag: String? = nil
    ) throws -> Response {
        response(try JSONValueCoding.encode(model), status: status, etag: etag)
    }

    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, etag: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let etag { headers[.eTag] = etag }
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }
}

/// Required fields of a request body, each refused with a 422 that names it.
extension Dictionary where Key == String, Value == JSONValue {
    func requiredID(_ key: String) throws -> Int64 {
        guard let v = self[key]?.intValue else {
            throw AppError.unprocessable("required", "\(key) is required", field: key)
        }
        return v
    }

    func requiredCase<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws -> E
    where E.RawValue == String {
        guard let v = self[key]?.stringValue.flatMap(E.init(rawValue:)) else {
            throw AppError.unprocessable(
                "invalid", "\(key) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", field: key)
        }
        return v
    }
}

/// `limit` and `cursor` of a list request, and the `{items, next_cursor}` answer. A cursor is the position of
/// the next page; one this server did not give (not a whole number, negative) is a 400, as a limit outside 1 to 1000.
enum ListPage {
    static let defaultLimit = 50

    static func paging(_ request: Request) throws -> Paging {
        if ListCSV.wanted(request) { return .export }
        let q = request.uri.queryParameters
        var limit = defaultLimit
        var offset = 0
        if let l = q.get("limit") {
            guard let n = Int(l), (1...Paging.maxLimit).contains(n) else {
                throw AppError.badRequest("invalid_limit", "limit must be 1 to \(Paging.maxLimit)", field: "limit")
            }
            limit = n
        }
        if let c = q.get("cursor") {
            guard let n = Int(c), n >= 0, n <= 100_000_000 else {
                throw AppError.badRequest("invalid_cursor", "cursor is not one this server gave", field: "cursor")
            }
            offset = n
        }
        return Paging(limit: limit, offset: offset)
    }

    /// Rows a repository read with `paging.sql` (one more than the limit when another page follows).
    static func response(_ rows: [JSONValue], _ paging: Paging) -> Response {
        let (items, next) = paging.page(rows)
        return JSONBody.response(
            .object([("items", .array(items)), ("next_cursor", next.map { .string(String($0)) } ?? .null)]))
    }

    /// A short list held whole in memory (a project's tasks, logs or checks), paged the same way.
    static func response(all: [JSONValue], _ paging: Paging) -> Response { response(paging.slice(all), paging) }

    /// Typed rows, the same way.
    static func response<T: Encodable>(_ rows: [T], _ paging: Paging) throws -> Response {
        var items: [JSONValue] = []
        for row in rows { items.append(try JSONValueCoding.encode(row)) }
        return response(items, paging)
    }

    static func response<T: Encodable>(all: [T], _ paging: Paging) throws -> Response {
        try response(paging.slice(all), paging)
    }
}

/// Any list as CSV: chosen fields as columns, one item a row.
enum ListCSV {
    static func response(columns: [String], items: [JSONValue], filename: String) -> Response {
        let rows = [columns] + items.map { item in columns.map { item[$0]?.cellText ?? "" } }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(filename).csv\"",
            ], body: .init(byteBuffer: ByteBuffer(string: CSV.write(rows))))
    }

    static func response<T: Encodable>(columns: [String], items: [T], filename: String) throws -> Response {
        var values: [JSONValue] = []
        for item in items { values.append(try JSONValueCoding.encode(item)) }
        return response(columns: columns, items: values, filename: filename)
    }

    static func wanted(_ request: Request) -> Bool { request.uri.queryParameters.get("format") == "csv" }
}

/// Dates and optional fields of a request body: absent is "leave as is", null is "clear".
extension Dictionary where Key == String, Value == JSONValue {
    func requiredDay(_ key: String) throws -> Day {
        guard let d = try optionalDay(key), let d else {
            throw AppError.unprocessable("required", "\(key) is required as YYYY-MM-DD", field: key)
        }
        return d
    }

    /// nil when absent, .some(nil) when null, the day otherwise; anything else is a 422.
    func optionalDay(_ key: String) throws -> Day?? {
        guard let v = self[key] else { return nil }
        if v == .null { return .some(nil) }
        guard let text = v.stringValue, let d = Day(text) else {
            throw AppError.unprocessable("invalid", "\(key) is a date as YYYY-MM-DD", field: key)
        }
        return .some(d)
    }

    func optionalInt(_ key: String) throws -> Int64?? {
        guard let v = self[key] else { return nil }
        if v == .null { return .some(nil) }
        guard let i = v.intValue else {
            throw AppError.unprocessable("invalid", "\(key) must be a whole number", field: key)
        }
        return .some(i)
    }

    func optionalText(_ key: String) throws -> String? {
        guard let v = self[key], v != .null else { return nil }
        guard let s = v.stringValue else { throw AppError.unprocessable("invalid", "\(key) must be text", field: key) }
        return s
    }

    func idList(_ key: String) throws -> [Int64] {
        guard let v = self[key], v != .null else { return [] }
        guard let ids = v.idList else { throw AppError.unprocessable("invalid", "\(key) is a list of ids", field: key) }
        return ids
    }
}

/// A body past a route's limit, with the limit, so the 413 can say it.
struct BodyTooLarge: Error { var limit: Int }

extension Request {
    /// The whole body, up to `limit` bytes; past it, `BodyTooLarge` (a 413 with the usual error body).
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        do { return try await body.collect(upTo: limit) } catch is NIOTooManyBytesError {
            throw BodyTooLarge(limit: limit)
        }
    }
}
