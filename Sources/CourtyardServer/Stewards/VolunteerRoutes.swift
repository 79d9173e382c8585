import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Volunteer hours: patrols, outreach and other service entered by hand, and each year's summary per person and
/// team, with the minutes helpers gave at community events.
struct VolunteerController {
    let services: Services
    var volunteers: VolunteerRepository { VolunteerRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("volunteer_hours", use: create)
        api.get("volunteer_hours", use: totals)
        api.get("volunteer_hours/entries", use: list)
        api.get("volunteer_hours/summary", use: summary)
        api.delete("volunteer_hours/entries/:id", use: remove)
    }

    @Sendable func remove(_ request: Request, _ context: AppContext) async throws -> Response {
        let recordedAt = request.uri.queryParameters.get("recorded_at").map { String($0.prefix(64)) }
        try await volunteers.remove(
            id: try context.parameters.require("id", as: Int64.self), recordedAt: recordedAt, actor: context.actor())
        return Response(status: .noContent)
    }

    struct NewHours: Decodable {
        var communityId: Int64?
        var compoundId: Int64?
        var bodyId: Int64?
        var name: String
        var phone: String?
        var activity: VolunteerActivity
        var date: Day
        var minutes: Int64
        var note: String?
        var again: Bool?
        enum CodingKeys: String, CodingKey {
            case communityId = "community_id", compoundId = "compound_id", bodyId = "body_id", name, phone, activity
            case date, minutes, note, again
        }
    }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let b = try await JSONBody.decode(NewHours.self, request, context: context)
        let made = try await volunteers.record(
            .init(
                communityId: b.communityId, compoundId: b.compoundId, bodyId: b.bodyId, name: b.name,
                phone: b.phone ?? "", activity: b.activity, date: b.date, minutes: b.minutes, note: b.note ?? "",
                again: b.again ?? false),
            actor: actor)
        return try JSONBody.response(made, status: .created)
    }

    static func year(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("year") else { return Clock.today.civil.year }
        guard let y = Int(text), (2000...2100).contains(y) else {
            throw AppError.badRequest("invalid_parameter", "year is 2000 to 2100", field: "year")
        }
        return y
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let items = try await volunteers.list(
            actor: try context.actor(), year: try Self.year(request),
            communityId: try StewardRoutes.id(request, "community_id"),
            bodyId: try StewardRoutes.id(request, "body_id"),
            paging: paging)
        return try ListPage.response(items, paging)
    }

    /// Each volunteer's total, most first: ever, or in `year`.
    @Sendable func totals(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let year = try request.uri.queryParameters.get("year").map { _ in try Self.year(request) }
        let all = try await volunteers.totals(
            year: year, communityId: try StewardRoutes.id(request, "community_id"), actor: try context.actor())
        return try ListPage.response(all: all, paging)
    }

    @Sendable func summary(_ request: Request, _ context: AppContext) async throws -> Response {
        let format = try SheetDownload.format(request)
        let year = try Self.year(request)
        let s = try await volunteers.year(
            year, actor: try context.actor(), communityId: try StewardRoutes.id(request, "community_id"))
        if format == "json" { return try JSONBody.response(s) }
        return try SheetDownload.response(
            VolunteerSheet.rows(s, lang: ProjectsExport.wantsChinese(request) ? .zh : context.lang),
            numeric: VolunteerSheet.numeric, format: format, filename: "volunteer-hours-\(year)", sheetName: "hours")
    }
}

/// The year's summary as a sheet: each volunteer, then each team, then the total; hours as `EventRules.hoursText` writes them.
enum VolunteerSheet {
    static let numeric: Set<Int> = [3, 4, 5, 6, 7]

    static func rows(_ s: VolunteerYear, lang: Lang) -> [[String]] {
        let header = [
            "volunteer.col.name", "volunteer.col.phone", "volunteer.col.teams", "volunteer.activity.event",
            "volunteer.activity.patrol", "volunteer.activity.outreach", "volunteer.activity.other",
            "volunteer.col.hours",
        ].map { lang.t($0) }
        func hours(_ minutes: Int64) -> String { EventRules.hoursText(minutes: minutes) }
        var rows = [header]
        rows += s.volunteers.map { p in
            [
                p.name, p.phone, p.teams.joined(separator: "、"), hours(p.eventMinutes), hours(p.patrolMinutes),
                hours(p.outreachMinutes), hours(p.otherMinutes), p.totalHours,
            ]
        }
        rows += s.teams.map { t in
            // The team's size said in words, in the column that names teams.
            [
                lang.t("volunteer.col.team") + "：" + t.name, "",
                lang.say("volunteer.teamSize", ["n": String(t.volunteers)]),
                "", "", "", "", t.totalHours,
            ]
        }
        rows.append([lang.t("volunteer.col.total"), "", "", "", "", "", "", s.totalHours])
        return rows
    }
}
