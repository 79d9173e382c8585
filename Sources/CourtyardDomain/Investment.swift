import Foundation

/// A quantity of a bill of quantities (工程量) in thousandths of its unit, exact: "12.345" m³ is 12,345.
/// Bills of quantities are kept to three decimals; more decimals, signs or exponents are refused, never rounded.
public struct Quantity: Hashable, Comparable, Sendable, TextCodable {
    public var milli: Int64

    public init(milli: Int64) { self.milli = milli }

    /// The largest quantity taken: 999,999,999.999 of a unit.
    public static let max = Quantity(milli: 999_999_999_999)

    public static func < (a: Quantity, b: Quantity) -> Bool { a.milli < b.milli }

    /// "860.500": always three decimals, as a bill of quantities writes them.
    public var description: String {
        let sign = milli < 0 ? "-" : ""
        let v = milli.magnitude
        let frac = String(v % 1000)
        return "\(sign)\(v / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// "860.5": as people write it, without the bill's trailing zeros.
    public var plainText: String {
        var text = description
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public init?(parsing text: String) {
        guard let q = Quantity.parse(text) else { return nil }
        self = q
    }

    /// "12", "12.5", "12.345": at most nine whole digits and three decimals, nothing else.
    public static func parse(_ text: String) -> Quantity? {
        var whole: Int64 = 0
        var frac: Int64 = 0
        var wholeDigits = 0
        var fracDigits = 0
        var seenPoint = false
        for b in text.utf8 {
            switch b {
            case 0x30...0x39:
                if seenPoint {
                    fracDigits += 1
                    guard fracDigits <= 3 else { return nil }
                    frac = frac * 10 + Int64(b - 0x30)
                } else {
                    wholeDigits += 1
                    guard wholeDigits <= 9 else { return nil }
                    whole = whole * 10 + Int64(b - 0x30)
                }
            case 0x2E where !seenPoint && wholeDigits > 0: seenPoint = true
            default: return nil
            }
        }
        guard wholeDigits > 0, !seenPoint || fracDigits > 0 else { return nil }
        for _ in fracDigits..<3 { frac *= 10 }
        return Quantity(milli: whole * 1000 + frac)
    }
}

extension Quantity: ExactNumber {
    public var numberText: String { description }
    public init?(numberText: String) { self.init(parsing: numberText) }
}

/// One line of a contract's bill of quantities (工程量清单): a work item, its quantity and its unit price.
public struct BillLine: Equatable, Sendable {
    public var workItemId: Int64
    public var quantity: Quantity
    public var unitPriceFen: Int64
    public init(workItemId: Int64, quantity: Quantity, unitPriceFen: Int64) {
        self.workItemId = workItemId
        self.quantity = quantity
        self.unitPriceFen = unitPriceFen
    }
}

/// A quantity measured on a work item, cumulative to the end of a payment's period.
public struct MeasuredLine: Equatable, Sendable {
    public var workItemId: Int64
    public var quantity: Quantity
    public init(workItemId: Int64, quantity: Quantity) {
        self.workItemId = workItemId
        self.quantity = quantity
    }
}

/// Why an amount cannot be worked out exactly, with the index of the line that broke it where there is one.
public enum MoneyProblem: Error, Equatable, Sendable {
    /// A line's quantity × unit price, or a sum, leaves the range the programme keeps money in.
    case overflow(line: Int?)
    /// A measured line names a work item the contract's bill does not hold.
    case notInBill(line: Int)
    /// A measured quantity is more than the bill's: extra work is paid through a change order.
    case aboveBill(line: Int)
}

/// The office's parameters of investment control; the defaults are the law's and the usual practice's.
public struct InvestmentSettings: Codable, Equatable, Sendable {
    /// Progress payments reach at most this share of the measured value (进度款支付比例): at least 80% since 2022.
    public var paymentRatioPercent: Int64
    /// The quality retention (质量保证金) held back from the settled sum: at most 3%.
    public var retentionPercent: Int64
    /// The defects liability period (缺陷责任期) in months after final acceptance: at most 24.
    public var liabilityMonths: Int64
    /// Contract plus approved changes may pass the budget by this share before the report flags it.
    public var budgetTolerancePercent: Int64

    public init(
        paymentRatioPercent: Int64 = 80, retentionPercent: Int64 = 3, liabilityMonths: Int64 = 24,
        budgetTolerancePercent: Int64 = 10
    ) {
        self.paymentRatioPercent = paymentRatioPercent
        self.retentionPercent = retentionPercent
        self.liabilityMonths = liabilityMonths
        self.budgetTolerancePercent = budgetTolerancePercent
    }

    public static let standard = InvestmentSettings()

    enum CodingKeys: String, CodingKey {
        case paymentRatioPercent = "payment_ratio_percent", retentionPercent = "retention_percent"
        case liabilityMonths = "liability_months", budgetTolerancePercent = "budget_tolerance_percent"
    }

    /// The allowed ranges, by the API's field name.
    public static let ranges: [(field: String, range: ClosedRange<Int64>)] = [
        ("payment_ratio_percent", 80...100), ("retention_percent", 0...3), ("liability_months", 1...24),
        ("budget_tolerance_percent", 0...100),
    ]

    /// The first field outside its range, if any.
    public var invalidField: String? {
        let values = [paymentRatioPercent, retentionPercent, liabilityMonths, budgetTolerancePercent]
        return zip(Self.ranges, values).first { !$0.0.range.contains($0.1) }?.0.field
    }
}

/// The arithmetic of investment control, in whole fen with every product and sum checked for overflow.
/// Why a measurement cannot follow the ones before it: measured quantities are cumulative to the period's end.
public enum MeasurementProblem: Equatable, Sendable {
    /// The period ends before the last one already entered (that day given).
    case periodBeforeEarlier(Day)
    /// The line at this index measures less than was measured before (that quantity given).
    case belowEarlier(index: Int, earlier: Quantity)
}

public enum InvestmentRules {
    /// A measurement to `periodEnd` after the latest one not rejected: its period does not end earlier and no line
    /// measures less than that one did for the same work item (work measured stays measured).
    public static func followsEarlier(
        periodEnd: Day, measured: [MeasuredLine], earlier: (periodEnd: Day, measured: [MeasuredLine])?
    ) -> MeasurementProblem? {
        guard let earlier else { return nil }
        if periodEnd < earlier.periodEnd { return .periodBeforeEarlier(earlier.periodEnd) }
        let before = Dictionary(earlier.measured.map { ($0.workItemId, $0.quantity) }, uniquingKeysWith: { a, _ in a })
        for (i, m) in measured.enumerated() {
            if let q = before[m.workItemId], m.quantity < q { return .belowEarlier(index: i, earlier: q) }
        }
        return nil
    }

    /// The most a contract, a change, a payment or a project's contract plus changes may come to: 100 亿元.
    /// Bounded at entry so that no programme total, over every project a nation holds, can overflow.
    public static let maxFen: Int64 = 1_000_000_000_000

    /// quantity × unit price in fen, rounded half up to the fen (the bill's 合价).
    public static func lineFen(_ quantity: Quantity, unitPriceFen: Int64) -> Int64? {
        guard quantity.milli >= 0, unitPriceFen >= 0 else { return nil }
        let (milliFen, over) = quantity.milli.multipliedReportingOverflow(by: unitPriceFen)
        guard !over else { return nil }
        let (rounded, over2) = milliFen.addingReportingOverflow(500)
        guard !over2 else { return nil }
        return rounded / 1000
    }

    /// A checked sum; nil when it would overflow.
    public static func sum(_ values: [Int64]) -> Int64? {
        var total: Int64 = 0
        for v in values {
            let (s, over) = total.addingReportingOverflow(v)
            guard !over else { return nil }
            total = s
        }
        return total
    }

    /// The bill's total (the contract sum): Σ quantity × unit price, each line rounded to the fen.
    public static func billSum(_ lines: [BillLine]) -> Result<Int64, MoneyProblem> {
        var total: Int64 = 0
        for (i, l) in lines.enumerated() {
            guard let fen = lineFen(l.quantity, unitPriceFen: l.unitPriceFen), fen <= maxFen else {
                return .failure(.overflow(line: i))
            }
            let (s, over) = total.addingReportingOverflow(fen)
            guard !over, s <= maxFen else { return .failure(.overflow(line: nil)) }
            total = s
        }
        return .success(total)
    }

    /// The measured value (已完工程价值): Σ measured quantity × the bill's unit price, plus the change orders
    /// approved twice. Every measured item must be in the bill and at most its quantity.
    public static func measuredValue(measured: [MeasuredLine], bill: [BillLine], approvedChangesFen: Int64)
        -> Result<Int64, MoneyProblem>
    {
        let byItem = Dictionary(bill.map { ($0.workItemId, $0) }, uniquingKeysWith: { a, _ in a })
        var total: Int64 = approvedChangesFen
        for (i, m) in measured.enumerated() {
            guard let line = byItem[m.workItemId] else { return .failure(.notInBill(line: i)) }
            guard m.quantity <= line.quantity else { return .failure(.aboveBill(line: i)) }
            guard let fen = lineFen(m.quantity, unitPriceFen: line.unitPriceFen) else {
                return .failure(.overflow(line: i))
            }
            let (s, over) = total.addingReportingOverflow(fen)
            guard !over else { return .failure(.overflow(line: nil)) }
            total = s
        }
        return .success(total)
    }

    /// The sum of the change orders that count: those approved by both the pm company and the office.
    public static func approvedChanges(_ changes: [(amountFen: Int64, state: ApprovalState)]) -> Int64? {
        sum(changes.filter { $0.state == .approved }.map(\.amountFen))
    }

    /// Which limit a payment is held to, and what it is.
    public enum Limit: Equatable, Sendable {
        /// Before final acceptance: the ratio of the measured value.
        case progress(measuredFen: Int64, ratioPercent: Int64)
        /// After final acceptance, within the defects liability period: the settled sum less the retention.
        case settlement(settledFen: Int64, retentionPercent: Int64, releasedOn: Day)
        /// After the defects liability period: the whole settled sum, retention released.
        case released(settledFen: Int64)

        /// The limit in whole fen, rounded down (the fraction of a fen is never payable).
        public var fen: Int64 {
            switch self {
            case .progress(let m, let r): Self.share(m, percent: r)
            case .settlement(let s, let r, _): Self.share(s, percent: 100 - r)
            case .released(let s): max(0, s)
            }
        }

        /// The numerator and denominator the comparison cross-multiplies with: paid × 100 ≤ value × percent.
        var fraction: (value: Int64, percent: Int64) {
            switch self {
            case .progress(let m, let r): (m, r)
            case .settlement(let s, let r, _): (s, 100 - r)
            case .released(let s): (s, 100)
            }
        }

        static func share(_ value: Int64, percent: Int64) -> Int64 {
            guard value > 0 else { return 0 }
            let (p, over) = value.multipliedReportingOverflow(by: percent)
            return over ? value / 100 * percent : p / 100
        }
    }

    /// The limit a payment entered today is held to.
    public static func limit(
        measuredFen: Int64, settings: InvestmentSettings, finalAcceptance: Day?, today: Day
    ) -> Limit {
        guard let accepted = finalAcceptance else {
            return .progress(measuredFen: measuredFen, ratioPercent: settings.paymentRatioPercent)
        }
        let release = accepted.addingMonths(settings.liabilityMonths)
        return today >= release
            ? .released(settledFen: measuredFen)
            : .settlement(settledFen: measuredFen, retentionPercent: settings.retentionPercent, releasedOn: release)
    }

    /// Whether payments totalling `totalFen` stay within the limit, exactly: total × 100 ≤ value × percent,
    /// cross-multiplied so 80% of 1,001 fen allows 800 fen and refuses 801. Nil when the total overflows.
    public static func withinLimit(paymentsFen: [Int64], limit: Limit) -> Bool? {
        guard let total = sum(paymentsFen) else { return nil }
        if total <= 0 { return true }
        let (value, percent) = limit.fraction
        guard value > 0 else { return false }
        let (left, o1) = total.multipliedReportingOverflow(by: 100)
        let (right, o2) = value.multipliedReportingOverflow(by: percent)
        guard !o1, !o2 else { return nil }
        return left <= right
    }

    /// Contract plus approved changes above the budget by more than the tolerance, exactly:
    /// (contract + changes) × 100 > budget × (100 + tolerance). A project with no contract is never flagged.
    public static func overBudget(budgetFen: Int64, contractFen: Int64?, changesFen: Int64, tolerancePercent: Int64)
        -> Bool
    {
        guard let contractFen else { return false }
        let (committed, o0) = contractFen.addingReportingOverflow(changesFen)
        let (left, o1) = committed.multipliedReportingOverflow(by: 100)
        let (right, o2) = budgetFen.multipliedReportingOverflow(by: 100 + tolerancePercent)
        if o0 || o1 { return committed > 0 }
        if o2 { return false }
        return left > right
    }

    /// How far, in percentage points, the value a payment claims may run ahead of the works' 形象进度 before the
    /// approver is warned (quantities measured and the site logs' percents never agree to the point).
    public static let aheadMarginPoints: Int64 = 10

    /// A claimed completed value well ahead of the progress the site logs record, exactly:
    /// measured × 1000 > (contract + changes) × (progress in tenths + margin × 10). Nothing is said without a
    /// contract sum to compare with.
    public static func aheadOfProgress(measuredFen: Int64, committedFen: Int64, progressTenths: Int64) -> Bool {
        guard committedFen > 0, measuredFen > 0 else { return false }
        let (left, o1) = measuredFen.multipliedReportingOverflow(by: 1000)
        let (right, o2) = committedFen.multipliedReportingOverflow(by: progressTenths + aheadMarginPoints * 10)
        if o1 || o2 { return o1 && !o2 }
        return left > right
    }
}

/// Where a change order or a payment stands in its two approvals.
public enum ApprovalState: String, CaseIterable, Codable, Sendable {
    /// Waiting for the first approval: the pm company for a change order, the supervisor for a payment.
    case submitted
    /// The first approval given; waiting for the second: the office for a change order, the pm company for a
    /// payment.
    case firstApproved = "first_approved"
    case approved, rejected

    /// How many of the two approvals have been given: the audit page shows this number rather than a state.
    public var approvals: Int64 { self == .approved ? 2 : (self == .firstApproved ? 1 : 0) }
}

/// Progress payments are measured cumulatively, so they are approved in the order they were requested: approving
/// one waits while an older one of the same project has not yet passed that step (a rejected or fully approved one
/// no longer holds it).
public enum PaymentOrder {
    public static func olderHolds(approving from: ApprovalState, older: [ApprovalState]) -> Bool {
        older.contains { o in o != .rejected && o != .approved && o.approvals <= from.approvals }
    }
}

/// Who may take a step in a two-step approval, as the store found the caller to be.
public enum Approver: Equatable, Sendable {
    /// The organisation or office whose turn the first approval is.
    case first
    /// The one whose turn the second approval is.
    case second
    /// Anyone else: not theirs to approve.
    case other
}

public enum ApprovalProblem: Error, Equatable, Sendable {
    /// The caller approves neither step of this thing.
    case notYours
    /// The caller's step is not the one the thing waits for (the first approver again, or the second too early).
    case notYourTurn(waitingFor: Approver)
    /// Already approved or rejected.
    case closed(ApprovalState)
}

/// The two approvals of a change order (pm company, then office) and of a payment (supervisor, then pm company):
/// who calls decides which approval it is; a rejection ends it.
public enum TwoStepApproval {
    /// The one who asked takes its request back (returned, with its reason) while it still waits for an approval.
    public static func withdraw(_ state: ApprovalState) -> Result<ApprovalState, ApprovalProblem> {
        state == .approved || state == .rejected ? .failure(.closed(state)) : .success(.rejected)
    }

    /// The state after `approver` approves (or rejects) a thing in `state`.
    public static func step(_ state: ApprovalState, by approver: Approver, approve: Bool)
        -> Result<ApprovalState, ApprovalProblem>
    {
        switch (state, approver) {
        case (.approved, _), (.rejected, _): return .failure(.closed(state))
        case (_, .other): return .failure(.notYours)
        case (.submitted, .first): return .success(approve ? .firstApproved : .rejected)
        case (.firstApproved, .second): return .success(approve ? .approved : .rejected)
        case (.submitted, .second): return .failure(.notYourTurn(waitingFor: .first))
        case (.firstApproved, .first): return .failure(.notYourTurn(waitingFor: .second))
        }
    }
}

extension Day {
    /// The same day `months` later; the month's last day when it has no such day (31 January + 1 month is
    /// 28 or 29 February).
    public func addingMonths(_ months: Int64) -> Day {
        let (y, m, d) = civil
        let index = Int64(y) * 12 + Int64(m - 1) + months
        let year = Int(index >= 0 ? index / 12 : (index - 11) / 12)
        let month = Int(index - Int64(year) * 12) + 1
        let day = min(d, Day.daysIn(year: year, month: month))
        return Day(year: year, month: month, day: day) ?? self
    }
}

/// A sum of money as a person types it in yuan ("24500", "24,500.00", "-1200.5" for a deduction), in fen; nil for
/// anything else (more than two decimals, letters, exponents) or beyond 10 billion yuan either way.
public enum YuanText {
    public static let maxFen: Int64 = 1_000_000_000_000

    public static func fen(_ text: String) -> Int64? {
        var t = TextNormalizer.halfWidth(text).trimmingCharacters(in: .whitespaces)
        let negative = t.hasPrefix("-")
        if negative { t.removeFirst() }
        let whole = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if whole.contains(",") {
            guard groupedInThrees(whole) else { return nil }
            t = t.replacingOccurrences(of: ",", with: "")
        }
        guard let value = SelectionRules.centi(t, max: maxFen) else { return nil }
        return negative ? -value : value
    }

    /// Whether a well-written amount (digits, thousands commas, at most two decimals) is refused only for being
    /// past `maxFen` (100 亿元), so the person is told that rather than how to write a number.
    public static func tooLarge(_ text: String) -> Bool {
        let t = TextNormalizer.halfWidth(text).trimmingCharacters(in: .whitespaces)
        let digits = t.hasPrefix("-") ? t.dropFirst() : t[...]
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole.first?.isASCII == true, whole.first?.isNumber == true,
            whole.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "," }),
            parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        // 10,00 is a number written wrong, not one too large.
        return groupedInThrees(whole) && fen(text) == nil
    }

    /// Thousands separated by commas only in threes ("24,500"); a comma anywhere else is no number. Digits with no
    /// comma are grouped too.
    static func groupedInThrees(_ whole: Substring) -> Bool {
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        return groups.count == 1
            || (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy({ $0.count == 3 })
    }
}
