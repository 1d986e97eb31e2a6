public import ComponentCore
public import Foundation

/// An HTTP method.
public struct HTTPMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    /// A method named `rawValue` (upper-cased).
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    /// Whether sending the request twice has the same effect as sending it once (RFC 9110 §9.2.2).
    /// Only idempotent requests are retried after they may have reached the server.
    public var isIdempotent: Bool {
        switch rawValue {
        case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE": true
        default: false
        }
    }

    public var description: String { rawValue }
}

/// Header fields in order; a name may repeat. Lookups ignore case.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields, in order.
    public private(set) var fields: [(name: String, value: String)] = []

    /// No fields.
    public init() {}

    /// Fields in the given order.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// Appends a field, keeping any with the same name.
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field named `name` (any case) with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name, value))
    }

    /// Removes every field named `name` (any case).
    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The first value of `name` (any case).
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// Whether a field named `name` (any case) is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable, Hashable {
    /// The form field name.
    public var name: String
    /// The file name, for file parts; `nil` for plain fields.
    public var fileName: String?
    /// The part's content type; plain fields usually have none.
    public var contentType: String?
    /// The part's bytes.
    public var data: Data

    /// A plain text field.
    public static func field(_ name: String, _ value: String) -> MultipartPart {
        MultipartPart(name: name, fileName: nil, contentType: nil, data: Data(value.utf8))
    }

    /// A file.
    public static func file(_ name: String, fileName: String, contentType: String, data: Data) -> MultipartPart {
        MultipartPart(name: name, fileName: fileName, contentType: contentType, data: data)
    }

    /// A part.
    public init(name: String, fileName: String?, contentType: String?, data: Data) {
        self.name = name
        self.fileName = fileName
        self.contentType = contentType
        self.data = data
    }
}

/// What a request carries.
public enum HTTPBody: Sendable, Hashable {
    /// Nothing.
    case none
    /// Raw bytes with an optional content type.
    case bytes(Data, contentType: String?)
    /// `application/x-www-form-urlencoded`; repeated names are kept (`tag=a&tag=b`).
    case form([(String, String)])
    /// `application/json`.
    case json(JSONValue)
    /// `multipart/form-data`: plain fields and files.
    case multipart([MultipartPart])

    public static func == (lhs: HTTPBody, rhs: HTTPBody) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): true
        case (.bytes(let a, let x), .bytes(let b, let y)): a == b && x == y
        case (.form(let a), .form(let b)): a.elementsEqual(b) { $0 == $1 }
        case (.json(let a), .json(let b)): a == b
        case (.multipart(let a), .multipart(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .none: hasher.combine(0)
        case .bytes(let data, let type):
            hasher.combine(data)
            hasher.combine(type)
        case .form(let fields):
            for (name, value) in fields {
                hasher.combine(name)
                hasher.combine(value)
            }
        case .json(let value): hasher.combine(value)
        case .multipart(let parts): hasher.combine(parts)
        }
    }
}

/// HTTP Basic credentials; the secret never prints.
public struct BasicAuth: Sendable, Hashable {
    /// The user name (an Account SID or an API key SID).
    public var username: String
    /// The password (an Auth Token or an API key secret).
    public var password: Secret

    /// Credentials.
    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }
}

/// How long a request may take.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Establishing the connection, per attempt.
    public var connect: Duration
    /// The whole attempt, from start to the last response byte.
    public var perAttempt: Duration
    /// Every attempt and the waits between them together; `nil` for no limit beyond the attempts'.
    public var overall: Duration?

    /// Timeouts; by default 10 s to connect and 30 s per attempt, so nothing waits forever.
    public init(connect: Duration = .seconds(10), perAttempt: Duration = .seconds(30), overall: Duration? = nil) {
        self.connect = connect
        self.perAttempt = perAttempt
        self.overall = overall
    }
}

/// One HTTP request: what to send, how long to wait, and when to try again.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The URL; it may already hold a query, to which ``query`` is appended.
    public var url: String
    /// Header fields, in order.
    public var headers: HTTPHeaders
    /// Query parameters appended to the URL, in order; names may repeat.
    public var query: [(String, String)]
    public var body: HTTPBody
    /// Basic credentials, sent as `Authorization: Basic ...`.
    public var auth: BasicAuth?
    public var timeouts: HTTPTimeouts
    /// When to try again; the default never sends a non-idempotent request twice.
    public var retry: RetryPolicy
    /// Statuses that count as success; others fail with an `upstream` error after any retries.
    public var acceptedStatuses: Range<Int>
    /// The largest response body accepted, in bytes.
    public var maximumResponseBytes: Int

    /// A request.
    public init(
        method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), query: [(String, String)] = [],
        body: HTTPBody = .none, auth: BasicAuth? = nil, timeouts: HTTPTimeouts = HTTPTimeouts(),
        retry: RetryPolicy = .default, acceptedStatuses: Range<Int> = 200..<300, maximumResponseBytes: Int = 64 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.query = query
        self.body = body
        self.auth = auth
        self.timeouts = timeouts
        self.retry = retry
        self.acceptedStatuses = acceptedStatuses
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The URL with ``query`` appended (`?` or `&` as the URL needs) and any `#fragment` dropped.
    public var fullURL: String {
        var base = url
        if let hash = base.firstIndex(of: "#") { base = String(base[..<hash]) }
        guard !query.isEmpty else { return base }
        let encoded = query.map { FormEncoding.percentEncode($0.0) + "=" + FormEncoding.percentEncode($0.1) }.joined(separator: "&")
        if base.hasSuffix("?") || base.hasSuffix("&") { return base + encoded }
        return base + (base.contains("?") ? "&" : "?") + encoded
    }
}
