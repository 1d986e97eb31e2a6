public import Logging

/// What a handler gets beside its inputs.
public struct ActionContext: Sendable {
    /// Logs go to the host's log output; secrets of this invocation are scrubbed from them.
    public var logger: Logger
    /// The invocation's connection, checked against the manifest (nil when the element takes none).
    public var connection: ResolvedConnection?
    /// The engine's id for this invocation, for correlating logs.
    public var invocationID: String
    /// Whether the caller asked for debug output (request traces in the log).
    public var debug: Bool
    /// The key of the action (or trigger, or data source) being run.
    public var elementKey: String
    /// Shows a short progress line to a person watching (a terminal), for long work such as a
    /// listing of many pages; `nil` when nobody is watching.
    public var progress: (@Sendable (String) -> Void)?
    /// Whether the manifest says running this element twice has no further effect (an action
    /// hinted read-only or idempotent, a data source): its requests are then retried as safe to
    /// repeat whatever their method (``ServiceClient`` applies it).
    public var repeatable: Bool

    /// A context.
    public init(
        logger: Logger, connection: ResolvedConnection?, invocationID: String, debug: Bool, elementKey: String,
        progress: (@Sendable (String) -> Void)? = nil, repeatable: Bool = false
    ) {
        self.repeatable = repeatable
        self.logger = logger
        self.connection = connection
        self.invocationID = invocationID
        self.debug = debug
        self.elementKey = elementKey
        self.progress = progress
    }
}
