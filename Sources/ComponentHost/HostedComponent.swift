public import ComponentHTTP
public import ComponentManifest
public import ComponentRuntime
import Foundation

/// Where a hosted component's manifest comes from.
public enum ManifestSource: Sendable {
    /// Text compiled into the executable; `fileName` names it in diagnostics.
    case embedded(fileName: String, text: String)
    /// A file read at start-up.
    case file(path: String)
}

/// What a component reads from its environment: the connection its own tools' variables set, and
/// a base URL they point elsewhere.
public struct ServiceEnvironment: Sendable {
    /// The connection a run uses when the caller gives none.
    public var connection: RawConnection?
    /// Where requests go instead of the service's own address.
    public var baseURL: String?

    /// An environment's reading.
    public init(connection: RawConnection? = nil, baseURL: String? = nil) {
        self.connection = connection
        self.baseURL = baseURL
    }
}

/// A local stand-in for a component's service (a sandbox), started for runs that have no
/// credentials when the front end allows it: run-action by default, the engine front end with
/// `--sandbox`. It keeps its state between runs in a file.
public protocol ServiceSandbox: Sendable {
    /// Starts the stand-in with its state in `stateFile` (created when missing).
    func start(stateFile: String) async throws -> StartedSandbox
}

/// A started stand-in: where it listens, the connection it accepts, and how to stop it.
public struct StartedSandbox: Sendable {
    public var baseURL: String
    public var connection: RawConnection
    public var stop: @Sendable () async -> Void

    /// A running stand-in.
    public init(baseURL: String, connection: RawConnection, stop: @escaping @Sendable () async -> Void) {
        self.baseURL = baseURL
        self.connection = connection
        self.stop = stop
    }
}

/// What a front end knows before it runs anything: the environment, the connection the caller
/// gave (if any), and the caller's overrides.
public struct HostRequest: Sendable {
    /// The process environment.
    public var environment: [String: String]
    /// The connection given on the command line or in the request, if any.
    public var connection: RawConnection?
    /// A base URL the caller asked for (`--base-url`), if any.
    public var baseURL: String?
    /// Whether the component's sandbox may stand in when no connection is given or configured.
    /// The harness allows it (a person trying things); engine front ends only when asked, so that
    /// a missing credential fails instead of "sending" to a stand-in.
    public var allowsSandbox: Bool
    /// Whether the sandbox starts with its state emptied (`--reset-sandbox`).
    public var resetsSandbox: Bool
    /// Shows one line to the person running the command (standard error).
    public var notice: @Sendable (String) -> Void

    /// A request.
    public init(
        environment: [String: String], connection: RawConnection?, baseURL: String?, allowsSandbox: Bool = true,
        resetsSandbox: Bool = false, notice: @escaping @Sendable (String) -> Void
    ) {
        self.environment = environment
        self.connection = connection
        self.baseURL = baseURL
        self.allowsSandbox = allowsSandbox
        self.resetsSandbox = resetsSandbox
        self.notice = notice
    }
}

/// What the host settled on for one run: how handlers reach the service, which connection to
/// use, and how to stop anything it started (a sandbox).
public struct HostServices: Sendable {
    /// Where requests go, through which client, with which timeouts and retry policy.
    public var service: ServiceSettings
    /// The connection to use when the caller gave none.
    public var connection: RawConnection?
    /// Stops whatever was started for the run.
    public var stop: @Sendable () async -> Void

    /// Services.
    public init(
        service: ServiceSettings = ServiceSettings(), connection: RawConnection? = nil, stop: @escaping @Sendable () async -> Void = {}
    ) {
        self.service = service
        self.connection = connection
        self.stop = stop
    }
}

/// A component as the host front ends see it: its manifest, its handlers, what it reads from the
/// environment, and the sandbox that stands in for its service, if it has one.
public struct HostedComponent: Sendable {
    /// The manifest used unless the caller names another (`--manifest`, `COMPONENT_MANIFEST`).
    public var manifest: ManifestSource
    /// The handlers, for the services settled on (or the defaults, for `--list` and `--docs`).
    public var makeHandlers: @Sendable (HostServices) -> HandlerRegistry
    /// The connection and base URL the component's own environment variables give.
    public var environment: @Sendable ([String: String]) throws -> ServiceEnvironment
    /// The stand-in for runs without credentials.
    public var sandbox: (any ServiceSandbox)?
    /// The executable's name, in its help, its log lines and the docs' "generated by" line.
    public var commandName: String
    /// The component's version when it is not the manifest's `version`.
    public var version: String?
    /// How a run finds its connection when the request gives none, in the component's own words
    /// (its environment variables), for help texts and notices.
    public var connectionHelp: String

    /// A hosted component; `commandName` is the executable's own name unless given.
    public init(
        manifest: ManifestSource, commandName: String? = nil, version: String? = nil,
        connectionHelp: String = "the component's environment variables",
        environment: @escaping @Sendable ([String: String]) throws -> ServiceEnvironment = { _ in ServiceEnvironment() },
        sandbox: (any ServiceSandbox)? = nil,
        makeHandlers: @escaping @Sendable (HostServices) -> HandlerRegistry
    ) {
        self.manifest = manifest
        self.commandName = commandName ?? ProcessInfo.processInfo.processName
        self.version = version
        self.connectionHelp = connectionHelp
        self.environment = environment
        self.sandbox = sandbox
        self.makeHandlers = makeHandlers
    }

    /// The component's version: the one given, else the manifest's, else `0.0.0`.
    public func version(of manifest: ComponentManifest) -> String {
        version ?? manifest.version ?? "0.0.0"
    }

    /// The version without a loaded manifest at hand (for `--version`): reads the manifest.
    var manifestVersion: String {
        version ?? (try? loadManifest(overridePath: nil))?.manifest.version ?? "0.0.0"
    }

    /// This component with the manifest `COMPONENT_MANIFEST` names in `environment`, if any.
    public func reading(_ environment: [String: String]) -> HostedComponent {
        guard let path = environment["COMPONENT_MANIFEST"], !path.isEmpty else { return self }
        var component = self
        component.manifest = .file(path: path)
        return component
    }

    /// Settles the services of a run: the caller's connection, else the environment's, else the
    /// sandbox (when allowed and no base URL is set); the manifest's retry policy; an attempt
    /// timeout from `COMPONENT_ATTEMPT_TIMEOUT_MS`; and a connection pool with the environment's
    /// TLS trust and proxy, allowing each host as many connections as `concurrency` requests need
    /// (never fewer than the default), as far as the process's limit on open files allows.
    func services(for request: HostRequest, manifest: ComponentManifest, concurrency: Int = 1) async throws -> HostServices {
        let environment = try self.environment(request.environment)
        let baseURL = request.baseURL ?? environment.baseURL.flatMap { $0.isEmpty ? nil : $0 }
        var timeouts = HTTPTimeouts()
        if let timeout = try Self.attemptTimeout(request.environment) { timeouts.perAttempt = timeout }

        let connections = OpenFileLimit.connectionsPerHost(
            forConcurrency: concurrency, minimum: HTTPClientSettings.defaultMaximumConnectionsPerHost)
        if let notice = connections.notice { request.notice("\(commandName): \(notice)") }
        let pool = HTTPConnectionPool(
            settings: HTTPClientSettings(environment: request.environment, maximumConnectionsPerHost: connections.cap))
        let userAgent = "\(manifest.key)-component/\(version(of: manifest)) \(Libcurl.product)"
        var services = HostServices(
            service: ServiceSettings(
                baseURL: baseURL, http: CurlHTTPClient(userAgent: userAgent, pool: pool), timeouts: timeouts,
                retry: RetryPolicy(manifest.retry)),
            connection: request.connection ?? environment.connection)
        guard services.connection == nil, baseURL == nil, request.allowsSandbox, let sandbox else { return services }

        // No credentials anywhere: the sandbox stands in, keeping its state between runs.
        let stateFile = Self.sandboxStateFile(request.environment, component: manifest.key)
        if request.resetsSandbox { try? FileManager.default.removeItem(atPath: stateFile) }
        let running = try await sandbox.start(stateFile: stateFile)
        request.notice(
            "No credentials set (\(connectionHelp)): using the built-in sandbox at \(running.baseURL), which keeps its state in \(stateFile)."
        )
        services.service.baseURL = running.baseURL
        services.connection = running.connection
        services.stop = running.stop
        return services
    }

    /// A misconfigured environment, said plainly.
    struct EnvironmentError: Error, CustomStringConvertible {
        var description: String
    }

    /// `COMPONENT_ATTEMPT_TIMEOUT_MS`: how long one attempt of a request may take (30 s by default).
    static func attemptTimeout(_ environment: [String: String]) throws -> Duration? {
        guard let text = environment["COMPONENT_ATTEMPT_TIMEOUT_MS"], !text.isEmpty else { return nil }
        guard let milliseconds = Int(text), milliseconds > 0 else {
            throw EnvironmentError(
                description: "COMPONENT_ATTEMPT_TIMEOUT_MS must be a whole number of milliseconds above 0, not '\(text)'.")
        }
        return .milliseconds(milliseconds)
    }

    /// `$XDG_CACHE_HOME/<key>-component/sandbox-state.json` (or under `~/.cache`).
    static func sandboxStateFile(_ environment: [String: String], component key: String) -> String {
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return cache + "/\(key)-component/sandbox-state.json"
    }

    /// Loads `source` (or `manifestPath` when given) and validates it.
    public func loadManifest(overridePath: String?) throws(ManifestError) -> LoadedManifest {
        if let overridePath { return try ManifestLoader.load(contentsOf: overridePath) }
        switch manifest {
        case .embedded(let fileName, let text): return try ManifestLoader.load(text: text, file: fileName)
        case .file(let path): return try ManifestLoader.load(contentsOf: path)
        }
    }
}
