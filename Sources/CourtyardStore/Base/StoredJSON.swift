import CourtyardDomain
import Foundation

/// A JSON document the store keeps as it was written (a gate's evidence list), carried inside a typed model.
public struct StoredJSON: Codable, Sendable, Hashable {
    public var value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch value {
        case .object(let pairs):
            var c = encoder.container(keyedBy: Key.self)
            for (k, v) in pairs { try c.encode(StoredJSON(v), forKey: Key(stringValue: k)) }
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for v in items { try c.encode(StoredJSON(v)) }
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let exact = ExactDecimal(numberText: n) { try c.encode(exact) } else { try c.encode(n) }
        }
    }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            value = .object(try c.allKeys.map { ($0.stringValue, try c.decode(StoredJSON.self, forKey: $0).value) })
        } else if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(StoredJSON.self).value) }
            value = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                value = .null
            } else if let b = try? c.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                value = .int(i)
            } else if let n = try? c.decode(ExactDecimal.self) {
                value = .number(n.numberText)
            } else {
                value = .string(try c.decode(String.self))
            }
        }
    }
}
