import CourtyardDomain
import Testing

@Suite struct RegistryRulesTests {
    @Test func aHouseholdHasOneOwner() {
        let ties: [(residentId: Int64, relation: ResidentRelation)] = [(1, .owner), (2, .tenant)]
        #expect(RegistryRules.secondOwner(adding: 3, as: .owner, ties: ties))
        #expect(!RegistryRules.secondOwner(adding: 1, as: .owner, ties: ties), "the owner may be tied again")
        #expect(!RegistryRules.secondOwner(adding: 3, as: .coOwner, ties: ties))
        #expect(!RegistryRules.secondOwner(adding: 2, as: .owner, ties: [(2, .tenant)]))
    }

    @Test func narrowScopesAddResidentsOnlyIntoAHousehold() {
        #expect(!RegistryRules.newResidentNeedsHousehold(.global))
        #expect(!RegistryRules.newResidentNeedsHousehold(Scope(kind: .subdistrict, id: 1)))
        #expect(RegistryRules.newResidentNeedsHousehold(Scope(kind: .community, id: 1)))
        #expect(RegistryRules.newResidentNeedsHousehold(Scope(kind: .compound, id: 1)))
        #expect(RegistryRules.newResidentNeedsHousehold(Scope(kind: .organisation, id: 1)))
    }

    @Test func anOfficesOrganisationIsInItsOwnSubdistrictUnlessItSays() {
        #expect(RegistryRules.organisationSubdistrict(scope: Scope(kind: .subdistrict, id: 4)) == 4)
        #expect(RegistryRules.organisationSubdistrict(scope: .global) == nil)
        #expect(RegistryRules.organisationSubdistrict(scope: Scope(kind: .community, id: 2)) == nil)
    }
}
