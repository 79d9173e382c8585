import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Testing

@testable import CourtyardServer

/// An import reads a CSV a block at a time, so that its first rows are written while the rest is still read; what it
/// finds must be what reading the whole file finds.
@Suite struct CSVStreamingTests {
    final class Handed: @unchecked Sendable {
        var rows: [HouseholdRow] = []
        var blocks = 0
    }

    /// Title rows, blank rows, a cell with a line end, place cells left empty under the row above (across every
    /// block's first row), a bad row and a household repeated in the last block.
    static func sheet(_ n: Int, tail: String = "") -> [UInt8] {
        var text = "幸福里社区住户台账\n\n" + ImportAPITests.header
        for i in 0..<n {
            if i > 0 && i % 5000 == 0 { text += "\n" }  // a blank row, above a row that names its place
            let place = i % 1000 == 0 ? "流式社区,流式小区\(i / 1000),\"建设路\n\(i / 1000)号\",1990" : ",,,"
            let area = i == 7 ? "六十" : "60"
            text += "\(place),\(i / 100 + 1)号楼,1单元,\(i % 100 + 101),1,\(area),,,否\n"
        }
        text += "流式社区,流式小区\((n - 1) / 1000),,,\((n - 1) / 100 + 1)号楼,1单元,\((n - 1) % 100 + 101),1,60,,,否\n"
        return Array((text + tail).utf8)
    }

    @Test func aCSVReadBlockByBlockIsTheCSVReadWhole() throws {
        let bytes = Self.sheet(RowBlock.size * 2 + 500)
        let whole = try RegistryFiles.parse(bytes, currentYear: 2026)
        let handed = Handed()
        let (errors, reading) = try RegistryFiles.streaming(bytes, currentYear: 2026)({ rows, _ in
            handed.rows += rows
            handed.blocks += 1
        })
        #expect(handed.blocks == 3)
        #expect(handed.rows == whole.rows && whole.rows.count == RowBlock.size * 2 + 499)
        #expect(errors == whole.errors && errors.map(\.code) == ["invalid_area", "duplicate_household"])
        #expect(reading == whole.reading && reading?.sheets.first?.headerRow == 3)
        #expect(reading?.sheets.first?.filledDown["compound"] == RowBlock.size * 2 + 500 - 34)  // all but each 1,000th
    }

    /// As offices save it: GB18030 with the header below more blank rows than a block holds, or UTF-8 with a BOM;
    /// read block by block, the same as whole.
    @Test func aGB18030OrBOMFileWithItsHeaderFarDownIsReadAsWhole() throws {
        let text =
            String(repeating: "\r\n", count: RowBlock.size + 600) + String(decoding: Self.sheet(3000), as: UTF8.self)
        let gbk = Array(try #require(text.data(using: TextDecoding.gb18030)))
        for bytes in [gbk, [0xEF, 0xBB, 0xBF] + Array(text.utf8)] {
            let whole = try RegistryFiles.parse(bytes, currentYear: 2026)
            let handed = Handed()
            let (errors, reading) = try RegistryFiles.streaming(bytes, currentYear: 2026)({ rows, _ in
                handed.rows += rows
            })
            #expect(handed.rows == whole.rows && whole.rows.count == 2999)
            #expect(errors == whole.errors && reading == whole.reading)
            #expect(reading?.sheets.first?.headerRow == RowBlock.size + 600 + 3)
        }
    }

    /// A file's limits hold as they do for a whole reading: a row too wide far down stops the reading with the same
    /// error, naming the same row.
    @Test func aRowTooWideFarDownIsTheSameRefusal() throws {
        let wide = "流式社区" + String(repeating: ",", count: 200) + "x\n"
        let bytes = Self.sheet(RowBlock.size + 10) + Array(wide.utf8)
        var refusals: [SheetLimitFailure] = []
        do { _ = try RegistryFiles.parse(bytes, currentYear: 2026) } catch let e as SheetLimitFailure {
            refusals.append(e)
        }
        do {
            _ = try RegistryFiles.streaming(bytes, currentYear: 2026)({ _, _ in })
        } catch let e as SheetLimitFailure { refusals.append(e) }
        #expect(refusals.count == 2 && refusals[0] == refusals[1])
        if case .tooManyColumns(let row, _, _) = refusals.first { #expect(row > RowBlock.size) }
    }

    /// A quote left open near the end is found after the first blocks were handed on: the reading fails, and the
    /// import it feeds takes back what it wrote (`StreamedImportTests`).
    @Test func aCSVBrokenFarDownFailsItsReadingAfterItsFirstBlocks() throws {
        let bytes = Self.sheet(RowBlock.size * 2, tail: "流式社区,\"流式小区\n")
        let handed = Handed()
        let reading = RegistryFiles.streaming(bytes, currentYear: 2026)
        #expect(throws: CSV.Failure.self) {
            _ = try reading { rows, _ in handed.rows += rows }
        }
        #expect(handed.rows.count == RowBlock.size - 1)  // the first block, less its bad row
    }
}
