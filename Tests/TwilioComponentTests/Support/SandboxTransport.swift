import Testing
import TwilioSandbox

/// How a test reaches the sandbox: as production reaches Twilio (HTTPS, HTTP/2 chosen by ALPN),
/// over HTTPS with HTTP/1.1 only, or over plain HTTP/1.1.
enum SandboxTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tlsHTTP2 = "TLS + HTTP/2"
    case tlsHTTP1 = "TLS + HTTP/1.1"
    case plain = "plain HTTP/1.1"

    var testDescription: String { rawValue }

    /// The sandbox's TLS configuration.
    var tls: SandboxTLS? {
        switch self {
        case .tlsHTTP2: SandboxTLS(http2: true)
        case .tlsHTTP1: SandboxTLS(http2: false)
        case .plain: nil
        }
    }

    /// The version the sandbox's traffic counts its requests under.
    var httpVersion: String { self == .tlsHTTP2 ? "HTTP/2" : "HTTP/1.1" }

    /// The protocols the sandbox's TLS handshakes choose by ALPN (none over plain HTTP).
    var alpn: Set<String> {
        switch self {
        case .tlsHTTP2: ["h2"]
        case .tlsHTTP1: ["http/1.1"]
        case .plain: []
        }
    }

    /// The suites that run end to end over both TLS transports.
    static let tls: [SandboxTransport] = [.tlsHTTP2, .tlsHTTP1]

    /// A sandbox configuration over this transport.
    func configuration(lifecycleStep: Duration = .zero, webhookClient: WebhookClientSettings = WebhookClientSettings())
        -> SandboxConfiguration
    {
        SandboxConfiguration(lifecycleStep: lifecycleStep, tls: tls, webhookClient: webhookClient)
    }
}

/// The environment a client of `sandbox` needs: the CA file to trust when it serves HTTPS.
func trustEnvironment(_ certificateAuthorityFile: String?) -> [String: String] {
    certificateAuthorityFile.map { ["SSL_CERT_FILE": $0] } ?? [:]
}

/// The sandbox running in this process (a run was given its `RunningSandbox`).
typealias LocalSandbox = RunningSandbox
