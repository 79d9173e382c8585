import CourtyardDomain
import SQLKit

/// A household on a participation chart: where it is, and whether it has taken part (voted, answered).
public struct ParticipationCell: Sendable, Equatable {
    public var householdId: Int64
    public var compoundId: Int64
    public var compoundName: String
    public var buildingId: Int64
    public var buildingName: String
    public var entranceId: Int64
    public var entranceName: String
    public var room: String
    public var floor: Int?
    public var done: Bool
}

/// Who took part in a vote or a questionnaire, household by household, for the battle map. Only households the
/// actor may see are drawn; taking part is whether a live ballot or a response exists, never what it said.
enum ParticipationMap {
    /// `households` selects the ids of the households in question, `done` the ids of those that took part.
    static func cells(households: SQLQueryString, done: SQLQueryString, actor: Actor, db: any SQLDatabase)
        async throws -> [ParticipationCell]
    {
        let sql: SQLQueryString =
            """
            SELECT t.id, t.compound_id, c.name AS compound_name, t.building_id, b.name AS building_name, t.entrance_id,
              e.name AS entrance_name, t.room, t.floor, CASE WHEN t.id IN (
            """ + done
                + """
                ) THEN 1 ELSE 0 END AS done
                FROM households t JOIN compounds c ON c.id = t.compound_id
                JOIN buildings b ON b.id = t.building_id JOIN entrances e ON e.id = t.entrance_id
                WHERE t.id IN (
                """ + households + ") AND " + ResourceSpec.households.scopeCondition(actor.scope)
            + " ORDER BY c.name, t.compound_id, b.name, t.building_id, e.name, t.entrance_id, t.floor, t.room, t.id"
        return try await db.raw(sql).all().map { r in
            ParticipationCell(
                householdId: try r.int("id"), compoundId: try r.int("compound_id"),
                compoundName: try r.text("compound_name"), buildingId: try r.int("building_id"),
                buildingName: try r.text("building_name"), entranceId: try r.int("entrance_id"),
                entranceName: try r.text("entrance_name"), room: try r.text("room"),
                floor: try r.decode(column: "floor", as: Int?.self), done: try r.int("done") != 0)
        }
    }
}

extension VoteRepository {
    /// Who has voted: the frozen electorate once the vote is open (the electorate it would have while a draft).
    public func participation(id: Int64, actor: Actor) async throws -> (title: String, [ParticipationCell]) {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        return try await database.withConnection { db in
            let v = try await load(id: id, actor: actor, db: db)
            let households: SQLQueryString
            if v.status == .draft {
                households = "SELECT h.id FROM households h WHERE " + (try Self.decodeSpec(v.electorate)).condition
            } else {
                households = "SELECT household_id FROM vote_electorate WHERE vote_id = \(bind: id)"
            }
            let done: SQLQueryString =
                "SELECT household_id FROM ballots WHERE vote_id = \(bind: id) AND voided_at IS NULL"
            return (v.title, try await ParticipationMap.cells(households: households, done: done, actor: actor, db: db))
        }
    }
}

extension QuestionnaireRepository {
    /// Who has answered, over the households of the questionnaire's compound.
    public func participation(id: Int64, actor: Actor) async throws -> (title: String, [ParticipationCell]) {
        guard Permissions.allows(actor.role, .readRegistry) else { throw AccessError.forbidden }
        let s = scope(actor)
        return try await database.withConnection { db in
            let q = try await Self.header(id, db: db, scope: s)
            let households: SQLQueryString = "SELECT h.id FROM households h WHERE h.compound_id = \(bind: q.compoundId)"
            let done: SQLQueryString =
                "SELECT household_id FROM questionnaire_responses WHERE questionnaire_id = \(bind: id) AND voided_at IS NULL"
            return (q.title, try await ParticipationMap.cells(households: households, done: done, actor: actor, db: db))
        }
    }
}
