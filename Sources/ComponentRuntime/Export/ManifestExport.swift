public import ComponentCore
public import ComponentManifest

/// The manifest as JSON for an engine to build its forms from: every element with its inputs, each
/// input with its JSON Schema, and each element's inputs as one object schema.
public enum ManifestExport {
    /// The version of the process protocol (`docs/protocol.md`); a new major version means a
    /// change an engine must adapt to, a new minor one only adds fields.
    public static let protocolVersion = "1.4"

    /// The export of `manifest`.
    public static func json(_ manifest: ComponentManifest, version: String? = nil) -> JSONValue {
        let connectionKeys = manifest.connections.map(\.key)
        var component: JSONObject = [
            "key": .string(manifest.key), "label": .string(manifest.display.label), "description": .string(manifest.display.description),
        ]
        if let category = manifest.display.category { component["category"] = .string(category) }
        if let longDescription = manifest.display.longDescription { component["longDescription"] = .string(longDescription) }
        if let version = version ?? manifest.version { component["version"] = .string(version) }

        let connections: [JSONValue] = manifest.connections.map { connection in
            var object: JSONObject = ["key": .string(connection.key), "label": .string(connection.label)]
            object["description"] = connection.description.map(JSONValue.string) ?? .null
            object["inputs"] = .array(connection.inputs.map { input(for: $0, connections: connectionKeys) })
            object["schema"] = InputSchema.objectSchema(for: connection.inputs)
            return .object(object)
        }
        let triggers: [JSONValue] = manifest.triggers.map { trigger in
            var object = element(trigger, connections: connectionKeys)
            object["type"] = .string(trigger.kind.rawValue)
            return .object(object)
        }
        let actions: [JSONValue] = manifest.actions.map { action in
            var object = element(action, connections: connectionKeys)
            var hints = JSONObject()
            hints["readOnly"] = action.hints.readOnly.map(JSONValue.bool) ?? .null
            hints["idempotent"] = action.hints.idempotent.map(JSONValue.bool) ?? .null
            hints["destructive"] = action.hints.destructive.map(JSONValue.bool) ?? .null
            object["hints"] = .object(hints)
            object["reconcile"] = action.reconcile.map(Self.reconcile) ?? .null
            object["summary"] = action.summary.map { .array($0.map(JSONValue.string)) } ?? .null
            return .object(object)
        }
        let dataSources: [JSONValue] = manifest.dataSources.map { dataSource in
            var object = element(dataSource, connections: connectionKeys)
            object["type"] = .string(dataSource.dataSourceType.rawValue)
            return .object(object)
        }
        return [
            "protocolVersion": .string(protocolVersion),
            "component": .object(component),
            "connections": .array(connections),
            "triggers": .array(triggers),
            "actions": .array(actions),
            "dataSources": .array(dataSources),
            "retry": retry(manifest.retry),
        ]
    }

    /// `{"attempts", "backoff": {"initialMs", "multiplier", "maximumMs", "jitter"}, "retryAfterMaxMs",
    /// "engineAttempts"}`: the manifest's `retry:` with the runtime's defaults filled in, for an
    /// engine adapter to retry by the same numbers as the component.
    static func retry(_ settings: RetrySettings) -> JSONValue {
        [
            "attempts": .integer(settings.attempts),
            "backoff": [
                "initialMs": .integer(settings.initialDelayMs), "multiplier": .number(settings.multiplier),
                "maximumMs": .integer(settings.maximumDelayMs), "jitter": .bool(settings.jitter),
            ],
            "retryAfterMaxMs": .integer(settings.retryAfterMaxMs),
            "engineAttempts": .integer(settings.engineAttempts),
        ]
    }

    /// What every element shares.
    static func element(_ element: some ManifestElement, connections: [String]) -> JSONObject {
        var object: JSONObject = ["key": .string(element.key), "label": .string(element.label)]
        object["description"] = element.description.map(JSONValue.string) ?? .null
        object["connectionInput"] = element.connectionInput.map { .string($0.key) } ?? .null
        object["inputs"] = .array(element.inputs.map { input(for: $0, connections: connections) })
        object["schema"] = InputSchema.requestSchema(for: element, connections: connections)
        object["examplePayload"] = element.examplePayload ?? .null
        return object
    }

    /// One input: what a form shows, and its schema.
    static func input(for input: InputDefinition, connections: [String]) -> JSONValue {
        var object: JSONObject = ["key": .string(input.key), "label": .string(input.label), "type": .string(input.type.rawValue)]
        object["required"] = .bool(input.required)
        object["secret"] = .bool(input.isSecret)
        object["collection"] = input.collection.map { .string($0.rawValue) } ?? .null
        object["comments"] = input.comments.map(JSONValue.string) ?? .null
        object["placeholder"] = input.placeholder.map(JSONValue.string) ?? .null
        object["choices"] =
            input.choices.map { choices in
                .array(choices.map { ["value": .string($0.value), "label": .string($0.label)] })
            } ?? .null
        object["dataSource"] = input.dataSource.map(JSONValue.string) ?? .null
        if input.type == .code { object["language"] = input.language.map(JSONValue.string) ?? .null }
        object["schema"] = InputSchema.schema(for: input, connections: connections)
        return .object(object)
    }

    /// `{"action", "inputs", "items", "match", "createdAt", "id", "page", "preview", "callback"}`, the
    /// mappings as objects in the manifest's order; `page` is `{"size", "limit", "cursor", "next",
    /// "more"}`, `callback` `{"input", "field"}`, and what the manifest leaves out is null.
    static func reconcile(_ rule: ReconcileRule) -> JSONValue {
        func object(_ pairs: [(String, String)]) -> JSONValue {
            var object = JSONObject()
            for (key, value) in pairs { object[key] = .string(value) }
            return .object(object)
        }
        var result = JSONObject()
        result["action"] = .string(rule.action)
        result["inputs"] = object(rule.inputs)
        result["items"] = .string(rule.items)
        result["match"] = object(rule.match)
        result["createdAt"] = .string(rule.createdAt)
        result["id"] = .string(rule.id)
        result["page"] =
            rule.page.map { page in
                [
                    "size": .string(page.size), "limit": page.limit.map(JSONValue.string) ?? .null, "cursor": .string(page.cursor),
                    "next": .string(page.next), "more": page.more.map(JSONValue.string) ?? .null,
                ]
            } ?? .null
        result["preview"] = rule.preview.map(JSONValue.string) ?? .null
        result["callback"] = rule.callback.map { ["input": .string($0.input), "field": .string($0.field)] } ?? .null
        return .object(result)
    }
}
