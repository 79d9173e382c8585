import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

extension SiteRoute {
    static let myActions = SiteRoute("/my-actions")
    static func myActionDone(_ id: Int64) -> SiteRoute { SiteRoute("/my-actions/\(id)/done") }
}

/// What the coordination meetings handed to an organisation (a contractor, a department, a supervisor): the open
/// actions, oldest due first, each with a form to report it done, and those done lately.
struct MyActionsPage {
    struct Row {
        var anchor: String
        var actionTitle: String
        /// The compound whose project the meeting tied it to, so the owner knows where the work is.
        var place: String?
        var meeting: String
        var due: String
        var late: Bool
        var carried: String?
        /// Why the office handed it back, when it did.
        var reopened: String?
        var doneAction: String?
        var doneLine: String?
        /// The reports and handings back before the one the card says, the first first.
        var earlier: String?
        var problem: String?
        var typedNote: String
    }
    var message: PageNote?
    var open: [Row]
    var noneOpen: Bool
    var done: [Row]
    var hasDone: Bool

    /// The steps before the one the card already says (the report on file, or why it came back): "此前：
    /// 2026-11-20 报办结（张工）：方案已出具 / 2026-11-21 退回：还缺图纸，新期限 2026-11-28".
    static func earlier(_ a: MeetingAction, _ f: PageFrame) -> String? {
        var events = a.history
        if let last = events.last, (last.kind == .done) == (a.state == .done) { events.removeLast() }
        guard !events.isEmpty else { return nil }
        let lines = events.map { e in
            let day = beijingTime(e.at, dateOnly: true)
            let said = e.note.isEmpty ? "" : f.t("common.colon") + e.note
            switch e.kind {
            case .done:
                return day + " " + f.t("actions.event.done") + f.t("paren.open") + e.byName + f.t("paren.close") + said
            case .reopened:
                let due = e.dueOn.map { f.t("common.comma") + f.t("actions.newDue") + " " + $0.description } ?? ""
                return day + " " + f.t("actions.event.reopened") + said + due
            }
        }
        return ([f.t("actions.earlier")] + lines).joined(separator: "\n")
    }

    /// "2026-11-27 例会交办": the meeting an action came from.
    static func meeting(_ a: MeetingAction, _ f: PageFrame) -> String {
        f.t("myActions.from").replacingOccurrences(of: "{date}", with: a.createdOn.description)
    }

    /// "已顺延 3 次", when meetings were held while it stayed open.
    static func carried(_ a: MeetingAction, _ f: PageFrame) -> String? {
        a.carriedOver > 0 ? f.t("meeting.carried").replacingOccurrences(of: "{n}", with: String(a.carriedOver)) : nil
    }

    /// Whether this account answers for an organisation's actions.
    static func opens(_ role: Role, _ scope: Scope) -> Bool { scope.kind == .organisation }
    static func opens(_ actor: Actor) -> Bool { opens(actor.role, actor.scope) }

    static func load(
        actor: Actor, services: Services, message: PageNote?, refused: (id: Int64, why: String, note: String)? = nil,
        _ f: PageFrame
    ) async throws -> MyActionsPage {
        let repo = try await CoordinationRoutes.meetings(services)
        let all = try await repo.listActions(actor: actor, owner: actor.scope.id, state: nil, overdueOnly: false)
        let since = Clock.today.adding(days: -30)
        let places = try await CoordinationRoutes.requests(services).projectNames(all.compactMap(\.projectId))
        func row(_ a: MeetingAction) -> Row {
            let open = a.state == .open
            return Row(
                anchor: "a\(a.id)", actionTitle: a.title, place: a.projectId.flatMap { places[$0] },
                meeting: Self.meeting(a, f), due: a.dueOn.description, late: a.overdue, carried: Self.carried(a, f),
                reopened: open && !a.reopenNote.isEmpty ? f.t("actions.reopenedBecause") + a.reopenNote : nil,
                doneAction: open ? SiteRoute.myActionDone(a.id).path : nil,
                doneLine: a.doneOn.map {
                    "\(f.t("myActions.doneOn")) \($0)" + (a.doneNote.isEmpty ? "" : " · \(a.doneNote)")
                },
                earlier: Self.earlier(a, f), problem: refused?.id == a.id ? refused?.why : nil,
                typedNote: refused?.id == a.id ? refused?.note ?? "" : "")
        }
        let open = all.filter { $0.state == .open }.sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }.map(row)
        let done = all.filter { $0.state == .done && ($0.doneOn ?? since) >= since }
            .sorted { ($0.doneOn ?? since) > ($1.doneOn ?? since) }.map(row)
        return MyActionsPage(message: message, open: open, noneOpen: open.isEmpty, done: done, hasDone: !done.isEmpty)
    }
}

struct MyActionsController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/my-actions", show)
        Pages.post(router, "/my-actions/:id/done", page: SiteRoute.myActions.path, done)
    }

    func actor(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard MyActionsPage.opens(actor) else { throw AppError.forbidden }
        return actor
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let saved = request.uri.queryParameters.get("saved") != nil
        let page = try await MyActionsPage.load(
            actor: try actor(context), services: services,
            message: saved ? PageNote(kind: "ok", text: f.t("myActions.saved")) : nil, f)
        return f.page(title: f.t("nav.myActions"), "coordination-my-actions", page)
    }

    /// Reports an action done with what was done; refused, the card says why beside the note as typed.
    @Sendable func done(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try actor(context)
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let note = fields["note"] ?? ""
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            let page = try await MyActionsPage.load(
                actor: actor, services: services, message: nil, refused: (id, m.1, note), f)
            return f.page(title: f.t("nav.myActions"), "coordination-my-actions", page, status: status)
        }
        let next = SiteRoute("/my-actions", query: [("saved", "1")]).path + "#a\(id)"
        return try await Pages.save(f, next: next, redisplay: redisplay) {
            if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError(field: "note", code: Pages.pageMessage, message: f.t("myActions.needNote"))
            }
            _ = try await CoordinationRoutes.meetings(services).markDone(
                id: id, note: note, evidence: [], actor: actor)
        }
    }
}
