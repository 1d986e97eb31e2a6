import Synchronization

/// Holds requests until `count` of them are held, then lets them all through, or lets everyone
/// through once `timeout` has passed since the first arrived: how many requests a client really
/// has in flight at once shows without depending on how fast the machine lets it send them.
final class GatherBarrier: Sendable {
    private struct State {
        var waiting: [CheckedContinuation<Void, Never>] = []
        var arrived = 0
        var open = false
        var timerStarted = false
    }

    let count: Int
    let timeout: Duration
    private let state = Mutex(State())

    init(count: Int, timeout: Duration) {
        self.count = count
        self.timeout = timeout
    }

    /// Returns once `count` requests have arrived (or the timeout passed); at once when open.
    func arrive() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (release, startTimer) = state.withLock { state -> ([CheckedContinuation<Void, Never>], Bool) in
                if state.open { return ([continuation], false) }
                state.arrived += 1
                state.waiting.append(continuation)
                let first = !state.timerStarted
                state.timerStarted = true
                guard state.arrived >= count else { return ([], first) }
                state.open = true
                defer { state.waiting.removeAll() }
                return (state.waiting, false)
            }
            for waiter in release { waiter.resume() }
            if startTimer { Task { await self.expire() } }
        }
    }

    /// Opens the barrier when the timeout passes, letting through whoever is still held.
    private func expire() async {
        try? await Task.sleep(for: timeout)
        let release = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for waiter in release { waiter.resume() }
    }
}
