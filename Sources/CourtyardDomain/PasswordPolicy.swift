/// What a new password must be: at least 8 characters, at most 72 bytes (bcrypt reads no further, so a longer
/// one would be cut short without a word), and not one an attacker tries first.
public enum PasswordPolicy {
    public static let minimumCharacters = 8
    public static let maximumBytes = 72

    public enum Problem: String, Sendable, Equatable, CaseIterable {
        case tooShort = "too_short", tooLong = "too_long", common, trivial, username
    }

    /// Nil when the password may be used; otherwise the first rule it breaks.
    public static func problem(_ password: String, username: String? = nil) -> Problem? {
        if password.utf8.count > maximumBytes { return .tooLong }
        if password.count < minimumCharacters { return .tooShort }
        if isTrivial(password) { return .trivial }
        let folded = password.lowercased()
        if let username, !username.isEmpty, folded == username.lowercased() { return .username }
        if common.contains(folded) { return .common }
        return nil
    }

    /// Only whitespace, one character repeated, or a run of consecutive digits or letters
    /// (12345678, 87654321, abcdefgh).
    static func isTrivial(_ password: String) -> Bool {
        if password.allSatisfy(\.isWhitespace) { return true }
        if Set(password).count == 1 { return true }
        let scalars = Array(password.lowercased().unicodeScalars)
        guard scalars.allSatisfy({ $0.isASCII && ($0.properties.numericType != nil || ("a"..."z").contains($0)) })
        else {
            return false
        }
        let steps = zip(scalars, scalars.dropFirst()).map { Int($1.value) - Int($0.value) }
        return steps.allSatisfy { $0 == 1 } || steps.allSatisfy { $0 == -1 }
    }

    /// The most common passwords of eight characters or more, in lists of leaked Chinese and English accounts, and
    /// the product's own words: the demo's published password is the first anyone would try on a real server.
    static let common: Set<String> = [
        "courtyard-demo", "courtyarddemo", "courtyard", "courtyard1", "courtyard123", "courtyard-admin",
        "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "iloveyou",
        "iloveyou1",
        "12345678", "123456789", "1234567890", "0123456789", "11111111", "111111111", "1111111111", "00000000",
        "000000000", "88888888", "888888888", "66666666", "666666666", "99999999", "55555555", "12341234", "11223344",
        "12344321", "123123123", "123456123", "12121212", "147258369", "159357456", "147852369", "987654321",
        "1qaz2wsx", "1qaz2wsx3edc", "1q2w3e4r", "1q2w3e4r5t", "qwertyui", "qwertyuiop", "qwerty123", "qwe12345",
        "qweasdzxc", "123qweasd", "123qweasdzxc", "asdfghjk", "asdfghjkl", "asdf1234", "zxcvbnm1", "zxcvbnm123",
        "abc12345", "abcd1234", "abc123456", "a1234567", "a12345678", "a123456789", "aa123456", "aa12345678",
        "qq123456", "qq123456789", "asd123456", "zxc123456", "q1w2e3r4", "w1234567", "1234qwer", "12345qwert",
        "woaini1314", "woaini520", "woaini123", "woaini1314520", "5201314520", "52013145", "1314520520", "woaiwojia",
        "wodemima", "mima1234", "mima123456", "admin123", "admin1234", "admin12345", "administrator", "root1234",
        "letmein1", "welcome1", "welcome123", "sunshine", "princess", "football", "baseball", "superman", "trustno1",
        "iloveu1314", "aini1314", "zhang123456", "wang123456", "li123456", "liu123456", "chen123456", "huang123456",
        "china123", "zhongguo", "beijing2008", "computer", "internet", "changeme", "default1", "test1234", "testtest",
    ]
}
