import CourtyardDomain
import CourtyardSheets
import Foundation
import Hummingbird

/// Reads a request's JSON object; a body that is not one is a 400 naming the problem.
enum JSONBody {
    static func object(_ request: Request, context: AppContext) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1024 * 1024)
        guard buffer.readableBytes > 0 else { throw AppError.badRequest("empty_body", "the request needs a JSON object body") }
        let data = Data(buffer.readableBytesView)
        guard case .some(let any) = try? JSONDecoder().decode(AnyJSON.self, from: data), case .object(let pairs) = any.value else {
            throw AppError.badRequest("invalid_json", "the body is not a JSON object")
        }
        return Dictionary(pairs, uniquingKeysWith: { _, b in b })
    }

    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, etag: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let etag { headers[.eTag] = etag }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }
}

/// Decodes any JSON into `JSONValue`; fractional numbers keep their shortest decimal text.
struct AnyJSON: Decodable {
    var value: JSONValue
    init(from decoder: any Decoder) throws {
        if var a = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !a.isAtEnd { items.append(try a.decode(AnyJSON.self).value) }
            value = .array(items)
            return
        }
        if let o = try? decoder.container(keyedBy: Key.self) {
            value = .object(try o.allKeys.map { ($0.stringValue, try o.decode(AnyJSON.self, forKey: $0).value) })
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .null }
        else if let b = try? c.decode(Bool.self) { value = .bool(b) }
        else if let i = try? c.decode(Int64.self) { value = .int(i) }
        else if let d = try? c.decode(Double.self) { value = .string("\(d)") }
        else { value = .string(try c.decode(String.self)) }
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Any list as CSV: chosen fields as columns, one item a row.
enum ListCSV {
    static func response(columns: [String], items: [JSONValue], filename: String) -> Response {
        let rows = [columns] + items.map { item in columns.map { item[$0]?.cellText ?? "" } }
        return Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename).csv\"",
        ], body: .init(byteBuffer: ByteBuffer(string: CSV.write(rows))))
    }

    static func wanted(_ request: Request) -> Bool { request.uri.queryParameters.get("format") == "csv" }
}
