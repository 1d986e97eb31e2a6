import ComponentCore
public import ComponentManifest

/// Checks the connection an invocation brings against the manifest and the element it is for.
///
/// An element with a `connection` input needs one of the manifest's connections (when that input
/// is required); its fields go through the same rules as inputs (required, types, patterns), and
/// unknown fields are errors. An element without a connection input ignores any connection sent.
public struct ConnectionResolver: Sendable {
    /// The manifest's connections.
    public let connections: [ConnectionDefinition]
    /// Each connection's field resolver, made once.
    private let fieldResolvers: [String: InputResolver]

    /// A resolver over `connections`.
    public init(connections: [ConnectionDefinition]) {
        self.connections = connections
        fieldResolvers = Dictionary(
            connections.map { ($0.key, InputResolver(inputs: $0.inputs, owner: "connection '\($0.key)'", noun: "Field")) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The resolved connection for `element` (nil when it takes none or an optional one is absent).
    public func resolve(_ raw: RawConnection?, for element: some ManifestElement) -> Result<ResolvedConnection?, ComponentError> {
        guard let connectionInput = element.connectionInput else { return .success(nil) }
        guard let raw else {
            guard connectionInput.required else { return .success(nil) }
            return .failure(
                ComponentError(
                    .connection, code: "missing_connection",
                    message:
                        "The \(type(of: element).kindName) '\(element.key)' needs a connection, and none was given. Pass one of: \(knownList).",
                    input: connectionInput.key))
        }
        guard let definition = connections.first(where: { $0.key == raw.key }) else {
            let suggestion = Suggestion.didYouMean(raw.key, among: connections.map(\.key))
            return .failure(
                ComponentError(
                    .connection, code: "unknown_connection",
                    message: "Unknown connection '\(raw.key)'.\(suggestion) This component's connections are: \(knownList).",
                    input: connectionInput.key))
        }
        return resolveFields(raw, definition: definition).map { $0 }
    }

    /// The fields of `raw` checked against `definition`, one of ``connections``.
    public func resolveFields(_ raw: RawConnection, definition: ConnectionDefinition) -> Result<ResolvedConnection, ComponentError> {
        let resolver =
            fieldResolvers[definition.key]
            ?? InputResolver(inputs: definition.inputs, owner: "connection '\(definition.key)'", noun: "Field")
        switch resolver.resolve(raw.fields) {
        case .success(let fields): return .success(ResolvedConnection(key: definition.key, fields: fields))
        case .failure(let errors):
            var error = ComponentError(errors, kind: .connection, code: "invalid_connection")
            error.message = "Connection '\(definition.key)' is not usable:\n" + errors.description
            // A value that does not fit its field may be a secret pasted into the wrong one (the
            // Auth Token as the Account SID): no field's value is quoted back.
            let quoted = SecretScrubber(secrets: raw.fields.pairs.compactMap { $0.value.stringValue })
            error.message = quoted.scrub(error.message) + Self.swapHints(raw, definition: definition)
            error.details = error.details.map(quoted.scrub)
            // Problems name the connection, so a field cannot be mistaken for an input of the same name.
            if case .object(var details)? = error.details, let problems = details["problems"]?.arrayValue {
                details["problems"] = .array(
                    problems.map { problem in
                        guard case .object(var object) = problem else { return problem }
                        object["connection"] = .string(definition.key)
                        return .object(object)
                    })
                error.details = .object(details)
            }
            return .failure(error)
        }
    }

    /// Says so when a value fits another field's pattern but not its own (the SIDs swapped), since
    /// the values themselves are not quoted.
    static func swapHints(_ raw: RawConnection, definition: ConnectionDefinition) -> String {
        var hints = ""
        for field in definition.inputs {
            guard case .string(let value)? = raw.fields[field.key], let own = field.pattern, !PatternCache.matches(value, pattern: own)
            else { continue }
            if let other = definition.inputs.first(where: {
                $0.key != field.key && $0.pattern.map { PatternCache.matches(value, pattern: $0) } == true
            }) {
                hints += "\nThe value given for \(field.displayName) fits \(other.displayName): were the two swapped?"
            }
        }
        return hints
    }

    private var knownList: String {
        connections.map { "\($0.key) (\($0.label))" }.joined(separator: ", ")
    }
}
