import CourtyardDomain
import CourtyardServer
import CourtyardStore
import SQLKit

/// What a household sheet cannot say, added to demo data: co-owners, tenants, ownerless compounds and zones.
public enum DemoExtras {
    public static func enrich(database: Database, subdistrictId: Int64, seed: UInt64) async throws {
        try await database.transaction { db in
            var rng = SplitMix64(seed: seed)
            let households = try await db.raw(
                """
                SELECT h.id FROM households h JOIN compounds c ON c.id = h.compound_id WHERE c.subdistrict_id = \(bind: subdistrictId) ORDER BY h.id
                """
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            var people: [(household: Int64, relation: String, name: String, phone: String, elsewhere: Bool)] = []
            for h in households {
                let roll = rng.next() % 100
                if roll < 30 {
                    people.append((h, "co_owner", DemoRegistry.personName(&rng), DemoRegistry.phone(&rng), false))
                } else if roll < 40 {
                    people.append((h, "tenant", DemoRegistry.personName(&rng), DemoRegistry.phone(&rng), false))
                }
            }
            let ids = try await SQLLiteral.insert(
                db: db, table: "residents", columns: ["subdistrict_id", "name", "phone"],
                rows: people.map { [String(subdistrictId), SQLLiteral.text($0.name), SQLLiteral.text($0.phone)] },
                returning: "id, name, phone")
            var byKey: [String: Int64] = [:]
            for r in ids {
                byKey[
                    try r.decode(column: "name", as: String.self) + "|"
                        + (try r.decode(column: "phone", as: String.self))] = try r.decode(column: "id", as: Int64.self)
            }
            _ = try await SQLLiteral.insert(
                db: db, table: "household_residents",
                columns: ["household_id", "resident_id", "relation", "lives_elsewhere"],
                rows: people.map {
                    [String($0.household), String(byKey[$0.name + "|" + $0.phone]!), SQLLiteral.text($0.relation), "0"]
                },
                returning: nil)
            // Roughly a third of old compounds lost their managing employer: ownerless, grouped into zones.
            let zoneA = try await db.raw(
                "INSERT INTO zones (subdistrict_id, name) VALUES (\(bind: subdistrictId), '北片区') RETURNING id"
            ).first()!
            .decode(column: "id", as: Int64.self)
            let zoneB = try await db.raw(
                "INSERT INTO zones (subdistrict_id, name) VALUES (\(bind: subdistrictId), '南片区') RETURNING id"
            ).first()!
            .decode(column: "id", as: Int64.self)
            try await db.raw(
                """
                UPDATE compounds SET ownerless = 1, zone_id = CASE WHEN id % 2 = 0 THEN \(bind: zoneA) ELSE \(bind: zoneB) END
                WHERE subdistrict_id = \(bind: subdistrictId) AND id % 3 = 0
                """
            ).run()
        }
    }
}
