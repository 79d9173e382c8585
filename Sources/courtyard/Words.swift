import CourtyardServer
import CourtyardStore
import Foundation

extension Lang {
    /// The command line's language: COURTYARD_LANG, then LC_ALL, LC_MESSAGES and LANG; Chinese unless the first of
    /// them that is set names English.
    static let commandLine: Lang = {
        let env = ProcessInfo.processInfo.environment
        let named = [env["COURTYARD_LANG"], env["LC_ALL"], env["LC_MESSAGES"], env["LANG"]].compactMap { $0 }
            .first { !$0.isEmpty }
        return Lang.choose(
            query: nil, cookie: nil, acceptLanguage: named.map { $0.replacingOccurrences(of: "_", with: "-") })
    }()
}

/// A line the command line prints, from the catalogue (`cli.…`), in its language.
func say(_ key: String, _ values: [String: String] = [:]) -> String {
    Lang.commandLine.say("cli." + key, values)
}

extension SQLiteRestore.Failure {
    /// Why a restore was refused, in the command line's language.
    var words: String {
        switch self {
        case .missing(let p): say("cannotRead", ["file": p])
        case .unreadable(let why): say("restore.unreadable", ["why": why])
        case .damaged(let first): say("restore.damaged", ["why": first])
        case .notCourtyard: say("restore.notCourtyard")
        case .newer(let level, let latest): say("restore.newer", ["level": "\(level)", "latest": "\(latest)"])
        case .notEmpty(let path): say("restore.notEmpty", ["file": path])
        case .inUse(let path): say("restore.inUse", ["file": path])
        }
    }
}
