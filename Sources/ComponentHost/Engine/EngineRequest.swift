public import ComponentCore
public import ComponentHTTP
public import ComponentRuntime

/// What an engine asks for: one element to run, or a connection to check.
public enum EngineElementKind: String, Sendable, CaseIterable {
    case action
    case trigger
    case dataSource
    case check

    /// The request field that names the element (`"check": true` for a check).
    var field: String { rawValue }

    /// The subcommand that runs this kind, for messages.
    var subcommand: String {
        switch self {
        case .action: "invoke"
        case .trigger: "trigger"
        case .dataSource: "data-source"
        case .check: "check"
        }
    }
}

/// One request of the process protocol (`docs/protocol.md`), read from a JSON object:
/// `{"id", "action" | "trigger" | "dataSource" | "check", "inputs", "connection": {"key", "fields"},
/// "context": {"invocationId", "debug", "deadline", "serverDate"}, "payload", "state"}`.
public struct EngineRequest: Sendable {
    /// The caller's id for the request (`serve` echoes it); any JSON scalar.
    public var id: JSONValue
    /// What to do.
    public var kind: EngineElementKind
    /// The element's key (empty for a check).
    public var element: String
    /// Inputs as strings or typed JSON.
    public var inputs: JSONObject
    /// The connection, when the request brings one.
    public var connection: RawConnection?
    /// The engine's id for this invocation, for logs.
    public var invocationID: String?
    /// Whether to log debug output for this request.
    public var debug: Bool
    /// A trigger's payload (the webhook request).
    public var payload: JSONValue?
    /// A polling trigger's state from its previous run.
    public var state: JSONValue?
    /// `context.deadline`: no HTTP attempt starts at or after it, nor the request itself.
    public var deadline: HTTPDeadline? = nil
    /// `context.serverDate`: whether the result reports the `Date` of the last HTTP response.
    public var reportsServerDate = false

    static let fields = ["id", "action", "trigger", "dataSource", "check", "inputs", "connection", "context", "payload", "state"]
    static let contextFields = ["invocationId", "debug", "deadline", "serverDate"]
    static let connectionFields = ["key", "fields"]

    /// Reads a request from `text`; `expected` is the one kind a subcommand accepts (`nil`: any).
    /// - Throws: a ``ComponentError`` of kind `protocol` that says what is wrong; it never quotes
    ///   the text, which may hold secrets.
    public static func parse(_ text: some Collection<UInt8>, expected: EngineElementKind?) throws(EngineRequestError) -> EngineRequest {
        if isBlank(text) {
            throw EngineRequestError(
                id: .null,
                error: ComponentError(
                    .protocol, code: "empty_request",
                    message: "The request is empty. Send one JSON object, such as {\"action\": \"sendSMS\", \"inputs\": {...}}."))
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw EngineRequestError(
                id: .null,
                error: ComponentError(
                    .protocol, code: "malformed_json", message: "The request is not valid JSON: \(error.description). Send one JSON object."
                ))
        }
        return try parse(json, expected: expected)
    }

    /// Reads a request from parsed JSON.
    public static func parse(_ json: JSONValue, expected: EngineElementKind?) throws(EngineRequestError) -> EngineRequest {
        guard case .object(let object) = json else {
            throw EngineRequestError(id: .null, error: invalid("The request must be a JSON object, not \(json.kindDescription)."))
        }
        let id = object["id"] ?? .null
        switch id {
        case .null, .string, .integer, .number: break
        default:
            // An id that is not one cannot be echoed: the answer would look like another request's.
            throw EngineRequestError(
                id: .null, error: invalid("The request's 'id' must be a string or a number, not \(id.kindDescription)."))
        }
        func fail(_ message: String) -> EngineRequestError { EngineRequestError(id: id, error: invalid(message)) }
        for key in object.keys where !fields.contains(key) {
            throw fail(
                "Unknown field '\(key)' in the request.\(Suggestion.didYouMean(key, among: fields)) The fields are: \(fields.joined(separator: ", "))."
            )
        }

        let named = EngineElementKind.allCases.filter { object[$0.field] != nil }
        guard named.count <= 1 else {
            throw fail("The request names \(named.map { "'\($0.field)'" }.joined(separator: " and ")); name one thing to run.")
        }
        guard let kind = named.first ?? expected else {
            throw fail("The request names nothing to run: add \"action\", \"trigger\" or \"dataSource\" with a key, or \"check\": true.")
        }
        if let expected, kind != expected {
            let what = kind == .check ? "a connection check" : "a \(kind == .dataSource ? "data source" : kind.rawValue)"
            throw fail("This request is \(what), which `\(kind.subcommand)` runs, not `\(expected.subcommand)`.")
        }
        var element = ""
        if kind == .check {
            if let value = object["check"], value != .bool(true) {
                throw fail("The request's 'check' must be true.")
            }
        } else {
            guard case .string(let key)? = object[kind.field], !key.isEmpty else {
                throw fail(
                    "The request's '\(kind.field)' must be the non-empty key of the \(kind == .dataSource ? "data source" : kind.rawValue) to run."
                )
            }
            element = key
        }

        var inputs = JSONObject()
        switch object["inputs"] {
        case nil, .null?: break
        case .object(let value)?: inputs = value
        case let value?: throw fail("The request's 'inputs' must be an object of input values, not \(value.kindDescription).")
        }

        var connection: RawConnection?
        switch object["connection"] {
        case nil, .null?: break
        case .object(let value)?:
            for key in value.keys where !connectionFields.contains(key) {
                throw fail("Unknown field '\(key)' in the request's 'connection'; it is {\"key\": ..., \"fields\": {...}}.")
            }
            guard case .string(let key)? = value["key"], !key.isEmpty else {
                throw fail("The request's 'connection' needs a 'key' naming one of the component's connections.")
            }
            var fields = JSONObject()
            switch value["fields"] {
            case nil, .null?: break
            case .object(let object)?: fields = object
            case let other?: throw fail("The request's 'connection.fields' must be an object, not \(other.kindDescription).")
            }
            connection = RawConnection(key: key, fields: fields)
        case let value?: throw fail("The request's 'connection' must be {\"key\": ..., \"fields\": {...}}, not \(value.kindDescription).")
        }

        var invocationID: String?
        var debug = false
        var deadline: HTTPDeadline?
        var reportsServerDate = false
        switch object["context"] {
        case nil, .null?: break
        case .object(let context)?:
            for key in context.keys where !contextFields.contains(key) {
                throw fail(
                    "Unknown field '\(key)' in the request's 'context'.\(Suggestion.didYouMean(key, among: contextFields)) The fields are: \(contextFields.joined(separator: ", "))."
                )
            }
            switch context["invocationId"] {
            case nil, .null?: break
            case .string(let value)?: invocationID = value
            case let value?: throw fail("The request's 'context.invocationId' must be a string, not \(value.kindDescription).")
            }
            switch context["debug"] {
            case nil, .null?: break
            case .bool(let value)?: debug = value
            case let value?: throw fail("The request's 'context.debug' must be true or false, not \(value.kindDescription).")
            }
            switch context["deadline"] {
            case nil, .null?: break
            case .integer(let value)? where value >= 0: deadline = HTTPDeadline(epochMilliseconds: Int64(value))
            case .integer?:
                throw fail(
                    "The request's 'context.deadline' must not be negative; it is a time in Unix epoch milliseconds, such as 1796554764123."
                )
            case .number?:
                throw fail(
                    "The request's 'context.deadline' must be a whole number of Unix epoch milliseconds (such as 1796554764123), written without a fraction or an exponent and within range."
                )
            case let value?:
                throw fail(
                    "The request's 'context.deadline' must be a whole number of Unix epoch milliseconds (such as 1796554764123), not \(value.kindDescription)."
                )
            }
            switch context["serverDate"] {
            case nil, .null?: break
            case .bool(let value)?: reportsServerDate = value
            case let value?: throw fail("The request's 'context.serverDate' must be true or false, not \(value.kindDescription).")
            }
        case let value?: throw fail("The request's 'context' must be an object, not \(value.kindDescription).")
        }

        if kind != .trigger, object["payload"] != nil || object["state"] != nil {
            throw fail(
                "'payload' and 'state' are for triggers; this request runs \(kind == .check ? "a connection check" : "the \(kind == .dataSource ? "data source" : kind.rawValue) '\(element)'")."
            )
        }
        return EngineRequest(
            id: id, kind: kind, element: element, inputs: inputs, connection: connection, invocationID: invocationID, debug: debug,
            payload: object["payload"], state: object["state"].flatMap { value -> JSONValue? in value.isNull ? Optional.none : value },
            deadline: deadline, reportsServerDate: reportsServerDate)
    }

    /// Whether `text` holds nothing but JSON whitespace.
    public static func isBlank(_ text: some Collection<UInt8>) -> Bool {
        text.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }

    static func invalid(_ message: String) -> ComponentError {
        ComponentError(.protocol, code: "invalid_request", message: message)
    }
}

/// A request that could not be read; `id` is the request's, when it got that far.
public struct EngineRequestError: Error, Sendable {
    /// The request's id, or null.
    public var id: JSONValue
    /// What is wrong, as a `protocol` error.
    public var error: ComponentError
}

extension EngineRequest {
    /// A request to run `action` with `inputs` on the session's connection (what an MCP tool call is).
    package init(action: String, inputs: JSONObject) {
        self.init(id: .null, kind: .action, element: action, inputs: inputs, connection: nil, invocationID: nil, debug: false)
    }
}
