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

    /// Trims, folds full-width forms and collapses runs of inner white space to one space.
    public static func clean(_ s: String) -> String {
        let h = halfWidth(s)
        var out = ""
        out.reserveCapacity(h.utf8.count)
        var pendingSpace = false
        for ch in h {
            if ch.isWhitespace || ch == "\u{00A0}" || ch == "\u{FEFF}" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    /// 是/否, yes/no, y/n, true/false, 1/0; an empty cell is "no". Anything else is nil, never a guess.
    public static func yesNo(_ s: String) -> Bool? {
        switch clean(s).lowercased() {
        case "是", "yes", "y", "true", "1", "√", "外住": return true
        case "否", "no", "n", "false", "0", "": return false
        default: return nil
        }
    }

    /// A whole number written with full-width digits or stray spaces; nil for anything else.
    public static func integer(_ s: String) -> Int? {
        let c = clean(s)
        guard !c.isEmpty, c.count <= 9, c.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        return Int(c)
    }
}

extension String {
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
