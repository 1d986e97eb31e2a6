import ComponentHTTP

/// Verify v2's paths (on the verify host) and how a To or SID goes into one.
enum VerifyPaths {
    /// `/v2/Services/{VA...}`.
    static func service(_ serviceSid: String) -> String { "/v2/Services/\(serviceSid)" }

    /// A path segment: a To such as `+14155550100` or `ada@example.com` percent-encoded
    /// (`%2B14155550100`), so that no server or proxy on the way reads its `+` as a space.
    static func segment(_ value: String) -> String { FormEncoding.percentEncode(value) }
}
