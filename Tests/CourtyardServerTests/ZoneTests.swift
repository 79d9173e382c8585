import CourtyardDemo
import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Zones, compound locations and GeoJSON, and placing an Open311 request by its coordinates.
@Suite struct ZoneTests {
    static func ints(_ services: Services, _ sql: SQLQueryString, _ column: String = "id") async throws -> [Int64] {
        try await services.database.withConnection { db in
            try await db.raw(sql).all().map { try $0.decode(column: column, as: Int64.self) }
        }
    }

    /// Compounds of the office's sub-district in no zone yet that have households.
    static func freeCompounds(_ services: Services, _ n: Int) async throws -> [Int64] {
        try await ints(
            services,
            """
            SELECT c.id FROM compounds c WHERE c.zone_id IS NULL
              AND EXISTS (SELECT 1 FROM households h WHERE h.compound_id = c.id)
              AND c.subdistrict_id = (SELECT MIN(id) FROM subdistricts) ORDER BY c.id LIMIT \(unsafeRaw: String(n))
            """)
    }

    @Test func zonesHoldCompoundsOnceWithTheirHouseholdsAndArea() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let free = try await Self.freeCompounds(services, 3)
            let made = try await client.call(
                .post, "/api/v1/zones", token: office,
                body: #"{"name":"东片区","compound_ids":[\#(free[0]),\#(free[1])]}"#)
            #expect(made.status == .created, "\(made.text)")
            let households = try await Self.ints(
                services,
                "SELECT COUNT(*) AS n FROM households WHERE compound_id IN (\(bind: free[0]), \(bind: free[1]))", "n")[
                    0]
            #expect(made.json["households"]?.intValue == households && households > 0)
            #expect(made.json["compound_ids"] == .array([.int(free[0]), .int(free[1])]))
            #expect(made.json["area_m2"]?.stringValue?.contains(".") == true)
            let zoneId = made.json["id"]!.intValue!

            // A compound already in a zone cannot join another: 409, and no zone is written.
            let before = try await Self.ints(services, "SELECT COUNT(*) AS n FROM zones", "n")[0]
            let twice = try await client.call(
                .post, "/api/v1/zones?lang=en", token: office,
                body: #"{"name":"西片区","compound_ids":[\#(free[2]),\#(free[1])]}"#
            )
            #expect(twice.status == .conflict && twice.text.contains("compound \(free[1])"), "\(twice.text)")
            #expect(try await Self.ints(services, "SELECT COUNT(*) AS n FROM zones", "n")[0] == before)
            #expect(
                try await Self.ints(
                    services, "SELECT id FROM compounds WHERE id = \(bind: free[2]) AND zone_id IS NULL"
                )
                .count == 1, "the first compound of the refused zone was not moved")

            // A change replaces the compounds; the list shows the zone to the office.
            let changed = try await client.call(
                .patch, "/api/v1/zones/\(zoneId)", token: office, body: #"{"compound_ids":[\#(free[2])]}"#)
            #expect(changed.status == .ok && changed.json["compound_ids"] == .array([.int(free[2])]))
            let list = try await client.call(.get, "/api/v1/zones", token: office)
            #expect(list.json.items.contains { $0["id"]?.intValue == zoneId })
            #expect(
                try await client.call(.post, "/api/v1/zones", token: office, body: #"{"name":" "}"#).json["error"]?[
                    "field"]?.stringValue == "name")
            // A property company sees only the zones it serves, and cannot make one.
            let property = try await client.token("property")
            #expect(
                !(try await client.call(.get, "/api/v1/zones", token: property).json.items.contains {
                    $0["id"]?.intValue == zoneId
                }))
            #expect(
                try await client.call(.post, "/api/v1/zones", token: property, body: #"{"name":"x"}"#).status
                    == .forbidden)
            #expect(try await client.call(.delete, "/api/v1/zones/\(zoneId)", token: office).status == .noContent)
        }
    }

    @Test func compoundsAreLocatedInWGS84AndListedAsGeoJSON() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let c = try await Self.freeCompounds(services, 1)[0]
            // Copied from a Chinese map (GCJ-02): stored converted to WGS-84.
            let gcj = try await client.call(
                .patch, "/api/v1/compounds/\(c)", token: office,
                body: #"{"lat":39.9164043,"lon":116.4102445,"datum":"gcj02"}"#)
            #expect(gcj.status == .ok, "\(gcj.text)")
            #expect(gcj.json["lat"] == .number("39.915") && gcj.json["lon"] == .number("116.404"), "\(gcj.text)")
            // Outside China: a 422 naming the field, nothing written.
            let away = try await client.call(
                .patch, "/api/v1/compounds/\(c)", token: office, body: #"{"lat":-33.86,"lon":151.21}"#)
            #expect(away.status == .unprocessableContent && away.json["error"]?["field"]?.stringValue == "lat")
            let alone = try await client.call(.patch, "/api/v1/compounds/\(c)", token: office, body: #"{"lat":39.9}"#)
            #expect(alone.status == .unprocessableContent && alone.json["error"]?["field"]?.stringValue == "lon")
            #expect(
                try await client.call(.get, "/api/v1/compounds/\(c)", token: office).json["lat"] == .number("39.915"))

            let geo = try await client.call(.get, "/api/v1/compounds?format=geojson", token: office)
            #expect(geo.headers[.contentType]?.hasPrefix("application/geo+json") == true)
            #expect(geo.json["type"]?.stringValue == "FeatureCollection")
            let mine = geo.json["features"]?.arrayItems.first { $0["id"]?.intValue == c }
            #expect(mine?["geometry"]?["coordinates"] == .array([.number("116.404"), .number("39.915")]))

            let zone = try await client.call(
                .post, "/api/v1/zones", token: office, body: #"{"name":"测绘片区","compound_ids":[\#(c)]}"#)
            #expect(zone.status == .created)
            let zones = try await client.call(.get, "/api/v1/zones?format=geojson", token: office)
            let feature = zones.json["features"]?.arrayItems.first { $0["id"] == zone.json["id"] }
            #expect(feature?["geometry"]?["type"]?.stringValue == "MultiPoint")

            // Open311: lat/long alone finds the compound within 300 m; further away it is refused, saying so.
            let key = try await client.call(.post, "/api/v1/open311/keys", token: office, body: #"{"name":"热线"}"#)
            let apiKey = key.json["api_key"]!.stringValue!
            func post(_ form: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/open311/v2/requests.json", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
                ) { r in (r.status, String(buffer: r.body)) }
            }
            let near = try await post("api_key=\(apiKey)&service_code=safety&lat=39.9165&long=116.404&description=x")
            #expect(near.0 == .created, "\(near.1)")
            let id = JSONValue.parse(near.1)?.arrayItemsForTests.first?["service_request_id"]?.stringValue ?? ""
            let report = try await client.call(.get, "/api/v1/reports/\(id)", token: office)
            #expect(report.json["compound_id"]?.intValue == c)
            let far = try await post("api_key=\(apiKey)&service_code=safety&lat=39.919&long=116.404&description=x")
            #expect(far.0 == .badRequest && far.1.contains("300 m"))
        }
    }
}
