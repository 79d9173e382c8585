import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Fills an empty database with a fictional sub-district (or a city) so every page has something real.
public enum DemoData {
    /// A sub-district (40 compounds), a city (2,000) or a province (20,000, PostgreSQL only, written with COPY).
    public enum Scale: String, Sendable, CaseIterable { case subdistrict, city, province }

    /// The password of every demo account; printed when the demo is created.
    public static let password = "courtyard-demo"

    /// Hears each step done: a line's catalogue key (under `cli.`) and the values its words take.
    public typealias Log = (String, [String: String]) -> Void

    /// Returns false, and changes nothing, when the database already holds a registry.
    @discardableResult
    public static func seed(services: Services, scale: Scale, log: Log = { _, _ in }) async throws -> Bool {
        let existing = try await services.database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM subdistricts").first()!.decode(column: "n", as: Int.self)
        }
        guard existing == 0 else { return false }
        let demo = DemoRegistry(scale == .city ? DemoRegistry.city : DemoRegistry.subdistrict)
        var firstId: Int64?
        if scale == .province {
            guard services.database.kind == .postgres else {
                throw StoreError.invalid("the province demo is written to PostgreSQL: set DATABASE_URL")
            }
            firstId = try await DemoProvince.load(database: services.database, today: Clock.today, log: log)
        }
        for s in 0..<(scale == .province ? 0 : demo.plan.subdistricts) {
            let name = demo.subdistrictName(s)
            let report = try await services.importer.run(
                rows: demo.rows(subdistrict: s), errors: [], subdistrict: name,
                dryRun: false, filename: "demo", actor: .system)
            let id = try await services.database.withConnection { db in
                try await db.raw("SELECT id FROM subdistricts WHERE name = \(bind: name)").first()!.decode(
                    column: "id", as: Int64.self)
            }
            firstId = firstId ?? id
            try await DemoExtras.enrich(database: services.database, subdistrictId: id, seed: UInt64(s + 7))
            log(
                "demo.subdistrict",
                [
                    "name": name, "compounds": String(report.compounds.created),
                    "households": String(report.households.created),
                ])
        }
        guard let sd = firstId else { return true }
        try await seedOrganisationsAndAccounts(services: services, subdistrictId: sd)
        try await seedVotes(services: services, subdistrictId: sd)
        try await seedProgramme(services: services, subdistrictId: sd)
        try await DemoSafety.seed(services: services, subdistrictId: sd)
        try await DemoInvestment.seed(services: services, subdistrictId: sd)
        try await DemoParticipation.seed(services: services, subdistrictId: sd)
        try await DemoCoordination.seed(services: services, subdistrictId: sd)
        try await DemoStewards.seed(services: services, subdistrictId: sd)
        try await DemoZones.seed(services: services, subdistrictId: sd)
        try await DemoEvents.seed(services: services, subdistrictId: sd)
        log("demo.programme", [:])
        return true
    }

    /// A project for every compound and two published bulletins a week apart, so the second shows the change.
    static func seedProgramme(services: Services, subdistrictId sd: Int64) async throws {
        let orgs = try await services.database.withConnection { db in
            try await db.raw("SELECT id, kind FROM organisations ORDER BY id").all().map {
                (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "kind", as: String.self))
            }
        }
        func ids(_ k: OrganisationKind) -> [Int64] { orgs.filter { $0.1 == k.rawValue }.map(\.0) }
        let today = Clock.today
        try await DemoProgramme.seed(
            database: services.database,
            organisations: .init(
                contractors: ids(.contractor), supervisors: ids(.supervisor),
                designers: ids(.designer), pmCompanies: ids(.pmCompany)), today: today)
        let bulletins = BulletinRepository(database: services.database)
        for weeksAgo in [2, 1] {
            let draft = try await bulletins.draft(
                batchYear: today.civil.year, asOf: today.adding(days: -Int64(7 * weeksAgo)), subdistrictId: sd,
                nextSteps: "一、对排名靠后的社区约谈施工单位项目经理；二、逾期整改问题本周内销号；三、已完工小区抓紧组织居民满意度测评。", actor: .system)
            _ = try await bulletins.publish(id: draft.id, actor: .system)
        }
    }

    /// A closed vote on hiring a property company and an open one on an elevator, in the first compounds.
    static func seedVotes(services: Services, subdistrictId sd: Int64) async throws {
        let votes = VoteRepository(database: services.database)
        let compounds = try await services.registry.list(
            .compounds, query: ListQuery(filters: ["subdistrict_id": String(sd)], limit: 2), actor: .system
        ).items
        guard compounds.count == 2 else { return }
        var rng = SplitMix64(seed: 278)
        for (i, compound) in compounds.enumerated() {
            let closed = i == 0
            let vote = try await votes.create(
                title: closed ? "选聘物业服务企业" : "1号楼加装电梯", matter: closed ? .propertyCompany : .rebuild,
                electorate: closed
                    ? .compound(compound.id) : .buildings([try await firstBuilding(services, compound.id)]),
                thresholds: nil, actor: .system)
            let id = vote.id
            _ = try await votes.open(id: id, actor: .system)
            let households = try await services.database.withConnection { db in
                try await db.raw(
                    "SELECT household_id FROM vote_electorate WHERE vote_id = \(bind: id) ORDER BY household_id"
                ).all()
                    .map { try $0.decode(column: "household_id", as: Int64.self) }
            }
            for (k, h) in households.enumerated() where rng.next() % 100 < (closed ? 85 : 40) {
                let roll = rng.next() % 100
                let choice: VoteChoice = roll < 75 ? .approve : (roll < 92 ? .reject : .abstain)
                _ = try await votes.cast(
                    voteId: id, householdId: h, choice: choice, paperNumber: k % 3 == 0 ? "Z\(id)-\(k + 1)" : nil,
                    actor: .system)
            }
            if closed { _ = try await votes.close(id: id, actor: .system) }
        }
    }

    static func firstBuilding(_ services: Services, _ compoundId: Int64) async throws -> Int64 {
        try await services.registry.list(
            .buildings, query: ListQuery(filters: ["compound_id": String(compoundId)], limit: 1), actor: .system
        ).items[0].id
    }

    static let organisations: [(String, OrganisationKind, DepartmentKind?)] = [
        ("中建七局第三建筑有限公司", .contractor, nil), ("河南五建建设集团有限公司", .contractor, nil), ("郑州市政工程有限公司", .contractor, nil),
        ("河南建达工程咨询有限公司", .supervisor, nil), ("中兴监理有限公司", .supervisor, nil),
        ("市城市规划设计研究院", .designer, nil), ("华北建筑设计院", .designer, nil),
        ("城建项目管理有限公司", .pmCompany, nil), ("中原全过程咨询有限公司", .pmCompany, nil),
        ("区住房和城乡建设局", .department, .housing), ("区自然资源和规划局", .department, .planning), ("市自来水公司", .department, .water),
        ("区城市管理局", .department, .cityManagement), ("国网供电公司", .department, .power), ("中国电信分公司", .department, .telecom),
        ("华润燃气公司", .department, .gas), ("市热力公司", .department, .heating),
        ("安居物业服务有限公司", .propertyCompany, nil), ("万家物业管理有限公司", .propertyCompany, nil),
        ("社区红色物业中心", .propertyCompany, nil),
    ]

    static func seedOrganisationsAndAccounts(services: Services, subdistrictId sd: Int64) async throws {
        var orgIds: [OrganisationKind: Int64] = [:]
        var water: Int64?
        for (name, kind, dept) in organisations {
            var input: [String: JSONValue] = [
                "subdistrict_id": .int(sd), "name": .string(name), "kind": .string(kind.rawValue),
            ]
            if let dept { input["department"] = .string(dept.rawValue) }
            let r = try await services.registry.create(.organisations, input: input, actor: .system)
            if orgIds[kind] == nil { orgIds[kind] = r.id }
            if dept == .water { water = r.id }
        }
        let ids = try await services.database.withConnection { db in
            let community = try await db.raw("SELECT MIN(id) AS id FROM communities WHERE subdistrict_id = \(bind: sd)")
                .first()!
                .decode(column: "id", as: Int64.self)
            let compound = try await db.raw(
                "SELECT MIN(id) AS id FROM compounds WHERE community_id = \(bind: community)"
            ).first()!
            .decode(column: "id", as: Int64.self)
            return (community, compound)
        }
        let accounts: [(String, Role, Scope, String)] = [
            ("office", .subdistrictOfficer, Scope(kind: .subdistrict, id: sd), "王主任"),
            ("community", .communityStaff, Scope(kind: .community, id: ids.0), "李书记"),
            ("steward", .steward, Scope(kind: .compound, id: ids.1), "张老师"),
            ("contractor", .contractor, Scope(kind: .organisation, id: orgIds[.contractor]!), "刘经理"),
            ("supervisor", .supervisor, Scope(kind: .organisation, id: orgIds[.supervisor]!), "陈总监"),
            ("pm", .pmCompany, Scope(kind: .organisation, id: orgIds[.pmCompany]!), "赵工"),
            ("water", .department, Scope(kind: .organisation, id: water!), "周科长"),
            ("property", .propertyCompany, Scope(kind: .organisation, id: orgIds[.propertyCompany]!), "孙经理"),
            ("viewer", .viewer, Scope(kind: .subdistrict, id: sd), "吴科员"),
        ]
        let hash = try await hashPassword(password, services: services)
        for (name, role, scope, display) in accounts where try await services.accounts.find(username: name) == nil {
            _ = try await services.accounts.create(
                username: name, passwordHash: hash, role: role, scope: scope,
                displayName: display, actor: .system)
        }
    }
}
