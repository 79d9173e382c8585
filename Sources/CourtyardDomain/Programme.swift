/// The stages a renovation project passes, in order. Each step forward is a gate that needs evidence.
public enum ProjectStage: String, CaseIterable, Codable, Sendable, Comparable {
    case consultation
    case preliminaryDesign = "preliminary_design"
    case publicReview = "public_review"
    case expertReview = "expert_review"
    case planApproved = "plan_approved"
    case construction, accepted
    case handedOver = "handed_over"

    public var index: Int { Self.allCases.firstIndex(of: self)! }
    public var next: ProjectStage? { index + 1 < Self.allCases.count ? Self.allCases[index + 1] : nil }
    public static func < (a: ProjectStage, b: ProjectStage) -> Bool { a.index < b.index }

    /// The gate into this stage, named in errors so a client knows which one refused.
    public var gate: String { "gate_\(rawValue)" }

    /// Records in Courtyard that show the step into this stage was taken.
    public var recordKinds: [EvidenceKind] {
        switch self {
        case .consultation: []
        case .preliminaryDesign: [.questionnaire]
        case .publicReview: [.notice]
        case .expertReview: [.notice, .vote]
        case .planApproved: [.expertReview]
        case .construction: [.notice]
        case .accepted: [.acceptance]
        case .handedOver: [.vote, .notice]
        }
    }

    /// Whether the gate into this stage is checked against Courtyard's own records whatever its evidence: a passed
    /// final acceptance for `accepted`, the hand-over's checklist and four signatures for `handedOver`.
    public var checkedOnRecords: Bool { self == .accepted || self == .handedOver }

    /// Documents that show the same on paper (a scanned minute, a photo of the posted notice), when the step was
    /// taken outside Courtyard. A document names its type, and the gate takes only the types listed here.
    public var documentTypes: [DocumentType] {
        switch self {
        case .consultation: []
        case .preliminaryDesign: [.consultationMinutes, .residentOpinionSummary]
        case .publicReview: [.designScheme]
        case .expertReview: [.noticePhotos, .noticeText]
        case .planApproved: [.expertOpinion, .approvalDocument]
        case .construction: [.commencementReport, .constructionPermit]
        case .accepted: [.acceptanceReport]
        case .handedOver: [.handoverAgreement]
        }
    }
}

/// What kind of record a gate's evidence may point at.
public enum EvidenceKind: String, CaseIterable, Codable, Sendable {
    case questionnaire, notice
    case expertReview = "expert_review"
    case vote, acceptance
}

/// The kinds of paper a gate may take instead of a record.
public enum DocumentType: String, CaseIterable, Codable, Sendable {
    case consultationMinutes = "consultation_minutes"
    case residentOpinionSummary = "resident_opinion_summary"
    case designScheme = "design_scheme"
    case noticePhotos = "notice_photos"
    case noticeText = "notice_text"
    case expertOpinion = "expert_opinion"
    case approvalDocument = "approval_document"
    case commencementReport = "commencement_report"
    case constructionPermit = "construction_permit"
    case acceptanceReport = "acceptance_report"
    case handoverAgreement = "handover_agreement"
}

/// One piece of evidence: a record of a kind the gate takes, or an uploaded document of a type it takes.
public enum Evidence: Hashable, Sendable {
    case record(EvidenceKind, id: Int64)
    case document(attachmentId: Int64, type: DocumentType)

    public var isDocument: Bool { if case .document = self { true } else { false } }
}

/// Why a gate refuses its evidence, before anything is looked up.
public enum GateEvidenceProblem: Equatable, Sendable {
    /// Nothing was offered.
    case missing
    /// A record of a kind this gate does not take.
    case wrongKind(EvidenceKind)
    /// A document of a type this gate does not take.
    case wrongDocumentType(DocumentType)
    /// The same document twice in one list.
    case repeatedDocument(Int64)
}

/// The rules of a gate's evidence that need no database: something is offered, each record is of a kind the gate
/// takes, each document of a type it takes, and no document is offered twice.
public enum GateEvidence {
    public static func problem(_ evidence: [Evidence], into stage: ProjectStage) -> GateEvidenceProblem? {
        if evidence.isEmpty { return .missing }
        var documents: Set<Int64> = []
        for e in evidence {
            switch e {
            case .record(let kind, _):
                if !stage.recordKinds.contains(kind) { return .wrongKind(kind) }
            case .document(let id, let type):
                if !stage.documentTypes.contains(type) { return .wrongDocumentType(type) }
                if !documents.insert(id).inserted { return .repeatedDocument(id) }
            }
        }
        return nil
    }

    /// A gate passed only on documents, with no record in Courtyard behind it.
    public static func onPaper(_ evidence: [Evidence]) -> Bool {
        onPaper(kinds: evidence.map { if case .record(let kind, _) = $0 { kind.rawValue } else { "document" } })
    }

    /// The same over the kinds a gate pass stored; before evidence was typed a document was a bare `attachment`.
    /// A gate into a stage Courtyard checks against its own records whatever the evidence (`checkedOnRecords`) is
    /// never passed on paper alone.
    public static func onPaper(kinds: [String], into stage: ProjectStage? = nil) -> Bool {
        if stage?.checkedOnRecords == true { return false }
        return !kinds.isEmpty && kinds.allSatisfy { $0 == "document" || $0 == "attachment" }
    }
}

/// The three national categories of renovation work.
public enum WorkCategory: String, CaseIterable, Codable, Sendable {
    case basic, improvement, upgrade
}

/// One line of the national menu a plan is tailored from.
public struct CatalogueItem: Sendable {
    public var code: String
    public var category: WorkCategory
    public var zh: String
    public var en: String
    public var unit: String
}

/// The national menu (国办发〔2020〕23号): basic, improvement and upgrade works.
public enum WorkCatalogue {
    public static let items: [CatalogueItem] = {
        let basic: [(String, String, String, String)] = [
            ("water_supply", "供水", "Water supply", "米"), ("drainage", "排水", "Drainage", "米"),
            ("power", "供电", "Power supply", "米"),
            ("low_voltage", "弱电", "Low-voltage cables", "米"), ("roads", "道路", "Roads", "平方米"),
            ("gas", "供气", "Gas", "户"),
            ("heating", "供热", "Heating", "米"), ("fire_safety", "消防", "Fire safety", "套"),
            ("security", "安防", "Security", "套"),
            ("waste_sorting", "生活垃圾分类", "Waste sorting", "套"), ("telecom", "通信", "Telecom", "米"),
            ("overhead_wires", "架空线规整", "Overhead wires", "米"), ("roofs", "屋面", "Roofs", "平方米"),
            ("exterior_walls", "外墙", "Exterior walls", "平方米"), ("stairwells", "楼梯间", "Stairwells", "单元"),
        ]
        let improvement: [(String, String, String, String)] = [
            ("illegal_structures", "拆除违法建设", "Demolish illegal structures", "平方米"),
            ("greening", "绿化", "Greening", "平方米"),
            ("lighting", "照明", "Lighting", "盏"), ("age_friendly", "适老化改造", "Age-friendly works", "套"),
            ("parking", "停车设施", "Parking", "个"), ("ev_charging", "电动汽车及电动自行车充电", "EV and e-bike charging", "个"),
            ("parcel_lockers", "智能快件箱", "Parcel lockers", "套"), ("fitness", "健身设施", "Fitness", "套"),
            ("property_rooms", "物业用房", "Property rooms", "平方米"),
            ("energy_retrofit", "建筑节能改造", "Energy retrofit", "平方米"),
            ("elevators", "加装电梯", "Elevators", "部"),
        ]
        let upgrade: [(String, String, String, String)] = [
            ("service_centre", "社区综合服务设施", "Community service centre", "平方米"),
            ("health_station", "卫生服务站", "Health station", "平方米"),
            ("elderly_care", "养老", "Elderly care", "平方米"), ("childcare", "托育", "Childcare", "平方米"),
            ("canteen", "助餐", "Canteen", "平方米"),
            ("convenience_shops", "便民市场与便利店", "Convenience shops", "平方米"),
            ("smart_sensing", "智慧感知设施", "Smart sensing", "套"),
        ]
        func make(_ list: [(String, String, String, String)], _ c: WorkCategory) -> [CatalogueItem] {
            list.map { CatalogueItem(code: $0.0, category: c, zh: $0.1, en: $0.2, unit: $0.3) }
        }
        return make(basic, .basic) + make(improvement, .improvement) + make(upgrade, .upgrade)
    }()

    public static func item(_ code: String) -> CatalogueItem? { items.first { $0.code == code } }
}

/// Exact percentages: integers in, tenths out, halves rounded up. No float decides a rate.
public enum Percent {
    /// n/d as tenths of a percent, rounded half up; 0 when d is 0.
    public static func tenths(_ n: Int64, of d: Int64) -> Int64 {
        guard d > 0, n >= 0 else { return 0 }
        return roundedHalfUp(Int128(n) * 1000, over: Int128(d))
    }

    /// a / b rounded half up, in 128 bits so that no product of two Int64 overflows; Int64.max past its range.
    static func roundedHalfUp(_ a: Int128, over b: Int128) -> Int64 {
        let q = (a * 2 + b) / (b * 2)
        return q > Int128(Int64.max) ? .max : Int64(q)
    }

    /// "45.3" for 453 tenths; "-1.2" for -12.
    public static func text(_ tenths: Int64) -> String {
        let sign = tenths < 0 ? "-" : ""
        let a = tenths.magnitude
        return "\(sign)\(a / 10).\(a % 10)"
    }

    /// A weighted mean of whole percents (0…100) as tenths: Σ wᵢpᵢ / Σ wᵢ, rounded half up.
    public static func weighted(_ parts: [(weight: Int64, percent: Int64)]) -> Int64 {
        let sum = parts.reduce(Int128(0)) { $0 + Int128($1.weight) * Int128($1.percent) }
        let weight = parts.reduce(Int128(0)) { $0 + Int128($1.weight) }
        guard weight > 0, sum >= 0 else { return 0 }
        return roundedHalfUp(sum * 10, over: weight)
    }

    /// The same from sums the database already added up: Σ wᵢpᵢ and Σ wᵢ.
    public static func weighted(sum: Int64, weight: Int64) -> Int64 {
        guard weight > 0, sum >= 0 else { return 0 }
        return roundedHalfUp(Int128(sum) * 10, over: Int128(weight))
    }
}

/// Competition ranking (1, 2, 2, 4): equal keys share a place, best first.
public enum Ranking {
    public static func ranks<K: Comparable>(_ keys: [K]) -> [Int] {
        let order = keys.indices.sorted { keys[$0] > keys[$1] }
        var out = Array(repeating: 0, count: keys.count)
        for (place, i) in order.enumerated() {
            if place > 0, keys[order[place - 1]] == keys[i] {
                out[i] = out[order[place - 1]]
            } else {
                out[i] = place + 1
            }
        }
        return out
    }
}

/// What a bulletin counts for one unit (the whole batch, a community): planned, started, completed.
public struct ProgressCounts: Sendable, Equatable {
    public var compoundsPlanned: Int64 = 0, compoundsStarted: Int64 = 0, compoundsCompleted: Int64 = 0
    public var householdsPlanned: Int64 = 0, householdsStarted: Int64 = 0, householdsCompleted: Int64 = 0
    public init() {}

    public mutating func add(households: Int64, started: Bool, completed: Bool) {
        compoundsPlanned += 1
        householdsPlanned += households
        if started {
            compoundsStarted += 1
            householdsStarted += households
        }
        if completed {
            compoundsCompleted += 1
            householdsCompleted += households
        }
    }

    public var rates: Rates {
        Rates(
            startByCompounds: Percent.tenths(compoundsStarted, of: compoundsPlanned),
            completionByCompounds: Percent.tenths(compoundsCompleted, of: compoundsPlanned),
            startByHouseholds: Percent.tenths(householdsStarted, of: householdsPlanned),
            completionByHouseholds: Percent.tenths(householdsCompleted, of: householdsPlanned))
    }
}

/// The four rates of a bulletin, in tenths of a percent.
public struct Rates: Sendable, Equatable {
    public var startByCompounds: Int64, completionByCompounds: Int64, startByHouseholds: Int64,
        completionByHouseholds: Int64
    public init(
        startByCompounds: Int64, completionByCompounds: Int64, startByHouseholds: Int64, completionByHouseholds: Int64
    ) {
        self.startByCompounds = startByCompounds
        self.completionByCompounds = completionByCompounds
        self.startByHouseholds = startByHouseholds
        self.completionByHouseholds = completionByHouseholds
    }

    public static let keys = [
        "start_rate_by_compounds", "completion_rate_by_compounds", "start_rate_by_households",
        "completion_rate_by_households",
    ]
    public var values: [Int64] { [startByCompounds, completionByCompounds, startByHouseholds, completionByHouseholds] }
    public init(values v: [Int64]) {
        self.init(
            startByCompounds: v[0], completionByCompounds: v[1], startByHouseholds: v[2], completionByHouseholds: v[3])
    }

    /// Change in percentage points as the reader sees it: the difference of the printed (rounded) rates.
    public func minus(_ earlier: Rates) -> Rates { Rates(values: zip(values, earlier.values).map { $0 - $1 }) }

    /// The order communities are ranked in: completion by compounds, then start by compounds.
    public var rankKey: Int64 { completionByCompounds * 10_000 + startByCompounds }
}

extension Percent {
    /// "45.3" back to 453; nil for anything that is not a one-decimal percent.
    public static func parseTenths(_ text: String) -> Int64? {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 1, let whole = Int64(parts[0]), let tenth = Int64(parts[1]),
            whole >= 0
        else { return nil }
        return (negative ? -1 : 1) * (whole * 10 + tenth)
    }
}

/// Money is kept in fen and shown in yuan with two decimals: 123456 → "1,234.56".
public enum Money {
    public static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let a = fen.magnitude
        var whole = String(a / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let cents = a % 100
        return "\(sign)\(whole)\(grouped).\(cents < 10 ? "0" : "")\(cents)"
    }
}

/// A percent held as whole tenths (453 is 45.3 %), written in JSON as the exact number `45.3`, so a page reads
/// the tenths it was given instead of parsing a formatted text back.
public struct PercentTenths: ExactNumber, TextCodable, Hashable, Comparable {
    public let tenths: Int64
    public init(tenths: Int64) { self.tenths = tenths }
    public init?(parsing text: String) {
        guard let t = Percent.parseTenths(text) else { return nil }
        self.tenths = t
    }
    public init?(numberText: String) { self.init(parsing: numberText) }
    public var numberText: String { Percent.text(tenths) }
    public var description: String { numberText }
    public static func < (a: PercentTenths, b: PercentTenths) -> Bool { a.tenths < b.tenths }
}

/// A project as it stood on a past day, for a bulletin dated before today: the percents its site logs had set and
/// the stage it was in. Today's percent of a work item is what the latest-dated log naming it says, 0 when none does;
/// on a past day it is the same rule over the logs dated on or before that day.
public enum ProgressOnDay {
    /// One site log's day and the percents it set.
    public struct Log: Sendable {
        public var day: Day
        public var percents: [(item: Int64, percent: Int64)]
        public init(day: Day, percents: [(item: Int64, percent: Int64)]) {
            self.day = day
            self.percents = percents
        }
    }

    /// Each of `items`' percent on `day`: the latest log dated on or before it that names the item, else 0.
    public static func percents(_ items: Set<Int64>, logs: [Log], on day: Day) -> [Int64: Int64] {
        var latest: [Int64: (day: Day, percent: Int64)] = [:]
        for log in logs where log.day <= day {
            for p in log.percents where items.contains(p.item) {
                if let seen = latest[p.item], seen.day >= log.day { continue }
                latest[p.item] = (log.day, p.percent)
            }
        }
        return items.reduce(into: [:]) { $0[$1] = latest[$1]?.percent ?? 0 }
    }

    /// The first moment after `day` in China, as the store writes its UTC timestamps: a gate passed at or after it
    /// was passed after the day.
    public static func endOfDay(_ day: Day) -> String { "\(day)T16:00:00Z" }

    /// The stage on a past day: the stage the first gate passed after it moved the project from; today's stage when
    /// no gate has been passed since. `passedSince` holds the passes after the day, in any order.
    public static func stage(now: ProjectStage, passedSince: [(from: ProjectStage, at: String)]) -> ProjectStage {
        passedSince.min { $0.at < $1.at }?.from ?? now
    }
}
