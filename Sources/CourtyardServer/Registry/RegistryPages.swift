import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The registry's pages: dashboard, communities, compound, building grid, household and resident.
enum RegistryPages {
    static func add(to router: Router<AppContext>, services: Services) {
        RegistryPagesController(services: services).register(on: router)
    }
}

extension SiteRoute {
    static let communities = SiteRoute("/communities")
    static func community(_ id: Int64) -> SiteRoute { SiteRoute("/communities/\(id)") }
    static func compound(_ id: Int64) -> SiteRoute { SiteRoute("/compounds/\(id)") }
    static func compoundProjects(_ id: Int64) -> SiteRoute { SiteRoute("/compounds/\(id)/projects") }
    static func building(_ id: Int64) -> SiteRoute { SiteRoute("/buildings/\(id)") }
    static func household(_ id: Int64, saved: Bool = false) -> SiteRoute {
        SiteRoute("/households/\(id)", query: [("saved", saved ? "1" : nil)])
    }
    static func householdResidents(_ id: Int64) -> SiteRoute { SiteRoute("/households/\(id)/residents") }
    static func removeResident(household: Int64, resident: Int64) -> SiteRoute {
        SiteRoute("/households/\(household)/residents/\(resident)/remove")
    }
    static func resident(_ id: Int64, saved: Bool = false) -> SiteRoute {
        SiteRoute("/residents/\(id)", query: [("saved", saved ? "1" : nil)])
    }
    /// A project's page, linked from the dashboard of those who work on projects.
    static func dashboardProject(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)") }
}

/// Where a registry page sits: community › compound › building › household, the last marked as the current
/// page; a step the person cannot open (a steward's community) is its name without a link.
struct RegistryTrail {
    struct Step {
        var step: String
        var stepHref: String?
        var current: Bool
    }
    var trail: [Step]

    static func load(
        communityId: Int64, compound: Compound, building: Building?, household: String?, actor: Actor,
        services: Services
    ) async throws -> [Step] {
        var steps: [(href: String?, text: String)] = []
        let community = try? await services.registry.get(Community.self, id: communityId, actor: .system)
        let open = await Pages.openable(.communities, [communityId], actor: actor, services: services)
        steps.append((open.contains(communityId) ? SiteRoute.community(communityId).path : nil, community?.name ?? ""))
        steps.append((SiteRoute.compound(compound.id).path, compound.name))
        if let building { steps.append((SiteRoute.building(building.id).path, building.name)) }
        if let household { steps.append((nil, household)) }
        return steps.enumerated().map { i, s in Step(step: s.text, stepHref: s.href, current: i == steps.count - 1) }
    }
}

/// The figures per community, with a total line, and the compounds of someone whose scope is narrower than
/// a community (a steward's compound), since the community rows are not links for them.
struct CommunityFiguresTable {
    struct Row {
        var name: String
        var communityHref: String?
        var compounds, ownerless, buildings, households, elsewhere, area: String

        init(name: String, href: String?, _ f: CommunityFigures) {
            self.name = name
            communityHref = href
            compounds = String(f.compounds)
            ownerless = String(f.ownerless)
            buildings = String(f.buildings)
            households = String(f.households)
            elsewhere = String(f.elsewhere)
            area = Area(centi: f.area).description
        }
    }
    struct MyCompound {
        var name: String
        var address: String
        var compoundHref: String
    }
    var communities: [Row]
    var total: Row?
    var myCompounds: [MyCompound]
    var hasMyCompounds: Bool
    var figures: [CommunityFigures]

    static func load(actor: Actor, services: Services) async throws -> CommunityFiguresTable {
        let figures = try await RegistryStats.byCommunity(database: services.database, actor: actor)
        let open = await Pages.openable(.communities, figures.map(\.communityId), actor: actor, services: services)
        var mine: [MyCompound] = []
        if figures.contains(where: { !open.contains($0.communityId) }) {
            mine = try await services.registry.listAll(Compound.self, actor: actor).map {
                MyCompound(name: $0.name, address: $0.address, compoundHref: SiteRoute.compound($0.id).path)
            }
        }
        let rows = figures.map {
            Row(
                name: $0.name, href: open.contains($0.communityId) ? SiteRoute.community($0.communityId).path : nil, $0)
        }
        let sum = CommunityFigures.total(figures)
        return CommunityFiguresTable(
            communities: rows, total: figures.isEmpty ? nil : Row(name: "", href: nil, sum), myCompounds: mine,
            hasMyCompounds: !mine.isEmpty, figures: figures)
    }
}

/// The home page of someone who reads the registry: the figures as cards, then by community.
struct DashboardPage {
    struct Card {
        var value: String
        var label: String
    }
    var cards: [Card]
    var table: CommunityFiguresTable

    static func load(actor: Actor, services: Services, _ f: PageFrame) async throws -> DashboardPage {
        let table = try await CommunityFiguresTable.load(actor: actor, services: services)
        let residents = try await RegistryStats.residentCount(database: services.database, actor: actor)
        let sum = CommunityFigures.total(table.figures)
        let cards: [(String, String)] = [
            ("dash.communities", String(table.figures.count)), ("dash.compounds", String(sum.compounds)),
            ("dash.ownerless", String(sum.ownerless)), ("dash.buildings", String(sum.buildings)),
            ("dash.households", String(sum.households)), ("dash.residents", String(residents)),
            ("dash.elsewhere", String(sum.elsewhere)), ("dash.area", Area(centi: sum.area).description),
        ]
        return DashboardPage(cards: cards.map { Card(value: $0.1, label: f.t($0.0)) }, table: table)
    }
}

/// The home page of contractors, supervisors and project managers: the projects they work on.
struct MyProjectsPage {
    struct Project {
        var projectHref: String
        var compound: String
        var batch: String
        var stage: String
        /// The bar's width in percent, 0 to 100, and the figure beside it.
        var width: Int
        var percent: String
        var deadline: String
    }
    var projects: [Project]
    var hasProjects: Bool

    static func load(actor: Actor, services: Services, _ f: PageFrame) async throws -> MyProjectsPage {
        let mine = try await ProjectRepository(database: services.database).summaries(actor: actor)
        return MyProjectsPage(projects: mine.map { Project($0, f) }, hasProjects: !mine.isEmpty)
    }
}

extension MyProjectsPage.Project {
    init(_ p: ProjectSummary, _ f: PageFrame) {
        self.init(
            projectHref: SiteRoute.dashboardProject(p.id).path, compound: p.compoundName,
            batch: String(p.batchYear), stage: f.t("stage." + p.stage.rawValue),
            width: Int(min(100, max(0, p.percentComplete.tenths / 10))), percent: p.percentComplete.description,
            deadline: p.deadline.description)
    }
}

/// A community's compounds.
struct CommunityPage {
    struct Row {
        var name: String
        var address: String
        var builtYear: String
        var ownerless: Bool
        var compoundHref: String
    }
    var title: String
    var compounds: [Row]

    static func load(id: Int64, actor: Actor, services: Services) async throws -> CommunityPage {
        let community = try await services.registry.get(Community.self, id: id, actor: actor)
        let compounds = try await services.registry.listAll(
            Compound.self, query: ListQuery(filters: ["community_id": String(id)]), actor: actor)
        return CommunityPage(
            title: community.name,
            compounds: compounds.map {
                Row(
                    name: $0.name, address: $0.address, builtYear: $0.builtYear.map(String.init) ?? "",
                    ownerless: $0.ownerless, compoundHref: SiteRoute.compound($0.id).path)
            })
    }
}

/// A compound: where it is, and its buildings with their figures.
struct CompoundPage {
    struct Row {
        var name: String
        var entrances: String
        var households: String
        var area: String
        var buildingHref: String
    }
    var title: String
    var trail: [RegistryTrail.Step]
    var address: String
    var builtYear: String
    var ownerless: Bool
    var buildings: [Row]
    /// The compound's report form, for an account that files reports.
    var reportHref: String?
    /// Its renovation projects (one per batch), for an account that follows projects.
    struct ProjectLink {
        var projectHref: String
        var projectText: String
    }
    var projects: [ProjectLink] = []
    /// The office's form that puts the compound into a batch of the renovation programme, with what was typed.
    struct NewProject {
        var action: String
        var year: String
        var deadline: String
        var problem: String?
    }
    var newProject: NewProject?
    var message: PageNote?

    static func load(
        id: Int64, actor: Actor, services: Services, _ f: PageFrame, typed: [String: String]? = nil,
        problem: String? = nil
    ) async throws -> CompoundPage {
        let compound = try await services.registry.get(Compound.self, id: id, actor: actor)
        let projects =
            Permissions.allows(actor.role, .readProjects)
            ? try await ProjectRepository(database: services.database).summaries(
                actor: actor, filter: .init(compoundId: id)) : []
        var buildings = try await RegistryStats.buildings(database: services.database, compoundId: id, actor: actor)
        // A steward of one building or entrance sees the compound through it: only the buildings they may open.
        if actor.scope.kind == .building || actor.scope.kind == .entrance {
            let open = await Pages.openable(.buildings, buildings.map(\.id), actor: actor, services: services)
            buildings = buildings.filter { open.contains($0.id) }
        }
        return CompoundPage(
            title: compound.name,
            trail: try await RegistryTrail.load(
                communityId: compound.communityId, compound: compound, building: nil, household: nil, actor: actor,
                services: services),
            address: compound.address, builtYear: compound.builtYear.map(String.init) ?? "—",
            ownerless: compound.ownerless,
            buildings: buildings.map {
                Row(
                    name: $0.name, entrances: String($0.entrances), households: String($0.households),
                    area: Area(centi: $0.area).description, buildingHref: SiteRoute.building($0.id).path)
            },
            reportHref: Permissions.allows(actor.role, .fileReports)
                ? SiteRoute.publicReportForm(id).path : nil,
            projects: projects.map {
                ProjectLink(
                    projectHref: SiteRoute.project($0.id).path,
                    projectText: f.t("compound.projectLink").replacingOccurrences(of: "{year}", with: "\($0.batchYear)")
                        .replacingOccurrences(of: "{stage}", with: f.t("stage." + $0.stage.rawValue)))
            },
            newProject: Permissions.allows(actor.role, .manageProjects) && actor.scope.kind != .organisation
                ? Self.newProject(id, taken: Set(projects.map { Int($0.batchYear) }), typed: typed, problem: problem)
                : nil,
            message: problem.map { PageNote(kind: "bad", text: $0) })
    }

    /// The form prefilled with the first batch from this year on that the compound is not in, due at its year's end.
    static func newProject(_ id: Int64, taken: Set<Int>, typed: [String: String]?, problem: String?) -> NewProject {
        var year = Clock.today.civil.year
        while taken.contains(year) { year += 1 }
        return NewProject(
            action: SiteRoute.compoundProjects(id).path, year: typed?["batch_year"] ?? String(year),
            deadline: typed?["deadline"] ?? "\(year)-12-31", problem: problem)
    }
}

/// A building as it stands: entrances across, floors down (top floor first), a household in each cell.
struct BuildingPage {
    struct Home {
        var room: String
        var owner: String
        var area: String
        var away: Bool
        var householdHref: String
    }
    struct Cell { var homes: [Home] }
    struct Floor {
        var floor: String
        var cells: [Cell]
    }
    struct Head { var entrance: String }
    struct Grid {
        var entrances: [Head]
        var floors: [Floor]
    }
    var title: String
    var trail: [RegistryTrail.Step]
    var grid: Grid?
    /// Its stewards (楼长), and for the office and the community the forms that appoint and end them.
    var stewards: BuildingStewards?

    static func load(id: Int64, actor: Actor, services: Services) async throws -> BuildingPage {
        let building = try await services.registry.get(Building.self, id: id, actor: actor)
        let compound = try await services.registry.get(Compound.self, id: building.compoundId, actor: actor)
        let cells = try await RegistryStats.building(database: services.database, buildingId: id, actor: actor)
        return BuildingPage(
            title: "\(compound.name) \(building.name)",
            trail: try await RegistryTrail.load(
                communityId: compound.communityId, compound: compound, building: building, household: nil,
                actor: actor, services: services),
            grid: grid(cells))
    }

    static func grid(_ cells: [BuildingCell]) -> Grid? {
        guard !cells.isEmpty else { return nil }
        var entrances: [(Int64, String)] = []
        for c in cells where !entrances.contains(where: { $0.0 == c.entranceId }) {
            entrances.append((c.entranceId, c.entrance))
        }
        let floors = Array(Set(cells.map { $0.floor ?? 0 })).sorted(by: >)
        return Grid(
            entrances: entrances.map { Head(entrance: $0.1) },
            floors: floors.map { fl in
                Floor(
                    floor: fl == 0 ? "—" : String(fl),
                    cells: entrances.map { e in
                        Cell(
                            homes: cells.filter { $0.entranceId == e.0 && ($0.floor ?? 0) == fl }.map { c in
                                Home(
                                    room: c.room, owner: c.owner ?? "—", area: c.area.description,
                                    away: c.ownerElsewhere, householdHref: SiteRoute.household(c.householdId).path)
                            })
                    })
            })
    }
}

/// A household: its form, the people tied to it, and (for those who may write) the form to add one.
struct HouseholdPage {
    struct Row {
        var name: String
        var phone: String
        /// A tap calls the number, when the account reads it whole.
        var telHref: String?
        var relation: String
        var elsewhere: String
        var residentHref: String
        var removeHref: String
    }
    struct Relation {
        var value: String
        var label: String
        var selected: Bool
    }
    var title: String
    var trail: [RegistryTrail.Step]
    var notice: PageNotice?
    var saveAction: String
    var addAction: String
    var version: Int
    var room: String
    var floor: String
    var area: String
    var canWrite: Bool
    /// For a steward or community staff who reached the home from a list of those not yet answered: where a visit
    /// or call to it is recorded, the home already chosen.
    var visitHref: String?
    var residents: [Row]
    var hasResidents: Bool
    var relations: [Relation]
    /// The form that adds a resident, as a refused one was typed.
    var newName = ""
    var newPhone = ""
    var newElsewhere = false
    /// The fields a refusal found wrong, each marked beside itself (`aria-invalid`).
    var roomInvalid = false
    var floorInvalid = false
    var areaInvalid = false
    var nameInvalid = false
    var phoneInvalid = false

    mutating func mark(_ fields: Set<String>) {
        roomInvalid = fields.contains("room")
        floorInvalid = fields.contains("floor")
        areaInvalid = fields.contains("area_m2")
        nameInvalid = fields.contains("name")
        phoneInvalid = fields.contains("phone")
    }

    /// The page; `typed` is what a refused form sent (room, floor and area_m2 with the version they were typed over,
    /// or the new resident's name, phone, relation and lives_elsewhere), shown again instead of what is stored.
    static func load(
        id: Int64, actor: Actor, services: Services, notice: PageNotice?, typed: [String: String]? = nil,
        _ f: PageFrame
    ) async throws -> HouseholdPage {
        let h = try await services.registry.get(Household.self, id: id, actor: actor)
        let building = try await services.registry.get(Building.self, id: h.buildingId, actor: actor)
        let entrance = try await services.registry.get(Entrance.self, id: h.entranceId, actor: actor)
        let compound = try await services.registry.get(Compound.self, id: building.compoundId, actor: actor)
        let chosen = typed?["relation"].flatMap(ResidentRelation.init(rawValue:)) ?? .coOwner
        return HouseholdPage(
            title: "\(f.t("household.title")) \(building.name)-\(entrance.name)-\(h.room)",
            trail: try await RegistryTrail.load(
                communityId: compound.communityId, compound: compound, building: building,
                household: "\(entrance.name) \(h.room)", actor: actor, services: services),
            notice: notice, saveAction: SiteRoute.household(id).path, addAction: SiteRoute.householdResidents(id).path,
            version: typed?["version"].flatMap(Int.init) ?? h.version, room: typed?["room"] ?? h.room,
            floor: typed?["floor"] ?? h.floor.map(String.init) ?? "",
            area: typed?["area_m2"] ?? h.area.description,
            canWrite: Permissions.allows(actor.role, .writeRegistry),
            visitHref: Permissions.allows(actor.role, .writeContacts)
                ? SiteRoute.myHouseholds(household: id).path : nil,
            residents: h.residents.map { r in
                Row(
                    name: r.name, phone: r.phone, telHref: PersonalData.normalizePhone(r.phone).map { "tel:" + $0 },
                    relation: f.t("rel." + r.relation.rawValue),
                    elsewhere: f.t(r.livesElsewhere ? "yes" : "no"),
                    residentHref: SiteRoute.resident(r.residentId).path,
                    // Asks on a page of its own first; not styled like saving.
                    removeHref: SiteRoute.removeResident(household: id, resident: r.residentId).path)
            }, hasResidents: !h.residents.isEmpty,
            relations: ResidentRelation.allCases.map {
                Relation(value: $0.rawValue, label: f.t("rel." + $0.rawValue), selected: $0 == chosen)
            }, newName: typed?["name"] ?? "", newPhone: typed?["phone"] ?? "",
            newElsewhere: typed?["lives_elsewhere"] == "1")
    }
}

/// A resident: their name and phone (masked for those who may not read them), and their households.
struct ResidentPage {
    struct Row {
        /// Where the home is, as people say it: building, entrance and room.
        var home: String
        var relation: String
        var elsewhere: String
        var householdHref: String
    }
    var title: String
    var notice: PageNotice?
    var saveAction: String
    var version: Int
    var name: String
    var phone: String
    var canWrite: Bool
    var households: [Row]
    var nameInvalid = false
    var phoneInvalid = false

    /// The page; `typed` is the name and phone a refused form sent and the version they were typed over, shown again
    /// instead of what is stored.
    static func load(
        id: Int64, actor: Actor, services: Services, notice: PageNotice?, typed: [String: String]? = nil,
        _ f: PageFrame
    ) async throws -> ResidentPage {
        let r = try await services.registry.get(Resident.self, id: id, actor: actor)
        var homes: [Int64: String] = [:]
        for link in r.households {
            homes[link.householdId] = try? await home(link.householdId, actor: actor, services: services)
        }
        return ResidentPage(
            title: "\(f.t("resident.title")) \(r.name)", notice: notice, saveAction: SiteRoute.resident(id).path,
            version: typed?["version"].flatMap(Int.init) ?? r.version, name: typed?["name"] ?? r.name,
            phone: typed?["phone"] ?? r.phone,
            canWrite: Permissions.allows(actor.role, .writeRegistry),
            households: r.households.map {
                Row(
                    home: homes[$0.householdId] ?? f.t("household.title"), relation: f.t("rel." + $0.relation.rawValue),
                    elsewhere: f.t($0.livesElsewhere ? "yes" : "no"),
                    householdHref: SiteRoute.household($0.householdId).path)
            })
    }

    mutating func mark(_ fields: Set<String>) {
        nameInvalid = fields.contains("name")
        phoneInvalid = fields.contains("phone")
    }

    /// "3号楼-1单元-201": a household as the household page names it.
    static func home(_ id: Int64, actor: Actor, services: Services) async throws -> String {
        let h = try await services.registry.get(Household.self, id: id, actor: actor)
        let building = try await services.registry.get(Building.self, id: h.buildingId, actor: actor)
        let entrance = try await services.registry.get(Entrance.self, id: h.entranceId, actor: actor)
        return "\(building.name)-\(entrance.name)-\(h.room)"
    }
}

/// The confirmation step before a person leaves a household: a box to tick and a danger-styled button,
/// with the way back as the easy choice.
struct RemoveResidentPage {
    var warn: Bool
    var ask: String
    var removeAction: String
    var back: String

    static func load(household id: Int64, resident: Int64, warn: Bool, actor: Actor, services: Services, _ f: PageFrame)
        async throws -> RemoveResidentPage
    {
        let h = try await services.registry.get(Household.self, id: id, actor: actor)
        guard let r = h.residents.first(where: { $0.residentId == resident }) else { throw StoreError.notFound }
        let building = try await services.registry.get(Building.self, id: h.buildingId, actor: actor)
        let entrance = try await services.registry.get(Entrance.self, id: h.entranceId, actor: actor)
        let place = [building.name, entrance.name, h.room].joined(separator: "-")
        let ask = f.t("household.removeAsk").replacingOccurrences(of: "{name}", with: r.name)
            .replacingOccurrences(of: "{relation}", with: f.t("rel." + r.relation.rawValue))
            .replacingOccurrences(of: "{household}", with: place)
        return RemoveResidentPage(
            warn: warn, ask: ask, removeAction: SiteRoute.removeResident(household: id, resident: resident).path,
            back: SiteRoute.household(id).path)
    }
}

/// The registry's pages, each a named handler.
struct RegistryPagesController {
    typealias Redisplay = Pages.Redisplay
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/", dashboard)
        Pages.get(router, "/communities", communities)
        Pages.get(router, "/communities/:id", community)
        Pages.get(router, "/compounds/:id", compound)
        Pages.get(router, "/buildings/:id", building)
        Pages.get(router, "/households/:id", household)
        Pages.post(router, "/households/:id", saveHousehold)
        Pages.post(router, "/households/:id/residents", addResident)
        Pages.get(router, "/residents/:id", resident)
        Pages.post(router, "/residents/:id", saveResident)
        // Removing a person from a household asks first, on a page of its own, so it works without scripts.
        Pages.get(router, "/households/:id/residents/:resident_id/remove", askRemoveResident)
        Pages.post(router, "/households/:id/residents/:resident_id/remove", removeResident)
    }

    @Sendable func dashboard(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.actor()
        // A department's liaison lands on its queue of requests.
        if actor.role == .department {
            return try await DepartmentQueueController(services: services).render(context, f, message: nil)
        }
        // Each role lands on its work.
        if let home = try await HomePage.load(actor: actor, services: services, f) {
            return f.page(title: f.t("home.title"), "home", home)
        }
        guard Permissions.allows(actor.role, .readRegistry) else {
            // Contractors, supervisors and project managers land on the projects they work on.
            guard Permissions.allows(actor.role, .readProjects) else {
                struct Role { var role: String }
                return f.page(
                    title: f.t("dash.title"), "registry-dashboard-role", Role(role: f.t("role." + actor.role.rawValue)))
            }
            let page = try await MyProjectsPage.load(actor: actor, services: services, f)
            return f.page(title: f.t("dash.myProjects"), "registry-dashboard-projects", page)
        }
        let page = try await DashboardPage.load(actor: actor, services: services, f)
        return f.page(title: f.t("dash.title"), "registry-dashboard", page)
    }

    @Sendable func communities(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let table = try await CommunityFiguresTable.load(actor: actor, services: services)
        return f.page(title: f.t("nav.communities"), "registry-communities", table)
    }

    @Sendable func community(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let page = try await CommunityPage.load(id: id, actor: actor, services: services)
        return f.page(title: page.title, "registry-community", page)
    }

    @Sendable func compound(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let page = try await CompoundPage.load(id: id, actor: actor, services: services, f)
        return f.page(title: page.title, "registry-compound", page)
    }

    @Sendable func building(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        var page = try await BuildingPage.load(id: id, actor: actor, services: services)
        let saved = request.uri.queryParameters.get("saved") == "1"
        page.stewards = try await BuildingStewards.load(
            building: id, actor: actor, services: services,
            note: saved ? PageNote(kind: "ok", text: f.t("zone.form.saved")) : nil, typed: [:], f)
        return f.page(title: page.title, "registry-building", page)
    }

    func householdPage(
        id: Int64, actor: Actor, _ f: PageFrame, notice: (String, String)?, status: HTTPResponse.Status = .ok,
        typed: [String: String]? = nil, invalid: Set<String> = []
    ) async throws -> Response {
        var page = try await HouseholdPage.load(
            id: id, actor: actor, services: services, notice: notice.map { PageNotice(tone: $0.0, text: $0.1) },
            typed: typed, f)
        page.mark(invalid)
        return f.page(title: page.title, "registry-household", page, status: status)
    }

    /// The household page again, with why a form was refused, the wrong fields marked and, when given, what was
    /// typed into it.
    func householdRedisplay(id: Int64, actor: Actor, _ f: PageFrame, typed: [String: String]? = nil)
        -> (Pages.Refusal) async throws -> Response
    {
        { r in
            try await householdPage(
                id: id, actor: actor, f, notice: (r.tone, r.text), status: r.status, typed: r.kept(typed),
                invalid: r.fields)
        }
    }

    @Sendable func household(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let saved = request.uri.queryParameters.get("saved") != nil
        return try await householdPage(id: id, actor: actor, f, notice: saved ? ("ok", f.t("household.saved")) : nil)
    }

    @Sendable func saveHousehold(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        var input: [String: JSONValue] = [
            "room": .string(fields["room"] ?? ""), "area_m2": .string(fields["area_m2"] ?? ""),
        ]
        // A floor that is not a whole number goes on as text, for the store to name with the other wrong fields.
        if let floor = fields["floor"], !floor.isEmpty {
            input["floor"] = TextNormalizer.integer(floor).map { .int(Int64($0)) } ?? .string(floor)
        } else {
            input["floor"] = .null
        }
        // What was typed comes back with the version it was typed over: saved again, a change made by someone else
        // meanwhile is refused as stale instead of being overwritten by values typed before it.
        let typed = [
            "room": fields["room"] ?? "", "floor": fields["floor"] ?? "", "area_m2": fields["area_m2"] ?? "",
            "version": fields["version"] ?? "",
        ]
        return try await Pages.save(f, refused: householdRedisplay(id: id, actor: actor, f, typed: typed)) {
            _ = try await services.registry.update(
                .households, id: id, input: input, expectedVersion: fields["version"].flatMap(Int.init), actor: actor)
            return SiteRoute.household(id, saved: true).path
        }
    }

    @Sendable func addResident(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let household = try await services.registry.get(Household.self, id: id, actor: actor)
        return try await Pages.save(f, refused: householdRedisplay(id: id, actor: actor, f, typed: fields)) {
            _ = try await services.registry.create(
                .residents,
                input: [
                    "subdistrict_id": .int(household.subdistrictId ?? 0), "name": .string(fields["name"] ?? ""),
                    "phone": .string(fields["phone"] ?? ""), "household_id": .int(id),
                    "relation": .string(fields["relation"] ?? "tenant"),
                    "lives_elsewhere": .bool(fields["lives_elsewhere"] == "1"),
                ], actor: actor)
            return SiteRoute.household(id, saved: true).path
        }
    }

    func residentPage(
        id: Int64, actor: Actor, _ f: PageFrame, notice: (String, String)?, status: HTTPResponse.Status = .ok,
        typed: [String: String]? = nil, invalid: Set<String> = []
    ) async throws -> Response {
        var page = try await ResidentPage.load(
            id: id, actor: actor, services: services, notice: notice.map { PageNotice(tone: $0.0, text: $0.1) },
            typed: typed, f)
        page.mark(invalid)
        return f.page(title: page.title, "registry-resident", page, status: status)
    }

    /// The resident page again, with why a form was refused and, unless the record changed meanwhile, what was
    /// typed into it.
    func residentRedisplay(id: Int64, actor: Actor, _ f: PageFrame, typed: [String: String]? = nil)
        -> (Pages.Refusal) async throws -> Response
    {
        { r in
            try await residentPage(
                id: id, actor: actor, f, notice: (r.tone, r.text), status: r.status, typed: r.kept(typed),
                invalid: r.fields)
        }
    }

    @Sendable func resident(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.readRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let saved = request.uri.queryParameters.get("saved") != nil
        return try await residentPage(id: id, actor: actor, f, notice: saved ? ("ok", f.t("household.saved")) : nil)
    }

    @Sendable func saveResident(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        return try await Pages.save(f, refused: residentRedisplay(id: id, actor: actor, f, typed: fields)) {
            _ = try await services.registry.update(
                .residents, id: id,
                input: ["name": .string(fields["name"] ?? ""), "phone": .string(fields["phone"] ?? "")],
                expectedVersion: fields["version"].flatMap(Int.init), actor: actor)
            return SiteRoute.resident(id, saved: true).path
        }
    }

    func removePage(household id: Int64, resident: Int64, actor: Actor, warn: Bool, _ f: PageFrame) async throws
        -> Response
    {
        let page = try await RemoveResidentPage.load(
            household: id, resident: resident, warn: warn, actor: actor, services: services, f)
        return f.page(
            title: f.t("household.removeTitle"), "registry-remove-resident", page,
            status: warn ? .unprocessableContent : .ok)
    }

    @Sendable func askRemoveResident(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws
        -> Response
    {
        let actor = try context.require(.writeRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let rid = try context.parameters.require("resident_id", as: Int64.self)
        return try await removePage(household: id, resident: rid, actor: actor, warn: false, f)
    }

    @Sendable func removeResident(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try context.require(.writeRegistry)
        let id = try context.parameters.require("id", as: Int64.self)
        let rid = try context.parameters.require("resident_id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        guard fields["confirm"] == "1" else {
            return try await removePage(household: id, resident: rid, actor: actor, warn: true, f)
        }
        return try await Pages.saveOnce(f) {
            _ = try await services.registry.unlink(householdId: id, residentId: rid, actor: actor)
            return SiteRoute.household(id, saved: true).path
        }
    }
}
