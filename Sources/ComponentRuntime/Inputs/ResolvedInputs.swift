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

    /// Every secret value's text, for scrubbing output, each also in the forms a handler may send
    /// it in once it has normalised it (``compactForms(of:)``).
    public var secretTexts: [String] {
        let texts = secretKeys.compactMap { key -> [String]? in
            switch values[key] {
            case .string(let text)?: [text]
            case .array(let elements)?: elements.compactMap { $0.stringValue ?? $0["value"]?.stringValue }
            default: nil
            }
        }.flatMap { $0 }
        return texts.flatMap { [$0] + Self.compactForms(of: $0) }
    }

    /// A secret as a handler may send it after normalising it: trimmed of surrounding whitespace,
    /// and without the separators written inside dates and ID numbers (space, `-`, `/`, `.`), as
    /// `1990-12-14` goes out as `19901214`. Only forms other than the text itself, and only those of
    /// at least 6 characters (shorter ones would match ordinary output).
    static func compactForms(of text: String) -> [String] {
        let trimmed = text.trimmingWhitespace()
        let compact = String(trimmed.unicodeScalars.filter { !" -/.".unicodeScalars.contains($0) })
        var forms: [String] = []
        for form in [trimmed, compact] where form != text && form.count >= 6 && !forms.contains(form) { forms.append(form) }
        return forms
    }

    /// Compact JSON with secrets redacted.
    public var description: String { JSONWriter.string(from: .object(redacted)) }
}
