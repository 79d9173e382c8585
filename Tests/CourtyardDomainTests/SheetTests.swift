import CourtyardDemo
import CourtyardDomain
import CourtyardSheets
import Foundation
import Testing

@Suite struct RegistrySheetTests {
    let header = RegistrySheet.columns

    @Test func readsChineseHeadersAndOfficeQuirks() throws {
        let rows = [
            RegistrySheet.chineseHeaders,
            ["幸福里社区", " 纺织厂家属院 ", "建设路10号", "１９８５", "1号楼", "1单元", "101", "1层", "85.6㎡", "张三", "138 1234 5678", "是"],
        ]
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(errors.isEmpty)
        #expect(good.count == 1)
        #expect(good[0].compound == "纺织厂家属院")
        #expect(good[0].builtYear == 1985)
        #expect(good[0].floor == 1)
        #expect(good[0].area == Area(centi: 8560))
        #expect(good[0].ownerPhone == "13812345678")
        #expect(good[0].livesElsewhere)
    }

    /// A sheet headed in English words (as the English pages give it) is read like one headed in Chinese.
    @Test func readsEnglishHeaders() throws {
        let rows = [
            RegistrySheet.englishHeaders.map { $0.uppercased() },
            [
                "Xingfu", "Textile Mill", "10 Jianshe Rd", "1985", "1", "1", "101", "1", "85.60", "Zhang San",
                "13812345678", "no",
            ],
        ]
        #expect(RegistrySheet.matchHeader(RegistrySheet.englishHeaders).map.count == RegistrySheet.columns.count)
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(errors.isEmpty)
        #expect(good.first?.area == Area(centi: 8560) && good.first?.ownerName == "Zhang San")
    }

    @Test func reportsEveryBadCellWithRowAndColumn() throws {
        let rows = [
            header,
            ["社区A", "小区A", "", "1985", "1号楼", "1单元", "101", "1", "85.6", "张三", "13812345678", "否"],
            ["社区A", "小区A", "", "19x5", "1号楼", "1单元", "102", "一", "85.655", "", "12", "也许"],
            ["社区A", "", "", "", "1号楼", "1单元", "103", "", "", "", "", ""],
        ]
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(good.count == 1)
        let row3 = Set(errors.filter { $0.row == 3 }.compactMap(\.column))
        #expect(row3 == ["built_year", "floor", "area_m2", "owner_phone", "lives_elsewhere"])
        let row4 = Set(errors.filter { $0.row == 4 }.compactMap(\.column))
        #expect(row4 == ["compound", "area_m2"])
    }

    /// An owner's name is held to the household page's 50 characters, so a sheet cannot store what the page refuses.
    @Test func refusesAnOwnersNameLongerThanTheHouseholdPageTakes() throws {
        let fifty = String(repeating: "欧", count: RegistrySheet.ownerNameMax)
        let rows = [
            header,
            ["社区A", "小区A", "", "1985", "1号楼", "1单元", "101", "1", "85.6", fifty, "13812345678", "否"],
            ["社区A", "小区A", "", "1985", "1号楼", "1单元", "102", "1", "85.6", fifty + "阳", "13812345679", "否"],
        ]
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(good.count == 1 && good.first?.ownerName == fifty)
        #expect(errors.map(\.row) == [3] && errors.first?.code == "name_too_long")
        #expect(errors.first?.column == "owner_name")
    }

    @Test func ignoresColumnsNotOursAndRefusesMissingOnes() throws {
        let noted = try RegistrySheet.parseWorkbook([
            SheetSource(
                name: "",
                lines: [
                    .init(number: 1, cells: ["序号"] + header + ["备注"]),
                    .init(
                        number: 2, cells: ["1", "社区A", "小区A", "", "", "1号楼", "1单元", "101", "", "60", "", "", "", "空置"]),
                ])
        ])
        #expect(noted.errors.isEmpty)
        #expect(noted.rows.map(\.room) == ["101"])
        #expect(noted.reading.sheets.first?.ignored == ["序号", "备注"])
        let missing = try RegistrySheet.parseSheet([Array(header.dropLast(4).filter { $0 != "room" })])
        #expect(missing.errors.first?.code == "missing_column")
        #expect(missing.errors.first?.column == "room")
        #expect(try RegistrySheet.parseSheet([]).errors.first?.code == "empty_file")
    }

    @Test func catchesDuplicatesAndContradictions() throws {
        let rows = [
            header,
            ["社区A", "小区A", "建设路1号", "1985", "1号楼", "1单元", "101", "1", "85.6", "", "", ""],
            ["社区A", "小区A", "建设路1号", "1985", "1号楼", "1单元", "101", "1", "70", "", "", ""],
            ["社区A", "小区A", "建设路2号", "1985", "1号楼", "1单元", "102", "1", "70", "", "", ""],
            ["社区A", "小区A", "建设路1号", "1990", "1号楼", "1单元", "103", "1", "70", "", "", ""],
        ]
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(good.count == 1)
        #expect(errors.map(\.code) == ["duplicate_household", "inconsistent_compound", "inconsistent_compound"])
        #expect(errors.map(\.row) == [3, 4, 5])
    }

    @Test func demoSubdistrictHasTheAdvertisedSize() {
        let demo = DemoRegistry(DemoRegistry.subdistrict)
        let rows = demo.rows(subdistrict: 0)
        #expect(rows.count == 6000)
        #expect(Set(rows.map { $0.community + $0.compound }).count == 40)
        #expect(Set(rows.map(\.key)).count == rows.count)
        // Same every run.
        #expect(demo.rows(subdistrict: 0).map(\.ownerPhone) == rows.map(\.ownerPhone))
        let city = DemoRegistry.city
        #expect(city.subdistricts * city.communitiesPerSubdistrict * city.compoundsPerCommunity == 2000)
        #expect(2000 * city.householdsPerCompound == 320_000)
    }
}

@Suite struct CSVTests {
    @Test func parsesQuotesNewlinesAndCRLF() throws {
        let rows = try CSV.parse("a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\r\n")
        #expect(rows == [["a", "b,1", "say \"hi\""], ["two\nlines", "", "x"]])
    }

    /// Plain fields are read straight from the text and fields with a quote or a carriage return byte by byte; both
    /// give the same cells wherever those characters fall.
    @Test func quotesAndCarriageReturnsAnywhereInAField() throws {
        #expect(try CSV.parse("a\rb,c\n") == [["ab", "c"]])
        #expect(try CSV.parse("\r\"q,1\",x\n") == [["q,1", "x"]])
        #expect(try CSV.parse("\"ab\"cd,e\n") == [["abcd", "e"]])
        #expect(try CSV.parse("x\"y\",z\n") == [["x\"y\"", "z"]])
        #expect(try CSV.parse("a,b") == [["a", "b"]])
        #expect(try CSV.parse("a,b\r") == [["a", "b"]])
        #expect(try CSV.parse("\"\"\n,\n\"\",\"\",1\n") == [[], [], ["", "", "1"]])
        #expect(try CSV.parse("中文,\"引号\"\r\n第二行\r\n\r\n末行") == [["中文", "引号"], ["第二行"], [], ["末行"]])
        #expect(try CSV.parse("ab\r\rcd,\"e\r\nf\"g\r\n") == [["abcd", "e\r\nfg"]])
    }

    @Test func roundTripsWhatItWrites() throws {
        let rows = [["社区", "a,b", "q\"uote", "line\nbreak"], ["", "=SUM(A1)", "-3", "x"]]
        let back = try CSV.parse(try TextDecoding.decode(Array(CSV.write(rows).utf8)))
        #expect(back[0] == rows[0])
        #expect(back[1] == ["", "'=SUM(A1)", "-3", "x"])
    }

    @Test func refusesAnUnclosedQuote() {
        #expect(throws: CSV.Failure.unterminatedQuote(line: 2)) { try CSV.parse("a,b\n\"open,c\n") }
    }

    /// Read a few rows at a time, a CSV gives the rows and row numbers of one reading, quoted line ends and blank
    /// rows included, and its limits hold across the batches.
    @Test func csvReadInBatchesIsOneReading() throws {
        let text = "标题\r\n\r\n社区,小区\r\n\"两\n行\",b\n,\n\n\"x\"\"y\",z\nlast,row"
        let whole = try CSV.read(text).rows
        for size in [1, 2, 3, 7, 100] {
            var reader = CSV.Reader(utf8: Array(text.utf8))
            #expect(reader.rowsLeft == 9)  // line ends, the one inside quotes too
            var rows: [Worksheet.Row] = []
            while let batch = try reader.next(rows: size) { rows += batch }
            #expect(rows == whole, "batches of \(size)")
            #expect(reader.rowsRead == 8 && reader.rowsLeft == 0)
        }
        var limits = SheetLimits()
        limits.rows = 5
        var reader = CSV.Reader(utf8: Array(String(repeating: "a,b\n", count: 9).utf8), limits: limits)
        #expect(try reader.next(rows: 2)?.count == 2)
        #expect(try reader.next(rows: 2)?.count == 2)
        #expect(throws: SheetLimitFailure.tooManyRows(row: 6, limit: 5)) { try reader.next(rows: 2) }
        limits = SheetLimits()
        limits.cells = 5
        reader = CSV.Reader(utf8: Array(String(repeating: "a,b\n", count: 3).utf8), limits: limits)
        #expect(try reader.next(rows: 2)?.count == 2)
        #expect(throws: SheetLimitFailure.tooManyCells(limit: 5)) { try reader.next(rows: 2) }
        reader = CSV.Reader(utf8: Array("a\nb\n\"open\nc".utf8))
        #expect(try reader.next(rows: 2)?.map(\.number) == [1, 2])
        #expect(throws: CSV.Failure.unterminatedQuote(line: 3)) { try reader.next(rows: 2) }
    }

    @Test func decodesGB18030AndBOM() throws {
        let text = "社区,小区\n幸福里社区,纺织厂家属院\n"
        let gbk = try #require(text.data(using: TextDecoding.gb18030))
        #expect(Array(gbk) != Array(text.utf8))
        #expect(try TextDecoding.decode(Array(gbk)) == text)
        #expect(try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == text)
        #expect(try TextDecoding.utf8(Array(gbk)) == Array(text.utf8))
        #expect(try TextDecoding.utf8([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == Array(text.utf8))
    }
}

@Suite struct XLSXTests {
    @Test func roundTripsTextAndNumbers() throws {
        let data = try XLSX.write(
            header: ["room", "area_m2", "name"],
            rows: [[.text("0101"), .number("85.6"), .text("张三 & <李四>")], [.text("102"), .number(""), .text("")]])
        let rows = try XLSX.read(Array(data))
        #expect(rows[0] == ["room", "area_m2", "name"])
        #expect(rows[1] == ["0101", "85.6", "张三 & <李四>"])
        #expect(rows[2] == ["102"])
    }

    @Test func refusesWhatIsNotAWorkbook() {
        #expect(throws: XLSX.Failure.self) { try XLSX.read(Array("not a zip".utf8)) }
        #expect(XLSX.columnName(0) == "A")
        #expect(XLSX.columnName(27) == "AB")
    }
}

/// Household sheets as offices keep them: titles above the header, columns that are not ours, places merged
/// down their rows, several sheets.
@Suite struct OfficeSheetTests {
    static let header = ["序号", "社区", "小区", "楼栋", "单元", "房号", "建筑面积", "业主姓名", "备注"]

    static func source(_ rows: [[String]], name: String = "", repeatsAbove: Bool = false) -> SheetSource {
        SheetSource(
            name: name,
            lines: rows.enumerated().compactMap { i, r in r.isEmpty ? nil : .init(number: i + 1, cells: r) },
            repeatsAbove: repeatsAbove)
    }

    /// Handed on block by block, a sheet gives the rows it gives whole, in order, and a household repeated in a
    /// later block is still found; each block is told the problems found before it.
    @Test func rowsHandedOnBlockByBlockAreTheRowsOfTheWholeSheet() throws {
        final class Blocks: @unchecked Sendable {
            var rows: [HouseholdRow] = []
            var sizes: [Int] = []
            var problems: [Int] = []
        }
        let n = RowBlock.size * 2 + 100
        var rows = [["社区", "小区", "楼栋", "单元", "房号", "建筑面积"]]
        for i in 0..<n { rows.append(["幸福里社区", "小区\(i / 1000)", "\(i / 100)号楼", "1单元", "\(i % 100 + 101)", "60"]) }
        rows.append(["幸福里社区", "小区0", "0号楼", "1单元", "101", "60"])
        let whole = try RegistrySheet.parseWorkbook([Self.source(rows)])
        let blocks = Blocks()
        let streamed = try RegistrySheet.parseWorkbook([Self.source(rows)]) { good, problems in
            blocks.rows += good
            blocks.sizes.append(good.count)
            blocks.problems.append(problems)
        }
        #expect(streamed.rows.isEmpty)
        #expect(blocks.rows == whole.rows && whole.rows.count == n)
        #expect(blocks.sizes == [RowBlock.size, RowBlock.size, 100])
        #expect(blocks.problems == [0, 0, 1])
        #expect(streamed.errors == whole.errors && whole.errors.map(\.code) == ["duplicate_household"])
        #expect(streamed.reading == whole.reading)
    }

    @Test func findsTheHeaderBelowTitleRows() throws {
        let rows = [
            ["幸福里社区2026年老旧小区改造住户台账"], [], Self.header,
            ["1", "幸福里社区", "纺织厂家属院", "1号楼", "1单元", "101", "60", "张三", "已签字"],
            ["2", "幸福里社区", "纺织厂家属院", "1号楼", "1单元", "102", "61", "", ""],
        ]
        let (good, errors, reading) = try RegistrySheet.parseWorkbook([Self.source(rows)])
        #expect(errors.isEmpty)
        #expect(good.map(\.row) == [4, 5])
        #expect(reading.sheets.first?.headerRow == 3)
        #expect(
            reading.sheets.first?.columns.map(\.column) == [
                "community", "compound", "building", "entrance", "room",
                "area_m2", "owner_name",
            ])
        #expect(reading.sheets.first?.ignored == ["序号", "备注"])
        #expect(reading.sheets.first?.rows == 2)
    }

    @Test func aHeaderMissingARequiredColumnIsAnErrorAtItsRow() throws {
        let rows = [["住户台账"], ["社区", "小区", "楼栋", "单元", "建筑面积"], ["幸福里社区", "纺织厂家属院", "1号楼", "1单元", "60"]]
        let (_, errors, _) = try RegistrySheet.parseWorkbook([Self.source(rows)])
        #expect(errors.map(\.code) == ["missing_column"])
        #expect(errors.first?.row == 2)
        #expect(errors.first?.column == "room")
        let none = try RegistrySheet.parseWorkbook([Self.source([["住户台账"], ["甲", "乙"]])])
        #expect(none.errors.map(\.code) == ["no_header"])
    }

    /// In CSV an empty place cell under a filled one is "same as above", only within the same wider place and
    /// only on a household row right below.
    @Test func csvRepeatsAPlaceLeftEmptyUnderTheRowAbove() throws {
        let rows = [
            Self.header,
            ["1", "幸福里社区", "纺织厂家属院", "1号楼", "1单元", "101", "60", "", ""],
            ["2", "", "", "", "", "102", "60", "", ""],
            ["3", "", "", "", "2单元", "201", "60", "", ""],
            ["4", "幸福里社区", "机械厂宿舍", "", "", "301", "60", "", ""],
            [],
            ["6", "", "", "", "", "401", "60", "", ""],
        ]
        let (good, errors, reading) = try RegistrySheet.parseWorkbook([Self.source(rows, repeatsAbove: true)])
        #expect(
            good.map { "\($0.compound) \($0.building) \($0.entrance) \($0.room)" } == [
                "纺织厂家属院 1号楼 1单元 101", "纺织厂家属院 1号楼 1单元 102", "纺织厂家属院 1号楼 2单元 201",
            ])
        // A new compound never takes the building above; a blank row ends the repetition.
        #expect(
            errors.map { "\($0.row) \($0.column ?? "")" } == [
                "5 building", "5 entrance", "7 community",
                "7 compound",
                "7 building", "7 entrance",
            ])
        #expect(reading.sheets.first?.filledDown == ["community": 2, "compound": 2, "building": 2, "entrance": 1])
        // Without "same as above" (XLSX, where merges are explicit) an empty place is an error.
        let strict = try RegistrySheet.parseWorkbook([Self.source(Array(rows.prefix(3)), name: "Sheet1")])
        #expect(strict.errors.contains { $0.row == 3 && $0.column == "building" && $0.sheet == "Sheet1" })
    }

    @Test func readsEverySheetWithAHeaderAndSaysWhichItSkipped() throws {
        let a = Self.source([Self.header, ["1", "幸福里社区", "纺织厂家属院", "1号楼", "1单元", "101", "60", "", ""]], name: "1号楼")
        let notes = Self.source([["填表说明"], ["面积以房产证为准"]], name: "说明")
        let b = Self.source(
            [
                ["2号楼住户"], Self.header, ["1", "幸福里社区", "纺织厂家属院", "2号楼", "1单元", "101", "60", "", ""],
                ["2", "幸福里社区", "纺织厂家属院", "1号楼", "1单元", "101", "60", "", ""],
            ], name: "2号楼")
        let (good, errors, reading) = try RegistrySheet.parseWorkbook([a, notes, b])
        #expect(good.count == 2)
        #expect(reading.sheets.map(\.name) == ["1号楼", "2号楼"])
        #expect(reading.sheets.map(\.headerRow) == [1, 2])
        #expect(reading.skipped.map(\.name) == ["说明"])
        #expect(errors.count == 1)
        #expect(errors.first?.code == "duplicate_household")
        #expect(errors.first?.sheet == "2号楼")
        #expect(errors.first?.row == 4)
        #expect(errors.first?.message.contains("row 2 of sheet 1号楼") == true)
    }
}

/// Sheets a hostile or careless file may hold: each is refused with a clear error, never a crash or gigabytes.
@Suite struct SheetLimitTests {
    static func workbook(_ sheets: [(name: String, xml: String)], shared: [String]? = nil) throws -> [UInt8] {
        var parts: [(path: String, text: String)] = [
            (
                "xl/workbook.xml",
                "<workbook xmlns:r=\"r\"><sheets>"
                    + sheets.enumerated().map {
                        "<sheet name=\"\($1.name)\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>"
                    }.joined() + "</sheets></workbook>"
            ),
            (
                "xl/_rels/workbook.xml.rels",
                "<Relationships>"
                    + sheets.indices.map {
                        "<Relationship Id=\"rId\($0 + 1)\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
                    }.joined() + "</Relationships>"
            ),
        ]
        for (i, s) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", s.xml)) }
        if let shared {
            parts.append(("xl/sharedStrings.xml", "<sst>" + shared.map { "<si><t>\($0)</t></si>" }.joined() + "</sst>"))
        }
        return Array(try XLSX.zip(parts))
    }

    static func sheet(_ rows: String, merges: String = "") -> String {
        let mergeCells = merges.isEmpty ? "" : "<mergeCells>\(merges)</mergeCells>"
        return "<worksheet><sheetData>\(rows)</sheetData>\(mergeCells)</worksheet>"
    }

    @Test func aCellReferencePastExcelsGridIsRefused() throws {
        let cell = "<c r=\"ZZZZZZZZZZZZZZ2\" t=\"inlineStr\"><is><t>x</t></is></c>"
        let bytes = try Self.workbook([("S", Self.sheet("<row r=\"2\">\(cell)</row>"))])
        #expect(throws: SheetLimitFailure.badReference("ZZZZZZZZZZZZZZ2")) { try XLSX.readWorkbook(bytes) }
        let wide = try Self.workbook([("S", Self.sheet("<row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>"))])
        #expect(throws: SheetLimitFailure.badReference("XFE2")) { try XLSX.readWorkbook(wide) }
        let past = try Self.workbook([("S", Self.sheet("<row r=\"2\"><c r=\"GS2\"><v>1</v></c></row>"))])
        #expect(throws: SheetLimitFailure.tooManyColumns(row: 2, column: "GS", limit: 200)) {
            try XLSX.readWorkbook(past)
        }
    }

    @Test func sparseRowNumbersKeepOnlyTheRowsThatExist() throws {
        let far = try Self.workbook([
            (
                "S",
                Self.sheet(
                    "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
                        + "<row r=\"900000\"><c r=\"B900000\"><v>2</v></c></row>")
            )
        ])
        let sheet = try XLSX.readWorkbook(far)[0]
        #expect(sheet.rows == [.init(number: 1, cells: ["1"]), .init(number: 900_000, cells: ["", "2"])])
        let tooFar = try Self.workbook([("S", Self.sheet("<row r=\"5000000\"><c><v>1</v></c></row>"))])
        #expect(throws: SheetLimitFailure.tooManyRows(row: 5_000_000, limit: 1_000_000)) {
            try XLSX.readWorkbook(tooFar)
        }
        let pastProduct = try Self.workbook([("S", Self.sheet("<row r=\"1000001\"><c><v>1</v></c></row>"))])
        #expect(throws: SheetLimitFailure.tooManyRows(row: 1_000_001, limit: 1_000_000)) {
            try XLSX.readWorkbook(pastProduct)
        }
    }

    @Test func inflatingStopsAtTheCeiling() throws {
        var limits = SheetLimits()
        limits.inflatedBytes = 1024 * 1024
        let padding = String(repeating: " ", count: 2 * 1024 * 1024)
        let bomb = try Self.workbook([("S", Self.sheet("<row r=\"1\"><c><v>1</v></c></row>" + padding))])
        #expect(bomb.count < 64 * 1024)
        #expect(throws: SheetLimitFailure.tooLarge(limit: 1024 * 1024)) { try XLSX.readWorkbook(bomb, limits: limits) }
    }

    @Test func mergedCellsRepeatDownTheirRowsAndEverySheetIsRead() throws {
        let rows =
            "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
            + "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>楼栋</t></is></c>"
            + "<c r=\"B3\" t=\"inlineStr\"><is><t>房号</t></is></c></row>"
            + "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>1号楼</t></is></c><c r=\"B4\"><v>101</v></c></row>"
            + "<row r=\"5\"><c r=\"A5\"/><c r=\"B5\"><v>102</v></c></row>"
            + "<row r=\"6\"><c r=\"B6\"><v>103</v></c></row>"
        let merges = "<mergeCell ref=\"A1:F1\"/><mergeCell ref=\"A4:A6\"/>"
        let bytes = try Self.workbook(
            [
                ("台账", Self.sheet(rows, merges: merges)),
                ("说明", Self.sheet("<row r=\"1\"><c t=\"inlineStr\"><is><t>a &amp; b</t></is></c></row>")),
            ],
            shared: ["幸福里社区住户台账"])
        let sheets = try XLSX.readWorkbook(bytes)
        #expect(sheets.map(\.name) == ["台账", "说明"])
        #expect(
            sheets[0].rows.map(\.cells) == [
                ["幸福里社区住户台账"], ["楼栋", "房号"], ["1号楼", "101"], ["1号楼", "102"],
                ["1号楼", "103"],
            ])
        #expect(sheets[1].rows.first?.cells == ["a & b"])
        #expect(sheets[0].mergedCells == [0: 2])
    }

    /// Empty trailing cells are never stored: rows of commas cost nothing, and a value past the limit is refused.
    @Test func csvStoresNoEmptyTrailingCells() throws {
        var limits = SheetLimits()
        limits.cells = 10
        let commas = String(repeating: String(repeating: ",", count: 199) + "\n", count: 20_000)
        #expect(try CSV.read(commas, limits: limits).rows.isEmpty)
        #expect(try CSV.read(String(repeating: ",", count: 5_000_000), limits: limits).rows.isEmpty)
        #expect(try CSV.parse("a,,b,,,\n") == [["a", "", "b"]])
        let wide = String(repeating: ",", count: 200) + "x\n"
        #expect(throws: SheetLimitFailure.tooManyColumns(row: 1, column: "GS", limit: 200)) { try CSV.parse(wide) }
    }
}
