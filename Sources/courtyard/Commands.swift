import ArgumentParser
import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import Logging

/// Options every command shares: where the data is.
struct DataOptions: ParsableArguments {
    @Option(help: "Data folder; the SQLite file lives here. Ignored when DATABASE_URL is set.")
    var data: String = "./data"

    var databaseURL: String? { ProcessInfo.processInfo.environment["DATABASE_URL"] }

    /// Opens the database. On SQLite, the process holds the data folder's serving lock (shared) until it ends, so
    /// a restore cannot replace the file under it.
    func open(logger: Logger = Logger(label: "courtyard")) throws -> Database {
        if databaseURL == nil || databaseURL!.isEmpty {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let file = (data as NSString).appendingPathComponent("courtyard.sqlite")
            do {
                HeldLock.keep(try ServingLock.shared(databasePath: file))
            } catch ServingLock.Refusal.busy {
                throw Failure(say("restoreRunning", ["file": file]))
            }
        }
        return try Database.open(url: databaseURL, dataDirectory: data, logger: logger)
    }

    /// Opens and migrates, runs `body`, and closes the pool whatever happens.
    func withServices<R>(_ body: (Services) async throws -> R) async throws -> R {
        let db = try open()
        do {
            try await Migrations.run(on: db)
            let r = try await body(Services(database: db, configuration: ServerConfiguration()))
            await db.shutdown()
            return r
        } catch {
            await db.shutdown()
            throw error
        }
    }
}

/// The serving lock this process holds until it exits.
enum HeldLock {
    nonisolated(unsafe) static var locks: [ServingLock] = []
    static func keep(_ lock: ServingLock) { locks.append(lock) }
}

/// Bad input: one line on stderr, exit 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@main
struct Courtyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courtyard",
        abstract: "Courtyard (楼院焕新): old-compound renewal and building stewards for a sub-district office.",
        subcommands: [
            Serve.self, Migrate.self, Import.self, Export.self, Users.self, Backup.self, Demo.self, Restore.self,
        ])

    static func main() async {
        TaskExecutor.shareNetworkThreads()
        do {
            var command = try parseAsRoot()
            if var c = command as? AsyncParsableCommand { try await c.run() } else { try command.run() }
        } catch let f as Failure {
            FileHandle.standardError.write(Data("courtyard: \(f.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            if let message = Explain.error(error) {
                FileHandle.standardError.write(Data("courtyard: \(message)\n".utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web application and the API.")
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "On an empty database, create a demo sub-district with an account of each role.") var demo = false
    @OptionGroup var options: DataOptions

    func run() async throws {
        var logger = Logger(label: "courtyard")
        logger.logLevel = .info
        let db = try options.open(logger: logger)
        do {
            try await serve(db, logger: logger)
            await db.shutdown()
        } catch {
            await db.shutdown()
            throw error
        }
    }

    func serve(_ db: Database, logger: Logger) async throws {
        let ran = try await Migrations.run(on: db)
        if !ran.isEmpty {
            let kind = db.kind == .postgres ? "PostgreSQL" : "SQLite"
            logger.info("\(say("serve.migrated", ["kind": kind, "level": String(Migrations.latest)]))")
        }
        var configuration = ServerConfiguration(
            host: host, port: port,
            allowPrivateWebhooks: ProcessInfo.processInfo.environment["COURTYARD_ALLOW_PRIVATE_WEBHOOKS"] == "1")
        do {
            configuration.trustedProxies = try TrustedProxies(
                parsing: ProcessInfo.processInfo.environment["COURTYARD_TRUSTED_PROXIES"] ?? "")
        } catch let error as TrustedProxies.Invalid {
            throw Failure(say("trustedProxies", ["entry": error.entry]))
        }
        let services = Services(database: db, configuration: configuration, logger: logger)
        if let generated = try await ensureAdmin(
            services: services, password: ProcessInfo.processInfo.environment["COURTYARD_ADMIN_PASSWORD"],
            lang: .commandLine)
        {
            logger.notice("\(say("serve.adminCreated", ["password": generated]))")
        }
        if demo {
            let log: DemoData.Log = { logger.info("\(say($0, $1))") }
            if try await DemoData.seed(services: services, scale: .subdistrict, log: log) {
                logger.notice("\(say("serve.demoCreated", ["password": DemoData.password]))")
            }
        }
        logger.info("\(say("serve.serving", ["host": host, "port": String(port)]))")
        try await buildApplication(services: services).runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema up to date.")
    @OptionGroup var options: DataOptions
    func run() async throws {
        let ran = try await options.withServices { try await Migrations.run(on: $0.database) }
        let level = String(Migrations.latest)
        print(
            ran.isEmpty
                ? say("migrate.none", ["level": level])
                : say("migrate.applied", ["ran": ran.map(String.init).joined(separator: ", "), "level": level]))
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import data.", subcommands: [ImportRegistry.self])
}

struct ImportRegistry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Import a household sheet (CSV in UTF-8 or GB18030, or XLSX), one row per household.")
    @Argument(help: "The sheet to import.") var file: String
    @Option(
        help:
            "The sub-district to import into; may be left out when the database holds exactly one. A new name creates it."
    )
    var subdistrict: String?
    @Flag(help: "Check the file and report what would change, writing nothing.") var dryRun = false
    @OptionGroup var options: DataOptions

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Failure(say("cannotRead", ["file": file]))
        }
        // How the file was read, in Chinese unless the environment asks for English (COURTYARD_LANG, then LANG).
        let lang = Lang.commandLine
        // A progress bar on standard error, only for a person at a terminal: piped or redirected, nothing changes.
        let bar = isatty(STDERR_FILENO) == 1 ? ProgressBar(lang: lang) : nil
        defer { bar?.clear() }
        // The sheet is written while it is still read and checked; a dry run reads it first.
        let report = try await options.withServices { services in
            let name = (file as NSString).lastPathComponent
            guard dryRun else {
                return try await services.importer.run(
                    streaming: RegistryFiles.streaming(Array(data), progress: bar?.meter), subdistrict: subdistrict,
                    dryRun: false, filename: name, actor: .system, progress: bar?.meter)
            }
            let parsed = try RegistryFiles.parse(Array(data), progress: bar?.meter)
            return try await services.importer.run(
                rows: parsed.rows, errors: parsed.errors, reading: parsed.reading, subdistrict: subdistrict,
                dryRun: true, filename: name, actor: .system, progress: bar?.meter)
        }
        bar?.clear()
        if let reading = report.reading { for l in RegistryFiles.readingLines(reading, lang: lang) { print(l) } }
        for e in report.errors.prefix(200) { print(Self.problem(e, lang: lang)) }
        if report.errors.count > 200 { print(say("moreProblems", ["n": String(report.errors.count - 200)])) }
        func line(_ name: String, _ c: ImportReport.Counts) -> String {
            say(
                "counts",
                [
                    "entity": lang.say("entity." + name), "created": String(c.created), "updated": String(c.updated),
                    "unchanged": String(c.unchanged),
                ])
        }
        if !report.errors.isEmpty {
            let n = report.errors.count
            throw Failure(say(n == 1 ? "problem" : "problems", ["n": String(n), "file": file]))
        }
        for (n, c) in [
            ("communities", report.communities), ("compounds", report.compounds), ("buildings", report.buildings),
            ("entrances", report.entrances), ("households", report.households), ("residents", report.residents),
        ] {
            print(line(n, c))
        }
        print(
            report.applied
                ? say("imported", ["rows": String(report.rows), "subdistrict": report.subdistrict])
                : say("dryRun", ["rows": String(report.rows)]))
    }

    /// A row's problem as one line: where it is (sheet, row, column), then what is wrong, in the person's words.
    static func problem(_ e: RowError, lang: Lang) -> String {
        var place = RegistryFiles.place(row: String(e.row), sheet: e.sheet, lang: lang)
        if let column = e.column { place += say("column", ["column": RegistryFiles.columnName(column, lang: lang)]) }
        return say("rowProblem", ["place": place, "reason": RegistryFiles.reason(e, lang: lang)])
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export data.", subcommands: [ExportRegistry.self])
}

struct ExportRegistry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Write the household sheet, the same columns import reads.")
    @Option(help: "csv or xlsx.") var format: String = "csv"
    @Option(help: "The file to write.") var out: String
    @OptionGroup var options: DataOptions

    func run() async throws {
        guard format == "csv" || format == "xlsx" else { throw Failure(say("format", ["format": format])) }
        let rows = try await options.withServices { services in
            try await RegistryExport.rows(database: services.database, subdistrictId: nil, actor: .system)
        }
        let data = format == "csv" ? RegistryFiles.csv(rows) : try RegistryFiles.xlsx(rows)
        guard FileManager.default.createFile(atPath: out, contents: data) else {
            throw Failure(say("cannotWrite", ["file": out]))
        }
        print(say("wroteHouseholds", ["n": String(rows.count), "file": out]))
    }
}

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage accounts.", subcommands: [UsersAdd.self])
}

struct UsersAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create an account; the password is read from standard input.")
    @Argument(help: "The username.") var name: String
    @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
    @Option(
        help:
            "Where the account may look, e.g. community:12 (subdistrict, community, compound, organisation; a steward's building or entrance)."
    )
    var scope: String?
    @Flag(help: "Read the password from standard input (required).") var passwordStdin = false
    @OptionGroup var options: DataOptions

    func run() async throws {
        guard let r = Role(rawValue: role) else {
            throw Failure(
                say("unknownRole", ["role": role, "roles": Role.allCases.map(\.rawValue).joined(separator: ", ")]))
        }
        var s = Scope.global
        if let scope {
            guard let parsed = Scope.parse(scope) else {
                throw Failure(say("scopeForm", ["scope": scope]))
            }
            s = parsed
        }
        guard passwordStdin else { throw Failure(say("passwordStdin")) }
        let password = (readLine(strippingNewline: true) ?? "")
        if let why = passwordRefusal(password, username: name, lang: .commandLine) { throw Failure(why) }
        let account = try await options.withServices { services in
            try await services.accounts.create(
                username: name, passwordHash: try await hashPassword(password, services: services),
                role: r, scope: s, actor: .system)
        }
        print(
            say(
                "createdAccount",
                ["username": account.username, "role": account.role.rawValue, "scope": "\(account.scope)"]))
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the SQLite database, even while the server runs.")
    @Option(help: "The file to write.") var out: String
    @OptionGroup var options: DataOptions

    func run() async throws {
        if options.databaseURL != nil {
            print(say("pgBackup", ["file": out]))
            return
        }
        guard !FileManager.default.fileExists(atPath: out) else { throw Failure(say("exists", ["file": out])) }
        // VACUUM INTO reads one snapshot of the database, so writers may keep working meanwhile.
        try await options.withServices { services in
            try await services.database.withConnection { conn in try await conn.raw("VACUUM INTO \(bind: out)").run() }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print(say("wroteBackup", ["file": out, "kib": String(size / 1024)]))
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the SQLite database with a backup written by courtyard backup. Stop every server first.")
    @Option(help: "The backup file to restore.") var from: String
    @Flag(help: "Replace a database that already holds data.") var force = false
    @OptionGroup var options: DataOptions

    func run() async throws {
        if options.databaseURL != nil {
            print(say("pgRestore", ["file": from]))
            return
        }
        try FileManager.default.createDirectory(atPath: options.data, withIntermediateDirectories: true)
        let target = (options.data as NSString).appendingPathComponent("courtyard.sqlite")
        do {
            let done = try await SQLiteRestore.restore(from: from, to: target, force: force)
            let migrated = done.migratedTo > done.level ? say("restoreMigrated", ["level": "\(done.migratedTo)"]) : ""
            print(
                say(
                    "restored",
                    [
                        "from": from, "target": target, "level": "\(done.level)", "migrated": migrated,
                        "subdistricts": "\(done.subdistricts)", "households": "\(done.households)",
                        "accounts": "\(done.accounts)",
                    ]))
        } catch let f as SQLiteRestore.Failure {
            throw Failure(f.words)
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill an empty database with demo data at a given scale.")
    @Option(
        help: """
            subdistrict (~40 compounds, 6,000 households), city (2,000 compounds, 320,000 households) \
            or province (20,000 compounds, 3.2 million households; PostgreSQL only).
            """)
    var scale: String = "subdistrict"
    @Option(help: "Write the generated household sheet to this CSV file instead of filling the database.") var sheet:
        String?
    @OptionGroup var options: DataOptions

    func run() async throws {
        guard let s = DemoData.Scale(rawValue: scale) else {
            throw Failure(say("scale", ["scale": scale]))
        }
        if let sheet {
            guard s != .province else { throw Failure(say("sheetScale")) }
            let demo = DemoRegistry(s == .city ? DemoRegistry.city : DemoRegistry.subdistrict)
            let rows = (0..<demo.plan.subdistricts).flatMap { demo.rows(subdistrict: $0) }
            guard FileManager.default.createFile(atPath: sheet, contents: RegistryFiles.csv(rows)) else {
                throw Failure(say("cannotWrite", ["file": sheet]))
            }
            print(say("wroteHouseholds", ["n": String(rows.count), "file": sheet]))
            return
        }
        let created = try await options.withServices { services in
            if let generated = try await ensureAdmin(
                services: services, password: ProcessInfo.processInfo.environment["COURTYARD_ADMIN_PASSWORD"],
                lang: .commandLine)
            {
                print(say("adminCreated", ["password": generated]))
            }
            return try await DemoData.seed(services: services, scale: s, log: { print(say($0, $1)) })
        }
        if !created { throw Failure(say("demoNotEmpty")) }
        print(say("demoCreated", ["password": DemoData.password]))
    }
}

/// One line on a terminal's standard error that redraws itself as an import goes on, at most ten times a second:
/// "读取并检查 123,000 / 320,000 行 ███████░░░░░░░░░░░░░ 38%". Cleared before anything else is printed.
final class ProgressBar: @unchecked Sendable {
    let lang: Lang
    private let lock = NSLock()
    private var lastDrawn: ContinuousClock.Instant?
    private var shown = false
    private(set) var meter = ImportProgressMeter()

    init(lang: Lang) {
        self.lang = lang
        meter = ImportProgressMeter { [weak self] in self?.draw($0) }
    }

    private func draw(_ progress: ImportProgress) {
        lock.withLock {
            let now = ContinuousClock.now
            if let lastDrawn, now - lastDrawn < .milliseconds(100) { return }
            lastDrawn = now
            shown = true
            FileHandle.standardError.write(
                Data(("\r\u{1B}[2K" + RegistryFiles.progressLine(progress, lang: lang)).utf8))
        }
    }

    /// Removes the line, so the next output starts on a clean one.
    func clear() {
        lock.withLock {
            guard shown else { return }
            shown = false
            lastDrawn = nil
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        }
    }
}
