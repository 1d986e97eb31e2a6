import Synchronization

/// Caller input a `<Gather>` receives: keys pressed, or words spoken.
enum GatherInput: Sendable, Equatable {
    case digits(String)
    case speech(String, confidence: Double)
}

/// What the outside world asks of calls that are running: hang up, cancel, or run other TwiML
/// (the Calls API's update), and the input a waiting `<Gather>` takes (the control API). The
/// runner polls these between steps, so that a request lands at the next verb or tick.
final class CallControls: Sendable {
    /// What an update asked of a running call.
    enum Request: Sendable, Equatable {
        case hangUp
        case cancel
        case redirect(TwiMLSource)
    }

    private struct Live {
        var request: Request?
        var gatherWaiting = false
        var input: GatherInput?
    }

    private let calls = Mutex<[String: Live]>([:])

    /// Notes that call `sid` runs (before its runner starts, so that no request is lost).
    func started(call sid: String) {
        calls.withLock { calls in
            if calls[sid] == nil { calls[sid] = Live() }
        }
    }

    /// Asks the call `sid` to stop or move on, when it still runs (after ``finished(call:)`` no
    /// one would take the request, and it would stay behind).
    func ask(_ request: Request, call sid: String) {
        calls.withLock { $0[sid]?.request = request }
    }

    /// Takes the pending request of call `sid`, if any.
    func takeRequest(call sid: String) -> Request? {
        calls.withLock { calls in
            let request = calls[sid]?.request
            calls[sid]?.request = nil
            return request
        }
    }

    /// Whether a request is pending for call `sid` (left pending).
    func hasRequest(call sid: String) -> Bool { calls.withLock { $0[sid]?.request != nil } }

    /// Marks call `sid` as waiting in a `<Gather>` (or no longer), dropping stale input.
    func setGatherWaiting(_ waiting: Bool, call sid: String) {
        calls.withLock { calls in
            calls[sid, default: Live()].gatherWaiting = waiting
            calls[sid]?.input = nil
        }
    }

    func isGatherWaiting(call sid: String) -> Bool { calls.withLock { $0[sid]?.gatherWaiting ?? false } }

    /// Hands `input` to the `<Gather>` call `sid` waits in; `false` when none waits.
    func give(_ input: GatherInput, call sid: String) -> Bool {
        calls.withLock { calls in
            guard calls[sid]?.gatherWaiting == true, calls[sid]?.input == nil else { return false }
            calls[sid]?.input = input
            return true
        }
    }

    /// Takes the input given to call `sid`'s waiting `<Gather>`, if any.
    func takeInput(call sid: String) -> GatherInput? {
        calls.withLock { calls in
            let input = calls[sid]?.input
            calls[sid]?.input = nil
            return input
        }
    }

    /// Forgets call `sid` once it has ended.
    func finished(call sid: String) { _ = calls.withLock { $0.removeValue(forKey: sid) } }

    func reset() { calls.withLock { $0.removeAll() } }
}
