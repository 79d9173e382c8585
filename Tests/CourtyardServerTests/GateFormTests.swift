import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CourtyardServer

/// The gate into the next stage is offered only when the file it asks for is all that is missing, and passing it,
/// which cannot be undone, asks for a tick.
@Suite struct GateFormTests {
    @Test func theGateIntoConstructionSaysWhatIsMissingUntilOnlyTheFileIsAndThenAsksForATick() async throws {
        try await TestApp.with(demo: true) { client, services in
            let f = try await ProjectTests.Fixture.make(client, services)
            try await f.approvePlan()
            let office = try await client.session("office")
            let form = #"action="/projects/\#(f.pid)/advance""#
            func page() async throws -> String {
                try await PageTests.page(client, "/projects/\(f.pid)", cookie: office.cookie).1
            }
            let noContractor = try await page()
            #expect(!noContractor.contains(form) && noContractor.contains("note bad"))
            _ = try await f.call(
                .patch, "/api/v1/projects/\(f.pid)",
                #"{"contractor_id":\#(f.contractorOrg),"supervisor_id":\#(f.supervisorOrg)}"#)
            let noPaperwork = try await page()
            #expect(!noPaperwork.contains(form) && noPaperwork.contains("开工前还须备齐："))
            #expect(noPaperwork.contains(##"<a href="#safety">查看安全管理备案情况</a>"##))
            try await f.fileSafetyPaperwork()
            let ready = try await page()
            #expect(ready.contains(form) && ready.contains("已核对所附文件，确认进入下一阶段"))
            func advance(confirm: Bool) async throws -> (HTTPResponse.Status, String) {
                let fields = [("_csrf", office.csrf), ("document_type", "commencement_report"), ("note", "开工报告已盖章")]
                let sent = try await SiteLogPageTests.post(
                    client, "/projects/\(f.pid)/advance", cookie: office.cookie,
                    fields + (confirm ? [("confirm", "1")] : []), photo: SiteLogPageTests.png, fileField: "file")
                return (sent.0, sent.2)
            }
            let stored = try await SelectionTests.count(services, "attachments")
            let unticked = try await advance(confirm: false)
            #expect(unticked.0 == .unprocessableContent)
            // What was typed is there again: the note, and the kind of document chosen.
            #expect(unticked.1.contains(#"value="开工报告已盖章""#))
            #expect(unticked.1.contains(#"<option value="commencement_report" selected>"#))
            #expect(try await SelectionTests.count(services, "attachments") == stored, "nothing kept")
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)").json["stage"]?.stringValue == "plan_approved")
            #expect(try await advance(confirm: true).0 == .seeOther)
            #expect(try await f.call(.get, "/api/v1/projects/\(f.pid)").json["stage"]?.stringValue == "construction")
        }
    }
}
