/// Which host serves Twilio's REST API for a region and an edge.
///
/// Twilio's SDK rules: no region and no edge is `api.twilio.com`; an edge alone means region us1;
/// both give `api.{edge}.{region}.twilio.com`. Twilio retired region-only hosts (such as
/// `api.ie1.twilio.com`) on April 28, 2026, so a region alone is paired with its nearest edge.
enum TwilioHosts {
    static let defaultEdges: [String: String] = [
        "ie1": "dublin", "au1": "sydney", "jp1": "tokyo", "br1": "sao-paulo", "de1": "frankfurt", "sg1": "singapore",
        "us2": "umatilla",
    ]

    /// `https://api...twilio.com`, without a trailing slash.
    static func baseURL(region: String?, edge: String?) -> String {
        let region = region.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let edge = edge.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        switch (region, edge) {
        case (nil, nil), ("us1"?, nil): return "https://api.twilio.com"
        case (nil, let edge?): return "https://api.\(edge).us1.twilio.com"
        case (let region?, nil): return "https://api.\(defaultEdges[region] ?? "ashburn").\(region).twilio.com"
        case (let region?, let edge?): return "https://api.\(edge).\(region).twilio.com"
        }
    }

    /// Whether `host` is one of Twilio's (`twilio.com` or a subdomain), where credentials may go.
    static func isTwilioHost(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "twilio.com" || host.hasSuffix(".twilio.com")
    }
}
