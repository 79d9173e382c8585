import CourtyardDomain
import Foundation
import SQLKit

/// Names joined by U+001F, as UTF-8 bytes.
typealias PathKey = ByteKey

/// A record an owner link points at: one already stored, or the one at this place in the import's list of new
/// ones (whose ids are taken as one consecutive block, so the place gives the id without looking anything up).
enum RecordRef {
    case id(Int64)
    case new(Int)

    func id(firstNew: Int64) -> Int64 {
        switch self {
        case .id(let id): id
        case .new(let k): firstNew + Int64(k)
        }
    }
}

/// What the sub-district already holds, keyed by name paths ("community␟compound␟building…").
struct Snapshot {
    var communities: [PathKey: Int64] = [:]
    var compounds: [PathKey: (id: Int64, address: String, builtYear: Int?)] = [:]
    var buildings: [PathKey: Int64] = [:]
    var entrances: [PathKey: Int64] = [:]
    var households: [PathKey: (id: Int64, floor: Int?, area: Int64)] = [:]
    var owners: [Int64: (residentId: Int64, name: String, phone: String, elsewhere: Bool)] = [:]
    var residents: [PathKey: Int64] = [:]

    static func key(_ parts: String...) -> PathKey {
        var k: [UInt8] = []
        for (i, p) in parts.enumerated() {
            if i > 0 { k.append(0x1F) }
            k.append(contentsOf: p.utf8)
        }
        return PathKey(k)
    }
    static func key(_ prefix: PathKey, _ part: String) -> PathKey {
        var k = prefix.bytes
        k.append(0x1F)
        k.append(contentsOf: part.utf8)
        return PathKey(k)
    }
    static func parent(_ key: PathKey) -> PathKey { PathKey(Array(key.bytes[..<key.bytes.lastIndex(of: 0x1F)!])) }

    static func load(db: any SQLDatabase, subdistrictId: Int64?) async throws -> Snapshot {
        var s = Snapshot()
        guard let sd = subdistrictId else { return s }
        func str(_ r: any SQLRow, _ c: String) throws -> String { try r.decode(column: c, as: String.self) }
        func id(_ r: any SQLRow, _ c: String = "id") throws -> Int64 { try r.decode(column: c, as: Int64.self) }
        for r in try await db.raw("SELECT id, name FROM communities WHERE subdistrict_id = \(bind: sd)").all() {
            s.communities[key(try str(r, "name"))] = try id(r)
        }
        let compoundJoin = "JOIN communities cm ON cm.id = c.community_id"
        for r in try await db.raw(
            """
            SELECT c.id, cm.name AS cm, c.name, c.address, c.built_year FROM compounds c \(unsafeRaw: compoundJoin)
            WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.compounds[key(try str(r, "cm"), try str(r, "name"))] =
                (try id(r), try str(r, "address"), try r.decode(column: "built_year", as: Int?.self))
        }
        for r in try await db.raw(
            """
            SELECT b.id, cm.name AS cm, c.name AS cp, b.name FROM buildings b JOIN compounds c ON c.id = b.compound_id
            \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.buildings[key(try str(r, "cm"), try str(r, "cp"), try str(r, "name"))] = try id(r)
        }
        for r in try await db.raw(
            """
            SELECT e.id, cm.name AS cm, c.name AS cp, b.name AS b, e.name FROM entrances e JOIN buildings b ON b.id = e.building_id
            JOIN compounds c ON c.id = e.compound_id \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.entrances[key(try str(r, "cm"), try str(r, "cp"), try str(r, "b"), try str(r, "name"))] = try id(r)
        }
        for r in try await db.raw(
            """
            SELECT h.id, cm.name AS cm, c.name AS cp, b.name AS b, e.name AS e, h.room, h.floor, h.area_centi
            FROM households h JOIN entrances e ON e.id = h.entrance_id JOIN buildings b ON b.id = h.building_id
            JOIN compounds c ON c.id = h.compound_id \(unsafeRaw: compoundJoin) WHERE c.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.households[
                key(try str(r, "cm"), try str(r, "cp"), try str(r, "b"), try str(r, "e"), try str(r, "room"))] =
                (try id(r), try r.decode(column: "floor", as: Int?.self), try id(r, "area_centi"))
        }
        for r in try await db.raw(
            """
            SELECT hr.household_id, r.id, r.name, r.phone, hr.lives_elsewhere FROM household_residents hr
            JOIN residents r ON r.id = hr.resident_id WHERE hr.relation = 'owner' AND r.subdistrict_id = \(bind: sd)
            """
        ).all() {
            s.owners[try id(r, "household_id")] =
                (
                    try id(r), try str(r, "name"), try str(r, "phone"),
                    try r.decode(column: "lives_elsewhere", as: Int.self) != 0
                )
        }
        for r in try await db.raw(
            "SELECT id, name, phone FROM residents WHERE subdistrict_id = \(bind: sd) AND phone <> ''"
        ).all() {
            s.residents[key(try str(r, "name"), try str(r, "phone"))] = try id(r)
        }
        return s
    }
}
