import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Supervision reports for the office, stewards and contractors: whose turn it is, what is overdue, and the next step.
enum ReportPages {
    static func add(to router: Router<AppContext>, services: Services) {
        @Sendable func repo() async throws -> ReportRepository {
            ReportRepository(
                database: services.database,
                calendar: try await CalendarRepository(database: services.database).calendar())
        }
        Pages.get(router, "/reports") { request, context, f in
            let actor = try context.actor()
            let q = request.uri.queryParameters
            let state = q.get("state").flatMap { ReportState(rawValue: $0) }
            let overdue = q.get("overdue") == "true"
            let items = try await repo().list(actor: actor, compoundId: nil, state: state, overdueOnly: overdue)
            let places = try await Places.load(items, services: services)
            var s =
                "<ul class=\"stages chips\"><li\(state == nil && !overdue ? " class=\"now\" aria-current=\"true\"" : "")><a href=\"/reports\">\(esc(f.t("programme.all")))</a></li>"
            s +=
                "<li\(overdue ? " class=\"now\" aria-current=\"true\"" : "")><a href=\"/reports?overdue=true\">\(esc(f.t("report.overdue")))</a></li>"
            for st in ReportState.allCases {
                s +=
                    "<li\(st == state ? " class=\"now\" aria-current=\"true\"" : "")><a href=\"/reports?state=\(st.rawValue)\">\(esc(f.t("report.state." + st.rawValue)))</a></li>"
            }
            s += "</ul>"
            s +=
                items.isEmpty
                ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                : Pages.table(
                    [
                        (f.t("report.what"), false), (f.t("col.where"), false), (f.t("public.category"), false),
                        (f.t("vote.status"), false), (f.t("report.turn"), false), (f.t("report.due"), false),
                        (f.t("public.submitted"), false),
                    ],
                    items.map { r in
                        let id = r["id"]?.cellText ?? ""
                        // The link reads as the report itself: the start of what the resident wrote.
                        let text = r["description"]?.cellText ?? ""
                        let title = text.count > 18 ? String(text.prefix(18)) + "…" : text
                        return [
                            "<a href=\"/reports/\(id)\">\(esc(title.isEmpty ? "#" + id : title))</a>",
                            esc(places.name(of: r)), esc(f.t("category." + (r["category"]?.stringValue ?? ""))),
                            esc(f.t("report.state." + (r["state"]?.stringValue ?? ""))),
                            esc(f.t("report.ball." + (r["ball_in_court"]?.stringValue ?? ""))),
                            esc(r["due_on"]?.cellText ?? "—")
                                + (r["overdue"] == .bool(true)
                                    ? " <strong>\(esc(f.t("report.overdue")))</strong>" : ""),
                            esc(beijingTime(r["submitted_at"]?.cellText ?? "", dateOnly: true)),
                        ]
                    })
            return f.render(title: f.t("nav.reports"), body: s)
        }
        Pages.get(router, "/reports/:id") { _, context, f in
            try await reportPage(
                try context.parameters.require("id", as: Int64.self), context: context, f: f, services: services,
                message: nil)
        }
        Pages.post(router, "/reports/:id/transitions") { request, context, f in
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            return try await Pages.save(
                f, next: "/reports/\(id)",
                redisplay: { m, status in
                    try await reportPage(id, context: context, f: f, services: services, message: m, status: status)
                }
            ) {
                guard let to = ReportState(rawValue: fields["to"] ?? "") else {
                    throw ValidationError(field: "to", code: Pages.pageMessage, message: f.t("report.chooseStep"))
                }
                _ = try await repo().transition(
                    id: id, to: to, note: fields["note"] ?? "",
                    assignee: fields["assignee_organisation_id"].flatMap { Int64($0) }, actor: try context.actor())
            }
        }
    }

    /// The step a form offers first: the one that moves the report on (confirming a fix, not reopening it);
    /// reopening or declining is always a deliberate choice.
    static func preferredStep(_ next: [ReportState]) -> ReportState? {
        let order: [ReportState] = [.verified, .closed, .fixed, .assigned, .acknowledged]
        return order.first(where: next.contains) ?? next.first
    }

    static func reportPage(
        _ id: Int64, context: AppContext, f: PageFrame, services: Services, message: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let actor = try context.actor()
        let r = try await ReportRepository(database: services.database).get(id: id, actor: actor)
        let state = ReportState(rawValue: r["state"]?.stringValue ?? "") ?? .submitted
        let place = try await Places.load([r], services: services).name(of: r)
        var s = message.map { "<p class=\"note \($0.0)\" role=\"alert\">\(esc($0.1))</p>" } ?? ""
        s +=
            "<div class=\"cards\"><div class=\"card\"><b>\(esc(f.t("report.state." + state.rawValue)))</b><span>\(esc(f.t("vote.status")))</span></div>"
        s +=
            "<div class=\"card\"><b>\(esc(f.t("report.ball." + (r["ball_in_court"]?.stringValue ?? ""))))</b><span>\(esc(f.t("report.turn")))</span></div>"
        let due = r["due_on"]?.cellText ?? ""
        s +=
            "<div class=\"card\"><b>\(esc(due.isEmpty ? "—" : due))</b><span>\(esc(f.t(r["overdue"] == .bool(true) ? "report.overdue" : "report.due")))</span></div></div>"
        s += "<p>\(esc(f.t("col.where"))): \(esc(place))</p>"
        s +=
            "<p>\(esc(f.t("category." + (r["category"]?.stringValue ?? "")))) · <a href=\"/public/compounds/\(r["compound_id"]?.cellText ?? "")\">\(esc(f.t("notice.publicPage")))</a></p>"
        s += "<p style=\"white-space:pre-wrap\">\(esc(r["description"]?.cellText ?? ""))</p>"
        let name = r["reporter_name"]?.cellText ?? ""
        let phone = r["reporter_phone"]?.cellText ?? ""
        if !name.isEmpty || !phone.isEmpty { s += "<p>\(esc(f.t("report.reporter"))): \(esc(name)) \(esc(phone))</p>" }
        let next = ReportRepository(database: services.database).allowedSteps(
            actor: actor, from: state, assignee: r["assignee_organisation_id"]?.intValue)
        if !next.isEmpty {
            let orgs = try await services.registry.listAll(
                .organisations, query: ListQuery(filters: ["kind": "contractor"]), actor: .system)
            s +=
                "<h2>\(esc(f.t("report.nextStep")))</h2><form class=\"stack\" method=\"post\" action=\"/reports/\(id)/transitions\">\(f.csrfField())"
            s += "<label>\(esc(f.t("report.step")))<select name=\"to\" required>"
            let preferred = preferredStep(next)
            s +=
                next.map { st in
                    let selected = st == preferred ? " selected" : ""
                    return
                        "<option value=\"\(st.rawValue)\"\(selected)>\(esc(f.t("report.step." + st.rawValue)))</option>"
                }.joined() + "</select></label>"
            if next.contains(.assigned) {
                s +=
                    "<label>\(esc(f.t("report.assignee")))<select name=\"assignee_organisation_id\"><option value=\"\">—</option>"
                s +=
                    orgs.map { "<option value=\"\($0.id)\">\(esc($0["name"]?.stringValue ?? ""))</option>" }.joined()
                    + "</select></label>"
            }
            s +=
                "<label>\(esc(f.t("project.note")))<textarea name=\"note\" rows=\"2\"></textarea></label><button type=\"submit\">\(esc(f.t("report.save")))</button></form>"
        }
        s += "<h2>\(esc(f.t("report.history")))</h2>"
        s += Pages.table(
            [
                (f.t("log.date"), false), (f.t("vote.status"), false), (f.t("project.note"), false),
                (f.t("project.passedBy"), false),
            ],
            r["history"].arrayItems.map { e in
                [
                    esc(beijingTime(e["at"]?.cellText ?? "")), esc(f.t("report.state." + (e["to"]?.stringValue ?? ""))),
                    esc(e["note"]?.cellText ?? ""),
                    esc(e["by"]?.stringValue == "system" ? f.t("audit.system") : e["by"]?.cellText ?? ""),
                ]
            })
        return f.render(title: f.t("report.title") + " #\(id) · " + place, body: s, status: status)
    }
}
