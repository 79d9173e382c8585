/// Photos sent by the public carry where and when they were taken (GPS in Exif, XMP, text chunks). Before a photo
/// is stored it is rewritten without them: the picture's own data and its colour profile stay, the rest goes.
/// A file that is not a well-formed JPEG, PNG or WebP is refused (nil) rather than stored half-read.
public enum PhotoMetadata {
    public static func strip(_ bytes: [UInt8]) -> [UInt8]? {
        if bytes.starts(with: [0xFF, 0xD8]) { return jpeg(bytes) }
        if bytes.starts(with: pngSignature) { return png(bytes) }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return webp(bytes)
        }
        return nil
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// JPEG markers kept: APP0 (JFIF), APP2 (the ICC colour profile), APP14 (Adobe colour transform); every other
    /// APPn (Exif and XMP are APP1, IPTC is APP13) and comments are dropped.
    static func keepsJPEG(_ marker: UInt8) -> Bool {
        switch marker {
        case 0xE0, 0xE2, 0xEE: true
        case 0xE1, 0xE3...0xED, 0xEF, 0xFE: false
        default: true
        }
    }

    static func jpeg(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        while i < b.count {
            guard b[i] == 0xFF, i + 1 < b.count else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF {  // fill byte
                i += 1
                continue
            }
            if marker == 0xD9 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                out += [0xFF, marker]
                i += 2
                if marker == 0xD9 { return out }
                continue
            }
            guard i + 3 < b.count else { return nil }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            if marker == 0xDA {  // start of scan: the picture itself, to the end
                out += b[i...]
                return out
            }
            if keepsJPEG(marker) { out += b[i..<(i + 2 + length)] }
            i += 2 + length
        }
        return nil
    }

    /// PNG chunks dropped: text (tEXt, zTXt, iTXt), Exif (eXIf) and the modification time (tIME).
    static let dropsPNG: Set<String> = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]

    static func png(_ b: [UInt8]) -> [UInt8]? {
        var out = pngSignature
        var i = pngSignature.count
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 0, i + 12 + length <= b.count else { return nil }
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            if !dropsPNG.contains(type) { out += b[i..<(i + 12 + length)] }
            i += 12 + length
            if type == "IEND" { return out }
        }
        return nil
    }

    /// WebP chunks dropped: EXIF and XMP, with their flags in VP8X cleared and the RIFF size set again.
    static func webp(_ b: [UInt8]) -> [UInt8]? {
        var chunks: [UInt8] = []
        var i = 12
        while i < b.count {
            guard i + 8 <= b.count else { return nil }
            let fourcc = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let size = Int(b[i + 4]) | Int(b[i + 5]) << 8 | Int(b[i + 6]) << 16 | Int(b[i + 7]) << 24
            let padded = size + (size & 1)
            guard size >= 0, i + 8 + size <= b.count else { return nil }
            var chunk = Array(b[i..<min(b.count, i + 8 + padded)])
            if fourcc == "VP8X", chunk.count > 8 { chunk[8] &= ~UInt8(0x0C) }
            if fourcc != "EXIF" && fourcc != "XMP " { chunks += chunk }
            i += 8 + padded
        }
        let riff = UInt32(4 + chunks.count)
        let size: [UInt8] = [UInt8(riff & 0xFF), UInt8(riff >> 8 & 0xFF), UInt8(riff >> 16 & 0xFF), UInt8(riff >> 24)]
        return Array("RIFF".utf8) + size + Array("WEBP".utf8) + chunks
    }
}
