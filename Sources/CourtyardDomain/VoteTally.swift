/// Owners' decisions under Civil Code Art. 278, counted with exact integer arithmetic.

/// The nine kinds of matter Art. 278 lists.
public enum VoteMatter: Int, CaseIterable, Codable, Sendable {
    case assemblyRules = 1
    case managementStatute, committee, propertyCompany, useMaintenanceFund
    case raiseMaintenanceFund, rebuild, commonPartsUse, other

    /// Matters 6-8 need three quarters; the others a simple majority.
    public var needsSuperMajority: Bool { (6...8).contains(rawValue) }
}

/// "At least num/den" or "more than num/den" of a whole, decided by cross-multiplication.
public struct Threshold: Hashable, Codable, Sendable, CustomStringConvertible {
    public var numerator: Int64
    public var denominator: Int64
    /// true: at least (≥); false: more than (>).
    public var inclusive: Bool

    public init(_ numerator: Int64, _ denominator: Int64, inclusive: Bool) {
        self.numerator = numerator
        self.denominator = denominator
        self.inclusive = inclusive
    }

    public static func atLeast(_ n: Int64, _ d: Int64) -> Threshold { Threshold(n, d, inclusive: true) }
    public static func moreThan(_ n: Int64, _ d: Int64) -> Threshold { Threshold(n, d, inclusive: false) }

    /// Whether `part` of `whole` reaches the threshold; nothing reaches a threshold of an empty whole.
    /// The products are compared in 128 bits, so no stored rule or sum can overflow them.
    public func isMet(part: Int64, whole: Int64) -> Bool {
        guard whole > 0, denominator > 0 else { return false }
        let lhs = denominator.multipliedFullWidth(by: part)
        let rhs = numerator.multipliedFullWidth(by: whole)
        // (high, low) orders as the 128-bit two's-complement number it is.
        let less = lhs.high < rhs.high || (lhs.high == rhs.high && lhs.low < rhs.low)
        let equal = lhs.high == rhs.high && lhs.low == rhs.low
        return inclusive ? !less : !less && !equal
    }

    /// A local rule is a plain fraction such as 2/3 or 667/1000; larger terms are refused at entry.
    public static let maxDenominator: Int64 = 1_000_000

    public var isValid: Bool {
        numerator >= 0 && denominator > 0 && numerator <= denominator && denominator <= Threshold.maxDenominator
    }

    public var description: String { "\(inclusive ? "≥" : ">") \(numerator)/\(denominator)" }
}

/// The four tests a vote must pass: turnout by area and by owners, approval by area and by owners.
public struct VoteThresholds: Hashable, Codable, Sendable {
    public var quorumArea: Threshold
    public var quorumOwners: Threshold
    public var approvalArea: Threshold
    public var approvalOwners: Threshold

    public init(quorumArea: Threshold, quorumOwners: Threshold, approvalArea: Threshold, approvalOwners: Threshold) {
        self.quorumArea = quorumArea
        self.quorumOwners = quorumOwners
        self.approvalArea = approvalArea
        self.approvalOwners = approvalOwners
    }

    /// Art. 278: two thirds of area and owners take part; three quarters of the participants
    /// approve matters 6-8, more than half approve the rest.
    public static func article278(_ matter: VoteMatter) -> VoteThresholds {
        let quorum = Threshold.atLeast(2, 3)
        let approval = matter.needsSuperMajority ? Threshold.atLeast(3, 4) : Threshold.moreThan(1, 2)
        return VoteThresholds(
            quorumArea: quorum, quorumOwners: quorum, approvalArea: approval, approvalOwners: approval)
    }
}

public enum VoteChoice: String, CaseIterable, Codable, Sendable { case approve, reject, abstain }

/// One household of the electorate: its exclusive area and who counts as its owner.
/// `owner` is the same for every household one person owns (and for all the developer's unsold
/// households), so that person counts once by headcount while every household's area counts.
public struct ElectorHousehold: Hashable, Sendable {
    public var householdId: Int64
    public var area: Area
    public var owner: String
    public init(householdId: Int64, area: Area, owner: String) {
        self.householdId = householdId
        self.area = area
        self.owner = owner
    }
}

public struct VoteResult: Hashable, Codable, Sendable {
    public var eligibleOwners: Int64
    public var participatingOwners: Int64
    public var approvingOwners: Int64
    public var eligibleArea: Area
    public var participatingArea: Area
    public var approvingArea: Area
    public var quorumMet: Bool
    public var passed: Bool
}

public enum VoteTally {
    /// Counts ballots (one per household) against an electorate. An owner takes part when any of
    /// their households voted, and approves by headcount only when every ballot they cast approves;
    /// abstentions count towards turnout, not approval.
    public static func tally(electorate: [ElectorHousehold], ballots: [Int64: VoteChoice], thresholds: VoteThresholds)
        -> VoteResult
    {
        var eligibleArea: Int64 = 0
        var participatingArea: Int64 = 0
        var approvingArea: Int64 = 0
        var owners: [String: (voted: Bool, allApprove: Bool)] = [:]
        for h in electorate {
            eligibleArea += h.area.centi
            var o = owners[h.owner] ?? (false, true)
            if let choice = ballots[h.householdId] {
                participatingArea += h.area.centi
                o.voted = true
                if choice == .approve { approvingArea += h.area.centi } else { o.allApprove = false }
            }
            owners[h.owner] = o
        }
        let eligibleOwners = Int64(owners.count)
        let participatingOwners = Int64(owners.values.filter(\.voted).count)
        let approvingOwners = Int64(owners.values.filter { $0.voted && $0.allApprove }.count)
        let quorum =
            thresholds.quorumArea.isMet(part: participatingArea, whole: eligibleArea)
            && thresholds.quorumOwners.isMet(part: participatingOwners, whole: eligibleOwners)
        let passed =
            quorum
            && thresholds.approvalArea.isMet(part: approvingArea, whole: participatingArea)
            && thresholds.approvalOwners.isMet(part: approvingOwners, whole: participatingOwners)
        return VoteResult(
            eligibleOwners: eligibleOwners, participatingOwners: participatingOwners, approvingOwners: approvingOwners,
            eligibleArea: Area(centi: eligibleArea), participatingArea: Area(centi: participatingArea),
            approvingArea: Area(centi: approvingArea), quorumMet: quorum, passed: passed)
    }
}

/// A vote's life: drafted, opened (the electorate is frozen), closed (the result is computed once).
public enum VoteStatus: String, CaseIterable, Codable, Sendable { case draft, open, closed }

/// What may be done to a vote, and how a ballot is entered: decided without the database.
public enum VoteRules {
    public enum Action: Sendable { case open, close, castBallot, voidBallot }

    /// Why `action` is refused on a vote that is `status`, or nil when it may go ahead.
    public static func refusal(_ action: Action, status: VoteStatus) -> String? {
        switch action {
        case .open:
            status == .draft ? nil : "the vote is \(status.rawValue); only a draft can be opened"
        case .close:
            status == .open ? nil : "the vote is \(status.rawValue); only an open vote can be closed"
        case .castBallot:
            status == .open ? nil : "the vote is \(status.rawValue); ballots are taken only while it is open"
        case .voidBallot:
            status == .open ? nil : "the vote is \(status.rawValue); ballots change only while it is open"
        }
    }

    /// A ballot's channel: online (the default) has no paper number; paper needs one of 1 to 50 characters.
    /// Returns the paper number, nil for online.
    public static func paperNumber(channel: String?, paperNumber: String?) -> Result<String?, ValidationError> {
        switch channel ?? "online" {
        case "online": return .success(nil)
        case "paper":
            guard let p = paperNumber.map(TextNormalizer.clean), !p.isEmpty, p.count <= 50 else {
                return .failure(
                    ValidationError(
                        field: "paper_number", code: "required", message: "a paper ballot is entered with its number"))
            }
            return .success(p)
        default:
            return .failure(
                ValidationError(field: "channel", code: "invalid", message: "channel must be online or paper"))
        }
    }

    /// An electorate lies inside exactly one compound: the compounds its households are in decide.
    public static func electorateCompound(_ compounds: [Int64]) -> Result<Int64, ValidationError> {
        switch compounds.count {
        case 1: .success(compounds[0])
        case 0:
            .failure(ValidationError(field: "electorate", code: "empty", message: "the electorate holds no household"))
        default:
            .failure(
                ValidationError(
                    field: "electorate", code: "several_compounds", message: "an electorate lies inside one compound"))
        }
    }

    /// The first of a rule's four thresholds that is not a fraction between 0 and 1, by its API name.
    public static func invalidThreshold(_ rule: VoteThresholds) -> String? {
        [
            ("quorum_area", rule.quorumArea), ("quorum_owners", rule.quorumOwners),
            ("approval_area", rule.approvalArea), ("approval_owners", rule.approvalOwners),
        ].first { !$0.1.isValid }?.0
    }
}
