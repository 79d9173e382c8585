import Foundation
import ZIPFoundation

/// Reads the worksheets of an .xlsx workbook and writes workbooks that Excel, WPS and openpyxl open.
/// An .xlsx is a zip of XML parts; only what a table needs is handled. Each part is scanned as it
/// inflates, never held whole, and reading stops at the limits in `SheetLimits`.
public enum XLSX {
    public enum Failure: Error, Equatable { case notAWorkbook(String) }

    /// The first worksheet as a dense table (empty rows included), for small files and tests.
    public static func read(_ bytes: [UInt8], limits: SheetLimits = .standard) throws -> [[String]] {
        try readWorkbook(bytes, limits: limits)[0].table
    }

    /// Every worksheet, in the workbook's order. A vertical merged range (a building merged down its
    /// rows) gives each of its rows the top cell's value.
    /// `progress`, when given, hears the rows read so far (all sheets together) every 2,000 rows.
    public static func readWorkbook(
        _ bytes: [UInt8], limits: SheetLimits = .standard, progress: ((Int) -> Void)? = nil
    ) throws -> [Worksheet] {
        let archive: Archive
        do { archive = try Archive(data: Data(bytes), accessMode: .read) } catch {
            throw Failure.notAWorkbook("the file is not an .xlsx workbook (not a zip archive)")
        }
        var inflated = 0
        /// Streams one part through the scanner; false when the workbook has no such part.
        func scan(_ path: String, _ handle: (XMLScanner, XMLScanner.Event) throws -> Void) throws -> Bool {
            guard let entry = archive[path] else { return false }
            // The size a zip declares is refused before inflating; the bytes inflated are counted too,
            // since it may lie.
            if entry.uncompressedSize > UInt64(max(0, limits.inflatedBytes - inflated)) {
                throw SheetLimitFailure.tooLarge(limit: limits.inflatedBytes)
            }
            let scanner = XMLScanner()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data in
                    inflated += data.count
                    if inflated > limits.inflatedBytes { throw SheetLimitFailure.tooLarge(limit: limits.inflatedBytes) }
                    try data.withUnsafeBytes { buffer in try scanner.feed(buffer) { try handle(scanner, $0) } }
                }
            } catch let e as SheetLimitFailure { throw e } catch let e as Failure { throw e } catch {
                throw Failure.notAWorkbook("the workbook's part \(path) cannot be unpacked")
            }
            return true
        }
        var shared: [String] = []
        _ = try scan("xl/sharedStrings.xml", SharedStringsReader(limits: limits) { shared.append($0) }.handle)
        var sheets: [Worksheet] = []
        var budget = CellBudget(limits: limits)
        for (name, path) in try sheetPaths(scan).prefix(limits.sheets) {
            let reader = SheetReader(shared: shared, limits: limits)
            let before = sheets.reduce(0) { $0 + $1.rows.count }
            if let progress { reader.progress = { progress(before + $0) } }
            guard try scan(path, reader.handle) else { continue }
            try reader.applyMerges()
            try budget.spend(reader.cellCount)
            sheets.append(Worksheet(name: name, rows: reader.rows, mergedCells: reader.mergedCells))
        }
        progress?(sheets.reduce(0) { $0 + $1.rows.count })
        guard !sheets.isEmpty else { throw Failure.notAWorkbook("the workbook has no worksheet") }
        return sheets
    }

    /// The sheets named in workbook.xml, through their relationships; sheet1.xml when there is no workbook part.
    static func sheetPaths(_ scan: (String, (XMLScanner, XMLScanner.Event) throws -> Void) throws -> Bool)
        throws -> [(name: String, path: String)]
    {
        var sheets: [(name: String, id: String)] = []
        var targets: [String: String] = [:]
        let hasWorkbook = try scan("xl/workbook.xml") { _, event in
            if case .start("sheet", let a, _) = event, let id = a["id"] { sheets.append((a["name"] ?? "", id)) }
        }
        _ = try scan("xl/_rels/workbook.xml.rels") { _, event in
            if case .start("Relationship", let a, _) = event, let id = a["Id"], let t = a["Target"] { targets[id] = t }
        }
        guard hasWorkbook else { return [("Sheet1", "xl/worksheets/sheet1.xml")] }
        return sheets.compactMap { sheet in
            guard var target = targets[sheet.id] else { return nil }
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            return (sheet.name, target)
        }
    }

    // MARK: writing

    /// A cell to write: numbers are stored as numbers, everything else as text.
    public enum Cell: Sendable { case text(String), number(String) }

    /// One worksheet: a bold, frozen header row and the rows under it.
    public struct Sheet: Sendable {
        public var name: String, header: [String], rows: [[Cell]]
        public init(name: String, header: [String], rows: [[Cell]]) {
            self.name = name
            self.header = header
            self.rows = rows
        }
    }

    public static func write(header: [String], rows: [[Cell]], sheetName: String = "Sheet1") throws -> Data {
        try write(sheets: [Sheet(name: sheetName, header: header, rows: rows)])
    }

    /// A zip of text parts, deflated: what an .xlsx is made of.
    public static func zip(_ parts: [(path: String, text: String)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count),
                compressionMethod: .deflate
            ) { pos, size in data.subdata(in: Int(pos)..<Int(pos) + size) }
        }
        guard let data = archive.data else { throw Failure.notAWorkbook("could not assemble the workbook") }
        return data
    }

    public static func write(sheets: [Sheet]) throws -> Data {
        var parts: [(path: String, text: String)] = []
        func add(_ path: String, _ text: String) { parts.append((path, text)) }
        add(
            "[Content_Types].xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """)
        add(
            "_rels/.rels",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """)
        add(
            "xl/workbook.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(sheets.enumerated().map { "<sheet name=\"\(escape($1.name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined())</sheets></workbook>
            """)
        add(
            "xl/_rels/workbook.xml.rels",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())<Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """)
        add(
            "xl/styles.xml",
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf fontId="0" xfId="0"/><xf fontId="1" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """)
        for (n, ws) in sheets.enumerated() {
            var sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            sheet +=
                "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" state=\"frozen\"/></sheetView></sheetViews><sheetData>"
            sheet += rowXML(1, ws.header.map { .text($0) }, style: 1)
            for (i, r) in ws.rows.enumerated() { sheet += rowXML(i + 2, r, style: 0) }
            sheet += "</sheetData></worksheet>"
            add("xl/worksheets/sheet\(n + 1).xml", sheet)
        }
        return try zip(parts)
    }

    static func rowXML(_ n: Int, _ cells: [Cell], style: Int) -> String {
        var s = "<row r=\"\(n)\">"
        for (i, c) in cells.enumerated() {
            let ref = columnName(i) + String(n)
            let st = style > 0 ? " s=\"\(style)\"" : ""
            switch c {
            case .number(let v) where !v.isEmpty: s += "<c r=\"\(ref)\"\(st)><v>\(v)</v></c>"
            case .number: continue
            case .text(let v) where v.isEmpty: continue
            case .text(let v): s += "<c r=\"\(ref)\"\(st) t=\"inlineStr\"><is><t>\(escape(v))</t></is></c>"
            }
        }
        return s + "</row>"
    }

    public static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// A cell reference's column and row ("AB12" is column 27, row 12), each within Excel's grid;
    /// either may be absent ("AB", "12"). Anything else, or anything past the grid, is refused.
    static func cellReference(_ ref: String) throws -> (column: Int?, row: Int?) {
        var column = 0
        var row = 0
        var letters = 0
        var digits = 0
        for u in ref.utf8 {
            switch u {
            case 0x41...0x5A where digits == 0:
                letters += 1
                guard letters <= 3 else { throw SheetLimitFailure.badReference(String(ref.prefix(20))) }
                column = column * 26 + Int(u - 0x40)
            case 0x30...0x39:
                digits += 1
                guard digits <= 7 else { throw SheetLimitFailure.badReference(String(ref.prefix(20))) }
                row = row * 10 + Int(u - 0x30)
            case 0x24: continue  // "$A$1"
            default: throw SheetLimitFailure.badReference(String(ref.prefix(20)))
            }
        }
        guard column <= SheetLimits.excelColumns, row <= SheetLimits.excelRows, digits == 0 || row > 0 else {
            throw SheetLimitFailure.badReference(String(ref.prefix(20)))
        }
        return (letters > 0 ? column - 1 : nil, digits > 0 ? row : nil)
    }

    /// XML text and attribute values, with the control characters XML 1.0 forbids dropped; Open311's XML uses it too.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // XML 1.0 forbids most control characters.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Excel stores 85.6 as 85.599999999999994; the shortest form that reads back the same is what was typed.
    static func numberText(_ raw: String) -> String {
        guard let d = Double(raw), d.isFinite else { return raw }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// Collects shared strings; phonetic runs (<rPh>, furigana/pinyin guides) are not part of the text.
private final class SharedStringsReader {
    let limits: SheetLimits
    let add: (String) -> Void
    var current = ""
    var phonetic = false
    var count = 0
    init(limits: SheetLimits, add: @escaping (String) -> Void) {
        self.limits = limits
        self.add = add
    }

    func handle(_ scanner: XMLScanner, _ event: XMLScanner.Event) throws {
        switch event {
        case .start("si", _, _): current = ""
        case .start("rPh", _, _): phonetic = true
        case .end("rPh"): phonetic = false
        case .start("t", _, _) where !phonetic:
            scanner.collectingText = true
            scanner.clearText()
        case .end("t") where scanner.collectingText:
            scanner.collectingText = false
            current += scanner.textString
        case .end("si"):
            count += 1
            if count > limits.cells { throw SheetLimitFailure.tooManyCells(limit: limits.cells) }
            add(current)
        default: break
        }
    }
}

/// Reads one worksheet's rows as its XML streams past, refusing a row or column past the limits
/// as soon as it appears.
private final class SheetReader {
    let shared: [String]
    let limits: SheetLimits
    var rows: [Worksheet.Row] = []
    var cellCount = 0
    var row: [String] = []
    var rowNumber = 0
    var column = 0
    var type = ""
    var hasValue = false
    var merges: [(column: Int, first: Int, last: Int)] = []
    var mergedCells: [Int: Int] = [:]
    /// Hears this sheet's rows read so far, every 2,000 rows.
    var progress: ((Int) -> Void)?

    init(shared: [String], limits: SheetLimits) {
        self.shared = shared
        self.limits = limits
    }

    func handle(_ scanner: XMLScanner, _ event: XMLScanner.Event) throws {
        switch event {
        case .start("row", let a, _):
            // Row numbers stay true to the sheet, so errors point at the row the clerk sees.
            var r = rowNumber + 1
            if let text = a["r"] {
                guard text.utf8.count <= 9, let n = Int(text), n > 0 else { throw SheetLimitFailure.badReference(text) }
                r = n
            }
            if r > limits.rows { throw SheetLimitFailure.tooManyRows(row: r, limit: limits.rows) }
            rowNumber = r
            row = []
        case .start("c", let a, _):
            column = try a["r"].flatMap { try XLSX.cellReference($0).column } ?? row.count
            type = a["t"] ?? "n"
            hasValue = false
            scanner.clearText()
        case .start("v", _, _), .start("t", _, _):
            scanner.collectingText = true
            hasValue = true
        case .end("v"), .end("t"):
            scanner.collectingText = false
        case .end("c"):
            guard hasValue else { return }
            let text = scanner.textString
            var value = text
            switch type {
            case "s":
                guard let i = Int(text), i >= 0, i < shared.count else {
                    throw XLSX.Failure.notAWorkbook("a cell points at a missing shared string")
                }
                value = shared[i]
            case "b": value = text == "1" ? "是" : "否"
            case "n": value = XLSX.numberText(text)
            default: break
            }
            guard !value.isEmpty else { return }
            if column >= limits.columns {
                throw SheetLimitFailure.tooManyColumns(
                    row: rowNumber, column: XLSX.columnName(column),
                    limit: limits.columns)
            }
            while row.count < column { row.append("") }
            if row.count == column { row.append(value) } else { row[column] = value }
        case .end("row"):
            if !row.isEmpty {
                cellCount += row.count
                if cellCount > limits.cells { throw SheetLimitFailure.tooManyCells(limit: limits.cells) }
                rows.append(Worksheet.Row(number: rowNumber, cells: row))
                if let progress, rows.count % 2000 == 0 { progress(rows.count) }
            }
            row = []
        case .start("mergeCell", let a, _):
            let parts = (a["ref"] ?? "").split(separator: ":")
            guard parts.count == 2 else { return }
            let from = try XLSX.cellReference(String(parts[0]))
            let to = try XLSX.cellReference(String(parts[1]))
            // Only a range down one column is a value repeated down its rows; a title merged across stays in
            // its first cell.
            guard let c = from.column, c == to.column, c < limits.columns, let r1 = from.row, let r2 = to.row, r2 > r1
            else { return }
            merges.append((c, r1, r2))
        default: break
        }
    }

    /// Gives every row of a vertical merged range the value of its top cell, visiting only rows the sheet has.
    func applyMerges() throws {
        guard !merges.isEmpty else { return }
        if !rows.indices.dropFirst().allSatisfy({ rows[$0 - 1].number < rows[$0].number }) {
            rows.sort { $0.number < $1.number }
        }
        var visits = 0
        for m in merges {
            guard let top = firstIndex(atOrAfter: m.first), rows[top].number == m.first,
                m.column < rows[top].cells.count
            else { continue }
            let value = rows[top].cells[m.column]
            var i = top + 1
            while i < rows.count, rows[i].number <= m.last {
                visits += 1
                if visits > limits.cells { throw SheetLimitFailure.tooManyCells(limit: limits.cells) }
                if rows[i].cells.count <= m.column {
                    let added = m.column + 1 - rows[i].cells.count
                    cellCount += added
                    rows[i].cells += [String](repeating: "", count: added)
                }
                if rows[i].cells[m.column].isEmpty {
                    rows[i].cells[m.column] = value
                    mergedCells[m.column, default: 0] += 1
                }
                i += 1
            }
        }
        if cellCount > limits.cells { throw SheetLimitFailure.tooManyCells(limit: limits.cells) }
    }

    func firstIndex(atOrAfter number: Int) -> Int? {
        var lo = 0
        var hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid].number < number { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count ? lo : nil
    }
}
