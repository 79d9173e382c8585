import Testing

@testable import CourtyardSheets

/// A sheet of too many rows is refused by counting them first, by the reading's own quoting rules: the count is the
/// rows the reading would read, so no sheet within the limit is refused and none past it is read.
@Suite struct CSVRowCountTests {
    static func count(_ text: String, limit: Int = .max) -> Int {
        Array(text.utf8).withUnsafeBufferPointer { CSV.rowCount($0, stoppingAfter: limit) }
    }

    @Test func theCountIsTheRowsTheReadingReads() throws {
        let texts = [
            "", "a", "a\n", "a,b\nc,d", "a,b\r\nc,d\r\n", "\n\n\n", "a\n\nb\n",
            "\"two\nlines\",x\ny\n", "\"say \"\"hi\"\"\nthere\",1\n2", "ab\"c\nd\"\ne",
            "\"a\"b\nc", "x,\"\",y\n", "\"open\n", ",\n,", "a\r", "\r\n",
        ]
        for text in texts {
            let read = (try? CSV.parse(text))?.count
            #expect(read == nil || Self.count(text) == read, "\(text.debugDescription)")
        }
        #expect(Self.count("\"open\n") == 1, "an unterminated quote still counts its row")
    }

    @Test func aSheetPastTheLimitIsRefusedWhateverItsQuotedLinesSay() {
        var limits = SheetLimits()
        limits.rows = 3
        let within = "a\n\"b\nc\nd\"\ne\n"
        #expect(Self.count(within) == 3)
        #expect((try? CSV.parse(within, limits: limits))?.count == 3)
        #expect(throws: SheetLimitFailure.tooManyRows(row: 4, limit: 3)) {
            try CSV.parse("a\nb\nc\nd\ne\nf\n", limits: limits)
        }
        #expect(Self.count(String(repeating: "x\n", count: 1_000), limit: 3) == 4, "stops once past the limit")
    }
}
