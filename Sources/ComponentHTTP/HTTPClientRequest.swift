public import ComponentCore
public import FoundationEssentials
public import HTTPTypes

/// One request for an ``HTTPClient``: what to send (in swift-http-types' vocabulary), how long to
/// wait, and when to try again.
public struct HTTPClientRequest: Sendable {
    public var method: HTTPRequest.Method
    /// The URL; it may already hold a query, to which ``query`` is appended.
    public var url: String
    /// Header fields, in order.
    public var headerFields: HTTPFields
    /// Query parameters appended to the URL, in order; names may repeat.
    public var query: [(String, String)]
    public var body: HTTPBody
    /// Basic credentials, sent as `Authorization: Basic ...`.
    public var auth: BasicAuth?
    /// How long it may take; `nil` for the caller's default (a service client's, the run's),
    /// else ``HTTPTimeouts``' defaults.
    public var timeouts: HTTPTimeouts?
    /// When to try again; `nil` for the caller's default (a service client's: the manifest's),
    /// else ``RetryPolicy/default``. No policy sends a request twice that may have taken effect.
    public var retry: RetryPolicy?
    /// Statuses that count as success; others fail with an `upstream` error after any retries.
    public var acceptedStatuses: Range<Int>
    /// The largest response body accepted, in bytes.
    public var maximumResponseBytes: Int
    /// Header fields that carry a credential of the request's own (an API key header): redacted
    /// in the log, and never sent to another address, so the request follows no redirect.
    /// (`Authorization` is always treated so, and libcurl drops it on a redirect to another host.)
    public var secretHeaderFields: Set<HTTPField.Name> = []
    /// Names of ``query`` parameters whose values are secret (a national ID): sent as given, shown
    /// as redacted in the log and in errors (``displayURL``); the request follows no redirect.
    public var secretQueryParameters: Set<String> = []
    /// Whether sending the request twice has no further effect: `nil` leaves it to the method
    /// (GET, PUT, DELETE are; POST, PATCH are not); an element the manifest declares read-only or
    /// idempotent makes every request of it so.
    public var safeToRepeat: Bool?
    /// Whether a failed response (its status and body) is final although its status is one that
    /// is retried (a 429 whose body names a limit that waiting a moment does not lift): it is not
    /// retried, and its error is permanent (``HTTPError/retryable`` false). `nil`: the status decides.
    public var isFinalAnswer: (@Sendable (_ status: HTTPResponse.Status, _ body: Data) -> Bool)?

    /// The timeouts that apply: the request's, else the defaults.
    public var effectiveTimeouts: HTTPTimeouts { timeouts ?? HTTPTimeouts() }
    /// The retry policy that applies: the request's, else ``RetryPolicy/default``.
    public var effectiveRetry: RetryPolicy { retry ?? .default }

    /// Whether a retry after the request may have reached the server is harmless.
    public var isRepeatable: Bool { safeToRepeat ?? method.isIdempotent }

    /// A request.
    public init(
        method: HTTPRequest.Method, url: String, headerFields: HTTPFields = [:], query: [(String, String)] = [],
        body: HTTPBody = .none, auth: BasicAuth? = nil, timeouts: HTTPTimeouts? = nil,
        retry: RetryPolicy? = nil, acceptedStatuses: Range<Int> = 200..<300, maximumResponseBytes: Int = 64 << 20,
        safeToRepeat: Bool? = nil
    ) {
        self.safeToRepeat = safeToRepeat
        self.method = method
        self.url = url
        self.headerFields = headerFields
        self.query = query
        self.body = body
        self.auth = auth
        self.timeouts = timeouts
        self.retry = retry
        self.acceptedStatuses = acceptedStatuses
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The URL with ``query`` appended (`?` or `&` as the URL needs) and any `#fragment` dropped.
    public var fullURL: String { url(withQuery: FormEncoding.encodeQuery(query)) }

    /// ``fullURL`` with the values of ``secretQueryParameters`` shown as `<redacted>`, for logs
    /// and errors.
    public var displayURL: String {
        guard !secretQueryParameters.isEmpty else { return fullURL }
        let shown = query.map { pair in
            secretQueryParameters.contains(pair.0)
                ? FormEncoding.encodeQuery([(pair.0, "")]) + Secret.redacted : FormEncoding.encodeQuery([pair])
        }
        return url(withQuery: shown.joined(separator: "&"))
    }

    private func url(withQuery encoded: String) -> String {
        // Searched as bytes: a URL is ASCII, and a Character search walks grapheme clusters.
        var base = url
        if let hash = base.utf8.firstIndex(of: UInt8(ascii: "#")) { base = String(base[..<hash]) }
        guard !encoded.isEmpty else { return base }
        switch base.utf8.last {
        case UInt8(ascii: "?"), UInt8(ascii: "&"): return base + encoded
        default: return base + (base.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + encoded
        }
    }
}

/// HTTP Basic credentials; the secret never prints.
public struct BasicAuth: Sendable, Hashable {
    /// The user name (an Account SID or an API key SID).
    public var username: String
    /// The password (an Auth Token or an API key secret).
    public var password: Secret

    /// Credentials.
    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }
}

/// How long a request may take.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Establishing the connection, per attempt.
    public var connect: Duration
    /// The whole attempt, from start to the last response byte.
    public var perAttempt: Duration
    /// Every attempt and the waits between them together; `nil` for no limit beyond the attempts'.
    public var overall: Duration?

    /// Timeouts; by default 10 s to connect and 30 s per attempt, so nothing waits forever.
    public init(connect: Duration = .seconds(10), perAttempt: Duration = .seconds(30), overall: Duration? = nil) {
        self.connect = connect
        self.perAttempt = perAttempt
        self.overall = overall
    }
}
