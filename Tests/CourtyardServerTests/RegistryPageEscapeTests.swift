import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every registry page shows what people typed as text: markup in a name, an address or a room is escaped.
@Suite struct RegistryPageEscapeTests {
    @Test func markupInEveryRegistryFieldIsShownAsText() async throws {
        try await TestApp.with(demo: true) { client, services in
            let r = services.registry
            func make(_ spec: ResourceSpec, _ input: [String: JSONValue]) async throws -> Int64 {
                try await r.create(spec, input: input, actor: .system).id
            }
            let sd = try await r.list(.subdistricts, query: ListQuery(limit: 1), actor: .system).items[0].id
            let community = try await make(
                .communities, ["subdistrict_id": .int(sd), "name": .string("<script>c</script>")])
            let compound = try await make(
                .compounds,
                [
                    "community_id": .int(community), "name": .string("<script>p</script>"),
                    "address": .string("<b onmouseover=x>a</b>"),
                ])
            let building = try await make(
                .buildings, ["compound_id": .int(compound), "name": .string("<script>b</script>")])
            let entrance = try await make(.entrances, ["building_id": .int(building), "name": .string("<i>e</i>")])
            let household = try await make(
                .households,
                ["entrance_id": .int(entrance), "room": .string("<script>r</script>"), "area_m2": .string("50")])
            let resident = try await make(
                .residents,
                [
                    "subdistrict_id": .int(sd), "name": .string("<script>n</script>"), "household_id": .int(household),
                ])
            let (cookie, _) = try await client.session("admin", TestApp.adminPassword)
            for path in [
                "/", "/communities", "/communities/\(community)", "/compounds/\(compound)", "/buildings/\(building)",
                "/households/\(household)", "/residents/\(resident)",
                "/households/\(household)/residents/\(resident)/remove",
            ] {
                let (status, html, _) = try await PageTests.page(client, path, cookie: cookie)
                #expect(status == .ok, "\(path)")
                #expect(!html.contains("<script>"), "\(path) writes markup someone typed")
                #expect(!html.contains("<b onmouseover") && !html.contains("<i>e</i>"), "\(path)")
                #expect(html.contains("&lt;script&gt;"), "\(path) shows the typed text")
            }
        }
    }
}
