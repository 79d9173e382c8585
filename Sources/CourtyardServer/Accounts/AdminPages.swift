import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Import and export, accounts, and the audit log.
enum AdminPages {
    static func add(to router: Router<AppContext>, services: Services) {
        Pages.get(router, "/import") { _, context, f in
            let actor = try context.require(.importRegistry)
            return f.render(
                title: f.t("import.title"), body: try await importBody(f, actor: actor, report: nil, services: services)
            )
        }
        // The upload starts the import as a job: a small sheet's result comes back at once, a large one sends the
        // person to the job's page, which shows rows read and checked until the result is there.
        Pages.post(router, "/import") { request, context, f in
            let actor = try context.require(.importRegistry)
            let upload = try await Upload.read(request, context: context)
            try Pages.verifyCSRF(upload.csrf, context)
            return try await startImport(upload, f, actor: actor, services: services)
        }
        // A dry run that found nothing wrong, imported from the file it kept: the clerk does not choose it again.
        Pages.post(router, "/import/jobs/:id/apply") { request, context, f in
            let actor = try context.require(.importRegistry)
            _ = try await Pages.form(request, context)
            let id = try context.parameters.require("id")
            guard var upload = await services.importJobs.fileToApply(id, for: actor) else {
                return Pages.messagePage(
                    f, title: f.t("import.title"), message: f.t("import.apply.gone"), home: .importPage,
                    homeLabel: f.t("import.job.back"), status: .notFound)
            }
            upload.dryRun = false
            // The result is the new job's page, so reloading it shows the result again and does not send the form.
            return try await startImport(upload, f, actor: actor, services: services, answer: false) {
                await services.importJobs.applied(id)
            }
        }
        // Signing in again after the session ended comes back here: the dry run's page, with its button if it can
        // still be pressed.
        Pages.get(router, "/import/jobs/:id/apply") { _, context, _ in
            _ = try context.require(.importRegistry)
            return Pages.seeOther(SiteRoute.importJob(try context.parameters.require("id")).path)
        }
        Pages.get(router, "/import/jobs/:id") { _, context, f in
            let actor = try context.require(.importRegistry)
            let id = try context.parameters.require("id")
            guard let job = await services.importJobs.job(id, for: actor) else {
                return Pages.messagePage(
                    f, title: f.t("import.title"), message: f.t("import.job.gone"), home: SiteRoute("/import"),
                    homeLabel: f.t("import.job.back"), status: .notFound)
            }
            if job.isRunning {
                var following = f
                following.refreshSeconds = 1
                return following.page(
                    title: f.t("import.title"), "accounts-import-job", ImportJobPage(job, f), status: .ok)
            }
            return try await importResult(job, f, actor: actor, services: services, asAnswer: false)
        }
        // One run of the history, with its report as it was written: what it counted and every problem it found.
        Pages.get(router, "/import/history/:id") { _, context, f in
            let actor = try context.require(.importRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            guard let run = try await ImportHistory(database: services.database).run(id: id, actor: actor) else {
                return Pages.notFoundPage(f)
            }
            return f.page(title: f.t("import.record.title"), "accounts-import-record", ImportRunPage(run, f))
        }
        // A blank sheet headed in the page's language, to fill in and import.
        Pages.get(router, "/export/households-template.csv") { _, context, f in
            _ = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                [], format: "csv", headers: .words(f.lang), filename: "households-template")
        }
        Pages.get(router, "/export/households-template.xlsx") { _, context, f in
            _ = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                [], format: "xlsx", headers: .words(f.lang), filename: "households-template")
        }
        // From a page, the sheet speaks the page's language: the clerk's headers in Chinese, words in English.
        Pages.get(router, "/export/households.csv") { _, context, f in
            let actor = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                try await RegistryExport.rows(database: services.database, subdistrictId: nil, actor: actor),
                format: "csv", headers: .words(f.lang))
        }
        Pages.get(router, "/export/households.xlsx") { _, context, f in
            let actor = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                try await RegistryExport.rows(database: services.database, subdistrictId: nil, actor: actor),
                format: "xlsx", headers: .words(f.lang))
        }
        Pages.get(router, "/users") { request, context, f in
            let actor = try context.require(.readUsers)
            return f.render(
                title: f.t("users.title"),
                body: try await usersBody(
                    f, actor: actor, services: services,
                    notice: request.uri.queryParameters.get("created") != nil ? ("ok", f.t("users.created")) : nil))
        }
        Pages.post(router, "/users") { request, context, f in
            let actor = try context.require(.writeUsers)
            let fields = try await Pages.form(request, context)
            do {
                guard let role = Role(rawValue: fields["role"] ?? "") else {
                    throw AppError.unprocessable("invalid", "role", field: "role")
                }
                let scopeText = (fields["scope"] ?? "").trimmingCharacters(in: .whitespaces)
                var scope = Scope.global
                if !scopeText.isEmpty {
                    guard let s = Scope.parse(scopeText) else {
                        throw AppError.unprocessable("invalid", "scope must look like community:12", field: "scope")
                    }
                    scope = s
                }
                let password = fields["password"] ?? ""
                try Security.checkPasswordStrength(password, username: fields["username"])
                _ = try await services.accounts.create(
                    username: fields["username"] ?? "",
                    passwordHash: try await hashPassword(password, services: services),
                    role: role, scope: scope, displayName: fields["display_name"] ?? "", actor: actor)
                return Pages.seeOther("/users?created=1")
            } catch {
                guard let e = AppError.from(error), e.status != .internalServerError else { throw error }
                return f.render(
                    title: f.t("users.title"),
                    body: try await usersBody(
                        f, actor: actor, services: services, notice: ("bad", e.message(in: f.lang))),
                    status: e.status)
            }
        }
        AuditPageController(services: services).register(on: router)
    }

    /// Starts an import as a job: a small sheet's result comes back at once, a large one sends the person to the
    /// job's page, which shows rows read and checked until the result is there; with `answer` false, every result is
    /// on the job's page. `started` runs once it has begun.
    static func startImport(
        _ upload: Upload, _ f: PageFrame, actor: Actor, services: Services, answer: Bool = true,
        started: @Sendable () async -> Void = {}
    ) async throws -> Response {
        let jobs = services.importJobs
        let id: String
        do {
            let target = try await ImportJobs.key(subdistrict: upload.subdistrict, actor: actor, services: services)
            id = try await jobs.start(target: target, actor: actor, file: upload) { meter in
                try await ImportRoutes.runImport(upload, services: services, actor: actor, progress: meter)
            }
        } catch let busy as ImportJobs.Busy {
            let message = f.t("import.job.busy").replacingOccurrences(of: "{user}", with: busy.username)
                .replacingOccurrences(of: "{at}", with: beijingTime(Clock.iso(busy.startedAt)))
            let page = try await ImportPage.load(f, actor: actor, report: nil, services: services, failure: message)
            return f.page(title: f.t("import.title"), "accounts-import", page, status: .conflict)
        } catch {
            return try await importFailure(error, f, actor: actor, services: services)
        }
        await started()
        await jobs.wait(id, upTo: await jobs.answerWithin)
        guard answer, let job = await jobs.job(id, for: actor), !job.isRunning else {
            return Pages.seeOther(SiteRoute.importJob(id).path)
        }
        return try await importResult(job, f, actor: actor, services: services, asAnswer: true)
    }

    /// A finished job's page: the report, as the upload has always answered it (422 when the sheet has errors, when it
    /// is the upload's answer), or the reason it failed.
    static func importResult(_ job: ImportJobs.Job, _ f: PageFrame, actor: Actor, services: Services, asAnswer: Bool)
        async throws -> Response
    {
        switch job.outcome {
        case .failed(let error):
            return try await importFailure(error, f, actor: actor, services: services)
        case .finished(let report):
            var page = try await ImportPage.load(f, actor: actor, report: report, services: services)
            if job.canApply {
                page.apply = .init(href: SiteRoute.applyImport(job.id).path, file: job.filename)
            }
            return f.page(
                title: f.t("import.title"), "accounts-import", page,
                status: report.errors.isEmpty || !asAnswer ? .ok : .unprocessableContent)
        case .running:
            return Pages.seeOther(SiteRoute.importJob(job.id).path)
        }
    }

    /// The import page with the reason an import could not run.
    static func importFailure(_ error: any Error, _ f: PageFrame, actor: Actor, services: Services) async throws
        -> Response
    {
        let e =
            AppError.from(error)
            ?? AppError(status: .internalServerError, code: "internal", message: "\(error)")
        let page = try await ImportPage.load(
            f, actor: actor, report: nil, services: services, failure: e.message(in: f.lang))
        return f.page(title: f.t("import.title"), "accounts-import", page, status: e.status)
    }

    static func importBody(_ f: PageFrame, actor: Actor, report: ImportReport?, services: Services) async throws
        -> TrustedHTML
    {
        Views.render(
            "accounts-import",
            try await ImportPage.load(f, actor: actor, report: report, services: services), frame: f)
    }

    static func usersBody(_ f: PageFrame, actor: Actor, services: Services, notice: (String, String)?) async throws
        -> TrustedHTML
    {
        Views.render(
            "accounts-users", try await UsersPage.load(f, actor: actor, services: services, notice: notice), frame: f)
    }
}

/// The accounts in the person's reach, and the form that adds one.
struct UsersPage {
    struct Row {
        var username: String
        var displayName: String
        var role: String
        var scope: String
        var status: String
    }
    struct Option {
        var value: String
        var label: String
    }
    var notice: PageNotice?
    var accounts: [Row]
    var canAdd: Bool
    var roles: [Option]
    /// Where a new account may work, by name and grouped by kind: the places and organisations in the person's reach.
    var scopeGroups: [ScopeGroup]

    struct ScopeGroup {
        var groupLabel: String
        var scopes: [Option]
    }

    /// The sub-districts, communities, compounds and organisations the person may give an account, named.
    static func scopeGroups(actor: Actor, services: Services, _ f: PageFrame) async throws -> [ScopeGroup] {
        let kinds: [(ResourceSpec, String)] = [
            (.subdistricts, "subdistrict"), (.communities, "community"), (.compounds, "compound"),
            (.organisations, "organisation"),
        ]
        var groups: [ScopeGroup] = []
        if actor.scope.kind == nil {
            groups.append(
                ScopeGroup(groupLabel: f.t("scope.global"), scopes: [Option(value: "", label: f.t("scope.global"))]))
        }
        for (spec, kind) in kinds {
            let records = try await services.registry.listAll(spec, query: ListQuery(limit: 1000), actor: actor)
            guard !records.isEmpty else { continue }
            groups.append(
                ScopeGroup(
                    groupLabel: f.t("scope." + kind),
                    scopes: records.map {
                        Option(value: "\(kind):\($0.id)", label: $0["name"]?.stringValue ?? "")
                    }))
        }
        return groups
    }

    static func load(_ f: PageFrame, actor: Actor, services: Services, notice: (String, String)?) async throws
        -> UsersPage
    {
        var rows: [Row] = []
        for a in try await services.accounts.list(actor: actor) {
            let s = a.summary
            let status = s.disabled ? f.t("users.disabled") : (s.locked ? f.t("users.locked") : f.t("users.active"))
            rows.append(
                Row(
                    username: s.username, displayName: s.displayName, role: f.t("role." + s.role.rawValue),
                    scope: await ScopeName.text(s.scope, services: services, f), status: status))
        }
        return UsersPage(
            notice: notice.map { PageNotice(tone: $0.0, text: $0.1) }, accounts: rows,
            canAdd: Permissions.allows(actor.role, .writeUsers),
            roles: Role.allCases.map { Option(value: $0.rawValue, label: f.t("role." + $0.rawValue)) },
            scopeGroups: Permissions.allows(actor.role, .writeUsers)
                ? try await scopeGroups(actor: actor, services: services, f) : [])
    }
}

/// The household sheet's import: the last run's report, the form, the export links and the history.
struct ImportPage {
    struct Count {
        var entity: String
        var created: Int
        var updated: Int
        var unchanged: Int
    }
    struct RowProblem {
        var row: String
        var column: String
        var reason: String
    }
    struct Report {
        var tone: String
        var outcome: String
        /// "新增" once written; "将新增" for what a dry run or a refused sheet would write.
        var createdLabel: String
        var updatedLabel: String
        var rows: Int
        var subdistrict: String
        var counts: [Count]
        var hasReading: Bool
        var reading: [String]
        var hasErrors: Bool
        var errorCount: Int
        var errors: [RowProblem]
        /// Once written: where the clerk sees the communities and compounds the sheet made.
        var communitiesHref: String?
    }
    struct Past {
        var href: String
        var at: String
        var user: String
        var file: String
        var status: String
        var rows: Int64
        var errors: Int64
    }
    struct Running {
        var href: String
        var text: String
    }
    /// Importing the file a dry run found nothing wrong in, without choosing it again.
    struct Apply {
        var href: String
        var file: String
    }
    var failure: String?
    var report: Report?
    var apply: Apply?
    var subdistrict: String
    /// Imports the person may follow that are still running.
    var running: [Running]
    var hasRunning: Bool
    var history: [Past]

    /// How a run ended, said so that a trial is never read as a refused import: 试导入：发现问题 / 试导入：可以写入.
    static func status(_ h: ImportRecord, _ f: PageFrame) -> String {
        let key = "import.status." + (h.dryRun ? "trial." : "") + h.status
        return f.lang.catalogue[key] ?? f.t("import.status." + h.status)
    }

    static func load(_ f: PageFrame, actor: Actor, report r: ImportReport?, services: Services, failure: String? = nil)
        async throws -> ImportPage
    {
        let history = try await ImportHistory(database: services.database).list(actor: actor).prefix(20).map { h in
            Past(
                href: SiteRoute.importRun(h.id).path, at: beijingTime(h.at),
                user: Pages.actorName(h.username, shown: h.byName, f),
                file: h.filename, status: ImportPage.status(h, f), rows: h.rows, errors: h.errorCount)
        }
        let running = await services.importJobs.running(for: actor).map { job in
            Running(
                href: SiteRoute.importJob(job.id).path,
                text: job.filename + " · " + job.username + " · " + beijingTime(Clock.iso(job.startedAt)) + " · "
                    + RegistryFiles.progressSentence(job.meter.current, lang: f.lang))
        }
        return ImportPage(
            failure: failure, report: r.map { report(of: $0, f) }, subdistrict: r?.subdistrict ?? "",
            running: running, hasRunning: !running.isEmpty, history: Array(history))
    }

    static func report(of r: ImportReport, _ f: PageFrame) -> Report {
        let (tone, key) =
            r.applied
            ? ("ok", "import.applied") : (r.errors.isEmpty ? ("ok", "import.checked") : ("bad", "import.rejected"))
        let kinds: [(String, ImportReport.Counts)] = [
            ("communities", r.communities), ("compounds", r.compounds), ("buildings", r.buildings),
            ("entrances", r.entrances), ("households", r.households), ("residents", r.residents),
        ]
        let reading = r.reading.map { RegistryFiles.readingLines($0, lang: f.lang) } ?? []
        return Report(
            tone: tone, outcome: f.t(key), createdLabel: f.t(r.applied ? "import.created" : "import.wouldCreate"),
            updatedLabel: f.t(r.applied ? "import.updated" : "import.wouldUpdate"), rows: r.rows,
            subdistrict: r.subdistrict,
            counts: kinds.map {
                Count(
                    entity: f.t("entity." + $0.0), created: $0.1.created, updated: $0.1.updated,
                    unchanged: $0.1.unchanged)
            },
            hasReading: r.reading != nil, reading: reading, hasErrors: !r.errors.isEmpty, errorCount: r.errors.count,
            errors: r.errors.prefix(500).map {
                RowProblem(
                    row: ($0.sheet.map { $0 + " · " } ?? "") + ($0.row == 0 ? "—" : String($0.row)),
                    column: $0.column.map { RegistryFiles.columnName($0, lang: f.lang) } ?? "",
                    reason: RegistryFiles.reason($0, lang: f.lang))
            }, communitiesHref: r.applied ? SiteRoute.communities.path : nil)
    }
}

/// One run of the import history: who ran which file when, and its report.
struct ImportRunPage {
    var file: String
    var user: String
    var at: String
    var dryRun: Bool
    var unreadable: Bool
    var report: ImportPage.Report?
    var back = SiteRoute.importPage.path

    init(_ run: (record: ImportRecord, report: ImportReport?), _ f: PageFrame) {
        let r = run.record
        (file, at, dryRun) = (r.filename, beijingTime(r.at), r.dryRun)
        user = Pages.actorName(r.username, shown: r.byName, f)
        unreadable = run.report == nil
        report = run.report.map { ImportPage.report(of: $0, f) }
    }
}

/// A scope as a person reads it: "社区：幸福里社区", not "community:12".
enum ScopeName {
    static func text(_ scope: String, services: Services, _ f: PageFrame) async -> String {
        guard let parsed = Scope.parse(scope), let kind = parsed.kind, let id = parsed.id else {
            return f.t("scope.global")
        }
        let spec: ResourceSpec =
            switch kind {
            case .subdistrict: .subdistricts
            case .community: .communities
            case .compound: .compounds
            case .organisation: .organisations
            case .building: .buildings
            case .entrance: .entrances
            }
        let name = (try? await services.registry.get(spec, id: id, actor: .system))?["name"]?.stringValue
        return f.t("scope." + kind.rawValue) + "：" + (name ?? f.t("scope.unknown"))
    }
}

extension SiteRoute {
    /// The page that follows an import started from the import page.
    static func importJob(_ id: String) -> SiteRoute { SiteRoute("/import/jobs/\(id)") }
    static func applyImport(_ job: String) -> SiteRoute { SiteRoute("/import/jobs/\(job)/apply") }
    static let importPage = SiteRoute("/import")
    static func importRun(_ id: Int64) -> SiteRoute { SiteRoute("/import/history/\(id)") }
}

/// An import at work: rows read, checked and written so far; the page reloads itself each second (a meta refresh,
/// which needs no script under the Content-Security-Policy) until the result replaces it.
struct ImportJobPage {
    var status: String
    var hasBar: Bool
    var max: Int
    var value: Int
    var percent: Int
    var file: String
    var dryRun: Bool
    var started: String

    init(_ job: ImportJobs.Job, _ f: PageFrame) {
        let p = job.meter.current
        status = RegistryFiles.progressSentence(p, lang: f.lang)
        let fraction = p.fraction
        hasBar = fraction != nil
        max = 1000
        value = Int(((fraction ?? 0) * 1000).rounded(.down))
        percent = Int(((fraction ?? 0) * 100).rounded(.down))
        file = job.filename
        dryRun = job.dryRun
        started = beijingTime(Clock.iso(job.startedAt))
    }
}
