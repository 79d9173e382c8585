import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let bulletins = SiteRoute("/bulletins")
    static func bulletins(deleted: Bool) -> SiteRoute {
        SiteRoute("/bulletins", query: [("deleted", deleted ? "1" : nil)])
    }
    static func bulletin(_ id: Int64) -> SiteRoute { SiteRoute("/bulletins/\(id)") }
}

/// The bulletins the person may read, and for the office the form that drafts a new one.
struct BulletinList {
    struct Row {
        let href: String
        let name: String
        let batchYear: Int64
        let asOf: String
        let state: String
        /// A draft dated before the last issue, which cannot be published so: said in the list, not only on its page.
        let behind: String?
    }
    struct Draft {
        let action: String
        var year: String
        var today: String
        var nextSteps = ""
    }

    let rows: [Row]
    /// Stored, since templates see only stored properties.
    let hasRows: Bool
    var draft: Draft?
    var notice: PageNotice?

    /// The list, and the form that drafts a bulletin: empty, or with what was typed when it was refused.
    static func load(
        services: Services, actor: Actor, notice: PageNotice? = nil, typed: [String: String]? = nil, _ f: PageFrame
    ) async throws -> BulletinList {
        let repo = BulletinRepository(database: services.database)
        let items = try await repo.list(actor: actor, batchYear: nil)
        let today = Clock.today
        var rows: [Row] = []
        for b in items {
            let behind = b.state == .draft ? try await repo.behindLastIssue(id: b.id, actor: actor) : nil
            rows.append(
                Row(
                    href: SiteRoute.bulletin(b.id).path,
                    name: BulletinDocument.shortTitle(issueNo: b.issueNo, lang: f.lang),
                    batchYear: b.batchYear, asOf: b.asOf.description, state: f.t("bulletin.state." + b.state.rawValue),
                    behind: behind.map { Lang.fill(f.t("bulletin.behindShort"), ["date": $0.description]) }))
        }
        return BulletinList(
            rows: rows, hasRows: !items.isEmpty,
            draft: Permissions.allows(actor.role, .manageBulletins)
                ? Draft(
                    action: SiteRoute.bulletins.path, year: typed?["batch_year"] ?? String(today.civil.year),
                    today: typed?["as_of"] ?? today.description, nextSteps: typed?["next_steps"] ?? "") : nil,
            notice: notice)
    }

    /// What is wrong with a typed draft's year and date, both at once.
    static func problems(_ typed: [String: String], _ f: PageFrame) -> [String] {
        var found: [String] = []
        if Int(typed["batch_year"] ?? "").map({ (2000...2100).contains($0) }) != true {
            found.append(Lang.fill(f.t("form.yearRange"), ["label": f.t("programme.batch")]))
        }
        if Day(typed["as_of"] ?? "") == nil { found.append(BulletinPageController.badDate(f)) }
        return found
    }
}

/// The bulletins page.
struct BulletinListController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/bulletins", list)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let deleted = request.uri.queryParameters.get("deleted") == "1"
        let page = try await BulletinList.load(
            services: services, actor: actor,
            notice: deleted ? PageNotice(tone: "ok", text: f.t("bulletin.deleted")) : nil, f)
        return f.page(title: f.t("nav.bulletins"), "programme-bulletins", page)
    }
}
