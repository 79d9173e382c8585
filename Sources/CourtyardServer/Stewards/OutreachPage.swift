import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let outreach = SiteRoute("/outreach")
    static let outreachCampaigns = SiteRoute("/outreach/campaigns")
    static let outreachBodies = SiteRoute("/outreach/bodies")
    static func campaignMap(_ id: Int64) -> SiteRoute { SiteRoute("/api/v1/campaigns/\(id)/map.svg") }
    static func campaignMapPage(_ id: Int64) -> SiteRoute { SiteRoute("/campaigns/\(id)/map") }
    static func campaignSheet(_ id: Int64, _ format: String) -> SiteRoute {
        SiteRoute("/api/v1/campaigns/\(id)/progress", query: [("format", format), ("lang", "zh-Hans")])
    }
}

/// The office's and the community's outreach page (楼长与走访): each campaign's exact progress with its battle
/// map and sheets, a form to start one, the stewards of every building and the self-governance bodies.
struct OutreachPage {
    struct CampaignRow {
        var campaignTitle: String
        var goal: String
        var until: String
        var targets: String
        var contacted: String
        var agreed: String
        var rate: String
        var mapHref: String
        var csvHref: String
        var xlsxHref: String
    }
    struct StewardRow {
        var compound: String
        var placeName: String
        var placeHref: String
        var personName: String
        var since: String
        var appointed: String
    }
    struct BodyRow {
        var kindLabel: String
        var bodyName: String
        var bodyHref: String
        var formedOn: String
        var members: String
    }
    struct Form {
        var action: String
        var campaignTitle: String
        var compounds: [FormOption]
        var goals: [FormOption]
        var absentOnly: Bool
        var until: String
    }
    /// The form that forms a body: its kind, name, the compound or community it serves, and the day it was formed.
    struct BodyForm {
        var action: String
        var kinds: [FormOption]
        var places: [FormOption]
        var bodyName: String
        var formedOn: String
    }
    var note: PageNote?
    var campaigns: [CampaignRow]
    var hasCampaigns: Bool
    var stewards: [StewardRow]
    var hasStewards: Bool
    var bodies: [BodyRow]
    var hasBodies: Bool
    var form: Form?
    var bodyForm: BodyForm?

    static func load(actor: Actor, services: Services, note: PageNote?, typed: [String: String], _ f: PageFrame)
        async throws -> OutreachPage
    {
        let db = services.database
        let campaigns = try await campaignRows(actor: actor, services: services, f)
        let current = try await StewardRepository(database: db).list(.init(current: true), actor: actor).prefix(500)
        // The compound each building is in: "1号楼" alone names a building in every compound of a community.
        let places = try await Places.load(compoundIds: current.map(\.compoundId), services: services)
        let stewards =
            current
            .map {
                StewardRow(
                    compound: places.name(compound: $0.compoundId), placeName: $0.placeName,
                    placeHref: SiteRoute.building($0.buildingId).path,
                    personName: $0.residentName, since: $0.since.description,
                    appointed: f.t("stewards.way." + $0.appointedBy.rawValue))
            }
        let bodies = try await BodyRepository(database: db).list(
            compoundId: nil, communityId: nil, kind: nil, actor: actor
        ).prefix(500).map {
            BodyRow(
                kindLabel: f.t("outreach.body." + $0.kind.rawValue), bodyName: $0.name,
                bodyHref: SiteRoute.body($0.id).path,
                formedOn: $0.formedOn.description, members: String($0.members.filter(\.current).count))
        }
        // The compounds both forms offer, read once.
        let compounds =
            Permissions.allows(actor.role, .manageStewards)
            ? Array(try await services.registry.listAll(Compound.self, actor: actor).prefix(500)) : nil
        let form = compounds.map { newCampaign(compounds: $0, typed: typed, f) }
        var bodyForm: BodyForm?
        if let compounds {
            bodyForm = try await newBody(compounds: compounds, actor: actor, services: services, typed: typed, f)
        }
        return OutreachPage(
            note: note, campaigns: campaigns, hasCampaigns: !campaigns.isEmpty, stewards: Array(stewards),
            hasStewards: !stewards.isEmpty, bodies: Array(bodies), hasBodies: !bodies.isEmpty, form: form,
            bodyForm: bodyForm)
    }

    static func campaignRows(actor: Actor, services: Services, _ f: PageFrame) async throws -> [CampaignRow] {
        let repo = CampaignRepository(database: services.database)
        var rows: [CampaignRow] = []
        for c in try await repo.list(actor: actor).prefix(50) {
            let t = try await repo.progress(id: c.id, actor: actor).total
            rows.append(
                CampaignRow(
                    campaignTitle: c.title, goal: f.t("outreach.goal." + c.goal.rawValue), until: c.until.description,
                    targets: String(t.targets), contacted: String(t.contacted), agreed: String(t.agreed),
                    rate: t.tally.goalRate(c.goal) + "%" + f.t("paren.open") + f.t("campaign.rate." + c.goal.rawValue)
                        + f.t("paren.close"), mapHref: SiteRoute.campaignMapPage(c.id).path,
                    csvHref: SiteRoute.campaignSheet(c.id, "csv").path,
                    xlsxHref: SiteRoute.campaignSheet(c.id, "xlsx").path))
        }
        return rows
    }

    /// Compounds and communities are both offered: a party branch serves a compound, a neighbourhood station may serve
    /// a whole community.
    static func newBody(
        compounds: [Compound], actor: Actor, services: Services, typed: [String: String], _ f: PageFrame
    ) async throws -> BodyForm {
        let communities = try await services.registry.listAll(Community.self, actor: actor).prefix(100)
        return BodyForm(
            action: SiteRoute.outreachBodies.path,
            kinds: BodyKind.allCases.map {
                FormOption(
                    value: $0.rawValue, label: f.t("outreach.body." + $0.rawValue),
                    selected: typed["kind"] == $0.rawValue)
            },
            places: PlaceChoice.options(
                compounds: compounds, communities: communities, selected: typed["place"], f),
            bodyName: typed["name"] ?? "", formedOn: typed["formed_on"] ?? Clock.today.description)
    }

    static func newCampaign(compounds: [Compound], typed: [String: String], _ f: PageFrame) -> Form {
        let chosen = FormOption.ticked(typed, "compound_ids")
        return Form(
            action: SiteRoute.outreachCampaigns.path, campaignTitle: typed["title"] ?? "",
            compounds: compounds.prefix(500).map {
                FormOption(value: String($0.id), label: $0.name, selected: chosen.contains(String($0.id)))
            },
            goals: CampaignGoal.allCases.map {
                FormOption(
                    value: $0.rawValue, label: f.t("outreach.goal." + $0.rawValue),
                    selected: typed["goal"] == $0.rawValue)
            }, absentOnly: typed["lives_elsewhere"] == "yes", until: typed["until"] ?? "")
    }
}

struct OutreachController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/outreach", show)
        Pages.get(router, "/campaigns/:id/map", map)
        Pages.post(router, "/outreach/campaigns", createCampaign)
        Pages.post(router, "/outreach/bodies", createBody)
    }

    /// A campaign's wall chart inside the site, with the way back; the picture alone is for printing.
    @Sendable func map(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        struct Page {
            var title: String
            var backHref: String
            var backLabel: String
            var svgHref: String
        }
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let campaign = try await CampaignRepository(database: services.database).get(id: id, actor: actor)
        let steward = !Permissions.allows(actor.role, .manageStewards)
        let page = Page(
            title: campaign.title, backHref: steward ? "/my-households" : "/outreach",
            backLabel: f.t(steward ? "nav.myHouseholds" : "nav.outreach"), svgHref: SiteRoute.campaignMap(id).path)
        return f.page(title: f.t("campaign.map") + " · " + campaign.title, "stewards-campaign-map", page)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let saved = request.uri.queryParameters.get("saved") == "1"
        let page = try await OutreachPage.load(
            actor: actor, services: services, note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil,
            typed: [:], f)
        return f.page(title: f.t("outreach.title"), "stewards-outreach", page)
    }

    /// The page again with why a form was refused, and what was typed into it.
    func redisplay(_ actor: Actor, _ typed: [String: String], _ f: PageFrame) -> Pages.Redisplay {
        { m, status in
            let page = try await OutreachPage.load(
                actor: actor, services: services, note: PageNote(kind: m.0, text: m.1), typed: typed, f)
            return f.page(title: f.t("outreach.title"), "stewards-outreach", page, status: status)
        }
    }

    @Sendable func createCampaign(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let fields = try await Pages.checkboxForm(request, context)
        return try await Pages.save(f, redisplay: redisplay(actor, fields, f)) {
            guard let until = Day(fields["until"] ?? "") else {
                throw ValidationError(field: "until", code: Pages.pageMessage, message: f.t("outreach.badUntil"))
            }
            let filter: JSONValue =
                fields["lives_elsewhere"] == "yes" ? .object([("lives_elsewhere", .bool(true))]) : .object([])
            _ = try await CampaignRepository(database: services.database).create(
                .init(
                    title: fields["title"] ?? "", compoundIds: Pages.ids(fields["compound_ids"]),
                    filter: filter, goal: CampaignGoal(rawValue: fields["goal"] ?? "") ?? .reach, until: until),
                actor: actor)
            return SiteRoute.outreach.path + "?saved=1"
        }
    }

    /// A body formed on the page goes straight to its own page, where its members are added.
    @Sendable func createBody(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let fields = try await Pages.form(request, context)
        return try await Pages.save(f, redisplay: redisplay(actor, fields, f)) {
            guard let formed = Day(fields["formed_on"] ?? "") else {
                throw ValidationError(field: "formed_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            guard let place = PlaceChoice(fields["place"]), let kind = BodyKind(rawValue: fields["kind"] ?? "") else {
                throw ValidationError(field: "place", code: Pages.pageMessage, message: f.t("bodies.pickPlace"))
            }
            let body = try await BodyRepository(database: services.database).create(
                .init(
                    kind: kind, name: fields["name"] ?? "", compoundId: place.compoundId,
                    communityId: place.communityId, formedOn: formed, members: []),
                actor: actor)
            return SiteRoute.body(body.id).path + "?saved=1#add-member"
        }
    }
}
