import Foundation

/// An area in hundredths of a square metre, so sums and shares stay exact.
public struct Area: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let a = Area.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an area: \(text)")
        }
        self = a
    }

    /// Parses an area as offices type it: "85.6", "８５．６", "85.6㎡", "85.6平方米", "85.6 m2".
    /// More than two decimals, signs, or anything else is rejected rather than rounded.
    public static func parse(_ raw: String) -> Area? {
        var text = TextNormalizer.halfWidth(raw).trimmingWhitespace()
        for unit in ["平方米", "平米", "㎡", "m²", "m2", "M2", "平"] where text.hasSuffix(unit) {
            text = String(text.dropLast(unit.count)).trimmingWhitespace()
            break
        }
        text = text.replacingOccurrences(of: ",", with: "")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let whole = parts[0]
        let frac = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, whole.count <= 9, frac.count <= 2,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            frac.allSatisfy({ $0.isASCII && $0.isNumber }),
            let w = Int64(whole)
        else { return nil }
        let f = Int64(frac.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0
        return Area(centi: w * 100 + f)
    }
}
