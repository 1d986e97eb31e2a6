/// Reads one YAML document into a ``YAMLDocument`` with 1-based line:column marks.
///
/// On top of libyaml: aliases are resolved (an undefined alias is an error), `<<` merge keys are
/// applied, a key repeated in one mapping is an error rather than a silent overwrite, a stream with
/// more than one document is an error, and alias expansion is bounded so a small file cannot expand
/// into billions of nodes.
public enum YAMLReader {
    /// The most nodes aliases may add to a document once expanded.
    public static let maximumAliasExpansion = 1_000_000

    /// Reads `text`; `file` names the document in errors.
    /// - Returns: the root node, or `nil` when the document is empty.
    /// - Throws: ``YAMLError``.
    public static func read(_ text: String, file: String) throws(YAMLError) -> YAMLNode? {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(YAMLError) -> YAMLNode? in try read(bytes: bytes, file: file) } }
        return try result.get()
    }

    /// Reads UTF-8 `bytes`; `file` names the document in errors.
    public static func read(bytes: some Collection<UInt8>, file: String) throws(YAMLError) -> YAMLNode? {
        var composer = Composer(parser: YAMLParser(bytes: bytes, file: file), file: file, estimatedSize: bytes.count)
        return try composer.composeStream()
    }
}

/// Builds the flat node arrays of a ``YAMLDocument`` from libyaml's events.
private struct Composer {
    let parser: YAMLParser
    let file: String
    var records: [YAMLDocument.Record] = []
    var children: [Int32] = []
    var bytes: [UInt8] = []
    var tags: [String] = []
    /// Nodes contained in each node, itself included (aliases count their anchor's nodes).
    var sizes: [Int32] = []
    /// Child indices of the containers still open, innermost last.
    var stack: [Int32] = []
    var anchors: [String: Int32] = [:]
    var aliasExpansion = 0

    init(parser: YAMLParser, file: String, estimatedSize: Int) {
        self.parser = parser
        self.file = file
        records.reserveCapacity(estimatedSize / 10)
        children.reserveCapacity(estimatedSize / 10)
        bytes.reserveCapacity(estimatedSize / 2)
        sizes.reserveCapacity(estimatedSize / 10)
    }

    func error(_ mark: YAMLMark, _ message: String) -> YAMLError {
        YAMLError(file: file, mark: mark, message: message)
    }

    mutating func next() throws(YAMLError) -> YAMLEvent {
        try parser.next(scalarBytes: &bytes)
    }

    mutating func composeStream() throws(YAMLError) -> YAMLNode? {
        guard try next().kind == .streamStart else { throw error(YAMLMark(line: 1, column: 1), "The YAML stream did not start.") }
        var root: Int32?
        var documents = 0
        while true {
            let event = try next()
            switch event.kind {
            case .streamEnd:
                let document = YAMLDocument(file: file, records: records, children: children, bytes: bytes, tags: tags, rootIndex: root)
                return document.root
            case .documentStart:
                documents += 1
                let node = try composeNode(try next())
                let mark = markOf(node)
                if documents > 1 {
                    throw error(
                        mark,
                        "The file holds more than one YAML document; a manifest is exactly one document, so remove the extra '---' section."
                    )
                }
                root = isBareNull(node) ? nil : node
                guard try next().kind == .documentEnd else { throw error(mark, "The YAML document did not end where expected.") }
                anchors.removeAll()
            default:
                throw error(event.mark, "Unexpected YAML event outside a document.")
            }
        }
    }

    func markOf(_ index: Int32) -> YAMLMark {
        let record = records[Int(index)]
        return YAMLMark(line: Int(record.line), column: Int(record.column))
    }

    func isBareNull(_ index: Int32) -> Bool {
        let record = records[Int(index)]
        return record.kind == .scalar && record.tag < 0 && record.style == .plain && record.count == 0
    }

    mutating func tagIndex(_ tag: String?) -> Int32 {
        guard var tag else { return -1 }
        if tag == "!" { tag = YAMLTag.str }  // the non-specific tag makes a string
        if let existing = tags.firstIndex(of: tag) { return Int32(existing) }
        tags.append(tag)
        return Int32(tags.count - 1)
    }

    mutating func append(_ record: YAMLDocument.Record, size: Int32) -> Int32 {
        records.append(record)
        sizes.append(size)
        return Int32(records.count - 1)
    }

    mutating func composeNode(_ event: YAMLEvent) throws(YAMLError) -> Int32 {
        let line = Int32(clamping: event.mark.line)
        let column = Int32(clamping: event.mark.column)
        switch event.kind {
        case .alias:
            let anchor = event.anchor ?? ""
            guard let node = anchors[anchor] else {
                throw error(event.mark, "The alias '*\(anchor)' refers to no anchor; define '&\(anchor)' before using it.")
            }
            aliasExpansion += Int(sizes[Int(node)])
            if aliasExpansion > YAMLReader.maximumAliasExpansion {
                throw error(
                    event.mark,
                    "Aliases expand this document to more than \(YAMLReader.maximumAliasExpansion) nodes; refer to large anchors less often."
                )
            }
            return node
        case .scalar:
            let node = append(
                YAMLDocument.Record(
                    kind: .scalar, style: event.style, line: line, column: column, tag: tagIndex(event.tag),
                    start: Int32(event.valueStart), count: Int32(event.valueCount)),
                size: 1)
            if let anchor = event.anchor { anchors[anchor] = node }
            return node
        case .sequenceStart:
            let base = stack.count
            var size: Int32 = 1
            while true {
                let next = try next()
                if next.kind == .sequenceEnd { break }
                let element = try composeNode(next)
                size = size &+ sizes[Int(element)]
                stack.append(element)
            }
            let node = closeContainer(.sequence, from: base, line: line, column: column, tag: event.tag, size: size)
            if let anchor = event.anchor { anchors[anchor] = node }
            return node
        case .mappingStart:
            let node = try composeMapping(line: line, column: column, tag: event.tag)
            if let anchor = event.anchor { anchors[anchor] = node }
            return node
        default:
            throw error(event.mark, "Unexpected YAML event; the document structure is broken.")
        }
    }

    /// Moves the children gathered on the stack since `base` into `children`, contiguously.
    mutating func closeContainer(_ kind: YAMLDocument.Record.Kind, from base: Int, line: Int32, column: Int32, tag: String?, size: Int32)
        -> Int32
    {
        let start = Int32(children.count)
        children.append(contentsOf: stack[base...])
        let count = Int32(stack.count - base)
        stack.removeSubrange(base...)
        return append(
            YAMLDocument.Record(kind: kind, style: .plain, line: line, column: column, tag: tagIndex(tag), start: start, count: count),
            size: size)
    }

    mutating func composeMapping(line: Int32, column: Int32, tag: String?) throws(YAMLError) -> Int32 {
        let base = stack.count
        var size: Int32 = 1
        var mergeSources: [Int32] = []
        var seen: [String: Int32] = [:]
        var pairCount = 0
        while true {
            let next = try next()
            if next.kind == .mappingEnd { break }
            let key = try composeNode(next)
            let value = try composeNode(try self.next())
            size = size &+ sizes[Int(key)] &+ sizes[Int(value)]
            if isMergeKey(key) {
                mergeSources.append(value)
                continue
            }
            if records[Int(key)].kind == .scalar {
                // Nearly all mappings are small: compare bytes with earlier keys; hash only large ones.
                if let first = pairCount < 16 ? earlierKey(equalTo: key, base: base) : largeMappingKey(key, base: base, seen: &seen) {
                    let name = text(of: key)
                    let mark = markOf(first)
                    throw error(
                        markOf(key),
                        "The key '\(name)' appears twice in this mapping (first at line \(mark.line), column \(mark.column)); remove one of them."
                    )
                }
            }
            stack.append(key)
            stack.append(value)
            pairCount += 1
        }
        if !mergeSources.isEmpty { try applyMerges(mergeSources, base: base) }
        return closeContainer(.mapping, from: base, line: line, column: column, tag: tag, size: size)
    }

    func text(of index: Int32) -> String {
        let record = records[Int(index)]
        return String(decoding: bytes[Int(record.start)..<Int(record.start + record.count)], as: UTF8.self)
    }

    func sameScalar(_ a: Int32, _ b: Int32) -> Bool {
        let left = records[Int(a)]
        let right = records[Int(b)]
        guard left.kind == .scalar, right.kind == .scalar, left.count == right.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            buffer[Int(left.start)..<Int(left.start + left.count)].elementsEqual(buffer[Int(right.start)..<Int(right.start + right.count)])
        }
    }

    func earlierKey(equalTo key: Int32, base: Int) -> Int32? {
        var index = base
        while index < stack.count {
            if sameScalar(stack[index], key) { return stack[index] }
            index += 2
        }
        return nil
    }

    func largeMappingKey(_ key: Int32, base: Int, seen: inout [String: Int32]) -> Int32? {
        if seen.isEmpty {
            var index = base
            while index < stack.count {
                if records[Int(stack[index])].kind == .scalar { seen[text(of: stack[index])] = stack[index] }
                index += 2
            }
        }
        let name = text(of: key)
        if let first = seen[name] { return first }
        seen[name] = key
        return nil
    }

    func isMergeKey(_ key: Int32) -> Bool {
        let record = records[Int(key)]
        guard record.kind == .scalar else { return false }
        if record.tag >= 0 { return tags[Int(record.tag)] == YAMLTag.merge }
        return record.style == .plain && record.count == 2 && bytes[Int(record.start)] == UInt8(ascii: "<")
            && bytes[Int(record.start) + 1] == UInt8(ascii: "<")
    }

    /// Appends the pairs of each merge source whose keys the mapping does not have yet:
    /// explicit keys win over merged ones, earlier sources over later ones.
    mutating func applyMerges(_ sources: [Int32], base: Int) throws(YAMLError) {
        var mappings: [Int32] = []
        for source in sources {
            let record = records[Int(source)]
            switch record.kind {
            case .mapping: mappings.append(source)
            case .sequence:
                for offset in 0..<Int(record.count) {
                    let element = children[Int(record.start) + offset]
                    guard records[Int(element)].kind == .mapping else {
                        throw error(markOf(element), "A '<<' merge list may hold only mappings (usually aliases such as *defaults).")
                    }
                    mappings.append(element)
                }
            case .scalar:
                throw error(markOf(source), "A '<<' merge key needs a mapping or a list of mappings (usually an alias such as *defaults).")
            }
        }
        for mapping in mappings {
            let record = records[Int(mapping)]
            var offset = 0
            while offset < Int(record.count) {
                let key = children[Int(record.start) + offset]
                let value = children[Int(record.start) + offset + 1]
                if records[Int(key)].kind == .scalar, earlierKey(equalTo: key, base: base) == nil {
                    stack.append(key)
                    stack.append(value)
                }
                offset += 2
            }
        }
    }
}
