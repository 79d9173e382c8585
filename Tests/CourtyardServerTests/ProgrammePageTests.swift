import Foundation
import HTTPTypes
import Testing

@testable import CourtyardServer

/// The programme overview lists the batch's projects with their progress, filtered by stage.
@Suite struct ProgrammePageTests {
    @Test func theOverviewListsTheChosenStagesProjectsWithTheirProgress() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("office")
            let (status, html) = try await PageSafetyTests.page(
                client, "/programme?stage=construction", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains(#"<li class="now" aria-current="true"><a href="/programme?batch_year="#))
            #expect(html.contains(#"&amp;stage=construction">"#))
            #expect(html.contains(#"<td class="key" data-label="小区"><a href="/projects/"#))
            #expect(html.contains(#"<span class="bar-pc" aria-hidden="true"><i style="width:"#))
            #expect(html.contains(#"<td data-label="阶段">施工</td>"#))
            #expect(!html.contains(#"<td data-label="阶段">竣工验收</td>"#), "only projects in construction are listed")
        }
    }

    @Test func theBulletinsPageListsBulletinsAndOffersTheOfficeADraft() async throws {
        try await TestApp.with(demo: true) { client, _ in
            let (cookie, _) = try await client.session("office")
            let (status, html) = try await PageSafetyTests.page(client, "/bulletins", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains(#"<td><a href="/bulletins/"#))
            #expect(
                html.contains(
                    #"<form class="stack" method="post" action="/bulletins"><input type="hidden" name="_csrf" value=""#)
            )
            #expect(html.contains(#"<input name="batch_year" inputmode="numeric" value=""#))
        }
    }
}
