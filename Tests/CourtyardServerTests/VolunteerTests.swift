import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// Volunteer hours over HTTP: patrols and outreach recorded by hand beside the events' helpers, summed per person
/// and team for the year, exact, in JSON and a sheet; bad entries refused naming the field, nothing written.
@Suite struct VolunteerTests {
    @Test func aYearsServiceAddsUpPerPersonAndTeamWithEventHours() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let (compound, _, _) = try await StewardTests.twoEntrances(services)
            let team = try await client.call(
                .post, "/api/v1/bodies", token: office,
                body:
                    #"{"kind":"volunteer_team","name":"夜巡志愿服务队","compound_id":\#(compound),"formed_on":"2026-01-01"}"#)
            #expect(team.status == .created, "\(team.text)")
            let teamId = try #require(team.json["id"]?.intValue)
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            func record(_ body: String) async throws -> (HTTPResponse.Status, JSONValue) {
                let r = try await client.call(.post, "/api/v1/volunteer_hours", token: office, body: body)
                return (r.status, r.json)
            }
            let patrol =
                #"{"body_id":\#(teamId),"name":"李红梅","phone":"13903710001","activity":"patrol","date":"\#(today)","minutes":90}"#
            #expect(try await record(patrol).0 == .created)
            #expect(
                try await record(patrol.replacingOccurrences(of: #""minutes":90"#, with: #""minutes":30"#)).0
                    == .created)
            let outreach =
                #"{"compound_id":\#(compound),"name":"王守义","activity":"outreach","date":"\#(today)","minutes":45}"#
            #expect(try await record(outreach).0 == .created)
            // Bad entries, each named, nothing written.
            let before = try await StewardTests.count(services, "volunteer_hours")
            for (body, field) in [
                (patrol.replacingOccurrences(of: "patrol", with: "event"), "activity"),
                (patrol.replacingOccurrences(of: #""minutes":90"#, with: #""minutes":0"#), "minutes"),
                (patrol.replacingOccurrences(of: #""minutes":90"#, with: #""minutes":1441"#), "minutes"),
                (patrol.replacingOccurrences(of: "\(today)", with: "\(today.adding(days: 1))"), "date"),
                (patrol.replacingOccurrences(of: "13903710001", with: "12"), "phone"),
                (#"{"name":"无处","activity":"patrol","date":"\#(today)","minutes":10}"#, "community_id"),
                // A community that is not the compound's is refused, not passed over.
                (
                    outreach.replacingOccurrences(
                        of: #""compound_id":\#(compound)"#, with: #""compound_id":\#(compound),"community_id":999999"#),
                    "community_id"
                ),
            ] {
                let (status, json) = try await record(body)
                #expect(status == .unprocessableContent, "\(body)")
                #expect(json["error"]?["field"]?.stringValue == field, "\(body)")
            }
            #expect(try await StewardTests.count(services, "volunteer_hours") == before)
            let summary = try await client.call(
                .get, "/api/v1/volunteer_hours/summary?year=\(today.civil.year)", token: office)
            #expect(summary.status == .ok)
            let people = summary.json["volunteers"]?.arrayItemsForTests ?? []
            let li = people.first { $0["phone"]?.stringValue == "13903710001" }
            #expect(li?["patrol_minutes"]?.intValue == 120 && li?["teams"]?.arrayItemsForTests.count == 1)
            let wang = people.first { $0["name"]?.stringValue == "王守义" }
            #expect(wang?["outreach_minutes"]?.intValue == 45 && wang?["total_hours"]?.stringValue == "0.75")
            let teams = summary.json["teams"]?.arrayItemsForTests ?? []
            let red = teams.first { $0["name"]?.stringValue == "夜巡志愿服务队" }
            #expect(red?["volunteers"]?.intValue == 1 && red?["total_minutes"]?.intValue == 120)
            let minutes = people.compactMap { $0["total_minutes"]?.intValue }.reduce(0, +)
            #expect(summary.json["total_minutes"]?.intValue == minutes)
            // The list of totals counts the same, and a role without personal data sees names masked.
            let totals = try await client.call(.get, "/api/v1/volunteer_hours?year=\(today.civil.year)", token: office)
            #expect(
                totals.json.items.contains {
                    $0["phone"]?.stringValue == "13903710001" && $0["minutes"]?.intValue ?? 0 >= 120
                })
            let viewer = try await client.token("viewer")
            let masked = try await client.call(.get, "/api/v1/volunteer_hours/summary", token: viewer)
            #expect(!masked.text.contains("13903710001") && !masked.text.contains("李红梅"))
            // The sheet a clerk downloads, with Chinese headers.
            let sheet = try await client.call(
                .get, "/api/v1/volunteer_hours/summary?format=csv&lang=zh-Hans", token: office)
            #expect(sheet.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(sheet.text.contains("志愿者") && sheet.text.contains("巡逻（小时）") && sheet.text.contains("队伍：夜巡志愿服务队"))
            // A team's size is said in words in the column that names teams, not as a bare number there.
            let teamRow = sheet.text.split(separator: "\n").first { $0.contains("队伍：夜巡志愿服务队") }
            #expect(teamRow?.contains("名志愿者") == true, "\(String(describing: teamRow))")
            let entries = try await client.call(
                .get, "/api/v1/volunteer_hours/entries?body_id=\(teamId)", token: office)
            #expect(entries.json.items.count == 2)
        }
    }
}
