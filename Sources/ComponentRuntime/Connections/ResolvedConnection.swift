public import ComponentCore

/// A connection as an engine sends it: the key of one of the manifest's connections and the
/// values of its fields (strings or typed JSON).
public struct RawConnection: Sendable {
    /// The connection's key (`apiKey`).
    public var key: String
    /// Field values by field key.
    public var fields: JSONObject

    /// A raw connection.
    public init(key: String, fields: JSONObject) {
        self.key = key
        self.fields = fields
    }
}

/// A connection checked against the manifest: fields typed, secrets wrapped.
public struct ResolvedConnection: Sendable, CustomStringConvertible {
    /// The connection's key.
    public let key: String
    /// The fields; `password` fields print as `<redacted>`.
    public let fields: ResolvedInputs

    /// A resolved connection.
    public init(key: String, fields: ResolvedInputs) {
        self.key = key
        self.fields = fields
    }

    /// A non-secret text field.
    public func string(_ name: String) -> String? {
        guard !fields.secretKeys.contains(name) else { return nil }
        return fields[name]?.stringValue
    }

    /// A secret field (or any text field) as a ``Secret``.
    public func secret(_ name: String) -> Secret? { fields.secret(name) }

    /// The fields decoded into `type`; secret fields must be declared ``Secret``.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try fields.decode(type) }

    /// `{"key": ..., "fields": {...}}` with secrets redacted.
    public var description: String {
        JSONWriter.string(from: .object(["key": .string(key), "fields": .object(fields.redacted)]))
    }
}
