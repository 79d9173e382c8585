import CourtyardStore

/// A place a form offers in one list: a compound or a whole community, sent as `compound:12` or `community:3`.
enum PlaceChoice: Equatable {
    case compound(Int64)
    case community(Int64)

    /// Reads a sent value; nil for nothing chosen or anything a list never offered.
    init?(_ sent: String?) {
        let parts = (sent ?? "").split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Int64(parts[1]), id > 0 else { return nil }
        switch parts[0] {
        case "compound": self = .compound(id)
        case "community": self = .community(id)
        default: return nil
        }
    }

    var value: String {
        switch self {
        case .compound(let id): "compound:\(id)"
        case .community(let id): "community:\(id)"
        }
    }

    var compoundId: Int64? { if case .compound(let id) = self { id } else { nil } }
    var communityId: Int64? { if case .community(let id) = self { id } else { nil } }

    /// The compounds, then each community as a whole (幸福里社区（全社区）), the one sent marked as chosen.
    static func options(
        compounds: some Sequence<Compound>, communities: some Sequence<Community>, selected: String?, _ f: PageFrame
    ) -> [FormOption] {
        let places =
            compounds.map { (PlaceChoice.compound($0.id), $0.name) }
            + communities.map { (PlaceChoice.community($0.id), $0.name + f.t("bodies.wholeCommunity")) }
        return places.map { FormOption(value: $0.0.value, label: $0.1, selected: selected == $0.0.value) }
    }
}
