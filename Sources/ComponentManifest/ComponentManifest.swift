public import ComponentCore

/// A component as its manifest (`component.yaml`) declares it: plain values, no I/O.
///
/// Decoded by ``ManifestLoader`` and checked by ``validateManifest(_:)``. Each element keeps the
/// source locations of its fields so that every problem can point at its place.
public struct ComponentManifest: Sendable {
    /// The component's programmatic key (`acme`).
    public var key: String
    /// The component's version (`1.2.0`), shown in the export, to MCP clients and in the User-Agent.
    public var version: String?
    /// How the component is shown.
    public var display: ComponentDisplay
    /// Ways to authenticate.
    public var connections: [ConnectionDefinition]
    /// Events that start a flow.
    public var triggers: [TriggerDefinition]
    /// Steps a flow can run.
    public var actions: [ActionDefinition]
    /// Sources of values for engine forms (picklists).
    public var dataSources: [DataSourceDefinition]
    /// How often requests are tried, by the component and by an engine.
    public var retry: RetrySettings
    /// Where each field was written.
    public var locations: FieldLocations

    /// A manifest.
    public init(
        key: String, version: String? = nil, display: ComponentDisplay, connections: [ConnectionDefinition] = [],
        triggers: [TriggerDefinition] = [], actions: [ActionDefinition] = [], dataSources: [DataSourceDefinition] = [],
        retry: RetrySettings = .default, locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.version = version
        self.retry = retry
        self.display = display
        self.connections = connections
        self.triggers = triggers
        self.actions = actions
        self.dataSources = dataSources
        self.locations = locations
    }

    /// The action with `key`.
    public func action(_ key: String) -> ActionDefinition? { actions.first { $0.key == key } }
    /// The trigger with `key`.
    public func trigger(_ key: String) -> TriggerDefinition? { triggers.first { $0.key == key } }
    /// The data source with `key`.
    public func dataSource(_ key: String) -> DataSourceDefinition? { dataSources.first { $0.key == key } }
    /// The connection with `key`.
    public func connection(_ key: String) -> ConnectionDefinition? { connections.first { $0.key == key } }
}

/// How a component is shown to people.
public struct ComponentDisplay: Sendable {
    /// Its name ("Acme").
    public var label: String
    /// One line ("Send messages through Acme").
    public var description: String
    /// A category for catalogues.
    public var category: String?
    /// An icon, relative to the manifest.
    public var iconPath: String?
    /// A longer text for the generated docs (Markdown).
    public var longDescription: String?

    /// A display.
    public init(label: String, description: String, category: String? = nil, iconPath: String? = nil, longDescription: String? = nil) {
        self.label = label
        self.description = description
        self.category = category
        self.iconPath = iconPath
        self.longDescription = longDescription
    }
}

/// A titled note shown with a connection ("Consider API Keys instead").
public struct ManifestNote: Sendable, Hashable {
    /// The heading.
    public var title: String
    /// The text (Markdown).
    public var text: String

    /// A note.
    public init(title: String, text: String) {
        self.title = title
        self.text = text
    }
}

/// A way to authenticate (an API key, an auth token).
public struct ConnectionDefinition: Sendable {
    public var key: String
    public var label: String
    /// What it is and how to set it up (Markdown).
    public var description: String?
    /// Extra notes shown after the description.
    public var notes: [ManifestNote]
    /// The fields a user fills in; `password` fields are secrets.
    public var inputs: [InputDefinition]
    public var locations: FieldLocations

    /// A connection.
    public init(
        key: String, label: String, description: String? = nil, notes: [ManifestNote] = [], inputs: [InputDefinition],
        locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.label = label
        self.description = description
        self.notes = notes
        self.inputs = inputs
        self.locations = locations
    }
}

/// What the manifest's actions, triggers and data sources share: a key, a label, a description,
/// inputs and an example payload.
public protocol ManifestElement: Sendable {
    /// The programmatic key.
    var key: String { get }
    /// The name shown to people.
    var label: String { get }
    /// What it does.
    var description: String? { get }
    /// Its inputs, in the order they are shown.
    var inputs: [InputDefinition] { get }
    /// An example of what it returns, in its envelope.
    var examplePayload: JSONValue? { get }
    /// Where each field was written.
    var locations: FieldLocations { get }
    /// "action", "trigger" or "data source", for messages.
    static var kindName: String { get }
}

extension ManifestElement {
    /// The input with `key`.
    public func input(_ key: String) -> InputDefinition? { inputs.first { $0.key == key } }

    /// The input of type `connection`, if there is one.
    public var connectionInput: InputDefinition? { inputs.first { $0.type == .connection } }
}

/// A step a flow can run.
public struct ActionDefinition: ManifestElement {
    public var key: String
    public var label: String
    public var description: String?
    public var inputs: [InputDefinition]
    /// `{data: ...}`, as the action returns it.
    public var examplePayload: JSONValue?
    /// What running the action does to the outside world, for engines and agents deciding on retries.
    public var hints: ActionHints
    /// How to tell afterwards whether a run that may have reached the service took effect.
    public var reconcile: ReconcileRule?
    /// The top-level keys of the result (`sid`, `status`) an engine keeps when it keeps results
    /// small, such as a batch's; none: it keeps the whole result.
    public var summary: [String]?
    public var locations: FieldLocations
    public static var kindName: String { "action" }

    /// An action.
    public init(
        key: String, label: String, description: String? = nil, inputs: [InputDefinition] = [], examplePayload: JSONValue? = nil,
        hints: ActionHints = ActionHints(), reconcile: ReconcileRule? = nil, summary: [String]? = nil,
        locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.label = label
        self.description = description
        self.inputs = inputs
        self.examplePayload = examplePayload
        self.hints = hints
        self.reconcile = reconcile
        self.summary = summary
        self.locations = locations
    }
}

/// How an engine finds the effect of an action run whose answer was lost (`maybeSent`): run the
/// read-only `action` with inputs taken from the lost run's, and look in its result's `items`
/// for one whose `match` fields equal the run's inputs and that was created (`createdAt`) since
/// the attempt began; `page` says how to list page by page, `preview` how to learn the values a
/// candidate holds, `callback` how the service can name the candidate itself. The manifest
/// states it so that engines need no per-action code.
public struct ReconcileRule: Sendable, Hashable {
    /// The read-only action that lists candidates.
    public var action: String
    /// Its inputs: its input key, then the key of the reconciled action's input that gives the value.
    public var inputs: [(String, String)]
    /// The field of the listing action's `data` that holds the list of candidates.
    public var items: String
    /// A candidate's field, then the reconciled action's input it must equal.
    public var match: [(String, String)]
    /// A candidate's field holding when it was created (ISO 8601).
    public var createdAt: String
    /// A candidate's field that identifies it (its SID).
    public var id: String
    /// How to list one page at a time, when the listing action pages.
    public var page: ReconcilePaging?
    /// The reconciled action's boolean input that makes it preview, without effect, the values a
    /// candidate must hold (`expected`, and the `uncertain` fields among them).
    public var preview: String?
    /// The reconciled action's status-callback input, and the field of the callback naming the candidate.
    public var callback: ReconcileCallback?

    /// A rule.
    public init(
        action: String, inputs: [(String, String)], items: String, match: [(String, String)], createdAt: String, id: String,
        page: ReconcilePaging? = nil, preview: String? = nil, callback: ReconcileCallback? = nil
    ) {
        self.action = action
        self.inputs = inputs
        self.items = items
        self.match = match
        self.createdAt = createdAt
        self.id = id
        self.page = page
        self.preview = preview
        self.callback = callback
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.action == rhs.action && lhs.items == rhs.items && lhs.createdAt == rhs.createdAt && lhs.id == rhs.id
            && lhs.inputs.elementsEqual(rhs.inputs, by: ==) && lhs.match.elementsEqual(rhs.match, by: ==) && lhs.page == rhs.page
            && lhs.preview == rhs.preview && lhs.callback == rhs.callback
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(action)
        hasher.combine(items)
        for (key, value) in inputs + match {
            hasher.combine(key)
            hasher.combine(value)
        }
        hasher.combine(page)
        hasher.combine(preview)
        hasher.combine(callback)
    }
}

/// How a reconciling engine lists one page per call, most recent first, following the cursor
/// back to the start of the window it searches.
public struct ReconcilePaging: Sendable, Hashable {
    /// The listing action's input for the page size.
    public var size: String
    /// Its input for the most items one call returns, set to the page size; `nil` when it has none.
    public var limit: String?
    /// Its input taking the cursor to continue from.
    public var cursor: String
    /// The field of its `data` giving the cursor of the next page (null at the end).
    public var next: String
    /// The field of its `data` saying whether more remain; `nil` when `next` alone says it.
    public var more: String?

    /// Paging.
    public init(size: String, limit: String? = nil, cursor: String, next: String, more: String? = nil) {
        self.size = size
        self.limit = limit
        self.cursor = cursor
        self.next = next
        self.more = more
    }
}

/// How the service can name a run's effect itself: the reconciled action's input that takes a
/// status-callback URL, and the form field of the callback's body holding the candidate's `id`.
public struct ReconcileCallback: Sendable, Hashable {
    /// The reconciled action's input taking the callback URL.
    public var input: String
    /// The callback body's field giving the candidate's `id`.
    public var field: String

    /// A callback.
    public init(input: String, field: String) {
        self.input = input
        self.field = field
    }
}

/// What an action does when it runs, as far as a caller deciding to retry it needs to know.
/// `nil` means the manifest does not say.
public struct ActionHints: Sendable, Hashable {
    /// The action only reads; running it changes nothing.
    public var readOnly: Bool?
    /// Running it again with the same inputs has no further effect.
    public var idempotent: Bool?
    /// It may delete or overwrite something (rather than only add).
    public var destructive: Bool?

    /// Hints.
    public init(readOnly: Bool? = nil, idempotent: Bool? = nil, destructive: Bool? = nil) {
        self.readOnly = readOnly
        self.idempotent = idempotent
        self.destructive = destructive
    }
}

/// How a trigger is started.
public enum TriggerKind: String, Sendable, CaseIterable {
    /// By an HTTP request to the flow's webhook URL.
    case webhook
    /// On a schedule, carrying a cursor in its state.
    case polling
}

/// An event that starts a flow.
public struct TriggerDefinition: ManifestElement {
    public var key: String
    public var label: String
    public var description: String?
    /// Webhook or polling.
    public var kind: TriggerKind
    public var inputs: [InputDefinition]
    /// `{payload: ...}`, as the trigger returns it.
    public var examplePayload: JSONValue?
    public var locations: FieldLocations
    public static var kindName: String { "trigger" }

    /// A trigger.
    public init(
        key: String, label: String, description: String? = nil, kind: TriggerKind = .webhook, inputs: [InputDefinition] = [],
        examplePayload: JSONValue? = nil, locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.label = label
        self.description = description
        self.kind = kind
        self.inputs = inputs
        self.examplePayload = examplePayload
        self.locations = locations
    }
}

/// What a data source produces.
public enum DataSourceType: String, Sendable, CaseIterable {
    case picklist, string, boolean, number, date, timestamp, code
}

/// A source of values for engine forms.
public struct DataSourceDefinition: ManifestElement {
    public var key: String
    public var label: String
    public var description: String?
    /// What it produces.
    public var dataSourceType: DataSourceType
    public var inputs: [InputDefinition]
    /// `{result: ...}`, as the data source returns it.
    public var examplePayload: JSONValue?
    public var locations: FieldLocations
    public static var kindName: String { "data source" }

    /// A data source.
    public init(
        key: String, label: String, description: String? = nil, dataSourceType: DataSourceType = .picklist, inputs: [InputDefinition] = [],
        examplePayload: JSONValue? = nil, locations: FieldLocations = FieldLocations()
    ) {
        self.key = key
        self.label = label
        self.description = description
        self.dataSourceType = dataSourceType
        self.inputs = inputs
        self.examplePayload = examplePayload
        self.locations = locations
    }
}

/// Where an element and its fields were written, for diagnostics.
///
/// Kept compact (a short list, searched only when a diagnostic needs a place), because every
/// element of a large manifest carries one.
public struct FieldLocations: Sendable {
    /// Where the element starts.
    public var element: SourceLocation?
    private var entries: [(name: String, line: Int32, column: Int32)] = []

    /// Locations of an element starting at `element`.
    public init(element: SourceLocation? = nil) {
        self.element = element
    }

    /// Records that `field` (`"default"`, `"choices.2"`) was written at `line`:`column` of the element's file.
    public mutating func record(_ field: String, line: Int, column: Int) {
        entries.append((field, Int32(clamping: line), Int32(clamping: column)))
    }

    /// Whether `field` was written.
    public func contains(_ field: String) -> Bool { entries.contains { $0.name == field } }

    /// Where `field` was written, else where the element starts.
    public subscript(field: String) -> SourceLocation? {
        guard let entry = entries.first(where: { $0.name == field }), let file = element?.file else { return element }
        return SourceLocation(file: file, line: Int(entry.line), column: Int(entry.column))
    }
}
