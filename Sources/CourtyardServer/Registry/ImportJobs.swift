import CourtyardDomain
import CourtyardStore
import Foundation

/// Household-sheet imports started from the import page, run in the background so that the page can show
/// rows read and checked while a large sheet is worked through.
///
/// Jobs live in the memory of this server process only. A restart forgets them (the import itself is one
/// transaction: it either committed and is in the import history, or wrote nothing), and with several servers
/// behind a load balancer a job's page is answered only by the server that took the upload. At most one import
/// runs per sub-district; a finished job is kept for `keepFinished`, and at most `maxFinished` of them. A dry run that
/// found nothing wrong keeps its file as long as its job (at most `maxKeptFiles` files), so that the clerk can import
/// it without choosing it again.
actor ImportJobs {
    enum Outcome: Sendable {
        case running
        case finished(ImportReport)
        case failed(any Error)
    }

    struct Job: Sendable {
        let id: String
        let userId: Int64?
        let username: String
        /// The sub-district the import goes into, as `ImportJobs.key` names it.
        let target: String
        let filename: String
        let dryRun: Bool
        let startedAt: Date
        let meter: ImportProgressMeter
        var outcome: Outcome = .running
        var finishedAt: ContinuousClock.Instant?
        /// The uploaded file while the job runs, and after a dry run that found nothing wrong.
        var file: Upload?

        /// A dry run that found nothing wrong and still has its file.
        var canApply: Bool {
            guard file != nil, dryRun, case .finished(let report) = outcome else { return false }
            return report.errors.isEmpty
        }

        var isRunning: Bool {
            if case .running = outcome { return true }
            return false
        }
    }

    /// A second import into a sub-district while one runs.
    struct Busy: Error {
        let username: String
        let startedAt: Date
    }

    /// How long the page's upload waits for an import before it sends the person to the job's page instead:
    /// a small sheet answers at once, a large one shows its progress.
    private(set) var answerWithin: Duration
    let keepFinished: Duration
    let maxFinished: Int
    let maxKeptFiles: Int
    private var jobs: [String: Job] = [:]

    init(
        answerWithin: Duration = .seconds(3), keepFinished: Duration = .seconds(30 * 60), maxFinished: Int = 50,
        maxKeptFiles: Int = 4
    ) {
        self.answerWithin = answerWithin
        self.keepFinished = keepFinished
        self.maxFinished = maxFinished
        self.maxKeptFiles = maxKeptFiles
    }

    /// For tests that follow a job's page from its start.
    func setAnswerWithin(_ limit: Duration) { answerWithin = limit }

    /// Starts `work` in the background unless an import into the same sub-district is running; returns the job's id,
    /// which cannot be guessed.
    func start(
        target: String, actor: Actor, file: Upload,
        work: @escaping @Sendable (ImportProgressMeter) async throws -> ImportReport
    ) throws -> String {
        prune()
        if let running = jobs.values.first(where: { $0.target == target && $0.isRunning }) {
            throw Busy(username: running.username, startedAt: running.startedAt)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        let meter = ImportProgressMeter()
        jobs[id] = Job(
            id: id, userId: actor.userId, username: actor.username, target: target, filename: file.filename,
            dryRun: file.dryRun, startedAt: Date(), meter: meter, file: file)
        Task.detached {
            let outcome: Outcome
            do { outcome = .finished(try await work(meter)) } catch { outcome = .failed(error) }
            await self.finish(id, outcome)
        }
        return id
    }

    private func finish(_ id: String, _ outcome: Outcome) {
        jobs[id]?.outcome = outcome
        jobs[id]?.finishedAt = .now
        if jobs[id]?.canApply == false { jobs[id]?.file = nil }
        prune()
    }

    /// The file of a dry run that found nothing wrong, for the account that ran it; nil once it is no longer kept.
    func fileToApply(_ id: String, for actor: Actor) -> Upload? {
        guard let job = job(id, for: actor), job.canApply else { return nil }
        return job.file
    }

    /// Forgets a dry run's file once the import of it has started.
    func applied(_ id: String) { jobs[id]?.file = nil }

    /// The job, for the account that started it or an administrator; nil otherwise, as for a job that never was.
    func job(_ id: String, for actor: Actor) -> Job? {
        prune()
        guard let job = jobs[id], Self.visible(job, to: actor) else { return nil }
        return job
    }

    /// The running imports a person may follow, oldest first.
    func running(for actor: Actor) -> [Job] {
        jobs.values.filter { $0.isRunning && Self.visible($0, to: actor) }.sorted { $0.startedAt < $1.startedAt }
    }

    /// Waits until the job has finished or `limit` has passed.
    func wait(_ id: String, upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while jobs[id]?.isRunning == true && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static func visible(_ job: Job, to actor: Actor) -> Bool {
        actor.role == .admin || (job.userId != nil && job.userId == actor.userId && job.username == actor.username)
    }

    /// Forgets finished jobs past their time, and the oldest when there are too many.
    private func prune() {
        let now = ContinuousClock.now
        jobs = jobs.filter { _, job in job.finishedAt.map { now - $0 < keepFinished } ?? true }
        let finished = jobs.values.filter { !$0.isRunning }.sorted { $0.finishedAt! < $1.finishedAt! }
        for job in finished.prefix(max(0, finished.count - maxFinished)) { jobs[job.id] = nil }
        let keeping = jobs.values.filter { !$0.isRunning && $0.file != nil }.sorted { $0.finishedAt! < $1.finishedAt! }
        for job in keeping.prefix(max(0, keeping.count - maxKeptFiles)) { jobs[job.id]?.file = nil }
    }

    /// The sub-district an upload goes into, as one name for "the same import target": its id when it exists,
    /// otherwise the new name. Resolving it checks the person may import there before any work starts.
    static func key(subdistrict: String?, actor: Actor, services: Services) async throws -> String {
        let (id, name) = try await services.importer.target(subdistrict: subdistrict, actor: actor)
        return id.map { "id:\($0)" } ?? "name:\(name)"
    }
}
