/// What a volunteer's time went to: community events (from their helpers' minutes), patrols, door-to-door outreach,
/// or other service.
public enum VolunteerActivity: String, CaseIterable, Codable, Sendable {
    case event, patrol, outreach, other
}

/// Minutes of volunteer service by one person on one occasion, from whichever source recorded it.
public struct VolunteerEntry: Sendable, Equatable {
    /// Who, as recorded: the phone where there is one (the same person across events and patrols), else the name.
    /// An entry of a name alone is the one person of that name in its community who gave a phone, when exactly one did.
    public var name: String
    public var phone: String
    public var team: String?
    /// The team's own id where it has one, so two teams of one name stay apart.
    public var teamId: Int64?
    public var activity: VolunteerActivity
    public var minutes: Int64
    /// The event served at, so a person's events are counted once each.
    public var eventId: Int64?
    /// The community served in: a name without a phone is joined only to a person of that name in the same one.
    public var communityId: Int64?
    public init(
        name: String, phone: String, team: String?, teamId: Int64? = nil, activity: VolunteerActivity, minutes: Int64,
        eventId: Int64? = nil, communityId: Int64? = nil
    ) {
        self.communityId = communityId
        self.name = name
        self.phone = phone
        self.team = team
        self.teamId = teamId
        self.activity = activity
        self.minutes = minutes
        self.eventId = eventId
    }
}

/// A year's volunteer service: each person's minutes by activity, and each team's.
public enum VolunteerSummary {
    public struct Person: Sendable, Equatable {
        public var name: String
        public var phone: String
        /// The teams the person served with, in the order first met.
        public var teams: [String]
        public var minutes: [VolunteerActivity: Int64]
        /// The events served at.
        public var events: Set<Int64>
        public var total: Int64 { minutes.values.reduce(0, +) }
    }

    public struct Team: Sendable, Equatable {
        public var name: String
        public var volunteers: Int
        public var minutes: Int64
    }

    /// People ordered by total minutes (most first, then by name), teams likewise; sums are exact integers (an
    /// entry is at most a day, so a year of a province's entries stays far inside Int64).
    public static func build(_ entries: [VolunteerEntry]) -> (people: [Person], teams: [Team]) {
        var order: [String] = []
        var people: [String: Person] = [:]
        var teamPeople: [String: Set<String>] = [:]
        var teamMinutes: [String: Int64] = [:]
        var teamOrder: [String] = []
        var teamNames: [String: String] = [:]
        // A name entered without a phone (a patrol written down by its steward) is the one person of that name in the
        // same community who gave a phone; namesakes with two phones leave it apart, since no one can tell whose it
        // is, and so does a namesake elsewhere (the total must not depend on how much of the city the reader sees).
        func local(_ e: VolunteerEntry) -> String { "\(e.communityId ?? 0)|" + e.name }
        var phonesByName: [String: Set<String>] = [:]
        for e in entries where !e.phone.isEmpty { phonesByName[local(e), default: []].insert(e.phone) }
        for var e in entries {
            if e.phone.isEmpty, let phones = phonesByName[local(e)], phones.count == 1 { e.phone = phones.first! }
            let key = e.phone.isEmpty ? "name:" + e.name : "phone:" + e.phone
            if people[key] == nil {
                order.append(key)
                people[key] = Person(name: e.name, phone: e.phone, teams: [], minutes: [:], events: [])
            }
            people[key]!.minutes[e.activity, default: 0] += e.minutes
            if let event = e.eventId { people[key]!.events.insert(event) }
            if let team = e.team {
                if !people[key]!.teams.contains(team) { people[key]!.teams.append(team) }
                let teamKey = e.teamId.map { "id:\($0)" } ?? "name:" + team
                if teamMinutes[teamKey] == nil {
                    teamOrder.append(teamKey)
                    teamNames[teamKey] = team
                }
                teamMinutes[teamKey, default: 0] += e.minutes
                teamPeople[teamKey, default: []].insert(key)
            }
        }
        let sortedPeople = order.compactMap { people[$0] }.sorted { a, b in
            a.total != b.total ? a.total > b.total : a.name < b.name
        }
        let teams = teamOrder.map {
            Team(name: teamNames[$0] ?? "", volunteers: teamPeople[$0]?.count ?? 0, minutes: teamMinutes[$0] ?? 0)
        }
        .sorted { a, b in a.minutes != b.minutes ? a.minutes > b.minutes : a.name < b.name }
        return (sortedPeople, teams)
    }
}

/// How long a person served, as they type it: hours (`1.5`, `2小时`, `2 h`), minutes (`90分钟`, `45分`, `30 min`), or
/// both (`1小时30分`); digits may be full-width. A bare number is hours, as the field says. Read exactly, in whole
/// minutes: an hour has at most one decimal (six minutes each). Nil for anything else or for nothing at all.
public enum ServiceDuration {
    /// Past this, one entry is asked about before it is kept: 15 hours typed for 1.5 is likelier than a shift that
    /// long (the most any entry holds is a day).
    public static let askAbove: Int64 = 12 * 60

    /// Whether an entry this long is confirmed by the person before it is kept.
    public static func asksToConfirm(_ minutes: Int64) -> Bool { minutes > askAbove }

    public static func minutes(_ typed: String) -> Int64? {
        // Full-width digits and point, as a Chinese keyboard may type them, fold with the rest of a sheet's forms.
        // 。 is the point a Chinese keyboard gives in the middle of a number (1。5).
        let text = TextNormalizer.halfWidth(typed).lowercased().filter { !$0.isWhitespace }
            .replacingOccurrences(of: "。", with: ".")
        guard !text.isEmpty, text.count <= 20 else { return nil }
        if let m = text.wholeMatch(of: /(\d{1,2})(?:小时|h|hours?)(\d{1,2})(?:分钟|分|min|minutes?)?/) {
            return Int64(m.1).flatMap { h in Int64(m.2).map { h * 60 + $0 } }
        }
        if let m = text.wholeMatch(of: /(\d{1,4})(?:分钟|分|min|minutes?)/) { return Int64(m.1) }
        if let m = text.wholeMatch(of: /(\d{1,2})(?:\.(\d))?(?:小时|h|hours?)?/) {
            guard let h = Int64(m.1) else { return nil }
            return h * 60 + (m.2.flatMap { Int64($0) } ?? 0) * 6
        }
        return nil
    }

    /// Minutes written so that `minutes(_:)` reads them back exactly: hours where they are whole tenths (`1.5`),
    /// otherwise hours and minutes (`1小时40分`) or minutes alone (`45分钟`).
    public static func typed(_ minutes: Int64) -> String {
        if minutes % 6 == 0 && minutes >= 60 || minutes == 0 {
            let tenths = minutes / 6
            return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        }
        return minutes < 60 ? "\(minutes)分钟" : "\(minutes / 60)小时\(minutes % 60)分"
    }
}
