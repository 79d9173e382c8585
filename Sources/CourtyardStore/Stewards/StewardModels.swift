import CourtyardDomain
import Foundation

/// One steward's term for a building or an entrance (楼长 / 单元长); ended terms are kept as history.
public struct Steward: Codable, Sendable, Equatable {
    public var id: Int64
    public var residentId: Int64
    /// Masked as the reader's role requires.
    public var residentName: String
    public var compoundId: Int64
    public var buildingId: Int64
    public var entranceId: Int64?
    /// `building:ID` or `entrance:ID`, as the account's scope names it.
    public var place: String
    public var placeName: String
    public var since: Day
    public var until: Day?
    public var current: Bool
    public var appointedBy: StewardAppointment
    public var electionRecordAttachmentId: Int64?
    public var userId: Int64?
    public var exceptionNote: String
    public var endReason: String
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, residentId = "resident_id", residentName = "resident_name", compoundId = "compound_id"
        case buildingId = "building_id", entranceId = "entrance_id", place, placeName = "place_name", since, until
        case current, appointedBy = "appointed_by", electionRecordAttachmentId = "election_record_attachment_id"
        case userId = "user_id", exceptionNote = "exception_note", endReason = "end_reason", createdAt = "created_at"
    }
}

/// One visit, call, message or letter to a household.
public struct HouseholdContact: Codable, Sendable, Equatable {
    public var id: Int64
    public var householdId: Int64
    public var channel: ContactChannel
    public var date: Day
    public var outcome: ContactOutcome
    public var note: String
    public var campaignId: Int64?
    public var followUpOn: Day?
    public var clientId: String?
    public var username: String
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, householdId = "household_id", channel, date, outcome, note, campaignId = "campaign_id"
        case followUpOn = "follow_up_on", clientId = "client_id", username, createdAt = "created_at"
    }
}

/// An outreach campaign: its targets are fixed when it opens.
public struct Campaign: Codable, Sendable, Equatable {
    public var id: Int64
    public var subdistrictId: Int64
    public var title: String
    public var goal: CampaignGoal
    public var compoundIds: [Int64]
    public var filter: StoredJSON
    public var openedOn: Day
    public var until: Day
    public var targets: Int
    public var createdAt: String
    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", title, goal, compoundIds = "compound_ids", filter
        case openedOn = "opened_on", until, targets, createdAt = "created_at"
    }
}

/// Counts of one group of targets (all of them, a building, an entrance, a steward's).
public struct CampaignCounts: Codable, Sendable, Equatable {
    public var targets: Int
    public var notContacted: Int
    public var contacted: Int
    public var agreed: Int
    public var refused: Int
    public var unreachable: Int
    public var agreedRate: String
    /// The same counts as a tally, for the rules that read them.
    public var tally: CampaignTally {
        var t = CampaignTally()
        (t.targets, t.notContacted, t.contacted) = (targets, notContacted, contacted)
        (t.agreed, t.refused, t.unreachable) = (agreed, refused, unreachable)
        return t
    }
    public init(_ t: CampaignTally) {
        targets = t.targets
        notContacted = t.notContacted
        contacted = t.contacted
        agreed = t.agreed
        refused = t.refused
        unreachable = t.unreachable
        agreedRate = t.agreedRate
    }
    enum CodingKeys: String, CodingKey {
        case targets, notContacted = "not_contacted", contacted, agreed, refused, unreachable
        case agreedRate = "agreed_rate"
    }
}

/// A campaign's progress, exact, over the targets the reader may see.
public struct CampaignProgress: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public var id: Int64?
        public var name: String
        public var compoundId: Int64?
        public var buildingId: Int64?
        public var counts: CampaignCounts
        enum CodingKeys: String, CodingKey {
            case id, name, compoundId = "compound_id", buildingId = "building_id", counts
        }
    }
    public struct DayLine: Codable, Sendable, Equatable {
        public var date: Day
        public var contacts: Int
        public var households: Int
        public var agreed: Int
        public var refused: Int
        public var unreachable: Int
    }
    public var campaignId: Int64
    public var total: CampaignCounts
    public var byBuilding: [Group]
    public var byEntrance: [Group]
    public var bySteward: [Group]
    public var byDay: [DayLine]
    enum CodingKeys: String, CodingKey {
        case campaignId = "campaign_id", total, byBuilding = "by_building", byEntrance = "by_entrance"
        case bySteward = "by_steward", byDay = "by_day"
    }
}

/// One target household as the battle map draws it.
public struct CampaignTarget: Codable, Sendable, Equatable {
    public var householdId: Int64
    public var compoundId: Int64
    public var compoundName: String
    public var buildingId: Int64
    public var buildingName: String
    public var entranceId: Int64
    public var entranceName: String
    public var room: String
    public var floor: Int?
    public var status: TargetStatus
    enum CodingKeys: String, CodingKey {
        case householdId = "household_id", compoundId = "compound_id", compoundName = "compound_name"
        case buildingId = "building_id", buildingName = "building_name", entranceId = "entrance_id"
        case entranceName = "entrance_name", room, floor, status
    }
}

/// A self-governance body and its members, past and present.
public struct GoverningBody: Codable, Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var id: Int64
        public var residentId: Int64?
        public var userId: Int64?
        /// Masked as the reader's role requires.
        public var name: String
        public var position: String
        public var from: Day?
        public var until: Day?
        public var current: Bool
        enum CodingKeys: String, CodingKey {
            case id, residentId = "resident_id", userId = "user_id", name, position, from, until, current
        }
    }
    public var id: Int64
    public var subdistrictId: Int64
    public var kind: BodyKind
    public var name: String
    public var compoundId: Int64?
    public var communityId: Int64?
    public var formedOn: Day
    public var basisAttachmentId: Int64?
    public var voteId: Int64?
    public var members: [Member]
    public var version: Int
    enum CodingKeys: String, CodingKey {
        case id, subdistrictId = "subdistrict_id", kind, name, compoundId = "compound_id"
        case communityId = "community_id", formedOn = "formed_on", basisAttachmentId = "basis_attachment_id"
        case voteId = "vote_id", members, version
    }
}

/// A person who lives in (or owns a home in) a building, as the form that appoints its steward offers them.
public struct StewardCandidate: Sendable, Equatable {
    public var residentId: Int64
    public var name: String
    public var entrance: String
    public var room: String
    public var owner: Bool
    /// The last four digits of their phone, for a reader who may see phones: two people of one name in one home
    /// (co-owners, a parent and a child) read apart by it. Empty otherwise.
    public var phoneTail: String = ""

    static func tail(_ phone: String, actor: Actor) -> String {
        actor.seesPersonalData && phone.count >= 4 ? String(phone.suffix(4)) : ""
    }
}
