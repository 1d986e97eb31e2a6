public import ComponentHTTP

/// How the component reaches Twilio.
public struct TwilioConfiguration: Sendable {
    /// Sends every request to this base URL instead of Twilio's (the sandbox, a recording proxy);
    /// `nil` uses `api.twilio.com` or the connection's region and edge.
    public var baseURL: String?
    /// The HTTP client.
    public var http: any HTTPClient
    /// Timeouts of requests that do not set their own (`rawRequest`'s Timeout input does).
    public var timeouts: HTTPTimeouts

    /// A configuration; by default Twilio's hosts through the process's shared libcurl client.
    public init(
        baseURL: String? = nil, http: any HTTPClient = CurlHTTPClient(userAgent: TwilioConfiguration.userAgent),
        timeouts: HTTPTimeouts = HTTPTimeouts()
    ) {
        self.baseURL = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.http = http
        self.timeouts = timeouts
    }

    /// The component's version.
    public static let version = "1.0.0"

    /// `twilio-component/<version> libcurl/<version>` (computed once: it is sent with every request).
    public static let userAgent = "twilio-component/" + version + " " + Libcurl.product
}
