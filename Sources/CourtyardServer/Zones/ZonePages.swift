import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let zones = SiteRoute("/zones")
    static func zone(_ id: Int64) -> SiteRoute { SiteRoute("/zones/\(id)") }
    static func publicZone(_ id: Int64) -> SiteRoute { SiteRoute("/public/zones/\(id)") }
    static let propertyCompany = SiteRoute("/property-company")
}

enum ZonePages {
    static func add(to router: Router<AppContext>, services: Services) {
        ZonePageController(services: services).register(on: router)
        ZoneFormController(services: services).register(on: router)
        HandoverPageController(services: services).register(on: router)
    }

    /// Fen per m² per month as yuan: 110 → "1.10".
    static func yuan(_ fen: Int64) -> String { SelectionRules.centiText(fen) }

    /// A selection as its pages show it: criteria, bidders and fees, totals once every member has scored, each
    /// compound's vote or the office's decision, and the contract. No one's name or phone.
    struct SelectionView {
        struct Criterion {
            var name: String
            var weight: String
        }
        struct Bidder {
            var company: String
            var fee: String
            var total: String?
            var rank: String?
            var proposed: Bool
        }
        struct Decision {
            var compound: String
            var how: String
            var outcome: String
            var basis: String?
            var voteHref: String?
        }
        struct Contract {
            var company: String
            var term: String
            var fee: String
            var scope: String
        }
        var heading: String
        var method: String
        var state: String
        var deadline: String
        var criteria: [Criterion]
        var bidders: [Bidder]
        var hasBidders: Bool
        /// While bidding is open: how many bids are in, and that bidders and prices are shown once it closes.
        var sealed: String?
        var scored: Bool
        var scoring: String
        var decisions: [Decision]
        var hasDecisions: Bool
        var contract: Contract?
        /// The forms this person may use on it now (the office's zone page only).
        var actions: ZoneForms.Actions?

        static func load(
            _ s: PropertySelection, bids: [PropertyBid], ranking: [RankedBid]?, officeLinks: Bool, _ f: PageFrame
        ) -> SelectionView {
            let byBid = Dictionary(uniqueKeysWithValues: (ranking ?? []).map { ($0.bidId, $0) })
            let company = Dictionary(uniqueKeysWithValues: bids.map { ($0.organisationId, $0.organisationName) })
            let proposed = bids.first { $0.id == s.proposedBidId }?.organisationName ?? ""
            return SelectionView(
                heading: f.t("selection.title") + " · " + beijingTime(s.createdAt).prefix(10),
                method: f.t("selection.method." + s.method.rawValue), state: f.t("selection.state." + s.state),
                deadline: beijingTime(s.deadline),
                criteria: s.criteria.map { Criterion(name: $0.name, weight: "\($0.weight)%") },
                bidders: bids.map { b in
                    Bidder(
                        company: b.organisationName, fee: yuan(b.feeFenPerM2Month), total: byBid[b.id]?.total,
                        rank: byBid[b.id].map { String($0.rank) }, proposed: b.id == s.proposedBidId)
                }.sorted { ($0.rank.flatMap { Int($0) } ?? 99) < ($1.rank.flatMap { Int($0) } ?? 99) },
                hasBidders: !bids.isEmpty,
                sealed: s.state == "bidding" && bids.isEmpty && s.bids > 0
                    ? f.t("selection.sealed").replacingOccurrences(of: "{n}", with: String(s.bids))
                        .replacingOccurrences(of: "{deadline}", with: beijingTime(s.deadline)) : nil,
                scored: ranking != nil,
                scoring: f.t("selection.scoring").replacingOccurrences(of: "{n}", with: String(s.membersScored))
                    .replacingOccurrences(of: "{m}", with: String(s.panelUserIds.count)),
                decisions: s.decisions.map { d in
                    let outcome: String
                    if d.voteId != nil {
                        outcome =
                            d.voteStatus == "closed"
                            ? f.t(d.votePassed == true ? "selection.vote.passed" : "selection.vote.failed")
                            : f.t("selection.vote.open")
                    } else {
                        outcome =
                            d.decision.map { f.t("selection.decision." + $0) } ?? f.t("selection.decision.waiting")
                    }
                    return Decision(
                        compound: d.compoundName,
                        how: f.t(d.voteId != nil ? "selection.how.vote" : "selection.how.office") + " · " + proposed,
                        outcome: outcome, basis: d.basis,
                        voteHref: officeLinks ? d.voteId.map { SiteRoute("/votes/\($0)").path } : nil)
                }, hasDecisions: !s.decisions.isEmpty,
                contract: s.contract.map { c in
                    Contract(
                        company: company[c.organisationId] ?? "", term: "\(c.termFrom) — \(c.termUntil)",
                        fee: yuan(c.feeFenPerM2Month), scope: c.scope)
                })
        }
    }

    /// The zone's selections; given the office's `actor`, each with the forms it offers now.
    static func selections(
        zoneId: Int64, services: Services, actor: Actor?, typed: [String: String] = [:], _ f: PageFrame
    ) async throws
        -> [SelectionView]
    {
        let repo = SelectionRepository(database: services.database)
        var out: [SelectionView] = []
        for s in try await repo.publicSelections(zoneId: zoneId) {
            // The office takes the bids in and sees them; anyone else sees none until bidding closes.
            let bids =
                if let actor {
                    try await repo.bids(selectionId: s.id, actor: actor)
                } else {
                    try await repo.publicBids(selectionId: s.id)
                }
            let ranking = try await repo.publicRanking(selectionId: s.id)
            var view = SelectionView.load(s, bids: bids, ranking: ranking, officeLinks: actor != nil, f)
            if let actor {
                view.actions = try await ZoneForms.actions(
                    s, bids: bids, ranking: ranking, actor: actor, services: services, typed: typed, f)
            }
            out.append(view)
        }
        return out
    }
}

/// The office's zones: each with its compounds, households, area and company.
struct ZonesPage {
    struct Row {
        var name: String
        var href: String
        var compounds: String
        var households: String
        var area: String
        var company: String
    }
    var note: PageNote?
    var rows: [Row]
    var hasRows: Bool
    var geojson: String
    var form: ZoneForms.NewZone

    static func load(actor: Actor, services: Services, note: PageNote?, typed: [String: String], _ f: PageFrame)
        async throws -> ZonesPage
    {
        let zones = try await ZoneRepository(database: services.database).list(actor: actor)
        let rows = zones.map { z in
            Row(
                name: z.name, href: SiteRoute.zone(z.id).path, compounds: String(z.compoundIds.count),
                households: String(z.households), area: z.areaM2,
                company: z.propertyCompanyName ?? f.t("zone.noCompany"))
        }
        return ZonesPage(
            note: note, rows: rows, hasRows: !rows.isEmpty, geojson: "/api/v1/zones?format=geojson",
            form: try await ZoneForms.newZone(actor: actor, services: services, typed: typed, f))
    }
}

/// One zone for the office: its compounds, selections and the hand-overs of its compounds' projects.
struct ZonePage {
    struct Compound {
        var name: String
        var href: String
        var location: String
    }
    struct HandoverRow {
        var compound: String
        var projectHref: String
        var signed: String
        var missing: String
        var complete: Bool
    }
    var note: PageNote?
    var name: String
    var summary: String
    var company: String
    var publicHref: String
    var compounds: [Compound]
    var selections: [ZonePages.SelectionView]
    var hasSelections: Bool
    var handovers: [HandoverRow]
    var hasHandovers: Bool
    /// Starting a selection, while none is under way.
    var newSelection: ZoneForms.NewSelection?

    static func load(
        id: Int64, actor: Actor, services: Services, note: PageNote?, typed: [String: String], _ f: PageFrame
    ) async throws -> ZonePage {
        let zone = try await ZoneRepository(database: services.database).get(id: id, actor: actor)
        let places = try await ZoneRepository(database: services.database).zonePlaces(actor: actor)
            .filter { $0.zoneId == id }
        let handovers = HandoverRepository(database: services.database)
        var rows: [HandoverRow] = []
        let projects = try await services.database.withConnection { db in
            try await db.raw(
                """
                SELECT p.id, c.name FROM projects p JOIN compounds c ON c.id = p.compound_id
                WHERE c.zone_id = \(bind: id) AND p.id IN (SELECT project_id FROM handovers) ORDER BY p.id
                """
            ).all().map { (try $0.int("id"), try $0.text("name")) }
        }
        for (project, compound) in projects {
            guard let h = try? await handovers.get(projectId: project, actor: actor) else { continue }
            rows.append(
                HandoverRow(
                    compound: compound, projectHref: SiteRoute.handover(project).path,
                    signed: HandoverParty.allCases.filter { p in h.signatures.contains { $0.party == p } }
                        .map { f.t("handover.party." + $0.rawValue) }.joined(separator: "、"),
                    missing: HandoverPage.missing(h, f), complete: h.complete))
        }
        let selections = try await ZonePages.selections(
            zoneId: id, services: services, actor: actor, typed: typed, f)
        let underWay = try await SelectionRepository(database: services.database).list(actor: actor, zoneId: id)
            .contains { $0.state != "contracted" }
        return ZonePage(
            note: note, name: zone.name,
            summary: f.t("zone.summary").replacingOccurrences(of: "{c}", with: String(zone.compoundIds.count))
                .replacingOccurrences(of: "{h}", with: String(zone.households))
                .replacingOccurrences(of: "{a}", with: zone.areaM2),
            company: zone.propertyCompanyName ?? f.t("zone.noCompany"), publicHref: SiteRoute.publicZone(id).path,
            compounds: places.map { p in
                Compound(
                    name: p.name, href: SiteRoute("/compounds/\(p.id)").path,
                    location: p.point.map { GeoPoint.text($0.latE7) + ", " + GeoPoint.text($0.lonE7) } ?? "—")
            }, selections: selections, hasSelections: !selections.isEmpty, handovers: rows,
            hasHandovers: !rows.isEmpty,
            newSelection: underWay
                ? nil : try await ZoneForms.newSelection(zone: id, actor: actor, services: services, typed: typed, f))
    }
}

/// What anyone may see of a zone's selection: criteria, bidders, scores once published, the vote's result and
/// the contract's term and fee; never a person's name or phone.
struct PublicZonePage {
    var name: String
    var summary: String
    var company: String
    var compounds: [String]
    var selections: [ZonePages.SelectionView]
    var hasSelections: Bool

    static func load(id: Int64, services: Services, _ f: PageFrame) async throws -> PublicZonePage {
        let zone = try await ZoneRepository(database: services.database).get(id: id, actor: .system)
        let places = try await ZoneRepository(database: services.database).zonePlaces(actor: .system)
            .filter { $0.zoneId == id }
        let selections = try await ZonePages.selections(zoneId: id, services: services, actor: nil, f)
        return PublicZonePage(
            name: zone.name,
            summary: f.t("zone.summary").replacingOccurrences(of: "{c}", with: String(zone.compoundIds.count))
                .replacingOccurrences(of: "{h}", with: String(zone.households))
                .replacingOccurrences(of: "{a}", with: zone.areaM2),
            company: zone.propertyCompanyName ?? f.t("zone.noCompany"), compounds: places.map(\.name),
            selections: selections, hasSelections: !selections.isEmpty)
    }
}

/// A property company's own page: the zones it serves, its record there, and the reports on its compounds.
struct PropertyCompanyPage {
    struct ZoneRow {
        var name: String
        var summary: String
        var compounds: String
        var contractTerm: String?
        var contractFee: String?
        var reports: String
        var share: String
        var satisfaction: String
        var publicHref: String
    }
    struct ReportRow {
        var compound: String
        var category: String
        var state: String
        var due: String
        var overdue: Bool
        var text: String
    }
    var name: String
    var zones: [ZoneRow]
    var hasZones: Bool
    var reports: [ReportRow]
    var hasReports: Bool
    /// The hand-overs of the compounds it serves, signed or not: where it finds the keys, documents and defects again.
    var handovers: [HandoverRow] = []
    var hasHandovers = false
    struct HandoverRow {
        var href: String
        var compound: String
        var status: String
        var defects: String?
    }

    static func load(organisationId: Int64, actor: Actor, services: Services, _ f: PageFrame) async throws
        -> PropertyCompanyPage
    {
        let view = try await PropertyCompanyRepository(database: services.database).view(
            organisationId: organisationId, actor: actor)
        let zones = view.zones.map { z in
            ZoneRow(
                name: z.name,
                summary: f.t("zone.summary").replacingOccurrences(of: "{c}", with: String(z.compounds.count))
                    .replacingOccurrences(of: "{h}", with: String(z.households))
                    .replacingOccurrences(of: "{a}", with: z.areaM2),
                compounds: z.compounds.map(\.name).joined(separator: "、"),
                contractTerm: z.contract.map { "\($0.termFrom) — \($0.termUntil)" },
                contractFee: z.contract.map { "\(ZonePages.yuan($0.feeFenPerM2Month)) \(f.t("selection.feeUnit"))" },
                reports: f.t("company.reports").replacingOccurrences(of: "{n}", with: String(z.record.reports))
                    .replacingOccurrences(of: "{o}", with: String(z.record.open)),
                share: z.record.shareFixedWithinServiceLevel.map { $0 + "%" } ?? "—",
                satisfaction: z.record.satisfactionPercent.map { $0 + "%" } ?? f.t("company.noSurvey"),
                publicHref: SiteRoute.publicZone(z.zoneId).path)
        }
        let reports = view.reports.prefix(100).map { r in
            ReportRow(
                compound: r.compoundName, category: f.lang.catalogue["category." + r.category] ?? r.category,
                state: f.lang.catalogue["report.state." + r.state] ?? r.state, due: r.dueOn?.description ?? "—",
                overdue: r.overdue,
                text: r.description.count > 40 ? String(r.description.prefix(40)) + "…" : r.description)
        }
        var page = PropertyCompanyPage(
            name: view.name, zones: zones, hasZones: !zones.isEmpty, reports: Array(reports),
            hasReports: !reports.isEmpty)
        page.handovers = try await HandoverRepository(database: services.database).list(actor: actor).map { h in
            HandoverRow(
                href: SiteRoute.handover(h.projectId).path, compound: h.compoundName,
                status: f.t(
                    h.handedOver
                        ? "company.handover.done" : h.signed ? "company.handover.signed" : "company.handover.toSign"),
                defects: h.openDefects == 0 ? nil : f.lang.say("company.handover.defects", ["n": String(h.openDefects)])
            )
        }
        page.hasHandovers = !page.handovers.isEmpty
        return page
    }
}

struct ZonePageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/zones", list)
        Pages.get(router, "/zones/:id", detail)
        Pages.get(router, "/property-company", company)
        router.get("public/zones/:id", use: publicZone)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageZones)
        let page = try await ZonesPage.load(actor: actor, services: services, note: nil, typed: [:], f)
        return f.page(title: f.t("zone.title"), "zones-list", page)
    }

    @Sendable func detail(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageZones)
        let saved = request.uri.queryParameters.get("saved") == "1"
        let page = try await ZonePage.load(
            id: try context.parameters.require("id", as: Int64.self), actor: actor, services: services,
            note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil, typed: [:], f)
        return f.page(title: page.name, "zones-zone", page)
    }

    @Sendable func company(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        guard actor.role == .propertyCompany, actor.scope.kind == .organisation, let org = actor.scope.id else {
            throw AppError.forbidden
        }
        let page = try await PropertyCompanyPage.load(organisationId: org, actor: actor, services: services, f)
        return f.page(title: page.name, "zones-company", page)
    }

    @Sendable func publicZone(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        guard
            let page = try? await PublicZonePage.load(
                id: try context.parameters.require("id", as: Int64.self), services: services, f)
        else {
            return f.page(title: f.t("error.title"), "participation-not-found", PublicNotFound(), status: .notFound)
        }
        return f.page(title: page.name, "zones-public", page)
    }
}
