import ComponentCore
public import FoundationEssentials
import Glibc
public import HTTPTypes

/// When to send a request again, and how long to wait first.
///
/// The rules are safe by construction: without ``retryAllErrors``, a request that is not safe to
/// repeat (``HTTPClientRequest/isRepeatable``: by its method, or by the element's manifest hints) is
/// sent again only when the server said it did not process it (429) or when the failure proves
/// nothing reached the server (the host did not resolve, the connection was refused). Requests
/// safe to repeat are also retried on timeouts, broken connections and 5xx responses. How often
/// and how long to wait come from the manifest's `retry:` (see `RetrySettings`).
public struct RetryPolicy: Sendable, Hashable {
    /// How long to wait before each retry.
    public enum Backoff: Sendable, Hashable {
        /// Retry at once.
        case none
        /// The same wait before every retry.
        case fixed(Duration)
        /// `initial × multiplier^(n−1)` before retry n, capped at `maximum`. With `jitter`, each wait
        /// is drawn uniformly from the upper half of that value ([d/2, d]), so clients spread out
        /// while each wait still grows.
        case exponential(initial: Duration, multiplier: Double, maximum: Duration, jitter: Bool)
    }

    /// How many times to send again after the first attempt; 0 for none.
    public var maxRetries: Int
    /// The wait before each retry.
    public var backoff: Backoff
    /// Whether a `Retry-After` header (seconds or an HTTP date) sets a longer wait.
    public var honorsRetryAfter: Bool
    /// The longest wait a `Retry-After` may ask for.
    public var retryAfterCap: Duration
    /// Retry every failure and every non-success status, whatever the method. Only for callers who
    /// know the request is safe to repeat.
    public var retryAllErrors: Bool

    /// A policy.
    public init(
        maxRetries: Int, backoff: Backoff, honorsRetryAfter: Bool = true, retryAfterCap: Duration = .seconds(30),
        retryAllErrors: Bool = false
    ) {
        self.maxRetries = max(0, maxRetries)
        self.backoff = backoff
        self.honorsRetryAfter = honorsRetryAfter
        self.retryAfterCap = retryAfterCap
        self.retryAllErrors = retryAllErrors
    }

    /// Two retries, exponential from 200 ms (jittered, capped at 5 s), `Retry-After` honoured up to 30 s.
    public static let `default` = RetryPolicy(
        maxRetries: 2, backoff: .exponential(initial: .milliseconds(200), multiplier: 2, maximum: .seconds(5), jitter: true))

    /// Never retry.
    public static let never = RetryPolicy(maxRetries: 0, backoff: .none)

    /// The wait before retry `retry` (1-based), without `Retry-After`.
    public func delay(beforeRetry retry: Int, random: () -> Double = { Double.random(in: 0...1) }) -> Duration {
        switch backoff {
        case .none: return .zero
        case .fixed(let delay): return delay
        case .exponential(let initial, let multiplier, let maximum, let jitter):
            let factor = pow(multiplier, Double(max(0, retry - 1)))
            let full = min(maximum, initial * factor)
            guard jitter else { return full }
            return full / 2 + (full / 2) * random()
        }
    }

    /// Whether a finished attempt should be retried, and why (for the debug trace). `repeatable`:
    /// sending the request twice has no further effect (``HTTPClientRequest/isRepeatable``).
    public func shouldRetry(_ outcome: AttemptOutcome, repeatable: Bool, accepted: Range<Int>) -> (retry: Bool, reason: String) {
        switch outcome {
        case .response(let response, _):
            let status = response.code
            if accepted.contains(status) { return (false, "success") }
            if retryAllErrors { return (true, "status \(status); retrying all errors") }
            if Self.retries(status: status, mayHaveTakenEffect: !repeatable) {
                return status == 429
                    ? (true, "429: the server did not process the request") : (true, "status \(status) on a request safe to repeat")
            }
            if (500..<600).contains(status) { return (false, "status \(status) on a request that may have taken effect; not retried") }
            return (false, "status \(status) is not retryable")
        case .failure(let failure):
            if failure.kind == .cancelled { return (false, "cancelled") }
            if failure.kind == .deadlineExceeded { return (false, "the request's deadline passed") }
            if failure.isPermanent { return (false, "\(failure.message); not retryable") }
            if retryAllErrors { return (true, "\(failure.message); retrying all errors") }
            if !failure.requestMayHaveBeenSent { return (true, "\(failure.message); nothing was sent") }
            if repeatable { return (true, "\(failure.message) on a request safe to repeat") }
            return (false, "\(failure.message) after a request that may have reached the server; not retried")
        }
    }

    // The rule, once, for the attempts within a request (``shouldRetry(_:repeatable:accepted:)``)
    // and for whoever sends the request again after they ran out (``HTTPError/retryable``).

    /// A status is retried when the server said it did not process the request (429), or on a
    /// server error when the request cannot have taken effect (or may, harmlessly, twice).
    static func retries(status: Int, mayHaveTakenEffect: Bool) -> Bool {
        status == 429 || (500..<600).contains(status) && !mayHaveTakenEffect
    }

    /// A failure without a response is retried unless it is permanent or the request may have
    /// taken effect.
    static func retries(permanentFailure: Bool, mayHaveTakenEffect: Bool) -> Bool {
        !permanentFailure && !mayHaveTakenEffect
    }

    /// Whether an attempt that ended with `outcome` may have done what it asked, whatever the
    /// method: its bytes may have left and nothing the server said proves it did not act. A
    /// failure after the request may have been sent may have; so may a 5xx, except one that says
    /// the server did not process the request: a 503 with `Retry-After` (unavailable, come back
    /// later). A 429 and every other answer below 500 say it did not act.
    public static func mayHaveTakenEffect(_ outcome: AttemptOutcome) -> Bool {
        switch outcome {
        case .response(let status, let headerFields):
            guard (500..<600).contains(status.code) else { return false }
            return !(status.code == 503 && headerFields[.retryAfter] != nil)
        case .failure(let failure):
            return failure.requestMayHaveBeenSent
        }
    }
}

extension HTTPError {
    /// Whether sending the same request again later, unchanged, may succeed without taking effect
    /// twice: ``RetryPolicy``'s rule, for a caller retrying after the attempts ran out (an engine).
    /// A request that ran out of time before it was sent, or was cancelled, is retryable too. Never
    /// when any attempt may have taken effect (``maybeSent``), whatever the last one's answer.
    public var retryable: Bool {
        guard !maybeSent else { return false }
        switch kind {
        case .upstream: return !isPermanent && RetryPolicy.retries(status: status?.code ?? 0, mayHaveTakenEffect: false)
        case .network, .timeout: return RetryPolicy.retries(permanentFailure: isPermanent, mayHaveTakenEffect: false)
        case .deadlineExceeded, .cancelled: return true
        case .invalidRequest, .tls: return false
        }
    }
}

/// How one attempt ended: with a response, or without one.
public enum AttemptOutcome: Sendable {
    /// The server answered with `status`.
    case response(status: HTTPResponse.Status, headerFields: HTTPFields)
    /// No complete response arrived.
    case failure(TransportFailure)
}

/// An attempt that ended without a response.
public struct TransportFailure: Sendable, Hashable {
    /// What happened, broadly.
    public enum Kind: Sendable, Hashable {
        /// The host could not be reached, or the connection broke.
        case network
        /// An attempt or the overall deadline ran out.
        case timeout
        /// The caller cancelled the task.
        case cancelled
        /// The request's ``HTTPDeadline`` came before the attempt could send anything: it sent nothing.
        case deadlineExceeded
        /// TLS refused the server (its certificate, its host name, its TLS version): permanent
        /// until someone changes a setting, and nothing was sent.
        case tls
    }

    public var kind: Kind
    /// libcurl's code (`CURLcode`), or 0.
    public var curlCode: Int
    /// libcurl's description, with its error buffer's detail.
    public var message: String
    /// False only when the failure proves no request byte left (no resolution, no connection).
    public var requestMayHaveBeenSent: Bool
    /// Whether trying again cannot help (a malformed URL, an untrusted certificate).
    public var isPermanent: Bool
    /// What TLS refused, for `tls` failures.
    public var tls: TLSFailure?
    /// Whether the transfer was stopped because the response outgrew the attempt's
    /// `maximumResponseBytes`.
    public var responseTooLarge = false

    /// A failure.
    public init(kind: Kind, curlCode: Int, message: String, requestMayHaveBeenSent: Bool, isPermanent: Bool = false, tls: TLSFailure? = nil)
    {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
        self.requestMayHaveBeenSent = requestMayHaveBeenSent
        self.isPermanent = isPermanent
        self.tls = tls
    }
}

/// Why TLS refused a server. Each is its own error code, never retried: only a change of setting
/// (the CA trusted, the URL, the server's TLS configuration) makes it pass.
public enum TLSFailure: String, Sendable, Hashable {
    /// The certificate does not chain to a trusted CA (or expired, or the CA file is unreadable).
    case untrustedCertificate = "tls_certificate_untrusted"
    /// The certificate is valid but names other hosts.
    case hostnameMismatch = "tls_hostname_mismatch"
    /// The server and the client share no TLS version (the client needs TLS 1.2 or newer).
    case unsupportedVersion = "tls_version_unsupported"
    /// Another handshake failure: no shared cipher, a client certificate asked for, or a server
    /// that does not speak TLS at all on that port.
    case handshakeFailed = "tls_handshake_failed"
}

/// The wait a `Retry-After` value asks for: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
public func retryAfterDelay(_ value: String, now: Date = Date()) -> Duration? {
    let trimmed = value.trimmingWhitespace()
    if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
    guard let date = HTTPDate.parse(trimmed) else { return nil }
    let interval = date.timeIntervalSince(now)
    return interval > 0 ? .milliseconds(Int64(interval * 1000)) : .zero
}
