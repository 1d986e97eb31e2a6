public import ComponentCore
public import ComponentManifest

/// One input that could not be resolved: which one, and a full sentence saying why.
public struct InputProblem: Sendable, Hashable, CustomStringConvertible {
    /// The input's key (or the unknown key that was given).
    public var key: String
    /// The input's label, when it is a declared input.
    public var label: String?
    /// A full sentence naming the input, saying what is wrong and what to do.
    public var message: String

    /// A problem.
    public init(key: String, label: String?, message: String) {
        self.key = key
        self.label = label
        self.message = message
    }

    public var description: String { message }
}

/// Turns an invocation's raw inputs into ``ResolvedInputs``, reporting every problem at once.
///
/// Raw inputs are a JSON object whose values may be strings (as engines and command lines send
/// them) or typed JSON. For each declared input, in manifest order:
/// - absent, `null` or empty (see ``InputCoercion/isEmpty(_:for:)``) → the default when there is
///   one; otherwise an error if the input is required; otherwise the input is left out;
/// - else the value is coerced by the rules of ``InputCoercion`` (type, collection, choices,
///   constraints).
/// A key that names no declared input is an error (with a "did you mean"), never silently ignored.
/// Inputs of type `connection` are skipped: the connection travels beside the inputs.
public struct InputResolver: Sendable {
    /// The declared inputs, in order.
    public let inputs: [InputDefinition]
    /// "action 'sendSMS'", for messages.
    public let owner: String
    /// What messages call one input: "Input", or "Field" for a connection's fields.
    public let noun: String
    /// Worked out once here rather than at each invocation: the declared keys, and where the
    /// inputs that take values (all but `connection` ones) are.
    private let declaredKeys: Set<String>
    private let valueInputs: [Int]

    /// A resolver for `inputs`; `owner` names their element in messages, `noun` what one input is called.
    public init(inputs: [InputDefinition], owner: String, noun: String = "Input") {
        self.inputs = inputs
        self.owner = owner
        self.noun = noun
        declaredKeys = Set(inputs.map(\.key))
        valueInputs = inputs.indices.filter { inputs[$0].type != .connection }
    }

    /// The resolved values, or every problem found.
    public func resolve(_ raw: JSONObject) -> Result<ResolvedInputs, InputErrors> {
        var values = JSONObject()
        var secretKeys = Set<String>()
        var problems: [InputProblem] = []

        for (key, _) in raw where !declaredKeys.contains(key) {
            let known = inputs.filter { $0.type != .connection }.map(\.key)
            var message = "Unknown \(noun.lowercased()) '\(key)' for \(owner).\(Suggestion.didYouMean(key, among: known))"
            message += known.isEmpty ? " It takes none." : " Known: \(known.joined(separator: ", "))."
            problems.append(InputProblem(key: key, label: nil, message: message))
        }

        // By index: a definition is large, and `for input in inputs` would copy each one.
        for index in valueInputs {
            let input = inputs[index]
            let given = raw[input.key]
            var value: JSONValue?
            if let given, !InputCoercion.isEmpty(given, for: input) {
                value = given
            } else if let fallback = input.default, !InputCoercion.isEmpty(fallback, for: input) {
                value = fallback
            }
            guard let value else {
                if input.required {
                    let state = given == nil || given == .null ? "is required" : "is required but was empty"
                    problems.append(
                        InputProblem(key: input.key, label: input.label, message: "\(noun) \(input.displayName) \(state); give it a value.")
                    )
                }
                continue
            }
            switch InputCoercion.coerce(value, for: input) {
            case .success(let coerced):
                values.appendNew(input.key, coerced)  // declared keys are distinct
                if input.isSecret { secretKeys.insert(input.key) }
            case .failure(let failure):
                problems.append(InputProblem(key: input.key, label: input.label, message: "\(noun) \(input.displayName) \(failure.reason)"))
            }
        }
        if !problems.isEmpty { return .failure(InputErrors(owner: owner, problems: problems)) }
        return .success(ResolvedInputs(values: values, secretKeys: secretKeys))
    }
}

/// Every problem found while resolving one element's inputs.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    /// "action 'sendSMS'".
    public var owner: String
    /// The problems, unknown inputs first, then in manifest order.
    public var problems: [InputProblem]

    /// Problems found by a handler's own checks (combinations of inputs the manifest cannot express).
    public init(owner: String, problems: [InputProblem]) {
        self.owner = owner
        self.problems = problems
    }

    /// The problems as one message, one per line.
    public var description: String { problems.map(\.message).joined(separator: "\n") }
}
