import Foundation

/// A point in WGS-84, kept in 1e-7 degrees (about 1 cm) so the store holds whole numbers and the API exact text.
public struct GeoPoint: Hashable, Sendable {
    public var latE7: Int64
    public var lonE7: Int64

    public init(latE7: Int64, lonE7: Int64) {
        self.latE7 = latE7
        self.lonE7 = lonE7
    }

    public init(lat: Double, lon: Double) {
        latE7 = Int64((lat * 10_000_000).rounded())
        lonE7 = Int64((lon * 10_000_000).rounded())
    }

    public var lat: Double { Double(latE7) / 10_000_000 }
    public var lon: Double { Double(lonE7) / 10_000_000 }

    /// Degrees as exact decimal text, trailing zeros dropped: 1163975000 → "116.3975".
    public static func text(_ e7: Int64) -> String {
        let sign = e7 < 0 ? "-" : ""
        let v = e7.magnitude
        var frac = String(v % 10_000_000)
        frac = String(repeating: "0", count: 7 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return sign + String(v / 10_000_000) + (frac.isEmpty ? "" : "." + frac)
    }

    /// Degrees as the API receives them ("39.9087", 39.9087 or 40); at most 7 decimals, nothing else.
    public static func parseE7(_ raw: String) -> Int64? {
        var s = Substring(raw.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.hasPrefix("-") {
            negative = true
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 3,
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var frac = parts.count == 2 ? String(parts[1]) : ""
        guard frac.count <= 7, frac.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !frac.isEmpty
        else { return nil }
        frac += String(repeating: "0", count: 7 - frac.count)
        guard let w = Int64(whole), let f = Int64(frac) else { return nil }
        let v = w * 10_000_000 + f
        return negative ? -v : v
    }
}

/// China's map datum (GCJ-02, 火星坐标) and WGS-84: Chinese web maps show and copy GCJ-02 coordinates, while GIS
/// tools and GPS use WGS-84. The offset formula is the published one; its inverse has no closed form and is
/// found by the usual fixed-point iteration, accurate to well under a centimetre.
public enum ChinaDatum {
    static let a = 6_378_245.0
    static let ee = 0.006_693_421_622_965_943_23

    /// The rough bounding box where GCJ-02 applies (the same box every implementation of the offset uses), in
    /// 1e-7 degrees so that the decision is exact at its edges.
    public static let latE7Range: ClosedRange<Int64> = 8_293_000...558_271_000
    public static let lonE7Range: ClosedRange<Int64> = 720_040_000...1_378_347_000

    public static func isInChina(_ p: GeoPoint) -> Bool {
        latE7Range.contains(p.latE7) && lonE7Range.contains(p.lonE7)
    }

    /// The same box for the offset formula's own floating-point input.
    static func isInChina(lat: Double, lon: Double) -> Bool { isInChina(GeoPoint(lat: lat, lon: lon)) }

    static func transformLat(_ x: Double, _ y: Double) -> Double {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        r += (160.0 * sin(y / 12.0 * .pi) + 320 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        return r
    }

    static func transformLon(_ x: Double, _ y: Double) -> Double {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        r += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        return r
    }

    /// WGS-84 to GCJ-02 (the forward offset).
    public static func wgsToGcj(lat: Double, lon: Double) -> (lat: Double, lon: Double) {
        guard isInChina(lat: lat, lon: lon) else { return (lat, lon) }
        var dLat = transformLat(lon - 105.0, lat - 35.0)
        var dLon = transformLon(lon - 105.0, lat - 35.0)
        let radLat = lat / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - ee * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180.0) / (a / sqrtMagic * cos(radLat) * .pi)
        return (lat + dLat, lon + dLon)
    }

    /// GCJ-02 to WGS-84: start at the GCJ-02 point and move by the remaining error until the forward offset of
    /// the estimate lands on the given point (within 1e-9°).
    public static func gcjToWgs(lat: Double, lon: Double) -> (lat: Double, lon: Double) {
        guard isInChina(lat: lat, lon: lon) else { return (lat, lon) }
        var wLat = lat
        var wLon = lon
        for _ in 0..<30 {
            let g = wgsToGcj(lat: wLat, lon: wLon)
            let eLat = g.lat - lat
            let eLon = g.lon - lon
            wLat -= eLat
            wLon -= eLon
            if abs(eLat) < 1e-9 && abs(eLon) < 1e-9 { break }
        }
        return (wLat, wLon)
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    public static func distanceMetres(_ p: GeoPoint, _ q: GeoPoint) -> Double {
        let r = 6_371_008.8
        let f1 = p.lat * .pi / 180
        let f2 = q.lat * .pi / 180
        let df = (q.lat - p.lat) * .pi / 180
        let dl = (q.lon - p.lon) * .pi / 180
        let h = sin(df / 2) * sin(df / 2) + cos(f1) * cos(f2) * sin(dl / 2) * sin(dl / 2)
        return 2 * r * asin(min(1, h.squareRoot()))
    }

    /// The nearest of `places` to `point` no further than `within` metres, or nil.
    public static func nearest(to point: GeoPoint, among places: [(id: Int64, point: GeoPoint)], within: Double)
        -> Int64?
    {
        var best: (Int64, Double)?
        for p in places {
            let d = distanceMetres(point, p.point)
            if d <= within, best.map({ d < $0.1 }) ?? true { best = (p.id, d) }
        }
        return best?.0
    }
}

/// The datum an office names for the coordinates it types.
public enum Datum: String, CaseIterable, Codable, Sendable {
    case wgs84
    case gcj02
}

/// Coordinates as a compound receives them: checked to lie in China, converted to WGS-84 when given in GCJ-02.
public enum CompoundLocation {
    /// The stored WGS-84 point; a 422 naming `lat` or `lon` when either is missing, malformed or outside China.
    public static func point(latText: String?, lonText: String?, datum: Datum) throws -> GeoPoint {
        guard let lt = latText else {
            throw ValidationError(field: "lat", code: "required", message: "lat is required with lon")
        }
        guard let ln = lonText else {
            throw ValidationError(field: "lon", code: "required", message: "lon is required with lat")
        }
        guard let lat = GeoPoint.parseE7(lt), abs(lat) <= 900_000_000 else {
            throw ValidationError(field: "lat", code: "invalid", message: "lat must be degrees from -90 to 90")
        }
        guard let lon = GeoPoint.parseE7(ln), abs(lon) <= 1_800_000_000 else {
            throw ValidationError(field: "lon", code: "invalid", message: "lon must be degrees from -180 to 180")
        }
        let p = GeoPoint(latE7: lat, lonE7: lon)
        guard ChinaDatum.latE7Range.contains(lat) else {
            throw ValidationError(field: "lat", code: "outside_china", message: "lat lies outside China")
        }
        guard ChinaDatum.lonE7Range.contains(lon) else {
            throw ValidationError(field: "lon", code: "outside_china", message: "lon lies outside China")
        }
        switch datum {
        case .wgs84: return p
        case .gcj02:
            let w = ChinaDatum.gcjToWgs(lat: p.lat, lon: p.lon)
            return GeoPoint(lat: w.lat, lon: w.lon)
        }
    }
}

/// Selecting a property company (物业选聘): how bids are scored and ranked, in whole numbers only.
public enum SelectionMethod: String, CaseIterable, Codable, Sendable {
    case publicTender = "public_tender"
    case invited, negotiation
}

public struct SelectionCriterion: Codable, Hashable, Sendable {
    public var name: String
    public var weight: Int
    public init(name: String, weight: Int) {
        self.name = name
        self.weight = weight
    }
}

public enum SelectionRules {
    /// Criteria must have distinct non-empty names and whole weights from 1 to 100 summing to exactly 100.
    public static func criteriaProblem(_ criteria: [SelectionCriterion]) -> ValidationError? {
        if criteria.isEmpty {
            return ValidationError(
                field: "criteria", code: "required", message: "criteria needs at least one criterion")
        }
        var names = Set<String>()
        for (i, c) in criteria.enumerated() {
            if c.name.isEmpty || c.name.unicodeScalars.count > 100 {
                return ValidationError(
                    field: "criteria[\(i)].name", code: "invalid", message: "a criterion's name is 1 to 100 characters")
            }
            if !names.insert(c.name).inserted {
                return ValidationError(
                    field: "criteria[\(i)].name", code: "duplicate", message: "criterion \(c.name) is named twice")
            }
            if c.weight < 1 || c.weight > 100 {
                return ValidationError(
                    field: "criteria[\(i)].weight", code: "invalid", message: "a weight is a whole number from 1 to 100"
                )
            }
        }
        let sum = criteria.reduce(0) { $0 + $1.weight }
        if sum != 100 {
            return ValidationError(
                field: "criteria", code: "weights_not_100", message: "the weights sum to \(sum), not 100")
        }
        return nil
    }

    /// A score as a panel member types it: 0 to 100 with at most two decimals, in hundredths ("87.5" → 8750).
    public static func scoreCenti(_ text: String) -> Int64? { centi(text, max: 10_000) }

    /// A fee as a clerk types it, in yuan per m² per month with at most two decimals, in fen ("1.10" → 110):
    /// 0.01 to 1,000 yuan.
    public static func feeFen(_ text: String) -> Int64? {
        centi(text, max: 100_000).flatMap { $0 > 0 ? $0 : nil }
    }

    /// A decimal with at most two places, in hundredths, from 0 to `max` hundredths; nil for anything else
    /// (signs, exponents, more places, more digits than `max` has).
    public static func centi(_ text: String, max: Int64) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let w = parts.first, !w.isEmpty, w.count <= String(max / 100).count,
            w.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var frac = parts.count == 2 ? String(parts[1]) : ""
        guard frac.count <= 2, parts.count == 1 || !frac.isEmpty, frac.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        frac += String(repeating: "0", count: 2 - frac.count)
        guard let whole = Int64(w), let f = Int64(frac) else { return nil }
        let v = whole * 100 + f
        return v <= max ? v : nil
    }

    /// A bid's total: the mean over members of the weighted mean of each member's scores, rounded half up to
    /// 0.01 and written as exact decimal text. `scores[member][criterion]` is in hundredths; weights sum to 100.
    /// Nil when a member has not scored every criterion.
    public static func total(criteria: [SelectionCriterion], scores: [[String: Int64]]) -> String? {
        guard !scores.isEmpty else { return nil }
        // Σ over members of Σ weight × score(centi): the weighted mean of one member is that / 100 (in centi).
        var numerator: Int64 = 0
        for member in scores {
            for c in criteria {
                guard let s = member[c.name] else { return nil }
                numerator += Int64(c.weight) * s
            }
        }
        let denominator = Int64(100 * scores.count)
        // Half up, all values non-negative: floor((2n + d) / 2d).
        let centi = (2 * numerator + denominator) / (2 * denominator)
        return centiText(centi)
    }

    public static func centiText(_ centi: Int64) -> String {
        let frac = centi % 100
        return "\(centi / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}

/// The four parties who sign a compound's hand-over (交接) to its property company.
public enum HandoverParty: String, CaseIterable, Codable, Sendable {
    case office, community
    /// An owners' representative, or the compound's steward.
    case owners
    case propertyCompany = "property_company"

    /// The party an account signs as, by its role; nil for roles that do not sign.
    public static func of(_ role: Role) -> HandoverParty? {
        switch role {
        case .admin, .subdistrictOfficer: .office
        case .communityStaff: .community
        case .steward: .owners
        case .propertyCompany: .propertyCompany
        default: nil
        }
    }
}

/// What a hand-over lacks before the project may move to `handed_over`.
public enum HandoverRequirement: Hashable, Sendable {
    case checklist
    case signature(HandoverParty)
    case propertyCompany

    public var code: String {
        switch self {
        case .checklist: "checklist"
        case .signature(let p): "signature:" + p.rawValue
        case .propertyCompany: "property_company"
        }
    }
}

public enum HandoverRules {
    /// Everything missing, in a fixed order: the checklist, each party's signature on its current version, and the
    /// zone's assigned company.
    public static func missing(hasChecklist: Bool, signed: Set<HandoverParty>, companyAssigned: Bool)
        -> [HandoverRequirement]
    {
        var out: [HandoverRequirement] = []
        if !hasChecklist { out.append(.checklist) }
        for p in HandoverParty.allCases where !signed.contains(p) { out.append(.signature(p)) }
        if !companyAssigned { out.append(.propertyCompany) }
        return out
    }

    /// A warranty runs at most fifty years from today (the longest, a building's structure, runs for its design
    /// life); a last day further either way is a slip of the keyboard, such as 9999 or 0001.
    public static let maxWarrantyDays: Int64 = 50 * 366

    public static func warrantyTooFar(_ until: Day, today: Day) -> Bool {
        until > today.adding(days: maxWarrantyDays) || until < today.adding(days: -maxWarrantyDays)
    }

    /// An open defect is due within the warranty: on or before its last day.
    public static func defectProblem(dueOn: Day, warrantyUntil: Day?) -> Bool {
        guard let w = warrantyUntil else { return false }
        return dueOn > w
    }
}

/// A property company's record: shares as exact percentages, in whole-number arithmetic.
public enum PropertyRecordRules {
    /// `part` of `whole` as a percentage with two decimals, rounded half up ("66.67"); nil for an empty whole.
    public static func percent(_ part: Int64, of whole: Int64) -> String? {
        guard whole > 0, part >= 0 else { return nil }
        let centi = (2 * part * 10_000 + whole) / (2 * whole)
        return SelectionRules.centiText(centi)
    }

    /// The mean of several satisfaction rates given in tenths of a percent, as a percentage with one decimal rounded
    /// half up ("87.5"); nil with none.
    public static func meanSatisfaction(tenths rates: [Int64]) -> String? {
        guard !rates.isEmpty else { return nil }
        let n = Int64(rates.count)
        let mean = (2 * rates.reduce(0, +) + n) / (2 * n)
        return "\(mean / 10).\(mean % 10)"
    }

    /// Whether a report was fixed within the service level: its first fix on or before its due day.
    public static func fixedInTime(fixedOn: Day?, dueOn: Day?) -> Bool {
        guard let f = fixedOn else { return false }
        guard let d = dueOn else { return true }
        return f <= d
    }
}
