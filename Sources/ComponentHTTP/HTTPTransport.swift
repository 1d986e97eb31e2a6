public import FoundationEssentials
public import HTTPTypes

/// Performs one attempt of a request and nothing more: no retry, no wait, no decision.
/// ``RetryingHTTPClient`` makes the attempts around it, by the request's ``RetryPolicy`` and
/// deadlines; ``CurlTransport`` is the one production conformance.
public protocol HTTPTransport: Sendable {
    /// A request made ready once for all its attempts (its URL, header lines, body bytes).
    associatedtype PreparedRequest: Sendable

    /// `request`, ready to be attempted.
    func prepare(_ request: HTTPClientRequest) -> PreparedRequest

    /// One attempt of `request` within `limits`. A failure is the result's, never thrown; a
    /// cancelled task ends the attempt at once with a `cancelled` failure.
    func perform(_ request: PreparedRequest, limits: AttemptLimits) async -> AttemptResult
}

/// How long one attempt may take: the request's timeouts, cut to what its overall deadline and
/// the caller's ``HTTPDeadline`` leave.
public struct AttemptLimits: Sendable, Hashable {
    /// Establishing the connection.
    public var connectTimeout: Duration
    /// The whole attempt.
    public var totalTimeout: Duration
    /// The caller's deadline, for a transport to check again just before it sends (a task may
    /// wait between being given the attempt and sending it).
    public var deadline: HTTPDeadline?

    /// Limits.
    public init(connectTimeout: Duration, totalTimeout: Duration, deadline: HTTPDeadline? = nil) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.deadline = deadline
    }
}

/// How one attempt ended: a complete response, or a failure.
public struct AttemptResult: Sendable {
    /// The response, when one arrived completely.
    public var response: TransportResponse?
    /// The failure, otherwise.
    public var failure: TransportFailure?

    /// A result.
    public init(response: TransportResponse?, failure: TransportFailure?) {
        self.response = response
        self.failure = failure
    }
}

/// A response as the transport received it, whatever its status.
public struct TransportResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: Data
    /// The URL that answered.
    public var url: String

    /// A response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields, body: Data, url: String) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.url = url
    }
}
