import ComponentCore
public import ComponentHTTP
import HTTPTypes

extension ComponentError {
    /// The classified error for a failed HTTP request: `network`, `timeout` or `upstream`, with the
    /// status, the attempts, and whether a send may have happened.
    public init(_ error: HTTPError) {
        let kind: Kind
        let code: String
        switch error.kind {
        case .network: (kind, code) = (.network, "network_error")
        case .timeout: (kind, code) = (.timeout, "timed_out")
        case .deadlineExceeded: (kind, code) = (.timeout, "deadline_exceeded")
        case .upstream: (kind, code) = (.upstream, "http_\(error.status?.code ?? 0)")
        case .cancelled: (kind, code) = (.internal, "cancelled")
        case .invalidRequest: (kind, code) = (.input, "invalid_request")
        case .tls: (kind, code) = (.connection, (error.tlsFailure ?? .handshakeFailed).rawValue)
        }
        var details = JSONObject()
        details["method"] = .string(error.method.rawValue)
        details["url"] = .string(error.url)
        details["attempts"] = .integer(error.attempts)
        if let curlCode = error.curlCode { details["curlCode"] = .integer(curlCode) }
        // The wait the server asked for, in seconds, so that an engine can pause every worker.
        if let value = error.headerFields?[.retryAfter], let delay = retryAfterDelay(value) {
            details["retryAfter"] = .number(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        }
        if let body = error.body, !body.isEmpty {
            details["body"] = error.bodyJSON ?? .string(String(decoding: body, as: UTF8.self))
        }
        var message = error.description
        if error.maybeSent {
            message += " The request may have reached the server: check whether it took effect before sending it again."
        }
        if error.kind == .deadlineExceeded {
            message += "; nothing was sent. Send it again with a later deadline if it is still wanted."
        }
        self.init(
            kind, code: .string(code), message: message, status: error.status?.code, retryable: error.retryable, maybeSent: error.maybeSent,
            details: .object(details), cause: error)
    }
}

extension HTTPError: ComponentErrorConvertible {
    /// `network`, `timeout` or `upstream` (see ``ComponentError/init(_:)-(HTTPError)``).
    public var componentError: ComponentError { ComponentError(self) }
}
