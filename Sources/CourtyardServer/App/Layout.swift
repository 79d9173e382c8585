import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird

/// What every page needs to draw its frame.
struct PageFrame {
    var lang: Lang
    var account: Account?
    var csrf: String
    var path: String
    /// Large type (长辈版) is on.
    var large = false
    /// Reload the page after this many seconds (a page that follows work in progress, without script).
    var refreshSeconds: Int?
    /// This drawing's one-time value, in every form it draws (`_once`): a form sent twice is saved once (`SentForm`).
    var once = Security.randomToken()

    func t(_ key: String) -> String { lang.t(key) }

    /// A page whose body is a template over its model.
    func page(title: String, _ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        render(title: title, body: Views.render(template, model, frame: self), status: status)
    }

    struct NavItem {
        var href: String
        var label: String
        var current: Bool
    }

    /// The navigation a person's role opens.
    func navigation(for a: Account) -> [NavItem] {
        var items: [(String, String)] = [("/", "nav.dashboard")]
        if Permissions.allows(a.role, .readRegistry) { items.append(("/communities", "nav.communities")) }
        if Permissions.allows(a.role, .readProjects) { items.append(("/programme", "nav.programme")) }
        if InvestmentPages.opens(a.role) { items.append(("/investment", "nav.investment")) }
        if Permissions.allows(a.role, .manageProjects) || a.role == .viewer { items.append(("/safety", "nav.safety")) }
        if Permissions.allows(a.role, .readRegistry) { items.append(("/bulletins", "nav.bulletins")) }
        if Permissions.allows(a.role, .readRegistry) { items.append(("/votes", "nav.votes")) }
        if Permissions.allows(a.role, .readRegistry) { items.append(("/participation", "nav.participation")) }
        if ReportRouting.canRead(Actor(userId: nil, username: a.username, role: a.role, scope: .global)) {
            items.append(("/reports", "nav.reports"))
        }
        if Permissions.allows(a.role, .manageProjects) || a.role == .viewer {
            items.append(("/meetings", "nav.meetings"))
        }
        if Permissions.allows(a.role, .readProjects) && a.role != .department {
            items.append(("/coordination", "nav.coordination"))
        }
        // A department's liaison also reads the reports assigned to it, listed above.
        if a.role == .department { items.append(("/queue", "nav.queue")) }
        if MyActionsPage.opens(a.role, a.scope) { items.append(("/my-actions", "nav.myActions")) }
        if a.role == .steward { items.append(("/my-households", "nav.myHouseholds")) }
        if [.steward, .communityStaff].contains(a.role) { items.append(("/volunteers", "nav.volunteers")) }
        if Permissions.allows(a.role, .manageStewards) { items.append(("/outreach", "nav.outreach")) }
        if Permissions.allows(a.role, .manageParticipation) { items.append(("/events", "nav.events")) }
        if Permissions.allows(a.role, .importRegistry) { items.append(("/import", "nav.import")) }
        if Permissions.allows(a.role, .readUsers) { items.append(("/users", "nav.users")) }
        if Permissions.allows(a.role, .readAudit) { items.append(("/audit", "nav.audit")) }
        if Permissions.allows(a.role, .manageZones) { items.append(("/zones", "nav.zones")) }
        if a.role == .propertyCompany { items.append(("/property-company", "nav.propertyCompany")) }
        // A role's own work first after the home page: on a phone the bar scrolls sideways, and what is last is off
        // the screen (a steward's households were the eleventh entry).
        let first = Self.firstFor[a.role] ?? []
        items =
            [items[0]] + first.compactMap { f in items.first { $0.0 == f } }
            + items.dropFirst().filter {
                !first.contains($0.0)
            }
        return items.map { NavItem(href: $0.0, label: t($0.1), current: Self.isCurrent($0.0, path: path)) }
    }

    func render(title: String, body: TrustedHTML, status: HTTPResponse.Status = .ok) -> Response {
        struct Frame {
            var title: String
            var stylesheet: String
            var signedIn: Bool
            var otherLangHref: String
            var otherLang: String
            var large: Bool
            var largeHref: String
            var largeLabel: String
            var nav: [NavItem]
            var navScript: String
            var photoScript: String
            var refresh: String?
            var who: String?
            var body: TrustedHTML
        }
        let who = account.map { a in
            (a.displayName.isEmpty ? a.username : a.displayName) + " · " + t("role." + a.role.rawValue)
        }
        let other = lang == .zh ? "en" : "zh-Hans"
        // The language and large-type links keep the page's query, unless it is longer than any form sends (a
        // crafted address): then they lead to the page without it, not to a copy of what was typed.
        let path = self.path.count > 2_000 ? String(self.path.prefix { $0 != "?" }) : self.path
        let frame = Frame(
            title: title, stylesheet: Views.stylesheetPath, signedIn: account != nil,
            otherLangHref: path + (path.contains("?") ? "&" : "?") + "lang=" + other, otherLang: other,
            large: large, largeHref: path + (path.contains("?") ? "&" : "?") + "large=" + (large ? "0" : "1"),
            largeLabel: t(large ? "nav.standardType" : "nav.largeType"),
            nav: account.map(navigation(for:)) ?? [], navScript: Views.navScript.path,
            photoScript: PublicPages.photoScript.path,
            refresh: refreshSeconds.map(String.init), who: who, body: body)
        let html = Views.render("layout", frame, frame: self).html
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The entries each role reaches for first, in this order, right after the home page.
    static let firstFor: [Role: [String]] = [
        .steward: ["/my-households", "/participation", "/votes", "/reports", "/volunteers"],
        .department: ["/queue", "/reports"],
        .propertyCompany: ["/property-company", "/reports"],
        .contractor: ["/programme", "/my-actions", "/coordination"],
        .communityStaff: ["/participation", "/reports", "/outreach", "/events"],
    ]

    /// Whether a navigation entry is where the person is: the registry entry covers the compound, building,
    /// household and resident pages under it; the projects and findings live under the programme (for a property
    /// company, the hand-over it signs under its own page).
    static func isCurrent(_ href: String, path: String) -> Bool {
        let bare = String(path.prefix { $0 != "?" })
        let under: [String: [String]] = [
            "/communities": ["/communities", "/compounds/", "/buildings/", "/households/", "/residents/"],
            "/programme": ["/programme", "/projects/"],
            "/participation": ["/participation", "/questionnaires/", "/notices/"],
            // A property company opens no project but the hand-overs it signs, which belong to its own work.
            "/property-company": ["/property-company", "/projects/"],
        ]
        if href == "/" { return bare == "/" }
        return (under[href] ?? [href]).contains { bare == $0 || bare.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

}

/// Large type for elderly readers (长辈版): bigger letters and taps on every page, kept in a cookie for a year.
enum LargeType {
    static let cookie = "large"
}
