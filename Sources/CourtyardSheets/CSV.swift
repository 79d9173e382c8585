/// RFC 4180 CSV over UTF-8 bytes: quoted fields, doubled quotes, CRLF or LF, embedded newlines.
/// Works on bytes because a city's sheet has hundreds of thousands of rows.
public enum CSV {
    public enum Failure: Error, Equatable { case unterminatedQuote(line: Int) }

    /// The rows of a CSV text, blank rows as empty arrays. Empty cells after a row's last value are
    /// never stored, and a value past `limits.columns` or a row past `limits.rows` stops the reading.
    public static func parse(_ text: String, limits: SheetLimits = .standard) throws -> [[String]] {
        var text = text
        return try text.withUTF8 { try parse(bytes: $0, limits: limits) }
    }

    /// The CSV as a worksheet of its non-empty rows, numbered as a spreadsheet numbers them.
    /// `progress`, when given, hears the rows read so far every 2,000 rows.
    public static func read(
        _ text: String, name: String = "", limits: SheetLimits = .standard, progress: ((Int) -> Void)? = nil
    ) throws -> Worksheet {
        var text = text
        let rows = try text.withUTF8 { try parse(bytes: $0, limits: limits, progress: progress) }
        var out: [Worksheet.Row] = []
        for (i, r) in rows.enumerated() where !r.isEmpty { out.append(.init(number: i + 1, cells: r)) }
        return Worksheet(name: name, rows: out)
    }

    static func parse(bytes utf8: UnsafeBufferPointer<UInt8>, limits: SheetLimits, progress: ((Int) -> Void)? = nil)
        throws -> [[String]]
    {
        var rows: [[String]] = []
        var row: [String] = []
        // A field is read straight from the text between `start` and the delimiter while it is plain; once it has a
        // quote or a carriage return its bytes are gathered in `field` instead.
        var field: [UInt8] = []
        var plain = true
        var start = 0
        var pendingEmpty = 0
        var budget = CellBudget(limits: limits)
        var inQuotes = false
        var quotedField = false
        var line = 1
        var quoteStartLine = 1
        var i = 0
        let n = utf8.count
        func fieldIsEmpty(_ end: Int) -> Bool { plain ? start == end : field.isEmpty }
        func endField(_ end: Int) throws {
            defer {
                field.removeAll(keepingCapacity: true)
                quotedField = false
                plain = true
                start = end + 1
            }
            guard !fieldIsEmpty(end) else {
                pendingEmpty += 1
                return
            }
            let column = row.count + pendingEmpty
            if column >= limits.columns {
                throw SheetLimitFailure.tooManyColumns(
                    row: rows.count + 1, column: XLSX.columnName(column),
                    limit: limits.columns)
            }
            try budget.spend(pendingEmpty + 1)
            if pendingEmpty > 0 {
                row += [String](repeating: "", count: pendingEmpty)
                pendingEmpty = 0
            }
            if plain {
                row.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<end]), as: UTF8.self))
            } else {
                row.append(String(decoding: field, as: UTF8.self))
            }
        }
        func endRow() throws {
            rows.append(row)
            row = []
            row.reserveCapacity(rows[rows.count - 1].count)
            pendingEmpty = 0
            if rows.count > limits.rows { throw SheetLimitFailure.tooManyRows(row: rows.count, limit: limits.rows) }
            if let progress, rows.count % 2000 == 0 { progress(rows.count) }
        }
        func gather(_ end: Int) {
            guard plain else { return }
            field.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<end]))
            plain = false
        }
        while i < n {
            let b = utf8[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < n && utf8[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 0x22 where fieldIsEmpty(i) && !quotedField:
                gather(i)
                inQuotes = true
                quotedField = true
                quoteStartLine = line
            case 0x2C:
                try endField(i)
            case 0x0D:
                gather(i)
            case 0x0A:
                try endField(i)
                try endRow()
                line += 1
            default:
                if !plain { field.append(b) }
            }
            i += 1
        }
        if inQuotes { throw Failure.unterminatedQuote(line: quoteStartLine) }
        if !fieldIsEmpty(n) || !row.isEmpty || pendingEmpty > 0 || quotedField {
            try endField(n)
            try endRow()
        }
        progress?(rows.count)
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
        if let c = f.first,
            "=+@".contains(c) || (c == "-" && f.count > 1 && !f.dropFirst().allSatisfy({ $0.isNumber || $0 == "." }))
        {
            f = "'" + f
        }
        if f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return f
    }
}
