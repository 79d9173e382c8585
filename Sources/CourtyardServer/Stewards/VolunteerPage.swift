import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// `saved`: the entry just recorded, read back beside the form.
    /// `removed`: the entry just removed, named on the page.
    static func volunteers(year: Int? = nil, saved: Int64? = nil, removed: Int64? = nil) -> SiteRoute {
        SiteRoute(
            "/volunteers",
            query: [
                ("year", year.map(String.init)), ("saved", saved.map(String.init)),
                ("removed", removed.map(String.init)),
            ])
    }
    static func volunteerRemove(_ id: Int64) -> SiteRoute { SiteRoute("/volunteers/\(id)/remove") }
    static func volunteerSummary(year: Int, format: String) -> SiteRoute {
        SiteRoute(
            "/api/v1/volunteer_hours/summary", query: [("year", String(year)), ("format", format), ("lang", "zh-Hans")])
    }
}

/// `/volunteers`: a year of volunteer service where the hours come from, each person's by kind of service (the
/// events they helped at, patrols, outreach, other) and each team's; the hand-recorded entries behind them; and, for
/// whoever records contacts, the form that records a patrol or a round of outreach.
struct VolunteerPage {
    struct Person {
        var personName: String
        var teams: String
        var event: String
        var patrol: String
        var outreach: String
        var other: String
        var total: String
    }
    struct Team {
        var teamName: String
        var volunteers: String
        var total: String
    }
    struct Entry {
        var date: String
        var personName: String
        var activity: String
        var hours: String
        var place: String
        var note: String
        /// For whoever may remove it: community staff any, the person who recorded it on that day.
        var removeAction: String?
        /// When the entry was recorded, sent back so that another entry given its number is never removed.
        var recordedAt: String
    }
    struct YearLink {
        var label: String
        var href: String
        var current: Bool
    }
    var note: PageNote?
    var year: String
    var years: [YearLink]
    var people: [Person]
    var hasPeople: Bool
    var teams: [Team]
    var hasTeams: Bool
    var total: String
    var entries: [Entry]
    var hasEntries: Bool
    /// Said at the list an entry was just removed from.
    var removed: String?
    var xlsxHref: String
    var csvHref: String
    var form: VolunteerForm?

    static func load(
        year: Int, actor: Actor, services: Services, note: PageNote?, form: VolunteerForm?, _ f: PageFrame
    ) async throws -> VolunteerPage {
        let repo = VolunteerRepository(database: services.database)
        let summary = try await repo.year(year, actor: actor)
        let hand = try await repo.list(actor: actor, year: year, paging: Paging(limit: 100, offset: 0))
        let communities = try await Places.names(.communities, hand.map(\.communityId), services)
        let compounds = try await Places.names(.compounds, hand.compactMap(\.compoundId), services)
        let thisYear = Clock.today.civil.year
        return VolunteerPage(
            note: note, year: String(year),
            years: (thisYear - 2...thisYear).reversed().map {
                YearLink(label: String($0), href: SiteRoute.volunteers(year: $0).path, current: $0 == year)
            },
            people: summary.volunteers.prefix(300).map(person), hasPeople: !summary.volunteers.isEmpty,
            teams: summary.teams.map {
                Team(teamName: $0.name, volunteers: String($0.volunteers), total: $0.totalHours)
            }, hasTeams: !summary.teams.isEmpty, total: summary.totalHours,
            entries: hand.map { e in
                Entry(
                    date: e.date.description, personName: e.name,
                    activity: f.t("volunteer.kind." + e.activity.rawValue),
                    hours: duration(e.minutes, f),
                    place: e.compoundId.flatMap { compounds[$0] } ?? communities[e.communityId] ?? "", note: e.note,
                    removeAction: e.removable ? SiteRoute.volunteerRemove(e.id).path : nil, recordedAt: e.recordedAt)
            }, hasEntries: !hand.isEmpty,
            xlsxHref: SiteRoute.volunteerSummary(year: year, format: "xlsx").path,
            csvHref: SiteRoute.volunteerSummary(year: year, format: "csv").path, form: form)
    }

    /// A duration as exactly as it was recorded: whole tenths of an hour, else minutes.
    static func duration(_ minutes: Int64, _ f: PageFrame) -> String {
        guard minutes % 6 == 0, minutes >= 60 else {
            return f.lang.say("volunteer.minutesShort", ["n": String(minutes)])
        }
        let tenths = minutes / 6
        let hours = tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        return f.lang.say("volunteer.hoursShort", ["n": hours])
    }

    /// What was just recorded, read back in the person's words so a slip is seen at once; `year` is the one its page
    /// was sent to, the year of its day.
    static func savedWhat(_ id: Int64, year: Int, actor: Actor, services: Services, _ f: PageFrame) async throws
        -> String?
    {
        let found = try await VolunteerRepository(database: services.database).list(actor: actor, year: year, id: id)
        guard let e = found.first else { return nil }
        let what = [e.name, f.t("volunteer.kind." + e.activity.rawValue), duration(e.minutes, f), e.date.description]
        // Community staff and the office remove an entry any day; whoever else recorded it, on that day.
        let key = Permissions.allows(actor.role, .manageStewards) ? "volunteer.savedWhatAny" : "volunteer.savedWhat"
        return f.lang.say(key, ["what": what.joined(separator: " · ")])
    }

    static func person(_ p: VolunteerYear.Person) -> Person {
        func hours(_ minutes: Int64) -> String { minutes == 0 ? "—" : EventRules.hoursText(minutes: minutes) }
        return Person(
            personName: p.name, teams: p.teams.joined(separator: "、"), event: hours(p.eventMinutes),
            patrol: hours(p.patrolMinutes), outreach: hours(p.outreachMinutes), other: hours(p.otherMinutes),
            total: p.totalHours)
    }
}

/// The form that records service by hand: where (a compound, or a whole community), who, what, when, how long.
struct VolunteerForm {
    var action: String
    var places: [FormOption]
    var teams: [FormOption]
    var offersTeams: Bool
    var activities: [FormOption]
    var personName: String
    var phone: String
    var date: String
    var today: String
    var duration: String
    var noteText: String
    /// What was just recorded, said above the form that recorded it.
    var saved: String?
    /// The same service of the same person that day is already recorded: sent again, with the box ticked, it is
    /// recorded as another.
    var askAgain = false
    /// An entry longer than most, asked about beside its field: ticked and sent again, it is kept.
    var askLong = false
    /// A box ticked before that the next question does not show again, kept as sent: a long entry that is also a
    /// repeat is asked each question once, not in turn for ever.
    var keepLong = false
    var keepAgain = false
    /// Why it asks, said beside the box (the page opens at the form, far below the note on top).
    var againText: String?
    /// The fields found wrong, each said beside its field.
    var placeError: String?
    var nameError: String?
    var phoneError: String?
    var dateError: String?
    var durationError: String?

    static func load(actor: Actor, services: Services, typed: [String: String], _ f: PageFrame) async throws
        -> VolunteerForm?
    {
        guard Permissions.allows(actor.role, .writeContacts) else { return nil }
        let compounds = try await services.registry.listAll(Compound.self, actor: actor).prefix(500)
        let communities = try await services.registry.listAll(Community.self, actor: actor).prefix(100)
        let place = typed["place"] ?? (compounds.count == 1 ? PlaceChoice.compound(compounds[0].id).value : nil)
        let teams = try await BodyRepository(database: services.database).list(
            compoundId: nil, communityId: nil, kind: nil, actor: actor
        ).filter { [.volunteerTeam, .neighbourhoodStation].contains($0.kind) }.prefix(200)
        return VolunteerForm(
            action: SiteRoute.volunteers().path,
            places: PlaceChoice.options(compounds: compounds, communities: communities, selected: place, f),
            teams: teams.map {
                FormOption(value: String($0.id), label: $0.name, selected: typed["body_id"] == String($0.id))
            }, offersTeams: !teams.isEmpty,
            activities: VolunteerActivity.allCases.filter { $0 != .event }.map {
                FormOption(
                    value: $0.rawValue, label: f.t("volunteer.kind." + $0.rawValue),
                    selected: (typed["activity"] ?? "patrol") == $0.rawValue)
            }, personName: typed["name"] ?? "", phone: typed["phone"] ?? "",
            date: typed["date"] ?? Clock.today.description, today: Clock.today.description,
            duration: typed["duration"] ?? "", noteText: typed["note"] ?? "")
    }

    /// Marks beside each field what the store found wrong with it.
    mutating func mark(_ r: Pages.Refusal, sent: [String: String] = [:]) {
        let fields: [(String, WritableKeyPath<VolunteerForm, String?>)] = [
            ("community_id", \.placeError), ("compound_id", \.placeError), ("body_id", \.placeError),
            ("name", \.nameError), ("phone", \.phoneError), ("date", \.dateError), ("minutes", \.durationError),
        ]
        for (field, path) in fields where r.fields.contains(field) {
            // Each field its own words when the refusal names several (all that is wrong, said at once).
            self[keyPath: path] = r.each[field] ?? r.text
        }
        askLong = r.code == "long_entry"
        askAgain = r.code == "already_recorded"
        againText = askAgain ? r.text : nil
        keepLong = !askLong && sent["long"] == "1"
        keepAgain = !askAgain && sent["again"] == "1"
    }
}

struct VolunteerPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/volunteers", show)
        Pages.post(router, "/volunteers", record)
        Pages.post(router, "/volunteers/:id/remove", remove)
    }

    /// An entry recorded wrongly, removed from the list under the form; refused, the page says why.
    @Sendable func remove(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let id = try context.parameters.require("id", as: Int64.self)
        // Back to the year whose list it was removed from.
        let sent = try await Pages.form(request, context)
        let year =
            sent["year"].flatMap { Int($0) }.flatMap { (2000...2100).contains($0) ? $0 : nil }
            ?? Clock.today.civil.year
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await VolunteerPage.load(
                year: year, actor: actor, services: services, note: PageNote(kind: m.0, text: m.1),
                form: try await VolunteerForm.load(actor: actor, services: services, typed: [:], f), f)
            return f.page(title: f.t("volunteer.title"), "stewards-volunteers", page, status: status)
        }
        return try await Pages.save(f, redisplay: redisplay) {
            // Removed a moment before (another tab, a colleague): it is gone, as asked, and the page names no entry.
            do {
                try await VolunteerRepository(database: services.database).remove(
                    id: id, recordedAt: sent["recorded_at"], actor: actor)
            } catch StoreError.notFound {
                return SiteRoute.volunteers(year: year).path + "#entries"
            }
            return SiteRoute.volunteers(year: year, removed: id).path + "#entries"
        }
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let asked = request.uri.queryParameters.get("year").flatMap { Int($0) }
        let year = asked.flatMap { (2000...2100).contains($0) ? $0 : nil } ?? Clock.today.civil.year
        var form = try await VolunteerForm.load(actor: actor, services: services, typed: [:], f)
        if let saved = request.uri.queryParameters.get("saved").flatMap({ Int64($0) }) {
            form?.saved = try await VolunteerPage.savedWhat(saved, year: year, actor: actor, services: services, f)
        }
        var page = try await VolunteerPage.load(
            year: year, actor: actor, services: services, note: nil, form: form, f)
        if let removed = request.uri.queryParameters.get("removed").flatMap({ Int64($0) }) {
            // Named by the entry it was, so a wrong button is seen at once; an address never claims a removal.
            let entry = try await VolunteerRepository(database: services.database).removed(id: removed, actor: actor)
            page.removed = entry.map { e in
                let what = [
                    e.name, f.t("volunteer.kind." + e.activity.rawValue), VolunteerPage.duration(e.minutes, f),
                    e.date.description,
                ]
                return f.lang.say("volunteer.removedWhat", ["what": what.joined(separator: " · ")])
            }
        }
        return f.page(title: f.t("volunteer.title"), "stewards-volunteers", page)
    }

    /// Service recorded by hand: saved, the page of its year; refused, the form again with what was typed and the
    /// wrong fields marked.
    @Sendable func record(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let fields = try await Pages.form(request, context)
        let refused: (Pages.Refusal) async throws -> Response = { r in
            var form = try await VolunteerForm.load(actor: actor, services: services, typed: fields, f)
            form?.mark(r, sent: fields)
            let page = try await VolunteerPage.load(
                year: Clock.today.civil.year, actor: actor, services: services,
                note: PageNote(kind: r.tone, text: r.text), form: form, f)
            return f.page(title: f.t("volunteer.title"), "stewards-volunteers", page, status: r.status)
        }
        // Everything the page can tell before saving is said at once, each beside its field.
        let problems = Self.problems(fields, f)
        if !problems.isEmpty { return try await refused(problems.refusal(f)) }
        return try await Pages.save(f, refused: refused) {
            let hours = try Self.newHours(fields, f)
            let made = try await VolunteerRepository(database: services.database).record(hours, actor: actor)
            return SiteRoute.volunteers(year: hours.date.civil.year, saved: made.id).path + "#record"
        }
    }

    /// A time not read: asked for when empty, or quoted back as not understood (一个半), with how to write it.
    static func unread(_ typed: String?, _ f: PageFrame) -> String {
        let text = TextNormalizer.line(typed ?? "")
        return text.isEmpty
            ? f.t("volunteer.badDuration")
            : Lang.fill(f.t("volunteer.unreadDuration"), ["typed": String(text.prefix(20))])
    }

    /// What is wrong with the typed hours that the page can tell before saving, in the form's order.
    static func problems(_ fields: [String: String], _ f: PageFrame) -> [FormProblem] {
        var found: [FormProblem] = []
        if PlaceChoice(fields["place"]) == nil && Int64(fields["body_id"] ?? "") == nil {
            found.append(FormProblem("community_id", f.t("volunteer.pickPlace")))
        }
        if TextNormalizer.line(fields["name"] ?? "").isEmpty {
            found.append(FormProblem("name", f.t("error.name.required")))
        }
        let phone = TextNormalizer.line(fields["phone"] ?? "")
        if !phone.isEmpty && PersonalData.normalizePhone(phone) == nil {
            found.append(FormProblem("phone", f.t("error.phone.invalid")))
        }
        if let day = Day(fields["date"] ?? "") {
            if day > Clock.today { found.append(FormProblem("date", f.t("error.in_future"))) }
        } else {
            found.append(FormProblem("date", f.t("form.badDate")))
        }
        if let minutes = ServiceDuration.minutes(fields["duration"] ?? "") {
            if !(1...EventRules.maxHelperMinutes).contains(minutes) {
                found.append(FormProblem("minutes", f.t("volunteer.durationRange")))
            }
        } else {
            found.append(FormProblem("minutes", Self.unread(fields["duration"], f)))
        }
        return found
    }

    /// The form's fields as a record, or the first field the store cannot be asked about.
    static func newHours(_ fields: [String: String], _ f: PageFrame) throws -> VolunteerRepository.NewHours {
        let place = PlaceChoice(fields["place"])
        let team = Int64(fields["body_id"] ?? "")
        guard place != nil || team != nil else {
            throw ValidationError(field: "community_id", code: Pages.pageMessage, message: f.t("volunteer.pickPlace"))
        }
        guard let date = Day(fields["date"] ?? "") else {
            throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        // Hours as people say them (1.5, 2小时, 90分钟), read exactly; the store takes minutes.
        guard let minutes = ServiceDuration.minutes(fields["duration"] ?? "") else {
            throw ValidationError(
                field: "minutes", code: Pages.pageMessage, message: Self.unread(fields["duration"], f))
        }
        guard (1...EventRules.maxHelperMinutes).contains(minutes) else {
            throw ValidationError(field: "minutes", code: Pages.pageMessage, message: f.t("volunteer.durationRange"))
        }
        if ServiceDuration.asksToConfirm(minutes) && fields["long"] != "1" {
            var asked = ValidationError(field: "minutes", code: "long_entry", message: "confirm so long an entry")
            asked.values = ["hours": VolunteerPage.duration(minutes, f)]
            throw asked
        }
        // Hours at an event come from its helpers; a form offers only the other kinds.
        guard let activity = VolunteerActivity(rawValue: fields["activity"] ?? "patrol"), activity != .event else {
            throw ValidationError(field: "activity", code: Pages.pageMessage, message: f.t("volunteer.badActivity"))
        }
        return VolunteerRepository.NewHours(
            communityId: place?.communityId, compoundId: place?.compoundId,
            bodyId: team, name: fields["name"] ?? "", phone: fields["phone"] ?? "",
            activity: activity, date: date, minutes: minutes,
            note: fields["note"] ?? "", again: fields["again"] == "1")
    }
}
