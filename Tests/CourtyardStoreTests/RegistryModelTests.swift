import CourtyardDomain
import Testing

@testable import CourtyardStore

/// Each registry model reads its record by the spec's field names and kinds: a field renamed or retyped in a spec
/// and not in its model (or the other way round) fails here, not on a page at run time.
@Suite struct RegistryModelTests {
    /// A record of the spec with a plausible value in every field, and the links the repository attaches.
    static func sample(_ spec: ResourceSpec) -> Record {
        var values: [(String, JSONValue)] = spec.fields.map { f in
            switch f.kind {
            case .text, .phone: (f.name, .string("x"))
            case .integer(let lo, _): (f.name, .int(Int64(lo)))
            case .flag: (f.name, .bool(true))
            case .area: (f.name, .string("85.60"))
            case .reference: (f.name, .int(7))
            case .choice(let options): (f.name, .string(options[0]))
            case .degrees: (f.name, .number("39.9087"))
            }
        }
        let tie: [(String, JSONValue)] = [("relation", .string("co_owner")), ("lives_elsewhere", .bool(true))]
        if spec.name == "households" {
            values.append(
                (
                    "residents",
                    .array([.object([("resident_id", .int(3)), ("name", .string("张*")), ("phone", .string(""))] + tie)])
                ))
        }
        if spec.name == "residents" {
            values.append(("households", .array([.object([("household_id", .int(4))] + tie)])))
        }
        return Record(id: 1, version: 2, subdistrictId: 9, values: values, spec: spec)
    }

    @Test func everyModelReadsItsSpecsRecord() throws {
        let models: [any RegistryModel.Type] = [
            Subdistrict.self, Community.self, Compound.self, Building.self, Entrance.self, Household.self,
            Resident.self, Organisation.self,
        ]
        #expect(Set(models.map { $0.spec.name }) == Set((ResourceSpec.all + [.subdistricts]).map(\.name)))
        for model in models { _ = try model.init(Self.sample(model.spec)) }
    }

    @Test func aHouseholdReadsItsAreaAndResidents() throws {
        let h = try Household(Self.sample(.households))
        #expect(h.area.description == "85.60")
        #expect(h.floor == -5)
        #expect(
            h.residents == [
                HouseholdResident(residentId: 3, name: "张*", phone: "", relation: .coOwner, livesElsewhere: true)
            ])
        let r = try Resident(Self.sample(.residents))
        #expect(r.households == [ResidentHousehold(householdId: 4, relation: .coOwner, livesElsewhere: true)])
    }

    @Test func aModelReadingAFieldItsSpecLacksFails() {
        #expect(throws: RecordShapeError.self) { try Compound(Self.sample(.buildings)) }
    }

    /// The JSON a household carries for its residents keeps the API's names and order.
    @Test func aHouseholdResidentIsWrittenAsTheAPIHasIt() throws {
        let link = HouseholdLink(
            householdId: 4, residentId: 3, name: "张三", phone: "13812345678", relation: .owner, livesElsewhere: false)
        #expect(
            try JSONValueCoding.encode(link.resident(masked: true)).serialized()
                == #"{"resident_id":3,"name":"张*","phone":"138****5678","relation":"owner","lives_elsewhere":false}"#)
        #expect(
            try JSONValueCoding.encode(link.household).serialized()
                == #"{"household_id":4,"relation":"owner","lives_elsewhere":false}"#)
    }
}
