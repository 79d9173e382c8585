import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func newTraining(_ projectId: Int64) -> SiteRoute { SiteRoute("/projects/\(projectId)/trainings/new") }
    static func trainings(_ projectId: Int64) -> SiteRoute { SiteRoute("/projects/\(projectId)/trainings") }
}

/// Recording a pre-job safety training (岗前安全教育培训) on a phone: who trained, on what, and the trainees one
/// per line with their trade, as they signed the paper attendance sheet.
struct TrainingForm {
    var note: PageNote?
    var projectHref: String
    var compound: String
    var action: String
    var date: String
    var today: String
    var trainer: String
    var topics: String
    var trainees: String

    /// "张三 木工" per line → trainees; a line with only a name has no trade. The name and trade may be parted as
    /// people type them or paste them from a sheet: a space, a tab, a comma, 、 or a semicolon.
    static func trainees(_ text: String) -> [Trainee] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(whereSeparator: { " \t\u{3000}，,、;；".contains($0) })
            guard let name = parts.first else { return nil }
            return Trainee(name: String(name), trade: parts.dropFirst().joined(separator: " "))
        }
    }

    /// The lines whose name or trade is longer than a name or a trade can be, in the form's words ("第 3 行：…").
    static func longLines(_ text: String, _ f: PageFrame) -> [String] {
        text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.enumerated().compactMap {
            i, line in
            let t = trainees(String(line)).first
            guard let t, t.name.count > 50 || t.trade.count > 50 else { return nil }
            return Lang.fill(f.t("training.lineTooLong"), ["n": String(i + 1)])
        }
    }
}

struct TrainingPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/projects/:id/trainings/new", form)
        Pages.post(router, "/projects/:id/trainings", submit)
    }

    func page(
        id: Int64, _ context: AppContext, _ f: PageFrame, note: PageNote?, typed: [String: String],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let actor = try context.require(.readProjects)
        guard [.admin, .subdistrictOfficer, .contractor].contains(actor.role) else { throw AppError.forbidden }
        let project = try await ProjectRepository(database: services.database).detail(id: id, actor: actor).summary
        let today = Clock.today.description
        let model = TrainingForm(
            note: note, projectHref: SiteRoute.projectSection(id, "safety").path, compound: project.compoundName,
            action: SiteRoute.trainings(id).path, date: typed["date"] ?? today, today: today,
            trainer: typed["trainer"] ?? "", topics: typed["topics"] ?? "", trainees: typed["trainees"] ?? "")
        return f.page(
            title: project.compoundName + " · " + f.t("training.new"), "safety-training", model, status: status)
    }

    @Sendable func form(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await page(id: try context.parameters.require("id", as: Int64.self), context, f, note: nil, typed: [:])
    }

    @Sendable func submit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let again: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await page(id: id, context, f, note: PageNote(kind: m.0, text: m.1), typed: fields, status: status)
        }
        return try await Pages.save(f, next: SiteRoute.projectSaved(id, "safety").path, redisplay: again) {
            guard let date = Day(fields["date"] ?? "") else {
                throw ValidationError(
                    field: "date", code: Pages.pageMessage,
                    message: SafetyPaperworkController.dateProblem(fields["date"], f))
            }
            let long = TrainingForm.longLines(fields["trainees"] ?? "", f)
            guard long.isEmpty else {
                throw ValidationError(field: "trainees", code: Pages.pageMessage, message: Pages.lines(long))
            }
            _ = try await services.safetyRepository().addTraining(
                projectId: id,
                .init(
                    date: date, trainer: fields["trainer"] ?? "", topics: fields["topics"] ?? "",
                    trainees: TrainingForm.trainees(fields["trainees"] ?? ""), attachmentId: nil),
                actor: try context.actor())
        }
    }
}
