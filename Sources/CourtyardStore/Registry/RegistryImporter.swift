import CourtyardDomain
import Foundation
import SQLKit

/// What an import did, or would do on a dry run.
public struct ImportReport: Sendable {
    public struct Counts: Sendable, Equatable {
        public var created = 0, updated = 0, unchanged = 0
        public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.updated = updated
            self.unchanged = unchanged
        }
        public var json: JSONValue {
            .object([
                ("created", .int(Int64(created))), ("updated", .int(Int64(updated))),
                ("unchanged", .int(Int64(unchanged))),
            ])
        }
    }
    public var id: Int64?
    public var dryRun: Bool
    public var applied: Bool
    public var rows: Int
    public var subdistrict: String
    public var errors: [RowError]
    public var communities = Counts(), compounds = Counts(), buildings = Counts(), entrances = Counts()
    public var households = Counts(), residents = Counts()
    /// How the file was read (header row, columns used and ignored, sheets); nil when rows came from elsewhere.
    public var reading: SheetReading?

    public var json: JSONValue {
        .object([
            ("id", id.map { .int($0) } ?? .null), ("dry_run", .bool(dryRun)), ("applied", .bool(applied)),
            ("rows", .int(Int64(rows))), ("subdistrict", .string(subdistrict)),
            ("communities", communities.json), ("compounds", compounds.json), ("buildings", buildings.json),
            ("entrances", entrances.json), ("households", households.json), ("residents", residents.json),
            ("error_count", .int(Int64(errors.count))),
            (
                "errors",
                .array(
                    errors.map {
                        .object([
                            ("row", .int(Int64($0.row))), ("column", $0.column.map { .string($0) } ?? .null),
                            ("code", .string($0.code)), ("message", .string($0.message)),
                            ("sheet", $0.sheet.map { .string($0) } ?? .null),
                        ])
                    })
            ),
            ("reading", reading?.json ?? .null),
        ])
    }
}

/// Imports a household sheet into one sub-district: diff against what is there, then write
/// the difference in one transaction. A sheet with any bad row writes nothing.
public struct RegistryImporter: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public enum Failure: Error, Equatable, Sendable { case subdistrict(String) }

    public func run(
        rows: [HouseholdRow], errors: [RowError], reading: SheetReading? = nil, subdistrict: String?,
        dryRun: Bool, filename: String, actor: Actor, progress: ImportProgressMeter? = nil
    ) async throws -> ImportReport {
        guard Permissions.allows(actor.role, .importRegistry) else { throw AccessError.forbidden }
        let totalRows = rows.count + Set(errors.map { "\($0.sheet ?? "")\u{1F}\($0.row)" }).count
        let sqlite = database.kind == .sqlite
        // The sheet's data and its `imports` history row commit together: a crash between them can never leave
        // written data without its record, nor a record of data that was not written.
        return try await database.transaction { db -> ImportReport in
            // A city's import touches more pages than SQLite's default 8 MB cache holds; spilling them
            // mid-transaction costs more than the writes themselves.
            if sqlite { try await db.raw("PRAGMA cache_size = -262144").run() }
            let (sdId, sdName) = try await resolveSubdistrict(
                db: db, name: subdistrict, actor: actor, create: !dryRun && errors.isEmpty)
            var report = ImportReport(
                dryRun: dryRun, applied: false, rows: totalRows, subdistrict: sdName,
                errors: errors, reading: reading)
            progress?.begin(.comparing, total: rows.count)
            let snapshot = try await Snapshot.load(db: db, subdistrictId: sdId)
            let plan = ImportPlan(rows: rows, snapshot: snapshot)
            plan.count(into: &report, newSubdistrict: sdId == nil)
            if !dryRun && errors.isEmpty {
                progress?.begin(.writing, total: plan.recordsToWrite)
                try await plan.apply(db: db, subdistrictId: sdId!, snapshot: snapshot, progress: progress)
                report.applied = true
                try await AuditLog.record(
                    db: db, actor: actor, action: "import", entity: "subdistricts",
                    entityId: sdId, subdistrictId: sdId, before: nil,
                    after: .object([("filename", .string(filename)), ("report", report.json)]))
            }
            report.id = try await record(report, db: db, subdistrictId: sdId, filename: filename, actor: actor)
            return report
        }
    }

    /// The sub-district an import would go into (its id when it exists, and its name), without writing anything;
    /// throws as `run` would when the name is missing, ambiguous or outside the person's scope.
    public func target(subdistrict: String?, actor: Actor) async throws -> (id: Int64?, name: String) {
        guard Permissions.allows(actor.role, .importRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            try await resolveSubdistrict(db: db, name: subdistrict, actor: actor, create: false)
        }
    }

    /// Writes the import's history row, its report holding its own id.
    func record(_ report: ImportReport, db: any SQLDatabase, subdistrictId: Int64?, filename: String, actor: Actor)
        async throws -> Int64
    {
        let status = report.applied ? "applied" : (report.errors.isEmpty ? "checked" : "rejected")
        let id = try await db.raw(
            """
            INSERT INTO imports (at, user_id, username, filename, subdistrict_id, dry_run, status, rows, error_count,
              report_json)
            VALUES (\(bind: Clock.isoNow()), \(bind: actor.userId), \(bind: actor.username), \(bind: filename),
              \(bind: subdistrictId), \(bind: report.dryRun ? 1 : 0), \(bind: status), \(bind: report.rows),
              \(bind: report.errors.count), \(bind: "{}"))
            RETURNING id
            """
        ).first()!.decode(column: "id", as: Int64.self)
        var stored = report
        stored.id = id
        let json = stored.json.serialized()
        try await db.raw("UPDATE imports SET report_json = \(bind: json) WHERE id = \(bind: id)").run()
        return id
    }

    /// The named sub-district, the only one, or a new one (when writing); an officer may import only into their own.
    func resolveSubdistrict(db: any SQLDatabase, name: String?, actor: Actor, create: Bool) async throws -> (
        Int64?, String
    ) {
        let all = try await db.raw("SELECT id, name FROM subdistricts ORDER BY id").all()
            .map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "name", as: String.self)) }
        var found: (Int64?, String)
        if let name = name.map(TextNormalizer.clean), !name.isEmpty {
            found = (all.first { $0.1 == name }?.0, name)
        } else if all.count == 1 {
            found = (all[0].0, all[0].1)
        } else if all.isEmpty {
            throw Failure.subdistrict("the database has no sub-district yet; name one with --subdistrict")
        } else {
            throw Failure.subdistrict("the database has \(all.count) sub-districts; name one with --subdistrict")
        }
        if let kind = actor.scope.kind {
            guard kind == .subdistrict, let id = found.0, id == actor.scope.id else {
                throw Failure.subdistrict("you may import only into your own sub-district")
            }
        }
        if found.0 == nil && create {
            let id = try await db.raw("INSERT INTO subdistricts (name) VALUES (\(bind: found.1)) RETURNING id").first()!
                .decode(column: "id", as: Int64.self)
            found.0 = id
        }
        return found
    }
}

/// Names joined by U+001F, as UTF-8 bytes.
typealias PathKey = ByteKey

/// The resident an owner link points at: one already stored, or one this import creates.
enum ResidentRef {
    case id(Int64)
    /// A person with a phone, found again by (name, phone) once written.
    case named(name: String, phone: String)
    /// A person without a phone, known only through this import's key.
    case unnumbered(PathKey)
}

/// What the sub-district already holds, keyed by name paths ("community␟compound␟building…").
struct Snapshot {
    var communities: [PathKey: Int64] = [:]
    var compounds: [PathKey: (id: Int64, address: String, builtYear: Int?)] = [:]
    var buildings: [PathKey: Int64] = [:]
    var entrances: [PathKey: Int64] = [:]
    var households: [PathKey: (id: Int64, floor: Int?, area: Int64)] = [:]
    var owners: [Int64: (residentId: Int64, name: String, phone: String, elsewhere: Bool)] = [:]
    var residents: [PathKey: Int64] = [:]

    static func key(_ parts: String...) -> PathKey {
        var k: [UInt8] = []
        for (i, p) in parts.enumerated() {
            if i > 0 { k.append(0x1F) }
            k.append(contentsOf: p.utf8)
        }
        return PathKey(k)
    }
    static func key(_ prefix: PathKey, _ part: String) -> PathKey {
        var k = prefix.bytes
        k.append(0x1F)
        k.append(contentsOf: part.utf8)
        return PathKey(k)
    }
    static func parent(_ key: PathKey) -> PathKey { PathKey(Array(key.bytes[..<key.bytes.lastIndex(of: 0x1F)!])) }

    static func load(db: any SQLDatabase, subdistrictId: Int64?) async throws -> Snapshot {
        var s = Snapshot()
        guard let sd = subdistrictId else { return s }
        func str(_ r: any SQLRow, _ c: String) throws -> String { try r.decode(column: c, as: String.self) }
        func id(_ r: any SQLRow, _ c: String = "id") throws -> Int64 { try r.decode(column: c, as: Int64.self) }
        for r in try await db.raw("SELECT id, name FROM communities WHERE subdistrict_id = \(bind: sd)").all() {
            s.communities[key(try str(r, "name"))] = try id(r)
        }
        let compoundJoin = "JOIN communities cm ON cm.id = c.community_id"
        for r in try await db.raw(
            """
            SELECT c.id, cm.name AS cm, c.name, c.address, c.built_year FROM compounds c \(unsafeRaw: compoundJoin)
            WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.compounds[key(try str(r, "cm"), try str(r, "name"))] =
                (try id(r), try str(r, "address"), try r.decode(column: "built_year", as: Int?.self))
        }
        for r in try await db.raw(
            """
            SELECT b.id, cm.name AS cm, c.name AS cp, b.name FROM buildings b JOIN compounds c ON c.id = b.compound_id
            \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.buildings[key(try str(r, "cm"), try str(r, "cp"), try str(r, "name"))] = try id(r)
        }
        for r in try await db.raw(
            """
            SELECT e.id, cm.name AS cm, c.name AS cp, b.name AS b, e.name FROM entrances e JOIN buildings b ON b.id = e.building_id
            JOIN compounds c ON c.id = e.compound_id \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.entrances[key(try str(r, "cm"), try str(r, "cp"), try str(r, "b"), try str(r, "name"))] = try id(r)
        }
        for r in try await db.raw(
            """
            SELECT h.id, cm.name AS cm, c.name AS cp, b.name AS b, e.name AS e, h.room, h.floor, h.area_centi
            FROM households h JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
            JOIN compounds c ON c.id = h.compound_id \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.households[
                key(try str(r, "cm"), try str(r, "cp"), try str(r, "b"), try str(r, "e"), try str(r, "room"))] =
                (try id(r), try r.decode(column: "floor", as: Int?.self), try id(r, "area_centi"))
        }
        for r in try await db.raw(
            """
            SELECT hr.household_id, r.id, r.name, r.phone, hr.lives_elsewhere FROM household_residents hr
            JOIN residents r ON r.id = hr.resident_id WHERE hr.relation = 'owner' AND r.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.owners[try id(r, "household_id")] =
                (
                    try id(r), try str(r, "name"), try str(r, "phone"),
                    try r.decode(column: "lives_elsewhere", as: Int.self) != 0
                )
        }
        for r in try await db.raw(
            "SELECT id, name, phone FROM residents WHERE subdistrict_id = \(bind: sd) AND phone <> ''"
        ).all() {
            s.residents[key(try str(r, "name"), try str(r, "phone"))] = try id(r)
        }
        return s
    }
}

/// The difference between a sheet and the snapshot, and how to write it.
struct ImportPlan {
    var newCommunities: [String] = []
    var newCompounds: [(path: PathKey, community: String, row: HouseholdRow)] = []
    var compoundUpdates: [(id: Int64, address: String, builtYear: Int?)] = []
    var newBuildings: [(path: PathKey, compound: PathKey, name: String)] = []
    var newEntrances: [(path: PathKey, building: PathKey, name: String)] = []
    var newHouseholds: [(path: PathKey, entrance: PathKey, row: HouseholdRow)] = []
    var householdUpdates: [(id: Int64, floor: Int?, area: Int64)] = []
    var unchangedHouseholds = 0
    /// Households whose owner is set by this import: (household path, resident key, lives elsewhere).
    var ownerLinks: [(entrance: PathKey, room: String, resident: ResidentRef, elsewhere: Bool)] = []
    var ownerDeletes: [Int64] = []
    var newResidents: [(key: PathKey, name: String, phone: String)] = []
    var reusedResidents: Set<PathKey> = []
    var compoundsSeen = 0, buildingsSeen = 0, entrancesSeen = 0, communitiesTouched = 0

    init(rows: [HouseholdRow], snapshot s: Snapshot) {
        typealias K = Snapshot
        var seenCm: Set<PathKey> = []
        var seenCp: Set<PathKey> = []
        var seenB: Set<PathKey> = []
        var seenE: Set<PathKey> = []
        var seenNewResident: Set<PathKey> = []
        for r in rows {
            let cm = K.key(r.community)
            if s.communities[cm] == nil, seenCm.insert(cm).inserted { newCommunities.append(r.community) }
            let cp = K.key(cm, r.compound)
            if seenCp.insert(cp).inserted {
                if let existing = s.compounds[cp] {
                    compoundsSeen += 1
                    let address = r.address.isEmpty ? existing.address : r.address
                    let year = r.builtYear ?? existing.builtYear
                    if address != existing.address || year != existing.builtYear {
                        compoundUpdates.append((existing.id, address, year))
                    }
                } else {
                    newCompounds.append((cp, r.community, r))
                }
            }
            let b = K.key(cp, r.building)
            if seenB.insert(b).inserted {
                if s.buildings[b] == nil { newBuildings.append((b, cp, r.building)) } else { buildingsSeen += 1 }
            }
            let e = K.key(b, r.entrance)
            if seenE.insert(e).inserted {
                if s.entrances[e] == nil { newEntrances.append((e, b, r.entrance)) } else { entrancesSeen += 1 }
            }
            let h = K.key(e, r.room)
            var ownerChanged = false
            let existing = s.households[h]
            if !r.ownerName.isEmpty {
                let current = existing.flatMap { s.owners[$0.id] }
                if let c = current, c.name == r.ownerName, c.phone == r.ownerPhone, c.elsewhere == r.livesElsewhere {
                    reusedResidents.insert(K.key(c.name, c.phone))
                } else {
                    ownerChanged = true
                    if current != nil, let id = existing?.id { ownerDeletes.append(id) }
                    // One person owning several households is one resident: same name and phone in the sub-district.
                    // Without a phone a person has no identity beyond this household.
                    let rk = r.ownerPhone.isEmpty ? PathKey([0x23] + h.bytes) : K.key(r.ownerName, r.ownerPhone)
                    var ref =
                        r.ownerPhone.isEmpty
                        ? ResidentRef.unnumbered(rk) : .named(name: r.ownerName, phone: r.ownerPhone)
                    if let c = current, c.name == r.ownerName, c.phone == r.ownerPhone {
                        ref = .id(c.residentId)  // same person, only where they live changed
                        reusedResidents.insert(K.key(c.name, c.phone))
                    } else if !r.ownerPhone.isEmpty, let id = s.residents[rk] {
                        ref = .id(id)
                        reusedResidents.insert(rk)
                    } else if seenNewResident.insert(rk).inserted {
                        newResidents.append((rk, r.ownerName, r.ownerPhone))
                    }
                    ownerLinks.append((e, r.room, ref, r.livesElsewhere))
                }
            }
            if let x = existing {
                let floor = r.floor ?? x.floor
                if ownerChanged || floor != x.floor || r.area.centi != x.area {
                    householdUpdates.append((x.id, floor, r.area.centi))
                } else {
                    unchangedHouseholds += 1
                }
            } else {
                newHouseholds.append((h, e, r))
            }
        }
        communitiesTouched = Set(rows.map(\.community)).count
    }

    /// The records `apply` writes one by one or in chunks, for its progress: households, residents and owner links.
    var recordsToWrite: Int {
        newHouseholds.count + householdUpdates.count + newResidents.count + ownerLinks.count
    }

    func count(into report: inout ImportReport, newSubdistrict: Bool) {
        report.communities = .init(
            created: newCommunities.count, updated: 0, unchanged: communitiesTouched - newCommunities.count)
        report.compounds = .init(
            created: newCompounds.count, updated: compoundUpdates.count,
            unchanged: compoundsSeen - compoundUpdates.count)
        report.buildings = .init(created: newBuildings.count, updated: 0, unchanged: buildingsSeen)
        report.entrances = .init(created: newEntrances.count, updated: 0, unchanged: entrancesSeen)
        report.households = .init(
            created: newHouseholds.count, updated: householdUpdates.count, unchanged: unchangedHouseholds)
        report.residents = .init(created: newResidents.count, updated: 0, unchanged: reusedResidents.count)
    }

    func apply(
        db: any SQLDatabase, subdistrictId sd: Int64, snapshot s: Snapshot, progress: ImportProgressMeter? = nil
    ) async throws {
        typealias L = SQLLiteral
        typealias K = Snapshot
        func id(_ r: any SQLRow, _ c: String = "id") throws -> Int64 { try r.decode(column: c, as: Int64.self) }
        func str(_ r: any SQLRow, _ c: String) throws -> String { try r.decode(column: c, as: String.self) }
        func reversed(_ m: [PathKey: Int64]) -> [Int64: PathKey] {
            Dictionary(uniqueKeysWithValues: m.map { ($0.value, $0.key) })
        }

        var cm = s.communities
        for r in try await L.insert(
            db: db, table: "communities", columns: ["subdistrict_id", "name"],
            rows: newCommunities.map { [String(sd), L.text($0)] }, returning: "id, name")
        {
            cm[K.key(try str(r, "name"))] = try id(r)
        }
        var cp = s.compounds.mapValues(\.id)
        let cmKey = reversed(cm)
        for r in try await L.insert(
            db: db, table: "compounds",
            columns: ["subdistrict_id", "community_id", "name", "address", "built_year"],
            rows: newCompounds.map {
                [
                    String(sd), String(cm[K.key($0.community)]!), L.text($0.row.compound), L.text($0.row.address),
                    L.int($0.row.builtYear),
                ]
            },
            returning: "id, community_id, name")
        {
            cp[K.key(cmKey[try id(r, "community_id")]!, try str(r, "name"))] = try id(r)
        }
        for u in compoundUpdates {
            try await db.raw(
                """
                UPDATE compounds SET address = \(bind: u.address), built_year = \(bind: u.builtYear), version = version + 1 WHERE id = \(bind: u.id)
                """
            ).run()
        }
        var b = s.buildings
        let cpKey = reversed(cp)
        for r in try await L.insert(
            db: db, table: "buildings", columns: ["compound_id", "name"],
            rows: newBuildings.map { [String(cp[$0.compound]!), L.text($0.name)] }, returning: "id, compound_id, name")
        {
            b[K.key(cpKey[try id(r, "compound_id")]!, try str(r, "name"))] = try id(r)
        }
        var e = s.entrances
        let bKey = reversed(b)
        let bCompound = Dictionary(uniqueKeysWithValues: b.map { ($0.value, cp[K.parent($0.key)]!) })
        for r in try await L.insert(
            db: db, table: "entrances", columns: ["building_id", "compound_id", "name"],
            rows: newEntrances.map {
                let bid = b[$0.building]!
                return [String(bid), String(bCompound[bid]!), L.text($0.name)]
            },
            returning: "id, building_id, name")
        {
            e[K.key(bKey[try id(r, "building_id")]!, try str(r, "name"))] = try id(r)
        }
        // Households and residents are many: written without RETURNING, and found again by their unique keys below.
        _ = try await L.insert(
            db: db, table: "households",
            columns: ["entrance_id", "building_id", "compound_id", "room", "floor", "area_centi"],
            rows: newHouseholds.map {
                let bid = b[K.parent($0.entrance)]!
                return [
                    String(e[$0.entrance]!), String(bid), String(bCompound[bid]!), L.text($0.row.room),
                    L.int($0.row.floor), String($0.row.area.centi),
                ]
            }, returning: nil, onChunk: { progress?.written($0) })
        for (i, u) in householdUpdates.enumerated() {
            if (i + 1) % ImportProgressMeter.step == 0 { progress?.written(newHouseholds.count + i + 1) }
            try await db.raw(
                """
                UPDATE households SET floor = \(bind: u.floor), area_centi = \(bind: u.area), version = version + 1 WHERE id = \(bind: u.id)
                """
            ).run()
        }
        var written = newHouseholds.count + householdUpdates.count
        progress?.written(written)
        let withPhone = newResidents.filter { !$0.phone.isEmpty }
        _ = try await L.insert(
            db: db, table: "residents", columns: ["subdistrict_id", "name", "phone"],
            rows: withPhone.map { [String(sd), L.text($0.name), L.text($0.phone)] },
            returning: nil, onChunk: { [written] in progress?.written(written + $0) })
        written += withPhone.count
        // Residents without a phone have no natural key; one statement numbers its rows in order on both databases.
        var unnumbered: [PathKey: Int64] = [:]
        let noPhone = newResidents.filter { $0.phone.isEmpty }
        for start in stride(from: 0, to: noPhone.count, by: 1000) {
            let chunk = Array(noPhone[start..<min(start + 1000, noPhone.count)])
            let ids = try await L.insert(
                db: db, table: "residents", columns: ["subdistrict_id", "name", "phone"],
                rows: chunk.map { [String(sd), L.text($0.name), "''"] }, returning: "id", chunk: 1000
            ).map { try id($0) }.sorted()
            for (r, rid) in zip(chunk, ids) { unnumbered[r.key] = rid }
            written += chunk.count
            progress?.written(written)
        }
        for start in stride(from: 0, to: ownerDeletes.count, by: 1000) {
            let chunk = ownerDeletes[start..<min(start + 1000, ownerDeletes.count)].map(String.init).joined(
                separator: ",")
            let text = "DELETE FROM household_residents WHERE relation = 'owner' AND household_id IN (" + chunk + ")"
            try await db.raw(SQLQueryString(text)).run()
        }
        try await insertOwnerLinks(db: db, subdistrictId: sd, entrances: e, unnumbered: unnumbered) {
            [written] in progress?.written(written + $0)
        }
    }

    /// Ties owners to households, finding each household by (entrance, room) and each new
    /// resident by (name, phone) in the database itself, so no ids travel back to the app.
    func insertOwnerLinks(
        db: any SQLDatabase, subdistrictId sd: Int64, entrances e: [PathKey: Int64], unnumbered: [PathKey: Int64],
        onChunk: (Int) -> Void = { _ in }
    )
        async throws
    {
        typealias L = SQLLiteral
        let rows: [String] = ownerLinks.map { link in
            var rid = "NULL"
            var name = "''"
            var phone = "''"
            switch link.resident {
            case .id(let id): rid = String(id)
            case .unnumbered(let key): rid = String(unnumbered[key]!)
            case .named(let n, let p):
                name = L.text(n)
                phone = L.text(p)
            }
            return "(\(e[link.entrance]!),\(L.text(link.room)),\(rid),\(name),\(phone),\(link.elsewhere ? 1 : 0))"
        }
        for start in stride(from: 0, to: rows.count, by: 2000) {
            let values = rows[start..<min(start + 2000, rows.count)].joined(separator: ",")
            let text = """
                INSERT INTO household_residents (household_id, resident_id, relation, lives_elsewhere)
                SELECT h.id, COALESCE(CAST(v.column3 AS BIGINT), r.id), 'owner', CAST(v.column6 AS INTEGER)
                FROM (VALUES \(values)) AS v
                JOIN households h ON h.entrance_id = CAST(v.column1 AS BIGINT) AND h.room = v.column2
                LEFT JOIN residents r ON v.column3 IS NULL AND r.subdistrict_id = \(sd) AND r.name = v.column4 AND r.phone = v.column5 AND r.phone <> ''
                """
            try await db.raw(SQLQueryString(text)).run()
            onChunk(min(start + 2000, rows.count))
        }
    }
}
