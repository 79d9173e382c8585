/// A resident's supervision report during the works (居民监督), from submission to closure.
public enum ReportState: String, CaseIterable, Codable, Sendable {
    case submitted, acknowledged, assigned, fixed, verified, closed, reopened, rejected
}

/// Whose turn it is.
public enum BallInCourt: String, Codable, Sendable {
    case office, contractor, reporter, none
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

    /// When the current step is due, counted in working days from the day the report entered it; nil when no clock runs.
    public static func due(_ s: ReportState, since: Day, calendar: WorkCalendar, levels: ServiceLevels) -> Day? {
        switch s {
        case .submitted: calendar.adding(workingDays: levels.acknowledgeDays, to: since)
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
    public static func today(epochSeconds: Double) -> Day {
        let local = Int64((epochSeconds + 8 * 3600).rounded(.down))
        return Day(ordinal: local >= 0 ? local / 86400 : (local - 86399) / 86400)
    }
}
