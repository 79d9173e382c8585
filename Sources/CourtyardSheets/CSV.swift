/// RFC 4180 CSV over UTF-8 bytes: quoted fields, doubled quotes, CRLF or LF, embedded newlines.
/// Works on bytes because a city's sheet has hundreds of thousands of rows.
public enum CSV {
    public enum Failure: Error, Equatable { case unterminatedQuote(line: Int) }

    public static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quotedField = false
        var line = 1
        var quoteStartLine = 1
        let utf8 = Array(text.utf8)
        var i = 0
        let n = utf8.count
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quotedField = false
        }
        while i < n {
            let b = utf8[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < n && utf8[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 0x22 where field.isEmpty && !quotedField:
                inQuotes = true; quotedField = true; quoteStartLine = line
            case 0x2C:
                endField()
            case 0x0D:
                break
            case 0x0A:
                endField(); rows.append(row); row = []; line += 1
            default:
                field.append(b)
            }
            i += 1
        }
        if inQuotes { throw Failure.unterminatedQuote(line: quoteStartLine) }
        if !field.isEmpty || !row.isEmpty || quotedField { endField(); rows.append(row) }
        return rows
    }

    /// Writes rows with quoting only where a field needs it; a leading BOM makes Excel read UTF-8.
    public static func write(_ rows: [[String]], bom: Bool = true) -> String {
        var out = bom ? "\u{FEFF}" : ""
        for r in rows {
            out += r.map(quote).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    public static func quote(_ f: String) -> String {
        // A leading = + - @ would run as a formula in Excel; prefix a quote mark so it stays text.
        var f = f
        if let c = f.first, "=+@".contains(c) || (c == "-" && f.count > 1 && !f.dropFirst().allSatisfy({ $0.isNumber || $0 == "." })) {
            f = "'" + f
        }
        if f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return f
    }
}
