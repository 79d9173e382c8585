import CourtyardDomain
@testable import CourtyardServer
import CourtyardStore
import CourtyardTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import Testing

/// Scope, personal data and sign-in rules that a crafted request must not get round.
@Suite struct SecurityTests {
    static func one(_ services: Services, _ sql: SQLQueryString) async throws -> Int64 {
        try await services.database.withConnection { db in
            try await db.raw(sql).first()!.decode(column: "id", as: Int64.self)
        }
    }

    @Test func linkingAResidentNeedsReadAccessToIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let community = try await client.token("community")
            let office = try await client.token("office")
            // A household in the community account's own community, and a resident living only in another community.
            let householdA = try await Self.one(
                services,
                """
                SELECT MIN(h.id) AS id FROM households h JOIN compounds c ON c.id = h.compound_id
                WHERE c.community_id = (SELECT MIN(id) FROM communities)
                """)
            let outsider = try await Self.one(
                services,
                """
                SELECT MIN(hr.resident_id) AS id FROM household_residents hr JOIN households h ON h.id = hr.household_id
                JOIN compounds c ON c.id = h.compound_id WHERE c.community_id = (SELECT MAX(id) FROM communities)
                """)
            #expect(try await client.call(.get, "/api/v1/residents/\(outsider)", token: community).status == .notFound)
            let link = try await client.call(
                .post, "/api/v1/households/\(householdA)/residents", token: community,
                body: #"{"resident_id":\#(outsider),"relation":"tenant"}"#)
            #expect(link.status == .notFound)
            #expect(try await client.call(.get, "/api/v1/residents/\(outsider)", token: community).status == .notFound)
            #expect(
                try await client.call(
                    .patch, "/api/v1/residents/\(outsider)", token: community,
                    body: #"{"phone":"13900000000"}"#
                ).status == .notFound)
            let household = try await client.call(.get, "/api/v1/households/\(householdA)", token: office)
            #expect(!household.text.contains("\"resident_id\":\(outsider)"))
            // Someone it already reads may be linked, and the office may link anyone in its sub-district.
            let insider = try await Self.one(
                services,
                """
                SELECT MIN(resident_id) AS id FROM household_residents WHERE household_id <> \(bind: householdA)
                AND household_id IN (SELECT h.id FROM households h JOIN compounds c ON c.id = h.compound_id
                  WHERE c.community_id = (SELECT MIN(id) FROM communities))
                """)
            #expect(
                try await client.call(
                    .post, "/api/v1/households/\(householdA)/residents", token: community,
                    body: #"{"resident_id":\#(insider),"relation":"tenant"}"#
                ).status == .ok)
            #expect(
                try await client.call(
                    .post, "/api/v1/households/\(householdA)/residents", token: office,
                    body: #"{"resident_id":\#(outsider),"relation":"tenant"}"#
                ).status == .ok)
        }
    }

    static func upload(
        _ client: any TestClientProtocol, token: String, name: String = "photo.jpg"
    ) async throws -> Int64 {
        var body = ByteBuffer()
        body.writeString(
            "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n"
        )
        body.writeBytes([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4])
        body.writeString("\r\n--b1--\r\n")
        return try await client.execute(
            uri: "/api/v1/attachments", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=b1"], body: body
        ) { r in
            #expect(r.status == .created)
            return try json(r)["id"]?.intValue ?? 0
        }
    }

    @Test func attachmentsAreReadOnlyByThoseWhoReadTheirRecord() async throws {
        try await TestApp.with(demo: true) { client, services in
            var t: [String: String] = [:]
            for u in ["office", "community", "steward", "viewer", "water", "property", "contractor"] {
                t[u] = try await client.token(u)
            }
            t["admin"] = try await client.token("admin", TestApp.adminPassword)
            let tokens = t
            @Sendable func status(_ user: String, _ id: Int64) async throws -> HTTPResponse.Status {
                let response = try await client.call(.get, "/api/v1/attachments/\(id)", token: tokens[user])
                return response.status
            }
            // A photo on a report in a compound outside the community account's community.
            let photo = try await Self.upload(client, token: t["office"]!)
            #expect(try await status("water", photo) == .notFound)
            let far = try await Self.one(services, "SELECT MAX(id) AS id FROM compounds")
            let report = try await client.call(
                .post, "/api/v1/reports", token: t["office"],
                body: #"{"compound_id":\#(far),"category":"safety","description":"井盖缺失","photos":[\#(photo)]}"#)
            #expect(report.status == .created)
            for (user, expected) in [
                ("admin", HTTPResponse.Status.ok), ("office", .ok), ("viewer", .ok), ("community", .notFound),
                ("steward", .notFound), ("water", .notFound), ("property", .notFound), ("contractor", .notFound),
            ] {
                #expect(try await status(user, photo) == expected, "\(user)")
            }
            // Nobody gains a file by naming it on a record of their own.
            let near = try await Self.one(
                services, "SELECT MIN(id) AS id FROM compounds WHERE community_id = (SELECT MIN(id) FROM communities)")
            let borrowed = try await client.call(
                .post, "/api/v1/reports", token: t["community"],
                body: #"{"compound_id":\#(near),"category":"safety","description":"借用","photos":[\#(photo)]}"#)
            #expect(
                borrowed.status == .unprocessableContent && borrowed.json["error"]?["field"]?.stringValue == "photos")
            #expect(try await status("community", photo) == .notFound)
            // The uploader reads its own file before it is attached anywhere.
            let own = try await Self.upload(client, token: t["contractor"]!)
            #expect(
                try await status("contractor", own) == .ok)
            #expect(try await status("water", own) == .notFound)
            #expect(try await status("office", own) == .notFound)
            // Gate evidence follows its project: the office reads it, a department (no projects) does not.
            let evidence = try await Self.one(services, "SELECT MIN(id) AS id FROM attachments")
            #expect(try await status("office", evidence) == .ok)
            #expect(try await status("water", evidence) == .notFound)
            #expect(try await client.call(.get, "/api/v1/attachments/999999", token: t["admin"]).status == .notFound)
        }
    }

    @Test func rolesWithoutPersonalDataCannotSearchByIt() async throws {
        try await TestApp.with(demo: true) { client, services in
            let viewer = try await client.token("viewer")
            let office = try await client.token("office")
            let (name, phone) = try await services.database.withConnection { db in
                let r = try await db.raw("SELECT name, phone FROM residents WHERE phone <> '' ORDER BY id LIMIT 1")
                    .first()!
                return (try r.decode(column: "name", as: String.self), try r.decode(column: "phone", as: String.self))
            }
            let q = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            #expect(try await client.call(.get, "/api/v1/residents?q=\(q)", token: office).json.items.count >= 1)
            #expect(try await client.call(.get, "/api/v1/residents?q=\(q)", token: viewer).json.items.isEmpty)
            #expect(try await client.call(.get, "/api/v1/residents?q=\(phone)", token: viewer).json.items.isEmpty)
            #expect(
                try await client.call(.get, "/api/v1/residents?q=\(q)&format=csv", token: viewer).text.split(
                    separator: "\n"
                ).count <= 1)
            // Non-personal fields stay searchable.
            let room = try await services.database.withConnection { db in
                try await db.raw("SELECT room FROM households ORDER BY id LIMIT 1").first()!.decode(
                    column: "room", as: String.self)
            }
            #expect(
                try await client.call(.get, "/api/v1/households?q=\(room)&limit=5", token: viewer).json.items.count >= 1
            )
        }
    }

    @Test func open311KeysReadTextOnlyInTheirOwnSubdistrict() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let key = try await client.call(.post, "/api/v1/open311/keys", token: office, body: #"{"name":"热线"}"#).json[
                "api_key"]!.stringValue!
            let sd2 = try await services.registry.create(
                .subdistricts, input: ["name": .string("第二街道")], actor: .system
            ).id
            let cm2 = try await services.registry.create(
                .communities, input: ["subdistrict_id": .int(sd2), "name": .string("二社区")],
                actor: .system
            ).id
            let cp2 = try await services.registry.create(
                .compounds, input: ["community_id": .int(cm2), "name": .string("二号院")],
                actor: .system
            ).id
            let reports = ReportRepository(database: services.database)
            let theirs = try await reports.create(
                .init(
                    compoundId: cp2, buildingId: nil, category: .safety, description: "别处的事",
                    reporterName: "", reporterPhone: ""), actor: .system)["id"]!.intValue!
            let near = try await Self.one(services, "SELECT MIN(id) AS id FROM compounds")
            let ours = try await reports.create(
                .init(
                    compoundId: near, buildingId: nil, category: .safety, description: "本街道的事",
                    reporterName: "", reporterPhone: ""), actor: .system)["id"]!.intValue!
            let other = try await client.call(.get, "/open311/v2/requests/\(theirs).json?api_key=\(key)", token: nil)
            #expect(other.status == .ok && other.json.arrayItemsForTests.first?["description"]?.stringValue == "")
            let mine = try await client.call(.get, "/open311/v2/requests/\(ours).json?api_key=\(key)", token: nil)
            #expect(mine.json.arrayItemsForTests.first?["description"]?.stringValue == "本街道的事")
            let list = try await client.call(.get, "/open311/v2/requests.json?api_key=\(key)", token: nil)
            #expect(!list.text.contains("别处的事") && list.text.contains("本街道的事"))
            // An administrator's key names the sub-district it serves.
            let admin = try await client.token("admin", TestApp.adminPassword)
            let adminKey = try await client.call(
                .post, "/api/v1/open311/keys", token: admin, body: #"{"name":"市热线","subdistrict_id":\#(sd2)}"#)
            #expect(adminKey.status == .created && adminKey.json["subdistrict_id"]?.intValue == sd2)
            let k2 = adminKey.json["api_key"]!.stringValue!
            let seen = try await client.call(.get, "/open311/v2/requests/\(theirs).json?api_key=\(k2)", token: nil)
            #expect(seen.json.arrayItemsForTests.first?["description"]?.stringValue == "别处的事")
            let unscoped = try await client.call(.post, "/api/v1/open311/keys", token: admin, body: #"{"name":"无范围"}"#)
            #expect(
                unscoped.status == .unprocessableContent
                    && unscoped.json["error"]?["field"]?.stringValue == "subdistrict_id")
        }
    }

    @Test func organisationsBelongToASubdistrictInTheCreatorsScope() async throws {
        try await TestApp.with(demo: true) { client, services in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let office = try await client.token("office")
            let sd = try await Self.one(services, "SELECT MIN(id) AS id FROM subdistricts")
            let sd2 = try await client.call(.post, "/api/v1/subdistricts", token: admin, body: #"{"name":"第二街道"}"#)
                .json["id"]!.intValue!
            let nowhere = try await client.call(
                .post, "/api/v1/organisations", token: admin, body: #"{"name":"无处公司","kind":"contractor"}"#)
            #expect(
                nowhere.status == .unprocessableContent
                    && nowhere.json["error"]?["field"]?.stringValue == "subdistrict_id")
            let own = try await client.call(
                .post, "/api/v1/organisations", token: office, body: #"{"name":"本街道公司","kind":"contractor"}"#)
            #expect(own.status == .created && own.json["subdistrict_id"]?.intValue == sd)
            let elsewhere = try await client.call(
                .post, "/api/v1/organisations", token: office,
                body: #"{"name":"外街道公司","kind":"contractor","subdistrict_id":\#(sd2)}"#)
            #expect(elsewhere.status == .notFound)
            let theirs = try await client.call(
                .post, "/api/v1/organisations", token: admin,
                body: #"{"name":"二街道公司","kind":"supervisor","subdistrict_id":\#(sd2)}"#)
            #expect(theirs.status == .created)
            let tid = theirs.json["id"]!.intValue!
            #expect(try await client.call(.get, "/api/v1/organisations/\(tid)", token: office).status == .notFound)
            #expect(
                !(try await client.call(.get, "/api/v1/organisations?limit=1000", token: office).text.contains("二街道公司"))
            )
            // A legacy organisation in no sub-district is no longer shown to every office.
            try await services.database.withConnection { db in
                try await db.raw("INSERT INTO organisations (name, kind) VALUES ('旧数据公司', 'contractor')").run()
            }
            #expect(
                !(try await client.call(.get, "/api/v1/organisations?limit=1000", token: office).text.contains("旧数据公司"))
            )
        }
    }
}
