import ComponentCore
import ComponentYAML

/// Turns the YAML node tree of a manifest into a ``ComponentManifest``, reporting every
/// structural problem (wrong shape, missing or unknown fields, unknown types) as a diagnostic
/// instead of stopping at the first.
///
/// A scalar's meaning is decided by the field it lands in: `label: yes` is the text "yes",
/// `required: yes` is `true`, `default: 010` of a string input is "010". Only `data` defaults and
/// example payloads are read with YAML's core schema (`null`, booleans, numbers), because they are JSON.
struct ManifestDecoder {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    // MARK: Component

    mutating func decode(_ root: YAMLNode?) -> ComponentManifest? {
        guard let root else {
            diagnostics.append(
                Diagnostic(
                    .error, "The manifest is empty; start it with 'key:', 'display:' and 'actions:'.",
                    at: SourceLocation(file: file, line: 1, column: 1)))
            return nil
        }
        guard let fields = fields(of: root, what: "The manifest", allowed: Self.componentFields) else { return nil }
        var locations = FieldLocations(element: location(root.mark))
        record(fields, into: &locations)
        let key = text(fields, "key", what: "The component", required: true, hint: "such as 'key: acme'") ?? ""
        let display = decodeDisplay(fields["display"]?.value, parent: root)
        let connections = list(fields, "connections", what: "connections") { decoder, node, _ in decoder.decodeConnection(node) }
        let triggers = list(fields, "triggers", what: "triggers") { decoder, node, _ in decoder.decodeTrigger(node) }
        let actions = list(fields, "actions", what: "actions") { decoder, node, _ in decoder.decodeAction(node) }
        let dataSources = list(fields, "dataSources", what: "data sources") { decoder, node, _ in decoder.decodeDataSource(node) }
        let version = text(fields, "version", what: "The component")
        var retry = RetrySettings.default
        if let node = fields["retry"]?.value, !node.isNull { retry = decodeRetry(node) }
        return ComponentManifest(
            key: key, version: version, display: display, connections: connections, triggers: triggers, actions: actions,
            dataSources: dataSources, retry: retry, locations: locations)
    }

    /// `retry:`: the runtime's defaults, changed where the manifest says, each within its limits.
    mutating func decodeRetry(_ node: YAMLNode) -> RetrySettings {
        var retry = RetrySettings.default
        guard let fields = fields(of: node, what: "The component's 'retry'", allowed: Self.retryFields) else { return retry }
        let what = "the component's 'retry'"
        func checked(_ value: Double?, _ name: String, at mark: YAMLMark?) -> Double? {
            guard let value, let mark else { return nil }
            let range = RetrySettings.limits.first { $0.field == name }!.range
            guard range.contains(value) else {
                diagnostics.append(
                    Diagnostic(
                        .error,
                        "The field '\(name)' of the component's 'retry' must be from \(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound)), not \(Self.plain(value)).",
                        at: location(mark)))
                return nil
            }
            return value
        }
        if let value = checked(integer(fields, "attempts", what: what).map(Double.init), "attempts", at: fields["attempts"]?.value.mark) {
            retry.attempts = Int(value)
        }
        if let value = checked(
            integer(fields, "engineAttempts", what: what).map(Double.init), "engineAttempts", at: fields["engineAttempts"]?.value.mark)
        {
            retry.engineAttempts = Int(value)
        }
        if let value = checked(
            integer(fields, "retryAfterMaxMs", what: what).map(Double.init), "retryAfterMaxMs", at: fields["retryAfterMaxMs"]?.value.mark)
        {
            retry.retryAfterMaxMs = Int(value)
        }
        if let backoff = fields["backoff"]?.value, !backoff.isNull,
            let inner = self.fields(of: backoff, what: "The 'backoff' of the component's 'retry'", allowed: Self.backoffFields)
        {
            let what = "the 'backoff' of the component's 'retry'"
            if let value = checked(
                integer(inner, "initialMs", what: what).map(Double.init), "backoff.initialMs", at: inner["initialMs"]?.value.mark)
            {
                retry.initialDelayMs = Int(value)
            }
            if let value = checked(number(inner, "multiplier", what: what), "backoff.multiplier", at: inner["multiplier"]?.value.mark) {
                retry.multiplier = value
            }
            if let value = checked(
                integer(inner, "maximumMs", what: what).map(Double.init), "backoff.maximumMs", at: inner["maximumMs"]?.value.mark)
            {
                retry.maximumDelayMs = Int(value)
            }
            if let jitter = bool(inner, "jitter", what: what) { retry.jitter = jitter }
        }
        return retry
    }

    /// `3` rather than `3.0` in messages.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static let componentFields: [StaticString] = [
        "key", "version", "display", "connections", "triggers", "actions", "dataSources", "retry",
    ]
    static let retryFields: [StaticString] = ["attempts", "backoff", "retryAfterMaxMs", "engineAttempts"]
    static let backoffFields: [StaticString] = ["initialMs", "multiplier", "maximumMs", "jitter"]
    static let displayFields: [StaticString] = ["label", "description", "category", "iconPath", "longDescription"]
    static let connectionFields: [StaticString] = ["key", "label", "description", "notes", "inputs"]
    static let noteFields: [StaticString] = ["title", "text"]
    static let actionFields: [StaticString] = [
        "key", "label", "description", "inputs", "examplePayload", "hints", "reconcile", "summary",
    ]
    static let reconcileFields: [StaticString] = ["action", "inputs", "items", "match", "createdAt", "id", "page", "preview", "callback"]
    static let pageFields: [StaticString] = ["size", "limit", "cursor", "next", "more"]
    static let callbackFields: [StaticString] = ["input", "field"]
    static let hintFields: [StaticString] = ["readOnly", "idempotent", "destructive"]
    static let triggerFields: [StaticString] = ["key", "label", "description", "type", "inputs", "examplePayload"]
    static let dataSourceFields: [StaticString] = ["key", "label", "description", "type", "inputs", "examplePayload"]
    static let inputFields: [StaticString] = [
        "key", "label", "type", "required", "default", "example", "placeholder", "comments", "choices", "collection",
        "pattern", "minLength", "maxLength", "minimum", "maximum", "language", "dataSource",
    ]
    static let choiceFields: [StaticString] = ["value", "label"]

    mutating func decodeDisplay(_ node: YAMLNode?, parent: YAMLNode) -> ComponentDisplay {
        guard let node, !node.isNull else {
            diagnostics.append(
                Diagnostic(
                    .error, "The manifest is missing the required field 'display'; add 'display:' with 'label' and 'description'.",
                    at: location(parent.mark)))
            return ComponentDisplay(label: "", description: "")
        }
        guard let fields = fields(of: node, what: "The component's 'display'", allowed: Self.displayFields) else {
            return ComponentDisplay(label: "", description: "")
        }
        func what() -> String { "The component's 'display'" }
        return ComponentDisplay(
            label: text(fields, "label", what: what(), required: true, hint: "the name people see") ?? "",
            description: text(fields, "description", what: what(), required: true, hint: "one line saying what the component does") ?? "",
            category: text(fields, "category", what: what()),
            iconPath: text(fields, "iconPath", what: what()),
            longDescription: text(fields, "longDescription", what: what()))
    }

    // MARK: Elements

    /// What every element shares: key, label, description, inputs, example payload, locations.
    struct ElementParts {
        var fields: Fields
        var key: String
        var label: String
        var description: String?
        var inputs: [InputDefinition]
        var examplePayload: JSONValue?
        var locations: FieldLocations
        /// "Action 'sendSMS'", for messages about the element's own fields.
        var name: String
    }

    /// Decodes the parts every element shares; `kind` is "action", "trigger", "data source" or "connection".
    mutating func decodeElement(_ node: YAMLNode, kind: String, allowed: [StaticString], exampleKey: String) -> ElementParts? {
        guard let fields = fields(of: node, what: "Each \(kind)", allowed: allowed) else { return nil }
        let article = "aeiou".contains(kind.first!) ? "An" : "A"
        let key = text(fields, "key", what: "\(article) \(kind)", required: true, hint: "such as 'key: \(exampleKey)'") ?? ""
        let name = kind.prefix(1).uppercased() + kind.dropFirst() + " '\(key)'"
        var locations = FieldLocations(element: location(node.mark))
        record(fields, into: &locations)
        return ElementParts(
            fields: fields, key: key,
            label: text(fields, "label", what: name, required: true, hint: "the name people see") ?? "",
            description: text(fields, "description", what: name),
            inputs: inputs(fields, owner: "\(kind) '\(key)'"),
            examplePayload: json(fields["examplePayload"]?.value),
            locations: locations, name: name)
    }

    mutating func decodeConnection(_ node: YAMLNode) -> ConnectionDefinition? {
        guard let parts = decodeElement(node, kind: "connection", allowed: Self.connectionFields, exampleKey: "apiKey") else { return nil }
        let key = parts.key
        let notes = list(parts.fields, "notes", what: "notes of connection '\(key)'") { decoder, node, _ -> ManifestNote? in
            guard let noteFields = decoder.fields(of: node, what: "Each note of connection '\(key)'", allowed: Self.noteFields) else {
                return nil
            }
            return ManifestNote(
                title: decoder.text(noteFields, "title", what: "A note of connection '\(key)'", required: true) ?? "",
                text: decoder.text(noteFields, "text", what: "A note of connection '\(key)'", required: true) ?? "")
        }
        return ConnectionDefinition(
            key: key, label: parts.label, description: parts.description, notes: notes, inputs: parts.inputs, locations: parts.locations)
    }

    mutating func decodeAction(_ node: YAMLNode) -> ActionDefinition? {
        guard var parts = decodeElement(node, kind: "action", allowed: Self.actionFields, exampleKey: "sendSMS") else { return nil }
        var hints = ActionHints()
        if let hintsNode = parts.fields["hints"]?.value, !hintsNode.isNull,
            let fields = fields(
                of: hintsNode, what: "The 'hints' of \(parts.name.prefix(1).lowercased() + parts.name.dropFirst())",
                allowed: Self.hintFields)
        {
            let what = "the 'hints' of \(parts.name.prefix(1).lowercased() + parts.name.dropFirst())"
            hints = ActionHints(
                readOnly: bool(fields, "readOnly", what: what), idempotent: bool(fields, "idempotent", what: what),
                destructive: bool(fields, "destructive", what: what))
        }
        var reconcile: ReconcileRule?
        if let node = parts.fields["reconcile"]?.value, !node.isNull {
            reconcile = decodeReconcile(
                node, of: "The 'reconcile' of \(parts.name.prefix(1).lowercased() + parts.name.dropFirst())", locations: &parts.locations)
        }
        var summary: [String]?
        if let node = parts.fields["summary"]?.value, !node.isNull {
            summary = decodeSummary(parts.fields, of: lowercasedFirst(parts.name), locations: &parts.locations)
        }
        return ActionDefinition(
            key: parts.key, label: parts.label, description: parts.description, inputs: parts.inputs,
            examplePayload: parts.examplePayload, hints: hints, reconcile: reconcile, summary: summary, locations: parts.locations)
    }

    /// An action's `summary`: a list of single words (result keys), each kept one recorded as
    /// `summary.<index in the kept list>`, so the validator's errors point at its own line; none when
    /// it is not a list (which `list` reports) or when every entry was dropped (each reported here).
    mutating func decodeSummary(_ fields: Fields, of owner: String, locations: inout FieldLocations) -> [String]? {
        var kept = 0
        let keys = list(fields, "summary", what: "'summary' of \(owner)") { decoder, node, _ -> String? in
            guard let key = node.scalarValue, !node.isNull else {
                decoder.diagnostics.append(
                    Diagnostic(
                        .error,
                        "Each entry of 'summary' in \(owner) must be a key of its result (a single word such as 'sid'), not \(node.kindDescription).",
                        at: decoder.location(node.mark)))
                return nil
            }
            guard !key.isEmpty, key.utf8.allSatisfy(Self.isWordByte) else {
                decoder.diagnostics.append(
                    Diagnostic(
                        .error,
                        "The 'summary' of \(owner) lists '\(key)', which is not a single word: list top-level keys of its result, made of letters, digits and '_' (such as 'sid').",
                        at: decoder.location(node.mark)))
                return nil
            }
            locations.record("summary.\(kept)", line: node.mark.line, column: node.mark.column)
            kept += 1
            return key
        }
        guard let entries = fields["summary"]?.value.elements, keys.isEmpty == entries.isEmpty else { return nil }
        return keys
    }

    /// `[A-Za-z0-9_]`, what a summary key is made of (docs/manifest.md).
    static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"):
            true
        default: false
        }
    }

    mutating func decodeReconcile(_ node: YAMLNode, of what: String, locations: inout FieldLocations) -> ReconcileRule? {
        guard let fields = fields(of: node, what: what, allowed: Self.reconcileFields) else { return nil }
        record(fields, prefix: "reconcile", into: &locations)
        let action = text(fields, "action", what: what, required: true, hint: "a read-only action that lists candidates")
        let items = text(fields, "items", what: what, required: true, hint: "the field of its data holding the list")
        let createdAt = text(fields, "createdAt", what: what, required: true, hint: "a candidate's creation time field")
        let id = text(fields, "id", what: what, required: true, hint: "a candidate's identifying field")
        let inputs = textMap(fields, "inputs", what: what)
        let match = textMap(fields, "match", what: what)
        if match.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error,
                    "The field 'match' of \(lowercasedFirst(what)) must name at least one candidate field and the input it must equal, such as 'match: {to: to}'.",
                    at: location(fields.node.mark)))
        }
        let preview = text(fields, "preview", what: what)
        var page: ReconcilePaging?
        if let node = fields["page"]?.value, !node.isNull {
            page = decodePaging(node, of: "the 'page' of \(lowercasedFirst(what))", locations: &locations)
        }
        var callback: ReconcileCallback?
        if let node = fields["callback"]?.value, !node.isNull {
            callback = decodeCallback(node, of: "the 'callback' of \(lowercasedFirst(what))", locations: &locations)
        }
        guard let action, let items, let createdAt, let id else { return nil }
        return ReconcileRule(
            action: action, inputs: inputs, items: items, match: match, createdAt: createdAt, id: id, page: page, preview: preview,
            callback: callback)
    }

    /// Records where each of `fields` was written, as `prefix.name`, so that diagnostics point at the value.
    func record(_ fields: Fields, prefix: String, into locations: inout FieldLocations) {
        for (offset, slot) in fields.slots.enumerated() where slot >= 0 {
            let mark = fields.pairs[slot].value.mark
            locations.record("\(prefix).\(fields.allowed[offset])", line: mark.line, column: mark.column)
        }
    }

    mutating func decodePaging(_ node: YAMLNode, of what: String, locations: inout FieldLocations) -> ReconcilePaging? {
        let subject = what.prefix(1).uppercased() + what.dropFirst()
        guard let fields = fields(of: node, what: subject, allowed: Self.pageFields) else { return nil }
        record(fields, prefix: "reconcile.page", into: &locations)
        let size = text(fields, "size", what: subject, required: true, hint: "the listing action's page-size input")
        let limit = text(fields, "limit", what: subject)
        let cursor = text(fields, "cursor", what: subject, required: true, hint: "the listing action's input taking a cursor")
        let next = text(fields, "next", what: subject, required: true, hint: "the field of its data giving the next page's cursor")
        let more = text(fields, "more", what: subject)
        guard let size, let cursor, let next else { return nil }
        return ReconcilePaging(size: size, limit: limit, cursor: cursor, next: next, more: more)
    }

    mutating func decodeCallback(_ node: YAMLNode, of what: String, locations: inout FieldLocations) -> ReconcileCallback? {
        let subject = what.prefix(1).uppercased() + what.dropFirst()
        guard let fields = fields(of: node, what: subject, allowed: Self.callbackFields) else { return nil }
        record(fields, prefix: "reconcile.callback", into: &locations)
        let input = text(fields, "input", what: subject, required: true, hint: "the input taking the status-callback URL")
        let field = text(fields, "field", what: subject, required: true, hint: "the callback's field naming the candidate")
        guard let input, let field else { return nil }
        return ReconcileCallback(input: input, field: field)
    }

    /// A mapping of single words to single words, in the manifest's order; absent is empty.
    mutating func textMap(_ fields: Fields, _ name: StaticString, what: @autoclosure () -> String) -> [(String, String)] {
        guard let pair = fields[name], !pair.value.isNull else { return [] }
        guard let pairs = pair.value.pairs else {
            diagnostics.append(
                Diagnostic(
                    .error,
                    "The field '\(name)' of \(lowercasedFirst(what())) must be a mapping (such as 'to: to'), not \(pair.value.kindDescription).",
                    at: location(pair.value.mark)))
            return []
        }
        var result: [(String, String)] = []
        for entry in pairs {
            guard let key = entry.key.scalarValue, let value = entry.value.scalarValue else {
                diagnostics.append(
                    Diagnostic(
                        .error, "Each entry of '\(name)' in \(lowercasedFirst(what())) must map a single word to a single word.",
                        at: location(entry.key.mark)))
                continue
            }
            result.append((key, value))
        }
        return result
    }

    mutating func decodeTrigger(_ node: YAMLNode) -> TriggerDefinition? {
        guard let parts = decodeElement(node, kind: "trigger", allowed: Self.triggerFields, exampleKey: "webhook") else { return nil }
        return TriggerDefinition(
            key: parts.key, label: parts.label, description: parts.description,
            kind: enumeration(parts.fields, "type", what: parts.name, of: TriggerKind.self) ?? .webhook,
            inputs: parts.inputs, examplePayload: parts.examplePayload, locations: parts.locations)
    }

    mutating func decodeDataSource(_ node: YAMLNode) -> DataSourceDefinition? {
        guard let parts = decodeElement(node, kind: "data source", allowed: Self.dataSourceFields, exampleKey: "selectMessage") else {
            return nil
        }
        return DataSourceDefinition(
            key: parts.key, label: parts.label, description: parts.description,
            dataSourceType: enumeration(parts.fields, "type", what: parts.name, of: DataSourceType.self) ?? .picklist,
            inputs: parts.inputs, examplePayload: parts.examplePayload, locations: parts.locations)
    }

    // MARK: Inputs

    mutating func inputs(_ fields: Fields, owner: @autoclosure () -> String) -> [InputDefinition] {
        guard fields["inputs"] != nil else { return [] }
        let owner = owner()
        return list(fields, "inputs", what: "inputs of \(owner)") { decoder, node, _ in decoder.decodeInput(node, owner: owner) }
    }

    mutating func decodeInput(_ node: YAMLNode, owner: String) -> InputDefinition? {
        guard let fields = fields(of: node, what: "Each input of \(owner)", allowed: Self.inputFields) else { return nil }
        let key = text(fields, "key", what: "An input of \(owner)", required: true, hint: "such as 'key: to'") ?? ""
        func what() -> String { "Input '\(key)' of \(owner)" }
        var locations = FieldLocations(element: location(node.mark))
        record(fields, into: &locations)
        let type = enumeration(fields, "type", what: what(), of: InputType.self, required: true, hint: "such as 'type: string'") ?? .string
        var choices: [InputChoice]?
        if fields["choices"] != nil {
            choices = list(fields, "choices", what: "choices of input '\(key)'") { decoder, node, index in
                locations.record("choices.\(index)", line: node.mark.line, column: node.mark.column)
                return decoder.decodeChoice(node, input: key)
            }
        }
        return InputDefinition(
            key: key,
            label: text(fields, "label", what: what(), required: true, hint: "the name people see") ?? "",
            type: type,
            required: bool(fields, "required", what: what()) ?? false,
            default: defaultValue(fields["default"]?.value, type: type),
            example: exampleText(fields["example"]?.value),
            placeholder: text(fields, "placeholder", what: what()),
            comments: text(fields, "comments", what: what()),
            choices: choices,
            collection: enumeration(fields, "collection", what: what(), of: InputCollection.self),
            pattern: text(fields, "pattern", what: what()),
            minLength: integer(fields, "minLength", what: what()),
            maxLength: integer(fields, "maxLength", what: what()),
            minimum: number(fields, "minimum", what: what()),
            maximum: number(fields, "maximum", what: what()),
            language: text(fields, "language", what: what()),
            dataSource: text(fields, "dataSource", what: what()),
            locations: locations)
    }

    mutating func decodeChoice(_ node: YAMLNode, input: String) -> InputChoice? {
        if let scalar = node.scalar, !node.isNull { return InputChoice(value: scalar.value, label: scalar.value) }
        guard let fields = fields(of: node, what: "Each choice of input '\(input)'", allowed: Self.choiceFields) else { return nil }
        func what() -> String { "A choice of input '\(input)'" }
        guard let value = text(fields, "value", what: what(), required: true, hint: "the value passed to the handler") else { return nil }
        return InputChoice(value: value, label: text(fields, "label", what: what()) ?? value)
    }

    /// A default as written: text for scalar types (their coercion reads it), JSON for `data`.
    mutating func defaultValue(_ node: YAMLNode?, type: InputType) -> JSONValue? {
        guard let node, !node.isNull else { return nil }
        if type == .data { return json(node) }
        return Self.rawJSON(node)
    }

    /// Scalars as their text; structure kept.
    static func rawJSON(_ node: YAMLNode) -> JSONValue {
        switch node.content {
        case .scalar(let scalar): return node.isNull ? .null : .string(scalar.value)
        case .sequence(let elements): return .array(elements.map(rawJSON))
        case .mapping(let pairs):
            return .object(JSONObject(pairs.map { ($0.key.scalar?.value ?? "", rawJSON($0.value)) }))
        }
    }

    /// An example as display text; structured examples become their JSON text.
    mutating func exampleText(_ node: YAMLNode?) -> String? {
        guard let node, !node.isNull else { return nil }
        if let scalar = node.scalar { return scalar.value }
        return json(node).map { JSONWriter.string(from: $0) }
    }

    mutating func json(_ node: YAMLNode?) -> JSONValue? {
        guard let node, !node.isNull else { return nil }
        do {
            return try node.jsonValue(file: file)
        } catch {
            diagnostics.append(Diagnostic(.error, error.message, at: location(error.mark)))
            return nil
        }
    }

    // MARK: Field readers

    /// A mapping's fields, each key matched once against the allowed names (by bytes, with no
    /// string made): a large manifest has tens of thousands of mappings, each read field by field.
    struct Fields {
        let node: YAMLNode
        let pairs: YAMLNode.Pairs
        let allowed: [StaticString]
        /// For each allowed name, the index of its pair, or -1.
        let slots: [Int]

        subscript(name: StaticString) -> YAMLPair? {
            for (offset, candidate) in allowed.enumerated() where Self.same(candidate, name) {
                let slot = slots[offset]
                return slot < 0 ? nil : pairs[slot]
            }
            return nil
        }

        static func same(_ a: StaticString, _ b: StaticString) -> Bool {
            if a.utf8Start == b.utf8Start { return true }
            guard a.utf8CodeUnitCount == b.utf8CodeUnitCount else { return false }
            return UnsafeBufferPointer(start: a.utf8Start, count: a.utf8CodeUnitCount)
                .elementsEqual(UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount))
        }
    }

    func location(_ mark: YAMLMark) -> SourceLocation {
        SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func record(_ fields: Fields, into locations: inout FieldLocations) {
        for (offset, slot) in fields.slots.enumerated() where slot >= 0 {
            let mark = fields.pairs[slot].value.mark
            locations.record(fields.allowed[offset].description, line: mark.line, column: mark.column)
        }
    }

    /// The fields of `node`, which must be a mapping with only `allowed` keys.
    mutating func fields(of node: YAMLNode, what: @autoclosure () -> String, allowed: [StaticString]) -> Fields? {
        guard let pairs = node.pairs else {
            let what = what()
            diagnostics.append(
                Diagnostic(
                    .error, "\(what) must be a mapping of fields (such as 'key: value'), not \(node.kindDescription).",
                    at: location(node.mark)))
            return nil
        }
        var slots = [Int](repeating: -1, count: allowed.count)
        for index in pairs.indices {
            let pair = pairs[index]
            if let slot = pair.key.scalarIndex(in: allowed) {
                slots[slot] = index
                continue
            }
            guard let name = pair.key.scalarValue else {
                diagnostics.append(
                    Diagnostic(.error, "A field name must be a single word, not \(pair.key.kindDescription).", at: location(pair.key.mark)))
                continue
            }
            let what = what()
            let names = allowed.map(\.description)
            let subject = what.hasPrefix("Each ") ? "this " + what.dropFirst(5) : what.prefix(1).lowercased() + what.dropFirst()
            diagnostics.append(
                Diagnostic(
                    .error,
                    "Unknown field '\(name)' in \(subject).\(Suggestion.didYouMean(name, among: names)) The fields allowed here are: \(names.joined(separator: ", ")).",
                    at: location(pair.key.mark)))
        }
        return Fields(node: node, pairs: pairs, allowed: allowed, slots: slots)
    }

    /// A text field; `nil` when absent or null (an error when `required`).
    mutating func text(_ fields: Fields, _ name: StaticString, what: @autoclosure () -> String, required: Bool = false, hint: String? = nil)
        -> String?
    {
        guard let pair = fields[name], !pair.value.isNull else {
            if required {
                let what = what()
                let how = hint.map { " (\($0))" } ?? ""
                diagnostics.append(
                    Diagnostic(
                        .error, "\(what) is missing the required field '\(name)'; add '\(name):'\(how).", at: location(fields.node.mark)))
            }
            return nil
        }
        guard let scalar = pair.value.scalar else {
            diagnostics.append(
                Diagnostic(
                    .error, "The field '\(name)' of \(lowercasedFirst(what())) must be a single value, not \(pair.value.kindDescription).",
                    at: location(pair.value.mark)))
            return nil
        }
        if required, scalar.value.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            let how = hint.map { " (\($0))" } ?? ""
            diagnostics.append(
                Diagnostic(
                    .error, "The field '\(name)' of \(lowercasedFirst(what())) is empty; give it a value\(how).",
                    at: location(pair.value.mark)))
        }
        return scalar.value
    }

    mutating func bool(_ fields: Fields, _ name: StaticString, what: @autoclosure () -> String) -> Bool? {
        guard let value = text(fields, name, what: what()) else { return nil }
        guard let bool = InputCoercion.boolean(fromText: value) else {
            diagnostics.append(
                Diagnostic(
                    .error, "The field '\(name)' of \(lowercasedFirst(what())) must be true or false, not '\(value)'.",
                    at: location(fields[name]!.value.mark)))
            return nil
        }
        return bool
    }

    mutating func integer(_ fields: Fields, _ name: StaticString, what: @autoclosure () -> String) -> Int? {
        guard let value = text(fields, name, what: what()) else { return nil }
        guard let integer = Int(value.trimmingWhitespace()) else {
            diagnostics.append(
                Diagnostic(
                    .error, "The field '\(name)' of \(lowercasedFirst(what())) must be a whole number, not '\(value)'.",
                    at: location(fields[name]!.value.mark)))
            return nil
        }
        return integer
    }

    mutating func number(_ fields: Fields, _ name: StaticString, what: @autoclosure () -> String) -> Double? {
        guard let value = text(fields, name, what: what()) else { return nil }
        let trimmed = value.trimmingWhitespace()
        guard InputCoercion.isDecimalNumeral(trimmed), let number = Double(trimmed) else {
            diagnostics.append(
                Diagnostic(
                    .error, "The field '\(name)' of \(lowercasedFirst(what())) must be a number, not '\(value)'.",
                    at: location(fields[name]!.value.mark)))
            return nil
        }
        return number
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ fields: Fields, _ name: StaticString, what: @autoclosure () -> String, of type: E.Type, required: Bool = false,
        hint: String? = nil
    ) -> E? where E.RawValue == String {
        guard let value = text(fields, name, what: what(), required: required, hint: hint) else { return nil }
        if let match = E(rawValue: value) { return match }
        let what = what()
        let names = E.allCases.map(\.rawValue)
        let subject = E.self == InputType.self ? "\(what) has unknown type '\(value)'." : "\(what) has an unknown \(name) '\(value)'."
        diagnostics.append(
            Diagnostic(
                .error,
                "\(subject)\(Suggestion.didYouMean(value, among: names)) Use one of: \(names.joined(separator: ", ")).",
                at: location(fields[name]!.value.mark)))
        return nil
    }

    /// The elements of a list field, each decoded by `decode`; a missing or null field is an empty list.
    mutating func list<T>(
        _ fields: Fields, _ name: StaticString, what: @autoclosure () -> String, _ decode: (inout ManifestDecoder, YAMLNode, Int) -> T?
    ) -> [T] {
        guard let pair = fields[name], !pair.value.isNull else { return [] }
        guard let elements = pair.value.elements else {
            diagnostics.append(
                Diagnostic(
                    .error, "The \(what()) must be a list (each item starting with '- '), not \(pair.value.kindDescription).",
                    at: location(pair.value.mark)))
            return []
        }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if let value = decode(&self, element, index) { result.append(value) }
        }
        return result
    }

    func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        // Keep "Input 'to'" readable mid-sentence: only the first word changes case.
        return first.lowercased() + text.dropFirst()
    }
}
