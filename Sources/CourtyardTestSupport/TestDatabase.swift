import CourtyardStore
import Foundation
import PostgresKit
import SQLKit

/// A fresh, migrated database for one test: an SQLite file, or, when `DATABASE_URL` is set,
/// a PostgreSQL database copied from a migrated template (much faster than migrating each time).
public enum TestDatabase {
    /// How long a test's request waits for a pooled connection. The whole suite runs at once on a machine of two
    /// cores, where one database's eight connections can all be busy for more than the product's ten seconds while
    /// nothing is wrong; what a test checks is the answer, not how long the machine took.
    static let connectionWait: TimeAmount = .seconds(60)
    /// How long one attempt to reach a test's PostgreSQL may take: under the whole suite's load a connection can take
    /// longer than the product's five seconds to open, and the request waiting for it would be answered 503.
    static let connectTimeout: TimeAmount = .seconds(30)

    public static var usesPostgres: Bool { !(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty }

    public static func with<R: Sendable>(_ body: @Sendable (Database) async throws -> R) async throws -> R {
        Database.failOnConnectionTakenWhileHolding()
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            let name = "cy_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            let template = try await Template.shared.name(adminURL: url)
            try await admin(url) { db in
                try await db.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE \(unsafeRaw: template)").run()
            }
            return try await using(url: replacingDatabase(in: url, with: name), drop: name, admin: url, body)
        }
        let dir = NSTemporaryDirectory() + "courtyard-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try await closing(try Database.open(url: nil, dataDirectory: dir, connectionWait: connectionWait)) {
            db in
            try await Migrations.run(on: db)
            return try await body(db)
        }
    }

    /// A fresh database holding what `prepare` writes (a demo sub-district, say) for one test. `prepare` runs once per
    /// test process for each `key`, into a template that each test then copies: a PostgreSQL template database, or
    /// an SQLite file.
    public static func with<R: Sendable>(
        prepared key: String, _ prepare: @escaping @Sendable (Database) async throws -> Void,
        _ body: @Sendable (Database) async throws -> R
    ) async throws -> R {
        Database.failOnConnectionTakenWhileHolding()
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            let template = try await Template.shared.prepared(key, adminURL: url, prepare)
            let name = "cy_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            try await admin(url) { db in
                try await db.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE \(unsafeRaw: template)").run()
            }
            return try await using(url: replacingDatabase(in: url, with: name), drop: name, admin: url, body)
        }
        let source = try await Template.shared.preparedSQLite(key, prepare)
        let dir = NSTemporaryDirectory() + "courtyard-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: dir + "/courtyard.sqlite")
        return try await closing(try Database.open(url: nil, dataDirectory: dir, connectionWait: connectionWait), body)
    }

    /// Runs `body` over `db` and shuts `db` down after it, whether it succeeded or threw.
    @discardableResult
    public static func closing<R: Sendable>(_ db: Database, _ body: @Sendable (Database) async throws -> R) async throws
        -> R
    {
        do {
            let r = try await body(db)
            await db.shutdown()
            return r
        } catch {
            await db.shutdown()
            throw error
        }
    }

    static func using<R: Sendable>(
        url: String, drop name: String, admin adminURL: String, _ body: @Sendable (Database) async throws -> R
    ) async throws -> R {
        let result: Result<R, any Error>
        do {
            result = .success(
                try await closing(
                    try Database.open(
                        url: url, dataDirectory: "", connectionWait: connectionWait, connectTimeout: connectTimeout),
                    body))
        } catch {
            result = .failure(error)
        }
        try? await admin(adminURL) { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name)").run() }
        return try result.get()
    }

    /// An empty PostgreSQL database (no schema) for one test, given to `body` as its URL; nil without `DATABASE_URL`.
    public static func withEmptyPostgres<R: Sendable>(_ body: @Sendable (String) async throws -> R) async throws -> R? {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else { return nil }
        // The template's first making removes test databases left by interrupted runs: it must be over before this
        // one is made, or it would be taken for one of them.
        _ = try await Template.shared.name(adminURL: url)
        let name = "cy_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin(url) { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        do {
            let r = try await body(replacingDatabase(in: url, with: name))
            try? await admin(url) { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name)").run() }
            return r
        } catch {
            try? await admin(url) { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name)").run() }
            throw error
        }
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        guard var c = URLComponents(string: url) else { return url }
        c.path = "/" + name
        return c.string ?? url
    }

    static func admin(_ url: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let db = try Database.open(url: url, dataDirectory: "", maxConnections: 2)
        try await closing(db) { db in
            try await db.withConnection(body)
        }
    }

    /// Migrates one template database per test process; its name carries the process id so parallel runs never share it.
    actor Template {
        static let shared = Template()
        /// One task, so tests that arrive while it runs wait for it instead of starting a second one.
        var creating: Task<String, any Error>?

        var preparing: [String: Task<String, any Error>] = [:]

        /// A PostgreSQL template copied from the migrated one and filled by `prepare`, once per key.
        func prepared(
            _ key: String, adminURL: String, _ prepare: @escaping @Sendable (Database) async throws -> Void
        ) async throws -> String {
            if let task = preparing[key] { return try await task.value }
            // The task is registered before anything is awaited, so tests arriving meanwhile wait for this one.
            let task = Task {
                let base = try await self.name(adminURL: adminURL)
                let name = base + "_" + key
                try await TestDatabase.admin(adminURL) { db in
                    try await db.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE \(unsafeRaw: base)").run()
                }
                let db = try Database.open(
                    url: TestDatabase.replacingDatabase(in: adminURL, with: name), dataDirectory: "", maxConnections: 2)
                try await closing(db) { db in
                    try await prepare(db)
                }
                return name
            }
            preparing[key] = task
            return try await task.value
        }

        /// An SQLite file, migrated and filled by `prepare`, once per key; tests copy it.
        func preparedSQLite(_ key: String, _ prepare: @escaping @Sendable (Database) async throws -> Void)
            async throws -> String
        {
            if let task = preparing[key] { return try await task.value }
            let task = Task {
                let dir =
                    NSTemporaryDirectory() + "courtyard-template-\(ProcessInfo.processInfo.processIdentifier)-\(key)"
                try? FileManager.default.removeItem(atPath: dir)
                Self.removeStaleSQLiteTemplates()
                let db = try Database.open(url: nil, dataDirectory: dir, connectionWait: connectionWait)
                try await closing(db) { db in
                    try await Migrations.run(on: db)
                    try await prepare(db)
                    // Everything into the main file, so a copy of that one file is the whole database.
                    try await db.withConnection { c in try await c.raw("PRAGMA wal_checkpoint(TRUNCATE)").run() }
                }
                return dir + "/courtyard.sqlite"
            }
            preparing[key] = task
            return try await task.value
        }

        /// Template folders left by test processes that have ended.
        static func removeStaleSQLiteTemplates() {
            let tmp = NSTemporaryDirectory()
            let prefix = "courtyard-template-"
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where entry.hasPrefix(prefix)
            {
                guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0.isNumber }) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: tmp + entry) }
            }
        }

        func name(adminURL: String) async throws -> String {
            if let creating { return try await creating.value }
            let task = Task { try await Self.create(adminURL: adminURL) }
            creating = task
            return try await task.value
        }

        static func create(adminURL: String) async throws -> String {
            let name = "cy_tmpl_\(ProcessInfo.processInfo.processIdentifier)_\(Int(Date().timeIntervalSince1970))"
            try await TestDatabase.admin(adminURL) { db in
                // Templates and test databases left by earlier, interrupted runs.
                let stale = try await db.raw(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'cy\\_t\\_%' OR datname LIKE 'cy\\_tmpl\\_%'"
                ).all()
                for row in stale {
                    let old = try row.decode(column: "datname", as: String.self)
                    try? await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: old)").run()
                }
                try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            }
            let db = try Database.open(
                url: TestDatabase.replacingDatabase(in: adminURL, with: name), dataDirectory: "", maxConnections: 2)
            try await closing(db) { db in
                try await Migrations.run(on: db)
            }
            return name
        }
    }
}
