import Foundation

/// Which proxy a webhook takes, by the receiver URL's scheme, with hosts exempted by `NO_PROXY`.
public struct WebhookProxySettings: Sendable, Hashable {
    /// A proxy URL, `http://[user:password@]host[:port]`, and the variable it came from.
    public struct Proxy: Sendable, Hashable {
        /// The URL; its password is never shown in messages.
        public var url: String
        /// Where it came from (`HTTPS_PROXY`), for messages.
        public var source: String

        /// A proxy.
        public init(url: String, source: String) {
            self.url = url
            self.source = source
        }
    }

    /// The proxy for `https://` receivers.
    public var https: Proxy?
    /// The proxy for `http://` receivers.
    public var http: Proxy?
    /// Hosts reached directly: names (a name also covers its subdomains; a leading dot is
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
                if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    return Proxy(url: value, source: name)
                }
            }
            return nil
        }
        let all = first(["all_proxy", "ALL_PROXY"])
        let exemptList = environment["no_proxy"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["NO_PROXY"] ?? ""
        self.init(
            https: first(["https_proxy", "HTTPS_PROXY"]) ?? all, http: first(["http_proxy"]) ?? all,
            exempt: exemptList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// The proxy a webhook to `url` goes through, or `nil` to connect directly.
    func proxy(for url: String) -> Proxy? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let proxy = url[..<schemeEnd.lowerBound].lowercased() == "https" ? https : http
        guard let proxy, !isExempt(host: Self.host(of: url[schemeEnd.upperBound...])) else { return nil }
        return proxy
    }

    /// Whether `host` is reached directly under `exempt`.
    func isExempt(host: String) -> Bool {
        let host = host.lowercased()
        return exempt.contains { entry in
            if entry == "*" { return true }
            var name = entry.lowercased()
            if name.hasPrefix(".") { name.removeFirst() }
            if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            return host == name || host.hasSuffix("." + name)
        }
    }

    /// The host of what follows a URL's `://`: without user info, port or IPv6 brackets.
    static func host(of rest: Substring) -> String {
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}
