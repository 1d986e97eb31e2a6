public import ComponentRuntime

/// Where a hosted component's manifest comes from.
public enum ManifestSource: Sendable {
    /// Text compiled into the executable; `fileName` names it in diagnostics.
    case embedded(fileName: String, text: String)
    /// A file read at start-up.
    case file(path: String)
}

/// A component as the host front ends see it: its manifest, its handlers, and how to find a
/// connection when the caller gives none.
public struct HostedComponent: Sendable {
    /// The manifest used unless the caller names another with `--manifest`.
    public var manifest: ManifestSource
    /// The handlers.
    public var handlers: HandlerRegistry
    /// A connection taken from the environment when the caller passes none (for example from
    /// `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN`); `nil` when the environment has none.
    public var connectionFromEnvironment: @Sendable ([String: String]) -> RawConnection?

    /// A hosted component.
    public init(
        manifest: ManifestSource, handlers: HandlerRegistry,
        connectionFromEnvironment: @escaping @Sendable ([String: String]) -> RawConnection? = { _ in nil }
    ) {
        self.manifest = manifest
        self.handlers = handlers
        self.connectionFromEnvironment = connectionFromEnvironment
    }

    /// Loads `source` (or `manifestPath` when given) and validates it.
    func loadManifest(overridePath: String?) throws(ManifestError) -> LoadedManifest {
        if let overridePath { return try ManifestLoader.load(contentsOf: overridePath) }
        switch manifest {
        case .embedded(let fileName, let text): return try ManifestLoader.load(text: text, file: fileName)
        case .file(let path): return try ManifestLoader.load(contentsOf: path)
        }
    }
}
