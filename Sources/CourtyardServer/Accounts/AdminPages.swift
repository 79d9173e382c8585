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
        Pages.post(router, "/import") { request, context, f in
            let actor = try context.require(.importRegistry)
            let upload = try await Upload.read(request, context: context)
            try Pages.verifyCSRF(upload.csrf, context)
            let report: ImportReport
            do {
                report = try await ImportRoutes.runImport(upload, services: services, actor: actor)
            } catch {
                let e =
                    AppError.from(error, lang: f.lang)
                    ?? AppError(
                        status: .internalServerError, code: "internal",
                        message: "\(error)")
                return f.render(
                    title: f.t("import.title"),
                    body: "<p class=\"note bad\" role=\"alert\">\(esc(e.message))</p>"
                        + (try await importBody(f, actor: actor, report: nil, services: services)),
                    status: e.status)
            }
            return f.render(
                title: f.t("import.title"),
                body: try await importBody(f, actor: actor, report: report, services: services),
                status: report.errors.isEmpty ? .ok : .unprocessableContent)
        }
        Pages.get(router, "/export/households.csv") { _, context, _ in
            let actor = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                try await RegistryExport.rows(database: services.database, subdistrictId: nil, actor: actor),
                format: "csv")
        }
        Pages.get(router, "/export/households.xlsx") { _, context, _ in
            let actor = try context.require(.importRegistry)
            return try ImportRoutes.exportResponse(
                try await RegistryExport.rows(database: services.database, subdistrictId: nil, actor: actor),
                format: "xlsx")
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
                try Security.checkPasswordStrength(password, username: fields["username"], lang: f.lang)
                _ = try await services.accounts.create(
                    username: fields["username"] ?? "",
                    passwordHash: try await hashPassword(password, services: services),
                    role: role, scope: scope, displayName: fields["display_name"] ?? "", actor: actor)
                return Pages.seeOther("/users?created=1")
            } catch {
                guard let e = AppError.from(error), e.status != .internalServerError else { throw error }
                return f.render(
                    title: f.t("users.title"),
                    body: try await usersBody(f, actor: actor, services: services, notice: ("bad", e.message)),
                    status: e.status)
            }
        }
        AuditPageController(services: services).register(on: router)
    }

    static func importBody(_ f: PageFrame, actor: Actor, report: ImportReport?, services: Services) async throws
        -> String
    {
        var body = ""
        if let r = report {
            let (cls, key) =
                r.applied
                ? ("ok", "import.applied") : (r.errors.isEmpty ? ("ok", "import.checked") : ("bad", "import.rejected"))
            body +=
                "<h2>\(esc(f.t("import.result")))</h2><p class=\"note \(cls)\" role=\"status\">\(esc(f.t(key))) · \(r.rows) · \(esc(r.subdistrict))</p>"
            let kinds: [(String, ImportReport.Counts)] = [
                ("communities", r.communities), ("compounds", r.compounds), ("buildings", r.buildings),
                ("entrances", r.entrances), ("households", r.households), ("residents", r.residents),
            ]
            body += Pages.table(
                [
                    (f.t("import.entity"), false), (f.t("import.created"), true), (f.t("import.updated"), true),
                    (f.t("import.unchanged"), true),
                ],
                kinds.map {
                    [esc(f.t("entity." + $0.0)), String($0.1.created), String($0.1.updated), String($0.1.unchanged)]
                })
            if let reading = r.reading {
                let lines = RegistryFiles.readingLines(reading, lang: f.lang)
                body +=
                    "<h2>\(esc(f.t("import.reading.title")))</h2><ul class=\"reading\">"
                    + lines.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
            }
            if !r.errors.isEmpty {
                body += "<h2>\(esc(f.t("import.errors"))) (\(r.errors.count))</h2>"
                body += Pages.table(
                    [(f.t("import.row"), true), (f.t("import.column"), false), (f.t("import.reason"), false)],
                    r.errors.prefix(500).map {
                        [
                            ($0.sheet.map { esc($0) + " · " } ?? "") + String($0.row), esc($0.column ?? ""),
                            esc($0.message),
                        ]
                    })
            }
        }
        body += """
            <p>\(esc(f.t("import.help")))</p>
            <form class="stack" method="post" action="/import" enctype="multipart/form-data">\(f.csrfField())
            <label>\(esc(f.t("import.file")))<input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
            <label>\(esc(f.t("import.subdistrict")))<input name="subdistrict" value="\(esc(report?.subdistrict ?? ""))"></label>
            <label class="check"><input type="checkbox" name="dry_run" value="1" checked> \(esc(f.t("import.dryRun")))</label>
            <button type="submit">\(esc(f.t("import.submit")))</button>
            </form>
            <h2>\(esc(f.t("import.export")))</h2>
            <p><a href="/export/households.csv" download>CSV</a> · <a href="/export/households.xlsx" download>XLSX</a></p>
            <h2>\(esc(f.t("import.history")))</h2>
            """
        let history = try await ImportHistory.list(services: services, actor: actor, id: nil)
        body += Pages.table(
            [
                (f.t("audit.at"), false), (f.t("audit.user"), false), (f.t("import.file"), false),
                (f.t("users.status"), false), (f.t("import.rows"), true), (f.t("import.errors"), true),
            ],
            history.prefix(20).map { h in
                [
                    esc(beijingTime(h["at"]?.stringValue ?? "")),
                    esc(
                        h["username"]?.stringValue == "system" ? f.t("audit.system") : h["username"]?.stringValue ?? ""),
                    esc(h["filename"]?.stringValue ?? ""),
                    esc(f.t("import.status." + (h["status"]?.stringValue ?? ""))), String(h["rows"]?.intValue ?? 0),
                    String(h["error_count"]?.intValue ?? 0),
                ]
            })
        return body
    }

    static func usersBody(_ f: PageFrame, actor: Actor, services: Services, notice: (String, String)?) async throws
        -> String
    {
        var body = notice.map { "<p class=\"note \($0.0)\" role=\"status\">\(esc($0.1))</p>" } ?? ""
        let list = try await services.accounts.list(actor: actor)
        body += Pages.table(
            [
                (f.t("users.username"), false), (f.t("col.name"), false), (f.t("users.role"), false),
                (f.t("users.scope"), false), (f.t("users.status"), false),
            ],
            list.map { a in
                let locked = a.lockedUntil.map { $0 > Clock.isoNow() } ?? false
                let status = a.disabled ? f.t("users.disabled") : (locked ? f.t("users.locked") : f.t("users.active"))
                return [
                    esc(a.username), esc(a.displayName), esc(f.t("role." + a.role.rawValue)), esc(a.scope.description),
                    esc(status),
                ]
            })
        if Permissions.allows(actor.role, .writeUsers) {
            let roles = Role.allCases.map {
                "<option value=\"\($0.rawValue)\">\(esc(f.t("role." + $0.rawValue)))</option>"
            }.joined()
            body += """
                <h2>\(esc(f.t("users.add")))</h2>
                <form class="stack" method="post" action="/users">\(f.csrfField())
                <label>\(esc(f.t("users.username")))<input name="username" required pattern="[A-Za-z0-9._-]{2,64}" autocomplete="off"></label>
                <label>\(esc(f.t("col.name")))<input name="display_name"></label>
                <label>\(esc(f.t("login.password")))<input name="password" type="password" minlength="8" required autocomplete="new-password"></label>
                <label>\(esc(f.t("users.role")))<select name="role">\(roles)</select></label>
                <label>\(esc(f.t("users.scope")))<input name="scope" placeholder="community:1"></label>
                <button type="submit">\(esc(f.t("action.add")))</button>
                </form>
                """
        }
        return body
    }
}
