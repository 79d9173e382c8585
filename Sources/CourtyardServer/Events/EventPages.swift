import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

extension SiteRoute {
    static let events = SiteRoute("/events")
    static func event(_ id: Int64) -> SiteRoute { SiteRoute("/events/\(id)") }
    static func eventAction(_ id: Int64, _ action: String) -> SiteRoute { SiteRoute("/events/\(id)/\(action)") }
    static func eventSignupCancel(_ id: Int64, _ signup: Int64) -> SiteRoute {
        SiteRoute("/events/\(id)/signups/\(signup)/cancel")
    }
    static func publicEvent(_ id: Int64) -> SiteRoute { SiteRoute("/public/events/\(id)") }
    static func publicEventSignup(_ id: Int64) -> SiteRoute { SiteRoute("/public/events/\(id)/signups") }
    static func publicEventCancel(_ id: Int64) -> SiteRoute { SiteRoute("/public/events/\(id)/cancel") }
    static func communityNews(_ id: Int64) -> SiteRoute { SiteRoute("/public/communities/\(id)/news") }
    static func communityNewsFeed(_ id: Int64) -> SiteRoute { SiteRoute("/public/communities/\(id)/news.atom") }
    static func communityEventsCalendar(_ id: Int64) -> SiteRoute {
        SiteRoute("/public/communities/\(id)/events.ics")
    }
}

/// How pages word an event: its kind, its time, its places.
enum EventWords {
    /// Who organises the event, or nothing when no one was named.
    static func organisers(_ e: CommunityEvent) -> String? {
        e.organisers.isEmpty ? nil : e.organisers.map(\.name).joined(separator: "、")
    }

    static func kind(_ k: EventKind, _ f: PageFrame) -> String { f.t("event.kind." + k.rawValue) }

    static func when(_ e: CommunityEvent) -> String {
        let s = e.starts
        let end = e.ends
        let endText = end.chinaDay == s.chinaDay ? String(end.chinaShort.suffix(5)) : end.chinaShort
        return s.chinaShort + " – " + endText
    }

    static func places(_ e: CommunityEvent, _ f: PageFrame) -> String {
        let taken = f.t("event.confirmedN").replacingOccurrences(of: "{n}", with: String(e.confirmed))
        guard let cap = e.capacity else { return taken + " · " + f.t("event.noLimit") }
        var text = taken + " / " + String(cap)
        if e.waitlisted > 0 {
            text += " · " + f.t("event.waitingN").replacingOccurrences(of: "{n}", with: String(e.waitlisted))
        }
        return text
    }

    static func state(_ e: CommunityEvent, _ f: PageFrame) -> String {
        if e.state == .cancelled { return f.t("event.state.cancelled") }
        let now = EventRoutes.now
        if now < e.starts { return f.t("event.state.coming") }
        if now < e.ends { return f.t("event.state.running") }
        return e.report == nil ? f.t("event.state.ended") : f.t("event.state.reported")
    }

    typealias Option = FormOption

    static func kinds(_ f: PageFrame, selected: String? = nil) -> [Option] {
        EventKind.allCases.map { Option(value: $0.rawValue, label: kind($0, f), selected: $0.rawValue == selected) }
    }
    static func signupModes(_ f: PageFrame, selected: String? = nil) -> [Option] {
        EventSignupMode.allCases.map {
            Option(
                value: $0.rawValue, label: f.t("event.signup." + $0.rawValue),
                selected: $0.rawValue == (selected ?? "open"))
        }
    }
}

/// `/events`: the events in the person's reach, the helpers' hours, and for staff the form that creates one.
struct EventsPage {
    struct Row {
        var eventTitle: String
        var kindLabel: String
        var when: String
        var eventPlace: String
        var placesText: String
        var stateLabel: String
        var href: String
    }
    struct Helper {
        var helperName: String
        var helperEvents: String
        var helperHours: String
    }
    struct Form {
        var action: String
        var places: [EventWords.Option]
        var kinds: [EventWords.Option]
        var modes: [EventWords.Option]
        /// What was typed into a refused form, to mend rather than type again.
        var title: String
        var startsAt: String
        var endsAt: String
        var place: String
        var capacity: String
        var organisers: String

        init(
            action: String, places: [EventWords.Option], kinds: [EventWords.Option], modes: [EventWords.Option],
            typed: [String: String]
        ) {
            (self.action, self.places, self.kinds, self.modes) = (action, places, kinds, modes)
            title = typed["title"] ?? ""
            startsAt = typed["starts_at"] ?? ""
            endsAt = typed["ends_at"] ?? ""
            place = typed["place"] ?? ""
            capacity = typed["capacity"] ?? ""
            organisers = typed["organisers"] ?? ""
        }

        /// A form's times and capacity as typed (capacity empty for no limit), read for saving; each refusal in
        /// the form's words, naming its field.
        static func typedTimes(starts: String?, ends: String?, capacity: String?, _ f: PageFrame) throws -> (
            EventInstant, EventInstant, Int64?
        ) {
            let text = { (typed: String?) in (typed ?? "").trimmingCharacters(in: .whitespaces) }
            guard let s = EventInstant(parsing: text(starts)), let e = EventInstant(parsing: text(ends)) else {
                throw ValidationError(field: "starts_at", code: Pages.pageMessage, message: f.t("event.badTime"))
            }
            guard !text(capacity).isEmpty else { return (s, e, nil) }
            guard let c = Int64(text(capacity)) else {
                throw ValidationError(field: "capacity", code: Pages.pageMessage, message: f.t("event.badCapacity"))
            }
            return (s, e, c)
        }

        /// The organisers as the form takes them (names parted by 、 , ， or lines); one already on the event keeps
        /// the phone an API client gave it.
        static func organisers(_ typed: String?, keeping earlier: [EventOrganiser] = []) -> [EventOrganiser] {
            let phones = Dictionary(earlier.map { ($0.name, $0.phone) }) { a, _ in a }
            return (typed ?? "").split(whereSeparator: { "、,，\n".contains($0) }).map {
                String($0).trimmingCharacters(in: .whitespacesAndNewlines)
            }.filter { !$0.isEmpty }.map { EventOrganiser(name: $0, phone: phones[$0] ?? "") }
        }

        /// Everything wrong with a typed new event that can be told before saving, in the form's order.
        static func problems(_ typed: [String: String], _ f: PageFrame) -> [String] {
            var found: [String] = []
            let blank = { (key: String) in (typed[key] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
            if blank("title") { found.append(f.t("error.title.required")) }
            if blank("place_ref") { found.append(f.t("error.community_id.one_place")) }
            if let starts = EventInstant(parsing: typed["starts_at"] ?? ""),
                let ends = EventInstant(parsing: typed["ends_at"] ?? "")
            {
                if !(starts < ends) { found.append(f.t("error.ends_at.before_start")) }
            } else {
                found.append(f.t("event.badTime"))
            }
            if blank("place") { found.append(f.t("error.place.required")) }
            let capacity = (typed["capacity"] ?? "").trimmingCharacters(in: .whitespaces)
            if !capacity.isEmpty, Int64(capacity).map({ (1...EventRules.maxCapacity).contains($0) }) != true {
                // A whole number out of range (or past 64 bits) is told the range; anything else how to write one.
                let whole = Int64(capacity) != nil || capacity.allSatisfy { $0.isASCII && $0.isNumber }
                found.append(f.t(whole ? "error.capacity.out_of_range" : "event.badCapacity"))
            }
            return found
        }
    }
    var note: PageNote?
    var rows: [Row]
    var hasRows: Bool
    var helpers: [Helper]
    var hasHelpers: Bool
    var form: Form?

    static func load(
        services: Services, actor: Actor, note: PageNote?, typed: [String: String] = [:], _ f: PageFrame
    ) async throws -> EventsPage {
        let repo = EventRepository(database: services.database)
        let events = try await repo.list(.init(), actor: actor, paging: Paging(limit: 200, offset: 0))
        let rows = events.prefix(200).map { e in
            Row(
                eventTitle: e.title, kindLabel: EventWords.kind(e.kind, f), when: EventWords.when(e),
                eventPlace: e.place,
                placesText: EventWords.places(e, f), stateLabel: EventWords.state(e, f),
                href: SiteRoute.event(e.id).path)
        }
        let totals = try await VolunteerRepository(database: services.database).totals(
            year: nil, communityId: nil, actor: actor
        ).prefix(20)
        let helpers = totals.map {
            Helper(helperName: $0.name, helperEvents: String($0.events), helperHours: $0.hours)
        }
        var form: Form?
        if Permissions.allows(actor.role, .manageParticipation) {
            let communities = try await services.registry.listAll(Community.self, actor: actor)
            let compounds = try await services.registry.listAll(Compound.self, actor: actor)
            let chosen = typed["place_ref"]
            var places = communities.map {
                let value = PlaceChoice.community($0.id).value
                return EventWords.Option(value: value, label: $0.name, selected: chosen == value)
            }
            let communityName = Dictionary(communities.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            places += compounds.map {
                let value = PlaceChoice.compound($0.id).value
                return EventWords.Option(
                    value: value,
                    label: [communityName[$0.communityId] ?? "", $0.name].filter { !$0.isEmpty }.joined(
                        separator: " · "),
                    selected: chosen == value)
            }
            form = Form(
                action: SiteRoute.events.path, places: places, kinds: EventWords.kinds(f, selected: typed["kind"]),
                modes: EventWords.signupModes(f, selected: typed["signup"]), typed: typed)
        }
        return EventsPage(
            note: note, rows: Array(rows), hasRows: !rows.isEmpty, helpers: helpers, hasHelpers: !helpers.isEmpty,
            form: form)
    }
}

/// `/events/{id}`: the event as staff run it: who signed up (names and phones), who came, the helpers' hours,
/// the report with its photos, and calling it off.
struct EventPage {
    struct Signup {
        var signupId: String
        /// Its place in the list as shown ("第 3 位"), not its record number.
        var position: String
        var personName: String
        var personPhone: String
        var statusLabel: String
        var waiting: Bool
        var cancelled: Bool
        var attendedNow: Bool
        var mayAttend: Bool
        var enteredByText: String
        var cancelAction: String
        /// Taken off the list by the organisers, until the event is over (then who came is what counts).
        var mayCancel: Bool
    }
    struct HelperRow {
        var rowIndex: String
        var helperName: String
        var helperPhone: String
        var helperDuration: String
        var isOrganiser: Bool
        /// "第 2 行", the words a refusal names the row by.
        var rowLabel = ""
    }

    /// The rows numbered as a refusal names them.
    static func numbered(_ rows: [HelperRow], _ f: PageFrame) -> [HelperRow] {
        rows.enumerated().map { i, r in
            var r = r
            r.rowLabel = f.lang.say("event.rowLabel", ["n": String(i + 1)])
            return r
        }
    }
    /// The most helpers an event's hours are given for, as the store takes them.
    static let mostHelperRows = 200

    /// Changing an event not yet started: its name, times, place, capacity and organisers. Those signed up are texted
    /// a new time or place. Refused, it comes back open with what was typed and the reason inside it.
    struct EditForm {
        var action: String
        var version: String
        var title: String
        var startsAt: String
        var endsAt: String
        var place: String
        var capacity: String
        var organisers: String
        var open = false
        var error: String?
        var tellsSignups: Bool
    }
    var note: PageNote?
    var edit: EditForm?
    var eventTitle: String
    var kindLabel: String
    var when: String
    var eventPlace: String
    var placesText: String
    var stateLabel: String
    var signupLabel: String
    var organisersText: String?
    var cancelReason: String?
    var publicHref: String
    var newsHref: String
    var manage: Bool
    var open: Bool
    var started: Bool
    var ended: Bool
    var signups: [Signup]
    var hasSignups: Bool
    var signupAction: String
    /// What was typed into a refused sign-up for a neighbour, so it is not typed twice.
    var typedName = ""
    var typedPhone = ""
    var attendanceAction: String
    var attendedCount: String
    var helpers: [HelperRow]
    var hoursAction: String
    var hoursTotal: String
    /// Why the hours were refused, said inside their form.
    var hoursError: String? = nil
    /// A typed row of more than 12 hours: the form asks for a tick that it is so.
    var hoursLong = false
    var reportAction: String
    var reportText: String
    var reportPhotos: [String]
    var hasReportPhotos: Bool
    var cancelAction: String

    static func load(id: Int64, services: Services, actor: Actor, note: PageNote?, _ f: PageFrame) async throws
        -> EventPage
    {
        let repo = EventRepository(database: services.database)
        let e = try await repo.get(id: id, actor: actor)
        let manage = Permissions.allows(actor.role, .manageParticipation)
        let now = EventRoutes.now
        let list = manage ? try await repo.signups(eventId: id, actor: actor) : []
        let signups = list.enumerated().map { i, s in
            Signup(
                signupId: String(s.id),
                position: f.t("event.position").replacingOccurrences(of: "{n}", with: "\(i + 1)"),
                personName: s.name, personPhone: s.phone,
                statusLabel: f.t("event.status." + s.status.rawValue), waiting: s.status == .waitlisted,
                cancelled: s.status == .cancelled, attendedNow: s.attended, mayAttend: s.status == .confirmed,
                enteredByText: s.enteredBy == nil
                    ? f.t("event.selfSignup")
                    : f.t("event.enteredFor").replacingOccurrences(
                        of: "{name}", with: s.enteredByName ?? s.enteredBy ?? ""),
                cancelAction: SiteRoute.eventSignupCancel(id, s.id).path,
                mayCancel: s.status != .cancelled && now < e.ends)
        }
        let hours = try await repo.hours(eventId: id, actor: actor)
        var helpers = hours.helpers.enumerated().map { i, h in
            HelperRow(
                rowIndex: String(i), helperName: h.name, helperPhone: h.phone,
                helperDuration: ServiceDuration.typed(h.minutes),
                isOrganiser: h.role == .organiser)
        }
        // The organisers come filled in, also once others' hours are saved: one not yet given hours stays offered.
        let named = Set(helpers.map(\.helperName))
        for o in e.organisers where !named.contains(o.name) {
            helpers.append(
                HelperRow(
                    rowIndex: String(helpers.count), helperName: o.name, helperPhone: o.phone, helperDuration: "",
                    isOrganiser: true))
        }
        for _ in 0..<3 {
            helpers.append(
                HelperRow(
                    rowIndex: String(helpers.count), helperName: "", helperPhone: "", helperDuration: "",
                    isOrganiser: false))
        }
        let edit =
            manage && e.state == .scheduled && now < e.starts
            ? EditForm(
                action: SiteRoute.eventAction(id, "edit").path, version: String(e.version), title: e.title,
                startsAt: e.starts.chinaLocal, endsAt: e.ends.chinaLocal, place: e.place,
                capacity: e.capacity.map(String.init) ?? "",
                organisers: e.organisers.map(\.name).joined(separator: "、"),
                tellsSignups: e.confirmed + e.waitlisted > 0) : nil
        return EventPage(
            note: note, edit: edit, eventTitle: e.title, kindLabel: EventWords.kind(e.kind, f),
            when: EventWords.when(e),
            eventPlace: e.place, placesText: EventWords.places(e, f), stateLabel: EventWords.state(e, f),
            signupLabel: f.t("event.signup." + e.signup.rawValue),
            organisersText: EventWords.organisers(e),
            cancelReason: e.state == .cancelled ? e.cancelReason : nil, publicHref: SiteRoute.publicEvent(id).path,
            newsHref: SiteRoute.communityNews(e.communityId).path, manage: manage,
            open: e.state == .scheduled && e.signup != .none && now < e.starts, started: now >= e.starts,
            ended: now >= e.ends && e.state == .scheduled, signups: signups, hasSignups: !signups.isEmpty,
            signupAction: SiteRoute.eventAction(id, "signups").path,
            attendanceAction: SiteRoute.eventAction(id, "attendance").path, attendedCount: String(e.attended),
            helpers: Self.numbered(helpers, f), hoursAction: SiteRoute.eventAction(id, "hours").path + "#hours",
            hoursTotal: hours.totalHours,
            reportAction: SiteRoute.eventAction(id, "report").path, reportText: e.report?.text ?? "",
            reportPhotos: (e.report?.photos ?? []).map { SiteRoute.publicAttachment($0).path },
            hasReportPhotos: !(e.report?.photos ?? []).isEmpty, cancelAction: SiteRoute.eventAction(id, "cancel").path)
    }
}

/// The question asked before a sign-up is cancelled by the organisers.
struct CancelSignupPage {
    var question: String
    var action: String
    var back: String
}

/// `/public/events/{id}`: the event for anyone, with the sign-up form and a way to cancel with the code.
struct PublicEventPage {
    var note: PageNote?
    var receipt: PageNote?
    var eventTitle: String
    var kindLabel: String
    var when: String
    var eventPlace: String
    var placesText: String
    var stateLabel: String
    /// Whose event it is, for a resident who came by a shared link: the community, and the compound when it is one.
    var holder: String
    var organisersText: String?
    var cancelReason: String?
    var residentsOnly: Bool
    var open: Bool
    /// Every place taken: said before the form, with the place in the queue a sign-up now takes, and the button
    /// says it is for the waiting list.
    var fullNote: String?
    var signupLabel: String
    var signupAction: String
    /// After a sign-up, the form again, for another person of the family.
    var signupAgain: String
    var cancelFormAction: String
    /// A cancellation refused: its form open again, with the code typed.
    var cancelOpen: Bool
    var cancelTyped: String
    var typedName: String
    var typedPhone: String
    /// Said beside each field of a refused sign-up, every one at once; and beside the code of a refused cancellation.
    var nameError: String?
    var phoneError: String?
    var codeError: String?
    var reportText: String?
    var reportPhotos: [String]
    var newsHref: String
    var calendarHref: String

    static func load(
        id: Int64, services: Services, note: PageNote?, receipt: PageNote? = nil, typed: [String: String] = [:],
        _ f: PageFrame
    ) async throws -> PublicEventPage {
        let e = try await EventRepository(database: services.database).publicEvent(id: id)
        let now = EventRoutes.now
        let community = try await Places.names(.communities, [e.communityId], services)[e.communityId] ?? ""
        var holder = community
        let full = e.capacity.map { e.confirmed >= $0 } ?? false
        if let c = e.compoundId, let name = try await Places.names(.compounds, [c], services)[c], !name.isEmpty {
            holder += (holder.isEmpty ? "" : " · ") + name
        }
        return PublicEventPage(
            note: note, receipt: receipt, eventTitle: e.title, kindLabel: EventWords.kind(e.kind, f),
            when: EventWords.when(e), eventPlace: e.place, placesText: EventWords.places(e, f),
            stateLabel: EventWords.state(e, f), holder: holder, organisersText: EventWords.organisers(e),
            cancelReason: e.state == .cancelled ? e.cancelReason : nil, residentsOnly: e.signup == .residents,
            open: e.state == .scheduled && e.signup != .none && now < e.starts,
            fullNote: full ? f.lang.say("event.fullNote", ["n": String(e.waitlisted + 1)]) : nil,
            signupLabel: f.t(full ? "event.signUpWaiting" : "event.signUp"),
            signupAction: SiteRoute.publicEventSignup(id).path, signupAgain: SiteRoute.publicEvent(id).path + "#signup",
            cancelFormAction: SiteRoute.publicEventCancel(id).path, cancelOpen: typed["cancel_code"] != nil,
            cancelTyped: typed["cancel_code"] ?? "",
            typedName: typed["name"] ?? "", typedPhone: typed["phone"] ?? "", nameError: typed["error.name"],
            phoneError: typed["error.phone"], codeError: typed["error.code"],
            reportText: e.state == .scheduled ? e.report?.text : nil,
            reportPhotos: e.state == .scheduled
                ? (e.report?.photos ?? []).map { SiteRoute.publicAttachment($0).path } : [],
            newsHref: SiteRoute.communityNews(e.communityId).path,
            calendarHref: SiteRoute.communityEventsCalendar(e.communityId).path)
    }
}

/// `/public/communities/{id}/news`: the community's event reports, newest first, and its coming events.
struct NewsPage {
    struct Item {
        var itemTitle: String
        var itemKind: String
        var itemWhen: String
        var itemText: String
        var itemPhotos: [String]
        var itemHref: String
        var reportedOn: String
    }
    struct Coming {
        var comingTitle: String
        var comingWhen: String
        var comingPlace: String
        var comingHref: String
    }
    var communityName: String
    var items: [Item]
    var hasItems: Bool
    var coming: [Coming]
    var hasComing: Bool
    var feedHref: String
    var calendarHref: String

    static func load(communityId: Int64, services: Services, _ f: PageFrame) async throws -> NewsPage {
        let community = try await services.registry.get(.communities, id: communityId, actor: .system)
        let repo = EventRepository(database: services.database)
        let items = try await repo.news(communityId: communityId).map { e in
            Item(
                itemTitle: e.title, itemKind: EventWords.kind(e.kind, f), itemWhen: EventWords.when(e),
                itemText: e.report?.text ?? "",
                itemPhotos: (e.report?.photos ?? []).map { SiteRoute.publicAttachment($0).path },
                itemHref: SiteRoute.publicEvent(e.id).path,
                reportedOn: beijingTime(e.report?.reportedAt ?? "", dateOnly: true))
        }
        let coming = try await repo.publicUpcoming(communityId: communityId).map { e in
            Coming(
                comingTitle: e.title, comingWhen: EventWords.when(e), comingPlace: e.place,
                comingHref: SiteRoute.publicEvent(e.id).path)
        }
        return NewsPage(
            communityName: community["name"]?.stringValue ?? "", items: items, hasItems: !items.isEmpty, coming: coming,
            hasComing: !coming.isEmpty, feedHref: SiteRoute.communityNewsFeed(communityId).path,
            calendarHref: SiteRoute.communityEventsCalendar(communityId).path)
    }
}

enum EventPages {
    static func add(to router: Router<AppContext>, services: Services) {
        EventPageController(services: services).register(on: router)
        PublicEventController(services: services).register(on: router)
    }
}

/// The staff's pages: the list with its form, and one event.
struct EventPageController {
    let services: Services
    var events: EventRepository { EventRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/events", list)
        Pages.post(router, "/events", create)
        Pages.get(router, "/events/:id", show)
        Pages.post(router, "/events/:id/signups", signUp)
        Pages.post(router, "/events/:id/signups/:signup/cancel", cancelSignup)
        Pages.post(router, "/events/:id/attendance", attendance)
        Pages.post(router, "/events/:id/hours", hours)
        Pages.post(router, "/events/:id/report", report)
        Pages.post(router, "/events/:id/cancel", cancel)
        Pages.post(router, "/events/:id/edit", edit)
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let page = try await EventsPage.load(services: services, actor: actor, note: nil, f)
        return f.page(title: f.t("event.title"), "events-list", page)
    }

    @Sendable func create(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageParticipation)
        let fields = try await Pages.form(request, context)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await EventsPage.load(
                services: services, actor: actor, note: PageNote(kind: m.0, text: m.1), typed: fields, f)
            return f.page(title: f.t("event.title"), "events-list", page, status: status)
        }
        let problems = EventsPage.Form.problems(fields, f)
        if !problems.isEmpty { return try await redisplay(("bad", Pages.lines(problems)), .unprocessableContent) }
        return try await Pages.save(f, redisplay: redisplay) {
            let place = PlaceChoice(fields["place_ref"])
            let (starts, ends, capacity) = try EventsPage.Form.typedTimes(
                starts: fields["starts_at"], ends: fields["ends_at"], capacity: fields["capacity"], f)
            let organisers = EventsPage.Form.organisers(fields["organisers"])
            let e = try await events.create(
                .init(
                    title: fields["title"] ?? "", kind: EventKind(rawValue: fields["kind"] ?? "") ?? .other,
                    communityId: place?.communityId, compoundId: place?.compoundId, startsAt: starts, endsAt: ends,
                    place: fields["place"] ?? "", capacity: capacity,
                    signup: EventSignupMode(rawValue: fields["signup"] ?? "") ?? .open, organisers: organisers),
                actor: actor)
            return SiteRoute.event(e.id).path
        }
    }

    func id(_ context: AppContext) throws -> Int64 { try context.parameters.require("id", as: Int64.self) }

    func render(
        _ id: Int64, _ actor: Actor, _ note: PageNote?, _ f: PageFrame, status: HTTPResponse.Status = .ok,
        typed: [String: [String]] = [:]
    ) async throws -> Response {
        var page = try await EventPage.load(id: id, services: services, actor: actor, note: note, f)
        if typed["starts_at"] != nil, page.edit != nil {
            // The change, refused: open, with the reason where the form is; as typed, unless someone else changed
            // the event meanwhile, when it shows what is stored now, to be read before changing it.
            if status != .preconditionFailed {
                for (key, path) in [
                    ("title", \EventPage.EditForm.title), ("starts_at", \.startsAt), ("ends_at", \.endsAt),
                    ("place", \.place), ("capacity", \.capacity), ("version", \.version),
                ] {
                    page.edit?[keyPath: path] = typed[key]?.last ?? ""
                }
            }
            page.edit?.open = true
            page.edit?.error = note?.text
            page.note = nil
        } else if let durations = typed["duration"] {
            // The hours form, refused: its rows as typed, not as last saved.
            let names = typed["name"] ?? []
            let phones = typed["phone"] ?? []
            let roles = typed["role"] ?? []
            // At most the rows an event may have: a form sent with thousands is not drawn back in full.
            page.helpers = EventPage.numbered(
                durations.indices.prefix(EventPage.mostHelperRows).map { i in
                    EventPage.HelperRow(
                        rowIndex: String(i), helperName: i < names.count ? names[i] : "",
                        helperPhone: i < phones.count ? phones[i] : "", helperDuration: durations[i],
                        isOrganiser: i < roles.count && roles[i] == HelperRole.organiser.rawValue)
                }, f)
            // The reason inside the form, where the page opens (#hours), not at the top of a long page.
            page.hoursError = note?.text
            page.hoursLong = durations.contains {
                ServiceDuration.minutes($0).map(ServiceDuration.asksToConfirm) ?? false
            }
            page.note = nil
        } else {
            page.typedName = typed["name"]?.last ?? ""
            page.typedPhone = typed["phone"]?.last ?? ""
        }
        return f.page(title: page.eventTitle, "events-event", page, status: status)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let note: PageNote? =
            switch request.uri.queryParameters.get("saved") {
            case "1": PageNote(kind: "ok", text: f.t("event.saved"))
            case "cancelled": PageNote(kind: "ok", text: f.t("event.signupCancelled"))
            default: nil
            }
        return try await render(try id(context), actor, note, f)
    }

    /// Runs one of the event page's forms and shows the page again, saved or with the reason.
    func act(
        _ request: Request, _ context: AppContext, _ f: PageFrame, capability: Capability = .manageParticipation,
        multipart: Bool = false, saved: String = "1",
        _ body: @escaping (Actor, [String: [String]], MultipartForm?) async throws -> Void
    ) async throws -> Response {
        let actor = try context.require(capability)
        let id = try id(context)
        var fields: [String: [String]] = [:]
        var form: MultipartForm?
        if multipart {
            form = try await Pages.multipartForm(request, context)
        } else {
            fields = try await Pages.formMulti(request, context)
        }
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await render(id, actor, PageNote(kind: m.0, text: m.1), f, status: status, typed: fields)
        }
        let formFields = fields
        let multi = form
        return try await Pages.save(
            f, next: SiteRoute("/events/\(id)", query: [("saved", saved)]).path, redisplay: redisplay
        ) {
            try await body(actor, formFields, multi)
        }
    }

    @Sendable func signUp(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f, capability: .writeContacts) { actor, fields, _ in
            _ = try await events.signUp(
                eventId: id, name: fields["name"]?.last ?? "", phone: fields["phone"]?.last ?? "",
                codeHash: EventRoutes.codeHash(EventRoutes.newCode()), actor: actor, now: EventRoutes.now)
        }
    }

    /// Takes someone off the list, once the clerk has confirmed whom: the button sits among the names, and a slip of
    /// the finger would otherwise cancel a neighbour's place without a word.
    @Sendable func cancelSignup(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        let signup = try context.parameters.require("signup", as: Int64.self)
        if request.uri.queryParameters.get("confirm") != "1" {
            let actor = try context.require(.manageParticipation)
            guard let s = try await events.signups(eventId: id, actor: actor).first(where: { $0.id == signup }) else {
                throw AppError.notFound
            }
            let page = CancelSignupPage(
                question: f.t("event.cancelSignupQuestion").replacingOccurrences(of: "{name}", with: s.name),
                action: SiteRoute("/events/\(id)/signups/\(signup)/cancel", query: [("confirm", "1")]).path,
                back: SiteRoute.event(id).path)
            return f.page(title: f.t("event.cancelSignup"), "events-cancel-signup", page)
        }
        return try await act(request, context, f, saved: "cancelled") { actor, _, _ in
            _ = try await events.cancelSignup(eventId: id, signupId: signup, by: .staff(actor), now: EventRoutes.now)
        }
    }

    @Sendable func attendance(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f) { actor, fields, _ in
            _ = try await events.setAttendance(
                eventId: id, attended: (fields["attended"] ?? []).compactMap { Int64($0) }, actor: actor,
                now: EventRoutes.now)
        }
    }

    @Sendable func hours(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f) { actor, fields, _ in
            let names = fields["name"] ?? []
            let phones = fields["phone"] ?? []
            let durations = fields["duration"] ?? []
            let roles = fields["role"] ?? []
            // More rows than an event may have are refused before any is read, saying how many it may.
            guard max(names.count, durations.count) <= EventPage.mostHelperRows else {
                throw ValidationError(
                    field: "helpers", code: Pages.pageMessage,
                    message: Lang.fill(f.t("event.tooManyRows"), ["n": String(EventPage.mostHelperRows)]))
            }
            var helpers: [(name: String, phone: String, role: HelperRole, minutes: Int64)] = []
            // The form's row of each helper sent, to say which row a refusal is about.
            var rows: [Int] = []
            func row(_ i: Int) -> String { f.t("event.hoursRow").replacingOccurrences(of: "{n}", with: String(i + 1)) }
            for i in names.indices {
                let name = names[i].trimmingCharacters(in: .whitespaces)
                let m = i < durations.count ? durations[i].trimmingCharacters(in: .whitespaces) : ""
                let role = HelperRole(rawValue: i < roles.count ? roles[i] : "") ?? .helper
                // The organisers' rows come filled in with their names: one left without a time did not serve.
                if m.isEmpty && (name.isEmpty || role == .organiser) { continue }
                // Hours as the volunteer page reads them (1.5, 2小时, 90分钟), exactly; the store takes minutes.
                guard let n = ServiceDuration.minutes(m) else {
                    throw ValidationError(
                        field: "minutes", code: Pages.pageMessage,
                        message: row(i) + VolunteerPageController.unread(m, f))
                }
                rows.append(i)
                helpers.append((name, i < phones.count ? phones[i] : "", role, n))
            }
            // 15 typed for 1.5: a row of more than 12 hours is asked about, as the volunteer page asks, and kept once
            // the box is ticked.
            let long = helpers.indices.filter {
                ServiceDuration.asksToConfirm(helpers[$0].minutes) && helpers[$0].minutes <= EventRules.maxHelperMinutes
            }
            if !long.isEmpty && fields["long"]?.last != "1" {
                throw ValidationError(
                    field: "minutes", code: Pages.pageMessage,
                    message: Lang.fill(
                        f.t("event.longHours"),
                        ["rows": long.map { String(rows[$0] + 1) }.joined(separator: f.t("common.listSeparator"))]))
            }
            do {
                _ = try await events.setHours(eventId: id, helpers, actor: actor, now: EventRoutes.now)
            } catch let e as ValidationError {
                // "helpers[2].phone" is the third helper sent: say it as the form's row, in words.
                throw Pages.namingListItem(e, count: rows.count, f) { row(rows[$0]) }
            }
        }
    }

    @Sendable func report(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f, multipart: true) { actor, _, form in
            let current = try await events.get(id: id, actor: actor)
            let write: (Int64?) async throws -> Void = { added in
                _ = try await events.setReport(
                    eventId: id, text: form?.fields["text"] ?? "",
                    photos: (current.report?.photos ?? []) + [added].compactMap { $0 },
                    actor: actor, now: EventRoutes.now)
            }
            guard let form else { return try await write(nil) }
            try await form.withStoredFile("photo", database: services.database, actor: actor, write)
        }
    }

    /// An event not yet started moved, renamed, or given another place or capacity, against the version read.
    @Sendable func edit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f) { actor, fields, _ in
            let (starts, ends, capacity) = try EventsPage.Form.typedTimes(
                starts: fields["starts_at"]?.last, ends: fields["ends_at"]?.last, capacity: fields["capacity"]?.last, f)
            // A time the form showed as stored (to the minute) is left as stored, not moved to its whole minute.
            let stored = try await events.get(id: id, actor: actor)
            _ = try await events.update(
                id: id,
                .init(
                    title: fields["title"]?.last ?? "",
                    startsAt: starts.chinaLocal == stored.starts.chinaLocal ? nil : starts,
                    endsAt: ends.chinaLocal == stored.ends.chinaLocal ? nil : ends,
                    place: fields["place"]?.last ?? "", capacity: .some(capacity),
                    organisers: fields["organisers"].map {
                        EventsPage.Form.organisers($0.last, keeping: stored.organisers)
                    }),
                ifVersion: Int64(fields["version"]?.last ?? "") ?? -1, actor: actor)
        }
    }

    @Sendable func cancel(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try id(context)
        return try await act(request, context, f) { actor, fields, _ in
            _ = try await events.cancel(id: id, reason: fields["reason"]?.last ?? "", actor: actor)
        }
    }
}

/// What anyone may open: an event's page with its sign-up form, the news page, its Atom feed and calendar.
struct PublicEventController {
    let services: Services
    let signupLimiter = RateLimiter("event.signup", limit: 10, window: 600)
    let cancelLimiter = RateLimiter("event.cancel", limit: 30, window: 600)
    var events: EventRepository { EventRepository(database: services.database) }

    func register(on router: Router<AppContext>) {
        router.get("public/events/:id", use: show)
        router.post("public/events/:id/signups", use: signUp)
        router.post("public/events/:id/cancel", use: cancel)
        router.get("public/communities/:id/news", use: news)
        router.get("public/communities/:id/news.atom", use: feed)
        router.get("public/communities/:id/events.ics", use: calendar)
    }

    func page(
        _ id: Int64, _ f: PageFrame, note: PageNote?, receipt: PageNote? = nil, typed: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        do {
            let page = try await PublicEventPage.load(
                id: id, services: services, note: note, receipt: receipt, typed: typed, f)
            return f.page(title: page.eventTitle, "events-public", page, status: status)
        } catch StoreError.notFound {
            return Pages.notFoundPage(f)
        }
    }

    @Sendable func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        return try await page(try context.parameters.require("id", as: Int64.self), f, note: nil)
    }

    /// A sign-up from the public page, answered with its number and the code to cancel it. The same form sent twice
    /// (a double tap, whose first answer the browser never shows) signs up once, and the second sending is shown the
    /// same number and code, not "already signed up".
    @Sendable func signUp(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        // Only the form's own fields: the words said beside them (error.*) are the server's, never sent ones.
        let fields = try await Pages.form(request, context, checkCSRF: false).filter { !$0.key.hasPrefix("error.") }
        let key = PublicPageController.sentKey(fields.mapValues { [$0] }, request, context)
        let code = key.map(EventRoutes.code(forSending:)) ?? EventRoutes.newCode()
        return try await Pages.once(key, in: context.forms) {
            try await signUp(id, fields, code: code, context, f)
        } unsettled: {
            try await page(
                id, f, note: PageNote(kind: "bad", text: f.t("form.sentBefore")), typed: fields, status: .conflict)
        } done: { saved in
            let receipt = SiteRoute(saved).queryItem("signup").flatMap(Int64.init)
            let waiting = SiteRoute(saved).queryItem("waiting") == "1"
            guard let number = receipt else { return Pages.seeOther(saved) }
            return try await page(id, f, note: nil, receipt: Self.receipt(number, code, waiting: waiting, f))
        } stands: { saved in
            // Cancelled since (by mistake, then sent again): a sign-up of its own, not the old receipt.
            guard let number = SiteRoute(saved).queryItem("signup").flatMap(Int64.init) else { return true }
            return try await events.signupStands(eventId: id, signupId: number)
        }
    }

    func signUp(_ id: Int64, _ fields: [String: String], code: String, _ context: AppContext, _ f: PageFrame)
        async throws -> (Response, saved: String?)
    {
        guard try await signupLimiter.allow(context.remoteHost, in: services.database) else {
            let note = PageNote(kind: "bad", text: f.t("public.tooMany"))
            return (try await page(id, f, note: note, typed: fields, status: .tooManyRequests), nil)
        }
        // Each field refused beside it, all at once: the name and the phone (an empty form said only 请填写姓名).
        let problems = EventRepository.signupProblems(name: fields["name"] ?? "", phone: fields["phone"] ?? "")
        if !problems.isEmpty {
            // Only sign-ups taken count against the address: a resident mending the form is not locked out.
            try await signupLimiter.refund(context.remoteHost, in: services.database)
            var typed = fields
            for p in problems { typed["error." + (p.field ?? "")] = AppError.from(p).map { Pages.message(for: $0, f) } }
            let note = PageNote(kind: "bad", text: f.t("event.signupFix"))
            return (try await page(id, f, note: note, typed: typed, status: .unprocessableContent), nil)
        }
        do {
            let made = try await events.signUp(
                eventId: id, name: fields["name"] ?? "", phone: fields["phone"] ?? "",
                codeHash: EventRoutes.codeHash(code), code: code, actor: nil, now: EventRoutes.now)
            let waiting = made.status != .confirmed
            let receipt = Self.receipt(made.id, code, waiting: waiting, f)
            // What a second sending needs to be shown the same receipt; the code is made again from the sending.
            let saved = SiteRoute(
                SiteRoute.publicEvent(id).path, query: [("signup", String(made.id)), ("waiting", waiting ? "1" : nil)])
            return (try await page(id, f, note: nil, receipt: receipt, status: .created), saved.path)
        } catch let e where [.unprocessableContent, .conflict].contains(AppError.from(e)?.status) {
            try await signupLimiter.refund(context.remoteHost, in: services.database)
            let note = PageNote(kind: "bad", text: Pages.message(for: AppError.from(e)!, f))
            return (try await page(id, f, note: note, typed: fields, status: AppError.from(e)!.status), nil)
        }
    }

    /// The sign-up's number and code, to keep.
    static func receipt(_ number: Int64, _ code: String, waiting: Bool, _ f: PageFrame) -> PageNote {
        let text = f.t(waiting ? "event.thanksWaiting" : "event.thanksConfirmed")
            .replacingOccurrences(of: "{code}", with: code)
        return PageNote(kind: "ok", text: text)
    }

    /// The person's own cancellation: the number and the code they were given. Sent twice (a double tap), the
    /// second sending is answered as the first, not "already cancelled".
    @Sendable func cancel(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context, checkCSRF: false)
        let cancelled = PageNote(kind: "ok", text: f.t("event.cancelled"))
        return try await Pages.once(
            PublicPageController.sentKey(fields.mapValues { [$0] }, request, context), in: context.forms
        ) {
            try await cancel(id, fields, context, f)
        } unsettled: {
            try await page(id, f, note: PageNote(kind: "bad", text: f.t("form.sentBefore")), status: .conflict)
        } done: { _ in
            try await page(id, f, note: cancelled)
        }
    }

    func cancel(_ id: Int64, _ fields: [String: String], _ context: AppContext, _ f: PageFrame) async throws -> (
        Response, saved: String?
    ) {
        // Refused, the cancel form comes back open with the code as typed.
        func refused(_ key: String, _ status: HTTPResponse.Status) async throws -> (Response, saved: String?) {
            let typed = ["cancel_code": String((fields["code"] ?? "").prefix(20)), "error.code": f.t(key)]
            return (
                try await page(id, f, note: PageNote(kind: "bad", text: f.t(key)), typed: typed, status: status), nil
            )
        }
        guard try await cancelLimiter.allow(context.remoteHost, in: services.database) else {
            return try await refused("public.tooMany", .tooManyRequests)
        }
        guard let code = fields["code"], !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            return try await refused("event.cancelCodeRequired", .unprocessableContent)
        }
        do {
            // The code alone finds the sign-up; a number typed beside it (an older receipt named one) is checked too.
            let typed = Int64((fields["number"] ?? "").trimmingCharacters(in: .whitespaces))
            guard
                let signup = try await events.signupId(
                    eventId: id, codeHash: EventRoutes.codeHash(code), number: typed)
            else { return try await refused("event.cancelNotFound", .notFound) }
            _ = try await events.cancelSignup(
                eventId: id, signupId: signup, by: .code(hash: EventRoutes.codeHash(code)), now: EventRoutes.now)
            let note = PageNote(kind: "ok", text: f.t("event.cancelled"))
            return (try await page(id, f, note: note), SiteRoute.publicEvent(id).path)
        } catch StoreError.notFound {
            return try await refused("event.cancelNotFound", .notFound)
        } catch let e where AppError.from(e)?.status == .conflict {
            let note = PageNote(kind: "bad", text: Pages.message(for: AppError.from(e)!, f))
            return (try await page(id, f, note: note, status: .conflict), nil)
        }
    }

    @Sendable func news(_ request: Request, _ context: AppContext) async throws -> Response {
        let f = Pages.frame(request, context)
        let id = try context.parameters.require("id", as: Int64.self)
        do {
            let page = try await NewsPage.load(communityId: id, services: services, f)
            return f.page(title: page.communityName + " · " + f.t("event.news"), "events-news", page)
        } catch StoreError.notFound {
            return Pages.notFoundPage(f)
        }
    }

    @Sendable func feed(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let community = try? await services.registry.get(.communities, id: id, actor: .system) else {
            throw AppError.notFound
        }
        let items = try await events.news(communityId: id)
        let base = services.publicLink("", request: request)
        let text = EventFeeds.atom(
            communityId: id, communityName: community["name"]?.stringValue ?? "", events: items, base: base,
            lang: context.lang)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/atom+xml; charset=utf-8", .cacheControl: "public, max-age=300",
                .vary: "Host",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Sendable func calendar(_ request: Request, _ context: AppContext) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let community = try? await services.registry.get(.communities, id: id, actor: .system) else {
            throw AppError.notFound
        }
        let from = EventInstant(seconds: EventRoutes.now.seconds - 31 * 86400).utcText
        let list = try await events.calendar(communityId: id, actor: nil, from: from)
        let stamp = Clock.isoNow().filter { $0 != "-" && $0 != ":" }
        // In Chinese unless asked for in English by the address: a shared cache keeps one copy per address.
        let lang: Lang = request.uri.queryParameters.get("lang") == "en" ? .en : .zh
        // Each entry leads back to its page, where it is signed up for; its description says what and where.
        let entries = list.map { e in
            var entry = EventFeeds.calendarEvent(e)
            entry.url = services.publicLink(SiteRoute.publicEvent(e.id).path, request: request)
            if entry.description.isEmpty {
                entry.description = lang.say(
                    "event.calendarDescription", ["kind": lang.t("event.kind." + e.kind.rawValue), "link": entry.url])
            }
            return entry
        }
        let text = ICalendar.feed(
            name: (community["name"]?.stringValue ?? "") + " · " + lang.t("event.calendarName"), events: entries,
            stamp: stamp)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8", .cacheControl: "public, max-age=300", .vary: "Host",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
