import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// Where the vote's page sends a paper ballot entered by hand.
    static func voteBallots(_ id: Int64) -> SiteRoute { SiteRoute("/votes/\(id)/ballots") }
}

/// Entering paper ballots on the vote's page, from a phone: the household (from those that have not voted, by
/// building), the choice and the number printed on the paper. Each error stands next to its field and the form
/// keeps what was typed.
struct BallotForm {
    struct Option {
        var value: String
        var optionLabel: String
        var selected: Bool
    }
    struct Group {
        var groupLabel: String
        var options: [Option]
    }
    struct Choice {
        var value: String
        var choiceLabel: String
        var checked: Bool
    }
    /// What was typed, as text, so a refused form shows it again.
    struct Typed {
        var household = ""
        var choice = ""
        var paperNumber = ""
    }
    struct Errors {
        var household: String?
        var choice: String?
        var paper: String?
        var form: String?
        var isEmpty: Bool { household == nil && choice == nil && paper == nil && form == nil }
    }

    var action: String
    var groups: [Group]
    var choices: [Choice]
    var paperNumber: String
    var householdError: String?
    var choiceError: String?
    var paperError: String?
    var formError: String?
    var saved: Bool
    /// The ballot just entered, read back: "3号楼-1单元-201 · 同意 · 纸-0001".
    var savedWhat: String?

    init(
        voteId: Int64, missing: [(building: String, homes: [Outreach.Home])], typed: Typed, errors: Errors,
        saved: Bool, savedWhat: String? = nil, _ f: PageFrame
    ) {
        action = SiteRoute.voteBallots(voteId).path
        groups = missing.map { b in
            Group(
                groupLabel: b.building,
                options: b.homes.map {
                    Option(
                        value: String($0.householdId), optionLabel: $0.room,
                        selected: typed.household == "\($0.householdId)")
                })
        }
        choices = VoteChoice.allCases.map {
            Choice(
                value: $0.rawValue, choiceLabel: f.t("ballot.choice.\($0.rawValue)"),
                checked: typed.choice == $0.rawValue)
        }
        paperNumber = typed.paperNumber
        householdError = errors.household
        choiceError = errors.choice
        paperError = errors.paper
        formError = errors.form
        self.saved = saved
        self.savedWhat = savedWhat
    }
}

extension VotePageController {
    /// A paper ballot entered from the vote's page; back to the page with a saved message, ready for the next one.
    /// The same ballot sent twice (a double tap) is entered once, and both sendings come back to the saved message.
    @Sendable func enterBallot(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.enterBallots)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let typed = BallotForm.Typed(
            household: fields["household_id"] ?? "", choice: fields["choice"] ?? "",
            paperNumber: fields["paper_number"] ?? "")
        return try await Pages.once {
            try await enter(typed, vote: id, actor: actor, f)
        } unsettled: {
            var errors = BallotForm.Errors()
            errors.form = f.t("form.sentBefore")
            let page = try await VotePage.load(
                services: services, actor: actor, id: id, ballot: (typed, errors, false), f)
            return f.page(title: page.title, "participation-vote", page, status: .conflict)
        }
    }

    /// Enters the ballot, or answers the page again saying why not.
    func enter(_ typed: BallotForm.Typed, vote id: Int64, actor: Actor, _ f: PageFrame) async throws -> (
        Response, saved: String?
    ) {
        var errors = Self.check(typed, f)
        if errors.isEmpty, let household = Int64(typed.household), let choice = VoteChoice(rawValue: typed.choice) {
            do {
                let ballot = try await VoteRepository(database: services.database).cast(
                    voteId: id, householdId: household, choice: choice,
                    paperNumber: TextNormalizer.clean(typed.paperNumber), actor: actor)
                // The page reads the ballot back from what was stored, not from the address.
                let entered = SiteRoute.vote(id, entered: ballot.id).path + "#ballot"
                return (Pages.seeOther(entered), entered)
            } catch is ValidationError {
                errors.household = f.t("ballot.error.notInVote")
            } catch StoreError.notFound {
                errors.household = f.t("ballot.error.notInVote")
            } catch StoreError.conflict, StoreError.refused(code: "ballot_paper_entered", _, _) {
                errors = try await conflict(
                    voteId: id, household: household, paper: TextNormalizer.clean(typed.paperNumber), actor: actor, f)
            }
        }
        let page = try await VotePage.load(
            services: services, actor: actor, id: id, ballot: (typed, errors, false), f)
        return (f.page(title: page.title, "participation-vote", page, status: .unprocessableContent), nil)
    }

    /// The form's own checks, before anything is written.
    static func check(_ typed: BallotForm.Typed, _ f: PageFrame) -> BallotForm.Errors {
        var errors = BallotForm.Errors()
        if Int64(typed.household) == nil { errors.household = f.t("ballot.error.household") }
        if VoteChoice(rawValue: typed.choice) == nil { errors.choice = f.t("ballot.error.choice") }
        if case .failure = VoteRules.paperNumber(channel: "paper", paperNumber: typed.paperNumber) {
            errors.paper = f.t("ballot.error.paper")
        }
        return errors
    }

    /// Which of the three refusals it was: the vote no longer open, the household already voted, or the paper's
    /// number already entered.
    func conflict(
        voteId: Int64, household: Int64, paper: String, actor: Actor, _ f: PageFrame
    ) async throws -> BallotForm.Errors {
        var errors = BallotForm.Errors()
        let vote = try await VoteRepository(database: services.database).get(id: voteId, actor: actor)
        guard vote.status == .open else {
            errors.form = f.t("ballot.error.closed")
            return errors
        }
        let waiting = try await WorkQueue(database: services.database).notVoted(voteId: voteId, actor: actor)
        if waiting.contains(where: { $0.homes.contains { $0.householdId == household } }) {
            // Named by the home it was entered for, so the paper holding the number is found.
            let holder = try await VoteRepository(database: services.database).paperHolder(
                voteId: voteId, paper: paper, actor: actor)
            errors.paper =
                holder.map { f.lang.say("ballot.error.paperTakenBy", ["home": $0]) } ?? f.t("ballot.error.paperTaken")
        } else {
            errors.household = f.t("ballot.error.voted")
        }
        return errors
    }
}
