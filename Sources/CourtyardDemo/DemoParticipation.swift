import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Demo participation in the first compound: a consultation with results, a notice on display with an
/// objection, a satisfaction survey of an accepted project, and supervision reports in every state.
enum DemoParticipation {
    static func seed(services: Services, subdistrictId sd: Int64) async throws {
        let today = Clock.today
        let db = services.database
        let (compound, households, project, accepted) = try await db.withConnection { db in
            let c = try await db.raw("SELECT MIN(id) AS id FROM compounds WHERE subdistrict_id = \(bind: sd)").first()!
                .decode(column: "id", as: Int64.self)
            let hs = try await db.raw("SELECT id FROM households WHERE compound_id = \(bind: c) ORDER BY id").all().map
            { try $0.decode(column: "id", as: Int64.self) }
            let p = try await db.raw("SELECT id FROM projects WHERE compound_id = \(bind: c)").first()?.decode(
                column: "id", as: Int64.self)
            let a = try await db.raw(
                """
                SELECT p.id, p.compound_id FROM projects p WHERE p.subdistrict_id = \(bind: sd) AND p.stage IN ('accepted', 'handed_over') ORDER BY p.id LIMIT 1
                """
            ).first().map {
                (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "compound_id", as: Int64.self))
            }
            return (c, hs, p, a)
        }
        var rng = SplitMix64(seed: 311)
        let questionnaires = QuestionnaireRepository(database: db)

        // 问需: what to renovate, answered on paper by about two households in three.
        let consultation = try await questionnaires.create(
            compoundId: compound, projectId: project, kind: .consultation, title: "老旧小区改造意见征询表",
            questions: [
                Question(text: "您认为小区最需要改造的是哪一项？", type: .single, options: ["供排水管网", "外墙保温", "道路与停车", "加装电梯", "绿化照明"]),
                Question(text: "您希望增加哪些设施？（可多选）", type: .multiple, options: ["充电桩", "健身器材", "快递柜", "休闲座椅", "适老化扶手"]),
                Question(text: "您对初步改造方案的满意程度（1-5分）", type: .rating),
                Question(text: "其他意见和建议", type: .text, required: false),
            ], opensOn: today.adding(days: -20), closesOn: today.adding(days: 10), actor: .system)
        let cid = consultation.id
        _ = try await questionnaires.setState(id: cid, to: .published, actor: .system)
        let remarks = ["希望先改管网，冬天常爆管", "楼道灯坏了很久", "停车太乱，建议划线", "", "老人多，盼望装电梯"]
        for (k, h) in households.enumerated() where rng.next() % 100 < 66 {
            let choice = Int(rng.next() % 5)
            let extra = Int(rng.next() % 5)
            let answers: [JSONValue] = [
                .int(Int64(choice)), .array([.int(Int64(extra)), .int(Int64((extra + 2) % 5))]),
                .int(Int64(3 + rng.next() % 3)), .string(remarks[k % remarks.count]),
            ]
            _ = try await questionnaires.enterPaper(
                id: cid, householdId: h, paperNumber: "Q\(cid)-\(k + 1)", answers: answers, actor: .system)
        }
        _ = try await questionnaires.setState(id: cid, to: .closed, actor: .system)

        // 公示: the plan, on display for seven days, with one objection.
        let notices = NoticeRepository(database: db)
        let notice = try await notices.create(
            .init(
                compoundId: compound, projectId: project, kind: .plan, title: "小区改造方案公示",
                body: "根据居民意见征询结果，本小区改造内容为：供排水管网更新、外墙保温、道路与停车位改造、楼道照明。公示期内如有异议，请向社区或街道改造专班反映。",
                attachments: [], startsOn: today.adding(days: -2), endsOn: today.adding(days: 5)), actor: .system)
        _ = try await notices.publish(id: notice.id, actor: .system)
        _ = try await notices.object(
            noticeId: notice.id, text: "3号楼北侧停车位规划离窗户太近，建议调整", name: "刘桂芳", phone: "13838381234")

        // 问效: a satisfaction survey of an accepted project.
        if let (pid, pc) = accepted {
            let survey = try await questionnaires.create(
                compoundId: pc, projectId: pid, kind: .satisfaction, title: "改造完工居民满意度测评",
                questions: [
                    Question(text: "您对本次改造的总体满意度", type: .rating), Question(text: "您对施工期间文明施工的满意度", type: .rating),
                ],
                opensOn: today.adding(days: -7), closesOn: today.adding(days: 7), actor: .system)
            let sid = survey.id
            _ = try await questionnaires.setState(id: sid, to: .published, actor: .system)
            let surveyed = try await db.withConnection { db in
                try await db.raw("SELECT id FROM households WHERE compound_id = \(bind: pc) ORDER BY id LIMIT 90").all()
                    .map { try $0.decode(column: "id", as: Int64.self) }
            }
            for (k, h) in surveyed.enumerated() {
                _ = try await questionnaires.enterPaper(
                    id: sid, householdId: h, paperNumber: "S\(sid)-\(k + 1)",
                    answers: [.int(Int64(3 + rng.next() % 3)), .int(Int64(2 + rng.next() % 4))], actor: .system)
            }
        }

        // Supervision reports in every state.
        let reports = ReportRepository(database: db, calendar: try await CalendarRepository(database: db).calendar())
        let contractor = try await db.withConnection { db in
            try await db.raw("SELECT MIN(id) AS id FROM organisations WHERE kind = 'contractor'").first()!.decode(
                column: "id", as: Int64.self)
        }
        let paths: [(ReportCategory, String, [ReportState])] = [
            (.safety, "3号楼北侧沟槽没有围挡，晚上看不清", []),
            (.noiseDust, "早上六点就开始切割，噪音很大", [.acknowledged]),
            (.waterDrainage, "施工挖断了2号楼的下水管", [.acknowledged, .assigned]),
            (.powerLighting, "楼道照明线路施工后一直不亮", [.acknowledged, .assigned, .fixed]),
            (.roadsPaving, "新铺的人行道砖有松动", [.acknowledged, .assigned, .fixed, .verified]),
            (.greening, "施工车辆压坏了草坪", [.acknowledged, .assigned, .fixed, .verified, .closed]),
            (.accessParking, "材料堆放堵住了消防通道", [.acknowledged, .assigned, .fixed, .reopened]),
            (.other, "询问本小区是否纳入今年改造计划", [.rejected]),
        ]
        for (category, text, steps) in paths {
            let r = try await reports.create(
                .init(
                    compoundId: compound, buildingId: nil, category: category, description: text,
                    reporterName: DemoRegistry.personName(&rng), reporterPhone: DemoRegistry.phone(&rng)),
                actor: .system)
            let id = r.id
            for s in steps {
                _ = try await reports.transition(
                    id: id, to: s, note: Self.reason(s),
                    assignee: s == .assigned ? contractor : nil, actor: .system)
            }
        }
        // A report for the property company: what it looks after in the compound, not the builders' works.
        let property = try await db.withConnection { db in
            try await db.raw("SELECT MIN(id) AS id FROM organisations WHERE kind = 'property_company'").first()!
                .decode(column: "id", as: Int64.self)
        }
        let parked = try await reports.create(
            .init(
                compoundId: compound, buildingId: nil, category: .accessParking,
                description: "小区门口电动车乱停，救护车进不来", reporterName: DemoRegistry.personName(&rng),
                reporterPhone: DemoRegistry.phone(&rng)),
            actor: .system)
        for s in [ReportState.acknowledged, .assigned] {
            _ = try await reports.transition(
                id: parked.id, to: s, note: "", assignee: s == .assigned ? property : nil, actor: .system)
        }
    }

    /// Why a demo report was rejected or reopened (each says why); nothing for the other steps.
    static func reason(_ step: ReportState) -> String {
        switch step {
        case .rejected: "不属于施工期间问题，已转社区答复"
        case .reopened: "通道清出后又被材料占用"
        case .fixed: "已整改完毕，请查看"
        default: ""
        }
    }
}
