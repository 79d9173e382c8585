import CourtyardDomain
import CourtyardStore
import HTTPTypes
import Hummingbird

/// Finds who is calling (bearer token or page session), picks the page language, and turns
/// every store error into the stable error body.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let services: Services

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.forms = FormSubmissions(
            database: services.database, patience: services.configuration.sentFormPatience)
        // Behind a trusted proxy, the client is the address it forwarded; from anyone else the header is ignored.
        context.remoteHost = services.configuration.trustedProxies.clientAddress(
            peer: context.remoteHost, forwardedFor: request.headers[values: .xForwardedFor])
        let cookies = request.cookies
        let queryLang = request.uri.queryParameters.get("lang")
        context.lang = Lang.choose(
            query: queryLang, cookie: cookies["lang"]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
        context.setLangCookie = queryLang.flatMap(Lang.parse) != nil
        let queryLarge = request.uri.queryParameters.get("large")
        context.large = (queryLarge ?? cookies[LargeType.cookie]?.value) == "1"
        context.setLargeCookie = queryLarge == "1" || queryLarge == "0"

        // Finding who is calling reads the database: when it cannot be reached, that is a 503 like any other request's.
        do {
            if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
                let token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                guard let grant = try await resolve(Security.hash(token: token)), grant.kind == .api else {
                    throw AppError(
                        status: .unauthorized, code: "invalid_token",
                        message: "the bearer token is unknown, revoked or expired")
                }
                context.account = grant.account
                context.tokenId = grant.tokenId
            } else if let session = cookies[SessionCookie.name]?.value,
                let grant = try await resolve(Security.hash(token: session)), grant.kind == .session
            {
                context.account = grant.account
                context.tokenId = grant.tokenId
                context.viaSession = true
                context.csrf = grant.csrf
                // Browser scripts calling the API with the session cookie must echo the CSRF token.
                if request.uri.path.hasPrefix("/api/"), ![.get, .head, .options].contains(request.method) {
                    guard let header = request.headers[.csrfToken], Security.constantTimeEquals(header, grant.csrf)
                    else {
                        throw AppError(
                            status: .forbidden, code: "csrf",
                            message: "send the X-CSRF-Token header with session requests")
                    }
                }
            }
        } catch let error where !(error is AppError) {
            if let mapped = AppError.from(error) { throw mapped }
            throw error
        }
        do {
            var response = try await next(request, context)
            if context.setLangCookie {
                response.setCookie(
                    Cookie(name: "lang", value: context.lang.rawValue, maxAge: 365 * 86400, path: "/", sameSite: .lax))
            }
            if context.setLargeCookie {
                response.setCookie(
                    Cookie(
                        name: LargeType.cookie, value: context.large ? "1" : "0", maxAge: 365 * 86400, path: "/",
                        sameSite: .lax))
            }
            return response
        } catch let error as HTTPError
            where (error.status == .notFound && Self.isPagePath(request.uri.path))
            || Self.isMalformedPageAddress(error, request)
        {
            // A form's address opened as a page (a refused form's page reloaded from the address bar, or signing in
            // again after the session ended): the page above it.
            if request.method == .get, error.status == .notFound,
                let page = Pages.addresses.pageAbove(form: request.uri.path)
            {
                return Response.redirect(to: page, type: .found)
            }
            // A path no route serves, outside the API, or a page's address with a malformed number in it
            // (`/public/compounds/abc`): a page in the person's language with a way home.
            if let page = Self.errorPage(.notFound, request, context) { return page }
            return Pages.notFoundPage(Pages.frame(request, context))
        } catch let error as AppError {
            if let page = Self.errorPage(error, request, context) { return page }
            throw error
        } catch {
            if let mapped = AppError.from(error) {
                if let page = Self.errorPage(mapped, request, context) { return page }
                throw mapped
            }
            services.logger.error("unexpected error on \(request.uri.path): \(String(reflecting: error))")
            throw AppError(
                status: .internalServerError, code: "internal", message: "the server failed; the error was logged")
        }
    }
}

extension AuthMiddleware {
    /// The page a person in a browser sees for an error no page handler answered itself, or nil where the caller
    /// reads the API's JSON: a form sent with more than it may carry (photos a phone could not shrink) says so and
    /// leads back to the form, whose browser keeps what was typed; a public address with nothing to show (a fix's
    /// photo with a wrong code, too many asked for) says so and leads to finding one's compound.
    static func errorPage(_ error: AppError, _ request: Request, _ context: AppContext) -> Response? {
        guard isPagePath(request.uri.path) else { return nil }
        if error.status == .contentTooLarge { return Pages.tooLargePage(Pages.frame(request, context), error: error) }
        guard isPageRead(request), request.uri.path == "/public" || request.uri.path.hasPrefix("/public/") else {
            return nil
        }
        return Pages.publicErrorPage(Pages.frame(request, context), error: error)
    }

    /// A page read in a browser: a GET of a page's address, not of a file or feed (`events.ics`, `news.atom`), whose
    /// errors are documented as the API's JSON. A last part like `1.5` is a malformed number, not a file's name.
    static func isPageRead(_ request: Request) -> Bool {
        guard request.method == .get else { return false }
        guard let last = request.uri.path.split(separator: "/").last, let dot = last.lastIndex(of: ".") else {
            return true
        }
        let ending = last[last.index(after: dot)...]
        return ending.isEmpty || !ending.allSatisfy { $0.isASCII && $0.isLetter }
    }

    /// A page's address with a malformed number in it (`/votes/abc`, `/public/compounds/1.5`): a page not found.
    static func isMalformedPageAddress(_ error: HTTPError, _ request: Request) -> Bool {
        error.status == .badRequest && isPageRead(request) && isPagePath(request.uri.path)
    }

    /// Paths people open in a browser; the API and the Open311 endpoint answer in their own formats.
    static func isPagePath(_ path: String) -> Bool {
        !path.hasPrefix("/api/") && !path.hasPrefix("/open311/") && path != "/healthz" && path != "/metrics"
    }

    func resolve(_ hash: String) async throws -> AccountRepository.TokenGrant? {
        if let cached = services.tokens.get(hash) { return cached }
        guard let grant = try await services.accounts.resolve(tokenHash: hash) else { return nil }
        services.tokens.put(hash, grant)
        return grant
    }
}

enum SessionCookie {
    static let name = "courtyard_session"
    static let lifetime: Double = 12 * 3600
}

extension HTTPField.Name {
    static let csrfToken = Self("X-CSRF-Token")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
