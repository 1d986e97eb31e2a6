/// How long the API takes to answer, to stand in for the ~200 ms a request to Twilio spends on
/// the network and in Twilio: every API request waits `base` ± up to `jitter` before it is
/// handled. The wait suspends the request's task; it holds no thread, so thousands can wait at once.
public struct ResponseLatency: Sendable, Hashable {
    /// The wait every request gets.
    public var base: Duration
    /// The most the wait varies either way, drawn uniformly; never below zero.
    public var jitter: Duration

    /// A latency; none by default.
    public init(base: Duration = .zero, jitter: Duration = .zero) {
        self.base = base
        self.jitter = jitter
    }

    /// No wait.
    public static let none = ResponseLatency()

    /// The wait for one request.
    func sample() -> Duration {
        guard jitter > .zero else { return base }
        let spread = Double(jitter.components.seconds) + Double(jitter.components.attoseconds) / 1e18
        let wait = base + .milliseconds(Int64((Double.random(in: -spread...spread) * 1000).rounded()))
        return max(.zero, wait)
    }
}
