import Foundation
import NIOCore
import NIOPosix
import PostgresKit
import SQLiteKit

extension Database {
    /// Whether an error says the database cannot be reached (PostgreSQL down, restarting or refusing connections):
    /// the request is fine and may be made again once it is back. The pool drops the broken connections and opens
    /// new ones when asked, so the server recovers by itself.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let e as PSQLError:
            switch e.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // Class 08 (connection exception) and 57P (operator intervention: shutting down, starting up).
                let state = e.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("57P")
            default: return false
            }
        case let e as PostgresError:
            if case .connectionClosed = e { return true }
            return false
        case is NIOConnectionError, is ChannelError: return true
        // No connection came from the pool in time: while PostgreSQL is down the pool's waiters end so, not with the
        // failed connection attempts themselves, and under load the request could not reach the database either.
        case is ConnectionPoolTimeoutError, is DatabaseUnreachable, is PostgresDirectDatabase.ConnectionClosed:
            return true
        case let e as IOError:
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(e.errnoCode)
        default: return false
        }
    }

    /// Whether an error says the disk is full: SQLite's SQLITE_FULL, PostgreSQL's 53100 (disk_full) or an
    /// `ENOSPC` from a file write. Nothing of the transaction was kept.
    public static func isDiskFull(_ error: any Error) -> Bool {
        switch error {
        case let e as SQLiteError: return e.reason == .full
        case let e as SQLiteFailure: return e.isDiskFull
        case let e as PSQLError: return e.serverInfo?[.sqlState] == "53100"
        case let e as IOError: return e.errnoCode == ENOSPC
        default: return false
        }
    }
}
