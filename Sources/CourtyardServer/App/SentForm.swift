import CourtyardStore
import Crypto
import Foundation
import Synchronization

/// A page form as it was sent, for saving it once (`FormSubmissions`): every drawn page form carries a one-time value
/// (`_once`, the page's `once`), and reading the form notes a key made of who sent it, where, that value and
/// everything in it. A second sending of the same form, unchanged, has the same key; the same form sent again with
/// something changed (the back button, another household chosen) is a sending of its own.
final class SentForm: Sendable {
    /// The form of the page request being answered (bound by `Pages.run`).
    @TaskLocal static var current: SentForm?

    let store: FormSubmissions
    private let key = Mutex<String?>(nil)
    private let files = Mutex(false)

    /// Whether the form read carried a file: refused, the page asks for it again, as no browser shows it again.
    var sentFiles: Bool { files.withLock { $0 } }
    static func noteFiles(_ list: [(name: String, filename: String, bytes: [UInt8])]) {
        guard let sent = current, list.contains(where: { !$0.bytes.isEmpty }) else { return }
        sent.files.withLock { $0 = true }
    }

    init(store: FormSubmissions) { self.store = store }

    /// Takes the key noted for this request: the request's first save claims it.
    func take() -> String? {
        key.withLock { k in
            defer { k = nil }
            return k
        }
    }

    /// Notes the form just read, when the page drew it with a one-time value.
    static func note(
        sender: String, path: String, fields: [String: [String]],
        files: [(name: String, filename: String, bytes: [UInt8])] = []
    ) {
        guard let sent = current, hasOnce(fields) else { return }
        let digest = digest(sender: sender, path: path, fields: fields, files: files)
        sent.key.withLock { $0 = digest }
    }

    /// Whether the form carries the drawn page's one-time value (at most 100 bytes; anything else is no value).
    static func hasOnce(_ fields: [String: [String]]) -> Bool {
        guard let once = fields["_once"]?.last else { return false }
        return !once.isEmpty && once.utf8.count <= 100
    }

    /// SHA-256 over every part, each length-prefixed so that no two different forms run together alike.
    static func digest(
        sender: String, path: String, fields: [String: [String]],
        files: [(name: String, filename: String, bytes: [UInt8])]
    ) -> String {
        var hash = SHA256()
        func add(_ text: String) { addBytes(Array(text.utf8)) }
        func addBytes(_ bytes: [UInt8]) {
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { hash.update(bufferPointer: $0) }
            hash.update(data: bytes)
        }
        add(sender)
        add(path)
        for name in fields.keys.sorted() {
            let values = fields[name] ?? []
            add(name)
            add(String(values.count))
            for value in values { add(value) }
        }
        add(String(files.count))
        for file in files {
            add(file.name)
            add(file.filename)
            addBytes(file.bytes)
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
