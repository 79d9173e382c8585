import CourtyardDomain
import Testing

/// A questionnaire's states and when it takes responses: one test per rule.
@Suite struct QuestionnaireStateTests {
    @Test func onlyADraftIsPublished() {
        #expect(QuestionnaireState.draft.canBecome(.published))
        #expect(!QuestionnaireState.closed.canBecome(.published))
        #expect(!QuestionnaireState.published.canBecome(.published))
    }

    @Test func onlyAPublishedQuestionnaireIsClosed() {
        #expect(QuestionnaireState.published.canBecome(.closed))
        #expect(!QuestionnaireState.draft.canBecome(.closed))
        #expect(!QuestionnaireState.closed.canBecome(.closed))
    }

    @Test func nothingGoesBackToDraft() {
        for s in QuestionnaireState.allCases { #expect(!s.canBecome(.draft)) }
    }

    @Test func responsesAreTakenWhilePublishedBetweenTheDatesBothIncluded() {
        let opens = Day("2026-10-08")!
        let closes = Day("2026-10-14")!
        func accepting(_ s: QuestionnaireState, _ today: String) -> Bool {
            s.accepting(opensOn: opens, closesOn: closes, today: Day(today)!)
        }
        #expect(accepting(.published, "2026-10-08") && accepting(.published, "2026-10-14"))
        #expect(!accepting(.published, "2026-10-07") && !accepting(.published, "2026-10-15"))
        #expect(!accepting(.draft, "2026-10-10") && !accepting(.closed, "2026-10-10"))
    }

    @Test func aQuestionIsWrittenWithItsFourFieldsInOrder() throws {
        let q = Question(text: "满意度", type: .rating)
        #expect(try JSONValueCoding.encode(q) == q.json)
        #expect(try JSONValueCoding.decode(Question.self, from: q.json) == q)
    }
}
