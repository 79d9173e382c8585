/// The registry's rules about who lives where, decided over facts the store has loaded.
public enum RegistryRules {
    /// A household has one owner: making someone its owner is refused while another person owns it (the new
    /// person may be a co-owner, or the owner changed first). Re-tying the present owner is allowed.
    public static func secondOwner(
        adding residentId: Int64, as relation: ResidentRelation, ties: [(residentId: Int64, relation: ResidentRelation)]
    ) -> Bool {
        relation == .owner && ties.contains { $0.relation == .owner && $0.residentId != residentId }
    }

    /// Accounts scoped to a community or a compound see a person only through a household in their scope, so
    /// they add residents only into one of their households; a sub-district's office (or the city) may add one
    /// on their own.
    public static func newResidentNeedsHousehold(_ scope: Scope) -> Bool {
        guard let kind = scope.kind else { return false }
        return kind != .subdistrict
    }

    /// The sub-district a new organisation is placed in when none is given: an office's own; an administrator
    /// (or anyone else) must say.
    public static func organisationSubdistrict(scope: Scope) -> Int64? {
        scope.kind == .subdistrict ? scope.id : nil
    }
}
