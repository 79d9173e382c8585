import CourtyardDomain
import Foundation
import SQLKit

/// What an import did, or would do on a dry run. Its `Encodable` form is the one the import history keeps and the
/// API answers: each row's problem said once, by `message` (the API first rewords it in the client's language).
public struct ImportReport: Sendable, Codable {
    public struct Counts: Sendable, Equatable, Codable {
        public var created = 0, updated = 0, unchanged = 0
        public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.updated = updated
            self.unchanged = unchanged
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

    /// The same report with each row's problem said by `words` (the client's language).
    public func saying(_ words: (RowError) -> String) -> ImportReport {
        var out = self
        for i in out.errors.indices { out.errors[i].message = words(errors[i]) }
        return out
    }

    /// One row's problem as the report lists it. What it quotes is in its message, and in `values` too, so that a
    /// report read back from the history can say it again in another language.
    struct Problem: Codable {
        var row: Int
        var column: String?
        var code: String
        var message: String
        var sheet: String?
        /// Absent only from reports kept before problems kept their values.
        var values: [String: String]?

        init(_ e: RowError) {
            (row, column, code, message, sheet, values) = (e.row, e.column, e.code, e.message, e.sheet, e.values)
        }
        var rowError: RowError {
            RowError(row: row, column: column, code: code, message: message, sheet: sheet, values: values ?? [:])
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, dryRun = "dry_run", applied, rows, subdistrict, communities, compounds, buildings, entrances
        case households, residents, errorCount = "error_count", errors, reading
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(dryRun, forKey: .dryRun)
        try c.encode(applied, forKey: .applied)
        try c.encode(rows, forKey: .rows)
        try c.encode(subdistrict, forKey: .subdistrict)
        for (key, counts) in [
            (CodingKeys.communities, communities), (.compounds, compounds), (.buildings, buildings),
            (.entrances, entrances), (.households, households), (.residents, residents),
        ] {
            try c.encode(counts, forKey: key)
        }
        try c.encode(errors.count, forKey: .errorCount)
        try c.encode(errors.map(Problem.init), forKey: .errors)
        try c.encode(reading, forKey: .reading)
    }

    /// Reads back a report as the import history keeps it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        dryRun = try c.decode(Bool.self, forKey: .dryRun)
        applied = try c.decode(Bool.self, forKey: .applied)
        rows = try c.decode(Int.self, forKey: .rows)
        subdistrict = try c.decode(String.self, forKey: .subdistrict)
        errors = try c.decode([Problem].self, forKey: .errors).map(\.rowError)
        for (key, path) in [
            (CodingKeys.communities, \ImportReport.communities), (.compounds, \.compounds), (.buildings, \.buildings),
            (.entrances, \.entrances), (.households, \.households), (.residents, \.residents),
        ] {
            self[keyPath: path] = try c.decode(Counts.self, forKey: key)
        }
        reading = try c.decodeIfPresent(SheetReading.self, forKey: .reading)
    }

    public init(
        dryRun: Bool, applied: Bool, rows: Int, subdistrict: String, errors: [RowError], reading: SheetReading? = nil
    ) {
        (self.dryRun, self.applied, self.rows, self.subdistrict) = (dryRun, applied, rows, subdistrict)
        (self.errors, self.reading) = (errors, reading)
    }
}

/// Imports a household sheet into one sub-district: diff against what is there, then write
/// the difference in one transaction. A sheet with any bad row writes nothing.
public struct RegistryImporter: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// Why an import could not choose its sub-district.
    public enum Failure: Error, Equatable, Sendable {
        case noSubdistrict
        case severalSubdistricts(Int)
        case notYourSubdistrict

        public var message: String {
            switch self {
            case .noSubdistrict: "the database has no sub-district yet; name one with --subdistrict"
            case .severalSubdistricts(let n): "the database has \(n) sub-districts; name one with --subdistrict"
            case .notYourSubdistrict: "you may import only into your own sub-district"
            }
        }
        /// Its catalogue key, and the values the key's words take.
        public var key: (String, [String: String]) {
            switch self {
            case .noSubdistrict: ("import.subdistrict.none", [:])
            case .severalSubdistricts(let n): ("import.subdistrict.several", ["n": String(n)])
            case .notYourSubdistrict: ("import.subdistrict.own", [:])
            }
        }
    }

    public func run(
        rows: [HouseholdRow], errors: [RowError], reading: SheetReading? = nil, subdistrict: String?,
        dryRun: Bool, filename: String, actor: Actor, progress: ImportProgressMeter? = nil
    ) async throws -> ImportReport {
        guard Permissions.allows(actor.role, .importRegistry) else { throw AccessError.forbidden }
        let totalRows = rows.count + Set(errors.map { "\($0.sheet ?? "")\u{1F}\($0.row)" }).count
        let sqlite = database.kind == .sqlite
        // The sheet's data and its `imports` history row commit together: a crash between them can never leave
        // written data without its record, nor a record of data that was not written.
        return try await database.bulkTransaction { db, bulk -> ImportReport in
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
                try await plan.apply(db: db, bulk: bulk, subdistrictId: sdId!, snapshot: snapshot, progress: progress)
                report.applied = true
                try await AuditLog.record(
                    db: db, actor: actor, action: "import", entity: "subdistricts",
                    entityId: sdId, subdistrictId: sdId, before: nil,
                    after: .object([("filename", .string(filename)), ("report", try JSONValueCoding.encode(report))]))
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
        let json = try JSONValueCoding.encode(stored).serialized()
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
            throw Failure.noSubdistrict
        } else {
            throw Failure.severalSubdistricts(all.count)
        }
        if let kind = actor.scope.kind {
            guard kind == .subdistrict, let id = found.0, id == actor.scope.id else {
                throw Failure.notYourSubdistrict
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

/// A record an owner link points at: one already stored, or the one at this place in the import's list of new
/// ones (whose ids are taken as one consecutive block, so the place gives the id without looking anything up).
enum RecordRef {
    case id(Int64)
    case new(Int)

    func id(firstNew: Int64) -> Int64 {
        switch self {
        case .id(let id): id
        case .new(let k): firstNew + Int64(k)
        }
    }
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
    var newHouseholds: [(entrance: PathKey, row: HouseholdRow)] = []
    var householdUpdates: [(id: Int64, floor: Int?, area: Int64)] = []
    var unchangedHouseholds = 0
    /// Households whose owner is set by this import: (the household, its owner, lives elsewhere).
    var ownerLinks: [(household: RecordRef, resident: RecordRef, elsewhere: Bool)] = []
    var ownerDeletes: [Int64] = []
    var newResidents: [(name: String, phone: String)] = []
    var reusedResidents: Set<PathKey> = []
    var compoundsSeen = 0, buildingsSeen = 0, entrancesSeen = 0, communitiesTouched = 0

    init(rows: [HouseholdRow], snapshot s: Snapshot) {
        typealias K = Snapshot
        var seenCm: Set<PathKey> = []
        var seenCp: Set<PathKey> = []
        var seenB: Set<PathKey> = []
        var seenE: Set<PathKey> = []
        var seenNewResident: [PathKey: Int] = [:]
        seenNewResident.reserveCapacity(rows.count)
        newHouseholds.reserveCapacity(rows.count)
        ownerLinks.reserveCapacity(rows.count)
        newResidents.reserveCapacity(rows.count)
        // Rows come entrance by entrance: the places a row shares with the row above were handled with that row.
        var above: (row: HouseholdRow, cm: PathKey, cp: PathKey, b: PathKey, e: PathKey)?
        for r in rows {
            if let a = above, a.row.entrance.hasSameUTF8(as: r.entrance), a.row.building.hasSameUTF8(as: r.building),
                a.row.compound.hasSameUTF8(as: r.compound), a.row.community.hasSameUTF8(as: r.community)
            {
                planHousehold(r, entrance: a.e, snapshot: s, seenNewResident: &seenNewResident)
                continue
            }
            let cm = K.key(r.community)
            if seenCm.insert(cm).inserted && s.communities[cm] == nil { newCommunities.append(r.community) }
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
            above = (r, cm, cp, b, e)
            planHousehold(r, entrance: e, snapshot: s, seenNewResident: &seenNewResident)
        }
        communitiesTouched = seenCm.count
    }

    /// One household of the sheet: new, changed or unchanged, and its owner.
    private mutating func planHousehold(
        _ r: HouseholdRow, entrance e: PathKey, snapshot s: Snapshot, seenNewResident: inout [PathKey: Int]
    ) {
        typealias K = Snapshot
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
                var ref = RecordRef.new(newResidents.count)
                if let c = current, c.name == r.ownerName, c.phone == r.ownerPhone {
                    ref = .id(c.residentId)  // same person, only where they live changed
                    reusedResidents.insert(K.key(c.name, c.phone))
                } else if !r.ownerPhone.isEmpty, let id = s.residents[rk] {
                    ref = .id(id)
                    reusedResidents.insert(rk)
                } else if let k = seenNewResident[rk] {
                    ref = .new(k)
                } else {
                    seenNewResident[rk] = newResidents.count
                    newResidents.append((r.ownerName, r.ownerPhone))
                }
                ownerLinks.append((existing.map { .id($0.id) } ?? .new(newHouseholds.count), ref, r.livesElsewhere))
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
            newHouseholds.append((e, r))
        }
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

    /// Writes the plan. Every new record's id is taken before it is written, so each row names its parent's id
    /// and owner links are written straight, without finding households or residents again.
    func apply(
        db: any SQLDatabase, bulk: BulkWriter, subdistrictId sd: Int64, snapshot s: Snapshot,
        progress: ImportProgressMeter? = nil
    ) async throws {
        typealias K = Snapshot
        let sdValue = BulkValue.int(sd)
        if !newHouseholds.isEmpty || !householdUpdates.isEmpty { try await bulk.closeToWriters("households") }
        let keysPaused = try await bulk.pauseKeyChecks()
        if keysPaused {
            for (table, ids) in storedParents(subdistrictId: sd, snapshot: s) {
                try await bulk.holdParents(table: table, ids: ids)
            }
        }
        var cm = s.communities
        let cmIds = try await bulk.newIds(table: "communities", count: newCommunities.count)
        for (name, id) in zip(newCommunities, cmIds) { cm[K.key(name)] = id }
        try await bulk.write(
            table: "communities", columns: ["id", "subdistrict_id", "name"],
            rows: zip(newCommunities, cmIds).map { [.int($1), sdValue, .text($0)] })
        var cp = s.compounds.mapValues(\.id)
        let cpIds = try await bulk.newIds(table: "compounds", count: newCompounds.count)
        for (c, id) in zip(newCompounds, cpIds) { cp[c.path] = id }
        try await bulk.write(
            table: "compounds", columns: ["id", "subdistrict_id", "community_id", "name", "address", "built_year"],
            rows: zip(newCompounds, cpIds).map { c, id in
                [
                    .int(id), sdValue, .int(cm[K.key(c.community)]!), .text(c.row.compound), .text(c.row.address),
                    .int(c.row.builtYear),
                ]
            })
        for u in compoundUpdates {
            try await db.raw(
                """
                UPDATE compounds SET address = \(bind: u.address), built_year = \(bind: u.builtYear), version = version + 1 WHERE id = \(bind: u.id)
                """
            ).run()
        }
        var b = s.buildings
        let bIds = try await bulk.newIds(table: "buildings", count: newBuildings.count)
        for (x, id) in zip(newBuildings, bIds) { b[x.path] = id }
        try await bulk.write(
            table: "buildings", columns: ["id", "compound_id", "name"],
            rows: zip(newBuildings, bIds).map { [.int($1), .int(cp[$0.compound]!), .text($0.name)] })
        var e = s.entrances
        let eIds = try await bulk.newIds(table: "entrances", count: newEntrances.count)
        for (x, id) in zip(newEntrances, eIds) { e[x.path] = id }
        try await bulk.write(
            table: "entrances", columns: ["id", "building_id", "compound_id", "name"],
            rows: zip(newEntrances, eIds).map {
                [.int($1), .int(b[$0.building]!), .int(cp[K.parent($0.building)]!), .text($0.name)]
            })
        let firstHousehold = try await writeHouseholds(
            bulk: bulk, entrances: e, buildings: b, compounds: cp, progress: progress)
        try await CompoundHouseholds.recount(Set(newHouseholds.map { cp[K.parent(K.parent($0.entrance))]! }), db: db)
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
        let firstResident = try await bulk.newIds(table: "residents", count: newResidents.count).lowerBound
        let residentsWritten: (Int) -> Void = { [written] in progress?.written(written + $0) }
        try await bulk.write(
            table: "residents", columns: ["id", "subdistrict_id", "name", "phone"], count: newResidents.count,
            onChunk: residentsWritten
        ) { i, row in
            row += [.int(firstResident + Int64(i)), sdValue, .text(newResidents[i].name), .text(newResidents[i].phone)]
        }
        written += newResidents.count
        for chunk in SQLLiteral.idLists(ownerDeletes) {
            let text = "DELETE FROM household_residents WHERE relation = 'owner' AND household_id IN (" + chunk + ")"
            try await db.raw(SQLQueryString(text)).run()
        }
        let linksWritten: (Int) -> Void = { [written] in progress?.written(written + $0) }
        try await bulk.write(
            table: "household_residents", columns: ["household_id", "resident_id", "relation", "lives_elsewhere"],
            count: ownerLinks.count, onChunk: linksWritten
        ) { i, row in
            let link = ownerLinks[i]
            row += [
                .int(link.household.id(firstNew: firstHousehold)), .int(link.resident.id(firstNew: firstResident)),
                .text("owner"), .int(link.elsewhere ? 1 : 0),
            ]
        }
        if keysPaused { try await bulk.checkKeys() }
    }

    /// The stored rows, by table, that the plan's new rows point at.
    func storedParents(subdistrictId sd: Int64, snapshot s: Snapshot) -> [(String, Set<Int64>)] {
        typealias K = Snapshot
        var communities = Set<Int64>()
        var compounds = Set<Int64>()
        var buildings = Set<Int64>()
        var entrances = Set<Int64>()
        var households = Set<Int64>()
        var residents = Set<Int64>()
        for c in newCompounds { if let id = s.communities[K.key(c.community)] { communities.insert(id) } }
        for b in newBuildings { if let id = s.compounds[b.compound]?.id { compounds.insert(id) } }
        for e in newEntrances {
            if let id = s.buildings[e.building] { buildings.insert(id) }
            if let id = s.compounds[K.parent(e.building)]?.id { compounds.insert(id) }
        }
        var above: PathKey?
        for h in newHouseholds where h.entrance != above {
            above = h.entrance
            guard let id = s.entrances[h.entrance] else { continue }
            let building = K.parent(h.entrance)
            entrances.insert(id)
            if let b = s.buildings[building] { buildings.insert(b) }
            if let c = s.compounds[K.parent(building)]?.id { compounds.insert(c) }
        }
        for link in ownerLinks {
            if case .id(let id) = link.household { households.insert(id) }
            if case .id(let id) = link.resident { residents.insert(id) }
        }
        return [
            ("subdistricts", [sd]), ("communities", communities), ("compounds", compounds), ("buildings", buildings),
            ("entrances", entrances), ("households", households), ("residents", residents),
        ]
    }

    /// Writes the new households; answers the id of the first (the others follow it in order).
    func writeHouseholds(
        bulk: BulkWriter, entrances e: [PathKey: Int64], buildings b: [PathKey: Int64], compounds cp: [PathKey: Int64],
        progress: ImportProgressMeter?
    ) async throws -> Int64 {
        typealias K = Snapshot
        let first = try await bulk.newIds(table: "households", count: newHouseholds.count).lowerBound
        // An entrance's building and compound, found once per entrance: households come entrance by entrance.
        var parents: (entrance: PathKey, ids: (BulkValue, BulkValue, BulkValue))?
        let householdsWritten: (Int) -> Void = { progress?.written($0) }
        try await bulk.write(
            table: "households",
            columns: ["id", "entrance_id", "building_id", "compound_id", "room", "floor", "area_centi"],
            count: newHouseholds.count, onChunk: householdsWritten
        ) { i, row in
            let h = newHouseholds[i]
            let p: (BulkValue, BulkValue, BulkValue)
            if let known = parents, known.entrance == h.entrance {
                p = known.ids
            } else {
                let building = K.parent(h.entrance)
                p = (.int(e[h.entrance]!), .int(b[building]!), .int(cp[K.parent(building)]!))
                parents = (h.entrance, p)
            }
            row += [
                .int(first + Int64(i)), p.0, p.1, p.2, .text(h.row.room), .int(h.row.floor), .int(h.row.area.centi),
            ]
        }
        return first
    }
}
