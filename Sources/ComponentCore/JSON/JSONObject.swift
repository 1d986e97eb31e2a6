/// A JSON object whose keys keep the order in which they were first added.
///
/// Setting an existing key replaces its value in place; setting a key to `nil` removes it.
/// Two objects are equal when they hold the same keys, in the same order, with equal values.
public struct JSONObject: Sendable, Hashable {
    /// The members, in order.
    private var entries: [(key: String, value: JSONValue)] = []
    /// Where each key is in `entries`, built only once an object outgrows a linear search: the
    /// objects of API answers and requests have a few dozen keys at most, which compare faster
    /// than they hash.
    private var index: [String: Int]?

    /// Objects up to this many keys are searched without an index.
    private static let linearSearchLimit = 24

    /// An empty object.
    public init() {}

    /// An object holding `pairs` in order; a repeated key keeps its first position and last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        entries.reserveCapacity(pairs.underestimatedCount)
        for (key, value) in pairs { self[key] = value }
    }

    /// The keys, in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value stored for `key`.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let newValue {
                if let position = position(of: key) {
                    entries[position].value = newValue
                } else {
                    appendNew(key, newValue)
                }
            } else if let position = position(of: key) {
                entries.remove(at: position)
                if index != nil {
                    index =
                        entries.count > Self.linearSearchLimit
                        ? Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) }) : nil
                }
            }
        }
    }

    /// Adds `key`, which the caller knows is not present yet (a parser that has checked for
    /// duplicates), without searching for it again.
    package mutating func appendNew(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
        if index != nil {
            index![key] = entries.count - 1
        } else if entries.count > Self.linearSearchLimit {
            index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
        }
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        // Lengths first: most keys differ in length, and comparing lengths is a load, not a call.
        let length = key.utf8.count
        return entries.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }

    /// The number of keys.
    public var count: Int { entries.count }

    /// Whether the object has no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// Whether `key` is present (even with a `null` value).
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// The key-value pairs, in order.
    public var pairs: [(key: String, value: JSONValue)] { entries }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}

extension JSONObject: Sequence {
    /// Iterates the key-value pairs of a ``JSONObject`` in order.
    public struct Iterator: IteratorProtocol {
        fileprivate var base: IndexingIterator<[(key: String, value: JSONValue)]>

        public mutating func next() -> (key: String, value: JSONValue)? { base.next() }
    }

    /// Iterates the key-value pairs in order.
    public func makeIterator() -> Iterator { Iterator(base: entries.makeIterator()) }

    public var underestimatedCount: Int { entries.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: CustomStringConvertible {
    /// The object as compact JSON.
    public var description: String { JSONWriter.string(from: .object(self)) }
}
