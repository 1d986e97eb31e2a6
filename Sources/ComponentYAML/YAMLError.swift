/// A document that libyaml cannot read, or that breaks a rule the reader adds
/// (duplicate keys, undefined aliases, more than one document, runaway alias expansion).
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name used in messages.
    public var file: String
    /// Where the problem is.
    public var mark: YAMLMark
    /// A full sentence saying what is wrong and what to do.
    public var message: String

    /// An error in `file` at `mark`.
    package init(file: String, mark: YAMLMark, message: String) {
        self.file = file
        self.mark = mark
        self.message = message
    }

    /// `file:line:column: error: message`.
    public var description: String { "\(file):\(mark.line):\(mark.column): error: \(message)" }
}
