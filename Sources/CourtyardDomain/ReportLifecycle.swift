/// A resident's supervision report during the works (居民监督), from submission to closure.
public enum ReportState: String, CaseIterable, Codable, Sendable {
    case submitted, acknowledged, assigned, fixed, verified, closed, reopened, rejected
}

/// Whose turn it is.
public enum BallInCourt: String, Codable, Sendable {
    case office, contractor, reporter, none
    /// A report assigned to a city department (gas, power, water…) waits on it, not on a contractor.
    case department
    /// A report assigned to the compound's property company (what it looks after) waits on that company.
    case propertyCompany = "property_company"
}

/// Working days allowed: to acknowledge a report, and to fix it once assigned (the 12345 hotline's practice).
public struct ServiceLevels: Sendable, Equatable, Codable {
    public var acknowledgeDays: Int
    public var fixDays: Int
    public init(acknowledgeDays: Int = 1, fixDays: Int = 5) {
        self.acknowledgeDays = acknowledgeDays
        self.fixDays = fixDays
    }
}

public enum ReportLifecycle {
    /// discover → submit → acknowledge → assign → fix → verify → close; reopened goes back to the office.
    public static let transitions: [ReportState: Set<ReportState>] = [
        .submitted: [.acknowledged, .rejected],
        .acknowledged: [.assigned, .rejected],
        .assigned: [.fixed, .reopened],
        .fixed: [.verified, .reopened],
        .verified: [.closed, .reopened],
        .reopened: [.assigned, .rejected],
        .closed: [],
        .rejected: [],
    ]

    public static func canMove(from: ReportState, to: ReportState) -> Bool { transitions[from]?.contains(to) ?? false }

    public static func ballInCourt(_ s: ReportState) -> BallInCourt {
        switch s {
        case .submitted, .acknowledged, .reopened, .verified: .office
        case .assigned: .contractor
        case .fixed: .reporter
        case .closed, .rejected: .none
        }
    }

    /// Whose turn it is, knowing what kind of organisation the report is assigned to.
    public static func ballInCourt(_ s: ReportState, assigneeKind: OrganisationKind?) -> BallInCourt {
        guard s == .assigned else { return ballInCourt(s) }
        switch assigneeKind {
        case .department?: return .department
        case .propertyCompany?: return .propertyCompany
        default: return .contractor
        }
    }

    /// When the current step is due, counted in working days from the day the report entered it; nil when no clock runs.
    /// A report acknowledged, or reopened, is to be sent to whoever fixes it as fast as a new one is acknowledged:
    /// otherwise it would wait on the office with no day at all.
    public static func due(_ s: ReportState, since: Day, calendar: WorkCalendar, levels: ServiceLevels) -> Day? {
        switch s {
        case .submitted, .acknowledged, .reopened: calendar.adding(workingDays: levels.acknowledgeDays, to: since)
        case .assigned: calendar.adding(workingDays: levels.fixDays, to: since)
        default: nil
        }
    }

    public static func isOverdue(due: Day?, today: Day) -> Bool { due.map { today > $0 } ?? false }
}

/// What a report is about; these are also the Open311 service codes.
public enum ReportCategory: String, CaseIterable, Codable, Sendable {
    case safety
    case noiseDust = "noise_dust"
    case waterDrainage = "water_drainage"
    case powerLighting = "power_lighting"
    case gasHeating = "gas_heating"
    case roadsPaving = "roads_paving"
    case greening
    case accessParking = "access_parking"
    case workQuality = "work_quality"
    case other
}

extension Day {
    /// Today in China Standard Time (UTC+8, no daylight saving), where every office keeps its days.
    public static func today(epochSeconds: Double) -> Day { LocalMoment(epochSeconds: epochSeconds).day }
}

/// Who a report goes to and who may move it on, decided over facts the store loads.
public enum ReportRouting {
    /// Which reports an account sees: an organisation those assigned to it, anyone else those of their places.
    public enum Visibility: Equatable, Sendable {
        case assignedTo(organisation: Int64)
        case places(Scope)
    }

    public static func visibility(_ actor: Actor) -> Visibility {
        if actor.scope.kind == .organisation, let org = actor.scope.id { return .assignedTo(organisation: org) }
        return .places(actor.scope)
    }

    /// Reading reports: those who read the registry, and the organisations reports are assigned to (contractors
    /// and property companies, their own organisation's reports).
    public static func canRead(_ actor: Actor) -> Bool {
        Permissions.allows(actor.role, .readRegistry) || takesAssignments(actor.role)
    }

    /// The roles whose organisation a report may be assigned to, and who report its fix.
    public static func takesAssignments(_ role: Role) -> Bool {
        role == .contractor || role == .propertyCompany || role == .department
    }

    /// The office runs the loop; the assigned organisation reports the fix or hands the report back; a steward may
    /// confirm a fix or reopen it for the reporter, once a fix is reported (`from` fixed or verified), not while the
    /// work is still assigned.
    public static func mayTake(_ actor: Actor, to: ReportState, assignee: Int64?, from: ReportState? = nil) -> Bool {
        if Permissions.allows(actor.role, .manageReports) { return true }
        let assignedOrganisation =
            takesAssignments(actor.role) && actor.scope.kind == .organisation && actor.scope.id == assignee
        if to == .fixed && assignedOrganisation { return true }
        // A report sent to the wrong organisation (a noise complaint to the gas company) is handed back to the
        // office, saying why, instead of being closed as fixed.
        if to == .reopened && from == .assigned && assignedOrganisation { return true }
        if actor.role == .steward {
            return to == .verified || (to == .reopened && from.map { $0 == .fixed || $0 == .verified } ?? true)
        }
        return false
    }

    /// The steps this actor may take from `state` on a report assigned to `assignee`, for forms that offer only those.
    public static func allowedSteps(_ actor: Actor, from state: ReportState, assignee: Int64?) -> [ReportState] {
        (ReportLifecycle.transitions[state] ?? []).filter { mayTake(actor, to: $0, assignee: assignee, from: state) }
            .sorted { $0.rawValue < $1.rawValue }
    }

    /// What the store knows when someone asks to move a report on.
    public struct Step: Sendable {
        public var from: ReportState
        public var to: ReportState
        public var note: String
        public var currentAssignee: Int64?
        /// The organisation named in the request, if any.
        public var requestedAssignee: Int64?
        /// The sub-district of the report, and of the organisation named (nil when it does not exist).
        public var reportSubdistrict: Int64
        public var requestedAssigneeSubdistrict: Int64?
        public init(
            from: ReportState, to: ReportState, note: String, currentAssignee: Int64?, requestedAssignee: Int64?,
            reportSubdistrict: Int64, requestedAssigneeSubdistrict: Int64?
        ) {
            self.from = from
            self.to = to
            self.note = note
            self.currentAssignee = currentAssignee
            self.requestedAssignee = requestedAssignee
            self.reportSubdistrict = reportSubdistrict
            self.requestedAssigneeSubdistrict = requestedAssigneeSubdistrict
        }
    }

    public enum Refusal: Error, Equatable, Sendable {
        /// The lifecycle has no such step (a conflict with the report's state).
        case notAStep(from: ReportState, to: ReportState)
        /// This account may not take this step.
        case forbidden
        /// A field of the request is missing or wrong.
        case invalid(ValidationError)
    }

    /// Decides a step: refused, or allowed with the organisation the report is assigned to afterwards.
    /// The checks run in this order, so a request that is wrong in several ways is refused for the first.
    public static func decide(_ step: Step, actor: Actor) -> Result<Int64?, Refusal> {
        guard ReportLifecycle.canMove(from: step.from, to: step.to) else {
            return .failure(.notAStep(from: step.from, to: step.to))
        }
        guard mayTake(actor, to: step.to, assignee: step.currentAssignee, from: step.from) else {
            return .failure(.forbidden)
        }
        // Rejecting, and reopening a fix, each say why: the resident's tracking page shows the reason.
        if (step.to == .rejected || step.to == .reopened) && step.note.isEmpty {
            return .failure(
                .invalid(
                    ValidationError(
                        field: "note", code: "required",
                        message: "rejecting or reopening a report needs a reason in note")
                ))
        }
        // A fix says what was done: the resident is asked to confirm it by text message and on the tracking page.
        if step.to == .fixed && step.note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .failure(
                .invalid(
                    ValidationError(
                        field: "note", code: "what_was_fixed",
                        message: "marking a report fixed says in note what was done")))
        }
        guard step.to == .assigned else { return .success(step.currentAssignee) }
        guard let org = step.requestedAssignee else {
            return .failure(
                .invalid(
                    ValidationError(
                        field: "assignee_organisation_id", code: "required",
                        message: "assigning a report names the organisation")))
        }
        // Only an organisation of the report's own sub-district: one elsewhere would gain the report.
        guard step.requestedAssigneeSubdistrict == step.reportSubdistrict else {
            return .failure(
                .invalid(
                    ValidationError(
                        field: "assignee_organisation_id", code: "not_found",
                        message: "organisation \(org) does not exist in this sub-district")))
        }
        return .success(org)
    }

    /// How a step reads in a report's history: a report sent back while assigned (the organisation it was sent to
    /// handing it back, the office taking it back) reads 已退回, not as a reopening the resident asked for.
    public static func stepWord(from: ReportState?, to: ReportState) -> String {
        if from == .assigned && to == .reopened { return "handed_back" }
        // An entry that leaves the state as it was is the office urging the organisation it waits on.
        return from == to ? "urged" : to.rawValue
    }

    /// The office urges (催办) a report that waits on the company or department it was sent to: a note in its
    /// history for them to read, with no step taken and its due day as it was.
    public static func mayUrge(_ actor: Actor, state: ReportState) -> Bool {
        state == .assigned && Permissions.allows(actor.role, .manageReports)
    }

    /// The reporter's answer to a reported fix, on the tracking page: it is fixed (verified), or it is not (reopened,
    /// saying what is still wrong, as the office's own reopening does). Only a fix waiting on the reporter is answered.
    public static func reporterAnswer(from: ReportState, fixed: Bool, note: String) -> Result<ReportState, Refusal> {
        let to: ReportState = fixed ? .verified : .reopened
        guard from == .fixed else { return .failure(.notAStep(from: from, to: to)) }
        if !fixed && note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .failure(
                .invalid(
                    ValidationError(field: "note", code: "still_wrong", message: "say in note what is still wrong")))
        }
        return .success(to)
    }

    /// The steps the reporter hears of, by text message when they left a phone.
    public static func tellsReporter(_ to: ReportState) -> Bool {
        [.acknowledged, .fixed, .closed, .rejected].contains(to)
    }
}

/// The code a resident keeps to follow a report without an account: eight characters from an alphabet without
/// look-alikes (no 0/O, 1/I/L), about 39 bits, written "R-XXXX-XXXX" so it reads over the phone in two halves.
public enum TrackingCode {
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    /// A report's code begins with R; an objection to a notice's with Y (异议), so one page finds either.
    public static let prefixes: [Character] = ["R", "Y"]

    public static func make<G: RandomNumberGenerator>(prefix: Character = "R", using generator: inout G) -> String {
        let chars = (0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(prefix) + "-" + String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    /// The code as a page shows it in a sentence: with non-breaking hyphens, so that it never wraps in the middle
    /// on a phone (copied back, `normalize` reads it).
    public static func shown(_ code: String) -> String {
        code.replacingOccurrences(of: "-", with: "\u{2011}")
    }

    /// What a person typed, as stored: upper case, spaces and dashes ignored (also the non-breaking ones a page
    /// shows the code with), the prefix optional for a report's ("R"); nil when it cannot be a code (wrong length,
    /// or a character the alphabet leaves out).
    public static func normalize(_ typed: String) -> String? {
        var chars = Array(typed.uppercased().filter { !$0.isWhitespace && !"-－+\u{2011}\u{2060}".contains($0) })
        var prefix: Character = "R"
        if chars.count == 9, let first = chars.first, prefixes.contains(first) { prefix = chars.removeFirst() }
        guard chars.count == 8, chars.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return String(prefix) + "-" + String(chars[0..<4]) + "-" + String(chars[4..<8])
    }
}
