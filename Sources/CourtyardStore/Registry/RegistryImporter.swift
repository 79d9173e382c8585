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

    /// Imports rows already read and checked (`RegistryFiles.parse`), compared and written as one piece.
    public func run(
        rows: [HouseholdRow], errors: [RowError], reading: SheetReading? = nil, subdistrict: String?,
        dryRun: Bool, filename: String, actor: Actor, progress: ImportProgressMeter? = nil
    ) async throws -> ImportReport {
        let sheet: SheetRows = { emit in
            if !rows.isEmpty { emit(rows, errors.count) }
            return (errors, reading)
        }
        return try await run(
            sheet, wholeSheet: true, subdistrict: subdistrict, dryRun: dryRun, filename: filename, actor: actor,
            progress: progress)
    }

    /// A sheet read while it is written. Called once, on a thread of its own, it hands good rows to `emit` in order
    /// as they are checked, with the count of problems found so far, and answers every problem and how it read the
    /// file. A throw stops the import, and nothing is written.
    public typealias SheetRows =
        @Sendable (_ emit: @escaping @Sendable ([HouseholdRow], Int) -> Void) throws -> (
            errors: [RowError], reading: SheetReading?
        )

    /// Imports a sheet while it is still read and checked: each piece of good rows is compared and written as it
    /// comes, so the writing overlaps the reading. A problem found further down takes back everything written
    /// (a savepoint); the history row is written either way.
    public func run(
        streaming sheet: @escaping SheetRows, subdistrict: String?, dryRun: Bool, filename: String, actor: Actor,
        progress: ImportProgressMeter? = nil
    ) async throws -> ImportReport {
        try await run(
            sheet, wholeSheet: false, subdistrict: subdistrict, dryRun: dryRun, filename: filename, actor: actor,
            progress: progress)
    }

    func run(
        _ sheet: @escaping SheetRows, wholeSheet: Bool, subdistrict: String?, dryRun: Bool, filename: String,
        actor: Actor, progress: ImportProgressMeter?
    ) async throws -> ImportReport {
        guard Permissions.allows(actor.role, .importRegistry) else { throw AccessError.forbidden }
        // The reading starts at once, on a thread of its own; its pieces wait in the queue for the transaction.
        let queue = PieceQueue()
        // Once the transaction has ended, a reading still going on keeps nothing more.
        defer { queue.close() }
        let reader = Task {
            do {
                let read = try await OwnThreads.run { try sheet { queue.push(.init(rows: $0, problems: $1)) } }
                queue.finish()
                return read
            } catch {
                // Nothing of the sheet will be kept: the pieces not yet taken are not written only to be taken back.
                queue.finish(failed: true)
                throw error
            }
        }
        // The write lock is taken once there is something to write (or the reading has ended), not while the file is
        // still read and its first rows checked.
        await queue.started.wait()
        let sqlite = database.kind == .sqlite
        // The sheet's data and its `imports` history row commit together: a crash between them can never leave
        // written data without its record, nor a record of data that was not written.
        return try await database.bulkTransaction { db, bulk -> ImportReport in
            // A city's import touches more pages than SQLite's default 8 MB cache holds; spilling them
            // mid-transaction costs more than the writes themselves.
            if sqlite { try await db.raw("PRAGMA cache_size = -262144").run() }
            let (sdId, sdName) = try await resolveSubdistrict(db: db, name: subdistrict, actor: actor, create: false)
            let snapshot = try await Snapshot.load(db: db, subdistrictId: sdId)
            // Each piece is compared on a thread of its own while the one before it is written.
            let (plans, planned) = AsyncStream.makeStream(of: ImportWriting.Planned.self)
            let planner = Task {
                try await OwnThreads.run {
                    var memory = PlanMemory()
                    while let piece = queue.pop() {
                        if wholeSheet { progress?.begin(.comparing, total: piece.rows.count) }
                        let plan = ImportPlan(rows: piece.rows, snapshot: snapshot, memory: &memory)
                        planned.yield(.init(plan: plan, problems: piece.problems, rows: piece.rows.count))
                    }
                    planned.finish()
                    return memory
                }
            }
            var writing = ImportWriting(
                subdistrictId: sdId, subdistrict: sdName, snapshot: snapshot, dryRun: dryRun, wholeSheet: wholeSheet,
                progress: progress)
            var report = ImportReport(dryRun: dryRun, applied: false, rows: 0, subdistrict: sdName, errors: [])
            for await piece in plans { try await writing.take(piece, db: db, bulk: bulk, report: &report) }
            try await planner.value.finish(&report)
            let (errors, reading) = try await reader.value
            (report.errors, report.reading) = (errors, reading)
            report.rows = writing.goodRows + Set(errors.map { "\($0.sheet ?? "")\u{1F}\($0.row)" }).count
            let keep = !dryRun && errors.isEmpty
            try await writing.end(keep: keep, db: db, bulk: bulk)
            if keep {
                report.applied = true
                try await AuditLog.record(
                    db: db, actor: actor, action: "import", entity: "subdistricts",
                    entityId: writing.subdistrictId, subdistrictId: writing.subdistrictId, before: nil,
                    after: .object([("filename", .string(filename)), ("report", try JSONValueCoding.encode(report))]))
            }
            report.id = try await record(
                report, db: db, subdistrictId: writing.subdistrictId, filename: filename, actor: actor)
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
        } else if actor.scope.kind == .subdistrict, let own = all.first(where: { $0.0 == actor.scope.id }) {
            // An officer, who may import only into their own, is not asked which one.
            found = (own.0, own.1)
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

/// An import's writing, piece by piece: what planning remembers between pieces, the ids written, and whether
/// writing has begun. It begins at the first piece with no problem found before it, inside a savepoint, so that a
/// problem found later takes it all back; once a problem is found nothing more is written, but every piece is still
/// compared, for the report's counts.
struct ImportWriting {
    /// Good rows handed on by the reading, and the count of problems it had found by then.
    struct Piece: Sendable {
        var rows: [HouseholdRow]
        var problems: Int
    }
    /// A piece compared with what is stored and with the pieces before it.
    struct Planned: Sendable {
        var plan: ImportPlan
        var problems: Int
        var rows: Int
    }

    private(set) var subdistrictId: Int64?
    let subdistrict: String
    let snapshot: Snapshot
    let dryRun: Bool
    /// The whole sheet comes as one piece: the meter hears comparing, then writing with its total.
    let wholeSheet: Bool
    let progress: ImportProgressMeter?
    private var ids: WrittenIds
    private(set) var goodRows = 0
    private(set) var written = 0
    private var began = false
    private var stopped = false
    private var createdSubdistrict = false
    private var keysPaused = false

    init(
        subdistrictId: Int64?, subdistrict: String, snapshot: Snapshot, dryRun: Bool, wholeSheet: Bool,
        progress: ImportProgressMeter?
    ) {
        (self.subdistrictId, self.subdistrict, self.snapshot) = (subdistrictId, subdistrict, snapshot)
        (self.dryRun, self.wholeSheet, self.progress) = (dryRun, wholeSheet, progress)
        ids = WrittenIds(snapshot)
    }

    mutating func take(_ piece: Planned, db: any SQLDatabase, bulk: BulkWriter, report: inout ImportReport)
        async throws
    {
        goodRows += piece.rows
        piece.plan.count(into: &report)
        stopped = stopped || piece.problems > 0
        guard !dryRun && !stopped else { return }
        if !began { try await begin(db: db, bulk: bulk) }
        if wholeSheet { progress?.begin(.writing, total: piece.plan.recordsToWrite) }
        written += try await piece.plan.apply(
            db: db, bulk: bulk, subdistrictId: subdistrictId!, snapshot: snapshot, ids: &ids, keysPaused: keysPaused,
            progress: progress, writtenBefore: written)
    }

    /// Takes the savepoint, makes a new sub-district, and closes the tables to other writers (PostgreSQL).
    private mutating func begin(db: any SQLDatabase, bulk: BulkWriter) async throws {
        try await db.raw("SAVEPOINT import_rows").run()
        began = true
        if subdistrictId == nil {
            subdistrictId = try await db.raw(
                "INSERT INTO subdistricts (name) VALUES (\(bind: subdistrict)) RETURNING id"
            ).first()!.decode(column: "id", as: Int64.self)
            createdSubdistrict = true
        }
        try await bulk.closeToWriters("households")
        keysPaused = try await bulk.pauseKeyChecks()
    }

    /// Keeps what was written (a sheet with no rows still makes its new sub-district), or takes it all back.
    mutating func end(keep: Bool, db: any SQLDatabase, bulk: BulkWriter) async throws {
        if keep && !began { try await begin(db: db, bulk: bulk) }
        guard began else { return }
        if keep {
            if keysPaused { try await bulk.checkKeys() }
            try await db.raw("RELEASE SAVEPOINT import_rows").run()
            if !wholeSheet {
                progress?.begin(.writing, total: written)
                progress?.written(written)
            }
        } else {
            try await db.raw("ROLLBACK TO SAVEPOINT import_rows").run()
            try await db.raw("RELEASE SAVEPOINT import_rows").run()
            if createdSubdistrict { subdistrictId = nil }
        }
    }
}

/// Pieces of a sheet handed from its reading to its comparing, across threads: the reading never waits, the
/// comparing waits for the next piece.
final class PieceQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [ImportWriting.Piece] = []
    private var head = 0
    private var finished = false
    private var closed = false
    /// Opens at the first piece, or when the reading ends without one.
    let started = Latch()

    func push(_ piece: ImportWriting.Piece) {
        condition.lock()
        if !closed { items.append(piece) }
        condition.signal()
        condition.unlock()
        started.open()
    }

    /// The reading has ended; `failed`: with an error, so the pieces not yet taken are dropped.
    func finish(failed: Bool = false) {
        condition.lock()
        finished = true
        if failed { drop() }
        condition.broadcast()
        condition.unlock()
        started.open()
    }

    /// The comparing and writing have ended: pieces still waiting, and any pushed later, are dropped.
    func close() {
        condition.lock()
        closed = true
        finished = true
        drop()
        condition.broadcast()
        condition.unlock()
        started.open()
    }

    private func drop() {
        items.removeAll()
        head = 0
    }

    /// The next piece, waiting for it; nil once the reading has ended and every piece was taken.
    func pop() -> ImportWriting.Piece? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !finished { condition.wait() }
        guard head < items.count else { return nil }
        let piece = items[head]
        items[head].rows = []
        head += 1
        return piece
    }
}

/// Opens once, and lets every waiter on: before it opens, after it has opened, or both.
final class Latch: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func open() {
        let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !isOpen else { return [] }
            isOpen = true
            defer { waiting = [] }
            return waiting
        }
        for w in resumed { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.withLock {
                if isOpen { return true }
                waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
