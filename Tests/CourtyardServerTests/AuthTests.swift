import CourtyardDomain
import CourtyardServer
import CourtyardStore
import HummingbirdTesting
import Testing

@Suite struct AuthTests {
    @Test func tokensSignInAndCanBeRevoked() async throws {
        try await TestApp.with { client, _ in
            let token = try await client.token("admin", TestApp.adminPassword)
            let me = try await client.call(.get, "/api/v1/auth/me", token: token)
            #expect(me.status == .ok)
            #expect(me.json["username"]?.stringValue == "admin")
            let revoked = try await client.call(.delete, "/api/v1/auth/token", token: token)
            #expect(revoked.status == .noContent)
            let after = try await client.call(.get, "/api/v1/auth/me", token: token)
            #expect(after.status == .unauthorized)
            #expect(after.json.errorCode == "invalid_token")
            let anonymous = try await client.call(.get, "/api/v1/compounds", token: nil)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func wrongPasswordsLockTheAccount() async throws {
        try await TestApp.with { client, _ in
            for _ in 0..<AccountRepository.lockoutThreshold {
                let r = try await client.call(
                    .post, "/api/v1/auth/token", token: nil, body: #"{"username":"admin","password":"nope"}"#)
                #expect(r.status == .unauthorized)
                #expect(r.json.errorCode == "invalid_credentials")
            }
            // Now even the right password is refused until the lock expires.
            let locked = try await client.call(
                .post, "/api/v1/auth/token", token: nil,
                body: #"{"username":"admin","password":"\#(TestApp.adminPassword)"}"#)
            #expect(locked.status == .unauthorized)
            #expect(locked.json.errorCode == "locked")
            let unknown = try await client.call(
                .post, "/api/v1/auth/token", token: nil, body: #"{"username":"ghost","password":"x"}"#)
            #expect(unknown.json.errorCode == "invalid_credentials")
        }
    }

    @Test func disablingAnAccountRevokesItsTokens() async throws {
        try await TestApp.with { client, _ in
            let admin = try await client.token("admin", TestApp.adminPassword)
            let created = try await client.call(
                .post, "/api/v1/users", token: admin,
                body:
                    #"{"username":"clerk","password":"clerk-pass-1","role":"subdistrict_officer","scope":"subdistrict:1"}"#
            )
            // No sub-district exists yet: the scope must name something real.
            #expect(created.status == .unprocessableContent)
            #expect(created.json["error"]?["field"]?.stringValue == "scope")
            let viewer = try await client.call(
                .post, "/api/v1/users", token: admin,
                body: #"{"username":"auditor","password":"auditor-pass","role":"admin"}"#)
            #expect(viewer.status == .created)
            let token = try await client.token("auditor", "auditor-pass")
            let id = viewer.json["id"]!.intValue!
            let patched = try await client.call(
                .patch, "/api/v1/users/\(id)", token: admin, body: #"{"disabled":true}"#)
            #expect(patched.status == .ok)
            let after = try await client.call(.get, "/api/v1/auth/me", token: token)
            #expect(after.status == .unauthorized)
            let weak = try await client.call(
                .post, "/api/v1/users", token: admin, body: #"{"username":"x1","password":"short","role":"admin"}"#)
            #expect(weak.json.errorCode == "weak_password")
        }
    }
}
