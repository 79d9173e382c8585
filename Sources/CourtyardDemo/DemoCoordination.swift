import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Demo coordination: a daily meeting series over the last two weeks and the next two, the past meetings held
/// (attendance, minutes, actions carried over, some done), and requests to four departments in every state.
enum DemoCoordination {
    static func seed(services: Services, subdistrictId sd: Int64) async throws {
        let today = Clock.today
        let db = services.database
        let calendar = try await CalendarRepository(database: db).calendar()
        let meetings = MeetingRepository(database: db, calendar: calendar)
        let requests = CoordinationRequestRepository(database: db, calendar: calendar)
        let (orgs, projects) = try await db.withConnection { db in
            let o = try await db.raw(
                "SELECT id, kind, department FROM organisations WHERE subdistrict_id = \(bind: sd) ORDER BY id"
            ).all().map {
                (
                    try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "kind", as: String.self),
                    try $0.decode(column: "department", as: String?.self)
                )
            }
            let p = try await db.raw(
                "SELECT id FROM projects WHERE subdistrict_id = \(bind: sd) ORDER BY id LIMIT 6"
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            return (o, p)
        }
        guard !projects.isEmpty else { return }
        func first(_ kind: OrganisationKind) -> Int64? { orgs.first { $0.1 == kind.rawValue }?.0 }
        func department(_ d: DepartmentKind) -> Int64? { orgs.first { $0.2 == d.rawValue }?.0 }
        guard let contractor = first(.contractor), let supervisor = first(.supervisor), let pm = first(.pmCompany),
            let designer = first(.designer), let property = first(.propertyCompany), let water = department(.water),
            let gas = department(.gas), let power = department(.power), let telecom = department(.telecom)
        else { return }

        // Accounts for the gas and power liaisons, beside the water one the demo already has.
        let hash = try await hashPassword(DemoData.password, services: services)
        for (name, org, display) in [("gas", gas, "燃气 联络员"), ("power", power, "供电 联络员")]
        where try await services.accounts.find(username: name) == nil {
            _ = try await services.accounts.create(
                username: name, passwordHash: hash, role: .department, scope: Scope(kind: .organisation, id: org),
                displayName: display, actor: .system)
        }

        // 例会: every working day at 08:30, from two weeks back to two weeks ahead.
        let series = try await meetings.createSeries(
            .init(
                title: "老旧小区改造工作例会", subdistrictId: sd, firstOn: today.adding(days: -14), until: today.adding(days: 14),
                time: "08:30", durationMinutes: 60, location: "街道办事处三楼会议室",
                participants: [
                    .organisation(contractor), .organisation(supervisor), .organisation(designer), .organisation(pm),
                    .organisation(property), .organisation(water), .organisation(gas),
                    .representative(name: "刘桂兰（居民代表）"),
                ]), actor: .system)
        let past = try await meetings.list(actor: .system, from: nil, to: today.adding(days: -1), seriesId: series.id)
        // The office's head chairs and closes the meetings.
        let chair = try await services.accounts.find(username: "office")?.actor ?? .system
        let topics: [(String, Int64, String)] = [
            ("3号楼燃气立管迁移，施工单位配合燃气公司确定迁移方案", contractor, "燃气管线迁移方案已初步确定"),
            ("北区雨污分流管网开挖前办理占道许可", pm, "占道许可由项目管理公司牵头办理"),
            ("外墙保温样板墙复验，监理出具意见", supervisor, "样板墙经复验合格后方可大面积施工"),
            ("电力箱变位置调整，设计出变更图", designer, "箱变南移两米，设计单位出具变更"),
            ("居民反映夜间施工噪声，调整作业时间", contractor, "晚八点后停止产生噪声的作业"),
            ("物业用房移交清单核对", property, "物业公司三日内反馈清单意见"),
        ]
        for (i, m) in past.enumerated() {
            let detail = try await meetings.get(id: m.id, actor: .system)
            let lines = (detail.attendance ?? []).enumerated().map { j, a in
                let status: AttendanceStatus = (i + j) % 9 == 4 ? .absent : ((i + j) % 7 == 3 ? .late : .present)
                return (participantId: a.participantId, status: status)
            }
            _ = try await meetings.putAttendance(id: m.id, lines: lines, actor: .system)
            var actions: [MeetingRepository.NewAction] = []
            var decisions: [String] = []
            if i < topics.count {
                let (title, owner, decision) = topics[i]
                decisions.append(decision)
                actions.append(
                    .init(
                        title: title, ownerOrganisationId: owner, dueOn: calendar.adding(workingDays: 3, to: m.date),
                        projectId: projects[i % projects.count]))
            } else {
                decisions.append("各单位按计划推进，逾期事项下次例会通报")
            }
            _ = try await meetings.putMinutes(
                id: m.id, discussion: "逐项过问逾期事项和协调事项办理情况。", decisions: decisions, actions: actions, actor: .system)
            _ = try await meetings.close(id: m.id, actor: chair)
        }
        // One coming meeting is called off, so the calendar feed shows a cancelled one.
        if let future = try await meetings.list(
            actor: .system, from: today.adding(days: 3), to: today.adding(days: 14), seriesId: series.id
        ).first {
            _ = try await meetings.cancel(id: future.id, reason: "区里召开专题会议，例会暂停一次", actor: .system)
        }
        // Some actions are done (the second and the fourth); the others stay open and are carried over.
        let open = try await meetings.listActions(actor: .system, owner: nil, state: .open, overdueOnly: false)
        for (i, a) in open.enumerated() where i == 1 || i == 3 {
            _ = try await meetings.markDone(id: a.id, note: "已完成，见现场照片", evidence: [], actor: .system)
        }

        // 协调事项 to four departments, in every state.
        let needed = today.adding(days: 20)
        func make(_ project: Int64, _ dept: Int64, _ kind: CoordinationKind, _ text: String) async throws -> Int64 {
            try await requests.create(
                .init(
                    projectId: project, departmentOrganisationId: dept, kind: kind, description: text, neededBy: needed,
                    attachments: []), actor: .system
            ).id
        }
        func step(_ id: Int64, _ to: CoordinationState, planned: Day? = nil, done: Day? = nil, reason: String = "")
            async throws
        {
            _ = try await requests.transition(
                id: id,
                .init(
                    to: to, note: to == .reopened ? "已补充管线走向图" : "", plannedOn: planned, doneOn: done,
                    reason: reason), actor: .system)
        }
        let p = projects
        let requested = try await make(p[0], water, .waterMeter, "2号楼一单元水表移至单元门外表井")
        let overdue = try await make(p[1 % p.count], gas, .gasRelocation, "3号楼燃气立管与外墙保温冲突，需迁移")
        let accepted = try await make(p[0], power, .powerPole, "北门电杆影响消防通道，需移位")
        let scheduled = try await make(p[2 % p.count], telecom, .telecomLine, "架空通信线缆入地，配合开挖")
        try await step(accepted, .accepted)
        try await step(scheduled, .accepted)
        try await step(scheduled, .scheduled, planned: today.adding(days: 6))
        let done = try await make(p[1 % p.count], water, .drainageConnection, "雨污分流新建管网接入市政管网")
        // Done two days ago, as planned the day before: its past is written as it was, not through today's rules.
        try await db.withConnection { db in
            try await db.raw(
                "UPDATE coordination_requests SET created_on = \(bind: today.adding(days: -12).description) WHERE id = \(bind: done)"
            ).run()
        }
        try await step(done, .accepted)
        try await step(done, .scheduled, planned: today)
        try await step(done, .done, done: today.adding(days: -2))
        try await db.withConnection { db in
            let planned = today.adding(days: -3).description
            try await db.raw("UPDATE coordination_requests SET planned_on = \(bind: planned) WHERE id = \(bind: done)")
                .run()
            try await db.raw(
                "UPDATE coordination_events SET planned_on = \(bind: planned) WHERE request_id = \(bind: done) AND planned_on IS NOT NULL"
            ).run()
        }
        let waterAccepted = try await make(p[3 % p.count], water, .waterMeter, "5号楼水表集中移至楼外表箱")
        try await step(waterAccepted, .accepted)
        let waterScheduled = try await make(p[4 % p.count], water, .drainageConnection, "化粪池改造后接入市政污水管")
        try await step(waterScheduled, .accepted)
        try await step(waterScheduled, .scheduled, planned: today.adding(days: 2))
        let declined = try await make(p[3 % p.count], power, .powerPole, "配电箱迁移至物业用房旁")
        try await step(declined, .declined, reason: "缺少迁移位置的平面图，请补充后再提交。")
        let reopened = try await make(p[2 % p.count], gas, .gasRelocation, "新建燃气调压箱选址")
        try await step(reopened, .declined, reason: "需提供地下管线走向")
        try await step(reopened, .reopened)
        // Filed on earlier days, so the queue and the figures read like a real fortnight: the gas request went
        // past its two working days to accept.
        try await db.withConnection { db in
            for (id, back) in [
                (requested, 1), (overdue, 6), (accepted, 5), (scheduled, 8), (done, 12), (declined, 4), (reopened, 7),
                (waterAccepted, 3), (waterScheduled, 9),
            ] {
                let filed = today.adding(days: Int64(-back))
                try await db.raw(
                    "UPDATE coordination_requests SET created_on = \(bind: filed.description) WHERE id = \(bind: id)"
                ).run()
                try await db.raw(
                    """
                    UPDATE coordination_requests SET accepted_on = \(bind: filed.adding(days: 1).description)
                    WHERE id = \(bind: id) AND accepted_on IS NOT NULL
                    """
                ).run()
            }
            let filed = today.adding(days: -6)
            try await db.raw(
                """
                UPDATE coordination_requests SET state_since = \(bind: filed.description),
                  due_on = \(bind: calendar.adding(workingDays: 2, to: filed).description) WHERE id = \(bind: overdue)
                """
            ).run()
        }
    }
}
