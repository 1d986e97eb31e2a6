public import ComponentCore

/// Input values after resolution: typed as the manifest declares, defaults applied, in the
/// manifest's input order. Secret values print as `<redacted>` and decode only as ``Secret``.
public struct ResolvedInputs: Sendable, CustomStringConvertible {
    /// The values by input key, in manifest order. Absent optional inputs are not present.
    public let values: JSONObject
    /// The keys whose values are secrets.
    public let secretKeys: Set<String>

    /// Resolved inputs; `secretKeys` names the secret ones.
    public init(values: JSONObject, secretKeys: Set<String>) {
        self.values = values
        self.secretKeys = secretKeys
    }

    /// The value of `key`. A secret comes back as its text: keep it in a ``Secret``.
    public subscript(key: String) -> JSONValue? { values[key] }

    /// The value of `key` as a ``Secret`` (for secret and non-secret text inputs alike).
    public func secret(_ key: String) -> Secret? {
        values[key]?.stringValue.map(Secret.init)
    }

    /// The values decoded into `type`.
    /// - Throws: `DecodingError` when `type` does not match (a secret must be declared ``Secret``).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONValueDecoder(secretKeys: secretKeys).decode(type, from: .object(values))
    }

    /// The values as JSON with every secret replaced by `<redacted>`: safe to log or echo.
    public var redacted: JSONObject {
        guard !secretKeys.isEmpty else { return values }
        var copy = values
        for key in secretKeys where copy.contains(key) { copy[key] = .string(Secret.redacted) }
        return copy
    }

    /// Every secret value's text, for scrubbing output.
    public var secretTexts: [String] {
        secretKeys.compactMap { key -> [String]? in
            switch values[key] {
            case .string(let text)?: [text]
            case .array(let elements)?: elements.compactMap { $0.stringValue ?? $0["value"]?.stringValue }
            default: nil
            }
        }.flatMap { $0 }
    }

    /// Compact JSON with secrets redacted.
    public var description: String { JSONWriter.string(from: .object(redacted)) }
}
