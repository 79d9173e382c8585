import CourtyardDomain
import CourtyardStore

/// A request field read as whatever JSON the client sent, for fields whose own checks give a more specific
/// answer than a type mismatch would (the electorate, local thresholds, a ballot's channel).
struct LooseField: Decodable, Sendable {
    let json: JSONValue

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            json = .object(
                try object.allKeys.map { ($0.stringValue, try object.decode(LooseField.self, forKey: $0).json) })
        } else if var array = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !array.isAtEnd { items.append(try array.decode(LooseField.self).json) }
            json = .array(items)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                json = .null
            } else if let b = try? single.decode(Bool.self) {
                json = .bool(b)
            } else if let i = try? single.decode(Int64.self) {
                json = .int(i)
            } else if let s = try? single.decode(String.self) {
                json = .string(s)
            } else {
                json = .number(try single.decode(ExactDecimal.self).numberText)
            }
        }
    }
}

/// The checks with their own words that run after a body is decoded.
enum FieldCheck {
    /// A field that names one of an enumeration's cases; anything else is refused listing them.
    static func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _ field: LooseField?, _: E.Type) throws -> E
    where E.RawValue == String {
        guard let v = field?.json.stringValue.flatMap(E.init(rawValue:)) else {
            throw AppError.unprocessable(
                "invalid", "\(key) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", field: key)
        }
        return v
    }

    /// A date as YYYY-MM-DD that must be given.
    static func requiredDay(_ key: String, _ field: LooseField?) throws -> Day {
        guard let v = field?.json, v != .null else {
            throw AppError.unprocessable("required", "\(key) is required as YYYY-MM-DD", field: key)
        }
        guard let text = v.stringValue, let d = Day(text) else {
            throw AppError.unprocessable("invalid", "\(key) is a date as YYYY-MM-DD", field: key)
        }
        return d
    }

    /// A list of ids, empty when absent or null.
    static func idList(_ key: String, _ field: LooseField?) throws -> [Int64] {
        guard let v = field?.json, v != .null else { return [] }
        guard let ids = v.idList else { throw AppError.unprocessable("invalid", "\(key) is a list of ids", field: key) }
        return ids
    }
}
