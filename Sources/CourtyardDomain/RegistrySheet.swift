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
        self.row = row
        self.community = community
        self.compound = compound
        self.address = address
        self.builtYear = builtYear
        self.building = building
        self.entrance = entrance
        self.room = room
        self.floor = floor
        self.area = area
        self.ownerName = ownerName
        self.ownerPhone = ownerPhone
        self.livesElsewhere = livesElsewhere
    }

    /// (community, compound, building, entrance, room): what identifies a household in a sheet.
    public var key: HouseholdKey { HouseholdKey(community, compound, building, entrance, room) }

    /// The cells in `RegistrySheet.columns` order, as export writes them.
    public var cells: [String] {
        [
            community, compound, address, builtYear.map(String.init) ?? "", building, entrance, room,
            floor.map(String.init) ?? "", area.description, ownerName, ownerPhone, livesElsewhere ? "是" : "否",
        ]
    }
}

public struct HouseholdKey: Hashable, Sendable {
    public var community, compound, building, entrance, room: String
    /// The key as one byte string, parts separated by U+001F.
    public var bytes: [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(
            community.utf8.count + compound.utf8.count + building.utf8.count + entrance.utf8.count + room.utf8.count + 4
        )
        b.append(contentsOf: community.utf8)
        for part in [compound, building, entrance, room] {
            b.append(0x1F)
            b.append(contentsOf: part.utf8)
        }
        return b
    }
    public init(_ community: String, _ compound: String, _ building: String, _ entrance: String, _ room: String) {
        self.community = community
        self.compound = compound
        self.building = building
        self.entrance = entrance
        self.room = room
    }
}

/// A bad row, or a bad file (row 0 or 1 for the header), said so a clerk can find and fix it.
/// A sheet's problems as a report lists them: the first `limit` kept in full, the rest counted, so that a sheet
/// wrong on every one of a million rows does not fill the memory (and the import history) with millions of lines.
public struct RowErrorList: Sendable {
    public static let limit = 1_000
    public private(set) var kept: [RowError] = []
    public private(set) var count = 0
    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ e: RowError) {
        count += 1
        if kept.count < Self.limit { kept.append(e) }
    }

    public mutating func append(contentsOf errors: [RowError]) { for e in errors { append(e) } }

    /// The problems kept, and when some were left out a last line saying how many more there are.
    public var listed: [RowError] {
        guard count > kept.count else { return kept }
        let more = count - kept.count
        return kept + [
            RowError(
                row: 0, column: nil, code: "more_problems", message: "\(more) more problems are not listed",
                values: ["n": String(more)])
        ]
    }
}

public struct RowError: Hashable, Sendable, Codable, Error {
    public var row: Int
    public var column: String?
    public var code: String
    public var message: String
    /// The worksheet the row is on, for a workbook; nil for CSV.
    public var sheet: String?
    /// What the message quotes (the cell as written, the earlier row), for the interface to say in either language.
    public var values: [String: String]
    public init(
        row: Int, column: String?, code: String, message: String, sheet: String? = nil, values: [String: String] = [:]
    ) {
        self.row = row
        self.column = column
        self.code = code
        self.message = message
        self.sheet = sheet
        self.values = values
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
    func set(_ k: Int, _ rows: [ParsedRow?]) {
        lock.lock()
        parts[k] = rows
        lock.unlock()
    }
    /// The slices in order, handed over without copying them into one list.
    func take() -> [[ParsedRow?]] {
        lock.lock()
        defer { lock.unlock() }
        let all = parts
        parts = []
        return all
    }
}

/// Runs work in parallel on threads of its own, never on Dispatch's shared workers: Swift concurrency runs on those
/// too, and a city's sheet checked there (seconds of CPU) held up every request the server was answering meanwhile.
public enum OwnThreads {
    /// Runs `body(0..<count)`, the first on the calling thread and the others each on a new thread; returns when all
    /// are done.
    public static func perform(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        let done = DispatchSemaphore(value: 0)
        for k in 1..<count {
            let thread = Thread {
                body(k)
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        body(0)
        for _ in 1..<count { done.wait() }
    }

    /// Runs `body` on a thread of its own and answers with its result, for work too long for a request's task.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result(catching: body)) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// How many rows a sheet's reading hands on at a time when they are written while it reads.
public enum RowBlock {
    public static let size = 16_384
}

/// One row's cleaned cells, held in `RegistrySheet.columns` order and read by position.
struct SheetValues {
    var cells = [String?](repeating: nil, count: RegistrySheet.columns.count)
    subscript(_ column: RegistrySheet.Column) -> String? { cells[column.rawValue] }
    /// The cell, or "" when the sheet has no such column.
    func text(_ column: RegistrySheet.Column) -> String { cells[column.rawValue] ?? "" }
}

/// One data row: checked and cleaned, or every problem found in it.
public enum ParsedRow: Sendable {
    case ok(HouseholdRow)
    case bad([RowError])
}

/// The household sheet's columns and the rules for each cell.
public enum RegistrySheet {
    /// The longest owner's name, as on the household page.
    public static let ownerNameMax = 50
    public static let columns = [
        "community", "compound", "address", "built_year", "building", "entrance", "room", "floor",
        "area_m2", "owner_name", "owner_phone", "lives_elsewhere",
    ]
    public static let chineseHeaders = [
        "社区", "小区", "地址", "建成年份", "楼栋", "单元", "房号", "楼层", "建筑面积", "业主姓名", "联系电话", "是否外住",
    ]
    /// The headers an English sheet is given, which import reads as well (as it reads `columns` and the Chinese ones).
    public static let englishHeaders = [
        "Community", "Compound", "Address", "Year built", "Building", "Entrance", "Room", "Floor", "Floor area (m²)",
        "Owner's name", "Owner's phone", "Lives elsewhere",
    ]
    static let englishIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: englishHeaders.enumerated().map { (TextNormalizer.clean($1).lowercased(), $0) })
    static let required: Set<String> = ["community", "compound", "building", "entrance", "room", "area_m2"]
    static let index: [String: Int] = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })

    /// A column by its place in `columns`.
    enum Column: Int, CaseIterable {
        case community, compound, address, builtYear, building, entrance, room, floor, area, ownerName, ownerPhone
        case livesElsewhere
        var name: String { RegistrySheet.columns[rawValue] }
    }
    static let requiredColumns = Column.allCases.filter { required.contains($0.name) }
    static let placeAndRoom: [Column] = [.community, .compound, .building, .entrance, .room]

    /// A header's cell indexes → column names, as (cell index, column) pairs in cell order: what each row is read by.
    static func slots(_ header: [Int: String]) -> [(cell: Int, column: Column)] {
        header.compactMap { i, name in index[name].flatMap(Column.init(rawValue:)).map { (i, $0) } }
            .sorted { $0.cell < $1.cell }
    }

    /// A header row's cells: which are ours and which are not (序号, 备注 … are ignored, not refused).
    public struct HeaderMatch: Sendable, Equatable {
        /// Cell index → column name.
        public var map: [Int: String] = [:]
        /// The header text of each column used, in the sheet's order: (as written, column name).
        public var used: [SheetReading.Column] = []
        /// Header cells that are not ours, as written.
        public var ignored: [String] = []
        public var duplicate: String?
        public var requiredFound: Int { Set(map.values).intersection(required).count }
        public var missing: String? { columns.first { required.contains($0) && !map.values.contains($0) } }
    }

    public static func matchHeader(_ header: [String]) -> HeaderMatch {
        var m = HeaderMatch()
        for (i, raw) in header.enumerated() {
            let h = TextNormalizer.clean(raw).lowercased()
            if h.isEmpty { continue }
            let name: String
            if let j = columns.firstIndex(of: h) {
                name = columns[j]
            } else if let j = chineseHeaders.firstIndex(of: h) {
                name = columns[j]
            } else if let j = englishIndex[h] {
                name = columns[j]
            } else {
                m.ignored.append(TextNormalizer.clean(raw))
                continue
            }
            if m.map.values.contains(name) {
                m.duplicate = m.duplicate ?? name
                continue
            }
            m.map[i] = name
            m.used.append(.init(header: TextNormalizer.clean(raw), column: name))
        }
        return m
    }

    /// Maps each header cell to a column; every required column must be present, none twice. Cells that are not
    /// ours are left out of the map.
    public static func mapHeader(_ header: [String], row: Int = 1, sheet: String? = nil)
        -> Result<[Int: String], RowError>
    {
        let m = matchHeader(header)
        if let d = m.duplicate {
            return .failure(
                RowError(
                    row: row, column: d, code: "duplicate_column",
                    message: "column \(d) appears twice", sheet: sheet))
        }
        if let missing = m.missing {
            return .failure(
                RowError(
                    row: row, column: missing, code: "missing_column",
                    message: "required column \(missing) is missing", sheet: sheet))
        }
        return .success(m.map)
    }

    /// Checks one data row; every problem in it is reported, not only the first.
    public static func parse(_ cells: [String], row: Int, header: [Int: String], currentYear: Int = 2026)
        -> ParsedRow
    {
        parse(cells, row: row, slots: slots(header), currentYear: currentYear)
    }

    static func parse(_ cells: [String], row: Int, slots: [(cell: Int, column: Column)], currentYear: Int)
        -> ParsedRow
    {
        var v = SheetValues()
        for (i, column) in slots where i < cells.count { v.cells[column.rawValue] = TextNormalizer.clean(cells[i]) }
        var errors: [RowError] = []
        func fail(_ column: Column, _ code: String, _ message: String, value: String? = nil) {
            errors.append(
                RowError(
                    row: row, column: column.name, code: code, message: message,
                    values: value.map { ["value": $0, "max": String(currentYear)] } ?? [:]))
        }
        for c in requiredColumns where v.text(c).isEmpty { fail(c, "required", "\(c.name) is empty") }
        // Characters are counted only when the bytes could hold more than 100 of them.
        for c in placeAndRoom where v.text(c).utf8.count > 100 && v.text(c).count > 100 {
            fail(c, "too_long", "\(c.name) is longer than 100 characters")
        }
        var builtYear: Int?
        if let s = v[.builtYear], !s.isEmpty {
            if let y = TextNormalizer.integer(s.hasSuffix("年") ? String(s.dropLast()) : s), y >= 1900, y <= currentYear
            {
                builtYear = y
            } else {
                fail(
                    .builtYear, "invalid_year", "built_year “\(s)” is not a year between 1900 and \(currentYear)",
                    value: s)
            }
        }
        var floor: Int?
        if let s = v[.floor], !s.isEmpty {
            let t = s.hasSuffix("层") ? String(s.dropLast()) : s
            if let f = TextNormalizer.integer(t), f >= -5, f <= 200 {
                floor = f
            } else {
                fail(.floor, "invalid_floor", "floor “\(s)” is not a whole number", value: s)
            }
        }
        var area = Area(centi: 0)
        if let s = v[.area], !s.isEmpty {
            if let a = Area.parse(s), a.centi > 0, a.centi < 100_000_00 {
                area = a
            } else {
                fail(.area, "invalid_area", "area_m2 “\(s)” is not an area in m² with at most two decimals", value: s)
            }
        }
        var phone = ""
        if let s = v[.ownerPhone], !s.isEmpty {
            if let p = PersonalData.normalizePhone(s) {
                phone = p
            } else {
                fail(.ownerPhone, "invalid_phone", "owner_phone “\(s)” is not a phone number", value: s)
            }
        }
        let ownerName = v.text(.ownerName)
        if !phone.isEmpty && ownerName.isEmpty {
            fail(.ownerName, "required", "owner_phone is given but owner_name is empty")
        }
        // The same bound as a person's name typed on the household page.
        if ownerName.utf8.count > Self.ownerNameMax && ownerName.count > Self.ownerNameMax {
            fail(.ownerName, "name_too_long", "owner_name is longer than \(Self.ownerNameMax) characters")
        }
        var elsewhere = false
        if let s = v[.livesElsewhere] {
            if let b = TextNormalizer.yesNo(s) {
                elsewhere = b
            } else {
                fail(.livesElsewhere, "invalid_yes_no", "lives_elsewhere “\(s)” is not 是/否 (yes/no)", value: s)
            }
        }
        if !errors.isEmpty { return .bad(errors) }
        return .ok(
            HouseholdRow(
                row: row, community: v.text(.community), compound: v.text(.compound), address: v.text(.address),
                builtYear: builtYear, building: v.text(.building), entrance: v.text(.entrance), room: v.text(.room),
                floor: floor, area: area, ownerName: ownerName, ownerPhone: phone, livesElsewhere: elsewhere))
    }

    /// Checks the data rows in parallel slices (each row stands alone); nil for a blank row. Answers the slices in
    /// order, rather than copied into one list.
    static func parseRows(
        _ rows: ArraySlice<SheetSource.Line>, header: [Int: String], currentYear: Int, sheet: String?,
        progress: ImportProgressMeter? = nil
    )
        -> [[ParsedRow?]]
    {
        let data = rows
        let slots = slots(header)
        let slices = data.count > 20_000 ? 4 : (data.count >= RowBlock.size / 2 ? 2 : 1)
        let size = (data.count + slices - 1) / max(slices, 1)
        let results = SliceResults(count: slices)
        OwnThreads.perform(slices) { k in
            let lo = data.startIndex + k * size
            let hi = min(lo + size, data.endIndex)
            var out: [ParsedRow?] = []
            out.reserveCapacity(max(0, hi - lo))
            if lo < hi {
                // Told every `step` rows, so the meter's lock is taken a few hundred times for a city's sheet.
                var sinceReport = 0
                defer { if sinceReport > 0 { progress?.checked(adding: sinceReport) } }
                for i in lo..<hi {
                    if progress != nil {
                        sinceReport += 1
                        if sinceReport == ImportProgressMeter.step {
                            progress?.checked(adding: sinceReport)
                            sinceReport = 0
                        }
                    }
                    let line = rows[i]
                    if line.cells.allSatisfy({ $0.unicodeScalars.allSatisfy(TextNormalizer.isSpace) }) {
                        out.append(nil)
                        continue
                    }
                    var parsed = parse(line.cells, row: line.number, slots: slots, currentYear: currentYear)
                    if let sheet, case .bad(var errors) = parsed {
                        for j in errors.indices { errors[j].sheet = sheet }
                        parsed = .bad(errors)
                    }
                    out.append(parsed)
                }
            }
            results.set(k, out)
        }
        return results.take()
    }

    /// Parses a whole sheet (header first) and checks rows against each other:
    /// a household twice, or one compound given two addresses or build years.
    public static func parseSheet(_ rows: [[String]], currentYear: Int = 2026) throws -> (
        rows: [HouseholdRow], errors: [RowError]
    ) {
        let lines = rows.enumerated().compactMap { i, r in r.isEmpty ? nil : SheetSource.Line(number: i + 1, cells: r) }
        let result = try parseWorkbook([SheetSource(name: "", lines: lines)], currentYear: currentYear)
        return (result.rows, result.errors)
    }

    /// Rows above the header a sheet may have (titles, dates, blank rows).
    public static let headerSearchRows = 20
    /// The columns that may repeat the row above when left empty, in order from the widest.
    static let placeColumns = ["community", "compound", "building", "entrance"]

    /// Reads every sheet whose header can be found, checks each row and checks rows against each other,
    /// across sheets too; says how it read the file.
    ///
    /// With `emit`, good rows are handed out in order, a block of at most `RowBlock.size` at a time as soon as the
    /// block is checked (with the count of problems found so far), so that they can be written while later rows are
    /// still checked; the answer's `rows` is then empty.
    public static func parseWorkbook(
        _ sources: [SheetSource], currentYear: Int = 2026, progress: ImportProgressMeter? = nil,
        emit: ((_ rows: [HouseholdRow], _ problemsSoFar: Int) -> Void)? = nil
    ) throws
        -> (rows: [HouseholdRow], errors: [RowError], reading: SheetReading)
    {
        if let progress {
            let total = sources.reduce(0) { sum, source in
                sum + (findHeader(source).map { source.lines.count - $0.0 - 1 + (source.rest?.expected ?? 0) } ?? 0)
            }
            progress.begin(.checking, total: total)
        }
        var reading = SheetReading(isWorkbook: sources.contains { !$0.name.isEmpty })
        guard sources.contains(where: { !$0.lines.isEmpty }) else {
            let empty = RowError(row: 0, column: nil, code: "empty_file", message: "the file has no header row")
            return ([], [empty], reading)
        }
        var good: [HouseholdRow] = []
        var errors = RowErrorList()
        // Keyed by UTF-8 bytes: hashing non-ASCII Strings normalises them first, which a city's sheet cannot afford.
        var seenKeys: [ByteKey: (sheet: String, row: Int)] = [:]
        var compounds: [ByteKey: (sheet: String, row: HouseholdRow)] = [:]
        var lastCompound: (sheet: String, row: HouseholdRow)?
        for source in sources {
            let sheet = source.name.isEmpty ? nil : source.name
            func place(_ sheetName: String, _ row: Int) -> String {
                sheetName == source.name || sheetName.isEmpty ? "row \(row)" : "row \(row) of sheet \(sheetName)"
            }
            /// The earlier row a problem points at: its number, and its sheet when that is another sheet.
            func earlierRow(_ sheetName: String, _ row: Int) -> [String: String] {
                sheetName == source.name || sheetName.isEmpty
                    ? ["row": String(row)] : ["row": String(row), "sheet": sheetName]
            }
            guard let found = findHeader(source) else {
                reading.skipped.append(.init(name: source.name, reason: "no_header"))
                continue
            }
            let (headerIndex, match) = found
            let headerRow = source.lines[headerIndex].number
            switch mapHeader(source.lines[headerIndex].cells, row: headerRow, sheet: sheet) {
            case .failure(let e):
                errors.append(e)
                continue
            case .success: break
            }
            var read = SheetReading.Sheet(
                name: source.name, headerRow: headerRow, columns: match.used,
                ignored: match.ignored)
            for (index, count) in source.mergedCells {
                if let name = match.map[index] { read.merged[name, default: 0] += count }
            }
            var blocks = LineBlocks(
                source: source, after: headerIndex, size: emit == nil ? .max : RowBlock.size,
                header: match.map)
            seenKeys.reserveCapacity(seenKeys.count + blocks.expected)
            while let block = try blocks.next() {
                let slices = parseRows(
                    block, header: match.map, currentYear: currentYear, sheet: sheet, progress: progress)
                good.reserveCapacity(good.count + slices.reduce(0) { $0 + $1.count })
                for result in slices.joined() {
                    switch result {
                    case nil: continue
                    case .bad(let e):
                        errors.append(contentsOf: e)
                        read.rows += 1
                    case .ok(let r):
                        read.rows += 1
                        let rowNumber = r.row
                        let householdKey = ByteKey(r.key.bytes)
                        if let earlier = seenKeys[householdKey] {
                            errors.append(
                                RowError(
                                    row: rowNumber, column: "room", code: "duplicate_household",
                                    message: "household \(r.building)-\(r.entrance)-\(r.room) already appears in "
                                        + place(earlier.sheet, earlier.row), sheet: sheet,
                                    values: earlierRow(earlier.sheet, earlier.row).merging(
                                        ["household": "\(r.building)-\(r.entrance)-\(r.room)"]) { a, _ in a }))
                            continue
                        }
                        seenKeys[householdKey] = (source.name, rowNumber)
                        // Rows come compound by compound, so the compound is usually the one the row above found.
                        let first: (sheet: String, row: HouseholdRow)?
                        if let last = lastCompound, last.row.community.hasSameUTF8(as: r.community),
                            last.row.compound.hasSameUTF8(as: r.compound)
                        {
                            first = last
                        } else {
                            let ck = ByteKey(Array(r.community.utf8) + [0x1F] + Array(r.compound.utf8))
                            first = compounds[ck]
                            if first == nil { compounds[ck] = (source.name, r) }
                            lastCompound = first ?? (source.name, r)
                        }
                        if let (cs, c) = first {
                            if !r.address.isEmpty && !c.address.isEmpty && r.address != c.address {
                                errors.append(
                                    RowError(
                                        row: rowNumber, column: "address", code: "inconsistent_compound",
                                        message: "compound \(r.compound) has address “\(c.address)” in "
                                            + place(cs, c.row),
                                        sheet: sheet,
                                        values: earlierRow(cs, c.row).merging(
                                            ["compound": r.compound, "value": c.address]) { a, _ in a }))
                                continue
                            }
                            if let y = r.builtYear, let y0 = c.builtYear, y != y0 {
                                errors.append(
                                    RowError(
                                        row: rowNumber, column: "built_year", code: "inconsistent_compound",
                                        message: "compound \(r.compound) was built in \(y0) in " + place(cs, c.row),
                                        sheet: sheet,
                                        values: earlierRow(cs, c.row).merging(
                                            ["compound": r.compound, "value": String(y0)]) { a, _ in a }))
                                continue
                            }
                        }
                        good.append(r)
                    }
                }
                if let emit, !good.isEmpty {
                    emit(good, errors.count)
                    good = []
                }
            }
            read.filledDown = blocks.filledDown
            reading.sheets.append(read)
        }
        if reading.sheets.isEmpty && errors.isEmpty {
            let codes = required.sorted { columns.firstIndex(of: $0)! < columns.firstIndex(of: $1)! }
            let names = codes.map { chineseHeaders[index[$0]!] }.joined(separator: ", ")
            errors.append(
                RowError(
                    row: 0, column: nil, code: "no_header",
                    message:
                        "no sheet has a header row naming the columns \(names) in its first \(headerSearchRows) rows",
                    values: ["columns": codes.joined(separator: ","), "rows": String(headerSearchRows)]))
        }
        return (good, errors.listed, reading)
    }

    /// The header: the first of a sheet's first rows that names every required column. When none does, the row
    /// naming the most columns if it names at least half the required ones (a header with a column missing is an
    /// error, not a reason to skip the sheet); otherwise nil, and the sheet is not a household sheet.
    static func findHeader(_ source: SheetSource) -> (Int, HeaderMatch)? {
        var best: (Int, HeaderMatch)?
        for i in source.lines.indices.prefix(headerSearchRows) {
            let m = matchHeader(source.lines[i].cells)
            if m.missing == nil { return (i, m) }
            if m.requiredFound > (best?.1.requiredFound ?? 0) { best = (i, m) }
        }
        guard let best, best.1.requiredFound * 2 >= required.count else { return nil }
        return best
    }

    /// In CSV, where merged cells arrive as one value and empty cells below it, an empty community, compound,
    /// building or entrance cell repeats the row just above, but only when the row has a room, the row above is
    /// the line right before it (no blank row between) and every wider place of the two rows agrees, so a new
    /// compound never takes the building of the one above. Returns how many cells each column took.
    static func fillDown(_ lines: inout ArraySlice<SheetSource.Line>, header: [Int: String]) -> [String: Int] {
        let at = Dictionary(uniqueKeysWithValues: header.map { ($1, $0) })
        let places = placeColumns.compactMap { name in at[name].map { (name, $0) } }
        guard let roomIndex = at["room"], !places.isEmpty else { return [:] }
        var counts: [String: Int] = [:]
        func cell(_ cells: [String], _ i: Int) -> String { i < cells.count ? cells[i].trimmingWhitespace() : "" }
        var i = lines.startIndex + 1
        while i < lines.endIndex {
            defer { i += 1 }
            let above = lines[i - 1]
            guard above.number == lines[i].number - 1, !cell(lines[i].cells, roomIndex).isEmpty else { continue }
            var sameSoFar = true
            for (name, c) in places {
                let mine = cell(lines[i].cells, c)
                let theirs = cell(above.cells, c)
                if mine.isEmpty, sameSoFar, !theirs.isEmpty {
                    while lines[i].cells.count <= c { lines[i].cells.append("") }
                    lines[i].cells[c] = theirs
                    counts[name, default: 0] += 1
                } else if mine != theirs {
                    sameSoFar = false
                }
            }
        }
        return counts
    }
}

/// A sheet's lines after its header, a block at a time, read from its feed as they are wanted; with the empty place
/// cells of a CSV filled from the row above, across blocks too.
struct LineBlocks {
    let size: Int
    let header: [Int: String]
    let repeatsAbove: Bool
    var pending: [SheetSource.Line]
    /// Where the next block starts in `pending`: lines before it were handed out already.
    var start = 0
    var feed: LineFeed?
    /// The last line of the block before, as filled.
    var above: SheetSource.Line?
    var filledDown: [String: Int] = [:]
    let expected: Int

    init(source: SheetSource, after headerIndex: Int, size: Int, header: [Int: String]) {
        self.size = size
        self.header = header
        repeatsAbove = source.repeatsAbove
        pending = Array(source.lines[(headerIndex + 1)...])
        feed = source.rest
        expected = pending.count + (source.rest?.expected ?? 0)
    }

    mutating func next() throws -> ArraySlice<SheetSource.Line>? {
        while pending.count - start < size, let f = feed {
            if start > 0 {
                pending.removeFirst(start)
                start = 0
            }
            if let batch = try f.take() { pending += batch } else { feed = nil }
        }
        guard start < pending.count else { return nil }
        let n = min(size, pending.count - start)
        var block = pending[start..<start + n]
        start += n
        guard repeatsAbove else { return block }
        if let above {
            var withAbove = [above][...] + block
            let counts = RegistrySheet.fillDown(&withAbove, header: header)
            block = withAbove.dropFirst()
            filledDown.merge(counts, uniquingKeysWith: +)
        } else {
            filledDown.merge(RegistrySheet.fillDown(&block, header: header), uniquingKeysWith: +)
        }
        above = block.last
        return block
    }
}

/// One sheet to read: its name (empty for CSV), its non-empty lines with the row numbers the clerk sees,
/// and whether an empty place cell means "same as above" (CSV, where merged cells lose their merge).
public struct SheetSource: Sendable {
    public struct Line: Sendable {
        public var number: Int
        public var cells: [String]
        public init(number: Int, cells: [String]) {
            self.number = number
            self.cells = cells
        }
    }
    public var name: String
    /// The lines read; with `rest`, the first of them (at least the rows a header may be in, when there are).
    public var lines: [Line]
    public var repeatsAbove: Bool
    /// Cells the reader took from a merged range, by column index, for the report.
    public var mergedCells: [Int: Int]
    /// The lines after `lines`, read when they are wanted, so that a large file's first rows are checked (and
    /// written) while the rest is still read.
    public var rest: LineFeed?
    public init(
        name: String, lines: [Line], repeatsAbove: Bool = false, mergedCells: [Int: Int] = [:], rest: LineFeed? = nil
    ) {
        self.name = name
        self.lines = lines
        self.repeatsAbove = repeatsAbove
        self.mergedCells = mergedCells
        self.rest = rest
    }
}

/// A sheet's further lines, a batch at a time, from the one thread that checks the sheet.
public final class LineFeed: @unchecked Sendable {
    /// About how many lines are still to come, for the progress meter.
    public let expected: Int
    private let next: () throws -> [SheetSource.Line]?

    /// `next` answers the next batch of lines (possibly none), and nil at the end; it may throw when the file
    /// turns out to be unreadable further down.
    public init(expected: Int, next: @escaping () throws -> [SheetSource.Line]?) {
        self.expected = expected
        self.next = next
    }

    func take() throws -> [SheetSource.Line]? { try next() }
}

/// How a file was read: for each sheet read, its header row, the columns used and ignored, the rows read and the
/// cells that repeated the row above; and the sheets skipped. The dry run shows it so a clerk can check it.
public struct SheetReading: Sendable, Equatable, Codable {
    public struct Column: Sendable, Equatable, Codable {
        public var header: String
        public var column: String
    }
    public struct Sheet: Sendable, Equatable {
        public var name: String
        public var headerRow: Int
        public var columns: [Column]
        public var ignored: [String]
        public var rows = 0
        /// Empty place cells that repeated the row above (CSV), by column name.
        public var filledDown: [String: Int] = [:]
        /// Cells that took their value from a merged range (XLSX), by column name.
        public var merged: [String: Int] = [:]
    }
    public struct Skipped: Sendable, Equatable, Codable {
        public var name: String
        /// "no_header"
        public var reason: String
    }
    /// true for XLSX (sheets have names), false for CSV.
    public var isWorkbook: Bool
    public var sheets: [Sheet] = []
    public var skipped: [Skipped] = []
    public init(isWorkbook: Bool) { self.isWorkbook = isWorkbook }

    enum CodingKeys: String, CodingKey {
        case format, sheets, skippedSheets = "skipped_sheets"
    }
    enum SheetKeys: String, CodingKey {
        case name, headerRow = "header_row", rows, columns, ignoredColumns = "ignored_columns"
        case filledDown = "filled_down", merged
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(isWorkbook ? "xlsx" : "csv", forKey: .format)
        var list = c.nestedUnkeyedContainer(forKey: .sheets)
        for s in sheets {
            var sheet = list.nestedContainer(keyedBy: SheetKeys.self)
            try sheet.encode(s.name, forKey: .name)
            try sheet.encode(s.headerRow, forKey: .headerRow)
            try sheet.encode(s.rows, forKey: .rows)
            try sheet.encode(s.columns, forKey: .columns)
            try sheet.encode(s.ignored, forKey: .ignoredColumns)
            try sheet.encode(ColumnCounts(counts: s.filledDown), forKey: .filledDown)
            try sheet.encode(ColumnCounts(counts: s.merged), forKey: .merged)
        }
        try c.encode(skipped, forKey: .skippedSheets)
    }

    /// Reads back what `encode` wrote, as the import history keeps it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        isWorkbook = try c.decode(String.self, forKey: .format) == "xlsx"
        var list = try c.nestedUnkeyedContainer(forKey: .sheets)
        while !list.isAtEnd {
            let s = try list.nestedContainer(keyedBy: SheetKeys.self)
            sheets.append(
                Sheet(
                    name: try s.decode(String.self, forKey: .name),
                    headerRow: try s.decode(Int.self, forKey: .headerRow),
                    columns: try s.decode([Column].self, forKey: .columns),
                    ignored: try s.decode([String].self, forKey: .ignoredColumns),
                    rows: try s.decode(Int.self, forKey: .rows),
                    filledDown: try s.decode([String: Int].self, forKey: .filledDown),
                    merged: try s.decode([String: Int].self, forKey: .merged)))
        }
        skipped = try c.decode([Skipped].self, forKey: .skippedSheets)
    }

    /// Counts by column name, written in the sheet's column order.
    struct ColumnCounts: Encodable {
        var counts: [String: Int]
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            for column in RegistrySheet.columns {
                if let n = counts[column] { try c.encode(n, forKey: Key(stringValue: column)) }
            }
        }
    }
}
