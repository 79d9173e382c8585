import CourtyardDomain

/// Free text a person typed: at most `max` characters (Unicode scalars, as the pages' `maxlength` counts them
/// closely enough), refused whole rather than cut.
enum TextBounds {
    static func check(_ text: String, field: String, max: Int = 2000) throws {
        if let tooLong = problem(text, field: field, max: max) { throw tooLong }
    }

    /// A title as given, which must be there and at most `max` characters: "required" when empty, "too_long" when long,
    /// so that a person who typed a long one is not told to type one.
    static func title(_ text: String, field: String = "title", max: Int = 200, what: String) throws -> String {
        guard !text.isEmpty else {
            throw ValidationError(field: field, code: "required", message: "\(what) needs a title")
        }
        try check(text, field: field, max: max)
        return text
    }

    /// The same check, answered instead of thrown, for checks that name every wrong field at once.
    static func problem(_ text: String, field: String, max: Int = 2000) -> ValidationError? {
        guard text.unicodeScalars.count > max else { return nil }
        return ValidationError(field: field, code: "too_long", message: "\(field) is at most \(max) characters")
    }
}
