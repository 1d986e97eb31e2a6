public import ComponentHTTP
public import ComponentManifest

/// How a run reaches the component's service, as the host settled it: where requests go (when
/// not to the service's own address), the HTTP client with the run's connections, TLS trust,
/// proxy and User-Agent, and the timeouts and retry policy of requests that set none.
public struct ServiceSettings: Sendable {
    /// A base URL every request goes to instead of the service's own, for every host of the
    /// service (``ServiceClient/hosts``: Twilio's api, verify and lookups alike): `--base-url`, a
    /// sandbox, a recording proxy; `nil` for the service's.
    public var baseURL: String?
    /// The HTTP client.
    public var http: any HTTPClient
    /// Timeouts of requests that set none.
    public var timeouts: HTTPTimeouts
    /// The retry policy of requests that set none: the manifest's.
    public var retry: RetryPolicy

    /// Settings; by default the service's own address through the process's shared libcurl client.
    public init(
        baseURL: String? = nil, http: any HTTPClient = CurlHTTPClient(), timeouts: HTTPTimeouts = HTTPTimeouts(),
        retry: RetryPolicy = .default
    ) {
        self.baseURL = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.http = http
        self.timeouts = timeouts
        self.retry = retry
    }
}

extension RetryPolicy {
    /// The policy the manifest's `retry:` states for a component's own attempts.
    public init(_ settings: RetrySettings) {
        let backoff: Backoff =
            settings.initialDelayMs == 0 && settings.maximumDelayMs == 0
            ? .none
            : .exponential(
                initial: .milliseconds(settings.initialDelayMs), multiplier: settings.multiplier,
                maximum: .milliseconds(settings.maximumDelayMs), jitter: settings.jitter)
        self.init(
            maxRetries: settings.attempts - 1, backoff: backoff, honorsRetryAfter: true,
            retryAfterCap: .milliseconds(settings.retryAfterMaxMs))
    }
}
