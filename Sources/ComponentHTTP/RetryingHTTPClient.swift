import ComponentCore
import HTTPTypes
public import Logging

/// The HTTP client: the attempts of each request over a single-attempt ``HTTPTransport``, retried
/// as the request's ``RetryPolicy`` allows, within its timeouts and the caller's ``HTTPDeadline``.
/// ``CurlHTTPClient`` is this over libcurl.
public struct RetryingHTTPClient<Transport: HTTPTransport>: HTTPClient {
    /// What performs each attempt.
    public var transport: Transport

    /// A client over `transport`.
    public init(transport: Transport) {
        self.transport = transport
    }

    public func send(_ request: HTTPClientRequest, logger: Logger?) async throws(HTTPError) -> HTTPClientResponse {
        // Everything but the waiting lives in `attempts`, so that this frame, kept by the task for
        // as long as the request is in flight, holds one reference (see RequestAttempts).
        let attempts = RequestAttempts<Transport>(request: request, prepared: transport.prepare(request), logger: logger)
        while true {
            let result = await transport.perform(attempts.prepared, limits: try attempts.nextAttempt())
            switch try attempts.conclude(result) {
            case .respond(let response):
                return response
            case .retry(let delay) where delay > .zero:
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw attempts.cancelledWhileWaiting()
                }
            case .retry:
                continue
            }
        }
    }
}

/// The HTTP client on the system libcurl: every request a component's handlers make goes through it.
public typealias CurlHTTPClient = RetryingHTTPClient<CurlTransport>

extension RetryingHTTPClient where Transport == CurlTransport {
    /// A client; `userAgent` defaults to `component-runtime` and libcurl's version, `pool` to the
    /// process-wide one.
    public init(userAgent: String? = nil, pool: HTTPConnectionPool = .shared) {
        self.init(transport: CurlTransport(userAgent: userAgent, pool: pool))
    }

    /// The `User-Agent` sent when the request sets none.
    public var userAgent: String { transport.userAgent }
    /// Where transfers run and connections are kept.
    public var pool: HTTPConnectionPool { transport.pool }
}

extension HTTPClientRequest {
    /// The header names and values, with every credential-bearing value redacted, for the log.
    var redactedHeaders: String {
        var parts = headerFields.map { field -> String in
            let lower = field.name.canonicalName
            let sensitive =
                secretHeaderFields.contains(field.name) || lower == "authorization" || lower == "proxy-authorization" || lower == "cookie"
                || lower.contains("token") || lower.contains("secret") || lower.contains("api-key") || lower.contains("signature")
            return "\(field.name.rawName): \(sensitive ? Secret.redacted : field.value)"
        }
        if auth != nil { parts.append("Authorization: Basic \(Secret.redacted)") }
        return parts.joined(separator: "; ")
    }
}
