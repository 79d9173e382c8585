import CourtyardDomain
import Hummingbird

/// What a refused form says, in the page's language: a message beside each field that is wrong (shown as
/// `<p class="field-error" role="alert">` after the field, which is marked `aria-invalid`), and one for the form
/// as a whole when the refusal is about no field in particular (too many tries, the period is over).
struct FieldErrors: Sendable {
    private(set) var byField: [String: String] = [:]
    var form: String?

    init(form: String? = nil) { self.form = form }

    var isEmpty: Bool { byField.isEmpty && form == nil }

    /// The message beside a form field; the first one set for a field stays.
    subscript(field: String) -> String? {
        get { byField[field] }
        set {
            if byField[field] == nil, let newValue { byField[field] = newValue }
        }
    }

    /// A refusal from the store, beside the form's field it names (`fields` maps the API's field names to the
    /// form's), or on the form when it names none of them.
    mutating func add(_ error: AppError, fields: [String: String], _ f: PageFrame) {
        let message = Pages.message(for: error, f)
        if let name = error.field, let field = fields[name] {
            self[field] = message
        } else {
            form = message
        }
    }
}
