import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import NIOCore
import SQLKit

/// A renovation batch for demo data: a project for every compound, spread over the stages, with
/// plans, schedules, site logs, checks and acceptances, written in bulk so a city's worth takes seconds.
public enum DemoProgramme {
    static let taskTemplate: [(name: String, days: Int, deps: [Int])] = [
        ("施工准备", 5, []), ("管网开挖与铺设", 25, [0]), ("外墙保温与粉刷", 30, [0]), ("屋面防水", 15, [0]),
        ("道路与停车位", 20, [1]), ("绿化与照明", 12, [4]), ("楼梯间与适老化", 15, [2]), ("竣工验收准备", 5, [3, 5, 6]),
    ]
    static let planTemplate: [(code: String, quantity: Int64, yuan: Int64)] = [
        ("water_supply", 860, 420_000), ("drainage", 640, 380_000), ("exterior_walls", 9200, 1_150_000),
        ("roofs", 2400, 360_000),
        ("roads", 3100, 520_000), ("greening", 1200, 160_000), ("lighting", 48, 90_000), ("age_friendly", 12, 150_000),
        ("ev_charging", 40, 120_000),
    ]

    /// The demo's evidence document: a one-page PDF standing for a scanned minute or notice.
    static let evidencePDF = Array(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
            .utf8)

    public struct Organisations: Sendable {
        public var contractors: [Int64], supervisors: [Int64], designers: [Int64], pmCompanies: [Int64]
        public init(contractors: [Int64], supervisors: [Int64], designers: [Int64], pmCompanies: [Int64]) {
            self.contractors = contractors
            self.supervisors = supervisors
            self.designers = designers
            self.pmCompanies = pmCompanies
        }
    }

    struct Plan {
        var compound: Int64, subdistrict: Int64, community: Int64, stage: ProjectStage, deadline: Day, started: Day?,
            completed: Day?
        var orgs: [Int64?]
    }

    /// The day each gate of a project was passed: into construction on the day it started, into acceptance on the
    /// day it was completed and into hand-over a week later; each earlier gate a fortnight or so before the next, the
    /// latest of a project not yet started some days ago. Never after today.
    static func gateDays(_ p: Plan, today: Day, rng: inout SplitMix64) -> [ProjectStage: Day] {
        var out: [ProjectStage: Day] = [:]
        var next: Day?
        for stage in ProjectStage.allCases.reversed() where stage > .consultation && stage <= p.stage {
            let anchor: Day? =
                switch stage {
                case .construction: p.started
                case .accepted: p.completed
                case .handedOver: p.completed.map { min($0.adding(days: 7), today) }
                default: nil
                }
            let day =
                anchor ?? next.map { $0.adding(days: -Int64(10 + rng.next() % 10)) }
                ?? today.adding(days: -Int64(3 + rng.next() % 20))
            out[stage] = min(day, today)
            next = out[stage]
        }
        return out
    }

    public static func seed(database: Database, organisations o: Organisations, today: Day, seed: UInt64 = 2026)
        async throws
    {
        let year = today.civil.year
        let calendar = WorkCalendar.shipped
        try await database.transaction { db in
            var rng = SplitMix64(seed: seed)
            let compounds = try await db.raw("SELECT id, subdistrict_id, community_id FROM compounds ORDER BY id").all()
            var plans: [Plan] = []
            for (i, c) in compounds.enumerated() {
                let roll = rng.next() % 100
                let stage: ProjectStage =
                    switch roll {
                    case ..<8: .consultation
                    case ..<14: .preliminaryDesign
                    case ..<19: .publicReview
                    case ..<23: .expertReview
                    case ..<30: .planApproved
                    case ..<70: .construction
                    case ..<93: .accepted
                    default: .handedOver
                    }
                var started: Day?
                var completed: Day?
                var deadline = today.adding(days: Int64(90 + rng.next() % 120))
                if stage >= .construction {
                    let s = today.adding(days: -Int64(3 + rng.next() % 180))
                    started = s
                    deadline = today.adding(days: Int64(10 + rng.next() % 70))
                    if stage >= .accepted {
                        let span = Int64(60 + rng.next() % 70)
                        let c = min(s.adding(days: span), today.adding(days: -Int64(1 + rng.next() % 25)))
                        completed = max(c, s.adding(days: 1))
                        deadline = completed!.adding(days: Int64(5 + rng.next() % 30))
                    }
                }
                let orgs: [Int64?] =
                    stage >= .planApproved
                    ? [
                        o.contractors[i % o.contractors.count], o.supervisors[i % o.supervisors.count],
                        o.designers[i % o.designers.count], o.pmCompanies[i % o.pmCompanies.count],
                    ]
                    : [nil, nil, o.designers[i % o.designers.count], o.pmCompanies[i % o.pmCompanies.count]]
                plans.append(
                    Plan(
                        compound: try c.int("id"), subdistrict: try c.int("subdistrict_id"),
                        community: try c.int("community_id"),
                        stage: stage, deadline: deadline, started: started, completed: completed, orgs: orgs))
            }
            let now = Clock.isoNow()
            let projectRows = try await SQLLiteral.insert(
                db: db, table: "projects",
                columns: [
                    "subdistrict_id", "community_id", "compound_id", "batch_year", "deadline", "stage", "started_on",
                    "completed_on", "is_model",
                    "model_writeup", "contractor_id", "supervisor_id", "designer_id", "pm_company_id", "baseline_at",
                    "created_at",
                ],
                rows: plans.enumerated().map { i, p in
                    let model = i % 17 == 3 && p.stage >= .construction
                    return [
                        String(p.subdistrict), String(p.community), String(p.compound), String(year),
                        SQLLiteral.text(p.deadline.description),
                        SQLLiteral.text(p.stage.rawValue), p.started.map { SQLLiteral.text($0.description) } ?? "NULL",
                        p.completed.map { SQLLiteral.text($0.description) } ?? "NULL", model ? "1" : "0",
                        SQLLiteral.text(model ? "党建引领、居民全程参与：改造前入户问需，改造中楼长监督，改造后成立自管会，管网、外墙、适老化一次改到位。" : ""),
                        SQLLiteral.int(p.orgs[0]), SQLLiteral.int(p.orgs[1]), SQLLiteral.int(p.orgs[2]),
                        SQLLiteral.int(p.orgs[3]),
                        p.stage >= .construction ? SQLLiteral.text(now) : "NULL", SQLLiteral.text(now),
                    ]
                }, returning: "id, compound_id")
            var projectOf: [Int64: Int64] = [:]
            for r in projectRows { projectOf[try r.int("compound_id")] = try r.int("id") }

            // Plans: five to nine work items from the template, for every project past the consultation.
            var itemRows: [[String]] = []
            var itemPlan: [(project: Int64, percent: Int)] = []
            for p in plans where p.stage > .consultation {
                let pid = projectOf[p.compound]!
                let n = 5 + Int(rng.next() % 5)
                let percent: Int = {
                    guard let s = p.started else { return 0 }
                    if p.completed != nil { return 100 }
                    let done = today.ordinal - s.ordinal
                    let total = max(p.deadline.ordinal - s.ordinal, 1)
                    return min(95, Int(done * 100 / total))
                }()
                for t in planTemplate.prefix(n) {
                    let entry = WorkCatalogue.item(t.code)!
                    let jitter = Int64(80 + rng.next() % 40)
                    let pc = p.completed != nil ? 100 : max(0, min(100, percent + Int(rng.next() % 21) - 10))
                    itemRows.append([
                        String(pid), SQLLiteral.text(entry.code), SQLLiteral.text(entry.category.rawValue),
                        SQLLiteral.text(entry.zh),
                        String(t.quantity * jitter / 100 * 100), SQLLiteral.text(entry.unit), String(t.yuan * jitter),
                        String(p.started == nil ? 0 : pc),
                    ])
                    itemPlan.append((pid, pc))
                }
            }
            _ = try await SQLLiteral.insert(
                db: db, table: "work_items",
                columns: ["project_id", "code", "category", "name", "quantity_centi", "unit", "budget_fen", "percent"],
                rows: itemRows, returning: nil)

            // Schedules for projects with an approved plan: the template, scheduled back from the deadline.
            var taskRows: [[String]] = []
            var taskOwners: [(project: Int64, template: Int)] = []
            for p in plans where p.stage >= .planApproved {
                let pid = projectOf[p.compound]!
                let tasks = taskTemplate.enumerated().map {
                    Schedule.Task(
                        id: Int64($0.offset), duration: $0.element.days, dependsOn: $0.element.deps.map(Int64.init))
                }
                let sched = try Schedule.compute(tasks, mode: .backward, anchor: p.deadline, calendar: calendar)
                for (k, t) in taskTemplate.enumerated() {
                    let r = sched.rows[k]
                    var actualStart: Day?
                    var actualFinish: Day?
                    if let s = p.started, r.lateStart <= today {
                        actualStart = max(s, r.lateStart)
                        if p.completed != nil || (r.lateFinish < today && rng.next() % 100 < 70) {
                            actualFinish = min(max(actualStart!, r.lateFinish), today)
                        }
                    }
                    taskRows.append([
                        String(pid), SQLLiteral.text(t.name), String(t.days), SQLLiteral.text(r.lateStart.description),
                        SQLLiteral.text(r.lateFinish.description),
                        actualStart.map { SQLLiteral.text($0.description) } ?? "NULL",
                        actualFinish.map { SQLLiteral.text($0.description) } ?? "NULL",
                        SQLLiteral.text(r.lateFinish.description),
                    ])
                    taskOwners.append((pid, k))
                }
            }
            let taskIds = try await SQLLiteral.insert(
                db: db, table: "tasks",
                columns: [
                    "project_id", "name", "duration_days", "baseline_start", "baseline_finish", "actual_start",
                    "actual_finish", "late_finish",
                ],
                rows: taskRows, returning: "id"
            ).map { try $0.int("id") }
            var depRows: [[String]] = []
            for (i, owner) in taskOwners.enumerated() {
                let base = i - owner.template
                for d in taskTemplate[owner.template].deps {
                    depRows.append([String(taskIds[i]), String(taskIds[base + d])])
                }
            }
            _ = try await SQLLiteral.insert(
                db: db, table: "task_dependencies", columns: ["task_id", "depends_on"], rows: depRows, returning: nil)

            // Gates passed, each with the scanned document as evidence, and the final acceptance of completed projects.
            var gateRows: [[String]] = []
            var documentRows: [[String]] = []
            var acceptanceRows: [[String]] = []
            for p in plans {
                let pid = projectOf[p.compound]!
                let passed = gateDays(p, today: today, rng: &rng)
                for stage in ProjectStage.allCases where stage > .consultation && stage <= p.stage {
                    let prev = ProjectStage.allCases[stage.index - 1]
                    // Each gate on its own scanned document, of the first type the gate takes: a document is
                    // evidence for one gate only.
                    let type = stage.documentTypes[0]
                    let document = try await AttachmentRepository.insertDemo(db: db, bytes: evidencePDF)
                    documentRows.append([
                        String(document), String(pid), SQLLiteral.text(stage.rawValue), SQLLiteral.text(type.rawValue),
                    ])
                    let evidence =
                        #"[{"kind":"document","attachment_id":\#(document),"document_type":"\#(type.rawValue)"}]"#
                    gateRows.append([
                        String(pid), SQLLiteral.text(prev.rawValue), SQLLiteral.text(stage.rawValue),
                        SQLLiteral.text(evidence), "''",
                        SQLLiteral.text(passed[stage].map { "\($0)T02:00:00Z" } ?? now), "'office'",
                    ])
                }
                if let c = p.completed {
                    acceptanceRows.append([
                        String(pid), "'final'", SQLLiteral.text(c.description), "'passed'",
                        SQLLiteral.text(#"["街道改造专班","监理单位","施工单位","居民代表"]"#), "''", SQLLiteral.text(now), "'office'",
                    ])
                }
            }
            _ = try await SQLLiteral.insert(
                db: db, table: "gate_documents",
                columns: ["attachment_id", "project_id", "to_stage", "document_type"], rows: documentRows,
                returning: nil)
            _ = try await SQLLiteral.insert(
                db: db, table: "gate_passes",
                columns: ["project_id", "from_stage", "to_stage", "evidence_json", "note", "passed_at", "passed_by"],
                rows: gateRows, returning: nil)
            _ = try await SQLLiteral.insert(
                db: db, table: "acceptances",
                columns: [
                    "project_id", "kind", "date", "result", "participants_json", "note", "created_at", "created_by",
                ], rows: acceptanceRows, returning: nil)

            // Site logs: about one a week from the start to completion or today. Each sets every work item's percent
            // on its way to today's (the last log sets today's exactly), so a bulletin dated in the past reads the
            // progress of its day, and the log's words say the figure the project had.
            var items: [Int64: [(id: Int64, budget: Int64, percent: Int64)]] = [:]
            for r in try await db.raw("SELECT id, project_id, budget_fen, percent FROM work_items ORDER BY id").all() {
                items[try r.int("project_id"), default: []].append(
                    (try r.int("id"), try r.int("budget_fen"), try r.int("percent")))
            }
            var logRows: [[String]] = []
            let weather = ["晴", "多云", "阴", "小雨", "晴"]
            for p in plans {
                guard let s = p.started else { continue }
                let pid = projectOf[p.compound]!
                let end = p.completed ?? today
                var days: [Day] = []
                var d = s
                while d <= end {
                    days.append(d)
                    d = calendar.adding(workingDays: 5, to: d.adding(days: 1))
                }
                for (n, d) in days.enumerated() {
                    let (done, span) =
                        n == days.count - 1
                        ? (Int64(1), Int64(1)) : (d.ordinal - s.ordinal, max(end.ordinal - s.ordinal, 1))
                    let set = (items[pid] ?? []).map { ($0.id, $0.budget, $0.percent * done / span) }
                    let budget = set.reduce(Int64(0)) { $0 + $1.1 }
                    let pct = budget == 0 ? 0 : set.reduce(Int64(0)) { $0 + $1.1 * $1.2 } / budget
                    let progress = set.map { #"{"work_item_id":\#($0.0),"percent":\#($0.2)}"# }.joined(separator: ",")
                    logRows.append([
                        String(pid), SQLLiteral.text(d.description), SQLLiteral.text(weather[n % weather.count]),
                        String(12 + Int(rng.next() % 30)),
                        SQLLiteral.text(n == 0 ? "进场，围挡、公示牌设置完毕" : "按计划推进，累计完成约\(pct)%"), "''",
                        SQLLiteral.text("[" + progress + "]"), "'[]'", SQLLiteral.text(now), "'contractor'",
                    ])
                }
            }
            _ = try await SQLLiteral.insert(
                db: db, table: "site_logs",
                columns: [
                    "project_id", "date", "weather", "workers", "work_done", "issues", "progress_json", "photos_json",
                    "created_at", "created_by",
                ],
                rows: logRows, returning: nil)

            // Daily checks on the first projects in construction, with findings in every state.
            let building = plans.filter { $0.stage == .construction }.prefix(6)
            for (k, p) in building.enumerated() {
                let pid = projectOf[p.compound]!
                let date = today.adding(days: -Int64(2 + k))
                let items =
                    #"[{"item":"沟槽开挖防护","passed":true,"note":""},{"item":"高处作业安全带","passed":\#(k % 2 == 0 ? "false" : "true"),"note":""},{"item":"警示标志","passed":true,"note":""},{"item":"文明施工围挡","passed":true,"note":""}]"#
                let check = try await db.raw(
                    """
                    INSERT INTO site_checks (project_id, date, checker_role, checklist_json, passed_items, total_items, created_at, created_by)
                    VALUES (\(bind: pid), \(bind: date.description), \(bind: k % 2 == 0 ? "pm_company" : "supervisor"), \(bind: items),
                      \(bind: k % 2 == 0 ? 3 : 4), 4, \(bind: now), 'pm') RETURNING id
                    """
                ).first()!.int("id")
                let state = ["open", "rectified", "verified"][k % 3]
                let due = k < 2 ? today.adding(days: -1) : calendar.adding(workingDays: 3, to: date)
                try await db.raw(
                    """
                    INSERT INTO findings (project_id, check_id, description, photos_json, due_on, state, rectified_on)
                    VALUES (\(bind: pid), \(bind: check), \(bind: k % 2 == 0 ? "3号楼脚手架作业人员未系安全带" : "沟槽临边缺少夜间警示灯"), '[]',
                      \(bind: due.description), \(bind: state), \(bind: state == "open" ? nil : date.description))
                    """
                ).run()
            }
        }
    }
}

extension AttachmentRepository {
    static func insertDemo(db: any SQLDatabase, bytes: [UInt8]) async throws -> Int64 {
        try await db.raw(
            """
            INSERT INTO attachments (filename, content_type, size_bytes, sha256, data, created_at, created_by)
            VALUES ('会议纪要.pdf', 'application/pdf', \(bind: Int64(bytes.count)), '', \(bind: ByteBuffer(bytes: bytes)), \(bind: Clock.isoNow()), 'system')
            RETURNING id
            """
        ).first()!.int("id")
    }
}
