import CourtyardDomain
import SQLKit

/// How one column is checked on the way in and shown on the way out.
public enum FieldKind: Sendable, Equatable {
    case text(maxLength: Int)
    case integer(min: Int, max: Int)
    case flag
    case area
    case reference(String)
    case choice([String])
    case phone
    /// Degrees of latitude or longitude in WGS-84, stored in 1e-7 degrees under `<name>_e7`.
    case degrees
}

public struct Field: Sendable {
    public let name: String
    public let kind: FieldKind
    public let required: Bool
    /// Create-only fields (a record's parent) cannot be changed by an update.
    public let updatable: Bool
    /// Personal data, masked for roles that may not read it.
    public let personal: Bool
    /// Areas are stored in 0.01 m² under their own column name.
    public var column: String {
        switch kind {
        case .area: "area_centi"
        case .degrees: name + "_e7"
        default: name
        }
    }

    public init(
        _ name: String, _ kind: FieldKind, required: Bool = false, updatable: Bool = true, personal: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.updatable = updatable
        self.personal = personal
    }
}

/// A table exposed as an API resource: its fields, parent, filters and how scope applies to it.
public struct ResourceSpec: Sendable {
    public let name: String
    public let table: String
    public let fields: [Field]
    /// FROM clause; the resource's own table is always `t`, its compound (if any) `c`.
    public let from: String
    /// Query parameters that filter a list, and the SQL each compares.
    public let filters: [String: String]
    /// Expression searched by `q`: never personal data, so every reader may search it.
    public let search: String?
    /// Personal columns `q` also searches, only for roles that may read personal data: a match behind a mask
    /// would still say who lives where.
    public var personalSearch: [String] = []
    /// Columns copied from the parent on create, so scope checks need no deep joins:
    /// (parent field, parent table, [(my column, parent column)]).
    public let inherit: (field: String, table: String, columns: [(String, String)])?
    let scopeSQL: @Sendable (ScopeKind, Int64) -> SQLQueryString
    /// The row's sub-district, recorded with each audit entry so officers see their own.
    public let subdistrictExpr: String
    public let readCapability: Capability
    public let writeCapability: Capability

    /// The SQL condition that keeps rows inside a scope.
    public func scopeCondition(_ scope: Scope) -> SQLQueryString {
        guard let kind = scope.kind, let id = scope.id else { return "1=1" }
        return scopeSQL(kind, id)
    }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

/// Scope by plain columns: the subdistrict, community, compound, building and entrance expressions of a row.
/// A steward's building or entrance sees the rows inside it and, above it, only its own building and compound.
func placeScope(sd: String, cm: String?, cp: String?, bd: String? = nil, en: String? = nil)
    -> @Sendable (ScopeKind, Int64) -> SQLQueryString
{
    { kind, id in
        switch kind {
        case .subdistrict: return "\(unsafeRaw: sd) = \(bind: id)"
        case .community: return cm.map { "\(unsafeRaw: $0) = \(bind: id)" } ?? "1=0"
        case .compound: return cp.map { "\(unsafeRaw: $0) = \(bind: id)" } ?? "1=0"
        case .organisation: return "1=0"
        case .building:
            if let bd { return "\(unsafeRaw: bd) = \(bind: id)" }
            return cp.map { "\(unsafeRaw: $0) = " + ScopePlace.compound(.building, id) } ?? "1=0"
        case .entrance:
            if let en { return "\(unsafeRaw: en) = \(bind: id)" }
            if let bd { return "\(unsafeRaw: bd) = (SELECT building_id FROM entrances WHERE id = \(bind: id))" }
            return cp.map { "\(unsafeRaw: $0) = " + ScopePlace.compound(.entrance, id) } ?? "1=0"
        }
    }
}

/// Where a steward's building or entrance lies, as SQL, for checks made at the compound or sub-district level
/// (projects, votes, meetings): a building or entrance account sees what its compound's account sees there.
public enum ScopePlace {
    /// The compound of a compound, building or entrance scope, as a bound value or a subquery.
    public static func compound(_ kind: ScopeKind, _ id: Int64) -> SQLQueryString {
        switch kind {
        case .building: return "(SELECT compound_id FROM buildings WHERE id = \(bind: id))"
        case .entrance: return "(SELECT compound_id FROM entrances WHERE id = \(bind: id))"
        default: return "\(bind: id)"
        }
    }

    /// The sub-district of a place scope other than a sub-district's own, as a subquery.
    public static func subdistrict(_ kind: ScopeKind, _ id: Int64) -> SQLQueryString {
        switch kind {
        case .community: return "(SELECT subdistrict_id FROM communities WHERE id = \(bind: id))"
        case .organisation: return "(SELECT subdistrict_id FROM organisations WHERE id = \(bind: id))"
        case .subdistrict: return "\(bind: id)"
        default: return "(SELECT subdistrict_id FROM compounds WHERE id = " + compound(kind, id) + ")"
        }
    }
}

extension ResourceSpec {
    public static let communities = ResourceSpec(
        name: "communities", table: "communities",
        fields: [
            Field("subdistrict_id", .reference("subdistricts"), required: true, updatable: false),
            Field("name", .text(maxLength: 100), required: true),
        ],
        from: "communities t", filters: ["subdistrict_id": "t.subdistrict_id"], search: "t.name", inherit: nil,
        scopeSQL: placeScope(sd: "t.subdistrict_id", cm: "t.id", cp: nil),
        subdistrictExpr: "t.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    public static let compounds = ResourceSpec(
        name: "compounds", table: "compounds",
        fields: [
            Field("community_id", .reference("communities"), required: true, updatable: false),
            Field("subdistrict_id", .reference("subdistricts"), updatable: false),
            Field("name", .text(maxLength: 100), required: true),
            Field("address", .text(maxLength: 200)),
            Field("built_year", .integer(min: 1900, max: 2100)),
            Field("ownerless", .flag),
            Field("zone_id", .reference("zones")),
            Field("lat", .degrees),
            Field("lon", .degrees),
        ],
        from: "compounds t",
        filters: ["community_id": "t.community_id", "subdistrict_id": "t.subdistrict_id", "zone_id": "t.zone_id"],
        search: "t.name", inherit: ("community_id", "communities", [("subdistrict_id", "subdistrict_id")]),
        scopeSQL: placeScope(sd: "t.subdistrict_id", cm: "t.community_id", cp: "t.id"),
        subdistrictExpr: "t.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    public static let buildings = ResourceSpec(
        name: "buildings", table: "buildings",
        fields: [
            Field("compound_id", .reference("compounds"), required: true, updatable: false),
            Field("name", .text(maxLength: 100), required: true),
        ],
        from: "buildings t JOIN compounds c ON c.id = t.compound_id",
        filters: ["compound_id": "t.compound_id", "community_id": "c.community_id"], search: "t.name", inherit: nil,
        scopeSQL: placeScope(sd: "c.subdistrict_id", cm: "c.community_id", cp: "t.compound_id", bd: "t.id"),
        subdistrictExpr: "c.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    public static let entrances = ResourceSpec(
        name: "entrances", table: "entrances",
        fields: [
            Field("building_id", .reference("buildings"), required: true, updatable: false),
            Field("compound_id", .reference("compounds"), updatable: false),
            Field("name", .text(maxLength: 100), required: true),
        ],
        from: "entrances t JOIN compounds c ON c.id = t.compound_id",
        filters: ["building_id": "t.building_id", "compound_id": "t.compound_id"], search: "t.name",
        inherit: ("building_id", "buildings", [("compound_id", "compound_id")]),
        scopeSQL: placeScope(
            sd: "c.subdistrict_id", cm: "c.community_id", cp: "t.compound_id", bd: "t.building_id", en: "t.id"),
        subdistrictExpr: "c.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    public static let households = ResourceSpec(
        name: "households", table: "households",
        fields: [
            Field("entrance_id", .reference("entrances"), required: true, updatable: false),
            Field("building_id", .reference("buildings"), updatable: false),
            Field("compound_id", .reference("compounds"), updatable: false),
            Field("room", .text(maxLength: 50), required: true),
            Field("floor", .integer(min: -5, max: 200)),
            Field("area_m2", .area, required: true),
        ],
        from: "households t JOIN compounds c ON c.id = t.compound_id",
        filters: [
            "entrance_id": "t.entrance_id", "building_id": "t.building_id", "compound_id": "t.compound_id",
            "community_id": "c.community_id",
        ],
        search: "t.room",
        inherit: ("entrance_id", "entrances", [("building_id", "building_id"), ("compound_id", "compound_id")]),
        scopeSQL: placeScope(
            sd: "c.subdistrict_id", cm: "c.community_id", cp: "t.compound_id", bd: "t.building_id",
            en: "t.entrance_id"),
        subdistrictExpr: "c.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    /// A resident belongs to a sub-district; narrower scopes see those living in (or owning) a household there.
    public static let residents = ResourceSpec(
        name: "residents", table: "residents",
        fields: [
            Field("subdistrict_id", .reference("subdistricts"), required: true, updatable: false),
            Field("name", .text(maxLength: 50), required: true, personal: true),
            Field("phone", .phone, personal: true),
            Field("party_member", .flag, personal: true),
        ],
        from: "residents t",
        filters: [
            "subdistrict_id": "t.subdistrict_id",
            "household_id": "t.id IN (SELECT resident_id FROM household_residents WHERE household_id = ?)",
        ],
        search: nil, personalSearch: ["t.name", "t.phone"], inherit: nil,
        scopeSQL: { kind, id in
            let linked =
                "t.id IN (SELECT hr.resident_id FROM household_residents hr JOIN households h ON h.id = hr.household_id"
            switch kind {
            case .subdistrict: return "t.subdistrict_id = \(bind: id)"
            case .community:
                return
                    "\(unsafeRaw: linked) JOIN compounds hc ON hc.id = h.compound_id WHERE hc.community_id = \(bind: id))"
            case .compound: return "\(unsafeRaw: linked) WHERE h.compound_id = \(bind: id))"
            case .organisation: return "1=0"
            case .building: return "\(unsafeRaw: linked) WHERE h.building_id = \(bind: id))"
            case .entrance: return "\(unsafeRaw: linked) WHERE h.entrance_id = \(bind: id))"
            }
        },
        subdistrictExpr: "t.subdistrict_id",
        readCapability: .readRegistry, writeCapability: .writeRegistry)

    /// Organisations are not personal data: every account in their sub-district may read them; each belongs to one
    /// sub-district (an office's own by default), so none is visible everywhere.
    public static let organisations = ResourceSpec(
        name: "organisations", table: "organisations",
        fields: [
            Field("subdistrict_id", .reference("subdistricts"), required: true, updatable: false),
            Field("name", .text(maxLength: 200), required: true),
            Field("kind", .choice(OrganisationKind.allCases.map(\.rawValue)), required: true),
            Field("department", .choice(DepartmentKind.allCases.map(\.rawValue))),
            Field("contact_name", .text(maxLength: 50)),
            Field("contact_phone", .phone),
        ],
        from: "organisations t", filters: ["kind": "t.kind", "subdistrict_id": "t.subdistrict_id"], search: "t.name",
        inherit: nil,
        scopeSQL: { kind, id in
            switch kind {
            case .subdistrict: return "t.subdistrict_id = \(bind: id)"
            case .organisation: return "t.id = \(bind: id)"
            case .community: return "t.subdistrict_id = (SELECT subdistrict_id FROM communities WHERE id = \(bind: id))"
            case .compound: return "t.subdistrict_id = (SELECT subdistrict_id FROM compounds WHERE id = \(bind: id))"
            case .building, .entrance: return "t.subdistrict_id = " + ScopePlace.subdistrict(kind, id)
            }
        },
        subdistrictExpr: "t.subdistrict_id",
        readCapability: .readOrganisations, writeCapability: .writeOrganisations)

    public static let all: [ResourceSpec] = [
        communities, compounds, buildings, entrances, households, residents, organisations,
    ]
}

extension ResourceSpec {
    /// Sub-districts: every account sees its own; only administrators create or rename them.
    public static let subdistricts = ResourceSpec(
        name: "subdistricts", table: "subdistricts",
        fields: [Field("name", .text(maxLength: 100), required: true)],
        from: "subdistricts t", filters: [:], search: "t.name", inherit: nil,
        scopeSQL: { kind, id in
            switch kind {
            case .subdistrict: return "t.id = \(bind: id)"
            case .community: return "t.id = (SELECT subdistrict_id FROM communities WHERE id = \(bind: id))"
            case .compound: return "t.id = (SELECT subdistrict_id FROM compounds WHERE id = \(bind: id))"
            case .organisation: return "t.id = (SELECT subdistrict_id FROM organisations WHERE id = \(bind: id))"
            case .building, .entrance: return "t.id = " + ScopePlace.subdistrict(kind, id)
            }
        },
        subdistrictExpr: "t.id",
        readCapability: .readOrganisations, writeCapability: .writeSubdistricts)
}
