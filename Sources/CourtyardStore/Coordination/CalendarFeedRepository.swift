import CourtyardDomain
import Foundation
import SQLKit

/// Every account's private calendar feed: the meetings it takes part in, its organisation's action due dates and,
/// for a department, the days its open coordination requests are due.
/// Only a hash of the secret is kept; making a new one replaces the old, whose address stops working.
public struct CalendarFeedRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public func replace(userId: Int64, secretHash: String, actor: Actor) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM calendar_feeds WHERE user_id = \(bind: userId)").run()
            try await db.raw(
                "INSERT INTO calendar_feeds (user_id, secret_hash, created_at) VALUES (\(bind: userId), \(bind: secretHash), \(bind: Clock.isoNow()))"
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "calendar_feed", entity: "users", entityId: userId, subdistrictId: nil,
                before: nil, after: nil)
        }
    }

    /// The account a secret belongs to, if it is still active.
    public func owner(secretHash: String) async throws -> Int64? {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id
                WHERE f.secret_hash = \(bind: secretHash) AND u.disabled = 0
                """
            ).first()?.int("user_id")
        }
    }

    /// The feed's events for an account: the meetings it sees (an office its sub-district's, others those they
    /// take part in) from a month back, and its organisation's open actions.
    /// What a request's due day is the last day for: accepting it, setting its day, or finishing it.
    static func dueWords(_ state: CoordinationState) -> String {
        switch state {
        case .requested, .reopened: "协调事项受理时限："
        case .accepted: "协调事项排期时限："
        case .scheduled, .done, .declined: "协调事项办结时限："
        }
    }

    public func events(actor: Actor, today: Day = Clock.today) async throws -> [ICalendar.Event] {
        let meetings = try await MeetingRepository(database: database).list(
            actor: actor, from: today.adding(days: -31), to: today.adding(days: 400), seriesId: nil)
        var events = meetings.map { m in
            ICalendar.Event(
                uid: "meeting-\(m.id)@courtyard", summary: m.title, location: m.location,
                description: m.state == .cancelled ? m.cancelReason : "", date: m.date,
                startMinutes: MeetingSeriesRules.minutes(String(m.startsAt.dropFirst(11).prefix(5))),
                durationMinutes: m.durationMinutes, cancelled: m.state == .cancelled)
        }
        if actor.scope.kind == .organisation {
            let actions = try await MeetingRepository(database: database).listActions(
                actor: actor, owner: nil, state: .open, overdueOnly: false)
            events += actions.map {
                ICalendar.Event(
                    uid: "action-\($0.id)@courtyard", summary: "完成时限：" + $0.title, date: $0.dueOn, startMinutes: nil)
            }
        }
        // A department's open requests, each on the day its current step is due (accept, plan, or finish).
        if actor.role == .department, actor.scope.kind == .organisation, let org = actor.scope.id {
            let open = try await CoordinationRequestRepository(database: database).list(
                actor: actor, departmentId: org, queue: true)
            events += open.compactMap { r in
                r.dueOn.map {
                    ICalendar.Event(
                        uid: "coordination-\(r.id)@courtyard",
                        summary: Self.dueWords(r.state) + r.description.prefix(60),
                        date: $0, startMinutes: nil)
                }
            }
        }
        // The community events the account reaches (its sub-district's, community's or compound's).
        let from = EventInstant(seconds: (today.ordinal - 31) * 86400).utcText
        events += try await EventRepository(database: database).calendar(communityId: nil, actor: actor, from: from)
            .map(\.calendarEvent)
        return events
    }
}
