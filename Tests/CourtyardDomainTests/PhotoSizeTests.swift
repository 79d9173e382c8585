import Testing

@testable import CourtyardDomain

/// A photo's pixel size read from its header, and the limits a stored photo is held to.
@Suite struct PhotoSizeTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] { PhotoMetadataTests.segment(marker, payload) }

    /// A baseline frame header: 8-bit precision, height and width, one component.
    static func frame(_ marker: UInt8 = 0xC0, width: Int, height: Int) -> [UInt8] {
        segment(marker, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1])
    }

    static func jpeg(width: Int, height: Int, marker: UInt8 = 0xC0) -> [UInt8] {
        [0xFF, 0xD8] + segment(0xE0, Array("JFIF\0".utf8)) + segment(0xE1, PhotoMetadataTests.gps)
            + segment(0xC4, [0, 1, 2]) + frame(marker, width: width, height: height)
            + segment(0xDA, [1, 2, 3]) + [0x55, 0xFF, 0xD9]
    }

    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ n: UInt32) -> [UInt8] {
            [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        }
        return PhotoMetadata.pngSignature
            + PhotoMetadataTests.chunk("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0])
            + PhotoMetadataTests.chunk("IEND", [])
    }

    static func webp(_ fourcc: String, _ data: [UInt8]) -> [UInt8] {
        let n = data.count
        let chunk = Array(fourcc.utf8) + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0] + data
        let riff = 4 + chunk.count
        return Array("RIFF".utf8) + [UInt8(riff & 0xFF), UInt8(riff >> 8 & 0xFF), 0, 0] + Array("WEBP".utf8) + chunk
    }

    @Test func aJPEGsSizeIsItsFirstFrameHeaderPastItsOtherSegments() {
        #expect(PhotoSize.of(Self.jpeg(width: 4000, height: 3000)) == PhotoSize(width: 4000, height: 3000))
        // Progressive (SOF2) and with fill bytes before a marker.
        #expect(
            PhotoSize.of(Self.jpeg(width: 1200, height: 1600, marker: 0xC2)) == PhotoSize(width: 1200, height: 1600))
        let filled = [0xFF, 0xD8, 0xFF, 0xFF] + Self.frame(width: 10, height: 20).dropFirst() + [0xFF, 0xD9]
        #expect(PhotoSize.of(Array(filled)) == PhotoSize(width: 10, height: 20))
    }

    @Test func aJPEGWithoutAReadableFrameHeaderHasNoSize() {
        // The scan, or the end, before any frame header.
        #expect(PhotoSize.of([0xFF, 0xD8] + Self.segment(0xDA, [1, 2, 3]) + [0xFF, 0xD9]) == nil)
        #expect(PhotoSize.of([0xFF, 0xD8, 0xFF, 0xD9]) == nil)
        // Cut short inside the frame header, or a length that runs past the end of the file.
        let whole = Self.jpeg(width: 640, height: 480)
        let cut = Array(whole.prefix(whole.count - Self.segment(0xDA, [1, 2, 3]).count - 3 - 4))
        #expect(PhotoSize.of(cut) == nil)
        #expect(PhotoSize.of([0xFF, 0xD8, 0xFF, 0xC0, 0xFF, 0xFF, 8, 0, 1]) == nil)
        // A frame header too short to hold a size, a length below two, a byte that is not a marker.
        #expect(PhotoSize.of([0xFF, 0xD8] + Self.segment(0xC0, [8, 0, 1])) == nil)
        #expect(PhotoSize.of([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0]) == nil)
        #expect(PhotoSize.of([0xFF, 0xD8, 0x00, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1]) == nil)
        // A height of zero (left to a later DNL marker) is not a size.
        #expect(PhotoSize.of(Self.jpeg(width: 640, height: 0)) == nil)
        // Only fill bytes, and nothing at all after the start.
        #expect(PhotoSize.of([0xFF, 0xD8] + Array(repeating: 0xFF, count: 1000)) == nil)
        #expect(PhotoSize.of([0xFF, 0xD8]) == nil)
    }

    @Test func aPNGsSizeIsItsIHDRWhichMustComeFirst() {
        #expect(PhotoSize.of(Self.png(width: 1600, height: 900)) == PhotoSize(width: 1600, height: 900))
        #expect(PhotoSize.of(Array(Self.png(width: 1600, height: 900).prefix(20))) == nil)
        #expect(PhotoSize.of(Self.png(width: 0, height: 900)) == nil)
        #expect(PhotoSize.of(Self.png(width: 0xFFFF_FFFF, height: 1)) == nil)
        let other = PhotoMetadata.pngSignature + PhotoMetadataTests.chunk("tEXt", Array(repeating: 1, count: 13))
        #expect(PhotoSize.of(other) == nil)
    }

    @Test func aWebPsSizeIsInItsFirstChunk() {
        // VP8X: the canvas, each side less one in 24 bits.
        let canvas = Self.webp("VP8X", [0x10, 0, 0, 0, 0x9F, 0x0F, 0, 0x0F, 0x0A, 0])
        #expect(PhotoSize.of(canvas) == PhotoSize(width: 4000, height: 2576))
        // VP8: a lossy frame after its start code.
        let lossy = Self.webp("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01])
        #expect(PhotoSize.of(lossy) == PhotoSize(width: 640, height: 480))
        #expect(PhotoSize.of(Self.webp("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2B, 0x80, 0x02, 0xE0, 0x01])) == nil)
        // VP8L: 14 bits each, less one, after the signature byte.
        let bits = (640 - 1) | (480 - 1) << 14
        let lossless = Self.webp(
            "VP8L", [0x2F, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)])
        #expect(PhotoSize.of(lossless) == PhotoSize(width: 640, height: 480))
        // A chunk that claims more than the file holds, or one of no known kind.
        #expect(PhotoSize.of(Array(canvas.dropLast(2))) == nil)
        #expect(PhotoSize.of(Self.webp("ALPH", Array(repeating: 0, count: 10))) == nil)
        #expect(PhotoSize.of(Array("GIF89a".utf8)) == nil)
    }

    @Test func aPhotoPast4096PixelsASideOr16Point7MillionInAllIsTooLarge() {
        #expect(PhotoSize(width: 1600, height: 1200).problem == nil)
        #expect(PhotoSize(width: 4096, height: 4077).problem == nil)
        #expect(PhotoSize(width: 4096, height: 4096).problem == .tooManyPixels)
        #expect(PhotoSize(width: 4097, height: 10).problem == .tooLong)
        #expect(PhotoSize(width: 10, height: 5000).problem == .tooLong)
    }
}
