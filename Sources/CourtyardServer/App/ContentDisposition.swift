import CourtyardStore
import Foundation
import Hummingbird

/// The `Content-Disposition` of a stored file shown in the browser: its own name kept, Chinese included (RFC 6266,
/// `filename*` in UTF-8 by RFC 8187), with a plain ASCII name beside it for clients that read only that.
enum ContentDisposition {
    /// The characters RFC 8187 lets stand unencoded in `filename*`.
    static let attrChars = Set("!#$&+-.^_`|~".unicodeScalars).union(
        (UInt8(ascii: "0")...UInt8(ascii: "9")).map { Unicode.Scalar($0) }
    ).union((UInt8(ascii: "A")...UInt8(ascii: "Z")).map { Unicode.Scalar($0) }).union(
        (UInt8(ascii: "a")...UInt8(ascii: "z")).map { Unicode.Scalar($0) })

    static func inline(filename: String) -> String {
        // No path, no line ends, no quotes: only a name.
        let name = String(
            filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? ""
        ).filter { !$0.isNewline && $0 != "\"" }.prefix(200)
        guard !name.isEmpty else { return "inline; filename=\"attachment\"" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) {
            return "inline; filename=\"\(name)\""
        }
        let ext = name.split(separator: ".").count > 1 ? name.split(separator: ".").last.map(String.init) : nil
        let plainExt = ext.flatMap { e in e.unicodeScalars.allSatisfy { attrChars.contains($0) } ? "." + e : nil }
        let encoded = String(name).utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            return byte < 0x80 && attrChars.contains(scalar)
                ? String(Character(scalar)) : String(format: "%%%02X", byte)
        }.joined()
        return "inline; filename=\"attachment\(plainExt ?? "")\"; filename*=UTF-8''\(encoded)"
    }
}

extension Response {
    /// A stored file shown in the browser (a photo, a scan), never taken for another type, kept for `cache`.
    static func inlineFile(_ file: AttachmentRepository.File, cache: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .contentDisposition: ContentDisposition.inline(filename: file.filename),
                .cacheControl: cache, .init("X-Content-Type-Options")!: "nosniff",
            ], body: .init(byteBuffer: file.bytes))
    }
}
