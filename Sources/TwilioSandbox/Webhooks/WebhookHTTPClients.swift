import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// The AsyncHTTPClient instances webhooks go out through, made when the sandbox starts and shut
/// down when it stops: one connecting directly, and one per proxy named, because
/// AsyncHTTPClient takes its proxy per client while `NO_PROXY` decides per receiver. They run on
/// NIO's process-wide event loops, so shutting them down leaves no thread behind.
final class WebhookHTTPClients: Sendable {
    /// How a webhook to a URL goes out.
    enum Route {
        case client(HTTPClient)
        /// The proxy it should take cannot be used; the reason says what to fix.
        case unusable(reason: String)
    }

    /// Seconds to connect (TCP, a proxy's tunnel and TLS).
    static let connectSeconds: Int64 = 5
    /// Seconds for each attempt, from connecting to the last byte of the answer.
    static let attemptSeconds: Int64 = 15

    let settings: WebhookClientSettings
    private let direct: HTTPClient
    /// By proxy URL.
    private let proxied: [String: HTTPClient]
    /// Proxy URLs that cannot be used, with the reason.
    private let unusable: [String: String]

    init(settings: WebhookClientSettings) {
        self.settings = settings
        let tls = Self.tlsConfiguration(settings)
        direct = Self.makeClient(tls: tls, proxy: nil)
        var proxied: [String: HTTPClient] = [:]
        var unusable: [String: String] = [:]
        for proxy in [settings.proxy.https, settings.proxy.http].compactMap({ $0 })
        where proxied[proxy.url] == nil && unusable[proxy.url] == nil {
            switch Self.server(proxy) {
            case .success(let server): proxied[proxy.url] = Self.makeClient(tls: tls, proxy: server)
            case .failure(let problem): unusable[proxy.url] = problem.reason
            }
        }
        self.proxied = proxied
        self.unusable = unusable
    }

    /// The client for a webhook to `url`: through the proxy its scheme takes, unless `NO_PROXY` exempts its host.
    func route(for url: String) -> Route {
        guard let proxy = settings.proxy.proxy(for: url) else { return .client(direct) }
        if let client = proxied[proxy.url] { return .client(client) }
        return .unusable(reason: unusable[proxy.url] ?? "the proxy from \(proxy.source) cannot be used.")
    }

    /// Closes every connection; webhooks sent after this fail.
    func shutdown() async {
        for client in [direct] + proxied.values {
            try? await client.shutdown()  // fails only when already shut down
        }
    }

    /// TLS 1.2 or newer, checked against what the settings trust; verification is never turned off.
    private static func tlsConfiguration(_ settings: WebhookClientSettings) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch (settings.certificateFile, settings.certificateDirectory) {
        case (nil, nil): tls.trustRoots = .default
        case (let file?, nil): tls.trustRoots = .file(file)
        case (nil, let directory?): tls.trustRoots = .file(directory)
        case (let file?, let directory?):
            // A directory is read by hashed name (as OpenSSL reads SSL_CERT_DIR) only as the trust
            // roots themselves; additional roots are loaded from files.
            tls.trustRoots = .file(directory)
            tls.additionalTrustRoots = [.file(file)]
        }
        return tls
    }

    /// HTTP/2 by ALPN over TLS (else HTTP/1.1), redirects followed as curl does (up to 5).
    private static func makeClient(tls: TLSConfiguration, proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .seconds(connectSeconds), read: .seconds(attemptSeconds)), proxy: proxy)
        // A refused connection or a failed handshake ends the attempt at once, with its own error;
        // the dispatcher's one retry is all the retrying a webhook gets.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private struct UnusableProxy: Error {
        var reason: String
    }

    /// `http://[user:password@]host[:port]` (the scheme may be left out; the port is 1080 when
    /// left out, as in curl) as AsyncHTTPClient's proxy, which tunnels with CONNECT.
    private static func server(_ proxy: WebhookProxySettings.Proxy) -> Result<HTTPClient.Configuration.Proxy, UnusableProxy> {
        let text = proxy.url.contains("://") ? proxy.url : "http://" + proxy.url
        guard var components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            return .failure(UnusableProxy(reason: "the proxy URL in \(proxy.source) is not a URL: give http://host:port."))
        }
        let password = components.password
        components.password = nil
        let shown = components.string ?? "the URL"
        guard components.scheme?.lowercased() == "http", components.path.isEmpty || components.path == "/" else {
            return .failure(UnusableProxy(reason: "the proxy \(shown) from \(proxy.source) is not an HTTP proxy: give http://host:port."))
        }
        let authorization = components.user.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return .success(.server(host: unbracketed, port: components.port ?? 1080, authorization: authorization))
    }
}
