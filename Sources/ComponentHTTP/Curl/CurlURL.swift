internal import CCurl

/// A URL as libcurl itself parses it, the parser the transport connects with: where credentials
/// go is decided by what curl will connect to, not by another parser's reading of the same text
/// (the two differ on backslashes, spaces and odd authorities).
public struct CurlURL: Sendable, Equatable {
    /// Lowercased, as curl matches it.
    public var scheme: String
    /// As curl will resolve it (an IPv6 address in brackets).
    public var host: String
    /// The explicit port, `nil` when the URL gives none.
    public var port: Int?
    /// Whether the URL carries a user name, a password or login options.
    public var hasUserInfo: Bool
    /// The path as curl sends it (dot segments removed; `/` when the URL has none).
    public var path: String
    /// The query without its `?`, `nil` when the URL has none.
    public var query: String?

    fileprivate init(scheme: String, host: String, port: Int?, hasUserInfo: Bool, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.hasUserInfo = hasUserInfo
        self.path = path
        self.query = query
    }

    /// `url` parsed by libcurl with the options the transport's requests use; `nil` when curl
    /// would refuse it.
    public init?(_ url: String) {
        guard let parsed = CurlURLHandle()?.parse(url) else { return nil }
        self = parsed
    }
}

/// Owns one `CURLU` handle.
private final class CurlURLHandle {
    private let handle: OpaquePointer

    init?() {
        _ = Libcurl.initialized
        guard let handle = curl_url() else { return nil }
        self.handle = handle
    }

    deinit { curl_url_cleanup(handle) }

    /// The flags an easy handle parses `CURLOPT_URL` with (libcurl's `parseurlandfillconn`).
    private static let transportFlags = UInt32(CURLU_GUESS_SCHEME) | UInt32(CURLU_NON_SUPPORT_SCHEME)

    func parse(_ url: String) -> CurlURL? {
        guard !url.utf8.contains(0), curl_url_set(handle, CURLUPART_URL, url, Self.transportFlags) == CURLUE_OK,
            let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST)
        else { return nil }
        let user = part(CURLUPART_USER)
        let password = part(CURLUPART_PASSWORD)
        let options = part(CURLUPART_OPTIONS)
        return CurlURL(
            scheme: scheme.lowercased(), host: host, port: part(CURLUPART_PORT).flatMap { Int($0) },
            hasUserInfo: user != nil || password != nil || options != nil, path: part(CURLUPART_PATH) ?? "/",
            query: part(CURLUPART_QUERY))
    }

    private func part(_ which: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
