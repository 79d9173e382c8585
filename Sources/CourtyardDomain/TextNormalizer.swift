/// Cleans what comes out of Excel and WPS: full-width forms, odd spaces, 是/否.
public enum TextNormalizer {
    /// Maps full-width ASCII (U+FF01…U+FF5E) and the ideographic space to their ASCII forms.
    public static func halfWidth(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value >= 0x3000 }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(u.value - 0xFEE0)!)
            case 0x3000: out.append(" ")
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// Trims, folds full-width forms, drops control characters (a NUL cuts SQLite's text short and PostgreSQL
    /// refuses it) and collapses runs of inner white space to one space.
    /// Works on Unicode scalars, not Characters: a city's sheet has millions of cells.
    public static func clean(_ s: String) -> String {
        // A cell of nothing a reader sees is empty; the look stops at the first letter drawn, so a sheet's millions
        // of cells pay one comparison each.
        if isClean(s) { return s.unicodeScalars.allSatisfy(isInvisible) ? "" : s }
        return tidy(s, foldingFullWidth: true)
    }

    /// One line of words a person wrote (a reason, a note, a title): trimmed, control characters dropped and runs of
    /// white space made one space, as `clean`, but its full-width punctuation kept as typed (，：（）), which `clean`
    /// folds for the codes, rooms and places of a sheet.
    public static func line(_ s: String) -> String { tidy(s, foldingFullWidth: false) }

    /// Trims, drops control characters, makes runs of white space one space; folds full-width forms if asked.
    static func tidy(_ s: String, foldingFullWidth fold: Bool) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in s.unicodeScalars {
            if isSpace(u) {
                pendingSpace = !out.isEmpty
                continue
            }
            if isControl(u) { continue }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            out.append(fold && u.value >= 0xFF01 && u.value <= 0xFF5E ? Unicode.Scalar(u.value - 0xFEE0)! : u)
        }
        // A name or a line of nothing a reader sees is none.
        if out.allSatisfy(isInvisible) { return "" }
        return String(out)
    }

    /// True when `clean` would return the text unchanged, checked without building a new string.
    static func isClean(_ s: String) -> Bool {
        if let answer = s.utf8.withContiguousStorageIfAvailable(isCleanUTF8), let answer { return answer }
        return isCleanByScalars(s)
    }

    /// `isClean` over UTF-8 bytes, for text whose only characters outside ASCII cannot be white space or full-width
    /// forms (Chinese characters, for one); nil when a lead byte could begin one of those (C2, E1, E2, E3, EF),
    /// which the scalar check then decides.
    static func isCleanUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var previousSpace = true
        for b in bytes {
            if b < 0x80 {
                if b == 0x20 {
                    if previousSpace { return false }
                    previousSpace = true
                } else if b < 0x20 || b == 0x7F {
                    return false
                } else {
                    previousSpace = false
                }
            } else if b >= 0xC0 {
                switch b {
                case 0xC2, 0xE1, 0xE2, 0xE3, 0xEF: return nil
                default: previousSpace = false
                }
            }
        }
        return !previousSpace || bytes.isEmpty
    }

    static func isCleanByScalars(_ s: String) -> Bool {
        var previousSpace = true
        for u in s.unicodeScalars {
            if isSpace(u) {
                if previousSpace || u != " " { return false }
                previousSpace = true
            } else {
                if (u.value >= 0xFF01 && u.value <= 0xFF5E) || isControl(u) { return false }
                previousSpace = false
            }
        }
        return !previousSpace || s.isEmpty
    }

    /// C0 controls that are not white space, and DEL.
    /// C0 and C1 controls, and the marks that turn text's direction (a right-to-left override makes 张三 read as
    /// something else on every page and export it reaches).
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F...0x84, 0x86...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            true
        default: false
        }
    }

    /// 是/否, yes/no, y/n, true/false, 1/0; an empty cell is "no". Anything else is nil, never a guess.
    public static func yesNo(_ s: String) -> Bool? {
        let c = clean(s)
        // As written (nearly every cell), without building a lowercased copy first.
        switch c {
        case "是", "yes", "y", "true", "1", "√", "外住": return true
        case "否", "no", "n", "false", "0", "": return false
        default: break
        }
        switch c.lowercased() {
        case "是", "yes", "y", "true", "1", "√", "外住": return true
        case "否", "no", "n", "false", "0", "": return false
        default: return nil
        }
    }

    /// A whole number written with full-width digits or stray spaces; nil for anything else.
    public static func integer(_ s: String) -> Int? {
        let c = clean(s)
        // ASCII digits and minus signs only, so bytes and characters are one and the same.
        guard !c.isEmpty, c.utf8.count <= 9, c.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            return nil
        }
        return Int(c)
    }
}

extension String {
    /// The same UTF-8 bytes: equality without Unicode's canonical equivalence, as the sheet's keys compare.
    public func hasSameUTF8(as other: String) -> Bool {
        let a = utf8
        let b = other.utf8
        guard a.count == b.count else { return false }
        let same = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in x.elementsEqual(y) }
        }
        return (same ?? nil) ?? a.elementsEqual(b)
    }

    /// Whether this string sorts before `other` by their UTF-8 bytes: SQLite's BINARY order, and PostgreSQL's in a
    /// "C" or "C.UTF-8" collation.
    public func precedesInUTF8(_ other: String) -> Bool {
        let a = utf8
        let b = other.utf8
        let less = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in x.lexicographicallyPrecedes(y) }
        }
        return (less ?? nil) ?? a.lexicographicallyPrecedes(b)
    }

    public func trimmingWhitespace() -> String {
        guard let f = unicodeScalars.first, let l = unicodeScalars.last else { return self }
        if !TextNormalizer.isSpace(f) && !TextNormalizer.isSpace(l) { return self }
        var s = Substring(self).unicodeScalars
        while let f = s.first, TextNormalizer.isSpace(f) { s.removeFirst() }
        while let l = s.last, TextNormalizer.isSpace(l) { s.removeLast() }
        return String(s)
    }
}

extension TextNormalizer {
    /// Free text as people write it (a report, a notice, an answer): trimmed, line ends unified, control
    /// characters dropped, but Chinese punctuation kept as written (，。？ are not folded to ASCII).
    public static func prose(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for u in s.unicodeScalars {
            if u == "\r" {
                previous = u
                out.append("\n")
                continue
            }
            if u == "\n" && previous == "\r" {
                previous = u
                continue
            }
            previous = u
            if isControl(u) && u != "\n" && u != "\t" { continue }
            out.append(u)
        }
        while let first = out.first, first.properties.isWhitespace { out.removeFirst() }
        while let last = out.last, last.properties.isWhitespace { out.removeLast() }
        // Text of nothing a reader sees (zero-width spaces and joiners alone) is no text: a required answer of it
        // is refused as empty.
        if out.allSatisfy(isInvisible) { return "" }
        return String(out)
    }

    /// What does not make a word on its own: white space, what Unicode says a renderer may ignore (joiners, the
    /// Hangul fillers, variation selectors, tags), marks that only sit on a letter, private and unassigned code
    /// points, and the few symbols that draw nothing (the blank Braille cell, the null notehead), which pass for words
    /// in a form. Beside a letter they stay as written; alone they are no text.
    static func isInvisible(_ u: Unicode.Scalar) -> Bool {
        let p = u.properties
        if isSpace(u) || p.isDefaultIgnorableCodePoint || p.isNoncharacterCodePoint { return true }
        switch p.generalCategory {
        case .format, .control, .nonspacingMark, .enclosingMark, .spacingMark, .privateUse, .unassigned, .surrogate:
            return true
        default: break
        }
        switch u.value {
        case 0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0, 0x1D159, 0x1D173...0x1D17A: return true
        default: return false
        }
    }
}
