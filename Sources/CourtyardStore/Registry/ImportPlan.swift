import CourtyardDomain
import Foundation
import SQLKit

/// What planning remembers from one piece of a sheet to the next: the places and residents already seen, and the
/// row above (rows come entrance by entrance).
struct PlanMemory {
    var seenCm: Set<PathKey> = []
    var seenCp: Set<PathKey> = []
    var seenB: Set<PathKey> = []
    var seenE: Set<PathKey> = []
    /// New residents by identity, each with its place in the import's list of new residents.
    var seenNewResident: [PathKey: Int] = [:]
    var newResidentCount = 0
    var reusedResidents: Set<PathKey> = []
    var above: (row: HouseholdRow, cm: PathKey, cp: PathKey, b: PathKey, e: PathKey)?

    /// The counts only the whole sheet knows: communities touched and not new, residents reused.
    func finish(_ report: inout ImportReport) {
        report.communities.unchanged = seenCm.count - report.communities.created
        report.residents.unchanged = reusedResidents.count
    }
}

/// The ids of the places and new residents written so far, for the rows of later pieces to point at.
struct WrittenIds {
    var cm: [PathKey: Int64]
    var cp: [PathKey: Int64]
    var b: [PathKey: Int64]
    var e: [PathKey: Int64]
    /// By place in the import's list of new residents.
    var residents: [Int64] = []

    init(_ s: Snapshot) {
        (cm, cp, b, e) = (s.communities, s.compounds.mapValues(\.id), s.buildings, s.entrances)
    }
}

/// The difference between a piece of the sheet and the snapshot (and the pieces before it), and how to write it.
struct ImportPlan {
    var newCommunities: [String] = []
    var newCompounds: [(path: PathKey, community: String, row: HouseholdRow)] = []
    var compoundUpdates: [(id: Int64, address: String, builtYear: Int?)] = []
    var newBuildings: [(path: PathKey, compound: PathKey, name: String)] = []
    var newEntrances: [(path: PathKey, building: PathKey, name: String)] = []
    var newHouseholds: [(entrance: PathKey, row: HouseholdRow)] = []
    var householdUpdates: [(id: Int64, floor: Int?, area: Int64)] = []
    var unchangedHouseholds = 0
    /// Households whose owner is set by this piece: (the household, its owner, lives elsewhere). A new household is
    /// its place in this piece's `newHouseholds`; a new resident its place in the import's list of new residents.
    var ownerLinks: [(household: RecordRef, resident: RecordRef, elsewhere: Bool)] = []
    var ownerDeletes: [Int64] = []
    var newResidents: [(name: String, phone: String)] = []
    /// The place of this piece's first new resident in the import's list of them.
    let firstNewResident: Int
    /// This piece's new residents in the order of the residents' identity index (name, then phone, by bytes): they
    /// are written and numbered in it, so that index and the key take them in one sweep, not at random places. (For
    /// the city's sheet on PostgreSQL, residents took 0.8 s to store in this order against 2.1 s in the sheet's.)
    var residentOrder: [Int] = []
    /// Each new resident's place in `residentOrder`, which its id follows.
    var residentRank: [Int] = []
    var compoundsSeen = 0, buildingsSeen = 0, entrancesSeen = 0

    init(rows: [HouseholdRow], snapshot s: Snapshot, memory m: inout PlanMemory) {
        typealias K = Snapshot
        firstNewResident = m.newResidentCount
        newHouseholds.reserveCapacity(rows.count)
        ownerLinks.reserveCapacity(rows.count)
        newResidents.reserveCapacity(rows.count)
        // The places a row shares with the row above were handled with that row.
        for r in rows {
            if let a = m.above, a.row.entrance.hasSameUTF8(as: r.entrance), a.row.building.hasSameUTF8(as: r.building),
                a.row.compound.hasSameUTF8(as: r.compound), a.row.community.hasSameUTF8(as: r.community)
            {
                planHousehold(r, entrance: a.e, snapshot: s, memory: &m)
                continue
            }
            let cm = K.key(r.community)
            if m.seenCm.insert(cm).inserted && s.communities[cm] == nil { newCommunities.append(r.community) }
            let cp = K.key(cm, r.compound)
            if m.seenCp.insert(cp).inserted { planCompound(r, path: cp, snapshot: s) }
            let b = K.key(cp, r.building)
            if m.seenB.insert(b).inserted {
                if s.buildings[b] == nil { newBuildings.append((b, cp, r.building)) } else { buildingsSeen += 1 }
            }
            let e = K.key(b, r.entrance)
            if m.seenE.insert(e).inserted {
                if s.entrances[e] == nil { newEntrances.append((e, b, r.entrance)) } else { entrancesSeen += 1 }
            }
            m.above = (r, cm, cp, b, e)
            planHousehold(r, entrance: e, snapshot: s, memory: &m)
        }
        m.newResidentCount += newResidents.count
        orderNewResidents()
    }

    private mutating func orderNewResidents() {
        residentOrder = newResidents.indices.sorted { i, j in
            let (a, b) = (newResidents[i], newResidents[j])
            return a.name.hasSameUTF8(as: b.name) ? a.phone.precedesInUTF8(b.phone) : a.name.precedesInUTF8(b.name)
        }
        residentRank = [Int](repeating: 0, count: residentOrder.count)
        for (rank, i) in residentOrder.enumerated() { residentRank[i] = rank }
    }

    /// A compound the sheet names for the first time: new, or stored with its address or year changed or not.
    private mutating func planCompound(_ r: HouseholdRow, path cp: PathKey, snapshot s: Snapshot) {
        guard let existing = s.compounds[cp] else {
            newCompounds.append((cp, r.community, r))
            return
        }
        compoundsSeen += 1
        let address = r.address.isEmpty ? existing.address : r.address
        let year = r.builtYear ?? existing.builtYear
        if address != existing.address || year != existing.builtYear {
            compoundUpdates.append((existing.id, address, year))
        }
    }

    /// One household of the sheet: new, changed or unchanged, and its owner.
    private mutating func planHousehold(
        _ r: HouseholdRow, entrance e: PathKey, snapshot s: Snapshot, memory m: inout PlanMemory
    ) {
        typealias K = Snapshot
        let h = K.key(e, r.room)
        var ownerChanged = false
        let existing = s.households[h]
        if !r.ownerName.isEmpty {
            let current = existing.flatMap { s.owners[$0.id] }
            if let c = current, c.name == r.ownerName, c.phone == r.ownerPhone, c.elsewhere == r.livesElsewhere {
                m.reusedResidents.insert(K.key(c.name, c.phone))
            } else {
                ownerChanged = true
                if current != nil, let id = existing?.id { ownerDeletes.append(id) }
                let ref = owner(r, household: h, current: current, snapshot: s, memory: &m)
                ownerLinks.append((existing.map { .id($0.id) } ?? .new(newHouseholds.count), ref, r.livesElsewhere))
            }
        }
        if let x = existing {
            let floor = r.floor ?? x.floor
            if ownerChanged || floor != x.floor || r.area.centi != x.area {
                householdUpdates.append((x.id, floor, r.area.centi))
            } else {
                unchangedHouseholds += 1
            }
        } else {
            newHouseholds.append((e, r))
        }
    }

    /// The resident a row names as its household's owner: the household's owner already (who moved), a stored
    /// resident, one new earlier in the import, or a new one. One person owning several households is one resident:
    /// same name and phone in the sub-district; without a phone a person has no identity beyond this household.
    private mutating func owner(
        _ r: HouseholdRow, household h: PathKey,
        current: (residentId: Int64, name: String, phone: String, elsewhere: Bool)?,
        snapshot s: Snapshot, memory m: inout PlanMemory
    ) -> RecordRef {
        typealias K = Snapshot
        let rk = r.ownerPhone.isEmpty ? PathKey([0x23] + h.bytes) : K.key(r.ownerName, r.ownerPhone)
        if let c = current, c.name == r.ownerName, c.phone == r.ownerPhone {
            m.reusedResidents.insert(K.key(c.name, c.phone))
            return .id(c.residentId)
        }
        if !r.ownerPhone.isEmpty, let id = s.residents[rk] {
            m.reusedResidents.insert(rk)
            return .id(id)
        }
        if let k = m.seenNewResident[rk] { return .new(k) }
        let k = firstNewResident + newResidents.count
        m.seenNewResident[rk] = k
        newResidents.append((r.ownerName, r.ownerPhone))
        return .new(k)
    }

    /// The records `apply` writes one by one or in chunks, for its progress: households, residents and owner links.
    var recordsToWrite: Int {
        newHouseholds.count + householdUpdates.count + newResidents.count + ownerLinks.count
    }

    /// Adds this piece's counts to the report (`PlanMemory.finish` adds those only the whole sheet knows).
    func count(into r: inout ImportReport) {
        r.communities.created += newCommunities.count
        r.compounds.created += newCompounds.count
        r.compounds.updated += compoundUpdates.count
        r.compounds.unchanged += compoundsSeen - compoundUpdates.count
        r.buildings.created += newBuildings.count
        r.buildings.unchanged += buildingsSeen
        r.entrances.created += newEntrances.count
        r.entrances.unchanged += entrancesSeen
        r.households.created += newHouseholds.count
        r.households.updated += householdUpdates.count
        r.households.unchanged += unchangedHouseholds
        r.residents.created += newResidents.count
    }
}

extension ImportPlan {
    /// Writes the piece; answers how many households, residents and owner links it wrote. Every new record's id is
    /// taken before it is written, so each row names its parent's id and owner links are written straight, without
    /// finding households or residents again. `ids` learns the ids written, for later pieces.
    func apply(
        db: any SQLDatabase, bulk: BulkWriter, subdistrictId sd: Int64, snapshot s: Snapshot, ids: inout WrittenIds,
        keysPaused: Bool, progress: ImportProgressMeter?, writtenBefore: Int
    ) async throws -> Int {
        if keysPaused {
            for (table, held) in storedParents(subdistrictId: sd, snapshot: s) {
                try await bulk.holdParents(table: table, ids: held)
            }
        }
        try await writePlaces(db: db, bulk: bulk, subdistrictId: sd, ids: &ids)
        let firstHousehold = try await writeHouseholds(bulk: bulk, ids: ids, progress: progress, before: writtenBefore)
        try await CompoundHouseholds.recount(
            Set(newHouseholds.map { ids.cp[Snapshot.parent(Snapshot.parent($0.entrance))]! }), db: db)
        for (i, u) in householdUpdates.enumerated() {
            if (i + 1) % ImportProgressMeter.step == 0 {
                progress?.written(writtenBefore + newHouseholds.count + i + 1)
            }
            try await db.raw(
                """
                UPDATE households SET floor = \(bind: u.floor), area_centi = \(bind: u.area), version = version + 1 WHERE id = \(bind: u.id)
                """
            ).run()
        }
        var written = writtenBefore + newHouseholds.count + householdUpdates.count
        progress?.written(written)
        try await writeResidents(bulk: bulk, subdistrictId: sd, ids: &ids, progress: progress, before: written)
        written += newResidents.count
        for chunk in SQLLiteral.idLists(ownerDeletes) {
            let text = "DELETE FROM household_residents WHERE relation = 'owner' AND household_id IN (" + chunk + ")"
            try await db.raw(SQLQueryString(text)).run()
        }
        let linksWritten: (Int) -> Void = { [written] in progress?.written(written + $0) }
        try await bulk.write(
            table: "household_residents", columns: ["household_id", "resident_id", "relation", "lives_elsewhere"],
            count: ownerLinks.count, onChunk: linksWritten
        ) { [residentIds = ids.residents] i, row in
            let link = ownerLinks[i]
            let resident: Int64 =
                switch link.resident {
                case .id(let id): id
                case .new(let k): residentIds[k]
                }
            row += [
                .int(link.household.id(firstNew: firstHousehold)), .int(resident), .text("owner"),
                .int(link.elsewhere ? 1 : 0),
            ]
        }
        return recordsToWrite
    }

    /// The piece's new communities, compounds, buildings and entrances, and its changed compounds.
    private func writePlaces(db: any SQLDatabase, bulk: BulkWriter, subdistrictId sd: Int64, ids: inout WrittenIds)
        async throws
    {
        typealias K = Snapshot
        let sdValue = BulkValue.int(sd)
        let cmIds = try await bulk.newIds(table: "communities", count: newCommunities.count)
        for (name, id) in zip(newCommunities, cmIds) { ids.cm[K.key(name)] = id }
        try await bulk.write(
            table: "communities", columns: ["id", "subdistrict_id", "name"],
            rows: zip(newCommunities, cmIds).map { [.int($1), sdValue, .text($0)] })
        let cpIds = try await bulk.newIds(table: "compounds", count: newCompounds.count)
        for (c, id) in zip(newCompounds, cpIds) { ids.cp[c.path] = id }
        let cm = ids.cm
        try await bulk.write(
            table: "compounds", columns: ["id", "subdistrict_id", "community_id", "name", "address", "built_year"],
            rows: zip(newCompounds, cpIds).map { c, id in
                [
                    .int(id), sdValue, .int(cm[K.key(c.community)]!), .text(c.row.compound), .text(c.row.address),
                    .int(c.row.builtYear),
                ]
            })
        for u in compoundUpdates {
            try await db.raw(
                """
                UPDATE compounds SET address = \(bind: u.address), built_year = \(bind: u.builtYear), version = version + 1 WHERE id = \(bind: u.id)
                """
            ).run()
        }
        let bIds = try await bulk.newIds(table: "buildings", count: newBuildings.count)
        for (x, id) in zip(newBuildings, bIds) { ids.b[x.path] = id }
        let cp = ids.cp
        try await bulk.write(
            table: "buildings", columns: ["id", "compound_id", "name"],
            rows: zip(newBuildings, bIds).map { [.int($1), .int(cp[$0.compound]!), .text($0.name)] })
        let eIds = try await bulk.newIds(table: "entrances", count: newEntrances.count)
        for (x, id) in zip(newEntrances, eIds) { ids.e[x.path] = id }
        let b = ids.b
        try await bulk.write(
            table: "entrances", columns: ["id", "building_id", "compound_id", "name"],
            rows: zip(newEntrances, eIds).map {
                [.int($1), .int(b[$0.building]!), .int(cp[K.parent($0.building)]!), .text($0.name)]
            })
    }

    /// The piece's new residents; `ids` learns their ids.
    private func writeResidents(
        bulk: BulkWriter, subdistrictId sd: Int64, ids: inout WrittenIds, progress: ImportProgressMeter?, before: Int
    ) async throws {
        let first = try await bulk.newIds(table: "residents", count: newResidents.count).lowerBound
        let sdValue = BulkValue.int(sd)
        let residentsWritten: (Int) -> Void = { progress?.written(before + $0) }
        try await bulk.write(
            table: "residents", columns: ["id", "subdistrict_id", "name", "phone"], count: newResidents.count,
            onChunk: residentsWritten
        ) { rank, row in
            let r = newResidents[residentOrder[rank]]
            row += [.int(first + Int64(rank)), sdValue, .text(r.name), .text(r.phone)]
        }
        ids.residents.reserveCapacity(ids.residents.count + newResidents.count)
        for rank in residentRank { ids.residents.append(first + Int64(rank)) }
    }

    /// The stored rows, by table, that the piece's new rows point at.
    func storedParents(subdistrictId sd: Int64, snapshot s: Snapshot) -> [(String, Set<Int64>)] {
        typealias K = Snapshot
        var communities = Set<Int64>()
        var compounds = Set<Int64>()
        var buildings = Set<Int64>()
        var entrances = Set<Int64>()
        var households = Set<Int64>()
        var residents = Set<Int64>()
        for c in newCompounds { if let id = s.communities[K.key(c.community)] { communities.insert(id) } }
        for b in newBuildings { if let id = s.compounds[b.compound]?.id { compounds.insert(id) } }
        for e in newEntrances {
            if let id = s.buildings[e.building] { buildings.insert(id) }
            if let id = s.compounds[K.parent(e.building)]?.id { compounds.insert(id) }
        }
        var above: PathKey?
        for h in newHouseholds where h.entrance != above {
            above = h.entrance
            guard let id = s.entrances[h.entrance] else { continue }
            let building = K.parent(h.entrance)
            entrances.insert(id)
            if let b = s.buildings[building] { buildings.insert(b) }
            if let c = s.compounds[K.parent(building)]?.id { compounds.insert(c) }
        }
        for link in ownerLinks {
            if case .id(let id) = link.household { households.insert(id) }
            if case .id(let id) = link.resident { residents.insert(id) }
        }
        return [
            ("subdistricts", [sd]), ("communities", communities), ("compounds", compounds), ("buildings", buildings),
            ("entrances", entrances), ("households", households), ("residents", residents),
        ]
    }

    /// Writes the piece's new households; answers the id of the first (the others follow it in order).
    private func writeHouseholds(bulk: BulkWriter, ids: WrittenIds, progress: ImportProgressMeter?, before: Int)
        async throws -> Int64
    {
        typealias K = Snapshot
        let first = try await bulk.newIds(table: "households", count: newHouseholds.count).lowerBound
        // An entrance's building and compound, found once per entrance: households come entrance by entrance.
        var parents: (entrance: PathKey, ids: (BulkValue, BulkValue, BulkValue))?
        let householdsWritten: (Int) -> Void = { progress?.written(before + $0) }
        try await bulk.write(
            table: "households",
            columns: ["id", "entrance_id", "building_id", "compound_id", "room", "floor", "area_centi"],
            count: newHouseholds.count, onChunk: householdsWritten
        ) { i, row in
            let h = newHouseholds[i]
            let p: (BulkValue, BulkValue, BulkValue)
            if let known = parents, known.entrance == h.entrance {
                p = known.ids
            } else {
                let building = K.parent(h.entrance)
                p = (.int(ids.e[h.entrance]!), .int(ids.b[building]!), .int(ids.cp[K.parent(building)]!))
                parents = (h.entrance, p)
            }
            row += [
                .int(first + Int64(i)), p.0, p.1, p.2, .text(h.row.room), .int(h.row.floor), .int(h.row.area.centi),
            ]
        }
        return first
    }
}
