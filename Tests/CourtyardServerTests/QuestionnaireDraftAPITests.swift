import CourtyardDomain
import CourtyardStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

@testable import CourtyardServer

/// A questionnaire drafted through the API is corrected or discarded through it, as on the page, until it is
/// published; then its questions are frozen.
@Suite struct QuestionnaireDraftAPITests {
    @Test func aDraftIsCorrectedAndDiscardedUntilPublished() async throws {
        try await TestApp.with(demo: true) { client, services in
            let office = try await client.token("office")
            let compound = try #require(
                try await client.call(.get, "/api/v1/compounds?limit=1", token: office).json.items.first?["id"]?
                    .intValue)
            let today = Clock.today
            func draft() async throws -> Int64 {
                let r = try await client.call(
                    .post, "/api/v1/questionnaires", token: office,
                    body: #"""
                        {"compound_id":\#(compound),"kind":"consultation","title":"加装电梯意向","opens_on":"\#(today)","closes_on":"\#(today.adding(days: 7))",
                         "questions":[{"text":"是否同意","type":"single","options":["同意","不同意"]}]}
                        """#)
                return try #require(r.json["id"]?.intValue)
            }
            let id = try await draft()
            let path = "/api/v1/questionnaires/\(id)"
            // The title alone: the questions and the period stay.
            let retitled = try await client.call(.patch, path, token: office, body: #"{"title":"加装电梯意向调查"}"#)
            #expect(retitled.status == .ok && retitled.json["title"]?.stringValue == "加装电梯意向调查")
            #expect(retitled.json["questions"]?.arrayItemsForTests.count == 1)
            #expect(retitled.json["closes_on"]?.stringValue == today.adding(days: 7).description)
            let more = try await client.call(
                .patch, path, token: office,
                body:
                    #"{"questions":[{"text":"是否同意","type":"single","options":["同意","不同意"]},{"text":"建议","type":"text"}]}"#
            )
            #expect(more.json["questions"]?.arrayItemsForTests.count == 2)
            for (body, field) in [
                (#"{"compound_id":\#(compound + 1)}"#, "compound_id"), (#"{"kind":"lottery"}"#, "kind"),
                (#"{"questions":[{"type":"single"}]}"#, "questions"), (#"{"opens_on":"2026-02-30"}"#, "opens_on"),
                (#"{"closes_on":"\#(today.adding(days: -30))"}"#, "closes_on"),
            ] {
                let refused = try await client.call(.patch, path, token: office, body: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(refused.json["error"]?["field"]?.stringValue == field, "\(body)")
            }
            #expect(try await client.call(.get, path, token: office).json["title"]?.stringValue == "加装电梯意向调查")
            let steward = try await client.token("steward")
            #expect(try await client.call(.patch, path, token: steward, body: #"{"title":"x"}"#).status == .forbidden)
            #expect(try await client.call(.delete, path, token: steward).status == .forbidden)
            // Published, its questions are frozen and it stays.
            #expect(try await client.call(.post, path + "/publish", token: office).status == .ok)
            #expect(try await client.call(.patch, path, token: office, body: #"{"title":"改"}"#).status == .conflict)
            #expect(try await client.call(.delete, path, token: office).status == .conflict)
            // Another draft is discarded, and gone.
            let other = try await draft()
            let gone = try await client.call(.delete, "/api/v1/questionnaires/\(other)", token: office)
            #expect(gone.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/questionnaires/\(other)", token: office).status == .notFound)
        }
    }
}
