public import ComponentCore

/// The type of an input, which decides how raw values are read.
public enum InputType: String, Sendable, CaseIterable {
    /// One line of text.
    case string
    /// Several lines of text.
    case text
    /// A secret; never printed.
    case password
    /// Source code in ``InputDefinition/language``.
    case code
    /// `true` or `false`.
    case boolean
    /// A whole number.
    case integer
    /// Any number.
    case number
    /// Any JSON value, or text taken as bytes.
    case data
    /// A calendar date, `YYYY-MM-DD`.
    case date
    /// An instant, ISO 8601 with a zone.
    case timestamp
    /// The connection the element uses.
    case connection

    /// Whether values are text (and so `pattern` and lengths apply).
    public var isText: Bool {
        switch self {
        case .string, .text, .password, .code: true
        default: false
        }
    }

    /// Whether values are numbers (and so `minimum`/`maximum` apply).
    public var isNumeric: Bool { self == .integer || self == .number }
}

/// How an input holds several values.
public enum InputCollection: String, Sendable, CaseIterable {
    /// An ordered list of values.
    case valuelist
    /// An ordered list of key-value pairs (headers, query parameters, form fields).
    case keyvaluelist
}

/// One allowed value of a picklist input.
public struct InputChoice: Sendable, Hashable {
    /// The value passed to the handler.
    public var value: String
    /// What people see.
    public var label: String

    /// A choice.
    public init(value: String, label: String) {
        self.value = value
        self.label = label
    }
}

/// An input of an action, trigger, data source or connection.
public struct InputDefinition: Sendable {
    public var key: String
    public var label: String
    public var type: InputType
    /// Whether a value must be given (absent and empty both fail).
    public var required: Bool
    /// Used when no value is given. Stored as written (text for scalar types); coerced like any raw input.
    public var `default`: JSONValue?
    /// An example value, shown in docs and forms.
    public var example: String?
    /// Placeholder text for forms.
    public var placeholder: String?
    /// Help text: what the input is for.
    public var comments: String?
    /// Allowed values (a picklist), in order.
    public var choices: [InputChoice]?
    /// Whether the input takes a list of values or of key-value pairs.
    public var collection: InputCollection?
    /// A regular expression values must match (searched, as in JSON Schema; anchor it with `^...$`).
    public var pattern: String?
    /// The fewest characters a text value may have.
    public var minLength: Int?
    /// The most characters a text value may have.
    public var maxLength: Int?
    /// The smallest number allowed.
    public var minimum: Double?
    /// The largest number allowed.
    public var maximum: Double?
    /// The language of a `code` input.
    public var language: String?
    /// The key of a data source that can fill this input.
    public var dataSource: String?
    public var locations: FieldLocations

    /// An input.
    public init(
        key: String, label: String, type: InputType, required: Bool = false, default: JSONValue? = nil,
        example: String? = nil, placeholder: String? = nil, comments: String? = nil, choices: [InputChoice]? = nil,
        collection: InputCollection? = nil, pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil,
        minimum: Double? = nil, maximum: Double? = nil, language: String? = nil, dataSource: String? = nil,
        locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.label = label
        self.type = type
        self.required = required
        self.default = `default`
        self.example = example
        self.placeholder = placeholder
        self.comments = comments
        self.choices = choices
        self.collection = collection
        self.pattern = pattern
        self.minLength = minLength
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.language = language
        self.dataSource = dataSource
        self.locations = locations
    }

    /// Whether values of this input are secrets.
    public var isSecret: Bool { type == .password }

    /// `'to' (To)`: how messages name this input.
    public var displayName: String { "'\(key)' (\(label))" }
}

/// The languages a `code` input may declare.
public let codeInputLanguages: [String] = [
    "css", "graphql", "handlebars", "hcl", "html", "javascript", "json", "liquid", "markdown", "mysql", "pgsql",
    "plaintext", "sql", "typescript", "xml", "yaml",
]
