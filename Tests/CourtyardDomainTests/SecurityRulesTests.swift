import CourtyardDomain
import Testing

@Suite struct AddressPolicyTests {
    @Test func refusesEveryNonPublicFormIncludingIPv4InsideIPv6() {
        let refused = [
            "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3",
            "192.0.2.10", "198.51.100.7", "203.0.113.200", "198.18.0.1", "192.0.0.8", "224.0.0.1", "239.255.255.250",
            "240.0.0.1", "255.255.255.255",
            "::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::127.0.0.1", "::7f00:1", "64:ff9b::7f00:1",
            "64:ff9b::192.168.0.1", "64:ff9b::a00:1", "2002:7f00:1::", "2001:db8::1", "2001:db8:ffff::", "2001::1",
            "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1", "100::1", "[::1]",
        ]
        for text in refused {
            guard let bytes = AddressPolicy.parse(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(!AddressPolicy.isPublic(bytes), "\(text) must be refused")
        }
    }

    @Test func acceptsPublicAddresses() {
        for text in [
            "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.0.3.1", "203.0.114.1", "223.5.5.5",
            "2400:3200::1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "[2001:4860:4860::8888]",
        ] {
            guard let bytes = AddressPolicy.parse(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(AddressPolicy.isPublic(bytes), "\(text) is public")
        }
    }

    @Test func parsesOnlyWellFormedLiterals() {
        #expect(AddressPolicy.parse("::ffff:127.0.0.1") == Array(repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1])
        #expect(
            AddressPolicy.parse("64:ff9b::7f00:1") == [0, 0x64, 0xFF, 0x9B] + Array(repeating: 0, count: 8) + [
                0x7F, 0, 0, 1,
            ])
        for bad in ["", "1.2.3", "1.2.3.256", "1::2::3", "12345::", "example.org", "fe80::1%eth0", "1.2.3.4.5", ":::1"]
        {
            #expect(AddressPolicy.parse(bad) == nil, "\(bad)")
        }
        #expect(!AddressPolicy.isPublic([1, 2, 3]))
    }
}

@Suite struct PasswordPolicyTests {
    @Test func refusesCommonTrivialLongAndOwnUsername() {
        let cases: [(String, PasswordPolicy.Problem)] = [
            ("password", .common), ("Password1", .common), ("woaini1314", .common), ("qwertyui", .common),
            ("a123456789", .common), ("courtyard-demo", .common), ("Courtyard123", .common), ("11111111", .trivial),
            ("88888888", .trivial), ("12345678", .trivial),
            ("87654321", .trivial), ("abcdefgh", .trivial), ("        ", .trivial), ("\t\t\t\t\t\t\t\t", .trivial),
            ("zzzzzzzzzzzz", .trivial), ("short", .tooShort), ("", .tooShort),
            (String(repeating: "ab", count: 36) + "c", .tooLong), (String(repeating: "密", count: 25), .tooLong),
        ]
        for (password, problem) in cases {
            #expect(PasswordPolicy.problem(password) == problem, "\(password)")
        }
        #expect(PasswordPolicy.problem("Zhang.Wei-01", username: "zhang.wei-01") == .username)
    }

    @Test func acceptsOrdinaryPasswordsUpToTheLimit() {
        for ok in [
            "courtyard-2024-demo", "ci-admin-password", "admin-password-1", "clerk-pass-1", "黄河路3号院-2024",
            String(repeating: "ab", count: 36),
        ] {
            #expect(PasswordPolicy.problem(ok, username: "admin") == nil, "\(ok)")
        }
        #expect(String(repeating: "ab", count: 36).utf8.count == PasswordPolicy.maximumBytes)
    }
}
