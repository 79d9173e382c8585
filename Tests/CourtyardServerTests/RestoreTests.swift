import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit
import Testing

/// `courtyard restore` on SQLite: backup → restore → export gives the same sheet, byte for byte; what is not an
/// intact Courtyard database of this level or older is refused, and data is replaced only with --force.
@Suite struct RestoreTests {
    static func folder() -> String {
        let dir = NSTemporaryDirectory() + "courtyard-restore-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func seeded(_ dir: String) async throws -> Database {
        let db = try Database.open(url: nil, dataDirectory: dir)
        try await Migrations.run(on: db)
        var rows: [HouseholdRow] = []
        for i in 1...30 {
            let building = "\(i % 3 + 1)号楼"
            let phone = "139000000" + String(format: "%02d", i)
            rows.append(
                HouseholdRow(
                    row: i + 1, community: "幸福里社区", compound: "纺织厂家属院", address: "", builtYear: 1985,
                    building: building, entrance: "1单元", room: String(100 + i), floor: 1,
                    area: Area(centi: 8_000 + Int64(i)),
                    ownerName: "业主" + String(i), ownerPhone: phone, livesElsewhere: i % 4 == 0))
        }
        _ = try await RegistryImporter(database: db).run(
            rows: rows, errors: [], subdistrict: "街道", dryRun: false, filename: "t", actor: .system)
        return db
    }

    static func sheet(_ db: Database) async throws -> Data {
        RegistryFiles.csv(try await RegistryExport.rows(database: db, subdistrictId: nil, actor: .system))
    }

    static func backup(_ db: Database, to path: String) async throws {
        try await db.withConnection { c in try await c.raw("VACUUM INTO \(bind: path)").run() }
    }

    /// A folder holding `backup.sqlite` of a seeded database, and an empty one to restore into.
    static func backupAndEmptyFolder() async throws -> (String, String) {
        let a = folder()
        let db = try await seeded(a)
        try await backup(db, to: a + "/backup.sqlite")
        await db.shutdown()
        return (a, folder())
    }

    @Test func aRunningServerKeepsItsDatabaseFromBeingReplaced() async throws {
        let (a, b) = try await Self.backupAndEmptyFolder()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let target = b + "/courtyard.sqlite"
        // Two servers (or a server and an import) share the lock; a restore beside them is refused.
        let server = try ServingLock.shared(databasePath: target)
        let importer = try ServingLock.shared(databasePath: target)
        await #expect(throws: SQLiteRestore.Failure.inUse(target)) {
            try await SQLiteRestore.restore(from: a + "/backup.sqlite", to: target, force: true)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        server.release()
        await #expect(throws: SQLiteRestore.Failure.inUse(target)) {
            try await SQLiteRestore.restore(from: a + "/backup.sqlite", to: target, force: true)
        }
        importer.release()
        // While a restore holds it, a server cannot start on the file.
        let restoring = try ServingLock.exclusive(databasePath: target)
        #expect(throws: ServingLock.Refusal.busy(target)) { try ServingLock.shared(databasePath: target) }
        restoring.release()
        _ = try ServingLock.shared(databasePath: target)
    }

    @Test func restoreGoesAheadOnceTheServersHaveStopped() async throws {
        let (a, b) = try await Self.backupAndEmptyFolder()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let target = b + "/courtyard.sqlite"
        try ServingLock.shared(databasePath: target).release()
        let done = try await SQLiteRestore.restore(from: a + "/backup.sqlite", to: target, force: false)
        #expect(done.households == 30)
        // The restore has let go: a server starts on the restored file.
        _ = try ServingLock.shared(databasePath: target)
    }

    @Test func backupRestoreExportGivesTheSameSheetByteForByte() async throws {
        let a = Self.folder()
        let b = Self.folder()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let db = try await Self.seeded(a)
        let before = try await Self.sheet(db)
        try await Self.backup(db, to: a + "/backup.sqlite")
        await db.shutdown()
        let done = try await SQLiteRestore.restore(
            from: a + "/backup.sqlite", to: b + "/courtyard.sqlite", force: false)
        #expect(done.level == Migrations.latest && done.households == 30 && done.subdistricts == 1)
        let restored = try Database.open(url: nil, dataDirectory: b)
        let after = try await Self.sheet(restored)
        await restored.shutdown()
        #expect(before.count > 1_000)
        #expect(after == before)
    }

    @Test func aDatabaseWithDataIsReplacedOnlyWithForce() async throws {
        let a = Self.folder()
        let b = Self.folder()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let source = try await Self.seeded(a)
        try await Self.backup(source, to: a + "/backup.sqlite")
        await source.shutdown()
        let other = try Database.open(url: nil, dataDirectory: b)
        try await Migrations.run(on: other)
        try await other.transaction { c in try await c.raw("INSERT INTO subdistricts (name) VALUES ('别的街道')").run() }
        await other.shutdown()
        await #expect(throws: SQLiteRestore.Failure.notEmpty(b + "/courtyard.sqlite")) {
            try await SQLiteRestore.restore(from: a + "/backup.sqlite", to: b + "/courtyard.sqlite", force: false)
        }
        // Refused: the database is as it was, and no staged copy is left behind.
        let kept = try Database.open(url: nil, dataDirectory: b)
        let names = try await kept.withConnection { c in
            try await c.raw("SELECT name FROM subdistricts").all().map {
                try $0.decode(column: "name", as: String.self)
            }
        }
        await kept.shutdown()
        #expect(names == ["别的街道"])
        #expect(!FileManager.default.fileExists(atPath: b + "/courtyard.sqlite.restoring"))
        let forced = try await SQLiteRestore.restore(
            from: a + "/backup.sqlite", to: b + "/courtyard.sqlite", force: true)
        #expect(forced.households == 30)
    }

    @Test func refusesWhatIsNotAnIntactCourtyardDatabaseOfThisLevel() async throws {
        let a = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: a) }
        let target = a + "/courtyard.sqlite"
        await #expect(throws: SQLiteRestore.Failure.missing(a + "/none.sqlite")) {
            try await SQLiteRestore.restore(from: a + "/none.sqlite", to: target, force: false)
        }
        _ = FileManager.default.createFile(atPath: a + "/text.sqlite", contents: Data(repeating: 0x41, count: 8192))
        do {
            _ = try await SQLiteRestore.restore(from: a + "/text.sqlite", to: target, force: false)
            Issue.record("a file of text was restored")
        } catch let f as SQLiteRestore.Failure {
            guard case .unreadable = f else {
                Issue.record("\(f)")
                return
            }
        }
        // An SQLite file of something else.
        let foreign = try Database.openSQLite(path: a + "/foreign.sqlite")
        try await foreign.withConnection { c in try await c.raw("CREATE TABLE t (x INTEGER)").run() }
        await foreign.shutdown()
        await #expect(throws: SQLiteRestore.Failure.notCourtyard) {
            try await SQLiteRestore.restore(from: a + "/foreign.sqlite", to: target, force: false)
        }
        // A backup from a newer release.
        let newer = try Database.openSQLite(path: a + "/newer.sqlite")
        try await Migrations.run(on: newer)
        try await newer.transaction { c in
            try await c.raw(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: Migrations.latest + 1), 'x', 'x')"
            ).run()
        }
        try await newer.withConnection { c in try await c.raw("VACUUM INTO \(bind: a + "/newer-backup.sqlite")").run() }
        await newer.shutdown()
        await #expect(throws: SQLiteRestore.Failure.newer(level: Migrations.latest + 1, latest: Migrations.latest)) {
            try await SQLiteRestore.restore(from: a + "/newer-backup.sqlite", to: target, force: false)
        }
        // A damaged one: a page in the middle overwritten.
        let good = try await Self.seeded(a + "/good")
        try await Self.backup(good, to: a + "/good-backup.sqlite")
        await good.shutdown()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: a + "/good-backup.sqlite"))
        let page = 4096 * (bytes.count / 4096 / 2)
        bytes.replaceSubrange(page..<(page + 4096), with: Data(repeating: 0x5A, count: 4096))
        try bytes.write(to: URL(fileURLWithPath: a + "/bad-backup.sqlite"))
        do {
            _ = try await SQLiteRestore.restore(from: a + "/bad-backup.sqlite", to: target, force: false)
            Issue.record("a damaged backup was restored")
        } catch let f as SQLiteRestore.Failure {
            switch f {
            case .damaged, .unreadable: break
            default: Issue.record("\(f)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
