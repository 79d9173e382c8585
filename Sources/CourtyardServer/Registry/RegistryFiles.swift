import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird

/// The household sheet as files: reading CSV (UTF-8 or GB18030) or XLSX, and writing both.
public enum RegistryFiles {
    /// The sheets of a file: every worksheet of an XLSX (recognised by its zip signature, whatever the file is
    /// called), or the one sheet of a CSV, in which an empty place cell repeats the row above.
    public static func readSheets(
        _ bytes: [UInt8], limits: SheetLimits = .standard, progress: ImportProgressMeter? = nil
    ) throws -> [SheetSource] {
        let rowsRead: ((Int) -> Void)? = progress.map { meter in { meter.read($0) } }
        try refuseOldWorkbook(bytes)
        if isWorkbook(bytes) {
            return try XLSX.readWorkbook(bytes, limits: limits, progress: rowsRead).map {
                SheetSource(name: $0.name, lines: lines($0.rows), mergedCells: $0.mergedCells)
            }
        }
        let sheet = try CSV.read(try TextDecoding.decode(bytes), limits: limits, progress: rowsRead)
        return [SheetSource(name: "", lines: lines(sheet.rows), repeatsAbove: true)]
    }

    /// A worksheet's rows as the sheet's checker takes them.
    static func lines(_ rows: [Worksheet.Row]) -> [SheetSource.Line] {
        rows.map { .init(number: $0.number, cells: $0.cells) }
    }

    /// Reads and checks a sheet; `progress`, when given, hears the rows read, then the rows checked.
    public static func parse(
        _ bytes: [UInt8], currentYear: Int = Calendar(identifier: .gregorian).component(.year, from: Date()),
        progress: ImportProgressMeter? = nil
    )
        throws -> (rows: [HouseholdRow], errors: [RowError], reading: SheetReading)
    {
        try RegistrySheet.parseWorkbook(
            try readSheets(bytes, progress: progress), currentYear: currentYear, progress: progress)
    }

    /// Reads and checks a sheet for an import that writes while it reads (`RegistryImporter.run(streaming:)`): good
    /// rows are handed on a block at a time as soon as they are checked, and a CSV is read a block at a time too,
    /// so that its first rows are written while the rest is still read.
    public static func streaming(
        _ bytes: [UInt8], currentYear: Int = Calendar(identifier: .gregorian).component(.year, from: Date()),
        progress: ImportProgressMeter? = nil
    ) -> RegistryImporter.SheetRows {
        { emit in
            try refuseOldWorkbook(bytes)
            let sources = try isWorkbook(bytes) ? readSheets(bytes, progress: progress) : [csvFeed(bytes, progress)]
            let parsed = try RegistrySheet.parseWorkbook(
                sources, currentYear: currentYear, progress: progress, emit: emit)
            return (parsed.errors, parsed.reading)
        }
    }

    static func isWorkbook(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// A workbook saved in Excel 97–2003's format (.xls, a compound document) is not read: the person is told to
    /// save it as .xlsx or CSV, rather than that it is not text.
    static func refuseOldWorkbook(_ bytes: [UInt8]) throws {
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { throw OldWorkbook() }
    }

    /// An .xls workbook (Excel 97–2003).
    struct OldWorkbook: Error {}

    /// A CSV's first rows (at least those its header may be in), and a feed of the rest, a block at a time.
    static func csvFeed(
        _ bytes: [UInt8], _ progress: ImportProgressMeter?, limits: SheetLimits = .standard
    ) throws -> SheetSource {
        var reader = CSV.Reader(utf8: try TextDecoding.utf8(bytes), limits: limits)
        var first: [SheetSource.Line] = []
        while first.count < RegistrySheet.headerSearchRows, let rows = try reader.next(rows: RowBlock.size) {
            first += lines(rows)
        }
        progress?.read(reader.rowsRead)
        // Line ends are an estimate of the rows to come (a quoted cell may hold some); never more than may come.
        let feed = LineFeed(expected: min(reader.rowsLeft, max(0, limits.rows - reader.rowsRead))) {
            guard let rows = try reader.next(rows: RowBlock.size) else { return nil }
            progress?.read(reader.rowsRead)
            return lines(rows)
        }
        return SheetSource(name: "", lines: first, repeatsAbove: true, rest: feed)
    }

    /// How a sheet is headed: by the column names (for programs), or in words a person reads, Chinese or English;
    /// import reads all three.
    public enum Headers: Sendable {
        case names, chinese, english

        /// For a person reading a page in `lang`.
        public static func words(_ lang: Lang) -> Headers { lang == .zh ? .chinese : .english }

        var row: [String] {
            switch self {
            case .names: RegistrySheet.columns
            case .chinese: RegistrySheet.chineseHeaders
            case .english: RegistrySheet.englishHeaders
            }
        }
    }

    /// The sheet headed as asked (by default with the column names import reads).
    public static func csv(_ rows: [HouseholdRow], headers: Headers = .names) -> Data {
        Data(CSV.write([headers.row] + rows.map(\.cells)).utf8)
    }

    public static func xlsx(_ rows: [HouseholdRow], headers: Headers = .names) throws -> Data {
        let numeric: Set<Int> = [3, 7, 8]  // built_year, floor, area_m2
        return try XLSX.write(
            header: headers.row,
            rows: rows.map { r in
                r.cells.enumerated().map { i, v in numeric.contains(i) ? .number(v) : .text(v) }
            }, sheetName: headers == .chinese ? "住户表" : "households")
    }
}

/// The parts of a multipart/form-data body, enough for a file field and a few text fields.
struct MultipartForm {
    var fields: [String: String] = [:]
    var files: [String: (filename: String, bytes: [UInt8])] = [:]
    /// Every file in the order sent, also several under one name (`<input type="file" multiple>`).
    var fileList: [(name: String, filename: String, bytes: [UInt8])] = []

    init(body: [UInt8], contentType: String) throws {
        guard
            let b = contentType.components(separatedBy: "boundary=").last?.trimmingCharacters(
                in: CharacterSet(charactersIn: "\" ")),
            !b.isEmpty, contentType.contains("boundary=")
        else { throw AppError.badRequest("invalid_multipart", "the form has no boundary") }
        let delimiter = Array(("--" + b).utf8)
        var parts: [ArraySlice<UInt8>] = []
        var starts: [Int] = []
        var i = 0
        while let r = Self.find(delimiter, in: body, from: i) {
            starts.append(r)
            i = r + delimiter.count
        }
        for (k, s) in starts.enumerated() where k + 1 < starts.count {
            var from = s + delimiter.count
            if from + 1 < body.count, body[from] == 0x0D, body[from + 1] == 0x0A { from += 2 }
            var to = starts[k + 1]
            if to >= 2, body[to - 2] == 0x0D, body[to - 1] == 0x0A { to -= 2 }
            if from <= to { parts.append(body[from..<to]) }
        }
        for part in parts {
            guard let split = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: Array(part), from: 0) else { continue }
            let bytes = Array(part)
            let head = String(decoding: bytes[..<split], as: UTF8.self)
            let content = Array(bytes[(split + 4)...])
            guard let name = Self.attribute("name", in: head) else { continue }
            if let filename = Self.attribute("filename", in: head) {
                files[name] = (filename, content)
                fileList.append((name, filename, content))
            } else {
                fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
    }

    /// Reads a form that may carry `files` attachments (up to the attachment limit each and a little for the other
    /// fields).
    static func read(_ request: Request, files: Int = 1) async throws -> MultipartForm {
        let buffer = try await request.collectBody(upTo: files * AttachmentRepository.maxBytes + 64 * 1024)
        return try MultipartForm(
            body: Array(buffer.readableBytesView), contentType: request.headers[.contentType] ?? "")
    }

    /// Stores the file sent in `field` as an attachment; nil when none was chosen.
    func storeFile(_ field: String, database: Database, actor: Actor) async throws -> Int64? {
        guard let file = files[field], !file.bytes.isEmpty else { return nil }
        return try await AttachmentRepository(database: database).create(
            filename: file.filename, bytes: file.bytes, actor: actor
        ).id
    }

    /// Stores the file of `field` (if one was sent) and runs `body` with its id; when `body` throws, the file is
    /// removed again, so a refused form leaves no file behind.
    func withStoredFile<R>(
        _ field: String, database: Database, actor: Actor, _ body: (Int64?) async throws -> R
    ) async throws -> R {
        let sent = files[field].map { [(name: field, filename: $0.filename, bytes: $0.bytes)] } ?? []
        return try await Self.storing(sent, database: database, actor: actor) { try await body($0.first) }
    }

    /// The same for every file sent under `field` (`<input type="file" multiple>`), at most `most` of them (more is a
    /// 422 `too_many` on `field`, nothing stored).
    func withStoredFiles<R>(
        _ field: String, most: Int, database: Database, actor: Actor, _ body: ([Int64]) async throws -> R
    ) async throws -> R {
        let sent = fileList.filter { $0.name == field }
        guard sent.filter({ !$0.bytes.isEmpty }).count <= most else {
            throw ValidationError(field: field, code: "too_many", message: "at most \(most) files")
        }
        return try await Self.storing(sent, database: database, actor: actor, body)
    }

    /// Stores the files that are not empty, runs `body` with their ids, and removes them again when it throws.
    static func storing<R>(
        _ sent: [(name: String, filename: String, bytes: [UInt8])], database: Database, actor: Actor,
        _ body: ([Int64]) async throws -> R
    ) async throws -> R {
        let repo = AttachmentRepository(database: database)
        var ids: [Int64] = []
        do {
            for f in sent where !f.bytes.isEmpty {
                do {
                    ids.append(try await repo.create(filename: f.filename, bytes: f.bytes, actor: actor).id)
                } catch var e as ValidationError where e.field == "file" && f.name == "photo" {
                    // Said by the photo field, naming the file: with several chosen, the person knows which to change.
                    e.field = f.name
                    e.values["name"] = String(f.filename.prefix(80))
                    throw e
                }
            }
            return try await body(ids)
        } catch {
            for id in ids { try? await repo.discard(id: id, actor: actor) }
            throw error
        }
    }

    static func attribute(_ key: String, in head: String) -> String? {
        guard let r = head.range(of: " \(key)=\"") ?? head.range(of: ";\(key)=\"") else { return nil }
        let rest = head[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count <= hay.count, from <= hay.count - needle.count else { return nil }
        var i = from
        let first = needle[0]
        while i <= hay.count - needle.count {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension RegistryFiles {
    /// A file problem in words in the person's language, for the command line.
    public static func describe(_ error: any Error, lang: Lang) -> String? {
        AppError.from(error).map { $0.message(in: lang) }
    }

    /// A column as the person's sheet heads it, in the person's language.
    public static func columnName(_ column: String, lang: Lang) -> String {
        guard let i = RegistrySheet.columns.firstIndex(of: column) else { return column }
        return Headers.words(lang).row[i]
    }

    /// A row's problem in words in the person's language: the catalogue's sentence for its code (and column), with
    /// the cell and the earlier row it quotes; the importer's own sentence when the catalogue has none.
    public static func reason(_ e: RowError, lang: Lang) -> String {
        let keys = (e.column.map { ["import.problem.\(e.code).\($0)"] } ?? []) + ["import.problem.\(e.code)"]
        guard let sentence = keys.lazy.compactMap({ lang.catalogue[$0] }).first else {
            return lang == .en ? e.message : lang.t("import.problem.other")
        }
        var values = e.values
        values["column"] = e.column.map { columnName($0, lang: lang) } ?? ""
        if e.code == "no_header", let names = values["columns"] {
            // The columns a header must have, named as the person's sheet heads them.
            values["columns"] = names.split(separator: ",").map { columnName(String($0), lang: lang) }
                .joined(separator: lang.t("common.listSeparator"))
        }
        if let row = values["row"] { values["place"] = place(row: row, sheet: values["sheet"], lang: lang) }
        // A problem kept before its values were (an old import's history) cannot fill the sentence's blanks.
        guard placeholders(sentence).allSatisfy({ values[$0] != nil }) else {
            return lang == .en ? e.message : lang.t("import.problem.other")
        }
        return Lang.fill(sentence, values)
    }

    /// The names a sentence's blanks ask for: "{value}" asks for "value".
    static func placeholders(_ sentence: String) -> [String] {
        sentence.split(separator: "{", omittingEmptySubsequences: false).dropFirst().compactMap { part in
            part.firstIndex(of: "}").map { String(part[..<$0]) }
        }
    }

    /// Where a row is: "第 3 行", or "工作表“二期”第 3 行" when its sheet is named.
    public static func place(row: String, sheet: String?, lang: Lang) -> String {
        // Row 0 is the file as a whole (no header found in it).
        if row == "0" {
            return sheet.map { lang.say("import.wholeSheet", ["sheet": $0]) } ?? lang.t("import.wholeFile")
        }
        return sheet.map { lang.say("import.placeInSheet", ["row": row, "sheet": $0]) }
            ?? lang.say("import.place", ["row": row])
    }
}

extension RegistryFiles {
    /// How a file was read, in words in the person's language: for the import's API response, page and command line.
    public static func readingLines(_ reading: SheetReading, lang: Lang) -> [String] {
        func fill(_ key: String, _ values: [String: String]) -> String {
            values.reduce(lang.t(key)) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        }
        let separator = lang == .zh ? "、" : ", "
        var out: [String] = []
        for s in reading.sheets {
            out.append(
                fill(
                    reading.isWorkbook ? "import.reading.sheet" : "import.reading.header",
                    ["sheet": s.name, "row": String(s.headerRow), "rows": String(s.rows)]))
            out.append(fill("import.reading.columns", ["list": s.columns.map(\.header).joined(separator: separator)]))
            if !s.ignored.isEmpty {
                out.append(fill("import.reading.ignored", ["list": s.ignored.joined(separator: separator)]))
            }
            for c in s.columns where s.filledDown[c.column] != nil {
                out.append(fill("import.reading.filled", ["column": c.header, "n": String(s.filledDown[c.column]!)]))
            }
            for c in s.columns where s.merged[c.column] != nil {
                out.append(fill("import.reading.merged", ["column": c.header, "n": String(s.merged[c.column]!)]))
            }
        }
        // A CSV's one sheet has no name: that it has no header is said by the problem that follows.
        for s in reading.skipped where !s.name.isEmpty {
            out.append(fill("import.reading.skipped", ["sheet": s.name, "n": String(RegistrySheet.headerSearchRows)]))
        }
        return out
    }
}

extension RegistryFiles {
    /// Where an import stands, in one sentence in the person's language: for the import's page.
    static func progressSentence(_ p: ImportProgress, lang: Lang) -> String {
        fill(lang, "import.job." + p.phase.rawValue, p)
    }

    /// Where an import stands, as one line of a terminal's progress bar:
    /// "读取并检查 123,000 / 320,000 行 ███████░░░ 38%".
    public static func progressLine(_ p: ImportProgress, lang: Lang, width: Int = 20) -> String {
        var line = fill(lang, "import.bar." + p.phase.rawValue, p)
        if let fraction = p.fraction {
            let full = Int((fraction * Double(width)).rounded(.down))
            line += " " + String(repeating: "█", count: full) + String(repeating: "░", count: width - full)
            line += " \(Int((fraction * 100).rounded(.down)))%"
        }
        return line
    }

    static func fill(_ lang: Lang, _ key: String, _ p: ImportProgress) -> String {
        let values = [
            "read": p.read, "checked": p.checked, "written": p.written, "total": p.total ?? max(p.read, p.checked),
        ]
        return values.reduce(lang.t(key)) {
            $0.replacingOccurrences(of: "{\($1.key)}", with: ImportRoutes.grouped($1.value))
        }
    }
}
