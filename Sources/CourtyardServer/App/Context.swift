import CourtyardDomain
import CourtyardStore
import Hummingbird

/// Per-request state: who is signed in (if anyone), how, and in which language pages speak.
struct AppContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var account: Account?
    var tokenId: Int64?
    var viaSession = false
    var csrf = ""
    var lang: Lang = .zh
    var setLangCookie = false
    /// Large type (长辈版): chosen with `?large=1` and kept in a cookie, for everyone, signed in or not.
    var large = false
    var setLargeCookie = false
    /// Where page forms are claimed, so that one sent twice is saved once (set by `AuthMiddleware`).
    var forms: FormSubmissions?

    /// The client's address, for rate limits on what anyone may do without an account and for the audit log: the
    /// peer's, or behind a trusted proxy the one it forwarded (set by `AuthMiddleware`).
    var remoteHost: String

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteHost = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// A city's household sheet is several tens of megabytes.
    var maxUploadSize: Int { 100 * 1024 * 1024 }

    func requireAccount() throws -> Account {
        guard let account else { throw AppError.unauthorized }
        return account
    }

    func actor() throws -> Actor {
        var a = try requireAccount().actor
        a.address = remoteHost
        return a
    }

    func require(_ capability: Capability) throws -> Actor {
        let a = try actor()
        guard Permissions.allows(a.role, capability) else { throw AppError.forbidden }
        return a
    }
}
