/// Questionnaires (意见征询, 满意度测评): questions, checking one household's answers, and tallying.
public enum QuestionType: String, CaseIterable, Codable, Sendable {
    case single, multiple, rating, text
}

/// A questionnaire's life: drafted, published (the questions are frozen), closed.
public enum QuestionnaireState: String, CaseIterable, Codable, Sendable {
    case draft, published, closed

    /// Publishing freezes a draft; closing ends a published one early. Nothing else moves it.
    public func canBecome(_ next: QuestionnaireState) -> Bool {
        (self == .draft && next == .published) || (self == .published && next == .closed)
    }

    /// Responses are taken while published and between the dates, both included.
    public func accepting(opensOn: Day, closesOn: Day, today: Day) -> Bool {
        self == .published && opensOn <= today && today <= closesOn
    }
}

public enum QuestionnaireKind: String, CaseIterable, Codable, Sendable {
    /// Before the plan: what to renovate (问需).
    case consultation
    /// After acceptance: how satisfied residents are (问效).
    case satisfaction
}

public struct Question: Codable, Sendable, Equatable {
    public var text: String
    public var type: QuestionType
    public var options: [String]
    public var required: Bool
    public init(text: String, type: QuestionType, options: [String] = [], required: Bool = true) {
        self.text = text
        self.type = type
        self.options = options
        self.required = required
    }

    /// Ratings are 1 to 5; 4 and 5 count as satisfied.
    public static let ratingRange = 1...5
    public static let satisfiedFrom = 4

    public var json: JSONValue {
        .object([
            ("text", .string(text)), ("type", .string(type.rawValue)), ("options", .array(options.map { .string($0) })),
            ("required", .bool(required)),
        ])
    }

    public init?(json v: JSONValue) {
        guard let text = v["text"]?.stringValue, let t = v["type"]?.stringValue.flatMap(QuestionType.init(rawValue:))
        else { return nil }
        var options: [String] = []
        if case .array(let a) = v["options"] ?? .null { options = a.compactMap(\.stringValue) }
        self.init(text: text, type: t, options: options, required: v["required"] != .bool(false))
    }
}

/// One household's answer to one question.
public enum Answer: Sendable, Equatable {
    case choices([Int])  // option indexes
    case rating(Int)
    case text(String)
    case none

    public var json: JSONValue {
        switch self {
        case .choices(let c): .array(c.map { .int(Int64($0)) })
        case .rating(let r): .int(Int64(r))
        case .text(let t): .string(t)
        case .none: .null
        }
    }
}

public enum QuestionnaireRules {
    public struct Problem: Error, Equatable {
        /// What is wrong, for a message in the reader's language.
        public enum Reason: String, Sendable {
            case questionCount = "question_count", questionText = "question_text", options, noOptions = "no_options"
            case tooManyAnswers = "too_many_answers", required, choose, rating, tooLong = "too_long"
            /// A paper form with no question answered: an empty sheet, not a household's response.
            case nothingAnswered = "nothing_answered"
        }
        public let question: Int
        public let message: String
        public let reason: Reason
        public init(question: Int, message: String, reason: Reason) {
            self.question = question
            self.message = message
            self.reason = reason
        }
    }

    /// A questionnaire's questions must each be answerable.
    public static func checkQuestions(_ qs: [Question]) -> Problem? {
        if qs.isEmpty || qs.count > 50 {
            return Problem(question: 0, message: "a questionnaire has 1 to 50 questions", reason: .questionCount)
        }
        for (i, q) in qs.enumerated() {
            if q.text.isEmpty || q.text.count > 300 {
                return Problem(
                    question: i + 1, message: "question \(i + 1) needs a text of at most 300 characters",
                    reason: .questionText)
            }
            switch q.type {
            case .single, .multiple:
                if q.options.count < 2 || q.options.count > 20 || q.options.contains(where: \.isEmpty)
                    || Set(q.options).count != q.options.count
                {
                    return Problem(
                        question: i + 1, message: "question \(i + 1) needs 2 to 20 different options", reason: .options)
                }
            case .rating, .text:
                if !q.options.isEmpty {
                    return Problem(question: i + 1, message: "question \(i + 1) takes no options", reason: .noOptions)
                }
            }
        }
        return nil
    }

    /// Reads answers given as a list in question order: an option (by its text or index), a list of them, a rating or text.
    /// `onPaper`: a paper form is entered as it was filled in, so a question left blank on it is stored unanswered.
    public static func answers(
        _ given: [JSONValue], to qs: [Question], onPaper: Bool = false
    ) -> Result<[Answer], Problem> {
        guard given.count <= qs.count else {
            return .failure(
                Problem(question: 0, message: "there are more answers than questions", reason: .tooManyAnswers))
        }
        var out: [Answer] = []
        for (i, q) in qs.enumerated() {
            let v = i < given.count ? given[i] : .null
            func option(_ x: JSONValue) -> Int? {
                if let n = x.intValue, n >= 0, n < q.options.count { return Int(n) }
                if let s = x.stringValue { return q.options.firstIndex(of: s) }
                return nil
            }
            if v == .null || v == .string("") || v == .array([]) {
                if q.required && !onPaper {
                    return .failure(
                        Problem(question: i + 1, message: "question \(i + 1) needs an answer", reason: .required))
                }
                out.append(.none)
                continue
            }
            switch q.type {
            case .single:
                guard let o = option(v) else {
                    return .failure(
                        Problem(
                            question: i + 1, message: "question \(i + 1): choose one of the options", reason: .choose))
                }
                out.append(.choices([o]))
            case .multiple:
                let list: [JSONValue] = if case .array(let a) = v { a } else { [v] }
                let picked = list.compactMap(option)
                guard picked.count == list.count else {
                    return .failure(
                        Problem(
                            question: i + 1, message: "question \(i + 1): choose among the options", reason: .choose))
                }
                out.append(.choices(Array(Set(picked)).sorted()))
            case .rating:
                let n = v.intValue ?? v.stringValue.flatMap { Int64($0) }
                guard let n, Question.ratingRange.contains(Int(n)) else {
                    return .failure(
                        Problem(question: i + 1, message: "question \(i + 1): a rating from 1 to 5", reason: .rating))
                }
                out.append(.rating(Int(n)))
            case .text:
                guard let s = v.stringValue ?? Optional(v.cellText), s.count <= 500 else {
                    return .failure(
                        Problem(question: i + 1, message: "question \(i + 1): at most 500 characters", reason: .tooLong)
                    )
                }
                out.append(.text(TextNormalizer.prose(s)))
            }
        }
        // A paper form may leave a question blank, not every one: an empty sheet would count as a response.
        if onPaper, !qs.isEmpty, out.allSatisfy(Self.isBlank) {
            return .failure(
                Problem(
                    question: 0, message: "a paper form with no question answered is not entered",
                    reason: .nothingAnswered))
        }
        return .success(out)
    }

    static func isBlank(_ a: Answer) -> Bool {
        switch a {
        case .none: true
        case .text(let t): t.isEmpty
        default: false
        }
    }

    /// Tallies of one question over many responses.
    public struct Tally: Sendable, Equatable {
        public var answered = 0
        public var optionCounts: [Int] = []
        public var ratingSum = 0
        public var satisfied = 0
        public var texts: [String] = []

        /// Mean rating as tenths, rounded half up; 0 when nobody rated.
        public var meanRatingTenths: Int64 {
            answered == 0 ? 0 : (Int64(ratingSum) * 20 + Int64(answered)) / (2 * Int64(answered))
        }
        public var satisfactionTenths: Int64 { Percent.tenths(Int64(satisfied), of: Int64(answered)) }
    }

    public static func tally(_ responses: [[Answer]], questions qs: [Question]) -> [Tally] {
        var out = qs.map { Tally(optionCounts: Array(repeating: 0, count: $0.options.count)) }
        for r in responses {
            for (i, a) in r.enumerated() where i < out.count {
                switch a {
                case .none: continue
                case .choices(let c):
                    out[i].answered += 1
                    for o in c where o < out[i].optionCounts.count { out[i].optionCounts[o] += 1 }
                case .rating(let n):
                    out[i].answered += 1
                    out[i].ratingSum += n
                    if n >= Question.satisfiedFrom { out[i].satisfied += 1 }
                case .text(let t):
                    out[i].answered += 1
                    out[i].texts.append(t)
                }
            }
        }
        return out
    }

    /// Reads stored answers back.
    public static func decode(_ v: JSONValue, questions qs: [Question]) -> [Answer] {
        guard case .array(let a) = v else { return [] }
        return a.enumerated().map { i, x in
            if x == .null { return .none }
            guard i < qs.count else { return .none }
            switch qs[i].type {
            case .single, .multiple:
                if case .array(let c) = x { return .choices(c.compactMap { $0.intValue.map(Int.init) }) }
                return .none
            case .rating: return x.intValue.map { .rating(Int($0)) } ?? .none
            case .text: return x.stringValue.map { .text($0) } ?? .none
            }
        }
    }
}
