import CourtyardDomain
import Testing

/// A sheet wrong on every row lists its first thousand problems and counts the rest, instead of holding millions.
@Suite struct RowErrorListTests {
    @Test func aSheetWrongOnEveryRowListsAThousandProblemsAndCountsTheRest() throws {
        let bad = ["幸福里社区", "纺织厂家属院", "建设路10号", "老", "1号楼", "1单元", "", "1层", "大", "张三", "138", "是"]
        let rows = [RegistrySheet.chineseHeaders] + Array(repeating: bad, count: 2_000)
        let (good, errors) = try RegistrySheet.parseSheet(rows)
        #expect(good.isEmpty)
        #expect(errors.count == RowErrorList.limit + 1)
        let last = try #require(errors.last)
        #expect(last.code == "more_problems")
        let more = try #require(last.values["n"].flatMap(Int.init))
        #expect(more > 2_000, "every row has more than one problem: \(more) not listed")
    }

    @Test func aFewProblemsAreListedWhole() {
        var list = RowErrorList()
        for i in 0..<3 { list.append(RowError(row: i, column: nil, code: "x", message: "x")) }
        #expect(list.count == 3 && list.listed.count == 3 && !list.listed.contains { $0.code == "more_problems" })
    }
}
