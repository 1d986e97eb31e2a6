public import ComponentCore
import ComponentHTTP
import FoundationEssentials
import Glibc
public import Logging
import Synchronization

/// Replaces every known secret of an invocation with `<redacted>` in text that leaves the process.
///
/// The last line of defence: secrets are already wrapped in ``Secret`` and the HTTP trace redacts
/// `Authorization`, but a remote service may echo a value back in an error, and a handler may log
/// carelessly. Each secret is looked for as written, percent-encoded, JSON-escaped, base64-encoded,
/// and as the base64 of `user:secret` for each non-secret field of the connection (the HTTP Basic
/// `Authorization` form).
public struct SecretScrubber: Sendable {
    /// Secrets shorter than this are not searched for: replacing two-letter strings would garble
    /// every output, and no real credential is that short.
    public static let minimumSecretLength = 4

    private let needles: [String]

    /// A scrubber for `secrets`; `companions` are the non-secret connection fields a Basic
    /// `Authorization` header may pair them with.
    public init(secrets: [String], companions: [String] = []) {
        let prepared = Self.prepared(secrets: secrets, companions: companions)
        needles = prepared.needles
        needleBytes = prepared.bytes
        shortestNeedle = needleBytes.map(\.count).min() ?? 0
        allASCII = needleBytes.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
    }

    /// The needles of a set of secrets: each as written, percent-encoded, JSON-escaped, base64,
    /// and base64 of `companion:secret`; longest first, so a secret's encoded form is replaced
    /// before a shorter secret inside it.
    private static func needles(secrets: [String], companions: [String]) -> [String] {
        var needles = Set<String>()
        for secret in secrets where secret.count >= Self.minimumSecretLength {
            needles.insert(secret)
            // As it goes out in a query string and in a form body (where a space is "+").
            needles.insert(FormEncoding.percentEncode(secret))
            needles.insert(FormEncoding.percentEncode(secret, spaceAsPlus: true))
            var escaped = ""
            JSONWriter.writeString(secret, to: &escaped)
            needles.insert(String(escaped.dropFirst().dropLast()))
            needles.insert(Data(secret.utf8).base64EncodedString())
            for companion in companions where !companion.isEmpty {
                needles.insert(Data("\(companion):\(secret)".utf8).base64EncodedString())
            }
        }
        return needles.sorted { $0.count > $1.count }
    }

    /// Recent needle sets by their secrets: a worker serving many invocations with one connection
    /// computes them once. Bounded; cleared when full.
    private static let cache = Mutex<[[String]: (needles: [String], bytes: [[UInt8]])]>([:])

    private static func prepared(secrets: [String], companions: [String]) -> (needles: [String], bytes: [[UInt8]]) {
        guard !secrets.isEmpty else { return ([], []) }
        let key = secrets + ["\u{0}"] + companions
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let needles = needles(secrets: secrets, companions: companions)
        let entry = (needles, needles.map { Array($0.utf8) })
        cache.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[key] = entry
        }
        return entry
    }

    /// The needles as UTF-8, for the byte search that runs on every string of every result.
    private let needleBytes: [[UInt8]]
    private let shortestNeedle: Int
    /// Whether every needle is ASCII, so an exact byte search finds every occurrence.
    private let allASCII: Bool

    /// Whether there is nothing to scrub.
    public var isEmpty: Bool { needles.isEmpty }

    /// Whether `needle` (not empty) occurs in `haystack`.
    static func occurs(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard needle.count <= haystack.count, let base = haystack.baseAddress else { return false }
        let first = needle[0]
        for offset in 0...(haystack.count - needle.count) where base[offset] == first {
            if memcmp(base + offset, needle, needle.count) == 0 { return true }
        }
        return false
    }

    /// Whether `text` holds a secret. A byte search: most strings hold none, and this
    /// runs on every string an invocation returns or logs.
    public func containsSecret(_ text: String) -> Bool {
        guard !needles.isEmpty, text.utf8.count >= shortestNeedle else { return false }
        guard allASCII,
            let found = text.utf8.withContiguousStorageIfAvailable({ haystack -> Bool in
                needleBytes.contains { Self.occurs($0, in: haystack) }
            })
        else {
            return needles.contains { text.contains($0) }
        }
        return found
    }

    /// `text` with every secret replaced.
    public func scrub(_ text: String) -> String {
        guard containsSecret(text) else { return text }
        // Bytes, as the search: `replacing` compares Characters, and would miss an ASCII secret
        // whose last letter a combining mark (U+0301) joins into one Character with it.
        if allASCII { return Self.replacing(needleBytes, in: text) }
        var result = text
        for needle in needles where result.contains(needle) {
            result = result.replacing(needle, with: Secret.redacted)
        }
        return result
    }

    /// `text` with every occurrence of each of `needles` (ASCII, longest first) replaced, byte by byte.
    static func replacing(_ needles: [[UInt8]], in text: String) -> String {
        var bytes = Array(text.utf8)
        let redacted = Array(Secret.redacted.utf8)
        for needle in needles {
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var offset = 0
            while offset < bytes.count {
                if bytes[offset] == needle[0], bytes.count - offset >= needle.count,
                    bytes[offset..<(offset + needle.count)].elementsEqual(needle)
                {
                    result.append(contentsOf: redacted)
                    offset += needle.count
                } else {
                    result.append(bytes[offset])
                    offset += 1
                }
            }
            bytes = result
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether any string or key in `value` holds a secret.
    public func containsSecret(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): containsSecret(text)
        case .array(let elements): elements.contains(where: containsSecret)
        case .object(let object): object.contains { containsSecret($0.key) || containsSecret($0.value) }
        default: false
        }
    }

    /// `value` with every secret replaced in its strings and keys; `value` itself when it holds none.
    public func scrub(_ value: JSONValue) -> JSONValue {
        guard containsSecret(value) else { return value }
        switch value {
        case .string(let text): return .string(scrub(text))
        case .array(let elements): return .array(elements.map(scrub))
        case .object(let object): return .object(JSONObject(object.map { (scrub($0.key), scrub($0.value)) }))
        default: return value
        }
    }

    /// `metadata` with every secret replaced in its values.
    public func scrub(_ metadata: Logger.Metadata) -> Logger.Metadata {
        guard !needles.isEmpty else { return metadata }
        return metadata.mapValues(scrub)
    }

    private func scrub(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(scrub(text))
        case .stringConvertible(let convertible): .string(scrub(convertible.description))
        case .array(let elements): .array(elements.map(scrub))
        case .dictionary(let dictionary): .dictionary(dictionary.mapValues(scrub))
        }
    }
}

/// A log handler that scrubs secrets from every message and metadata value before passing the
/// event on.
public struct ScrubbingLogHandler: LogHandler {
    private var base: any LogHandler
    private let scrubber: SecretScrubber

    /// Wraps `base`.
    public init(wrapping base: any LogHandler, scrubber: SecretScrubber) {
        self.base = base
        self.scrubber = scrubber
    }

    public func log(event: LogEvent) {
        guard !scrubber.isEmpty else { return base.log(event: event) }
        var event = event
        event.message = Logger.Message(stringLiteral: scrubber.scrub(event.message.description))
        event.metadata = event.metadata.map(scrubber.scrub)
        base.log(event: event)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue.map { scrubber.scrub(["v": $0])["v"]! } }
    }

    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = scrubber.scrub(newValue) }
    }

    public var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }
}
