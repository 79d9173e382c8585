import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The renovation programme: the batch overview, a project's page (plan, gates, schedule, ledger, checks) and bulletins.
enum ProgrammePages {
    static func add(to router: Router<AppContext>, services: Services) {
        let projects = ProjectRepository(database: services.database)
        let bulletins = BulletinRepository(database: services.database)
        @Sendable func calendar() async throws -> WorkCalendar {
            try await CalendarRepository(database: services.database).calendar()
        }

        Pages.get(router, "/programme") { request, context, f in
            let actor = try context.require(.readProjects)
            let thisYear = Clock.today.civil.year
            let year = request.uri.queryParameters.get("batch_year").flatMap { Int($0) } ?? thisYear
            let stage = request.uri.queryParameters.get("stage").flatMap { ProjectStage(rawValue: $0) }
            let all = try await projects.summaries(actor: actor, filter: .init(batchYear: year))
            return f.render(
                title: f.t("programme.title").replacingOccurrences(of: "{year}", with: String(year)),
                body: overview(all, stage: stage, year: year, f: f))
        }
        Pages.get(router, "/projects/:id") { _, context, f in
            try await projectPage(
                id: try context.parameters.require("id", as: Int64.self), context: context, f: f, services: services,
                message: nil)
        }
        Pages.post(router, "/projects/:id/site_logs") { request, context, f in
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            return try await Pages.save(
                f, next: "/projects/\(id)#ledger",
                redisplay: { m, status in
                    try await projectPage(
                        id: id, context: context, f: f, services: services, message: m, status: status)
                }
            ) {
                guard let date = Day(fields["date"] ?? "") else {
                    throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
                }
                let progress: [(workItemId: Int64, percent: Int)] = fields.compactMap { k, v in
                    guard k.hasPrefix("progress_"), let item = Int64(k.dropFirst(9)), let pc = Int(v) else {
                        return nil
                    }
                    return (item, pc)
                }
                _ = try await LedgerRepository(database: services.database, calendar: try await calendar()).addSiteLog(
                    projectId: id,
                    .init(
                        date: date, weather: fields["weather"] ?? "", workers: Int(fields["workers"] ?? "") ?? 0,
                        workDone: fields["work_done"] ?? "",
                        issues: fields["issues"] ?? "", progress: progress), actor: try context.actor())
            }
        }
        Pages.post(router, "/projects/:id/checks") { request, context, f in
            let id = try context.parameters.require("id", as: Int64.self)
            let form = try await Pages.multipartForm(request, context)
            return try await Pages.save(
                f, next: "/projects/\(id)#checks",
                redisplay: { m, status in
                    try await projectPage(
                        id: id, context: context, f: f, services: services, message: m, status: status)
                }
            ) {
                let actor = try context.actor()
                guard let date = Day(form.fields["date"] ?? "") else {
                    throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
                }
                let items = checklist.map {
                    (item: Lang.zh.t("check.item." + $0), passed: form.fields["item_" + $0] != "fail", note: "")
                }
                let photos =
                    try await form.storeFile("photo", database: services.database, actor: actor).map { [$0] } ?? []
                let finding = (form.fields["finding"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try await LedgerRepository(database: services.database, calendar: try await calendar()).addCheck(
                    projectId: id,
                    .init(date: date, items: items, findings: finding.isEmpty ? [] : [(finding, photos, nil)]),
                    actor: actor)
            }
        }
        Pages.post(router, "/findings/:id/:step") { request, context, f in
            let fields = try await Pages.form(request, context)
            guard let step = LedgerRepository.FindingStep(rawValue: try context.parameters.require("step")) else {
                throw AppError.notFound
            }
            let id = try context.parameters.require("id", as: Int64.self)
            let finding = try await LedgerRepository(database: services.database, calendar: try await calendar())
                .stepFinding(
                    id: id, step: step,
                    note: fields["note"] ?? "", actor: try context.actor())
            return Pages.seeOther("/projects/\(finding.projectId)#checks")
        }
        Pages.post(router, "/projects/:id/advance") { request, context, f in
            let id = try context.parameters.require("id", as: Int64.self)
            let form = try await Pages.multipartForm(request, context)
            return try await Pages.save(
                f, next: "/projects/\(id)",
                redisplay: { m, status in
                    try await projectPage(
                        id: id, context: context, f: f, services: services, message: m, status: status)
                }
            ) {
                let actor = try context.actor()
                guard let type = form.fields["document_type"].flatMap(DocumentType.init(rawValue:)) else {
                    throw ValidationError(
                        field: "document_type", code: Pages.pageMessage, message: f.t("project.documentTypeRequired"))
                }
                let file = try await form.storeFile("file", database: services.database, actor: actor)
                let evidence = file.map { [Evidence.document(attachmentId: $0, type: type)] } ?? []
                _ = try await projects.advance(
                    id: id, evidence: evidence, note: form.fields["note"] ?? "", actor: actor)
            }
        }

        Pages.get(router, "/bulletins") { _, context, f in
            let actor = try context.require(.readRegistry)
            let items = try await bulletins.list(actor: actor, batchYear: nil)
            let rows = items.map { b -> [String] in
                let name = BulletinDocument.shortTitle(b, lang: f.lang)
                return [
                    "<a href=\"/bulletins/\(b.id)\">\(esc(name))</a>", esc(String(b.batchYear)),
                    esc(b.asOf.description),
                    esc(f.t("bulletin.state." + b.state.rawValue)),
                ]
            }
            var body =
                items.isEmpty
                ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                : Pages.table(
                    [
                        (f.t("bulletin.name"), false), (f.t("programme.batch"), false), (f.t("bulletin.asOf"), false),
                        (f.t("bulletin.status"), false),
                    ], rows)
            if Permissions.allows(actor.role, .manageBulletins) {
                let today = Clock.today
                body += """
                    <h2>\(esc(f.t("bulletin.draftNew")))</h2>
                    <form class="stack" method="post" action="/bulletins">\(f.csrfField())
                    <label>\(esc(f.t("programme.batch")))<input name="batch_year" inputmode="numeric" value="\(today.civil.year)" required></label>
                    <label>\(esc(f.t("bulletin.asOf")))<input name="as_of" type="date" value="\(today)" required></label>
                    <label>\(esc(f.t("bulletin.nextSteps")))<textarea name="next_steps" rows="3"></textarea></label>
                    <button type="submit">\(esc(f.t("bulletin.draftNew")))</button></form>
                    """
            }
            return f.render(title: f.t("nav.bulletins"), body: body)
        }
        Pages.post(router, "/bulletins") { request, context, f in
            let fields = try await Pages.form(request, context)
            guard let year = Int(fields["batch_year"] ?? ""), let asOf = Day(fields["as_of"] ?? "") else {
                return f.render(
                    title: f.t("error.title"), body: "<p class=\"note bad\">\(esc(f.t("form.badDate")))</p>",
                    status: .unprocessableContent)
            }
            let b = try await bulletins.draft(
                batchYear: year, asOf: asOf, subdistrictId: nil, nextSteps: fields["next_steps"] ?? "",
                actor: try context.actor())
            return Pages.seeOther("/bulletins/\(b["id"]?.intValue ?? 0)")
        }
        Pages.get(router, "/bulletins/:id") { _, context, f in
            let actor = try context.require(.readRegistry)
            let b = try await bulletins.get(id: try context.parameters.require("id", as: Int64.self), actor: actor)
            let projects = try await Pages.openableProjects(actor: actor, services: services)
            return f.render(
                title: BulletinDocument.shortTitle(b, lang: f.lang),
                body: bulletinBody(b, actor: actor, f: f, projects: projects))
        }
        Pages.post(router, "/bulletins/:id/publish") { request, context, f in
            _ = try await Pages.form(request, context)
            let id = try context.parameters.require("id", as: Int64.self)
            _ = try await bulletins.publish(id: id, actor: try context.actor())
            return Pages.seeOther("/bulletins/\(id)")
        }
    }

    static func percentBar(_ value: JSONValue?) -> String {
        let text = value?.cellText ?? "0.0"
        let width = min(100, max(0, Int(text.split(separator: ".").first ?? "0") ?? 0))
        return "<span class=\"bar-pc\" aria-hidden=\"true\"><i style=\"width:\(width)%\"></i></span>\(esc(text))%"
    }

    static func percentBar(_ value: PercentTenths) -> String {
        let width = min(100, max(0, value.tenths / 10))
        return
            "<span class=\"bar-pc\" aria-hidden=\"true\"><i style=\"width:\(width)%\"></i></span>\(esc(value.numberText))%"
    }

    static func overview(_ all: [ProjectSummary], stage: ProjectStage?, year: Int, f: PageFrame) -> String {
        let count = { (s: ProjectStage) in all.filter { $0.stage == s }.count }
        let started = all.filter { $0.startedOn != nil }.count
        let completed = all.filter { $0.completedOn != nil }.count
        let budget = all.reduce(Int64(0)) { $0 + $1.budgetFen }
        let weighted = Percent.weighted(all.map { ($0.budgetFen, $0.percentComplete.tenths) })
        var s = "<div class=\"cards\">"
        for (n, key) in [
            (String(all.count), "programme.projects"), (String(started), "programme.started"),
            (String(completed), "programme.completed"),
            (Percent.text(weighted / 10) + "%", "programme.progress"), (Money.yuan(budget), "programme.budget"),
        ] {
            s += "<div class=\"card\"><b>\(esc(n))</b><span>\(esc(f.t(key)))</span></div>"
        }
        s +=
            "</div><p class=\"actions\"><a href=\"/programme?batch_year=\(year - 1)\">← \(year - 1)</a><a href=\"/programme?batch_year=\(year + 1)\">\(year + 1) →</a>"
        s += "<a href=\"/api/v1/projects?batch_year=\(year)&amp;format=csv\">\(esc(f.t("programme.csv")))</a></p>"
        s +=
            "<h2>\(esc(f.t("programme.byStage")))</h2><ul class=\"stages chips\"><li\(stage == nil ? " class=\"now\" aria-current=\"true\"" : "")><a href=\"/programme?batch_year=\(year)\">\(esc(f.t("programme.all"))) \(all.count)</a></li>"
        for st in ProjectStage.allCases {
            s +=
                "<li\(st == stage ? " class=\"now\" aria-current=\"true\"" : "")><a href=\"/programme?batch_year=\(year)&amp;stage=\(st.rawValue)\">\(esc(f.t("stage." + st.rawValue))) \(count(st))</a></li>"
        }
        s +=
            "</ul><h2>\(esc(f.t("programme.scurve")))</h2><img class=\"chart\" src=\"/api/v1/programme/s-curve.svg?batch_year=\(year)&amp;lang=\(f.lang.rawValue)\" alt=\"\(esc(f.t("programme.scurve")))\" width=\"900\" height=\"420\">"
        let shown = stage.map { st in all.filter { $0.stage == st } } ?? all
        let rows = shown.map { p -> [String] in
            [
                "<a href=\"/projects/\(p.id)\">\(esc(p.compoundName))</a>\(p.isModel ? " ★" : "")",
                esc(p.communityName), esc(String(p.households)),
                esc(f.t("stage." + p.stage.rawValue)),
                percentBar(p.percentComplete), esc(p.startedOn?.description ?? ""),
                esc(p.deadline.description),
                esc(p.contractorName ?? ""),
            ]
        }
        s += "<h2>\(esc(f.t("programme.projects")))</h2>"
        s +=
            shown.isEmpty
            ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
            : Pages.table(
                [
                    (f.t("col.compound"), false), (f.t("col.community"), false), (f.t("dash.households"), true),
                    (f.t("project.stage"), false),
                    (f.t("project.progress"), false), (f.t("project.startedOn"), false),
                    (f.t("project.deadline"), false), (f.t("project.contractor"), false),
                ], rows)
        return s
    }

    static func projectPage(
        id: Int64, context: AppContext, f: PageFrame, services: Services, message: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let actor = try context.require(.readProjects)
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        let p = detail.summary
        let cal = try await CalendarRepository(database: services.database).calendar()
        let ledger = LedgerRepository(database: services.database, calendar: cal)
        let logs = try await ledger.siteLogs(projectId: id, actor: actor, limit: 20)
        let checks = try await ledger.checks(projectId: id, actor: actor)
        let schedule = ScheduleRepository(database: services.database, calendar: cal)
        let plan = try await schedule.plan(projectId: id, mode: .backward, start: nil, actor: actor)
        let stage = p.stage
        var s = message.map { "<p class=\"note \($0.0)\" role=\"alert\">\(esc($0.1))</p>" } ?? ""
        s += "<ul class=\"stages\" aria-label=\"\(esc(f.t("project.stage")))\">"
        for st in ProjectStage.allCases {
            s +=
                "<li class=\"\(st == stage ? "now" : (st < stage ? "done" : ""))\"\(st == stage ? " aria-current=\"step\"" : "")>\(esc(f.t("stage." + st.rawValue)))</li>"
        }
        s += "</ul><div class=\"cards\">"
        for (value, key) in [
            (p.percentComplete.numberText, "project.progress"),
            (p.deadline.description, "project.deadline"),
            (p.startedOn?.description ?? "", "project.startedOn"),
            (p.completedOn?.description ?? "", "project.completedOn"),
            (String(p.households), "dash.households"),
        ] {
            s +=
                "<div class=\"card\"><b>\(esc(value.isEmpty ? "—" : value))\(key == "project.progress" ? "%" : "")</b><span>\(esc(f.t(key)))</span></div>"
        }
        let communityId = p.communityId
        let compoundId = p.compoundId
        let openCommunity = await Pages.openable(.communities, [communityId], actor: actor, services: services)
        let openCompound = await Pages.openable(.compounds, [compoundId], actor: actor, services: services)
        s += "</div><p>\(esc(f.t("project.contractor"))): \(esc(p.contractorName ?? "")) · "
        s += Pages.link(
            "/compounds/\(compoundId)", p.compoundName,
            if: openCompound.contains(compoundId))
        s +=
            " · "
            + Pages.link(
                "/communities/\(communityId)", p.communityName,
                if: openCommunity.contains(communityId)) + "</p>"
        if p.isModel {
            s += "<h2>★ \(esc(f.t("project.model")))</h2><p>\(esc(p.modelWriteup))</p>"
        }
        s += planSection(detail, f: f)
        s += gatesSection(detail, stage: stage, actor: actor, f: f)
        s += "<h2 id=\"schedule\">\(esc(f.t("project.schedule")))</h2>"
        let guessed = plan.calendarYears(cal).filter { $0.source == .weekdays }.map { String($0.year) }
        if !plan.tasks.isEmpty && !guessed.isEmpty {
            let text = f.t("project.calendarMissing").replacingOccurrences(
                of: "{years}", with: guessed.joined(separator: "、"))
            s += "<p class=\"note bad\" role=\"alert\">\(esc(text))</p>"
        }
        if plan.tasks.isEmpty {
            s += "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
        } else {
            let chart = "/api/v1/projects/\(id)/gantt.svg?lang=\(f.lang.rawValue)"
            s +=
                "<a href=\"\(chart)\"><img class=\"chart\" src=\"\(chart)\" alt=\"\(esc(f.t("gantt.title")))\" width=\"980\"></a>"
            let names = Dictionary(plan.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let rows = plan.result.rows.sorted { $0.lateStart < $1.lateStart }.map { r -> [String] in
                let t = names[r.id]!
                return [
                    esc(t.name) + (r.critical ? " <strong>\(esc(f.t("gantt.critical")))</strong>" : ""),
                    String(t.duration),
                    r.lateStart.description, r.lateFinish.description, String(r.totalFloat),
                    t.actualStart?.description ?? "—", t.actualFinish?.description ?? "—",
                ]
            }
            s += Pages.table(
                [
                    (f.t("task.name"), false), (f.t("task.duration"), true), (f.t("task.lateStart"), false),
                    (f.t("task.lateFinish"), false),
                    (f.t("task.float"), true), (f.t("task.actualStart"), false), (f.t("task.actualFinish"), false),
                ], rows)
        }
        s += ledgerSection(detail, logs: logs, stage: stage, actor: actor, f: f)
        s += checksSection(checks, projectId: id, stage: stage, actor: actor, f: f)
        return f.render(
            title: p.compoundName + " · " + f.t("project.title"), body: s, status: status)
    }

    static func planSection(_ p: ProjectDetail, f: PageFrame) -> String {
        var s = "<h2>\(esc(f.t("project.plan")))</h2>"
        let items = p.workItems
        guard !items.isEmpty else { return s + "<p class=\"muted\">\(esc(f.t("common.none")))</p>" }
        let rows = items.map { w -> [String] in
            [
                esc(f.t("category." + w.category.rawValue)), esc(w.name),
                esc(w.quantity) + " " + esc(w.unit),
                Money.yuan(w.budgetFen), percentBar(PercentTenths(tenths: w.percent * 10)),
            ]
        }
        s += Pages.table(
            [
                (f.t("project.category"), false), (f.t("project.item"), false), (f.t("project.quantity"), true),
                (f.t("project.budget"), true),
                (f.t("project.progress"), false),
            ], rows)
        let totals = p.totalsByCategory
        s +=
            "<p>"
            + WorkCategory.allCases.map { c in
                "\(esc(f.t("category." + c.rawValue))) ¥\(Money.yuan(totals[c].budgetFen))"
            }.joined(separator: " · ")
            + " · <strong>\(esc(f.t("project.total"))) ¥\(Money.yuan(totals.all.budgetFen))</strong></p>"
        return s
    }

    /// The document types the gate into `stage` takes, as the options of the gate form.
    static func documentOptions(_ stage: ProjectStage, f: PageFrame) -> String {
        stage.documentTypes.map { "<option value=\"\($0.rawValue)\">\(esc(f.t("document." + $0.rawValue)))</option>" }
            .joined()
    }

    static func gatesSection(_ p: ProjectDetail, stage: ProjectStage, actor: Actor, f: PageFrame) -> String {
        var s = "<h2>\(esc(f.t("project.gates")))</h2>"
        let gates = p.gates
        if gates.isEmpty {
            s += "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
        } else {
            let rows = gates.map { g -> [String] in
                var evidence = g.evidence.value.arrayItems.map { e -> String in
                    let kind = e["kind"]?.stringValue ?? ""
                    if kind == "document" || kind == "attachment" {
                        let id = e["attachment_id"]?.intValue ?? e["id"]?.intValue ?? 0
                        let type =
                            e["document_type"]?.stringValue.map { f.t("document." + $0) } ?? f.t("project.evidence")
                        return "<a href=\"/api/v1/attachments/\(id)\">\(esc(type))</a>"
                    }
                    return esc(f.t("evidence." + kind))
                }.joined(separator: "、")
                if g.onPaper {
                    evidence += " <em class=\"muted\">（\(esc(f.t("project.onPaper")))）</em>"
                }
                return [
                    esc(f.t("stage." + g.to.rawValue)),
                    esc(beijingTime(g.passedAt, dateOnly: true)),
                    esc(g.passedBy),
                    evidence, esc(g.note),
                ]
            }
            s += Pages.table(
                [
                    (f.t("project.gate"), false), (f.t("project.passedAt"), false), (f.t("project.passedBy"), false),
                    (f.t("project.evidence"), false), (f.t("project.note"), false),
                ], rows)
        }
        for a in p.acceptances {
            s +=
                "<p>\(esc(f.t("acceptance." + a.kind.rawValue))) \(esc(a.date.description)): \(esc(f.t("acceptance." + a.result.rawValue)))</p>"
        }
        if let next = stage.next, next != .accepted, Permissions.allows(actor.role, .manageProjects) {
            s += """
                <form class="stack" method="post" action="/projects/\(p.summary.id)/advance" enctype="multipart/form-data">\(f.csrfField())
                <label>\(esc(f.t("project.documentType")))<select name="document_type" required>\(documentOptions(next, f: f))</select></label>
                <label>\(esc(f.t("project.evidenceFile")))<input type="file" name="file" accept="application/pdf,image/jpeg,image/png,image/webp" required></label>
                <label>\(esc(f.t("project.note")))<input name="note"></label>
                <button type="submit">\(esc(f.t("project.advanceTo").replacingOccurrences(of: "{stage}", with: f.t("stage." + next.rawValue))))</button></form>
                """
        }
        return s
    }

    static func ledgerSection(_ p: ProjectDetail, logs: [SiteLog], stage: ProjectStage, actor: Actor, f: PageFrame)
        -> String
    {
        var s = "<h2 id=\"ledger\">\(esc(f.t("project.ledger")))</h2>"
        if stage == .construction && Permissions.allows(actor.role, .writeSiteLogs) {
            let today = Clock.today
            var progress = ""
            for w in p.workItems {
                let id = w.id
                let current = w.percent
                progress +=
                    "<label>\(esc(w.name)) %<input name=\"progress_\(id)\" type=\"number\" min=\"0\" max=\"100\" inputmode=\"numeric\" value=\"\(current)\"></label>"
            }
            s += """
                <form class="stack" method="post" action="/projects/\(p.summary.id)/site_logs">\(f.csrfField())
                <label>\(esc(f.t("log.date")))<input name="date" type="date" value="\(today)" max="\(today)" required></label>
                <label>\(esc(f.t("log.weather")))<input name="weather" value="晴"></label>
                <label>\(esc(f.t("log.workers")))<input name="workers" type="number" min="0" inputmode="numeric" value="0"></label>
                <label>\(esc(f.t("log.workDone")))<textarea name="work_done" rows="3" required></textarea></label>
                <label>\(esc(f.t("log.issues")))<textarea name="issues" rows="2"></textarea></label>
                \(progress)
                <button type="submit">\(esc(f.t("log.save")))</button></form>
                """
        }
        if logs.isEmpty { return s + "<p class=\"muted\">\(esc(f.t("common.none")))</p>" }
        let rows = logs.map { l in
            [
                esc(l.date.description), esc(l.weather), esc(String(l.workers)),
                esc(l.workDone),
                esc(l.issues),
            ]
        }
        return s
            + Pages.table(
                [
                    (f.t("log.date"), false), (f.t("log.weather"), false), (f.t("log.workers"), true),
                    (f.t("log.workDone"), false),
                    (f.t("log.issues"), false),
                ], rows)
    }

    /// The daily site check's standard items (巡查), recorded in Chinese as the official record.
    static let checklist = ["excavation", "height", "signs", "hoarding", "power", "fire_lane"]

    static func checksSection(_ checks: [SiteCheck], projectId: Int64, stage: ProjectStage, actor: Actor, f: PageFrame)
        -> String
    {
        var s = "<h2 id=\"checks\">\(esc(f.t("project.checks")))</h2>"
        if stage == .construction && Permissions.allows(actor.role, .writeSiteChecks) {
            let today = Clock.today
            s +=
                "<details><summary>\(esc(f.t("check.new")))</summary><form class=\"stack\" method=\"post\" action=\"/projects/\(projectId)/checks\" enctype=\"multipart/form-data\">\(f.csrfField())"
            s +=
                "<label>\(esc(f.t("log.date")))<input name=\"date\" type=\"date\" value=\"\(today)\" max=\"\(today)\" required></label>"
            for item in checklist {
                s += "<fieldset><legend>\(esc(f.t("check.item." + item)))</legend>"
                s +=
                    "<label class=\"check\"><input type=\"radio\" name=\"item_\(item)\" value=\"pass\" checked>\(esc(f.t("check.pass")))</label>"
                s +=
                    "<label class=\"check\"><input type=\"radio\" name=\"item_\(item)\" value=\"fail\">\(esc(f.t("check.fail")))</label></fieldset>"
            }
            s += "<label>\(esc(f.t("check.finding")))<textarea name=\"finding\" rows=\"2\"></textarea></label>"
            s +=
                "<label>\(esc(f.t("check.photo")))<input type=\"file\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp\" capture=\"environment\"></label>"
            s += "<button type=\"submit\">\(esc(f.t("check.save")))</button></form></details>"
        }
        if checks.isEmpty { return s + "<p class=\"muted\">\(esc(f.t("common.none")))</p>" }
        var rows: [[String]] = []
        for c in checks {
            let findings = c.findings.map { x in
                let state = x.state.rawValue
                let id = String(x.id)
                var cell =
                    esc(x.description) + " · " + esc(f.t("finding." + state))
                    + (x.overdue ? " <strong>\(esc(f.t("finding.overdue")))</strong>" : "") + " · "
                    + esc(x.dueOn.description)
                func button(_ step: String, _ label: String) -> String {
                    "<form class=\"inline\" method=\"post\" action=\"/findings/\(id)/\(step)\">\(f.csrfField())<input name=\"note\" placeholder=\"\(esc(f.t("project.note")))\"><button type=\"submit\">\(esc(f.t(label)))</button></form>"
                }
                if state == "open" && Permissions.allows(actor.role, .writeSiteLogs) {
                    cell += "<br>" + button("rectify", "finding.rectify")
                }
                if state == "rectified" && Permissions.allows(actor.role, .writeSiteChecks) {
                    cell += "<br>" + button("verify", "finding.verify") + " " + button("reject", "finding.reject")
                }
                return cell
            }.joined(separator: "<br>")
            rows.append([
                esc(c.date.description), esc(f.t("role." + c.checkerRole)),
                "\(c.passedItems)/\(c.totalItems)", findings,
            ])
        }
        return s
            + Pages.table(
                [
                    (f.t("log.date"), false), (f.t("check.by"), false), (f.t("check.passed"), true),
                    (f.t("check.findings"), false),
                ], rows)
    }

    static func bulletinBody(_ b: JSONValue, actor: Actor, f: PageFrame, projects: Set<Int64>) -> String {
        let id = b["id"]?.intValue ?? 0
        let totals = b["totals"] ?? .null
        var s =
            "<p>\(esc(b["issuing_unit"]?.cellText ?? "")) · \(esc(f.t("bulletin.asOf"))) \(esc(b["as_of"]?.cellText ?? "")) · \(esc(f.t("bulletin.state." + (b["state"]?.stringValue ?? "draft"))))</p>"
        s +=
            "<p class=\"actions\"><a href=\"/api/v1/bulletins/\(id)?format=html&amp;lang=\(f.lang.rawValue)\">\(esc(f.t("bulletin.print")))</a>"
        s +=
            "<a href=\"/api/v1/bulletins/\(id)?format=xlsx&amp;lang=\(f.lang.rawValue)\">XLSX</a><a href=\"/api/v1/bulletins/\(id)?format=csv&amp;lang=\(f.lang.rawValue)\">CSV</a></p>"
        if b["state"]?.stringValue == "draft" && Permissions.allows(actor.role, .manageBulletins) {
            s +=
                "<form method=\"post\" action=\"/bulletins/\(id)/publish\">\(f.csrfField())<button type=\"submit\">\(esc(f.t("bulletin.publish")))</button></form>"
        }
        s += "<div class=\"cards\">"
        for (key, label) in [
            ("start_rate_by_compounds", "bulletin.col.startRate"),
            ("completion_rate_by_compounds", "bulletin.col.completionRate"),
            ("start_rate_by_households", "bulletin.startRateHouseholds"),
            ("completion_rate_by_households", "bulletin.completionRateHouseholds"),
        ] {
            s +=
                "<div class=\"card\"><b>\(esc(totals[key]?.cellText ?? ""))%</b><span>\(esc(f.t(label))) (\(esc(BulletinDocument.change(b["change_pp"], key))))</span></div>"
        }
        s += "</div><h2>\(esc(f.t("bulletin.ranking")))</h2>"
        s += Pages.table(
            [
                (f.t("bulletin.col.rank"), true), (f.t("bulletin.col.unit"), false),
                (f.t("bulletin.col.planned"), true), (f.t("bulletin.col.started"), true),
                (f.t("bulletin.col.startRate"), true), (f.t("bulletin.col.completed"), true),
                (f.t("bulletin.col.completionRate"), true),
                (f.t("bulletin.col.change"), true),
            ],
            b["communities"].arrayItems.map { c in
                [
                    esc(c["rank"]?.cellText ?? ""), esc(c["name"]?.cellText ?? ""),
                    esc(c["compounds_planned"]?.cellText ?? ""), esc(c["compounds_started"]?.cellText ?? ""),
                    esc(c["start_rate_by_compounds"]?.cellText ?? "") + "%",
                    esc(c["compounds_completed"]?.cellText ?? ""),
                    esc(c["completion_rate_by_compounds"]?.cellText ?? "") + "%",
                    esc(BulletinDocument.change(c["change_pp"], "completion_rate_by_compounds")),
                ]
            })
        s += "<h2>\(esc(f.t("bulletin.compounds")))</h2>"
        s += Pages.table(
            [
                (f.t("col.compound"), false), (f.t("col.community"), false), (f.t("dash.households"), true),
                (f.t("bulletin.col.startedOn"), false),
                (f.t("bulletin.col.progress"), false), (f.t("bulletin.col.problems"), false),
                (f.t("bulletin.col.responsible"), false),
            ],
            b["compounds"].arrayItems.map { c in
                [
                    Pages.link(
                        "/projects/\(c["project_id"]?.intValue ?? 0)", c["name"]?.cellText ?? "",
                        if: projects.contains(c["project_id"]?.intValue ?? 0)),
                    esc(c["community_name"]?.cellText ?? ""),
                    esc(c["households"]?.cellText ?? ""), esc(c["started_on"]?.cellText ?? "—"),
                    percentBar(c["percent_complete"]),
                    esc(BulletinDocument.problems(c, lang: f.lang)), esc(c["responsible"]?.cellText ?? ""),
                ]
            })
        if let next = b["next_steps"]?.stringValue, !next.isEmpty {
            s += "<h2>\(esc(f.t("bulletin.nextSteps")))</h2><p>\(esc(next))</p>"
        }
        return s
    }
}
