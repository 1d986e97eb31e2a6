import FoundationEssentials
import HTTPTypes

/// Everything one attempt needs, prepared by the caller and handed to the event loop's thread.
/// A plain value, so nothing mutable crosses threads.
struct CurlAttempt: Sendable {
    var method: HTTPRequest.Method
    /// Whether the request is safe to send twice (``HTTPClientRequest/isRepeatable``): only then may
    /// libcurl rewind its body and send it again on a fresh connection.
    var repeatable: Bool
    var url: String
    /// Whether a redirect is followed: not when a header carries a credential libcurl would send on.
    var followsRedirects: Bool = true
    /// Header lines (`Name: value`), including the body's content type.
    var headerLines: [String]
    /// The body bytes; `nil` for no body.
    var body: Data?
    var auth: BasicAuth?
    var connectTimeout: Duration
    var totalTimeout: Duration
    var maximumResponseBytes: Int
    /// The CA certificates the server's certificate is checked against.
    var trust: TLSTrust
    /// The proxy this request goes through, `nil` for a direct connection.
    var proxy: HTTPProxySettings.Proxy?
    /// The request's deadline on the wall clock: checked again on the loop's thread as the
    /// transfer is handed to libcurl, and as its request is about to go out.
    var deadline: HTTPDeadline? = nil
}
