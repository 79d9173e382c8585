import CourtyardDomain
import Testing

@Suite struct QuestionnaireRulesTests {
    let qs = [
        Question(text: "最需要改造的", type: .single, options: ["管网", "外墙", "电梯"]),
        Question(text: "希望增加", type: .multiple, options: ["充电桩", "快递柜"], required: false),
        Question(text: "满意度", type: .rating),
        Question(text: "建议", type: .text, required: false),
    ]

    @Test func questionsMustBeAnswerable() {
        #expect(QuestionnaireRules.checkQuestions(qs) == nil)
        #expect(QuestionnaireRules.checkQuestions([]) != nil)
        #expect(QuestionnaireRules.checkQuestions([Question(text: "x", type: .single, options: ["a"])])?.question == 1)
        #expect(QuestionnaireRules.checkQuestions([Question(text: "x", type: .single, options: ["a", "a"])]) != nil)
        #expect(QuestionnaireRules.checkQuestions([Question(text: "x", type: .rating, options: ["a", "b"])]) != nil)
    }

    @Test func answersAreReadByOptionTextOrIndexAndChecked() throws {
        let ok = try QuestionnaireRules.answers(
            [.string("外墙"), .array([.int(1), .string("充电桩")]), .int(4), .string("  盼早开工\r\n")], to: qs
        ).get()
        #expect(ok == [.choices([1]), .choices([0, 1]), .rating(4), .text("盼早开工")])
        let optional = try QuestionnaireRules.answers([.int(0), .null, .int(5)], to: qs).get()
        #expect(optional == [.choices([0]), .none, .rating(5), .none])
        guard case .failure(let missing) = QuestionnaireRules.answers([.null, .null, .int(3)], to: qs) else {
            Issue.record("accepted")
            return
        }
        #expect(missing.question == 1)
        // A paper form is entered as it was filled in: a question left blank on it is stored unanswered.
        let blank = try QuestionnaireRules.answers([.null, .null, .int(3)], to: qs, onPaper: true).get()
        #expect(blank == [.none, .none, .rating(3), .none])
        // Not every question, though: an empty sheet (a text of spaces is empty) is not a response.
        guard
            case .failure(let empty) = QuestionnaireRules.answers(
                [.null, .null, .null, .string("  ")], to: qs, onPaper: true)
        else {
            Issue.record("an empty paper form was accepted")
            return
        }
        #expect(empty.reason == .nothingAnswered)
        #expect((try? QuestionnaireRules.answers([.int(0), .null, .int(6)], to: qs, onPaper: true).get()) == nil)
        guard case .failure(let rating) = QuestionnaireRules.answers([.int(0), .null, .int(6)], to: qs) else {
            Issue.record("accepted")
            return
        }
        #expect(rating.question == 3)
        guard case .failure(let option) = QuestionnaireRules.answers([.string("绿化"), .null, .int(3)], to: qs) else {
            Issue.record("accepted")
            return
        }
        #expect(option.question == 1)
        guard case .failure = QuestionnaireRules.answers([.int(0), .null, .int(3), .null, .null], to: qs) else {
            Issue.record("too many accepted")
            return
        }
    }

    @Test func talliesCountOptionsRatingsAndSatisfaction() {
        let responses: [[Answer]] = [
            [.choices([0]), .choices([0, 1]), .rating(5), .text("a")],
            [.choices([0]), .none, .rating(4), .none],
            [.choices([2]), .choices([1]), .rating(3), .none],
        ]
        let t = QuestionnaireRules.tally(responses, questions: qs)
        #expect(t[0].optionCounts == [2, 0, 1] && t[0].answered == 3)
        #expect(t[1].optionCounts == [1, 2] && t[1].answered == 2)
        #expect(t[2].meanRatingTenths == 40 && t[2].satisfied == 2)
        #expect(t[2].satisfactionTenths == 667)  // 2 of 3 → 66.7
        #expect(t[3].texts == ["a"])
        // 4.25 rounds half up to 4.3; 4.24… stays 4.2.
        let quarter = QuestionnaireRules.tally(
            [
                [.none, .none, .rating(4), .none], [.none, .none, .rating(4), .none],
                [.none, .none, .rating(4), .none],
                [.none, .none, .rating(5), .none],
            ], questions: qs)
        #expect(quarter[2].meanRatingTenths == 43)
    }
}
