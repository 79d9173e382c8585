import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    /// Back on the project's ledger after a site log is saved, with the saved message.
    static func projectLogSaved(_ id: Int64) -> SiteRoute { SiteRoute("/projects/\(id)?saved=log#ledger") }
    static func projectSiteLog(_ id: Int64, _ log: Int64) -> SiteRoute { SiteRoute("/projects/\(id)/site_logs/\(log)") }
}

/// The site log as a contractor writes it on a phone: today's log shown once written (the form folded away for a
/// back-filled day), a photo, what was typed kept when refused, and a warning before progress goes down.
struct SiteLogForm {
    struct ProgressField {
        let name: String
        let label: String
        let value: String
        /// Refused: marked beside its number.
        var wrong = false
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
        var confirmStart = false
        /// Set when the typed date comes before the project's start (or planned start): what saving would do to it.
        var movesStart: String?
        /// Typed into the form that corrects today's log, not the one that writes a log.
        var correcting = false
        /// The correction the form was read at (the log's `version`).
        var version = ""
        /// The log changed after the form was read: it is shown as stored now, to read before typing again.
        var stale = false
        /// "外墙保温：60% → 40%" for each work item the log would set lower than it stands.
        var lowered: [String] = []
        var note: String?
        /// The fields refused (`date`, `workers`, `work_done`, `progress_12`…), each marked in the form.
        var wrong: Set<String> = []

        init() {}

        /// What was typed, as the log's values, and everything wrong with it.
        struct Checked {
            /// In the page's words and the form's order: the date (when the form has one), the workers, each work
            /// item's percent by its name, and the store's checks of the text. Empty when the log can be saved.
            var problems: [String] = []
            var date: Day?
            var workers = 0
            var progress: [(workItemId: Int64, percent: Int)] = []
            /// The fields the problems are about.
            var wrong: Set<String> = []
        }

        /// Reads and checks what was typed at once, so one refusal names every field to mend.
        func checked(_ f: PageFrame, items: [(id: Int64, name: String)], withDate: Bool) -> Checked {
            var c = Checked()
            c.date = Day(date)
            if withDate {
                do {
                    // A day in the future or years back is refused before anything asks whether it may move the
                    // works' start to it.
                    guard let day = c.date else { throw ValidationError(field: "date", code: "invalid", message: "") }
                    try RecordedDay.check(day, field: "date", today: Clock.today)
                } catch {
                    let said = c.date == nil ? nil : AppError.from(error).map { Pages.message(for: $0, f) }
                    c.problems.append(said ?? f.t("form.badDate"))
                    c.wrong.insert("date")
                }
            }
            // Digits as a Chinese keyboard may type them (１２) count as any others.
            let count = TextNormalizer.halfWidth(workers).trimmingCharacters(in: .whitespaces)
            if let n = Int(count.isEmpty ? "0" : count), (0...10_000).contains(n) {
                c.workers = n
            } else {
                c.problems.append(f.t("log.badWorkers"))
                c.wrong.insert("workers")
            }
            let names = Dictionary(items.map { ($0.id, $0.name) }) { a, _ in a }
            // The plan's items in its order, then any other typed (the store names an item outside the plan).
            let order = items.map(\.id) + progress.keys.filter { names[$0] == nil }.sorted()
            for id in order {
                guard let text = progress[id] else { continue }
                if let percent = Int(TextNormalizer.halfWidth(text).trimmingCharacters(in: .whitespaces)),
                    (0...100).contains(percent)
                {
                    c.progress.append((workItemId: id, percent: percent))
                } else {
                    c.wrong.insert("progress_\(id)")
                    let name = names[id]
                    c.problems.append(
                        name.map { Lang.fill(f.t("log.badPercentOf"), ["item": $0]) } ?? f.t("log.badPercent"))
                }
            }
            let text = LedgerRepository.NewSiteLog(
                date: Clock.today, weather: weather, workDone: workDone, issues: issues)
            for problem in LedgerRepository.problems(text) {
                c.wrong.insert(problem.field ?? "")
                c.problems += AppError.from(problem).map { [Pages.message(for: $0, f)] } ?? []
            }
            return c
        }

        init(_ fields: [String: String]) {
            date = fields["date"] ?? ""
            weather = fields["weather"] ?? ""
            workers = fields["workers"] ?? ""
            workDone = fields["work_done"] ?? ""
            issues = fields["issues"] ?? ""
            confirmLower = fields["confirm_lower"] == "1"
            confirmStart = fields["confirm_start"] == "1"
            version = fields["version"] ?? ""
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
    /// The form is for another day than today: today's log is written, or a refused back-fill is shown again.
    let backfilling: Bool
    /// Today's log, to correct: for the person who wrote it, on the day.
    let correction: Correction?
    let folded: Bool
    let lowered: [String]
    let hasLowered: Bool
    let movesStart: String?
    let formNote: String?
    /// The fields refused, marked in the form (`wrong.workers`).
    let wrong: [String: Bool]

    /// The form that corrects today's log, filled with the log or with what was typed into it.
    struct Correction {
        let action: String
        let version: String
        let weather: String
        let workers: String
        let workDone: String
        let issues: String
        let progress: [ProgressField]
        let open: Bool
        /// Why a correction was refused; its own name, so a refused back-fill's words stay in their own form.
        let correctionNote: String?
        let wrong: [String: Bool]

        init(_ log: SiteLog, detail: ProjectDetail, typed given: Typed?) {
            action = SiteRoute.projectSiteLog(detail.summary.id, log.id).path
            // A form refused as stale shows the log as it stands now, at its version, with why.
            let typed = given?.stale == true ? nil : given
            version = typed?.version ?? String(log.version)
            let named = Dictionary(log.progress.map { ($0.workItemId, String($0.percent)) }) { a, _ in a }
            weather = typed?.weather ?? log.weather
            workers = typed?.workers ?? String(log.workers)
            workDone = typed?.workDone ?? log.workDone
            issues = typed?.issues ?? log.issues
            progress = detail.workItems.map { w in
                ProgressField(
                    name: "progress_\(w.id)", label: w.name,
                    value: typed?.progress[w.id] ?? named[w.id] ?? String(w.percent),
                    wrong: typed?.wrong.contains("progress_\(w.id)") == true)
            }
            open = given != nil
            correctionNote = given?.note
            wrong = Dictionary(uniqueKeysWithValues: (typed?.wrong ?? []).map { ($0, true) })
        }
    }

    init(_ detail: ProjectDetail, logs: [SiteLog], typed given: Typed?, actor: Actor, _ f: PageFrame) {
        let today = Clock.today
        let typed = given?.correcting == true ? nil : given
        action = SiteRoute.projectSiteLogs(detail.summary.id).path
        self.today = today.description
        todaysLog = logs.first { $0.date == today }.map {
            TodaysLog(
                weather: $0.weather, workers: $0.workers, workDone: $0.workDone, issues: $0.issues,
                hasIssues: !$0.issues.isEmpty)
        }
        // Its author sees the form; anyone whose correction was refused sees it again with why.
        let correcting = given?.correcting == true
        correction = logs.first { $0.date == today && ($0.createdBy == actor.username || correcting) }.map {
            Correction($0, detail: detail, typed: given?.correcting == true ? given : nil)
        }
        folded = todaysLog != nil && typed == nil
        let t = typed ?? Typed()
        date = typed == nil ? (todaysLog == nil ? today.description : "") : t.date
        backfilling = todaysLog != nil || (typed != nil && t.date != today.description)
        // A new log's fields start empty, their usual values shown as hints: a value put there is typed onto
        // (晴 became 晴晴 and 4 became 40 on a phone).
        weather = t.weather
        workers = t.workers
        workDone = t.workDone
        issues = t.issues
        progress = detail.workItems.map { w in
            ProgressField(
                name: "progress_\(w.id)", label: w.name, value: t.progress[w.id] ?? String(w.percent),
                wrong: t.wrong.contains("progress_\(w.id)"))
        }
        wrong = Dictionary(uniqueKeysWithValues: t.wrong.map { ($0, true) })
        lowered = t.lowered
        hasLowered = !t.lowered.isEmpty
        movesStart = t.movesStart
        formNote = t.note
    }

    /// A log dated before the project started moves its 开工日期 back to that day (the first log's day is the start),
    /// so a slip of the keyboard asks first: the warning, when the typed day is before the start as it stands, or
    /// before the planned start while works have not begun.
    static func movesStart(_ typed: Typed, _ detail: ProjectDetail, _ f: PageFrame) -> String? {
        guard let day = Day(typed.date), let start = detail.summary.startedOn ?? detail.summary.plannedStart,
            day < start
        else { return nil }
        let key = detail.summary.startedOn == nil ? "log.beforePlannedStart" : "log.beforeStart"
        return Lang.fill(f.t(key), ["date": day.description, "start": start.description])
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
        var read = SiteLogForm.Typed(form.fields)
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        read.lowered = SiteLogForm.lowered(read, detail)
        let checked = read.checked(f, items: detail.workItems.map { ($0.id, $0.name) }, withDate: true)
        read.wrong = checked.wrong
        // A day refused for itself asks nothing about moving the works' start to it.
        read.movesStart = checked.wrong.contains("date") ? nil : SiteLogForm.movesStart(read, detail, f)
        let typed = read
        // Refused for any reason, the form says a chosen photo must be chosen again: no browser shows it again.
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var shown = typed
            shown.note = Pages.withFilesAgain(m.1, f)
            return try await page(id: id, context, f, message: nil, log: shown, status: status)
        }
        guard let date = checked.date, checked.problems.isEmpty else {
            return try await redisplay(("bad", Pages.lines(checked.problems)), .unprocessableContent)
        }
        if !typed.lowered.isEmpty && !typed.confirmLower {
            return try await redisplay(("bad", f.t("log.lowerWarning")), .unprocessableContent)
        }
        if typed.movesStart != nil && !typed.confirmStart {
            return try await redisplay(("bad", f.t("log.startWarning")), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.projectLogSaved(id).path, redisplay: redisplay) {
            try await form.withStoredFile("photo", database: services.database, actor: actor) { photo in
                let log = LedgerRepository.NewSiteLog(
                    date: date, weather: typed.weather, workers: checked.workers, workDone: typed.workDone,
                    issues: typed.issues, progress: checked.progress, photos: photo.map { [$0] } ?? [])
                _ = try await ledger().addSiteLog(projectId: id, log, actor: actor)
            }
        }
    }

    /// What a stale correction typed, said under the refusal so it can be typed again onto the log as it is now.
    static func unsaved(_ t: SiteLogForm.Typed, _ f: PageFrame) -> String {
        let typed = [
            ("log.weather", t.weather), ("log.workers", t.workers), ("log.workDone", t.workDone),
            ("log.issues", t.issues),
        ]
        .filter { !$0.1.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        .map { f.t($0.0) + f.t("common.colon") + $0.1 }
        return typed.isEmpty ? "" : "\n" + f.t("log.typedUnsaved") + "\n" + typed.joined(separator: "\n")
    }

    /// Corrects today's log from the form under it: its author, on the day; what was typed stays when it is refused.
    @Sendable func correctSiteLog(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let logId = try context.parameters.require("log_id", as: Int64.self)
        let actor = try context.actor()
        var typed = SiteLogForm.Typed(try await Pages.form(request, context))
        typed.correcting = true
        let detail = try await ProjectRepository(database: services.database).detail(id: id, actor: actor)
        let checked = typed.checked(f, items: detail.workItems.map { ($0.id, $0.name) }, withDate: false)
        typed.wrong = checked.wrong
        let shown = typed
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            var again = shown
            again.note = status == .preconditionFailed ? f.t("log.correctionStale") + Self.unsaved(shown, f) : m.1
            again.stale = status == .preconditionFailed
            return try await page(id: id, context, f, message: nil, log: again, status: status)
        }
        if !checked.problems.isEmpty {
            return try await redisplay(("bad", Pages.lines(checked.problems)), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.projectLogSaved(id).path, redisplay: redisplay) {
            _ = try await ledger().correctSiteLog(
                projectId: id, logId: logId, expectedVersion: Int64(shown.version) ?? 0, actor: actor
            ) { current in
                LedgerRepository.NewSiteLog(
                    date: current.date, weather: shown.weather, workers: checked.workers, workDone: shown.workDone,
                    issues: shown.issues, progress: checked.progress, photos: current.photos)
            }
        }
    }

}
