import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let votes = SiteRoute("/votes")
    static func vote(_ id: Int64) -> SiteRoute { SiteRoute("/votes/\(id)") }
    /// The voting map's page, in the site's frame, with the picture to print beside it.
    static func votePosterMap(_ id: Int64) -> SiteRoute { SiteRoute("/votes/\(id)/map") }
    /// The vote's page after a paper ballot was entered, which reads it back.
    static func vote(_ id: Int64, entered ballot: Int64) -> SiteRoute {
        SiteRoute("/votes/\(id)", query: [("entered", String(ballot))])
    }
    /// The vote's page with a household chosen in the paper-ballot form.
    static func vote(_ id: Int64, picking household: Int64) -> SiteRoute {
        SiteRoute("/votes/\(id)", query: [("pick", String(household))])
    }
    /// The battle map of who has voted, printable on A3 (the API answers a signed-in page's GET as well).
    static func voteMap(_ id: Int64) -> SiteRoute { SiteRoute("/api/v1/votes/\(id)/map.svg") }
    static func voidBallot(_ vote: Int64, _ ballot: Int64) -> SiteRoute {
        SiteRoute("/votes/\(vote)/ballots/\(ballot)/void")
    }
}

extension Places {
    /// Names for the compounds of these votes.
    static func load(compoundIds: [Int64], services: Services) async throws -> Places {
        Places(compounds: try await names(.compounds, compoundIds, services))
    }

    /// "幸福里小区 3号楼", or the compound alone.
    func name(compound: Int64?, building: Int64? = nil) -> String {
        let c = compound.flatMap { compounds[$0] } ?? ""
        let b = building.flatMap { buildings[$0] } ?? ""
        return [c, b].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// The buildings and entrances that vote in some votes, read together, to name each vote's part of its compound.
struct VoteParts {
    var buildings: [Int64: String] = [:]
    var entrances: [Int64: (building: Int64?, name: String)] = [:]

    static func load(_ electorates: [ElectorateSpec?], services: Services) async throws -> VoteParts {
        var buildingIds: [Int64] = []
        var entranceIds: [Int64] = []
        for e in electorates {
            switch e {
            case .buildings(let ids): buildingIds += ids
            case .entrances(let ids): entranceIds += ids
            default: break
            }
        }
        var parts = VoteParts()
        for (id, e) in try await services.registry.records(.entrances, ids: entranceIds, actor: .system) {
            parts.entrances[id] = (e["building_id"]?.intValue, e["name"]?.stringValue ?? "")
        }
        parts.buildings = try await Places.names(
            .buildings, buildingIds + parts.entrances.values.compactMap(\.building), services)
        return parts
    }

    /// "3号楼、5号楼", "3号楼 2单元", "12 户"; nil when the whole compound votes.
    func name(_ e: ElectorateSpec?, _ f: PageFrame) -> String? {
        let separator = f.t("common.listSeparator")
        switch e {
        case .buildings(let ids): return ids.compactMap { buildings[$0] }.joined(separator: separator)
        case .entrances(let ids):
            return ids.compactMap { id in
                entrances[id].map { e in
                    [e.building.flatMap { buildings[$0] }, e.name].compactMap { $0 }.joined(separator: " ")
                }
            }.joined(separator: separator)
        case .households(let ids): return f.lang.say("vote.someHouseholds", ["count": String(ids.count)])
        default: return nil
        }
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
    var newVote: NewVoteForm?

    static func load(services: Services, actor: Actor, newVote: NewVoteForm? = nil, _ f: PageFrame) async throws
        -> VoteListPage
    {
        let items = try await VoteRepository(database: services.database).list(actor: actor, compoundId: nil)
        let places = try await Places.load(compoundIds: items.map(\.compoundId), services: services)
        let parts = try await VoteParts.load(items.map(\.electorate), services: services)
        let rows = items.map { v in
            Row(
                href: SiteRoute.vote(v.id).path, title: v.title,
                place: ([places.name(compound: v.compoundId)] + [parts.name(v.electorate, f)].compactMap { $0 })
                    .joined(separator: " · "),
                labels: VoteLabels(v, f), ballotsCast: String(v.ballotsCast),
                eligibleHouseholds: String(v.eligibleHouseholds))
        }
        let form: NewVoteForm? =
            if let newVote { newVote } else { try await NewVoteForm.load(services: services, actor: actor, f) }
        return VoteListPage(rows: rows, hasRows: !rows.isEmpty, newVote: form)
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
    /// A draft has no electorate yet (it is fixed when the vote opens): no count of ballots is shown.
    var draft: Bool
    var mapHref: String
    /// While the vote is open, the households without a ballot, by building, for whoever chases them.
    var notVoted: [HomePage.Building]
    var hasNotVoted: Bool
    /// While the vote is open, for whoever enters ballots: the paper ballot form.
    var ballot: BallotForm?
    /// While the vote is open, for the office: the ballots entered, each voidable with a reason.
    var entered: [EnteredPaper]
    var hasEntered: Bool
    /// The office's list of every paper ballot, or the list of those the person entered today.
    var enteredTitle: String
    var enteredHint: String
    /// The paper ballots entered in all, and the search that finds one among many (by paper number or room).
    var enteredCount: String?
    var ballotSearch: String
    var searchAction: String
    /// That a ballot was voided, said at the list the void returns to.
    var voidedNote: String? = nil
    var notice: PageNote?
    /// Opening a draft (on top), closing an open vote (below the ballot form, so a person entering papers does not
    /// meet it first): for whoever manages votes.
    var stepFirst: VoteStepForm?
    var stepLast: VoteStepForm?

    static func load(
        services: Services, actor: Actor, id: Int64,
        ballot input: (BallotForm.Typed, BallotForm.Errors, saved: Bool) = (.init(), .init(), false),
        notice: PageNote? = nil, refusedVoid: EnteredPaper.Refused? = nil,
        find: String = "", savedWhat: String? = nil, _ f: PageFrame
    ) async throws -> VotePage {
        let repo = VoteRepository(database: services.database)
        let v = try await repo.get(id: id, actor: actor)
        let office = Permissions.allows(actor.role, .manageVotes)
        let voids = v.status == .open && (office || Permissions.allows(actor.role, .enterBallots))
        let listed = try await voids ? repo.enteredBallots(voteId: id, actor: actor, find: find, limit: 30) : nil
        let entered = listed?.entries ?? []
        let compound = try await Places.load(compoundIds: [v.compoundId], services: services)
            .name(compound: v.compoundId)
        let parts = try await VoteParts.load([v.electorate], services: services).name(v.electorate, f)
        let place = parts.map { compound + " · " + $0 } ?? compound
        let figures = v.result.map { r in
            Figures(
                eligibleOwners: String(r.eligibleOwners), eligibleArea: r.eligibleArea,
                participatingOwners: String(r.participatingOwners), participatingArea: r.participatingArea,
                approvingOwners: String(r.approvingOwners), approvingArea: r.approvingArea,
                noteClass: r.passed ? "ok" : "bad", quorum: f.t(r.quorumMet ? "vote.quorumMet" : "vote.quorumNotMet"))
        }
        let step = VoteStepForm.of(v, actor: actor, f)
        let waiting = try await WorkQueue(database: services.database).notVoted(voteId: id, actor: actor)
        let entersBallots = v.status == .open && Permissions.allows(actor.role, .enterBallots)
        // For whoever enters paper ballots, a room not yet voted chooses it in the form; for others it opens the home.
        let missing = waiting.map { b in
            HomePage.Building(
                building: b.building, missingCount: b.homes.count,
                homes: b.homes.map { h in
                    HomePage.Home(
                        homeHref: entersBallots
                            ? SiteRoute.vote(id, picking: h.householdId).path + "#ballot"
                            : SiteRoute.household(h.householdId).path,
                        room: h.room)
                })
        }
        return VotePage(
            title: v.title, place: place, labels: VoteLabels(v, f), rule: v.thresholds, figures: figures,
            ballotsCast: String(v.ballotsCast), eligibleHouseholds: String(v.eligibleHouseholds),
            draft: v.status == .draft,
            mapHref: SiteRoute.votePosterMap(id).path, notVoted: missing, hasNotVoted: !missing.isEmpty,
            ballot: entersBallots
                ? BallotForm(
                    voteId: id, missing: waiting, typed: input.0, errors: input.1, saved: input.saved,
                    savedWhat: savedWhat, f) : nil,
            entered: entered.map { b in
                EnteredPaper(
                    id: b.id, household: b.household, choiceLabel: f.t("ballot.choice." + b.choice),
                    paper: b.paperNumber ?? f.t("ballot.channel." + b.channel), enteredBy: b.enteredBy, at: b.at,
                    voidAction: SiteRoute.voidBallot(id, b.id), refused: refusedVoid, f)
            }, hasEntered: !entered.isEmpty,
            enteredTitle: f.t(office ? "ballot.entered" : "ballot.enteredToday"),
            enteredHint: f.t(office ? "ballot.enteredHint" : "ballot.enteredTodayHint"),
            enteredCount: listed.flatMap { l in
                l.total == 0 ? nil : Self.enteredCount(l, searched: !find.isEmpty, f)
            },
            ballotSearch: find, searchAction: SiteRoute.vote(id).path + "#entered",
            // A refused void whose ballot is no longer listed (the vote closed meanwhile) is said on top.
            notice: notice
                ?? refusedVoid.flatMap { r in
                    entered.contains { $0.id == r.entry } ? nil : PageNote(kind: "bad", text: r.error)
                },
            stepFirst: step?.confirm == nil ? step : nil, stepLast: step?.confirm == nil ? nil : step)
    }
}

extension VotePage {
    /// How many paper ballots there are, and which of them the list shows.
    static func enteredCount(_ l: EnteredPapers<VoteRepository.EnteredBallot>, searched: Bool, _ f: PageFrame) -> String
    {
        let all = f.lang.say("ballot.enteredCount", ["n": String(l.total)])
        if searched { return all + f.lang.say("ballot.found", ["n": String(l.entries.count)]) }
        return l.entries.count < l.total
            ? all + f.lang.say("ballot.newestShown", ["n": String(l.entries.count)]) : all
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
        Pages.get(router, "/votes/:id/map", map)
        Pages.post(router, "/votes/:id/ballots", enterBallot)
        Pages.post(router, "/votes/:id/ballots/:ballot/void", voidBallot)
        registerManagement(on: router)
    }

    /// The office voids a ballot entered wrongly, with the reason (kept in the audit log); the household may then
    /// be entered again. Whoever entered a ballot may do the same on the day they entered it.
    @Sendable func voidBallot(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let ballot = try context.parameters.require("ballot", as: Int64.self)
        let reason = try await Pages.form(request, context)["reason"] ?? ""
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await VotePage.load(
                services: services, actor: actor, id: id,
                refusedVoid: EnteredPaper.Refused(entry: ballot, reason: reason, error: m.1), f)
            return f.page(title: page.title, "participation-vote", page, status: status)
        }
        let next = SiteRoute.vote(id).path + "?voided=\(ballot)#entered"
        return try await Pages.save(f, next: next, redisplay: redisplay) {
            try await VoteRepository(database: services.database).void(
                voteId: id, ballotId: ballot, reason: reason, actor: actor)
        }
    }

    /// Who has voted, household by household, inside the site (with the way back); the picture alone is for printing.
    @Sendable func map(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        struct Page {
            var title: String
            var backHref: String
            var svgHref: String
        }
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let v = try await VoteRepository(database: services.database).get(id: id, actor: actor)
        let page = Page(title: v.title, backHref: SiteRoute.vote(id).path, svgHref: SiteRoute.voteMap(id).path)
        return f.page(title: f.t("vote.map") + " · " + v.title, "participation-vote-map", page)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let page = try await VoteListPage.load(services: services, actor: actor, f)
        return f.page(title: f.t("nav.votes"), "participation-votes", page)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let enteredBallot = request.uri.queryParameters.get("entered")
        let entered = enteredBallot != nil
        // The ballot just voided, named by its paper and home.
        var voidedNote: String?
        if let voided = request.uri.queryParameters.get("voided").flatMap({ Int64($0) }) {
            let paper = try await VoteRepository(database: services.database).voidedPaper(
                voteId: id, ballotId: voided, actor: actor)
            // Only a ballot voided and the reader's to see is said to be: an address never claims a void.
            voidedNote = paper.map { f.lang.say("ballot.voidedNamed", ["paper": $0.paper, "home": $0.household]) }
        }
        let stepped = ["opened", "closed"].first { request.uri.queryParameters.get($0) == "1" }
        // A search longer than the field allows is cut, not refused: it is only a search.
        // A search form sends a space as "+".
        let typed =
            request.uri.queryParameters.get("ballot").map {
                String($0.replacingOccurrences(of: "+", with: " ").unicodeScalars.prefix(100))
            } ?? ""
        let find = TextNormalizer.clean(typed)
        // A room chosen from the list of those not voted comes chosen in the form.
        let picked = BallotForm.Typed(
            household: request.uri.queryParameters.get("pick").flatMap { Int64($0) }.map(String.init) ?? "")
        var page = try await VotePage.load(
            services: services, actor: actor, id: id, ballot: (picked, .init(), entered),
            notice: stepped.map { PageNote(kind: "ok", text: f.t("vote.\($0)")) }, find: find,
            savedWhat: try await savedWhat(vote: id, ballot: enteredBallot.flatMap { Int64($0) }, actor: actor, f), f)
        // Said where the void leads (the list of ballots), not at the top of a long page.
        if let voidedNote, page.enteredCount != nil {
            page.voidedNote = voidedNote
        } else if let voidedNote {
            page.notice = PageNote(kind: "ok", text: voidedNote)
        }
        return f.page(title: page.title, "participation-vote", page)
    }

    /// The ballot just entered, as the steward reads it back against the paper: home, choice and paper number, as
    /// stored; only for the person who entered it.
    func savedWhat(vote: Int64, ballot: Int64?, actor: Actor, _ f: PageFrame) async throws -> String? {
        guard let ballot,
            let b = try await VoteRepository(database: services.database).ownPaperBallot(
                voteId: vote, ballotId: ballot, actor: actor),
            let home = try? await ResidentPage.home(b.householdId, actor: actor, services: services)
        else { return nil }
        let number = b.paperNumber.map { Lang.fill(f.t("ballot.numbered"), ["n": $0]) } ?? ""
        let what = [home, f.t("ballot.choice.\(b.choice.rawValue)"), number].filter { !$0.isEmpty }
            .joined(separator: " · ")
        return Lang.fill(f.t("ballot.savedWhat"), ["what": what])
    }
}
