import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func body(_ id: Int64, find: String? = nil) -> SiteRoute {
        SiteRoute("/bodies/\(id)", query: [("q", find)])
    }
    static func bodyMembers(_ id: Int64) -> SiteRoute { SiteRoute("/bodies/\(id)/members") }
    static func bodyMemberEnd(_ id: Int64, _ member: Int64) -> SiteRoute {
        SiteRoute("/bodies/\(id)/members/\(member)/end")
    }
}

/// A self-governance body (自治组织) on a page of its own: its members, present and past, and for the office and the
/// community the forms that add a member (found by name or phone among the people of the body's compounds) and
/// record one leaving.
struct BodyPage {
    struct Member {
        var position: String
        var name: String
        var period: String
        var current: Bool
        var end: StewardForms.End?
    }
    struct Add {
        var action: String
        var searchAction: String
        var find: String
        var searched: Bool
        var found: Bool
        var more: Bool
        var people: [FormOption]
        var position: String
        var from: String
    }
    var note: PageNote?
    var kindLabel: String
    var place: String
    var formedOn: String
    var members: [Member]
    var hasMembers: Bool
    var add: Add?
    var today: String

    static func load(
        id: Int64, actor: Actor, services: Services, find: String, note: PageNote?, typed: [String: String],
        _ f: PageFrame
    ) async throws -> (title: String, page: BodyPage) {
        let repo = BodyRepository(database: services.database)
        let body = try await repo.get(id: id, actor: actor)
        let manages = Permissions.allows(actor.role, .manageStewards)
        let members = body.members.map { m in
            Member(
                position: m.position, name: m.name, period: period(m.from, m.until, f), current: m.current,
                end: manages
                    ? StewardForms.End(
                        action: SiteRoute.bodyMemberEnd(id, m.id).path, id: m.id, until: m.until, typed: typed) : nil)
        }
        var add: Add?
        if manages {
            // One more than is shown says that there are more, to be narrowed by a full name or a phone.
            let all = find.isEmpty ? [] : try await repo.candidates(body: id, text: find, limit: 21, actor: actor)
            let found = Array(all.prefix(20))
            add = Add(
                action: SiteRoute.bodyMembers(id).path, searchAction: SiteRoute.body(id).path, find: find,
                searched: !find.isEmpty, found: !found.isEmpty, more: all.count > found.count,
                people: found.map {
                    $0.option(selected: typed["resident_id"] == String($0.residentId) || found.count == 1, f)
                }, position: typed["position"] ?? "", from: typed["from"] ?? Clock.today.description)
        }
        let page = BodyPage(
            note: note, kindLabel: f.t("outreach.body." + body.kind.rawValue),
            place: try await place(body, services: services), formedOn: body.formedOn.description, members: members,
            hasMembers: !members.isEmpty, add: add, today: Clock.today.description)
        return (body.name, page)
    }

    static func period(_ from: Day?, _ until: Day?, _ f: PageFrame) -> String {
        let start = from?.description ?? "—"
        return until.map { Lang.fill(f.t("stewards.period.ended"), ["since": start, "until": $0.description]) }
            ?? Lang.fill(f.t("stewards.period.serving"), ["since": start])
    }

    /// The compound or community the body serves, by name.
    static func place(_ body: GoverningBody, services: Services) async throws -> String {
        if let c = body.compoundId {
            return try await Places.names(.compounds, [c], services)[c] ?? ""
        }
        guard let c = body.communityId else { return "" }
        return try await Places.names(.communities, [c], services)[c] ?? ""
    }
}

struct BodyPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/bodies/:id", show)
        Pages.post(router, "/bodies/:id/members", addMember)
        Pages.post(router, "/bodies/:id/members/:member/end", endMember)
    }

    func render(
        _ id: Int64, _ actor: Actor, _ f: PageFrame, find: String = "", note: PageNote? = nil,
        typed: [String: String] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (title, page) = try await BodyPage.load(
            id: id, actor: actor, services: services, find: find, note: note, typed: typed, f)
        return f.page(title: title, "stewards-body", page, status: status)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let find = String((Pages.queryText(request, "q") ?? "").prefix(50))
        let saved = request.uri.queryParameters.get("saved") == "1"
        return try await render(
            id, actor, f, find: find, note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil)
    }

    func redisplay(_ id: Int64, _ actor: Actor, typed: [String: String], _ f: PageFrame) -> Pages.Redisplay {
        { m, status in
            try await render(
                id, actor, f, find: typed["q"] ?? "", note: PageNote(kind: m.0, text: m.1), typed: typed,
                status: status)
        }
    }

    @Sendable func addMember(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let typed = try await Pages.form(request, context)
        return try await Pages.save(f, redisplay: redisplay(id, actor, typed: typed, f)) {
            guard let resident = typed["resident_id"].flatMap({ Int64($0) }) else {
                throw ValidationError(field: "resident_id", code: Pages.pageMessage, message: f.t("bodies.pickPerson"))
            }
            guard let from = Day(typed["from"] ?? "") else {
                throw ValidationError(field: "from", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            _ = try await BodyRepository(database: services.database).addMember(
                body: id, .init(residentId: resident, userId: nil, position: typed["position"] ?? "", from: from),
                actor: actor)
            return SiteRoute.body(id).path + "?saved=1"
        }
    }

    @Sendable func endMember(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let member = try context.parameters.require("member", as: Int64.self)
        let typed = try await Pages.form(request, context)
        let shown = typed.merging(["end_of": String(member)]) { a, _ in a }
        return try await Pages.save(f, redisplay: redisplay(id, actor, typed: shown, f)) {
            let until = try StewardForms.lastDay(typed, tick: "bodies.confirmEnd", f)
            _ = try await BodyRepository(database: services.database).endMember(
                body: id, member: member, until: until, actor: actor)
            return SiteRoute.body(id).path + "?saved=1"
        }
    }
}
