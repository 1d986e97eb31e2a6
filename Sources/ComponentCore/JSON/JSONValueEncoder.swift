import FoundationEssentials

/// Encodes `Encodable` values into a ``JSONValue``, keeping keys in the order they are encoded.
///
/// Handler outputs go through this encoder, so a struct's `CodingKeys` order is the output's key
/// order. Optional properties that are `nil` are written as `null` rather than dropped, so an
/// output has the same keys every time. `Date` becomes an ISO 8601 UTC string with milliseconds,
/// `Data` becomes base64, `URL` its absolute string; a ``JSONValue`` is embedded as it is.
public struct JSONValueEncoder: Sendable {
    /// Whether `nil` optionals are written as `null` (the default) or left out.
    public var writesNilAsNull: Bool

    /// An encoder; `writesNilAsNull` defaults to `true`.
    public init(writesNilAsNull: Bool = true) {
        self.writesNilAsNull = writesNilAsNull
    }

    /// The JSON form of `value`.
    /// - Throws: `EncodingError` when the value cannot be encoded (for example a value that encodes nothing).
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let direct = EncodingBox.direct(value) { return direct }
        let box = EncodingBox()
        try value.encode(to: ValueEncoder(box: box, codingPath: [], options: self))
        guard let result = box.resolved() else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "\(T.self) did not encode any value."))
        }
        return result
    }
}

/// Where one encoded value is being built; a reference so nested containers write back into it.
private final class EncodingBox {
    final class Members {
        var keys: [String] = []
        var boxes: [String: EncodingBox] = [:]
    }

    final class Elements {
        var boxes: [EncodingBox] = []
    }

    enum Content {
        case unset
        case value(JSONValue)
        case object(Members)
        case array(Elements)
    }

    var content: Content = .unset

    /// Values that have a fixed JSON form, checked before falling back to `encode(to:)`.
    static func direct(_ value: some Encodable) -> JSONValue? {
        switch value {
        case let json as JSONValue: return json
        case let object as JSONObject: return .object(object)
        case let date as Date: return .string(ISO8601Timestamp.string(from: date))
        case let data as Data: return .string(data.base64EncodedString())
        case let url as URL: return .string(url.absoluteString)
        default: return nil
        }
    }

    func resolved() -> JSONValue? {
        switch content {
        case .unset: return nil
        case .value(let value): return value
        case .object(let members):
            var object = JSONObject()
            for key in members.keys { object[key] = members.boxes[key]?.resolved() ?? .object(JSONObject()) }
            return .object(object)
        case .array(let elements): return .array(elements.boxes.map { $0.resolved() ?? .object(JSONObject()) })
        }
    }

    func makeObject() {
        if case .object = content { return }
        content = .object(Members())
    }

    func makeArray() {
        if case .array = content { return }
        content = .array(Elements())
    }

    func child(forKey key: String) -> EncodingBox {
        makeObject()
        guard case .object(let members) = content else { preconditionFailure("not an object") }
        if let existing = members.boxes[key] { return existing }
        let box = EncodingBox()
        members.keys.append(key)
        members.boxes[key] = box
        return box
    }

    func appendChild() -> EncodingBox {
        makeArray()
        guard case .array(let elements) = content else { preconditionFailure("not an array") }
        let box = EncodingBox()
        elements.boxes.append(box)
        return box
    }

    var arrayCount: Int {
        if case .array(let elements) = content { return elements.boxes.count }
        return 0
    }
}

private struct ValueEncoder: Encoder {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    let options: JSONValueEncoder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.makeObject()
        return KeyedEncodingContainer(KeyedContainer(box: box, codingPath: codingPath, options: options))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        box.makeArray()
        return UnkeyedContainer(box: box, codingPath: codingPath, options: options)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(box: box, codingPath: codingPath, options: options)
    }

    static func encode(_ value: some Encodable, into box: EncodingBox, codingPath: [any CodingKey], options: JSONValueEncoder) throws {
        if let direct = EncodingBox.direct(value) {
            box.content = .value(direct)
            return
        }
        try value.encode(to: ValueEncoder(box: box, codingPath: codingPath, options: options))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    let options: JSONValueEncoder

    func set(_ value: JSONValue, _ key: Key) { box.child(forKey: key.stringValue).content = .value(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(integer(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.integer(Int(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(integer(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try ValueEncoder.encode(value, into: box.child(forKey: key.stringValue), codingPath: codingPath + [key], options: options)
    }

    // Synthesized conformances call these for optionals; writing `null` keeps every key present.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if options.writesNilAsNull { set(.null, key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else if options.writesNilAsNull { set(.null, key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        let child = box.child(forKey: key.stringValue)
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: codingPath + [key], options: options))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = box.child(forKey: key.stringValue)
        child.makeArray()
        return UnkeyedContainer(box: child, codingPath: codingPath + [key], options: options)
    }

    mutating func superEncoder() -> any Encoder {
        ValueEncoder(box: box.child(forKey: "super"), codingPath: codingPath, options: options)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key], options: options)
    }
}

private func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
    if let exact = Int(exactly: value) { return .integer(exact) }
    return .number(Double(value))
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    let options: JSONValueEncoder
    var count: Int { box.arrayCount }

    mutating func encodeNil() throws { box.appendChild().content = .value(.null) }
    mutating func encode(_ value: Bool) throws { box.appendChild().content = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { box.appendChild().content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { box.appendChild().content = .value(.number(value)) }
    mutating func encode(_ value: Int) throws { box.appendChild().content = .value(.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try ValueEncoder.encode(value, into: box.appendChild(), codingPath: path, options: options)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(count)]
        let child = box.appendChild()
        child.makeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: path, options: options))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [IndexKey(count)]
        let child = box.appendChild()
        child.makeArray()
        return UnkeyedContainer(box: child, codingPath: path, options: options)
    }

    mutating func superEncoder() -> any Encoder {
        ValueEncoder(box: box.appendChild(), codingPath: codingPath, options: options)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    let options: JSONValueEncoder

    mutating func encodeNil() throws { box.content = .value(.null) }
    mutating func encode(_ value: Bool) throws { box.content = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { box.content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { box.content = .value(.number(value)) }
    mutating func encode(_ value: Float) throws { box.content = .value(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { box.content = .value(.integer(value)) }
    mutating func encode(_ value: Int8) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: Int16) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: Int32) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: Int64) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: UInt) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt8) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: UInt16) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: UInt32) throws { box.content = .value(.integer(Int(value))) }
    mutating func encode(_ value: UInt64) throws { box.content = .value(integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try ValueEncoder.encode(value, into: box, codingPath: codingPath, options: options)
    }
}
