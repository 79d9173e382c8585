import Foundation
import SQLKit

/// `courtyard restore`: puts a backup (as `courtyard backup` writes it) in place of the SQLite database. The file is
/// copied beside the database first and checked there (integrity, a Courtyard schema no newer than this program's),
/// so what is checked is exactly what is installed; the swap is one rename. A database that holds data is replaced
/// only when asked to. An older backup is migrated forward after the swap.
public enum SQLiteRestore {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case missing(String)
        case unreadable(String)
        case damaged(String)
        case notCourtyard
        case newer(level: Int, latest: Int)
        case notEmpty(String)
        /// A server or an import is using the database.
        case inUse(String)

        public var description: String {
            switch self {
            case .missing(let p): "cannot read \(p)"
            case .unreadable(let why): "the file is not an SQLite database (\(why)); nothing was changed"
            case .damaged(let first):
                "the file fails SQLite's integrity check (\(first)); nothing was changed"
            case .notCourtyard: "the file is an SQLite database but not a Courtyard one; nothing was changed"
            case .newer(let level, let latest):
                "the backup is at schema level \(level), newer than this program's \(latest); "
                    + "restore it with a newer courtyard"
            case .notEmpty(let path):
                "\(path) already holds data; give --force to replace it (back it up first with courtyard backup)"
            case .inUse(let path):
                "\(path) is in use by a running courtyard server or import; stop it first; nothing was changed"
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        /// The backup's schema level, and the level after migrating it forward.
        public var level: Int
        public var migratedTo: Int
        public var subdistricts: Int
        public var households: Int
        public var accounts: Int
    }

    public static func restore(from source: String, to target: String, force: Bool) async throws -> Outcome {
        let files = FileManager.default
        guard files.isReadableFile(atPath: source) else { throw Failure.missing(source) }
        // Held alone until the end: no server or import may run on the file while it is replaced.
        let lock: ServingLock
        do { lock = try ServingLock.exclusive(databasePath: target) } catch ServingLock.Refusal.busy {
            throw Failure.inUse(target)
        }
        defer { lock.release() }
        let staged = target + ".restoring"
        for p in [staged, staged + "-wal", staged + "-shm", staged + "-journal"] { try? files.removeItem(atPath: p) }
        try files.copyItem(atPath: source, toPath: staged)
        let level: Int
        do {
            level = try await check(staged)
            if try await holdsData(target), !force { throw Failure.notEmpty(target) }
        } catch {
            for p in [staged, staged + "-wal", staged + "-shm", staged + "-journal"] {
                try? files.removeItem(atPath: p)
            }
            throw error
        }
        // The old database's log must not be applied to the new file: it is folded in, then removed, before the swap.
        for p in [target + "-wal", target + "-shm", target + "-journal"] { try? files.removeItem(atPath: p) }
        guard rename(staged, target) == 0 else {
            throw Failure.unreadable("cannot move the checked copy into place: \(String(cString: strerror(errno)))")
        }
        let db = try Database.openSQLite(path: target, maxConnections: 1)
        do {
            try await Migrations.run(on: db)
            let counts = try await db.withConnection { c in
                try await c.raw(
                    """
                    SELECT (SELECT COUNT(*) FROM subdistricts) AS s, (SELECT COUNT(*) FROM households) AS h,
                      (SELECT COUNT(*) FROM users) AS u
                    """
                ).first().map {
                    (
                        try $0.decode(column: "s", as: Int.self), try $0.decode(column: "h", as: Int.self),
                        try $0.decode(column: "u", as: Int.self)
                    )
                } ?? (0, 0, 0)
            }
            let now = try await Migrations.currentVersion(db)
            await db.shutdown()
            return Outcome(
                level: level, migratedTo: now, subdistricts: counts.0, households: counts.1, accounts: counts.2)
        } catch {
            await db.shutdown()
            throw error
        }
    }

    /// The file's schema level, once SQLite finds it intact and it is a Courtyard database this program can read.
    public static func check(_ path: String) async throws -> Int {
        let db = try Database.openSQLite(path: path, maxConnections: 1)
        do {
            let (problems, hasSchema) = try await db.withConnection { c -> ([String], Bool) in
                let rows: [any SQLRow]
                do {
                    rows = try await c.raw("PRAGMA integrity_check").all()
                } catch {
                    throw Failure.unreadable(String(describing: error).prefix(200).description)
                }
                let problems = try rows.map { try $0.decode(column: "integrity_check", as: String.self) }
                let schema = try await c.raw(
                    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                ).first()?.decode(column: "n", as: Int.self)
                return (problems, (schema ?? 0) > 0)
            }
            guard problems == ["ok"] else { throw Failure.damaged(problems.first ?? "no answer") }
            guard hasSchema else { throw Failure.notCourtyard }
            let level = try await Migrations.currentVersion(db)
            guard level <= Migrations.latest else { throw Failure.newer(level: level, latest: Migrations.latest) }
            // A backup is written in rollback-journal mode; it stays one file until the swap.
            await db.shutdown()
            return level
        } catch {
            await db.shutdown()
            throw error
        }
    }

    /// Whether the database at `path` holds anything a person made: a sub-district, an account or a logged change.
    /// A file that cannot be read as a Courtyard database counts as holding data, so it is replaced only with --force.
    static func holdsData(_ path: String) async throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let db = try Database.openSQLite(path: path, maxConnections: 1)
        do {
            let held = try await db.withConnection { c -> Bool in
                let tables = try await c.raw(
                    """
                    SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'
                      AND name IN ('subdistricts', 'users', 'audit_log')
                    """
                ).first()?.decode(column: "n", as: Int.self)
                guard tables == 3 else { return tables != 0 }
                let rows = try await c.raw(
                    """
                    SELECT (SELECT COUNT(*) FROM subdistricts) + (SELECT COUNT(*) FROM users)
                      + (SELECT COUNT(*) FROM audit_log) AS n
                    """
                ).first()?.decode(column: "n", as: Int.self)
                // Whatever the old database's log holds is folded into its file before the file is replaced.
                _ = try? await c.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
                return (rows ?? 0) > 0
            }
            await db.shutdown()
            return held
        } catch {
            await db.shutdown()
            return true
        }
    }
}
