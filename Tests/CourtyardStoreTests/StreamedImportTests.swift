import CourtyardDomain
import CourtyardTestSupport
import Foundation
import SQLKit
import Testing

@testable import CourtyardStore

/// An import that writes a sheet piece by piece while it is still read: the same database as the sheet written
/// whole, and nothing written when a problem turns up further down or the reading fails.
@Suite struct StreamedImportTests {
    /// Two compounds, three buildings, entrances of four households; owners who own households in several pieces
    /// (same name and phone), owners without a phone, and households without an owner.
    static func sheet(areaOf: (Int) -> Int64 = { _ in 6_000 }, ownerOf: (Int) -> String = { "业主\($0 % 7)" })
        -> [HouseholdRow]
    {
        (0..<40).map { i in
            let compound = i < 24 ? "纺织厂家属院" : "机床厂宿舍"
            let owner = i % 9 == 8 ? "" : ownerOf(i)
            let phone = owner.isEmpty || i % 5 == 4 ? "" : "1381234\(String(format: "%04d", i % 7))"
            return HouseholdRow(
                row: i + 2, community: "幸福里社区", compound: compound, address: compound + "路1号", builtYear: 1985,
                building: "\(i / 16 + 1)号楼", entrance: "\(i / 4 % 4 + 1)单元", room: "\(i % 4 + 1)01", floor: 1,
                area: Area(centi: areaOf(i)), ownerName: owner, ownerPhone: phone, livesElsewhere: i % 3 == 0)
        }
    }

    /// The rows handed on `size` at a time, as a sheet read while it is written hands them on.
    static func pieces(_ rows: [HouseholdRow], _ size: Int, errors: [RowError] = [], problemsFrom: Int = .max)
        -> RegistryImporter.SheetRows
    {
        { emit in
            var start = 0
            while start < rows.count {
                let end = min(start + size, rows.count)
                emit(Array(rows[start..<end]), start >= problemsFrom ? errors.count : 0)
                start = end
            }
            return (errors, nil)
        }
    }

    static func export(_ db: Database, _ subdistrict: String) async throws -> [[String]] {
        let id = try await db.withConnection { c in
            try await c.raw("SELECT id FROM subdistricts WHERE name = \(bind: subdistrict)").first()!
                .decode(column: "id", as: Int64.self)
        }
        return try await RegistryExport.rows(database: db, subdistrictId: id, actor: .system).map(\.cells)
    }

    static func counts(_ r: ImportReport) -> [ImportReport.Counts] {
        [r.communities, r.compounds, r.buildings, r.entrances, r.households, r.residents]
    }

    @Test func aSheetWrittenPieceByPieceIsTheSheetWrittenWhole() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            // A second sheet: areas changed, owners changed, some households new.
            let first = Self.sheet()
            let second =
                Self.sheet(
                    areaOf: { $0 % 4 == 0 ? 6_100 : 6_000 }, ownerOf: { $0 % 6 == 0 ? "新业主\($0 % 5)" : "业主\($0 % 7)" })
                + [
                    HouseholdRow(
                        row: 90, community: "幸福里社区", compound: "新建小区", address: "新路", builtYear: 2001, building: "1号楼",
                        entrance: "1单元", room: "101", floor: 1, area: Area(centi: 5_000), ownerName: "业主1",
                        ownerPhone: "13812340001", livesElsewhere: false)
                ]
            for sheet in [first, second] {
                let whole = try await importer.run(
                    rows: sheet, errors: [], subdistrict: "整表街道", dryRun: false, filename: "a.csv", actor: .system)
                let streamed = try await importer.run(
                    streaming: Self.pieces(sheet, 3), subdistrict: "分段街道", dryRun: false, filename: "a.csv",
                    actor: .system)
                #expect(whole.applied && streamed.applied)
                #expect(Self.counts(whole) == Self.counts(streamed))
                #expect(whole.rows == streamed.rows)
                #expect(try await Self.export(db, "整表街道") == Self.export(db, "分段街道"))
                // Each household's owner is the one its row names, though later pieces point at residents new in
                // earlier ones and each piece numbers its new residents in their index's order.
                let place = { (r: HouseholdRow) in [r.compound, r.building, r.entrance, r.room].joined(separator: "/") }
                let named = Dictionary(uniqueKeysWithValues: sheet.map { (place($0), [$0.ownerName, $0.ownerPhone]) })
                let id = try await db.withConnection { c in
                    try await c.raw("SELECT id FROM subdistricts WHERE name = '分段街道'").first()!.decode(
                        column: "id", as: Int64.self)
                }
                let stored = try await RegistryExport.rows(database: db, subdistrictId: id, actor: .system)
                #expect(stored.count == sheet.count)
                #expect(stored.allSatisfy { named[place($0)] == [$0.ownerName, $0.ownerPhone] })
            }
            // The owners who own households in several pieces are one resident each, as in the whole sheet.
            let residents = try await db.withConnection { c in
                try await c.raw(
                    """
                    SELECT s.name, COUNT(*) AS n FROM residents r JOIN subdistricts s ON s.id = r.subdistrict_id
                    GROUP BY s.name ORDER BY s.name
                    """
                ).all().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(residents.count == 2 && residents[0] == residents[1])
            let keys = try await db.withConnection { c in
                db.kind == .sqlite ? try await c.raw("PRAGMA foreign_key_check").all().count : 0
            }
            #expect(keys == 0)
        }
    }

    @Test func aProblemFoundFurtherDownTakesBackWhatWasWritten() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            let bad = RowError(row: 30, column: "area_m2", code: "invalid_area", message: "bad")
            // Pieces before the problem are written; the problem, found later, takes them back with the sub-district.
            let report = try await importer.run(
                streaming: Self.pieces(Self.sheet(), 4, errors: [bad], problemsFrom: 28), subdistrict: "新街道",
                dryRun: false, filename: "b.csv", actor: .system)
            #expect(!report.applied)
            #expect(report.errors == [bad])
            #expect(report.households.created == 40)
            #expect(report.rows == 41)
            for table in ["households", "residents", "household_residents", "compounds", "subdistricts"] {
                #expect(try await ImportTests.count(db, table) == 0, "\(table)")
            }
            let history = try await db.withConnection { c in
                try await c.raw("SELECT status, subdistrict_id FROM imports").all().map {
                    (try $0.text("status"), try $0.decode(column: "subdistrict_id", as: Int64?.self))
                }
            }
            #expect(history.count == 1 && history[0].0 == "rejected" && history[0].1 == nil)
            // The same sheet without the problem is written whole afterwards.
            let again = try await importer.run(
                streaming: Self.pieces(Self.sheet(), 4), subdistrict: "新街道", dryRun: false, filename: "b.csv",
                actor: .system)
            #expect(again.applied && again.households.created == 40)
            #expect(try await ImportTests.count(db, "households") == 40)
        }
    }

    /// The write lock is taken once the first rows are checked: while a large file is still read, others write.
    @Test func othersWriteWhileTheFileIsStillRead() async throws {
        final class Flag: @unchecked Sendable {
            private let lock = NSLock()
            private var value = false
            func set() { lock.withLock { value = true } }
            var isSet: Bool { lock.withLock { value } }
        }
        try await TestDatabase.with { db in
            let reading = DispatchSemaphore(value: 0)
            let rows = Self.sheet()
            let slow: RegistryImporter.SheetRows = { emit in
                reading.wait()
                emit(rows, 0)
                return ([], nil)
            }
            let importing = Task {
                try await RegistryImporter(database: db).run(
                    streaming: slow, subdistrict: "S", dryRun: false, filename: "d.csv", actor: .system)
            }
            let wrote = Flag()
            let writing = Task {
                try await db.transaction { c in try await c.raw("INSERT INTO subdistricts (name) VALUES ('其他街道')").run()
                }
                wrote.set()
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while !wrote.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(wrote.isSet, "a write waited for an import that was still reading its file")
            reading.signal()
            try await writing.value
            let report = try await importing.value
            #expect(report.applied && report.households.created == 40)
        }
    }

    /// The queue between the reading and the writing: a reading that fails drops what was not taken yet (it would
    /// only be written to be taken back), and once the writing has ended nothing more is kept.
    @Test func aFailedReadingOrAnEndedWritingLeavesNothingInTheQueue() {
        let rows = Self.sheet()
        let queue = PieceQueue()
        queue.push(.init(rows: Array(rows[0..<10]), problems: 0))
        queue.push(.init(rows: Array(rows[10..<20]), problems: 0))
        #expect(queue.pop()?.rows.count == 10)
        queue.push(.init(rows: Array(rows[20..<30]), problems: 0))
        queue.finish(failed: true)
        #expect(queue.pop() == nil)
        let ended = PieceQueue()
        ended.push(.init(rows: Array(rows[0..<10]), problems: 0))
        ended.close()
        ended.push(.init(rows: Array(rows[10..<20]), problems: 0))
        #expect(ended.pop() == nil)
        let whole = PieceQueue()
        whole.push(.init(rows: Array(rows[0..<10]), problems: 0))
        whole.finish()
        #expect(whole.pop()?.rows.count == 10 && whole.pop() == nil)
    }

    @Test func aReadingThatFailsHalfWayWritesNothing() async throws {
        struct Unreadable: Error {}
        try await TestDatabase.with { db in
            let rows = Self.sheet()
            let failing: RegistryImporter.SheetRows = { emit in
                emit(Array(rows[0..<10]), 0)
                emit(Array(rows[10..<20]), 0)
                throw Unreadable()
            }
            await #expect(throws: Unreadable.self) {
                try await RegistryImporter(database: db).run(
                    streaming: failing, subdistrict: "S", dryRun: false, filename: "c.csv", actor: .system)
            }
            for table in ["households", "subdistricts", "imports"] {
                let n = try await ImportTests.count(db, table)
                #expect(n == 0, "\(table)")
            }
        }
    }
}
