public import ComponentCore
public import FoundationEssentials
public import HTTPTypes

/// A request that failed: no response, or a response outside the accepted statuses after every
/// allowed retry. Never carries credentials: the URL has its user info removed, and the request's
/// headers are not kept.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable {
        /// The host could not be reached, or the connection broke.
        case network
        /// An attempt, or the overall deadline, ran out.
        case timeout
        /// The server answered with a status outside the accepted ones.
        case upstream
        /// The caller cancelled the request.
        case cancelled
        /// The request's ``HTTPDeadline`` came before it was sent: no attempt sent anything.
        case deadlineExceeded
        /// The request cannot be sent as given (a malformed URL, an unsupported scheme).
        case invalidRequest
        /// TLS refused the server (``tlsFailure`` says why); nothing was sent.
        case tls
    }

    public var kind: Kind
    public var method: HTTPRequest.Method
    /// The URL, with any `user:password@` removed.
    public var url: String
    /// The status of the last response, for `upstream` errors.
    public var status: HTTPResponse.Status?
    /// The header fields of the last response.
    public var headerFields: HTTPFields?
    /// The body of the last response.
    public var body: Data?
    /// How many attempts were made.
    public var attempts: Int
    /// libcurl's code for the last failure without a response.
    public var curlCode: Int?
    /// A sentence saying what happened (libcurl's text for transport failures).
    public var message: String
    /// True when the request is not idempotent and may have reached the server before it failed:
    /// check before sending it again.
    public var maybeSent: Bool
    /// Why TLS refused the server, for `tls` errors.
    public var tlsFailure: TLSFailure?
    /// Whether trying again unchanged cannot help (a proxy whose rules refuse the tunnel, or an
    /// answer the request's ``HTTPClientRequest/isFinalAnswer`` calls final).
    public var isPermanent: Bool
    /// Whether the caller's ``HTTPDeadline`` ended the request: it cut the last attempt short,
    /// or left no time for another.
    public var endedAtDeadline = false
    /// Whether the response was larger than the request allowed (``HTTPClientRequest``'s
    /// `maximumResponseBytes`), so the transfer was stopped: asking for less, or allowing more,
    /// is what helps.
    public var responseTooLarge = false
    /// Whether an attempt before the last may have done what the request asked
    /// (``RetryPolicy/mayHaveTakenEffect(_:)``): it may have been sent and then timed out or lost
    /// its connection, or it drew a 5xx that does not prove the server did not act. A 404 to a
    /// retried DELETE means "already gone" only when this is true; after a 429 it means the
    /// thing was never there.
    public var earlierAttemptMayHaveTakenEffect = false

    /// An error.
    public init(
        kind: Kind, method: HTTPRequest.Method, url: String, status: HTTPResponse.Status? = nil, headerFields: HTTPFields? = nil,
        body: Data? = nil,
        attempts: Int, curlCode: Int? = nil, message: String, maybeSent: Bool, tlsFailure: TLSFailure? = nil, isPermanent: Bool = false
    ) {
        self.kind = kind
        self.method = method
        self.url = HTTPError.strippingCredentials(url)
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.attempts = attempts
        self.curlCode = curlCode
        self.message = message
        self.maybeSent = maybeSent
        self.tlsFailure = tlsFailure
        self.isPermanent = isPermanent || kind == .tls || kind == .invalidRequest
    }

    /// The body parsed as JSON, when it is JSON.
    public var bodyJSON: JSONValue? { body.flatMap { try? JSONParser.parse($0) } }

    /// `POST https://host/path failed after 3 attempts: message`.
    public var description: String {
        if kind == .deadlineExceeded { return "\(method) \(url): \(message)" }
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        return "\(method) \(url) failed after \(tries): \(message)"
    }

    /// `url` without a `user:password@` part.
    public static func strippingCredentials(_ url: String) -> String {
        guard url.utf8.contains(UInt8(ascii: "@")) else { return url }  // no user info: the usual case, found fast
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
