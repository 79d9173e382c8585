import CourtyardDomain
import Testing

@Suite struct ZoneRulesTests {
    /// The forward offset at a published reference point (Beijing, eviltransform's test vector).
    @Test func theForwardOffsetMatchesTheReferencePoint() {
        let g = ChinaDatum.wgsToGcj(lat: 39.915, lon: 116.404)
        #expect(abs(g.lat - 39.916_404_281_501_64) < 1e-9)
        #expect(abs(g.lon - 116.410_244_499_169_38) < 1e-9)
    }

    @Test func theInverseIterationUndoesTheOffsetToUnderACentimetre() {
        for (lat, lon) in [(39.915, 116.404), (31.2304, 121.4737), (22.5431, 114.0579), (45.75, 126.65)] {
            let g = ChinaDatum.wgsToGcj(lat: lat, lon: lon)
            let w = ChinaDatum.gcjToWgs(lat: g.lat, lon: g.lon)
            #expect(abs(w.lat - lat) < 1e-7 && abs(w.lon - lon) < 1e-7, "\(lat), \(lon)")
            // The offset itself is hundreds of metres, so the conversion is not a no-op.
            #expect(abs(g.lon - lon) > 1e-3)
        }
    }

    @Test func pointsOutsideChinaAreLeftAsTheyAre() {
        let g = ChinaDatum.gcjToWgs(lat: 51.5, lon: -0.12)
        #expect(g.lat == 51.5 && g.lon == -0.12)
    }

    @Test func theEdgeOfChinasBoxIsDecidedExactly() {
        // The box's own edges are inside; a ten-millionth of a degree beyond is outside, on every edge.
        for (lat, lon) in [("0.8293", "100"), ("55.8271", "100"), ("30", "72.004"), ("30", "137.8347")] {
            #expect((try? CompoundLocation.point(latText: lat, lonText: lon, datum: .wgs84)) != nil, "\(lat) \(lon)")
        }
        for (lat, lon) in [("0.8292999", "100"), ("55.8271001", "100"), ("30", "72.0039999"), ("30", "137.8347001")] {
            #expect((try? CompoundLocation.point(latText: lat, lonText: lon, datum: .wgs84)) == nil, "\(lat) \(lon)")
        }
        #expect(ChinaDatum.isInChina(GeoPoint(latE7: 8_293_000, lonE7: 720_040_000)))
        #expect(!ChinaDatum.isInChina(GeoPoint(latE7: 8_292_999, lonE7: 720_040_000)))
    }

    @Test func aCompoundLocationOutsideChinaNamesItsField() {
        #expect(throws: ValidationError(field: "lat", code: "outside_china", message: "lat lies outside China")) {
            _ = try CompoundLocation.point(latText: "-33.86", lonText: "121.4", datum: .wgs84)
        }
        #expect(throws: ValidationError(field: "lon", code: "outside_china", message: "lon lies outside China")) {
            _ = try CompoundLocation.point(latText: "39.9", lonText: "-0.12", datum: .wgs84)
        }
        #expect(throws: ValidationError.self) {
            _ = try CompoundLocation.point(latText: "39.9", lonText: nil, datum: .wgs84)
        }
        #expect(throws: ValidationError.self) {
            _ = try CompoundLocation.point(latText: "39.12345678", lonText: "116.4", datum: .wgs84)
        }
        let p = try? CompoundLocation.point(latText: "39.915", lonText: "116.404", datum: .wgs84)
        #expect(p == GeoPoint(latE7: 399_150_000, lonE7: 1_164_040_000))
    }

    @Test func gcj02InputIsStoredInWGS84() throws {
        let p = try CompoundLocation.point(latText: "39.9164043", lonText: "116.4102445", datum: .gcj02)
        #expect(abs(p.latE7 - 399_150_000) <= 2 && abs(p.lonE7 - 1_164_040_000) <= 2)
    }

    @Test func degreesAreExactText() {
        #expect(GeoPoint.text(1_163_975_000) == "116.3975")
        #expect(GeoPoint.text(-5) == "-0.0000005")
        #expect(GeoPoint.text(400_000_000) == "40")
        #expect(GeoPoint.parseE7("39.9087") == 399_087_000)
        #expect(GeoPoint.parseE7("39.") == nil)
        #expect(GeoPoint.parseE7("1e3") == nil)
    }

    @Test func theNearestPlaceWithinTheRadiusIsFound() {
        let here = GeoPoint(lat: 39.915, lon: 116.404)
        let near = GeoPoint(lat: 39.9165, lon: 116.404)  // about 167 m north
        let far = GeoPoint(lat: 39.919, lon: 116.404)  // about 445 m north
        #expect(abs(ChinaDatum.distanceMetres(here, near) - 166.8) < 1)
        #expect(ChinaDatum.nearest(to: here, among: [(1, far), (2, near)], within: 300) == 2)
        #expect(ChinaDatum.nearest(to: here, among: [(1, far)], within: 300) == nil)
    }

    @Test func weightsMustSumToOneHundred() {
        let ok = [SelectionCriterion(name: "服务方案", weight: 60), SelectionCriterion(name: "报价", weight: 40)]
        #expect(SelectionRules.criteriaProblem(ok) == nil)
        let short = [SelectionCriterion(name: "服务方案", weight: 60), SelectionCriterion(name: "报价", weight: 39)]
        #expect(SelectionRules.criteriaProblem(short)?.field == "criteria")
        #expect(
            SelectionRules.criteriaProblem([SelectionCriterion(name: "a", weight: 0)])?.field == "criteria[0].weight")
        #expect(SelectionRules.criteriaProblem([])?.field == "criteria")
        let twice = [SelectionCriterion(name: "a", weight: 50), SelectionCriterion(name: "a", weight: 50)]
        #expect(SelectionRules.criteriaProblem(twice)?.field == "criteria[1].name")
    }

    @Test func scoresAreZeroToOneHundredWithTwoDecimals() {
        #expect(SelectionRules.scoreCenti("87.5") == 8750)
        #expect(SelectionRules.scoreCenti("100") == 10_000)
        #expect(SelectionRules.scoreCenti("0") == 0)
        #expect(SelectionRules.scoreCenti("100.01") == nil)
        #expect(SelectionRules.scoreCenti("-1") == nil)
        #expect(SelectionRules.scoreCenti("80.125") == nil)
    }

    /// A fee typed in yuan per m² per month: 0.01 to 1,000 yuan, in fen, two decimals at most.
    @Test func feesAreTypedInYuanAndKeptInFen() {
        #expect(SelectionRules.feeFen("1.10") == 110)
        #expect(SelectionRules.feeFen("1.1") == 110)
        #expect(SelectionRules.feeFen("1000") == 100_000)
        #expect(SelectionRules.feeFen("1000.01") == nil)
        #expect(SelectionRules.feeFen("0") == nil)
        #expect(SelectionRules.feeFen("0.01") == 1)
        #expect(SelectionRules.feeFen("99999999999999999999") == nil)
        #expect(SelectionRules.feeFen("1e3") == nil)
        #expect(SelectionRules.feeFen("１.10") == nil)
    }

    /// Two members, weights 60/40: (60×85 + 40×90)/100 = 87, (60×80 + 40×70.5)/100 = 76.2; mean 81.6.
    @Test func theTotalIsTheMeanOfWeightedMeansExactly() {
        let c = [SelectionCriterion(name: "plan", weight: 60), SelectionCriterion(name: "fee", weight: 40)]
        #expect(
            SelectionRules.total(
                criteria: c, scores: [["plan": 8500, "fee": 9000], ["plan": 8000, "fee": 7050]]) == "81.60")
        // 1/3 weights do not exist (whole weights), but three members give thirds: (90+90+91)/3 = 90.333… → 90.33.
        let one = [SelectionCriterion(name: "all", weight: 100)]
        #expect(SelectionRules.total(criteria: one, scores: [["all": 9000], ["all": 9000], ["all": 9100]]) == "90.33")
        // Half up: (90 + 90.01)/2 = 90.005 → 90.01.
        #expect(SelectionRules.total(criteria: one, scores: [["all": 9000], ["all": 9001]]) == "90.01")
        // 0.1 + 0.2 as floats is not 0.3; here it is.
        let w = [SelectionCriterion(name: "a", weight: 50), SelectionCriterion(name: "b", weight: 50)]
        #expect(SelectionRules.total(criteria: w, scores: [["a": 10, "b": 50]]) == "0.30")
        #expect(SelectionRules.total(criteria: c, scores: [["plan": 8500]]) == nil, "a criterion not scored")
    }
}

@Suite struct HandoverAndRecordRulesTests {
    @Test func theHandoverNeedsAllFourSignaturesAndACompany() {
        #expect(
            HandoverRules.missing(hasChecklist: true, signed: Set(HandoverParty.allCases), companyAssigned: true)
                .isEmpty)
        #expect(
            HandoverRules.missing(hasChecklist: true, signed: [.office, .community, .owners], companyAssigned: true)
                == [.signature(.propertyCompany)])
        #expect(
            HandoverRules.missing(hasChecklist: false, signed: [], companyAssigned: false).map(\.code) == [
                "checklist", "signature:office", "signature:community", "signature:owners",
                "signature:property_company", "property_company",
            ])
    }

    @Test func aWarrantyEndsWithinFiftyYears() {
        let today = Day("2026-12-05")!
        #expect(!HandoverRules.warrantyTooFar(Day("2031-12-05")!, today: today), "five years, as usual")
        #expect(!HandoverRules.warrantyTooFar(today.adding(days: HandoverRules.maxWarrantyDays), today: today))
        #expect(HandoverRules.warrantyTooFar(today.adding(days: HandoverRules.maxWarrantyDays + 1), today: today))
        #expect(HandoverRules.warrantyTooFar(Day("9999-12-31")!, today: today))
        #expect(HandoverRules.warrantyTooFar(Day("0001-01-01")!, today: today))
        #expect(!HandoverRules.warrantyTooFar(Day("2024-06-30")!, today: today), "one already over is possible")
    }

    @Test func eachRoleSignsAsItsParty() {
        #expect(HandoverParty.of(.subdistrictOfficer) == .office)
        #expect(HandoverParty.of(.communityStaff) == .community)
        #expect(HandoverParty.of(.steward) == .owners)
        #expect(HandoverParty.of(.propertyCompany) == .propertyCompany)
        #expect(HandoverParty.of(.contractor) == nil)
    }

    @Test func anOpenDefectIsDueWithinTheWarranty() {
        let w = Day("2027-06-30")!
        #expect(!HandoverRules.defectProblem(dueOn: Day("2027-06-30")!, warrantyUntil: w))
        #expect(HandoverRules.defectProblem(dueOn: Day("2027-07-01")!, warrantyUntil: w))
        #expect(!HandoverRules.defectProblem(dueOn: Day("2030-01-01")!, warrantyUntil: nil))
    }

    @Test func sharesAreExactPercentages() {
        #expect(PropertyRecordRules.percent(2, of: 3) == "66.67")
        #expect(PropertyRecordRules.percent(1, of: 8) == "12.50")
        #expect(PropertyRecordRules.percent(1, of: 0) == nil)
        #expect(PropertyRecordRules.fixedInTime(fixedOn: Day("2026-03-02"), dueOn: Day("2026-03-02")))
        #expect(!PropertyRecordRules.fixedInTime(fixedOn: Day("2026-03-03"), dueOn: Day("2026-03-02")))
        #expect(!PropertyRecordRules.fixedInTime(fixedOn: nil, dueOn: Day("2026-03-02")))
    }

    @Test func satisfactionIsTheMeanOfTheProjectsRatesRoundedHalfUp() {
        #expect(PropertyRecordRules.meanSatisfaction(tenths: [875, 900]) == "88.8")
        #expect(PropertyRecordRules.meanSatisfaction(tenths: [1000, 333, 334]) == "55.6")
        #expect(PropertyRecordRules.meanSatisfaction(tenths: [0]) == "0.0")
        #expect(PropertyRecordRules.meanSatisfaction(tenths: []) == nil)
    }
}
