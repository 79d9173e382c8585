import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func newInspection(_ projectId: Int64, template: Int64? = nil) -> SiteRoute {
        SiteRoute("/projects/\(projectId)/inspections/new", query: [("template", template.map(String.init))])
    }
    static func inspections(_ projectId: Int64) -> SiteRoute { SiteRoute("/projects/\(projectId)/inspections") }
}

/// The safety section of a project's page: the paperwork the gate into construction asks for, the trainings and
/// the scored inspections.
struct SafetySection {
    struct Paper {
        let label: String
        let onFile: Bool
        let state: String
    }
    struct InspectionRow {
        let date: String
        let template: String
        let total: Int64
        let rating: String
        let failed: Bool
        let by: String
        let followUp: Bool
    }
    let papers: [Paper]
    let trainings: Int
    let trained: Int64
    let inspections: [InspectionRow]
    let hasInspections: Bool
    let newInspection: String?
    /// Recording a pre-job training: the office, and the project's contractor (the store checks it is theirs).
    let newTraining: String?

    static func load(project: ProjectSummary, actor: Actor, services: Services, _ f: PageFrame) async throws
        -> SafetySection
    {
        let safety = try await services.safetyRepository()
        let trainings = try await safety.trainings(projectId: project.id, actor: actor)
        let inspections = try await safety.inspections(projectId: project.id, actor: actor)
        let facts = try await safety.facts(projectId: project.id)
        let papers = SafetyRequirement.allCases.map { r in
            let missing = facts.missing.contains(r)
            return Paper(
                label: f.t("safety.requirement." + r.rawValue), onFile: !missing,
                state: f.t(missing ? "safety.missing" : "safety.onFile"))
        }
        let rows = inspections.map { i in
            InspectionRow(
                date: i.date.description, template: i.templateName, total: i.total,
                rating: f.t("inspection.rating." + i.rating.rawValue), failed: i.rating == .fail,
                by: f.t("role." + i.inspectorRole), followUp: i.followsUp != nil)
        }
        let mayInspect = project.stage == .construction && Permissions.allows(actor.role, .writeSiteChecks)
        return SafetySection(
            papers: papers, trainings: trainings.count, trained: trainings.reduce(0) { $0 + $1.traineeCount },
            inspections: rows, hasInspections: !rows.isEmpty,
            newInspection: mayInspect ? SiteRoute.newInspection(project.id).path : nil,
            newTraining: [.admin, .subdistrictOfficer, .contractor].contains(actor.role)
                ? SiteRoute.newTraining(project.id).path : nil)
    }
}

/// Scoring an inspection on a phone, item by item, each with a note and a camera photo.
struct InspectionForm {
    struct Choice {
        let label: String
        let href: String
        let current: Bool
    }
    struct Item {
        let label: String
        let scoreName: String
        let noteName: String
        let photoName: String
        let max: Int
        let mustPass: Bool
        /// What was typed, kept when the form is refused; empty at first, so each score is one the inspector gave.
        let value: String
        let note: String
    }
    let projectHref: String
    let compound: String
    let action: String
    let choices: [Choice]
    let templateId: Int64
    let templateName: String
    let items: [Item]
    let today: String
    let message: PageNotice?

    init(
        project: ProjectSummary, templates: [InspectionTemplate], chosen: InspectionTemplate, message: PageNotice?,
        typed: [String: String], _ f: PageFrame
    ) {
        projectHref = SiteRoute.projectSection(project.id, "safety").path
        compound = project.compoundName
        action = SiteRoute.inspections(project.id).path
        choices = templates.map {
            Choice(
                label: $0.name, href: SiteRoute.newInspection(project.id, template: $0.id).path,
                current: $0.id == chosen.id)
        }
        templateId = chosen.id
        templateName = chosen.name
        items = chosen.items.map {
            Item(
                label: $0.name, scoreName: "score_" + $0.code, noteName: "note_" + $0.code,
                photoName: "photo_" + $0.code, max: $0.maxScore, mustPass: $0.mustPass,
                value: typed["score_" + $0.code] ?? "", note: typed["note_" + $0.code] ?? "")
        }
        today = typed["date"] ?? Clock.today.description
        self.message = message
    }
}

/// The inspection form and its submission.
struct InspectionPageController: Sendable {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/projects/:id/inspections/new", form)
        Pages.post(router, "/projects/:id/inspections", submit)
    }

    func safety() async throws -> SafetyRepository {
        try await services.safetyRepository()
    }

    func page(
        id: Int64, template: Int64?, _ context: AppContext, _ f: PageFrame, message: PageNotice?,
        typed: [String: String] = [:], status: HTTPResponse.Status
    ) async throws -> Response {
        let actor = try context.require(.writeSiteChecks)
        let project = try await ProjectRepository(database: services.database).detail(id: id, actor: actor).summary
        let templates = try await safety().templates(actor: actor)
        guard let chosen = templates.first(where: { $0.id == template }) ?? templates.first else {
            throw AppError.notFound
        }
        return f.page(
            title: project.compoundName + " · " + f.t("inspection.new"), "safety-inspection",
            InspectionForm(project: project, templates: templates, chosen: chosen, message: message, typed: typed, f),
            status: status)
    }

    @Sendable func form(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let template = request.uri.queryParameters.get("template").flatMap { Int64($0) }
        return try await page(
            id: try context.parameters.require("id", as: Int64.self), template: template, context, f, message: nil,
            status: .ok)
    }

    /// The form again, with why it was refused and what was typed.
    func redisplay(id: Int64, template: Int64?, _ context: AppContext, _ f: PageFrame, typed: [String: String])
        -> RegistryPagesController.Redisplay
    {
        { m, status in
            try await page(
                id: id, template: template, context, f, message: PageNotice(tone: m.0, text: m.1), typed: typed,
                status: status)
        }
    }

    /// Each item's score read from the form, and everything wrong at once, each naming its item: a score missing,
    /// not a whole number within 0 to the item's points, or points taken off without saying why (the note becomes
    /// the finding the contractor fixes).
    static func scores(_ items: [InspectionItem], _ fields: [String: String], _ f: PageFrame)
        -> (scored: [(InspectionItem, Int64)], problems: [String])
    {
        var scored: [(InspectionItem, Int64)] = []
        var problems: [String] = []
        for item in items {
            let typed = (fields["score_" + item.code] ?? "").trimmingCharacters(in: .whitespaces)
            let named = ["item": item.name, "max": String(item.maxScore)]
            guard !typed.isEmpty else {
                problems.append(Lang.fill(f.t("inspection.scoreMissing"), named))
                continue
            }
            guard let score = Int64(typed), (0...Int64(item.maxScore)).contains(score) else {
                problems.append(Lang.fill(f.t("inspection.scoreRange"), named))
                continue
            }
            let note = (fields["note_" + item.code] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if score < item.maxScore && note.isEmpty {
                problems.append(Lang.fill(f.t("inspection.deductionNote"), named))
            }
            scored.append((item, score))
        }
        return (scored, problems)
    }

    @Sendable func submit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await Pages.multipartForm(request, context)
        let templateId = form.fields["template_id"].flatMap { Int64($0) }
        let again = redisplay(id: id, template: templateId, context, f, typed: form.fields)
        return try await Pages.save(f, next: SiteRoute.projectSaved(id, "safety").path, redisplay: again) {
            let actor = try context.actor()
            guard let date = Day(form.fields["date"] ?? ""), let templateId else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            guard let template = try await safety().templates(actor: actor).first(where: { $0.id == templateId }) else {
                throw AppError.notFound
            }
            // Every item scored before any photo is stored; the photos go again if the inspection is refused.
            let (scored, problems) = Self.scores(template.items, form.fields, f)
            guard problems.isEmpty else {
                throw ValidationError(field: "scores", code: Pages.pageMessage, message: Pages.lines(problems))
            }
            var scores: [SafetyRepository.NewInspection.Score] = []
            do {
                for (item, score) in scored {
                    let photo = try await form.storeFile(
                        "photo_" + item.code, database: services.database, actor: actor)
                    scores.append(
                        .init(
                            item: item.code, score: score, note: form.fields["note_" + item.code] ?? "",
                            photos: photo.map { [$0] } ?? []))
                }
                _ = try await safety().inspect(
                    projectId: id, .init(templateId: templateId, date: date, scores: scores, followsUp: nil),
                    actor: actor)
            } catch {
                let files = AttachmentRepository(database: services.database)
                for id in scores.flatMap(\.photos) { try? await files.discard(id: id, actor: actor) }
                throw error
            }
        }
    }
}
