/// What a project must have on file before its works start (安全生产三项): the contractor's safety responsibility
/// agreement for the batch, an emergency plan that covers the project, and a pre-job training.
public enum SafetyRequirement: String, CaseIterable, Codable, Sendable {
    case agreement, emergencyPlan = "emergency_plan", training
}

/// What the store found on file for a project's safety, for the gate into construction.
public struct SafetyFacts: Equatable, Sendable {
    /// The contractor has a signed agreement for the project's batch year.
    public var agreement: Bool
    /// An approved emergency plan names the project.
    public var emergencyPlan: Bool
    /// Pre-job trainings recorded on the project.
    public var trainings: Int
    public init(agreement: Bool, emergencyPlan: Bool, trainings: Int) {
        self.agreement = agreement
        self.emergencyPlan = emergencyPlan
        self.trainings = trainings
    }

    /// What is still missing, in the order a clerk would fetch it.
    public var missing: [SafetyRequirement] {
        (agreement ? [] : [.agreement]) + (emergencyPlan ? [] : [.emergencyPlan]) + (trainings > 0 ? [] : [.training])
    }

    /// Everything on file.
    public static let complete = SafetyFacts(agreement: true, emergencyPlan: true, trainings: 1)
}

/// A site log's headcount against the people trained on the project: more workers than trained is taken, and
/// flagged for the supervisor.
public enum WorkforceRule {
    public static func untrainedWorkers(workers: Int, trained: Int) -> Int { max(0, workers - trained) }
}

/// One line of an inspection table (检查评分表): its code, its name and how many points it carries.
public struct InspectionItem: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var maxScore: Int
    /// A guaranteed item (保证项目): at zero, the whole table fails.
    public var mustPass: Bool
    public init(code: String, name: String, maxScore: Int, mustPass: Bool) {
        self.code = code
        self.name = name
        self.maxScore = maxScore
        self.mustPass = mustPass
    }
    enum CodingKeys: String, CodingKey { case code, name, maxScore = "max_score", mustPass = "must_pass" }
}

/// How an inspection came out, after the national site-safety check standard (JGJ 59-2011): each table is scored
/// to 100; 80 and above is 优良, 70 to 79 is 合格, and a table below 70, at zero, or with a guaranteed item at zero
/// fails (不合格).
public enum InspectionRating: String, Codable, Sendable, CaseIterable {
    case excellent, pass, fail
}

/// Why an inspection's scores are refused.
public enum InspectionProblem: Equatable, Sendable {
    case unknownItem(String)
    case repeatedItem(String)
    case missingItem(String)
    case scoreOutOfRange(item: String, max: Int)
}

/// The arithmetic of a scored inspection, exact in whole points.
public enum InspectionRules {
    public struct Outcome: Equatable, Sendable {
        public var total: Int
        public var rating: InspectionRating
        /// Items scored below their maximum: each becomes a finding to rectify.
        public var shortfalls: [String]
        /// The guaranteed items scored zero.
        public var failedMustPass: [String]
    }

    /// Problems with the scores given for a template's items: every item scored once, within 0 to its maximum.
    public static func problems(items: [InspectionItem], scores: [(item: String, score: Int)]) -> [InspectionProblem] {
        var problems: [InspectionProblem] = []
        var seen: Set<String> = []
        let byCode = Dictionary(items.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        for s in scores {
            guard let item = byCode[s.item] else {
                problems.append(.unknownItem(s.item))
                continue
            }
            if !seen.insert(s.item).inserted { problems.append(.repeatedItem(s.item)) }
            if s.score < 0 || s.score > item.maxScore {
                problems.append(.scoreOutOfRange(item: s.item, max: item.maxScore))
            }
        }
        for item in items where !seen.contains(item.code) { problems.append(.missingItem(item.code)) }
        return problems
    }

    /// The total (scaled to 100 when the template's maxima do not add up to 100), the rating and the shortfalls.
    /// Call only with scores that have no problems.
    public static func outcome(items: [InspectionItem], scores: [(item: String, score: Int)]) -> Outcome {
        let given = Dictionary(scores.map { ($0.item, $0.score) }, uniquingKeysWith: { a, _ in a })
        let sum = items.reduce(0) { $0 + (given[$1.code] ?? 0) }
        let max = items.reduce(0) { $0 + $1.maxScore }
        // Round half up to a whole point, by integers: sum × 100 / max.
        let total = max == 0 ? 0 : (sum * 200 + max) / (2 * max)
        let failedMustPass = items.filter { $0.mustPass && (given[$0.code] ?? 0) == 0 }.map(\.code)
        let rating: InspectionRating =
            total < 70 || total == 0 || !failedMustPass.isEmpty ? .fail : (total >= 80 ? .excellent : .pass)
        let shortfalls = items.filter { (given[$0.code] ?? 0) < $0.maxScore }.map(\.code)
        return Outcome(total: total, rating: rating, shortfalls: shortfalls, failedMustPass: failedMustPass)
    }
}

/// Who takes part in an acceptance: a person, and the organisation or part they stand for.
public struct AcceptanceParticipant: Codable, Sendable, Equatable {
    public enum Capacity: String, CaseIterable, Codable, Sendable {
        case office, supervisor, contractor, designer
        case pmCompany = "pm_company"
        case propertyCompany = "property_company"
        case residentRepresentative = "resident_representative"
        case steward, department, other
    }
    public var name: String
    public var role: Capacity
    public var organisationId: Int64?
    public init(name: String, role: Capacity, organisationId: Int64? = nil) {
        self.name = name
        self.role = role
        self.organisationId = organisationId
    }
    enum CodingKeys: String, CodingKey { case name, role, organisationId = "organisation_id" }
}

/// What a final acceptance (竣工验收) must find, loaded by the store.
public struct FinalAcceptanceFacts: Equatable, Sendable {
    /// Work items not yet at 100%, by name.
    public var unfinishedItems: [String]
    public var openFindings: Int
    public var openReports: Int
    /// A property company is assigned to the compound: it takes part too.
    public var hasPropertyCompany: Bool
    public init(unfinishedItems: [String], openFindings: Int, openReports: Int, hasPropertyCompany: Bool) {
        self.unfinishedItems = unfinishedItems
        self.openFindings = openFindings
        self.openReports = openReports
        self.hasPropertyCompany = hasPropertyCompany
    }
}

public enum FinalAcceptanceProblem: Equatable, Sendable {
    case workNotComplete([String])
    case openFindings(Int)
    case openReports(Int)
    /// Who must take part and is not listed: supervisor, contractor, office, a resident representative or steward,
    /// and the property company where there is one.
    case missingParticipant(AcceptanceParticipant.Capacity)
}

/// The rules of a final acceptance: who must be there for any outcome, and what must be done for it to pass.
public enum FinalAcceptanceRules {
    public static func check(participants: [AcceptanceParticipant], passed: Bool, facts: FinalAcceptanceFacts)
        -> [FinalAcceptanceProblem]
    {
        var problems: [FinalAcceptanceProblem] = []
        let roles = Set(participants.map(\.role))
        for needed: AcceptanceParticipant.Capacity in [.supervisor, .contractor, .office] where !roles.contains(needed)
        {
            problems.append(.missingParticipant(needed))
        }
        if !roles.contains(.residentRepresentative) && !roles.contains(.steward) {
            problems.append(.missingParticipant(.residentRepresentative))
        }
        if facts.hasPropertyCompany && !roles.contains(.propertyCompany) {
            problems.append(.missingParticipant(.propertyCompany))
        }
        guard passed else { return problems }
        if !facts.unfinishedItems.isEmpty { problems.append(.workNotComplete(facts.unfinishedItems)) }
        if facts.openFindings > 0 { problems.append(.openFindings(facts.openFindings)) }
        if facts.openReports > 0 { problems.append(.openReports(facts.openReports)) }
        return problems
    }
}

/// The inspection tables shipped with Courtyard, after JGJ 59-2011's check tables, each scored to 100. Names are
/// the official record's Chinese; pages show the catalogue's words for a shipped code where there are some.
public enum ShippedInspectionTemplates {
    public struct Template: Sendable {
        public var key: String
        public var name: String
        public var items: [InspectionItem]
    }

    static func item(_ code: String, _ name: String, _ max: Int, must: Bool = false) -> InspectionItem {
        InspectionItem(code: code, name: name, maxScore: max, mustPass: must)
    }

    public static let all: [Template] = [
        Template(
            key: "excavation", name: "地面开挖防护",
            items: [
                item("plan", "专项施工方案", 20, must: true), item("edge", "临边防护", 20, must: true),
                item("support", "沟槽支护", 20, must: true), item("drainage", "沟槽排水", 15),
                item("load", "坑边荷载", 15), item("access", "上下通道", 10),
            ]),
        Template(
            key: "height", name: "高处作业",
            items: [
                item("helmet", "安全帽", 15), item("harness", "安全带", 20, must: true),
                item("edge", "临边防护", 20, must: true), item("openings", "洞口防护", 15),
                item("climbing", "攀登作业", 15), item("suspended", "悬空作业", 15),
            ]),
        Template(
            key: "signs", name: "安全警示标志",
            items: [
                item("signs", "警示标志设置", 30, must: true), item("lights", "夜间警示灯", 25, must: true),
                item("hoarding", "围挡", 25), item("traffic", "交通疏导", 20),
            ]),
        Template(
            key: "power", name: "临时用电",
            items: [
                item("external", "外电防护", 20, must: true), item("earthing", "接地与接零保护", 20, must: true),
                item("boxes", "配电箱与开关箱", 20, must: true), item("rcd", "漏电保护", 20),
                item("lines", "配电线路", 10), item("records", "用电档案", 10),
            ]),
        Template(
            key: "fire", name: "消防安全",
            items: [
                item("extinguishers", "消防器材", 30, must: true), item("hot_work", "动火审批", 25, must: true),
                item("fire_lane", "消防通道", 25), item("flammables", "易燃物存放", 20),
            ]),
        Template(
            key: "dust_noise", name: "扬尘噪声",
            items: [
                item("cover", "裸土覆盖", 25, must: true), item("spraying", "洒水降尘", 20),
                item("washing", "车辆冲洗", 20), item("hours", "施工时段", 20, must: true),
                item("spoil", "渣土清运", 15),
            ]),
        Template(
            key: "site_order", name: "文明施工",
            items: [
                item("hoarding", "现场围挡", 20, must: true), item("materials", "材料堆放", 20),
                item("facilities", "生活设施", 15), item("boards", "现场标牌", 15),
                item("passage", "居民通行", 20, must: true), item("waste", "垃圾清理", 10),
            ]),
    ]
}

/// The people trained on a project, for the headcount a site log is held to: each person once, however many trainings
/// they sat or however often a list names them. A person is their name, spaces aside ("张 三" is "张三").
public enum TrainedPeople {
    public static func key(_ name: String) -> String { String(name.filter { !$0.isWhitespace }) }

    public static func count(_ names: some Sequence<String>) -> Int { Set(names.map(key)).count }

    /// A training's list with each person once, in the order first named.
    public static func once<T>(_ list: [T], name: (T) -> String) -> [T] {
        var seen: Set<String> = []
        return list.filter { seen.insert(key(name($0))).inserted }
    }
}
