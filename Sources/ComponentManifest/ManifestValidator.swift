import ComponentCore

/// Checks a decoded manifest for problems the decoder cannot see field by field: duplicate keys,
/// values that do not fit their input, contradictory constraints, broken references.
///
/// Returns every problem at once, sorted by position, as ``Diagnostic``s whose messages say what
/// is wrong and what to do. Warnings mark things that work but likely should not stay that way.
public func validateManifest(_ manifest: ComponentManifest) -> [Diagnostic] {
    var validator = ManifestValidator(manifest: manifest)
    validator.run()
    return validator.diagnostics.sortedByLocation()
}

private struct ManifestValidator {
    let manifest: ComponentManifest
    var diagnostics: [Diagnostic] = []

    mutating func error(_ message: String, at location: SourceLocation?) {
        diagnostics.append(Diagnostic(.error, message, at: location))
    }

    mutating func warning(_ message: String, at location: SourceLocation?) {
        diagnostics.append(Diagnostic(.warning, message, at: location))
    }

    mutating func run() {
        let keyLocation = manifest.locations["key"]
        checkKey(manifest.key, what: "The component key", at: keyLocation)
        if manifest.actions.isEmpty, manifest.triggers.isEmpty, manifest.dataSources.isEmpty {
            warning(
                "The component declares no actions, triggers or data sources, so engines have nothing to run; add an 'actions:' list.",
                at: manifest.locations.element)
        }

        checkDuplicates(manifest.connections.map { ($0.key, $0.locations) }, kind: "connection", plural: "connections")
        checkDuplicates(manifest.actions.map { ($0.key, $0.locations) }, kind: "action", plural: "actions")
        checkDuplicates(manifest.triggers.map { ($0.key, $0.locations) }, kind: "trigger", plural: "triggers")
        checkDuplicates(manifest.dataSources.map { ($0.key, $0.locations) }, kind: "data source", plural: "data sources")
        checkSharedKeys()

        for connection in manifest.connections {
            let owner = "connection '\(connection.key)'"
            checkKey(connection.key, what: "The connection key", at: connection.locations["key"])
            if connection.inputs.isEmpty {
                warning(
                    "Connection '\(connection.key)' has no inputs, so it carries no credentials; add the fields a user fills in.",
                    at: connection.locations.element)
            }
            for input in connection.inputs where input.type == .connection {
                error(
                    "Input '\(input.key)' of \(owner) has type 'connection', which only actions, triggers and data sources may use; give it a type such as 'string' or 'password'.",
                    at: input.locations["type"])
            }
            checkInputs(connection.inputs, owner: owner)
        }
        for action in manifest.actions {
            checkElement(action, envelope: "data", allowed: ["data"])
            if let rule = action.reconcile { checkReconcile(rule, of: action) }
            if let summary = action.summary { checkSummary(summary, of: action) }
        }
        for trigger in manifest.triggers { checkElement(trigger, envelope: "payload", allowed: ["payload", "response", "state"]) }
        for dataSource in manifest.dataSources { checkElement(dataSource, envelope: "result", allowed: ["result"]) }
    }

    /// A summary lists top-level keys of the action's example result, each once: what an engine
    /// keeps of a result when it keeps it small, so a key the result lacks would be kept as nothing.
    mutating func checkSummary(_ summary: [String], of action: ActionDefinition) {
        let owner = "The 'summary' of action '\(action.key)'"
        guard !summary.isEmpty else {
            error(
                "\(owner) is empty; list the keys of its result an engine keeps (such as 'summary: [sid, status]'), or remove it.",
                at: action.locations["summary"])
            return
        }
        guard case .object(let result)? = action.examplePayload?["data"] else {
            error(
                "\(owner) lists keys of its result, but its example result ('examplePayload: {data: ...}') is not an object; give an example whose 'data' has those keys, or remove 'summary'.",
                at: action.locations["summary"])
            return
        }
        let known = result.keys.sorted()
        var seen: Set<String> = []
        for (index, key) in summary.enumerated() {
            if !seen.insert(key).inserted {
                error("\(owner) lists '\(key)' twice; list each key once.", at: action.locations["summary.\(index)"])
            } else if result[key] == nil {
                error(
                    "\(owner) lists '\(key)', which is not a top-level key of its example result.\(Suggestion.didYouMean(key, among: known)) List keys its 'examplePayload.data' has.",
                    at: action.locations["summary.\(index)"])
            }
        }
    }

    /// A reconcile rule must list with a read-only action of the manifest, from inputs both actions
    /// have, page with the lister's inputs, and preview with a boolean input of the action.
    mutating func checkReconcile(_ rule: ReconcileRule, of action: ActionDefinition) {
        let owner = "The 'reconcile' of action '\(action.key)'"
        let locations = action.locations
        let own = action.inputs.map(\.key)
        if let preview = rule.preview {
            if let input = action.input(preview) {
                if input.type != .boolean {
                    error(
                        "\(owner) previews with the input '\(preview)', which is of type '\(input.type.rawValue)'; the preview input must be a boolean that makes '\(action.key)' return what it would do without doing it.",
                        at: locations["reconcile.preview"])
                }
            } else {
                error(
                    "\(owner) previews with the input '\(preview)', which '\(action.key)' does not have.\(Suggestion.didYouMean(preview, among: own)) Name its boolean input that makes it return what it would do without doing it.",
                    at: locations["reconcile.preview"])
            }
        }
        if let callback = rule.callback, action.input(callback.input) == nil {
            error(
                "\(owner) takes the status callback URL in the input '\(callback.input)', which '\(action.key)' does not have.\(Suggestion.didYouMean(callback.input, among: own))",
                at: locations["reconcile.callback.input"])
        }
        guard let lister = manifest.action(rule.action) else {
            let known = manifest.actions.filter { $0.hints.readOnly == true }.map(\.key)
            error(
                "\(owner) names action '\(rule.action)', which the manifest does not declare.\(Suggestion.didYouMean(rule.action, among: known)) Name a read-only action that lists what '\(action.key)' creates.",
                at: locations["reconcile.action"])
            return
        }
        if lister.hints.readOnly != true {
            error(
                "\(owner) names action '\(lister.key)', which is not read-only; reconciling must not change anything. Name an action with 'hints: {readOnly: true}'.",
                at: locations["reconcile.action"])
        }
        for (listerInput, source) in rule.inputs {
            if lister.input(listerInput) == nil {
                error(
                    "\(owner) gives '\(lister.key)' the input '\(listerInput)', which it does not have.\(Suggestion.didYouMean(listerInput, among: lister.inputs.map(\.key)))",
                    at: locations["reconcile.inputs"])
            }
            if action.input(source) == nil {
                error(
                    "\(owner) takes '\(listerInput)' from the input '\(source)', which '\(action.key)' does not have.\(Suggestion.didYouMean(source, among: own))",
                    at: locations["reconcile.inputs"])
            }
        }
        for (_, source) in rule.match where action.input(source) == nil {
            error(
                "\(owner) matches on the input '\(source)', which '\(action.key)' does not have.\(Suggestion.didYouMean(source, among: own))",
                at: locations["reconcile.match"])
        }
        if let page = rule.page {
            let listerInputs = lister.inputs.map(\.key)
            for (field, role, input) in [
                ("size", "page size", page.size), ("limit", "limit", page.limit), ("cursor", "cursor", page.cursor),
            ] {
                guard let input, lister.input(input) == nil else { continue }
                error(
                    "\(owner) pages with '\(input)' as the \(role) input of '\(lister.key)', which has no such input.\(Suggestion.didYouMean(input, among: listerInputs)) Name the input of '\(lister.key)' that takes the \(role).",
                    at: locations["reconcile.page.\(field)"])
            }
        }
    }

    mutating func checkKey(
        _ key: String, what: String, suffix: @autoclosure () -> String = "", at location: @autoclosure () -> SourceLocation?
    ) {
        guard !key.isEmpty else { return }  // missing keys are reported by the decoder
        var valid = true
        for (offset, byte) in key.utf8.enumerated() {
            let letter = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
            let other = (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
            if !(letter || (offset > 0 && other)) {
                valid = false
                break
            }
        }
        if !valid {
            error(
                "\(what) '\(key)'\(suffix()) is not valid; start it with a letter and use only letters, digits, '_' and '-'.",
                at: location())
        }
    }

    /// Reports each key that repeats an earlier one, at the repeat.
    mutating func checkDuplicates(_ keys: [(String, FieldLocations)], kind: String, plural: @autoclosure () -> String) {
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(keys.count)
        for (index, (key, locations)) in keys.enumerated() where !key.isEmpty {
            guard let earlier = firstIndex[key] else {
                firstIndex[key] = index
                continue
            }
            let whereFirst = keys[earlier].1["key"].map { " (first at line \($0.line), column \($0.column))" } ?? ""
            error(
                "The \(kind) key '\(key)' is used twice among the \(plural())\(whereFirst); give each \(kind) its own key.",
                at: locations["key"])
        }
    }

    /// Actions, triggers and data sources are run by key, so one key may name only one of them.
    mutating func checkSharedKeys() {
        var owner: [String: String] = [:]
        for action in manifest.actions { owner[action.key] = owner[action.key] ?? "action" }
        for (kind, elements) in [
            ("trigger", manifest.triggers.map { ($0.key, $0.locations) }),
            ("data source", manifest.dataSources.map { ($0.key, $0.locations) }),
        ] {
            for (key, locations) in elements {
                if let first = owner[key], first != kind {
                    error(
                        "The \(kind) key '\(key)' is also the key of \(first == "action" ? "an action" : "a \(first)"); give each element its own key, since they are run by key.",
                        at: locations["key"])
                } else {
                    owner[key] = kind
                }
            }
        }
    }

    mutating func checkElement<Element: ManifestElement>(_ element: Element, envelope: String, allowed: Set<String>) {
        let kind = Element.kindName
        let owner = "\(kind) '\(element.key)'"
        checkKey(element.key, what: "The \(kind) key", at: element.locations["key"])
        if (element.description ?? "").isEmpty {
            warning("The \(owner) has no description; add 'description:' so people know what it does.", at: element.locations.element)
        }
        let connections = element.inputs.filter { $0.type == .connection }
        if connections.count > 1 {
            for extra in connections.dropFirst() {
                error(
                    "The \(owner) has more than one input of type 'connection' ('\(connections[0].key)' and '\(extra.key)'); an element uses one connection, so remove the extra input.",
                    at: extra.locations["type"])
            }
        }
        checkInputs(element.inputs, owner: owner)
        checkExamplePayload(element.examplePayload, owner: owner, envelope: envelope, allowed: allowed, locations: element.locations)
    }

    mutating func checkExamplePayload(
        _ payload: JSONValue?, owner: String, envelope: String, allowed: Set<String>, locations: FieldLocations
    ) {
        guard let payload else {
            warning(
                "The \(owner) has no example payload; add 'examplePayload:' with {\(envelope): ...} so the docs and engines can show what it returns.",
                at: locations.element)
            return
        }
        guard case .object(let object) = payload, object.contains(envelope) else {
            error(
                "The example payload of \(owner) must be the envelope it returns, {\(envelope): ...}; put the example under '\(envelope):'.",
                at: locations["examplePayload"])
            return
        }
        if let extra = object.keys.first(where: { !allowed.contains($0) }) {
            let list = allowed.sorted().map { "'\($0)'" }.joined(separator: ", ")
            error(
                "The example payload of \(owner) has the unexpected key '\(extra)'; its envelope holds only \(list).",
                at: locations["examplePayload"])
        }
    }

    mutating func checkInputs(_ inputs: [InputDefinition], owner: String) {
        checkDuplicates(inputs.map { ($0.key, $0.locations) }, kind: "input", plural: "inputs of \(owner)")
        for input in inputs { checkInput(input, owner: owner) }
    }

    mutating func checkInput(_ input: InputDefinition, owner: String) {
        func name() -> String { "Input '\(input.key)' of \(owner)" }
        let locations = input.locations
        checkKey(input.key, what: "The input key", suffix: " of \(owner)", at: locations["key"])

        if input.type == .connection {
            for field in ["default", "choices", "collection", "example", "pattern"] where locations.contains(field) {
                error("\(name()) is a connection, which takes no '\(field)'; remove it.", at: locations[field])
            }
            return
        }

        if let language = input.language {
            if input.type != .code {
                error(
                    "\(name()) has a 'language' but is of type '\(input.type.rawValue)'; only 'code' inputs take a language, so remove it or change the type to 'code'.",
                    at: locations["language"])
            } else if !codeInputLanguages.contains(language) {
                error(
                    "\(name()) has unknown language '\(language)'.\(Suggestion.didYouMean(language, among: codeInputLanguages)) Use one of: \(codeInputLanguages.joined(separator: ", ")).",
                    at: locations["language"])
            }
        } else if input.type == .code {
            warning(
                "\(name()) is code without a 'language'; add one (such as 'language: json') so editors can highlight it.",
                at: locations.element)
        }

        if input.pattern != nil || input.minLength != nil || input.maxLength != nil, !input.type.isText {
            let field = ["pattern", "minLength", "maxLength"].first { locations.contains($0) } ?? "pattern"
            error(
                "\(name()) has '\(field)', which applies only to text inputs (string, text, password, code), not to '\(input.type.rawValue)'; remove it.",
                at: locations[field])
        }
        if let pattern = input.pattern, let problem = PatternCache.problem(pattern) {
            error(
                "The pattern of input '\(input.key)' of \(owner) is not usable: \(problem.reason); fix the regular expression.",
                at: locations["pattern"])
        }
        if let minLength = input.minLength, minLength < 0 {
            error("\(name()) has a negative minLength; use 0 or more.", at: locations["minLength"])
        }
        if let maxLength = input.maxLength, maxLength < 0 {
            error("\(name()) has a negative maxLength; use 0 or more.", at: locations["maxLength"])
        }
        if let minLength = input.minLength, let maxLength = input.maxLength, minLength > maxLength {
            error(
                "\(name()) has minLength \(minLength) greater than maxLength \(maxLength), so no value can fit; swap or fix them.",
                at: locations["minLength"])
        }
        if input.minimum != nil || input.maximum != nil, !input.type.isNumeric {
            let field = locations.contains("minimum") ? "minimum" : "maximum"
            error(
                "\(name()) has '\(field)', which applies only to integer and number inputs, not to '\(input.type.rawValue)'; remove it.",
                at: locations[field])
        }
        if let minimum = input.minimum, let maximum = input.maximum, minimum > maximum {
            error(
                "\(name()) has minimum \(InputCoercion.formatted(minimum)) greater than maximum \(InputCoercion.formatted(maximum)), so no value can fit; swap or fix them.",
                at: locations["minimum"])
        }
        if let dataSource = input.dataSource, manifest.dataSource(dataSource) == nil {
            let known = manifest.dataSources.map(\.key)
            error(
                "\(name()) refers to data source '\(dataSource)', which the manifest does not declare.\(Suggestion.didYouMean(dataSource, among: known)) Declare it under 'dataSources:' or remove the reference.",
                at: locations["dataSource"])
        }

        if let choices = input.choices {
            checkChoices(choices, input: input, name: name())
        }
        if let fallback = input.default {
            if case .failure(let failure) = InputCoercion.coerce(fallback, for: input) {
                error(
                    "The default of input '\(input.key)' of \(owner) does not fit: the input \(failure.reason) Change the default or the input's type.",
                    at: locations["default"])
            }
            if input.isSecret {
                warning(
                    "\(name()) is a password with a default; anyone who reads the manifest can see it. Remove the default.",
                    at: locations["default"])
            }
        }
        if let example = input.example, input.type != .data {
            if case .failure(let failure) = InputCoercion.coerce(.string(example), for: input) {
                error(
                    "The example of input '\(input.key)' of \(owner) does not fit: the input \(failure.reason) Change the example so people can copy it.",
                    at: locations["example"])
            }
        }
    }

    mutating func checkChoices(_ choices: [InputChoice], input: InputDefinition, name: String) {
        if choices.isEmpty {
            error("\(name) has an empty 'choices' list; list the allowed values or remove 'choices'.", at: input.locations["choices"])
            return
        }
        var seen: [String: Int] = [:]
        var unconstrained = input
        unconstrained.choices = nil
        unconstrained.collection = nil
        for (index, choice) in choices.enumerated() {
            let location = input.locations["choices.\(index)"]
            if let first = seen[choice.value] {
                error(
                    "\(name) lists the choice '\(choice.value)' twice (items \(first + 1) and \(index + 1)); remove the duplicate.",
                    at: location)
            } else {
                seen[choice.value] = index
            }
            if case .failure(let failure) = InputCoercion.coerceElement(.string(choice.value), for: unconstrained) {
                error(
                    "Choice '\(choice.value)' of input '\(input.key)' does not fit the input: it \(failure.reason) Fix the choice or the input's type.",
                    at: location)
            }
        }
    }
}
