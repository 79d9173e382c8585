/// One sheet read at a time on this server. Reading a city's sheet holds several times its size in memory, so a few
/// sent at once could take more than the machine has; each waits its turn, in the order they came, its file already
/// received (an upload that stalls holds its own connection, never the turn).
actor ImportGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` when no other sheet is being read; the next waiting one goes on when it ends, however it ends.
    nonisolated func serially<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await enter()
        do {
            let value = try await body()
            await leave()
            return value
        } catch {
            await leave()
            throw error
        }
    }
}
