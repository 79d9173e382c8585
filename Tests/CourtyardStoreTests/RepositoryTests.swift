import CourtyardDomain
import CourtyardStore
import CourtyardTestSupport
import Foundation
import SQLKit
import Testing

@Suite struct MigrationTests {
    @Test func migratesAnEmptyDatabaseAndIsIdempotent() async throws {
        try await TestDatabase.with { db in
            let level = try await Migrations.currentVersion(db)
            #expect(level == Migrations.latest)
            let ran = try await Migrations.run(on: db)
            #expect(ran.isEmpty)
        }
    }
}

@Suite struct ConcurrentMigrationTests {
    /// Two servers starting at once over one empty PostgreSQL database: every step runs exactly once, neither fails.
    @Test func twoRunsAtOnceMigrateOnce() async throws {
        _ = try await TestDatabase.withEmptyPostgres { url in
            let a = try Database.open(url: url, dataDirectory: "", maxConnections: 2)
            let b = try Database.open(url: url, dataDirectory: "", maxConnections: 2)
            do {
                async let ranA = Migrations.run(on: a)
                async let ranB = Migrations.run(on: b)
                let (x, y) = try await (ranA, ranB)
                #expect(Set(x).isDisjoint(with: y))
                #expect((x + y).sorted() == Migrations.steps.map(\.version))
                let recorded = try await a.withConnection { c in
                    try await c.raw("SELECT COUNT(*) AS n FROM schema_migrations").first()!.decode(
                        column: "n", as: Int.self)
                }
                #expect(recorded == Migrations.steps.count)
                let level = try await Migrations.currentVersion(b)
                #expect(level == Migrations.latest)
                await a.shutdown()
                await b.shutdown()
            } catch {
                await a.shutdown()
                await b.shutdown()
                throw error
            }
        }
    }
}

@Suite struct MigrationStepTests {
    /// Volunteer entries rebuilt with numbers never given twice (SQLite): the entries stay, and the next entry takes
    /// a number past the newest ever given, also one removed before the upgrade.
    @Test func volunteerEntriesKeepTheirNumbersAndNeverReuseOne() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-mig35-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        do {
            try await Migrations.run(on: db, upTo: 34)
            try await db.transaction { c in
                try await c.raw("INSERT INTO subdistricts (id, name) VALUES (1, '一街道')").run()
                try await c.raw("INSERT INTO communities (id, subdistrict_id, name) VALUES (1, 1, '一社区')").run()
                for id in 1...3 {
                    try await c.raw(
                        """
                        INSERT INTO volunteer_hours (id, subdistrict_id, community_id, name, activity, date, minutes,
                          created_at, created_by) VALUES (\(bind: id), 1, 1, '韩冬梅', 'patrol', '2026-12-05', 90, 'x', 'x')
                        """
                    ).run()
                }
                // The newest entry, 3, was removed before the upgrade; the log remembers its number.
                try await c.raw("DELETE FROM volunteer_hours WHERE id = 3").run()
                try await c.raw(
                    """
                    INSERT INTO audit_log (at, username, action, entity, entity_id)
                    VALUES ('x', 'x', 'delete', 'volunteer_hours', 3)
                    """
                ).run()
            }
            try await Migrations.run(on: db)
            let next = try await db.transaction { c in
                try await c.raw(
                    """
                    INSERT INTO volunteer_hours (subdistrict_id, community_id, name, activity, date, minutes,
                      created_at, created_by) VALUES (1, 1, '曹秀英', 'patrol', '2026-12-05', 60, 'x', 'x') RETURNING id
                    """
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let kept = try await db.withConnection { c in
                try await c.raw("SELECT COUNT(*) AS n FROM volunteer_hours WHERE name = '韩冬梅'").first()!
                    .decode(column: "n", as: Int64.self)
            }
            #expect(kept == 2 && next == 4, "kept \(kept), next \(next)")
            await db.shutdown()
        } catch {
            await db.shutdown()
            throw error
        }
    }

    /// A database left at the previous level (as an older release left it) is brought forward with its data intact.
    @Test func upgradesFromThePreviousLevel() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-mig-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        do {
            let first = try await Migrations.run(on: db, upTo: Migrations.latest - 1)
            #expect(first == Migrations.steps.map(\.version).filter { $0 < Migrations.latest })
            try await db.transaction { c in try await c.raw("INSERT INTO subdistricts (name) VALUES ('旧街道')").run() }
            let rest = try await Migrations.run(on: db)
            #expect(rest == [Migrations.latest])
            let level = try await Migrations.currentVersion(db)
            #expect(level == Migrations.latest)
            let kept = try await db.withConnection { c in
                try await c.raw("SELECT name FROM subdistricts").first()!.decode(column: "name", as: String.self)
            }
            #expect(kept == "旧街道")
            await db.shutdown()
        } catch {
            await db.shutdown()
            throw error
        }
    }
}

@Suite struct TrustMigrationTests {
    /// Organisations and Open311 keys left without a sub-district are placed where their use shows they belong.
    @Test func placesLegacyOrganisationsAndKeys() async throws {
        let dir = NSTemporaryDirectory() + "courtyard-mig2-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database.open(url: nil, dataDirectory: dir)
        do {
            try await Migrations.run(on: db, upTo: 7)
            try await db.transaction { c in
                for sql: SQLQueryString in [
                    "INSERT INTO subdistricts (id, name) VALUES (1, '一街道'), (2, '二街道')",
                    "INSERT INTO communities (id, subdistrict_id, name) VALUES (5, 2, '社区')",
                    "INSERT INTO compounds (id, subdistrict_id, community_id, name) VALUES (7, 2, 5, '院')",
                    "INSERT INTO organisations (id, name, kind) VALUES (10, 'a', 'contractor'), (11, 'b', 'supervisor')",
                    """
                    INSERT INTO projects (subdistrict_id, community_id, compound_id, batch_year, deadline,
                      contractor_id, created_at) VALUES (2, 5, 7, 2026, '2026-12-31', 10, '2026-01-01T00:00:00Z')
                    """,
                    """
                    INSERT INTO users (username, password_hash, role, scope_kind, scope_id, display_name, created_at)
                    VALUES ('office2', 'x', 'subdistrict_officer', 'subdistrict', 2, '', '2026-01-01T00:00:00Z')
                    """,
                    """
                    INSERT INTO open311_keys (name, key_hash, created_at, created_by)
                    VALUES ('k', 'h1', '2026-01-01T00:00:00Z', 'office2'),
                      ('city', 'h2', '2026-01-01T00:00:00Z', 'admin')
                    """,
                ] { try await c.raw(sql).run() }
            }
            try await Migrations.run(on: db)
            let (orgs, keys) = try await db.withConnection { c in
                (
                    try await c.raw("SELECT subdistrict_id FROM organisations ORDER BY id").all()
                        .map { try $0.decode(column: "subdistrict_id", as: Int64?.self) },
                    try await c.raw("SELECT subdistrict_id FROM open311_keys ORDER BY id").all()
                        .map { try $0.decode(column: "subdistrict_id", as: Int64?.self) }
                )
            }
            #expect(orgs == [2, nil] && keys == [2, nil])
            await db.shutdown()
        } catch {
            await db.shutdown()
            throw error
        }
    }
}

@Suite struct RepositoryTests {
    /// Two communities with one compound each; returns (community A, community B, compound in A).
    static func seed(_ db: Database) async throws -> (Int64, Int64, Int64) {
        let rows = [
            ImportTests.row("101"), ImportTests.row("102", owner: "李四", phone: "13900000000"),
            HouseholdRow(
                row: 4, community: "光明社区", compound: "机械厂宿舍", address: "", builtYear: nil, building: "1号楼",
                entrance: "1单元", room: "101", floor: 1, area: Area(centi: 7000), ownerName: "王五",
                ownerPhone: "13700000000", livesElsewhere: false),
        ]
        _ = try await RegistryImporter(database: db).run(
            rows: rows, errors: [], subdistrict: "S", dryRun: false, filename: "a", actor: .system)
        return try await db.withConnection { c in
            let a = try await c.raw("SELECT id FROM communities WHERE name = '幸福里社区'").first()!.decode(
                column: "id", as: Int64.self)
            let b = try await c.raw("SELECT id FROM communities WHERE name = '光明社区'").first()!.decode(
                column: "id", as: Int64.self)
            let cp = try await c.raw("SELECT id FROM compounds WHERE community_id = \(bind: a)").first()!.decode(
                column: "id", as: Int64.self)
            return (a, b, cp)
        }
    }

    @Test func scopeHidesOtherCommunities() async throws {
        try await TestDatabase.with { db in
            let (a, b, compound) = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let staff = Actor(userId: nil, username: "s", role: .communityStaff, scope: Scope(kind: .community, id: a))
            let mine = try await repo.list(.compounds, query: ListQuery(), actor: staff)
            #expect(mine.items.map(\.id) == [compound])
            let households = try await repo.list(.households, query: ListQuery(), actor: staff)
            #expect(households.items.count == 2)
            let other = try await repo.list(
                .compounds, query: ListQuery(filters: ["community_id": String(b)]), actor: .system)
            await #expect(throws: StoreError.notFound) {
                _ = try await repo.get(.compounds, id: other.items[0].id, actor: staff)
            }
            await #expect(throws: StoreError.notFound) {
                _ = try await repo.update(
                    .compounds, id: other.items[0].id, input: ["name": .string("x")], expectedVersion: nil, actor: staff
                )
            }
            // Residents are seen through the households they belong to.
            let residents = try await repo.list(.residents, query: ListQuery(), actor: staff)
            #expect(Set(residents.items.compactMap { $0["name"]?.stringValue }) == ["张三", "李四"])
        }
    }

    @Test func creatingUnderAnotherScopeIsRefusedAndLeavesNothing() async throws {
        try await TestDatabase.with { db in
            let (a, b, _) = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let staff = Actor(userId: nil, username: "s", role: .communityStaff, scope: Scope(kind: .community, id: a))
            await #expect(throws: StoreError.notFound) {
                _ = try await repo.create(
                    .compounds, input: ["community_id": .int(b), "name": .string("新小区")], actor: staff)
            }
            let all = try await repo.list(.compounds, query: ListQuery(search: "新小区"), actor: .system)
            #expect(all.items.isEmpty)
            let made = try await repo.create(
                .compounds, input: ["community_id": .int(a), "name": .string("新小区"), "built_year": .int(1990)],
                actor: staff)
            #expect(made["subdistrict_id"]?.intValue != nil)
        }
    }

    @Test func staleUpdatesConflictsAndValidation() async throws {
        try await TestDatabase.with { db in
            let (_, _, compound) = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let c = try await repo.get(.compounds, id: compound, actor: .system)
            let updated = try await repo.update(
                .compounds, id: compound, input: ["address": .string("新地址1号")], expectedVersion: c.version,
                actor: .system)
            #expect(updated.version == c.version + 1)
            await #expect(throws: StoreError.stale) {
                _ = try await repo.update(
                    .compounds, id: compound, input: ["address": .string("y")], expectedVersion: c.version,
                    actor: .system)
            }
            await #expect(throws: StoreError.self) {
                _ = try await repo.create(
                    .compounds, input: ["community_id": c["community_id"]!, "name": .string("纺织厂家属院")], actor: .system)
            }
            await #expect(throws: ValidationError.self) {
                _ = try await repo.update(
                    .compounds, id: compound, input: ["built_year": .int(1700)], expectedVersion: nil, actor: .system)
            }
            await #expect(throws: ValidationError.self) {
                _ = try await repo.update(
                    .compounds, id: compound, input: ["colour": .string("red")], expectedVersion: nil, actor: .system)
            }
            await #expect(throws: ValidationError.self) {
                _ = try await repo.update(
                    .compounds, id: compound, input: ["community_id": .int(2)], expectedVersion: nil, actor: .system)
            }
            // Deleting a compound that still has buildings is a conflict, not a crash.
            await #expect(throws: StoreError.self) {
                try await repo.delete(.compounds, id: compound, expectedVersion: nil, actor: .system)
            }
        }
    }

    @Test func everyChangeIsAudited() async throws {
        try await TestDatabase.with { db in
            let (_, _, compound) = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let officer = Actor(
                userId: 7, username: "office", role: .subdistrictOfficer, scope: Scope(kind: .subdistrict, id: 1))
            _ = try await repo.update(
                .compounds, id: compound, input: ["ownerless": .bool(true)], expectedVersion: nil, actor: officer)
            let log = try await AuditLog.list(
                database: db, actor: officer, entity: "compounds", entityId: compound, before: nil, limit: 10)
            #expect(log.items.count == 1)
            #expect(log.items[0].username == "office")
            #expect(log.items[0].before?.contains("\"ownerless\":false") == true)
            #expect(log.items[0].after?.contains("\"ownerless\":true") == true)
            let viewer = Actor(userId: 8, username: "v", role: .viewer, scope: Scope(kind: .subdistrict, id: 1))
            await #expect(throws: AccessError.self) {
                _ = try await AuditLog.list(
                    database: db, actor: viewer, entity: nil, entityId: nil, before: nil, limit: 10)
            }
        }
    }

    @Test func viewersSeeMaskedPersonalData() async throws {
        try await TestDatabase.with { db in
            _ = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let viewer = Actor(userId: nil, username: "v", role: .viewer, scope: Scope(kind: .subdistrict, id: 1))
            let h = try await repo.list(.households, query: ListQuery(limit: 1), actor: viewer).items[0]
            guard case .array(let residents) = h["residents"]!, let first = residents.first else {
                Issue.record("no residents")
                return
            }
            #expect(first["name"]?.stringValue == "张*")
            #expect(first["phone"]?.stringValue == "138****5678")
            let full = try await repo.list(.households, query: ListQuery(limit: 1), actor: .system).items[0]
            guard case .array(let plain) = full["residents"]! else { return }
            #expect(plain.first?["phone"]?.stringValue == "13812345678")
        }
    }

    @Test func communityStaffAddResidentsToTheirHouseholds() async throws {
        try await TestDatabase.with { db in
            let (a, _, _) = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let staff = Actor(userId: nil, username: "s", role: .communityStaff, scope: Scope(kind: .community, id: a))
            let h = try await repo.list(.households, query: ListQuery(limit: 1), actor: staff).items[0]
            await #expect(throws: ValidationError.self) {
                _ = try await repo.create(
                    .residents, input: ["subdistrict_id": .int(h.subdistrictId!), "name": .string("孤")], actor: staff)
            }
            let r = try await repo.create(
                .residents,
                input: [
                    "subdistrict_id": .int(h.subdistrictId!), "name": .string("钱七"),
                    "household_id": .int(h.id), "relation": .string("tenant"),
                ], actor: staff)
            guard case .array(let links) = r["households"] ?? .null else {
                Issue.record("no households")
                return
            }
            #expect(links.first?["relation"]?.stringValue == "tenant")
            let orphans = try await repo.list(.residents, query: ListQuery(search: "孤"), actor: .system)
            #expect(orphans.items.isEmpty)
        }
    }

    @Test func linksCoOwnersAndTenantsButOneOwner() async throws {
        try await TestDatabase.with { db in
            _ = try await Self.seed(db)
            let repo = ResourceRepository(database: db)
            let h = try await repo.list(.households, query: ListQuery(limit: 1), actor: .system).items[0]
            let r = try await repo.create(
                .residents,
                input: [
                    "subdistrict_id": .int(h.subdistrictId!), "name": .string("赵六"), "phone": .string("13600000000"),
                ], actor: .system)
            let linked = try await repo.link(
                householdId: h.id, residentId: r.id, relation: .coOwner, livesElsewhere: true, actor: .system)
            guard case .array(let rs) = linked["residents"]! else { return }
            #expect(rs.count == 2)
            await #expect(throws: StoreError.self) {
                _ = try await repo.link(
                    householdId: h.id, residentId: r.id, relation: .owner, livesElsewhere: false, actor: .system)
            }
            let after = try await repo.unlink(householdId: h.id, residentId: r.id, actor: .system)
            guard case .array(let rs2) = after["residents"]! else { return }
            #expect(rs2.count == 1)
        }
    }
}

@Suite struct ClockTests {
    @Test func formatsUTCLikeFoundation() {
        let f = ISO8601DateFormatter()
        for t in [0.0, 951_782_400, 1_795_600_000.7, 4_107_542_399, -86_401] {
            let d = Date(timeIntervalSince1970: t)
            #expect(Clock.iso(d) == f.string(from: d), "\(t)")
        }
    }
}
