public import ComponentCore
public import ComponentYAML

extension YAMLNode {
    /// The node as JSON, reading plain scalars with YAML 1.2's core schema: `null`/`~`/empty are
    /// null, `true`/`false` are booleans, numerals are numbers, everything else (and anything
    /// quoted) is a string. Explicit `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` tags are honoured.
    ///
    /// - Throws: ``YAMLError`` for a mapping key that is not a single value, or a `.nan`/`.inf`
    ///   (JSON has no such numbers), or a tagged scalar that does not fit its tag.
    public func jsonValue(file: String) throws(YAMLError) -> JSONValue {
        switch content {
        case .scalar(let scalar):
            return try Self.resolve(scalar, tag: tag, mark: mark, file: file)
        case .sequence(let elements):
            var array: [JSONValue] = []
            array.reserveCapacity(elements.count)
            for element in elements { array.append(try element.jsonValue(file: file)) }
            return .array(array)
        case .mapping(let pairs):
            var object = JSONObject()
            for pair in pairs {
                guard let key = pair.key.scalar else {
                    throw YAMLError(
                        file: file, mark: pair.key.mark,
                        message: "A JSON object key must be a single value, not \(pair.key.kindDescription).")
                }
                object[key.value] = try pair.value.jsonValue(file: file)
            }
            return .object(object)
        }
    }

    private static func resolve(_ scalar: YAMLScalar, tag: String?, mark: YAMLMark, file: String) throws(YAMLError) -> JSONValue {
        func fail(_ expected: String) -> YAMLError {
            YAMLError(file: file, mark: mark, message: "The value '\(scalar.value)' is tagged as \(expected) but is not one.")
        }
        switch tag {
        case YAMLTag.str: return .string(scalar.value)
        case YAMLTag.null: return .null
        case YAMLTag.bool:
            guard let bool = coreBool(scalar.value) else { throw fail("a boolean") }
            return .bool(bool)
        case YAMLTag.int:
            guard let integer = coreInteger(scalar.value) else { throw fail("an integer") }
            return .integer(integer)
        case YAMLTag.float:
            guard let number = coreFloat(scalar.value) ?? coreInteger(scalar.value).map(Double.init) else { throw fail("a number") }
            return .number(number)
        case .some:
            return .string(scalar.value)  // an application tag: keep the text
        case nil:
            guard scalar.style == .plain else { return .string(scalar.value) }
            if scalar.isNull { return .null }
            if let bool = coreBool(scalar.value) { return .bool(bool) }
            if let integer = coreInteger(scalar.value) { return .integer(integer) }
            if let number = coreFloat(scalar.value) { return .number(number) }
            if [".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "-.inf", "+.inf", "-.Inf", "+.Inf", "-.INF", "+.INF"].contains(scalar.value)
            {
                throw YAMLError(file: file, mark: mark, message: "JSON has no '\(scalar.value)'; quote it to keep it as text.")
            }
            return .string(scalar.value)
        }
    }

    /// `true`/`false` in the spellings of YAML 1.2's core schema.
    static func coreBool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// Decimal, `0o` octal and `0x` hexadecimal integers, as the core schema writes them.
    static func coreInteger(_ text: String) -> Int? {
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text.first == "+" ? String(text.dropFirst()) : text)
    }

    /// Decimal floating-point numerals of the core schema (`1.5`, `-.5`, `1e3`, `2.`).
    static func coreFloat(_ text: String) -> Double? {
        var sawDigit = false
        var index = text.startIndex
        if index < text.endIndex, text[index] == "+" || text[index] == "-" { index = text.index(after: index) }
        while index < text.endIndex, text[index].isASCII, text[index].isNumber {
            sawDigit = true
            index = text.index(after: index)
        }
        if index < text.endIndex, text[index] == "." {
            index = text.index(after: index)
            while index < text.endIndex, text[index].isASCII, text[index].isNumber {
                sawDigit = true
                index = text.index(after: index)
            }
        }
        guard sawDigit else { return nil }
        if index < text.endIndex, text[index] == "e" || text[index] == "E" {
            index = text.index(after: index)
            if index < text.endIndex, text[index] == "+" || text[index] == "-" { index = text.index(after: index) }
            var exponentDigits = false
            while index < text.endIndex, text[index].isASCII, text[index].isNumber {
                exponentDigits = true
                index = text.index(after: index)
            }
            guard exponentDigits else { return nil }
        }
        guard index == text.endIndex else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}
