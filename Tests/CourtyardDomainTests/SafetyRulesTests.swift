import CourtyardDomain
import Testing

@Suite struct SafetyRulesTests {
    static let items = ShippedInspectionTemplates.all[0].items

    static func scores(_ values: [Int]) -> [(item: String, score: Int)] {
        zip(items, values).map { ($0.code, $1) }
    }

    @Test func everyShippedTableIsScoredToAHundred() {
        for t in ShippedInspectionTemplates.all {
            #expect(t.items.reduce(0) { $0 + $1.maxScore } == 100, "\(t.key)")
            #expect(Set(t.items.map(\.code)).count == t.items.count, "\(t.key)")
        }
        #expect(ShippedInspectionTemplates.all.count == 7)
    }

    @Test func eightyIsExcellentSeventyPassesSixtyNineFails() {
        // Maxima 20, 20, 20, 15, 15, 10.
        #expect(
            InspectionRules.outcome(items: Self.items, scores: Self.scores([20, 20, 20, 10, 5, 5])).rating == .excellent
        )
        #expect(InspectionRules.outcome(items: Self.items, scores: Self.scores([20, 20, 20, 5, 0, 5])).total == 70)
        #expect(InspectionRules.outcome(items: Self.items, scores: Self.scores([20, 20, 20, 5, 0, 5])).rating == .pass)
        #expect(InspectionRules.outcome(items: Self.items, scores: Self.scores([20, 20, 20, 4, 0, 5])).rating == .fail)
    }

    @Test func aGuaranteedItemAtZeroFailsEvenAHighTotal() {
        let o = InspectionRules.outcome(items: Self.items, scores: Self.scores([0, 20, 20, 15, 15, 10]))
        #expect(o.total == 80 && o.rating == .fail && o.failedMustPass == ["plan"])
    }

    @Test func everyItemBelowItsMaximumIsAShortfall() {
        let o = InspectionRules.outcome(items: Self.items, scores: Self.scores([20, 19, 20, 15, 0, 10]))
        #expect(o.shortfalls == ["edge", "load"])
    }

    @Test func aTableNotAddingToAHundredIsScaledAndRoundedHalfUp() {
        let items = [InspectionItem(code: "a", name: "a", maxScore: 3, mustPass: false)]
        // 2 of 3 is 66.67, rounded to 67; 1 of 3 is 33.33, rounded to 33.
        #expect(InspectionRules.outcome(items: items, scores: [("a", 2)]).total == 67)
        #expect(InspectionRules.outcome(items: items, scores: [("a", 1)]).total == 33)
    }

    @Test func scoresMustNameEachItemOnceWithinItsMaximum() {
        var scores = Self.scores([21, 20, 20, 15, 15])
        scores.append(("moat", 1))
        scores.append(("edge", 1))
        let problems = InspectionRules.problems(items: Self.items, scores: scores)
        #expect(problems.contains(.scoreOutOfRange(item: "plan", max: 20)))
        #expect(problems.contains(.unknownItem("moat")))
        #expect(problems.contains(.repeatedItem("edge")))
        #expect(problems.contains(.missingItem("access")))
        #expect(
            InspectionRules.problems(items: Self.items, scores: Self.scores([0, 0, 0, 0, 0, -1]))
                == [.scoreOutOfRange(item: "access", max: 10)])
    }

    @Test func constructionNeedsTheAgreementThePlanAndATraining() {
        #expect(
            SafetyFacts(agreement: false, emergencyPlan: false, trainings: 0).missing
                == [.agreement, .emergencyPlan, .training])
        #expect(SafetyFacts(agreement: true, emergencyPlan: false, trainings: 2).missing == [.emergencyPlan])
        #expect(SafetyFacts.complete.missing.isEmpty)
        #expect(WorkforceRule.untrainedWorkers(workers: 12, trained: 10) == 2)
        #expect(WorkforceRule.untrainedWorkers(workers: 8, trained: 10) == 0)
    }

    static let fullPanel: [AcceptanceParticipant] = [
        .init(name: "张工", role: .supervisor), .init(name: "李经理", role: .contractor),
        .init(name: "王科长", role: .office), .init(name: "赵阿姨", role: .steward),
    ]
    static let done = FinalAcceptanceFacts(
        unfinishedItems: [], openFindings: 0, openReports: 0, hasPropertyCompany: false)

    @Test func aFinalAcceptanceNeedsItsWholePanelWhateverTheOutcome() {
        #expect(FinalAcceptanceRules.check(participants: Self.fullPanel, passed: true, facts: Self.done).isEmpty)
        let noResident = Array(Self.fullPanel.dropLast())
        #expect(
            FinalAcceptanceRules.check(participants: noResident, passed: false, facts: Self.done)
                == [.missingParticipant(.residentRepresentative)])
        var withProperty = Self.done
        withProperty.hasPropertyCompany = true
        #expect(
            FinalAcceptanceRules.check(participants: Self.fullPanel, passed: true, facts: withProperty)
                == [.missingParticipant(.propertyCompany)])
    }

    @Test func aPassedFinalAcceptanceNeedsAllWorkDoneAndNothingOpen() {
        let facts = FinalAcceptanceFacts(
            unfinishedItems: ["屋面"], openFindings: 2, openReports: 1, hasPropertyCompany: false)
        #expect(
            FinalAcceptanceRules.check(participants: Self.fullPanel, passed: true, facts: facts)
                == [.workNotComplete(["屋面"]), .openFindings(2), .openReports(1)])
        // A failed one records the defects instead.
        #expect(FinalAcceptanceRules.check(participants: Self.fullPanel, passed: false, facts: facts).isEmpty)
    }

    @Test func aPersonTrainedTwiceOrListedTwiceIsOnePerson() {
        #expect(TrainedPeople.count(["王大力", "王 大力", "陈小明", "王大力"]) == 2)
        #expect(TrainedPeople.count([]) == 0)
        let list = TrainedPeople.once([("李新", "瓦工"), ("李 新", "电工"), ("赵六", "杂工")], name: \.0)
        #expect(list.map(\.1) == ["瓦工", "杂工"])
    }
}
