/// A value written in JSON as a number whose text is kept exactly ("72.5", "45.3"), never through a float.
public protocol ExactNumber: Sendable {
    var numberText: String { get }
    init?(numberText: String)
}

/// A model that writes its own JSON form, which `JSONValueCoding.encode` takes instead of going through its
/// `Encodable` form: for a model sent by the tens of thousands in one answer (a province's bulletin lists 20,000
/// compounds). Its form must be the one its `Encodable` form gives; a test holds each such model to that.
public protocol JSONValueConvertible {
    var jsonValue: JSONValue { get }
}

/// An exact decimal as a client wrote it or the store computed it.
public struct ExactDecimal: ExactNumber, Codable, Hashable, CustomStringConvertible {
    public let numberText: String
    public init?(numberText: String) {
        guard
            JSONValue.parse(numberText).map({ if case .number = $0 { true } else { false } }) == true
                || Int64(numberText) != nil
        else { return nil }
        self.numberText = numberText
    }
    public var description: String { numberText }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(numberText)
    }
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = ExactDecimal(numberText: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a number"))
        }
        self = value
    }
}

extension Area: ExactNumber {
    public var numberText: String { description }
    public init?(numberText: String) { self.init(parsing: numberText) }
}

/// Typed models to and from `JSONValue`: the API's bodies keep their key order (the order fields are declared),
/// `nil` is written as `null`, and exact numbers stay exact.
public enum JSONValueCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = ValueEncoder(codingPath: [])
        try encoder.encodeValue(value)
        return encoder.result.json
    }

    /// `value` through its `Encodable` form even when it writes its own (`JSONValueConvertible`), to check the two
    /// agree.
    public static func encodeByCoding<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = ValueEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.result.json
    }

    /// Decodes a request body; a missing field is `required`, a wrong one `invalid`, both naming the field.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        do {
            return try ValueDecoder(value: value, codingPath: []).decodeValue(T.self)
        } catch let error as DecodingError {
            throw validationError(error)
        }
    }

    static func validationError(_ error: DecodingError) -> ValidationError {
        func field(_ path: [any CodingKey]) -> String? {
            let names = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let name = field(context.codingPath + [key])
            return ValidationError(field: name, code: "required", message: "\(name ?? "value") is required")
        case .valueNotFound(_, let context):
            let name = field(context.codingPath)
            return ValidationError(field: name, code: "required", message: "\(name ?? "value") is required")
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let name = field(context.codingPath)
            return ValidationError(field: name, code: "invalid", message: "\(name ?? "value") is not valid")
        @unknown default:
            return ValidationError(field: nil, code: "invalid", message: "the body is not valid")
        }
    }
}

// MARK: - Encoding

/// One value being encoded. Objects and arrays grow in place: a container appends to the node's own storage, so
/// a list of thousands of rows is built in linear time (an enum payload copied out, appended to and written back
/// would copy the whole list on every append).
private final class EncodedNode {
    enum Shape { case value, object, array }
    var shape = Shape.value
    var value = JSONValue.null
    var pairs: [(String, EncodedNode)] = []
    var items: [EncodedNode] = []

    func set(_ v: JSONValue) {
        shape = .value
        value = v
    }
    func adopt(_ other: EncodedNode) {
        shape = other.shape
        value = other.value
        pairs = other.pairs
        items = other.items
    }
    static func leaf(_ v: JSONValue) -> EncodedNode {
        let node = EncodedNode()
        node.value = v
        return node
    }
    static func empty(_ shape: Shape) -> EncodedNode {
        let node = EncodedNode()
        node.shape = shape
        return node
    }

    var json: JSONValue {
        switch shape {
        case .value: return value
        case .object: return .object(pairs.map { ($0.0, $0.1.json) })
        case .array: return .array(items.map(\.json))
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

private final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let result = EncodedNode()
    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func encodeValue<T: Encodable>(_ value: T) throws {
        switch value {
        case let n as any ExactNumber: result.set(.number(n.numberText))
        case let v as JSONValue: result.set(v)
        case let v as any JSONValueConvertible: result.set(v.jsonValue)
        default: try value.encode(to: self)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if result.shape != .object {
            result.shape = .object
            result.pairs = []
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: result, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if result.shape != .array {
            result.shape = .array
            result.items = []
        }
        return UnkeyedContainer(node: result, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }

    static func child<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> EncodedNode {
        let e = ValueEncoder(codingPath: path)
        try e.encodeValue(value)
        return e.result
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: EncodedNode
        let codingPath: [any CodingKey]

        func append(_ key: Key, _ child: EncodedNode) {
            guard node.shape == .object else { return }
            node.pairs.removeAll { $0.0 == key.stringValue }
            node.pairs.append((key.stringValue, child))
        }
        mutating func encodeNil(forKey key: Key) throws { append(key, EncodedNode()) }
        // Plain values become their node directly, without an encoder of their own (a province's bulletin has
        // hundreds of thousands of them).
        mutating func encode(_ value: String, forKey key: Key) throws { append(key, .leaf(.string(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { append(key, .leaf(.int(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { append(key, .leaf(.int(Int64(value)))) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { append(key, .leaf(.bool(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            append(key, try ValueEncoder.child(value, path: codingPath + [key]))
        }
        // An absent optional is written as null: every field of a body is always there.
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let child = EncodedNode.empty(.object)
            append(key, child)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = EncodedNode.empty(.array)
            append(key, child)
            return UnkeyedContainer(node: child, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder { ValueEncoder(codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(codingPath: codingPath + [key]) }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let node: EncodedNode
        let codingPath: [any CodingKey]
        var count: Int { node.shape == .array ? node.items.count : 0 }
        func append(_ child: EncodedNode) {
            guard node.shape == .array else { return }
            node.items.append(child)
        }
        mutating func encodeNil() throws { append(EncodedNode()) }
        mutating func encode(_ value: String) throws { append(.leaf(.string(value))) }
        mutating func encode(_ value: Int64) throws { append(.leaf(.int(value))) }
        mutating func encode(_ value: Int) throws { append(.leaf(.int(Int64(value)))) }
        mutating func encode(_ value: Bool) throws { append(.leaf(.bool(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            append(try ValueEncoder.child(value, path: codingPath + [AnyKey(intValue: count)]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            let child = EncodedNode.empty(.object)
            append(child)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = EncodedNode.empty(.array)
            append(child)
            return UnkeyedContainer(node: child, codingPath: codingPath)
        }
        mutating func superEncoder() -> any Encoder { ValueEncoder(codingPath: codingPath) }
    }

    struct SingleContainer: SingleValueEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }
        mutating func encodeNil() throws { encoder.result.set(.null) }
        mutating func encode(_ value: Bool) throws { encoder.result.set(.bool(value)) }
        mutating func encode(_ value: String) throws { encoder.result.set(.string(value)) }
        mutating func encode(_ value: Int) throws { encoder.result.set(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { encoder.result.set(.int(value)) }
        mutating func encode(_ value: Int32) throws { encoder.result.set(.int(Int64(value))) }
        mutating func encode(_ value: UInt8) throws { encoder.result.set(.int(Int64(value))) }
        mutating func encode(_ value: Double) throws { encoder.result.set(.number(String(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            encoder.result.adopt(try ValueEncoder.child(value, path: codingPath))
        }
    }
}

// MARK: - Decoding

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let exact = type as? any ExactNumber.Type {
            let text: String
            switch value {
            case .int(let i): text = String(i)
            case .number(let n): text = n
            default: throw mismatch(type)
            }
            guard let v = exact.init(numberText: text) as? T else { throw mismatch(type) }
            return v
        }
        if type == JSONValue.self, let v = value as? T { return v }
        return try T(from: self)
    }

    func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "unexpected value"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let pairs) = value else { throw mismatch([String: Any].self) }
        return KeyedDecodingContainer(KeyedContainer<Key>(pairs: pairs, codingPath: codingPath))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([Any].self) }
        return UnkeyedContainer(items: items, codingPath: codingPath)
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let pairs: [(String, JSONValue)]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.0) } }
        func contains(_ key: Key) -> Bool { pairs.contains { $0.0 == key.stringValue } }
        func raw(_ key: Key) throws -> JSONValue {
            guard let v = pairs.last(where: { $0.0 == key.stringValue })?.1 else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
            }
            return v
        }
        func decodeNil(forKey key: Key) throws -> Bool { (try? raw(key)) == .null }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let v = try raw(key)
            if v == .null {
                throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [key], debugDescription: "null"))
            }
            return try ValueDecoder(value: v, codingPath: codingPath + [key]).decodeValue(type)
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try ValueDecoder(value: try raw(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try ValueDecoder(value: try raw(key), codingPath: codingPath + [key]).unkeyedContainer()
        }
        func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(pairs), codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            ValueDecoder(value: try raw(key), codingPath: codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        init(items: [JSONValue], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }
        mutating func next() throws -> ValueDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "end"))
            }
            defer { currentIndex += 1 }
            return ValueDecoder(value: items[currentIndex], codingPath: codingPath + [AnyKey(intValue: currentIndex)])
        }
        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        { try next().container(keyedBy: type) }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next().unkeyedContainer()
        }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }

    struct SingleContainer: SingleValueDecodingContainer {
        let decoder: ValueDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { decoder.value == .null }
        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let b) = decoder.value else { throw decoder.mismatch(type) }
            return b
        }
        func decode(_ type: String.Type) throws -> String {
            guard case .string(let s) = decoder.value else { throw decoder.mismatch(type) }
            return s
        }
        func decode(_ type: Int64.Type) throws -> Int64 {
            guard case .int(let i) = decoder.value else { throw decoder.mismatch(type) }
            return i
        }
        func decode(_ type: Int.Type) throws -> Int {
            guard case .int(let i) = decoder.value, let v = Int(exactly: i) else { throw decoder.mismatch(type) }
            return v
        }
        func decode(_ type: Double.Type) throws -> Double {
            switch decoder.value {
            case .int(let i): return Double(i)
            case .number(let n): if let d = Double(n) { return d }
            default: break
            }
            throw decoder.mismatch(type)
        }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }
}
