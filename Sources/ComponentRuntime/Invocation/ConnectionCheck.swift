public import ComponentCore
public import ComponentHTTP
import ComponentManifest
import FoundationEssentials
public import Logging

/// How a component tests a connection: one cheap request through the same authentication path its
/// actions use, so that a connection that passes the check works in a flow.
public protocol ConnectionCheck: Sendable {
    /// Makes the request with `context.connection` (always set) and returns what it learned
    /// (an account name, a status); throws a classified error when the connection does not work.
    func check(context: ActionContext) async throws -> JSONValue
}

extension ComponentRunner {
    /// Tests `raw` against the manifest's connection of the same key, then with the component's
    /// ``ConnectionCheck``. The envelope is `{"data": {"connection", "ok": true, "details"}}` or
    /// `{"error": ...}` with the kind that says what to fix.
    ///
    /// `deadline` and `reportsServerDate` are as for an ``InvocationRequest``.
    public func checkConnection(
        _ raw: RawConnection?, invocationID: String? = nil, debug: Bool = false, deadline: HTTPDeadline? = nil,
        reportsServerDate: Bool = false, logger: Logger
    ) async -> InvocationResult {
        await RequestScope(deadline: deadline, reportsServerDate: reportsServerDate).run {
            await performCheck(raw, invocationID: invocationID, debug: debug, deadline: deadline, logger: logger)
        }
    }

    private func performCheck(_ raw: RawConnection?, invocationID: String?, debug: Bool, deadline: HTTPDeadline?, logger: Logger) async
        -> InvocationResult
    {
        let invocationID = invocationID ?? UUID().uuidString.lowercased()
        let known = manifest.connections.map { "\($0.key) (\($0.label))" }.joined(separator: ", ")
        guard let raw else {
            return finish(
                .failure(
                    ComponentError(
                        .connection, code: "missing_connection", message: "No connection was given to check. Pass one of: \(known).")),
                scrubber: SecretScrubber(secrets: []))
        }
        // Before the fields are checked, any field not known to be public may be a secret.
        var rawSecrets: [String] = []
        for (name, value) in raw.fields where manifest.connection(raw.key)?.inputs.first(where: { $0.key == name })?.isSecret != false {
            if let text = value.stringValue { rawSecrets.append(text) }
        }
        let rawScrubber = SecretScrubber(secrets: rawSecrets)
        guard let definition = manifest.connection(raw.key) else {
            return finish(
                .failure(
                    ComponentError(
                        .connection, code: "unknown_connection",
                        message:
                            "Unknown connection '\(raw.key)'.\(Suggestion.didYouMean(raw.key, among: manifest.connections.map(\.key))) This component's connections are: \(known)."
                    )),
                scrubber: rawScrubber)
        }
        guard let check = handlers.connectionCheck else {
            return finish(
                .failure(
                    ComponentError(
                        .internal, code: "no_connection_check", message: "This component does not say how to test its connections.")),
                scrubber: rawScrubber)
        }
        if let late = RequestScope.lateStart(deadline, kind: "connection check", key: definition.key) {
            return finish(.failure(late), scrubber: rawScrubber)
        }
        let connection: ResolvedConnection
        switch connections.resolveFields(raw, definition: definition) {
        case .success(let resolved): connection = resolved
        case .failure(let error): return finish(.failure(error), scrubber: rawScrubber)
        }
        let scrubber = SecretScrubber(secrets: connection.fields.secretTexts)
        var checkLogger = logger
        checkLogger.handler = ScrubbingLogHandler(wrapping: logger.handler, scrubber: scrubber)
        checkLogger[metadataKey: "invocation"] = .string(invocationID)
        if debug, checkLogger.logLevel > .debug { checkLogger.logLevel = .debug }
        let context = ActionContext(
            logger: checkLogger, connection: connection, invocationID: invocationID, debug: debug, elementKey: definition.key)
        do {
            let details = try await check.check(context: context)
            return finish(.success(["connection": .string(definition.key), "ok": true, "details": details]), scrubber: scrubber)
        } catch {
            return finish(.failure(Self.classify(error, kind: "connection check", key: definition.key)), scrubber: scrubber)
        }
    }
}
