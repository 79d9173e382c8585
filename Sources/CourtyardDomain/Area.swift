import Foundation

/// An area in hundredths of a square metre, so sums and shares stay exact.
public struct Area: Hashable, Comparable, Sendable, TextCodable {
    public var centi: Int64

    public init(centi: Int64) { self.centi = centi }

    public static func < (a: Area, b: Area) -> Bool { a.centi < b.centi }
    public static func + (a: Area, b: Area) -> Area { Area(centi: a.centi + b.centi) }

    /// "85.60": the form the API and the sheets show.
    public var description: String {
        let sign = centi < 0 ? "-" : ""
        let v = centi.magnitude
        let frac = v % 100
        return "\(sign)\(v / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    public init?(parsing text: String) {
        guard let a = Area.parse(text) else { return nil }
        self = a
    }

    /// Parses an area as offices type it: "85.6", "８５．６", "85.6㎡", "85.6平方米", "85.6 m2".
    /// More than two decimals, signs, or anything else is rejected rather than rounded.
    public static func parse(_ raw: String) -> Area? {
        var bytes = Array(TextNormalizer.clean(raw).utf8)
        for unit in units where bytes.count > unit.count && bytes.suffix(unit.count).elementsEqual(unit) {
            bytes.removeLast(unit.count)
            while bytes.last == 0x20 { bytes.removeLast() }
            break
        }
        var whole: Int64 = 0
        var frac: Int64 = 0
        var wholeDigits = 0
        var fracDigits = 0
        var seenPoint = false
        for b in bytes {
            switch b {
            case 0x30...0x39:
                if seenPoint {
                    fracDigits += 1
                    guard fracDigits <= 2 else { return nil }
                    frac = frac * 10 + Int64(b - 0x30)
                } else {
                    wholeDigits += 1
                    guard wholeDigits <= 9 else { return nil }
                    whole = whole * 10 + Int64(b - 0x30)
                }
            case 0x2E where !seenPoint: seenPoint = true  // "."
            case 0x2C where !seenPoint && wholeDigits > 0: continue  // thousands separator ","
            default: return nil
            }
        }
        guard wholeDigits > 0 else { return nil }
        return Area(centi: whole * 100 + (fracDigits == 1 ? frac * 10 : frac))
    }

    /// Unit suffixes offices write after an area, as UTF-8.
    static let units: [[UInt8]] = ["平方米", "平米", "㎡", "m²", "m2", "M2", "平"].map { Array($0.utf8) }
}

/// A value written in JSON as its text form ("85.60", "2026-10-01") and read back by parsing it.
public protocol TextCodable: Codable, CustomStringConvertible {
    init?(parsing text: String)
}

extension TextCodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let v = Self(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "cannot read \(Self.self) from \(text)")
        }
        self = v
    }
}
