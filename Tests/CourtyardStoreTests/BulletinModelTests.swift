import CourtyardDomain
import Testing

@testable import CourtyardStore

/// A model that writes its own JSON form writes the one its `Encodable` form gives, field for field and in order.
@Suite struct BulletinModelTests {
    static func compound(_ k: Int64, full: Bool) -> BulletinCompound {
        BulletinCompound(
            projectId: k, compoundId: 1000 + k, name: "幸福里\"小区\"\\\(k)", communityId: 7, communityName: "东风社区",
            households: 160, stage: full ? .construction : .consultation,
            startedOn: full ? Day("2026-03-02") : nil, completedOn: full ? Day("2026-11-30") : nil,
            percentComplete: PercentTenths(tenths: full ? 453 : 0), overdueTasks: full ? 2 : 0, openFindings: 1,
            overdueFindings: full ? 1 : 0, openReports: 3,
            problems: full ? ["overdue_tasks:2", "overdue_findings:1", "open_reports:3"] : [],
            responsible: full ? "建工集团\n第三项目部" : nil, satisfactionRate: full ? PercentTenths(tenths: 1000) : nil)
    }

    @Test func aCompoundWritesWhatItsEncodableFormWrites() throws {
        for full in [true, false] {
            let c = Self.compound(42, full: full)
            let direct = try JSONValueCoding.encode(c)
            let coded = try JSONValueCoding.encodeByCoding(c)
            #expect(direct.serialized() == coded.serialized())
            // Inside a list, as a bulletin holds them, and read back as the model.
            let list = try JSONValueCoding.encode([c, Self.compound(43, full: !full)])
            #expect(
                list.serialized()
                    == "[\(coded.serialized()),\(try JSONValueCoding.encodeByCoding(Self.compound(43, full: !full)).serialized())]"
            )
            let back = try JSONValueCoding.decode(BulletinCompound.self, from: direct)
            #expect(try JSONValueCoding.encodeByCoding(back).serialized() == coded.serialized())
        }
    }
}
