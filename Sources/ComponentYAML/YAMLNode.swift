/// A 1-based position in a YAML document.
public struct YAMLMark: Sendable, Hashable, Comparable {
    /// 1-based line.
    public var line: Int
    /// 1-based column, in characters.
    public var column: Int

    /// A mark at `line`:`column`.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// How a scalar was written. Only plain scalars are resolved to null, booleans or numbers.
public enum YAMLScalarStyle: UInt8, Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar: its text as written (after unescaping and folding) and its style.
public struct YAMLScalar: Sendable, Hashable {
    /// The text.
    public var value: String
    /// How it was written.
    public var style: YAMLScalarStyle

    /// Whether this is a plain scalar that YAML's core schema reads as null (`~`, `null`, empty).
    public var isNull: Bool {
        style == .plain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }
}

/// A read YAML document: every node in one flat array, every scalar's text in one byte buffer.
///
/// Flat on purpose: a manifest of thousands of actions has hundreds of thousands of nodes, and
/// one allocation per node (a tree of arrays) costs more than libyaml's own parsing. Nodes are
/// reached through ``YAMLNode`` handles; an alias is a second handle to its anchor's node.
public final class YAMLDocument: Sendable {
    struct Record: Sendable {
        enum Kind: UInt8, Sendable { case scalar, sequence, mapping }
        var kind: Kind
        var style: YAMLScalarStyle
        var line: Int32
        var column: Int32
        /// Index into `tags`, or -1.
        var tag: Int32
        /// Scalars: byte offset of the text. Containers: index of the first child in `children`.
        var start: Int32
        /// Scalars: byte length. Containers: number of entries in `children` (two per mapping pair).
        var count: Int32
    }

    /// The file name used in messages.
    public let file: String
    let records: [Record]
    let children: [Int32]
    let bytes: [UInt8]
    let tags: [String]
    let rootIndex: Int32?

    init(file: String, records: [Record], children: [Int32], bytes: [UInt8], tags: [String], rootIndex: Int32?) {
        self.file = file
        self.records = records
        self.children = children
        self.bytes = bytes
        self.tags = tags
        self.rootIndex = rootIndex
    }

    /// The root node, or `nil` for an empty document.
    public var root: YAMLNode? { rootIndex.map { YAMLNode(document: self, index: $0) } }
}

/// One node of a ``YAMLDocument``, with where it starts.
///
/// Aliases are already resolved (an alias is the anchor's node, marks included), and `<<`
/// merge keys are already applied.
public struct YAMLNode: Sendable {
    /// The document the node belongs to.
    public let document: YAMLDocument
    let index: Int32

    var record: YAMLDocument.Record { document.records[Int(index)] }

    /// Where the node starts.
    public var mark: YAMLMark {
        let record = record
        return YAMLMark(line: Int(record.line), column: Int(record.column))
    }

    /// An explicit tag (`!!str`, `!custom`), expanded to its full form; `nil` when implicit.
    public var tag: String? {
        let tag = record.tag
        return tag < 0 ? nil : document.tags[Int(tag)]
    }

    /// What a node holds.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence(Elements)
        /// Key-value pairs in document order.
        case mapping(Pairs)
    }

    /// What the node holds.
    public var content: Content {
        let record = record
        switch record.kind {
        case .scalar: return .scalar(YAMLScalar(value: text(of: record), style: record.style))
        case .sequence: return .sequence(Elements(document: document, start: Int(record.start), count: Int(record.count)))
        case .mapping: return .mapping(Pairs(document: document, start: Int(record.start), count: Int(record.count) / 2))
        }
    }

    /// The scalar, when this node is one.
    public var scalar: YAMLScalar? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return YAMLScalar(value: text(of: record), style: record.style)
    }

    /// The scalar's text, when this node is one.
    public var scalarValue: String? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return text(of: record)
    }

    private func text(of record: YAMLDocument.Record) -> String {
        document.bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(record.start)..<Int(record.start + record.count)]), as: UTF8.self)
        }
    }

    /// Whether this node is a scalar whose text is exactly `text`, compared without making a string.
    public func isScalar(_ text: StaticString) -> Bool {
        let record = record
        guard record.kind == .scalar, Int(record.count) == text.utf8CodeUnitCount else { return false }
        return document.bytes.withUnsafeBufferPointer { buffer in
            let expected = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            return buffer[Int(record.start)..<Int(record.start + record.count)].elementsEqual(expected)
        }
    }

    /// The index of the first of `names` that this scalar's text equals, compared without making a string.
    public func scalarIndex(in names: [StaticString]) -> Int? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return document.bytes.withUnsafeBufferPointer { buffer in
            let text = UnsafeBufferPointer(rebasing: buffer[Int(record.start)..<Int(record.start + record.count)])
            for (offset, name) in names.enumerated() where name.utf8CodeUnitCount == text.count {
                if UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount).elementsEqual(text) { return offset }
            }
            return nil
        }
    }

    /// The pairs, when this node is a mapping.
    public var pairs: Pairs? {
        let record = record
        guard record.kind == .mapping else { return nil }
        return Pairs(document: document, start: Int(record.start), count: Int(record.count) / 2)
    }

    /// The elements, when this node is a sequence.
    public var elements: Elements? {
        let record = record
        guard record.kind == .sequence else { return nil }
        return Elements(document: document, start: Int(record.start), count: Int(record.count))
    }

    /// Whether this node is a null scalar (plain `~`, `null` or nothing, or tagged `!!null`).
    public var isNull: Bool {
        let record = record
        guard record.kind == .scalar else { return false }
        if record.tag >= 0 { return document.tags[Int(record.tag)] == YAMLTag.null }
        guard record.style == .plain else { return false }
        return record.count == 0 || isScalar("~") || isScalar("null") || isScalar("Null") || isScalar("NULL")
    }

    /// "a mapping", "a list", "a single value": how to name this node's kind in a sentence.
    public var kindDescription: String {
        switch record.kind {
        case .scalar: isNull ? "nothing (null)" : "a single value"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// The elements of a sequence.
    public struct Elements: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let start: Int
        public let count: Int
        public var startIndex: Int { 0 }
        public var endIndex: Int { count }
        public subscript(position: Int) -> YAMLNode {
            YAMLNode(document: document, index: document.children[start + position])
        }
    }

    /// The key-value pairs of a mapping, in document order.
    public struct Pairs: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let start: Int
        public let count: Int
        public var startIndex: Int { 0 }
        public var endIndex: Int { count }
        public subscript(position: Int) -> YAMLPair {
            YAMLPair(
                key: YAMLNode(document: document, index: document.children[start + 2 * position]),
                value: YAMLNode(document: document, index: document.children[start + 2 * position + 1]))
        }
    }
}

/// One key-value pair of a mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// The full forms of the core schema's tags.
package enum YAMLTag {
    package static let null = "tag:yaml.org,2002:null"
    package static let bool = "tag:yaml.org,2002:bool"
    package static let int = "tag:yaml.org,2002:int"
    package static let float = "tag:yaml.org,2002:float"
    package static let str = "tag:yaml.org,2002:str"
    static let merge = "tag:yaml.org,2002:merge"
}
