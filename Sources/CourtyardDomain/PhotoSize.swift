/// A photo's size in pixels, read from its header without decoding the picture: the JPEG frame header (SOFn), the
/// PNG IHDR chunk, or the WebP VP8X, VP8 or VP8L header. A photo the office or a resident opens must not be so
/// large that a phone runs out of memory drawing it, so one past the limits is refused before it is stored.
public struct PhotoSize: Equatable, Sendable {
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The longest side a stored photo may have.
    public static let maxSide = 4096
    /// The most pixels a stored photo may have: 16.7 million, a little under 4096 × 4096 (16,777,216), so a
    /// square photo at the longest side is refused too.
    public static let maxPixels = 16_700_000

    /// Why a photo is too large.
    public enum Problem: String, Sendable {
        case tooLong = "too_long", tooManyPixels = "too_many_pixels"
    }

    /// nil when the photo is within both limits.
    public var problem: Problem? {
        if max(width, height) > Self.maxSide { return .tooLong }
        if width * height > Self.maxPixels { return .tooManyPixels }
        return nil
    }

    /// The size a JPEG, PNG or WebP declares; nil when the header is missing, cut short, malformed or says zero.
    public static func of(_ bytes: [UInt8]) -> PhotoSize? {
        if bytes.starts(with: [0xFF, 0xD8]) { return jpeg(bytes) }
        if bytes.starts(with: PhotoMetadata.pngSignature) { return png(bytes) }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return webp(bytes)
        }
        return nil
    }

    static func sized(_ width: Int, _ height: Int) -> PhotoSize? {
        width > 0 && height > 0 ? PhotoSize(width: width, height: height) : nil
    }

    /// Frame headers: SOF0 to SOF15 but DHT (C4), JPG (C8) and DAC (CC), whose payload is precision, height, width.
    static func isFrameHeader(_ marker: UInt8) -> Bool {
        (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
    }

    /// Walks the segments before the scan; the first frame header gives the size.
    static func jpeg(_ b: [UInt8]) -> PhotoSize? {
        var i = 2
        while i + 1 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF {  // fill byte
                i += 1
                continue
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 {
                i += 2
                continue
            }
            // The end of the image or the scan with no frame header before it: not a picture.
            if marker == 0xD9 || marker == 0xDA { return nil }
            guard i + 3 < b.count else { return nil }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            if isFrameHeader(marker) {
                guard length >= 7 else { return nil }
                let height = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let width = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return sized(width, height)
            }
            i += 2 + length
        }
        return nil
    }

    /// The IHDR chunk, which must come first and be 13 bytes: width and height as 31-bit big-endian numbers.
    static func png(_ b: [UInt8]) -> PhotoSize? {
        let at = PhotoMetadata.pngSignature.count
        guard b.count >= at + 8 + 13 else { return nil }
        func u32(_ k: Int) -> Int { Int(b[k]) << 24 | Int(b[k + 1]) << 16 | Int(b[k + 2]) << 8 | Int(b[k + 3]) }
        guard u32(at) == 13, Array(b[(at + 4)..<(at + 8)]) == Array("IHDR".utf8) else { return nil }
        let width = u32(at + 8)
        let height = u32(at + 12)
        guard width <= Int(Int32.max), height <= Int(Int32.max) else { return nil }
        return sized(width, height)
    }

    /// The first chunk: VP8X (the canvas, 24-bit sizes less one), VP8 (a lossy frame, 14-bit sizes after its start
    /// code) or VP8L (a lossless one, 14-bit sizes less one after its signature byte).
    static func webp(_ b: [UInt8]) -> PhotoSize? {
        guard b.count >= 20 else { return nil }
        let fourcc = String(decoding: b[12..<16], as: UTF8.self)
        let size = Int(b[16]) | Int(b[17]) << 8 | Int(b[18]) << 16 | Int(b[19]) << 24
        let d = 20
        guard b.count >= d + size else { return nil }
        func u24(_ k: Int) -> Int { Int(b[k]) | Int(b[k + 1]) << 8 | Int(b[k + 2]) << 16 }
        switch fourcc {
        case "VP8X":
            guard size >= 10 else { return nil }
            return sized(u24(d + 4) + 1, u24(d + 7) + 1)
        case "VP8 ":
            guard size >= 10, b[d + 3] == 0x9D, b[d + 4] == 0x01, b[d + 5] == 0x2A else { return nil }
            let width = (Int(b[d + 6]) | Int(b[d + 7]) << 8) & 0x3FFF
            let height = (Int(b[d + 8]) | Int(b[d + 9]) << 8) & 0x3FFF
            return sized(width, height)
        case "VP8L":
            guard size >= 5, b[d] == 0x2F else { return nil }
            let bits = Int(b[d + 1]) | Int(b[d + 2]) << 8 | Int(b[d + 3]) << 16 | Int(b[d + 4]) << 24
            return sized((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
        default:
            return nil
        }
    }
}
