import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation

/// Turns what the store throws into the one-line message a command prints.
enum Explain {
    static func error(_ error: any Error) -> String? {
        switch error {
        case let e as ValidationError: return e.message
        case let e as PasswordRefused: return e.message
        case let e as StoreError:
            switch e {
            case .conflict(let m), .invalid(let m), .refused(_, let m, _): return m
            case .notFound: return "no such record"
            case .stale: return "the record changed meanwhile; try again"
            }
        case let e as RegistryImporter.Failure:
            if case .subdistrict(let m) = e { return m }
            return nil
        case let e where Database.isDiskFull(e):
            return "the disk is full; nothing of this was written (free some space and run it again): \(e)"
        default:
            let text = "\(error)"
            // PostgresNIO hides the cause from `description`; an operator at the command line needs it.
            if text.contains("connection") || text.contains("PSQLError") {
                return "cannot use the database: \(String(reflecting: error))"
            }
            return RegistryFiles.describe(error)
        }
    }
}
