import CourtyardDomain
import Testing

@Suite struct InvestmentRulesTests {
    static func q(_ text: String) -> Quantity { Quantity(parsing: text)! }

    @Test func aQuantityIsKeptInThousandthsAndMoreDecimalsAreRefused() {
        #expect(Quantity(parsing: "12.345")?.milli == 12_345)
        #expect(Quantity(parsing: "860.5")?.milli == 860_500)
        #expect(Quantity(parsing: "2")?.milli == 2_000)
        #expect(Quantity(parsing: "0.001")?.milli == 1)
        for bad in ["1.2345", "-1", "1e3", "", ".5", "5.", "1,000", "1234567890", "NaN", "１"] {
            #expect(Quantity(parsing: bad) == nil, "\(bad)")
        }
        #expect(Quantity(milli: 860_500).description == "860.500")
        #expect(Quantity(milli: 7).description == "0.007")
        #expect(Quantity.max.description == "999999999.999")
        // As people write it, read back the same: no trailing zeros, no point for a whole number.
        #expect(Quantity(milli: 860_500).plainText == "860.5" && Quantity(milli: 2_000).plainText == "2")
        #expect(Quantity(milli: 10_000).plainText == "10" && Quantity(milli: 0).plainText == "0")
        #expect(Quantity(milli: 7).plainText == "0.007")
    }

    @Test func aMeasurementIsCumulativeAndNeverGoesBack() {
        let earlier = (
            periodEnd: Day("2026-10-31")!,
            measured: [
                MeasuredLine(workItemId: 1, quantity: Self.q("100")),
                MeasuredLine(workItemId: 2, quantity: Self.q("5")),
            ]
        )
        // The first measurement follows nothing; the same or more, later or the same day, is fine; a new item is fine.
        #expect(
            InvestmentRules.followsEarlier(periodEnd: Day("2026-01-31")!, measured: earlier.measured, earlier: nil)
                == nil)
        let more = [
            MeasuredLine(workItemId: 1, quantity: Self.q("100")), MeasuredLine(workItemId: 3, quantity: Self.q("1")),
        ]
        #expect(InvestmentRules.followsEarlier(periodEnd: Day("2026-10-31")!, measured: more, earlier: earlier) == nil)
        // A period ending before the last one, or a line measuring less than before, is refused naming which.
        #expect(
            InvestmentRules.followsEarlier(periodEnd: Day("2026-10-30")!, measured: more, earlier: earlier)
                == .periodBeforeEarlier(Day("2026-10-31")!))
        let less = [
            MeasuredLine(workItemId: 1, quantity: Self.q("100")),
            MeasuredLine(workItemId: 2, quantity: Self.q("4.999")),
        ]
        #expect(
            InvestmentRules.followsEarlier(periodEnd: Day("2026-11-30")!, measured: less, earlier: earlier)
                == .belowEarlier(index: 1, earlier: Self.q("5")))
    }

    @Test func aBillLineIsQuantityTimesUnitPriceRoundedHalfUpToTheFen() {
        // 12.345 m × 1,001 fen = 12,357.345 fen → 12,357; 0.5 × 1 fen = 0.5 → 1.
        #expect(InvestmentRules.lineFen(Self.q("12.345"), unitPriceFen: 1_001) == 12_357)
        #expect(InvestmentRules.lineFen(Self.q("0.5"), unitPriceFen: 1) == 1)
        #expect(InvestmentRules.lineFen(Self.q("0.499"), unitPriceFen: 1) == 0)
    }

    @Test func theBillSumIsTheSumOfItsLines() {
        let lines = [
            BillLine(workItemId: 1, quantity: Self.q("860.5"), unitPriceFen: 12_000),
            BillLine(workItemId: 2, quantity: Self.q("2"), unitPriceFen: 1_500_000),
        ]
        #expect(InvestmentRules.billSum(lines) == .success(10_326_000 + 3_000_000))
        #expect(InvestmentRules.billSum([]) == .success(0))
    }

    @Test func aLineOrASumThatOverflowsIsRefusedNamingTheLine() {
        let huge = BillLine(workItemId: 1, quantity: Quantity.max, unitPriceFen: InvestmentRules.maxFen)
        #expect(InvestmentRules.billSum([huge]) == .failure(.overflow(line: 0)))
        #expect(InvestmentRules.lineFen(Quantity.max, unitPriceFen: Int64.max) == nil)
        // Each line within bounds, their sum past the most a contract may come to.
        let big = BillLine(workItemId: 1, quantity: Self.q("1"), unitPriceFen: InvestmentRules.maxFen)
        #expect(InvestmentRules.billSum([big, big]) == .failure(.overflow(line: nil)))
        #expect(InvestmentRules.sum([Int64.max, 1]) == nil)
        #expect(InvestmentRules.sum([Int64.max - 1, 1]) == Int64.max)
    }

    static let bill = [
        BillLine(workItemId: 1, quantity: Quantity(milli: 100_000), unitPriceFen: 10_000),
        BillLine(workItemId: 2, quantity: Quantity(milli: 2_000), unitPriceFen: 500_000),
    ]

    @Test func theMeasuredValueIsMeasuredQuantitiesAtBillPricesPlusApprovedChanges() {
        let measured = [
            MeasuredLine(workItemId: 1, quantity: Quantity(milli: 50_500)),
            MeasuredLine(workItemId: 2, quantity: Quantity(milli: 1_000)),
        ]
        #expect(
            InvestmentRules.measuredValue(measured: measured, bill: Self.bill, approvedChangesFen: 0)
                == .success(505_000 + 500_000))
        #expect(
            InvestmentRules.measuredValue(measured: measured, bill: Self.bill, approvedChangesFen: -5_000)
                == .success(1_000_000))
    }

    @Test func aMeasuredItemOutsideTheBillOrAboveItsQuantityIsRefused() {
        let outside = [MeasuredLine(workItemId: 9, quantity: Quantity(milli: 1))]
        #expect(
            InvestmentRules.measuredValue(measured: outside, bill: Self.bill, approvedChangesFen: 0)
                == .failure(.notInBill(line: 0)))
        let above = [
            MeasuredLine(workItemId: 1, quantity: Quantity(milli: 1)),
            MeasuredLine(workItemId: 2, quantity: Quantity(milli: 2_001)),
        ]
        #expect(
            InvestmentRules.measuredValue(measured: above, bill: Self.bill, approvedChangesFen: 0)
                == .failure(.aboveBill(line: 1)))
    }

    @Test func changeOrdersCountOnlyWhenApprovedTwice() {
        let changes: [(amountFen: Int64, state: ApprovalState)] = [
            (100, .submitted), (200, .firstApproved), (400, .approved), (-50, .approved), (800, .rejected),
        ]
        #expect(InvestmentRules.approvedChanges(changes) == 350)
    }

    @Test func exactlyEightyPercentOfTheMeasuredValueIsAllowedAndOneFenMoreIsRefused() {
        let limit = InvestmentRules.limit(
            measuredFen: 1_000_000, settings: .standard, finalAcceptance: nil, today: Day("2026-11-30")!)
        #expect(limit == .progress(measuredFen: 1_000_000, ratioPercent: 80))
        #expect(limit.fen == 800_000)
        #expect(InvestmentRules.withinLimit(paymentsFen: [300_000, 500_000], limit: limit) == true)
        #expect(InvestmentRules.withinLimit(paymentsFen: [300_000, 500_001], limit: limit) == false)
    }

    @Test func aFractionOfAFenIsNeverPayable() {
        // 80% of 1,001 fen is 800.8 fen: 800 is allowed, 801 is not.
        let limit = InvestmentRules.Limit.progress(measuredFen: 1_001, ratioPercent: 80)
        #expect(limit.fen == 800)
        #expect(InvestmentRules.withinLimit(paymentsFen: [800], limit: limit) == true)
        #expect(InvestmentRules.withinLimit(paymentsFen: [801], limit: limit) == false)
    }

    @Test func theOfficeMaySetAHigherRatio() {
        let settings = InvestmentSettings(paymentRatioPercent: 90)
        let limit = InvestmentRules.limit(
            measuredFen: 1_000, settings: settings, finalAcceptance: nil, today: Day("2026-11-30")!)
        #expect(InvestmentRules.withinLimit(paymentsFen: [900], limit: limit) == true)
        #expect(InvestmentRules.withinLimit(paymentsFen: [901], limit: limit) == false)
        #expect(InvestmentSettings(paymentRatioPercent: 79).invalidField == "payment_ratio_percent")
        #expect(InvestmentSettings(retentionPercent: 4).invalidField == "retention_percent")
        #expect(InvestmentSettings(liabilityMonths: 25).invalidField == "liability_months")
        #expect(InvestmentSettings.standard.invalidField == nil)
    }

    @Test func afterFinalAcceptanceTheSettledSumLessRetentionUntilTheLiabilityPeriodEnds() {
        let accepted = Day("2026-03-31")!
        let within = InvestmentRules.limit(
            measuredFen: 1_000_000, settings: .standard, finalAcceptance: accepted, today: Day("2028-03-30")!)
        #expect(within == .settlement(settledFen: 1_000_000, retentionPercent: 3, releasedOn: Day("2028-03-31")!))
        #expect(within.fen == 970_000)
        #expect(InvestmentRules.withinLimit(paymentsFen: [800_000, 170_000], limit: within) == true)
        #expect(InvestmentRules.withinLimit(paymentsFen: [800_000, 170_001], limit: within) == false)
        let after = InvestmentRules.limit(
            measuredFen: 1_000_000, settings: .standard, finalAcceptance: accepted, today: Day("2028-03-31")!)
        #expect(after == .released(settledFen: 1_000_000))
        #expect(InvestmentRules.withinLimit(paymentsFen: [1_000_000], limit: after) == true)
        #expect(InvestmentRules.withinLimit(paymentsFen: [1_000_001], limit: after) == false)
    }

    @Test func aNegativeMeasuredValueAllowsNoPayment() {
        let limit = InvestmentRules.Limit.progress(measuredFen: -10, ratioPercent: 80)
        #expect(limit.fen == 0)
        #expect(InvestmentRules.withinLimit(paymentsFen: [1], limit: limit) == false)
    }

    @Test func paymentsWhoseSumOverflowsAreNotWithinAnyLimit() {
        let limit = InvestmentRules.Limit.progress(measuredFen: 1_000, ratioPercent: 80)
        #expect(InvestmentRules.withinLimit(paymentsFen: [Int64.max, 1], limit: limit) == nil)
    }

    @Test func monthsAreAddedOnTheCalendarKeepingTheMonthsLastDay() {
        #expect(Day("2026-01-31")!.addingMonths(1) == Day("2026-02-28")!)
        #expect(Day("2027-02-28")!.addingMonths(12) == Day("2028-02-28")!)
        #expect(Day("2026-05-15")!.addingMonths(24) == Day("2028-05-15")!)
        #expect(Day("2026-12-01")!.addingMonths(1) == Day("2027-01-01")!)
    }

    @Test func contractPlusChangesMoreThanTheToleranceAboveBudgetIsFlagged() {
        // Budget 1,000,000 fen and 10%: up to 1,100,000 is within, one fen more is flagged.
        #expect(
            !InvestmentRules.overBudget(
                budgetFen: 1_000_000, contractFen: 1_000_000, changesFen: 100_000, tolerancePercent: 10))
        #expect(
            InvestmentRules.overBudget(
                budgetFen: 1_000_000, contractFen: 1_000_000, changesFen: 100_001, tolerancePercent: 10))
        #expect(!InvestmentRules.overBudget(budgetFen: 0, contractFen: nil, changesFen: 0, tolerancePercent: 10))
        #expect(InvestmentRules.overBudget(budgetFen: 0, contractFen: 1, changesFen: 0, tolerancePercent: 10))
    }

    @Test func thePmCompanyApprovesFirstThenTheOfficeAndARejectionEndsIt() {
        #expect(TwoStepApproval.step(.submitted, by: .first, approve: true) == .success(.firstApproved))
        #expect(TwoStepApproval.step(.firstApproved, by: .second, approve: true) == .success(.approved))
        #expect(TwoStepApproval.step(.submitted, by: .first, approve: false) == .success(.rejected))
        #expect(TwoStepApproval.step(.firstApproved, by: .second, approve: false) == .success(.rejected))
    }

    @Test func anApprovalOutOfTurnOrByAnotherIsRefused() {
        #expect(
            TwoStepApproval.step(.submitted, by: .second, approve: true) == .failure(.notYourTurn(waitingFor: .first)))
        #expect(
            TwoStepApproval.step(.firstApproved, by: .first, approve: true)
                == .failure(.notYourTurn(waitingFor: .second)))
        #expect(TwoStepApproval.step(.submitted, by: .other, approve: true) == .failure(.notYours))
        #expect(TwoStepApproval.step(.approved, by: .second, approve: false) == .failure(.closed(.approved)))
        #expect(TwoStepApproval.step(.rejected, by: .first, approve: true) == .failure(.closed(.rejected)))
    }
}

@Suite struct YuanTextTests {
    @Test func aSumIsReadInFenExactlyOrNotAtAll() {
        #expect(YuanText.fen("24500") == 2_450_000)
        #expect(YuanText.fen(" 24,500.5 ") == 2_450_050)
        #expect(YuanText.fen("-1200.00") == -120_000)
        #expect(YuanText.fen("0.01") == 1)
        #expect(YuanText.fen("１２，５００．５") == 1_250_050)
        #expect(YuanText.fen("1,234,567.00") == 123_456_700)
        for bad in [
            "", "-", "1.234", "1e5", "两万", "12.3.4", "+5", "99999999999999999999", "10000000000.01", "1,2,3",
            "24500,50", ",500", "1234,567",
        ] {
            #expect(YuanText.fen(bad) == nil, "\(bad)")
        }
        #expect(YuanText.fen("10000000000") == YuanText.maxFen)
    }

    /// A sum written well but past 100 亿元 is told so; one written wrong is told how to write it.
    @Test func aSumPastTheLimitIsToldApartFromOneWrittenWrong() {
        for large in ["10000000000.01", "99999999999999999999", "-99999999999999999999", "10,000,000,001"] {
            #expect(YuanText.tooLarge(large), "\(large)")
        }
        for notLarge in [
            "10000000000", "24500", "1e400", "1.234", "两万", "", "-", ".5", "99999999999999999999.999", "10,00", "1,00",
            ",100",
        ] {
            #expect(!YuanText.tooLarge(notLarge), "\(notLarge)")
        }
    }
}

extension InvestmentRulesTests {
    /// Payments are approved in the order requested: an older one still before a step holds that step on a newer one.
    @Test func anOlderPaymentNotYetPastAStepHoldsThatStepOnANewerOne() {
        #expect(PaymentOrder.olderHolds(approving: .submitted, older: [.submitted]))
        #expect(!PaymentOrder.olderHolds(approving: .submitted, older: [.firstApproved, .approved, .rejected]))
        #expect(PaymentOrder.olderHolds(approving: .firstApproved, older: [.approved, .firstApproved]))
        #expect(PaymentOrder.olderHolds(approving: .firstApproved, older: [.submitted]))
        #expect(!PaymentOrder.olderHolds(approving: .firstApproved, older: [.approved, .rejected]))
        #expect(!PaymentOrder.olderHolds(approving: .submitted, older: []))
    }
}

extension InvestmentRulesTests {
    /// A claim 10 percentage points or less ahead of the progress is not flagged; a fen more is, at any size.
    @Test func aClaimWellAheadOfTheProgressIsFlaggedExactly() {
        // Contract with changes 3,811,859.80 yuan; 58.6% progress: 68.6% of it is 2,614,935.82 yuan (…8228 fen).
        let committed: Int64 = 381_185_980
        #expect(
            !InvestmentRules.aheadOfProgress(measuredFen: 261_493_582, committedFen: committed, progressTenths: 586))
        #expect(InvestmentRules.aheadOfProgress(measuredFen: 261_493_583, committedFen: committed, progressTenths: 586))
        #expect(InvestmentRules.aheadOfProgress(measuredFen: 285_889_485, committedFen: committed, progressTenths: 586))
        #expect(
            !InvestmentRules.aheadOfProgress(measuredFen: 80_348_067, committedFen: committed, progressTenths: 1000))
        #expect(!InvestmentRules.aheadOfProgress(measuredFen: 1, committedFen: 0, progressTenths: 0), "no contract")
        #expect(InvestmentRules.aheadOfProgress(measuredFen: .max / 10, committedFen: 1, progressTenths: 0))
        #expect(!InvestmentRules.aheadOfProgress(measuredFen: 1, committedFen: .max / 10, progressTenths: 0))
    }
}

@Suite struct WithdrawalRulesTests {
    @Test func aRequestIsTakenBackOnlyWhileItWaits() {
        #expect(TwoStepApproval.withdraw(.submitted) == .success(.rejected))
        #expect(TwoStepApproval.withdraw(.firstApproved) == .success(.rejected))
        #expect(TwoStepApproval.withdraw(.approved) == .failure(.closed(.approved)))
        #expect(TwoStepApproval.withdraw(.rejected) == .failure(.closed(.rejected)))
    }
}
