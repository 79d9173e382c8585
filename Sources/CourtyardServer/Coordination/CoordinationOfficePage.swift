import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static func coordination(state: String? = nil, done: String? = nil) -> SiteRoute {
        SiteRoute("/coordination", query: [("state", state), (done ?? "", done == nil ? nil : "1")])
    }
    static let coordinationNew = SiteRoute("/coordination/requests")
    static func coordinationReopen(_ id: Int64) -> SiteRoute { SiteRoute("/coordination/requests/\(id)/reopen") }
}

/// The office's view of its requests to city departments: file one, follow each to done, reopen a declined one
/// with more information, and see how each department answers over the last thirty days.
struct CoordinationOfficePage {
    struct Row {
        var rowKind: String
        var rowProject: String
        var rowDepartment: String
        var rowState: String
        var rowTurn: String
        var rowNeeded: String
        var rowDue: String
        var rowLate: Bool
        var rowDescription: String
        var declined: String?
        /// What the department wrote when it finished.
        var doneNote: String?
        /// What the office added when it reopened the request, which the department reads beside it.
        var supplement: String?
        /// The day the department planned, the day it finished, and the photos it took then.
        var planned: String?
        /// The department's words on its day, and how far past the day needed it falls.
        var planNote: String?
        var plannedLate: String?
        var doneOn: String?
        var evidence: [String]
        var hasEvidence: Bool
        /// Who filed it, and for which organisation when it is a contractor's or a supervisor's.
        var filedBy: String?
        var reopenAction: String?
        /// A refused supplement: the form open again, what was typed, and why, beside it.
        var reopenOpen = false
        var reopenTyped = ""
        var reopenProblem: String?
    }
    struct Filter {
        var href: String
        var label: String
        var current: Bool
    }
    /// The form as typed, kept when it is refused.
    struct Typed {
        var projectId: String = ""
        var departmentId: String = ""
        var kind: String = ""
        var description: String = ""
        var neededBy: String = ""

        /// The form came back refused: it is shown open.
        var refused = false
        /// What is wrong with each field, once checked: said beside the field as well.
        var projectError: String?
        var departmentError: String?
        var kindError: String?
        var descriptionError: String?
        var neededByError: String?
        /// Sent to a department that does not usually do this kind of work: asked, with a box to tick to send it.
        var askDepartment = false
        var departmentConfirmed = false

        /// Everything wrong with what was typed, each field named, in the form's order; each kept for its field.
        mutating func problems(_ f: PageFrame) -> [String] {
            let checks: [(WritableKeyPath<Typed, String?>, Bool, String)] = [
                (\.projectError, Int64(projectId) == nil, "coordination.form.pickProject"),
                (\.departmentError, Int64(departmentId) == nil, "coordination.form.pickDepartment"),
                (\.kindError, CoordinationKind(rawValue: kind) == nil, "coordination.form.pickKind"),
                (\.descriptionError, TextNormalizer.prose(description).isEmpty, "coordination.form.needDescription"),
                (\.descriptionError, description.count > 2000, "coordination.form.descriptionTooLong"),
                (
                    \.neededByError, Day(neededBy) == nil,
                    neededBy.isEmpty ? "coordination.form.needDay" : "form.badDate"
                ),
                (\.neededByError, Day(neededBy).map { $0 < Clock.today } ?? false, "coordination.form.pastDay"),
            ]
            var found: [String] = []
            for (field, bad, key) in checks where bad {
                self[keyPath: field] = f.t(key)
                found.append(f.t(key))
            }
            return found
        }
    }
    typealias Option = FormOption
    var message: PageNote?
    var canFile: Bool
    var action: String
    var projects: [Option]
    var departments: [Option]
    var kinds: [Option]
    var typed: Typed
    var today: String
    /// The latest day a request may be needed by: a year ahead.
    var latest: String
    var filters: [Filter]
    var rows: [Row]
    var empty: Bool
    var figures: [BulletinDepartmentRow]
    var hasFigures: Bool
    var figuresPeriod: String
    var showFigures: Bool

    static func load(
        services: Services, actor: Actor, state: CoordinationState?, typed: Typed, message: PageNote?, _ f: PageFrame
    ) async throws -> CoordinationOfficePage {
        let repo = try await CoordinationRoutes.requests(services)
        let list = try await repo.list(actor: actor, state: state, paging: Paging(limit: 200, offset: 0))
        let names = try await repo.projectNames(list.map(\.projectId))
        let planNotes = try await repo.planNotes(list.filter { $0.state == .scheduled }.map(\.id))
        let today = Clock.today
        // A contractor or supervisor follows the requests on its own projects; the figures are the office's.
        let figures =
            actor.scope.kind == .organisation
            ? [] : try await repo.figures(actor: actor, subdistrictId: nil, from: today.adding(days: -29), to: today)
        let canFile = Permissions.allows(actor.role, .fileCoordinationRequests)
        let projects = canFile ? try await ProjectRepository(database: services.database).summaries(actor: actor) : []
        // The departments that serve the sub-districts of the projects offered: a request to any other is refused.
        let served = Set(projects.map(\.subdistrictId))
        let departments =
            canFile
            ? try await services.registry.listAll(
                .organisations, query: ListQuery(filters: ["kind": OrganisationKind.department.rawValue]),
                actor: .system
            ).filter { $0["subdistrict_id"]?.intValue.map { served.contains($0) } ?? false } : []
        let canReopen = Permissions.allows(actor.role, .manageProjects)
        func option(_ value: String, _ label: String, _ chosen: String) -> Option {
            Option(value: value, label: label, selected: value == chosen)
        }
        return CoordinationOfficePage(
            message: message, canFile: canFile, action: SiteRoute.coordinationNew.path,
            projects: projects.map { option(String($0.id), $0.compoundName, typed.projectId) },
            departments: departments.map { option(String($0.id), $0["name"]?.stringValue ?? "", typed.departmentId) },
            kinds: CoordinationKind.allCases.map {
                option($0.rawValue, f.t("coordination.kind." + $0.rawValue), typed.kind)
            },
            typed: typed, today: today.description, latest: today.adding(days: 366).description,
            filters: filters(state, f),
            rows: list.map {
                row($0, project: names[$0.projectId] ?? "", planNote: planNotes[$0.id], canReopen: canReopen, f)
            },
            empty: list.isEmpty,
            figures: BulletinDepartmentRow.rows(figures), hasFigures: !figures.isEmpty,
            figuresPeriod: "\(today.adding(days: -29)) – \(today)", showFigures: actor.scope.kind != .organisation)
    }

    /// "中建某公司 · 张工", or the office's clerk's name alone; nil when no account filed it (the demo's own).
    static func filedBy(_ r: CoordinationRequest) -> String? {
        let parts = [r.filedByOrganisation, r.filedBy.isEmpty ? nil : r.filedBy].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    static func filters(_ state: CoordinationState?, _ f: PageFrame) -> [Filter] {
        [Filter(href: SiteRoute.coordination().path, label: f.t("coordination.all"), current: state == nil)]
            + CoordinationState.allCases.map {
                Filter(
                    href: SiteRoute.coordination(state: $0.rawValue).path,
                    label: f.t("coordination.state." + $0.rawValue), current: state == $0)
            }
    }

    static func row(_ r: CoordinationRequest, project: String, planNote: String?, canReopen: Bool, _ f: PageFrame)
        -> Row
    {
        let planned = r.state == .scheduled ? r.plannedOn : nil
        let lateBy = planned.map { $0.ordinal - r.neededBy.ordinal } ?? 0
        return Row(
            rowKind: f.t("coordination.kind." + r.kind.rawValue), rowProject: project,
            rowDepartment: r.departmentName, rowState: f.t("coordination.state." + r.state.rawValue),
            rowTurn: r.ballInCourt == .department
                ? r.departmentName : f.t("coordination.turn." + r.ballInCourt.rawValue),
            rowNeeded: r.neededBy.description,
            rowDue: r.dueOn?.description ?? "—", rowLate: r.overdue, rowDescription: r.description,
            declined: r.state == .declined && !r.declineReason.isEmpty ? r.declineReason : nil,
            doneNote: r.state == .done && !r.doneNote.isEmpty ? r.doneNote : nil,
            supplement: r.supplement.isEmpty || r.state == .declined ? nil : r.supplement,
            planned: planned?.description, planNote: planNote,
            plannedLate: lateBy > 0 ? Lang.fill(f.t("coordination.plannedLate"), ["n": String(lateBy)]) : nil,
            doneOn: r.state == .done ? r.doneOn?.description : nil,
            evidence: r.evidence.map { SiteRoute.attachment($0).path }, hasEvidence: !r.evidence.isEmpty,
            filedBy: Self.filedBy(r),
            reopenAction: canReopen && CoordinationLifecycle.canMove(from: r.state, to: .reopened)
                ? SiteRoute.coordinationReopen(r.id).path : nil)
    }
}

struct CoordinationOfficeController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/coordination", show)
        Pages.post(router, "/coordination/requests", file)
        Pages.post(router, "/coordination/requests/:id/reopen", reopen)
    }

    static func reader(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard Permissions.allows(actor.role, .readProjects), actor.role != .department else {
            throw AppError.forbidden
        }
        return actor
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        // A department's liaison given the office's link (shared in a chat) is taken to their own queue.
        if try context.actor().role == .department { return Pages.seeOther(SiteRoute.departmentQueue.path) }
        let state = request.uri.queryParameters.get("state").flatMap { CoordinationState(rawValue: $0) }
        // After filing or reopening: said on top (an unknown value says nothing).
        let done = ["filed", "reopened"].first { request.uri.queryParameters.get($0) == "1" }
        let note = done.map { PageNote(kind: "ok", text: f.t("coordination.done." + $0)) }
        return try await render(context, f, state: state, typed: .init(), message: note)
    }

    func render(
        _ context: AppContext, _ f: PageFrame, state: CoordinationState?, typed: CoordinationOfficePage.Typed,
        message: PageNote?, status: HTTPResponse.Status = .ok,
        reopening: (id: Int64, note: String, problem: String)? = nil
    ) async throws -> Response {
        var page = try await CoordinationOfficePage.load(
            services: services, actor: try Self.reader(context), state: state, typed: typed, message: message, f)
        if let reopening {
            let action = SiteRoute.coordinationReopen(reopening.id).path
            for i in page.rows.indices where page.rows[i].reopenAction == action {
                page.rows[i].reopenOpen = true
                page.rows[i].reopenTyped = reopening.note
                page.rows[i].reopenProblem = reopening.problem
            }
        }
        return f.page(title: f.t("coordination.title"), "coordination-requests", page, status: status)
    }

    @Sendable func file(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let fields = try await Pages.form(request, context)
        var typed = CoordinationOfficePage.Typed(
            projectId: fields["project_id"] ?? "", departmentId: fields["department_organisation_id"] ?? "",
            kind: fields["kind"] ?? "", description: fields["description"] ?? "", neededBy: fields["needed_by"] ?? "")
        // The tick counts for the department it was given for only: another chosen since is asked about again.
        typed.departmentConfirmed =
            fields["confirm_department"] == "1" && fields["confirm_department_for"] == typed.departmentId
        // Confirmed and refused for something else, the box comes back ticked.
        typed.askDepartment = typed.departmentConfirmed
        var problems = typed.problems(f)
        // Asked with the rest, not after them: one refusal names everything that is wrong or unusual.
        if !typed.departmentConfirmed, let unusual = try await unusualDepartment(typed, f) {
            typed.departmentError = unusual
            typed.askDepartment = true
            problems.append(unusual)
        }
        let redisplay: ((String, String), HTTPResponse.Status, CoordinationOfficePage.Typed) async throws -> Response =
            {
                m, status, typed in
                var shown = typed
                shown.refused = true
                return try await render(
                    context, f, state: nil, typed: shown, message: PageNote(kind: m.0, text: m.1), status: status)
            }
        guard problems.isEmpty, let project = Int64(typed.projectId), let department = Int64(typed.departmentId),
            let kind = CoordinationKind(rawValue: typed.kind), let needed = Day(typed.neededBy)
        else {
            return try await redisplay(("bad", Pages.lines(problems)), .unprocessableContent, typed)
        }
        // Refused by the store (a day before the department is due to accept), the wrong field is marked as well.
        let refused: (Pages.Refusal) async throws -> Response = { [typed] r in
            var shown = typed
            if r.fields.contains("needed_by") { shown.neededByError = r.text }
            return try await redisplay((r.tone, r.text), r.status, shown)
        }
        return try await Pages.save(f, refused: refused) {
            _ = try await CoordinationRoutes.requests(services).create(
                .init(
                    projectId: project, departmentOrganisationId: department, kind: kind,
                    description: typed.description, neededBy: needed, attachments: []), actor: try context.actor())
            return SiteRoute.coordination(done: "filed").path
        }
    }

    /// What to ask when the department chosen is not of a kind that usually does this work; nil when it is, or when
    /// any department may (其他).
    func unusualDepartment(_ typed: CoordinationOfficePage.Typed, _ f: PageFrame) async throws -> String? {
        guard let kind = CoordinationKind(rawValue: typed.kind), let usual = kind.usualDepartments,
            let id = Int64(typed.departmentId),
            let org = try? await services.registry.get(.organisations, id: id, actor: .system),
            let department = org["department"]?.stringValue.flatMap(DepartmentKind.init(rawValue:)),
            !usual.contains(department)
        else { return nil }
        return f.lang.say(
            "coordination.form.unusualDepartment",
            ["kind": f.t("coordination.kind." + kind.rawValue), "department": org["name"]?.stringValue ?? ""])
    }

    @Sendable func reopen(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        // Only the office reopens a request: anyone else is refused before the form is read.
        let actor = try context.require(.manageProjects)
        // The supplement may carry a file (a plan drawing, a consent form): stored when the step is tried, removed
        // again if it is refused.
        let (fields, form) = try await Pages.formWithFiles(request, context)
        let note = fields["note"] ?? ""
        // Refused, the declined requests are shown again with this one's form open, the text kept, the reason beside.
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await render(
                context, f, state: .declined, typed: .init(), message: nil, status: status,
                reopening: (id, note, m.1))
        }
        if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return try await redisplay(("bad", f.t("coordination.reopenNeedsNote")), .unprocessableContent)
        }
        return try await Pages.save(f, next: SiteRoute.coordination(done: "reopened").path, redisplay: redisplay) {
            let step: (Int64?) async throws -> Void = { file in
                _ = try await CoordinationRoutes.requests(services).transition(
                    id: id,
                    .init(
                        to: .reopened, note: fields["note"] ?? "", plannedOn: nil, doneOn: nil, reason: "",
                        evidence: file.map { [$0] } ?? []),
                    actor: actor)
            }
            guard let form else { return try await step(nil) }
            try await form.withStoredFile("file", database: services.database, actor: actor, step)
        }
    }
}
