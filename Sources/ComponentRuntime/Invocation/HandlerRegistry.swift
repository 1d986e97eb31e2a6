public import ComponentManifest

/// Maps the manifest's action keys to their Swift handlers.
///
/// ``ComponentRunner`` checks the registry against the manifest both ways when it starts: every
/// action has a handler, and every handler has an action.
public struct HandlerRegistry: Sendable {
    var actions: [String: AnyActionHandler] = [:]
    var triggers: [String: AnyTriggerHandler] = [:]
    var dataSources: [String: AnyDataSourceHandler] = [:]
    /// How the component tests a connection; `nil` when it cannot.
    var connectionCheck: (any ConnectionCheck)?
    /// Keys registered more than once; reported by the start-up check.
    var duplicateKeys: [String] = []

    /// An empty registry.
    public init() {}

    /// Registers `handler` for the action `key`.
    public mutating func action<H: ActionHandler>(_ key: String, _ handler: H) {
        if actions[key] != nil { duplicateKeys.append(key) }
        actions[key] = AnyActionHandler(handler)
    }

    /// Registers a closure for the action `key`.
    public mutating func action<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ key: String, input: Input.Type = Input.self,
        _ body: @escaping @Sendable (Input, ActionContext) async throws -> Output
    ) {
        action(key, ClosureActionHandler(body))
    }

    /// Registers `handler` for the trigger `key`.
    public mutating func trigger<H: TriggerHandler>(_ key: String, _ handler: H) {
        if triggers[key] != nil { duplicateKeys.append(key) }
        triggers[key] = AnyTriggerHandler(handler)
    }

    /// Registers `handler` for the data source `key`.
    public mutating func dataSource<H: DataSourceHandler>(_ key: String, _ handler: H) {
        if dataSources[key] != nil { duplicateKeys.append(key) }
        dataSources[key] = AnyDataSourceHandler(handler)
    }

    /// Registers how the component tests a connection (``ComponentRunner/checkConnection(_:invocationID:debug:logger:)``).
    public mutating func connectionCheck(_ check: some ConnectionCheck) {
        connectionCheck = check
    }

    /// The registered action keys, sorted.
    public var actionKeys: [String] { actions.keys.sorted() }

    /// Every disagreement between the registry and `manifest`, as sentences; empty when they match.
    public func mismatches(with manifest: ComponentManifest) -> [String] {
        var problems: [String] = []
        func check<Element: ManifestElement>(_ elements: [Element], registered: some Collection<String>, method: String, section: String) {
            let declared = Set(elements.map(\.key))
            for element in elements where !registered.contains(element.key) {
                let place = element.locations.element.map { " (\($0))" } ?? ""
                problems.append(
                    "The \(Element.kindName) '\(element.key)' is declared in the manifest\(place) but has no handler; register one with registry.\(method)(\"\(element.key)\", ...)."
                )
            }
            for key in registered.sorted() where !declared.contains(key) {
                problems.append(
                    "A handler is registered for the \(Element.kindName) '\(key)', but the manifest declares no such \(Element.kindName); add it to '\(section):' or remove the handler."
                )
            }
        }
        check(manifest.actions, registered: actions.keys, method: "action", section: "actions")
        check(manifest.triggers, registered: triggers.keys, method: "trigger", section: "triggers")
        check(manifest.dataSources, registered: dataSources.keys, method: "dataSource", section: "dataSources")
        for key in duplicateKeys {
            problems.append("Two handlers are registered for '\(key)'; keep one.")
        }
        return problems
    }
}

/// A component: its manifest and the handlers behind it.
public struct ComponentDefinition: Sendable {
    /// The manifest.
    public var manifest: ComponentManifest
    /// The handlers.
    public var handlers: HandlerRegistry

    /// A definition.
    public init(manifest: ComponentManifest, handlers: HandlerRegistry) {
        self.manifest = manifest
        self.handlers = handlers
    }
}

/// The manifest and the handlers disagree; the component cannot start.
public struct ComponentDefinitionError: Error, Sendable, CustomStringConvertible {
    /// Each disagreement, as a sentence.
    public var problems: [String]

    public var description: String { problems.joined(separator: "\n") }
}
