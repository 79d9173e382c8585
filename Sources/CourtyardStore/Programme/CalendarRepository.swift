import CourtyardDomain
import Foundation
import SQLKit

/// Working-day calendars per year: the published arrangement unless an office has entered its own.
public struct CalendarRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct Year: Sendable {
        public var year: Int
        public var holidays: [Day]
        public var workdays: [Day]
        public var source: String  // "entered", "published" or "weekdays"

        public var json: JSONValue {
            .object([
                ("year", .int(Int64(year))), ("holidays", .array(holidays.map { .string($0.description) })),
                ("workdays", .array(workdays.map { .string($0.description) })), ("source", .string(source)),
            ])
        }
    }

    public func year(_ y: Int) async throws -> Year {
        let row = try await database.withConnection { db in
            try await db.raw("SELECT holidays_json, workdays_json FROM work_calendars WHERE year = \(bind: y)").first()
        }
        if let row {
            let h = try JSONDecoder().decode(
                [Day].self, from: Data(try row.decode(column: "holidays_json", as: String.self).utf8))
            let w = try JSONDecoder().decode(
                [Day].self, from: Data(try row.decode(column: "workdays_json", as: String.self).utf8))
            return Year(year: y, holidays: h, workdays: w, source: "entered")
        }
        if let p = WorkCalendar.published(year: y) {
            return Year(year: y, holidays: p.holidays.sorted(), workdays: p.workdays.sorted(), source: "published")
        }
        return Year(year: y, holidays: [], workdays: [], source: "weekdays")
    }

    /// Replaces a year's arrangement. Holidays must fall in the year; extra working days must be Saturdays or Sundays.
    public func put(year y: Int, holidays: [Day], workdays: [Day], actor: Actor) async throws -> Year {
        guard Permissions.allows(actor.role, .editCalendars) else { throw AccessError.forbidden }
        guard (2000...2100).contains(y) else {
            throw ValidationError(field: "year", code: "invalid", message: "year must be 2000 to 2100")
        }
        for d in holidays + workdays where d.civil.year != y {
            throw ValidationError(
                field: holidays.contains(d) ? "holidays" : "workdays", code: "other_year",
                message: "\(d) is not in \(y)")
        }
        if let d = workdays.first(where: { !$0.isWeekend }) {
            throw ValidationError(
                field: "workdays", code: "not_weekend",
                message: "\(d) is a weekday; workdays lists the Saturdays and Sundays that are worked")
        }
        if let d = Set(holidays).intersection(workdays).first {
            throw ValidationError(
                field: "workdays", code: "both", message: "\(d) cannot be both a holiday and a working day")
        }
        let h = String(decoding: try JSONEncoder().encode(Set(holidays).sorted()), as: UTF8.self)
        let w = String(decoding: try JSONEncoder().encode(Set(workdays).sorted()), as: UTF8.self)
        let before = try await year(y)
        try await database.transaction { db in
            try await db.raw("DELETE FROM work_calendars WHERE year = \(bind: y)").run()
            try await db.raw(
                """
                INSERT INTO work_calendars (year, holidays_json, workdays_json, updated_at, updated_by)
                VALUES (\(bind: y), \(bind: h), \(bind: w), \(bind: Clock.isoNow()), \(bind: actor.username))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "work_calendars", entityId: Int64(y),
                subdistrictId: nil, before: before.json,
                after: .object([("holidays", .string(h)), ("workdays", .string(w))]))
        }
        try await ScheduleRepository.refreshAll(database: database, calendar: try await calendar())
        try await MeetingRepository.refreshAll(database: database, calendar: try await calendar())
        return try await year(y)
    }

    /// Every year entered or published, for counting working days across years.
    public func calendar() async throws -> WorkCalendar {
        try await database.withConnection { db in try await Self.calendar(db: db) }
    }

    /// The same, read on a connection the caller holds (inside its transaction, or a bulletin's one connection).
    static func calendar(db: any SQLDatabase) async throws -> WorkCalendar {
        var cal = WorkCalendar.shipped
        let rows = try await db.raw("SELECT year, holidays_json, workdays_json FROM work_calendars").all()
        for r in rows {
            let y = try r.decode(column: "year", as: Int.self)
            cal.enteredYears.insert(y)
            cal.holidays = cal.holidays.filter { $0.civil.year != y }
            cal.workdays = cal.workdays.filter { $0.civil.year != y }
            cal.holidays.formUnion(
                try JSONDecoder().decode(
                    [Day].self, from: Data(try r.decode(column: "holidays_json", as: String.self).utf8)))
            cal.workdays.formUnion(
                try JSONDecoder().decode(
                    [Day].self, from: Data(try r.decode(column: "workdays_json", as: String.self).utf8)))
        }
        return cal
    }
}
