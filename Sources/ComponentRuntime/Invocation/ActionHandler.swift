public import ComponentCore

/// The code behind one action of the manifest.
///
/// The runtime resolves the invocation's raw inputs against the manifest, decodes them into
/// `Input`, calls ``handle(_:context:)``, and wraps the returned `Output` as `{"data": ...}`.
/// A thrown ``ComponentError`` becomes the error envelope as it is; any other error becomes an
/// `internal` one.
public protocol ActionHandler: Sendable {
    /// The inputs, decoded from the resolved values by key (secret inputs must be ``Secret``).
    associatedtype Input: Decodable & Sendable
    /// The result; encoded in `CodingKeys` order, `nil` optionals as `null`. Return a
    /// ``JSONValue`` to control the output exactly.
    associatedtype Output: Encodable & Sendable

    /// Runs the action.
    func handle(_ input: Input, context: ActionContext) async throws -> Output
}

/// An ``ActionHandler`` made from a closure.
public struct ClosureActionHandler<Input: Decodable & Sendable, Output: Encodable & Sendable>: ActionHandler {
    let body: @Sendable (Input, ActionContext) async throws -> Output

    /// A handler that runs `body`.
    public init(_ body: @escaping @Sendable (Input, ActionContext) async throws -> Output) {
        self.body = body
    }

    public func handle(_ input: Input, context: ActionContext) async throws -> Output {
        try await body(input, context)
    }
}

/// Inputs for an action that takes none (or reads only its connection).
public struct NoInputs: Decodable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// A long list an action produces piece by piece: its result is an object holding the list under
/// `key`, followed by the keys of `summary` (known once the list ends). Hosts that print results
/// write each element as it arrives, so the first page is out before the last is fetched.
public struct StreamedList: Sendable, Encodable {
    /// The key of the list in the result object.
    public var key: String
    /// The elements, in order.
    public var elements: AsyncThrowingStream<JSONValue, any Error>
    /// The keys written after the list, asked for once it has ended.
    public var summary: @Sendable () async -> JSONObject

    /// A streamed list.
    public init(key: String, elements: AsyncThrowingStream<JSONValue, any Error>, summary: @escaping @Sendable () async -> JSONObject) {
        self.key = key
        self.elements = elements
        self.summary = summary
    }

    /// A streamed list is written by the runtime, element by element, not encoded.
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            self, .init(codingPath: encoder.codingPath, debugDescription: "A StreamedList is written by the runtime, not encoded."))
    }
}

/// What a handler produced.
enum ActionOutput: Sendable {
    case value(JSONValue)
    case list(StreamedList)
}

/// An action handler with its types erased: resolved inputs in, JSON out.
struct AnyActionHandler: Sendable {
    let run: @Sendable (ResolvedInputs, ActionContext) async throws -> ActionOutput

    init<H: ActionHandler>(_ handler: H) {
        run = { inputs, context in
            let output = try await handler.handle(try decodeInputs(H.Input.self, inputs, context), context: context)
            if let list = output as? StreamedList { return .list(list) }
            do {
                return .value(try JSONValueEncoder().encode(output))
            } catch {
                throw ComponentError(
                    .internal, code: "output_not_encodable",
                    message: "The result of '\(context.elementKey)' cannot be written as JSON: \(error). This is a bug in the component.")
            }
        }
    }
}

/// A short sentence for a `DecodingError`, naming the coding path.
func describe(_ error: any Error) -> String {
    guard let decodingError = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context, adding key: (any CodingKey)? = nil) -> String {
        let keys = context.codingPath + (key.map { [$0] } ?? [])
        let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return joined.isEmpty ? "the value" : "'\(joined)'"
    }
    switch decodingError {
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        return "\(path(context)): \(context.debugDescription)"
    case .keyNotFound(let key, let context):
        return "\(path(context, adding: key)) is missing."
    @unknown default:
        return "\(decodingError)"
    }
}
