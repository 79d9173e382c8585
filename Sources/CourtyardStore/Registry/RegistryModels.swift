import CourtyardDomain

/// A registry record read as its own type: one per resource, built from the record its `ResourceSpec` describes,
/// so pages read typed fields and the spec stays the one place the fields and the API's JSON are defined.
public protocol RegistryModel: Sendable {
    static var spec: ResourceSpec { get }
    init(_ record: Record) throws
}

/// A person tied to a household, as the household shows them: name and phone already masked for roles that
/// may not read personal data.
public struct HouseholdResident: Codable, Sendable, Equatable {
    public var residentId: Int64
    public var name: String
    public var phone: String
    public var relation: ResidentRelation
    public var livesElsewhere: Bool

    enum CodingKeys: String, CodingKey {
        case residentId = "resident_id", name, phone, relation
        case livesElsewhere = "lives_elsewhere"
    }
}

/// A household a person is tied to, as the person's record shows it.
public struct ResidentHousehold: Codable, Sendable, Equatable {
    public var householdId: Int64
    public var relation: ResidentRelation
    public var livesElsewhere: Bool

    enum CodingKeys: String, CodingKey {
        case householdId = "household_id", relation
        case livesElsewhere = "lives_elsewhere"
    }
}

public struct Subdistrict: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .subdistricts }
    public var id: Int64
    public var name: String
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        name = try r.text("name")
        version = r.version
    }
}

public struct Community: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .communities }
    public var id: Int64
    public var subdistrictId: Int64
    public var name: String
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        subdistrictId = try r.reference("subdistrict_id")
        name = try r.text("name")
        version = r.version
    }
}

public struct Compound: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .compounds }
    public var id: Int64
    public var communityId: Int64
    public var subdistrictId: Int64?
    public var name: String
    public var address: String
    public var builtYear: Int?
    public var ownerless: Bool
    public var zoneId: Int64?
    /// WGS-84 degrees as exact text, nil when the compound has no location.
    public var lat: String?
    public var lon: String?
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        communityId = try r.reference("community_id")
        subdistrictId = try r.optionalReference("subdistrict_id")
        name = try r.text("name")
        address = try r.text("address")
        builtYear = try r.optionalInteger("built_year")
        ownerless = try r.flag("ownerless")
        zoneId = try r.optionalReference("zone_id")
        lat = try r.optionalDegrees("lat")
        lon = try r.optionalDegrees("lon")
        version = r.version
    }
}

public struct Building: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .buildings }
    public var id: Int64
    public var compoundId: Int64
    public var name: String
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        compoundId = try r.reference("compound_id")
        name = try r.text("name")
        version = r.version
    }
}

public struct Entrance: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .entrances }
    public var id: Int64
    public var buildingId: Int64
    public var compoundId: Int64
    public var name: String
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        buildingId = try r.reference("building_id")
        compoundId = try r.reference("compound_id")
        name = try r.text("name")
        version = r.version
    }
}

public struct Household: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .households }
    public var id: Int64
    public var entranceId: Int64
    public var buildingId: Int64
    public var compoundId: Int64
    public var room: String
    public var floor: Int?
    public var area: Area
    /// Owners first, then co-owners, then tenants; masked as the reader's role requires.
    public var residents: [HouseholdResident]
    public var subdistrictId: Int64?
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        entranceId = try r.reference("entrance_id")
        buildingId = try r.reference("building_id")
        compoundId = try r.reference("compound_id")
        room = try r.text("room")
        floor = try r.optionalInteger("floor")
        area = try r.area("area_m2")
        residents = try r.list("residents", of: HouseholdResident.self)
        subdistrictId = r.subdistrictId
        version = r.version
    }
}

public struct Resident: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .residents }
    public var id: Int64
    public var subdistrictId: Int64
    /// Masked as the reader's role requires.
    public var name: String
    /// Masked as the reader's role requires.
    public var phone: String
    /// Personal data: nil for roles that may not read it.
    public var partyMember: Bool?
    public var households: [ResidentHousehold]
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        subdistrictId = try r.reference("subdistrict_id")
        name = try r.text("name")
        phone = try r.text("phone")
        let party = try r.value("party_member") { $0 == .flag }
        partyMember = party == .null ? nil : party == .bool(true)
        households = try r.list("households", of: ResidentHousehold.self)
        version = r.version
    }
}

public struct Organisation: RegistryModel, Equatable {
    public static var spec: ResourceSpec { .organisations }
    public var id: Int64
    public var subdistrictId: Int64?
    public var name: String
    public var kind: OrganisationKind
    public var department: DepartmentKind?
    public var contactName: String
    public var contactPhone: String
    public var version: Int
    public init(_ r: Record) throws {
        id = r.id
        subdistrictId = try r.optionalReference("subdistrict_id")
        name = try r.text("name")
        kind = try r.choice("kind", OrganisationKind.self)
        department = try r.optionalChoice("department", DepartmentKind.self)
        contactName = try r.text("contact_name")
        contactPhone = try r.text("contact_phone")
        version = r.version
    }
}

/// A record's field that its model expects and the spec does not give as that kind: the model and the spec have
/// drifted apart, which a test catches for every resource.
public struct RecordShapeError: Error, Sendable, CustomStringConvertible {
    public var resource: String
    public var field: String
    public var description: String { "\(resource).\(field) is not what its model reads" }
}

/// Typed reads of a record's fields, each checked against the field's kind in the spec.
extension Record {
    func value(_ name: String, _ kinds: (FieldKind) -> Bool) throws -> JSONValue {
        guard let f = spec.field(name), kinds(f.kind) else { throw RecordShapeError(resource: spec.name, field: name) }
        return self[name] ?? .null
    }

    func shapeError(_ name: String) -> RecordShapeError { RecordShapeError(resource: spec.name, field: name) }

    /// Text, choice or phone; a NULL reads as empty, as the API's clients have always treated it.
    func text(_ name: String) throws -> String {
        let v = try value(name) {
            switch $0 {
            case .text, .phone, .choice: true
            default: false
            }
        }
        if v == .null { return "" }
        guard let s = v.stringValue else { throw shapeError(name) }
        return s
    }

    func optionalReference(_ name: String) throws -> Int64? {
        let v = try value(name) { if case .reference = $0 { true } else { false } }
        if v == .null { return nil }
        guard let i = v.intValue else { throw shapeError(name) }
        return i
    }

    func reference(_ name: String) throws -> Int64 {
        guard let i = try optionalReference(name) else { throw shapeError(name) }
        return i
    }

    func optionalInteger(_ name: String) throws -> Int? {
        let v = try value(name) { if case .integer = $0 { true } else { false } }
        if v == .null { return nil }
        guard let i = v.intValue else { throw shapeError(name) }
        return Int(i)
    }

    func optionalDegrees(_ name: String) throws -> String? {
        let v = try value(name) { $0 == .degrees }
        if v == .null { return nil }
        guard case .number(let s) = v else { throw shapeError(name) }
        return s
    }

    func flag(_ name: String) throws -> Bool {
        let v = try value(name) { $0 == .flag }
        return v == .bool(true)
    }

    func area(_ name: String) throws -> Area {
        let v = try value(name) { $0 == .area }
        guard let s = v.stringValue, let a = Area.parse(s) else { throw shapeError(name) }
        return a
    }

    func choice<E: RawRepresentable>(_ name: String, _: E.Type) throws -> E where E.RawValue == String {
        guard let e = try optionalChoice(name, E.self) else { throw shapeError(name) }
        return e
    }

    func optionalChoice<E: RawRepresentable>(_ name: String, _: E.Type) throws -> E? where E.RawValue == String {
        let v = try value(name) { if case .choice = $0 { true } else { false } }
        if v == .null { return nil }
        guard let s = v.stringValue, let e = E(rawValue: s) else { throw shapeError(name) }
        return e
    }

    /// The links attached after the spec's own fields (a household's residents, a resident's households).
    func list<T: Decodable>(_ name: String, of: T.Type) throws -> [T] {
        guard let v = self[name] else { return [] }
        do { return try JSONValueCoding.decode([T].self, from: v) } catch { throw shapeError(name) }
    }
}

extension ResourceRepository {
    /// One record as its model; not found (or outside the actor's scope) as for `get(_:id:actor:)`.
    public func get<M: RegistryModel>(_: M.Type, id: Int64, actor: Actor) async throws -> M {
        try M(try await get(M.spec, id: id, actor: actor))
    }

    /// Every record in scope matching the query, as models.
    public func listAll<M: RegistryModel>(_: M.Type, query: ListQuery = ListQuery(), actor: Actor) async throws
        -> [M]
    {
        try await listAll(M.spec, query: query, actor: actor).map(M.init)
    }
}
