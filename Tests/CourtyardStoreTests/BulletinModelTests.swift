import CourtyardDomain
import CourtyardTestSupport
import SQLKit
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

/// A line counts as started on the day itself.
@Suite struct BulletinLineTests {
    static func line(_ id: Int64, started: String? = nil) -> BulletinRepository.Line {
        BulletinRepository.Line(
            projectId: id, compoundId: id, compoundName: "t", communityId: 1, communityName: "c",
            subdistrictId: 1, subdistrictName: "S", households: 1, stage: .construction,
            startedOn: started.flatMap { Day($0) }, completedOn: nil, percentTenths: 0, contractor: nil)
    }

    @Test func startedCountsFromItsOwnDay() {
        let l = Self.line(1, started: "2026-03-02")
        #expect(l.started(by: Day("2026-03-02")!) && !l.started(by: Day("2026-03-01")!))
        #expect(!Self.line(2).started(by: Day("2030-01-01")!))
    }
}

/// A bulletin lists its lines by community and compound name as UTF-8 bytes, then by project, on either database and
/// whatever PostgreSQL's collation.
@Suite struct BulletinOrderTests {
    @Test func linesAreListedByTheirNamesBytesThenByProject() async throws {
        try await TestDatabase.with { database in
            try await database.withConnection { db in
                func id(_ sql: SQLQueryString) async throws -> Int64 {
                    try await db.raw(sql + " RETURNING id").first()!.decode(column: "id", as: Int64.self)
                }
                let a = try await id("INSERT INTO subdistricts (name) VALUES ('甲街道')")
                let b = try await id("INSERT INTO subdistricts (name) VALUES ('乙街道')")
                var compounds: [String: Int64] = [:]
                for (sd, community, names) in [
                    (b, "幸福里社区", ["一号院"]), (a, "幸福里社区", ["一号院", "B座"]), (a, "Z社区", ["院"]),
                ] {
                    let cm = try await id(
                        "INSERT INTO communities (subdistrict_id, name) VALUES (\(bind: sd), \(bind: community))")
                    for name in names {
                        compounds["\(sd)\(name)"] = try await id(
                            """
                            INSERT INTO compounds (subdistrict_id, community_id, name) VALUES (\(bind: sd), \(bind: cm), \(bind: name))
                            """)
                    }
                }
                var projects: [String: Int64] = [:]
                for key in ["\(b)一号院", "\(a)B座", "\(a)一号院", "\(a)院"] {
                    projects[key] = try await id(
                        """
                        INSERT INTO projects (subdistrict_id, community_id, compound_id, batch_year, deadline, created_at)
                        SELECT subdistrict_id, community_id, id, 2026, '2026-12-31', '2026-01-01' FROM compounds
                        WHERE id = \(bind: compounds[key]!)
                        """)
                }
                let expected = ["\(a)院", "\(a)B座", "\(b)一号院", "\(a)一号院"].map { projects[$0]! }
                for wide in [true, false] {
                    let lines = try await BulletinRepository.lines("p.batch_year = 2026", wide: wide, db: db)
                    #expect(lines.map(\.projectId) == expected)
                }
            }
        }
    }
}
