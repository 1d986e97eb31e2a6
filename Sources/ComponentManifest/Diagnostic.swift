/// A place in a source file.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file name as shown in messages (`component.yaml`).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// A location in `file` at `line`:`column`.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a manifest, rendered `component.yaml:41:9: error: <sentence>`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Hashable, Comparable {
        /// The manifest cannot be used.
        case error
        /// The manifest works, but something is likely a mistake or leaves users without help.
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    /// How serious it is.
    public var severity: Severity
    /// Full sentences: what is wrong and what to do.
    public var message: String
    /// Where it is, when known.
    public var location: SourceLocation?

    /// A diagnostic.
    public init(_ severity: Severity, _ message: String, at location: SourceLocation?) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    /// `file:line:column: severity: message`.
    public var description: String {
        if let location { return "\(location): \(severity.rawValue): \(message)" }
        return "\(severity.rawValue): \(message)"
    }

    /// The description followed by the source line and a caret under the column, as compilers print.
    public func rendered(source: String?) -> String {
        guard let location, let source else { return description }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return description }
        let line = lines[location.line - 1].replacingTabs()
        let caret = String(repeating: " ", count: max(0, location.column - 1)) + "^"
        return description + "\n" + line + "\n" + caret
    }
}

extension Substring {
    fileprivate func replacingTabs() -> String {
        String(self).split(separator: "\t", omittingEmptySubsequences: false).joined(separator: " ")
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file position, errors before warnings at the same place.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case (let l?, let r?) where l != r: return l < r
            case (nil, _?): return false
            case (_?, nil): return true
            default:
                if lhs.element.severity != rhs.element.severity { return lhs.element.severity < rhs.element.severity }
                return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }
}
