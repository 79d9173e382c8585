import Testing

@testable import CourtyardDomain

@Suite struct PhotoMetadataTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let n = payload.count + 2
        return [0xFF, marker, UInt8(n >> 8), UInt8(n & 0xFF)] + payload
    }

    static let gps = Array("Exif\0\0GPSLatitude 31.2304 N".utf8)

    @Test func aJPEGLosesItsExifAndCommentsAndKeepsItsPictureAndColourProfile() throws {
        let jfif = Self.segment(0xE0, Array("JFIF\0".utf8))
        let icc = Self.segment(0xE2, Array("ICC_PROFILE\0".utf8))
        let scan = Self.segment(0xDA, [1, 2, 3]) + [0x55, 0xAA, 0xFF, 0x00, 0x12, 0xFF, 0xD9]
        let photo =
            [0xFF, 0xD8] + jfif + Self.segment(0xE1, Self.gps) + icc + Self.segment(0xFE, Array("taken here".utf8))
            + Self.segment(0xED, Array("Photoshop 3.0".utf8)) + scan
        let clean = try #require(PhotoMetadata.strip(photo))
        #expect(clean == [0xFF, 0xD8] + jfif + icc + scan)
        #expect(!String(decoding: clean, as: UTF8.self).contains("GPS"))
    }

    @Test func aTruncatedJPEGIsRefusedRatherThanHalfRead() {
        let photo: [UInt8] = [0xFF, 0xD8] + Self.segment(0xE1, Self.gps).dropLast(3)
        #expect(PhotoMetadata.strip(photo) == nil)
        #expect(PhotoMetadata.strip([0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]) == nil)
        #expect(PhotoMetadata.strip(Array("GIF89a".utf8)) == nil)
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let n = data.count
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + data
            + [0, 0, 0, 0]
    }

    @Test func aPNGLosesItsTextExifAndTimeChunks() throws {
        let ihdr = Self.chunk("IHDR", Array(repeating: 1, count: 13))
        let idat = Self.chunk("IDAT", [9, 9, 9])
        let end = Self.chunk("IEND", [])
        let photo =
            PhotoMetadata.pngSignature + ihdr + Self.chunk("tEXt", Array("Location\0Shanghai".utf8))
            + Self.chunk("eXIf", Self.gps) + Self.chunk("tIME", [7, 234, 11, 30, 9, 0, 0]) + idat + end
        #expect(try #require(PhotoMetadata.strip(photo)) == PhotoMetadata.pngSignature + ihdr + idat + end)
        #expect(PhotoMetadata.strip(PhotoMetadata.pngSignature + ihdr + idat) == nil)
    }

    @Test func aWebPLosesItsExifAndXMPChunksAndTheirFlagsAndItsSizeIsSetAgain() throws {
        func riffChunk(_ fourcc: String, _ data: [UInt8]) -> [UInt8] {
            let n = data.count
            return Array(fourcc.utf8) + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0] + data + (n % 2 == 1 ? [0] : [])
        }
        let vp8x = riffChunk("VP8X", [0x0C | 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let image = riffChunk("VP8 ", [1, 2, 3])
        let body = Array("WEBP".utf8) + vp8x + image + riffChunk("EXIF", Self.gps) + riffChunk("XMP ", [1, 2])
        let n = body.count
        let photo = Array("RIFF".utf8) + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0] + body
        let clean = try #require(PhotoMetadata.strip(photo))
        var flags = vp8x
        flags[8] = 0x10
        let kept = flags + image
        #expect(clean == Array("RIFF".utf8) + [UInt8(4 + kept.count), 0, 0, 0] + Array("WEBP".utf8) + kept)
    }
}
