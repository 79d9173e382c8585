import SQLKit

/// One page of a list: at most `limit` rows after skipping `offset`. A repository fetches one row more than
/// the limit, so the caller knows whether another page follows without counting the whole list.
public struct Paging: Sendable, Equatable {
    public static let maxLimit = 1000
    /// The most rows one read returns: an export (CSV) or a page reads the whole list up to this ceiling.
    public static let ceiling = 5000
    public static let export = Paging(limit: ceiling, offset: 0)

    public let limit: Int
    public let offset: Int

    public init(limit: Int, offset: Int) {
        self.limit = min(max(limit, 1), Self.ceiling)
        self.offset = max(offset, 0)
    }

    /// `LIMIT limit+1 OFFSET offset`, bound.
    public var sql: SQLQueryString { " LIMIT \(bind: limit + 1) OFFSET \(bind: offset)" }

    /// The rows of this page, and the cursor of the next one when the repository found more.
    public func page<T>(_ rows: [T]) -> (items: [T], next: Int?) {
        rows.count > limit ? (Array(rows.prefix(limit)), offset + limit) : (rows, nil)
    }

    /// The same page out of a list already held in memory (a project's tasks, logs, checks).
    public func slice<T>(_ all: [T]) -> [T] { Array(all.dropFirst(offset).prefix(limit + 1)) }
}
