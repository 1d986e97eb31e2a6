public import ComponentCore
public import ComponentManifest

/// The JSON Schema (draft 2020-12) of one input: what an engine needs to build a form field and to
/// check a value before it sends it.
///
/// The schema describes the typed form of a value; the runtime also accepts text for every type
/// (see ``InputResolver``), so an engine that only has strings can still send them.
public enum InputSchema {
    /// The schema of `input`; `connections` are the keys a connection input may name.
    public static func schema(for input: InputDefinition, connections: [String] = []) -> JSONValue {
        var schema = JSONObject()
        schema["title"] = .string(input.label)
        if let comments = input.comments { schema["description"] = .string(comments) }
        let element = elementSchema(for: input, connections: connections)
        switch input.collection {
        case nil:
            for (key, value) in element { schema[key] = value }
        case .valuelist:
            schema["type"] = "array"
            schema["items"] = .object(element)
        case .keyvaluelist:
            // Pairs in order (repeats allowed), or an object when names do not repeat.
            schema["anyOf"] = [
                [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": ["key": ["type": "string", "minLength": 1], "value": .object(element)],
                        "required": ["key", "value"],
                        "additionalProperties": false,
                    ],
                ],
                ["type": "object", "additionalProperties": .object(element)],
            ]
        }
        if let value = input.default, !value.isNull {
            // Defaults are stored as written; the schema gives them typed, as a value would be sent.
            schema["default"] = (try? InputCoercion.coerce(value, for: input).get()) ?? value
        }
        if let example = input.example {
            schema["examples"] = [(try? InputCoercion.coerce(.string(example), for: input).get()) ?? .string(example)]
        }
        if input.isSecret { schema["writeOnly"] = true }
        return .object(schema)
    }

    /// The schema of one value (one item of a list input).
    static func elementSchema(for input: InputDefinition, connections: [String]) -> JSONObject {
        var schema = JSONObject()
        switch input.type {
        case .string, .text, .code: schema["type"] = "string"
        case .password:
            schema["type"] = "string"
            schema["format"] = "password"
        case .boolean: schema["type"] = "boolean"
        case .integer: schema["type"] = "integer"
        case .number: schema["type"] = "number"
        case .data: break  // any JSON value
        case .date:
            schema["type"] = "string"
            schema["format"] = "date"
        case .timestamp:
            schema["type"] = "string"
            schema["format"] = "date-time"
        case .connection:
            schema["type"] = "object"
            schema["properties"] = [
                "key": ["type": "string", "enum": .array(connections.map(JSONValue.string))],
                "fields": ["type": "object"],
            ]
            schema["required"] = ["key"]
            schema["additionalProperties"] = false
        }
        if let choices = input.choices {
            schema["enum"] = .array(
                choices.map { choice in
                    (try? InputCoercion.coerceElement(.string(choice.value), for: input).get()) ?? .string(choice.value)
                })
        }
        if let pattern = input.pattern { schema["pattern"] = .string(pattern) }
        if let minLength = input.minLength { schema["minLength"] = .integer(minLength) }
        if let maxLength = input.maxLength { schema["maxLength"] = .integer(maxLength) }
        if let minimum = input.minimum { schema["minimum"] = number(minimum, integer: input.type == .integer) }
        if let maximum = input.maximum { schema["maximum"] = number(maximum, integer: input.type == .integer) }
        if input.type == .code, let language = input.language { schema["contentMediaType"] = .string(mediaType(language)) }
        return schema
    }

    /// The object schema of a set of inputs (an element's, or a connection's fields);
    /// `excluding` leaves inputs out (the connection input, for callers that supply it themselves).
    public static func objectSchema(for inputs: [InputDefinition], connections: [String] = [], excluding: Set<String> = []) -> JSONValue {
        var properties = JSONObject()
        var required: [JSONValue] = []
        for input in inputs where !excluding.contains(input.key) {
            properties[input.key] = schema(for: input, connections: connections)
            if input.required, input.default == nil { required.append(.string(input.key)) }
        }
        var schema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required) }
        schema["additionalProperties"] = false
        return .object(schema)
    }

    /// The object schema of a request's `inputs` for `element`: its connection input left out,
    /// since the connection travels beside the inputs (or comes from the environment).
    public static func requestSchema(for element: some ManifestElement, connections: [String] = []) -> JSONValue {
        objectSchema(for: element.inputs, connections: connections, excluding: element.connectionInput.map { [$0.key] } ?? [])
    }

    static func number(_ value: Double, integer: Bool) -> JSONValue {
        if integer || value.rounded() == value, abs(value) < 9.0e15 { return .integer(Int(value)) }
        return .number(value)
    }

    static func mediaType(_ language: String) -> String {
        switch language {
        case "json": "application/json"
        case "xml": "application/xml"
        case "yaml": "application/yaml"
        case "html": "text/html"
        case "javascript": "text/javascript"
        case "css": "text/css"
        case "markdown": "text/markdown"
        case "sql", "mysql", "pgsql": "application/sql"
        default: "text/plain"
        }
    }
}
