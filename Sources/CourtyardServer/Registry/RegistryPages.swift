import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// Dashboard and the registry from community down to household and resident.
enum RegistryPages {
    static func add(to router: Router<AppContext>, services: Services) {
        Pages.get(router, "/") { _, context, f in
            let actor = try context.actor()
            guard Permissions.allows(actor.role, .readRegistry) else {
                // Contractors, supervisors and project managers land on the projects they work on.
                guard Permissions.allows(actor.role, .readProjects) else {
                    return f.render(
                        title: f.t("dash.title"),
                        body: "<p class=\"muted\">\(esc(f.t("role." + actor.role.rawValue)))</p>")
                }
                let mine = try await ProjectRepository(database: services.database).list(actor: actor)
                let rows = mine.map { p in
                    [
                        "<a href=\"/projects/\(p["id"]?.cellText ?? "")\">\(esc(p["compound_name"]?.cellText ?? ""))</a>",
                        esc(p["batch_year"]?.cellText ?? ""),
                        esc(f.t("stage." + (p["stage"]?.stringValue ?? ""))),
                        ProgrammePages.percentBar(p["percent_complete"]), esc(p["deadline"]?.cellText ?? ""),
                    ]
                }
                let body =
                    mine.isEmpty
                    ? "<p class=\"muted\">\(esc(f.t("common.none")))</p>"
                    : Pages.table(
                        [
                            (f.t("col.compound"), false), (f.t("programme.batch"), false),
                            (f.t("project.stage"), false), (f.t("project.progress"), false),
                            (f.t("project.deadline"), false),
                        ], rows)
                return f.render(title: f.t("dash.myProjects"), body: body)
            }
            let figures = try await RegistryStats.byCommunity(database: services.database, actor: actor)
            let residents = try await RegistryStats.residentCount(database: services.database, actor: actor)
            func sum(_ k: KeyPath<CommunityFigures, Int>) -> Int { figures.reduce(0) { $0 + $1[keyPath: k] } }
            let area = Area(centi: figures.reduce(0) { $0 + $1.area })
            let cards: [(String, String)] = [
                ("dash.communities", String(figures.count)), ("dash.compounds", String(sum(\.compounds))),
                ("dash.ownerless", String(sum(\.ownerless))), ("dash.buildings", String(sum(\.buildings))),
                ("dash.households", String(sum(\.households))), ("dash.residents", String(residents)),
                ("dash.elsewhere", String(sum(\.elsewhere))), ("dash.area", area.description),
            ]
            var body =
                "<div class=\"cards\">"
                + cards.map { "<div class=\"card\"><b>\(esc($0.1))</b><span>\(esc(f.t($0.0)))</span></div>" }.joined()
                + "</div>"
            let open = await Pages.openable(.communities, figures.map(\.communityId), actor: actor, services: services)
            body += try await myCompounds(figures, openable: open, actor: actor, f: f, services: services)
            body += "<h2>\(esc(f.t("dash.byCommunity")))</h2>" + communityTable(figures, f, openable: open)
            return f.render(title: f.t("dash.title"), body: body)
        }
        Pages.get(router, "/communities") { _, context, f in
            let actor = try context.require(.readRegistry)
            let figures = try await RegistryStats.byCommunity(database: services.database, actor: actor)
            let open = await Pages.openable(.communities, figures.map(\.communityId), actor: actor, services: services)
            let mine = try await myCompounds(figures, openable: open, actor: actor, f: f, services: services)
            return f.render(title: f.t("nav.communities"), body: mine + communityTable(figures, f, openable: open))
        }
        Pages.get(router, "/communities/:id") { _, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let community = try await services.registry.get(.communities, id: id, actor: actor)
            let compounds = try await services.registry.listAll(
                .compounds, query: ListQuery(filters: ["community_id": String(id)]), actor: actor)
            let rows = compounds.map { c -> [String] in
                [
                    "<a href=\"/compounds/\(c.id)\">\(esc(c["name"]?.stringValue ?? ""))</a>",
                    esc(c["address"]?.stringValue ?? ""),
                    c["built_year"]?.intValue.map(String.init) ?? "",
                    c["ownerless"] == .bool(true) ? esc(f.t("yes")) : "",
                ]
            }
            let body = Pages.table(
                [
                    (f.t("col.compound"), false), (f.t("col.address"), false), (f.t("col.builtYear"), true),
                    (f.t("col.ownerless"), false),
                ], rows)
            return f.render(title: community["name"]?.stringValue ?? "", body: body)
        }
        Pages.get(router, "/compounds/:id") { _, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let compound = try await services.registry.get(.compounds, id: id, actor: actor)
            let buildings = try await RegistryStats.buildings(database: services.database, compoundId: id, actor: actor)
            var body = try await trail(
                community: compound["community_id"]?.intValue, compound: compound, building: nil,
                household: nil, actor: actor, f: f, services: services)
            body +=
                "<p>\(esc(compound["address"]?.stringValue ?? "")) · \(esc(f.t("col.builtYear"))) \(compound["built_year"]?.intValue.map(String.init) ?? "—")"
            if compound["ownerless"] == .bool(true) { body += " · \(esc(f.t("dash.ownerless")))" }
            body += "</p>"
            body += Pages.table(
                [
                    (f.t("col.buildings"), false), (f.t("col.entrances"), true), (f.t("col.households"), true),
                    (f.t("col.area"), true),
                ],
                buildings.map {
                    [
                        "<a href=\"/buildings/\($0.id)\">\(esc($0.name))</a>", String($0.entrances),
                        String($0.households), Area(centi: $0.area).description,
                    ]
                })
            return f.render(title: compound["name"]?.stringValue ?? "", body: body)
        }
        Pages.get(router, "/buildings/:id") { _, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let building = try await services.registry.get(.buildings, id: id, actor: actor)
            let compound = try await services.registry.get(
                .compounds, id: building["compound_id"]!.intValue!, actor: actor)
            let cells = try await RegistryStats.building(database: services.database, buildingId: id, actor: actor)
            let body =
                try await trail(
                    community: compound["community_id"]?.intValue, compound: compound,
                    building: (building.id, building["name"]?.stringValue ?? ""), household: nil,
                    actor: actor, f: f, services: services)
                + "<h2>\(esc(f.t("building.grid")))</h2>" + grid(cells, f)
            return f.render(
                title: "\(compound["name"]?.stringValue ?? "") \(building["name"]?.stringValue ?? "")", body: body)
        }
        Pages.get(router, "/households/:id") { request, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            return try await householdPage(
                id: id, actor: actor, f: f, services: services,
                notice: request.uri.queryParameters.get("saved") != nil ? ("ok", f.t("household.saved")) : nil)
        }
        Pages.post(router, "/households/:id") { request, context, f in
            let actor = try context.require(.writeRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            var input: [String: JSONValue] = [
                "room": .string(fields["room"] ?? ""), "area_m2": .string(fields["area_m2"] ?? ""),
            ]
            if let floor = fields["floor"], !floor.isEmpty {
                guard let n = TextNormalizer.integer(floor) else {
                    return try await householdPage(
                        id: id, actor: actor, f: f, services: services, notice: ("bad", "floor: \(floor)"),
                        status: .unprocessableContent)
                }
                input["floor"] = .int(Int64(n))
            } else {
                input["floor"] = .null
            }
            return try await Pages.save(
                f, next: "/households/\(id)?saved=1",
                redisplay: {
                    try await householdPage(id: id, actor: actor, f: f, services: services, notice: $0, status: $1)
                }
            ) {
                _ = try await services.registry.update(
                    .households, id: id, input: input,
                    expectedVersion: fields["version"].flatMap(Int.init), actor: actor)
            }
        }
        Pages.post(router, "/households/:id/residents") { request, context, f in
            let actor = try context.require(.writeRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            let household = try await services.registry.get(.households, id: id, actor: actor)
            return try await Pages.save(
                f, next: "/households/\(id)?saved=1",
                redisplay: {
                    try await householdPage(id: id, actor: actor, f: f, services: services, notice: $0, status: $1)
                }
            ) {
                _ = try await services.registry.create(
                    .residents,
                    input: [
                        "subdistrict_id": .int(household.subdistrictId ?? 0), "name": .string(fields["name"] ?? ""),
                        "phone": .string(fields["phone"] ?? ""), "household_id": .int(id),
                        "relation": .string(fields["relation"] ?? "tenant"),
                        "lives_elsewhere": .bool(fields["lives_elsewhere"] == "1"),
                    ], actor: actor)
            }
        }
        Pages.get(router, "/residents/:id") { request, context, f in
            let actor = try context.require(.readRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            return try await residentPage(
                id: id, actor: actor, f: f, services: services,
                notice: request.uri.queryParameters.get("saved") != nil ? ("ok", f.t("household.saved")) : nil)
        }
        Pages.post(router, "/residents/:id") { request, context, f in
            let actor = try context.require(.writeRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            return try await Pages.save(
                f, next: "/residents/\(id)?saved=1",
                redisplay: {
                    try await residentPage(id: id, actor: actor, f: f, services: services, notice: $0, status: $1)
                }
            ) {
                _ = try await services.registry.update(
                    .residents, id: id,
                    input: ["name": .string(fields["name"] ?? ""), "phone": .string(fields["phone"] ?? "")],
                    expectedVersion: fields["version"].flatMap(Int.init), actor: actor)
            }
        }
        // Removing a person from a household asks first, on a page of its own, so it works without scripts.
        Pages.get(router, "/households/:id/residents/:resident_id/remove") { _, context, f in
            let actor = try context.require(.writeRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let rid = try context.parameters.require("resident_id", as: Int64.self)
            return try await removePage(id: id, residentId: rid, actor: actor, f: f, services: services, warn: false)
        }
        Pages.post(router, "/households/:id/residents/:resident_id/remove") { request, context, f in
            let actor = try context.require(.writeRegistry)
            let id = try context.parameters.require("id", as: Int64.self)
            let rid = try context.parameters.require("resident_id", as: Int64.self)
            let fields = try await Pages.form(request, context)
            guard fields["confirm"] == "1" else {
                return try await removePage(id: id, residentId: rid, actor: actor, f: f, services: services, warn: true)
            }
            _ = try await services.registry.unlink(householdId: id, residentId: rid, actor: actor)
            return Pages.seeOther("/households/\(id)?saved=1")
        }
    }

    /// Where a registry page sits: community › compound › building › household, the last marked as the current
    /// page; a step the person cannot open (a steward's community) is its name without a link.
    static func trail(
        community: Int64?, compound: Record, building: (Int64, String)?, household: String?,
        actor: Actor, f: PageFrame, services: Services
    ) async throws -> String {
        var steps: [(href: String?, text: String)] = []
        if let community {
            let record = try? await services.registry.get(.communities, id: community, actor: .system)
            let name = record?["name"]?.stringValue
            let open = await Pages.openable(.communities, [community], actor: actor, services: services)
            steps.append((open.contains(community) ? "/communities/\(community)" : nil, name ?? ""))
        }
        steps.append(("/compounds/\(compound.id)", compound["name"]?.stringValue ?? ""))
        if let building { steps.append(("/buildings/\(building.0)", building.1)) }
        if let household { steps.append((nil, household)) }
        let items = steps.enumerated().map { i, step -> String in
            if i == steps.count - 1 { return "<li><span aria-current=\"page\">\(esc(step.text))</span></li>" }
            let inner = step.href.map { "<a href=\"\($0)\">\(esc(step.text))</a>" } ?? "<span>\(esc(step.text))</span>"
            return "<li>\(inner)</li>"
        }
        return "<nav class=\"crumbs\" aria-label=\"\(esc(f.t("nav.crumbs")))\"><ol>\(items.joined())</ol></nav>"
    }

    /// The confirmation step before a person leaves a household: a box to tick and a danger-styled button,
    /// with the way back as the easy choice.
    static func removePage(id: Int64, residentId: Int64, actor: Actor, f: PageFrame, services: Services, warn: Bool)
        async throws -> Response
    {
        let h = try await services.registry.get(.households, id: id, actor: actor)
        guard case .array(let residents) = h["residents"] ?? .array([]),
            let r = residents.first(where: { $0["resident_id"]?.intValue == residentId })
        else { throw StoreError.notFound }
        let building = try await services.registry.get(.buildings, id: h["building_id"]?.intValue ?? 0, actor: actor)
        let entrance = try await services.registry.get(.entrances, id: h["entrance_id"]?.intValue ?? 0, actor: actor)
        let place = [building["name"]?.stringValue, entrance["name"]?.stringValue, h["room"]?.stringValue]
            .map { $0 ?? "" }.joined(separator: "-")
        let ask = f.t("household.removeAsk").replacingOccurrences(of: "{name}", with: r["name"]?.stringValue ?? "")
            .replacingOccurrences(of: "{relation}", with: f.t("rel." + (r["relation"]?.stringValue ?? "")))
            .replacingOccurrences(of: "{household}", with: place)
        var body = warn ? "<p class=\"note bad\" role=\"alert\">\(esc(f.t("household.removeTick")))</p>" : ""
        body += """
            <form class="stack" method="post" action="/households/\(id)/residents/\(residentId)/remove">\(f.csrfField())
            <p>\(esc(ask))</p>
            <label class="check"><input type="checkbox" name="confirm" value="1" required>
            \(esc(f.t("household.removeConfirm")))</label>
            <div class="actions"><a class="button" href="/households/\(id)">\(esc(f.t("action.cancel")))</a>
            <button type="submit" class="danger">\(esc(f.t("household.removeSubmit")))</button></div>
            </form>
            """
        return f.render(title: f.t("household.removeTitle"), body: body, status: warn ? .unprocessableContent : .ok)
    }

    /// For someone whose scope is narrower than a community (a steward's compound), the compounds they can open,
    /// since the community row above them is not a link for them.
    static func myCompounds(
        _ figures: [CommunityFigures], openable: Set<Int64>, actor: Actor, f: PageFrame,
        services: Services
    ) async throws -> String {
        guard figures.contains(where: { !openable.contains($0.communityId) }) else { return "" }
        let compounds = try await services.registry.listAll(.compounds, query: ListQuery(), actor: actor)
        guard !compounds.isEmpty else { return "" }
        return "<h2>\(esc(f.t("dash.myCompounds")))</h2>"
            + Pages.table(
                [(f.t("col.compound"), false), (f.t("col.address"), false)],
                compounds.map {
                    [
                        "<a href=\"/compounds/\($0.id)\">\(esc($0["name"]?.stringValue ?? ""))</a>",
                        esc($0["address"]?.stringValue ?? ""),
                    ]
                })
    }

    static func communityTable(_ figures: [CommunityFigures], _ f: PageFrame, openable: Set<Int64>) -> String {
        let rows = figures.map { c in
            [
                Pages.link("/communities/\(c.communityId)", c.name, if: openable.contains(c.communityId)),
                String(c.compounds), String(c.ownerless), String(c.buildings),
                String(c.households), String(c.elsewhere), Area(centi: c.area).description,
            ]
        }
        let total = [
            "<b>\(esc(f.t("common.total")))</b>", String(figures.reduce(0) { $0 + $1.compounds }),
            String(figures.reduce(0) { $0 + $1.ownerless }),
            String(figures.reduce(0) { $0 + $1.buildings }), String(figures.reduce(0) { $0 + $1.households }),
            String(figures.reduce(0) { $0 + $1.elsewhere }),
            Area(centi: figures.reduce(0) { $0 + $1.area }).description,
        ]
        return Pages.table(
            [
                (f.t("col.community"), false), (f.t("dash.compounds"), true), (f.t("dash.ownerless"), true),
                (f.t("dash.buildings"), true),
                (f.t("dash.households"), true), (f.t("dash.elsewhere"), true), (f.t("dash.area"), true),
            ], rows + (figures.isEmpty ? [] : [total]))
    }

    /// Entrances across, floors down (top floor first), as the building stands.
    static func grid(_ cells: [BuildingCell], _ f: PageFrame) -> String {
        guard !cells.isEmpty else { return "<p class=\"muted\">\(esc(f.t("common.none")))</p>" }
        var entrances: [(Int64, String)] = []
        for c in cells where !entrances.contains(where: { $0.0 == c.entranceId }) {
            entrances.append((c.entranceId, c.entrance))
        }
        let floors = Array(Set(cells.map { $0.floor ?? 0 })).sorted(by: >)
        var s = "<div class=\"table-wrap grid\"><table><thead><tr><th scope=\"col\">\(esc(f.t("col.floor")))</th>"
        for e in entrances { s += "<th scope=\"col\">\(esc(e.1))</th>" }
        s += "</tr></thead><tbody>"
        for fl in floors {
            s += "<tr><th scope=\"row\">\(fl == 0 ? "—" : String(fl))</th>"
            for e in entrances {
                let here = cells.filter { $0.entranceId == e.0 && ($0.floor ?? 0) == fl }
                s +=
                    "<td>"
                    + here.map { c in
                        "<a class=\"hh\(c.ownerElsewhere ? " away" : "")\" href=\"/households/\(c.householdId)\"><b>\(esc(c.room))</b><small>\(esc(c.owner ?? "—")) · \(c.area.description)㎡\(c.ownerElsewhere ? " · " + esc(f.t("col.livesElsewhere")) : "")</small></a>"
                    }.joined() + "</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></div>"
    }

    static func residentPage(
        id: Int64, actor: Actor, f: PageFrame, services: Services, notice: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let r = try await services.registry.get(.residents, id: id, actor: actor)
        let canWrite = Permissions.allows(actor.role, .writeRegistry)
        let disabled = canWrite ? "" : " disabled"
        var body = notice.map { "<p class=\"note \($0.0)\" role=\"status\">\(esc($0.1))</p>" } ?? ""
        body += """
            <form class="stack" method="post" action="/residents/\(id)">\(f.csrfField())
            <input type="hidden" name="version" value="\(r.version)">
            <label>\(esc(f.t("col.personName")))<input name="name" value="\(esc(r["name"]?.stringValue ?? ""))" required maxlength="50"\(disabled)></label>
            <label>\(esc(f.t("col.phone")))<input name="phone" type="tel" inputmode="tel" value="\(esc(r["phone"]?.stringValue ?? ""))"\(disabled)></label>
            \(canWrite ? "<button type=\"submit\">\(esc(f.t("action.save")))</button>" : "")
            </form>
            <h2>\(esc(f.t("entity.households")))</h2>
            """
        if case .array(let links) = r["households"] ?? .null {
            body += Pages.table(
                [(f.t("household.title"), false), (f.t("col.relation"), false), (f.t("col.livesElsewhere"), false)],
                links.map { l in
                    let hid = l["household_id"]?.intValue ?? 0
                    return [
                        "<a href=\"/households/\(hid)\">#\(hid)</a>",
                        esc(f.t("rel." + (l["relation"]?.stringValue ?? ""))),
                        l["lives_elsewhere"] == .bool(true) ? esc(f.t("yes")) : esc(f.t("no")),
                    ]
                })
        }
        return f.render(title: "\(f.t("resident.title")) \(r["name"]?.stringValue ?? "")", body: body, status: status)
    }

    static func householdPage(
        id: Int64, actor: Actor, f: PageFrame, services: Services, notice: (String, String)?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let h = try await services.registry.get(.households, id: id, actor: actor)
        let building = try await services.registry.get(.buildings, id: h["building_id"]!.intValue!, actor: actor)
        let entrance = try await services.registry.get(.entrances, id: h["entrance_id"]!.intValue!, actor: actor)
        let canWrite = Permissions.allows(actor.role, .writeRegistry)
        let compound = try await services.registry.get(
            .compounds, id: building["compound_id"]?.intValue ?? 0,
            actor: actor)
        var body = try await trail(
            community: compound["community_id"]?.intValue, compound: compound,
            building: (building.id, building["name"]?.stringValue ?? ""),
            household: "\(entrance["name"]?.stringValue ?? "") \(h["room"]?.stringValue ?? "")",
            actor: actor, f: f, services: services)
        if let (kind, text) = notice { body += "<p class=\"note \(kind)\" role=\"status\">\(esc(text))</p>" }
        let disabled = canWrite ? "" : " disabled"
        body += """
            <form class="stack" method="post" action="/households/\(id)">\(f.csrfField())
            <input type="hidden" name="version" value="\(h.version)">
            <label>\(esc(f.t("col.room")))<input name="room" value="\(esc(h["room"]?.stringValue ?? ""))" required maxlength="50"\(disabled)></label>
            <label>\(esc(f.t("col.floor")))<input name="floor" inputmode="numeric" value="\(h["floor"]?.intValue.map(String.init) ?? "")"\(disabled)></label>
            <label>\(esc(f.t("col.area")))<input name="area_m2" inputmode="decimal" value="\(esc(h["area_m2"]?.stringValue ?? ""))" required\(disabled)></label>
            \(canWrite ? "<button type=\"submit\">\(esc(f.t("action.save")))</button>" : "")
            </form>
            <h2>\(esc(f.t("household.residents")))</h2>
            """
        guard case .array(let residents) = h["residents"] ?? .array([]) else { return f.render(title: "", body: body) }
        if residents.isEmpty {
            body += "<p class=\"muted\">\(esc(f.t("household.noResidents")))</p>"
        } else {
            body += Pages.table(
                [
                    (f.t("col.personName"), false), (f.t("col.phone"), false), (f.t("col.relation"), false),
                    (f.t("col.livesElsewhere"), false), (canWrite ? f.t("col.actions") : "", false),
                ],
                residents.map { r in
                    let rid = r["resident_id"]?.intValue ?? 0
                    // Asks on a page of its own first; not styled like saving.
                    let href = "/households/\(id)/residents/\(rid)/remove"
                    let remove =
                        canWrite
                        ? "<a class=\"button danger\" href=\"\(href)\">\(esc(f.t("action.remove")))</a>" : ""
                    return [
                        "<a href=\"/residents/\(rid)\">\(esc(r["name"]?.stringValue ?? ""))</a>",
                        esc(r["phone"]?.stringValue ?? ""), esc(f.t("rel." + (r["relation"]?.stringValue ?? ""))),
                        r["lives_elsewhere"] == .bool(true) ? esc(f.t("yes")) : esc(f.t("no")), remove,
                    ]
                })
        }
        if canWrite {
            let options = ResidentRelation.allCases.map {
                "<option value=\"\($0.rawValue)\"\($0 == .coOwner ? " selected" : "")>\(esc(f.t("rel." + $0.rawValue)))</option>"
            }.joined()
            body += """
                <h2>\(esc(f.t("household.addResident")))</h2>
                <form class="stack" method="post" action="/households/\(id)/residents">\(f.csrfField())
                <label>\(esc(f.t("col.personName")))<input name="name" required maxlength="50" autocomplete="off"></label>
                <label>\(esc(f.t("col.phone")))<input name="phone" type="tel" inputmode="tel"></label>
                <label>\(esc(f.t("col.relation")))<select name="relation">\(options)</select></label>
                <label class="check"><input type="checkbox" name="lives_elsewhere" value="1"> \(esc(f.t("col.livesElsewhere")))</label>
                <button type="submit">\(esc(f.t("action.add")))</button>
                </form>
                """
        }
        let title =
            "\(f.t("household.title")) \(building["name"]?.stringValue ?? "")-\(entrance["name"]?.stringValue ?? "")-\(h["room"]?.stringValue ?? "")"
        return f.render(title: title, body: body, status: status)
    }
}
