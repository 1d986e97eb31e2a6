import ComponentHTTP
import Crypto
public import FoundationEssentials
import Glibc

/// Checks `X-Twilio-Signature` the way Twilio computes it and its `RequestValidator` checks it:
///
/// 1. The URL exactly as Twilio called it (scheme, host, port, path and query, not re-encoded),
///    followed, for a form body, by every parameter: names sorted by code point, and for each name
///    its distinct values sorted, appended as `name + value`.
/// 2. HMAC-SHA1 (or HMAC-SHA256, when `X-Twilio-Webhooks-Signature-Settings` says so) keyed with
///    the Auth Token, base64-encoded.
/// 3. A JSON body is not part of the string: its SHA-256 hex travels in the URL's `bodySHA256`
///    query parameter, which must match the body.
/// 4. The URL is tried as given, then with its port dropped (or the scheme's default port added),
///    since proxies add or drop `:443`.
///
/// The keyed HMAC state is computed once per token and copied for each check; comparing a
/// signature is constant-time. (Not `Sendable`: swift-crypto's HMAC state is not; make one per task.)
public struct TwilioSignatureValidator {
    /// The HMAC algorithm Twilio used.
    public enum Algorithm: String, Sendable {
        case sha1 = "HMAC_SHA1"
        case sha256 = "HMAC_SHA256"
    }

    private let sha1: KeyedHash<Insecure.SHA1>
    private let sha256: KeyedHash<SHA256>

    /// A validator for webhooks signed with `authToken`.
    public init(authToken: String) {
        sha1 = KeyedHash(key: Array(authToken.utf8))
        sha256 = KeyedHash(key: Array(authToken.utf8))
    }

    /// Whether `signature` is Twilio's signature of this request.
    /// - Parameters:
    ///   - url: the URL Twilio called.
    ///   - parameters: the form parameters in the body (empty for a JSON body or a GET).
    ///   - jsonBody: the raw body, when it is JSON (checked against `bodySHA256`).
    public func isValid(signature: String, url: String, parameters: [(String, String)], jsonBody: Data? = nil, algorithm: Algorithm = .sha1)
        -> Bool
    {
        var parameters = parameters
        if let jsonBody {
            guard let hash = Self.queryValue("bodySHA256", in: url), hash == Self.hex(SHA256.hash(data: jsonBody)) else { return false }
            parameters = []
        }
        let suffix = Self.parameterBytes(parameters)
        // The URL as given first; the other form (port dropped or added) only when it does not
        // match. (Which form matched is not secret: both derive from the public URL.)
        if matches(signature, url, suffix, algorithm) { return true }
        guard let other = Self.otherPortVariant(of: url) else { return false }
        return matches(signature, other, suffix, algorithm)
    }

    /// The signature of `url` with `parameters`, as Twilio would send it.
    public func signature(url: String, parameters: [(String, String)], algorithm: Algorithm = .sha1) -> String {
        let suffix = Self.parameterBytes(parameters)
        return Self.withBytes(url) { urlBytes in
            suffix.withUnsafeBytes { suffixBytes in
                switch algorithm {
                case .sha1:
                    sha1.authenticationCode(urlBytes, suffixBytes).withUnsafeBytes { String(decoding: Self.base64($0), as: UTF8.self) }
                case .sha256:
                    sha256.authenticationCode(urlBytes, suffixBytes).withUnsafeBytes { String(decoding: Self.base64($0), as: UTF8.self) }
                }
            }
        }
    }

    /// Whether `signature` is the base64 HMAC of `url` followed by `suffix`, compared in constant time.
    private func matches(_ signature: String, _ url: String, _ suffix: [UInt8], _ algorithm: Algorithm) -> Bool {
        Self.withBytes(url) { urlBytes in
            suffix.withUnsafeBytes { suffixBytes in
                switch algorithm {
                case .sha1: sha1.authenticationCode(urlBytes, suffixBytes).withUnsafeBytes { Self.base64Equals($0, signature) }
                case .sha256: sha256.authenticationCode(urlBytes, suffixBytes).withUnsafeBytes { Self.base64Equals($0, signature) }
                }
            }
        }
    }

    /// Calls `body` with the UTF-8 bytes of `text`, copying only when they are not contiguous.
    static func withBytes<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(text.utf8).withUnsafeBytes(body)
    }

    /// Names sorted by code point, each with its distinct values sorted, concatenated as UTF-8.
    /// (UTF-8 byte order is code point order; comparing bytes also keeps apart names that Swift's
    /// `==` would call equal, such as a composed and a decomposed "é", as Twilio does.)
    static func parameterBytes(_ parameters: [(String, String)]) -> [UInt8] {
        guard !parameters.isEmpty else { return [] }
        // Positions are sorted rather than the pairs, which would retain and release each string.
        let order = parameters.indices.sorted { a, b in
            let names = utf8Order(parameters[a].0, parameters[b].0)
            return names != 0 ? names < 0 : utf8Order(parameters[a].1, parameters[b].1) < 0
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parameters.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        var previous: Int?
        for index in order {
            let pair = parameters[index]
            if let last = previous, utf8Order(parameters[last].0, pair.0) == 0, utf8Order(parameters[last].1, pair.1) == 0 { continue }
            Self.append(pair.0, to: &bytes)
            Self.append(pair.1, to: &bytes)
            previous = index
        }
        return bytes
    }

    static func append(_ text: String, to bytes: inout [UInt8]) {
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes += text.utf8 }
    }

    /// Negative, zero or positive as `a`'s UTF-8 bytes sort before, equal or after `b`'s.
    static func utf8Order(_ a: String, _ b: String) -> Int {
        let order = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Int in
                let common = min(x.count, y.count)
                if common > 0 {
                    let order = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
        if let order = order ?? nil { return order }
        // Not stored as contiguous UTF-8 (bridged): compare byte by byte.
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }

    /// The URL with its port dropped when it has one, else with the scheme's default port added;
    /// `nil` when it has no `scheme://`. Works on the UTF-8 bytes: it runs for every webhook.
    static func otherPortVariant(of url: String) -> String? {
        withBytes(url) { bytes -> String? in
            let colon = UInt8(ascii: ":")
            let slash = UInt8(ascii: "/")
            guard bytes.count > 3,
                let schemeEnd = (0..<(bytes.count - 2)).first(where: {
                    bytes[$0] == colon && bytes[$0 + 1] == slash && bytes[$0 + 2] == slash
                })
            else { return nil }
            let authorityStart = schemeEnd + 3
            let authorityEnd =
                (authorityStart..<bytes.count).first {
                    bytes[$0] == slash || bytes[$0] == UInt8(ascii: "?") || bytes[$0] == UInt8(ascii: "#")
                } ?? bytes.count
            let hostStart = (authorityStart..<authorityEnd).last { bytes[$0] == UInt8(ascii: "@") }.map { $0 + 1 } ?? authorityStart
            let bracket = (hostStart..<authorityEnd).last { bytes[$0] == UInt8(ascii: "]") }
            if let portColon = (hostStart..<authorityEnd).last(where: { bytes[$0] == colon }), bracket.map({ portColon > $0 }) ?? true,
                ((portColon + 1)..<authorityEnd).allSatisfy({ bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9") })
            {
                return String(decoding: Array(bytes[..<portColon]) + Array(bytes[authorityEnd...]), as: UTF8.self)
            }
            let https = schemeEnd == 5 && String(decoding: bytes[..<5], as: UTF8.self).lowercased() == "https"
            return String(
                decoding: Array(bytes[..<authorityEnd]) + Array((https ? ":443" : ":80").utf8) + Array(bytes[authorityEnd...]),
                as: UTF8.self)
        }
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

    /// Whether `signature` is the base64 text of `digest`; constant-time in the signature's bytes.
    static func base64Equals(_ digest: UnsafeRawBufferPointer, _ signature: String) -> Bool {
        let encoded = base64(digest)
        return withBytes(signature) { expected in
            guard expected.count == encoded.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<encoded.count { difference |= encoded[index] ^ expected[index] }
            return difference == 0
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(alphabet[Int(value >> 6 & 63)])
            output.append(alphabet[Int(value & 63)])
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
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// HMAC (RFC 2104) over one of swift-crypto's hash functions, with the key's inner and outer
/// blocks absorbed once: each signature costs two copies of the hash state and no key work.
/// (swift-crypto's `HMAC` redoes neither, but is reached through generic `DataProtocol` calls
/// across the module boundary, which cost more than the hashing of a webhook.)
struct KeyedHash<Hash: HashFunction> {
    private let inner: Hash
    private let outer: Hash

    init(key: [UInt8]) {
        var block = key.count > Hash.blockByteCount ? Array(Hash.hash(data: key).withUnsafeBytes { Array($0) }) : key
        block += [UInt8](repeating: 0, count: Hash.blockByteCount - block.count)
        var inner = Hash()
        var outer = Hash()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of `first` followed by `second`.
    func authenticationCode(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Hash.Digest {
        var inner = self.inner
        inner.update(bufferPointer: first)
        inner.update(bufferPointer: second)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }
}
