import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func zoneSelections(_ zone: Int64) -> SiteRoute { SiteRoute("/zones/\(zone)/selections") }
    static func selection(_ id: Int64) -> SiteRoute { SiteRoute("/property-selections/\(id)") }
    static func selectionStep(_ id: Int64, _ step: String) -> SiteRoute {
        SiteRoute("/property-selections/\(id)/\(step)")
    }
}

/// The office's forms on the zone pages: a new zone, and a selection started, its bids entered, scored, put to
/// the owners, decided where there are no owners to vote, and closed by its contract. A refused form shows the
/// page again with the reason in the page's language and what was typed.
enum ZoneForms {
    struct NewZone {
        var action: String
        var name: String
        var communities: [FormOption]
        var compounds: [FormOption]
        var hasCompounds: Bool
    }

    struct NewSelection {
        var action: String
        var methods: [FormOption]
        var deadline: String
        var criteria: String
        var panel: [FormOption]
    }

    struct ScoreCell {
        var name: String
        var criterion: String
        var value: String
    }
    struct ScoreRow {
        var company: String
        var cells: [ScoreCell]
    }
    struct Decide {
        var action: String
        var compound: String
        var compoundId: String
    }

    /// What the person may do next with one selection; each form appears only in the state that takes it.
    struct Actions {
        var bidAction: String?
        var companies: [FormOption]
        var scoreAction: String?
        var scoreRows: [ScoreRow]
        var proposeAction: String?
        var ranked: [FormOption]
        var decide: [Decide]
        var hasDecide: Bool
        var contractAction: String?
        var contractFee: String
        /// What was typed into this selection's refused contract form.
        var contractFrom = ""
        var contractUntil = ""
        var contractScope = ""
        /// Why this selection's contract or bid form was refused, said inside it.
        var contractProblem: String?
        var bidProblem: String?
        /// What was typed into this selection's refused bid form.
        var bidFee = ""
        var bidPlan = ""
    }

    static func newZone(actor: Actor, services: Services, typed: [String: String], _ f: PageFrame) async throws
        -> NewZone
    {
        let communities = try await services.registry.listAll(Community.self, actor: actor)
        let places = try await ZoneRepository(database: services.database).places(actor: actor)
        let chosen = FormOption.ticked(typed, "compound_ids")
        let name = Dictionary(communities.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return NewZone(
            action: SiteRoute.zones.path, name: typed["name"] ?? "",
            communities: communities.map {
                FormOption(value: String($0.id), label: $0.name, selected: typed["community_id"] == String($0.id))
            },
            compounds: places.filter { $0.zoneId == nil }.map {
                FormOption(
                    value: String($0.id), label: [name[$0.communityId] ?? "", $0.name].joined(separator: " · "),
                    selected: chosen.contains(String($0.id)))
            }, hasCompounds: places.contains { $0.zoneId == nil })
    }

    static func newSelection(zone: Int64, actor: Actor, services: Services, typed: [String: String], _ f: PageFrame)
        async throws -> NewSelection
    {
        let accounts =
            (try? await AccountRepository(database: services.database).list(actor: actor))?.filter {
                !$0.disabled && [.subdistrictOfficer, .communityStaff].contains($0.role)
            } ?? []
        let chosen = FormOption.ticked(typed, "panel")
        return NewSelection(
            action: SiteRoute.zoneSelections(zone).path,
            methods: SelectionMethod.allCases.map {
                FormOption(
                    value: $0.rawValue, label: f.t("selection.method." + $0.rawValue),
                    selected: typed["method"] == $0.rawValue)
            }, deadline: typed["deadline"] ?? "",
            criteria: typed["criteria"] ?? f.t("selection.form.criteriaExample"),
            panel: accounts.map {
                FormOption(
                    value: String($0.id), label: $0.displayName.isEmpty ? $0.username : $0.displayName,
                    selected: chosen.contains(String($0.id)))
            })
    }

    /// The forms one selection offers `actor` now.
    static func actions(
        _ s: PropertySelection, bids: [PropertyBid], ranking: [RankedBid]?, actor: Actor, services: Services,
        typed: [String: String], _ f: PageFrame
    ) async throws -> Actions {
        var a = Actions(
            companies: [], scoreRows: [], ranked: [], decide: [], hasDecide: false, contractFee: "")
        let step = { (name: String) in SiteRoute.selectionStep(s.id, name).path }
        if s.state == "bidding" {
            let orgs = try await services.registry.listAll(Organisation.self, actor: actor)
            let bidden = Set(bids.map(\.organisationId))
            // Only the selection whose bid was refused gets back what was typed.
            let mine = typed["selection_id"] == String(s.id) ? typed : [:]
            a.companies = orgs.filter { $0.kind == .propertyCompany && !bidden.contains($0.id) }.map {
                FormOption(value: String($0.id), label: $0.name, selected: mine["organisation_id"] == String($0.id))
            }
            a.bidAction = a.companies.isEmpty ? nil : step("bids")
            a.bidFee = mine["fee"] ?? ""
            a.bidPlan = mine["plan"] ?? ""
            a.bidProblem = mine["_problem"]
        }
        if s.state == "scoring", let me = actor.userId, s.panelUserIds.contains(me) {
            let mine = try await SelectionRepository(database: services.database).scores(
                selectionId: s.id, actor: actor
            ).scores.filter { $0.userId == me }
            a.scoreAction = bids.isEmpty ? nil : step("scores")
            a.scoreRows = bids.map { b in
                ScoreRow(
                    company: b.organisationName,
                    cells: s.criteria.enumerated().map { i, c in
                        ScoreCell(
                            name: "score_\(b.id)_\(i)", criterion: c.name,
                            value: typed["score_\(b.id)_\(i)"]
                                ?? mine.first { $0.bidId == b.id && $0.criterion == c.name }?.score ?? "")
                    })
            }
        }
        if s.state == "scored", let ranking {
            a.proposeAction = step("proposal")
            a.ranked = ranking.map {
                FormOption(
                    value: String($0.bidId), label: "\($0.rank). \($0.organisationName) · \($0.total)",
                    selected: $0.rank == 1)
            }
        }
        if s.state == "deciding" {
            a.decide = s.decisions.filter { $0.voteId == nil && $0.decision == nil }.map {
                Decide(action: step("decisions"), compound: $0.compoundName, compoundId: String($0.compoundId))
            }
            a.hasDecide = !a.decide.isEmpty
            a.contractAction = step("contract")
            let mine = typed["selection_id"] == String(s.id) ? typed : [:]
            a.contractFee =
                mine["fee"] ?? bids.first { $0.id == s.proposedBidId }.map { ZonePages.yuan($0.feeFenPerM2Month) } ?? ""
            a.contractFrom = mine["term_from"] ?? ""
            a.contractUntil = mine["term_until"] ?? ""
            a.contractScope = mine["scope"] ?? ""
            a.contractProblem = mine["_problem"]
        }
        return a
    }

    /// "服务方案 40" per line (a space, a tab or a full-width space before the weight) → criteria.
    static func criteria(_ text: String, _ f: PageFrame) throws -> [SelectionCriterion] {
        try text.split(whereSeparator: \.isNewline).map { line -> SelectionCriterion in
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{3000}" })
            guard parts.count >= 2, let weight = Int(parts.last!), weight >= 0, weight <= 100 else {
                throw ValidationError(
                    field: "criteria", code: Pages.pageMessage,
                    message: f.t("selection.form.badCriterion").replacingOccurrences(of: "{line}", with: String(line)))
            }
            return SelectionCriterion(
                name: TextNormalizer.clean(parts.dropLast().joined(separator: " ")), weight: weight)
        }.filter { !$0.name.isEmpty }
    }

    /// Everything wrong with a typed bid that can be told before saving: the company, the fee and the plan.
    static func bidProblems(_ fields: [String: String], _ f: PageFrame) -> [String] {
        var found: [String] = []
        if Int64(fields["organisation_id"] ?? "") == nil { found.append(f.t("error.organisation_id.not_found")) }
        if SelectionRules.feeFen((fields["fee"] ?? "").trimmingCharacters(in: .whitespaces)) == nil {
            found.append(f.t("selection.form.badFee"))
        }
        if TextNormalizer.prose(fields["plan"] ?? "").isEmpty { found.append(f.t("error.plan.required")) }
        return found
    }

    static func fee(_ text: String?, _ f: PageFrame) throws -> Int64 {
        guard let fen = SelectionRules.feeFen((text ?? "").trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError(field: "fee", code: Pages.pageMessage, message: f.t("selection.form.badFee"))
        }
        return fen
    }
}

/// The zone pages' forms: each runs the store's own rule and, refused, shows its page again.
struct ZoneFormController {
    let services: Services
    var selections: SelectionRepository { SelectionRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/zones", createZone)
        Pages.post(router, "/zones/:id/selections", createSelection)
        Pages.get(router, "/property-selections/:id", show)
        Pages.post(router, "/property-selections/:id/:step", step)
    }

    /// One selection on a page of its own, for a panel member who is not the office: it, and their scores.
    struct SelectionPage {
        var note: PageNote?
        var selection: ZonePages.SelectionView
        var zoneHref: String?
    }

    func render(
        _ s: PropertySelection, _ actor: Actor, note: PageNote?, typed: [String: String], _ f: PageFrame,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let office = Permissions.allows(actor.role, .manageZones)
        let bids = try await selections.bids(selectionId: s.id, actor: actor)
        let ranking = try await selections.publicRanking(selectionId: s.id)
        var view = ZonePages.SelectionView.load(s, bids: bids, ranking: ranking, officeLinks: office, f)
        view.actions = try await ZoneForms.actions(
            s, bids: bids, ranking: ranking, actor: actor, services: services, typed: typed, f)
        let page = SelectionPage(note: note, selection: view, zoneHref: office ? SiteRoute.zone(s.zoneId).path : nil)
        return f.page(title: s.zoneName + " · " + f.t("selection.title"), "zones-selection-page", page, status: status)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        let s = try await selections.get(id: try context.parameters.require("id", as: Int64.self), actor: actor)
        let saved = request.uri.queryParameters.get("saved") == "1"
        return try await render(
            s, actor, note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil, typed: [:], f)
    }

    @Sendable func createZone(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageZones)
        let fields = try await Pages.checkboxForm(request, context)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await ZonesPage.load(
                actor: actor, services: services, note: PageNote(kind: m.0, text: m.1), typed: fields, f)
            return f.page(title: f.t("zone.title"), "zones-list", page, status: status)
        }
        return try await Pages.save(f, redisplay: redisplay) {
            let name = TextNormalizer.clean(fields["name"] ?? "")
            guard !name.isEmpty else {
                throw ValidationError(field: "name", code: Pages.pageMessage, message: f.t("zone.form.nameRequired"))
            }
            guard !Pages.ids(fields["compound_ids"]).isEmpty else {
                throw ValidationError(
                    field: "compound_ids", code: Pages.pageMessage, message: f.t("zone.form.compoundsRequired"))
            }
            let community = Int64(fields["community_id"] ?? "")
            let zone = try await ZoneRepository(database: services.database).create(
                .init(
                    name: name, subdistrictId: actor.scope.kind == .subdistrict ? actor.scope.id : nil,
                    communityId: .some(community), compoundIds: Pages.ids(fields["compound_ids"])), actor: actor)
            return SiteRoute.zone(zone.id).path + "?saved=1"
        }
    }

    @Sendable func createSelection(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws
        -> Response
    {
        let actor = try context.require(.manageZones)
        let zone = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.checkboxForm(request, context)
        return try await Pages.save(f, redisplay: redisplay(zone, actor, fields, f)) {
            guard let deadline = EventInstant(parsing: fields["deadline"] ?? "") else {
                throw ValidationError(
                    field: "deadline", code: Pages.pageMessage, message: f.t("selection.form.badDeadline"))
            }
            _ = try await selections.create(
                .init(
                    zoneId: zone, method: SelectionMethod(rawValue: fields["method"] ?? "") ?? .publicTender,
                    criteria: try ZoneForms.criteria(fields["criteria"] ?? "", f),
                    deadline: Date(timeIntervalSince1970: TimeInterval(deadline.seconds)),
                    panelUserIds: Pages.ids(fields["panel"])), actor: actor)
            return SiteRoute.zone(zone).path + "?saved=1"
        }
    }

    func redisplay(_ zone: Int64, _ actor: Actor, _ typed: [String: String], _ f: PageFrame)
        -> ((String, String), HTTPResponse.Status) async throws -> Response
    {
        { m, status in
            // The refusal is said at the top and again in the form refused, which is far down the page.
            var typed = typed
            typed["_problem"] = m.1
            let page = try await ZonePage.load(
                id: zone, actor: actor, services: services, note: PageNote(kind: m.0, text: m.1), typed: typed, f)
            return f.page(title: page.name, "zones-zone", page, status: status)
        }
    }

    /// One step of a selection: a bid entered, this member's scores, the proposal, an office decision, the contract.
    @Sendable func step(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        let id = try context.parameters.require("id", as: Int64.self)
        let step = try context.parameters.require("step")
        guard ["bids", "scores", "proposal", "decisions", "contract"].contains(step) else { throw AppError.notFound }
        let selection = try await selections.get(id: id, actor: actor)
        var fields = try await Pages.checkboxForm(request, context)
        fields["selection_id"] = String(id)
        // The office works on the zone's page; a panel member from elsewhere on the selection's own.
        let office = Permissions.allows(actor.role, .manageZones)
        let again: ((String, String), HTTPResponse.Status) async throws -> Response =
            office
            ? redisplay(selection.zoneId, actor, fields, f)
            : { m, status in
                try await render(
                    selection, actor, note: PageNote(kind: m.0, text: m.1), typed: fields, f, status: status)
            }
        let problems = step == "bids" ? ZoneForms.bidProblems(fields, f) : []
        if !problems.isEmpty { return try await again(("bad", Pages.lines(problems)), .unprocessableContent) }
        return try await Pages.save(f, redisplay: again) {
            try await run(step, selection: selection, fields: fields, actor: actor, f)
            return (office ? SiteRoute.zone(selection.zoneId) : SiteRoute.selection(id)).path + "?saved=1"
        }
    }

    func run(_ step: String, selection s: PropertySelection, fields: [String: String], actor: Actor, _ f: PageFrame)
        async throws
    {
        switch step {
        case "bids":
            _ = try await selections.bid(
                selectionId: s.id,
                .init(
                    organisationId: Int64(fields["organisation_id"] ?? "") ?? 0,
                    feeFenPerM2Month: try ZoneForms.fee(fields["fee"], f), plan: fields["plan"] ?? "", attachments: []),
                actor: actor)
        case "scores":
            _ = try await selections.score(selectionId: s.id, try scores(s, fields, f), actor: actor)
        case "proposal":
            _ = try await selections.propose(
                selectionId: s.id, bidId: Int64(fields["bid_id"] ?? "") ?? 0, actor: try office(actor))
        case "decisions":
            _ = try await selections.decide(
                selectionId: s.id, compoundId: Int64(fields["compound_id"] ?? "") ?? 0,
                approved: fields["approved"] == "yes", basis: fields["basis"] ?? "", actor: try office(actor))
        default:
            let typedFrom = fields["term_from"] ?? ""
            let typedUntil = fields["term_until"] ?? ""
            guard let from = Day(typedFrom), let until = Day(typedUntil) else {
                let bad = Day(typedFrom) == nil ? ("term_from", typedFrom) : ("term_until", typedUntil)
                throw ValidationError(
                    field: bad.0, code: Pages.pageMessage,
                    message: f.t(bad.1.isEmpty ? "selection.form.badTerm" : "form.badDate"))
            }
            _ = try await selections.contract(
                selectionId: s.id,
                .init(
                    termFrom: from, termUntil: until, feeFenPerM2Month: try ZoneForms.fee(fields["fee"], f),
                    scope: fields["scope"] ?? "", attachmentId: nil), actor: try office(actor))
        }
    }

    /// Steps only the office takes.
    func office(_ actor: Actor) throws -> Actor {
        guard Permissions.allows(actor.role, .manageZones) else { throw AppError.forbidden }
        return actor
    }

    /// `score_<bid>_<criterion's position>` fields → this member's scores; an empty field is left unscored.
    func scores(_ s: PropertySelection, _ fields: [String: String], _ f: PageFrame) throws
        -> [SelectionRepository.ScoreInput]
    {
        var out: [SelectionRepository.ScoreInput] = []
        for (key, raw) in fields where key.hasPrefix("score_") {
            let parts = key.split(separator: "_")
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard parts.count == 3, let bid = Int64(parts[1]), let i = Int(parts[2]), s.criteria.indices.contains(i),
                !text.isEmpty
            else { continue }
            guard let centi = SelectionRules.scoreCenti(text) else {
                throw ValidationError(field: "score", code: Pages.pageMessage, message: f.t("error.score.invalid"))
            }
            out.append(.init(bidId: bid, criterion: s.criteria[i].name, scoreCenti: centi))
        }
        guard !out.isEmpty, out.count <= 2000 else {
            throw ValidationError(field: "score", code: Pages.pageMessage, message: f.t("selection.form.noScores"))
        }
        return out
    }
}
