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
        return Worksheet(name: name, rows: numbered(rows, after: 0))
    }

    /// The non-empty rows, numbered as a spreadsheet numbers them, the first being row `after + 1`.
    static func numbered(_ rows: [[String]], after: Int) -> [Worksheet.Row] {
        var out: [Worksheet.Row] = []
        out.reserveCapacity(rows.count)
        for (k, r) in rows.enumerated() where !r.isEmpty { out.append(.init(number: after + k + 1, cells: r)) }
        return out
    }

    static func parse(bytes utf8: UnsafeBufferPointer<UInt8>, limits: SheetLimits, progress: ((Int) -> Void)? = nil)
        throws -> [[String]]
    {
        // A file of too many rows is refused before any row is kept: counted, it takes no memory; read, it would
        // take several times its size before the limit was met.
        if rowCount(utf8, stoppingAfter: limits.rows) > limits.rows {
            throw SheetLimitFailure.tooManyRows(row: limits.rows + 1, limit: limits.rows)
        }
        var position = Position()
        return try parse(bytes: utf8, limits: limits, progress: progress, from: &position)
    }

    /// The rows `parse` would read, blank ones included, counted by the same quoting rules (a quote opens a quoted
    /// value only at a value's start, and a doubled quote inside one is a quote); stops once past `limit`.
    static func rowCount(_ utf8: UnsafeBufferPointer<UInt8>, stoppingAfter limit: Int) -> Int {
        var rows = 0
        var inQuotes = false
        var atStart = true
        var trailing = false
        var i = 0
        let n = utf8.count
        while i < n {
            let b = utf8[i]
            i += 1
            if inQuotes {
                if b == 0x22 {
                    if i < n && utf8[i] == 0x22 { i += 1 } else { inQuotes = false }
                }
                continue
            }
            switch b {
            case 0x22 where atStart: (inQuotes, atStart, trailing) = (true, false, true)
            case 0x2C: (atStart, trailing) = (true, true)
            case 0x0A:
                rows += 1
                if rows > limit { return rows }
                (atStart, trailing) = (true, false)
            case 0x0D: break
            default: (atStart, trailing) = (false, true)
            }
        }
        return trailing || inQuotes ? rows + 1 : rows
    }

    /// Where a reading stopped: always at the start of a row.
    struct Position {
        var offset = 0
        var line = 1
        /// Rows read before, blank ones included.
        var rows = 0
        var cells = 0
        var finished = false
    }

    /// Reads on from `position`, at most `maxRows` rows, and moves `position` past them.
    static func parse(
        bytes utf8: UnsafeBufferPointer<UInt8>, limits: SheetLimits, progress: ((Int) -> Void)? = nil,
        from position: inout Position, maxRows: Int = .max
    ) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        // A field is read straight from the text between `start` and the delimiter while it is plain; once it has a
        // quote or a carriage return its bytes are gathered in `field` instead.
        var field: [UInt8] = []
        var plain = true
        var start = position.offset
        var pendingEmpty = 0
        var budget = CellBudget(limits: limits)
        budget.used = position.cells
        var inQuotes = false
        var quotedField = false
        var line = position.line
        var quoteStartLine = line
        var i = position.offset
        let before = position.rows
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
                    row: before + rows.count + 1, column: XLSX.columnName(column),
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
            let total = before + rows.count
            if total > limits.rows { throw SheetLimitFailure.tooManyRows(row: total, limit: limits.rows) }
            if let progress, total % 2000 == 0 { progress(total) }
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
                if rows.count >= maxRows {
                    position = Position(offset: i + 1, line: line, rows: before + rows.count, cells: budget.used)
                    return rows
                }
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
        position = Position(offset: n, line: line, rows: before + rows.count, cells: budget.used, finished: true)
        progress?(position.rows)
        return rows
    }

    /// Reads a CSV's rows a batch at a time, so that the first rows of a large file can be at work while the rest
    /// is still read. The limits hold across the batches as over a whole reading.
    public struct Reader: Sendable {
        let bytes: [UInt8]
        let limits: SheetLimits
        var position = Position()

        /// `utf8`: the file's text as UTF-8 (`TextDecoding.utf8`).
        public init(utf8: [UInt8], limits: SheetLimits = .standard) {
            self.bytes = utf8
            self.limits = limits
        }

        /// The next non-empty rows among the next `count` rows, numbered as a spreadsheet numbers them; nil once
        /// the file is read.
        public mutating func next(rows count: Int) throws -> [Worksheet.Row]? {
            guard !position.finished else { return nil }
            let first = position.rows
            var at = position
            defer { position = at }
            let rows = try bytes.withUnsafeBufferPointer { [limits] in
                try CSV.parse(bytes: $0, limits: limits, from: &at, maxRows: max(count, 1))
            }
            return CSV.numbered(rows, after: first)
        }

        /// Rows read so far, blank ones included.
        public var rowsRead: Int { position.rows }

        /// About how many rows are still to come: the line ends left in the file (a quoted cell may hold more).
        public var rowsLeft: Int {
            guard !position.finished else { return 0 }
            var count = 0
            for b in bytes[position.offset...] where b == 0x0A { count += 1 }
            return count + 1
        }
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
