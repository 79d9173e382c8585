import CourtyardDomain
import CourtyardSheets
import Foundation
import Testing

@Suite struct RegistrySheetTests {
    let header = RegistrySheet.columns

    @Test func readsChineseHeadersAndOfficeQuirks() {
        let rows = [
            RegistrySheet.chineseHeaders,
            ["幸福里社区", " 纺织厂家属院 ", "建设路10号", "１９８５", "1号楼", "1单元", "101", "1层", "85.6㎡", "张三", "138 1234 5678", "是"],
        ]
        let (good, errors) = RegistrySheet.parseSheet(rows)
        #expect(errors.isEmpty)
        #expect(good.count == 1)
        #expect(good[0].compound == "纺织厂家属院")
        #expect(good[0].builtYear == 1985)
        #expect(good[0].floor == 1)
        #expect(good[0].area == Area(centi: 8560))
        #expect(good[0].ownerPhone == "13812345678")
        #expect(good[0].livesElsewhere)
    }

    @Test func reportsEveryBadCellWithRowAndColumn() {
        let rows = [
            header,
            ["社区A", "小区A", "", "1985", "1号楼", "1单元", "101", "1", "85.6", "张三", "13812345678", "否"],
            ["社区A", "小区A", "", "19x5", "1号楼", "1单元", "102", "一", "85.655", "", "12", "也许"],
            ["社区A", "", "", "", "1号楼", "1单元", "103", "", "", "", "", ""],
        ]
        let (good, errors) = RegistrySheet.parseSheet(rows)
        #expect(good.count == 1)
        let row3 = Set(errors.filter { $0.row == 3 }.compactMap(\.column))
        #expect(row3 == ["built_year", "floor", "area_m2", "owner_phone", "lives_elsewhere"])
        let row4 = Set(errors.filter { $0.row == 4 }.compactMap(\.column))
        #expect(row4 == ["compound", "area_m2"])
    }

    @Test func refusesUnknownAndMissingColumns() {
        let unknown = RegistrySheet.parseSheet([header + ["备注"], []])
        #expect(unknown.errors.first?.code == "unknown_column")
        let missing = RegistrySheet.parseSheet([Array(header.dropLast(4).filter { $0 != "room" })])
        #expect(missing.errors.first?.code == "missing_column")
        #expect(missing.errors.first?.column == "room")
        #expect(RegistrySheet.parseSheet([]).errors.first?.code == "empty_file")
    }

    @Test func catchesDuplicatesAndContradictions() {
        let rows = [
            header,
            ["社区A", "小区A", "建设路1号", "1985", "1号楼", "1单元", "101", "1", "85.6", "", "", ""],
            ["社区A", "小区A", "建设路1号", "1985", "1号楼", "1单元", "101", "1", "70", "", "", ""],
            ["社区A", "小区A", "建设路2号", "1985", "1号楼", "1单元", "102", "1", "70", "", "", ""],
            ["社区A", "小区A", "建设路1号", "1990", "1号楼", "1单元", "103", "1", "70", "", "", ""],
        ]
        let (good, errors) = RegistrySheet.parseSheet(rows)
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

    @Test func roundTripsWhatItWrites() throws {
        let rows = [["社区", "a,b", "q\"uote", "line\nbreak"], ["", "=SUM(A1)", "-3", "x"]]
        let back = try CSV.parse(try TextDecoding.decode(Array(CSV.write(rows).utf8)))
        #expect(back[0] == rows[0])
        #expect(back[1] == ["", "'=SUM(A1)", "-3", "x"])
    }

    @Test func refusesAnUnclosedQuote() {
        #expect(throws: CSV.Failure.unterminatedQuote(line: 2)) { try CSV.parse("a,b\n\"open,c\n") }
    }

    @Test func decodesGB18030AndBOM() throws {
        let text = "社区,小区\n幸福里社区,纺织厂家属院\n"
        let gbk = try #require(text.data(using: TextDecoding.gb18030))
        #expect(Array(gbk) != Array(text.utf8))
        #expect(try TextDecoding.decode(Array(gbk)) == text)
        #expect(try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == text)
    }
}

@Suite struct XLSXTests {
    @Test func roundTripsTextAndNumbers() throws {
        let data = try XLSX.write(header: ["room", "area_m2", "name"],
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
