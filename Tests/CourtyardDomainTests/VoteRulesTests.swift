import CourtyardDomain
import Testing

/// What may be done to a vote and how a ballot is entered: one test per rule.
@Suite struct VoteRulesTests {
    @Test func onlyADraftOpens() {
        #expect(VoteRules.refusal(.open, status: .draft) == nil)
        #expect(VoteRules.refusal(.open, status: .open) == "the vote is open; only a draft can be opened")
        #expect(VoteRules.refusal(.open, status: .closed) != nil)
    }

    @Test func onlyAnOpenVoteCloses() {
        #expect(VoteRules.refusal(.close, status: .open) == nil)
        #expect(VoteRules.refusal(.close, status: .draft) == "the vote is draft; only an open vote can be closed")
        #expect(VoteRules.refusal(.close, status: .closed) != nil)
    }

    @Test func ballotsAreTakenOnlyWhileOpen() {
        #expect(VoteRules.refusal(.castBallot, status: .open) == nil)
        for s in [VoteStatus.draft, .closed] { #expect(VoteRules.refusal(.castBallot, status: s) != nil) }
    }

    @Test func ballotsAreVoidedOnlyWhileOpen() {
        #expect(VoteRules.refusal(.voidBallot, status: .open) == nil)
        #expect(
            VoteRules.refusal(.voidBallot, status: .closed)
                == "the vote is closed; ballots change only while it is open")
    }

    @Test func anOnlineBallotHasNoPaperNumber() {
        #expect((try? VoteRules.paperNumber(channel: nil, paperNumber: "12").get()) == .some(nil))
        #expect((try? VoteRules.paperNumber(channel: "online", paperNumber: nil).get()) == .some(nil))
    }

    @Test func aPaperBallotIsEnteredWithItsNumber() {
        #expect((try? VoteRules.paperNumber(channel: "paper", paperNumber: " A-12 ").get()) == "A-12")
        for bad in [nil, "", "   ", String(repeating: "9", count: 51)] {
            guard case .failure(let e) = VoteRules.paperNumber(channel: "paper", paperNumber: bad) else {
                Issue.record("accepted \(String(describing: bad))")
                continue
            }
            #expect(e.field == "paper_number" && e.code == "required")
        }
    }

    @Test func aBallotComesOnlineOrOnPaper() {
        guard case .failure(let e) = VoteRules.paperNumber(channel: "fax", paperNumber: "1") else {
            Issue.record("accepted fax")
            return
        }
        #expect(e.field == "channel" && e.code == "invalid")
    }

    @Test func anElectorateLiesInsideOneCompound() {
        #expect((try? VoteRules.electorateCompound([4]).get()) == 4)
        guard case .failure(let empty) = VoteRules.electorateCompound([]),
            case .failure(let several) = VoteRules.electorateCompound([4, 5])
        else {
            Issue.record("accepted")
            return
        }
        #expect(empty.code == "empty" && several.code == "several_compounds")
    }

    @Test func everyThresholdIsAFractionBetweenZeroAndOne() {
        #expect(VoteRules.invalidThreshold(.article278(.other)) == nil)
        var rule = VoteThresholds.article278(.rebuild)
        rule.approvalOwners = Threshold(3, 2, inclusive: true)
        #expect(VoteRules.invalidThreshold(rule) == "approval_owners")
        rule.quorumArea = Threshold(1, 0, inclusive: true)
        #expect(VoteRules.invalidThreshold(rule) == "quorum_area")
    }
}
