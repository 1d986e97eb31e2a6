import Synchronization

/// The Verify creates and checks Twilio is still working on, by service and recipient: a request
/// held by a `hold` fault counts from its arrival until it is processed. Another create or check
/// for the same recipient of the same service meanwhile is 429 / 60212, as Twilio answers
/// concurrent requests for one phone number.
final class VerifyInFlight: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// The key of a create or check of `serviceSid` for `recipient`.
    static func key(serviceSid: String, recipient: String) -> String { serviceSid + " " + recipient }

    func begin(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }

    func end(_ key: String) {
        counts.withLock { counts in
            guard let count = counts[key] else { return }
            counts[key] = count > 1 ? count - 1 : nil
        }
    }

    func isBusy(_ key: String) -> Bool { counts.withLock { $0[key] != nil } }
}
