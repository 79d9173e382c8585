import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Stewards in every building of three ownerless compounds, a gas-connection campaign half done, an absentee-owner
/// phone campaign, and the bodies that govern the first of those compounds with their members.
enum DemoStewards {
    static func seed(services: Services, subdistrictId sd: Int64) async throws {
        let db = services.database
        let compounds = try await db.withConnection { db in
            try await db.raw(
                "SELECT id FROM compounds WHERE subdistrict_id = \(bind: sd) ORDER BY ownerless DESC, id LIMIT 3"
            ).all().map { try $0.int("id") }
        }
        guard let first = compounds.first else { return }
        let today = Clock.today
        let stewards = StewardRepository(database: db)
        var rng = SplitMix64(seed: 1314)
        var accountMade = false
        let hash = try await hashPassword(DemoData.password, services: services)
        for compound in compounds {
            let buildings = try await db.withConnection { db in
                try await db.raw("SELECT id FROM buildings WHERE compound_id = \(bind: compound) ORDER BY id").all().map
                {
                    try $0.int("id")
                }
            }
            for building in buildings {
                // A resident at home in the building, preferably a long-standing owner.
                let candidates = try await db.withConnection { db in
                    try await db.raw(
                        """
                        SELECT hr.resident_id FROM household_residents hr JOIN households h ON h.id = hr.household_id
                        WHERE h.building_id = \(bind: building) AND hr.lives_elsewhere = 0 ORDER BY hr.relation, hr.resident_id LIMIT 5
                        """
                    ).all().map { try $0.int("resident_id") }
                }
                guard let resident = candidates.first else { continue }
                // Stewards are often party members; so are a few of their neighbours.
                let neighbourToo = rng.next() % 2 == 0
                try await db.withConnection { db in
                    try await db.raw("UPDATE residents SET party_member = 1 WHERE id = \(bind: resident)").run()
                    if neighbourToo, candidates.count > 2 {
                        try await db.raw("UPDATE residents SET party_member = 1 WHERE id = \(bind: candidates[2])")
                            .run()
                    }
                }
                let account: StewardRepository.NewAccount? =
                    accountMade ? nil : .init(username: "louzhang", passwordHash: hash, displayName: "王老师")
                if !accountMade {
                    // The steward who signs in is 王老师 on every page, and 王某某 on the compound's public page.
                    try await db.withConnection { db in
                        try await db.raw("UPDATE residents SET name = '王淑珍' WHERE id = \(bind: resident)").run()
                    }
                }
                accountMade = true
                _ = try await stewards.create(
                    .init(
                        residentId: resident, buildingId: building, entranceId: nil,
                        since: today.adding(days: -Int64(300 + rng.next() % 200)), until: nil,
                        appointedBy: rng.next() % 4 == 0 ? .appointment : .election, account: account), actor: .system)
            }
        }
        try await seedPaperSurvey(services: services, compound: first, today: today)
        try await seedCampaigns(services: services, compounds: compounds, today: today, rng: &rng)
        try await seedBodies(services: services, compound: first, today: today)
        try await seedOpinions(services: services, compound: first, today: today)
    }

    /// A consultation open in the stewards' first compound, which its building steward (louzhang) enters from the
    /// paper forms collected door to door: the work of a steward's evening.
    static func seedPaperSurvey(services: Services, compound: Int64, today: Day) async throws {
        let questionnaires = QuestionnaireRepository(database: services.database)
        let survey = try await questionnaires.create(
            compoundId: compound, projectId: nil, kind: .consultation, title: "楼道和公共空间整治意见征询",
            questions: [
                Question(text: "您最希望先整治哪一处？", type: .single, options: ["楼道杂物", "楼道照明", "自行车棚", "绿地"]),
                Question(text: "您愿意参加周末的楼道清理吗？", type: .single, options: ["愿意", "不便参加"]),
                Question(text: "其他意见和建议", type: .text, required: false),
            ], opensOn: today.adding(days: -3), closesOn: today.adding(days: 11), actor: .system)
        _ = try await questionnaires.setState(id: survey.id, to: .published, actor: .system)
    }

    /// Opinions from visits and the station's box, most answered; a fire lane cleared on the spot and a shed
    /// escalated to city management.
    static func seedOpinions(services: Services, compound: Int64, today: Day) async throws {
        let repo = OpinionRepository(database: services.database)
        let households = try await services.database.withConnection { db in
            try await db.raw("SELECT id FROM households WHERE compound_id = \(bind: compound) ORDER BY id LIMIT 6")
                .all()
                .map { try $0.int("id") }
        }
        let items: [(OpinionKind, OpinionSource, String, String, OpinionRoute, String?)] = [
            (.suggestion, .visit, "建议在3号楼西侧加装非机动车充电桩", "李大爷", .community, "已纳入完善类改造内容，年内实施。"),
            (.opinion, .visit, "施工期间晚上十点后还有噪音", "王阿姨", .office, "已责成施工单位22点后停止高噪音作业。"),
            (.suggestion, .stationBox, "希望楼道扶手刷漆时选浅色", "", .community, "已转设计单位，选用浅灰色。"),
            (.opinion, .stationBox, "垃圾分类亭离单元门太近", "", .community, nil),
            (.suggestion, .visit, "老年人多，建议增设休息座椅", "赵奶奶", .community, "已在小广场增设座椅6处。"),
        ]
        for (i, item) in items.enumerated() {
            let o = try await repo.createOpinion(
                .init(
                    compoundId: compound, householdId: item.1 == .visit && i < households.count ? households[i] : nil,
                    kind: item.0, source: item.1, text: item.2, authorName: item.3, routeTo: item.4), actor: .system)
            if let answer = item.5 { _ = try await repo.answer(id: o.id, answer: answer, actor: .system) }
        }
        let blocked = try await repo.createIrregularity(
            .init(
                compoundId: compound, buildingId: nil, kind: .fireLaneBlocked, place: "2号楼东侧消防通道",
                description: "私家车长期停放占用消防通道", photos: []), actor: .system)
        _ = try await repo.stop(id: blocked.id, note: "联系车主当场挪走，已张贴提示", actor: .system)
        let shed = try await repo.createIrregularity(
            .init(
                compoundId: compound, buildingId: nil, kind: .illegalConstruction, place: "1号楼一层北侧",
                description: "住户在公共绿地私搭彩钢棚，劝阻无效", photos: []), actor: .system)
        _ = try? await repo.escalate(id: shed.id, neededBy: today.adding(days: 20), actor: .system)
        _ = try await repo.createIrregularity(
            .init(
                compoundId: compound, buildingId: nil, kind: .throwingFromHeight, place: "4号楼南侧",
                description: "有居民反映高空抛物，已在单元门张贴提示并入户宣传", photos: []), actor: .system)
    }

    static func seedCampaigns(
        services: Services, compounds: [Int64], today: Day, rng: inout SplitMix64
    ) async throws {
        let db = services.database
        let campaigns = CampaignRepository(database: db)
        let contacts = ContactRepository(database: db)
        let gas = try await campaigns.create(
            .init(
                title: "天然气入户动员", compoundIds: compounds, filter: .null, goal: .agree, until: today.adding(days: 45)),
            actor: .system)
        let (_, gasTargets) = try await campaigns.targets(id: gas.id, actor: .system)
        // Half done: about half the households visited, most of those agreed, some refused and revisited.
        for (i, t) in gasTargets.enumerated() where rng.next() % 100 < 55 {
            let day = today.adding(days: -Int64(1 + rng.next() % 12))
            let roll = rng.next() % 100
            let outcome: ContactOutcome =
                roll < 60
                ? .agreed : roll < 75 ? .refused : roll < 85 ? .explained : roll < 92 ? .opinionCollected : .unreachable
            let followUp: Day? = outcome == .refused || outcome == .explained ? today.adding(days: Int64(i % 3)) : nil
            _ = try await contacts.create(
                householdId: t.householdId,
                .init(
                    channel: .visit, date: day, outcome: outcome, note: note(outcome), campaignId: gas.id,
                    followUpOn: followUp, clientId: "demo-gas-\(t.householdId)"), actor: .system)
            if outcome == .refused, rng.next() % 3 == 0 {
                _ = try await contacts.create(
                    householdId: t.householdId,
                    .init(
                        channel: .visit, date: min(today, day.adding(days: 2)), outcome: .agreed,
                        note: "再次上门讲解安全检测与补贴政策后同意", campaignId: gas.id), actor: .system)
            }
        }
        // Owners who live elsewhere, reached by phone.
        let away = try? await campaigns.create(
            .init(
                title: "外地业主电话联络", compoundIds: compounds, filter: .object([("lives_elsewhere", .bool(true))]),
                goal: .reach, until: today.adding(days: 30)), actor: .system)
        if let away {
            let (_, targets) = try await campaigns.targets(id: away.id, actor: .system)
            for t in targets where rng.next() % 100 < 60 {
                let reached = rng.next() % 100 < 70
                _ = try await contacts.create(
                    householdId: t.householdId,
                    .init(
                        channel: .phone, date: today.adding(days: -Int64(rng.next() % 7)),
                        outcome: reached ? (rng.next() % 2 == 0 ? .agreed : .explained) : .unreachable,
                        note: reached ? "电话告知改造方案，业主表示支持" : "电话无人接听", campaignId: away.id,
                        followUpOn: reached ? nil : today), actor: .system)
            }
        }
    }

    static func note(_ o: ContactOutcome) -> String {
        switch o {
        case .agreed: "讲解管道燃气入户安全与补贴政策，同意开通"
        case .refused: "担心费用和改管占用厨房空间，暂不同意"
        case .explained: "已讲解政策，家人商量后答复"
        case .opinionCollected: "建议燃气表安装在阳台外侧"
        case .unreachable: "多次敲门无人应答"
        case .irregularBehaviourStopped: "劝阻楼道堆放杂物"
        }
    }

    static func seedBodies(services: Services, compound: Int64, today: Day) async throws {
        let db = services.database
        // One member of each household: a family's members share a surname, and a committee of one family reads
        // 于某某 eight times on the public page.
        let people = try await db.withConnection { db in
            try await db.raw(
                """
                SELECT MIN(hr.resident_id) AS resident_id FROM household_residents hr
                JOIN households h ON h.id = hr.household_id
                WHERE h.compound_id = \(bind: compound) AND hr.lives_elsewhere = 0
                GROUP BY hr.household_id ORDER BY hr.household_id LIMIT 12
                """
            ).all().map { try $0.int("resident_id") }
        }
        guard people.count >= 9 else { return }
        let community = try await db.withConnection { db in
            try await db.raw("SELECT community_id FROM compounds WHERE id = \(bind: compound)").first()!.int(
                "community_id")
        }
        let bodies = BodyRepository(database: db)
        let formed = today.adding(days: -420)
        func m(_ i: Int, _ position: String) -> BodyRepository.NewMember {
            .init(residentId: people[i], userId: nil, position: position, from: formed)
        }
        _ = try await bodies.create(
            .init(
                kind: .temporaryPartyBranch, name: "老旧小区改造临时党支部", compoundId: compound, communityId: nil,
                formedOn: formed, members: [m(0, "书记"), m(1, "副书记"), m(2, "委员"), m(3, "委员")]), actor: .system)
        let selfManaged = try await bodies.create(
            .init(
                kind: .selfManagementCommittee, name: "小区自管会", compoundId: compound, communityId: nil,
                formedOn: formed, members: [m(4, "主任"), m(5, "副主任"), m(6, "委员")]), actor: .system)
        // A member who moved away: history kept, and a successor.
        if let leaving = selfManaged.members.last {
            _ = try await bodies.endMember(
                body: selfManaged.id, member: leaving.id, until: today.adding(days: -60), actor: .system)
            _ = try await bodies.addMember(
                body: selfManaged.id,
                .init(residentId: people[7], userId: nil, position: "委员", from: today.adding(days: -59)),
                actor: .system)
        }
        let team = try await bodies.create(
            .init(
                kind: .volunteerTeam, name: "红马甲志愿服务队", compoundId: compound, communityId: nil, formedOn: formed,
                members: [m(8, "队长"), m(2, "队员"), m(5, "队员")]), actor: .system)
        // The team's evening patrols and door-to-door explaining over the last weeks.
        let volunteers = VolunteerRepository(database: services.database)
        for (k, member) in team.members.enumerated() {
            for week in 0..<4 {
                let day = today.adding(days: Int64(-7 * week - k))
                guard day.civil.year == today.civil.year else { continue }
                _ = try await volunteers.record(
                    .init(
                        communityId: nil, compoundId: nil, bodyId: team.id, name: member.name, phone: "",
                        activity: week % 2 == 0 ? .patrol : .outreach, date: day, minutes: 60 + Int64(15 * k),
                        note: week % 2 == 0 ? "夜间巡逻" : "入户宣传燃气改造"), actor: .system)
            }
        }
        _ = try await bodies.create(
            .init(
                kind: .neighbourhoodStation, name: "邻里驿站", compoundId: nil, communityId: community, formedOn: formed,
                members: [m(1, "站长")]), actor: .system)
    }
}
