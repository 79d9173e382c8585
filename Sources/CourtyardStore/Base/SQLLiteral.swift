import SQLKit

/// Values written straight into SQL text for bulk statements. Binding hundreds of thousands of
/// values one by one through the drivers' encoders costs more than the database's own work, so the
/// import inlines them instead: integers as digits, text as a standard SQL string literal with
/// quotes doubled (both databases read it the same way) and NUL, which neither accepts, removed.
public enum SQLLiteral {
    public static func text(_ s: String) -> String {
        var out = "'"
        out.reserveCapacity(s.utf8.count + 2)
        for ch in s.unicodeScalars {
            if ch == "'" { out += "''" } else if ch.value != 0 { out.unicodeScalars.append(ch) }
        }
        return out + "'"
    }
    public static func int(_ i: Int64?) -> String { i.map { String($0) } ?? "NULL" }
    public static func int(_ i: Int?) -> String { i.map { String($0) } ?? "NULL" }

    /// Ids as lists of digits for `IN (…)`, `every` to a list, for statements over more ids than is wise to bind.
    public static func idLists(_ ids: some Collection<Int64>, every: Int = 1000) -> [String] {
        let all = Array(ids)
        return stride(from: 0, to: all.count, by: every).map {
            all[$0..<min($0 + every, all.count)].map(String.init).joined(separator: ",")
        }
    }

    /// Runs `INSERT INTO table (columns) VALUES …` in chunks, returning the requested columns of every inserted row;
    /// `onChunk` hears the rows inserted so far after each chunk.
    public static func insert(
        db: any SQLDatabase, table: String, columns: [String], rows: [[String]], returning: String?,
        chunk: Int = 2000, onChunk: ((Int) -> Void)? = nil
    ) async throws -> [any SQLRow] {
        var out: [any SQLRow] = []
        var start = 0
        while start < rows.count {
            let end = min(start + chunk, rows.count)
            var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            for i in start..<end {
                if i > start { sql += "," }
                sql += "(" + rows[i].joined(separator: ",") + ")"
            }
            if let returning {
                sql += " RETURNING " + returning
                out += try await db.raw(SQLQueryString(sql)).all()
            } else {
                try await db.raw(SQLQueryString(sql)).run()
            }
            start = end
            onChunk?(end)
        }
        return out
    }
}
