import CourtyardDomain
import CourtyardTestSupport
import Foundation
import SQLKit
import Testing

@testable import CourtyardStore

/// The importer against a real database: SQLite, or PostgreSQL when DATABASE_URL is set.
@Suite struct ImportTests {
    static func row(
        _ room: String, area: Int64 = 8560, owner: String = "张三", phone: String = "13812345678",
        building: String = "1号楼", compound: String = "纺织厂家属院", elsewhere: Bool = false
    ) -> HouseholdRow {
        HouseholdRow(
            row: 2, community: "幸福里社区", compound: compound, address: "建设路10号", builtYear: 1985, building: building,
            entrance: "1单元", room: room, floor: Int(room.prefix(1)), area: Area(centi: area), ownerName: owner,
            ownerPhone: phone,
            livesElsewhere: elsewhere)
    }

    static func count(_ db: Database, _ table: String) async throws -> Int {
        try await db.withConnection { c in
            try await c.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
    }

    /// "building room owner" for every owner link, in that order.
    static func owners(_ db: Database) async throws -> [String] {
        try await db.withConnection { c in
            try await c.raw(
                """
                SELECT b.name AS building, h.room, r.name FROM household_residents hr
                JOIN households h ON h.id = hr.household_id JOIN buildings b ON b.id = h.building_id
                JOIN residents r ON r.id = hr.resident_id WHERE hr.relation = 'owner' ORDER BY b.name, h.room
                """
            ).all().map {
                try [$0.text("building"), $0.text("room"), $0.text("name")].joined(separator: " ")
            }
        }
    }

    @Test func createsThenLeavesAloneOnReimport() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            let rows = [
                Self.row("101"), Self.row("102", owner: "李四", phone: "13900000000"), Self.row("201", building: "2号楼"),
            ]
            let first = try await importer.run(
                rows: rows, errors: [], subdistrict: "建设路街道", dryRun: false, filename: "a.csv", actor: .system)
            #expect(first.applied)
            #expect(first.households == .init(created: 3, updated: 0, unchanged: 0))
            #expect(first.buildings.created == 2)
            // 张三 owns 101 and 201 with one phone: one resident.
            #expect(first.residents.created == 2)
            let countResidents = try await Self.count(db, "residents")
            #expect(countResidents == 2)
            // Each new household is linked to its own owner, the new records found by their place in the import.
            #expect(try await Self.owners(db) == ["1号楼 101 张三", "1号楼 102 李四", "2号楼 201 张三"])
            let again = try await importer.run(
                rows: rows, errors: [], subdistrict: nil, dryRun: false, filename: "a.csv", actor: .system)
            #expect(again.households == .init(created: 0, updated: 0, unchanged: 3))
            #expect(again.compounds == .init(created: 0, updated: 0, unchanged: 1))
            let countHouseholds = try await Self.count(db, "households")
            #expect(countHouseholds == 3)
            let countHouseholdResidents = try await Self.count(db, "household_residents")
            #expect(countHouseholdResidents == 3)
        }
    }

    /// A piece's new residents are numbered in the order of their identity index (name, then phone, by bytes), not
    /// the sheet's, and each household still names its own owner; a second piece's come after the first's.
    @Test func newResidentsAreNumberedInTheirIndexOrder() async throws {
        try await TestDatabase.with { db in
            // In the sheet's order 李四, 王五, 张三 (…9), 张三 (…1), 赵六; in the index's 张三 (…1), 张三 (…9), 李四, 王五,
            // 赵六: an order that is not its own inverse, so numbering by the one for the other would show.
            let rows = [
                Self.row("101", owner: "李四", phone: "13900000002"), Self.row("102", owner: "王五", phone: "13900000003"),
                Self.row("103", owner: "张三", phone: "13900000009"), Self.row("104", owner: "张三", phone: "13900000001"),
                Self.row("105", owner: "李四", phone: "13900000002"), Self.row("106", owner: "赵六", phone: ""),
            ]
            _ = try await RegistryImporter(database: db).run(
                rows: rows, errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            let more = [Self.row("201", owner: "丁一", phone: "13900000004", building: "2号楼")]
            _ = try await RegistryImporter(database: db).run(
                rows: rows + more, errors: [], subdistrict: "S", dryRun: false, filename: "b", actor: .system)
            let byId = try await db.withConnection { c in
                try await c.raw("SELECT name, phone FROM residents ORDER BY id").all().map {
                    try $0.text("name") + " " + $0.text("phone")
                }
            }
            #expect(
                byId == [
                    "张三 13900000001", "张三 13900000009", "李四 13900000002", "王五 13900000003", "赵六 ",
                    "丁一 13900000004",
                ])
            let owners = try await db.withConnection { c in
                try await c.raw(
                    """
                    SELECT h.room, r.name, r.phone FROM residents r JOIN household_residents hr ON hr.resident_id = r.id
                    JOIN households h ON h.id = hr.household_id ORDER BY h.room
                    """
                ).all().map { try [$0.text("room"), $0.text("name"), $0.text("phone")].joined(separator: " ") }
            }
            #expect(
                owners == [
                    "101 李四 13900000002", "102 王五 13900000003", "103 张三 13900000009", "104 张三 13900000001",
                    "105 李四 13900000002", "106 赵六 ", "201 丁一 13900000004",
                ])
        }
    }

    /// On SQLite an import writes with foreign-key checks off in a transaction of its own: every key it writes still
    /// names a row that is there, and the checks are on again for the writes after it.
    @Test func keysHoldAfterAnImportAndAreCheckedAgainAfterIt() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            let rows = [Self.row("101"), Self.row("102", owner: "李四", phone: ""), Self.row("201", building: "2号楼")]
            _ = try await importer.run(
                rows: rows, errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            _ = try await importer.run(
                rows: rows + [Self.row("301", compound: "新村", elsewhere: true)], errors: [], subdistrict: "S",
                dryRun: false, filename: "b", actor: .system)
            if !TestDatabase.usesPostgres {
                let broken = try await db.withConnection { c in try await c.raw("PRAGMA foreign_key_check").all() }
                #expect(broken.isEmpty)
            }
            await #expect(throws: (any Error).self) {
                try await db.transaction { c in
                    try await c.raw(
                        """
                        INSERT INTO households (entrance_id, building_id, compound_id, room) VALUES (999999, 999999, 999999, 'x')
                        """
                    ).run()
                }
            }
            #expect(try await Self.count(db, "households") == 4)
        }
    }

    /// On PostgreSQL, an import whose role may set `session_replication_role` writes without the server's row-by-row
    /// key checks. It then holds every stored row its new rows point at, as a key's check would: another writer
    /// cannot delete one until the import ends, and one already gone stops the import.
    /// Rows written in bulk are the rows given, in order, whole batches and the rows left over alike; a row that
    /// breaks a constraint inside a batch fails the write, and its transaction keeps none of them.
    @Test func rowsWrittenInBulkAreTheRowsGiven() async throws {
        try await TestDatabase.with { db in
            let n = 3 * 64 + 7
            let written = try await db.bulkTransaction { _, bulk in
                let ids = try await bulk.newIds(table: "subdistricts", count: n)
                try await bulk.write(table: "subdistricts", columns: ["id", "name"], count: n) { i, row in
                    row += [.int(ids.lowerBound + Int64(i)), .text("街道\(i)")]
                }
                return ids
            }
            let names = try await db.withConnection { c in
                try await c.raw("SELECT id, name FROM subdistricts ORDER BY id").all().map {
                    (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "name", as: String.self))
                }
            }
            #expect(names.map(\.0) == Array(written) && names.map(\.1) == (0..<n).map { "街道\($0)" })
            await #expect(throws: (any Error).self) {
                try await db.bulkTransaction { _, bulk in
                    try await bulk.write(table: "subdistricts", columns: ["name"], count: 100) { i, row in
                        row += [.text(i == 70 ? "街道3" : "新街道\(i)")]  // 70: a name already taken
                    }
                }
            }
            #expect(try await Self.count(db, "subdistricts") == n)
        }
    }

    @Test func withChecksPausedTheRowsPointedAtAreHeld() async throws {
        guard TestDatabase.usesPostgres else { return }
        try await TestDatabase.with { db in
            _ = try await RegistryImporter(database: db).run(
                rows: [Self.row("101")], errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            let spare = try await db.withConnection { c in
                try await c.raw(
                    """
                    INSERT INTO buildings (compound_id, name) SELECT id, '9号楼' FROM compounds RETURNING id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            try await db.bulkTransaction { c, bulk in
                #expect(try await bulk.pauseKeyChecks())
                try await bulk.holdParents(table: "buildings", ids: [spare])
                // Paused: a key naming no row is written; this transaction is rolled back below.
                try await c.raw("INSERT INTO entrances (building_id, compound_id, name) VALUES (999999, 999999, 'x')")
                    .run()
                // Another writer, as another request would be (a task of its own).
                await #expect(throws: (any Error).self) {
                    try await Task.detached {
                        try await db.withConnection { other in
                            try await other.raw("SET lock_timeout = '300ms'").run()
                            try await other.raw("DELETE FROM buildings WHERE id = \(bind: spare)").run()
                        }
                    }.value
                }
                await #expect(throws: StoreError.stale) {
                    try await bulk.holdParents(table: "buildings", ids: [spare, 999999])
                }
                // Checked again: the same kind of row is refused.
                try await bulk.checkKeys()
                try await c.raw("SAVEPOINT s").run()
                await #expect(throws: (any Error).self) {
                    try await c.raw("INSERT INTO entrances (building_id, compound_id, name) VALUES (999998, 1, 'y')")
                        .run()
                }
                try await c.raw("ROLLBACK TO SAVEPOINT s").run()
            }
            #expect(try await Self.count(db, "entrances") == 2)
            try await db.withConnection { c in try await c.raw("DELETE FROM entrances WHERE name = 'x'").run() }
            try await db.withConnection { c in
                try await c.raw("DELETE FROM buildings WHERE id = \(bind: spare)").run()
            }
            #expect(try await Self.count(db, "buildings") == 1)
        }
    }

    /// The stored rows a second import's new rows point at, which it holds while key checks are paused: the
    /// entrance, building and compound a new household joins, the compound a new building joins, the community a
    /// new compound joins, the resident who owns one more household; nothing the import itself makes.
    @Test func aPlanNamesTheStoredRowsItsNewRowsPointAt() async throws {
        try await TestDatabase.with { db in
            _ = try await RegistryImporter(database: db).run(
                rows: [Self.row("101"), Self.row("102", owner: "李四", phone: "")], errors: [], subdistrict: "S",
                dryRun: false, filename: "a", actor: .system)
            let (parents, stored) = try await db.withConnection { c in
                let sd = try await c.raw("SELECT id FROM subdistricts").first()!.decode(column: "id", as: Int64.self)
                let snapshot = try await Snapshot.load(db: c, subdistrictId: sd)
                let rows = [
                    Self.row("101"), Self.row("103"), Self.row("201", building: "2号楼"),
                    Self.row("301", compound: "新村"),
                ]
                var memory = PlanMemory()
                let plan = ImportPlan(rows: rows, snapshot: snapshot, memory: &memory)
                var stored: [String: Set<Int64>] = ["subdistricts": [sd]]
                for t in ["communities", "compounds", "buildings", "entrances", "residents"] {
                    stored[t] = Set(
                        try await c.raw("SELECT id FROM \(unsafeRaw: t)").all().map {
                            try $0.decode(column: "id", as: Int64.self)
                        })
                }
                stored["residents"] = Set(
                    try await c.raw("SELECT id FROM residents WHERE name = '张三'").all().map {
                        try $0.decode(column: "id", as: Int64.self)
                    })
                stored["households"] = []
                return (plan.storedParents(subdistrictId: sd, snapshot: snapshot), stored)
            }
            #expect(Dictionary(uniqueKeysWithValues: parents) == stored)
            #expect(stored.values.allSatisfy { $0.count <= 1 } && stored["entrances"]!.count == 1)
        }
    }

    /// A role that may not set `session_replication_role` imports as well: PostgreSQL goes on checking each key, and
    /// the transaction carries on past the refused setting.
    @Test func anOrdinaryRoleImportsWithTheServersChecks() async throws {
        _ = try await TestDatabase.withEmptyPostgres { url in
            let owner = try Database.open(url: url, dataDirectory: "", maxConnections: 2)
            _ = try await Migrations.run(on: owner)
            let role = "cy_plain_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            try await owner.withConnection { c in
                try await c.raw("CREATE ROLE \(unsafeRaw: role) LOGIN").run()
                try await c.raw("GRANT ALL ON ALL TABLES IN SCHEMA public TO \(unsafeRaw: role)").run()
                try await c.raw("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO \(unsafeRaw: role)").run()
            }
            var c = URLComponents(string: url)!
            c.user = role
            let plain = try Database.open(url: c.string!, dataDirectory: "", maxConnections: 2)
            let paused = try await plain.bulkTransaction { _, bulk in try await bulk.pauseKeyChecks() }
            let importer = RegistryImporter(database: plain)
            let rows = [Self.row("101"), Self.row("102", owner: "李四", phone: "13900000000")]
            let first = try await importer.run(
                rows: rows, errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            let again = try await importer.run(
                rows: rows + [Self.row("201", building: "2号楼")], errors: [], subdistrict: "S", dryRun: false,
                filename: "b", actor: .system)
            let owners = try await Self.owners(plain)
            await plain.shutdown()
            try await owner.withConnection { c in
                try await c.raw("DROP OWNED BY \(unsafeRaw: role)").run()
                try await c.raw("DROP ROLE \(unsafeRaw: role)").run()
            }
            await owner.shutdown()
            #expect(!paused)
            #expect(first.households.created == 2 && again.households.created == 1)
            #expect(owners == ["1号楼 101 张三", "1号楼 102 李四", "2号楼 201 张三"])
        }
    }

    /// Each compound's kept count of households follows every write of a household: an import, a second import that
    /// adds to it, a household made and one deleted one by one, and a delete that is refused.
    @Test func compoundsKeepTheirCountOfHouseholds() async throws {
        try await TestDatabase.with { db in
            func mismatches() async throws -> Int {
                try await db.withConnection { c in
                    try await c.raw(
                        """
                        SELECT COUNT(*) AS n FROM compounds c
                        WHERE c.household_count <> (SELECT COUNT(*) FROM households h WHERE h.compound_id = c.id)
                        """
                    ).first()!.decode(column: "n", as: Int.self)
                }
            }
            func kept() async throws -> [Int] {
                try await db.withConnection { c in
                    try await c.raw("SELECT household_count AS n FROM compounds ORDER BY name").all()
                        .map { try $0.decode(column: "n", as: Int.self) }
                }
            }
            let importer = RegistryImporter(database: db)
            _ = try await importer.run(
                rows: [Self.row("101"), Self.row("102"), Self.row("201", compound: "新村")], errors: [],
                subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            #expect(try await kept() == [1, 2])
            _ = try await importer.run(
                rows: [Self.row("101"), Self.row("103"), Self.row("104", building: "2号楼")], errors: [],
                subdistrict: "S", dryRun: false, filename: "b", actor: .system)
            #expect(try await kept() == [1, 4])
            let repo = ResourceRepository(database: db)
            let entrance = try await repo.list(.entrances, query: ListQuery(), actor: .system).items[0].id
            let made = try await repo.create(
                .households, input: ["entrance_id": .int(entrance), "room": .string("999"), "area_m2": .string("50")],
                actor: .system)
            #expect(try await mismatches() == 0)
            try await repo.delete(.households, id: made.id, expectedVersion: nil, actor: .system)
            let owned = try await db.withConnection { c in
                try await c.raw("SELECT MIN(id) AS id FROM households").first()!.decode(column: "id", as: Int64.self)
            }
            // A household with a contact recorded against it cannot be deleted; its compound's count stays.
            try await db.withConnection { c in
                try await c.raw(
                    """
                    INSERT INTO household_contacts (household_id, compound_id, building_id, entrance_id, channel, date,
                      outcome, username, created_at)
                    SELECT id, compound_id, building_id, entrance_id, 'visit', '2026-11-30', 'agreed', 'x', '2026-11-30'
                    FROM households WHERE id = \(bind: owned)
                    """
                ).run()
            }
            await #expect(throws: StoreError.self) {
                try await repo.delete(.households, id: owned, expectedVersion: nil, actor: .system)
            }
            #expect(try await mismatches() == 0)
            #expect(try await kept() == [1, 4])
        }
    }

    @Test func updatesWhatChangedAndDryRunWritesNothing() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            _ = try await importer.run(
                rows: [Self.row("101"), Self.row("102")], errors: [], subdistrict: "S", dryRun: false,
                filename: "a", actor: .system)
            let changed = [
                Self.row("101", area: 9000), Self.row("102", owner: "王五", phone: "13700000000"), Self.row("103"),
            ]
            let dry = try await importer.run(
                rows: changed, errors: [], subdistrict: "S", dryRun: true, filename: "b", actor: .system)
            #expect(!dry.applied)
            #expect(dry.households == .init(created: 1, updated: 2, unchanged: 0))
            let countHouseholds = try await Self.count(db, "households")
            #expect(countHouseholds == 2)
            let real = try await importer.run(
                rows: changed, errors: [], subdistrict: "S", dryRun: false, filename: "b", actor: .system)
            #expect(real.households == .init(created: 1, updated: 2, unchanged: 0))
            let area = try await db.withConnection { c in
                try await c.raw("SELECT area_centi FROM households WHERE room = '101'").first()!.decode(
                    column: "area_centi", as: Int64.self)
            }
            #expect(area == 9000)
            let owner = try await db.withConnection { c in
                try await c.raw(
                    """
                    SELECT r.name FROM household_residents hr JOIN residents r ON r.id = hr.resident_id
                    JOIN households h ON h.id = hr.household_id WHERE h.room = '102' AND hr.relation = 'owner'
                    """
                ).all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(owner == ["王五"])
            // A new household whose owner is already stored, beside a changed owner and one left as it was.
            #expect(try await Self.owners(db) == ["1号楼 101 张三", "1号楼 102 王五", "1号楼 103 张三"])
        }
    }

    @Test func aSheetWithBadRowsWritesNothing() async throws {
        try await TestDatabase.with { db in
            let bad = RowError(row: 3, column: "area_m2", code: "invalid_area", message: "bad")
            let report = try await RegistryImporter(database: db).run(
                rows: [Self.row("101")], errors: [bad], subdistrict: "S",
                dryRun: false, filename: "a", actor: .system)
            #expect(!report.applied)
            let countHouseholds = try await Self.count(db, "households")
            #expect(countHouseholds == 0)
            let countSubdistricts = try await Self.count(db, "subdistricts")
            #expect(countSubdistricts == 0)
            let countImports = try await Self.count(db, "imports")
            #expect(countImports == 1)
        }
    }

    @Test func aFailureHalfWayLeavesTheDatabaseAsItWas() async throws {
        struct Crash: Error {}
        try await TestDatabase.with { db in
            await #expect(throws: Crash.self) {
                try await db.transaction { c in
                    try await c.raw("INSERT INTO subdistricts (name) VALUES ('half')").run()
                    throw Crash()
                }
            }
            let countSubdistricts = try await Self.count(db, "subdistricts")
            #expect(countSubdistricts == 0)
        }
    }

    /// The data and its `imports` history row are committed together: when the history row cannot be written,
    /// nothing of the sheet is either; a written import always has its row.
    @Test func dataAndItsHistoryRowCommitTogether() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            try await db.withConnection { c in try await c.raw("ALTER TABLE imports RENAME TO imports_away").run() }
            await #expect(throws: (any Error).self) {
                _ = try await importer.run(
                    rows: [Self.row("101")], errors: [], subdistrict: "建设路街道", dryRun: false,
                    filename: "a.csv", actor: .system)
            }
            let countHouseholds = try await Self.count(db, "households")
            #expect(countHouseholds == 0)
            let countSubdistricts = try await Self.count(db, "subdistricts")
            #expect(countSubdistricts == 0)
            try await db.withConnection { c in try await c.raw("ALTER TABLE imports_away RENAME TO imports").run() }
            let done = try await importer.run(
                rows: [Self.row("101")], errors: [], subdistrict: "建设路街道", dryRun: false,
                filename: "a.csv", actor: .system)
            let countImports = try await Self.count(db, "imports")
            #expect(countImports == 1)
            let stored = try await db.withConnection { c in
                try await c.raw("SELECT report_json FROM imports WHERE id = \(bind: done.id!)").first()!
                    .decode(column: "report_json", as: String.self)
            }
            #expect(stored.contains("\"households\""))
        }
    }

    @Test func needsASubdistrictWhenThereAreSeveral() async throws {
        try await TestDatabase.with { db in
            let importer = RegistryImporter(database: db)
            await #expect(throws: RegistryImporter.Failure.self) {
                _ = try await importer.run(
                    rows: [Self.row("101")], errors: [], subdistrict: nil, dryRun: false, filename: "a", actor: .system)
            }
            _ = try await importer.run(
                rows: [Self.row("101")], errors: [], subdistrict: "A", dryRun: false, filename: "a", actor: .system)
            _ = try await importer.run(
                rows: [Self.row("101")], errors: [], subdistrict: "B", dryRun: false, filename: "a", actor: .system)
            await #expect(throws: RegistryImporter.Failure.self) {
                _ = try await importer.run(
                    rows: [Self.row("101")], errors: [], subdistrict: nil, dryRun: true, filename: "a", actor: .system)
            }
            let officer = Actor(
                userId: nil, username: "o", role: .subdistrictOfficer, scope: Scope(kind: .subdistrict, id: 1))
            await #expect(throws: RegistryImporter.Failure.self) {
                _ = try await importer.run(
                    rows: [Self.row("101")], errors: [], subdistrict: "B", dryRun: true, filename: "a", actor: officer)
            }
        }
    }

    @Test func exportReadsBackAsTheSameRows() async throws {
        try await TestDatabase.with { db in
            let rows = [
                Self.row("101", elsewhere: true), Self.row("102", owner: "李四", phone: "13900000000"),
                Self.row("201", building: "2号楼"),
            ]
            _ = try await RegistryImporter(database: db).run(
                rows: rows, errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
            let exported = try await RegistryExport.rows(database: db, subdistrictId: nil, actor: .system)
            #expect(exported.map(\.cells) == rows.map(\.cells))
        }
    }

    /// Bulk writing (COPY on PostgreSQL) keeps every character a sheet can hold: backslashes, quotes, tabs, line
    /// ends and COPY's own null marker come back as they went in; a person without a phone is a resident of their own.
    @Test func textThatLooksLikeEscapesIsStoredAsWritten() async throws {
        try await TestDatabase.with { db in
            let rows = [
                Self.row("1\\N", owner: "O'Neil \\N", phone: "", building: "东\\1号楼", compound: "老厂\t'院"),
                Self.row("102", owner: "李\n四\r", phone: "", building: "东\\1号楼", compound: "老厂\t'院"),
                Self.row("103", owner: "\\.", phone: "139\\00", compound: "老厂\t'院"),
            ]
            _ = try await RegistryImporter(database: db).run(
                rows: rows, errors: [], subdistrict: "S\\区", dryRun: false, filename: "a", actor: .system)
            let exported = try await RegistryExport.rows(database: db, subdistrictId: nil, actor: .system)
            let byRoom: ([String], [String]) -> Bool = { $0[6] < $1[6] }
            let stored: [[String]] = exported.map(\.cells).sorted(by: byRoom)
            let sent: [[String]] = rows.map(\.cells).sorted(by: byRoom)
            #expect(stored == sent)
            let residents = try await Self.count(db, "residents")
            #expect(residents == 3)
            let again = try await RegistryImporter(database: db).run(
                rows: rows, errors: [], subdistrict: "S\\区", dryRun: false, filename: "a", actor: .system)
            #expect(again.households == .init(created: 0, updated: 0, unchanged: 3))
        }
    }

    /// The ids an import takes beforehand leave each table's numbering past them: a household or resident added
    /// afterwards, the ordinary way, gets a new id and does not collide.
    @Test func rowsAddedAfterAnImportGetIdsOfTheirOwn() async throws {
        try await TestDatabase.with { db in
            _ = try await RegistryImporter(database: db).run(
                rows: [Self.row("101"), Self.row("102", phone: "")], errors: [], subdistrict: "S", dryRun: false,
                filename: "a", actor: .system)
            try await db.transaction { c in
                try await c.raw(
                    """
                    INSERT INTO households (entrance_id, building_id, compound_id, room)
                    SELECT entrance_id, building_id, compound_id, '999' FROM households WHERE room = '101'
                    """
                ).run()
                try await c.raw("INSERT INTO residents (subdistrict_id, name) SELECT id, '新住户' FROM subdistricts").run()
                try await c.raw("INSERT INTO buildings (compound_id, name) SELECT id, '新楼' FROM compounds").run()
            }
            #expect(try await Self.count(db, "households") == 3)
            #expect(try await Self.count(db, "residents") == 3)
        }
    }
}
