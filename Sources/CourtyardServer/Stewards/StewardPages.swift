import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

/// The steward's phone page: my households entrance by entrance, floor by floor, each with its last contact; the
/// follow-ups due today; and a contact form that queues entries on the phone while the connection is down.
struct StewardPhonePage {
    struct Home {
        var householdId: Int64
        var room: String
        var owner: String
        var away: Bool
        var lastContact: String?
        var dueToday: Bool
        var formHref: String
    }
    struct Floor {
        var floorLabel: String
        var homes: [Home]
    }
    struct EntranceBlock {
        var entranceName: String
        var floors: [Floor]
    }
    struct FollowUp {
        var followRoom: String
        var followOn: String
        var followNote: String
        var followHref: String
    }
    /// The household the steward chose on the grid: its people, each with a number to call (a steward reads the
    /// personal data of the households in their care).
    struct Chosen {
        struct Person {
            var name: String
            var relation: String
            var away: Bool
            var phone: String?
            var callHref: String?
        }
        var chosenRoom: String
        var people: [Person]
        var hasPeople: Bool
        /// The home's last visits and calls, newest first, with what was noted: the steward reads back before going.
        struct Visit {
            var when: String
            var how: String
            var outcome: String
            var visitNote: String
        }
        var visits: [Visit] = []
        var hasVisits = false
    }
    typealias Option = FormOption
    struct CampaignMap {
        var mapLabel: String
        var mapHref: String
    }
    struct Form {
        var action: String
        var households: [Option]
        var channels: [Option]
        var outcomes: [Option]
        var campaigns: [Option]
        var hasCampaigns: Bool
        /// Each running campaign's wall chart (挂图作战) of the steward's homes.
        var campaignMaps: [CampaignMap]
        var hasCampaignMaps: Bool
        var today: String
        /// What a refused entry had typed, shown again in the form (a page without its script).
        var date: String
        var note: String
        var followUpOn: String
        /// Why the entry was refused, said inside the form, and the field it is about.
        var error: String?
        var wrong: [String: Bool] = [:]
        var clientId: String
        var queuedText: String
        var sentText: String
        var refusedText: String
        var script: String
    }
    var note: PageNote?
    var entrances: [EntranceBlock]
    var hasHouseholds: Bool
    var truncated: Bool
    var followUps: [FollowUp]
    var hasFollowUps: Bool
    var chosen: Chosen?
    var form: Form

    static let limit = 400

    /// The campaign a contact with this household counts towards unless the steward chooses otherwise: the one
    /// running campaign that targets it (with none chosen, the only one running); nil when it is not one.
    static func campaignFor(
        _ household: Int64?, running: [Campaign], actor: Actor, services: Services
    ) async throws -> Int64? {
        guard let household else { return running.count == 1 ? running[0].id : nil }
        let repo = CampaignRepository(database: services.database)
        var targeting: [Int64] = []
        for c in running
        where try await repo.targets(id: c.id, actor: actor).1.contains(where: {
            $0.householdId == household
        }) {
            targeting.append(c.id)
        }
        return targeting.count == 1 ? targeting[0] : nil
    }

    static func load(
        services: Services, actor: Actor, selected: Int64?, note: PageNote?, typed: [String: String]? = nil,
        refused: (field: String, text: String)? = nil, _ f: PageFrame
    ) async throws -> StewardPhonePage {
        let page = try await services.registry.list(
            .households, query: ListQuery(limit: limit), actor: actor)
        let households = try page.items.map { try Household($0) }
        let entrances = try await services.registry.listAll(Entrance.self, query: ListQuery(), actor: actor)
        let buildings = try await services.registry.listAll(Building.self, query: ListQuery(), actor: actor)
        let buildingName = Dictionary(buildings.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let summary = try await ContactRepository(database: services.database).phoneSummary(
            householdIds: households.map(\.id), actor: actor)
        let today = Clock.today
        let dueIds = Set(summary.due.map(\.householdId))
        func outcome(_ c: HouseholdContact) -> String {
            c.date.description + " " + f.t("contact.outcome." + c.outcome.rawValue)
        }
        var blocks: [EntranceBlock] = []
        for e in entrances.sorted(by: {
            (buildingName[$0.buildingId] ?? "", $0.name, $0.id) < (buildingName[$1.buildingId] ?? "", $1.name, $1.id)
        }) {
            let mine = households.filter { $0.entranceId == e.id }
            if mine.isEmpty { continue }
            let floors = Set(mine.map { $0.floor ?? 0 }).sorted(by: >)
            blocks.append(
                EntranceBlock(
                    entranceName: (buildingName[e.buildingId] ?? "") + " " + e.name,
                    floors: floors.map { fl in
                        Floor(
                            floorLabel: fl == 0 ? "—" : Floors.label(Int(fl), f.lang),
                            homes: mine.filter { ($0.floor ?? 0) == fl }.sorted { ($0.room, $0.id) < ($1.room, $1.id) }
                                .map { h in
                                    let owner = h.residents.first { $0.relation == .owner } ?? h.residents.first
                                    return Home(
                                        householdId: h.id, room: h.room, owner: owner?.name ?? "—",
                                        away: h.residents.contains { $0.livesElsewhere },
                                        lastContact: summary.last[h.id].map(outcome), dueToday: dueIds.contains(h.id),
                                        formHref: SiteRoute.myHouseholds(household: h.id).path + "#contact")
                                })
                    }))
        }
        let entranceName = Dictionary(entrances.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let room = Dictionary(
            households.map {
                (
                    $0.id,
                    [buildingName[$0.buildingId] ?? "", entranceName[$0.entranceId] ?? "", $0.room].joined(
                        separator: " ")
                )
            }, uniquingKeysWith: { a, _ in a })
        let followUps = summary.due.map { c in
            FollowUp(
                followRoom: room[c.householdId] ?? "",
                followOn: c.followUpOn.map { $0 < today ? "⚠ \($0)" : "\($0)" } ?? "",
                followNote: c.note, followHref: SiteRoute.myHouseholds(household: c.householdId).path + "#contact")
        }
        let campaigns = try await CampaignRepository(database: services.database).list(actor: actor).filter {
            $0.until >= today
        }
        let running = campaigns.filter { $0.openedOn <= today }
        let counts = try await Self.campaignFor(selected, running: running, actor: actor, services: services)
        let form = Form(
            // A refused entry comes back at its form, not above the homes.
            action: SiteRoute.myHouseholdsContacts.path + "#contact",
            households: households.sorted {
                ($0.entranceId, $0.floor ?? 0, $0.room) < ($1.entranceId, $1.floor ?? 0, $1.room)
            }
            .map { h in
                Option(
                    value: String(h.id),
                    label: room[h.id] ?? h.room, selected: h.id == selected)
            },
            channels: ContactChannel.allCases.map { c in
                Option(
                    value: c.rawValue, label: f.t("contact.channel." + c.rawValue),
                    selected: typed.map { $0["channel"] == c.rawValue } ?? (c == .visit))
            },
            outcomes: ContactOutcome.allCases.map {
                // None chosen for the steward: each visit says how it went, not what the last one said.
                Option(
                    value: $0.rawValue, label: f.t("contact.outcome." + $0.rawValue),
                    selected: typed?["outcome"] == $0.rawValue)
            },
            campaigns: campaigns.map { c in
                Option(
                    value: String(c.id), label: c.title,
                    selected: typed.map { $0["campaign_id"] == String(c.id) } ?? (c.id == counts))
            },
            hasCampaigns: !campaigns.isEmpty,
            campaignMaps: running.map {
                CampaignMap(
                    mapLabel: f.t("phone.campaignMap").replacingOccurrences(of: "{title}", with: $0.title),
                    mapHref: SiteRoute.campaignMapPage($0.id).path)
            }, hasCampaignMaps: !running.isEmpty, today: today.description,
            date: typed?["date"] ?? today.description, note: typed?["note"] ?? "",
            followUpOn: typed?["follow_up_on"] ?? "",
            error: refused?.text, wrong: refused.map { [$0.field: true] } ?? [:],
            clientId: "page-" + Security.randomToken(),
            queuedText: f.t("phone.queued"), sentText: f.t("phone.sent"), refusedText: f.t("phone.refused"),
            script: StewardPages.script.path)
        var chosen = households.first { $0.id == selected }.map {
            Self.chosen($0, room: room[$0.id] ?? $0.room, calls: actor.seesPersonalData, f)
        }
        if let id = selected, chosen != nil, Permissions.allows(actor.role, .readPersonalData) {
            let past = try await ContactRepository(database: services.database).list(
                householdId: id, actor: actor, paging: Paging(limit: 10, offset: 0))
            chosen?.visits = past.map {
                Chosen.Visit(
                    when: $0.date.description, how: f.t("contact.channel." + $0.channel.rawValue),
                    outcome: f.t("contact.outcome." + $0.outcome.rawValue), visitNote: $0.note)
            }
            chosen?.hasVisits = !past.isEmpty
        }
        return StewardPhonePage(
            note: note, entrances: blocks, hasHouseholds: !blocks.isEmpty, truncated: page.next != nil,
            followUps: followUps, hasFollowUps: !followUps.isEmpty, chosen: chosen, form: form)
    }

    /// `calls`: whether the reader sees phones whole (a masked one is shown, never dialled).
    static func chosen(_ h: Household, room: String, calls: Bool, _ f: PageFrame) -> Chosen {
        let people = h.residents.map { r in
            Chosen.Person(
                name: r.name, relation: f.t("rel." + r.relation.rawValue), away: r.livesElsewhere,
                phone: r.phone.isEmpty ? nil : r.phone,
                callHref: calls ? PersonalData.normalizePhone(r.phone).map { "tel:" + $0 } : nil)
        }
        return Chosen(chosenRoom: room, people: people, hasPeople: !people.isEmpty)
    }
}

/// What a compound's public page shows of its governance: bodies with their current members and the stewards,
/// names as the office chose to show them, else masked (王某某).
struct PublicGovernance {
    struct Line {
        var group: String
        var role: String
        var personName: String
    }
    struct Answered {
        var opinionKind: String
        var opinionText: String
        var opinionAnswer: String
        var answeredOn: String
    }
    var bodies: [Line]
    var hasBodies: Bool
    var stewards: [Line]
    var hasStewards: Bool
    var opinionsReceived: String?
    var answered: [Answered]
    var hasAnswered: Bool

    static func load(compoundId: Int64, services: Services, _ f: PageFrame) async throws -> PublicGovernance? {
        let lines = try await BodyRepository(database: services.database).publicLines(compoundId: compoundId)
        let opinions = try await OpinionRepository(database: services.database).publicSummary(compoundId: compoundId)
        if lines.bodies.isEmpty && lines.stewards.isEmpty && opinions.received == 0 { return nil }
        func map(_ l: BodyRepository.PublicLine) -> Line { Line(group: l.group, role: l.role, personName: l.name) }
        let answered = opinions.answered.map {
            Answered(
                opinionKind: f.t("opinion.kind." + $0.kind.rawValue), opinionText: $0.text,
                opinionAnswer: $0.answer ?? "", answeredOn: $0.answeredOn?.description ?? "")
        }
        return PublicGovernance(
            bodies: lines.bodies.map(map), hasBodies: !lines.bodies.isEmpty, stewards: lines.stewards.map(map),
            hasStewards: !lines.stewards.isEmpty,
            opinionsReceived: opinions.received == 0
                ? nil : f.t("public.opinionsReceived").replacingOccurrences(of: "{n}", with: String(opinions.received)),
            answered: answered, hasAnswered: !answered.isEmpty)
    }
}

extension SiteRoute {
    static func myHouseholds(household: Int64? = nil) -> SiteRoute {
        SiteRoute("/my-households", query: [("household", household.map(String.init))])
    }
    static let myHouseholdsContacts = SiteRoute("/my-households/contacts")
}

enum StewardPages {
    static func add(to router: Router<AppContext>, services: Services) {
        StewardPhoneController(services: services).register(on: router)
        OutreachController(services: services).register(on: router)
        BuildingStewardsController(services: services).register(on: router)
        BodyPageController(services: services).register(on: router)
        VolunteerPageController(services: services).register(on: router)
        script.register(on: router)
    }

    /// The phone page's script: entries queued on the phone while the connection is down.
    static let script = StaticScript(named: "steward-phone")
}

struct StewardPhoneController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/my-households", show)
        Pages.post(router, "/my-households/contacts", save)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let selected = request.uri.queryParameters.get("household").flatMap { Int64($0) }
        let note =
            request.uri.queryParameters.get("saved") == "1" ? PageNote(kind: "ok", text: f.t("phone.saved")) : nil
        let page = try await StewardPhonePage.load(services: services, actor: actor, selected: selected, note: note, f)
        return f.page(title: f.t("phone.title"), "stewards-phone", page)
    }

    /// The form without the script: one entry, stored once even when the page is sent twice.
    @Sendable func save(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeContacts)
        let fields = try await Pages.form(request, context)
        let household = fields["household_id"].flatMap { Int64($0) }
        // Refused, the form comes back as typed with why inside it, beside the field it is about.
        let refused: (Pages.Refusal) async throws -> Response = { r in
            let page = try await StewardPhonePage.load(
                services: services, actor: actor, selected: household, note: nil, typed: r.kept(fields),
                refused: (r.fields.first ?? "", r.text), f)
            return f.page(title: f.t("phone.title"), "stewards-phone", page, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            guard let household else {
                throw ValidationError(
                    field: "household_id", code: Pages.pageMessage, message: f.t("phone.pickHousehold"))
            }
            // Each field that is wrong is named for itself; a day that does not exist is refused, never dropped.
            guard let channel = fields["channel"].flatMap(ContactChannel.init(rawValue:)) else {
                throw ValidationError(field: "channel", code: Pages.pageMessage, message: f.t("phone.pickChannel"))
            }
            guard let outcome = fields["outcome"].flatMap(ContactOutcome.init(rawValue:)) else {
                throw ValidationError(field: "outcome", code: Pages.pageMessage, message: f.t("phone.outcomeNeeded"))
            }
            guard let date = fields["date"].flatMap({ Day($0) }) else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            let later = fields["follow_up_on"] ?? ""
            let followUp = later.isEmpty ? nil : Day(later)
            if !later.isEmpty && followUp == nil {
                throw ValidationError(field: "follow_up_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            let campaign = fields["campaign_id"].flatMap { Int64($0) }
            let clientId = fields["client_id"].flatMap { $0.isEmpty ? nil : $0 }
            _ = try await ContactRepository(database: services.database).create(
                householdId: household,
                .init(
                    channel: channel, date: date, outcome: outcome, note: fields["note"] ?? "", campaignId: campaign,
                    followUpOn: followUp, clientId: clientId), actor: actor)
            return SiteRoute("/my-households", query: [("saved", "1")]).path
        }
    }
}
