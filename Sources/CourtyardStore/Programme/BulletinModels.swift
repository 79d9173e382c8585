import CourtyardDomain
import Foundation

/// A bulletin as a list shows it. The bulletin itself (`BulletinRepository.get`) stays a JSON document: once
/// published it is the frozen record of what was said.
public struct BulletinSummary: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case draft, published }
    public var id: Int64
    public var subdistrictId: Int64?
    public var batchYear: Int64
    public var asOf: Day
    public var issueNo: Int64?
    public var state: State
    public var publishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", batchYear = "batch_year", asOf = "as_of", issueNo = "issue_no"
        case state, publishedAt = "published_at"
    }
}

/// Progress of one unit (a compound, community or sub-district), weighted by budget. Its id is written under the
/// level's name (`community_id`, …).
public struct UnitProgress: Codable, Sendable, Equatable {
    public var level: BulletinRepository.Level
    public var unitId: Int64
    public var name: String
    public var projects: Int64
    public var budgetFen: Int64
    public var percentComplete: PercentTenths

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(
        level: BulletinRepository.Level, unitId: Int64, name: String, projects: Int64, budgetFen: Int64,
        percentComplete: PercentTenths
    ) {
        self.level = level
        self.unitId = unitId
        self.name = name
        self.projects = projects
        self.budgetFen = budgetFen
        self.percentComplete = percentComplete
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(unitId, forKey: Key(stringValue: "\(level.rawValue)_id"))
        try c.encode(name, forKey: Key(stringValue: "name"))
        try c.encode(projects, forKey: Key(stringValue: "projects"))
        try c.encode(budgetFen, forKey: Key(stringValue: "budget_fen"))
        try c.encode(percentComplete, forKey: Key(stringValue: "percent_complete"))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        guard
            let level = BulletinRepository.Level.allCases.first(where: {
                c.contains(Key(stringValue: "\($0.rawValue)_id"))
            })
        else {
            throw DecodingError.keyNotFound(
                Key(stringValue: "community_id"), .init(codingPath: decoder.codingPath, debugDescription: "no unit"))
        }
        self.level = level
        unitId = try c.decode(Int64.self, forKey: Key(stringValue: "\(level.rawValue)_id"))
        name = try c.decode(String.self, forKey: Key(stringValue: "name"))
        projects = try c.decode(Int64.self, forKey: Key(stringValue: "projects"))
        budgetFen = try c.decode(Int64.self, forKey: Key(stringValue: "budget_fen"))
        percentComplete = try c.decode(PercentTenths.self, forKey: Key(stringValue: "percent_complete"))
    }
}

/// A bulletin's figures: the four rates, each in percent to one decimal ("45.3"). A change is in points.
public struct BulletinRates: Codable, Sendable, Equatable {
    public var startRateByCompounds: ExactDecimal
    public var completionRateByCompounds: ExactDecimal
    public var startRateByHouseholds: ExactDecimal
    public var completionRateByHouseholds: ExactDecimal

    enum CodingKeys: String, CodingKey {
        case startRateByCompounds = "start_rate_by_compounds"
        case completionRateByCompounds = "completion_rate_by_compounds"
        case startRateByHouseholds = "start_rate_by_households"
        case completionRateByHouseholds = "completion_rate_by_households"
    }
}

/// A bulletin as the office reads and prints it. The bulletin itself is a document of its day, stored and served
/// as JSON (a published one never changes); this is that document read with types.
public struct BulletinContent: Codable, Sendable {
    /// A ranked unit (a community, or a sub-district in a city-wide bulletin), or the totals.
    public struct Unit: Codable, Sendable {
        public var name: String?
        public var compoundsPlanned: Int64
        public var compoundsStarted: Int64
        public var compoundsCompleted: Int64
        public var householdsPlanned: Int64
        public var householdsStarted: Int64
        public var householdsCompleted: Int64
        public var startRateByCompounds: ExactDecimal
        public var completionRateByCompounds: ExactDecimal
        public var startRateByHouseholds: ExactDecimal
        public var completionRateByHouseholds: ExactDecimal
        public var changePp: BulletinRates?
        public var rank: Int64?

        enum CodingKeys: String, CodingKey {
            case name, compoundsPlanned = "compounds_planned", compoundsStarted = "compounds_started"
            case compoundsCompleted = "compounds_completed", householdsPlanned = "households_planned"
            case householdsStarted = "households_started", householdsCompleted = "households_completed"
            case startRateByCompounds = "start_rate_by_compounds"
            case completionRateByCompounds = "completion_rate_by_compounds"
            case startRateByHouseholds = "start_rate_by_households"
            case completionRateByHouseholds = "completion_rate_by_households"
            case changePp = "change_pp", rank
        }
    }

    /// One project of the batch, with what holds it up.
    public struct CompoundLine: Codable, Sendable {
        public var projectId: Int64
        public var name: String
        public var communityName: String
        public var households: Int64
        public var stage: ProjectStage
        public var startedOn: Day?
        public var percentComplete: ExactDecimal
        /// `overdue_tasks:2`, `overdue_findings:1`, `open_reports:3`.
        public var problems: [String]
        public var responsible: String?

        enum CodingKeys: String, CodingKey {
            case projectId = "project_id", name, communityName = "community_name", households, stage
            case startedOn = "started_on", percentComplete = "percent_complete", problems, responsible
        }
    }

    public struct OverdueTask: Codable, Sendable {
        public var compoundName: String
        public var task: String
        public var lateFinish: String
        enum CodingKeys: String, CodingKey { case compoundName = "compound_name", task, lateFinish = "late_finish" }
    }

    public struct OverdueFinding: Codable, Sendable {
        public var compoundName: String
        public var finding: String
        public var dueOn: String
        enum CodingKeys: String, CodingKey { case compoundName = "compound_name", finding, dueOn = "due_on" }
    }

    public struct Overdue: Codable, Sendable {
        public var tasks: [OverdueTask]
        public var findings: [OverdueFinding]
    }

    public var id: Int64
    public var issuingUnit: String?
    public var batchYear: Int64
    public var asOf: Day
    public var issueNo: Int64?
    public var state: BulletinSummary.State
    public var nextSteps: String
    public var publishedAt: String?
    public var totals: Unit
    public var changePp: BulletinRates?
    public var communities: [Unit]
    public var subdistricts: [Unit]
    public var compounds: [CompoundLine]
    public var overdue: Overdue
    /// The week's requests to city departments; absent from bulletins published before they were counted.
    public var departments: [DepartmentFigureLine]?

    enum CodingKeys: String, CodingKey {
        case id, issuingUnit = "issuing_unit", batchYear = "batch_year", asOf = "as_of", issueNo = "issue_no", state
        case nextSteps = "next_steps", publishedAt = "published_at", totals, changePp = "change_pp", communities
        case subdistricts, compounds, overdue, departments
    }

    /// Sub-districts in a city-wide bulletin, communities in a sub-district's.
    public var units: [Unit] { subdistricts.isEmpty ? communities : subdistricts }
}

extension BulletinRepository {
    /// A bulletin read with types, for its page and its printed form.
    public func content(id: Int64, actor: Actor) async throws -> BulletinContent {
        try JSONValueCoding.decode(BulletinContent.self, from: try await get(id: id, actor: actor))
    }
}
