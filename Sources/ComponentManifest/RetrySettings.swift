/// How often a component's requests are tried, stated once in the manifest (`retry:`) for every
/// layer that retries: the component's HTTP client within one invocation, and an engine adapter
/// running a request again while its error is `retryable`. The manifest export carries it, so both
/// read the same numbers.
///
/// What is retried (which statuses and failures, and when a request is safe to repeat) is the
/// runtime's rule (`RetryPolicy`); how often and how long to wait is this.
public struct RetrySettings: Sendable, Hashable {
    /// Tries of one HTTP request within one invocation, the first included.
    public var attempts: Int
    /// The wait before the first retry, in milliseconds.
    public var initialDelayMs: Int
    /// The factor each further wait grows by.
    public var multiplier: Double
    /// The longest wait between tries, in milliseconds.
    public var maximumDelayMs: Int
    /// Whether each wait is drawn from the upper half of its value, so clients spread out.
    public var jitter: Bool
    /// The longest `Retry-After` (a 429's) honoured, in milliseconds.
    public var retryAfterMaxMs: Int
    /// Runs of one request an engine adapter makes while its error is `retryable`, the first
    /// included. Each run makes up to ``attempts`` tries: a request is sent at most
    /// `attempts × engineAttempts` times, and a non-idempotent one takes effect at most once.
    public var engineAttempts: Int

    /// Settings; the defaults are the runtime's.
    public init(
        attempts: Int = 3, initialDelayMs: Int = 200, multiplier: Double = 2, maximumDelayMs: Int = 5_000, jitter: Bool = true,
        retryAfterMaxMs: Int = 30_000, engineAttempts: Int = 8
    ) {
        self.attempts = attempts
        self.initialDelayMs = initialDelayMs
        self.multiplier = multiplier
        self.maximumDelayMs = maximumDelayMs
        self.jitter = jitter
        self.retryAfterMaxMs = retryAfterMaxMs
        self.engineAttempts = engineAttempts
    }

    /// The runtime's defaults: 3 tries from 200 ms doubling to 5 s, jittered; `Retry-After` up
    /// to 30 s; 8 runs by an engine.
    public static let `default` = RetrySettings()

    /// The limits each field must keep, for the manifest's diagnostics.
    static let limits: [(field: String, range: ClosedRange<Double>)] = [
        ("attempts", 1...10), ("engineAttempts", 1...20), ("retryAfterMaxMs", 0...300_000),
        ("backoff.initialMs", 0...60_000), ("backoff.multiplier", 1...10), ("backoff.maximumMs", 0...300_000),
    ]
}
