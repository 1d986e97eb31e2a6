/// Waiting inside a call: lifecycle steps on the sandbox's `lifecycleStep`, a `<Gather>`'s timeout
/// in real seconds, both cut short when the call is asked to hang up or move on, or the sandbox stops.
struct CallWaiting: Sendable {
    let controls: CallControls
    let sid: String

    /// Waits `seconds`, checking every 20 ms; whether it was cut short by a request (left pending).
    func wait(seconds: Double) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(max(0, seconds) * 1000))
        while true {
            if controls.hasRequest(call: sid) || Task.isCancelled { return true }
            let left = deadline - clock.now
            if left <= .zero { return false }
            try? await Task.sleep(for: min(left, .milliseconds(20)))
        }
    }

    /// Waits up to `seconds` for input to the `<Gather>` the call waits in.
    func input(within seconds: Int) async -> (input: GatherInput?, interrupted: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        while true {
            if let input = controls.takeInput(call: sid) { return (input, false) }
            if controls.hasRequest(call: sid) || Task.isCancelled { return (nil, true) }
            if clock.now >= deadline { return (nil, false) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
