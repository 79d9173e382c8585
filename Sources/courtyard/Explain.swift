import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation

/// Turns what the store throws into the one-line message a command prints.
enum Explain {
    static func error(_ error: any Error) -> String? {
        switch error {
        case let e as PasswordRefused: return e.message
        case let e as RegistryImporter.Failure: return Lang.commandLine.say(e.key.0, e.key.1)
        case let e where Database.isDiskFull(e):
            return say("diskFull", ["detail": "\(e)"])
        default:
            let text = "\(error)"
            // PostgresNIO hides the cause from `description`; an operator at the command line needs it.
            if text.contains("connection") || text.contains("PSQLError") {
                return say("database", ["detail": String(reflecting: error)])
            }
            return RegistryFiles.describe(error, lang: .commandLine)
        }
    }
}
