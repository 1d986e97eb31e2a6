internal import CYAML

/// One libyaml event, copied out of C memory so it outlives the C event. A scalar's text is not
/// copied into a `String`: it is appended to the document's byte buffer, and the event says where.
struct YAMLEvent {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd,
            mappingStart, mappingEnd
    }

    var kind: Kind
    var mark: YAMLMark
    /// The anchor defined on the node (`&name`), or the anchor an alias refers to.
    var anchor: String?
    var tag: String?
    var style: YAMLScalarStyle = .plain
    /// Where the scalar's text starts in the byte buffer, and its length.
    var valueStart = 0
    var valueCount = 0
}

/// The one owner of a libyaml `yaml_parser_t` and of the input bytes it reads.
///
/// Not `Sendable`: libyaml's parser is a mutable C struct used from one thread at a time.
final class YAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private let file: String

    /// A parser over a copy of `bytes`; `file` names the document in errors.
    init(bytes: some Collection<UInt8>, file: String) {
        self.file = file
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize fails only when malloc does; the parser then reports a memory error on first use.
        _ = yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event; a scalar's text is appended to `scalarBytes`.
    /// - Throws: ``YAMLError`` with libyaml's problem text and position.
    func next(scalarBytes: inout [UInt8]) throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw currentError() }
        defer { yaml_event_delete(&event) }
        let mark = YAMLMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT: return YAMLEvent(kind: .streamStart, mark: mark)
        case YAML_STREAM_END_EVENT: return YAMLEvent(kind: .streamEnd, mark: mark)
        case YAML_DOCUMENT_START_EVENT: return YAMLEvent(kind: .documentStart, mark: mark)
        case YAML_DOCUMENT_END_EVENT: return YAMLEvent(kind: .documentEnd, mark: mark)
        case YAML_ALIAS_EVENT:
            return YAMLEvent(kind: .alias, mark: mark, anchor: Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let start = scalarBytes.count
            if data.length > 0, let value = data.value {
                scalarBytes.append(contentsOf: UnsafeBufferPointer(start: value, count: data.length))
            }
            let style: YAMLScalarStyle
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            return YAMLEvent(
                kind: .scalar, mark: mark, anchor: Self.string(data.anchor), tag: Self.string(data.tag), style: style,
                valueStart: start, valueCount: data.length)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            return YAMLEvent(kind: .sequenceStart, mark: mark, anchor: Self.string(data.anchor), tag: Self.string(data.tag))
        case YAML_SEQUENCE_END_EVENT: return YAMLEvent(kind: .sequenceEnd, mark: mark)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            return YAMLEvent(kind: .mappingStart, mark: mark, anchor: Self.string(data.anchor), tag: Self.string(data.tag))
        case YAML_MAPPING_END_EVENT: return YAMLEvent(kind: .mappingEnd, mark: mark)
        default:
            throw YAMLError(file: file, mark: mark, message: "libyaml returned an unknown event; the document cannot be read.")
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// The parser's error as a ``YAMLError``, with a hint where libyaml's wording is cryptic.
    private func currentError() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
        var mark: YAMLMark
        if state.error == YAML_READER_ERROR {
            mark = position(ofOffset: Int(state.problem_offset))
        } else {
            mark = YAMLMark(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1)
        }
        var message: String
        switch state.error {
        case YAML_MEMORY_ERROR:
            message = "libyaml ran out of memory while reading the document."
        case YAML_READER_ERROR:
            message = "The file is not valid text: \(problem). Save it as UTF-8."
        default:
            message = "YAML syntax error: \(problem)"
            if let context = state.context.map({ String(cString: $0) }) {
                let contextMark = state.context_mark
                message += " (\(context) started at line \(contextMark.line + 1), column \(contextMark.column + 1))"
            }
            message += "."
            if let hint = hint(for: problem, at: Int(state.problem_mark.index)) { message += " " + hint }
        }
        if mark.line < 1 { mark = YAMLMark(line: 1, column: 1) }
        return YAMLError(file: file, mark: mark, message: message)
    }

    private func hint(for problem: String, at index: Int) -> String? {
        if index >= 0, index < input.count, input[index] == 0x09 {
            return "YAML does not allow tabs for indentation; indent with spaces."
        }
        if problem.contains("could not find expected ':'") {
            return "Check that every key is followed by ':' and that quotes are closed."
        }
        if problem.contains("found unexpected end of stream") {
            return "A quoted value is probably missing its closing quote."
        }
        if problem.contains("mapping values are not allowed") {
            return "Quote values that contain ': ', or fix the indentation of this line."
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected") {
            return "Check the indentation of this line against the lines above it."
        }
        return nil
    }

    private func position(ofOffset offset: Int) -> YAMLMark {
        var line = 1
        var column = 1
        for index in 0..<min(offset, input.count) {
            if input[index] == 0x0A {
                line += 1
                column = 1
            } else if input[index] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}

@available(*, unavailable)
extension YAMLParser: Sendable {}
