public import ComponentCore
public import FoundationEssentials
public import HTTPTypes

/// What an ``HTTPClient`` hands back: the status and header fields (swift-http-types' vocabulary),
/// the body bytes, and where it came from.
public struct HTTPClientResponse: Sendable {
    /// The status.
    public var status: HTTPResponse.Status
    /// The header fields of the final response, in order (repeated fields kept).
    public var headerFields: HTTPFields
    /// The body bytes.
    public var body: Data
    /// The URL the response came from, after any redirects.
    public var url: String
    /// How many attempts were made.
    public var attempts: Int

    /// A response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields, body: Data, url: String, attempts: Int) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.url = url
        self.attempts = attempts
    }

    /// The body as text, reading invalid UTF-8 as replacement characters.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONParser.parse(body) }

    /// The body as the caller asked for it, ready for a JSON envelope.
    public func decodedBody(as type: ResponseType) -> JSONValue {
        switch type {
        case .json:
            // A body that is not JSON comes back as its text, never as a failure.
            if body.isEmpty { return .string("") }
            return json ?? .string(text)
        case .text:
            return .string(text)
        case .binary:
            return .object([
                "contentType": .string(headerFields[.contentType] ?? "application/octet-stream"),
                "encoding": "base64",
                "data": .string(body.base64EncodedString()),
            ])
        }
    }
}

/// How a response body is handed back.
public enum ResponseType: String, Sendable, CaseIterable {
    /// Parsed JSON; a body that is not JSON comes back as text.
    case json
    /// Text (UTF-8).
    case text
    /// Bytes, as `{"contentType", "encoding": "base64", "data"}` in a JSON envelope.
    case binary
}
