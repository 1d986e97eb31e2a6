/// A secret string (a password input, an auth token, an API secret).
///
/// Every way Swift has of printing a value prints `<redacted>` instead: `description`,
/// `debugDescription`, `dump` (the mirror has no children), string interpolation, and encoding
/// (a handler that returns a secret in its output gets `"<redacted>"`). The text is reachable only
/// through ``reveal()``, so every use stands out in review.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let text: String

    /// What every description of a secret prints.
    public static let redacted = "<redacted>"

    /// Wraps `text`.
    public init(_ text: String) { self.text = text }

    /// The secret text. Use it only where the secret must leave the process (an `Authorization` header).
    public func reveal() -> String { text }

    /// Whether the secret is the empty string.
    public var isEmpty: Bool { text.isEmpty }

    public var description: String { Self.redacted }
    public var debugDescription: String { Self.redacted }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// Decodes the secret from a string.
    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes `<redacted>`, never the secret.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.redacted)
    }
}
