import CourtyardDomain
import Testing

@Suite struct RateWindowTests {
    @Test func periodsStartOnMultiplesOfTheWindow() {
        let w = RateWindow(seconds: 600)
        #expect(w.start(at: 1_200) == 1_200)
        #expect(w.start(at: 1_799) == 1_200)
        #expect(w.start(at: 1_800) == 1_800)
        #expect(w.start(at: -1) == -600)
    }

    @Test func aFullPreviousPeriodLeavesNothingAtTheBoundaryAndAllOfItAtTheEnd() {
        let w = RateWindow(seconds: 600)
        #expect(w.allowance(limit: 5, previousHits: 5, at: 1_200) == 0)
        #expect(w.allowance(limit: 5, previousHits: 5, at: 1_500) == 2)  // half still overlaps: 2.5 carried, rounded up
        #expect(w.allowance(limit: 5, previousHits: 5, at: 1_799) == 4)
        #expect(w.allowance(limit: 5, previousHits: 0, at: 1_200) == 5)
    }

    @Test func theAllowanceIsNeverNegative() {
        #expect(RateWindow(seconds: 60).allowance(limit: 5, previousHits: 500, at: 61) == 0)
        #expect(RateWindow(seconds: 0).seconds == 1)
    }
}

@Suite struct TrustedProxiesTests {
    @Test func parsesAddressesAndNetworksOfBothFamilies() throws {
        let t = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8 ::1\tfd00::/8,192.168.1.0/24")
        #expect(t.networks.count == 5)
        for inside in ["127.0.0.1", "10.200.3.4", "::1", "fd12:3456::9", "192.168.1.77", "::ffff:10.1.1.1", "[::1]"] {
            #expect(t.contains(inside), "\(inside)")
        }
        for outside in ["127.0.0.2", "11.0.0.1", "::2", "fe80::1", "192.168.2.1", "2001:db8::1", "garbage", ""] {
            #expect(!t.contains(outside), "\(outside)")
        }
    }

    @Test func anEmptySettingTrustsNobody() throws {
        let t = try TrustedProxies(parsing: "  ")
        #expect(t.isEmpty && !t.contains("127.0.0.1"))
        #expect(t.clientAddress(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"]) == "127.0.0.1")
    }

    @Test func refusesWhatIsNotAnAddressOrANetwork() {
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "example.org", "10.0.0.1/x", "1.2.3.4/8/9", "fd00::/-1"] {
            #expect(throws: TrustedProxies.Invalid.self, "\(bad)") { try TrustedProxies(parsing: bad) }
        }
    }

    @Test func prefixesMatchBitByBit() throws {
        let t = try TrustedProxies(parsing: "172.16.0.0/12, 2001:db8:8000::/33, 0.0.0.0/0")
        #expect(t.networks[0].contains([172, 31, 255, 255]))
        #expect(!t.networks[0].contains([172, 32, 0, 0]))
        #expect(t.contains("2001:db8:8000::1"))
        let v6 = try TrustedProxies(parsing: "2001:db8:8000::/33")
        #expect(!v6.contains("2001:db8:7fff::1"))
        #expect(t.contains("8.8.8.8"))  // 0.0.0.0/0: every IPv4 address
        let all4 = try TrustedProxies(parsing: "0.0.0.0/0")
        #expect(!all4.contains("::1"))  // but no IPv6 one
    }

    @Test func theHeaderCountsOnlyFromATrustedPeer() throws {
        let t = try TrustedProxies(parsing: "10.0.0.0/8, ::1")
        #expect(t.clientAddress(peer: "203.0.113.5", forwardedFor: ["198.51.100.1"]) == "203.0.113.5")
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["198.51.100.1"]) == "198.51.100.1")
        #expect(t.clientAddress(peer: "::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: []) == "10.0.0.2")
    }

    @Test func theClientIsTheRightmostUntrustedHop() throws {
        let t = try TrustedProxies(parsing: "10.0.0.0/8")
        // The client wrote "1.1.1.1" itself; the first trusted proxy saw 198.51.100.1, then a second proxy 10.0.0.9.
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["1.1.1.1, 198.51.100.1, 10.0.0.9"]) == "198.51.100.1")
        // Several header lines read as one list, in order.
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["1.1.1.1", "198.51.100.1"]) == "198.51.100.1")
        // Every hop trusted: the leftmost one.
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["10.1.1.1, 10.0.0.9"]) == "10.1.1.1")
        // Something that is not an address stops the walk at the last hop known.
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["evil, 10.0.0.9"]) == "10.0.0.9")
        #expect(t.clientAddress(peer: "10.0.0.2", forwardedFor: ["unknown"]) == "10.0.0.2")
    }

    @Test func addressesParseInEveryForm() {
        #expect(TrustedProxies.parseAddress("192.0.2.1") == [192, 0, 2, 1])
        #expect(TrustedProxies.parseAddress("::ffff:192.0.2.1") == [192, 0, 2, 1])
        #expect(TrustedProxies.parseAddress("[fe80::1%eth0]")?.count == 16)
        #expect(TrustedProxies.parseAddress("1.2.3") == nil)
        #expect(TrustedProxies.parseAddress("1:2:3:4:5:6:7:8:9") == nil)
    }
}
