import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the first worksheet of an .xlsx workbook and writes a one-sheet workbook that Excel,
/// WPS and openpyxl open. An .xlsx is a zip of XML parts; only what a table needs is handled.
public enum XLSX {
    public enum Failure: Error, Equatable { case notAWorkbook(String) }

    public static func read(_ bytes: [UInt8]) throws -> [[String]] {
        let archive: Archive
        do { archive = try Archive(data: Data(bytes), accessMode: .read) } catch {
            throw Failure.notAWorkbook("the file is not an .xlsx workbook (not a zip archive)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            return data
        }
        let sheetPath = try firstSheetPath(part) ?? "xl/worksheets/sheet1.xml"
        guard let sheet = try part(sheetPath) else {
            throw Failure.notAWorkbook("the workbook has no worksheet")
        }
        let shared = try part("xl/sharedStrings.xml").map(SharedStringsParser.parse) ?? []
        return try SheetParser.parse(sheet, shared: shared)
    }

    /// The first sheet named in workbook.xml, through its relationship.
    static func firstSheetPath(_ part: (String) throws -> Data?) throws -> String? {
        guard let wb = try part("xl/workbook.xml"), let rels = try part("xl/_rels/workbook.xml.rels") else { return nil }
        let sheets = AttributeCollector.collect(wb, element: "sheet")
        guard let rid = sheets.first?["r:id"] else { return nil }
        let rel = AttributeCollector.collect(rels, element: "Relationship").first { $0["Id"] == rid }
        guard var target = rel?["Target"] else { return nil }
        if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
        return target
    }

    // MARK: writing

    /// A cell to write: numbers are stored as numbers, everything else as text.
    public enum Cell: Sendable { case text(String), number(String) }

    /// One worksheet: a bold, frozen header row and the rows under it.
    public struct Sheet: Sendable {
        public var name: String, header: [String], rows: [[Cell]]
        public init(name: String, header: [String], rows: [[Cell]]) { self.name = name; self.header = header; self.rows = rows }
    }

    public static func write(header: [String], rows: [[Cell]], sheetName: String = "Sheet1") throws -> Data {
        try write(sheets: [Sheet(name: sheetName, header: header, rows: rows)])
    }

    public static func write(sheets: [Sheet]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                compressionMethod: .deflate) { pos, size in data.subdata(in: Int(pos)..<Int(pos) + size) }
        }
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """)
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(sheets.enumerated().map { "<sheet name=\"\(escape($1.name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined())</sheets></workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())<Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """)
        try add("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf fontId="0" xfId="0"/><xf fontId="1" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """)
        for (n, ws) in sheets.enumerated() {
            var sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            sheet += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" state=\"frozen\"/></sheetView></sheetViews><sheetData>"
            sheet += rowXML(1, ws.header.map { .text($0) }, style: 1)
            for (i, r) in ws.rows.enumerated() { sheet += rowXML(i + 2, r, style: 0) }
            sheet += "</sheetData></worksheet>"
            try add("xl/worksheets/sheet\(n + 1).xml", sheet)
        }
        guard let data = archive.data else { throw Failure.notAWorkbook("could not assemble the workbook") }
        return data
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

    static func columnIndex(_ ref: String) -> Int? {
        var n = 0
        var any = false
        for u in ref.unicodeScalars {
            guard u.value >= 65 && u.value <= 90 else { break }
            n = n * 26 + Int(u.value - 64)
            any = true
        }
        return any ? n - 1 : nil
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

private final class AttributeCollector: NSObject, XMLParserDelegate {
    let element: String
    var found: [[String: String]] = []
    init(element: String) { self.element = element }
    static func collect(_ data: Data, element: String) -> [[String: String]] {
        let c = AttributeCollector(element: element)
        let p = XMLParser(data: data)
        p.delegate = c
        _ = p.parse()
        return c.found
    }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]) {
        if name == element { found.append(attributes) }
    }
}

private final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inT = false
    static func parse(_ data: Data) throws -> [String] {
        let c = SharedStringsParser()
        let p = XMLParser(data: data)
        p.delegate = c
        guard p.parse() else { throw XLSX.Failure.notAWorkbook("the workbook's shared strings cannot be read") }
        return c.strings
    }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]) {
        if name == "si" { current = "" } else if name == "t" { inT = true }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inT { current += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "t" { inT = false } else if name == "si" { strings.append(current) }
    }
}

private final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [[String]] = []
    var row: [String] = []
    var rowNumber = 0
    var col = 0
    var type = ""
    var text = ""
    var collecting = false
    var failure: XLSX.Failure?

    init(shared: [String]) { self.shared = shared }

    static func parse(_ data: Data, shared: [String]) throws -> [[String]] {
        let c = SheetParser(shared: shared)
        let p = XMLParser(data: data)
        p.delegate = c
        let ok = p.parse()
        if let f = c.failure { throw f }
        guard ok else { throw XLSX.Failure.notAWorkbook("the worksheet's XML is broken") }
        return c.rows
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]) {
        switch name {
        case "row":
            // Keep row numbers true to the sheet, so errors point at the row the clerk sees.
            let r = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            while rowNumber + 1 < r { rows.append([]); rowNumber += 1 }
            rowNumber = r
            row = []
        case "c":
            col = attributes["r"].flatMap(XLSX.columnIndex) ?? row.count
            type = attributes["t"] ?? "n"
            text = ""
        case "v", "t":
            collecting = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if collecting { text += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": collecting = false
        case "c":
            var value = text
            switch type {
            case "s":
                guard let i = Int(text), i >= 0, i < shared.count else {
                    failure = .notAWorkbook("a cell points at a missing shared string"); parser.abortParsing(); return
                }
                value = shared[i]
            case "b": value = text == "1" ? "是" : "否"
            case "n": value = XLSX.numberText(text)
            default: break
            }
            while row.count < col { row.append("") }
            if row.count == col { row.append(value) } else if col < row.count { row[col] = value }
        case "row": rows.append(row)
        default: break
        }
    }
}
