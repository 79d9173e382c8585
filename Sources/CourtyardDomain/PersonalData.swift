/// Residents' names and phones are personal data; these are the only forms shown to those not entitled to them.
public enum PersonalData {
    /// 张三 → 张*, 欧阳娜娜 → 欧***, "Li Lei" → "L*****".
    public static func maskName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// 13812345678 → 138****5678; short numbers keep only their last two digits.
    public static func maskPhone(_ phone: String) -> String {
        let chars = Array(phone)
        if chars.count >= 11 {
            return String(chars[0..<3]) + "****" + String(chars[(chars.count - 4)...])
        }
        if chars.count <= 2 { return String(repeating: "*", count: chars.count) }
        return String(repeating: "*", count: chars.count - 2) + String(chars[(chars.count - 2)...])
    }

    /// An organiser as the public sees them: written "燃气公司 赵工" (the organisation, then the person), the
    /// organisation stays and the person is masked ("燃气公司 赵*"); a name alone is masked as a name.
    public static func maskOrganiser(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.lastIndex(where: { $0 == " " || $0 == "　" }) else { return maskName(trimmed) }
        let person = trimmed[trimmed.index(after: space)...]
        return String(trimmed[..<space]) + " " + maskName(String(person))
    }

    /// Free text as the public reads it: a phone number typed into an office's note masked, the rest as written. A
    /// number is a run of seven or more digits, ASCII or full-width, that may be broken by spaces, dashes, brackets
    /// or a plus ("+86 139 1234 5678", "(010)8888-6666", "１３９…"); its digits but the last two (the first three and
    /// last four of eleven or more) become *, its breaks stay. A day (2026-12-05) stays, also beside a number
    /// ("2026-12-10 13912345678" keeps the day and masks the number).
    public static func maskPhones(in text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            guard isNumeral(chars[i]) || "+(（".contains(chars[i]) else {
                out.append(chars[i])
                i += 1
                continue
            }
            // The longest stretch of digits and breaks from here, ending on a digit.
            var j = i
            var last = -1
            while j < chars.count, isNumeral(chars[j]) || isNumberBreak(chars[j]) {
                if isNumeral(chars[j]) { last = j }
                j += 1
            }
            guard last >= i else {
                out.append(chars[i])
                i += 1
                continue
            }
            out += maskRun(Array(chars[i...last]))
            i = last + 1
        }
        return out
    }

    private static func isNumeral(_ c: Character) -> Bool { c.isASCII ? c.isNumber : ("０"..."９").contains(c) }
    private static func isNumberBreak(_ c: Character) -> Bool { " -+()（）－—".contains(c) }

    /// One run of digits and breaks: its days kept, each stretch between them masked as a number when it has seven
    /// digits or more, kept whole (a room, a short count) otherwise.
    private static func maskRun(_ run: [Character]) -> String {
        var out = ""
        var piece: [Character] = []
        func flush() {
            out += maskNumber(piece)
            piece = []
        }
        // Split at spaces: a word that is a day is written as it is; the words between days are one number.
        var word: [Character] = []
        func endWord() {
            if String(word).wholeMatch(of: /\d{4}-\d{1,2}-\d{1,2}/) != nil {
                let trailing = piece.reversed().prefix { $0 == " " }
                piece.removeLast(trailing.count)
                flush()
                out += String(trailing) + String(word)
            } else {
                piece += word
            }
            word = []
        }
        for c in run {
            if c == " " {
                endWord()
                piece.append(c)
            } else {
                word.append(c)
            }
        }
        endWord()
        flush()
        return out
    }

    /// Digits and breaks masked when they are seven digits or more, else kept as written.
    private static func maskNumber(_ run: [Character]) -> String {
        let digits = run.filter(isNumeral).count
        guard digits >= 7 else { return String(run) }
        let keepFront = digits >= 11 ? 3 : 0
        let keepBack = digits >= 11 ? 4 : 2
        var out = ""
        var seen = 0
        for c in run {
            guard isNumeral(c) else {
                out.append(c)
                continue
            }
            out.append(seen < keepFront || seen >= digits - keepBack ? c : "*")
            seen += 1
        }
        return out
    }

    /// A name as a reader sees it: whole for a role that reads personal data, masked otherwise ("" stays "").
    public static func name(_ name: String, personal: Bool) -> String { personal ? name : maskName(name) }

    /// A phone as a reader sees it: whole for a role that reads personal data, masked otherwise ("" stays "").
    public static func phone(_ phone: String, personal: Bool) -> String { personal ? phone : maskPhone(phone) }

    /// Digits only, so "138 1234 5678" and "138-1234-5678" are the same phone; nil when it is not a phone.
    /// A mobile is 1 and ten more digits (its second 3 to 9); a landline with its area code begins with 0 (10 to 12
    /// digits), one without it has 7 or 8; a company's 400 or 800 line has ten. "+86" or "0086" before a landline
    /// stands for its leading 0; a number abroad ("+852 9123 4567", "00852…") is kept as 00 and its 8 to 15 digits.
    public static func normalizePhone(_ raw: String) -> String? {
        let h = TextNormalizer.halfWidth(raw).trimmingCharacters(in: .whitespaces)
        // Byte by byte: any byte that is not an ASCII digit or one of ` -+()` refuses the whole, so a character
        // made of several scalars or bytes is refused as it would be character by character.
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        for b in h.utf8 {
            switch b {
            case 0x30...0x39:
                guard digits.count < 64 else { return nil }
                digits.append(b)
            case 0x20, 0x2D, 0x2B, 0x28, 0x29: continue
            default: return nil
            }
        }
        var abroad = h.hasPrefix("+")
        if digits.starts(with: [0x30, 0x30]) {
            abroad = true
            digits.removeFirst(2)
        }
        if abroad || (digits.count == 13 && digits.starts(with: [0x38, 0x36, 0x31])) {
            if digits.starts(with: [0x38, 0x36]) {
                digits.removeFirst(2)
                // A mobile after the code is eleven digits from 1; anything else is a landline (Beijing's 10 too).
                if !(digits.count == 11 && digits.first == 0x31) { digits.insert(0x30, at: 0) }
            } else {
                guard (8...15).contains(digits.count) else { return nil }
                return "00" + String(decoding: digits, as: UTF8.self)
            }
        }
        return domestic(digits).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A number within China as dialled there, or nil.
    static func domestic(_ digits: [UInt8]) -> [UInt8]? {
        let serviceLine =
            digits.count == 10 && digits[1] == 0x30 && digits[2] == 0x30 && [0x34, 0x38].contains(digits[0])
        switch digits.first {
        case 0x31?: return digits.count == 11 && (0x33...0x39).contains(digits[1]) ? digits : nil
        case 0x30?: return (10...12).contains(digits.count) ? digits : nil
        case nil: return nil
        default: return (7...8).contains(digits.count) || serviceLine ? digits : nil
        }
    }
}
