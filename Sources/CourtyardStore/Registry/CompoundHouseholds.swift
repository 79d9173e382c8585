import SQLKit

/// Each compound's count of households (`compounds.household_count`), which bulletins and lists read instead of
/// counting a province's millions of households. Every write of a household keeps it, in the same transaction, after
/// writing the household: writers of households take their locks in one order (the household, then its compound).
public enum CompoundHouseholds {
    /// Households added to, or taken from, compound `id`.
    public static func add(_ delta: Int, compound id: Int64, db: any SQLDatabase) async throws {
        try await db.raw(
            "UPDATE compounds SET household_count = household_count + \(bind: delta) WHERE id = \(bind: id)"
        ).run()
    }

    /// Counts again the households of these compounds (all of them when `ids` is nil), after many were written.
    public static func recount(_ ids: Set<Int64>?, db: any SQLDatabase) async throws {
        let set = "household_count = (SELECT COUNT(*) FROM households h WHERE h.compound_id = compounds.id)"
        guard let ids else { return try await db.raw(SQLQueryString("UPDATE compounds SET " + set)).run() }
        for list in SQLLiteral.idLists(ids.sorted()) {
            try await db.raw(SQLQueryString("UPDATE compounds SET " + set + " WHERE id IN (" + list + ")")).run()
        }
    }
}
