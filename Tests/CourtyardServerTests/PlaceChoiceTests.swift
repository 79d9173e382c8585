import Testing

@testable import CourtyardServer

/// The place a form sends from its one list of compounds and whole communities.
@Suite struct PlaceChoiceTests {
    @Test func readsWhatTheListOffersAndNothingElse() {
        #expect(PlaceChoice("compound:12") == .compound(12))
        #expect(PlaceChoice("community:3")?.communityId == 3 && PlaceChoice("community:3")?.compoundId == nil)
        #expect(PlaceChoice(PlaceChoice.compound(7).value) == .compound(7))
        for crafted in [
            nil, "", "compound", "compound:", "compound:0", "compound:-4", "compound:1:2", "street:1",
            "compound:99999999999999999999", "Compound:1", " compound:1",
        ] {
            #expect(PlaceChoice(crafted) == nil, "\(crafted ?? "nil")")
        }
    }
}
