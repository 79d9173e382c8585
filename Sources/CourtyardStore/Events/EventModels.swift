import CourtyardDomain
import Foundation

/// Someone who runs an event; their phone is personal data.
public struct EventOrganiser: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String
    public init(name: String, phone: String) {
        self.name = name
        self.phone = phone
    }
}

/// What was written after the event, with its photos; on the community's public news page.
public struct EventReport: Codable, Sendable, Equatable {
    public var text: String
    public var photos: [Int64]
    public var reportedAt: String
    enum CodingKeys: String, CodingKey { case text, photos, reportedAt = "reported_at" }
}

/// A community event (活动) as the API shows it. Times are China time with their offset.
public struct CommunityEvent: Codable, Sendable, Equatable {
    public var id: Int64
    public var communityId: Int64
    public var compoundId: Int64?
    public var title: String
    public var kind: EventKind
    public var startsAt: String
    public var endsAt: String
    public var place: String
    public var capacity: Int64?
    public var signup: EventSignupMode
    public var organisers: [EventOrganiser]
    public var state: EventState
    public var cancelReason: String
    public var confirmed: Int64
    public var waitlisted: Int64
    public var attended: Int64
    public var report: EventReport?
    public var version: Int64
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, communityId = "community_id", compoundId = "compound_id", title, kind, startsAt = "starts_at"
        case endsAt = "ends_at", place, capacity, signup, organisers, state, cancelReason = "cancel_reason"
        case confirmed, waitlisted, attended, report, version, createdAt = "created_at"
    }
    public var starts: EventInstant { EventInstant(parsing: startsAt) ?? EventInstant(seconds: 0) }
    public var ends: EventInstant { EventInstant(parsing: endsAt) ?? EventInstant(seconds: 0) }
}

/// One person's sign-up; name and phone are personal data, read only by staff in scope.
public struct EventSignup: Codable, Sendable, Equatable {
    public var id: Int64
    public var eventId: Int64
    public var name: String
    public var phone: String
    public var status: EventSignupStatus
    public var attended: Bool
    public var enteredBy: String?
    /// The name the staff member who entered it goes by.
    public var enteredByName: String?
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, eventId = "event_id", name, phone, status, attended, enteredBy = "entered_by"
        case enteredByName = "entered_by_name", createdAt = "created_at"
    }
}

/// The answer to a sign-up: where the person stands, and the code that cancels it (shown once).
public struct SignupReceipt: Codable, Sendable, Equatable {
    public var id: Int64
    public var status: EventSignupStatus
    public var cancelCode: String
    enum CodingKeys: String, CodingKey { case id, status, cancelCode = "cancel_code" }
    public init(id: Int64, status: EventSignupStatus, cancelCode: String) {
        self.id = id
        self.status = status
        self.cancelCode = cancelCode
    }
}

/// A cancelled sign-up and who moved up from the waiting list in its place.
public struct SignupCancellation: Codable, Sendable, Equatable {
    public var id: Int64
    public var status: EventSignupStatus
    public var promoted: [Int64]
}

public enum HelperRole: String, CaseIterable, Codable, Sendable { case organiser, helper }

/// Time a helper gave to an event, in whole minutes (hours shown with one decimal).
public struct VolunteerHours: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String
    public var role: HelperRole
    public var minutes: Int64
    public var hours: String
    public init(name: String, phone: String, role: HelperRole, minutes: Int64) {
        self.name = name
        self.phone = phone
        self.role = role
        self.minutes = minutes
        self.hours = EventRules.hoursText(minutes: minutes)
    }
}

public struct EventHours: Codable, Sendable, Equatable {
    public var eventId: Int64
    public var helpers: [VolunteerHours]
    public var totalMinutes: Int64
    public var totalHours: String
    enum CodingKeys: String, CodingKey {
        case eventId = "event_id", helpers, totalMinutes = "total_minutes", totalHours = "total_hours"
    }
}

/// A helper's hours over the events in reach: one line per person (same name and phone).
/// A volunteer's service: the events served at, and minutes in all and by activity (events, patrols, outreach,
/// other), with the teams served with.
public struct VolunteerTotal: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String
    public var events: Int64
    public var minutes: Int64
    public var hours: String
    public var teams: [String]
    public var eventMinutes: Int64, patrolMinutes: Int64, outreachMinutes: Int64, otherMinutes: Int64
    enum CodingKeys: String, CodingKey {
        case name, phone, events, minutes, hours, teams, eventMinutes = "event_minutes"
        case patrolMinutes = "patrol_minutes", outreachMinutes = "outreach_minutes", otherMinutes = "other_minutes"
    }
}

extension CommunityEvent {
    /// The event in an iCalendar feed: at its time of day in China, for its length; called off when cancelled.
    public var calendarEvent: ICalendar.Event {
        let s = starts
        var event = ICalendar.Event(
            uid: "event-\(id)@courtyard", summary: title, location: place,
            description: state == .cancelled ? cancelReason : "", date: s.chinaDay, startMinutes: s.chinaMinutes,
            durationMinutes: Int(max(1, (ends.seconds - s.seconds) / 60)), cancelled: state == .cancelled)
        event.sequence = max(0, version - 1)
        return event
    }
}
