import CourtyardDomain

/// Free text a person typed: at most `max` characters (Unicode scalars, as the pages' `maxlength` counts them
/// closely enough), refused whole rather than cut.
enum TextBounds {
    static func check(_ text: String, field: String, max: Int = 2000) throws {
        guard text.unicodeScalars.count <= max else {
            throw ValidationError(field: field, code: "too_long", message: "\(field) is at most \(max) characters")
        }
    }
}
