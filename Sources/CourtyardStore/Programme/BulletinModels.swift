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
