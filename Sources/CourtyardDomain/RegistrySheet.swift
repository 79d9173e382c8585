import Foundation

/// One row of the household sheet, cleaned and checked.
public struct HouseholdRow: Hashable, Sendable {
    public var row: Int
    public var community: String
    public var compound: String
    public var address: String
    public var builtYear: Int?
    public var building: String
    public var entrance: String
    public var room: String
    public var floor: Int?
    public var area: Area
    public var ownerName: String
    public var ownerPhone: String
    public var livesElsewhere: Bool

    public init(
        row: Int, community: String, compound: String, address: String, builtYear: Int?, building: String,
        entrance: String, room: String, floor: Int?, area: Area, ownerName: String, ownerPhone: String,
        livesElsewhere: Bool
    ) {
        self.row = row; self.community = community; self.compound = compound; self.address = address
        self.builtYear = builtYear; self.building = building; self.entrance = entrance; self.room = room
        self.floor = floor; self.area = area; self.ownerName = ownerName; self.ownerPhone = ownerPhone
        self.livesElsewhere = livesElsewhere
    }

    /// (community, compound, building, entrance, room): what identifies a household in a sheet.
    public var key: HouseholdKey { HouseholdKey(community, compound, building, entrance, room) }

    /// The cells in `RegistrySheet.columns` order, as export writes them.
    public var cells: [String] {
        [community, compound, address, builtYear.map(String.init) ?? "", building, entrance, room,
         floor.map(String.init) ?? "", area.description, ownerName, ownerPhone, livesElsewhere ? "是" : "否"]
    }
}

public struct HouseholdKey: Hashable, Sendable {
    public var community, compound, building, entrance, room: String
    /// The key as one byte string, parts separated by U+001F.
    public var bytes: [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(community.utf8.count + compound.utf8.count + building.utf8.count + entrance.utf8.count + room.utf8.count + 4)
        for (i, part) in [community, compound, building, entrance, room].enumerated() {
            if i > 0 { b.append(0x1F) }
            b.append(contentsOf: part.utf8)
        }
        return b
    }
    public init(_ community: String, _ compound: String, _ building: String, _ entrance: String, _ room: String) {
        self.community = community; self.compound = compound; self.building = building
        self.entrance = entrance; self.room = room
    }
}

/// A bad row, or a bad file (row 0 or 1 for the header), said so a clerk can find and fix it.
public struct RowError: Hashable, Sendable, Codable, Error {
    public var row: Int
    public var column: String?
    public var code: String
    public var message: String
    public init(row: Int, column: String?, code: String, message: String) {
        self.row = row; self.column = column; self.code = code; self.message = message
    }
}

/// A dictionary key made of UTF-8 bytes. Hashing raw bytes in one call avoids both the Unicode
/// normalisation of hashing a non-ASCII String and byte-by-byte array hashing, which a city's
/// sheet would otherwise pay hundreds of thousands of times.
public struct ByteKey: Hashable, Sendable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func hash(into h: inout Hasher) { bytes.withUnsafeBytes { h.combine(bytes: $0) } }
    public static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }
}

/// Per-slice results of a parallel parse; each slice writes only its own entry.
final class SliceResults: @unchecked Sendable {
    private var parts: [[ParsedRow?]]
    private let lock = NSLock()
    init(count: Int) { parts = Array(repeating: [], count: count) }
    func set(_ k: Int, _ rows: [ParsedRow?]) { lock.lock(); parts[k] = rows; lock.unlock() }
    func joined() -> [ParsedRow?] { parts.flatMap { $0 } }
}

/// One row's cleaned cells by column name, held in column order rather than a dictionary.
struct SheetValues {
    var cells = [String?](repeating: nil, count: RegistrySheet.columns.count)
    subscript(name: String) -> String? {
        get { RegistrySheet.index[name].flatMap { cells[$0] } }
        set { if let i = RegistrySheet.index[name] { cells[i] = newValue } }
    }
}

/// One data row: checked and cleaned, or every problem found in it.
public enum ParsedRow: Sendable {
    case ok(HouseholdRow)
    case bad([RowError])
}

/// The household sheet's columns and the rules for each cell.
public enum RegistrySheet {
    public static let columns = [
        "community", "compound", "address", "built_year", "building", "entrance", "room", "floor",
        "area_m2", "owner_name", "owner_phone", "lives_elsewhere",
    ]
    public static let chineseHeaders = [
        "社区", "小区", "地址", "建成年份", "楼栋", "单元", "房号", "楼层", "建筑面积", "业主姓名", "联系电话", "是否外住",
    ]
    static let required: Set<String> = ["community", "compound", "building", "entrance", "room", "area_m2"]
    static let index: [String: Int] = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })

    /// Maps each header cell to a column; every required column must be present, none twice, none unknown.
    public static func mapHeader(_ header: [String]) -> Result<[Int: String], RowError> {
        var map: [Int: String] = [:]
        var seen: Set<String> = []
        for (i, raw) in header.enumerated() {
            let h = TextNormalizer.clean(raw).lowercased()
            if h.isEmpty { continue }
            let name: String
            if let j = columns.firstIndex(of: h) { name = columns[j] }
            else if let j = chineseHeaders.firstIndex(of: h) { name = columns[j] }
            else {
                return .failure(RowError(row: 1, column: raw, code: "unknown_column",
                    message: "unknown column “\(raw)”; expected: \(columns.joined(separator: ", "))"))
            }
            guard seen.insert(name).inserted else {
                return .failure(RowError(row: 1, column: name, code: "duplicate_column", message: "column \(name) appears twice"))
            }
            map[i] = name
        }
        if let missing = columns.first(where: { required.contains($0) && !seen.contains($0) }) {
            return .failure(RowError(row: 1, column: missing, code: "missing_column", message: "required column \(missing) is missing"))
        }
        return .success(map)
    }

    /// Checks one data row; every problem in it is reported, not only the first.
    public static func parse(_ cells: [String], row: Int, header: [Int: String], currentYear: Int = 2026)
        -> ParsedRow
    {
        var v = SheetValues()
        for (i, cell) in cells.enumerated() {
            if let name = header[i] { v[name] = TextNormalizer.clean(cell) }
        }
        var errors: [RowError] = []
        func fail(_ column: String, _ code: String, _ message: String) {
            errors.append(RowError(row: row, column: column, code: code, message: message))
        }
        for c in columns where required.contains(c) && (v[c] ?? "").isEmpty {
            fail(c, "required", "\(c) is empty")
        }
        for c in ["community", "compound", "building", "entrance", "room"] where (v[c] ?? "").count > 100 {
            fail(c, "too_long", "\(c) is longer than 100 characters")
        }
        var builtYear: Int?
        if let s = v["built_year"], !s.isEmpty {
            if let y = TextNormalizer.integer(s.hasSuffix("年") ? String(s.dropLast()) : s), y >= 1900, y <= currentYear {
                builtYear = y
            } else { fail("built_year", "invalid_year", "built_year “\(s)” is not a year between 1900 and \(currentYear)") }
        }
        var floor: Int?
        if let s = v["floor"], !s.isEmpty {
            let t = s.hasSuffix("层") ? String(s.dropLast()) : s
            if let f = TextNormalizer.integer(t), f >= -5, f <= 200 { floor = f }
            else { fail("floor", "invalid_floor", "floor “\(s)” is not a whole number") }
        }
        var area = Area(centi: 0)
        if let s = v["area_m2"], !s.isEmpty {
            if let a = Area.parse(s), a.centi > 0, a.centi < 100_000_00 { area = a }
            else { fail("area_m2", "invalid_area", "area_m2 “\(s)” is not an area in m² with at most two decimals") }
        }
        var phone = ""
        if let s = v["owner_phone"], !s.isEmpty {
            if let p = PersonalData.normalizePhone(s) { phone = p }
            else { fail("owner_phone", "invalid_phone", "owner_phone “\(s)” is not a phone number") }
        }
        let ownerName = v["owner_name"] ?? ""
        if !phone.isEmpty && ownerName.isEmpty { fail("owner_name", "required", "owner_phone is given but owner_name is empty") }
        var elsewhere = false
        if let s = v["lives_elsewhere"] {
            if let b = TextNormalizer.yesNo(s) { elsewhere = b }
            else { fail("lives_elsewhere", "invalid_yes_no", "lives_elsewhere “\(s)” is not 是/否 (yes/no)") }
        }
        if !errors.isEmpty { return .bad(errors) }
        return .ok(HouseholdRow(
            row: row, community: v["community"]!, compound: v["compound"]!, address: v["address"] ?? "",
            builtYear: builtYear, building: v["building"]!, entrance: v["entrance"]!, room: v["room"]!, floor: floor,
            area: area, ownerName: ownerName, ownerPhone: phone, livesElsewhere: elsewhere))
    }

    /// Checks the data rows in parallel slices (each row stands alone); nil for a blank row.
    static func parseRows(_ rows: [[String]], header: [Int: String], currentYear: Int) -> [ParsedRow?] {
        let data = rows.dropFirst()
        let slices = data.count > 20_000 ? 4 : 1
        let size = (data.count + slices - 1) / max(slices, 1)
        let results = SliceResults(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { k in
            let lo = data.startIndex + k * size, hi = min(lo + size, data.endIndex)
            var out: [ParsedRow?] = []
            out.reserveCapacity(max(0, hi - lo))
            if lo < hi {
                for i in lo..<hi {
                    let cells = rows[i]
                    out.append(cells.allSatisfy({ $0.trimmingWhitespace().isEmpty }) ? nil
                        : parse(cells, row: i + 1, header: header, currentYear: currentYear))
                }
            }
            results.set(k, out)
        }
        return results.joined()
    }

    /// Parses a whole sheet (header first) and checks rows against each other:
    /// a household twice, or one compound given two addresses or build years.
    public static func parseSheet(_ rows: [[String]], currentYear: Int = 2026) -> (rows: [HouseholdRow], errors: [RowError]) {
        guard let first = rows.first else {
            return ([], [RowError(row: 0, column: nil, code: "empty_file", message: "the file has no header row")])
        }
        let header: [Int: String]
        switch mapHeader(first) {
        case .success(let h): header = h
        case .failure(let e): return ([], [e])
        }
        let parsed = parseRows(rows, header: header, currentYear: currentYear)
        var good: [HouseholdRow] = []
        var errors: [RowError] = []
        // Keyed by UTF-8 bytes: hashing non-ASCII Strings normalises them first, which a city's sheet cannot afford.
        var seenKeys: [ByteKey: Int] = [:]
        var compounds: [ByteKey: HouseholdRow] = [:]
        good.reserveCapacity(rows.count)
        for (i, result) in parsed.enumerated() {
            let rowNumber = i + 2
            switch result {
            case nil: continue
            case .bad(let e): errors.append(contentsOf: e)
            case .ok(let r):
                let householdKey = ByteKey(r.key.bytes)
                if let earlier = seenKeys[householdKey] {
                    errors.append(RowError(row: rowNumber, column: "room", code: "duplicate_household",
                        message: "household \(r.building)-\(r.entrance)-\(r.room) already appears in row \(earlier)"))
                    continue
                }
                seenKeys[householdKey] = rowNumber
                let ck = ByteKey(Array(r.community.utf8) + [0x1F] + Array(r.compound.utf8))
                if let c = compounds[ck] {
                    if !r.address.isEmpty && !c.address.isEmpty && r.address != c.address {
                        errors.append(RowError(row: rowNumber, column: "address", code: "inconsistent_compound",
                            message: "compound \(r.compound) has address “\(c.address)” in row \(c.row)"))
                        continue
                    }
                    if let y = r.builtYear, let y0 = c.builtYear, y != y0 {
                        errors.append(RowError(row: rowNumber, column: "built_year", code: "inconsistent_compound",
                            message: "compound \(r.compound) was built in \(y0) in row \(c.row)"))
                        continue
                    }
                } else {
                    compounds[ck] = r
                }
                good.append(r)
            }
        }
        return (good, errors)
    }
}
