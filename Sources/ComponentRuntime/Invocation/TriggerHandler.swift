public import ComponentCore

/// What a trigger receives beside its inputs: the engine's payload (a webhook request) and the
/// state its previous run returned (a polling cursor).
public struct TriggerEvent: Sendable {
    /// The engine's payload: for webhooks the request (`headers`, `body`, `rawBody`,
    /// `queryParameters`, `webhookUrls`, ...); for scheduled runs whatever the engine sends.
    public var payload: JSONValue
    /// The state the previous run returned, `nil` on the first run.
    public var state: JSONValue?

    /// An event.
    public init(payload: JSONValue, state: JSONValue?) {
        self.payload = payload
        self.state = state
    }
}

/// The HTTP response an engine sends back to a webhook's caller.
public struct TriggerResponse: Sendable, Hashable {
    public var statusCode: Int
    public var contentType: String
    public var headers: JSONObject
    public var body: String

    /// A response.
    public init(statusCode: Int, contentType: String, headers: JSONObject = [:], body: String) {
        self.statusCode = statusCode
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    var json: JSONValue {
        ["statusCode": .integer(statusCode), "contentType": .string(contentType), "headers": .object(headers), "body": .string(body)]
    }
}

/// What a trigger returns: the payload that starts the flow, the response for the caller, and the
/// state for the next run. Rendered `{"payload": ..., "response": {...}, "state": ...}`.
public struct TriggerResult: Sendable {
    public var payload: JSONValue
    public var response: TriggerResponse?
    public var state: JSONValue?

    /// A result.
    public init(payload: JSONValue, response: TriggerResponse? = nil, state: JSONValue? = nil) {
        self.payload = payload
        self.response = response
        self.state = state
    }
}

/// A trigger refused its event (a forged webhook, an unreadable body): the flow must not run, and
/// the caller gets `response`. Rendered as the error envelope with `"response"` beside `"error"`.
public struct TriggerRejection: Error, Sendable {
    public var error: ComponentError
    public var response: TriggerResponse

    /// A rejection.
    public init(_ error: ComponentError, response: TriggerResponse) {
        self.error = error
        self.response = response
    }
}

/// The code behind one trigger of the manifest.
public protocol TriggerHandler: Sendable {
    /// The trigger's inputs (its configuration), decoded like an action's.
    associatedtype Input: Decodable & Sendable

    /// Turns an event into a result, or throws ``TriggerRejection`` (or any error).
    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult
}

/// The code behind one data source of the manifest.
public protocol DataSourceHandler: Sendable {
    associatedtype Input: Decodable & Sendable

    /// The data source's result (for a picklist, a list of `{"label", "value"}`).
    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue
}

/// A trigger handler with its types erased.
struct AnyTriggerHandler: Sendable {
    let run: @Sendable (ResolvedInputs, TriggerEvent, ActionContext) async throws -> TriggerResult

    init<H: TriggerHandler>(_ handler: H) {
        run = { inputs, event, context in
            try await handler.handle(try decodeInputs(H.Input.self, inputs, context), event: event, context: context)
        }
    }
}

/// A data source handler with its types erased.
struct AnyDataSourceHandler: Sendable {
    let run: @Sendable (ResolvedInputs, ActionContext) async throws -> JSONValue

    init<H: DataSourceHandler>(_ handler: H) {
        run = { inputs, context in try await handler.handle(try decodeInputs(H.Input.self, inputs, context), context: context) }
    }
}

/// Decodes resolved inputs into a handler's `Input`; a mismatch is a bug in the component.
func decodeInputs<Input: Decodable>(_ type: Input.Type, _ inputs: ResolvedInputs, _ context: ActionContext) throws(ComponentError) -> Input
{
    do {
        return try inputs.decode(Input.self)
    } catch {
        throw ComponentError(
            .internal, code: "input_type_mismatch",
            message:
                "The handler of '\(context.elementKey)' cannot read its inputs: \(describe(error)) The manifest and the handler's Input type disagree; this is a bug in the component."
        )
    }
}
