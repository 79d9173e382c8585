import CourtyardDomain
import SQLKit

/// How a resident finds their compound without a link: by words of its name, its address or its community, as they
/// know it (纺织厂, 建设路10号, 幸福里 建设路). Public: it reads names and addresses only, never a person.
public struct CompoundFinder: Sendable {
    public struct Found: Sendable, Equatable {
        public var id: Int64
        public var name: String
        public var address: String
        public var community: String
    }

    public let database: Database
    public init(database: Database) { self.database = database }

    /// Compounds where every word typed (split at spaces) is in the name, the address or the community's name, those
    /// whose name holds the whole text first; at most `limit`. Nothing for nothing typed.
    public func find(_ typed: String, limit: Int = 30) async throws -> [Found] {
        let words = Self.words(typed)
        guard !words.isEmpty else { return [] }
        let whole = "%" + words.joined(separator: " ") + "%"
        var sql: SQLQueryString = """
            SELECT t.id, t.name, COALESCE(t.address, '') AS address, COALESCE(c.name, '') AS community
            FROM compounds t LEFT JOIN communities c ON c.id = t.community_id WHERE 1=1
            """
        for word in words {
            // In any case on both databases (SQLite's LIKE folds ASCII case, PostgreSQL's does not): A栋, a栋.
            let like = "%" + word.lowercased() + "%"
            sql +=
                " AND (LOWER(t.name) LIKE \(bind: like) OR LOWER(COALESCE(t.address, '')) LIKE \(bind: like)"
                + " OR LOWER(COALESCE(c.name, '')) LIKE \(bind: like))"
        }
        sql +=
            " ORDER BY CASE WHEN LOWER(t.name) LIKE \(bind: whole.lowercased()) THEN 0 ELSE 1 END, t.name, t.id"
            + " LIMIT \(bind: min(max(limit, 1), 100))"
        let query = sql
        return try await database.withConnection { db in
            try await db.raw(query).all().map { r in
                Found(
                    id: try r.int("id"), name: try r.text("name"), address: try r.text("address"),
                    community: try r.text("community"))
            }
        }
    }

    /// The words typed, cleaned (full-width folded), without LIKE's wildcards, at most five.
    static func words(_ typed: String) -> [String] {
        let words = TextNormalizer.clean(typed).split(separator: " ").map { word in
            String(word.filter { $0 != "%" && $0 != "_" && $0 != "\\" })
        }
        return Array(words.filter { !$0.isEmpty }.prefix(5))
    }
}
