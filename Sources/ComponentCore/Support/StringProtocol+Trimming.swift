extension StringProtocol {
    /// The text without leading and trailing white space.
    package func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }

    /// The text without the spaces and tabs around it (Unicode's space separators too): what
    /// Foundation's `trimmingCharacters(in: .whitespaces)` keeps, line breaks included.
    package func trimmingSpaces() -> String {
        trimming { $0 == " " || $0 == "\t" || (!$0.isASCII && $0.properties.generalCategory == .spaceSeparator) }
    }

    /// The text without the scalars around it for which `isTrimmed` holds.
    package func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isTrimmed(scalars[start]) { scalars.formIndex(after: &start) }
        while end > start, isTrimmed(scalars[scalars.index(before: end)]) { scalars.formIndex(before: &end) }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
