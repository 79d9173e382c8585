import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let officeActions = SiteRoute("/actions")
    static func officeActionEdit(_ id: Int64) -> SiteRoute { SiteRoute("/actions/\(id)/edit") }
    static func officeActionReopen(_ id: Int64) -> SiteRoute { SiteRoute("/actions/\(id)/reopen") }
}

/// The office's view of what its meetings handed out: the open actions, each with a form to move its day or hand it
/// to another organisation, and those reported done lately with what their owner said was done, each with a form to
/// find it not done and hand it back.
struct OfficeActionsPage {
    struct Choice {
        var value: String
        var label: String
        var selected: Bool
    }
    struct Row {
        var anchor: String
        var actionTitle: String
        /// The compound whose project the meeting tied it to, when it did.
        var place: String?
        var owner: String
        var meetingHref: String
        var meeting: String
        var due: String
        var late: Bool
        var carried: String?
        /// Why it was handed back once, as its owner reads it.
        var reopened: String?
        var editAction: String?
        /// The day in the form: the action's own, or what was typed when the form was refused.
        var editDue: String
        var owners: [Choice]
        /// What the owner said was done, by whom and when, with its photos.
        var doneLine: String?
        /// The reports and handings back before the one the card says.
        var earlier: String?
        var evidence: [String]
        var hasEvidence: Bool
        var reopenAction: String?
        var reopenDue: String
        var problem: String?
        var typedNote: String
    }
    var message: PageNote?
    var open: [Row]
    var noneOpen: Bool
    var done: [Row]
    var hasDone: Bool

    /// The office and the administrator manage actions; an organisation reports its own on 会议交办.
    static func opens(_ actor: Actor) -> Bool {
        Permissions.allows(actor.role, .manageProjects) && actor.scope.kind != .organisation
    }

    static func load(
        actor: Actor, services: Services, message: PageNote?,
        refused: (id: Int64, why: String, typed: [String: String])? = nil, _ f: PageFrame
    ) async throws -> OfficeActionsPage {
        let repo = try await CoordinationRoutes.meetings(services)
        let all = try await repo.listActions(actor: actor, owner: nil, state: nil, overdueOnly: false)
        let organisations = try await services.registry.listAll(.organisations, query: ListQuery(), actor: actor)
        let places = try await CoordinationRoutes.requests(services).projectNames(all.compactMap(\.projectId))
        let today = Clock.today
        let since = today.adding(days: -30)
        let reopenDue = today.adding(days: 7).description
        func row(_ a: MeetingAction) -> Row {
            let open = a.state == .open
            let mine = refused?.id == a.id
            let typed = mine ? refused?.typed ?? [:] : [:]
            let owner = typed["owner_organisation_id"].flatMap { Int64($0) } ?? a.ownerOrganisationId
            return Row(
                anchor: "a\(a.id)", actionTitle: a.title, place: a.projectId.flatMap { places[$0] }, owner: a.ownerName,
                meetingHref: SiteRoute.meeting(a.meetingId).path,
                meeting: MyActionsPage.meeting(a, f), due: a.dueOn.description, late: a.overdue,
                carried: MyActionsPage.carried(a, f),
                reopened: a.reopenNote.isEmpty ? nil : f.t("actions.reopenedBecause") + a.reopenNote,
                editAction: open ? SiteRoute.officeActionEdit(a.id).path : nil,
                editDue: typed["due_on"] ?? a.dueOn.description,
                owners: open
                    ? organisations.map {
                        Choice(
                            value: String($0.id), label: $0["name"]?.stringValue ?? "",
                            selected: $0.id == owner)
                    } : [],
                doneLine: a.doneOn.map { doneLine(a, on: $0, f) }, earlier: MyActionsPage.earlier(a, f),
                evidence: a.evidence.map { SiteRoute.attachment($0).path },
                hasEvidence: !a.evidence.isEmpty, reopenAction: open ? nil : SiteRoute.officeActionReopen(a.id).path,
                reopenDue: typed["due_on"] ?? reopenDue, problem: mine ? refused?.why : nil,
                typedNote: typed["note"] ?? "")
        }
        let open = all.filter { $0.state == .open }.sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }.map(row)
        let done = all.filter { $0.state == .done && ($0.doneOn ?? since) >= since }
            .sorted { ($0.doneOn ?? since) > ($1.doneOn ?? since) }.map(row)
        return OfficeActionsPage(
            message: message, open: open, noneOpen: open.isEmpty, done: done, hasDone: !done.isEmpty)
    }

    /// "报办结：2026-12-03 · 燃气公司张工 · 迁移方案已出具".
    static func doneLine(_ a: MeetingAction, on day: Day, _ f: PageFrame) -> String {
        var parts = [f.t("actions.reportedDone") + day.description]
        if let who = a.doneByName { parts.append(who) }
        if !a.doneNote.isEmpty { parts.append(a.doneNote) }
        return parts.joined(separator: " · ")
    }
}

struct OfficeActionsController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/actions", show)
        Pages.post(router, "/actions/:id/edit", page: SiteRoute.officeActions.path, edit)
        Pages.post(router, "/actions/:id/reopen", page: SiteRoute.officeActions.path, reopen)
    }

    func actor(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard OfficeActionsPage.opens(actor) else { throw AppError.forbidden }
        return actor
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let saved = request.uri.queryParameters.get("saved") != nil
        let page = try await OfficeActionsPage.load(
            actor: try actor(context), services: services,
            message: saved ? PageNote(kind: "ok", text: f.t("project.saved")) : nil, f)
        return f.page(title: f.t("actions.title"), "coordination-office-actions", page)
    }

    /// Saves one card's form; refused, the page says why on that card, keeping what was typed.
    func save(
        _ id: Int64, typed: [String: String], _ context: AppContext, _ f: PageFrame,
        _ body: @escaping () async throws -> Void
    ) async throws -> Response {
        let actor = try actor(context)
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await OfficeActionsPage.load(
                actor: actor, services: services, message: PageNote(kind: "bad", text: m.1), refused: (id, m.1, typed),
                f)
            return f.page(title: f.t("actions.title"), "coordination-office-actions", page, status: status)
        }
        let next = SiteRoute("/actions", query: [("saved", "1")]).path + "#a\(id)"
        return try await Pages.save(f, next: next, redisplay: redisplay, body)
    }

    @Sendable func edit(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        return try await save(id, typed: fields, context, f) {
            guard let due = Day(fields["due_on"] ?? "") else {
                throw ValidationError(field: "due_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            _ = try await CoordinationRoutes.meetings(services).updateAction(
                id: id, dueOn: due, ownerOrganisationId: fields["owner_organisation_id"].flatMap { Int64($0) },
                actor: try context.actor())
        }
    }

    @Sendable func reopen(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let note = fields["note"] ?? ""
        return try await save(id, typed: fields, context, f) {
            guard let due = Day(fields["due_on"] ?? "") else {
                throw ValidationError(field: "due_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            _ = try await CoordinationRoutes.meetings(services).reopenAction(
                id: id, note: note, dueOn: due, actor: try context.actor())
        }
    }
}
