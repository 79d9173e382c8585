import CourtyardDomain
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Tokens, their hashes, and password hashing kept off the event loops.
enum Security {
    /// 32 random bytes, URL-safe base64: for bearer tokens, session cookies and CSRF tokens.
    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Tokens are stored only as this hash, so a copy of the database signs no one in.
    static func hash(token: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in SHA256.hash(data: Data(token.utf8)) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Compares without an early exit, so timing says nothing about where two tokens differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Refuses a new password that `PasswordPolicy` does not allow, saying why in the person's language.
    static func checkPasswordStrength(_ password: String, username: String?) throws {
        guard let problem = PasswordPolicy.problem(password, username: username) else { return }
        throw AppError(
            status: .unprocessableContent, code: problem == .tooLong ? "password_too_long" : "weak_password",
            key: problem.catalogueKey, field: "password")
    }
}

extension PasswordPolicy.Problem {
    var catalogueKey: String {
        switch self {
        case .tooShort: "password.tooShort"
        case .tooLong: "password.tooLong"
        case .common: "password.common"
        case .trivial: "password.trivial"
        case .username: "password.username"
        }
    }
}

/// Why a password chosen outside a request (the command line, COURTYARD_ADMIN_PASSWORD) is refused;
/// nil when it is fine.
public func passwordRefusal(_ password: String, username: String, lang: Lang = .en) -> String? {
    PasswordPolicy.problem(password, username: username).map { lang.t($0.catalogueKey) }
}
