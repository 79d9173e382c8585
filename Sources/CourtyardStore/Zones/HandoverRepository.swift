import CourtyardDomain
import Foundation
import SQLKit

/// A compound's hand-over (交接) checklist: what the property company receives.
public struct HandoverChecklist: Codable, Sendable, Equatable {
    public enum Condition: String, Codable, Sendable, CaseIterable { case good, fair, poor }
    public enum DocumentKind: String, Codable, Sendable, CaseIterable {
        case asBuiltDrawings = "as_built_drawings"
        case acceptanceRecords = "acceptance_records"
        case warranty, other
    }

    public struct Facility: Codable, Sendable, Equatable {
        public var name: String
        public var quantity: Int
        public var condition: Condition
        public init(name: String, quantity: Int, condition: Condition) {
            self.name = name
            self.quantity = quantity
            self.condition = condition
        }
    }

    public struct Document: Codable, Sendable, Equatable {
        public var kind: DocumentKind
        public var name: String
        public var attachmentId: Int64?
        enum CodingKeys: String, CodingKey { case kind, name, attachmentId = "attachment_id" }
        public init(kind: DocumentKind, name: String, attachmentId: Int64? = nil) {
            self.kind = kind
            self.name = name
            self.attachmentId = attachmentId
        }
    }

    public struct Item: Codable, Sendable, Equatable {
        public var name: String
        public var quantity: Int
        public init(name: String, quantity: Int) {
            self.name = name
            self.quantity = quantity
        }
    }

    public struct Defect: Codable, Sendable, Equatable {
        public var description: String
        public var dueOn: Day
        public var open: Bool
        enum CodingKeys: String, CodingKey { case description, dueOn = "due_on", open }
        public init(description: String, dueOn: Day, open: Bool) {
            self.description = description
            self.dueOn = dueOn
            self.open = open
        }
    }

    public var facilities: [Facility]
    public var documents: [Document]
    public var keys: [Item]
    public var defects: [Defect]
    public var warrantyUntil: Day?

    enum CodingKeys: String, CodingKey {
        case facilities, documents, keys, defects, warrantyUntil = "warranty_until"
    }

    public init(
        facilities: [Facility], documents: [Document], keys: [Item], defects: [Defect], warrantyUntil: Day?
    ) {
        self.facilities = facilities
        self.documents = documents
        self.keys = keys
        self.defects = defects
        self.warrantyUntil = warrantyUntil
    }
}

public struct Handover: Codable, Sendable {
    public struct Signature: Codable, Sendable {
        public var party: HandoverParty
        public var username: String
        public var signedAt: String
        enum CodingKeys: String, CodingKey { case party, username, signedAt = "signed_at" }
    }

    public var projectId: Int64
    public var compoundId: Int64
    public var zoneId: Int64?
    public var propertyCompanyId: Int64?
    public var propertyCompanyName: String?
    public var checklist: HandoverChecklist?
    public var version: Int
    public var signatures: [Signature]
    /// What is still missing before the project may be handed over (codes such as `signature:owners`).
    public var missing: [String]
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case projectId = "project_id", compoundId = "compound_id", zoneId = "zone_id"
        case propertyCompanyId = "property_company_id", propertyCompanyName = "property_company_name", checklist
        case version, signatures, missing, complete
    }
}

public struct HandoverRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public static func describe(_ r: HandoverRequirement) -> String {
        switch r {
        case .checklist: "the checklist"
        case .signature(let p): "the signature of the \(p.rawValue.replacingOccurrences(of: "_", with: " "))"
        case .propertyCompany: "a property company assigned to the compound's zone"
        }
    }

    /// The catalogue key of what is missing, as the hand-over page names it.
    public static func term(_ r: HandoverRequirement) -> String {
        switch r {
        case .checklist: "handover.missing.checklist"
        case .signature(let p): "handover.missing.signature.\(p.rawValue)"
        case .propertyCompany: "handover.missing.property_company"
        }
    }

    struct Place { var projectId: Int64, compoundId: Int64, subdistrictId: Int64, zoneId: Int64?, companyId: Int64? }

    /// The project as the actor may see it: through the project's own scope, or as the property company assigned to
    /// the compound's zone.
    static func place(projectId: Int64, actor: Actor, db: any SQLDatabase) async throws -> Place {
        let sql: SQLQueryString = """
            SELECT p.id, p.compound_id, p.subdistrict_id, c.zone_id, z.property_company_id FROM projects p
            JOIN compounds c ON c.id = p.compound_id LEFT JOIN zones z ON z.id = c.zone_id WHERE p.id = \(bind: projectId)
            """
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        let place = Place(
            projectId: projectId, compoundId: try r.int("compound_id"), subdistrictId: try r.int("subdistrict_id"),
            zoneId: try r.optionalInt("zone_id"), companyId: try r.optionalInt("property_company_id"))
        if actor.role == .propertyCompany {
            guard actor.scope.kind == .organisation, place.companyId != nil, actor.scope.id == place.companyId else {
                throw StoreError.notFound
            }
            return place
        }
        guard try await ProjectRepository.load(projectId, actor: actor, db: db) != nil else {
            throw StoreError.notFound
        }
        return place
    }

    public func get(projectId: Int64, actor: Actor) async throws -> Handover {
        try await database.withConnection { db in
            let place = try await Self.place(projectId: projectId, actor: actor, db: db)
            return try await Self.load(place, db: db)
        }
    }

    static func load(_ place: Place, db: any SQLDatabase) async throws -> Handover {
        let row = try await db.raw(
            "SELECT checklist_json, version FROM handovers WHERE project_id = \(bind: place.projectId)"
        ).first()
        let checklist = try row.map {
            try JSONDecoder().decode(HandoverChecklist.self, from: Data(try $0.text("checklist_json").utf8))
        }
        let version = try row?.decode(column: "version", as: Int.self) ?? 0
        let signatures = try await db.raw(
            """
            SELECT party, username, signed_at FROM handover_signatures WHERE project_id = \(bind: place.projectId)
              AND checklist_version = \(bind: version) ORDER BY signed_at
            """
        ).all().compactMap { r -> Handover.Signature? in
            guard let party = HandoverParty(rawValue: try r.text("party")) else { return nil }
            return Handover.Signature(party: party, username: try r.text("username"), signedAt: try r.text("signed_at"))
        }
        var company: String?
        if let id = place.companyId {
            company = try await db.raw("SELECT name FROM organisations WHERE id = \(bind: id)").first()?.text("name")
        }
        let missing = HandoverRules.missing(
            hasChecklist: checklist != nil, signed: Set(signatures.map(\.party)),
            companyAssigned: place.companyId != nil)
        return Handover(
            projectId: place.projectId, compoundId: place.compoundId, zoneId: place.zoneId,
            propertyCompanyId: place.companyId, propertyCompanyName: company, checklist: checklist,
            version: version, signatures: signatures, missing: missing.map(\.code), complete: missing.isEmpty)
    }

    /// What the hand-over page says around the checklist: whose compound, which zone, the project's stage, and when
    /// the checklist last changed.
    public struct Setting: Sendable {
        public var handover: Handover
        public var compoundName: String
        public var zoneName: String?
        public var stage: ProjectStage
        public var updatedAt: String?
    }

    public func setting(projectId: Int64, actor: Actor) async throws -> Setting {
        try await database.withConnection { db in
            let place = try await Self.place(projectId: projectId, actor: actor, db: db)
            let handover = try await Self.load(place, db: db)
            let sql: SQLQueryString = """
                SELECT c.name AS compound, z.name AS zone, p.stage, h.updated_at FROM projects p
                JOIN compounds c ON c.id = p.compound_id LEFT JOIN zones z ON z.id = c.zone_id
                LEFT JOIN handovers h ON h.project_id = p.id WHERE p.id = \(bind: projectId)
                """
            guard let r = try await db.raw(sql).first(), let stage = ProjectStage(rawValue: try r.text("stage")) else {
                throw StoreError.notFound
            }
            return Setting(
                handover: handover, compoundName: try r.text("compound"), zoneName: try r.optionalText("zone"),
                stage: stage, updatedAt: try r.optionalText("updated_at"))
        }
    }

    /// A hand-over waiting for the actor's party to sign its current checklist.
    public struct Awaiting: Sendable {
        public var projectId: Int64
        public var compoundName: String
        public var version: Int
    }

    /// The hand-overs within the actor's reach whose checklist the actor's party has not signed, while the project
    /// is not yet handed over: the office's, community's and steward's through the project's scope, a property
    /// company's through the zones it serves.
    public func awaiting(actor: Actor, limit: Int = 50) async throws -> [Awaiting] {
        guard let party = HandoverParty.of(actor.role) else { return [] }
        let reach = Self.reach(actor)
        let sql: SQLQueryString =
            """
            SELECT p.id, c.name, h.version FROM handovers h JOIN projects p ON p.id = h.project_id
            JOIN compounds c ON c.id = p.compound_id LEFT JOIN zones z ON z.id = c.zone_id
            WHERE p.stage <> 'handed_over' AND NOT EXISTS (SELECT 1 FROM handover_signatures s
              WHERE s.project_id = h.project_id AND s.party = \(bind: party.rawValue)
              AND s.checklist_version = h.version) AND
            """ + " " + reach + " ORDER BY p.id LIMIT \(bind: limit)"
        return try await database.withConnection { db in
            try await db.raw(sql).all().map {
                Awaiting(
                    projectId: try $0.int("id"), compoundName: try $0.text("name"),
                    version: try $0.decode(column: "version", as: Int.self))
            }
        }
    }

    /// The hand-overs the actor reaches (a property company's through the zones it serves, others' through the
    /// project's scope), `p` the project and `z` the compound's zone.
    static func reach(_ actor: Actor) -> SQLQueryString {
        actor.role == .propertyCompany
            ? "z.property_company_id = \(bind: actor.scope.kind == .organisation ? actor.scope.id ?? 0 : 0)"
            : ProjectRepository.scope(actor)
    }

    /// A hand-over as a party's list shows it: whether the party signed its current checklist, whether the works
    /// are handed over, and how many defects are still open.
    public struct Listed: Sendable {
        public var projectId: Int64
        public var compoundName: String
        public var signed: Bool
        public var handedOver: Bool
        public var openDefects: Int
    }

    /// Every hand-over the actor's party takes part in, signed or not, the newest first (at most `limit`): a property
    /// company comes back to the keys, the documents and the open defects after it has signed.
    public func list(actor: Actor, limit: Int = 100) async throws -> [Listed] {
        guard let party = HandoverParty.of(actor.role) else { return [] }
        let sql: SQLQueryString =
            """
            SELECT p.id, c.name, p.stage, h.checklist_json, CASE WHEN EXISTS (SELECT 1 FROM handover_signatures s
              WHERE s.project_id = h.project_id AND s.party = \(bind: party.rawValue)
              AND s.checklist_version = h.version) THEN 1 ELSE 0 END AS signed
            FROM handovers h JOIN projects p ON p.id = h.project_id
            JOIN compounds c ON c.id = p.compound_id LEFT JOIN zones z ON z.id = c.zone_id WHERE
            """ + " " + Self.reach(actor) + " ORDER BY p.id DESC LIMIT \(bind: limit)"
        return try await database.withConnection { db in
            try await db.raw(sql).all().map { r in
                let checklist = try? JSONDecoder().decode(
                    HandoverChecklist.self, from: Data(try r.text("checklist_json").utf8))
                return Listed(
                    projectId: try r.int("id"), compoundName: try r.text("name"), signed: try r.flag("signed"),
                    handedOver: try r.text("stage") == "handed_over",
                    openDefects: checklist?.defects.filter(\.open).count ?? 0)
            }
        }
    }

    /// What the gate into `handed_over` still lacks, inside the advancing transaction.
    static func missing(projectId: Int64, compoundId: Int64, db: any SQLDatabase) async throws -> [HandoverRequirement]
    {
        let sql: SQLQueryString = """
            SELECT c.zone_id, z.property_company_id FROM compounds c LEFT JOIN zones z ON z.id = c.zone_id
            WHERE c.id = \(bind: compoundId)
            """
        let r = try await db.raw(sql).first()
        let place = Place(
            projectId: projectId, compoundId: compoundId, subdistrictId: 0, zoneId: try r?.optionalInt("zone_id"),
            companyId: try r?.optionalInt("property_company_id"))
        let h = try await Self.load(place, db: db)
        return HandoverRules.missing(
            hasChecklist: h.checklist != nil, signed: Set(h.signatures.map(\.party)),
            companyAssigned: h.propertyCompanyId != nil)
    }

    static func check(_ c: HandoverChecklist) throws -> HandoverChecklist {
        var c = c
        func text(_ s: String, _ field: String, max: Int = 200) throws -> String {
            let t = TextNormalizer.line(s)
            guard !t.isEmpty, t.unicodeScalars.count <= max else {
                throw ValidationError(field: field, code: "invalid", message: "\(field) is 1 to \(max) characters")
            }
            return t
        }
        func quantity(_ q: Int, _ field: String) throws {
            guard (0...1_000_000).contains(q) else {
                throw ValidationError(field: field, code: "invalid", message: "\(field) is 0 to 1000000")
            }
        }
        for (name, n) in [
            ("facilities", c.facilities.count), ("documents", c.documents.count), ("keys", c.keys.count),
            ("defects", c.defects.count),
        ] where n > 500 {
            throw ValidationError(field: name, code: "too_many", message: "\(name) lists at most 500 entries")
        }
        for i in c.facilities.indices {
            c.facilities[i].name = try text(c.facilities[i].name, "facilities[\(i)].name")
            try quantity(c.facilities[i].quantity, "facilities[\(i)].quantity")
        }
        for i in c.documents.indices {
            c.documents[i].name = try text(c.documents[i].name, "documents[\(i)].name")
        }
        for i in c.keys.indices {
            c.keys[i].name = try text(c.keys[i].name, "keys[\(i)].name")
            try quantity(c.keys[i].quantity, "keys[\(i)].quantity")
        }
        if let w = c.warrantyUntil, HandoverRules.warrantyTooFar(w, today: Clock.today) {
            throw ValidationError(
                field: "warranty_until", code: "warranty_too_far",
                message: "warranty_until is more than fifty years from today")
        }
        for i in c.defects.indices {
            c.defects[i].description = try text(c.defects[i].description, "defects[\(i)].description", max: 1000)
            if c.defects[i].open, HandoverRules.defectProblem(dueOn: c.defects[i].dueOn, warrantyUntil: c.warrantyUntil)
            {
                throw ValidationError(
                    field: "defects[\(i)].due_on", code: "after_warranty",
                    message: "an open defect is due within the warranty (until \(c.warrantyUntil!))")
            }
        }
        return c
    }

    /// Writes the checklist; a change clears every signature given on the earlier version. Only the office writes
    /// it: the other parties sign what it holds. Given `version` (the page's form sends the one it showed), a
    /// checklist changed meanwhile is refused rather than overwritten.
    public func put(projectId: Int64, _ checklist: HandoverChecklist, version expected: Int? = nil, actor: Actor)
        async throws -> Handover
    {
        guard HandoverParty.of(actor.role) == .office else { throw AccessError.forbidden }
        let checklist = try Self.check(checklist)
        let kind = database.kind
        return try await database.transaction { db in
            let place = try await Self.place(projectId: projectId, actor: actor, db: db)
            // Two saves (or a save and a signature) at once are taken one after the other.
            let lock = kind == .postgres ? " FOR UPDATE" : ""
            let stage = try await db.raw(
                "SELECT stage FROM projects WHERE id = \(bind: projectId)\(unsafeRaw: lock)"
            ).first()!.text("stage")
            if stage == ProjectStage.handedOver.rawValue {
                throw StoreError.refused(
                    code: "handed_over", message: "the project is handed over; its checklist is kept")
            }
            let existing = try await db.raw(
                "SELECT checklist_json, version FROM handovers WHERE project_id = \(bind: projectId)"
            ).first()
            let current = try existing.map { try $0.decode(column: "version", as: Int.self) } ?? 0
            if let expected, expected != current {
                throw StoreError.refused(
                    code: "checklist_changed", message: "the checklist has changed since it was read; read it again")
            }
            let previous = try existing.map {
                try JSONDecoder().decode(HandoverChecklist.self, from: Data(try $0.text("checklist_json").utf8))
            }
            try await Self.checkFiles(checklist, kept: previous, actor: actor, db: db)
            let text = String(decoding: try JSONEncoder().encode(checklist), as: UTF8.self)
            let now = Clock.isoNow()
            var before: JSONValue?
            if let previous {
                if previous == checklist { return try await Self.load(place, db: db) }
                before = Self.audited(previous)
                try await db.raw(
                    """
                    UPDATE handovers SET checklist_json = \(bind: text), version = version + 1, updated_at = \(bind: now),
                      updated_by = \(bind: actor.username) WHERE project_id = \(bind: projectId)
                    """
                ).run()
            } else {
                try await db.raw(
                    """
                    INSERT INTO handovers (project_id, checklist_json, version, updated_at, updated_by)
                    VALUES (\(bind: projectId), \(bind: text), 1, \(bind: now), \(bind: actor.username))
                    """
                ).run()
            }
            try await db.raw("DELETE FROM handover_signatures WHERE project_id = \(bind: projectId)").run()
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "handovers", entityId: projectId,
                subdistrictId: place.subdistrictId, before: before, after: Self.audited(checklist))
            // Read in the same transaction: the version (and the ETag made of it) is this save's, never a later one's.
            return try await Self.load(place, db: db)
        }
    }

    /// A document's file is one the checklist already named, or one the office uploaded itself: naming another
    /// record's file (a resident's photo) here would open it to every party of the hand-over.
    static func checkFiles(_ c: HandoverChecklist, kept: HandoverChecklist?, actor: Actor, db: any SQLDatabase)
        async throws
    {
        let named = Set(kept?.documents.compactMap(\.attachmentId) ?? [])
        for (i, d) in c.documents.enumerated() {
            guard let a = d.attachmentId, !named.contains(a) else { continue }
            let own = try await db.raw(
                "SELECT id FROM attachments WHERE id = \(bind: a) AND created_by = \(bind: actor.username)"
            ).first()
            guard own != nil else {
                throw ValidationError(
                    field: "documents[\(i)].attachment_id", code: "not_found",
                    message: "a document's file is one uploaded by this account")
            }
        }
    }

    /// Conditions and kinds of document in the words of the official record the audit log keeps.
    static let recorded: [String: String] = [
        "good": "完好", "fair": "一般", "poor": "较差", "as_built_drawings": "竣工图", "acceptance_records": "验收资料",
        "warranty": "保修文件", "other": "其他",
    ]

    /// The parts of the checklist (`facilities`, `documents`, `keys`, `defects`, `warranty_until`) that the saves
    /// after version `since` changed, in the checklist's order, read from the audit log's before and after.
    static func changedParts(_ projectId: Int64, since: Int, now: Int, db: any SQLDatabase) async throws -> [String] {
        guard since >= 1, now > since else { return [] }
        let saves = try await db.raw(
            """
            SELECT before_json, after_json FROM audit_log
            WHERE entity = 'handovers' AND entity_id = \(bind: projectId) AND action = 'update'
            ORDER BY id DESC LIMIT \(bind: min(now - since, 100))
            """
        ).all()
        var changed: Set<String> = []
        for r in saves {
            let before = try r.decode(column: "before_json", as: String?.self).flatMap(JSONValue.parse)
            let after = try r.decode(column: "after_json", as: String?.self).flatMap(JSONValue.parse)
            for part in Self.parts where before?[part] != after?[part] { changed.insert(part) }
        }
        return Self.parts.filter(changed.contains)
    }

    static let parts = ["facilities", "documents", "keys", "defects", "warranty_until"]

    /// A checklist as the audit log keeps it: each list as one line of text ("路灯 15、单元门禁 6"), so that an entry
    /// names the lists that changed and how, and a list left as it was is not named at all.
    static func audited(_ c: HandoverChecklist) -> JSONValue {
        .object([
            (
                "facilities",
                .string(
                    c.facilities.map {
                        "\($0.name) \($0.quantity)（\(recorded[$0.condition.rawValue] ?? $0.condition.rawValue)）"
                    }.joined(
                        separator: "、"))
            ),
            (
                "documents",
                .string(
                    c.documents.map {
                        "\(recorded[$0.kind.rawValue] ?? $0.kind.rawValue)：\($0.name)\($0.attachmentId == nil ? "" : "（附文件）")"
                    }
                    .joined(separator: "、"))
            ),
            ("keys", .string(c.keys.map { "\($0.name) \($0.quantity)" }.joined(separator: "、"))),
            (
                "defects",
                .string(
                    c.defects.map { "\($0.description)（\($0.dueOn)\($0.open ? "" : "，已整改")）" }.joined(separator: "、"))
            ),
            ("warranty_until", c.warrantyUntil.map { .string($0.description) } ?? .null),
        ])
    }

    /// Signs the current checklist as the actor's party (by role): the office, the community, the owners'
    /// representative or steward, or the property company assigned to the zone.
    /// Given `version` (the page's form sends the one its signer read), a checklist changed since is refused.
    public func sign(projectId: Int64, version expected: Int? = nil, actor: Actor) async throws -> Handover {
        guard let party = HandoverParty.of(actor.role), let user = actor.userId else { throw AccessError.forbidden }
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        return try await database.transaction { db in
            let place = try await Self.place(projectId: projectId, actor: actor, db: db)
            // Two of one party signing at once (or a signature and a save) are taken one after the other.
            guard
                let row = try await db.raw(
                    "SELECT version FROM handovers WHERE project_id = \(bind: projectId)\(unsafeRaw: lock)"
                ).first()
            else {
                throw StoreError.refused(code: "no_checklist", message: "there is no checklist to sign yet")
            }
            let version = try row.decode(column: "version", as: Int.self)
            if let expected, expected != version {
                // What changed since the version read, so the signer checks those parts, not every table again.
                let parts = try await Self.changedParts(projectId, since: expected, now: version, db: db)
                throw StoreError.refused(
                    code: "checklist_changed", message: "the checklist has changed since it was read; read it again",
                    details: parts.map { Phrase("handover_part", terms: ["part": "handover.part." + $0]) })
            }
            // Signed already on this version (a second click, or another member of the same party): nothing to do.
            let signed = try await db.raw(
                """
                SELECT 1 AS one FROM handover_signatures WHERE project_id = \(bind: projectId)
                  AND party = \(bind: party.rawValue) AND checklist_version = \(bind: version)
                """
            ).first()
            if signed != nil { return try await Self.load(place, db: db) }
            try await db.raw(
                "DELETE FROM handover_signatures WHERE project_id = \(bind: projectId) AND party = \(bind: party.rawValue)"
            ).run()
            try await db.raw(
                """
                INSERT INTO handover_signatures (project_id, party, user_id, username, checklist_version, signed_at)
                VALUES (\(bind: projectId), \(bind: party.rawValue), \(bind: user), \(bind: actor.username),
                  \(bind: version), \(bind: Clock.isoNow()))
                """
            ).run()
            try await AuditLog.record(
                db: db, actor: actor, action: "sign", entity: "handovers", entityId: projectId,
                subdistrictId: place.subdistrictId, before: nil,
                after: .object([("party", .string(party.rawValue)), ("version", .int(Int64(version)))]))
            return try await Self.load(place, db: db)
        }
    }

    /// Whether `attachment` is one of the documents of a hand-over the actor may see: those who sign it read its
    /// files, as they read its checklist.
    static func holdsDocument(_ attachment: Int64, actor: Actor, db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.raw(
            """
            SELECT project_id, checklist_json FROM handovers
            WHERE checklist_json LIKE \(bind: "%\"attachment_id\":\(attachment)%")
            """
        ).all()
        for r in rows {
            let c = try JSONDecoder().decode(HandoverChecklist.self, from: Data(try r.text("checklist_json").utf8))
            guard c.documents.contains(where: { $0.attachmentId == attachment }) else { continue }
            if (try? await place(projectId: try r.int("project_id"), actor: actor, db: db)) != nil { return true }
        }
        return false
    }

    /// When the project is handed over, each open defect becomes a finding of the contractor's, due on its date.
    static func openDefectsToFindings(projectId: Int64, actor: Actor, db: any SQLDatabase) async throws {
        guard
            let row = try await db.raw("SELECT checklist_json FROM handovers WHERE project_id = \(bind: projectId)")
                .first()
        else { return }
        let c = try JSONDecoder().decode(HandoverChecklist.self, from: Data(try row.text("checklist_json").utf8))
        let open = c.defects.filter(\.open)
        guard !open.isEmpty else { return }
        _ = try await LedgerRepository.insertCheck(
            projectId: projectId,
            .init(
                date: Clock.today, items: [("交接验收", false, "")],
                findings: open.map { ("交接遗留问题：\($0.description)", [], $0.dueOn) }), actor: actor,
            calendar: WorkCalendar(), db: db)
    }
}
