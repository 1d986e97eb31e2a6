/// A small XML reader and writer: enough for documents such as TwiML (elements, attributes, text,
/// comments, CDATA, the predefined and numeric character references), without a DTD, namespaces
/// or external entities, so no document can make it fetch or expand anything.
public enum XMLTree {
    /// An attribute, as written (its value unescaped).
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A child of an element.
    public enum Node: Sendable, Equatable {
        case element(Element)
        case text(String)
    }

    /// An element with its attributes in document order and its children.
    public struct Element: Sendable, Equatable {
        public var name: String
        public var attributes: [Attribute]
        public var children: [Node]
        /// Where its start tag begins (1-based; columns count Unicode scalars); 0 for a built one.
        public var line: Int
        public var column: Int

        public init(_ name: String, attributes: [Attribute] = [], children: [Node] = [], line: Int = 0, column: Int = 0) {
            self.name = name
            self.attributes = attributes
            self.children = children
            self.line = line
            self.column = column
        }

        /// The value of the attribute named `name`, if it has one.
        public func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }?.value
        }

        /// The child elements, in order.
        public var elements: [Element] {
            children.compactMap { if case .element(let element) = $0 { element } else { nil } }
        }

        /// The text directly inside it (not inside its child elements), joined.
        public var text: String {
            children.reduce(into: "") { if case .text(let text) = $1 { $0 += text } }
        }
    }

    /// Why a document is not well-formed, and where.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String

        public init(line: Int, column: Int, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }

        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Elements nest at most this deep; a deeper document is refused rather than walked.
    public static let maximumDepth = 256

    /// Parses `text`, which must hold exactly one root element (after an optional XML declaration,
    /// comments and processing instructions).
    public static func parse(_ text: String) throws(SyntaxError) -> Element {
        var reader = XMLTreeReader(text)
        return try reader.document()
    }

    /// The element as text, escaped; with `declaration`, preceded by `<?xml version="1.0" encoding="UTF-8"?>`.
    public static func render(_ element: Element, declaration: Bool = true) -> String {
        var output = declaration ? #"<?xml version="1.0" encoding="UTF-8"?>"# : ""
        write(element, to: &output)
        return output
    }

    private static func write(_ element: Element, to output: inout String) {
        output += "<" + element.name
        for attribute in element.attributes {
            output += " " + attribute.name + "=\"" + escapeAttribute(attribute.value) + "\""
        }
        guard !element.children.isEmpty else {
            output += "/>"
            return
        }
        output += ">"
        for child in element.children {
            switch child {
            case .element(let child): write(child, to: &output)
            case .text(let text): output += escapeText(text)
            }
        }
        output += "</" + element.name + ">"
    }

    /// `text` as element content: `&`, `<` and `>` escaped; characters XML 1.0 cannot carry at all
    /// (control characters other than tab, line feed and carriage return) left out.
    public static func escapeText(_ text: String) -> String {
        var output = ""
        output.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\r": output += "&#13;"  // a literal one would be read back as a line feed
            default: if isAllowed(scalar) { output.unicodeScalars.append(scalar) }
            }
        }
        return output
    }

    /// `text` as a double-quoted attribute value: as ``escapeText(_:)``, and `"` and the
    /// whitespace a reader would otherwise turn into spaces kept as character references.
    public static func escapeAttribute(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "\t": output += "&#9;"
            case "\n": output += "&#10;"
            case "\r": output += "&#13;"
            default: if isAllowed(scalar) { output.unicodeScalars.append(scalar) }
            }
        }
        return output
    }

    /// Whether XML 1.0 allows `scalar` in a document (its `Char` production).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}

/// Reads one document, scalar by scalar, with an explicit stack (no recursion) so that depth
/// costs no native stack.
struct XMLTreeReader {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    typealias SyntaxError = XMLTree.SyntaxError

    mutating func document() throws(SyntaxError) -> XMLTree.Element {
        if peek() == "\u{FEFF}" { advance() }
        if starts(with: "<?xml") { try skipProcessingInstruction() }
        try skipMisc()
        guard peek() == "<" else {
            throw fail(isAtEnd ? "The document is empty: it needs one root element." : "Text before the root element.")
        }
        let root = try element()
        try skipMisc()
        guard isAtEnd else { throw fail("Content after the root element: a document has exactly one root element.") }
        return root
    }

    // MARK: Elements

    /// An element being read, and the text read since its last child element: text is gathered
    /// here and stored once an element or the end follows, so that text split by comments or
    /// CDATA sections costs no more than the text itself.
    private struct Open {
        var element: XMLTree.Element
        var text = ""

        mutating func flushText() {
            guard !text.isEmpty else { return }
            element.children.append(.text(text))
            text = ""
        }
    }

    /// Reads the element starting at `<`, with its content, without recursion.
    private mutating func element() throws(SyntaxError) -> XMLTree.Element {
        var stack: [Open] = []
        while true {
            // At "<": a start tag.
            let (start, selfClosing) = try startTag()
            if selfClosing {
                if let finished = close(start, into: &stack) { return finished }
            } else {
                guard stack.count < XMLTree.maximumDepth else {
                    throw fail("Elements nest more than \(XMLTree.maximumDepth) deep.")
                }
                stack.append(Open(element: start))
            }
            // Content until the next start tag (loop) or until the stack empties.
            while let name = stack.last?.element.name {
                guard !isAtEnd else { throw fail("The document ends inside <\(name)>: it needs </\(name)>.") }
                if starts(with: "</") {
                    let closing = try endTag()
                    var open = stack.removeLast()
                    guard closing == name else {
                        throw fail(
                            "</\(closing)> closes <\(name)> (line \(open.element.line), column \(open.element.column)); it needs </\(name)>."
                        )
                    }
                    open.flushText()
                    if let finished = close(open.element, into: &stack) { return finished }
                } else if starts(with: "<!--") {
                    try skipComment()
                } else if starts(with: "<![CDATA[") {
                    stack[stack.count - 1].text += try cdata()
                } else if starts(with: "<?") {
                    try skipProcessingInstruction()
                } else if starts(with: "<!") {
                    throw fail("Declarations such as <!DOCTYPE> are not accepted.")
                } else if peek() == "<" {
                    break
                } else {
                    stack[stack.count - 1].text += try characterData()
                }
            }
        }
    }

    /// Adds a finished element to its parent; returns it when it is the root.
    private func close(_ element: XMLTree.Element, into stack: inout [Open]) -> XMLTree.Element? {
        guard !stack.isEmpty else { return element }
        stack[stack.count - 1].flushText()
        stack[stack.count - 1].element.children.append(.element(element))
        return nil
    }

    private mutating func startTag() throws(SyntaxError) -> (XMLTree.Element, selfClosing: Bool) {
        let (startLine, startColumn) = (line, column)
        advance()  // <
        let name = try self.name(what: "an element name after <")
        var element = XMLTree.Element(name, line: startLine, column: startColumn)
        var names: Set<String> = []
        while true {
            let spaced = skipWhitespace()
            if starts(with: "/>") {
                advance(2)
                return (element, true)
            }
            if peek() == ">" {
                advance()
                return (element, false)
            }
            guard !isAtEnd else { throw fail("The document ends inside the start tag <\(name)>.") }
            guard spaced else { throw fail("Attributes of <\(name)> must be separated by whitespace.") }
            let attributeName = try self.name(what: "an attribute name, /> or > in <\(name)>")
            skipWhitespace()
            guard peek() == "=" else { throw fail("The attribute \(attributeName) of <\(name)> needs =\"value\".") }
            advance()
            skipWhitespace()
            let value = try attributeValue(of: attributeName)
            guard names.insert(attributeName).inserted else {
                throw fail("<\(name)> has the attribute \(attributeName) twice.")
            }
            element.attributes.append(XMLTree.Attribute(attributeName, value))
        }
    }

    private mutating func endTag() throws(SyntaxError) -> String {
        advance(2)  // </
        let name = try self.name(what: "an element name after </")
        skipWhitespace()
        guard peek() == ">" else { throw fail("The end tag </\(name) needs a closing >.") }
        advance()
        return name
    }

    private mutating func name(what: String) throws(SyntaxError) -> String {
        guard let first = peek(), Self.isNameStart(first) else { throw fail("Expected \(what).") }
        var name = String.UnicodeScalarView()
        while let scalar = peek(), Self.isNameStart(scalar) || Self.isNameCharacter(scalar) {
            name.append(scalar)
            advance()
        }
        return String(name)
    }

    private mutating func attributeValue(of attribute: String) throws(SyntaxError) -> String {
        guard let quote = peek(), quote == "\"" || quote == "'" else {
            throw fail("The value of \(attribute) must be quoted.")
        }
        advance()
        var value = ""
        while true {
            guard let scalar = peek() else { throw fail("The document ends inside the value of \(attribute).") }
            if scalar == quote {
                advance()
                return value
            }
            switch scalar {
            case "<": throw fail("The value of \(attribute) holds <, which must be written &lt;.")
            case "&": value += try reference()
            case "\t", "\n", "\r":
                // Attribute-value normalisation: literal whitespace reads as a space.
                if scalar == "\r" && peek(at: 1) == "\n" { advance() }
                advance()
                value += " "
            default:
                guard XMLTree.isAllowed(scalar) else { throw fail(Self.notAllowed(scalar)) }
                value.unicodeScalars.append(scalar)
                advance()
            }
        }
    }

    private mutating func characterData() throws(SyntaxError) -> String {
        var text = ""
        while let scalar = peek(), scalar != "<" {
            switch scalar {
            case "&": text += try reference()
            case "\r":
                // Line ends read as line feeds.
                if peek(at: 1) == "\n" { advance() }
                advance()
                text += "\n"
            case "]" where starts(with: "]]>"):
                throw fail("]]> may not appear in text; write ]]&gt;.")
            default:
                guard XMLTree.isAllowed(scalar) else { throw fail(Self.notAllowed(scalar)) }
                text.unicodeScalars.append(scalar)
                advance()
            }
        }
        return text
    }

    /// A reference at `&`: one of the five predefined entities or a character reference.
    private mutating func reference() throws(SyntaxError) -> String {
        let (startLine, startColumn) = (line, column)
        func fail(_ message: String) -> SyntaxError { SyntaxError(line: startLine, column: startColumn, message: message) }
        advance()  // &
        var body = String.UnicodeScalarView()
        while let scalar = peek(), scalar != ";" {
            guard body.count < 12, scalar != "<", scalar != "&", !Self.isWhitespace(scalar) else {
                throw fail("& must start a reference such as &amp; (write a literal & as &amp;).")
            }
            body.append(scalar)
            advance()
        }
        guard peek() == ";" else { throw fail("The reference &\(String(body)) needs a closing ;.") }
        advance()
        let name = String(body)
        switch name {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        default:
            var digits = Substring(name)
            guard digits.first == "#" else {
                throw fail("&\(name); is not one of XML's entities (&lt; &gt; &amp; &quot; &apos;) or a character reference.")
            }
            digits = digits.dropFirst()
            let hexadecimal = digits.first == "x"
            if hexadecimal { digits = digits.dropFirst() }
            guard !digits.isEmpty, let value = UInt32(digits, radix: hexadecimal ? 16 : 10), let scalar = Unicode.Scalar(value),
                XMLTree.isAllowed(scalar)
            else { throw fail("&\(name); does not name a character XML allows.") }
            return String(Character(scalar))
        }
    }

    private mutating func cdata() throws(SyntaxError) -> String {
        advance(9)  // <![CDATA[
        var text = ""
        while !starts(with: "]]>") {
            guard let scalar = peek() else { throw fail("The document ends inside a CDATA section; it needs ]]>.") }
            guard XMLTree.isAllowed(scalar) else { throw fail(Self.notAllowed(scalar)) }
            text.unicodeScalars.append(scalar)
            advance()
        }
        advance(3)
        return text
    }

    // MARK: Outside elements

    private mutating func skipMisc() throws(SyntaxError) {
        while true {
            skipWhitespace()
            if starts(with: "<!--") {
                try skipComment()
            } else if starts(with: "<?") {
                try skipProcessingInstruction()
            } else if starts(with: "<!") {
                throw fail("Declarations such as <!DOCTYPE> are not accepted.")
            } else {
                return
            }
        }
    }

    private mutating func skipComment() throws(SyntaxError) {
        advance(4)
        while !starts(with: "-->") {
            guard !isAtEnd else { throw fail("The document ends inside a comment; it needs -->.") }
            if starts(with: "--") { throw fail("-- may not appear inside a comment.") }
            advance()
        }
        advance(3)
    }

    private mutating func skipProcessingInstruction() throws(SyntaxError) {
        advance(2)
        while !starts(with: "?>") {
            guard !isAtEnd else { throw fail("The document ends inside <?...; it needs ?>.") }
            advance()
        }
        advance(2)
    }

    // MARK: Scanning

    private var isAtEnd: Bool { index >= scalars.count }

    private func peek(at offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func starts(with prefix: String) -> Bool {
        var position = index
        for scalar in prefix.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < scalars.count {
            if scalars[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        var skipped = false
        while let scalar = peek(), Self.isWhitespace(scalar) {
            advance()
            skipped = true
        }
        return skipped
    }

    private func fail(_ message: String) -> SyntaxError {
        SyntaxError(line: line, column: column, message: message)
    }

    private static func notAllowed(_ scalar: Unicode.Scalar) -> String {
        "The character U+\(String(scalar.value, radix: 16, uppercase: true)) is not allowed in XML."
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0x5F, 0x3A: true  // A-Z a-z _ :
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F,
            0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            true
        default: false
        }
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x2D, 0x2E, 0xB7, 0x300...0x36F, 0x203F...0x2040: true  // 0-9 - . · combining
        default: false
        }
    }
}
