import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who is using an SQLite database, told through an advisory lock on a file beside it (`courtyard.sqlite.lock`).
/// A server or an import holds it shared for as long as it runs; a restore needs it alone, so it cannot replace
/// the file under a running server. The kernel releases the lock when the process ends, however it ends
/// (`kill -9` included), so a crashed server never leaves a stale lock behind.
public final class ServingLock: @unchecked Sendable {
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// Another process holds the lock in a way this one cannot share.
        case busy(String)
        case cannotOpen(String)

        public var description: String {
            switch self {
            case .busy(let path): "\(path) is in use by a running courtyard (a server or an import); stop it first"
            case .cannotOpen(let why): "cannot open the lock file: \(why)"
            }
        }
    }

    let guardLock = NSLock()
    var descriptor: Int32?

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Lets go; the lock is also let go when the value is freed or the process ends.
    public func release() {
        guardLock.withLock {
            guard let fd = descriptor else { return }
            flock(fd, LOCK_UN)
            close(fd)
            descriptor = nil
        }
    }

    /// The lock file for the database at `databasePath`.
    public static func path(for databasePath: String) -> String { databasePath + ".lock" }

    /// Shared: any number of servers and imports together, but no restore beside them.
    public static func shared(databasePath: String) throws -> ServingLock {
        try take(databasePath, LOCK_SH)
    }

    /// Alone: nobody else is using the database, and nobody can start to until this is released.
    public static func exclusive(databasePath: String) throws -> ServingLock {
        try take(databasePath, LOCK_EX)
    }

    static func take(_ databasePath: String, _ mode: Int32) throws -> ServingLock {
        let fd = open(path(for: databasePath), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Refusal.cannotOpen(String(cString: strerror(errno))) }
        guard flock(fd, mode | LOCK_NB) == 0 else {
            close(fd)
            throw Refusal.busy(databasePath)
        }
        return ServingLock(descriptor: fd)
    }

    deinit { release() }
}
