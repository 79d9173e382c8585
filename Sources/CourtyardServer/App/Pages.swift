import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The server-rendered pages. Each handler gets the page frame; errors become pages in the person's language.
enum Pages {
    typealias Handler = @Sendable (Request, AppContext, PageFrame) async throws -> Response
    /// Shows a form's page again with a note (its tone and words) and a status, after the form was refused.
    typealias Redisplay = ((String, String), HTTPResponse.Status) async throws -> Response

    static func add(to router: Router<AppContext>, services: Services) {
        LoginPages.add(to: router, services: services)
        RegistryPages.add(to: router, services: services)
        AdminPages.add(to: router, services: services)
        VotePages.add(to: router, services: services)
        ProgrammePages.add(to: router, services: services)
        ParticipationPages.add(to: router, services: services)
        ReportPages.add(to: router, services: services)
        PublicPages.add(to: router, services: services)
        CoordinationPages.add(to: router, services: services)
        InvestmentPages.add(to: router, services: services)
        StewardPages.add(to: router, services: services)
        ZonePages.add(to: router, services: services)
        EventPages.add(to: router, services: services)
    }

    static func frame(_ request: Request, _ context: AppContext) -> PageFrame {
        var (path, query) = (request.uri.path, request.uri.query)
        // A page answering a form is at an address that takes only forms: its language and large-type links go
        // back to the page the form was on.
        if request.method != .get, request.method != .head {
            (path, query) = formPage(request) ?? ("/", nil)
        }
        if let q = query, !q.isEmpty {
            let kept = q.split(separator: "&").filter { !$0.hasPrefix("lang=") && !$0.hasPrefix("large=") }
                .joined(separator: "&")
            if !kept.isEmpty { path += "?" + kept }
        }
        var frame = PageFrame(lang: context.lang, account: context.account, csrf: context.csrf, path: path)
        frame.large = context.large
        return frame
    }

    /// The path and query of the page a form was sent from (the browser's Referer), only ever as a path on this site.
    static func formPage(_ request: Request) -> (String, String?)? {
        guard let referer = request.headers[.referer], referer.utf8.count <= 2_000,
            let url = URLComponents(string: referer), url.percentEncodedPath.hasPrefix("/"),
            !url.percentEncodedPath.hasPrefix("//")
        else { return nil }
        return (url.percentEncodedPath, url.percentEncodedQuery)
    }

    /// A signed-in page; POSTs must carry the session's CSRF token.
    static func get(_ router: Router<AppContext>, _ path: RouterPath, _ handler: @escaping Handler) {
        addresses.add(page: path.description)
        router.get(path) { request, context in try await run(request, context, handler) }
    }

    /// A form's address; `page`, where the form is not on the page above its address (`/questionnaires` is sent from
    /// `/participation`), is where the address leads when opened as a page.
    static func post(
        _ router: Router<AppContext>, _ path: RouterPath, page: String? = nil, _ handler: @escaping Handler
    ) {
        addresses.add(form: path.description, page: page)
        router.post(path) { request, context in try await run(request, context, handler) }
    }

    /// The addresses of the pages and of the forms they send.
    static let addresses = PageAddresses()

    static func run(_ request: Request, _ context: AppContext, _ handler: Handler) async throws -> Response {
        let f = frame(request, context)
        guard context.account != nil, context.viaSession else {
            // Back to the page asked for, its query too (/my-households?household=313), after signing in.
            let asked = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let next =
                asked.addingPercentEncoding(
                    withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-._~"))) ?? "/"
            return Response.redirect(to: "/login?next=\(next)", type: .found)
        }
        do {
            guard request.method == .post, let forms = context.forms else {
                return try await handler(request, context, f)
            }
            return try await SentForm.$current.withValue(SentForm(store: forms)) {
                try await handler(request, context, f)
            }
        } catch let error as HTTPError where AuthMiddleware.isMalformedPageAddress(error, request) {
            return notFoundPage(f)
        } catch {
            let e =
                AppError.from(error)
                ?? AppError(status: .internalServerError, code: "internal", message: "")
            // A form past its size (photos the phone could not shrink): why, and back to the form with what was typed.
            if e.status == .contentTooLarge { return tooLargePage(f, error: e) }
            let message: String
            if e.status == .internalServerError {
                context.logger.error("page \(request.uri.path) failed: \(String(reflecting: error))")
            }
            switch e.status {
            case .internalServerError: message = f.t("error.internal")
            case .notFound: message = f.t("error.notFound")
            case .forbidden: message = e.code == "csrf" ? f.t("error.csrf") : f.t("error.forbidden")
            default: message = e.message(in: f.lang)
            }
            // A record that is not there (or not theirs) is headed as such, not as something gone wrong.
            let title = e.status == .notFound ? f.t("error.recordNotFoundTitle") : f.t("error.title")
            return messagePage(
                f, title: title, message: message, home: .home, homeLabel: f.t("common.back"), status: e.status)
        }
    }

    /// Which of these registry records the person may open, each asked the way its page asks.
    static func openable(_ spec: ResourceSpec, _ ids: [Int64], actor: Actor, services: Services) async -> Set<Int64> {
        guard Permissions.allows(actor.role, .readRegistry) else { return [] }
        var open: Set<Int64> = []
        for id in Set(ids) {
            if (try? await services.registry.get(spec, id: id, actor: actor)) != nil { open.insert(id) }
        }
        return open
    }

    /// The projects the person may open.
    static func openableProjects(actor: Actor, services: Services) async throws -> Set<Int64> {
        guard Permissions.allows(actor.role, .readProjects) else { return [] }
        let mine = try await ProjectRepository(database: services.database).summaries(actor: actor)
        return Set(mine.map(\.id))
    }

    /// A page that is not there: said in the person's language, with the way home (or to sign in).
    static func notFoundPage(_ f: PageFrame) -> Response {
        messagePage(
            f, title: f.t("error.pageNotFoundTitle"), message: f.t("error.pageNotFound"),
            home: f.account == nil ? .login() : .home,
            homeLabel: f.account == nil ? f.t("login.title") : f.t("error.home"), status: .notFound)
    }

    /// A form past its size: why, and that the browser's back button returns to the form with what was typed.
    static func tooLargePage(_ f: PageFrame, error: AppError) -> Response {
        messagePage(
            f, title: f.t("error.tooLargeTitle"),
            message: (error.text(in: f.lang) ?? f.t("error.too_large")) + " " + f.t("error.tooLargeHint"),
            home: f.account == nil ? .login() : .home,
            homeLabel: f.account == nil ? f.t("login.title") : f.t("error.home"), status: .contentTooLarge)
    }

    /// A public address opened in a browser with nothing to show: said in the person's words (never the API's JSON),
    /// with the way to find their compound.
    static func publicErrorPage(_ f: PageFrame, error: AppError) -> Response {
        let missing = error.status == .notFound
        return messagePage(
            f, title: missing ? f.t("error.recordNotFoundTitle") : f.t("error.title"),
            message: missing ? f.t("error.publicNotFound") : error.message(in: f.lang),
            home: .publicFind, homeLabel: f.t("public.find.title"), status: error.status)
    }

    /// A page that only says something went wrong, and where to go instead.
    static func messagePage(
        _ f: PageFrame, title: String, message: String, home: SiteRoute, homeLabel: String, status: HTTPResponse.Status
    ) -> Response {
        struct Model {
            var message: String
            var home: String
            var homeLabel: String
        }
        return f.page(
            title: title, "message", Model(message: message, home: home.path, homeLabel: homeLabel), status: status)
    }

    /// The fields of a urlencoded form; checks the CSRF token unless told not to.
    static func form(_ request: Request, _ context: AppContext, checkCSRF: Bool = true) async throws -> [String: String]
    {
        // A repeated field keeps its last value.
        let multi = try await formMulti(request)
        let fields = multi.compactMapValues(\.last)
        if checkCSRF {
            try verifyCSRF(fields["_csrf"], context)
            SentForm.note(sender: context.csrf, path: request.uri.path, fields: multi)
        }
        return fields
    }

    /// A urlencoded form whose fields may repeat (checkboxes), without a CSRF check: for public forms.
    static func formMulti(_ request: Request) async throws -> [String: [String]] {
        let text = String(buffer: try await request.collectBody(upTo: 1024 * 1024))
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if let k = kv.first { fields[k, default: []].append(kv.count > 1 ? kv[1] : "") }
        }
        return fields
    }

    /// A page's form whose names may repeat: its CSRF token checked and its one-time value noted, so it is saved
    /// once however often it is sent, as `form` does.
    static func formMulti(_ request: Request, _ context: AppContext) async throws -> [String: [String]] {
        let multi = try await formMulti(request)
        try verifyCSRF(multi["_csrf"]?.last, context)
        SentForm.note(sender: context.csrf, path: request.uri.path, fields: multi)
        return multi
    }

    /// A form whose checkboxes repeat a name: each name's values joined by commas, the CSRF token checked.
    static func checkboxForm(_ request: Request, _ context: AppContext) async throws -> [String: String] {
        try await formMulti(request, context).mapValues { $0.joined(separator: ",") }
    }

    /// The ids a checkbox form ticked under one name (as `checkboxForm` joins them).
    static func ids(_ text: String?) -> [Int64] { (text ?? "").split(separator: ",").compactMap { Int64($0) } }

    /// A query item as a form sent with GET writes it: `+` is a space ("傅卫东+" was a name typed with a space after
    /// it), `%2B` a plus; nil when absent.
    static func queryText(_ request: Request, _ name: String) -> String? {
        guard let query = request.uri.query else { return nil }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard let key = kv.first, key == name else { continue }
            let raw = kv.count > 1 ? String(kv[1]) : ""
            return raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        return nil
    }

    /// A multipart page form (one that carries a file), its CSRF token checked.
    /// A form that may carry files: read as multipart when the browser sent it so (its files with it), else as plain
    /// fields; either way its CSRF token checked.
    static func formWithFiles(_ request: Request, _ context: AppContext, files: Int = 1) async throws -> (
        fields: [String: String], form: MultipartForm?
    ) {
        guard request.headers[.contentType]?.hasPrefix("multipart/form-data") == true else {
            return (try await form(request, context), nil)
        }
        let form = try await multipartForm(request, context, files: files)
        return (form.fields, form)
    }

    /// A form with files, up to `files` of them at the attachment limit each.
    static func multipartForm(_ request: Request, _ context: AppContext, files: Int = 1) async throws -> MultipartForm {
        let form = try await MultipartForm.read(request, files: files)
        try verifyCSRF(form.fields["_csrf"], context)
        SentForm.note(
            sender: context.csrf, path: request.uri.path, fields: form.fields.mapValues { [$0] }, files: form.fileList)
        SentForm.noteFiles(form.fileList)
        return form
    }

    static func verifyCSRF(_ token: String?, _ context: AppContext) throws {
        guard let token, Security.constantTimeEquals(token, context.csrf) else {
            throw AppError(status: .forbidden, code: "csrf", message: "the form has expired")
        }
    }

    /// Runs a form's save: on success sends the person on to `next`; a stale or invalid form shows
    /// the page again with the reason, and nothing is written.
    static func save(
        _ f: PageFrame, next: String,
        redisplay: ((String, String), HTTPResponse.Status) async throws -> Response, _ body: () async throws -> Void
    )
        async throws -> Response
    {
        try await save(f, redisplay: redisplay) {
            try await body()
            return next
        }
    }

    /// The same, when where to go depends on what was saved (a new record's page): `body` returns it.
    static func save(
        _ f: PageFrame, redisplay: ((String, String), HTTPResponse.Status) async throws -> Response,
        _ body: () async throws -> String
    ) async throws -> Response {
        try await save(f, refused: { try await redisplay(($0.tone, $0.text), $0.status) }, body)
    }

    /// Why a form was refused: its note, its status, and the fields found wrong (by the store's names), for a page
    /// that marks each of them beside the field.
    struct Refusal {
        var tone: String
        var text: String
        var status: HTTPResponse.Status
        var fields: Set<String> = []
        /// Each field's own words, when the refusal names several fields at once.
        var each: [String: String] = [:]
        /// The error's code, for a refusal about a field that the store names by its code alone (a paper number
        /// already entered).
        var code = ""

        /// What was typed, to show again; none when the record changed meanwhile, whose stored values are to be
        /// read before typing again.
        func kept(_ typed: [String: String]?) -> [String: String]? { status == .preconditionFailed ? nil : typed }
    }

    /// `save`, for a page that marks the wrong fields.
    static func save(
        _ f: PageFrame, refused: (Refusal) async throws -> Response, _ body: () async throws -> String
    ) async throws -> Response {
        do {
            let unsettled = Refusal(tone: "bad", text: f.t("form.sentBefore"), status: .conflict)
            return try await once {
                let next = try await body()
                return (seeOther(next), next)
            } unsettled: {
                try await refused(unsettled)
            }
        } catch StoreError.stale {
            return try await refused(Refusal(tone: "bad", text: f.t("household.stale"), status: .preconditionFailed))
        } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
            let a = AppError.from(e)!
            let fields = Set((a.all.isEmpty ? [a] : a.all).compactMap(\.field))
            return try await refused(
                Refusal(
                    tone: "bad", text: withFilesAgain(message(for: a, f), f), status: a.status, fields: fields,
                    code: a.code))
        }
    }

    /// Answers a form once however often it was sent (`key`, from `SentForm`): `body` answers, with where it led
    /// when it saved something. A second sending is sent where the first led, or, while the first has not finished,
    /// `unsettled` says it may have been saved already; a refused sending leaves the form free to send again. When
    /// what the first saved no longer stands (`stands`: a sign-up since cancelled), the form is saved anew.
    static func once(
        _ sent: String?, in store: FormSubmissions?, _ body: () async throws -> (Response, saved: String?),
        unsettled: () async throws -> Response, done: (String) async throws -> Response = { seeOther($0) },
        stands: (String) async throws -> Bool = { _ in true }
    ) async throws -> Response {
        guard let sent, let store else { return try await body().0 }
        // Only a hash of the key is kept: the key itself (from which a sign-up's cancel code is made) never is.
        let key = Security.hash(token: "form-submission:" + sent)
        var claim = try await store.claim(key)
        if case .done(let next) = claim, !(try await stands(next)) {
            try await store.reopen(key)
            claim = try await store.claim(key)
        }
        switch claim {
        case .done(let next): return try await done(next)
        case .unsettled: return try await unsettled()
        case .first:
            let answer: (Response, saved: String?)
            do {
                answer = try await body()
            } catch {
                try? await store.release(key)
                throw error
            }
            if let next = answer.saved {
                try? await store.settle(key, answer: next)
            } else {
                try? await store.release(key)
            }
            return answer.0
        }
    }

    /// `once` for the form of the page request being answered (`SentForm.current`).
    static func once(_ body: () async throws -> (Response, saved: String?), unsettled: () async throws -> Response)
        async throws -> Response
    {
        let sent = SentForm.current
        return try await once(sent?.take(), in: sent?.store, body, unsettled: unsettled)
    }

    /// A form whose save answers where to go next, its refusals shown as the page's error: saved once however often
    /// it was sent.
    static func saveOnce(_ f: PageFrame, _ body: () async throws -> String) async throws -> Response {
        try await once {
            let next = try await body()
            return (seeOther(next), next)
        } unsettled: {
            throw AppError(status: .conflict, code: pageMessage, message: f.t("form.sentBefore"))
        }
    }

    /// A store refusal about one element of a list sent (`helpers[2].phone`, `measured[0].quantity`), said as the
    /// form names that element: `label(k)` before its words. Any other refusal is given back as it was.
    static func namingListItem(_ e: ValidationError, count: Int, _ f: PageFrame, _ label: (Int) -> String)
        -> ValidationError
    {
        guard let field = e.field, let at = field.firstIndex(of: "["), let end = field.firstIndex(of: "]"),
            let k = Int(field[field.index(after: at)..<end]), k < count
        else { return e }
        let words = AppError.from(e).map { message(for: $0, f) } ?? ""
        return ValidationError(field: field, code: pageMessage, message: label(k) + words)
    }

    /// What a person reads when a form is refused: the catalogue's words for the error's code (by field and code,
    /// then by code), never the API's English message or an internal id; a plain request to check the form otherwise.
    static func message(for error: AppError, _ f: PageFrame) -> String {
        if !error.all.isEmpty { return lines(error.all.map { message(for: $0, f) }) }
        if error.code == pageMessage { return error.message }
        return error.text(in: f.lang)
            ?? f.t(error.status == .conflict ? "error.conflictGeneric" : "error.invalidGeneric")
    }

    /// What is wrong with a period typed into a form, each date named by its label and its field: one that is not a
    /// date, or an end before the start (`before`, in the form's words, on the end's field).
    static func periodProblems(
        _ start: (field: String, label: String), _ end: (field: String, label: String), in typed: [String: String],
        before: String, _ f: PageFrame
    ) -> [FormProblem] {
        let from = Day(typed[start.field] ?? "")
        let to = Day(typed[end.field] ?? "")
        var found: [FormProblem] = []
        if from == nil { found.append(.init(start.field, start.label + f.t("common.colon") + f.t("form.badDate"))) }
        if to == nil { found.append(.init(end.field, end.label + f.t("common.colon") + f.t("form.badDate"))) }
        if let from, let to, to < from { found.append(.init(end.field, before)) }
        return found
    }

    /// Who did something, as a person reads it: the system and the public pages by name, anyone else as given.
    static func actorName(_ username: String, shown: String, _ f: PageFrame) -> String {
        switch username {
        case "system": f.t("audit.system")
        case ReportRepository.publicReporter.username: f.t("audit.public")
        default: shown
        }
    }

    /// Several messages as one note: a line each (a note of class `lines` keeps line ends), each said once.
    /// A refusal's words, and, when the form carried a file, that it was not kept: no browser shows it again.
    static func withFilesAgain(_ text: String, _ f: PageFrame) -> String {
        // Said once, also when the words already carry it (a refusal passed on through two layers).
        SentForm.current?.sentFiles == true
            ? lines(text.split(separator: "\n").map(String.init) + [f.t("form.filesAgain")]) : text
    }

    static func lines(_ messages: [String]) -> String {
        var kept: [String] = []
        for m in messages where !kept.contains(m) { kept.append(m) }
        return kept.joined(separator: "\n")
    }

    /// The code of an error a page raised itself, whose message is already in the page's language.
    static let pageMessage = "page_message"

    /// The same for a domain problem with a questionnaire's answers: which question, and what is wrong with it.
    static func message(for problem: QuestionnaireRules.Problem, _ f: PageFrame) -> String {
        f.t("error.answer.\(problem.reason.rawValue)").replacingOccurrences(of: "{n}", with: String(problem.question))
    }

    /// After a successful POST, go where the person can see the result.
    static func seeOther(_ location: String) -> Response { Response.redirect(to: location, type: .normal) }
}

/// Sign-in and sign-out.
enum LoginPages {
    static func add(to router: Router<AppContext>, services: Services) {
        router.get("login") { request, context -> Response in
            let f = Pages.frame(request, context)
            return f.render(
                title: f.t("login.title"),
                body: form(f, next: request.uri.queryParameters.get("next") ?? "/", error: nil))
        }
        router.post("login") { request, context -> Response in
            let f = Pages.frame(request, context)
            let fields = try await Pages.form(request, context, checkCSRF: false)
            let next = safeNext(fields["next"])
            do {
                let account = try await SignIn.check(
                    username: fields["username"] ?? "",
                    password: fields["password"] ?? "",
                    address: context.remoteHost, services: services)
                let token = Security.randomToken()
                let csrf = Security.randomToken()
                _ = try await services.accounts.issueToken(
                    userId: account.id, tokenHash: Security.hash(token: token), kind: .session,
                    csrf: csrf, lifetime: SessionCookie.lifetime)
                var response = Pages.seeOther(next)
                response.setCookie(
                    Cookie(
                        name: SessionCookie.name, value: token, maxAge: Int(SessionCookie.lifetime), path: "/",
                        secure: services.configuration.secureCookies, httpOnly: true, sameSite: .lax))
                return response
            } catch let e as AppError where [.unauthorized, .tooManyRequests].contains(e.status) {
                let key =
                    switch e.code {
                    case "locked": "login.locked"
                    case "too_many_attempts": "login.tooMany"
                    case "term_ended": "login.termEnded"
                    default: "login.failed"
                    }
                let typed = String((fields["username"] ?? "").prefix(100))
                return f.render(
                    title: f.t("login.title"), body: form(f, next: next, error: f.t(key), username: typed),
                    status: e.status)
            }
        }
        // The address typed or followed: signed in, a page that asks to sign out (a link must not sign anyone out
        // by itself); signed out, the sign-in page.
        router.get("logout") { request, context -> Response in
            let f = Pages.frame(request, context)
            guard context.account != nil, context.viaSession else { return Pages.seeOther("/login") }
            return f.render(title: f.t("nav.logout"), body: Views.render("logout", [String: String](), frame: f))
        }
        router.post("logout") { request, context -> Response in
            if let account = context.account, let id = context.tokenId, context.viaSession {
                let fields = try await Pages.form(request, context)
                _ = fields
                try await services.accounts.revoke(tokenId: id, userId: account.id)
                services.tokens.clear()
            }
            var response = Pages.seeOther("/login")
            response.setCookie(
                Cookie(name: SessionCookie.name, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
            return response
        }
    }

    /// Only paths on this site, so a crafted link cannot send someone elsewhere after signing in: checked as sent
    /// and after each layer of percent-decoding, since browsers read `/%09/evil.example` or `/\evil.example` as
    /// another host. Anything else goes home.
    static func safeNext(_ next: String?) -> String {
        guard let next else { return "/" }
        var text = next
        for layer in 0..<4 {
            // A space decoded from `%20` (a search for two words) is part of a path, not a way to another host.
            guard isLocalPath(layer == 0 ? text : text.replacingOccurrences(of: " ", with: "_")) else { return "/" }
            guard let decoded = text.removingPercentEncoding, decoded != text else { return next }
            text = decoded
        }
        return "/"
    }

    /// A single leading `/`, no `//` or `\`, and no control, format or whitespace characters anywhere.
    static func isLocalPath(_ s: String) -> Bool {
        guard s.hasPrefix("/"), !s.contains("//"), !s.contains("\\") else { return false }
        return !s.unicodeScalars.contains { c in
            c.properties.isWhitespace
                || [.control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator]
                    .contains(c.properties.generalCategory)
        }
    }

    /// The sign-in form; refused, it keeps the name typed and puts the cursor in the password.
    static func form(_ f: PageFrame, next: String, error: String?, username: String = "") -> TrustedHTML {
        struct Model {
            var next: String
            var error: String?
            var username: String
            var hasUsername: Bool
        }
        let model = Model(next: safeNext(next), error: error, username: username, hasUsername: !username.isEmpty)
        return Views.render("login", model, frame: f)
    }
}

/// The names of the compounds and buildings records sit in, read once per page, so every report, vote,
/// questionnaire and notice says where it is.
struct Places {
    var compounds: [Int64: String] = [:]
    var buildings: [Int64: String] = [:]

    /// Names for the `compound_id` and `building_id` of these records. Read as the system: the person already
    /// sees the records, and a record's place is part of it.
    static func load(_ records: [JSONValue], services: Services) async throws -> Places {
        Places(
            compounds: try await names(.compounds, records.compactMap { $0["compound_id"]?.intValue }, services),
            buildings: try await names(.buildings, records.compactMap { $0["building_id"]?.intValue }, services))
    }

    /// The names of these records of one kind, read in one query as the system.
    static func names(_ spec: ResourceSpec, _ ids: [Int64], _ services: Services) async throws -> [Int64: String] {
        try await services.registry.records(spec, ids: ids, actor: .system).mapValues { $0["name"]?.stringValue ?? "" }
    }

    /// "幸福里小区 3号楼", or the compound alone when the record is not about one building.
    func name(of record: JSONValue) -> String {
        let compound = record["compound_id"]?.intValue.flatMap { compounds[$0] } ?? ""
        let building = record["building_id"]?.intValue.flatMap { buildings[$0] } ?? ""
        return [compound, building].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// A tone (`ok`, `bad`) and a sentence shown above a page's content: saved, or why it was not.
struct PageNotice {
    var tone: String
    var text: String
    /// A refusal is announced at once by a screen reader (`alert`); a saved message politely (`status`).
    var role: String

    init(tone: String, text: String) {
        self.tone = tone
        self.text = text
        role = tone == "bad" ? "alert" : "status"
    }
}

/// One choice of a form's select or checkbox list.
struct FormOption {
    var value: String
    var label: String
    var selected: Bool
    /// A step that is refused without a note: the page's script makes the note required when it is chosen, so the
    /// photos chosen with it are not lost to a refusal.
    var needsNote = false

    /// The values a refused form had ticked under `key` (joined by commas by `Pages.checkboxForm`).
    static func ticked(_ typed: [String: String], _ key: String) -> Set<String> {
        Set((typed[key] ?? "").split(separator: ",").map(String.init))
    }
}

/// What is wrong with a typed form before it is saved: the words, and the form's field they are about, which the
/// page marks where it stands.
struct FormProblem {
    var field: String
    var text: String
    init(_ field: String, _ text: String) {
        self.field = field
        self.text = text
    }
}

extension [FormProblem] {
    /// The refusal these problems make: the words a line each, the fields marked.
    /// The problems as a refusal, in `f`'s words; it asks again for any file the form carried.
    func refusal(_ f: PageFrame) -> Pages.Refusal {
        Pages.Refusal(
            tone: "bad", text: Pages.withFilesAgain(Pages.lines(map(\.text)), f), status: .unprocessableContent,
            fields: Set(map(\.field)), each: Dictionary(map { ($0.field, $0.text) }) { a, b in a + " " + b })
    }
}
