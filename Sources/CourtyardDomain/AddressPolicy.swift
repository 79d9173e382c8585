/// Which IP addresses a webhook may be delivered to: only public unicast ones. Everything else —
/// loopback, private, link-local, shared (CGNAT), documentation, benchmarking, multicast, reserved,
/// and the IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) — is refused,
/// so a name cannot lead the server to its own network.
public enum AddressPolicy {
    /// An address as bytes: 4 for IPv4, 16 for IPv6; anything else is not public.
    public static func isPublic(_ a: [UInt8]) -> Bool {
        switch a.count {
        case 4: return isPublicV4(a)
        case 16: return isPublicV6(a)
        default: return false
        }
    }

    static func isPublicV4(_ a: [UInt8]) -> Bool {
        switch (a[0], a[1], a[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return false  // "this network", private, loopback
        case (100, 64...127, _): return false  // shared address space (carrier-grade NAT)
        case (169, 254, _), (192, 168, _), (172, 16...31, _): return false  // link-local, private
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return false  // IETF protocol, documentation
        case (192, 88, 99): return false  // deprecated 6to4 relay
        case (198, 18...19, _): return false  // benchmarking
        case (224...255, _, _): return false  // multicast, reserved, broadcast
        default: return true
        }
    }

    static func isPublicV6(_ a: [UInt8]) -> Bool {
        func starts(_ p: [UInt8]) -> Bool { a.starts(with: p) }
        let embedded = Array(a[12...])
        let zeros = [UInt8](repeating: 0, count: 10)
        // ::ffff:0:0/96, IPv4-mapped: judged as the IPv4 address it carries.
        if starts(zeros + [0xFF, 0xFF]) { return isPublicV4(embedded) }
        // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
        if starts(zeros + [0, 0]) { return false }
        // NAT64 64:ff9b::/96 reaches the IPv4 address it carries; 64:ff9b:1::/48 is for local use.
        if starts([0, 0x64, 0xFF, 0x9B] + [UInt8](repeating: 0, count: 8)) { return isPublicV4(embedded) }
        if starts([0, 0x64, 0xFF, 0x9B, 0, 1]) { return false }
        if starts([0x01, 0, 0, 0, 0, 0, 0, 0]) { return false }  // 100::/64 discard
        if starts([0x20, 0x01, 0x0D, 0xB8]) { return false }  // 2001:db8::/32 documentation
        // 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID)
        if starts([0x20, 0x01]) && a[2] < 0x02 { return false }
        if starts([0x20, 0x02]) { return isPublicV4(Array(a[2..<6])) }  // 6to4 carries an IPv4 address
        if a[0] & 0xFE == 0xFC { return false }  // fc00::/7 unique local
        if a[0] == 0xFE && a[1] & 0x80 == 0x80 { return false }  // fe80::/10 link-local, fec0::/10 site-local
        if a[0] == 0xFF { return false }  // multicast
        return a[0] & 0xE0 == 0x20  // only 2000::/3 is global unicast
    }

    /// Parses a literal address ("203.0.113.9", "::ffff:127.0.0.1", "[2001:db8::1]") into bytes; nil if it is not one.
    public static func parse(_ text: String) -> [UInt8]? {
        var s = Substring(text)
        if s.hasPrefix("[") && s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if !s.contains(":") { return parseV4(s) }
        return parseV6(s)
    }

    static func parseV4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p), n <= 255 else {
                return nil
            }
            out.append(UInt8(n))
        }
        return out
    }

    static func parseV6(_ s: Substring) -> [UInt8]? {
        if s.contains("%") { return nil }  // zone ids name an interface, never a public host
        var text = s
        var tail: [UInt8] = []
        // A trailing dotted IPv4 part takes the last 32 bits.
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseV4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        var halves = [String(text)]
        if let gap = text.firstRange(of: "::") {
            halves = [String(text[..<gap.lowerBound]), String(text[gap.upperBound...])]
            if halves[1].contains("::") { return nil }
        }
        func groups(_ h: String) -> [UInt16]? {
            if h.isEmpty { return [] }
            var out: [UInt16] = []
            for g in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let wanted = 8 - tail.count / 2
        var all: [UInt16]
        if halves.count == 2 {
            guard head.count + rest.count < wanted else { return nil }
            all = head + Array(repeating: 0, count: wanted - head.count - rest.count) + rest
        } else {
            guard head.count == wanted else { return nil }
            all = head
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + tail
    }
}
