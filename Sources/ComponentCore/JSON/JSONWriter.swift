/// Writes a ``JSONValue`` as JSON text, deterministically: object keys in their stored order,
/// numbers in their shortest exact form, non-ASCII characters as UTF-8.
public enum JSONWriter {
    /// How the text is laid out.
    public enum Style: Sendable {
        /// No whitespace at all; one value per line is then safe for JSON-lines.
        case compact
        /// Two-space indentation and `": "` after keys, like `JSON.stringify(value, null, 2)`.
        case pretty
    }

    /// The JSON text of `value`.
    public static func string(from value: JSONValue, style: Style = .compact) -> String {
        String(decoding: bytes(from: value, style: style), as: UTF8.self)
    }

    /// The JSON text of `value` as UTF-8, for writing straight to a file or a pipe.
    public static func bytes(from value: JSONValue, style: Style = .compact) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        append(value, to: &output, style: style, indent: 0)
        return output
    }

    /// Appends the JSON text of `value` to `output`; in `.pretty` style, nested lines are indented
    /// as if the value started at depth `indent` (for writing a document piece by piece).
    public static func write(_ value: JSONValue, to output: inout String, style: Style = .compact, indent: Int = 0) {
        var bytes: [UInt8] = []
        append(value, to: &bytes, style: style, indent: indent)
        output += String(decoding: bytes, as: UTF8.self)
    }

    // The text is built as bytes: appending to a String checks and grows it piece by piece, which
    // cost more than the rest of writing an answer.
    private static func append(_ value: JSONValue, to output: inout [UInt8], style: Style, indent: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: bool ? "true".utf8 : "false".utf8)
        case .integer(let integer): writeInteger(integer, to: &output)
        case .number(let number): output.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)  // JSON has no NaN or infinity
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, style: style, indent: indent + 1)
                append(element, to: &output, style: style, indent: indent + 1)
            }
            newline(&output, style: style, indent: indent)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, element) in object {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                newline(&output, style: style, indent: indent + 1)
                writeString(key, to: &output)
                if style == .pretty { output.append(contentsOf: ": ".utf8) } else { output.append(UInt8(ascii: ":")) }
                append(element, to: &output, style: style, indent: indent + 1)
            }
            newline(&output, style: style, indent: indent)
            output.append(UInt8(ascii: "}"))
        }
    }

    /// A newline and `indent` levels of indentation in `.pretty` style; nothing in `.compact`.
    public static func newline(_ output: inout String, style: Style, indent: Int) {
        guard style == .pretty else { return }
        output += "\n"
        output += String(repeating: "  ", count: indent)
    }

    private static func newline(_ output: inout [UInt8], style: Style, indent: Int) {
        guard style == .pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    private static func writeInteger(_ integer: Int, to output: inout [UInt8]) {
        guard integer < 0 || integer > 9 else {
            output.append(UInt8(ascii: "0") + UInt8(integer))
            return
        }
        output.append(contentsOf: String(integer).utf8)
    }

    /// Appends `string` as a quoted JSON string.
    package static func writeString(_ string: String, to output: inout String) {
        var bytes: [UInt8] = []
        writeString(string, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `string` as a quoted JSON string. Escapes work byte by byte: no byte of a multi-byte
    /// UTF-8 sequence is below 0x80, so none is mistaken for a quote or a control character.
    package static func writeString(_ string: String, to output: inout [UInt8]) {
        // Through the string's own contiguous bytes: walking a UTF8View by index costs a call per byte.
        var string = string
        string.withUTF8 { writeString(bytes: $0, to: &output) }
    }

    private static func writeString(bytes utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
            output.append(contentsOf: utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: "\\\"".utf8)
            case 0x5C: output.append(contentsOf: "\\\\".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0x08: output.append(contentsOf: "\\b".utf8)
            case 0x0C: output.append(contentsOf: "\\f".utf8)
            case ..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
