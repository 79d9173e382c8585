/// Building stewards (楼长制), their contacts with households, outreach campaigns and self-governance bodies:
/// the words and the rules, decided over facts the store has loaded.

/// How a steward came to the post.
public enum StewardAppointment: String, CaseIterable, Codable, Sendable {
    case election, appointment
}

/// How a household was reached.
public enum ContactChannel: String, CaseIterable, Codable, Sendable {
    case visit, phone, wechat, letter
}

/// What came of a contact.
public enum ContactOutcome: String, CaseIterable, Codable, Sendable {
    case explained
    case opinionCollected = "opinion_collected"
    case agreed, refused, unreachable
    case irregularBehaviourStopped = "irregular_behaviour_stopped"
}

/// What a campaign counts as success: households that agreed, or households reached at all.
public enum CampaignGoal: String, CaseIterable, Codable, Sendable {
    case agree, reach
}

/// Where a campaign's target household stands.
public enum TargetStatus: String, CaseIterable, Codable, Sendable {
    case notContacted = "not_contacted"
    case contacted, agreed, refused, unreachable
}

/// The bodies that govern a compound or a community.
public enum BodyKind: String, CaseIterable, Codable, Sendable {
    case temporaryPartyBranch = "temporary_party_branch"
    case buildingPartyBranch = "building_party_branch"
    case ownersCommittee = "owners_committee"
    case selfManagementCommittee = "self_management_committee"
    case taskForce = "task_force"
    case volunteerTeam = "volunteer_team"
    case neighbourhoodStation = "neighbourhood_station"
}

public enum StewardRules {
    /// The next visit a contact plans: on or after the contact's day, and within a year of it (9999 is a slip).
    public static func followUpProblem(_ followUp: Day, date: Day) -> ValidationError? {
        if followUp < date {
            return ValidationError(field: "follow_up_on", code: "before_date", message: "follow_up_on is before date")
        }
        if followUp > date.adding(days: 366) {
            return ValidationError(
                field: "follow_up_on", code: "too_far", message: "follow_up_on is more than a year after date")
        }
        return nil
    }

    /// Whether a steward's account reads another steward's name in full: only those of its own building, or of its
    /// entrance and of the building around it (`entranceBuilding`). Other buildings' stewards are masked to it, as
    /// their residents are. Every other account reads as its role allows.
    public static func namesInFull(
        scope: Scope, entranceBuilding: Int64?, steward building: Int64, entrance: Int64?
    ) -> Bool {
        switch scope.kind {
        case .building: return building == scope.id
        case .entrance: return entrance == scope.id || (entrance == nil && building == entranceBuilding)
        default: return true
        }
    }
    /// Two terms of the same post overlap when each starts no later than the other ends; `until` is the last day
    /// served and nil means still serving.
    public static func overlaps(_ a: (since: Day, until: Day?), _ b: (since: Day, until: Day?)) -> Bool {
        let aEndsBeforeB = a.until.map { $0 < b.since } ?? false
        let bEndsBeforeA = b.until.map { $0 < a.since } ?? false
        return !aEndsBeforeB && !bEndsBeforeA
    }

    /// A term ends on or after the day it starts.
    public static func termProblem(since: Day, until: Day?) -> ValidationError? {
        guard let until, until < since else { return nil }
        return ValidationError(field: "until", code: "before_since", message: "until is before since")
    }

    /// A term (a steward's, a body member's) begins within ten years before today (terms served before the registry are entered from paper) and
    /// at most a year ahead (an election held before the post falls vacant); anything else is a slip of the keyboard.
    public static func sinceProblem(_ since: Day, today: Day, field: String = "since") -> ValidationError? {
        if since < today.adding(days: -3653) {
            return ValidationError(field: field, code: "too_old", message: "\(field) is more than ten years ago")
        }
        if since > today.adding(days: 366) {
            return ValidationError(field: field, code: "too_far", message: "\(field) is more than a year away")
        }
        return nil
    }

    /// Whether a term (a steward's, a body member's) that has `until` may be ended on `day`: a last day already
    /// recorded and reached stands (a second ending, from a stale form, would overwrite it); a last day still ahead
    /// may only be brought forward; and the last day is at most a year away (2099 is a slip of the keyboard).
    public static func endProblem(until: Day?, day: Day, today: Day, field: String = "until") -> StoreProblem? {
        if day > today.adding(days: 366) { return .invalid(field: field, code: "too_far") }
        guard let until else { return nil }
        if until <= today || day >= until { return .refused(code: "already_ended") }
        return nil
    }

    /// A steward normally lives (or owns a home) in the compound of the post. Another compound's resident is
    /// taken only when the office says so, with a note; anyone else asking is told which field is wrong.
    public static func otherCompoundProblem(
        residentCompounds: Set<Int64>, placeCompound: Int64, role: Role, exceptionNote: String
    ) -> ValidationError? {
        if residentCompounds.contains(placeCompound) { return nil }
        let office = role == .admin || role == .subdistrictOfficer
        if !office {
            return ValidationError(
                field: "resident_id", code: "other_compound",
                message:
                    "the resident lives in another compound; only the sub-district office may appoint them, with a note"
            )
        }
        if exceptionNote.isEmpty {
            return ValidationError(
                field: "exception_note", code: "required",
                message: "the resident lives in another compound: say why in exception_note")
        }
        return nil
    }

    /// Masks a name as a public page shows it: the family name and 某某 (王某某).
    public static func publicName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + "某某"
    }
}

/// One contact as a campaign reads it: its day, the order it was entered in, and its outcome.
public struct CampaignContact: Sendable, Equatable {
    public var date: Day
    public var sequence: Int64
    public var outcome: ContactOutcome
    public init(date: Day, sequence: Int64, outcome: ContactOutcome) {
        self.date = date
        self.sequence = sequence
        self.outcome = outcome
    }
}

public enum CampaignRules {
    /// Whether a contact made on `date` comes after the campaign's last day (`until`, itself included): a visit
    /// entered later from paper counts by the day it was made, not the day it reached the server.
    public static func endedBefore(_ date: Day, until: Day) -> Bool { date > until }

    /// A target's status from its contacts in the campaign, taken in the order they happened (day, then entry):
    /// - none → not contacted;
    /// - agreed or refused decide, the later one winning (a refused household may be revisited and agree);
    /// - a contact that only explained, collected an opinion or stopped something makes a household not yet
    ///   reached (or unreachable so far) contacted, and leaves an answer (agreed, refused) standing;
    /// - unreachable counts only while nobody has been reached.
    public static func status(_ contacts: [CampaignContact]) -> TargetStatus {
        var status = TargetStatus.notContacted
        for c in contacts.sorted(by: { ($0.date, $0.sequence) < ($1.date, $1.sequence) }) {
            switch c.outcome {
            case .agreed: status = .agreed
            case .refused: status = .refused
            case .explained, .opinionCollected, .irregularBehaviourStopped:
                if status == .notContacted || status == .unreachable { status = .contacted }
            case .unreachable:
                if status == .notContacted { status = .unreachable }
            }
        }
        return status
    }

    /// Whether a status counts towards the campaign's goal: agreeing, or for `reach` any answer at all.
    public static func meetsGoal(_ status: TargetStatus, goal: CampaignGoal) -> Bool {
        switch goal {
        case .agree: status == .agreed
        case .reach: status == .contacted || status == .agreed || status == .refused
        }
    }
}

/// Counts of targets by status, exact, with the agreed rate in tenths of a percent.
public struct CampaignTally: Sendable, Equatable {
    public var targets = 0
    public var notContacted = 0
    public var contacted = 0
    public var agreed = 0
    public var refused = 0
    public var unreachable = 0
    public init() {}

    public init(_ statuses: [TargetStatus]) {
        for s in statuses { add(s) }
    }

    public mutating func add(_ s: TargetStatus) {
        targets += 1
        switch s {
        case .notContacted: notContacted += 1
        case .contacted: contacted += 1
        case .agreed: agreed += 1
        case .refused: refused += 1
        case .unreachable: unreachable += 1
        }
    }

    /// Agreed households among all targets, "45.3" (percent, one decimal, halves up); "0.0" with no targets.
    public var agreedRate: String { Percent.text(Percent.tenths(Int64(agreed), of: Int64(targets))) }

    /// The households of one status.
    public func count(_ s: TargetStatus) -> Int {
        switch s {
        case .notContacted: notContacted
        case .contacted: contacted
        case .agreed: agreed
        case .refused: refused
        case .unreachable: unreachable
        }
    }

    /// Households that meet the campaign's goal among all targets (`CampaignRules.meetsGoal`): the agreed rate for a
    /// campaign to agree, the share reached for one to reach every household.
    public func goalRate(_ goal: CampaignGoal) -> String {
        let met = TargetStatus.allCases.filter { CampaignRules.meetsGoal($0, goal: goal) }.reduce(0) { $0 + count($1) }
        return Percent.text(Percent.tenths(Int64(met), of: Int64(targets)))
    }
}

public enum BodyRules {
    /// Only an owners' committee is formed by an owners' vote, and only by a vote of its own compound on electing
    /// or replacing the committee (Civil Code Art. 278, matter 3).
    public static func voteProblem(
        kind: BodyKind, bodyCompound: Int64?, voteCompound: Int64, voteMatter: Int
    ) -> ValidationError? {
        guard kind == .ownersCommittee else {
            return ValidationError(
                field: "vote_id", code: "not_owners_committee", message: "only an owners' committee links to a vote")
        }
        guard bodyCompound == voteCompound else {
            return ValidationError(
                field: "vote_id", code: "other_compound", message: "the vote is about another compound")
        }
        guard voteMatter == 3 else {
            return ValidationError(
                field: "vote_id", code: "wrong_matter",
                message: "the vote is not on electing or replacing the owners' committee (matter 3)")
        }
        return nil
    }

    /// A body is recorded once it has been formed (not ahead of the day), and not so far back (fifty years) that a
    /// slip of the keyboard is likelier.
    public static func formedProblem(_ formedOn: Day, today: Day) -> ValidationError? {
        if formedOn > today {
            return ValidationError(field: "formed_on", code: "future", message: "formed_on is after today")
        }
        if formedOn < today.adding(days: -18_263) {
            return ValidationError(field: "formed_on", code: "too_old", message: "formed_on is more than 50 years ago")
        }
        return nil
    }

    /// A member's term: from no later than until.
    public static func memberTermProblem(field: String, from: Day?, until: Day?) -> ValidationError? {
        guard let from, let until, until < from else { return nil }
        return ValidationError(field: field + ".until", code: "before_from", message: "\(field).until is before from")
    }
}

/// An opinion or a suggestion, from a steward's visit or the neighbourhood station's box.
public enum OpinionKind: String, CaseIterable, Codable, Sendable {
    case opinion, suggestion
}

public enum OpinionSource: String, CaseIterable, Codable, Sendable {
    case visit
    case stationBox = "station_box"
}

/// Who answers an opinion: the community, or the sub-district office.
public enum OpinionRoute: String, CaseIterable, Codable, Sendable {
    case community, office
}

/// Irregular behaviour a steward meets (私搭乱建, 占用消防通道, 高空抛物 …).
public enum IrregularityKind: String, CaseIterable, Codable, Sendable {
    case illegalConstruction = "illegal_construction"
    case fireLaneBlocked = "fire_lane_blocked"
    case throwingFromHeight = "throwing_from_height"
    case other
}

public enum IrregularityState: String, CaseIterable, Codable, Sendable {
    case recorded, stopped, escalated
}

public enum OpinionRules {
    /// An opinion routed to the community is answered by the community's staff or the office; one routed to the
    /// office only by the office.
    public static func mayAnswer(_ role: Role, routedTo: OpinionRoute) -> Bool {
        switch routedTo {
        case .community: [.admin, .subdistrictOfficer, .communityStaff].contains(role)
        case .office: [.admin, .subdistrictOfficer].contains(role)
        }
    }

    /// An opinion is answered once.
    public static func answerRefusal(alreadyAnswered: Bool) -> String? {
        alreadyAnswered ? "the opinion has been answered" : nil
    }
}

public enum IrregularityRules {
    public enum Action: Sendable { case stop, escalate }

    /// Behaviour is stopped on the spot or escalated to city management, once: either ends the record's open life.
    public static func refusal(_ action: Action, state: IrregularityState) -> String? {
        switch state {
        case .recorded: nil
        case .stopped: "it was already stopped"
        case .escalated: "it was already escalated to city management"
        }
    }
}

/// A rule's answer that the store turns into its error: a field that is wrong (422) or a step refused (409).
public enum StoreProblem: Sendable, Equatable {
    case invalid(field: String, code: String)
    case refused(code: String)
}
