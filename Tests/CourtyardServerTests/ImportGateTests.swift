import Testing

@testable import CourtyardServer

/// Sheets sent at once are read one after the other, and one that fails lets the next go on.
@Suite struct ImportGateTests {
    actor Meter {
        var now = 0
        var most = 0
        var done: [Int] = []
        func enter() {
            now += 1
            most = max(most, now)
        }
        func leave(_ i: Int) {
            now -= 1
            done.append(i)
        }
    }

    struct Refused: Error {}

    @Test func sheetsSentAtOnceAreReadOneAtATime() async throws {
        let gate = ImportGate()
        let meter = Meter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<6 {
                group.addTask {
                    do {
                        try await gate.serially {
                            await meter.enter()
                            try await Task.sleep(for: .milliseconds(20))
                            await meter.leave(i)
                            if i % 2 == 0 { throw Refused() }
                        }
                    } catch is Refused {}
                }
            }
            try await group.waitForAll()
        }
        #expect(await meter.most == 1)
        #expect(await meter.done.count == 6, "a failed one lets the next go on")
    }
}
