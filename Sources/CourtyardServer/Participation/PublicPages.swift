import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// What anyone may see of a compound, on a phone, without JavaScript and without personal data;
/// and the form with which a resident reports a problem during the works.
enum PublicPages {
    /// What a resident typed into a form the server refused, so the page shows it again.
    enum Typed: Sendable {
        case report([String: String])
        case objection(notice: Int64, fields: [String: String])
    }

    static func add(to router: Router<AppContext>, services: Services) {
        let limiter = RateLimiter(limit: 5, window: 600)
        router.get("public/compounds/:id") { request, context -> Response in
            let f = Pages.frame(request, context)
            let id = try context.parameters.require("id", as: Int64.self)
            return try await page(id: id, f: f, services: services, notice: nil)
        }
        PublicParticipationPages.add(to: router, services: services)
        router.post("public/compounds/:id/reports") { request, context -> Response in
            let f = Pages.frame(request, context)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context, checkCSRF: false)
            guard limiter.allow(context.remoteHost) else {
                return try await page(
                    id: id, f: f, services: services, notice: ("bad", f.t("public.tooMany")),
                    status: .tooManyRequests, typed: .report(fields))
            }
            guard let category = ReportCategory(rawValue: fields["category"] ?? "") else {
                return try await page(
                    id: id, f: f, services: services, notice: ("bad", f.t("public.chooseCategory")),
                    status: .unprocessableContent, typed: .report(fields))
            }
            do {
                let number = try await ReportRepository(
                    database: services.database,
                    calendar: try await CalendarRepository(database: services.database).calendar()
                )
                .file(
                    .init(
                        compoundId: id, buildingId: fields["building_id"].flatMap(Int64.init), category: category,
                        description: fields["description"] ?? "", reporterName: fields["name"] ?? "",
                        reporterPhone: fields["phone"] ?? ""),
                    actor: ReportRepository.publicReporter, publicPage: true)
                return try await page(
                    id: id, f: f, services: services, notice: ("ok", f.t("public.thanks") + " #\(number)"),
                    status: .created)
            } catch let e where AppError.from(e)?.status == .unprocessableContent {
                return try await page(
                    id: id, f: f, services: services, notice: ("bad", Pages.message(for: AppError.from(e)!, f)),
                    status: .unprocessableContent, typed: .report(fields))
            }
        }
    }

    static func page(
        id: Int64, f: PageFrame, services: Services, notice: (String, String)?, status: HTTPResponse.Status = .ok,
        typed: Typed? = nil
    ) async throws -> Response {
        let compound: Record
        do { compound = try await services.registry.get(.compounds, id: id, actor: .system) } catch StoreError.notFound
        {
            return f.render(
                title: f.t("error.title"), body: "<p class=\"note bad\">\(esc(f.t("error.notFound")))</p>",
                status: .notFound)
        }
        // A refused form's message stands beside that form, where the resident is looking; others at the top.
        let note = notice.map { "<p class=\"note \($0.0)\" role=\"status\">\(esc($0.1))</p>" } ?? ""
        var body = typed == nil ? note : ""
        body +=
            "<p>\(esc(compound["address"]?.stringValue ?? "")) · <a href=\"#report\">\(esc(f.t("public.report")))</a></p>"
        body += try await projectSection(compoundId: id, f: f, services: services)
        body += try await noticeSection(compoundId: id, f: f, services: services, typed: typed, notice: notice)
        body += try await questionnaireSection(compoundId: id, f: f, services: services)
        let votes = try await VoteRepository(database: services.database).list(actor: .system, compoundId: id).filter {
            $0.status != .draft
        }
        body += "<h2>\(esc(f.t("nav.votes")))</h2>"
        if votes.isEmpty { body += "<p class=\"muted\">\(esc(f.t("common.none")))</p>" }
        for v in votes {
            let labels = VoteLabels(v, f)
            body += "<p><b>\(esc(v.title))</b> · \(esc(labels.status))"
            if let r = v.result {
                body +=
                    " · \(esc(labels.outcome))<br><small>\(esc(f.t("vote.participating"))) \(r.participatingOwners)/\(r.eligibleOwners) · \(esc(f.t("vote.approving"))) \(r.approvingOwners) · \(esc(r.approvingArea))/\(esc(r.participatingArea)) ㎡</small>"
            } else {
                body += " · \(esc(f.t("vote.ballots"))) \(v.ballotsCast)/\(v.eligibleHouseholds)"
            }
            body += "</p>"
        }
        let reports = try await ReportRepository(database: services.database).publicSummary(compoundId: id)
        body += "<h2>\(esc(f.t("public.reports")))</h2>"
        body +=
            reports.isEmpty
            ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
            : Pages.table(
                [(f.t("public.category"), false), (f.t("vote.status"), false), (f.t("public.submitted"), false)],
                reports.map {
                    [
                        esc(f.t("category." + $0.category)),
                        esc(f.t("report.state." + $0.state.rawValue)) + ($0.overdue ? " ⚠" : ""),
                        esc(beijingTime($0.submitted, dateOnly: true)),
                    ]
                })
        let buildings = try await services.registry.listAll(
            .buildings, query: ListQuery(filters: ["compound_id": String(id)]), actor: .system)
        var kept: [String: String] = [:]
        var reportNote = ""
        if case .report(let fields) = typed {
            kept = fields
            reportNote = note
        }
        func selected(_ key: String, _ value: String) -> String { kept[key] == value ? " selected" : "" }
        let categories = ReportCategory.allCases.map {
            "<option value=\"\($0.rawValue)\"\(selected("category", $0.rawValue))>\(esc(f.t("category." + $0.rawValue)))</option>"
        }.joined()
        let buildingOptions =
            "<option value=\"\">—</option>"
            + buildings.map {
                "<option value=\"\($0.id)\"\(selected("building_id", String($0.id)))>\(esc($0["name"]?.stringValue ?? ""))</option>"
            }.joined()
        body += """
            <h2 id="report">\(esc(f.t("public.report")))</h2>\(reportNote)
            <form class="stack" method="post" action="/public/compounds/\(id)/reports">
            <label>\(esc(f.t("public.category")))<select name="category" required><option value="">—</option>\(categories)</select></label>
            <label>\(esc(f.t("col.buildings")))<select name="building_id">\(buildingOptions)</select></label>
            <label>\(esc(f.t("public.description")))<textarea name="description" rows="4" maxlength="2000" required>\(esc(kept["description"] ?? ""))</textarea></label>
            <label>\(esc(f.t("col.personName"))) <span class="muted">(\(esc(f.t("public.optional"))))</span><input name="name" maxlength="50" value="\(esc(kept["name"] ?? ""))"></label>
            <label>\(esc(f.t("col.phone"))) <span class="muted">(\(esc(f.t("public.optional"))))</span><input name="phone" type="tel" inputmode="tel" value="\(esc(kept["phone"] ?? ""))"></label>
            <p class="muted">\(esc(f.t("public.privacy")))</p>
            <button type="submit">\(esc(f.t("public.send")))</button>
            </form>
            """
        return f.render(title: compound["name"]?.stringValue ?? "", body: body, status: status)
    }
}
