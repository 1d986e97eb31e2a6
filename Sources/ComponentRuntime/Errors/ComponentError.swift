public import ComponentCore

/// A failed invocation, classified so a caller knows what to do next.
///
/// Rendered as `{"error": {"kind", "code", "message", "status", "moreInfo", "retryable",
/// "maybeSent", "input"}}`; every key is always present (`null` where it does not apply), so
/// engines can rely on the shape. `details` adds structured context (every input problem, an
/// upstream response body).
public struct ComponentError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly; decides the process exit code.
    public enum Kind: String, Sendable, CaseIterable {
        /// An input is missing, unknown or does not fit its type. Fix the inputs.
        case input
        /// The connection is missing, unknown, incomplete, or its credentials were refused.
        case connection
        /// The remote service answered with an error.
        case upstream
        /// No answer in time.
        case timeout
        /// The remote service could not be reached, or the connection broke.
        case network
        /// The request to the component is malformed (bad JSON, unknown action).
        case `protocol`
        /// A bug or an unexpected condition in the component.
        case `internal`
        /// Whether the request took effect cannot be known (a send whose answer was lost, and no
        /// trustworthy evidence either way): a person must look before it is sent again. Engine
        /// adapters end a request so rather than risk a second send.
        case needsReview = "needs_review"

        /// The exit code of a process that ends with this kind of error.
        public var exitCode: Int32 {
            switch self {
            case .internal: 1
            case .input: 2
            case .connection: 3
            case .upstream: 4
            case .timeout: 5
            case .network: 6
            case .protocol: 7
            case .needsReview: 8
            }
        }
    }

    public var kind: Kind
    /// A stable code: a string for the runtime's own errors (`missing_connection`), the remote
    /// service's number for upstream errors (such as `21211`).
    public var code: JSONValue
    /// A full sentence saying what happened and what to do.
    public var message: String
    /// The HTTP status of an upstream error.
    public var status: Int?
    /// A link to more information.
    public var moreInfo: String?
    /// Whether trying again unchanged may succeed.
    public var retryable: Bool
    /// Whether a non-idempotent request (a send) may have reached the service before it failed:
    /// check before trying again, or it may happen twice.
    public var maybeSent: Bool
    /// The key of the input at fault, for input errors.
    public var input: String?
    /// Structured context.
    public var details: JSONValue?
    /// The error this one was made from (an ``HTTPError`` with its attempts, a decoding error),
    /// for logs and for handlers that look deeper; never rendered into the envelope.
    public var cause: (any Error)?

    /// An error.
    public init(
        _ kind: Kind, code: JSONValue, message: String, status: Int? = nil, moreInfo: String? = nil,
        retryable: Bool = false, maybeSent: Bool = false, input: String? = nil, details: JSONValue? = nil, cause: (any Error)? = nil
    ) {
        self.cause = cause
        self.kind = kind
        self.code = code
        self.message = message
        self.status = status
        self.moreInfo = moreInfo
        self.retryable = retryable
        self.maybeSent = maybeSent
        self.input = input
        self.details = details
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }

    /// The `{"error": {...}}` envelope.
    public var envelope: JSONValue {
        var error = JSONObject()
        error["kind"] = .string(kind.rawValue)
        error["code"] = code
        error["message"] = .string(message)
        error["status"] = status.map(JSONValue.integer) ?? .null
        error["moreInfo"] = moreInfo.map(JSONValue.string) ?? .null
        error["retryable"] = .bool(retryable)
        error["maybeSent"] = .bool(maybeSent)
        error["input"] = input.map(JSONValue.string) ?? .null
        if let details { error["details"] = details }
        return .object(["error": .object(error)])
    }
}

/// An error that can say itself as a ``ComponentError``. The runner converts whatever a handler
/// throws once, at the edge: a conforming error renders itself (and is kept as the ``ComponentError/cause``),
/// anything else becomes an `internal` error. ``HTTPError`` conforms; a component's own error
/// types can too, instead of being mapped at every layer.
public protocol ComponentErrorConvertible: Error {
    /// This error, classified.
    var componentError: ComponentError { get }
}

extension ComponentError: ComponentErrorConvertible {
    public var componentError: ComponentError { self }
}

extension ComponentError {
    /// An input error found by a handler: `message` is the full sentence, naming the input.
    public static func invalidInput(_ key: String, label: String, message: String, owner: String) -> ComponentError {
        ComponentError(InputErrors(owner: owner, problems: [InputProblem(key: key, label: label, message: message)]))
    }

    /// The error for a failed input resolution: the first problem names the input, `details`
    /// lists them all.
    public init(_ errors: InputErrors, kind: Kind = .input, code: String = "invalid_input") {
        let problems = errors.problems.map { problem -> JSONValue in
            var object = JSONObject()
            object["input"] = .string(problem.key)
            object["label"] = problem.label.map(JSONValue.string) ?? .null
            object["message"] = .string(problem.message)
            return .object(object)
        }
        self.init(
            kind, code: .string(code), message: errors.description, input: errors.problems.first?.key,
            details: .object(["problems": .array(problems)]))
    }
}
