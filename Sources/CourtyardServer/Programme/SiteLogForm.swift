import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// Back on the project's ledger after a site log is saved, with the saved message.
    static func projectLogSaved(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)?saved=log#ledger") }
}

/// The site log as a contractor writes it on a phone: today's log shown once written (the form folded away for a
/// back-filled day), a photo, what was typed kept when refused, and a warning before progress goes down.
struct SiteLogForm {
    struct ProgressField {
        let name: String
        let label: String
        let value: String
    }
    struct TodaysLog {
        let weather: String
        let workers: Int64
        let workDone: String
        let issues: String
        let hasIssues: Bool
    }
    /// What was typed, as text, and what the server found in it.
    struct Typed: Sendable {
        var date = ""
        var weather = ""
        var workers = ""
        var workDone = ""
        var issues = ""
        var progress: [Int64: String] = [:]
        var confirmLower = false
        /// "外墙保温：60% → 40%" for each work item the log would set lower than it stands.
        var lowered: [String] = []
        var note: String?

        init() {}
        init(_ fields: [String: String]) {
            date = fields["date"] ?? ""
            weather = fields["weather"] ?? ""
            workers = fields["workers"] ?? ""
            workDone = fields["work_done"] ?? ""
            issues = fields["issues"] ?? ""
            confirmLower = fields["confirm_lower"] == "1"
            for (k, v) in fields where k.hasPrefix("progress_") {
                if let item = Int64(k.dropFirst(9)) { progress[item] = v }
            }
        }
    }

    let action: String
    let today: String
    let date: String
    let weather: String
    let workers: String
    let workDone: String
    let issues: String
    let progress: [ProgressField]
    /// Today's log once written; the form then opens only to back-fill another day.
    let todaysLog: TodaysLog?
    let folded: Bool
    let lowered: [String]
    let hasLowered: Bool
    let formNote: String?

    init(_ detail: ProjectDetail, logs: [SiteLog], typed: Typed?, _ f: PageFrame) {
        let today = Clock.today
        action = SiteRoute.projectSiteLogs(detail.summary.id).path
        self.today = today.description
        todaysLog = logs.first { $0.date == today }.map {
            TodaysLog(
                weather: $0.weather, workers: $0.workers, workDone: $0.workDone, issues: $0.issues,
                hasIssues: !$0.issues.isEmpty)
        }
        folded = todaysLog != nil && typed == nil
        let t = typed ?? Typed()
        date = typed == nil ? (todaysLog == nil ? today.description : "") : t.date
        weather = typed == nil ? f.t("log.defaultWeather") : t.weather
        workers = typed == nil ? "0" : t.workers
        workDone = t.workDone
        issues = t.issues
        progress = detail.workItems.map { w in
            ProgressField(name: "progress_\(w.id)", label: w.name, value: t.progress[w.id] ?? String(w.percent))
        }
        lowered = t.lowered
        hasLowered = !t.lowered.isEmpty
        formNote = t.note
    }

    /// The work items the typed log would set lower than they stand now, as the warning names them.
    static func lowered(_ typed: Typed, _ detail: ProjectDetail) -> [String] {
        detail.workItems.compactMap { w in
            guard let text = typed.progress[w.id], let typedPercent = Int64(text), (0...100).contains(typedPercent),
                typedPercent < w.percent
            else {
                return nil
            }
            return "\(w.name)：\(w.percent)% → \(typedPercent)%"
        }
    }
}

extension ProjectPageController {
    /// A site log from the project's page, with an optional photo; lowering a work item's progress asks first.
    @Sendable func addSiteLog(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let actor = try context.actor()
        let form = try await Pages.multipartForm(request, context)
        var checked = SiteLogForm.Typed(form.fields)
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        checked.lowered = SiteLogForm.lowered(checked, detail)
        let typed = checked
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var shown = typed
            shown.note = m.1
            return try await page(id: id, context, f, message: nil, log: shown, status: status)
        }
        if !typed.lowered.isEmpty && !typed.confirmLower {
            return try await redisplay(("bad", f.t("log.lowerWarning")), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.projectLogSaved(id).path, redisplay: redisplay) {
            guard let date = Day(typed.date) else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            guard let workers = Int(typed.workers.isEmpty ? "0" : typed.workers), (0...10_000).contains(workers) else {
                throw ValidationError(field: "workers", code: Pages.pageMessage, message: f.t("log.badWorkers"))
            }
            let progress = try typed.progress.map { item, text in
                guard let percent = Int(text), (0...100).contains(percent) else {
                    throw ValidationError(field: "progress", code: Pages.pageMessage, message: f.t("log.badPercent"))
                }
                return (workItemId: item, percent: percent)
            }
            let photos = try await form.storeFile("photo", database: services.database, actor: actor).map { [$0] } ?? []
            let log = LedgerRepository.NewSiteLog(
                date: date, weather: typed.weather, workers: workers, workDone: typed.workDone, issues: typed.issues,
                progress: progress, photos: photos)
            _ = try await ledger().addSiteLog(projectId: id, log, actor: actor)
        }
    }
}
