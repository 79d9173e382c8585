import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func buildingStewards(_ id: Int64) -> SiteRoute { SiteRoute("/buildings/\(id)/stewards") }
    static func buildingStewardEnd(_ id: Int64, _ steward: Int64) -> SiteRoute {
        SiteRoute("/buildings/\(id)/stewards/\(steward)/end")
    }
    static func buildingStewardsSaved(_ id: Int64) -> SiteRoute {
        SiteRoute(SiteRoute.building(id).path + "?saved=1#stewards")
    }
}

/// A building's stewards on its page (楼长): every term of the building and its entrances, and for the office and
/// the community the forms that appoint a steward and end a term.
struct BuildingStewards {
    struct Term {
        var placeName: String
        var personName: String
        var period: String
        var appointed: String
        var account: String
        var endReason: String?
        var current: Bool
        var end: StewardForms.End?
        /// The election record filed with the appointment.
        var recordHref: String?
    }
    struct Appoint {
        var action: String
        var places: [FormOption]
        var people: [FormOption]
        var ways: [FormOption]
        var since: String
        var publicName: String
        var withAccount: Bool
        var username: String
    }
    var note: PageNote?
    var terms: [Term]
    var hasTerms: Bool
    var appoint: Appoint?
    var today: String

    static func load(
        building: Int64, actor: Actor, services: Services, note: PageNote?, typed: [String: String], _ f: PageFrame
    ) async throws -> BuildingStewards {
        let repo = StewardRepository(database: services.database)
        let manages = Permissions.allows(actor.role, .manageStewards)
        let terms = try await repo.list(.init(buildingId: building), actor: actor, paging: .export).map {
            term($0, building: building, manages: manages, typed: typed, f)
        }
        let appoint = manages ? try await form(building: building, actor: actor, services: services, typed, f) : nil
        return BuildingStewards(
            note: note, terms: terms, hasTerms: !terms.isEmpty, appoint: appoint, today: Clock.today.description)
    }

    static func term(_ s: Steward, building: Int64, manages: Bool, typed: [String: String], _ f: PageFrame) -> Term {
        let period =
            s.until.map {
                Lang.fill(f.t("stewards.period.ended"), ["since": s.since.description, "until": $0.description])
            }
            ?? Lang.fill(f.t("stewards.period.serving"), ["since": s.since.description])
        let notYet = s.since > Clock.today ? f.t("stewards.notYet") : ""
        return Term(
            placeName: s.placeName, personName: s.residentName, period: period + notYet,
            appointed: f.t("stewards.way." + s.appointedBy.rawValue),
            account: f.t(s.userId == nil ? "stewards.account.none" : "stewards.account.yes"),
            endReason: s.endReason.isEmpty ? nil : s.endReason, current: s.current,
            end: manages
                ? StewardForms.End(
                    action: SiteRoute.buildingStewardEnd(building, s.id).path, id: s.id, until: s.until, typed: typed)
                : nil,
            recordHref: s.electionRecordAttachmentId.map { SiteRoute.attachment($0).path })
    }

    static func form(
        building: Int64, actor: Actor, services: Services, _ typed: [String: String], _ f: PageFrame
    ) async throws -> Appoint {
        let entrances = try await services.registry.listAll(
            Entrance.self, query: ListQuery(filters: ["building_id": String(building)]), actor: actor)
        let place = typed["place"] ?? "building"
        let places =
            [FormOption(value: "building", label: f.t("stewards.wholeBuilding"), selected: place == "building")]
            + entrances.map { FormOption(value: String($0.id), label: $0.name, selected: place == String($0.id)) }
        var seen = Set<Int64>()
        let people = try await StewardRepository(database: services.database).candidates(
            building: building, actor: actor
        ).filter { seen.insert($0.residentId).inserted }.map {
            $0.option(selected: typed["resident_id"] == String($0.residentId), f)
        }
        let way = typed["appointed_by"] ?? StewardAppointment.election.rawValue
        return Appoint(
            action: SiteRoute.buildingStewards(building).path, places: places, people: people,
            ways: StewardAppointment.allCases.map {
                FormOption(
                    value: $0.rawValue, label: f.t("stewards.way." + $0.rawValue), selected: way == $0.rawValue)
            }, since: typed["since"] ?? Clock.today.description, publicName: typed["public_name"] ?? "",
            withAccount: typed["with_account"] == "yes",
            username: typed["username"] ?? "")
    }
}

/// The forms on a building's page that appoint its steward and end a term.
struct BuildingStewardsController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.post(router, "/buildings/:id/stewards", appoint)
        Pages.post(router, "/buildings/:id/stewards/:steward/end", end)
    }

    /// The building's page again, with why the form was refused and what was typed.
    func redisplay(_ id: Int64, _ actor: Actor, typed: [String: String], _ f: PageFrame) -> Pages.Redisplay {
        { m, status in
            var page = try await BuildingPage.load(id: id, actor: actor, services: services)
            page.stewards = try await BuildingStewards.load(
                building: id, actor: actor, services: services, note: PageNote(kind: m.0, text: m.1),
                typed: typed, f)
            return f.page(title: page.title, "registry-building", page, status: status)
        }
    }

    @Sendable func appoint(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await Pages.multipartForm(request, context)
        let typed = form.fields
        return try await Pages.save(f, redisplay: redisplay(id, actor, typed: typed, f)) {
            let new = try await newSteward(id, typed, actor: actor, f)
            var record: Int64?
            do {
                record = try await form.storeFile("election_record", database: services.database, actor: actor)
                var n = new
                n.electionRecordAttachmentId = record
                _ = try await StewardRepository(database: services.database).create(n, actor: actor)
            } catch {
                if let record {
                    try? await AttachmentRepository(database: services.database).discard(id: record, actor: actor)
                }
                throw error
            }
            return SiteRoute.buildingStewardsSaved(id).path
        }
    }

    /// What the appointment form says, checked as far as the page can before the store checks the rest.
    func newSteward(_ building: Int64, _ typed: [String: String], actor: Actor, _ f: PageFrame) async throws
        -> StewardRepository.NewSteward
    {
        guard let resident = typed["resident_id"].flatMap({ Int64($0) }) else {
            throw ValidationError(field: "resident_id", code: Pages.pageMessage, message: f.t("stewards.pickPerson"))
        }
        guard let since = Day(typed["since"] ?? "") else {
            throw ValidationError(field: "since", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        let entrance = typed["place"].flatMap { Int64($0) }
        let publicName = TextNormalizer.clean(typed["public_name"] ?? "")
        guard publicName.unicodeScalars.count <= 50 else {
            throw ValidationError(
                field: "public_name", code: Pages.pageMessage, message: f.t("stewards.publicNameLong"))
        }
        return .init(
            residentId: resident, buildingId: entrance == nil ? building : nil, entranceId: entrance, since: since,
            until: nil, appointedBy: StewardAppointment(rawValue: typed["appointed_by"] ?? "") ?? .election,
            publicName: publicName.isEmpty ? nil : publicName,
            account: try await account(typed, f))
    }

    /// The sign-in made with the appointment, when the form asks for one: a login name and a first password.
    func account(_ typed: [String: String], _ f: PageFrame) async throws -> StewardRepository.NewAccount? {
        guard typed["with_account"] == "yes" else {
            // A login name or password typed without the tick would be dropped without a word.
            if !(typed["username"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                || !(typed["password"] ?? "").isEmpty
            {
                throw ValidationError(
                    field: "with_account", code: Pages.pageMessage, message: f.t("stewards.accountNotTicked"))
            }
            return nil
        }
        let username = (typed["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = typed["password"] ?? ""
        do {
            try Security.checkPasswordStrength(password, username: username)
        } catch var e as AppError {
            e.field = "account.password"
            throw e
        }
        return .init(
            username: username, passwordHash: try await hashPassword(password, services: services), displayName: "")
    }

    @Sendable func end(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.manageStewards)
        let id = try context.parameters.require("id", as: Int64.self)
        let stewardId = try context.parameters.require("steward", as: Int64.self)
        let typed = try await Pages.form(request, context)
        let repo = StewardRepository(database: services.database)
        guard try await repo.get(id: stewardId, actor: actor).buildingId == id else { throw AppError.notFound }
        let shown = typed.merging(["end_of": String(stewardId)]) { a, _ in a }
        return try await Pages.save(f, redisplay: redisplay(id, actor, typed: shown, f)) {
            let until = try StewardForms.lastDay(typed, tick: "stewards.confirmEnd", f)
            _ = try await repo.end(id: stewardId, on: until, reason: typed["reason"] ?? "", actor: actor)
            // The post's account may have ended with it: this server forgets the tokens it knows at once.
            services.tokens.clear()
            return SiteRoute.buildingStewardsSaved(id).path
        }
    }
}

extension StewardCandidate {
    /// How a form offers the person: their name and the home that places them (王丽华（3号楼-2单元-102，业主）).
    func option(selected: Bool, _ f: PageFrame) -> FormOption {
        let home =
            "\(entrance)-\(room)" + (owner ? f.t("stewards.owner") : "")
            + (phoneTail.isEmpty ? "" : Lang.fill(f.t("stewards.phoneTail"), ["tail": phoneTail]))
        return FormOption(value: String(residentId), label: "\(name)（\(home)）", selected: selected)
    }
}

/// What the forms that end a steward's term or a body member's share.
enum StewardForms {
    /// The form that ends a term: offered while the term has no last day or one still ahead (which may be brought
    /// forward); after a refusal it is open again with what was typed.
    struct End {
        var action: String
        var open: Bool
        var until: String
        var reason: String

        init?(action: String, id: Int64, until: Day?, typed: [String: String], today: Day = Clock.today) {
            if let until, until <= today { return nil }
            let again = typed["end_of"] == String(id)
            self.action = action
            open = again
            self.until = again ? typed["until"] ?? "" : today.description
            reason = again ? typed["reason"] ?? "" : ""
        }
    }

    /// The last day served, once the form's tick confirms it; `tick` names the words when it is missing.
    static func lastDay(_ typed: [String: String], tick: String, _ f: PageFrame) throws -> Day {
        guard typed["confirm_end"] == "yes" else {
            throw ValidationError(field: "confirm_end", code: Pages.pageMessage, message: f.t(tick))
        }
        guard let until = Day(typed["until"] ?? "") else {
            throw ValidationError(field: "until", code: Pages.pageMessage, message: f.t("form.badDate"))
        }
        return until
    }
}
