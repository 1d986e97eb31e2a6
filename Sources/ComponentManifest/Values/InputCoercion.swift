package import ComponentCore

/// The rules that turn one raw input value (a string from a command line or an engine form, or
/// typed JSON) into a value of the input's declared type, then check choices and constraints.
///
/// The same rules check a manifest's defaults, examples and choices, so that what the manifest
/// declares and what an invocation sends are read identically.
///
/// | type | accepts | gives |
/// | --- | --- | --- |
/// | string, text, code, password | text; a number or boolean becomes its JSON text | string |
/// | boolean | `true` `false`; text `true/false/yes/no/on/off/1/0` in any case, trimmed; numbers 1 and 0 | boolean |
/// | integer | whole JSON numbers; text of an optional sign and digits only, trimmed | integer |
/// | number | JSON numbers; decimal text (`3.5`, `-2`, `1e3`), trimmed; no hex, NaN or infinity | number |
/// | date | `YYYY-MM-DD` that names a real day | the same text |
/// | timestamp | ISO 8601 with `Z` or an offset (a bare date is midnight UTC) | `YYYY-MM-DDTHH:MM:SS.mmmZ` |
/// | data | any JSON | unchanged |
package enum InputCoercion {
    /// Why a value does not fit, as the end of a sentence that starts with the input's name:
    /// "expects a whole number, but got '42abc'."
    package struct Failure: Error, Equatable {
        package var reason: String
    }

    /// Coerces `raw` (present and not empty) to what `input` declares, collection included.
    package static func coerce(_ raw: JSONValue, for input: InputDefinition) -> Result<JSONValue, Failure> {
        switch input.collection {
        case nil: return coerceElement(raw, for: input)
        case .valuelist: return coerceValueList(raw, for: input)
        case .keyvaluelist: return coerceKeyValueList(raw, for: input)
        }
    }

    /// Whether `raw` counts as "no value": null, empty text, an empty list or object, or (for
    /// types that are not text) text of only spaces.
    package static func isEmpty(_ raw: JSONValue, for input: InputDefinition) -> Bool {
        switch raw {
        case .null: return true
        case .string(let text):
            if text.isEmpty { return true }
            return !input.type.isText && text.allSatisfy(\.isWhitespace)
        case .array(let elements): return elements.isEmpty
        case .object(let object): return object.isEmpty && input.type != .data
        default: return false
        }
    }

    // MARK: Single values

    package static func coerceElement(_ raw: JSONValue, for input: InputDefinition) -> Result<JSONValue, Failure> {
        let typed: Result<JSONValue, Failure>
        switch input.type {
        case .string, .text, .code, .password: typed = coerceText(raw, input)
        case .boolean: typed = coerceBoolean(raw, input)
        case .integer: typed = coerceInteger(raw, input)
        case .number: typed = coerceNumber(raw, input)
        case .date: typed = coerceDate(raw, input)
        case .timestamp: typed = coerceTimestamp(raw, input)
        case .data: typed = .success(raw)
        case .connection:
            typed = .failure(Failure(reason: "takes a connection; pass it as the invocation's connection, not as an input value."))
        }
        return typed.flatMap { value in
            applyChoices(value, input).flatMap { checkConstraints($0, input) }
        }
    }

    /// How a rejected value is quoted: never for secrets, shortened when long.
    static func quoted(_ raw: JSONValue, _ input: InputDefinition) -> String {
        if input.isSecret { return "a value that is not one (secret values are not repeated)" }
        let text: String
        switch raw {
        case .string(let string): text = string
        default: text = JSONWriter.string(from: raw)
        }
        let shortened = text.count > 60 ? String(text.prefix(57)) + "..." : text
        return "'\(shortened)'"
    }

    static func expected(_ what: String, _ raw: JSONValue, _ input: InputDefinition) -> Failure {
        if case .string = raw { return Failure(reason: "expects \(what), but got \(quoted(raw, input)).") }
        if input.isSecret { return Failure(reason: "expects \(what), but got \(raw.kindDescription).") }
        return Failure(reason: "expects \(what), but got \(raw.kindDescription) \(quoted(raw, input)).")
    }

    static func coerceText(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        switch raw {
        case .string: return .success(raw)
        case .bool, .integer, .number: return .success(.string(JSONWriter.string(from: raw)))
        default: return .failure(expected("text", raw, input))
        }
    }

    static let booleanWords: [String: Bool] = [
        "true": true, "yes": true, "on": true, "1": true,
        "false": false, "no": false, "off": false, "0": false,
    ]

    /// Reads a boolean written as text; `nil` when the text is none of the accepted words.
    static func boolean(fromText text: String) -> Bool? {
        booleanWords[text.trimmingWhitespace().lowercased()]
    }

    static func coerceBoolean(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        let what = "true or false (also yes/no, on/off, 1/0)"
        switch raw {
        case .bool: return .success(raw)
        case .integer(0): return .success(.bool(false))
        case .integer(1): return .success(.bool(true))
        case .string(let text):
            guard let bool = boolean(fromText: text) else { return .failure(expected(what, raw, input)) }
            return .success(.bool(bool))
        default: return .failure(expected(what, raw, input))
        }
    }

    static func coerceInteger(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        let what = "a whole number"
        switch raw {
        case .integer: return .success(raw)
        case .number(let number):
            guard number == number.rounded(.towardZero) else { return .failure(expected(what, raw, input)) }
            guard let exact = Int(exactly: number) else { return .failure(outOfRange(raw, input)) }
            return .success(.integer(exact))
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            var digits = Substring(trimmed)
            if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure(expected(what, raw, input))
            }
            guard let integer = Int(trimmed.first == "+" ? String(trimmed.dropFirst()) : trimmed) else {
                return .failure(outOfRange(raw, input))
            }
            return .success(.integer(integer))
        default: return .failure(expected(what, raw, input))
        }
    }

    static func outOfRange(_ raw: JSONValue, _ input: InputDefinition) -> Failure {
        Failure(reason: "expects a whole number between \(Int.min) and \(Int.max), but got \(quoted(raw, input)), which is out of range.")
    }

    static func coerceNumber(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        let what = "a number"
        switch raw {
        case .integer, .number: return .success(raw)
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            guard isDecimalNumeral(trimmed), let number = Double(trimmed), number.isFinite else {
                return .failure(expected(what, raw, input))
            }
            if !trimmed.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
                let integer = Int(trimmed.first == "+" ? String(trimmed.dropFirst()) : trimmed)
            {
                return .success(.integer(integer))
            }
            return .success(.number(number))
        default: return .failure(expected(what, raw, input))
        }
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`: decimal only, so no hex,
    /// `NaN`, `Infinity` or digit separators.
    static func isDecimalNumeral(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "+" || scalars.first == "-" { scalars = scalars.dropFirst() }
        var sawDigit = false
        while let first = scalars.first, ("0"..."9").contains(first) {
            sawDigit = true
            scalars = scalars.dropFirst()
        }
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            while let first = scalars.first, ("0"..."9").contains(first) {
                sawDigit = true
                scalars = scalars.dropFirst()
            }
        }
        guard sawDigit else { return false }
        if scalars.first == "e" || scalars.first == "E" {
            scalars = scalars.dropFirst()
            if scalars.first == "+" || scalars.first == "-" { scalars = scalars.dropFirst() }
            var exponentDigit = false
            while let first = scalars.first, ("0"..."9").contains(first) {
                exponentDigit = true
                scalars = scalars.dropFirst()
            }
            guard exponentDigit else { return false }
        }
        return scalars.isEmpty
    }

    static func coerceDate(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        guard case .string(let text) = raw, ISO8601Timestamp.isCalendarDate(text.trimmingWhitespace()) else {
            return .failure(expected("a date written YYYY-MM-DD (such as 2025-05-14)", raw, input))
        }
        return .success(.string(text.trimmingWhitespace()))
    }

    static func coerceTimestamp(_ raw: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        guard case .string(let text) = raw, let date = ISO8601Timestamp.date(from: text.trimmingWhitespace()) else {
            return .failure(expected("an ISO 8601 timestamp with a zone (such as 2025-05-14T22:42:25Z)", raw, input))
        }
        return .success(.string(ISO8601Timestamp.string(from: date)))
    }

    // MARK: Choices and constraints

    static func applyChoices(_ value: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        guard let choices = input.choices, !choices.isEmpty else { return .success(value) }
        let text = value.stringValue ?? JSONWriter.string(from: value)
        let values = choices.map(\.value)
        if values.contains(text) { return .success(value) }
        if input.type.isText {
            // An unambiguous difference in case only ("get" for "GET") is read as the choice.
            let matches = values.filter { $0.lowercased() == text.lowercased() }
            if matches.count == 1 { return .success(.string(matches[0])) }
        }
        let list = values.map { "'\($0)'" }.joined(separator: ", ")
        let suggestion = input.isSecret ? "" : Suggestion.didYouMean(text, among: values)
        return .failure(Failure(reason: "must be one of \(list), but got \(quoted(value, input)).\(suggestion)"))
    }

    static func checkConstraints(_ value: JSONValue, _ input: InputDefinition) -> Result<JSONValue, Failure> {
        if case .string(let text) = value, input.type.isText {
            let length = text.unicodeScalars.count
            if let minLength = input.minLength, length < minLength {
                return .failure(Failure(reason: "must be at least \(minLength) characters long, but is \(length)."))
            }
            if let maxLength = input.maxLength, length > maxLength {
                return .failure(Failure(reason: "must be at most \(maxLength) characters long, but is \(length)."))
            }
            if let pattern = input.pattern, !PatternCache.matches(text, pattern: pattern) {
                return .failure(Failure(reason: "must match the pattern \(pattern), but \(quoted(value, input)) does not."))
            }
        }
        if let number = value.doubleValue, input.type.isNumeric {
            if let minimum = input.minimum, number < minimum {
                return .failure(Failure(reason: "must be at least \(formatted(minimum)), but got \(formatted(number))."))
            }
            if let maximum = input.maximum, number > maximum {
                return .failure(Failure(reason: "must be at most \(formatted(maximum)), but got \(formatted(number))."))
            }
        }
        return .success(value)
    }

    package static func formatted(_ number: Double) -> String {
        if let integer = Int(exactly: number) { return String(integer) }
        return "\(number)"
    }

    // MARK: Collections

    static func coerceValueList(_ raw: JSONValue, for input: InputDefinition) -> Result<JSONValue, Failure> {
        let elements: [JSONValue]
        switch raw {
        case .array(let array): elements = array
        case .string(let text):
            if let parsed = parsedJSON(text, opening: "["), case .array(let array) = parsed {
                elements = array
            } else {
                elements = lines(text).map(JSONValue.string)
            }
        default: elements = [raw]
        }
        var values: [JSONValue] = []
        values.reserveCapacity(elements.count)
        for (offset, element) in elements.enumerated() {
            switch coerceElement(element, for: input) {
            case .success(let value): values.append(value)
            case .failure(let failure): return .failure(Failure(reason: "item \(offset + 1) \(failure.reason)"))
            }
        }
        return .success(.array(values))
    }

    static func coerceKeyValueList(_ raw: JSONValue, for input: InputDefinition) -> Result<JSONValue, Failure> {
        var pairs: [(String, JSONValue)] = []
        switch raw {
        case .object(let object):
            pairs = object.map { ($0.key, $0.value) }
        case .array(let array):
            for (offset, element) in array.enumerated() {
                switch element {
                case .object(let object) where object.contains("key"):
                    guard case .string(let key) = object["key"]!, !key.isEmpty else {
                        return .failure(Failure(reason: "item \(offset + 1) needs a non-empty text 'key'."))
                    }
                    if let extra = object.keys.first(where: { $0 != "key" && $0 != "value" }) {
                        return .failure(
                            Failure(reason: "item \(offset + 1) has an unknown field '\(extra)'; write {\"key\": ..., \"value\": ...}."))
                    }
                    pairs.append((key, object["value"] ?? .string("")))
                case .string(let line):
                    guard let pair = splitPair(line) else {
                        return .failure(Failure(reason: "item \(offset + 1) is not written key=value."))
                    }
                    pairs.append((pair.0, .string(pair.1)))
                default:
                    return .failure(
                        Failure(
                            reason:
                                "item \(offset + 1) must be {\"key\": ..., \"value\": ...} or key=value text, not \(element.kindDescription)."
                        ))
                }
            }
        case .string(let text):
            if let parsed = parsedJSON(text, opening: "{") ?? parsedJSON(text, opening: "[") {
                return coerceKeyValueList(parsed, for: input)
            }
            for (offset, line) in lines(text).enumerated() {
                guard let pair = splitPair(line) else {
                    return .failure(
                        Failure(reason: "expects key=value lines (or a JSON object), but line \(offset + 1) has neither '=' nor ':'."))
                }
                pairs.append((pair.0, .string(pair.1)))
            }
        default:
            return .failure(expected("key-value pairs (a JSON object, a list of {key, value}, or key=value lines)", raw, input))
        }
        var result: [JSONValue] = []
        result.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            switch coerceElement(value, for: input) {
            case .success(let coerced): result.append(.object(JSONObject([("key", .string(key)), ("value", coerced)])))
            case .failure(let failure): return .failure(Failure(reason: "value of '\(key)' \(failure.reason)"))
            }
        }
        return .success(.array(result))
    }

    /// `key=value` or `key: value`, split at whichever comes first; `nil` without either or with an empty key.
    static func splitPair(_ line: String) -> (String, String)? {
        guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return nil }
        let key = line[..<separator].trimmingWhitespace()
        guard !key.isEmpty else { return nil }
        var value = line[line.index(after: separator)...]
        if line[separator] == ":", value.first == " " { value = value.dropFirst() }
        return (key, String(value))
    }

    /// The non-empty lines of `text`, without their line endings.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init).filter {
            !$0.allSatisfy(\.isWhitespace)
        }
    }

    /// `text` parsed as JSON when it starts with `opening` (after spaces) and parses.
    static func parsedJSON(_ text: String, opening: Character) -> JSONValue? {
        guard text.first(where: { !$0.isWhitespace }) == opening else { return nil }
        return try? JSONParser.parse(text)
    }
}
