import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation

/// The demo's safety paperwork and inspections: an agreement for each contractor of the batch, an emergency plan
/// over its projects at work, a training on each project at work, scored inspections whose findings stand in
/// every state, and a final acceptance that failed with its defects.
enum DemoSafety {
    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
    static let given = ["建国", "国强", "志刚", "海涛", "永红", "立新", "卫东", "红梅", "秀英", "小军"]
    static let trades = ["管工", "电工", "瓦工", "架子工", "油漆工", "普工"]

    static func seed(services: Services, subdistrictId: Int64) async throws {
        let today = Clock.today
        let calendar = try await CalendarRepository(database: services.database).calendar()
        let safety = SafetyRepository(database: services.database, calendar: calendar)
        let projects = try await ProjectRepository(database: services.database)
            .summaries(actor: .system, filter: .init(batchYear: today.civil.year))
        // The sub-district's own projects: a contractor's agreement and plan are filed where it is registered, and
        // in a city-wide demo its projects elsewhere are another office's to cover.
        let atWork = projects.filter { $0.stage >= .construction && $0.subdistrictId == subdistrictId }
        let contractors = Set(atWork.compactMap(\.contractorId)).sorted()
        let january = Day("\(today.civil.year)-01-15") ?? today
        for org in contractors {
            _ = try await safety.createAgreement(
                .init(
                    organisationId: org, batchYear: Int64(today.civil.year), signedOn: january,
                    targets: "杜绝较大及以上安全事故；轻伤频率控制在千分之三以内；文明施工达标率100%。", attachmentId: nil),
                actor: .system)
            let covered = Array(atWork.filter { $0.contractorId == org }.map(\.id).prefix(500))
            let plan = try await safety.createPlan(
                .init(organisationId: org, projectIds: covered, approvedOn: january, attachmentId: nil), actor: .system)
            _ = try await safety.addDrill(
                planId: plan.id, date: january.adding(days: 45), attendance: 36, note: "燃气泄漏疏散演练",
                actor: .system)
        }
        for (i, p) in atWork.enumerated() {
            var trainees: [Trainee] = []
            for k in 0..<(4 + i % 3) {
                let surname: String = surnames[(i + k) % surnames.count]
                let name: String = given[(i * 3 + k) % given.count]
                trainees.append(Trainee(name: surname + name, trade: trades[(i + k) % trades.count]))
            }
            _ = try await safety.addTraining(
                projectId: p.id,
                .init(
                    date: p.startedOn ?? today, trainer: "项目安全员", topics: "沟槽防护、临时用电、高处作业、消防",
                    trainees: trainees, attachmentId: nil), actor: .system)
        }
        let building = atWork.filter { $0.stage == .construction }
        try await seedInspections(services: services, safety: safety, projects: building)
        // A final acceptance that failed: the panel is complete, and its defects stand as findings to rectify.
        if let p = building.dropFirst(4).first ?? building.last {
            let panel = [
                AcceptanceParticipant(name: "张工", role: .supervisor),
                AcceptanceParticipant(name: "李经理", role: .contractor),
                AcceptanceParticipant(name: "王科长", role: .office),
                AcceptanceParticipant(name: "赵阿姨", role: .residentRepresentative),
            ]
            _ = try await ProjectRepository(database: services.database).addAcceptance(
                projectId: p.id, kind: .final, date: today.adding(days: -2), result: .failed, participants: panel,
                defects: ["屋面防水层局部空鼓", "三单元楼道扶手松动"], note: "整改完成后重新组织竣工验收", actor: .system)
        }
    }

    /// Four projects at work, each inspected once; the first re-inspected; findings rectified, verified or open.
    static func seedInspections(services: Services, safety: SafetyRepository, projects: [ProjectSummary]) async throws {
        let templates = try await safety.templates(actor: .system)
        let ledger = LedgerRepository(
            database: services.database, calendar: try await CalendarRepository(database: services.database).calendar())
        let today = Clock.today
        // Someone other than whoever reported the fix re-inspects it: the demo's supervisor.
        let reinspector = Actor(userId: nil, username: "supervisor", role: .admin, scope: .global)
        for (i, p) in projects.prefix(4).enumerated() {
            let template = templates[(i * 2) % templates.count]
            let scores = template.items.enumerated().map { k, item in
                SafetyRepository.NewInspection.Score(
                    item: item.code, score: Int64(k == i % template.items.count ? item.maxScore / 2 : item.maxScore),
                    note: k == i % template.items.count ? "现场整改" : "", photos: [])
            }
            let first = try await safety.inspect(
                projectId: p.id,
                .init(templateId: template.id, date: today.adding(days: -6), scores: scores, followsUp: nil),
                actor: .system)
            for id in first.findingIds {
                switch i % 3 {
                case 0:
                    _ = try await ledger.stepFinding(id: id, step: .rectify, note: "已整改", actor: .system)
                    _ = try await ledger.stepFinding(id: id, step: .verify, note: "复检合格", actor: reinspector)
                case 1: _ = try await ledger.stepFinding(id: id, step: .rectify, note: "已整改，待复检", actor: .system)
                default: break
                }
            }
            if i == 0 {
                let full = template.items.map {
                    SafetyRepository.NewInspection.Score(item: $0.code, score: Int64($0.maxScore), note: "", photos: [])
                }
                _ = try await safety.inspect(
                    projectId: p.id,
                    .init(templateId: template.id, date: today.adding(days: -1), scores: full, followsUp: first.id),
                    actor: .system)
            }
        }
    }
}
