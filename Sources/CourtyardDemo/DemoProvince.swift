import CourtyardDomain
import CourtyardStore
import Foundation
import Logging
import NIOCore
import PostgresKit

/// A province's registry on PostgreSQL: 500 sub-districts, 20,000 compounds, 3.2 million households with their
/// owners, and two reports a compound, written with COPY a few sub-districts at a time (one transaction each), not
/// row by row. The names and numbers are the city demo's, generated the same way, so sheets and pages look alike.
enum DemoProvince {
    static let plan = DemoRegistry.Plan(
        subdistricts: 500, communitiesPerSubdistrict: 5, compoundsPerCommunity: 8, householdsPerCompound: 160)
    /// Sub-districts per COPY round: about 130,000 households, some 40 MB of text.
    static let chunk = 20

    /// The order tables are filled in, each with the columns COPY is given.
    static let tables: [(name: String, columns: [String])] = [
        ("subdistricts", ["id", "name"]),
        ("communities", ["id", "subdistrict_id", "name"]),
        ("compounds", ["id", "subdistrict_id", "community_id", "name", "address", "built_year"]),
        ("buildings", ["id", "compound_id", "name"]),
        ("entrances", ["id", "building_id", "compound_id", "name"]),
        ("households", ["id", "entrance_id", "building_id", "compound_id", "room", "floor", "area_centi"]),
        ("residents", ["id", "subdistrict_id", "name", "phone"]),
        ("household_residents", ["household_id", "resident_id", "relation", "lives_elsewhere"]),
        (
            "reports",
            [
                "id", "subdistrict_id", "compound_id", "building_id", "category", "description", "state",
                "state_since", "due_on", "submitted_at", "created_by",
            ]
        ),
        ("report_events", ["id", "report_id", "at", "from_state", "to_state", "note", "username"]),
    ]

    /// Ids are given here, not by the sequences, so parents and children are written in one pass.
    struct Ids {
        var subdistrict: Int64 = 0
        var community: Int64 = 0
        var compound: Int64 = 0
        var building: Int64 = 0
        var entrance: Int64 = 0
        var household: Int64 = 0
        var resident: Int64 = 0
        var report: Int64 = 0
        var event: Int64 = 0
    }

    /// Each table's rows in COPY's text format.
    struct Batch {
        var text: [String: String] = [:]

        mutating func add(_ table: String, _ fields: [String?]) {
            var line = ""
            for (i, f) in fields.enumerated() {
                if i > 0 { line += "\t" }
                line += f.map(BulkWriter.copyEscaped) ?? "\\N"
            }
            text[table, default: ""] += line + "\n"
        }
    }

    /// Fills an empty PostgreSQL database's registry and reports; returns the first sub-district's id.
    /// All of it is one transaction: a load that is stopped leaves the database as empty as it was.
    static func load(database: Database, today: Day, log: DemoData.Log) async throws -> Int64 {
        let logger = Logger(label: "courtyard.demo")
        let done: Void? = try await database.withPostgresConnection { conn in
            _ = try await conn.query("BEGIN", logger: logger)
            do {
                try await fill(conn, today: today, logger: logger, log: log)
                _ = try await conn.query("COMMIT", logger: logger)
            } catch {
                _ = try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        guard done != nil else { throw StoreError.invalid("the province demo is written to PostgreSQL only") }
        try await database.withConnection { db in
            for (table, _) in tables where table != "household_residents" {
                try await db.raw(
                    """
                    SELECT setval(pg_get_serial_sequence(\(bind: table), 'id'), (SELECT MAX(id) FROM \(unsafeRaw: table)))
                    """
                ).run()
            }
            // The visibility map, as autovacuum would leave it, so counts read the indexes alone from the start.
            try await db.raw("VACUUM ANALYZE").run()
        }
        return 1
    }

    /// Foreign keys and secondary indexes are set aside while the rows stream in, then made again: checking a
    /// key once for the whole table, and building an index in one sort, is many times faster than row by row.
    /// Making them again checks every row, so nothing the schema forbids gets in.
    static func fill(_ conn: PostgresConnection, today: Day, logger: Logger, log: DemoData.Log) async throws {
        let names = tables.map { "'\($0.name)'" }.joined(separator: ", ")
        var keys: [(table: String, name: String, definition: String)] = []
        for try await (t, n, d) in try await conn.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
                    FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN (\(names))
                    """), logger: logger
        ).decode((String, String, String).self) {
            keys.append((t, n, d))
        }
        var indexes: [(name: String, definition: String)] = []
        for try await (n, d) in try await conn.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT indexname::text, indexdef FROM pg_indexes
                    WHERE schemaname = current_schema() AND tablename IN (\(names))
                      AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))
                    """), logger: logger
        ).decode((String, String).self) {
            indexes.append((n, d))
        }
        for k in keys {
            _ = try await conn.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE \(k.table) DROP CONSTRAINT \(k.name)"), logger: logger)
        }
        for i in indexes {
            _ = try await conn.query(PostgresQuery(unsafeSQL: "DROP INDEX \(i.name)"), logger: logger)
        }
        let demo = DemoRegistry(plan)
        var ids = Ids()
        var rng = SplitMix64(seed: 0x5052_4F56)
        for start in stride(from: 0, to: plan.subdistricts, by: chunk) {
            var batch = Batch()
            for s in start..<min(start + chunk, plan.subdistricts) {
                add(subdistrict: s, demo: demo, ids: &ids, rng: &rng, today: today, to: &batch)
            }
            try await copy(batch, conn: conn, logger: logger)
            log(
                "demo.written",
                ["n": String(min(start + chunk, plan.subdistricts)), "total": String(plan.subdistricts)])
        }
        for i in indexes { _ = try await conn.query(PostgresQuery(unsafeSQL: i.definition), logger: logger) }
        try await CompoundHouseholds.recount(nil, db: conn.sql())
        for k in keys {
            _ = try await conn.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE \(k.table) ADD CONSTRAINT \(k.name) \(k.definition)"),
                logger: logger)
        }
        log("demo.indexes", [:])
    }

    static func copy(_ batch: Batch, conn: PostgresConnection, logger: Logger) async throws {
        for (table, columns) in tables {
            guard let text = batch.text[table] else { continue }
            try await conn.copyFrom(table: table, columns: columns, logger: logger) { writer in
                // Sent in pieces of about 1 MB, each ending at a line's end.
                var rest = Substring(text)
                while !rest.isEmpty {
                    let utf8 = rest.utf8
                    var end = utf8.index(utf8.startIndex, offsetBy: 1 << 20, limitedBy: utf8.endIndex) ?? utf8.endIndex
                    while end < utf8.endIndex && utf8[utf8.index(before: end)] != UInt8(ascii: "\n") {
                        end = utf8.index(after: end)
                    }
                    try await writer.write(ByteBuffer(substring: rest[..<end]))
                    rest = rest[end...]
                }
            }
        }
    }

    static func add(
        subdistrict s: Int, demo: DemoRegistry, ids: inout Ids, rng: inout SplitMix64, today: Day,
        to batch: inout Batch
    ) {
        ids.subdistrict += 1
        let sd = ids.subdistrict
        batch.add("subdistricts", [String(sd), demo.subdistrictName(s)])
        var communities: [String: Int64] = [:]
        var compounds: [String: Int64] = [:]
        var buildings: [String: Int64] = [:]
        var entrances: [String: Int64] = [:]
        var owners: [String: Int64] = [:]
        for row in demo.rows(subdistrict: s) {
            let cm =
                communities[row.community]
                ?? {
                    ids.community += 1
                    batch.add("communities", [String(ids.community), String(sd), row.community])
                    communities[row.community] = ids.community
                    return ids.community
                }()
            let cpKey = row.community + "|" + row.compound
            let cp =
                compounds[cpKey]
                ?? {
                    ids.compound += 1
                    batch.add(
                        "compounds",
                        [
                            String(ids.compound), String(sd), String(cm), row.compound, row.address,
                            row.builtYear.map(String.init),
                        ])
                    compounds[cpKey] = ids.compound
                    addReports(compound: ids.compound, subdistrict: sd, ids: &ids, rng: &rng, today: today, to: &batch)
                    return ids.compound
                }()
            let bdKey = cpKey + "|" + row.building
            let bd =
                buildings[bdKey]
                ?? {
                    ids.building += 1
                    batch.add("buildings", [String(ids.building), String(cp), row.building])
                    buildings[bdKey] = ids.building
                    return ids.building
                }()
            let enKey = bdKey + "|" + row.entrance
            let en =
                entrances[enKey]
                ?? {
                    ids.entrance += 1
                    batch.add("entrances", [String(ids.entrance), String(bd), String(cp), row.entrance])
                    entrances[enKey] = ids.entrance
                    return ids.entrance
                }()
            ids.household += 1
            batch.add(
                "households",
                [
                    String(ids.household), String(en), String(bd), String(cp), row.room, row.floor.map(String.init),
                    String(row.area.centi),
                ])
            // An owner of two households is one resident, as the import makes them.
            let ownerKey = row.ownerName + "|" + row.ownerPhone
            let owner =
                owners[ownerKey]
                ?? {
                    ids.resident += 1
                    batch.add("residents", [String(ids.resident), String(sd), row.ownerName, row.ownerPhone])
                    owners[ownerKey] = ids.resident
                    return ids.resident
                }()
            batch.add(
                "household_residents", [String(ids.household), String(owner), "owner", row.livesElsewhere ? "1" : "0"])
        }
    }

    /// Two reports a compound, spread over the states, some of them past their due day.
    static func addReports(
        compound: Int64, subdistrict: Int64, ids: inout Ids, rng: inout SplitMix64, today: Day, to batch: inout Batch
    ) {
        let categories = ReportCategory.allCases
        let states: [ReportState] = [.submitted, .acknowledged, .assigned, .fixed, .closed]
        for _ in 0..<2 {
            ids.report += 1
            let state = states[Int(rng.next() % UInt64(states.count))]
            let submitted = today.adding(days: -Int64(1 + rng.next() % 40))
            let since = submitted.adding(days: Int64(rng.next() % 3))
            let due = state == .closed ? nil : since.adding(days: Int64(3 + rng.next() % 10))
            let at = submitted.description + "T09:30:00+08:00"
            batch.add(
                "reports",
                [
                    String(ids.report), String(subdistrict), String(compound), nil,
                    categories[Int(rng.next() % UInt64(categories.count))].rawValue, "楼道照明损坏，夜间出行不便",
                    state.rawValue, since.description, due?.description, at, "demo",
                ])
            ids.event += 1
            batch.add("report_events", [String(ids.event), String(ids.report), at, nil, "submitted", "", "demo"])
        }
    }
}
