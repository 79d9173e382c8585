import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CourtyardServer

/// The site manager marks a task started and then finished from the schedule on the project's page; before, only a
/// client of the API could.
@Suite struct TaskActualPageTests {
    @Test func theContractorMarksATaskStartedThenFinishedAndAFutureDayIsRefused() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            let made = try await f.call(
                .post, "/api/v1/projects/\(f.pid)/tasks", #"{"name":"管网开挖","duration_days":5}"#)
            let task = try #require(made.json["id"]?.intValue)
            try await f.startConstruction()
            let contractor = try await client.session("contractor")
            let site = CoordinationPageTests.Browser(client: client, cookie: contractor.cookie, csrf: contractor.csrf)
            let started = "/projects/\(f.pid)/tasks/\(task)/started"
            let (_, page) = try await site.get("/projects/\(f.pid)")
            #expect(page.contains(#"action="\#(started)""#) && page.contains("记为开始"))
            let today = Day.today(epochSeconds: Date().timeIntervalSince1970)
            let (future, _, told) = try await site.post(started, [("date", today.adding(days: 3).description)])
            #expect(future == .unprocessableContent && told.contains(#"action="\#(started)""#))
            // Said beside the task's own form, the day typed kept there and the page scrolled to it.
            let form = try #require(
                told.firstMatch(of: /<form class="inline" method="post" action="[^"]*\/started">.*?<\/td>/))
            #expect(form.0.contains(#"value="\#(today.adding(days: 3))" max="\#(today)" required"#))
            #expect(
                form.0.contains(#"aria-invalid="true" autofocus"#)
                    && form.0.contains(#"class="field-error" role="alert""#))
            let (ok, to, _) = try await site.post(started, [("date", today.adding(days: -1).description)])
            #expect(ok == .seeOther && to.hasSuffix("#schedule"))
            let (_, after) = try await site.get("/projects/\(f.pid)")
            #expect(after.contains("/tasks/\(task)/finished") && !after.contains(#"action="\#(started)""#))
            let (done, _, _) = try await site.post(
                "/projects/\(f.pid)/tasks/\(task)/finished", [("date", today.description)])
            #expect(done == .seeOther)
            let read = try #require(
                try await f.call(.get, "/api/v1/projects/\(f.pid)/tasks").json.items.first {
                    $0["id"]?.intValue == task
                })
            #expect(read["actual_start"]?.stringValue == today.adding(days: -1).description)
            #expect(read["actual_finish"]?.stringValue == today.description)
            // Someone who does not report the works sees no such form.
            let steward = try await client.session("supervisor")
            let theirs = try await PageTests.page(client, "/projects/\(f.pid)", cookie: steward.cookie).1
            #expect(!theirs.contains("/tasks/\(task)/"))
        }
    }
}
