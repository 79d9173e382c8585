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

    /// A name as a reader sees it: whole for a role that reads personal data, masked otherwise ("" stays "").
    public static func name(_ name: String, personal: Bool) -> String { personal ? name : maskName(name) }

    /// A phone as a reader sees it: whole for a role that reads personal data, masked otherwise ("" stays "").
    public static func phone(_ phone: String, personal: Bool) -> String { personal ? phone : maskPhone(phone) }

    /// Digits only, so "138 1234 5678" and "138-1234-5678" are the same phone; nil when it is not a phone.
    public static func normalizePhone(_ raw: String) -> String? {
        let h = TextNormalizer.halfWidth(raw)
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
        if digits.count == 13 && digits[0] == 0x38 && digits[1] == 0x36 { digits.removeFirst(2) }
        // A mobile is 1 and ten more digits (its second 3 to 9); a landline with its area code begins with 0;
        // one without it is 7 or 8 digits beginning 2 to 9; a company's 400 or 800 line has ten.
        let serviceLine =
            digits.count == 10 && digits[1] == 0x30 && digits[2] == 0x30 && [0x34, 0x38].contains(digits[0])
        switch digits.first {
        case 0x31?: guard digits.count == 11, (0x33...0x39).contains(digits[1]) else { return nil }
        case 0x30?: guard (10...12).contains(digits.count) else { return nil }
        default: guard (7...8).contains(digits.count) || serviceLine else { return nil }
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
