import CourtyardDomain
import Testing

/// The rules of a project's gates and acceptances, one test a rule, without a database.
@Suite struct ProjectGateTests {
    static let today = Day("2026-06-15")!
    static let project: Int64 = 7
    static let compound: Int64 = 3

    func facts(
        _ evidence: [Evidence], records: [EvidenceKey: EvidenceRecordFacts] = [:],
        documents: [Int64: EvidenceDocumentFacts] = [:], workItems: Bool = true, contractor: Bool = true,
        safety: SafetyFacts = .complete
    ) -> GateFacts {
        GateFacts(
            projectId: Self.project, compoundId: Self.compound, evidence: evidence, records: records,
            documents: documents, hasWorkItems: workItems, hasContractor: contractor, safety: safety, today: Self.today)
    }

    func counts(_ record: EvidenceRecordFacts) -> Bool {
        ProjectGate.counts(record, projectId: Self.project, compoundId: Self.compound, today: Self.today)
    }

    @Test func aHandedOverProjectHasNoFurtherGate() {
        #expect(ProjectGate.check(from: .handedOver, facts: facts([])) == [.noFurtherStage])
    }

    @Test func evidenceRefusedOnItsFaceIsReportedBeforeAnythingElse() {
        #expect(ProjectGate.check(next: .planApproved, facts: facts([], workItems: false)) == [.evidence(.missing)])
        #expect(
            ProjectGate.check(next: .publicReview, facts: facts([.record(.vote, id: 1)]))
                == [.evidence(.wrongKind(.vote))])
    }

    @Test func aRecordThatIsNotThereDoesNotApply() {
        #expect(
            ProjectGate.check(next: .publicReview, facts: facts([.record(.notice, id: 4)]))
                == [.recordDoesNotApply(.notice, id: 4)])
    }

    @Test func aNoticeCountsInItsCompoundOnceItsDisplayPeriodIsOver() {
        #expect(counts(.notice(compoundId: Self.compound, state: "published", endsOn: Day("2026-06-14"))))
        #expect(!counts(.notice(compoundId: Self.compound, state: "published", endsOn: Self.today)))
        #expect(!counts(.notice(compoundId: Self.compound, state: "draft", endsOn: Day("2026-06-01"))))
        #expect(!counts(.notice(compoundId: 99, state: "published", endsOn: Day("2026-06-01"))))
        #expect(!counts(.notice(compoundId: Self.compound, state: "published", endsOn: nil)))
    }

    @Test func aQuestionnaireCountsInItsCompoundOnceClosedOrPastItsClosingDay() {
        #expect(counts(.questionnaire(compoundId: Self.compound, state: "closed", closesOn: Day("2026-07-01"))))
        #expect(counts(.questionnaire(compoundId: Self.compound, state: "published", closesOn: Day("2026-06-14"))))
        #expect(!counts(.questionnaire(compoundId: Self.compound, state: "published", closesOn: Self.today)))
        #expect(!counts(.questionnaire(compoundId: Self.compound, state: "draft", closesOn: Day("2026-06-01"))))
        #expect(!counts(.questionnaire(compoundId: 99, state: "closed", closesOn: Day("2026-06-01"))))
    }

    @Test func anExpertReviewOfTheProjectCountsUnlessItRejectedThePlan() {
        #expect(counts(.expertReview(projectId: Self.project, conclusion: "approved")))
        #expect(counts(.expertReview(projectId: Self.project, conclusion: "approved_with_changes")))
        #expect(!counts(.expertReview(projectId: Self.project, conclusion: "rejected")))
        #expect(!counts(.expertReview(projectId: 99, conclusion: "approved")))
    }

    @Test func aVoteCountsInItsCompoundOnceClosed() {
        #expect(counts(.vote(compoundId: Self.compound, status: "closed")))
        #expect(!counts(.vote(compoundId: Self.compound, status: "open")))
        #expect(!counts(.vote(compoundId: 99, status: "closed")))
    }

    @Test func anAcceptanceCountsWhenItIsTheProjectsPassedFinalOne() {
        #expect(counts(.acceptance(projectId: Self.project, kind: .final, result: .passed)))
        #expect(!counts(.acceptance(projectId: Self.project, kind: .intermediate, result: .passed)))
        #expect(!counts(.acceptance(projectId: Self.project, kind: .final, result: .failed)))
        #expect(!counts(.acceptance(projectId: 99, kind: .final, result: .passed)))
    }

    @Test func aDocumentMustBeStoredUnusedAndReadableByItsPasser() {
        let doc: [Evidence] = [.document(attachmentId: 5, type: .designScheme)]
        #expect(ProjectGate.check(next: .publicReview, facts: facts(doc)) == [.documentNotFound(5)])
        #expect(
            ProjectGate.check(next: .publicReview, facts: facts(doc, documents: [5: .init(exists: false)]))
                == [.documentNotFound(5)])
        #expect(
            ProjectGate.check(
                next: .publicReview, facts: facts(doc, documents: [5: .init(exists: true, alreadyEvidenceInto: "x")]))
                == [.documentAlreadyUsed(5, into: "x")])
        #expect(
            ProjectGate.check(
                next: .publicReview, facts: facts(doc, documents: [5: .init(exists: true, readableByPasser: false)]))
                == [.documentNotReadable(5)])
        #expect(ProjectGate.check(next: .publicReview, facts: facts(doc, documents: [5: .init(exists: true)])) == [])
    }

    @Test func anApprovedPlanHasWorkItems() {
        let review: [Evidence] = [.record(.expertReview, id: 2)]
        let records: [EvidenceKey: EvidenceRecordFacts] = [
            EvidenceKey(.expertReview, 2): .expertReview(projectId: Self.project, conclusion: "approved")
        ]
        #expect(
            ProjectGate.check(next: .planApproved, facts: facts(review, records: records, workItems: false))
                == [.planHasNoWorkItems])
        #expect(ProjectGate.check(next: .planApproved, facts: facts(review, records: records)) == [])
    }

    @Test func constructionHasItsSafetyPaperworkOnFile() {
        let paper: [Evidence] = [.document(attachmentId: 8, type: .constructionPermit)]
        let documents = [Int64(8): EvidenceDocumentFacts(exists: true)]
        let none = SafetyFacts(agreement: false, emergencyPlan: true, trainings: 0)
        #expect(
            ProjectGate.check(next: .construction, facts: facts(paper, documents: documents, safety: none))
                == [.safetyMissing([.agreement, .training])])
        // The other gates do not ask for it.
        #expect(
            ProjectGate.check(
                next: .planApproved,
                facts: facts(
                    [.document(attachmentId: 8, type: .approvalDocument)],
                    documents: documents, safety: none)) == [])
    }

    @Test func constructionHasAContractor() {
        let paper: [Evidence] = [.document(attachmentId: 8, type: .constructionPermit)]
        let documents: [Int64: EvidenceDocumentFacts] = [8: .init(exists: true)]
        #expect(
            ProjectGate.check(next: .construction, facts: facts(paper, documents: documents, contractor: false))
                == [.noContractor])
        #expect(ProjectGate.check(next: .construction, facts: facts(paper, documents: documents)) == [])
    }

    @Test func aProjectIsAcceptedOnlyThroughAPassedFinalAcceptance() {
        let paper: [Evidence] = [.document(attachmentId: 9, type: .acceptanceReport)]
        #expect(
            ProjectGate.check(next: .accepted, facts: facts(paper, documents: [9: .init(exists: true)]))
                == [.acceptedOnlyThroughFinalAcceptance])
        let record: [Evidence] = [.record(.acceptance, id: 1)]
        let passed: [EvidenceKey: EvidenceRecordFacts] = [
            EvidenceKey(.acceptance, 1): .acceptance(projectId: Self.project, kind: .final, result: .passed)
        ]
        #expect(ProjectGate.check(next: .accepted, facts: facts(record, records: passed)) == [])
    }

    @Test func everyProblemIsListedInTheOrderTheyAreMet() {
        let evidence: [Evidence] = [.record(.expertReview, id: 1), .document(attachmentId: 2, type: .expertOpinion)]
        #expect(
            ProjectGate.check(next: .planApproved, facts: facts(evidence, workItems: false))
                == [.recordDoesNotApply(.expertReview, id: 1), .documentNotFound(2), .planHasNoWorkItems])
    }

    @Test func anAcceptanceListsWhoTookPartAndHasHappened() {
        #expect(AcceptanceRules.check(participants: ["王工"], date: Self.today, today: Self.today) == [])
        #expect(
            AcceptanceRules.check(participants: [], date: Self.today, today: Self.today) == [.noParticipants])
        #expect(
            AcceptanceRules.check(participants: ["王工"], date: Day("2026-06-16")!, today: Self.today)
                == [.inTheFuture])
    }

    @Test func anAcceptanceIsRecordedDuringConstruction() {
        #expect(AcceptanceRules.check(stage: .construction) == [])
        #expect(AcceptanceRules.check(stage: .planApproved) == [.notInConstruction(.planApproved)])
    }

    @Test func onlyAPassedFinalAcceptanceCompletesTheProject() {
        #expect(AcceptanceRules.completesProject(kind: .final, result: .passed))
        #expect(!AcceptanceRules.completesProject(kind: .final, result: .failed))
        #expect(!AcceptanceRules.completesProject(kind: .intermediate, result: .passed))
    }

    @Test func theOfficeAndTheSupervisorRecordAcceptances() {
        #expect(AcceptanceRules.mayRecord(.supervisor))
        #expect(!AcceptanceRules.mayRecord(.contractor))
    }

    @Test func aPercentTravelsAsExactTenths() {
        #expect(PercentTenths(tenths: 453).numberText == "45.3")
        #expect(PercentTenths(numberText: "45.3")?.tenths == 453)
        #expect(PercentTenths(numberText: "45") == nil)
        #expect(PercentTenths(tenths: 0).numberText == "0.0")
    }
}
