import CourtyardDomain
import Foundation

/// A bulletin as a list shows it.
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

/// A bulletin's four rates in percent to one decimal (45.3). As a change since the previous issue, in points.
public struct BulletinRates: Codable, Sendable, Equatable {
    public var startRateByCompounds: PercentTenths
    public var completionRateByCompounds: PercentTenths
    public var startRateByHouseholds: PercentTenths
    public var completionRateByHouseholds: PercentTenths

    enum CodingKeys: String, CodingKey {
        case startRateByCompounds = "start_rate_by_compounds"
        case completionRateByCompounds = "completion_rate_by_compounds"
        case startRateByHouseholds = "start_rate_by_households"
        case completionRateByHouseholds = "completion_rate_by_households"
    }

    public init(_ r: Rates) {
        startRateByCompounds = PercentTenths(tenths: r.startByCompounds)
        completionRateByCompounds = PercentTenths(tenths: r.completionByCompounds)
        startRateByHouseholds = PercentTenths(tenths: r.startByHouseholds)
        completionRateByHouseholds = PercentTenths(tenths: r.completionByHouseholds)
    }

    public var rates: Rates {
        Rates(
            startByCompounds: startRateByCompounds.tenths, completionByCompounds: completionRateByCompounds.tenths,
            startByHouseholds: startRateByHouseholds.tenths, completionByHouseholds: completionRateByHouseholds.tenths)
    }
}

/// One unit of a bulletin's ranking (a community, or a sub-district in a city-wide bulletin), or the batch's totals,
/// which have no id, name, change or rank. A unit's id is written under its level's name (`community_id`).
public struct BulletinUnit: Codable, Sendable {
    public var level: BulletinRepository.Level?
    public var unitId: Int64?
    public var name: String?
    public var compoundsPlanned: Int64
    public var compoundsStarted: Int64
    public var compoundsCompleted: Int64
    public var householdsPlanned: Int64
    public var householdsStarted: Int64
    public var householdsCompleted: Int64
    public var startRateByCompounds: PercentTenths
    public var completionRateByCompounds: PercentTenths
    public var startRateByHouseholds: PercentTenths
    public var completionRateByHouseholds: PercentTenths
    /// Since the same unit in the previous issue; nil in the first issue.
    public var changePp: BulletinRates?
    public var rank: Int64?

    /// The totals of a batch: counts and rates only.
    public init(totals c: ProgressCounts) {
        compoundsPlanned = c.compoundsPlanned
        compoundsStarted = c.compoundsStarted
        compoundsCompleted = c.compoundsCompleted
        householdsPlanned = c.householdsPlanned
        householdsStarted = c.householdsStarted
        householdsCompleted = c.householdsCompleted
        let r = BulletinRates(c.rates)
        startRateByCompounds = r.startRateByCompounds
        completionRateByCompounds = r.completionRateByCompounds
        startRateByHouseholds = r.startRateByHouseholds
        completionRateByHouseholds = r.completionRateByHouseholds
    }

    /// A ranked unit.
    public init(
        level: BulletinRepository.Level, unitId: Int64, name: String, counts: ProgressCounts, changePp: BulletinRates?,
        rank: Int64
    ) {
        self.init(totals: counts)
        self.level = level
        self.unitId = unitId
        self.name = name
        self.changePp = changePp
        self.rank = rank
    }

    public var rates: BulletinRates {
        var r = BulletinRates(Rates(values: [0, 0, 0, 0]))
        r.startRateByCompounds = startRateByCompounds
        r.completionRateByCompounds = completionRateByCompounds
        r.startRateByHouseholds = startRateByHouseholds
        r.completionRateByHouseholds = completionRateByHouseholds
        return r
    }

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

    public func encode(to encoder: any Encoder) throws {
        var ids = encoder.container(keyedBy: UnitProgress.Key.self)
        if let level, let unitId { try ids.encode(unitId, forKey: .init(stringValue: "\(level.rawValue)_id")) }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(compoundsPlanned, forKey: .compoundsPlanned)
        try c.encode(compoundsStarted, forKey: .compoundsStarted)
        try c.encode(compoundsCompleted, forKey: .compoundsCompleted)
        try c.encode(householdsPlanned, forKey: .householdsPlanned)
        try c.encode(householdsStarted, forKey: .householdsStarted)
        try c.encode(householdsCompleted, forKey: .householdsCompleted)
        try c.encode(startRateByCompounds, forKey: .startRateByCompounds)
        try c.encode(completionRateByCompounds, forKey: .completionRateByCompounds)
        try c.encode(startRateByHouseholds, forKey: .startRateByHouseholds)
        try c.encode(completionRateByHouseholds, forKey: .completionRateByHouseholds)
        guard let rank else { return }
        try c.encode(changePp, forKey: .changePp)
        try c.encode(rank, forKey: .rank)
    }

    public init(from decoder: any Decoder) throws {
        let ids = try decoder.container(keyedBy: UnitProgress.Key.self)
        level = [BulletinRepository.Level.community, .subdistrict].first {
            ids.contains(.init(stringValue: "\($0.rawValue)_id"))
        }
        unitId = try level.map { try ids.decode(Int64.self, forKey: .init(stringValue: "\($0.rawValue)_id")) }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        compoundsPlanned = try c.decode(Int64.self, forKey: .compoundsPlanned)
        compoundsStarted = try c.decode(Int64.self, forKey: .compoundsStarted)
        compoundsCompleted = try c.decode(Int64.self, forKey: .compoundsCompleted)
        householdsPlanned = try c.decode(Int64.self, forKey: .householdsPlanned)
        householdsStarted = try c.decode(Int64.self, forKey: .householdsStarted)
        householdsCompleted = try c.decode(Int64.self, forKey: .householdsCompleted)
        startRateByCompounds = try c.decode(PercentTenths.self, forKey: .startRateByCompounds)
        completionRateByCompounds = try c.decode(PercentTenths.self, forKey: .completionRateByCompounds)
        startRateByHouseholds = try c.decode(PercentTenths.self, forKey: .startRateByHouseholds)
        completionRateByHouseholds = try c.decode(PercentTenths.self, forKey: .completionRateByHouseholds)
        changePp = try c.decodeIfPresent(BulletinRates.self, forKey: .changePp)
        rank = try c.decodeIfPresent(Int64.self, forKey: .rank)
    }
}

/// One project of the batch as the bulletin counts it, with what holds it up.
public struct BulletinCompound: Codable, Sendable {
    public var projectId: Int64
    public var compoundId: Int64
    public var name: String
    public var communityId: Int64
    public var communityName: String
    public var households: Int64
    public var stage: ProjectStage
    public var startedOn: Day?
    public var completedOn: Day?
    public var percentComplete: PercentTenths
    public var overdueTasks: Int64
    public var openFindings: Int64
    public var overdueFindings: Int64
    public var openReports: Int64
    /// `overdue_tasks:2`, `overdue_findings:1`, `open_reports:3`.
    public var problems: [String]
    public var responsible: String?
    /// Residents' satisfaction from the project's closing questionnaire, when there is one.
    public var satisfactionRate: PercentTenths?

    enum CodingKeys: String, CodingKey {
        case projectId = "project_id", compoundId = "compound_id", name, communityId = "community_id"
        case communityName = "community_name", households, stage, startedOn = "started_on"
        case completedOn = "completed_on", percentComplete = "percent_complete", overdueTasks = "overdue_tasks"
        case openFindings = "open_findings", overdueFindings = "overdue_findings", openReports = "open_reports"
        case problems, responsible, satisfactionRate = "satisfaction_rate"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(projectId, forKey: .projectId)
        try c.encode(compoundId, forKey: .compoundId)
        try c.encode(name, forKey: .name)
        try c.encode(communityId, forKey: .communityId)
        try c.encode(communityName, forKey: .communityName)
        try c.encode(households, forKey: .households)
        try c.encode(stage, forKey: .stage)
        try c.encode(startedOn, forKey: .startedOn)
        try c.encode(completedOn, forKey: .completedOn)
        try c.encode(percentComplete, forKey: .percentComplete)
        try c.encode(overdueTasks, forKey: .overdueTasks)
        try c.encode(openFindings, forKey: .openFindings)
        try c.encode(overdueFindings, forKey: .overdueFindings)
        try c.encode(openReports, forKey: .openReports)
        try c.encode(problems, forKey: .problems)
        try c.encode(responsible, forKey: .responsible)
        try c.encode(satisfactionRate, forKey: .satisfactionRate)
    }
}

extension BulletinCompound: JSONValueConvertible {
    /// The form `encode(to:)` gives, written directly: a province's bulletin has 20,000 of these.
    public var jsonValue: JSONValue {
        func day(_ d: Day?) -> JSONValue { d.map { .string($0.description) } ?? .null }
        return .object([
            ("project_id", .int(projectId)), ("compound_id", .int(compoundId)), ("name", .string(name)),
            ("community_id", .int(communityId)), ("community_name", .string(communityName)),
            ("households", .int(households)), ("stage", .string(stage.rawValue)), ("started_on", day(startedOn)),
            ("completed_on", day(completedOn)), ("percent_complete", .number(percentComplete.numberText)),
            ("overdue_tasks", .int(overdueTasks)), ("open_findings", .int(openFindings)),
            ("overdue_findings", .int(overdueFindings)), ("open_reports", .int(openReports)),
            ("problems", .array(problems.map { .string($0) })),
            ("responsible", responsible.map { .string($0) } ?? .null),
            ("satisfaction_rate", satisfactionRate.map { .number($0.numberText) } ?? .null),
        ])
    }
}

extension BulletinRates: JSONValueConvertible {
    public var jsonValue: JSONValue { .object(pairs) }

    /// The four rates as a unit's fields, in the order their `Encodable` form writes them.
    var pairs: [(String, JSONValue)] {
        [
            ("start_rate_by_compounds", .number(startRateByCompounds.numberText)),
            ("completion_rate_by_compounds", .number(completionRateByCompounds.numberText)),
            ("start_rate_by_households", .number(startRateByHouseholds.numberText)),
            ("completion_rate_by_households", .number(completionRateByHouseholds.numberText)),
        ]
    }
}

extension BulletinUnit: JSONValueConvertible {
    /// The form `encode(to:)` gives, written directly: a province's bulletin ranks 2,500 communities and 500
    /// sub-districts.
    public var jsonValue: JSONValue {
        var pairs: [(String, JSONValue)] = []
        pairs.reserveCapacity(15)
        if let level, let unitId { pairs.append(("\(level.rawValue)_id", .int(unitId))) }
        pairs.append(("name", name.map { .string($0) } ?? .null))
        pairs += [
            ("compounds_planned", .int(compoundsPlanned)), ("compounds_started", .int(compoundsStarted)),
            ("compounds_completed", .int(compoundsCompleted)), ("households_planned", .int(householdsPlanned)),
            ("households_started", .int(householdsStarted)), ("households_completed", .int(householdsCompleted)),
        ]
        pairs += rates.pairs
        if let rank { pairs += [("change_pp", changePp?.jsonValue ?? .null), ("rank", .int(rank))] }
        return .object(pairs)
    }
}

/// A task past its latest finish, or a finding past its due day, as the bulletin lists it.
public struct BulletinOverdueTask: Codable, Sendable {
    public var projectId: Int64
    public var compoundName: String
    public var task: String
    public var lateFinish: Day
    enum CodingKeys: String, CodingKey {
        case projectId = "project_id", compoundName = "compound_name", task, lateFinish = "late_finish"
    }
}

public struct BulletinOverdueFinding: Codable, Sendable {
    public var projectId: Int64
    public var compoundName: String
    public var finding: String
    public var dueOn: Day
    enum CodingKeys: String, CodingKey {
        case projectId = "project_id", compoundName = "compound_name", finding, dueOn = "due_on"
    }
}

public struct BulletinOverdue: Codable, Sendable {
    public var tasks: [BulletinOverdueTask]
    public var findings: [BulletinOverdueFinding]
}

/// What a bulletin says, computed from the data as of its day. A published bulletin stores this document as it was
/// and is read back from it; it never changes.
public struct BulletinFigures: Codable, Sendable {
    public var totals: BulletinUnit
    public var changePp: BulletinRates?
    public var previousBulletinId: Int64?
    public var communities: [BulletinUnit]
    public var subdistricts: [BulletinUnit]
    public var compounds: [BulletinCompound]
    public var overdue: BulletinOverdue
    /// The week's requests to city departments; absent from bulletins published before they were counted.
    public var departments: [DepartmentFigureLine]?
    /// Each contractor's safety record in the batch; absent from bulletins published before it was counted.
    public var contractors: [ContractorSafety]?

    enum CodingKeys: String, CodingKey {
        case totals, changePp = "change_pp", previousBulletinId = "previous_bulletin_id", communities, subdistricts
        case compounds, overdue, departments, contractors
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(totals, forKey: .totals)
        try c.encode(changePp, forKey: .changePp)
        try c.encode(previousBulletinId, forKey: .previousBulletinId)
        try c.encode(communities, forKey: .communities)
        try c.encode(subdistricts, forKey: .subdistricts)
        try c.encode(compounds, forKey: .compounds)
        try c.encode(overdue, forKey: .overdue)
        try c.encodeIfPresent(departments, forKey: .departments)
        try c.encodeIfPresent(contractors, forKey: .contractors)
    }
}

/// A bulletin as the API serves it and the office reads and prints it: its header, then its figures' fields
/// (`b.totals`, `b.compounds` read through to the figures).
@dynamicMemberLookup
public struct Bulletin: Codable, Sendable {
    public var id: Int64
    public var subdistrictId: Int64?
    public var issuingUnit: String?
    public var batchYear: Int64
    public var asOf: Day
    public var issueNo: Int64?
    public var state: BulletinSummary.State
    public var nextSteps: String
    public var createdAt: String
    public var publishedAt: String?
    public var version: Int64
    public var figures: BulletinFigures

    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", issuingUnit = "issuing_unit", batchYear = "batch_year"
        case asOf = "as_of", issueNo = "issue_no", state, nextSteps = "next_steps", createdAt = "created_at"
        case publishedAt = "published_at", version
    }

    init(_ h: BulletinRepository.Header, issuingUnit: String?, figures: BulletinFigures) {
        id = h.id
        subdistrictId = h.subdistrictId
        self.issuingUnit = issuingUnit
        batchYear = Int64(h.batchYear)
        asOf = h.asOf
        issueNo = h.issueNo.map(Int64.init)
        state = h.state == "published" ? .published : .draft
        nextSteps = h.nextSteps
        createdAt = h.createdAt
        publishedAt = h.publishedAt
        version = Int64(h.version)
        self.figures = figures
    }

    public subscript<T>(dynamicMember path: KeyPath<BulletinFigures, T>) -> T { figures[keyPath: path] }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        subdistrictId = try c.decodeIfPresent(Int64.self, forKey: .subdistrictId)
        issuingUnit = try c.decodeIfPresent(String.self, forKey: .issuingUnit)
        batchYear = try c.decode(Int64.self, forKey: .batchYear)
        asOf = try c.decode(Day.self, forKey: .asOf)
        issueNo = try c.decodeIfPresent(Int64.self, forKey: .issueNo)
        state = try c.decode(BulletinSummary.State.self, forKey: .state)
        nextSteps = try c.decode(String.self, forKey: .nextSteps)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        publishedAt = try c.decodeIfPresent(String.self, forKey: .publishedAt)
        version = try c.decode(Int64.self, forKey: .version)
        figures = try BulletinFigures(from: decoder)
    }

    /// The header's fields, then the figures' in the same object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(subdistrictId, forKey: .subdistrictId)
        try c.encode(issuingUnit, forKey: .issuingUnit)
        try c.encode(batchYear, forKey: .batchYear)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(issueNo, forKey: .issueNo)
        try c.encode(state, forKey: .state)
        try c.encode(nextSteps, forKey: .nextSteps)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(publishedAt, forKey: .publishedAt)
        try c.encode(version, forKey: .version)
        try figures.encode(to: encoder)
    }

    /// Sub-districts in a city-wide bulletin, communities in a sub-district's.
    public var units: [BulletinUnit] { figures.subdistricts.isEmpty ? figures.communities : figures.subdistricts }
}
