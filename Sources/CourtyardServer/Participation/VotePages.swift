import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let votes = SiteRoute("/votes")
    static func vote(_ id: Int64) -> SiteRoute { SiteRoute("/votes/\(id)") }
    /// The battle map of who has voted, printable on A3 (the API answers a signed-in page's GET as well).
    static func voteMap(_ id: Int64) -> SiteRoute { SiteRoute("/api/v1/votes/\(id)/map.svg") }
}

extension Places {
    /// Names for the compounds of these votes.
    static func load(compoundIds: [Int64], services: Services) async throws -> Places {
        var places = Places()
        for id in Set(compoundIds) {
            let c = try? await services.registry.get(.compounds, id: id, actor: .system)
            places.compounds[id] = c?["name"]?.stringValue ?? ""
        }
        return places
    }

    /// "幸福里小区 3号楼", or the compound alone.
    func name(compound: Int64?, building: Int64? = nil) -> String {
        let c = compound.flatMap { compounds[$0] } ?? ""
        let b = building.flatMap { buildings[$0] } ?? ""
        return [c, b].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// The words a vote's pages share: its matter, status and outcome in the reader's language.
struct VoteLabels {
    var matter: String
    var status: String
    /// "通过" or "未通过" once closed, else empty.
    var outcome: String

    init(_ v: VoteDetail, _ f: PageFrame) {
        matter = f.t("vote.matter.\(v.matter)")
        status = f.t("vote.status." + v.status.rawValue)
        outcome = v.result.map { f.t($0.passed ? "vote.passed" : "vote.failed") } ?? ""
    }
}

/// Owners' votes, newest first.
struct VoteListPage {
    struct Row {
        var href: String
        var title: String
        var place: String
        var labels: VoteLabels
        var ballotsCast: String
        var eligibleHouseholds: String
    }
    var rows: [Row]
    var hasRows: Bool

    static func load(services: Services, actor: Actor, _ f: PageFrame) async throws -> VoteListPage {
        let items = try await VoteRepository(database: services.database).list(actor: actor, compoundId: nil)
        let places = try await Places.load(compoundIds: items.map(\.compoundId), services: services)
        let rows = items.map { v in
            Row(
                href: SiteRoute.vote(v.id).path, title: v.title, place: places.name(compound: v.compoundId),
                labels: VoteLabels(v, f), ballotsCast: String(v.ballotsCast),
                eligibleHouseholds: String(v.eligibleHouseholds))
        }
        return VoteListPage(rows: rows, hasRows: !rows.isEmpty)
    }
}

/// One vote: where, what, the rule that decides it, and once closed its figures and outcome.
struct VotePage {
    struct Figures {
        var eligibleOwners: String
        var eligibleArea: String
        var participatingOwners: String
        var participatingArea: String
        var approvingOwners: String
        var approvingArea: String
        var noteClass: String
        var quorum: String
    }
    var title: String
    var place: String
    var labels: VoteLabels
    var rule: VoteDetail.Rule
    var figures: Figures?
    var ballotsCast: String
    var eligibleHouseholds: String
    var mapHref: String
    /// While the vote is open, the households without a ballot, by building, for whoever chases them.
    var notVoted: [HomePage.Building]
    var hasNotVoted: Bool
    /// While the vote is open, for whoever enters ballots: the paper ballot form.
    var ballot: BallotForm?

    static func load(
        services: Services, actor: Actor, id: Int64,
        ballot input: (BallotForm.Typed, BallotForm.Errors, saved: Bool) = (.init(), .init(), false), _ f: PageFrame
    ) async throws -> VotePage {
        let v = try await VoteRepository(database: services.database).get(id: id, actor: actor)
        let place = try await Places.load(compoundIds: [v.compoundId], services: services).name(compound: v.compoundId)
        let figures = v.result.map { r in
            Figures(
                eligibleOwners: String(r.eligibleOwners), eligibleArea: r.eligibleArea,
                participatingOwners: String(r.participatingOwners), participatingArea: r.participatingArea,
                approvingOwners: String(r.approvingOwners), approvingArea: r.approvingArea,
                noteClass: r.passed ? "ok" : "bad", quorum: f.t(r.quorumMet ? "vote.quorumMet" : "vote.quorumNotMet"))
        }
        let waiting = try await WorkQueue(database: services.database).notVoted(voteId: id, actor: actor)
        let missing = waiting.map { b in
            HomePage.Building(
                building: b.building, missingCount: b.homes.count,
                homes: b.homes.map { HomePage.Home(homeHref: SiteRoute.household($0.householdId).path, room: $0.room) })
        }
        return VotePage(
            title: v.title, place: place, labels: VoteLabels(v, f), rule: v.thresholds, figures: figures,
            ballotsCast: String(v.ballotsCast), eligibleHouseholds: String(v.eligibleHouseholds),
            mapHref: SiteRoute.voteMap(id).path, notVoted: missing, hasNotVoted: !missing.isEmpty,
            ballot: v.status == .open && Permissions.allows(actor.role, .enterBallots)
                ? BallotForm(
                    voteId: id, missing: waiting, typed: input.0, errors: input.1, saved: input.saved, f) : nil)
    }
}

/// Owners' votes: the list, and a vote's result with the rule that decided it.
enum VotePages {
    static func add(to router: Router<AppContext>, services: Services) {
        VotePageController(services: services).register(on: router)
    }
}

struct VotePageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/votes", list)
        Pages.get(router, "/votes/:id", show)
        Pages.post(router, "/votes/:id/ballots", enterBallot)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let page = try await VoteListPage.load(services: services, actor: actor, f)
        return f.page(title: f.t("nav.votes"), "participation-votes", page)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let entered = request.uri.queryParameters.get("entered") == "1"
        let page = try await VotePage.load(
            services: services, actor: actor, id: id, ballot: (.init(), .init(), entered), f)
        return f.page(title: page.title, "participation-vote", page)
    }
}
