import ComponentRuntime
import Crypto
public import Foundation

/// Checks `X-Twilio-Signature` the way Twilio computes it and its `RequestValidator` checks it:
///
/// 1. The URL exactly as Twilio called it (scheme, host, port, path and query, not re-encoded),
///    followed, for a form body, by every parameter: names sorted by code point, and for each name
///    its distinct values sorted, appended as `name + value`.
/// 2. HMAC-SHA1 (or HMAC-SHA256, when `X-Twilio-Webhooks-Signature-Settings` says so) keyed with
///    the Auth Token, base64-encoded.
/// 3. A JSON body is not part of the string: its SHA-256 hex travels in the URL's `bodySHA256`
///    query parameter, which must match the body.
/// 4. The URL is tried without its port and with the scheme's default port added, since proxies
///    add or drop `:443`.
///
/// The keyed HMAC state is computed once per token and copied for each check; comparison is
/// constant-time. (Not `Sendable`: swift-crypto's HMAC state is not; make one per task.)
public struct TwilioSignatureValidator {
    /// The HMAC algorithm Twilio used.
    public enum Algorithm: String, Sendable {
        case sha1 = "HMAC_SHA1"
        case sha256 = "HMAC_SHA256"
    }

    private let sha1: HMAC<Insecure.SHA1>
    private let sha256: HMAC<SHA256>

    /// A validator for webhooks signed with `authToken`.
    public init(authToken: String) {
        let key = SymmetricKey(data: Data(authToken.utf8))
        sha1 = HMAC<Insecure.SHA1>(key: key)
        sha256 = HMAC<SHA256>(key: key)
    }

    /// Whether `signature` is Twilio's signature of this request.
    /// - Parameters:
    ///   - url: the URL Twilio called.
    ///   - parameters: the form parameters in the body (empty for a JSON body or a GET).
    ///   - jsonBody: the raw body, when it is JSON (checked against `bodySHA256`).
    public func isValid(signature: String, url: String, parameters: [(String, String)], jsonBody: Data? = nil, algorithm: Algorithm = .sha1) -> Bool {
        let expected = Array(signature.utf8)
        var parameters = parameters
        if let jsonBody {
            guard let hash = Self.queryValue("bodySHA256", in: url), hash == Self.hex(SHA256.hash(data: jsonBody)) else { return false }
            parameters = []
        }
        let suffix = Self.parameterString(parameters)
        var matched = false
        for candidate in Self.portVariants(of: url) {
            // Every candidate is computed and compared, so timing does not tell which one matched.
            if Self.constantTimeEquals(compute(candidate + suffix, algorithm: algorithm), expected) { matched = true }
        }
        return matched
    }

    /// The signature of `url` with `parameters`, as Twilio would send it.
    public func signature(url: String, parameters: [(String, String)], algorithm: Algorithm = .sha1) -> String {
        String(decoding: compute(url + Self.parameterString(parameters), algorithm: algorithm), as: UTF8.self)
    }

    /// The base64 text of the HMAC of `text`, as bytes.
    private func compute(_ text: String, algorithm: Algorithm) -> [UInt8] {
        var text = text
        return text.withUTF8 { bytes -> [UInt8] in
            switch algorithm {
            case .sha1:
                var hmac = sha1
                hmac.update(data: UnsafeRawBufferPointer(bytes))
                return Self.base64(Array(hmac.finalize()))
            case .sha256:
                var hmac = sha256
                hmac.update(data: UnsafeRawBufferPointer(bytes))
                return Self.base64(Array(hmac.finalize()))
            }
        }
    }

    /// Names sorted by code point, each with its distinct values sorted, concatenated.
    static func parameterString(_ parameters: [(String, String)]) -> String {
        guard !parameters.isEmpty else { return "" }
        var byName: [String: [String]] = [:]
        for (name, value) in parameters { byName[name, default: []].append(value) }
        var text = ""
        for name in byName.keys.sorted(by: codePointLess) {
            var values = byName[name]!
            if values.count > 1 { values = Array(Set(values)).sorted(by: codePointLess) }
            for value in values {
                text += name
                text += value
            }
        }
        return text
    }

    /// Python's (and Twilio's) string order: by Unicode scalar value.
    static func codePointLess(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    /// The URL without its port, and with the default port when it had none (as Twilio's validator tries them).
    static func portVariants(of url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostPart = authority[hostStart...]
        let bracket = hostPart.lastIndex(of: "]")
        var portColon: Substring.Index?
        if let colon = hostPart.lastIndex(of: ":"), bracket.map({ colon > $0 }) ?? true,
            hostPart[hostPart.index(after: colon)...].allSatisfy(\.isNumber)
        {
            portColon = colon
        }
        let prefix = url[..<schemeEnd.upperBound]
        if let portColon {
            return [String(prefix + authority[..<portColon] + tail), url]
        }
        let defaultPort = scheme == "https" ? "443" : "80"
        return [url, String(prefix + authority + ":" + defaultPort + tail)]
    }

    /// The first value of the query parameter `name` in `url`, percent-decoded.
    static func queryValue(_ name: String, in url: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? FormEncoding.percentDecode(parts[1], plusAsSpace: true) : "" }
        }
        return nil
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let remaining = bytes.count - index
        if remaining == 1 {
            let value = UInt32(bytes[index]) << 16
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if remaining == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")]
        }
        return output
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
