import CourtyardDomain
import CourtyardStore
import Crypto
import Foundation
import Hummingbird

/// Community events (活动): the office's and communities' events, sign-ups with a waiting list, attendance,
/// the report afterwards and the hours helpers gave.
enum EventRoutes {
    static func add(to api: RouterGroup<AppContext>, services: Services) {
        EventController(services: services).register(on: api)
    }

    /// The time the rules are judged at.
    static var now: EventInstant { EventInstant(seconds: Int64(Date().timeIntervalSince1970.rounded(.down))) }

    /// A cancellation code: 8 letters and digits that cannot be mistaken for each other, shown as `ABCD-2345`.
    static func newCode() -> String {
        var g = SystemRandomNumberGenerator()
        return EventRules.formatCode(String((0..<8).map { _ in codeAlphabet[Int(g.next(upperBound: UInt(31)))] }))
    }

    static let codeAlphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    /// The code of a sign-up sent from the public page, made from that sending's key (`SentForm`, which holds the
    /// page's one-time value, known only to the person's own browser): a second sending of the same form (a double
    /// tap) is shown the same code without the code ever being stored.
    static func code(forSending key: String) -> String {
        let digest = Array(SHA256.hash(data: Data(("event-signup-code:" + key).utf8)))
        return EventRules.formatCode(String(digest.prefix(8).map { codeAlphabet[Int($0) % 31] }))
    }

    /// The hash a code is kept as, whatever dashes, spaces or case the person typed it with.
    static func codeHash(_ typed: String) -> String {
        Security.hash(token: "event-signup:" + String(typed.uppercased().filter { $0.isLetter || $0.isNumber }))
    }

    static func instant(_ field: String, _ text: String?) throws -> EventInstant {
        guard let text, !text.isEmpty else {
            throw AppError.unprocessable("required", "\(field) is required", field: field)
        }
        guard let i = EventInstant(parsing: text) else {
            throw AppError.unprocessable(
                "invalid", "\(field) is a date and time as 2026-12-06T09:00:00+08:00", field: field)
        }
        return i
    }

    static func query(_ request: Request, _ name: String) throws -> Int64? {
        guard let v = request.uri.queryParameters.get(name) else { return nil }
        guard let i = Int64(v), i > 0 else {
            throw AppError.badRequest("invalid_filter", "\(name) is an id", field: name)
        }
        return i
    }
}

/// `/api/v1/events` and what hangs below an event.
struct EventController {
    let services: Services
    /// Anyone may sign up without an account, a few times per address; stewards and staff are not limited.
    let signupLimiter = RateLimiter("event.signup", limit: 10, window: 600)
    /// Shared with the public page's cancellation: codes tried from one address, right or wrong.
    let cancelLimiter = RateLimiter("event.cancel", limit: 30, window: 600)
    var events: EventRepository { EventRepository(database: services.database) }

    func register(on api: RouterGroup<AppContext>) {
        api.post("events", use: create)
        api.get("events", use: list)
        api.get("events/:id", use: read)
        api.patch("events/:id", use: update)
        api.post("events/:id/cancel", use: cancel)
        api.post("events/:id/signups", use: signUp)
        api.get("events/:id/signups", use: signups)
        api.delete("events/:id/signups/:signup", use: cancelSignup)
        api.put("events/:id/attendance", use: attendance)
        api.put("events/:id/report", use: report)
        api.get("events/:id/volunteer_hours", use: hours)
        api.put("events/:id/volunteer_hours", use: setHours)
    }

    struct Organiser: Decodable {
        var name: String
        var phone: String?
    }

    struct NewEvent: Decodable {
        var title: String
        var kind: EventKind
        var communityId: Int64?
        var compoundId: Int64?
        var startsAt: String
        var endsAt: String
        var place: String
        var capacity: Int64?
        var signup: EventSignupMode
        var organisers: [Organiser]?
        enum CodingKeys: String, CodingKey {
            case title, kind, communityId = "community_id", compoundId = "compound_id", startsAt = "starts_at"
            case endsAt = "ends_at", place, capacity, signup, organisers
        }
    }

    struct Cancel: Decodable { var reason: String }
    struct SignUp: Decodable {
        var name: String
        var phone: String
    }
    struct Attendance: Decodable { var attended: [Int64] }
    struct Report: Decodable {
        var text: String
        var photos: [Int64]?
    }
    struct Helper: Decodable {
        var name: String
        var phone: String?
        var role: HelperRole
        var minutes: Int64
    }
    struct Hours: Decodable { var helpers: [Helper] }

    func id(_ context: AppContext) throws -> Int64 { try context.parameters.require("id", as: Int64.self) }

    static func organisers(_ list: [Organiser]?) -> [EventOrganiser] {
        (list ?? []).map { EventOrganiser(name: $0.name, phone: $0.phone ?? "") }
    }

    static func etag(_ e: CommunityEvent) -> String { "\"\(e.id)-\(e.version)\"" }

    @Sendable func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let b = try await JSONBody.decode(NewEvent.self, request, context: context)
        let e = try await events.create(
            .init(
                title: b.title, kind: b.kind, communityId: b.communityId, compoundId: b.compoundId,
                startsAt: try EventRoutes.instant("starts_at", b.startsAt),
                endsAt: try EventRoutes.instant("ends_at", b.endsAt), place: b.place, capacity: b.capacity,
                signup: b.signup, organisers: Self.organisers(b.organisers)), actor: actor)
        return try JSONBody.response(e, status: .created, etag: Self.etag(e))
    }

    @Sendable func list(_ request: Request, _ context: AppContext) async throws -> Response {
        let paging = try ListPage.paging(request)
        let upcoming = try StewardRoutes.flag(request, "upcoming")
        let items = try await events.list(
            .init(
                communityId: try EventRoutes.query(request, "community_id"),
                compoundId: try EventRoutes.query(request, "compound_id"), upcoming: upcoming),
            actor: try context.actor(), paging: paging)
        return try ListPage.response(items, paging)
    }

    @Sendable func read(_ request: Request, _ context: AppContext) async throws -> Response {
        let e = try await events.get(id: try id(context), actor: try context.actor())
        return try JSONBody.response(e, etag: Self.etag(e))
    }

    /// Any of the creation fields but the place; `capacity: null` removes the limit, and a larger capacity moves
    /// people up from the waiting list.
    @Sendable func update(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let id = try id(context)
        let expected = try RegistryRoutes.expectedVersion(request, id: id)
        let o = try await JSONBody.object(request, context: context)
        for key in o.keys
        where !["title", "kind", "starts_at", "ends_at", "place", "capacity", "signup", "organisers"].contains(key) {
            throw AppError.unprocessable("unknown_field", "\(key) cannot be changed", field: key)
        }
        var c = EventRepository.Change()
        func text(_ key: String) throws -> String? {
            guard let v = o[key] else { return nil }
            guard let s = v.stringValue else {
                throw AppError.unprocessable("invalid", "\(key) must be text", field: key)
            }
            return s
        }
        c.title = try text("title")
        c.place = try text("place")
        if o["kind"] != nil { c.kind = try o.requiredCase("kind", EventKind.self) }
        if o["signup"] != nil { c.signup = try o.requiredCase("signup", EventSignupMode.self) }
        if let s = try text("starts_at") { c.startsAt = try EventRoutes.instant("starts_at", s) }
        if let s = try text("ends_at") { c.endsAt = try EventRoutes.instant("ends_at", s) }
        if let cap = try o.optionalInt("capacity") { c.capacity = .some(cap) }
        if let list = o["organisers"] {
            guard case .array(let items) = list else {
                throw AppError.unprocessable("invalid", "organisers is a list of {name, phone}", field: "organisers")
            }
            c.organisers = try items.enumerated().map { i, item in
                guard let name = item["name"]?.stringValue else {
                    throw AppError.unprocessable(
                        "invalid", "organisers[\(i)].name is required", field: "organisers[\(i)].name")
                }
                return EventOrganiser(name: name, phone: item["phone"]?.stringValue ?? "")
            }
        }
        let e = try await events.update(id: id, c, ifVersion: expected.map(Int64.init), actor: actor)
        return try JSONBody.response(e, etag: Self.etag(e))
    }

    @Sendable func cancel(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let b = try await JSONBody.decode(Cancel.self, request, context: context)
        return try JSONBody.response(try await events.cancel(id: try id(context), reason: b.reason, actor: actor))
    }

    /// Without an account (limited per address), or by a steward or staff for a neighbour (not limited).
    @Sendable func signUp(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = context.account?.actor
        if actor == nil, try await !signupLimiter.allow(context.remoteHost, in: services.database) {
            throw AppError(
                status: .tooManyRequests, code: "rate_limited",
                message: "too many sign-ups from this address; try again later")
        }
        let made: (id: Int64, status: EventSignupStatus)
        let code = EventRoutes.newCode()
        do {
            let b = try await JSONBody.decode(SignUp.self, request, context: context)
            made = try await events.signUp(
                eventId: try id(context), name: b.name, phone: b.phone, codeHash: EventRoutes.codeHash(code),
                code: code, actor: actor, now: EventRoutes.now)
        } catch {
            // Only a sign-up taken counts against the address: a resident mending a typo is not locked out.
            if actor == nil { try await signupLimiter.refund(context.remoteHost, in: services.database) }
            throw error
        }
        return try JSONBody.response(
            SignupReceipt(id: made.id, status: made.status, cancelCode: code), status: .created)
    }

    @Sendable func signups(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let paging = try ListPage.paging(request)
        return try ListPage.response(
            try await events.signups(eventId: try id(context), actor: actor, paging: paging), paging)
    }

    /// Staff in scope, or anyone with the sign-up's code (`?code=`).
    @Sendable func cancelSignup(_ request: Request, _ context: AppContext) async throws -> Response {
        let signup = try context.parameters.require("signup", as: Int64.self)
        let canceller: EventRepository.Canceller
        if let code = request.uri.queryParameters.get("code"), !code.isEmpty {
            guard try await cancelLimiter.allow(context.remoteHost, in: services.database) else {
                throw AppError(
                    status: .tooManyRequests, code: "rate_limited",
                    message: "too many cancellation codes tried from this address; try again later")
            }
            canceller = .code(hash: EventRoutes.codeHash(String(code)))
        } else {
            canceller = .staff(try context.require(.manageParticipation))
        }
        return try JSONBody.response(
            try await events.cancelSignup(
                eventId: try id(context), signupId: signup, by: canceller, now: EventRoutes.now))
    }

    @Sendable func attendance(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let b = try await JSONBody.decode(Attendance.self, request, context: context)
        guard b.attended.count <= 5000 else {
            throw AppError.unprocessable("too_many", "at most 5000 sign-ups", field: "attended")
        }
        let list = try await events.setAttendance(
            eventId: try id(context), attended: b.attended, actor: actor, now: EventRoutes.now)
        return try ListPage.response(all: list, .export)
    }

    @Sendable func report(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let b = try await JSONBody.decode(Report.self, request, context: context)
        return try JSONBody.response(
            try await events.setReport(
                eventId: try id(context), text: b.text, photos: b.photos ?? [], actor: actor, now: EventRoutes.now))
    }

    @Sendable func hours(_ request: Request, _ context: AppContext) async throws -> Response {
        try JSONBody.response(try await events.hours(eventId: try id(context), actor: try context.actor()))
    }

    @Sendable func setHours(_ request: Request, _ context: AppContext) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let b = try await JSONBody.decode(Hours.self, request, context: context)
        return try JSONBody.response(
            try await events.setHours(
                eventId: try id(context),
                b.helpers.map { (name: $0.name, phone: $0.phone ?? "", role: $0.role, minutes: $0.minutes) },
                actor: actor, now: EventRoutes.now))
    }
}
