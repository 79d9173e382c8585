import CourtyardDomain
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

    /// The Gantt chart and the S-curve are drawn into the page at their own size, never scaled down, in a box that
    /// scrolls sideways on a phone, with the chart's first column (task names, the axis) in a pane that stays put.
    @Test func aGateIsSignedByThePersonsNameNotTheirAccountName() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("office")
            let project = try await services.database.withConnection { db in
                try await db.raw("SELECT project_id FROM gate_passes WHERE passed_by = 'office' ORDER BY id").first()!
                    .decode(column: "project_id", as: Int64.self)
            }
            let (status, html) = try await PageSafetyTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains("<td>王主任</td>"))
            #expect(!html.contains("<td>office</td>"))
        }
    }

    @Test func chartsAreDrawnAtTheirOwnSizeInABoxThatScrollsWithTheirFirstColumnKept() async throws {
        try await TestApp.with(demo: true) { client, services in
            let (cookie, _) = try await client.session("office")
            let project = try await services.database.withConnection { db in
                try await db.raw("SELECT project_id FROM tasks ORDER BY project_id").first()!.decode(
                    column: "project_id", as: Int64.self)
            }
            let (status, html) = try await PageSafetyTests.page(client, "/projects/\(project)", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains(#"<div class="chart-scroll" role="region" aria-label="施工进度横道图" tabindex="0">"#))
            #expect(html.contains(#"class="chart-key" width="\#(GanttChart.names)""#))
            #expect(html.contains(#"viewBox="\#(GanttChart.names) 0 770 "#))
            #expect(!html.contains(#"<img class="chart""#))
            #expect(html.contains(#"<a href="/api/v1/projects/\#(project)/gantt.svg?lang=zh-Hans">单独打开图表</a>"#))
            // Every word in the chart is at least 11 px, drawn at scale one.
            let sizes = html.matches(of: try Regex(#"font-size="(\d+)""#)).compactMap {
                $0.output[1].substring.flatMap { Int($0) }
            }
            #expect(!sizes.isEmpty && sizes.allSatisfy { $0 >= 11 })

            let (_, overview) = try await PageSafetyTests.page(client, "/programme", cookie: cookie)
            #expect(overview.contains(#"class="chart-key" width="\#(SCurveChart.axis)""#))
            #expect(overview.contains(#"<p class="muted chart-hint">图表较宽"#))
        }
    }

    /// The completion curve's percentage lines stand apart also when only a few projects are drawn (each line at its
    /// own percentage, not at a whole number of projects).
    @Test func theCurvesPercentLinesStandApartForFewProjects() throws {
        let day = Day(year: 2026, month: 6, day: 1)!
        let svg = SCurveChart.draw(
            planned: [day.adding(days: 30)], actual: [], total: 1, today: day.adding(days: 10), lang: .zh, title: "进度")
        let heights = ["0%", "25%", "50%", "75%", "100%"].compactMap { label in
            svg.firstMatch(of: try! Regex(#"y="(\d+)"[^>]*>\#(label)</text>"#)).flatMap { Int($0.output[1].substring!) }
        }
        #expect(heights.count == 5 && Set(heights).count == 5, "\(heights)")
    }
}
