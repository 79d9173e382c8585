import Foundation

/// A small push scanner for the XML parts of a workbook, fed chunk by chunk as a zip entry inflates,
/// so a worksheet is never held whole in memory. It knows elements, attributes, text, the five named
/// entities and character references; comments, processing instructions and DOCTYPE are skipped.
/// Element and attribute names lose their namespace prefix ("x:row" is "row").
final class XMLScanner {
    enum Event {
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        case end(name: String)
    }

    /// Text between tags is kept only while the handler asks for it.
    var collectingText = false
    private(set) var text: [UInt8] = []
    private var tag: [UInt8] = []
    private var inTag = false
    /// A tag longer than this is not one a workbook writes.
    static let maxTagBytes = 64 * 1024
    /// Excel holds at most 32,767 characters in a cell; four bytes a character at most.
    static let maxTextBytes = 32_767 * 4

    func clearText() { text.removeAll(keepingCapacity: true) }

    var textString: String { String(decoding: XMLScanner.unescape(text[...]), as: UTF8.self) }

    /// Feeds bytes; `handle` sees each element as it completes. Runs between "<" and ">" are found with memchr
    /// and copied whole, so padding and long texts cost a scan, not a step per byte.
    func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        guard let base = bytes.baseAddress else { return }
        var i = 0
        let n = bytes.count
        while i < n {
            let target: Int32 = inTag ? 0x3E : 0x3C  // ">" inside a tag, "<" outside
            let found = memchr(base + i, target, n - i).map { $0 - UnsafeMutableRawPointer(mutating: base) }
            let end = found ?? n
            let run = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            if inTag {
                tag.append(contentsOf: run)
                if tag.count > Self.maxTagBytes { throw XLSX.Failure.notAWorkbook("the worksheet's XML is broken") }
                if found != nil {
                    if tagIsComplete() {
                        inTag = false
                        try emit(handle)
                        tag.removeAll(keepingCapacity: true)
                    } else {
                        tag.append(0x3E)
                    }
                }
            } else {
                if collectingText {
                    text.append(contentsOf: run)
                    if text.count > Self.maxTextBytes {
                        throw XLSX.Failure.notAWorkbook(
                            "a cell holds more than 32,767 characters, more than Excel allows")
                    }
                }
                if found != nil { inTag = true }
            }
            i = end + 1
        }
    }

    /// A comment or CDATA section may hold ">"; it ends only with "-->" or "]]>".
    private func tagIsComplete() -> Bool {
        if tag.starts(with: [0x21, 0x2D, 0x2D]) { return tag.count >= 5 && tag.suffix(2).elementsEqual([0x2D, 0x2D]) }
        if tag.starts(with: Array("![CDATA[".utf8)) {
            return tag.count >= 10 && tag.suffix(2).elementsEqual([0x5D, 0x5D])
        }
        return true
    }

    private func emit(_ handle: (Event) throws -> Void) throws {
        guard let first = tag.first else { return }
        if first == 0x3F { return }  // <?xml …?>
        if first == 0x21 {  // <!-- -->, <!DOCTYPE>, <![CDATA[…]]>
            let cdata = Array("![CDATA[".utf8)
            if tag.starts(with: cdata), collectingText {
                text.append(contentsOf: XMLScanner.escape(tag[cdata.count..<(tag.count - 2)]))
            }
            return
        }
        if first == 0x2F {  // </name>
            try handle(.end(name: Self.localName(tag.dropFirst())))
            return
        }
        var body = tag[...]
        let selfClosing = body.last == 0x2F
        if selfClosing { body = body.dropLast() }
        let nameEnd = body.firstIndex(where: Self.isSpace) ?? body.endIndex
        let name = Self.localName(body[..<nameEnd])
        try handle(.start(name: name, attributes: Self.attributes(body[nameEnd...]), selfClosing: selfClosing))
        if selfClosing { try handle(.end(name: name)) }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func localName(_ bytes: ArraySlice<UInt8>) -> String {
        var b = bytes
        while let l = b.last, isSpace(l) { b = b.dropLast() }
        if let colon = b.lastIndex(of: 0x3A) { b = b[(colon + 1)...] }
        return String(decoding: b, as: UTF8.self)
    }

    static func attributes(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var out: [String: String] = [:]
        var i = bytes.startIndex
        while i < bytes.endIndex {
            while i < bytes.endIndex, isSpace(bytes[i]) { i += 1 }
            let nameStart = i
            while i < bytes.endIndex, bytes[i] != 0x3D, !isSpace(bytes[i]) { i += 1 }
            let name = localName(bytes[nameStart..<i])
            while i < bytes.endIndex, bytes[i] != 0x22, bytes[i] != 0x27 { i += 1 }
            guard i < bytes.endIndex else { break }
            let quote = bytes[i]
            i += 1
            let valueStart = i
            while i < bytes.endIndex, bytes[i] != quote { i += 1 }
            if !name.isEmpty { out[name] = String(decoding: unescape(bytes[valueStart..<i]), as: UTF8.self) }
            i += 1
        }
        return out
    }

    /// CDATA's text is literal; escaping it lets `unescape` treat all collected text alike.
    static func escape(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes { if b == 0x26 { out += Array("&amp;".utf8) } else { out.append(b) } }
        return out
    }

    static func unescape(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(0x26) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b == 0x26, let semi = bytes[i...].prefix(12).firstIndex(of: 0x3B) else {
                out.append(b)
                i += 1
                continue
            }
            let entity = String(decoding: bytes[(i + 1)..<semi], as: UTF8.self)
            var scalar: Unicode.Scalar?
            switch entity {
            case "amp": scalar = "&"
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init)
                }
            }
            guard let scalar else {
                out.append(b)
                i += 1
                continue
            }
            out.append(contentsOf: Array(String(scalar).utf8))
            i = semi + 1
        }
        return out
    }
}
