import CourtyardDomain
import Foundation
import SQLKit

/// Self-governance bodies of a compound or a community and their members; a member who leaves keeps their line,
/// with the day they left.
public struct BodyRepository: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct NewMember: Sendable {
        public var residentId: Int64?
        public var userId: Int64?
        public var position: String
        public var from: Day?
        public var until: Day?
        public var publicName: String?
        public init(
            residentId: Int64?, userId: Int64?, position: String, from: Day? = nil, until: Day? = nil,
            publicName: String? = nil
        ) {
            self.residentId = residentId
            self.userId = userId
            self.position = position
            self.from = from
            self.until = until
            self.publicName = publicName
        }
    }

    public struct NewBody: Sendable {
        public var kind: BodyKind
        public var name: String
        public var compoundId: Int64?
        public var communityId: Int64?
        public var formedOn: Day
        public var basisAttachmentId: Int64?
        public var voteId: Int64?
        public var members: [NewMember]
        public init(
            kind: BodyKind, name: String, compoundId: Int64?, communityId: Int64?, formedOn: Day,
            basisAttachmentId: Int64? = nil, voteId: Int64? = nil, members: [NewMember]
        ) {
            self.kind = kind
            self.name = name
            self.compoundId = compoundId
            self.communityId = communityId
            self.formedOn = formedOn
            self.basisAttachmentId = basisAttachmentId
            self.voteId = voteId
            self.members = members
        }
    }

    /// Bodies the actor sees: those of its compounds, and those of the communities its compounds lie in.
    static func scope(_ actor: Actor) -> SQLQueryString {
        "(g.compound_id IN (SELECT t.id FROM compounds t WHERE " + ResourceSpec.compounds.scopeCondition(actor.scope)
            + ") OR g.community_id IN (SELECT t.community_id FROM compounds t WHERE "
            + ResourceSpec.compounds.scopeCondition(actor.scope) + "))"
    }

    public func create(_ n: NewBody, actor: Actor) async throws -> GoverningBody {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        let name = TextNormalizer.clean(n.name)
        guard !name.isEmpty, name.unicodeScalars.count <= 100 else {
            throw ValidationError(field: "name", code: "invalid", message: "name is 1 to 100 characters")
        }
        if (n.compoundId == nil) == (n.communityId == nil) {
            throw ValidationError(
                field: "compound_id", code: "one_place", message: "give compound_id or community_id, not both")
        }
        if let problem = BodyRules.formedProblem(n.formedOn, today: Clock.today) { throw problem }
        guard n.members.count <= 100 else {
            throw ValidationError(field: "members", code: "too_many", message: "at most 100 members")
        }
        let id: Int64 = try await database.transaction { db in
            let sd: Int64
            if let c = n.compoundId {
                let sql: SQLQueryString =
                    "SELECT t.subdistrict_id FROM compounds t WHERE t.id = \(bind: c) AND "
                    + ResourceSpec.compounds.scopeCondition(actor.scope)
                guard let r = try await db.raw(sql).first() else {
                    throw ValidationError(
                        field: "compound_id", code: "not_found", message: "compound_id does not exist")
                }
                sd = try r.int("subdistrict_id")
            } else {
                let sql: SQLQueryString =
                    "SELECT t.subdistrict_id FROM communities t WHERE t.id = \(bind: n.communityId!) AND "
                    + ResourceSpec.communities.scopeCondition(actor.scope)
                guard let r = try await db.raw(sql).first() else {
                    throw ValidationError(
                        field: "community_id", code: "not_found", message: "community_id does not exist")
                }
                sd = try r.int("subdistrict_id")
            }
            if let v = n.voteId {
                guard let r = try await db.raw("SELECT compound_id, matter FROM votes WHERE id = \(bind: v)").first()
                else { throw ValidationError(field: "vote_id", code: "not_found", message: "vote_id does not exist") }
                if let problem = BodyRules.voteProblem(
                    kind: n.kind, bodyCompound: n.compoundId, voteCompound: try r.int("compound_id"),
                    voteMatter: Int(try r.int("matter")))
                {
                    throw problem
                }
            }
            if let a = n.basisAttachmentId {
                try await AttachmentRepository.requireReadable([a], field: "basis_attachment_id", actor: actor, db: db)
            }
            let row = try await db.raw(
                """
                INSERT INTO bodies (subdistrict_id, kind, name, compound_id, community_id, formed_on, basis_attachment_id,
                  vote_id, created_at, created_by)
                VALUES (\(bind: sd), \(bind: n.kind.rawValue), \(bind: name), \(bind: n.compoundId), \(bind: n.communityId),
                  \(bind: n.formedOn.description), \(bind: n.basisAttachmentId), \(bind: n.voteId), \(bind: Clock.isoNow()),
                  \(bind: actor.username))
                RETURNING id
                """
            ).first()!
            let id = try row.int("id")
            for (i, m) in n.members.enumerated() {
                try await Self.addMember(m, field: "members[\(i)]", body: id, actor: actor, db: db)
            }
            let body = try await Self.one(id, actor: .system, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "create", entity: "bodies", entityId: id, subdistrictId: sd, before: nil,
                after: try JSONValueCoding.encode(body))
            return id
        }
        return try await get(id: id, actor: actor)
    }

    static func addMember(_ m: NewMember, field: String, body: Int64, actor: Actor, db: any SQLDatabase) async throws {
        if (m.residentId == nil) == (m.userId == nil) {
            throw ValidationError(
                field: field + ".resident_id", code: "one_person", message: "\(field) names a resident_id or a user_id")
        }
        let position = TextNormalizer.line(m.position)
        guard !position.isEmpty, position.unicodeScalars.count <= 50 else {
            throw ValidationError(
                field: field + ".position", code: "invalid", message: "\(field).position is 1 to 50 characters")
        }
        if let p = m.publicName, p.unicodeScalars.count > 50 {
            throw ValidationError(
                field: field + ".public_name", code: "too_long",
                message: "\(field).public_name is at most 50 characters")
        }
        if let problem = BodyRules.memberTermProblem(field: field, from: m.from, until: m.until) { throw problem }
        if let from = m.from, let problem = StewardRules.sinceProblem(from, today: Clock.today, field: field + ".from")
        {
            throw problem
        }
        if let r = m.residentId {
            let sql: SQLQueryString =
                "SELECT t.id FROM residents t WHERE t.id = \(bind: r) AND "
                + ResourceSpec.residents.scopeCondition(actor.scope)
            if try await db.raw(sql).first() == nil {
                throw ValidationError(
                    field: field + ".resident_id", code: "not_found", message: "\(field).resident_id does not exist")
            }
        }
        if let u = m.userId, try await db.raw("SELECT id FROM users WHERE id = \(bind: u)").first() == nil {
            throw ValidationError(
                field: field + ".user_id", code: "not_found", message: "\(field).user_id does not exist")
        }
        try await db.raw(
            """
            INSERT INTO body_members (body_id, resident_id, user_id, position, from_on, until_on, public_name, created_at)
            VALUES (\(bind: body), \(bind: m.residentId), \(bind: m.userId), \(bind: position), \(bind: m.from?.description),
              \(bind: m.until?.description), \(bind: m.publicName.map(TextNormalizer.clean)), \(bind: Clock.isoNow()))
            """
        ).run()
    }

    static func one(_ id: Int64, actor: Actor, db: any SQLDatabase) async throws -> GoverningBody {
        let sql: SQLQueryString =
            "SELECT g.id, g.subdistrict_id, g.kind, g.name, g.compound_id, g.community_id, g.formed_on, g.basis_attachment_id, g.vote_id, g.version FROM bodies g WHERE g.id = \(bind: id) AND "
            + scope(actor)
        guard let r = try await db.raw(sql).first() else { throw StoreError.notFound }
        return try await decode(r, actor: actor, db: db)
    }

    static func decode(_ r: any SQLRow, actor: Actor, db: any SQLDatabase, today: Day = Clock.today) async throws
        -> GoverningBody
    {
        let id = try r.int("id")
        let members = try await db.raw(
            """
            SELECT m.id, m.resident_id, m.user_id, m.position, m.from_on, m.until_on, r.name AS resident_name,
              u.display_name, u.username
            FROM body_members m LEFT JOIN residents r ON r.id = m.resident_id LEFT JOIN users u ON u.id = m.user_id
            WHERE m.body_id = \(bind: id) ORDER BY m.id
            """
        ).all().map { m in
            let residentName = try m.optionalText("resident_name")
            let display = try m.optionalText("display_name").flatMap { $0.isEmpty ? nil : $0 }
            let username = try m.optionalText("username") ?? ""
            let name =
                residentName.map { actor.seesPersonalData ? $0 : PersonalData.maskName($0) } ?? display ?? username
            let from = try m.optionalText("from_on").flatMap { Day($0) }
            let until = try m.optionalText("until_on").flatMap { Day($0) }
            return GoverningBody.Member(
                id: try m.int("id"), residentId: try m.optionalInt("resident_id"), userId: try m.optionalInt("user_id"),
                name: name, position: try m.text("position"), from: from, until: until,
                current: (from.map { $0 <= today } ?? true) && (until.map { $0 >= today } ?? true))
        }
        return GoverningBody(
            id: id, subdistrictId: try r.int("subdistrict_id"),
            kind: BodyKind(rawValue: try r.text("kind")) ?? .volunteerTeam, name: try r.text("name"),
            compoundId: try r.optionalInt("compound_id"), communityId: try r.optionalInt("community_id"),
            formedOn: Day(try r.text("formed_on")) ?? today,
            basisAttachmentId: try r.optionalInt("basis_attachment_id"),
            voteId: try r.optionalInt("vote_id"), members: members, version: Int(try r.int("version")))
    }

    public func get(id: Int64, actor: Actor) async throws -> GoverningBody {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in try await Self.one(id, actor: actor, db: db) }
    }

    public func list(
        compoundId: Int64?, communityId: Int64?, kind: BodyKind?, actor: Actor, paging: Paging = .export
    ) async throws -> [GoverningBody] {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        var sql: SQLQueryString =
            "SELECT g.id, g.subdistrict_id, g.kind, g.name, g.compound_id, g.community_id, g.formed_on, g.basis_attachment_id, g.vote_id, g.version FROM bodies g WHERE "
            + Self.scope(actor)
        if let c = compoundId { sql += " AND g.compound_id = \(bind: c)" }
        if let c = communityId { sql += " AND g.community_id = \(bind: c)" }
        if let k = kind { sql += " AND g.kind = \(bind: k.rawValue)" }
        sql += " ORDER BY g.id" + paging.sql
        let q = sql
        return try await database.withConnection { db in
            var out: [GoverningBody] = []
            for r in try await db.raw(q).all() { out.append(try await Self.decode(r, actor: actor, db: db)) }
            return out
        }
    }

    /// Adds a member to a body; earlier members stay as they are.
    public func addMember(body id: Int64, _ m: NewMember, actor: Actor) async throws -> GoverningBody {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let before = try await Self.one(id, actor: actor, db: db)
            try await Self.checkJoining(m, body: before, db: db)
            try await Self.addMember(m, field: "member", body: id, actor: actor, db: db)
            try await db.raw("UPDATE bodies SET version = version + 1 WHERE id = \(bind: id)").run()
            let after = try await Self.one(id, actor: .system, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "bodies", entityId: id,
                subdistrictId: before.subdistrictId, before: try JSONValueCoding.encode(MembersAudit(before)),
                after: try JSONValueCoding.encode(MembersAudit(after)))
        }
        return try await get(id: id, actor: actor)
    }

    /// The households a body serves (`h`): its compound's, or those of its community's compounds.
    static func area(_ body: GoverningBody) -> SQLQueryString {
        body.compoundId.map { "h.compound_id = \(bind: $0)" }
            ?? "h.compound_id IN (SELECT id FROM compounds WHERE community_id = \(bind: body.communityId ?? 0))"
    }

    /// What a new member of a standing body must be: a person of its compound (or of its community's compounds),
    /// not already serving in it, joining no earlier than the body was formed.
    static func checkJoining(_ m: NewMember, body: GoverningBody, db: any SQLDatabase) async throws {
        if let from = m.from, from < body.formedOn {
            throw ValidationError(
                field: "member.from", code: "before_formed", message: "member.from is before the body was formed")
        }
        guard let r = m.residentId else { return }
        let lives: SQLQueryString =
            "SELECT 1 AS one FROM household_residents hr JOIN households h ON h.id = hr.household_id "
            + "WHERE hr.resident_id = \(bind: r) AND " + area(body)
        if try await db.raw(lives).first() == nil {
            throw ValidationError(
                field: "member.resident_id", code: "other_compound",
                message: "the resident has no home in the body's compound or community")
        }
        if body.members.contains(where: { $0.residentId == r && $0.current }) {
            throw StoreError.refused(code: "already_member", message: "the resident already serves in this body")
        }
    }

    /// A membership change as the audit log shows it: the body's name and how many members it has now.
    struct MembersAudit: Encodable {
        var name: String
        var members: Int
        init(_ b: GoverningBody) {
            name = b.name
            members = b.members.filter(\.current).count
        }
    }

    /// People of a body's compound (or of its community's compounds) whose name holds `text` or whose phone is it,
    /// each with the home that places them: whom the page offers to add as a member (at most `limit`).
    public func candidates(body id: Int64, text: String, limit: Int = 20, actor: Actor) async throws
        -> [StewardCandidate]
    {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        let words = TextNormalizer.line(text).replacingOccurrences(of: "%", with: "")
            .replacingOccurrences(of: "_", with: "")
        guard !words.isEmpty, words.unicodeScalars.count <= 50 else { return [] }
        let digits = PersonalData.normalizePhone(words) ?? ""
        // Four digits or more find a phone that holds them (its last four, 手机尾号, as people say them).
        let part = TextNormalizer.halfWidth(words)
        let phone: SQLQueryString =
            part.count >= 4 && part.allSatisfy({ $0.isASCII && $0.isNumber })
            ? "r.phone LIKE \(bind: "%" + part + "%")" : "(r.phone <> '' AND r.phone = \(bind: digits))"
        return try await database.withConnection { db in
            let body = try await Self.one(id, actor: actor, db: db)
            let sql: SQLQueryString =
                """
                SELECT r.id, r.name, r.phone, c.name AS compound, b.name AS building, e.name AS entrance, h.room,
                  hr.relation
                FROM household_residents hr JOIN households h ON h.id = hr.household_id
                JOIN compounds c ON c.id = h.compound_id
                JOIN buildings b ON b.id = h.building_id JOIN entrances e ON e.id = h.entrance_id
                JOIN residents r ON r.id = hr.resident_id
                WHERE
                """ + " " + Self.area(body)
                + " AND (r.name LIKE \(bind: "%" + words + "%") OR " + phone + ")"
                + " AND r.id IN (SELECT t.id FROM residents t WHERE "
                + ResourceSpec.residents.scopeCondition(actor.scope) + ")"
                + " ORDER BY r.name, r.id, h.building_id, h.entrance_id, h.room LIMIT \(unsafeRaw: String(limit * 3))"
            var seen = Set<Int64>()
            return try await db.raw(sql).all().compactMap { r -> StewardCandidate? in
                let resident = try r.int("id")
                guard seen.insert(resident).inserted else { return nil }
                return StewardCandidate(
                    residentId: resident, name: PersonalData.name(try r.text("name"), personal: actor.seesPersonalData),
                    // A community-wide body's people live in several compounds: the compound names the home too.
                    entrance: (body.compoundId == nil ? try r.text("compound") + " " : "") + (try r.text("building"))
                        + "-" + (try r.text("entrance")), room: try r.text("room"),
                    owner: try r.text("relation") == "owner",
                    phoneTail: StewardCandidate.tail(try r.optionalText("phone") ?? "", actor: actor))
            }.prefix(limit).map { $0 }
        }
    }

    /// Ends a member's term on a day; the line stays as history.
    public func endMember(body id: Int64, member: Int64, until: Day, actor: Actor) async throws -> GoverningBody {
        guard Permissions.allows(actor.role, .manageStewards) else { throw AccessError.forbidden }
        try await database.transaction { db in
            let before = try await Self.one(id, actor: actor, db: db)
            guard let m = before.members.first(where: { $0.id == member }) else { throw StoreError.notFound }
            if let problem = BodyRules.memberTermProblem(field: "member", from: m.from, until: until) { throw problem }
            try StewardRepository.check(StewardRules.endProblem(until: m.until, day: until, today: Clock.today))
            try await db.raw(
                "UPDATE body_members SET until_on = \(bind: until.description) WHERE id = \(bind: member) AND body_id = \(bind: id)"
            ).run()
            try await db.raw("UPDATE bodies SET version = version + 1 WHERE id = \(bind: id)").run()
            let after = try await Self.one(id, actor: .system, db: db)
            try await AuditLog.record(
                db: db, actor: actor, action: "update", entity: "bodies", entityId: id,
                subdistrictId: before.subdistrictId, before: try JSONValueCoding.encode(MembersAudit(before)),
                after: try JSONValueCoding.encode(MembersAudit(after)))
        }
        return try await get(id: id, actor: actor)
    }

    /// A compound's bodies and current stewards as its public page shows them: names as the office chose, else
    /// masked to 王某某; positions and places, no ids of people.
    public struct PublicLine: Sendable, Equatable {
        public var group: String
        public var role: String
        public var name: String
    }

    public func publicLines(compoundId: Int64) async throws -> (bodies: [PublicLine], stewards: [PublicLine]) {
        try await database.withConnection { db in
            let today = Clock.today.description
            let bodies = try await db.raw(
                """
                SELECT g.name AS body_name, g.kind, m.position, m.public_name, r.name AS resident_name, u.display_name
                FROM bodies g JOIN body_members m ON m.body_id = g.id LEFT JOIN residents r ON r.id = m.resident_id
                LEFT JOIN users u ON u.id = m.user_id
                WHERE (g.compound_id = \(bind: compoundId) OR g.community_id = (SELECT community_id FROM compounds WHERE id = \(bind: compoundId)))
                  AND (m.from_on IS NULL OR m.from_on <= \(bind: today)) AND (m.until_on IS NULL OR m.until_on >= \(bind: today))
                ORDER BY g.id, m.id
                """
            ).all().map { r in
                let resident = try r.optionalText("resident_name")
                let display = try r.optionalText("display_name")
                let chosen = try r.optionalText("public_name")
                let shown = chosen ?? StewardRules.publicName(resident ?? display ?? "")
                return PublicLine(group: try r.text("body_name"), role: try r.text("position"), name: shown)
            }
            let stewards = try await db.raw(
                """
                SELECT b.name AS building_name, e.name AS entrance_name, s.public_name, r.name AS resident_name
                FROM stewards s JOIN residents r ON r.id = s.resident_id JOIN buildings b ON b.id = s.building_id
                LEFT JOIN entrances e ON e.id = s.entrance_id
                WHERE s.compound_id = \(bind: compoundId) AND s.since <= \(bind: today) AND (s.until IS NULL OR s.until >= \(bind: today))
                ORDER BY b.name, s.building_id, e.name, s.id
                """
            ).all().map { r in
                let entrance = try r.optionalText("entrance_name")
                let place = try r.text("building_name") + (entrance.map { " " + $0 } ?? "")
                let chosen = try r.optionalText("public_name")
                let resident = try r.text("resident_name")
                return PublicLine(group: place, role: "", name: chosen ?? StewardRules.publicName(resident))
            }
            return (bodies, stewards)
        }
    }
}
