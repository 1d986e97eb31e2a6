import FoundationEssentials

/// Decodes `Decodable` values from a ``JSONValue``.
///
/// Strict about types (a string is not a number), because the runtime has already coerced raw
/// inputs to the types the manifest declares. `Date` reads ISO 8601 text, `Data` base64,
/// `URL` a string; ``JSONValue`` and ``JSONObject`` take the value as it is.
///
/// Values listed in `secretKeys` (top-level keys holding secrets) decode only as ``Secret``:
/// asking for them as `String` is an error, so a handler cannot turn a secret into printable text
/// by accident.
public struct JSONValueDecoder: Sendable {
    /// Top-level keys whose values may only be decoded as ``Secret``.
    public var secretKeys: Set<String>

    /// A decoder; `secretKeys` lists top-level keys that hold secrets.
    public init(secretKeys: Set<String> = []) {
        self.secretKeys = secretKeys
    }

    /// Decodes a `T` from `value`.
    /// - Throws: `DecodingError` naming the coding path of the first mismatch.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try ValueDecoder(value: value, codingPath: [], secret: false, secretKeys: secretKeys).decodeValue(T.self)
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    /// Whether `value` is (part of) a secret input.
    let secret: Bool
    /// Only consulted at the top level.
    let secretKeys: Set<String>
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        let found = secret ? "a secret value" : value.kindDescription
        return DecodingError.typeMismatch(
            Any.self, .init(codingPath: codingPath, debugDescription: "Expected \(expected) but found \(found)."))
    }

    func guardNotSecret(_ expected: String) throws {
        if secret {
            throw DecodingError.typeMismatch(
                Secret.self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "This input holds a secret; declare it as Secret (not \(expected)) so it cannot be printed."))
        }
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Secret.self {
            guard case .string(let string) = value else { throw mismatch("a secret string") }
            return Secret(string) as! T
        }
        if T.self == JSONValue.self {
            try guardNotSecret("JSONValue")
            return value as! T
        }
        if T.self == JSONObject.self {
            try guardNotSecret("JSONObject")
            guard case .object(let object) = value else { throw mismatch("an object") }
            return object as! T
        }
        if T.self == Date.self {
            try guardNotSecret("Date")
            guard case .string(let string) = value, let date = ISO8601Timestamp.date(from: string) else {
                throw mismatch("an ISO 8601 date or timestamp")
            }
            return date as! T
        }
        if T.self == Data.self {
            try guardNotSecret("Data")
            guard case .string(let string) = value, let data = Data(base64Encoded: string) else {
                throw mismatch("base64 text")
            }
            return data as! T
        }
        if T.self == URL.self {
            try guardNotSecret("URL")
            guard case .string(let string) = value, let url = URL(string: string) else { throw mismatch("a URL") }
            return url as! T
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try guardNotSecret("an object")
        guard case .object(let object) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(
            KeyedContainer(object: object, codingPath: codingPath, secretKeys: codingPath.isEmpty ? secretKeys : []))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("a list") }
        return UnkeyedContainer(elements: elements, codingPath: codingPath, secret: secret)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(decoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]
    let secretKeys: Set<String>

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object.contains(key.stringValue) }

    func decoder(for key: Key) throws -> ValueDecoder {
        guard let value = object[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "No value for '\(key.stringValue)'."))
        }
        return ValueDecoder(
            value: value, codingPath: codingPath + [key], secret: secretKeys.contains(key.stringValue), secretKeys: [])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = object[key.stringValue] else { return true }
        return value.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder(for: key).decodeValue(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .object(object), codingPath: codingPath, secret: false, secretKeys: [])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
}

private struct ElementKey: CodingKey {
    var stringValue: String { "Index \(intValue!)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    let secret: Bool
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey], secret: Bool) {
        self.elements = elements
        self.codingPath = codingPath
        self.secret = secret
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func nextDecoder() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath + [ElementKey(currentIndex)], debugDescription: "The list has no more elements."))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(
            value: elements[currentIndex], codingPath: codingPath + [ElementKey(currentIndex)], secret: secret, secretKeys: [])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return true }
        if elements[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try nextDecoder().decodeValue(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try nextDecoder().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try nextDecoder() }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool {
        try decoder.guardNotSecret("Bool")
        guard case .bool(let bool) = decoder.value else { throw decoder.mismatch("a boolean") }
        return bool
    }

    func decode(_ type: String.Type) throws -> String {
        try decoder.guardNotSecret("String")
        guard case .string(let string) = decoder.value else { throw decoder.mismatch("a string") }
        return string
    }

    func decode(_ type: Double.Type) throws -> Double {
        try decoder.guardNotSecret("Double")
        guard let number = decoder.value.doubleValue else { throw decoder.mismatch("a number") }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try decoder.guardNotSecret("\(T.self)")
        guard let integer = decoder.value.intValue else { throw decoder.mismatch("a whole number") }
        guard let exact = T(exactly: integer) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "\(integer) does not fit in \(T.self)."))
        }
        return exact
    }

    func decode(_ type: Int.Type) throws -> Int { try decodeInteger(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
}
