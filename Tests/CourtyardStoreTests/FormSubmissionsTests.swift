import CourtyardStore
import CourtyardTestSupport
import Foundation
import Testing

/// Claims of sent forms: the first saves, a second is answered as the first was.
@Suite struct FormSubmissionsTests {
    @Test func aSecondSendingWaitsForTheFirstAndIsSentWhereItLed() async throws {
        try await TestDatabase.with { db in
            let forms = FormSubmissions(database: db)
            #expect(try await forms.claim("k1") == .first)
            // The first finishes while the second waits.
            async let second = forms.claim("k1")
            try await Task.sleep(for: .milliseconds(300))
            try await forms.settle("k1", answer: "/votes/1?entered=1")
            #expect(try await second == .done("/votes/1?entered=1"))
            #expect(try await forms.claim("k1") == .done("/votes/1?entered=1"))
            // Refused, the first gives the key back: a second waiting for it becomes the first.
            #expect(try await forms.claim("k2") == .first)
            async let retry = forms.claim("k2")
            try await Task.sleep(for: .milliseconds(300))
            try await forms.release("k2")
            #expect(try await retry == .first)
            // A release never undoes a saved sending.
            try await forms.settle("k2", answer: "/a")
            try await forms.release("k2")
            #expect(try await forms.claim("k2") == .done("/a"))
        }
    }

    @Test func aSendingCutOffIsSaidToBeUnknownNotSavedAgain() async throws {
        try await TestDatabase.with { db in
            let forms = FormSubmissions(database: db)
            let then = Date()
            let first = try await forms.claim("k3", now: { then })
            #expect(first == .first)
            // A minute later the first never finished (the server stopped): whether it saved cannot be told.
            let later = try await forms.claim("k3", now: { then.addingTimeInterval(61) })
            #expect(later == .unsettled)
            // Still running after the wait: the same.
            let waited = try await forms.claim("k3", patience: 0.3)
            #expect(waited == .unsettled)
            // A saved sending answers for a quarter of an hour; the same form later is a sending of its own.
            let first4 = try await forms.claim("k4", now: { then })
            try await forms.settle("k4", answer: "/a")
            let soon = try await forms.claim("k4", now: { then.addingTimeInterval(600) })
            let afterward = try await forms.claim("k4", now: { then.addingTimeInterval(16 * 60) })
            #expect(first4 == .first && soon == .done("/a") && afterward == .first)
        }
    }
}
