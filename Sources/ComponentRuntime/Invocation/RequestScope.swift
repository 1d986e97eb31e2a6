import ComponentCore
public import ComponentHTTP

/// What an engine's request asks of every HTTP request of one invocation: a deadline, and a
/// report of the service's clock. Both are task-locals of ComponentHTTP for the invocation's
/// length, so that every request a handler makes obeys them, those of tasks it starts included
/// (a listing's paging), without any handler passing them on.
struct RequestScope {
    var deadline: HTTPDeadline?
    var reportsServerDate: Bool

    /// Runs `body` in the scope; with `reportsServerDate`, its envelope gains `"serverDate"`.
    func run(_ body: () async -> InvocationResult) async -> InvocationResult {
        let clock = reportsServerDate ? HTTPServerClock() : nil
        var result = await HTTPDeadline.$current.withValue(deadline) {
            await HTTPServerClock.$current.withValue(clock) { await body() }
        }
        if let clock, case .object(var envelope) = result.envelope {
            // Whole seconds: that is all an HTTP date holds.
            envelope["serverDate"] = clock.lastDate.map { .string(String(ISO8601Timestamp.string(from: $0).prefix(19)) + "Z") } ?? .null
            result.envelope = .object(envelope)
        }
        return result
    }

    /// The error for an invocation whose deadline passed before it ran, or `nil` while there is time.
    static func lateStart(_ deadline: HTTPDeadline?, kind: String, key: String) -> ComponentError? {
        guard let deadline else { return nil }
        let now = HTTPDeadline.now()
        guard deadline.hasPassed(at: now) else { return nil }
        return ComponentError(
            .timeout, code: "deadline_exceeded",
            message:
                "The \(kind) '\(key)' was not run: the request's deadline passed before it ran; nothing was sent. The deadline was \(deadline), \(now - deadline.epochMilliseconds) ms ago; send the request again with a later deadline if it is still wanted.",
            retryable: true, maybeSent: false, details: ["deadline": .integer(Int(deadline.epochMilliseconds))])
    }
}
