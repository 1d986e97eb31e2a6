/// Whom the sandbox trusts, and which proxy it takes, when it posts webhooks.
///
/// ``init(environment:)`` reads them as OpenSSL and curl users expect: `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` for the CA certificates; `https_proxy`/`HTTPS_PROXY`, `http_proxy`,
/// `all_proxy`/`ALL_PROXY` and `no_proxy`/`NO_PROXY` for the proxy. Certificate verification is
/// always on: nothing here turns it off.
public struct WebhookClientSettings: Sendable, Hashable {
    /// A PEM file of CA certificates receivers' certificates are checked against.
    public var certificateFile: String?
    /// A directory of PEM CA certificates named by their hash (as `c_rehash` or
    /// `openssl rehash` makes it).
    public var certificateDirectory: String?
    /// The proxies webhooks go through.
    public var proxy: WebhookProxySettings

    /// Trust `certificateFile` and/or `certificateDirectory` (only those), or the system's CA
    /// store when neither is named; by default no proxy.
    public init(certificateFile: String? = nil, certificateDirectory: String? = nil, proxy: WebhookProxySettings = WebhookProxySettings()) {
        self.certificateFile = certificateFile
        self.certificateDirectory = certificateDirectory
        self.proxy = proxy
    }

    /// The settings an environment asks for (see the type's description); empty variables count as unset.
    public init(environment: [String: String]) {
        self.init(
            certificateFile: environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 },
            certificateDirectory: environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 },
            proxy: WebhookProxySettings(environment: environment))
    }

    /// What is trusted, for messages.
    var trustSummary: String {
        switch (certificateFile, certificateDirectory) {
        case (nil, nil): "the system's CA store (neither SSL_CERT_FILE nor SSL_CERT_DIR is set)"
        case (let file?, nil): "only the CA file \(file)"
        case (nil, let directory?): "only the CA directory \(directory)"
        case (let file?, let directory?): "only the CA file \(file) and the CA directory \(directory)"
        }
    }
}
