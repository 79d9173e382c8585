import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird

/// Escapes text for HTML content and attribute values.
func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// A stored UTC time ("2026-11-25T23:58:00Z") as people in China read it: "2026-11-26 07:58" (UTC+8).
func beijingTime(_ iso: String, dateOnly: Bool = false) -> String {
    let chars = Array(iso)
    guard chars.count >= 16, let day = Day(String(chars[0..<10])), let h = Int(String(chars[11..<13])),
        let m = Int(String(chars[14..<16]))
    else { return iso }
    let minutes = h * 60 + m + 8 * 60
    let local = day.adding(days: Int64(minutes / 1440))
    if dateOnly { return local.description }
    let hm = minutes % 1440
    return "\(local) \(hm / 60 < 10 ? "0" : "")\(hm / 60):\(hm % 60 < 10 ? "0" : "")\(hm % 60)"
}

/// What every page needs to draw its frame.
struct PageFrame {
    var lang: Lang
    var account: Account?
    var csrf: String
    var path: String

    func t(_ key: String) -> String { lang.t(key) }

    /// A link to the same page in the other language.
    var otherLangLink: String {
        let other = lang == .zh ? "en" : "zh-Hans"
        return "\(esc(path))\(path.contains("?") ? "&amp;" : "?")lang=\(other)"
    }

    func csrfField() -> String { "<input type=\"hidden\" name=\"_csrf\" value=\"\(esc(csrf))\">" }

    func render(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        var nav = ""
        if let a = account {
            var items: [(String, String)] = [("/", "nav.dashboard")]
            if Permissions.allows(a.role, .readRegistry) { items.append(("/communities", "nav.communities")) }
            if Permissions.allows(a.role, .readProjects) { items.append(("/programme", "nav.programme")) }
            if Permissions.allows(a.role, .readRegistry) { items.append(("/bulletins", "nav.bulletins")) }
            if Permissions.allows(a.role, .readRegistry) { items.append(("/votes", "nav.votes")) }
            if Permissions.allows(a.role, .readRegistry) { items.append(("/participation", "nav.participation")) }
            if Permissions.allows(a.role, .readRegistry) || a.role == .contractor {
                items.append(("/reports", "nav.reports"))
            }
            if Permissions.allows(a.role, .importRegistry) { items.append(("/import", "nav.import")) }
            if Permissions.allows(a.role, .readUsers) { items.append(("/users", "nav.users")) }
            if Permissions.allows(a.role, .readAudit) { items.append(("/audit", "nav.audit")) }
            nav = items.map { href, key in
                let current = Self.isCurrent(href, path: path) ? " aria-current=\"page\"" : ""
                return "<a href=\"\(href)\"\(current)>\(esc(t(key)))</a>"
            }.joined()
            nav += """
                <span class="who">\(esc(a.displayName.isEmpty ? a.username : a.displayName)) · \(esc(t("role." + a.role.rawValue)))</span>
                <form method="post" action="/logout" class="inline">\(csrfField())<button type="submit" class="link">\(esc(t("nav.logout")))</button></form>
                """
        }
        // Signed out, "/" only leads to the sign-in page: the name is then a title, not a link.
        let brand =
            account == nil
            ? "<span class=\"brand\">\(esc(t("app.name")))</span>"
            : "<a class=\"brand\" href=\"/\">\(esc(t("app.name")))</a>"
        let html = """
            <!doctype html>
            <html lang="\(lang.htmlTag)">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(title)) · \(esc(t("app.name")))</title>
            <style>\(Self.css)</style></head>
            <body>
            <a class="skip" href="#main">\(esc(t("skip")))</a>
            <header><div class="bar">\(brand)
            <a class="lang" href="\(otherLangLink)" hreflang="\(lang == .zh ? "en" : "zh-Hans")">\(esc(t("nav.otherLang")))</a></div>
            <nav aria-label="\(esc(t("app.name")))">\(nav)</nav></header>
            <main id="main"><h1>\(esc(title))</h1>
            \(body)
            </main>
            <footer>\(esc(t("app.name"))) · \(esc(t("app.tagline")))</footer>
            </body></html>
            """
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Whether a navigation entry is where the person is: the registry entry covers the compound, building,
    /// household and resident pages under it; the projects and findings live under the programme.
    static func isCurrent(_ href: String, path: String) -> Bool {
        let bare = String(path.prefix { $0 != "?" })
        let under: [String: [String]] = [
            "/communities": ["/communities", "/compounds/", "/buildings/", "/households/", "/residents/"],
            "/programme": ["/programme", "/projects/"],
            "/participation": ["/participation", "/questionnaires/", "/notices/"],
        ]
        if href == "/" { return bare == "/" }
        return (under[href] ?? [href]).contains { bare == $0 || bare.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    static let css = """
        :root{--ink:#1b1b1b;--muted:#555;--line:#d0d0d0;--accent:#9b1c1c;--bg:#faf8f5;--card:#fff;font-size:16px}
        *{box-sizing:border-box}body{margin:0;font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:var(--ink);background:var(--bg);line-height:1.5}
        a{color:#0b4f8a}a:focus,button:focus,input:focus,select:focus{outline:3px solid #f2b400;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:9}
        header{background:var(--accent);color:#fff}header a{color:#fff}.bar{display:flex;justify-content:space-between;align-items:center;padding:10px 16px}
        .brand{font-weight:700;font-size:1.2rem;text-decoration:none}
        header nav{display:flex;flex-wrap:wrap;gap:4px 16px;padding:0 16px 10px;align-items:center}
        header nav a{text-decoration:none;display:inline-flex;align-items:center;min-height:44px;padding:0 2px}
        header nav a[aria-current]{border-bottom:2px solid #fff;font-weight:700}.who{opacity:.85;font-size:.9rem}
        main{max-width:1200px;margin:0 auto;padding:16px}h1{font-size:1.5rem;margin:.2em 0 .6em}h2{font-size:1.2rem;margin-top:1.6em}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px}
        .card b{display:block;font-size:1.6rem}.card span{color:var(--muted);font-size:.9rem}
        .table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:6px}
        table{border-collapse:collapse;width:100%}th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
        th{background:#f0ece6;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        form.stack{display:grid;gap:10px;max-width:520px;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px}
        label{display:grid;gap:4px;font-weight:600}input,select,textarea,button{font:inherit;padding:8px 10px;border:1px solid #888;border-radius:4px;min-height:44px}
        input,select,textarea{width:100%;min-width:0}
        label.check{display:flex;gap:10px;align-items:center;font-weight:400;min-height:44px;cursor:pointer}
        label.check input{min-height:auto;width:24px;height:24px;margin:0;flex:none}
        button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
        button.link{background:none;border:none;color:#fff;text-decoration:underline;min-height:44px;padding:0 8px}
        button.secondary{background:#fff;color:var(--accent);border:2px solid var(--accent)}
        button.danger,a.button.danger{background:#fff;color:#9b1c1c;border:2px solid #9b1c1c}
        a.button{display:inline-flex;align-items:center;min-height:44px;padding:0 14px;border:1px solid #888;
        border-radius:4px;background:#fff;text-decoration:none}
        .who{display:inline-flex;align-items:center;min-height:44px}
        .crumbs{margin:0 0 8px;font-size:.95rem}
        .crumbs a,.crumbs span{display:inline-flex;align-items:center;min-height:44px}
        .crumbs ol{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:0 6px}
        .crumbs li+li:before{content:"›";margin-right:6px;color:var(--muted)}
        form.inline{display:inline}.note{padding:10px 12px;border-radius:6px;margin:10px 0;border:1px solid}
        .ok{background:#eef7ee;border-color:#6a9f6a}.bad{background:#fbeeee;border-color:#b55}.muted{color:var(--muted)}
        .grid td{vertical-align:top;min-width:96px}.grid a.hh{display:block;padding:4px 6px;margin:2px 0;border:1px solid var(--line);border-radius:4px;text-decoration:none;background:#fff}
        .grid a.hh.away{border-style:dashed}
        .bar-pc{display:inline-block;width:80px;height:10px;border:1px solid #888;vertical-align:middle;margin-right:6px}.bar-pc i{display:block;height:100%;background:#2f6f3e}
        .stages{display:flex;flex-wrap:wrap;gap:4px;padding:0;list-style:none}.stages li{padding:4px 8px;border:1px solid var(--line);border-radius:4px;background:#fff;font-size:.9rem}
        .stages li.done{background:#eef7ee}.stages li.now{background:var(--accent);color:#fff;font-weight:700}
        /* Filter chips are links 44 px tall. The chosen one is white on the accent red: #ffffff on #9b1c1c is
           8.15:1 (WCAG AA asks 4.5:1); the link blue #0b4f8a it had on that red was 1.03:1. Others: #0b4f8a on
           #ffffff, 8.4:1. */
        .stages.chips li{padding:0}.stages.chips a{display:flex;align-items:center;min-height:44px;padding:0 12px}
        .stages li.now a{color:#fff}
        img.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}.actions{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
        .poster{text-align:center}.poster .big{font-size:1.6rem;font-weight:700}.poster img{max-width:80vw;height:auto}.grid small{color:var(--muted);display:block}
        footer{color:var(--muted);text-align:center;padding:24px 16px;font-size:.85rem}
        @media (max-width:600px){main{padding:10px}th,td{padding:6px}h1{font-size:1.3rem}}
        @media print{header,footer,.skip{display:none}}
        """
}
