import Crypto
import Foundation
import Hummingbird

/// A page's small script, a package resource served from `/static/<name>.js` (the pages' Content-Security-Policy
/// allows no inline script) and cached like the stylesheet: its link carries its version, answered 304 by ETag.
/// A page works without it; the script only makes it better where the browser can run it.
struct StaticScript: Sendable {
    let name: String
    let text: String
    let version: String

    init(named name: String) {
        self.name = name
        let url = Bundle.module.url(forResource: name, withExtension: "js")
        text = url.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        version = SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Where a page links to it.
    var path: String { "/static/\(name).js?v=\(version)" }

    func register(on router: Router<AppContext>) {
        router.get("static/\(name).js") { request, _ -> Response in response(request) }
    }

    func response(_ request: Request) -> Response {
        ImmutableFile.response(request, text: text, version: version, contentType: "text/javascript; charset=utf-8")
    }
}

/// A file whose link carries its version (the stylesheet, a page's script): cached for a year, answered 304 when
/// the ETag matches.
enum ImmutableFile {
    static func response(_ request: Request, text: String, version: String, contentType: String) -> Response {
        let etag = "\"\(version)\""
        var headers: HTTPFields = [
            .contentType: contentType, .cacheControl: "public, max-age=31536000, immutable", .eTag: etag,
        ]
        if request.headers[.ifNoneMatch] == etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
