import Testing

@testable import CourtyardDomain

@Suite struct QRCodeTests {
    /// The worked example of ISO/IEC 18004 tutorials: "HELLO WORLD" at 1-M has these error-correction codewords.
    @Test func reedSolomonMatchesTheReferenceExample() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        #expect(QRCode.rsRemainder(data, QRCode.rsDivisor(10)) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test func versionGrowsWithTheLinkAndTheFixedPatternsAreThere() throws {
        // 1-M holds 14 bytes, 2-M 26, 4-M 62.
        #expect(try QRCode(text: String(repeating: "a", count: 14)).version == 1)
        let short = try QRCode(text: "http://a.cn/q/1")
        #expect(short.version == 2 && short.size == 25)
        let link = try QRCode(text: "http://127.0.0.1:8080/public/questionnaires/12")
        #expect(link.version == 4 && link.size == 33)
        // Finder pattern corners and the always-dark module.
        for (x, y) in [(0, 0), (6, 0), (0, 6), (link.size - 1, 0), (0, link.size - 1), (8, link.size - 8)] {
            #expect(link.modules[y][x])
        }
        #expect(!link.modules[1][1] && link.modules[2][2])
        #expect(QRCode.dataCodewords(1) == 16 && QRCode.dataCodewords(10) == 216)
        #expect(throws: QRCode.Failure.tooLong(300)) { try QRCode(text: String(repeating: "x", count: 300)) }
    }
}
