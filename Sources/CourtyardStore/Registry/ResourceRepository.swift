import CourtyardDomain
import Foundation
import PostgresKit
import SQLKit

/// One registry record as the API shows it: the fields its spec lists, in the spec's order, then any links.
/// Read it as its typed model (`Compound`, `Household`, …) with `ResourceRepository.get(Compound.self, …)`.
public struct Record: Sendable {
    public var id: Int64
    public var version: Int
    public var subdistrictId: Int64?
    public var values: [(String, JSONValue)]
    /// The resource the record belongs to.
    public var spec: ResourceSpec

    public var json: JSONValue { .object([("id", .int(id))] + values + [("version", .int(Int64(version)))]) }
    public subscript(key: String) -> JSONValue? { values.first { $0.0 == key }?.1 }
}

public struct ListQuery: Sendable {
    public var filters: [String: String] = [:]
    public var search: String?
    public var cursor: Int64?
    public var limit: Int = 50
    public init(filters: [String: String] = [:], search: String? = nil, cursor: Int64? = nil, limit: Int = 50) {
        self.filters = filters
        self.search = search
        self.cursor = cursor
        self.limit = limit
    }
}

/// Generic reads and writes over the registry tables, always inside the actor's scope and always audited.
public struct ResourceRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    // MARK: reads

    public func list(_ spec: ResourceSpec, query: ListQuery, actor: Actor) async throws -> (
        items: [Record], next: Int64?
    ) {
        var sql = selectClause(spec) + " WHERE " + spec.scopeCondition(actor.scope)
        for (key, raw) in query.filters.sorted(by: { $0.key < $1.key }) {
            guard let expr = spec.filters[key] else {
                throw ValidationError(
                    field: key, code: "unknown_filter", message: "\(spec.name) cannot be filtered by \(key)")
            }
            // Every filter is an id except an organisation's kind.
            if key == "kind" {
                sql += " AND \(unsafeRaw: expr) = \(bind: raw)"
                continue
            }
            guard let value = Int64(raw) else {
                throw ValidationError(field: key, code: "invalid_filter", message: "\(key) must be a whole number")
            }
            sql += " AND " + filterCondition(expr, value)
        }
        if let q = query.search, !q.isEmpty {
            let exprs = (spec.search.map { [$0] } ?? []) + (actor.seesPersonalData ? spec.personalSearch : [])
            let pattern = "%" + q.replacingOccurrences(of: "%", with: "") + "%"
            if exprs.isEmpty {
                sql += " AND 1=0"
            } else {
                for (i, expr) in exprs.enumerated() {
                    sql += "\(unsafeRaw: i == 0 ? " AND (" : " OR ")\(unsafeRaw: expr) LIKE \(bind: pattern)"
                }
                sql += ")"
            }
        }
        if let c = query.cursor { sql += " AND t.id > \(bind: c)" }
        let limit = min(max(query.limit, 1), 1000)
        sql += " ORDER BY t.id LIMIT \(unsafeRaw: String(limit + 1))"
        let query = sql
        let rows = try await database.withConnection { db in try await db.raw(query).all() }
        var records = try rows.prefix(limit).map { try decode(spec, $0, actor: actor) }
        try await attachLinks(spec, &records, actor: actor)
        let next = rows.count > limit ? records.last?.id : nil
        return (records, next)
    }

    /// Every row in scope and matching the filters, for CSV export of a list.
    public func listAll(_ spec: ResourceSpec, query: ListQuery, actor: Actor) async throws -> [Record] {
        var all: [Record] = []
        var q = query
        q.limit = 1000
        while true {
            let page = try await list(spec, query: q, actor: actor)
            all += page.items
            guard let n = page.next else { return all }
            q.cursor = n
        }
    }

    public func get(_ spec: ResourceSpec, id: Int64, actor: Actor) async throws -> Record {
        let r = try await database.withConnection { db in try await fetch(spec, id: id, actor: actor, db: db) }
        guard var record = r else { throw StoreError.notFound }
        var one = [record]
        try await attachLinks(spec, &one, actor: actor)
        record = one[0]
        return record
    }

    /// Several records of one kind in one query, by id, without their links (for naming them on a page); at most 500.
    public func records(_ spec: ResourceSpec, ids: [Int64], actor: Actor) async throws -> [Int64: Record] {
        let ids = Array(Set(ids).prefix(500))
        guard !ids.isEmpty else { return [:] }
        return try await database.withConnection { db in
            let sql = selectClause(spec) + " WHERE t.id IN (\(binds: ids)) AND " + spec.scopeCondition(actor.scope)
            var found: [Int64: Record] = [:]
            for row in try await db.raw(sql).all() {
                found[try row.int("id")] = try decode(spec, row, actor: actor)
            }
            return found
        }
    }

    func fetch(_ spec: ResourceSpec, id: Int64, actor: Actor, db: any SQLDatabase) async throws -> Record? {
        let sql = selectClause(spec) + " WHERE t.id = \(bind: id) AND " + spec.scopeCondition(actor.scope)
        return try await db.raw(sql).first().map { try decode(spec, $0, actor: actor) }
    }

    func selectClause(_ spec: ResourceSpec) -> SQLQueryString {
        let cols = spec.fields.map { "t.\($0.column)" }.joined(separator: ", ")
        return
            "SELECT t.id, t.version, \(unsafeRaw: spec.subdistrictExpr) AS _sd, \(unsafeRaw: cols) FROM \(unsafeRaw: spec.from)"
    }

    func filterCondition(_ expr: String, _ value: Int64) -> SQLQueryString {
        if let q = expr.range(of: "?") {
            return
                "\(unsafeRaw: String(expr[..<q.lowerBound]))\(bind: value)\(unsafeRaw: String(expr[q.upperBound...]))"
        }
        return "\(unsafeRaw: expr) = \(bind: value)"
    }

    func decode(_ spec: ResourceSpec, _ row: any SQLRow, actor: Actor) throws -> Record {
        var values: [(String, JSONValue)] = []
        let maskPersonal = !actor.seesPersonalData
        for f in spec.fields {
            if try row.decodeNil(column: f.column) {
                values.append((f.name, .null))
                continue
            }
            let v: JSONValue
            switch f.kind {
            case .text, .choice, .phone:
                var s = try row.decode(column: f.column, as: String.self)
                if maskPersonal && f.personal {
                    s = f.kind == .phone ? PersonalData.maskPhone(s) : PersonalData.maskName(s)
                }
                v = .string(s)
            case .integer: v = .int(Int64(try row.decode(column: f.column, as: Int.self)))
            case .flag:
                // A personal flag (a party member) is not shown at all to a role that may not read it.
                v = maskPersonal && f.personal ? .null : .bool(try row.decode(column: f.column, as: Int.self) != 0)
            case .area: v = .string(Area(centi: try row.decode(column: f.column, as: Int64.self)).description)
            case .reference: v = .int(try row.decode(column: f.column, as: Int64.self))
            case .degrees: v = .number(GeoPoint.text(try row.decode(column: f.column, as: Int64.self)))
            }
            values.append((f.name, v))
        }
        let sd = try row.decodeNil(column: "_sd") ? nil : try row.decode(column: "_sd", as: Int64.self)
        return Record(
            id: try row.decode(column: "id", as: Int64.self), version: try row.decode(column: "version", as: Int.self),
            subdistrictId: sd, values: values, spec: spec)
    }

    /// Households carry their residents; residents carry their households.
    func attachLinks(_ spec: ResourceSpec, _ records: inout [Record], actor: Actor) async throws {
        guard spec.name == "households" || spec.name == "residents", !records.isEmpty else { return }
        let ids = records.map(\.id)
        let byHousehold = spec.name == "households"
        let links = try await database.withConnection { db in
            try await RegistryLinks.load(
                db: db, householdIds: byHousehold ? ids : nil, residentIds: byHousehold ? nil : ids)
        }
        let mask = !actor.seesPersonalData
        for i in records.indices {
            let mine = links.filter { (byHousehold ? $0.householdId : $0.residentId) == records[i].id }
            if byHousehold {
                records[i].values.append(
                    ("residents", try JSONValueCoding.encode(mine.map { $0.resident(masked: mask) })))
            } else {
                records[i].values.append(("households", try JSONValueCoding.encode(mine.map(\.household))))
            }
        }
    }

    // MARK: writes

    public func create(_ spec: ResourceSpec, input: [String: JSONValue], actor: Actor) async throws -> Record {
        guard Permissions.allows(actor.role, spec.writeCapability) else { throw AccessError.forbidden }
        var input = input
        let tie = spec.name == "residents" ? try HouseholdTie(taking: &input) : nil
        // An office's new organisation is in its own sub-district unless it says otherwise; an administrator must say.
        if spec.name == "organisations", input["subdistrict_id"] == nil,
            let sd = RegistryRules.organisationSubdistrict(scope: actor.scope)
        {
            input["subdistrict_id"] = .int(sd)
        }
        let validated = try validate(spec, input: input, creating: true)
        let record: Record = try await database.transaction { db in
            var values = validated
            try await checkReferences(spec, values, db: db)
            if let inherit = spec.inherit, let parent = values[inherit.field] as? Int64 {
                let cols = inherit.columns.map(\.1).joined(separator: ", ")
                guard
                    let row = try await db.raw(
                        "SELECT \(unsafeRaw: cols) FROM \(unsafeRaw: inherit.table) WHERE id = \(bind: parent)"
                    ).first()
                else {
                    throw ValidationError(
                        field: inherit.field, code: "not_found", message: "\(inherit.field) \(parent) does not exist")
                }
                for (mine, theirs) in inherit.columns { values[mine] = try row.decode(column: theirs, as: Int64.self) }
            }
            let names = values.keys.sorted()
            var sql: SQLQueryString =
                "INSERT INTO \(unsafeRaw: spec.table) (\(unsafeRaw: names.joined(separator: ", "))) VALUES ("
            for (i, n) in names.enumerated() {
                if i > 0 { sql += ", " }
                sql += "\(bind: values[n]!)"
            }
            sql += ") RETURNING id"
            let id = try await uniqueGuard(spec) { try await db.raw(sql).first()!.decode(column: "id", as: Int64.self) }
            if spec.name == "households", let compound = values["compound_id"] as? Int64 {
                try await CompoundHouseholds.add(1, compound: compound, db: db)
            }
            if let tie {
                try await link(
                    db: db, householdId: tie.householdId, residentId: id, relation: tie.relation,
                    livesElsewhere: tie.livesElsewhere, actor: actor, creating: true)
            } else if spec.name == "residents", RegistryRules.newResidentNeedsHousehold(actor.scope) {
                throw ValidationError(
                    field: "household_id", code: "required",
                    message:
                        "accounts scoped to a community or compound add residents to one of their households: give household_id"
                )
            }
            guard let created = try await fetch(spec, id: id, actor: actor, db: db) else {
                // Written outside the actor's scope: undo by failing the transaction.
                throw StoreError.notFound
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: spec.name, entityId: id,
                subdistrictId: created.subdistrictId, before: nil, after: created.json)
            return created
        }
        return try await get(spec, id: record.id, actor: actor)
    }

    /// Applies a partial update when `expectedVersion` (from If-Match) is still current.
    public func update(_ spec: ResourceSpec, id: Int64, input: [String: JSONValue], expectedVersion: Int?, actor: Actor)
        async throws -> Record
    {
        guard Permissions.allows(actor.role, spec.writeCapability) else { throw AccessError.forbidden }
        let values = try validate(spec, input: input, creating: false)
        _ = try await database.transaction { db in
            guard let before = try await fetch(spec, id: id, actor: actor, db: db) else { throw StoreError.notFound }
            if let v = expectedVersion, v != before.version { throw StoreError.stale }
            try await checkReferences(spec, values, db: db)
            var sql: SQLQueryString = "UPDATE \(unsafeRaw: spec.table) SET version = version + 1"
            for n in values.keys.sorted() { sql += ", \(unsafeRaw: n) = \(bind: values[n]!)" }
            sql += " WHERE id = \(bind: id) AND version = \(bind: before.version) RETURNING id"
            let updated = try await uniqueGuard(spec) { try await db.raw(sql).first() }
            guard updated != nil else { throw StoreError.stale }
            guard let after = try await fetch(spec, id: id, actor: actor, db: db) else { throw StoreError.notFound }
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: spec.name, entityId: id,
                subdistrictId: after.subdistrictId, before: before.json, after: after.json)
            return after.id
        }
        return try await get(spec, id: id, actor: actor)
    }

    public func delete(_ spec: ResourceSpec, id: Int64, expectedVersion: Int?, actor: Actor) async throws {
        guard Permissions.allows(actor.role, spec.writeCapability) else { throw AccessError.forbidden }
        try await database.transaction { db in
            guard let before = try await fetch(spec, id: id, actor: actor, db: db) else { throw StoreError.notFound }
            if let v = expectedVersion, v != before.version { throw StoreError.stale }
            if spec.name == "households" || spec.name == "residents" {
                let col = spec.name == "households" ? "household_id" : "resident_id"
                try await db.raw("DELETE FROM household_residents WHERE \(unsafeRaw: col) = \(bind: id)").run()
            }
            do {
                try await db.raw("DELETE FROM \(unsafeRaw: spec.table) WHERE id = \(bind: id)").run()
            } catch  where DatabaseErrors.isForeignKeyViolation(error) {
                throw StoreError.conflict("\(spec.name) \(id) still has records under it; remove those first")
            }
            // After the household, as every writer of households takes them: the household, then its compound.
            if spec.name == "households", let compound = before["compound_id"]?.intValue {
                try await CompoundHouseholds.add(-1, compound: compound, db: db)
            }
            try await AuditLog.record(
                db: db, actor: actor, action: "delete", entity: spec.name, entityId: id,
                subdistrictId: before.subdistrictId, before: before.json, after: nil)
        }
    }

    func uniqueGuard<R>(_ spec: ResourceSpec, _ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch  where DatabaseErrors.isUniqueViolation(error) {
            throw StoreError.conflict("a \(spec.name.dropLast()) with that name already exists here")
        }
    }

    func checkReferences(_ spec: ResourceSpec, _ values: [String: any Encodable & Sendable], db: any SQLDatabase)
        async throws
    {
        for f in spec.fields {
            guard case .reference(let table) = f.kind, let id = values[f.column] as? Int64 else { continue }
            let exists = try await db.raw("SELECT id FROM \(unsafeRaw: table) WHERE id = \(bind: id)").first()
            if exists == nil {
                throw ValidationError(field: f.name, code: "not_found", message: "\(f.name) \(id) does not exist")
            }
        }
    }

    /// Checks every field the client sent against its kind; unknown fields are refused, not ignored. Every wrong
    /// field is named (`ValidationErrors` when there are several, listed in the spec's order), so a form says them
    /// all at once; the one named on top is the first found, by the fields' names, as it always was.
    public func validate(_ spec: ResourceSpec, input: [String: JSONValue], creating: Bool) throws -> [String:
        any Encodable & Sendable]
    {
        var out: [String: any Encodable & Sendable] = [:]
        var input = input
        if spec.field("lat") != nil { try CompoundCoordinates.take(&input, into: &out) }
        let ignored: Set<String> = ["id", "version", "residents", "households"]
        var errors: [ValidationError] = []
        for key in input.keys.sorted() where !ignored.contains(key) {
            guard let f = spec.field(key) else {
                errors.append(
                    ValidationError(field: key, code: "unknown_field", message: "\(spec.name) have no field \(key)"))
                continue
            }
            if !creating && !f.updatable {
                errors.append(
                    ValidationError(field: key, code: "read_only", message: "\(key) cannot be changed after creation"))
                continue
            }
            if spec.inherit?.columns.contains(where: { $0.0 == key }) == true { continue }
            do { out[f.column] = try FieldValidator.value(f, input[key]!) } catch let e as ValidationError {
                errors.append(e)
            }
        }
        // A required field is given when a record is created, and a change may not empty it.
        let inherited = Set(spec.inherit?.columns.map(\.0) ?? [])
        let named = Set(errors.compactMap(\.field))
        for f in spec.fields
        where f.required && !named.contains(f.name)
            && (creating || (input[f.name] != nil && !inherited.contains(f.name)))
        {
            let v = out[f.column]
            if v == nil || (v as? String)?.isEmpty == true || v is NullValue {
                errors.append(ValidationError(field: f.name, code: "required", message: "\(f.name) is required"))
            }
        }
        let order = Dictionary(spec.fields.enumerated().map { ($1.name, $0) }) { a, _ in a }
        try ValidationErrors.raise(errors) { order[$0.field ?? ""] ?? .max }
        return out
    }
}

/// A new resident's household, given with the resident so both are written together.
struct HouseholdTie {
    var householdId: Int64
    var relation: ResidentRelation
    var livesElsewhere: Bool

    /// Takes household_id, relation and lives_elsewhere out of the input; nil when no household is named.
    init?(taking input: inout [String: JSONValue]) throws {
        defer {
            input["household_id"] = nil
            input["relation"] = nil
            input["lives_elsewhere"] = nil
        }
        guard let h = input["household_id"] else {
            if input["relation"] != nil {
                throw ValidationError(field: "household_id", code: "required", message: "relation needs household_id")
            }
            return nil
        }
        guard case .int(let id) = h, id > 0 else {
            throw ValidationError(field: "household_id", code: "invalid", message: "household_id must be an id")
        }
        // Left out, the relation is owner; given, it is one of the relations' names and nothing else.
        let relationText = input["relation"].map { $0.stringValue ?? "" } ?? "owner"
        guard let relation = ResidentRelation(rawValue: relationText) else {
            throw ValidationError(
                field: "relation", code: "invalid", message: "relation must be owner, co_owner or tenant")
        }
        var elsewhere = false
        if let e = input["lives_elsewhere"] {
            guard case .bool(let b) = e else {
                throw ValidationError(
                    field: "lives_elsewhere", code: "invalid", message: "lives_elsewhere must be true or false")
            }
            elsewhere = b
        }
        householdId = id
        self.relation = relation
        livesElsewhere = elsewhere
    }
}

/// A bound SQL NULL that remembers nothing of its type.
public struct NullValue: Encodable, Sendable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encodeNil()
    }
}

enum FieldValidator {
    static func value(_ f: Field, _ v: JSONValue) throws -> any Encodable & Sendable {
        func bad(_ why: String) -> ValidationError {
            ValidationError(field: f.name, code: "invalid", message: "\(f.name) \(why)")
        }
        if case .null = v {
            if f.required { throw ValidationError(field: f.name, code: "required", message: "\(f.name) is required") }
            switch f.kind {
            case .text, .phone: return ""
            case .flag: throw bad("must be true or false")
            default: return NullValue()
            }
        }
        switch f.kind {
        case .text(let max):
            guard case .string(let s) = v else { throw bad("must be text") }
            let c = TextNormalizer.clean(s)
            // Counted in Unicode code points, as JSON Schema's maxLength counts them.
            guard c.unicodeScalars.count <= max else { throw bad("is longer than \(max) characters") }
            return c
        case .integer(let lo, let hi):
            guard case .int(let i) = v, i >= lo, i <= hi else {
                throw bad("must be a whole number from \(lo) to \(hi)")
            }
            return Int(i)
        case .flag:
            guard case .bool(let b) = v else { throw bad("must be true or false") }
            return b ? 1 : 0
        case .area:
            var text: String?
            if case .string(let s) = v { text = s }
            if case .number(let s) = v { text = s }
            if case .int(let i) = v { text = String(i) }
            guard let t = text, let a = Area.parse(t), a.centi > 0 else {
                throw bad("must be an area in m² such as \"85.60\"")
            }
            return a.centi
        case .reference:
            guard case .int(let i) = v, i > 0 else { throw bad("must be an id") }
            return i
        case .choice(let options):
            guard case .string(let s) = v, options.contains(s) else {
                throw bad("must be one of \(options.joined(separator: ", "))")
            }
            return s
        case .degrees:
            throw bad("is given with its pair (lat and lon)")
        case .phone:
            guard case .string(let s) = v else { throw bad("must be text") }
            if TextNormalizer.clean(s).isEmpty { return "" }
            guard let p = PersonalData.normalizePhone(s) else { throw bad("is not a phone number") }
            return p
        }
    }
}

public enum AccessError: Error, Sendable { case forbidden }

enum DatabaseErrors {
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let p = error as? PSQLError { return p.serverInfo?[.sqlState] == "23505" }
        return "\(error)".contains("UNIQUE constraint failed")
    }
    static func isForeignKeyViolation(_ error: any Error) -> Bool {
        if let p = error as? PSQLError { return p.serverInfo?[.sqlState] == "23503" }
        return "\(error)".contains("FOREIGN KEY constraint failed")
    }
}

/// A compound's `lat` and `lon` (and the `datum` they were copied in): both or neither, checked to lie in China and
/// stored in WGS-84; null for both clears the location.
enum CompoundCoordinates {
    static func take(_ input: inout [String: JSONValue], into out: inout [String: any Encodable & Sendable]) throws {
        let lat = input.removeValue(forKey: "lat")
        let lon = input.removeValue(forKey: "lon")
        let datumValue = input.removeValue(forKey: "datum")
        var datum = Datum.wgs84
        if let d = datumValue, d != .null {
            guard let text = d.stringValue, let parsed = Datum(rawValue: text) else {
                throw ValidationError(field: "datum", code: "invalid", message: "datum must be wgs84 or gcj02")
            }
            datum = parsed
        }
        if lat == nil && lon == nil {
            if datumValue != nil {
                throw ValidationError(field: "lat", code: "required", message: "datum is given with lat and lon")
            }
            return
        }
        if (lat == .null || lat == nil) && (lon == .null || lon == nil) {
            out["lat_e7"] = NullValue()
            out["lon_e7"] = NullValue()
            return
        }
        func text(_ v: JSONValue?) -> String? {
            switch v {
            case .number(let s)?: s
            case .int(let i)?: String(i)
            case .string(let s)?: s
            default: nil
            }
        }
        let p = try CompoundLocation.point(latText: text(lat), lonText: text(lon), datum: datum)
        out["lat_e7"] = p.latE7
        out["lon_e7"] = p.lonE7
    }
}
