public import Logging

/// Sends HTTP requests. ``CurlHTTPClient`` is the one production conformance; every request a
/// component's handlers make goes through it.
public protocol HTTPClient: Sendable {
    /// Sends `request`, retrying as its ``RetryPolicy`` allows, and returns a response whose status
    /// is among the accepted ones.
    /// - Parameter logger: receives one debug line per attempt (method, URL, status, timing, retry
    ///   decision), never a credential.
    /// - Throws: ``HTTPError``, classified, with the attempts made and whether a send may have happened.
    func send(_ request: HTTPClientRequest, logger: Logger?) async throws(HTTPError) -> HTTPClientResponse
}

extension HTTPClient {
    /// Sends `request` without logging.
    public func send(_ request: HTTPClientRequest) async throws(HTTPError) -> HTTPClientResponse {
        try await send(request, logger: nil)
    }
}
