public import ComponentCore
public import ComponentHTTP
public import ComponentManifest
import FoundationEssentials
public import Logging

/// One request to run an element of a component.
public struct InvocationRequest: Sendable {
    /// The key of the action to run.
    public var element: String
    /// Raw inputs: strings or typed JSON by input key. A connection may also arrive here, as
    /// `{key, fields}` under the element's connection input.
    public var inputs: JSONObject
    /// The connection, as `{key, fields}`.
    public var connection: RawConnection?
    /// The engine's id for this invocation.
    public var invocationID: String
    /// Whether to log debug output (request traces).
    public var debug: Bool
    /// For triggers: the engine's payload (the webhook request).
    public var payload: JSONValue?
    /// For triggers: the state the previous run returned.
    public var state: JSONValue?
    /// When the invocation must be over: it does not start after it, and no HTTP attempt of it
    /// starts at or after it.
    public var deadline: HTTPDeadline?
    /// Whether the envelope reports the `Date` of the last HTTP response (`"serverDate"`).
    public var reportsServerDate: Bool

    /// A request; a random invocation id is made when none is given.
    public init(
        element: String, inputs: JSONObject = JSONObject(), connection: RawConnection? = nil, invocationID: String? = nil,
        debug: Bool = false,
        payload: JSONValue? = nil, state: JSONValue? = nil, deadline: HTTPDeadline? = nil, reportsServerDate: Bool = false
    ) {
        self.element = element
        self.inputs = inputs
        self.connection = connection
        self.invocationID = invocationID ?? UUID().uuidString.lowercased()
        self.debug = debug
        self.payload = payload
        self.state = state
        self.deadline = deadline
        self.reportsServerDate = reportsServerDate
    }

    var scope: RequestScope { RequestScope(deadline: deadline, reportsServerDate: reportsServerDate) }
}

/// How a host wants an invocation's result delivered.
public struct InvocationOptions: Sendable {
    /// Where to write a streamed result as it is produced; without one, a streamed list is
    /// collected into the envelope.
    public var sink: ResultSink?
    /// Shows progress lines to a person watching (see ``ActionContext/progress``).
    public var progress: (@Sendable (String) -> Void)?

    /// Options.
    public init(sink: ResultSink? = nil, progress: (@Sendable (String) -> Void)? = nil) {
        self.sink = sink
        self.progress = progress
    }
}

/// The outcome of an invocation and its envelope, ready to print.
public struct InvocationResult: Sendable {
    /// The handler's value, or the classified error.
    public var outcome: Result<JSONValue, ComponentError>
    /// `{"data": ...}` or `{"error": {...}}`, with the invocation's secrets scrubbed; `null` when
    /// the result was streamed to the sink instead.
    public var envelope: JSONValue
    /// Whether the envelope was already written, piece by piece, to the options' sink.
    public var streamed = false

    /// 0 on success, else the error kind's exit code.
    public var exitCode: Int32 {
        switch outcome {
        case .success: 0
        case .failure(let error): error.kind.exitCode
        }
    }

    /// The error, when the invocation failed.
    public var error: ComponentError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }
}

/// Runs invocations of one component: resolves inputs and the connection against the manifest,
/// calls the handler, and wraps the result in its envelope. Keeps no state between invocations.
public final class ComponentRunner: Sendable {
    /// The component's manifest.
    public let manifest: ComponentManifest
    let handlers: HandlerRegistry
    let connections: ConnectionResolver
    private let actionResolvers: [String: InputResolver]
    private let triggerResolvers: [String: InputResolver]
    private let dataSourceResolvers: [String: InputResolver]

    /// A runner for `definition`.
    /// - Throws: ``ComponentDefinitionError`` when the manifest and the handlers disagree.
    public init(_ definition: ComponentDefinition) throws(ComponentDefinitionError) {
        let problems = definition.handlers.mismatches(with: definition.manifest)
        guard problems.isEmpty else { throw ComponentDefinitionError(problems: problems) }
        manifest = definition.manifest
        handlers = definition.handlers
        connections = ConnectionResolver(connections: definition.manifest.connections)
        func resolvers<Element: ManifestElement>(_ elements: [Element]) -> [String: InputResolver] {
            Dictionary(
                elements.map { ($0.key, InputResolver(inputs: $0.inputs, owner: "\(Element.kindName) '\($0.key)'")) },
                uniquingKeysWith: { first, _ in first })
        }
        actionResolvers = resolvers(definition.manifest.actions)
        triggerResolvers = resolvers(definition.manifest.triggers)
        dataSourceResolvers = resolvers(definition.manifest.dataSources)
    }

    /// Runs the action, trigger or data source `request.element`, whichever the manifest declares.
    public func run(_ request: InvocationRequest, logger: Logger, options: InvocationOptions = InvocationOptions()) async
        -> InvocationResult
    {
        if manifest.trigger(request.element) != nil { return await runTrigger(request, logger: logger) }
        if manifest.dataSource(request.element) != nil { return await runDataSource(request, logger: logger) }
        return await runAction(request, logger: logger, options: options)
    }

    /// Runs the trigger `request.element` on `request.payload` and `request.state`: the envelope is
    /// `{"payload", "response", "state"}`, or for a rejection `{"error", "response"}`.
    public func runTrigger(_ request: InvocationRequest, logger: Logger) async -> InvocationResult {
        await request.scope.run { await performTrigger(request, logger: logger) }
    }

    private func performTrigger(_ request: InvocationRequest, logger: Logger) async -> InvocationResult {
        let (trigger, handler, prepared): (TriggerDefinition, AnyTriggerHandler, PreparedInvocation)
        switch start(request, logger: logger, elements: manifest.triggers, handlers: handlers.triggers, resolvers: triggerResolvers) {
        case .ready(let element, let found, let value): (trigger, handler, prepared) = (element, found, value)
        case .finished(let result): return result
        }
        var rejection: TriggerResponse?
        let event = TriggerEvent(payload: request.payload ?? .object([:]), state: request.state)
        let outcome = await execute(prepared, element: trigger, request: request) { inputs, context -> JSONValue in
            do {
                let result = try await handler.run(inputs, event, context)
                return ["payload": result.payload, "response": result.response?.json ?? .null, "state": result.state ?? .null]
            } catch let error as TriggerRejection {
                rejection = error.response
                throw error.error
            }
        }
        return finish(outcome, scrubber: prepared.scrubber, wrap: { $0 }, errorExtras: rejection.map { ["response": $0.json] } ?? [:])
    }

    /// Runs the data source `request.element`: the envelope is `{"result": ...}`.
    public func runDataSource(_ request: InvocationRequest, logger: Logger) async -> InvocationResult {
        await request.scope.run { await performDataSource(request, logger: logger) }
    }

    private func performDataSource(_ request: InvocationRequest, logger: Logger) async -> InvocationResult {
        let (dataSource, handler, prepared): (DataSourceDefinition, AnyDataSourceHandler, PreparedInvocation)
        switch start(
            request, logger: logger, elements: manifest.dataSources, handlers: handlers.dataSources, resolvers: dataSourceResolvers)
        {
        case .ready(let element, let found, let value): (dataSource, handler, prepared) = (element, found, value)
        case .finished(let result): return result
        }
        let outcome = await execute(prepared, element: dataSource, request: request) { inputs, context in
            try await handler.run(inputs, context)
        }
        return finish(outcome, scrubber: prepared.scrubber, wrap: { ["result": $0] })
    }

    /// How an invocation starts: its element, handler and prepared inputs, or already finished
    /// (an unknown key, inputs that do not resolve).
    private enum Start<Element, Handler> {
        case ready(Element, Handler, PreparedInvocation)
        case finished(InvocationResult)
    }

    private func start<Element: ManifestElement, Handler>(
        _ request: InvocationRequest, logger: Logger, elements: [Element], handlers: [String: Handler], resolvers: [String: InputResolver]
    ) -> Start<Element, Handler> {
        guard let element = elements.first(where: { $0.key == request.element }), let handler = handlers[element.key],
            let resolver = resolvers[element.key]
        else {
            let error = unknownElement(request.element, kind: Element.kindName, keys: elements.map(\.key))
            return .finished(finish(.failure(error), scrubber: SecretScrubber(secrets: [])))
        }
        // Before anything that could reach the network: a request that comes too late sends nothing.
        if let late = RequestScope.lateStart(request.deadline, kind: Element.kindName, key: element.key) {
            return .finished(finish(.failure(late), scrubber: SecretScrubber(secrets: [])))
        }
        switch prepare(element, resolver: resolver, request: request, logger: logger) {
        case .success(let prepared): return .ready(element, handler, prepared)
        case .failure(let failure): return .finished(finish(.failure(failure.error), scrubber: failure.scrubber))
        }
    }

    private func unknownElement(_ key: String, kind: String, keys: [String]) -> ComponentError {
        ComponentError(
            .protocol, code: .string("unknown_" + kind.replacing(" ", with: "_")),
            message:
                "Unknown \(kind) '\(key)'.\(Suggestion.didYouMean(key, among: keys)) This component's \(kind)s are: \(keys.isEmpty ? "none" : keys.joined(separator: ", "))."
        )
    }

    /// Runs the action `request.element`. Never throws: every failure becomes an error envelope.
    public func runAction(_ request: InvocationRequest, logger: Logger, options: InvocationOptions = InvocationOptions()) async
        -> InvocationResult
    {
        await request.scope.run { await performAction(request, logger: logger, options: options) }
    }

    private func performAction(_ request: InvocationRequest, logger: Logger, options: InvocationOptions) async -> InvocationResult {
        let (action, handler, prepared): (ActionDefinition, AnyActionHandler, PreparedInvocation)
        switch start(request, logger: logger, elements: manifest.actions, handlers: handlers.actions, resolvers: actionResolvers) {
        case .ready(let element, let found, let value): (action, handler, prepared) = (element, found, value)
        case .finished(let result): return result
        }
        let outcome = await execute(prepared, element: action, request: request, progress: options.progress) { inputs, context in
            try await handler.run(inputs, context)
        }
        return await deliver(outcome, element: action, scrubber: prepared.scrubber, sink: options.sink)
    }

    /// Turns a handler's output into the result: a value is wrapped; a streamed list is written to
    /// the sink element by element, or collected when there is no sink.
    func deliver<Element: ManifestElement>(
        _ outcome: Result<ActionOutput, ComponentError>, element: Element, scrubber: SecretScrubber, sink: ResultSink?
    ) async -> InvocationResult {
        switch outcome {
        case .failure(let error): return finish(.failure(error), scrubber: scrubber)
        case .success(.value(let value)): return finish(.success(value), scrubber: scrubber)
        case .success(.list(let list)):
            if let sink {
                let error = await sink.stream(list, scrubber: scrubber) { Self.classify($0, kind: Element.kindName, key: element.key) }
                let outcome: Result<JSONValue, ComponentError> = error.map { .failure($0) } ?? .success(.null)
                return InvocationResult(outcome: outcome, envelope: .null, streamed: true)
            }
            var elements: [JSONValue] = []
            do {
                for try await value in list.elements { elements.append(value) }
            } catch {
                return finish(.failure(Self.classify(error, kind: Element.kindName, key: element.key)), scrubber: scrubber)
            }
            var object = JSONObject()
            object[list.key] = .array(elements)
            for (key, value) in await list.summary() { object[key] = value }
            return finish(.success(.object(object)), scrubber: scrubber)
        }
    }

    /// Whether running `element` twice has no further effect, by the manifest: an action whose
    /// hints say read-only or idempotent, and every data source (they only read).
    static func repeatable(_ element: some ManifestElement) -> Bool {
        if let action = element as? ActionDefinition { return action.hints.readOnly == true || action.hints.idempotent == true }
        return element is DataSourceDefinition
    }

    /// The classified form of anything a handler throws.
    static func classify(_ error: any Error, kind: String, key: String) -> ComponentError {
        switch error {
        case let error as any ComponentErrorConvertible:
            var classified = error.componentError
            if classified.cause == nil, !(error is ComponentError) { classified.cause = error }
            return classified
        case is CancellationError:
            return ComponentError(
                .internal, code: "cancelled", message: "The \(kind) '\(key)' was cancelled before it finished.", retryable: true)
        default:
            return ComponentError(.internal, code: "handler_failed", message: "The \(kind) '\(key)' failed: \(error).")
        }
    }

    /// An invocation whose inputs and connection resolved.
    struct PreparedInvocation {
        var inputs: ResolvedInputs
        var connection: ResolvedConnection?
        var scrubber: SecretScrubber
        var logger: Logger
    }

    struct PreparationFailure: Error {
        var error: ComponentError
        var scrubber: SecretScrubber
    }

    /// Resolves inputs and the connection of `element`, reporting the problems of both at once,
    /// and makes the invocation's scrubbing logger.
    func prepare<Element: ManifestElement>(
        _ element: Element, resolver: InputResolver, request: InvocationRequest, logger: Logger
    ) -> Result<PreparedInvocation, PreparationFailure> {
        var inputs = request.inputs
        var rawConnection = request.connection
        if let connectionInput = element.connectionInput, let embedded = inputs[connectionInput.key] {
            inputs[connectionInput.key] = nil
            if rawConnection == nil {
                switch Self.connection(fromInput: embedded, key: connectionInput.key) {
                case .success(let connection): rawConnection = connection
                case .failure(let error):
                    return .failure(PreparationFailure(error: error, scrubber: SecretScrubber(secrets: [])))
                }
            }
        }
        let inputResult = resolver.resolve(inputs)
        let connectionResult = connections.resolve(rawConnection, for: element)
        switch (inputResult, connectionResult) {
        case (.success(let resolvedInputs), .success(let connection)):
            let companions =
                connection.map { connection in
                    connection.fields.values.keys.filter { !connection.fields.secretKeys.contains($0) }
                        .compactMap { connection.fields[$0]?.stringValue }
                } ?? []
            let scrubber = SecretScrubber(
                secrets: resolvedInputs.secretTexts + (connection?.fields.secretTexts ?? []), companions: companions)
            var invocationLogger = logger
            invocationLogger.handler = ScrubbingLogHandler(wrapping: logger.handler, scrubber: scrubber)
            invocationLogger[metadataKey: "invocation"] = .string(request.invocationID)
            if request.debug, invocationLogger.logLevel > .debug { invocationLogger.logLevel = .debug }
            return .success(
                PreparedInvocation(inputs: resolvedInputs, connection: connection, scrubber: scrubber, logger: invocationLogger))
        case (.failure(let inputErrors), .failure(let connectionError)):
            var error = ComponentError(inputErrors)
            error.message += "\n" + connectionError.message
            if case .object(var details)? = error.details, case .array(var problems)? = details["problems"] {
                let connectionProblems =
                    connectionError.details?["problems"]?.arrayValue
                    ?? [
                        .object([
                            "input": connectionError.input.map(JSONValue.string) ?? .null, "label": .null,
                            "message": .string(connectionError.message),
                        ])
                    ]
                problems += connectionProblems
                details["problems"] = .array(problems)
                error.details = .object(details)
            }
            return .failure(
                PreparationFailure(error: error, scrubber: scrubber(rawInputs: inputs, element: element, connection: rawConnection)))
        case (.failure(let inputErrors), _):
            return .failure(
                PreparationFailure(
                    error: ComponentError(inputErrors), scrubber: scrubber(rawInputs: inputs, element: element, connection: rawConnection)))
        case (_, .failure(let connectionError)):
            return .failure(
                PreparationFailure(
                    error: connectionError, scrubber: scrubber(rawInputs: inputs, element: element, connection: rawConnection)))
        }
    }

    /// Calls `body` with the prepared inputs and a context, and classifies what it throws.
    func execute<Element: ManifestElement, Output: Sendable>(
        _ prepared: PreparedInvocation, element: Element, request: InvocationRequest, progress: (@Sendable (String) -> Void)? = nil,
        _ body: (ResolvedInputs, ActionContext) async throws -> Output
    ) async -> Result<Output, ComponentError> {
        let kind = Element.kindName
        let logger = prepared.logger
        logger.debug(
            "Running \(kind) '\(element.key)'",
            metadata: ["inputs": .string(prepared.inputs.description), "connection": .string(prepared.connection?.description ?? "none")])
        let context = ActionContext(
            logger: logger, connection: prepared.connection, invocationID: request.invocationID, debug: request.debug,
            elementKey: element.key, progress: progress, repeatable: Self.repeatable(element))
        let started = ContinuousClock.now
        let outcome: Result<Output, ComponentError>
        do {
            outcome = .success(try await body(prepared.inputs, context))
        } catch {
            outcome = .failure(Self.classify(error, kind: kind, key: element.key))
        }
        let elapsed = ContinuousClock.now - started
        switch outcome {
        case .success:
            logger.debug("The \(kind) '\(element.key)' succeeded", metadata: ["elapsed": .string("\(elapsed)")])
        case .failure(let error):
            logger.debug(
                "The \(kind) '\(element.key)' failed", metadata: ["kind": .string(error.kind.rawValue), "elapsed": .string("\(elapsed)")])
        }
        return outcome
    }

    /// The envelope of an outcome, scrubbed: `wrap` makes the success envelope (`{"data": ...}` by
    /// default), `errorExtras` adds keys beside `"error"` (a trigger's response).
    func finish(
        _ outcome: Result<JSONValue, ComponentError>, scrubber: SecretScrubber, wrap: (JSONValue) -> JSONValue = { ["data": $0] },
        errorExtras: JSONObject = [:]
    ) -> InvocationResult {
        var envelope: JSONValue
        switch outcome {
        case .success(let data): envelope = wrap(data)
        case .failure(let error):
            envelope = error.envelope
            if case .object(var object) = envelope {
                for (key, value) in errorExtras { object[key] = value }
                envelope = .object(object)
            }
        }
        var scrubbedOutcome = outcome
        if case .failure(var error) = outcome, !scrubber.isEmpty {
            error.message = scrubber.scrub(error.message)
            error.details = error.details.map(scrubber.scrub)
            scrubbedOutcome = .failure(error)
        }
        return InvocationResult(outcome: scrubbedOutcome, envelope: scrubber.scrub(envelope))
    }

    /// A connection sent as an input value: `{"key": ..., "fields": {...}}`.
    static func connection(fromInput value: JSONValue, key: String) -> Result<RawConnection, ComponentError> {
        guard case .object(let object) = value, case .string(let connectionKey)? = object["key"] else {
            return .failure(
                ComponentError(
                    .connection, code: "invalid_connection",
                    message:
                        "The input '\(key)' holds a connection and must be {\"key\": ..., \"fields\": {...}}, not \(value.kindDescription).",
                    input: key))
        }
        let fields = object["fields"]?.objectValue ?? JSONObject()
        return .success(RawConnection(key: connectionKey, fields: fields))
    }

    /// For failures before resolution: scrub every raw value that may be secret: the action's
    /// password inputs, the connection's password fields, and every field of a connection the
    /// manifest does not know (better a redacted user name than a leaked secret).
    func scrubber(rawInputs: JSONObject, element: some ManifestElement, connection: RawConnection?) -> SecretScrubber {
        var secrets = element.inputs.filter(\.isSecret).compactMap { rawInputs[$0.key]?.stringValue }
        if let connection {
            let definition = manifest.connection(connection.key)
            for (name, value) in connection.fields {
                guard let text = value.stringValue else { continue }
                if let field = definition?.inputs.first(where: { $0.key == name }), !field.isSecret { continue }
                secrets.append(text)
            }
        }
        return SecretScrubber(secrets: secrets)
    }
}
