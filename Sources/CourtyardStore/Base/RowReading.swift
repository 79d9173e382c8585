import CourtyardDomain
import Foundation
import SQLKit

/// Reading columns into API JSON: nullable columns become null, stored JSON text becomes JSON.
extension SQLRow {
    public func int(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    public func text(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    public func optionalInt(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    public func optionalText(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }

    func jsonInt(_ column: String) throws -> JSONValue { try optionalInt(column).map { .int($0) } ?? .null }
    func jsonText(_ column: String) throws -> JSONValue { try optionalText(column).map { .string($0) } ?? .null }
    func storedJSON(_ column: String) throws -> JSONValue { JSONValue.parse(try text(column)) ?? .null }
    func flag(_ column: String) throws -> Bool { try decode(column: column, as: Int.self) != 0 }
}

extension JSONValue {
    /// The ids in a JSON list such as `"photos": [3, 4]`; nil when it is not a list of whole numbers.
    public var idList: [Int64]? {
        guard case .array(let a) = self else { return nil }
        let ids = a.compactMap(\.intValue)
        return ids.count == a.count ? ids : nil
    }

    public static func ids(_ ids: [Int64]) -> JSONValue { .array(ids.map { .int($0) }) }
}
