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

/// Ranked units and totals write the form their `Encodable` form gives: with and without a change since the last
/// issue, for both levels, and as the totals (no id, name or rank).
@Suite struct BulletinUnitFormTests {
    @Test func aUnitWritesWhatItsEncodableFormWrites() throws {
        var counts = ProgressCounts()
        counts.add(households: 160, started: true, completed: false)
        counts.add(households: 90, started: true, completed: true)
        counts.add(households: 33, started: false, completed: false)
        let change = BulletinRates(Rates(values: [125, -30, 0, 1000]))
        let units = [
            BulletinUnit(totals: counts),
            BulletinUnit(level: .community, unitId: 7, name: "幸福里\"社区\"", counts: counts, changePp: nil, rank: 1),
            BulletinUnit(level: .subdistrict, unitId: 9, name: "东风街道", counts: counts, changePp: change, rank: 3),
            BulletinUnit(level: .community, unitId: 8, name: "空", counts: ProgressCounts(), changePp: change, rank: 2),
        ]
        for u in units {
            #expect(try JSONValueCoding.encode(u).serialized() == JSONValueCoding.encodeByCoding(u).serialized())
            let back = try JSONValueCoding.decode(BulletinUnit.self, from: JSONValueCoding.encode(u))
            #expect(
                try JSONValueCoding.encodeByCoding(back).serialized() == JSONValueCoding.encodeByCoding(u).serialized())
        }
        #expect(try JSONValueCoding.encode(change).serialized() == JSONValueCoding.encodeByCoding(change).serialized())
    }
}

/// A bulletin's lines are listed by community and compound name as UTF-8 bytes, then by project, on either database
/// and under any collation; a line counts as started or completed on the day itself.
@Suite struct BulletinLineTests {
    static func line(_ id: Int64, _ community: String, _ compound: String, started: String? = nil)
        -> BulletinRepository.Line
    {
        BulletinRepository.Line(
            projectId: id, compoundId: id, compoundName: compound, communityId: 1, communityName: community,
            subdistrictId: 1, subdistrictName: "S", households: 1, stage: .construction,
            startedOn: started.flatMap { Day($0) }, completedOn: nil, percentTenths: 0, contractor: nil)
    }

    @Test func linesAreListedByTheirNamesBytesThenByProject() {
        let lines = [
            Self.line(5, "阳光社区", "一号院"), Self.line(4, "幸福里社区", "一号院"), Self.line(3, "幸福里社区", "B座"),
            Self.line(2, "Z社区", "院"), Self.line(1, "幸福里社区", "一号院"), Self.line(6, "幸福里", "院"),
        ]
        let listed = lines.sorted(by: BulletinRepository.Line.listed).map(\.projectId)
        #expect(listed == [2, 6, 3, 1, 4, 5])
    }

    @Test func startedCountsFromItsOwnDay() {
        let l = Self.line(1, "c", "t", started: "2026-03-02")
        #expect(l.started(by: Day("2026-03-02")!) && !l.started(by: Day("2026-03-01")!))
        #expect(!Self.line(2, "c", "t").started(by: Day("2030-01-01")!))
    }
}
