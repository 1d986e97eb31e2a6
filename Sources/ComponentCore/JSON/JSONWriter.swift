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
        var output = ""
        output.reserveCapacity(256)
        append(value, to: &output, style: style, indent: 0)
        return output
    }

    /// Appends the JSON text of `value` to `output`; in `.pretty` style, nested lines are indented
    /// as if the value started at depth `indent` (for writing a document piece by piece).
    public static func write(_ value: JSONValue, to output: inout String, style: Style = .compact, indent: Int = 0) {
        append(value, to: &output, style: style, indent: indent)
    }

    private static func append(_ value: JSONValue, to output: inout String, style: Style, indent: Int) {
        switch value {
        case .null: output += "null"
        case .bool(let bool): output += bool ? "true" : "false"
        case .integer(let integer): output += String(integer)
        case .number(let number): writeNumber(number, to: &output)
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output += "[]"
                return
            }
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                newline(&output, style: style, indent: indent + 1)
                append(element, to: &output, style: style, indent: indent + 1)
            }
            newline(&output, style: style, indent: indent)
            output += "]"
        case .object(let object):
            guard !object.isEmpty else {
                output += "{}"
                return
            }
            output += "{"
            var first = true
            for (key, element) in object {
                if !first { output += "," }
                first = false
                newline(&output, style: style, indent: indent + 1)
                writeString(key, to: &output)
                output += style == .pretty ? ": " : ":"
                append(element, to: &output, style: style, indent: indent + 1)
            }
            newline(&output, style: style, indent: indent)
            output += "}"
        }
    }

    /// A newline and `indent` levels of indentation in `.pretty` style; nothing in `.compact`.
    public static func newline(_ output: inout String, style: Style, indent: Int) {
        guard style == .pretty else { return }
        output += "\n"
        output += String(repeating: "  ", count: indent)
    }

    private static func writeNumber(_ number: Double, to output: inout String) {
        // JSON has no NaN or infinity; Swift's shortest round-trip form ("0.1", "1e+21") is valid JSON.
        output += number.isFinite ? "\(number)" : "null"
    }

    /// Appends `string` as a quoted JSON string.
    package static func writeString(_ string: String, to output: inout String) {
        output += "\""
        var needsEscaping = false
        for byte in string.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            output += string
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case "\u{08}": output += "\\b"
                case "\u{0C}": output += "\\f"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
