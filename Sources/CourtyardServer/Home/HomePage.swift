import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// One list on a home page: what waits, each item a card that links to where the work is done.
struct QueueSection {
    struct Item {
        var itemHref: String?
        var itemTitle: String
        var itemPlace: String?
        var itemDetail: String
        var itemFlag: String?
    }
    var heading: String
    var count: Int
    var items: [Item]
    var hasItems: Bool
    var emptyText: String
    var moreHref: String?
    var moreLabel: String?

    init(_ heading: String, _ items: [Item], empty: String, more: (String, String)? = nil) {
        self.heading = heading
        count = items.count
        self.items = items
        hasItems = !items.isEmpty
        emptyText = empty
        moreHref = more?.0
        moreLabel = more?.1
    }
}

extension SiteRoute {
    /// The programme with the projects behind schedule first.
    static let programmeOverdue = SiteRoute("/programme", query: [("sort", "overdue")])
}

/// Each role's home page: the work waiting for this person today, then what they look after.
struct HomePage {
    struct Week {
        var label: String
        var thisWeek: Int
        var lastWeek: String
        var trend: String
    }
    struct Care {
        var careHref: String
        var name: String
        var figures: String
    }
    struct Round {
        var roundHref: String
        var roundTitle: String
        var roundKind: String
        var roundPlace: String
        var progress: String
        var buildings: [Building]
        var hasMissing: Bool
    }
    struct Building {
        var building: String
        var missingCount: Int
        var homes: [Home]
    }
    struct Home {
        var homeHref: String
        var room: String
    }

    var lead: String
    var sections: [QueueSection]
    var week: [Week]
    var hasWeek: Bool
    var weekHeading: String
    var care: [Care]
    var hasCare: Bool
    var rounds: [Round]
    var hasRounds: Bool
    /// The registry figures below the queue, for those who read the registry across communities.
    var figures: DashboardPage?
    /// The projects below the queue, for organisations that work on them.
    var myProjects: MyProjectsPage?

    /// The page for this account, or nil where another page is the home (a department's queue).
    static func load(actor: Actor, services: Services, _ f: PageFrame) async throws -> HomePage? {
        let today = Clock.today
        let queue = WorkQueue(database: services.database)
        var page = HomePage(
            lead: "", sections: [], week: [], hasWeek: false,
            weekHeading: f.t("home.week"), care: [], hasCare: false, rounds: [], hasRounds: false, figures: nil,
            myProjects: nil)
        switch actor.role {
        case .admin, .subdistrictOfficer, .viewer:
            page.lead = f.t("home.lead.office")
            try await page.office(actor: actor, queue: queue, services: services, today: today, f)
            try await page.approvals(actor: actor, services: services, f)
            try await page.panels(actor: actor, services: services, f)
            try await page.handovers(actor: actor, services: services, f)
            page.figures = try await DashboardPage.load(actor: actor, services: services, f)
        case .communityStaff, .steward:
            page.lead = f.t("home.lead.community")
            try await page.community(actor: actor, queue: queue, services: services, today: today, f)
            try await page.panels(actor: actor, services: services, f)
            try await page.handovers(actor: actor, services: services, f)
        case .contractor, .supervisor, .pmCompany:
            page.lead = f.t(actor.role == .contractor ? "home.lead.site" : "home.lead." + actor.role.rawValue)
            try await page.site(actor: actor, queue: queue, services: services, today: today, f)
            try await page.approvals(actor: actor, services: services, f)
            try await page.meetingActions(actor: actor, services: services, f)
            page.myProjects = try await MyProjectsPage.load(actor: actor, services: services, f)
        case .propertyCompany:
            page.lead = f.t("home.lead.property")
            try await page.meetingActions(actor: actor, services: services, f)
            try await page.handovers(actor: actor, services: services, f)
            try await page.property(actor: actor, services: services, f)
        case .department:
            return nil
        }
        return page
    }

    /// Payments and change orders waiting for this account's approval (a supervisor's, a pm company's, the office's
    /// second approval of a change), which otherwise are found only by opening each project; shown only when there
    /// are some.
    mutating func approvals(actor: Actor, services: Services, _ f: PageFrame) async throws {
        let waiting = try await InvestmentRepository(database: services.database).awaiting(actor: actor)
        guard !waiting.isEmpty else { return }
        sections.append(
            QueueSection(
                f.t("home.awaitingApproval"),
                waiting.prefix(50).map {
                    QueueSection.Item(
                        itemHref: SiteRoute.project($0.projectId).path + "#investment",
                        itemTitle: f.t("home.awaiting." + $0.kind.rawValue) + " ¥" + Money.yuan($0.amountFen),
                        itemPlace: $0.compoundName,
                        itemDetail: ($0.periodEnd.map { f.t("investment.periodEnd") + " " + $0.description + " · " }
                            ?? "")
                            + f.t("home.submittedOn") + " " + beijingTime($0.submittedAt, dateOnly: true),
                        itemFlag: nil)
                }, empty: ""))
    }

    /// The open actions the coordination meetings handed to this organisation, oldest due first.
    mutating func meetingActions(actor: Actor, services: Services, _ f: PageFrame) async throws {
        guard MyActionsPage.opens(actor) else { return }
        let open = try await CoordinationRoutes.meetings(services).listActions(
            actor: actor, owner: actor.scope.id, state: .open, overdueOnly: false
        ).sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }
        guard !open.isEmpty else { return }
        sections.append(
            QueueSection(
                f.t("home.myActions"),
                open.prefix(5).map {
                    QueueSection.Item(
                        itemHref: SiteRoute.myActions.path + "#a\($0.id)", itemTitle: $0.title, itemPlace: nil,
                        itemDetail: "\(f.t("minutes.due"))\(f.t("common.colon"))\($0.dueOn)",
                        itemFlag: $0.overdue ? f.t("report.overdue") : nil)
                }, empty: "", more: open.count > 5 ? (SiteRoute.myActions.path, f.t("nav.myActions")) : nil))
    }

    /// Property company selections whose panel this person sits on and that wait for the panel's scores; shown
    /// only when there are some.
    mutating func panels(actor: Actor, services: Services, _ f: PageFrame) async throws {
        guard let me = actor.userId else { return }
        let waiting = try await SelectionRepository(database: services.database).list(actor: actor, zoneId: nil)
            .filter { $0.state == "scoring" && $0.panelUserIds.contains(me) }
        guard !waiting.isEmpty else { return }
        sections.append(
            QueueSection(
                f.t("home.panelScores"),
                waiting.map { s in
                    QueueSection.Item(
                        itemHref: SiteRoute.selection(s.id).path,
                        itemTitle: s.zoneName + " · " + f.t("selection.title"), itemPlace: nil,
                        itemDetail: f.t("selection.scoring").replacingOccurrences(
                            of: "{n}", with: String(s.membersScored)
                        )
                        .replacingOccurrences(of: "{m}", with: String(s.panelUserIds.count)), itemFlag: nil)
                }, empty: ""))
    }

    /// Hand-overs whose current checklist waits for this account's party to sign; shown only when there are some.
    mutating func handovers(actor: Actor, services: Services, _ f: PageFrame) async throws {
        guard let party = HandoverParty.of(actor.role) else { return }
        let waiting = try await HandoverRepository(database: services.database).awaiting(actor: actor)
        guard !waiting.isEmpty else { return }
        let who = f.t("handover.role." + party.rawValue)
        sections.append(
            QueueSection(
                f.t("handover.home"),
                waiting.map { h in
                    QueueSection.Item(
                        itemHref: SiteRoute.handover(h.projectId).path,
                        itemTitle: h.compoundName + " · " + f.t("handover.pageTitle"), itemPlace: nil,
                        itemDetail: f.t("handover.homeDetail").replacingOccurrences(of: "{v}", with: String(h.version))
                            .replacingOccurrences(of: "{party}", with: who), itemFlag: nil)
                }, empty: ""))
    }

    /// Requests to departments past their due day, and meeting actions past theirs, each linked to its page.
    mutating func coordination(actor: Actor, services: Services, _ f: PageFrame) async throws {
        let requests = try await CoordinationRoutes.requests(services)
        let late = try await requests.list(
            actor: actor, overdueOnly: true, queue: true, paging: .init(limit: 20, offset: 0))
        let names = try await requests.projectNames(late.map(\.projectId))
        sections.append(
            QueueSection(
                f.t("home.overdueRequests"),
                late.map { r in
                    QueueSection.Item(
                        itemHref: SiteRoute.coordination(state: r.state.rawValue).path,
                        itemTitle: f.t("coordination.kind." + r.kind.rawValue), itemPlace: names[r.projectId],
                        itemDetail: r.departmentName + " · " + f.t("coordination.state." + r.state.rawValue),
                        itemFlag: r.dueOn.map {
                            f.t("home.dueOn").replacingOccurrences(of: "{d}", with: $0.description)
                        })
                }, empty: f.t("home.none.requests"), more: (SiteRoute.coordination().path, f.t("home.allRequests"))))
        let actions = try await CoordinationRoutes.meetings(services).listActions(
            actor: actor, owner: nil, state: .open, overdueOnly: true, paging: .init(limit: 20, offset: 0))
        // The office manages them on 会议交办事项; a reader follows them to the meeting that handed them out.
        let manages = OfficeActionsPage.opens(actor)
        sections.append(
            QueueSection(
                f.t("home.overdueActions"),
                actions.map { a in
                    QueueSection.Item(
                        itemHref: manages
                            ? SiteRoute.officeActions.path + "#a\(a.id)" : SiteRoute.meeting(a.meetingId).path,
                        itemTitle: a.title,
                        itemPlace: a.ownerName,
                        itemDetail: MyActionsPage.carried(a, f) ?? "",
                        itemFlag: f.t("home.dueOn").replacingOccurrences(of: "{d}", with: a.dueOn.description))
                }, empty: f.t("home.none.actions"),
                more: manages
                    ? (SiteRoute.officeActions.path, f.t("actions.title"))
                    : (SiteRoute.meetings().path, f.t("meeting.list"))))
    }

    /// The projects in the actor's reach behind schedule, each with why: the office's, and a contractor's, supervisor's
    /// or pm company's own (the programme flags them 落后; their home said nothing).
    mutating func lateProjects(actor: Actor, queue: WorkQueue, today: Day, _ f: PageFrame) async throws {
        let late = try await queue.lateProjects(actor: actor, today: today)
        sections.append(
            QueueSection(
                f.t("home.lateProjects"),
                late.map { p in
                    QueueSection.Item(
                        itemHref: SiteRoute.project(p.projectId).path, itemTitle: p.compoundName,
                        itemPlace: p.communityName + " · " + f.t("stage." + p.stage.rawValue),
                        itemDetail: p.reasons.map { reason(p, $0, today: today, f) }.joined(separator: "；"),
                        itemFlag: f.t("home.behind"))
                }, empty: f.t("home.none.late"), more: (SiteRoute.programmeOverdue.path, f.t("home.allProjects"))))
    }

    mutating func office(actor: Actor, queue: WorkQueue, services: Services, today: Day, _ f: PageFrame) async throws {
        try await lateProjects(actor: actor, queue: queue, today: today, f)
        let reports = ReportRepository(database: services.database)
        let overdue = try await reports.list(actor: actor, compoundId: nil, state: nil, overdueOnly: true)
        sections.append(
            QueueSection(
                f.t("home.overdueReports"), try await Self.reportItems(overdue, services: services, f),
                empty: f.t("home.none.reports"), more: (SiteRoute.reports(overdue: true).path, f.t("home.allReports"))))
        // New reports, not yet taken up: the week's count alone left the clerk to go and find them.
        let new = try await reports.list(actor: actor, compoundId: nil, state: .submitted, overdueOnly: false)
        sections.append(
            QueueSection(
                f.t("home.newReports"), try await Self.reportItems(new, services: services, f),
                empty: f.t("home.none.newReports"),
                more: (SiteRoute.reports(state: .submitted).path, f.t("home.allNewReports"))))
        let findings = try await queue.findings(actor: actor, states: [.open], overdueOnly: true, today: today)
        sections.append(
            QueueSection(f.t("home.overdueFindings"), Self.findingItems(findings, f), empty: f.t("home.none.findings")))
        try await coordination(actor: actor, services: services, f)
        let figures = try await queue.weekFigures(actor: actor, today: today)
        week = figures.map { w in
            Week(
                label: f.t("home.week." + w.key), thisWeek: w.thisWeek,
                lastWeek: f.t("home.lastWeek").replacingOccurrences(of: "{n}", with: String(w.lastWeek)),
                trend: w.thisWeek > w.lastWeek ? "↑" : w.thisWeek < w.lastWeek ? "↓" : "＝")
        }
        hasWeek = !week.isEmpty
    }

    mutating func community(actor: Actor, queue: WorkQueue, services: Services, today: Day, _ f: PageFrame)
        async throws
    {
        let reports = ReportRepository(database: services.database)
        if actor.role == .communityStaff {
            // What waits on the community's staff: reports to take up, to send on, reopened, or confirmed to close.
            let waiting = try await reports.list(actor: actor, compoundId: nil, state: nil, overdueOnly: false)
                .filter { ReportLifecycle.ballInCourt($0.state) == .office }
            sections.append(
                QueueSection(
                    f.t("home.toHandle"), try await Self.reportItems(waiting, services: services, f),
                    empty: f.t("home.none.handle"), more: (SiteRoute.reports().path, f.t("home.allReports"))))
        }
        let fixed = try await reports.list(actor: actor, compoundId: nil, state: .fixed, overdueOnly: false)
        sections.append(
            QueueSection(
                f.t("home.toConfirm"), try await Self.reportItems(fixed, services: services, f),
                empty: f.t("home.none.confirm"),
                more: (SiteRoute.reports(state: .fixed).path, f.t("home.allToConfirm"))))
        if actor.role == .communityStaff {
            let overdue = try await reports.list(actor: actor, compoundId: nil, state: nil, overdueOnly: true)
            sections.append(
                QueueSection(
                    f.t("home.overdueReports"), try await Self.reportItems(overdue, services: services, f),
                    empty: f.t("home.none.reports")))
        }
        if actor.role == .steward { try await stewardHomes(actor: actor, services: services, f) }
        rounds = try await queue.outreach(actor: actor, today: today).map { r in
            Round(
                roundHref: r.kind == .vote ? SiteRoute.vote(r.id).path : SiteRoute.questionnaire(r.id).path,
                roundTitle: r.title, roundKind: f.t("home.round." + r.kind.rawValue), roundPlace: r.compoundName,
                progress: f.t("home.reached").replacingOccurrences(of: "{n}", with: String(r.reached))
                    .replacingOccurrences(of: "{total}", with: String(r.total)),
                buildings: r.missing.map { b in
                    Building(
                        building: b.building, missingCount: b.homes.count,
                        homes: b.homes.map { Home(homeHref: SiteRoute.household($0.householdId).path, room: $0.room) })
                }, hasMissing: !r.missing.isEmpty)
        }
        hasRounds = !rounds.isEmpty
        care = try await queue.compounds(actor: actor).map { c in
            Care(
                careHref: SiteRoute.compound(c.id).path, name: c.name,
                figures: f.t("home.careFigures").replacingOccurrences(of: "{b}", with: String(c.buildings))
                    .replacingOccurrences(of: "{e}", with: String(c.entrances))
                    .replacingOccurrences(of: "{h}", with: String(c.households)))
        }
        hasCare = !care.isEmpty
    }

    /// A steward's households: how many have never been visited or called, and the follow-ups due, with the way to
    /// the phone page where each is recorded.
    mutating func stewardHomes(actor: Actor, services: Services, _ f: PageFrame) async throws {
        let households = try await services.registry.list(.households, query: ListQuery(limit: 1000), actor: actor)
            .items.map(\.id)
        let summary = try await ContactRepository(database: services.database).phoneSummary(
            householdIds: households, actor: actor)
        let unreached = households.filter { summary.last[$0] == nil }.count
        var items: [QueueSection.Item] = []
        if unreached > 0 {
            items.append(
                QueueSection.Item(
                    itemHref: SiteRoute.myHouseholds(household: nil).path,
                    itemTitle: f.t("home.stewardUnreached").replacingOccurrences(of: "{n}", with: String(unreached))
                        .replacingOccurrences(of: "{total}", with: String(households.count)),
                    itemPlace: nil, itemDetail: f.t("home.stewardUnreachedDetail"), itemFlag: nil))
        }
        if !summary.due.isEmpty {
            items.append(
                QueueSection.Item(
                    itemHref: SiteRoute.myHouseholds(household: nil).path + "#follow-ups",
                    itemTitle: f.t("home.stewardFollowUps").replacingOccurrences(
                        of: "{n}", with: String(summary.due.count)),
                    itemPlace: nil, itemDetail: f.t("home.stewardFollowUpsDetail"), itemFlag: nil))
        }
        sections.append(
            QueueSection(
                f.t("home.stewardHomes"), items, empty: f.t("home.none.stewardHomes"),
                more: (SiteRoute.myHouseholds(household: nil).path, f.t("home.stewardOpenHomes"))))
    }

    mutating func site(actor: Actor, queue: WorkQueue, services: Services, today: Day, _ f: PageFrame) async throws {
        try await lateProjects(actor: actor, queue: queue, today: today, f)
        if ReportRouting.canRead(actor) {
            let assigned = try await ReportRepository(database: services.database).list(
                actor: actor, compoundId: nil, state: .assigned, overdueOnly: false)
            sections.append(
                QueueSection(
                    f.t("home.assignedReports"), try await Self.reportItems(assigned, services: services, f),
                    empty: f.t("home.none.assigned")))
        }
        if actor.role == .contractor {
            let open = try await queue.findings(actor: actor, states: [.open], overdueOnly: false, today: today)
            sections.append(
                QueueSection(f.t("home.toRectify"), Self.findingItems(open, f), empty: f.t("home.none.rectify")))
        } else {
            let rectified = try await queue.findings(
                actor: actor, states: [.rectified], overdueOnly: false, today: today)
            sections.append(
                QueueSection(f.t("home.toVerify"), Self.findingItems(rectified, f), empty: f.t("home.none.verify")))
        }
        if Permissions.allows(actor.role, .writeSiteLogs) {
            let due = try await queue.siteDue(actor: actor, checks: false, today: today)
            sections.append(
                QueueSection(f.t("home.logsDue"), Self.dueItems(due, f), empty: f.t("home.none.logs")))
        }
        if Permissions.allows(actor.role, .writeSiteChecks) {
            let due = try await queue.siteDue(actor: actor, checks: true, today: today)
            sections.append(
                QueueSection(f.t("home.checksDue"), Self.dueItems(due, f), empty: f.t("home.none.checks")))
        }
    }

    mutating func property(actor: Actor, services: Services, _ f: PageFrame) async throws {
        let reports = try await ReportRepository(database: services.database).list(
            actor: actor, compoundId: nil, state: nil, overdueOnly: false)
        // Those waiting on the company: assigned to it and not yet fixed (a fixed one waits on the resident).
        let open = reports.filter { $0.state == .assigned && $0.assigneeOrganisationId == actor.scope.id }
        sections.append(
            QueueSection(
                f.t("home.propertyReports"), try await Self.reportItems(open, services: services, f),
                empty: f.t("home.none.property"), more: (SiteRoute.reports().path, f.t("home.allReports"))))
    }

    func reason(_ p: LateProject, _ r: ProjectWatch.Reason, today: Day, _ f: PageFrame) -> String {
        let text = f.t("home.reason." + r.rawValue)
        switch r {
        case .lateTasks:
            return text.replacingOccurrences(of: "{n}", with: String(p.lateTasks))
                .replacingOccurrences(of: "{date}", with: p.firstLateFinish?.description ?? "")
        case .pastDeadline:
            return text.replacingOccurrences(of: "{date}", with: p.deadline.description)
        case .stageStalled:
            return text.replacingOccurrences(of: "{n}", with: String(max(0, today.ordinal - p.stageSince.ordinal)))
        }
    }

    static func reportItems(_ reports: [Report], services: Services, _ f: PageFrame) async throws
        -> [QueueSection.Item]
    {
        let places = try await Places.load(reports: reports, services: services)
        return reports.prefix(50).map { r in
            let text = r.description
            let title = text.count > 24 ? String(text.prefix(24)) + "…" : text
            var detail =
                f.t("category." + r.category.rawValue) + " · "
                + f.t("report.state." + (r.handedBack ? "handed_back" : r.state.rawValue))
            if let due = r.dueOn { detail += " · " + f.t("report.due") + " " + due.description }
            return QueueSection.Item(
                itemHref: SiteRoute.report(r.id).path, itemTitle: title.isEmpty ? f.t("home.reportUntitled") : title,
                itemPlace: places.name(compound: r.compoundId, building: r.buildingId), itemDetail: detail,
                itemFlag: r.overdue ? f.t("report.overdue") : nil)
        }
    }

    static func findingItems(_ findings: [QueueFinding], _ f: PageFrame) -> [QueueSection.Item] {
        findings.map { x in
            QueueSection.Item(
                itemHref: SiteRoute.projectSection(x.projectId, "checks").path, itemTitle: x.description,
                itemPlace: x.compoundName,
                // A finding open again after a failed re-inspection says so, and why, before its due day.
                itemDetail: (x.failedBecause.map { f.lang.say("home.findingFailed", ["why": $0]) + " · " } ?? "")
                    + f.t("home.findingDue").replacingOccurrences(of: "{date}", with: x.dueOn.description),
                itemFlag: x.overdue ? f.t("report.overdue") : nil)
        }
    }

    static func dueItems(_ due: [SiteDue], _ f: PageFrame) -> [QueueSection.Item] {
        due.map { d in
            QueueSection.Item(
                itemHref: SiteRoute.project(d.projectId).path, itemTitle: d.compoundName, itemPlace: nil,
                itemDetail: d.lastDate.map {
                    f.t("home.lastWritten").replacingOccurrences(of: "{date}", with: $0.description)
                } ?? f.t("home.neverWritten"), itemFlag: nil)
        }
    }
}
