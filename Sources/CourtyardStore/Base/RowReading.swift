import CourtyardDomain
import Foundation
import SQLKit

/// Reading columns as typed values: stored JSON text is read as the model it was written from.
extension SQLRow {
    public func int(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    public func text(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    public func optionalInt(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    public func optionalText(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }

    /// A column of JSON text read as the typed model it was written from (`StoredColumn.encode`).
    func stored<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        try JSONValueCoding.decode(T.self, from: JSONValue.parse(try text(column)) ?? .null)
    }
    /// A column holding a list of ids (photos, attachments, compounds); empty when it holds anything else.
    func storedIds(_ column: String) throws -> [Int64] { (try? stored(column, as: [Int64].self)) ?? [] }
    /// A column kept as the JSON document it was written as (a gate's evidence, a questionnaire's answers).
    func storedDocument(_ column: String) throws -> StoredJSON {
        StoredJSON(JSONValue.parse(try text(column)) ?? .null)
    }
    func flag(_ column: String) throws -> Bool { try decode(column: column, as: Int.self) != 0 }
}

/// Writing typed values into JSON columns, in the form `SQLRow.stored(_:as:)` reads back.
enum StoredColumn {
    static func encode<T: Encodable>(_ value: T) throws -> String { try JSONValueCoding.encode(value).serialized() }
    /// A list of ids as its column keeps it: `[3,4]`.
    static func ids(_ ids: [Int64]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }
}

extension JSONValue {
    /// The ids in a JSON list such as `"photos": [3, 4]`; nil when it is not a list of whole numbers.
    public var idList: [Int64]? {
        guard case .array(let a) = self else { return nil }
        let ids = a.compactMap(\.intValue)
        return ids.count == a.count ? ids : nil
    }
}
