import Foundation
import SQLKit

/// A page form sent twice is saved once. A double tap on a slow phone sends a form twice, and reloading the page a
/// form answered sends it again; each would otherwise save a second report, check or ballot, and the page the person
/// sees is the second one's (often a refusal: "already voted"). Each drawn form carries a one-time key; the first
/// sending claims it, and a second sending of the same form with the same content is answered as the first was.
/// Claims are rows of `form_submissions` in the database, so this holds across every server over one database.
public struct FormSubmissions: Sendable {
    let database: Database

    /// A claim whose sending is still unfinished after this long was cut off (a crash, a lost connection).
    static let abandonedAfter: Int64 = 60
    /// How long a saved sending answers for the form sent again: a double tap or a reload comes within minutes; the
    /// same form sent later (back several pages, after the record was undone) is a sending of its own.
    static let answersFor: Int64 = 15 * 60
    /// Claims are kept this long: longer than anyone reloads a page.
    static let keptFor: Int64 = 2 * 86_400

    /// How long, in seconds, a second sending waits for the first to finish by default.
    let patience: Double

    public init(database: Database, patience: Double = 10) {
        self.database = database
        self.patience = patience
    }

    /// What a sending of a form finds.
    public enum Claim: Sendable, Equatable {
        /// The first: save it, then `settle` or `release`.
        case first
        /// Already saved by an earlier sending, which led to this address.
        case done(String)
        /// An earlier sending began and has not finished (or was cut off): whether it saved is not known.
        case unsettled
    }

    /// Claims `key` for this sending, waiting up to `patience` seconds for an earlier sending of it to finish.
    public func claim(_ key: String, patience: Double? = nil, now: @Sendable () -> Date = Date.init) async throws
        -> Claim
    {
        let deadline = now().addingTimeInterval(patience ?? self.patience)
        while true {
            let epoch = Int64(now().timeIntervalSince1970.rounded(.down))
            let old = epoch - Self.keptFor
            let first = try await database.transaction { db in
                let row = try await db.raw(
                    """
                    INSERT INTO form_submissions (key, created_at) VALUES (\(bind: key), \(bind: epoch))
                    ON CONFLICT (key) DO NOTHING RETURNING key
                    """
                ).first()
                if row != nil, Int.random(in: 0..<256) == 0 {
                    try await db.raw("DELETE FROM form_submissions WHERE created_at < \(bind: old)").run()
                }
                return row != nil
            }
            if first { return .first }
            let earlier = try await database.withConnection { db in
                try await db.raw("SELECT answer, created_at FROM form_submissions WHERE key = \(bind: key)").first()
            }
            // Released meanwhile (the earlier sending was refused): this one is the first again.
            guard let earlier else { continue }
            let began = try earlier.decode(column: "created_at", as: Int64.self)
            if epoch - began >= Self.answersFor {
                try await forget(key, before: epoch - Self.answersFor)
                continue
            }
            if let answer = try earlier.decodeNil(column: "answer")
                ? nil : earlier.decode(column: "answer", as: String.self)
            {
                return .done(answer)
            }
            if epoch - began >= Self.abandonedAfter || now() >= deadline { return .unsettled }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Lets go of a claim made before `cutoff`, so that the form is a sending of its own again.
    func forget(_ key: String, before cutoff: Int64) async throws {
        try await database.transaction { db in
            try await db.raw(
                "DELETE FROM form_submissions WHERE key = \(bind: key) AND created_at <= \(bind: cutoff)"
            ).run()
        }
    }

    /// Lets go of a saved sending whose record no longer stands (a sign-up since cancelled): the same form sent
    /// again is saved anew.
    public func reopen(_ key: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM form_submissions WHERE key = \(bind: key)").run()
        }
    }

    /// The claimed sending was saved and led to `answer` (an address on the site).
    public func settle(_ key: String, answer: String) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE form_submissions SET answer = \(bind: answer) WHERE key = \(bind: key)").run()
        }
    }

    /// The claimed sending saved nothing (it was refused): the same form may be sent again.
    public func release(_ key: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM form_submissions WHERE key = \(bind: key) AND answer IS NULL").run()
        }
    }
}
