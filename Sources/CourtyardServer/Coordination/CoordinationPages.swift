import CourtyardDomain
import CourtyardSheets
import CourtyardStore
import Foundation
import Hummingbird
import NIOCore

extension SiteRoute {
    static func meetings(from: Day? = nil) -> SiteRoute {
        SiteRoute("/meetings", query: [("from", from?.description)])
    }
    static func meeting(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)") }
    static func meetingPrint(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/print") }
    static func meetingXLSX(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/minutes.xlsx") }
    static func meetingWeek(from: Day) -> SiteRoute { SiteRoute("/meetings/week", query: [("from", from.description)]) }
    static let meetingNew = SiteRoute("/meetings")
    static let meetingSeriesNew = SiteRoute("/meetings/series")
    static func meetingAttendance(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/attendance") }
    static func meetingMinutes(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/minutes") }
    static func meetingClose(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/close") }
    static func meetingCancel(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/cancel") }
    static func meetingEndSeries(_ id: Int64) -> SiteRoute { SiteRoute("/meetings/\(id)/end-series") }
    static func queueStep(_ id: Int64, _ to: CoordinationState) -> SiteRoute {
        SiteRoute("/queue/\(id)/\(to.rawValue)")
    }
    static let departmentQueue = SiteRoute("/queue")
    /// The queue after a step was taken, which it confirms.
    static func departmentQueue(took step: CoordinationState, item: Int64? = nil) -> SiteRoute {
        SiteRoute("/queue", query: [("took", step.rawValue)] + (item.map { [("item", String($0))] } ?? []))
    }
    static let calendarFeed = SiteRoute("/account/calendar")
}

enum CoordinationPages {
    static func add(to router: Router<AppContext>, services: Services) {
        MeetingPageController(services: services).register(on: router)
        CoordinationOfficeController(services: services).register(on: router)
        DepartmentQueueController(services: services).register(on: router)
        CalendarFeedPageController(services: services).register(on: router)
        MyActionsController(services: services).register(on: router)
        OfficeActionsController(services: services).register(on: router)
    }

    /// The Monday of a day's week.
    static func monday(_ d: Day) -> Day { d.adding(days: -Int64(d.weekday - 1)) }

    static func time(_ m: Meeting) -> String { String(m.startsAt.dropFirst(11).prefix(5)) }

    /// A meeting's state as a person reads it now: one whose time has passed and that nobody recorded yet says so.
    static func state(_ m: Meeting, _ f: PageFrame, now: Date = Date()) -> String {
        let late = MeetingState.awaitsRecord(
            m.state, date: m.date, startTime: time(m), durationMinutes: m.durationMinutes,
            at: LocalMoment(epochSeconds: now.timeIntervalSince1970))
        return f.t(late ? "meeting.state.awaitsRecord" : "meeting.state." + m.state.rawValue)
    }
}

/// The week's meetings, for the office.
struct MeetingListPage {
    struct Row {
        var href: String
        var date: String
        var time: String
        var title: String
        var state: String
        var cancelled: Bool
    }
    var rows: [Row]
    var empty: Bool
    var week: String
    /// The Monday of the week shown, sent with the forms so a refused one shows the same week again.
    var weekFrom: String
    var previousHref: String
    var nextHref: String
    var printHref: String
    var feedHref: String
    /// The actions the meetings handed out, for the office that manages them.
    var actionsHref: String?
    var message: PageNote?
    /// The office's forms for a single meeting and a daily series, with the organisations to invite.
    var canPlan: Bool
    var meetingAction: String
    var seriesAction: String
    var invitees: [MeetingPage.Choice]
    var typed: MeetingForm

    /// What was typed into either form, kept when it is refused.
    struct MeetingForm {
        var title = ""
        var date = ""
        var until = ""
        var time = "08:30"
        var duration = "60"
        var location = ""
        var chosen: Set<String> = []
        /// The fields a refusal named, each marked where it stands (`aria-invalid`).
        var titleWrong = false
        var dateWrong = false
        var untilWrong = false
        var timeWrong = false
        var durationWrong = false
        var locationWrong = false

        /// Marks the fields a refusal named, by the store's names or the form's.
        mutating func mark(_ fields: Set<String>) {
            titleWrong = fields.contains("title")
            dateWrong = !fields.isDisjoint(with: ["date", "first_on"])
            untilWrong = fields.contains("until")
            timeWrong = fields.contains("time")
            durationWrong = !fields.isDisjoint(with: ["duration", "duration_minutes"])
            locationWrong = fields.contains("location")
        }
    }

    static func load(
        services: Services, actor: Actor, from: Day, typed: MeetingForm = .init(), message: PageNote? = nil,
        _ f: PageFrame
    ) async throws -> MeetingListPage {
        let canPlan = Permissions.allows(actor.role, .manageProjects)
        let organisations =
            canPlan ? try await services.registry.listAll(.organisations, query: ListQuery(), actor: actor) : []
        let to = from.adding(days: 6)
        let list = try await CoordinationRoutes.meetings(services).list(actor: actor, from: from, to: to, seriesId: nil)
        return MeetingListPage(
            rows: list.map {
                Row(
                    href: SiteRoute.meeting($0.id).path, date: $0.date.description, time: CoordinationPages.time($0),
                    title: $0.title, state: CoordinationPages.state($0, f), cancelled: $0.state == .cancelled
                )
            }, empty: list.isEmpty, week: "\(from) – \(to)", weekFrom: from.description,
            previousHref: SiteRoute.meetings(from: from.adding(days: -7)).path,
            nextHref: SiteRoute.meetings(from: from.adding(days: 7)).path,
            printHref: SiteRoute.meetingWeek(from: from).path, feedHref: SiteRoute.calendarFeed.path,
            actionsHref: OfficeActionsPage.opens(actor) ? SiteRoute.officeActions.path : nil,
            message: message, canPlan: canPlan, meetingAction: SiteRoute.meetingNew.path,
            seriesAction: SiteRoute.meetingSeriesNew.path,
            invitees: organisations.map {
                MeetingPage.Choice(
                    value: String($0.id), label: $0["name"]?.stringValue ?? "",
                    selected: typed.chosen.contains(String($0.id)))
            }, typed: typed)
    }
}

/// What was typed into a meeting's record, its sign-in, minutes and actions, shown again as typed when a save is
/// refused, so that one wrong date does not cost the clerk the whole write-up.
struct TypedRecord: Sendable {
    struct Action: Sendable {
        var title: String
        var owner: String
        var due: String
        var project: String
    }
    var discussion: String
    var decisions: String
    var actions: [Action]
    /// Each participant's field (`p_<id>`) and the status chosen.
    var attendance: [String: String]
    /// Whether the form carried the minutes at all (the close button sends them with it).
    var hasMinutes: Bool

    init(_ fields: [String: [String]]) {
        func column(_ k: String) -> [String] { fields[k] ?? [] }
        let titles = column("action_title")
        let (owners, dues, projects) = (column("action_owner"), column("action_due"), column("action_project"))
        func at(_ list: [String], _ i: Int) -> String { i < list.count ? list[i] : "" }
        discussion = fields["discussion"]?.last ?? ""
        decisions = fields["decisions"]?.last ?? ""
        actions = titles.indices.map {
            Action(title: titles[$0], owner: at(owners, $0), due: at(dues, $0), project: at(projects, $0))
        }
        attendance = fields.filter { $0.key.hasPrefix("p_") }.compactMapValues(\.last)
        hasMinutes = fields["discussion"] != nil
    }

    /// The sign-in as the store takes it: each participant and a status it knows, by participant.
    var attendanceLines: [(participantId: Int64, status: AttendanceStatus)] {
        attendance.compactMap { key, value -> (participantId: Int64, status: AttendanceStatus)? in
            guard let p = Int64(key.dropFirst(2)), let s = AttendanceStatus(rawValue: value) else { return nil }
            return (p, s)
        }.sorted { $0.participantId < $1.participantId }
    }
}

/// The meeting as the office runs it on a laptop or a projector: agenda, attendance, minutes and actions, close.
struct MeetingPage {
    struct Choice {
        var value: String
        var label: String
        var selected: Bool
    }
    struct AttendanceRow {
        var participantName: String
        var field: String
        var choices: [Choice]
        var statusLabel: String
    }
    struct ActionRow {
        var rowTitle: String
        var owners: [Choice]
        var rowDue: String
        var projects: [Choice]
    }
    struct AgendaAction {
        var actionTitle: String
        var actionOwner: String
        var actionDue: String
        var carried: String
        var late: Bool
        var actionDone: Bool
        /// What its owner reported done, by whom and when, for the office reading the meeting.
        var doneNote: String?
    }
    struct AgendaLine {
        var lineTitle: String
        var lineDue: String?
    }
    struct Section {
        var heading: String
        /// How the list is drawn up, under its heading (the stalled projects' rule).
        var hint: String?
        var lines: [AgendaLine]
        var none: Bool
    }
    var title: String
    var message: PageNote?
    var when: String
    /// "60 分钟", said under the time so that the time keeps to one line.
    var duration: String
    var location: String
    var state: String
    var cancelReason: String?
    var editable: Bool
    var attendanceAction: String
    var minutesAction: String
    var closeAction: String
    var cancelAction: String
    var attendance: [AttendanceRow]
    var discussion: String
    var decisionsText: String
    var decisions: [String]
    var actionRows: [ActionRow]
    var handedOut: [AgendaAction]
    var agendaActions: [AgendaAction]
    var noAgendaActions: Bool
    var sections: [Section]
    var nextHref: String?
    var previousHref: String?
    var printHref: String
    var xlsxHref: String
    var listHref: String
    /// Ending the series from this meeting on, for a meeting of a series still scheduled: how many it cancels.
    var endSeries: EndSeries?

    struct EndSeries {
        var action: String
        var text: String
        /// Back refused: the reason as typed, and why it was refused (said beside it, where the page scrolls to; the
        /// page's top says it too, far above). The form is then open and the reason marked.
        var reason = ""
        var problem: String?
    }

    static func load(
        id: Int64, services: Services, actor: Actor, message: PageNote?, typed: TypedRecord? = nil, _ f: PageFrame
    ) async throws -> MeetingPage {
        let repo = try await CoordinationRoutes.meetings(services)
        let m = try await repo.get(id: id, actor: actor)
        let agenda = try await repo.agenda(id: id, actor: actor)
        let editable = m.state == .scheduled && Permissions.allows(actor.role, .manageProjects)
        // Neighbours in the same series (or the same office), for "next meeting" one click away.
        let around = try await repo.list(
            actor: actor, from: m.date.adding(days: -31), to: m.date.adding(days: 31), seriesId: m.seriesId)
        let index = around.firstIndex { $0.id == m.id }
        let next = index.flatMap { i in around[(i + 1)...].first { $0.state != .cancelled } }
        let previous = index.flatMap { i in around[..<i].last { $0.state != .cancelled } }
        let organisations = try await services.registry.listAll(
            .organisations, query: ListQuery(filters: ["subdistrict_id": String(m.subdistrictId)]), actor: .system)
        let projects = try await ProjectRepository(database: services.database).summaries(actor: actor)
        func ownerChoices(_ selected: Int64?) -> [Choice] {
            [Choice(value: "", label: "—", selected: selected == nil)]
                + organisations.map {
                    Choice(value: String($0.id), label: $0["name"]?.stringValue ?? "", selected: $0.id == selected)
                }
        }
        func projectChoices(_ selected: Int64?) -> [Choice] {
            [Choice(value: "", label: "—", selected: selected == nil)]
                + projects.map {
                    Choice(value: String($0.id), label: $0.compoundName, selected: $0.id == selected)
                }
        }
        let own = (m.actions ?? []).filter { $0.state == .open }
        var rows = own.map {
            ActionRow(
                rowTitle: $0.title, owners: ownerChoices($0.ownerOrganisationId), rowDue: $0.dueOn.description,
                projects: projectChoices($0.projectId))
        }
        // The minutes as typed, when a refused form carried them; otherwise as stored.
        let minutes = typed.flatMap { $0.hasMinutes ? $0 : nil }
        if let minutes {
            rows = minutes.actions.map {
                ActionRow(
                    rowTitle: $0.title, owners: ownerChoices(Int64($0.owner)), rowDue: $0.due,
                    projects: projectChoices(Int64($0.project)))
            }
        }
        // Room for three more actions, and always for one more than were typed.
        let wanted = max(own.count + 3, rows.count + 1)
        while rows.count < wanted {
            rows.append(ActionRow(rowTitle: "", owners: ownerChoices(nil), rowDue: "", projects: projectChoices(nil)))
        }
        func line(_ a: MeetingAction) -> AgendaAction {
            AgendaAction(
                actionTitle: a.title, actionOwner: a.ownerName, actionDue: a.dueOn.description,
                carried: MyActionsPage.carried(a, f) ?? "—", late: a.overdue, actionDone: a.state == .done,
                doneNote: a.doneOn.map { OfficeActionsPage.doneLine(a, on: $0, f) })
        }
        func section(_ key: String, _ items: [AgendaItem], days: Int? = nil) -> Section {
            Section(
                heading: f.t(key), hint: days.map { Lang.fill(f.t("meeting.agenda.stalledHow"), ["n": String($0)]) },
                lines: items.map { item in
                    AgendaLine(
                        lineTitle: item.stage.map { "\(item.title) · \(f.t("stage." + $0.rawValue))" } ?? item.title,
                        lineDue: item.dueOn?.description)
                },
                none: items.isEmpty)
        }
        let statuses = AttendanceStatus.allCases
        return MeetingPage(
            title: "\(m.title) · \(m.date)", message: message,
            when: "\(m.date) \(CoordinationPages.time(m))", duration: "\(m.durationMinutes) \(f.t("meeting.minutes"))",
            location: m.location, state: CoordinationPages.state(m, f),
            cancelReason: m.state == .cancelled ? m.cancelReason : nil, editable: editable,
            attendanceAction: SiteRoute.meetingAttendance(id).path, minutesAction: SiteRoute.meetingMinutes(id).path,
            closeAction: SiteRoute.meetingClose(id).path, cancelAction: SiteRoute.meetingCancel(id).path,
            attendance: (m.attendance ?? []).map { a in
                let chosen = typed?.attendance["p_\(a.participantId)"].flatMap(AttendanceStatus.init) ?? a.status
                return AttendanceRow(
                    participantName: a.name, field: "p_\(a.participantId)",
                    choices: statuses.map {
                        Choice(value: $0.rawValue, label: f.t("attendance." + $0.rawValue), selected: chosen == $0)
                    }, statusLabel: a.status.map { f.t("attendance." + $0.rawValue) } ?? "—")
            },
            discussion: minutes?.discussion ?? m.minutes?.discussion ?? "",
            decisionsText: minutes?.decisions ?? (m.minutes?.decisions ?? []).joined(separator: "\n"),
            decisions: m.minutes?.decisions ?? [], actionRows: rows, handedOut: (m.actions ?? []).map(line),
            agendaActions: agenda.actions.filter { $0.meetingId != id }.map(line),
            noAgendaActions: agenda.actions.allSatisfy { $0.meetingId == id },
            sections: [
                section("meeting.agenda.requests", agenda.overdueRequests),
                section("meeting.agenda.reports", agenda.overdueReports),
                section("meeting.agenda.findings", agenda.overdueFindings),
                section("meeting.agenda.tasks", agenda.lateTasks),
                section("meeting.agenda.stalled", agenda.stalledProjects, days: agenda.staleStageDays),
            ], nextHref: next.map { SiteRoute.meeting($0.id).path },
            previousHref: previous.map { SiteRoute.meeting($0.id).path },
            printHref: SiteRoute.meetingPrint(id).path, xlsxHref: SiteRoute.meetingXLSX(id).path,
            listHref: SiteRoute.meetings(from: CoordinationPages.monday(m.date)).path,
            endSeries: editable ? try await endSeries(m, repo: repo, actor: actor, f) : nil)
    }

    static func endSeries(_ m: Meeting, repo: MeetingRepository, actor: Actor, _ f: PageFrame) async throws
        -> EndSeries?
    {
        guard let series = m.seriesId else { return nil }
        let left = try await repo.list(actor: actor, from: m.date, to: nil, seriesId: series)
            .filter { $0.state == .scheduled }
        guard let last = left.last else { return nil }
        return EndSeries(
            action: SiteRoute.meetingEndSeries(m.id).path,
            text: f.t("meeting.endSeriesText").replacingOccurrences(of: "{from}", with: m.date.description)
                .replacingOccurrences(of: "{to}", with: last.date.description)
                .replacingOccurrences(of: "{n}", with: String(left.count)))
    }
}

/// Printable minutes (A4): the headings a sub-district's minutes carry.
struct MinutesSheet {
    struct ActionLine {
        var actionTitle: String
        var actionOwner: String
        var actionDue: String
    }
    var title: String
    var when: String
    var location: String
    var chair: String
    var present: String
    var absent: String
    var discussion: String
    var decisions: [String]
    var actions: [ActionLine]
    var noActions: Bool
    var cancelled: Bool

    static func load(_ m: Meeting, services: Services, _ f: PageFrame) async throws -> MinutesSheet {
        var chair = "—"
        let row = try await services.database.withConnection { db in
            try await db.raw("SELECT closed_by FROM meetings WHERE id = \(bind: m.id)").first()
        }
        if let by = try row?.decode(column: "closed_by", as: String?.self) ?? nil,
            let account = try await services.accounts.find(username: by)
        {
            chair = account.displayName.isEmpty ? account.username : account.displayName
        }
        let lines = m.attendance ?? []
        // Under 出席, a late arrival says so; under 缺席, one who sent apologies says so.
        let noted: (AttendanceLine, AttendanceStatus) -> String = { line, mark in
            line.status == mark
                ? line.name + f.t("paren.open") + f.t("attendance." + mark.rawValue) + f.t("paren.close")
                : line.name
        }
        let present = lines.filter { $0.status == .present || $0.status == .late }.map { noted($0, .late) }
        let absent = lines.filter { $0.status == .absent || $0.status == .excused }.map { noted($0, .excused) }
        let actions = (m.actions ?? []).map {
            ActionLine(actionTitle: $0.title, actionOwner: $0.ownerName, actionDue: $0.dueOn.description)
        }
        return MinutesSheet(
            title: m.title, when: "\(m.date) \(CoordinationPages.time(m))", location: m.location, chair: chair,
            present: present.isEmpty ? "—" : present.joined(separator: "、"),
            absent: absent.isEmpty ? "—" : absent.joined(separator: "、"),
            discussion: (m.minutes?.discussion).flatMap { $0.isEmpty ? nil : $0 } ?? "—",
            decisions: m.minutes?.decisions ?? [], actions: actions, noActions: actions.isEmpty,
            cancelled: m.state == .cancelled)
    }

    /// The same as a workbook: the minutes on one sheet, the actions on another.
    func xlsx(_ f: PageFrame) throws -> Data {
        var rows: [[XLSX.Cell]] = [
            [.text(f.t("minutes.when")), .text(when)], [.text(f.t("minutes.where")), .text(location)],
            [.text(f.t("minutes.chair")), .text(chair)], [.text(f.t("minutes.present")), .text(present)],
            [.text(f.t("minutes.absent")), .text(absent)], [.text(f.t("minutes.discussion")), .text(discussion)],
        ]
        for (i, d) in decisions.enumerated() { rows.append([.text(i == 0 ? f.t("minutes.decisions") : ""), .text(d)]) }
        return try XLSX.write(sheets: [
            .init(name: f.t("minutes.sheet"), header: [f.t("minutes.item"), title], rows: rows),
            .init(
                name: f.t("minutes.decisions"),
                header: [f.t("minutes.decisions"), f.t("minutes.owner"), f.t("minutes.due")],
                rows: actions.map { [.text($0.actionTitle), .text($0.actionOwner), .text($0.actionDue)] }),
        ])
    }
}

struct MinutesWeek {
    var week: String
    var sheets: [MinutesSheet]
    var empty: Bool
}

struct MeetingPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/meetings", list)
        Pages.get(router, "/meetings/week", week)
        Pages.get(router, "/meetings/:id", show)
        Pages.get(router, "/meetings/:id/print", print)
        Pages.get(router, "/meetings/:id/minutes.xlsx", workbook)
        Pages.post(router, "/meetings/:id/attendance", attendance)
        Pages.post(router, "/meetings/:id/minutes", minutes)
        Pages.post(router, "/meetings/:id/close", close)
        Pages.post(router, "/meetings/:id/cancel", cancel)
        Pages.post(router, "/meetings/:id/end-series", endSeries)
        Pages.post(router, "/meetings", createMeeting)
        Pages.post(router, "/meetings/series", createSeries)
    }

    static func reader(_ context: AppContext) throws -> Actor {
        let actor = try context.actor()
        guard Permissions.allows(actor.role, .manageProjects) || actor.role == .viewer else {
            throw AppError.forbidden
        }
        return actor
    }

    @Sendable func list(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try Self.reader(context)
        let from = CoordinationPages.monday(request.uri.queryParameters.get("from").flatMap { Day($0) } ?? Clock.today)
        let page = try await MeetingListPage.load(services: services, actor: actor, from: from, f)
        return f.page(title: f.t("meeting.list"), "coordination-meetings", page)
    }

    @Sendable func week(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try Self.reader(context)
        let from = CoordinationPages.monday(request.uri.queryParameters.get("from").flatMap { Day($0) } ?? Clock.today)
        let repo = try await CoordinationRoutes.meetings(services)
        var sheets: [MinutesSheet] = []
        for m in try await repo.list(actor: actor, from: from, to: from.adding(days: 6), seriesId: nil) {
            sheets.append(
                try await MinutesSheet.load(try await repo.get(id: m.id, actor: actor), services: services, f))
        }
        let page = MinutesWeek(week: "\(from) – \(from.adding(days: 6))", sheets: sheets, empty: sheets.isEmpty)
        return f.page(title: f.t("minutes.weekTitle"), "coordination-minutes-week", page)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        // After a series was made, or ended: how many meetings, in words.
        let query = request.uri.queryParameters
        let note: PageNote? =
            if let n = query.get("ended").flatMap({ Int($0) }) {
                PageNote(kind: "ok", text: f.t("meeting.seriesEnded").replacingOccurrences(of: "{n}", with: String(n)))
            } else if let n = query.get("planned").flatMap({ Int($0) }), let to = query.get("to").flatMap({ Day($0) }) {
                PageNote(
                    kind: "ok",
                    text: Self.planned(
                        n, to: to, ongoing: query.get("ongoing") == "1", weekdays: query.get("weekdays"), f))
            } else {
                nil
            }
        return try await page(try context.parameters.require("id", as: Int64.self), context, f, message: note)
    }

    func page(
        _ id: Int64, _ context: AppContext, _ f: PageFrame, message: PageNote?, status: HTTPResponse.Status = .ok,
        endingTyped reason: String? = nil, typed: TypedRecord? = nil
    ) async throws -> Response {
        var page = try await MeetingPage.load(
            id: id, services: services, actor: try Self.reader(context), message: message, typed: typed, f)
        if let reason {
            page.endSeries?.reason = reason
            page.endSeries?.problem = message?.text
        }
        return f.page(title: page.title, "coordination-meeting", page, status: status)
    }

    @Sendable func print(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try Self.reader(context)
        let m = try await CoordinationRoutes.meetings(services).get(
            id: try context.parameters.require("id", as: Int64.self), actor: actor)
        let sheet = try await MinutesSheet.load(m, services: services, f)
        return f.page(title: f.t("minutes.title"), "coordination-minutes", sheet)
    }

    @Sendable func workbook(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let actor = try Self.reader(context)
        let m = try await CoordinationRoutes.meetings(services).get(
            id: try context.parameters.require("id", as: Int64.self), actor: actor)
        let sheet = try await MinutesSheet.load(m, services: services, f)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: "attachment; filename=\"minutes-\(m.date).xlsx\"",
            ], body: .init(byteBuffer: ByteBuffer(data: try sheet.xlsx(f))))
    }

    func redisplay(_ id: Int64, _ context: AppContext, _ f: PageFrame, typed: TypedRecord? = nil) -> (
        (String, String), HTTPResponse.Status
    ) async throws -> Response {
        { m, status in
            try await page(id, context, f, message: PageNote(kind: m.0, text: m.1), status: status, typed: typed)
        }
    }

    @Sendable func attendance(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let typed = TypedRecord(try await Pages.form(request, context).mapValues { [$0] })
        return try await Pages.save(f, next: SiteRoute.meeting(id).path, redisplay: redisplay(id, context, f)) {
            _ = try await CoordinationRoutes.meetings(services).putAttendance(
                id: id, lines: typed.attendanceLines, actor: try context.actor())
        }
    }

    /// The meeting's record as the page sends it: the sign-in and the minutes with their actions, in one form.
    @Sendable func minutes(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.formMulti(request, context)
        let typed = TypedRecord(fields)
        return try await Pages.save(
            f, next: SiteRoute.meeting(id).path, redisplay: redisplay(id, context, f, typed: typed)
        ) {
            try await saveRecord(id, typed, context, f)
        }
    }

    /// Saves the minutes, checked first, then the sign-in chosen beside them; refused, neither is saved.
    func saveRecord(_ id: Int64, _ typed: TypedRecord, _ context: AppContext, _ f: PageFrame) async throws {
        var actions: [MeetingRepository.NewAction] = []
        for a in typed.actions {
            let t = a.title.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { continue }
            guard let owner = Int64(a.owner) else {
                throw ValidationError(field: "owner", code: Pages.pageMessage, message: f.t("meeting.needOwner"))
            }
            guard let due = Day(a.due) else {
                throw ValidationError(field: "due_on", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            actions.append(.init(title: t, ownerOrganisationId: owner, dueOn: due, projectId: Int64(a.project)))
        }
        let decisions = typed.decisions.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let repo = try await CoordinationRoutes.meetings(services)
        let actor = try context.actor()
        _ = try await repo.putMinutes(
            id: id, discussion: typed.discussion, decisions: decisions, actions: actions, actor: actor)
        let lines = typed.attendanceLines
        if !lines.isEmpty { _ = try await repo.putAttendance(id: id, lines: lines, actor: actor) }
    }

    @Sendable func cancel(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        return try await Pages.save(f, next: SiteRoute.meeting(id).path, redisplay: redisplay(id, context, f)) {
            _ = try await CoordinationRoutes.meetings(services).cancel(
                id: id, reason: fields["reason"] ?? "", actor: try context.actor())
        }
    }

    /// What a new series planned: how many meetings until when; that a series without an end goes on being planned;
    /// and which years' holidays are not entered yet, so their meetings fall on every weekday for now.
    static func planned(_ n: Int, to: Day, ongoing: Bool, weekdays: String?, _ f: PageFrame) -> String {
        var text = f.t("meeting.seriesPlanned").replacingOccurrences(of: "{n}", with: String(n))
            .replacingOccurrences(of: "{to}", with: to.description)
        if ongoing { text += f.t("meeting.seriesOngoing") }
        let years = (weekdays ?? "").split(separator: ",").compactMap { Int($0) }.map(String.init)
        if !years.isEmpty {
            text += f.t("meeting.seriesWeekdays").replacingOccurrences(
                of: "{years}", with: years.joined(separator: "、"))
        }
        return text
    }

    /// Ends the meeting's series from its day on, with one reason; the page then says how many were cancelled.
    @Sendable func endSeries(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.form(request, context)
        let refused: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            try await page(
                id, context, f, message: PageNote(kind: m.0, text: m.1), status: status,
                endingTyped: fields["reason"] ?? "")
        }
        return try await Pages.save(f, redisplay: refused) {
            let actor = try context.actor()
            let repo = try await CoordinationRoutes.meetings(services)
            let m = try await repo.get(id: id, actor: actor)
            guard let series = m.seriesId else { throw AppError.notFound }
            let n = try await repo.cancelSeries(id: series, from: m.date, reason: fields["reason"] ?? "", actor: actor)
            return SiteRoute("/meetings/\(id)", query: [("ended", String(n))]).path
        }
    }

    /// The meeting forms' fields; several organisations may be ticked.
    static func typed(_ fields: [String: [String]]) -> MeetingListPage.MeetingForm {
        func one(_ k: String) -> String { fields[k]?.last ?? "" }
        return .init(
            title: one("title"), date: one("date"), until: one("until"), time: one("time"), duration: one("duration"),
            location: one("location"), chosen: Set(fields["organisation_id"] ?? []))
    }

    func planned(
        _ request: Request, _ context: AppContext, _ f: PageFrame,
        _ save:
            @escaping (MeetingListPage.MeetingForm, Day, Int, [MeetingRepository.ParticipantInput]) async throws
            -> (Int64, [(String, String?)])
    ) async throws -> Response {
        let fields = try await Pages.formMulti(request, context)
        let typed = Self.typed(fields)
        let refused: (Pages.Refusal) async throws -> Response = { r in
            // The week the form was sent from, as it was; failing that, the week of the date typed.
            let day = fields["week_from"]?.last.flatMap { Day($0) } ?? Day(typed.date) ?? Clock.today
            var marked = typed
            marked.mark(r.fields)
            let page = try await MeetingListPage.load(
                services: services, actor: try Self.reader(context), from: CoordinationPages.monday(day), typed: marked,
                message: PageNote(kind: r.tone, text: r.text), f)
            return f.page(title: f.t("meeting.list"), "coordination-meetings", page, status: r.status)
        }
        return try await Pages.save(f, refused: refused) {
            guard let day = Day(typed.date) else {
                throw ValidationError(field: "date", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            guard let minutes = Int(typed.duration) else {
                throw ValidationError(field: "duration", code: Pages.pageMessage, message: f.t("meeting.badDuration"))
            }
            let invited = typed.chosen.compactMap { Int64($0) }.sorted().map {
                MeetingRepository.ParticipantInput.organisation($0)
            }
            let (id, query) = try await save(typed, day, minutes, invited)
            return SiteRoute("/meetings/\(id)", query: query).path
        }
    }

    @Sendable func createMeeting(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await planned(request, context, f) { typed, day, minutes, invited in
            // An end date belongs to a series: planned as one meeting, it would be dropped without a word.
            guard typed.until.isEmpty else {
                throw ValidationError(field: "until", code: Pages.pageMessage, message: f.t("meeting.untilForSeries"))
            }
            let meeting = try await CoordinationRoutes.meetings(services).createMeeting(
                .init(
                    title: typed.title, subdistrictId: nil, seriesId: nil, date: day, time: typed.time,
                    durationMinutes: minutes, location: typed.location, participants: invited),
                actor: try context.actor())
            return (meeting.id, [])
        }
    }

    @Sendable func createSeries(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        try await planned(request, context, f) { typed, day, minutes, invited in
            let repo = try await CoordinationRoutes.meetings(services)
            let actor = try context.actor()
            if !typed.until.isEmpty && Day(typed.until) == nil {
                throw ValidationError(field: "until", code: Pages.pageMessage, message: f.t("form.badDate"))
            }
            let series = try await repo.createSeries(
                .init(
                    title: typed.title, subdistrictId: nil, firstOn: day, until: Day(typed.until), time: typed.time,
                    durationMinutes: minutes, location: typed.location, participants: invited), actor: actor)
            let planned = try await repo.list(actor: actor, from: day, to: nil, seriesId: series.id)
            guard let meeting = planned.first, let last = planned.last else { throw StoreError.notFound }
            // Years whose holidays are not known yet: their meetings stand on every weekday until they are entered.
            let calendars = CalendarRepository(database: services.database)
            var guessed: [String] = []
            for y in day.civil.year...last.date.civil.year where try await calendars.year(y).source == "weekdays" {
                guessed.append(String(y))
            }
            return (
                meeting.id,
                [
                    ("planned", String(planned.count)), ("to", last.date.description),
                    ("ongoing", series.until == nil ? "1" : nil),
                    ("weekdays", guessed.isEmpty ? nil : guessed.joined(separator: ",")),
                ]
            )
        }
    }

    /// Closes the meeting; sent from the record's form, it saves what was typed there first, so nothing typed after
    /// the last save is lost with the minutes frozen.
    @Sendable func close(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        let fields = try await Pages.formMulti(request, context)
        let typed = TypedRecord(fields)
        return try await Pages.save(
            f, next: SiteRoute.meeting(id).path, redisplay: redisplay(id, context, f, typed: typed)
        ) {
            // Frozen minutes are not mended: closing asks for its own tick, which saving alone does not.
            guard fields["confirm_close"]?.last == "1" else {
                throw ValidationError(
                    field: "confirm_close", code: Pages.pageMessage, message: f.t("meeting.closeConfirmNeeded"))
            }
            if typed.hasMinutes { try await saveRecord(id, typed, context, f) }
            _ = try await CoordinationRoutes.meetings(services).close(id: id, actor: try context.actor())
        }
    }
}

/// A department liaison's queue on a phone: accept, plan a date, mark done with a photo.
struct DepartmentQueuePage {
    struct Item {
        var anchor: String
        var itemTitle: String
        var project: String
        var itemDescription: String
        /// Who filed it, and for which organisation (a contractor's site manager, whom the liaison may call).
        var filedBy: String?
        /// What the office added on reopening a request the department had declined, and why it was returned.
        var supplement: String?
        var returnedBecause: String?
        /// The request's files: those it was filed with and those added on reopening it (a plan drawing).
        var files: [FileLink] = []
        var hasFiles = false
        var neededBy: String
        var itemDue: String
        var itemState: String
        var late: Bool
        var planned: String?
        var acceptAction: String?
        var planAction: String?
        var doneAction: String?
        var declineAction: String?
        var today: String
        /// A step refused on this card: why, and what the person had typed, so nothing is typed twice.
        var problem: String?
        var typedPlanned: String?
        var typedDone: String?
        var typedPlanNote: String?
        var typedDoneNote: String?
        var typedReason: String?
        var declineOpen: Bool
    }
    /// A step the server refused: on which request, the words, and the fields as they were sent.
    struct Refused {
        var id: Int64
        var step: CoordinationState
        var text: String
        var fields: [String: String]
    }
    /// A request the department has finished or declined, for looking back.
    struct Finished {
        var title: String
        var project: String
        var outcome: String
        var on: String
        /// What was asked, and what the department wrote on finishing or why it declined.
        var asked: String
        var answer: String?
        var answerLabel: String
    }
    var message: PageNote?
    var items: [Item]
    var empty: Bool
    var feedHref: String
    var finished: [Finished] = []
    var hasFinished = false
    /// Residents' reports the office sent to this department, waiting on its fix.
    var reports: QueueSection?

    static func load(
        services: Services, actor: Actor, message: PageNote?, refused: Refused? = nil, _ f: PageFrame
    ) async throws -> DepartmentQueuePage {
        guard actor.role == .department, actor.scope.kind == .organisation, let org = actor.scope.id else {
            throw AppError.forbidden
        }
        let repo = try await CoordinationRoutes.requests(services)
        let list = try await repo.list(actor: actor, departmentId: org, queue: true)
        let past = try await repo.list(
            actor: actor, departmentId: org, finished: true, paging: Paging(limit: finishedShown, offset: 0)
        ).prefix(finishedShown)
        let names = try await repo.projectNames((list + past).map(\.projectId))
        let today = Clock.today
        // A refused step on a request no longer in the queue (the office declined it meanwhile) is said on top.
        let lost = refused.flatMap { r in list.contains { $0.id == r.id } ? nil : PageNote(kind: "bad", text: r.text) }
        var page = DepartmentQueuePage(
            message: message ?? lost,
            items: list.map { r in
                // Each form's address names its card, so the page that answers it opens at that card, where a refusal
                // is said, not at the top of a long queue on a phone.
                func offer(_ s: CoordinationState) -> String? {
                    CoordinationLifecycle.canMove(from: r.state, to: s)
                        ? SiteRoute.queueStep(r.id, s).path + "#request-\(r.id)" : nil
                }
                let mine = refused?.id == r.id ? refused : nil
                return Item(
                    anchor: "request-\(r.id)", itemTitle: f.t("coordination.kind." + r.kind.rawValue),
                    project: names[r.projectId] ?? "",
                    itemDescription: r.description, filedBy: CoordinationOfficePage.filedBy(r),
                    supplement: r.supplement.isEmpty ? nil : r.supplement,
                    returnedBecause: r.returnedBecause.isEmpty ? nil : r.returnedBecause,
                    neededBy: r.neededBy.description,
                    itemDue: r.dueOn?.description ?? "—", itemState: f.t("coordination.state." + r.state.rawValue),
                    late: r.overdue, planned: r.plannedOn?.description, acceptAction: offer(.accepted),
                    planAction: offer(.scheduled), doneAction: offer(.done), declineAction: offer(.declined),
                    today: today.description, problem: mine?.text, typedPlanned: mine?.fields["planned_on"],
                    typedDone: mine?.fields["done_on"],
                    typedPlanNote: mine?.step == .scheduled ? mine?.fields["note"] : nil,
                    typedDoneNote: mine?.step == .done ? mine?.fields["note"] : nil,
                    typedReason: mine?.fields["reason"], declineOpen: mine?.step == .declined)
            }, empty: list.isEmpty, feedHref: SiteRoute.calendarFeed.path)
        page.finished = past.map { r in
            Finished(
                title: f.t("coordination.kind." + r.kind.rawValue), project: names[r.projectId] ?? "",
                outcome: f.t("coordination.state." + r.state.rawValue),
                on: (r.state == .done ? r.doneOn ?? r.stateSince : r.stateSince).description,
                asked: r.description,
                answer: r.state == .declined ? r.declineReason : r.doneNote.isEmpty ? nil : r.doneNote,
                answerLabel: f.t(r.state == .declined ? "queue.reason" : "queue.doneNote"))
        }
        page.hasFinished = !page.finished.isEmpty
        let links = try await FileLink.byId(
            list.flatMap(\.attachments), route: SiteRoute.attachment, services: services)
        for (i, r) in list.enumerated() {
            page.items[i].files = r.attachments.compactMap { links[$0] }
            page.items[i].hasFiles = !page.items[i].files.isEmpty
        }
        let assigned = try await ReportRepository(database: services.database).list(
            actor: actor, compoundId: nil, state: .assigned, overdueOnly: false
        ).filter { $0.assigneeOrganisationId == org }
        page.reports = QueueSection(
            f.t("queue.reports"), try await HomePage.reportItems(assigned, services: services, f),
            empty: f.t("queue.noReports"))
        return page
    }

    /// How many finished requests the queue shows, the last first.
    static let finishedShown = 50
}

struct DepartmentQueueController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/queue", show)
        Pages.post(router, "/queue/:id/:step", step)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        // After a step: what was done, in words (an unknown value says nothing).
        let took = request.uri.queryParameters.get("took").flatMap(CoordinationState.init(rawValue:))
        // The request the step was about, named: its card moves in the list, and two may share a kind.
        let item = request.uri.queryParameters.get("item").flatMap { Int64($0) }
        var named = ""
        if took != nil, let item {
            let repo = try await CoordinationRoutes.requests(services)
            if let r = try? await repo.get(id: item, actor: try context.actor()) {
                let project = try await repo.projectNames([r.projectId])[r.projectId]
                named = Lang.fill(
                    f.t("queue.tookWhich"),
                    ["kind": f.t("coordination.kind." + r.kind.rawValue), "project": project ?? ""])
            }
        }
        let note = took.map { PageNote(kind: "ok", text: named + f.t("queue.took." + $0.rawValue)) }
        return try await render(context, f, message: note)
    }

    func render(
        _ context: AppContext, _ f: PageFrame, message: PageNote?, refused: DepartmentQueuePage.Refused? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let page = try await DepartmentQueuePage.load(
            services: services, actor: try context.actor(), message: message, refused: refused, f)
        return f.page(title: f.t("queue.title"), "coordination-queue", page, status: status)
    }

    /// One step from the queue; marking done carries a photo, so that form is multipart.
    @Sendable func step(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let to = CoordinationState(rawValue: try context.parameters.require("step")) else {
            throw AppError.notFound
        }
        let actor = try context.actor()
        // Marking done carries a photo: it is stored once the step is tried, and removed again if the step is refused.
        let form = to == .done ? try await Pages.multipartForm(request, context) : nil
        let fields = if let form { form.fields } else { try await Pages.form(request, context) }
        let typed = fields.filter { ["planned_on", "done_on", "note", "reason"].contains($0.key) }
        let redisplay: ((String, String), HTTPResponse.Status) async throws -> Response = { m, status in
            // The request still there and its step refused: the words on its card, with what was typed.
            let refused = DepartmentQueuePage.Refused(id: id, step: to, text: m.1, fields: typed)
            return try await render(context, f, message: nil, refused: refused, status: status)
        }
        // The form was sent to its card's address; the answer opens at the note on top that says what was done.
        let next = SiteRoute.departmentQueue(took: to, item: id).path + "#took"
        return try await Pages.save(f, next: next, redisplay: redisplay) {
            try Self.check(to, fields, f)
            let step: ([Int64]) async throws -> Void = { photo in
                _ = try await CoordinationRoutes.requests(services).transition(
                    id: id,
                    .init(
                        to: to, note: fields["note"] ?? "", plannedOn: fields["planned_on"].flatMap { Day($0) },
                        doneOn: fields["done_on"].flatMap { Day($0) }, reason: fields["reason"] ?? "", evidence: photo),
                    actor: actor)
            }
            guard let form else { return try await step([]) }
            try await form.withStoredFile("photo", database: services.database, actor: actor) {
                try await step($0.map { [$0] } ?? [])
            }
        }
    }

    /// What the queue's forms must hold before the step is tried, said in the words of the form.
    static func check(_ to: CoordinationState, _ fields: [String: String], _ f: PageFrame) throws {
        func refuse(_ key: String) throws -> Never {
            throw ValidationError(field: nil, code: Pages.pageMessage, message: f.t(key))
        }
        let day = fields[to == .done ? "done_on" : "planned_on"] ?? ""
        if (to == .scheduled || to == .done) && Day(day) == nil {
            try refuse(day.isEmpty ? "queue.error.dateRequired" : "form.badDate")
        }
        if to == .declined && (fields["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try refuse("queue.error.reasonRequired")
        }
        if (fields["reason"] ?? "").unicodeScalars.count > 2000 { try refuse("queue.error.reasonTooLong") }
        if (fields["note"] ?? "").unicodeScalars.count > 2000 { try refuse("queue.error.noteTooLong") }
    }
}

/// The account's calendar subscription: a new private address on request, shown once.
struct CalendarFeedPage {
    var action: String
    var url: String?
}

struct CalendarFeedPageController {
    let services: Services

    func register(on router: Router<AppContext>) {
        Pages.get(router, "/account/calendar", show)
        Pages.post(router, "/account/calendar", replace)
    }

    @Sendable func show(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        _ = try context.requireAccount()
        return f.page(
            title: f.t("feed.title"), "coordination-feed",
            CalendarFeedPage(action: SiteRoute.calendarFeed.path, url: nil))
    }

    @Sendable func replace(_ request: Request, _ context: AppContext, _ f: PageFrame) async throws -> Response {
        _ = try await Pages.form(request, context)
        let url = try await CalendarFeedController.newFeed(
            account: try context.requireAccount(), services: services, request: request)
        return f.page(
            title: f.t("feed.title"), "coordination-feed",
            CalendarFeedPage(action: SiteRoute.calendarFeed.path, url: url))
    }
}
