import CourtyardDomain

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
