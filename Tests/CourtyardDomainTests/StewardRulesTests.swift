import CourtyardDomain
import Testing

@Suite struct StewardRulesTests {
    static func d(_ s: String) -> Day { Day(s)! }

    @Test func termsOfOnePostOverlapUnlessOneEndsBeforeTheOtherStarts() {
        let a = (since: Self.d("2026-01-01"), until: Optional(Self.d("2026-05-31")))
        #expect(!StewardRules.overlaps(a, (Self.d("2026-06-01"), nil)), "the successor starts the day after")
        #expect(StewardRules.overlaps(a, (Self.d("2026-05-31"), nil)), "the last day served is still served")
        #expect(StewardRules.overlaps((Self.d("2026-01-01"), nil), (Self.d("2030-01-01"), nil)), "open terms overlap")
        #expect(!StewardRules.overlaps((Self.d("2026-03-01"), nil), (Self.d("2025-01-01"), Self.d("2026-02-28"))))
    }

    @Test func aNextVisitFallsOnOrAfterTheContactAndWithinAYear() {
        let date = Self.d("2026-12-05")
        #expect(StewardRules.followUpProblem(date, date: date) == nil)
        #expect(StewardRules.followUpProblem(date.adding(days: 366), date: date) == nil)
        #expect(StewardRules.followUpProblem(date.adding(days: -1), date: date)?.code == "before_date")
        #expect(StewardRules.followUpProblem(date.adding(days: 367), date: date)?.code == "too_far")
        #expect(StewardRules.followUpProblem(Self.d("9999-01-01"), date: date)?.code == "too_far")
    }

    @Test func aStewardReadsInFullOnlyTheStewardsOfItsOwnPlace() {
        let building = Scope(kind: .building, id: 7)
        #expect(StewardRules.namesInFull(scope: building, entranceBuilding: nil, steward: 7, entrance: 70))
        #expect(StewardRules.namesInFull(scope: building, entranceBuilding: nil, steward: 7, entrance: nil))
        #expect(!StewardRules.namesInFull(scope: building, entranceBuilding: nil, steward: 8, entrance: nil))
        let entrance = Scope(kind: .entrance, id: 70)
        #expect(StewardRules.namesInFull(scope: entrance, entranceBuilding: 7, steward: 7, entrance: 70))
        #expect(
            StewardRules.namesInFull(scope: entrance, entranceBuilding: 7, steward: 7, entrance: nil), "its building")
        #expect(!StewardRules.namesInFull(scope: entrance, entranceBuilding: 7, steward: 7, entrance: 71))
        #expect(!StewardRules.namesInFull(scope: entrance, entranceBuilding: 7, steward: 8, entrance: nil))
        #expect(
            StewardRules.namesInFull(
                scope: Scope(kind: .community, id: 3), entranceBuilding: nil, steward: 8, entrance: 80))
    }

    @Test func aContactAfterTheCampaignsLastDayDoesNotCountForIt() {
        #expect(!CampaignRules.endedBefore(Self.d("2026-06-30"), until: Self.d("2026-06-30")), "the last day counts")
        #expect(CampaignRules.endedBefore(Self.d("2026-07-01"), until: Self.d("2026-06-30")))
        #expect(!CampaignRules.endedBefore(Self.d("2026-01-01"), until: Self.d("2026-06-30")))
    }

    @Test func aTermStartsWithinTenYearsBackAndAYearAhead() {
        let today = Self.d("2026-12-04")
        #expect(StewardRules.sinceProblem(Self.d("2016-12-05"), today: today) == nil, "ten years back is taken")
        #expect(StewardRules.sinceProblem(Self.d("2016-11-01"), today: today)?.code == "too_old")
        #expect(StewardRules.sinceProblem(Self.d("2027-12-05"), today: today) == nil, "a year ahead is taken")
        #expect(StewardRules.sinceProblem(Self.d("2028-01-01"), today: today)?.code == "too_far")
        #expect(
            StewardRules.sinceProblem(Self.d("1990-01-01"), today: today, field: "member.from")?.field == "member.from")
    }

    @Test func aTermsLastDayOnceReachedStandsAndOneAheadMayOnlyComeForward() {
        let today = Self.d("2026-12-04")
        #expect(StewardRules.endProblem(until: nil, day: today, today: today) == nil)
        #expect(
            StewardRules.endProblem(until: nil, day: Self.d("2099-01-01"), today: today)
                == .invalid(field: "until", code: "too_far"))
        #expect(StewardRules.endProblem(until: today, day: today, today: today) == .refused(code: "already_ended"))
        #expect(
            StewardRules.endProblem(until: Self.d("2026-11-01"), day: Self.d("2026-10-01"), today: today)
                == .refused(code: "already_ended"))
        #expect(StewardRules.endProblem(until: Self.d("2027-06-30"), day: Self.d("2027-03-31"), today: today) == nil)
        #expect(
            StewardRules.endProblem(until: Self.d("2027-06-30"), day: Self.d("2027-06-30"), today: today)
                == .refused(code: "already_ended"))
    }

    @Test func aBodyIsRecordedOnceFormedAndNotFiftyYearsBack() {
        let today = Self.d("2026-12-04")
        #expect(BodyRules.formedProblem(today, today: today) == nil)
        #expect(BodyRules.formedProblem(Self.d("2026-12-05"), today: today)?.code == "future")
        #expect(BodyRules.formedProblem(Self.d("1980-01-01"), today: today) == nil)
        #expect(BodyRules.formedProblem(Self.d("1970-01-01"), today: today)?.code == "too_old")
    }

    @Test func aTermEndsOnOrAfterItsStart() {
        #expect(StewardRules.termProblem(since: Self.d("2026-03-01"), until: Self.d("2026-02-28"))?.field == "until")
        #expect(StewardRules.termProblem(since: Self.d("2026-03-01"), until: Self.d("2026-03-01")) == nil)
        #expect(StewardRules.termProblem(since: Self.d("2026-03-01"), until: nil) == nil)
    }

    @Test func anotherCompoundsResidentOnlyByTheOfficeWithANote() {
        #expect(
            StewardRules.otherCompoundProblem(
                residentCompounds: [3], placeCompound: 3, role: .communityStaff, exceptionNote: "") == nil)
        #expect(
            StewardRules.otherCompoundProblem(
                residentCompounds: [4], placeCompound: 3, role: .communityStaff, exceptionNote: "退休教师")?.field
                == "resident_id")
        #expect(
            StewardRules.otherCompoundProblem(
                residentCompounds: [4], placeCompound: 3, role: .subdistrictOfficer, exceptionNote: "")?.field
                == "exception_note")
        #expect(
            StewardRules.otherCompoundProblem(
                residentCompounds: [], placeCompound: 3, role: .subdistrictOfficer, exceptionNote: "原楼长搬走后由邻院党员代管")
                == nil)
    }

    @Test func aPublicNameKeepsOnlyTheFamilyName() {
        #expect(StewardRules.publicName("王建国") == "王某某")
        #expect(StewardRules.publicName("") == "")
    }

    static func c(_ day: String, _ seq: Int64, _ o: ContactOutcome) -> CampaignContact {
        CampaignContact(date: d(day), sequence: seq, outcome: o)
    }

    @Test func aTargetWithNoContactIsNotContacted() {
        #expect(CampaignRules.status([]) == .notContacted)
    }

    @Test func explainingMakesAHouseholdContacted() {
        #expect(CampaignRules.status([Self.c("2026-03-01", 1, .explained)]) == .contacted)
        #expect(CampaignRules.status([Self.c("2026-03-01", 1, .opinionCollected)]) == .contacted)
    }

    @Test func theLaterAnswerDecidesAndARefusedHouseholdMayBeWonOver() {
        let revisit = [Self.c("2026-03-01", 1, .refused), Self.c("2026-03-05", 2, .agreed)]
        #expect(CampaignRules.status(revisit) == .agreed)
        #expect(CampaignRules.status(revisit.reversed()) == .agreed, "days decide, not the order given")
        let sameDay = [Self.c("2026-03-01", 9, .agreed), Self.c("2026-03-01", 3, .refused)]
        #expect(CampaignRules.status(sameDay) == .agreed, "on one day the later entry decides")
    }

    @Test func explainingAgainLeavesAnAnswerStanding() {
        #expect(
            CampaignRules.status([Self.c("2026-03-01", 1, .refused), Self.c("2026-03-02", 2, .explained)]) == .refused)
        #expect(
            CampaignRules.status([Self.c("2026-03-01", 1, .agreed), Self.c("2026-03-02", 2, .explained)]) == .agreed)
    }

    @Test func unreachableCountsOnlyWhileNobodyWasReached() {
        #expect(CampaignRules.status([Self.c("2026-03-01", 1, .unreachable)]) == .unreachable)
        #expect(
            CampaignRules.status([Self.c("2026-03-01", 1, .unreachable), Self.c("2026-03-02", 2, .explained)])
                == .contacted)
        #expect(
            CampaignRules.status([Self.c("2026-03-01", 1, .explained), Self.c("2026-03-02", 2, .unreachable)])
                == .contacted)
    }

    @Test func theGoalDecidesWhatCountsAsDone() {
        #expect(CampaignRules.meetsGoal(.agreed, goal: .agree))
        #expect(!CampaignRules.meetsGoal(.contacted, goal: .agree))
        #expect(CampaignRules.meetsGoal(.refused, goal: .reach), "an absentee owner who answered was reached")
        #expect(!CampaignRules.meetsGoal(.unreachable, goal: .reach))
    }

    @Test func theTallyIsExactAndTheRateRoundsHalfUp() {
        let t = CampaignTally([.agreed, .agreed, .refused, .notContacted, .unreachable, .contacted])
        #expect(t.targets == 6 && t.agreed == 2 && t.refused == 1 && t.notContacted == 1)
        #expect(t.unreachable == 1 && t.contacted == 1)
        #expect(t.agreedRate == "33.3")
        #expect(
            CampaignTally([
                .agreed, .notContacted, .notContacted, .notContacted, .notContacted, .notContacted, .notContacted,
                .notContacted,
            ]).agreedRate == "12.5")
        #expect(CampaignTally().agreedRate == "0.0")
    }

    /// A campaign to reach every household counts everyone who answered, whatever they said; one to agree, those who
    /// agreed.
    @Test func theGoalRateCountsWhatTheGoalCounts() {
        let t = CampaignTally([.agreed, .agreed, .refused, .notContacted, .unreachable, .contacted])
        #expect(t.goalRate(.agree) == "33.3" && t.goalRate(.agree) == t.agreedRate)
        #expect(t.goalRate(.reach) == "66.7", "agreed, refused and contacted: 4 of 6")
        #expect(CampaignTally().goalRate(.reach) == "0.0")
    }
}

@Suite struct BodyRulesTests {
    @Test func onlyAnOwnersCommitteeLinksToItsCompoundsMatterThreeVote() {
        #expect(BodyRules.voteProblem(kind: .ownersCommittee, bodyCompound: 5, voteCompound: 5, voteMatter: 3) == nil)
        #expect(
            BodyRules.voteProblem(kind: .selfManagementCommittee, bodyCompound: 5, voteCompound: 5, voteMatter: 3)?
                .code == "not_owners_committee")
        #expect(
            BodyRules.voteProblem(kind: .ownersCommittee, bodyCompound: 6, voteCompound: 5, voteMatter: 3)?.code
                == "other_compound")
        #expect(
            BodyRules.voteProblem(kind: .ownersCommittee, bodyCompound: 5, voteCompound: 5, voteMatter: 4)?.code
                == "wrong_matter")
    }

    @Test func aMembersTermDoesNotEndBeforeItStarts() {
        #expect(
            BodyRules.memberTermProblem(field: "members[0]", from: Day("2026-03-01"), until: Day("2026-02-01"))?.field
                == "members[0].until")
        #expect(BodyRules.memberTermProblem(field: "members[0]", from: Day("2026-03-01"), until: nil) == nil)
    }
}

@Suite struct OpinionAndIrregularityRulesTests {
    @Test func theCommunityAnswersItsOpinionsAndOnlyTheOfficeAnswersTheOffices() {
        #expect(OpinionRules.mayAnswer(.communityStaff, routedTo: .community))
        #expect(!OpinionRules.mayAnswer(.communityStaff, routedTo: .office))
        #expect(OpinionRules.mayAnswer(.subdistrictOfficer, routedTo: .community))
        #expect(!OpinionRules.mayAnswer(.steward, routedTo: .community))
    }

    @Test func anOpinionIsAnsweredOnce() {
        #expect(OpinionRules.answerRefusal(alreadyAnswered: true) != nil)
        #expect(OpinionRules.answerRefusal(alreadyAnswered: false) == nil)
    }

    @Test func irregularBehaviourIsStoppedOrEscalatedOnce() {
        #expect(IrregularityRules.refusal(.stop, state: .recorded) == nil)
        #expect(IrregularityRules.refusal(.escalate, state: .recorded) == nil)
        #expect(IrregularityRules.refusal(.escalate, state: .stopped) != nil)
        #expect(IrregularityRules.refusal(.stop, state: .escalated) != nil)
    }
}
