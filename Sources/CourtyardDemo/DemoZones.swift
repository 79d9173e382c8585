import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Zones and their property companies: compounds placed on the map, the north zone's selection finished (bids,
/// the panel's scores, an owners' vote and the office's decisions, the contract), the south zone's under way, a
/// signed hand-over and one waiting on a defect, with a steward account (`louzhang2`) in its compound.
enum DemoZones {
    static func seed(services: Services, subdistrictId sd: Int64) async throws {
        let db = services.database
        struct Account { var id: Int64, username: String, role: Role, scope: Scope }
        let (zones, accounts, companies) = try await db.withConnection { conn in
            // Compounds on a grid in the city's north-east (WGS-84), about 400 m apart.
            let compounds = try await conn.raw(
                "SELECT id FROM compounds WHERE subdistrict_id = \(bind: sd) ORDER BY id"
            ).all().map { try $0.int("id") }
            for (i, c) in compounds.enumerated() {
                let lat: Int64 = 347_600_000 + Int64(i / 12) * 40_000
                let lon: Int64 = 1_136_600_000 + Int64(i % 12) * 45_000
                try await conn.raw(
                    "UPDATE compounds SET lat_e7 = \(bind: lat), lon_e7 = \(bind: lon) WHERE id = \(bind: c)"
                ).run()
            }
            let zones = try await conn.raw("SELECT id FROM zones WHERE subdistrict_id = \(bind: sd) ORDER BY id")
                .all().map { try $0.int("id") }
            var accounts: [String: Account] = [:]
            for r in try await conn.raw(
                "SELECT id, username, role, scope_kind, scope_id FROM users WHERE username IN ('office', 'community', 'steward', 'property')"
            ).all() {
                let kind = try r.optionalText("scope_kind").flatMap { ScopeKind(rawValue: $0) }
                accounts[try r.text("username")] = Account(
                    id: try r.int("id"), username: try r.text("username"),
                    role: Role(rawValue: try r.text("role")) ?? .viewer,
                    scope: Scope(kind: kind, id: try r.optionalInt("scope_id")))
            }
            let companies = try await conn.raw(
                "SELECT id FROM organisations WHERE kind = 'property_company' ORDER BY id"
            ).all().map { try $0.int("id") }
            return (zones, accounts, companies)
        }
        guard zones.count >= 2, companies.count >= 3, let office = accounts["office"],
            let community = accounts["community"], let property = accounts["property"],
            let ownCompany = property.scope.id
        else { return }
        func actor(_ a: Account) -> Actor { Actor(userId: a.id, username: a.username, role: a.role, scope: a.scope) }
        let officeActor = actor(office)
        let selections = SelectionRepository(database: db)
        let criteria = [
            SelectionCriterion(name: "服务方案", weight: 50), SelectionCriterion(name: "物业费报价", weight: 30),
            SelectionCriterion(name: "企业信用与业绩", weight: 20),
        ]
        let others = companies.filter { $0 != ownCompany }
        let plans = [
            "驻场项目经理1名、保安4名、保洁3名；楼道每日保洁两次，公共设施月度巡检，报修2小时内到场。",
            "保洁外包、秩序维护24小时值守，电梯维保委托专业单位，报修当日响应。",
            "党建引领“红色物业”，社区居民优先录用，基础服务收费按政府指导价下限。",
        ]

        // North zone: the whole selection, finished.
        let north = try await selections.create(
            .init(
                zoneId: zones[0], method: .publicTender, criteria: criteria, deadline: Date().addingTimeInterval(3600),
                panelUserIds: [office.id, community.id]), actor: officeActor)
        var bids: [Int64] = []
        for (org, fee, plan) in [(ownCompany, 110, plans[0]), (others[0], 95, plans[1]), (others[1], 80, plans[2])] {
            bids.append(
                try await selections.bid(
                    selectionId: north.id,
                    .init(organisationId: org, feeFenPerM2Month: Int64(fee), plan: plan, attachments: []),
                    actor: officeActor
                ).id)
        }
        try await db.withConnection { conn in
            try await conn.raw(
                "UPDATE property_selections SET deadline = \(bind: Clock.iso(Date().addingTimeInterval(-86400 * 20))) WHERE id = \(bind: north.id)"
            ).run()
        }
        let table: [[Int64]] = [[9000, 7500, 8800], [7800, 8600, 8000], [7200, 9400, 7000]]
        for (m, member) in [office, community].enumerated() {
            var entries: [SelectionRepository.ScoreInput] = []
            for (b, bid) in bids.enumerated() {
                for (c, criterion) in criteria.enumerated() {
                    entries.append(
                        .init(bidId: bid, criterion: criterion.name, scoreCenti: table[b][c] - Int64(m * 150)))
                }
            }
            _ = try await selections.score(selectionId: north.id, entries, actor: actor(member))
        }
        // One compound of the zone has an owners' committee, which puts the proposal to its owners.
        let northCompounds = try await ZoneRepository(database: db).get(id: zones[0], actor: .system).compoundIds
        if let first = northCompounds.first {
            try await db.withConnection { conn in
                try await conn.raw(
                    """
                    INSERT INTO bodies (subdistrict_id, kind, name, compound_id, formed_on, created_at, created_by)
                    VALUES (\(bind: sd), 'owners_committee', '业主委员会', \(bind: first), '2025-09-01',
                      \(bind: Clock.isoNow()), 'demo')
                    """
                ).run()
            }
        }
        let proposed = try await selections.propose(selectionId: north.id, bidId: bids[0], actor: officeActor)
        let votes = VoteRepository(database: db)
        var rng = SplitMix64(seed: 4)
        for d in proposed.decisions {
            if let voteId = d.voteId {
                _ = try await votes.open(id: voteId, actor: .system)
                let households = try await db.withConnection { conn in
                    try await conn.raw(
                        "SELECT household_id FROM vote_electorate WHERE vote_id = \(bind: voteId) ORDER BY household_id"
                    ).all().map { try $0.int("household_id") }
                }
                for h in households where rng.next() % 100 < 88 {
                    let choice: VoteChoice = rng.next() % 100 < 85 ? .approve : .reject
                    _ = try await votes.cast(
                        voteId: voteId, householdId: h, choice: choice, paperNumber: nil, actor: .system)
                }
                _ = try await votes.close(id: voteId, actor: .system)
            } else {
                _ = try await selections.decide(
                    selectionId: north.id, compoundId: d.compoundId, approved: true,
                    basis: "该小区无业主大会和业主委员会，经街道党工委会议研究（2026年第9次会议纪要），同意选聘结果。",
                    actor: officeActor)
            }
        }
        let today = Clock.today
        let contracted = try? await selections.contract(
            selectionId: north.id,
            .init(
                termFrom: today.adding(days: -10), termUntil: today.adding(days: 3 * 365), feeFenPerM2Month: 110,
                scope: "公共区域保洁、秩序维护、绿化养护、共用设施设备日常维修养护", attachmentId: nil), actor: officeActor)
        if contracted == nil {
            // Should the vote not pass, the company is still assigned so the rest of the demo has one.
            try await db.withConnection { conn in
                try await conn.raw(
                    "UPDATE zones SET property_company_id = \(bind: ownCompany) WHERE id = \(bind: zones[0])"
                ).run()
            }
        }

        // Residents' reports on the north zone's compounds since the company took over: its record has figures.
        let reports = ReportRepository(database: db, calendar: try await CalendarRepository(database: db).calendar())
        let served: [(ReportCategory, String, [ReportState])] = [
            (.waterDrainage, "单元门口雨水井堵塞，下雨积水", [.acknowledged, .assigned, .fixed, .verified, .closed]),
            (.powerLighting, "楼道声控灯不亮", [.acknowledged, .assigned, .fixed]),
            (.greening, "绿化带杂草长期无人修剪", [.acknowledged, .assigned]),
            (.other, "垃圾清运不及时", []),
        ]
        for (k, (category, text, steps)) in served.enumerated() where !northCompounds.isEmpty {
            let r = try await reports.create(
                .init(
                    compoundId: northCompounds[k % northCompounds.count], buildingId: nil, category: category,
                    description: text, reporterName: DemoRegistry.personName(&rng),
                    reporterPhone: DemoRegistry.phone(&rng)), actor: .system)
            for step in steps {
                _ = try await reports.transition(
                    id: r.id, to: step, note: step == .fixed ? "已处理完毕" : "",
                    assignee: step == .assigned ? ownCompany : nil, actor: .system)
            }
        }

        // South zone: bidding is open until next month.
        let south = try await selections.create(
            .init(
                zoneId: zones[1], method: .invited, criteria: criteria,
                deadline: Date().addingTimeInterval(86400 * 30), panelUserIds: [office.id, community.id]),
            actor: officeActor)
        _ = try await selections.bid(
            selectionId: south.id,
            .init(organisationId: others[0], feeFenPerM2Month: 90, plan: plans[1], attachments: []),
            actor: officeActor)

        // Hand-overs in the north zone: one signed by all four, one waiting on a defect.
        // The first hand-over is signed by all four (handed over, where a project is); the second waits for the
        // community, the owners and the company, in the demo community account's own community where it can be.
        let ownCommunity = community.scope.id ?? 0
        let projects = try await db.withConnection { conn in
            let first = try await conn.raw(
                """
                SELECT p.id FROM projects p JOIN compounds c ON c.id = p.compound_id
                WHERE c.zone_id = \(bind: zones[0]) AND p.stage IN ('handed_over', 'accepted')
                ORDER BY CASE p.stage WHEN 'handed_over' THEN 0 ELSE 1 END,
                  CASE WHEN c.community_id = \(bind: ownCommunity) THEN 1 ELSE 0 END, p.id LIMIT 1
                """
            ).all().map { try $0.int("id") }
            let second = try await conn.raw(
                """
                SELECT p.id FROM projects p JOIN compounds c ON c.id = p.compound_id
                WHERE c.zone_id = \(bind: zones[0]) AND p.stage = 'accepted' AND p.id <> \(bind: first.first ?? 0)
                ORDER BY CASE WHEN c.community_id = \(bind: ownCommunity) THEN 0 ELSE 1 END, p.id LIMIT 1
                """
            ).all().map { try $0.int("id") }
            return first + second
        }
        for (i, project) in projects.enumerated() {
            let checklist = HandoverChecklist(
                facilities: [
                    .init(name: "单元门禁", quantity: 6, condition: .good),
                    .init(name: "路灯", quantity: 14, condition: .good),
                    .init(name: "雨水管网", quantity: 1, condition: i == 0 ? .good : .fair),
                ],
                documents: [
                    .init(kind: .asBuiltDrawings, name: "竣工图（电子版与纸质版）"),
                    .init(kind: .acceptanceRecords, name: "竣工验收记录"), .init(kind: .warranty, name: "工程质量保修书"),
                ],
                keys: [.init(name: "配电室钥匙", quantity: 2), .init(name: "消防控制柜钥匙", quantity: 1)],
                defects: i == 0
                    ? [.init(description: "2号楼屋面防水一处起鼓", dueOn: today.adding(days: -5), open: false)]
                    : [.init(description: "3号楼北侧外墙一处渗水，待施工单位返修", dueOn: today.adding(days: 20), open: true)],
                warrantyUntil: today.adding(days: 5 * 365))
            let text = String(decoding: try JSONEncoder().encode(checklist), as: UTF8.self)
            let signers: [(String, Account?)] =
                i == 0
                ? [
                    ("office", office), ("community", community), ("owners", accounts["steward"]),
                    ("property_company", property),
                ]
                : [("office", office)]
            try await db.withConnection { conn in
                try await conn.raw(
                    """
                    INSERT INTO handovers (project_id, checklist_json, version, updated_at, updated_by)
                    VALUES (\(bind: project), \(bind: text), 1, \(bind: Clock.isoNow()), 'office')
                    """
                ).run()
                for (party, account) in signers {
                    guard let account else { continue }
                    try await conn.raw(
                        """
                        INSERT INTO handover_signatures (project_id, party, user_id, username, checklist_version, signed_at)
                        VALUES (\(bind: project), \(bind: party), \(bind: account.id), \(bind: account.username), 1,
                          \(bind: Clock.isoNow()))
                        """
                    ).run()
                }
            }
        }
        if projects.count > 1 { try await stewardAccount(services: services, project: projects[1]) }
    }

    /// A steward of the waiting hand-over's compound with an account (`louzhang2`), so that each party that has yet to
    /// sign it can sign in and find it on the home page.
    static func stewardAccount(services: Services, project: Int64) async throws {
        guard try await services.accounts.find(username: "louzhang2") == nil else { return }
        let steward = try await services.database.withConnection { conn in
            try await conn.raw(
                """
                SELECT s.id, s.building_id FROM stewards s JOIN projects p ON p.compound_id = s.compound_id
                WHERE p.id = \(bind: project) AND s.until IS NULL AND s.user_id IS NULL ORDER BY s.id LIMIT 1
                """
            ).first()
        }
        guard let steward else { return }
        let account = try await services.accounts.create(
            username: "louzhang2", passwordHash: try await hashPassword(DemoData.password, services: services),
            role: .steward, scope: Scope(kind: .building, id: try steward.int("building_id")),
            displayName: "钱阿姨", actor: .system)
        try await services.database.withConnection { conn in
            try await conn.raw(
                "UPDATE stewards SET user_id = \(bind: account.id) WHERE id = \(bind: try steward.int("id"))"
            ).run()
        }
    }
}
