import Foundation

/// A rate limit's window: fixed periods counted in the database, with the previous period's hits carried into the
/// current one in proportion to how much of it still overlaps the last `seconds`, so a burst at a period's boundary
/// cannot take twice the allowance. Two counters per key, shared by every server over one database.
public struct RateWindow: Sendable, Equatable {
    public let seconds: Int64

    public init(seconds: Int64) { self.seconds = max(1, seconds) }

    /// The start of the period `epoch` (seconds since 1970) falls in.
    public func start(at epoch: Int64) -> Int64 {
        let r = epoch % seconds
        return epoch - (r < 0 ? r + seconds : r)
    }

    /// How many hits the current period may hold in all at `epoch`, given the previous period's hits.
    public func allowance(limit: Int, previousHits: Int, at epoch: Int64) -> Int {
        let left = seconds - (epoch - start(at: epoch))
        let carried = (Int64(max(0, previousHits)) * left + seconds - 1) / seconds
        return max(0, limit - Int(carried))
    }
}

/// `COURTYARD_TRUSTED_PROXIES`: the addresses and networks (IPv4 and IPv6, with or without a /prefix) of the
/// reverse proxies in front of the servers. Only a request that arrives from one of them has its client taken from
/// `X-Forwarded-For`; from anyone else the header is ignored, since a client can write whatever it likes there.
public struct TrustedProxies: Sendable, Equatable {
    public struct Network: Sendable, Equatable {
        public let bytes: [UInt8]
        public let prefix: Int

        public func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var bits = prefix
            for i in 0..<bytes.count where bits > 0 {
                let take = min(8, bits)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
                if address[i] & mask != bytes[i] & mask { return false }
                bits -= take
            }
            return true
        }
    }

    public struct Invalid: Error, Sendable, Equatable {
        public let entry: String
    }

    public let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    public init(networks: [Network]) { self.networks = networks }

    /// Entries separated by commas or spaces: `127.0.0.1, 10.0.0.0/8, ::1, fd00::/8`.
    public init(parsing text: String) throws {
        var found: [Network] = []
        for raw in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let entry = String(raw)
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = Self.parseAddress(String(parts[0])) else { throw Invalid(entry: entry) }
            let width = bytes.count * 8
            var prefix = width
            if parts.count == 2 {
                guard let p = Int(parts[1]), p >= 0, p <= width, parts[1].allSatisfy(\.isASCII) else {
                    throw Invalid(entry: entry)
                }
                prefix = p
            }
            found.append(Network(bytes: bytes, prefix: prefix))
        }
        networks = found
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.parseAddress(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client of a request from `peer` carrying `forwardedFor` (every `X-Forwarded-For` line, in order): the peer
    /// itself unless it is a trusted proxy; otherwise the rightmost address in the header that is not a trusted proxy
    /// (what the first trusted proxy saw). An entry that is not an address stops the walk at the last hop known.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard !networks.isEmpty, contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() where !hop.isEmpty {
            guard Self.parseAddress(hop) != nil else { return client }
            client = hop
            if !contains(hop) { return hop }
        }
        return client
    }

    /// An IPv4 address as 4 bytes or an IPv6 one as 16 (an IPv4-mapped IPv6 address as its 4 IPv4 bytes, a zone
    /// `%eth0` and brackets dropped); nil for anything else.
    public static func parseAddress(_ text: String) -> [UInt8]? {
        var s = Substring(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if let zone = s.firstIndex(of: "%") { s = s[..<zone] }
        guard let bytes = AddressPolicy.parse(String(s)) else { return nil }
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
    }
}
