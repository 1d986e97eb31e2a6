import ComponentCore
import FoundationEssentials

/// What every request of a connection pool shares: whom TLS trusts, which proxy carries the
/// requests, and how many connections a host may get.
///
/// ``init(environment:maximumConnectionsPerHost:)`` reads them the way OpenSSL, curl and Python
/// do: `SSL_CERT_FILE` and `SSL_CERT_DIR` for the CA certificates, `HTTPS_PROXY` (or
/// `https_proxy`), `http_proxy`, `ALL_PROXY` and `NO_PROXY`. Certificate verification is always
/// on: nothing here, or anywhere, turns it off.
public struct HTTPClientSettings: Sendable, Hashable {
    /// The CA certificates server certificates are checked against.
    public var trust: TLSTrust
    /// The proxies requests go through.
    public var proxy: HTTPProxySettings
    /// How many connections one host may have open at once. Over HTTP/1.1 a connection carries
    /// one request at a time, so this caps the requests in flight to a host; over HTTP/2 each
    /// connection multiplexes up to the server's stream limit (often 100).
    public var maximumConnectionsPerHost: Int

    /// The cap on connections per host unless a caller asks for more (a worker's concurrency).
    public static let defaultMaximumConnectionsPerHost = 32

    /// Settings; by default the system's CA store, no proxy, 32 connections per host.
    public init(
        trust: TLSTrust = .system, proxy: HTTPProxySettings = HTTPProxySettings(),
        maximumConnectionsPerHost: Int = HTTPClientSettings.defaultMaximumConnectionsPerHost
    ) {
        self.trust = trust
        self.proxy = proxy
        self.maximumConnectionsPerHost = max(1, maximumConnectionsPerHost)
    }

    /// The settings an environment asks for (see the type's description).
    public init(environment: [String: String], maximumConnectionsPerHost: Int = HTTPClientSettings.defaultMaximumConnectionsPerHost) {
        self.init(
            trust: TLSTrust(environment: environment), proxy: HTTPProxySettings(environment: environment),
            maximumConnectionsPerHost: maximumConnectionsPerHost)
    }
}

/// The CA certificates TLS checks servers against: a PEM bundle file, a directory of hashed
/// certificates, or the system's store when neither is named.
public struct TLSTrust: Sendable, Hashable {
    /// A PEM file of CA certificates (`SSL_CERT_FILE`); it replaces the system's bundle.
    public var certificateFile: String?
    /// A directory of CA certificates named by their hash (`SSL_CERT_DIR`, as `c_rehash` makes it).
    public var certificateDirectory: String?

    /// Trust `certificateFile` and/or `certificateDirectory`; neither: the system's store.
    public init(certificateFile: String? = nil, certificateDirectory: String? = nil) {
        self.certificateFile = certificateFile
        self.certificateDirectory = certificateDirectory
    }

    /// The system's CA store (Debian: `/etc/ssl/certs`).
    public static let system = TLSTrust()

    /// `SSL_CERT_FILE` and `SSL_CERT_DIR`, when set and not empty.
    public init(environment: [String: String]) {
        self.init(
            certificateFile: environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 },
            certificateDirectory: environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// What is trusted, for messages: what `SSL_CERT_FILE` and `SSL_CERT_DIR` name, and the part
    /// of the system's store (its bundle, its directory) that neither replaces.
    public var summary: String {
        switch (certificateFile, certificateDirectory) {
        case (nil, nil): "the system's CA store (neither SSL_CERT_FILE nor SSL_CERT_DIR is set)"
        case (let file?, nil): "SSL_CERT_FILE=\(file), with the system's CA directory"
        case (nil, let directory?): "SSL_CERT_DIR=\(directory), with the system's CA bundle (SSL_CERT_FILE is not set)"
        case (let file?, let directory?): "SSL_CERT_FILE=\(file) and SSL_CERT_DIR=\(directory)"
        }
    }
}

/// Which proxy a request takes, by its scheme, with hosts exempted by `NO_PROXY`.
public struct HTTPProxySettings: Sendable, Hashable {
    /// A proxy URL and the variable it came from.
    public struct Proxy: Sendable, Hashable {
        /// `http://host:port` (`user:password@` allowed; never shown in messages).
        public var url: String
        /// Where it came from (`HTTPS_PROXY`), for messages.
        public var source: String

        /// A proxy.
        public init(url: String, source: String) {
            self.url = url
            self.source = source
        }

        /// The URL without credentials, and its source: `http://127.0.0.1:8888 from HTTPS_PROXY`.
        public var summary: String { "\(HTTPError.strippingCredentials(url)) from \(source)" }
    }

    /// The proxy for `https://` requests.
    public var https: Proxy?
    /// The proxy for `http://` requests.
    public var http: Proxy?
    /// Hosts that are reached directly: names (a name also covers its subdomains; a leading dot is
    /// allowed), IP addresses, or `*` for every host.
    public var exempt: [String]

    /// Proxies; none by default.
    public init(https: Proxy? = nil, http: Proxy? = nil, exempt: [String] = []) {
        self.https = https
        self.http = http
        self.exempt = exempt
    }

    /// curl's rules: `https_proxy` or `HTTPS_PROXY` for HTTPS, `http_proxy` for HTTP (not the
    /// upper-case form, which a CGI server's `Proxy:` request header could set), else `all_proxy`
    /// or `ALL_PROXY`; `no_proxy` or `NO_PROXY` as a comma-separated list.
    public init(environment: [String: String]) {
        func first(_ names: [String]) -> Proxy? {
            for name in names {
                if let value = environment[name], !value.trimmingWhitespace().isEmpty {
                    return Proxy(url: value.trimmingWhitespace(), source: name)
                }
            }
            return nil
        }
        let all = first(["all_proxy", "ALL_PROXY"])
        let exemptList = environment["no_proxy"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["NO_PROXY"] ?? ""
        self.init(
            https: first(["https_proxy", "HTTPS_PROXY"]) ?? all, http: first(["http_proxy"]) ?? all,
            exempt: exemptList.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty })
    }

    /// The proxy a request to `url` goes through, or `nil` to connect directly.
    public func proxy(for url: String) -> Proxy? {
        guard https != nil || http != nil else { return nil }
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let proxy = url[..<scheme.lowerBound].lowercased() == "https" ? https : http
        guard let proxy else { return nil }
        return isExempt(host: Self.host(of: url)) ? nil : proxy
    }

    /// Whether `host` is reached directly under `exempt`.
    func isExempt(host: String) -> Bool {
        let host = host.lowercased()
        for entry in exempt {
            if entry == "*" { return true }
            var name = entry.lowercased()
            if name.hasPrefix(".") { name.removeFirst() }
            if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            if host == name || host.hasSuffix("." + name) { return true }
        }
        return false
    }

    /// The host of a URL, without user info, port or IPv6 brackets.
    static func host(of url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "" }
        var authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}
