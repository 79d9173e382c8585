import CourtyardDomain
import Testing

@Suite struct VoteTallyTests {
    /// n households of 100.00 m², each its own owner.
    static func electorate(_ n: Int, area: Int64 = 10_000) -> [ElectorHousehold] {
        (1...n).map { ElectorHousehold(householdId: Int64($0), area: Area(centi: area), owner: "o\($0)") }
    }
    static func ballots(_ choices: [VoteChoice]) -> [Int64: VoteChoice] {
        Dictionary(uniqueKeysWithValues: choices.enumerated().map { (Int64($0.offset + 1), $0.element) })
    }
    static let majority = VoteThresholds.article278(.propertyCompany)
    static let superMajority = VoteThresholds.article278(.raiseMaintenanceFund)

    @Test func thresholdsAreExactAtTheirEdges() {
        #expect(Threshold.atLeast(2, 3).isMet(part: 2, whole: 3))
        #expect(!Threshold.atLeast(2, 3).isMet(part: 199_999, whole: 300_000))
        #expect(Threshold.atLeast(2, 3).isMet(part: 200_000, whole: 300_000))
        #expect(!Threshold.moreThan(1, 2).isMet(part: 5, whole: 10))
        #expect(Threshold.moreThan(1, 2).isMet(part: 6, whole: 11))
        #expect(Threshold.atLeast(3, 4).isMet(part: 3, whole: 4))
        #expect(!Threshold.atLeast(3, 4).isMet(part: 74, whole: 99))
        #expect(!Threshold.atLeast(2, 3).isMet(part: 0, whole: 0))
    }

    @Test func article278PicksThresholdsByMatter() {
        #expect(VoteThresholds.article278(.rebuild).approvalArea == .atLeast(3, 4))
        #expect(VoteThresholds.article278(.commonPartsUse).approvalOwners == .atLeast(3, 4))
        #expect(VoteThresholds.article278(.committee).approvalArea == .moreThan(1, 2))
        #expect(VoteThresholds.article278(.other).quorumOwners == .atLeast(2, 3))
    }

    @Test func exactlyTwoThirdsTurnoutIsAQuorum() {
        // 6 of 9 owners vote: exactly 2/3 of owners and of area.
        let r = VoteTally.tally(
            electorate: Self.electorate(9),
            ballots: Self.ballots([.approve, .approve, .approve, .approve, .reject, .reject]),
            thresholds: Self.majority)
        #expect(r.quorumMet)
        #expect(r.participatingOwners == 6)
        #expect(r.approvingOwners == 4)
        #expect(r.passed)
        // 5 of 9: short of the quorum, so nothing passes however they vote.
        let short = VoteTally.tally(
            electorate: Self.electorate(9), ballots: Self.ballots(Array(repeating: .approve, count: 5)),
            thresholds: Self.majority)
        #expect(!short.quorumMet)
        #expect(!short.passed)
    }

    @Test func exactlyHalfIsNotAMajority() {
        let r = VoteTally.tally(
            electorate: Self.electorate(6),
            ballots: Self.ballots([.approve, .approve, .reject, .reject, .approve, .abstain]),
            thresholds: Self.majority)
        #expect(r.quorumMet)
        #expect(r.approvingOwners == 3)
        #expect(r.participatingOwners == 6)
        #expect(!r.passed)
    }

    @Test func threeQuartersPassesMatters6To8() {
        let yes = VoteTally.tally(
            electorate: Self.electorate(8),
            ballots: Self.ballots([.approve, .approve, .approve, .approve, .approve, .approve, .reject, .reject]),
            thresholds: Self.superMajority)
        #expect(yes.passed)
        let no = VoteTally.tally(
            electorate: Self.electorate(8),
            ballots: Self.ballots([.approve, .approve, .approve, .approve, .approve, .reject, .reject, .reject]),
            thresholds: Self.superMajority)
        #expect(!no.passed)
    }

    @Test func areaAndHeadcountMustBothPass() {
        // Three small flats approve, one large flat rejects: a majority of owners, not of area.
        let e = [10_000, 10_000, 10_000, 40_000].enumerated().map {
            ElectorHousehold(
                householdId: Int64($0.offset + 1), area: Area(centi: Int64($0.element)), owner: "o\($0.offset)")
        }
        let r = VoteTally.tally(
            electorate: e, ballots: Self.ballots([.approve, .approve, .approve, .reject]), thresholds: Self.majority)
        #expect(r.approvingOwners == 3)
        #expect(r.approvingArea == Area(centi: 30_000))
        #expect(r.participatingArea == Area(centi: 70_000))
        #expect(!r.passed)
    }

    @Test func oneOwnerOfSeveralHouseholdsCountsOnceWithAllTheirArea() {
        let e = [
            ElectorHousehold(householdId: 1, area: Area(centi: 8_000), owner: "landlord"),
            ElectorHousehold(householdId: 2, area: Area(centi: 8_000), owner: "landlord"),
            ElectorHousehold(householdId: 3, area: Area(centi: 8_000), owner: "landlord"),
            ElectorHousehold(householdId: 4, area: Area(centi: 8_000), owner: "a"),
            ElectorHousehold(householdId: 5, area: Area(centi: 8_000), owner: "b"),
        ]
        let r = VoteTally.tally(
            electorate: e, ballots: [1: .approve, 2: .approve, 3: .approve, 4: .reject, 5: .reject],
            thresholds: Self.majority)
        #expect(r.eligibleOwners == 3)
        #expect(r.participatingOwners == 3)
        #expect(r.approvingOwners == 1)
        #expect(r.approvingArea == Area(centi: 24_000))
        #expect(!r.passed)  // 3/5 of area but only 1/3 of owners
        // An owner who splits their households' ballots does not count as approving by headcount.
        let split = VoteTally.tally(
            electorate: e, ballots: [1: .approve, 2: .reject, 4: .approve, 5: .approve], thresholds: Self.majority)
        #expect(split.approvingOwners == 2)
    }

    /// Thresholds stored before entry was bounded, or sums near Int64's edge, compare in 128 bits.
    @Test func hugeThresholdsCompareWithoutOverflow() {
        let huge = Threshold.atLeast(1 << 62, Int64.max)  // just over one half
        #expect(huge.isMet(part: 3, whole: 4))
        #expect(!huge.isMet(part: 1, whole: 2))
        #expect(Threshold.moreThan(Int64.max - 1, Int64.max).isMet(part: Int64.max, whole: Int64.max))
        #expect(!Threshold.atLeast(Int64.max, Int64.max).isMet(part: Int64.max - 1, whole: Int64.max))
        #expect(Threshold.atLeast(2, 3).isMet(part: Int64.max / 3 * 2 + 1, whole: Int64.max / 3 * 3))
        #expect(!huge.isValid, "entry refuses a denominator above \(Threshold.maxDenominator)")
        #expect(Threshold.atLeast(667, 1000).isValid)
    }
}
