// The ceiling for the compound read in Benchmarks/run.sh: Hummingbird 2 and SQLite with nothing else (no sign-in,
// scope, language, metrics or error mapping), answering one row of a 2,000-row table as JSON.
// Usage: courtyard-ceiling PORT DATABASE-FILE (the file is made and filled when it has no table yet).
@preconcurrency import AsyncKit
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

struct Compound: Codable, ResponseEncodable {
    var id: Int
    var name: String
    var address: String
    var builtYear: Int
    var areaCenti: Int
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 18182 : 18182
let path = arguments.count > 2 ? arguments[2] : "/tmp/courtyard-ceiling.sqlite"
nonisolated(unsafe) let pool = EventLoopGroupConnectionPool(
    source: SQLiteConnectionSource(configuration: .init(storage: .file(path: path)), threadPool: .singleton),
    maxConnectionsPerEventLoop: 4, on: MultiThreadedEventLoopGroup.singleton)

func withSQL<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
    let conn = try await pool.requestConnection().get()
    defer { pool.releaseConnection(conn) }
    return try await body(conn.sql())
}

try await withSQL { db in
    let count = try? await db.raw("SELECT count(*) AS n FROM compounds").first()?.decode(column: "n", as: Int.self)
    guard count == nil else { return }
    try await db.raw("PRAGMA journal_mode = WAL").run()
    try await db.raw(
        "CREATE TABLE compounds (id INTEGER PRIMARY KEY, name TEXT, address TEXT, built_year INTEGER, "
            + "area_centi INTEGER)"
    ).run()
    try await db.raw("BEGIN").run()
    for i in 1...2000 {
        try await db.raw(
            "INSERT INTO compounds VALUES (\(bind: i), \(bind: "小区\(i)"), \(bind: "幸福路\(i)号"), 1990, 1234567)"
        ).run()
    }
    try await db.raw("COMMIT").run()
}

let router = Router()
router.get("compounds/:id") { _, context -> Compound in
    let id = try context.parameters.require("id", as: Int.self)
    let row = try await withSQL { db in
        try await db.raw("SELECT id, name, address, built_year, area_centi FROM compounds WHERE id = \(bind: id)")
            .first(decoding: Compound.self, keyDecodingStrategy: .convertFromSnakeCase)
    }
    guard let row else { throw HTTPError(.notFound) }
    return row
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
