/// Which hosts serve Twilio's products (the REST API, Verify, Lookup) for a region and an edge.
///
/// Twilio's SDKs build every product's host the same way (`get_hostname` of the `twilio` Python
/// package): no region and no edge is `{product}.twilio.com`; an edge alone means region us1; both
/// give `{product}.{edge}.{region}.twilio.com`. Twilio retired region-only hosts (such as
/// `api.ie1.twilio.com`) on April 28, 2026, so a region alone is paired with its nearest edge.
enum TwilioHosts {
    /// A Twilio product the component talks to, named by its host's first label.
    enum Product: String, CaseIterable, Sendable {
        /// The 2010 REST API (messages, calls, recordings): `api.twilio.com`.
        case api
        /// Verify v2: `verify.twilio.com`.
        case verify
        /// Lookup v2: `lookups.twilio.com`.
        case lookups

        /// Its name in messages.
        var name: String {
            switch self {
            case .api: "the REST API"
            case .verify: "Verify"
            case .lookups: "Lookup v2"
            }
        }

        /// The regions where Twilio serves it, `nil` for every region: Verify only in US1, Lookup
        /// v2 in US1 and IE1 (Twilio's "Regional product availability"). Elsewhere its host does
        /// not exist.
        var regions: [String]? {
            switch self {
            case .api: nil
            case .verify: ["us1"]
            case .lookups: ["us1", "ie1"]
            }
        }

        /// Whether Twilio serves it in `region` (`nil` or empty: US1).
        func isServed(in region: String?) -> Bool {
            guard let regions else { return true }
            return regions.contains(region.flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "us1")
        }
    }

    static let defaultEdges: [String: String] = [
        "ie1": "dublin", "au1": "sydney", "jp1": "tokyo", "br1": "sao-paulo", "de1": "frankfurt", "sg1": "singapore",
        "us2": "umatilla",
    ]

    /// `https://{product}...twilio.com`, without a trailing slash.
    static func baseURL(_ product: Product = .api, region: String?, edge: String?) -> String {
        let region = region.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let edge = edge.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let name = product.rawValue
        switch (region, edge) {
        case (nil, nil), ("us1"?, nil): return "https://\(name).twilio.com"
        case (nil, let edge?): return "https://\(name).\(edge).us1.twilio.com"
        case (let region?, nil): return "https://\(name).\(defaultEdges[region] ?? "ashburn").\(region).twilio.com"
        case (let region?, let edge?): return "https://\(name).\(edge).\(region).twilio.com"
        }
    }

    /// The product whose host `host` is: `{product}.twilio.com` or `{product}.{edge}.{region}.twilio.com`
    /// for a product the component knows; `nil` for any other host, other Twilio hosts included
    /// (credentials go only where the component itself would send them).
    static func product(ofHost host: String) -> Product? {
        let labels = host.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count == 3 || labels.count == 5, labels.suffix(2) == ["twilio", "com"],
            let product = Product(rawValue: String(labels[0]))
        else { return nil }
        let isLabel = { (label: Substring) in
            !label.isEmpty && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }
        return labels.dropLast(2).allSatisfy(isLabel) ? product : nil
    }

    /// The region a product host names (`{product}.{edge}.{region}.twilio.com`), lowercased;
    /// `nil` for `{product}.twilio.com`, which is US1.
    static func region(ofHost host: String) -> String? {
        let labels = host.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        return labels.count == 5 ? String(labels[2]) : nil
    }
}
