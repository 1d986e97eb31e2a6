import ArgumentParser
import ComponentHTTP
import ComponentRuntime

// The engine-facing command line. Parsed only; ``ComponentTool`` runs it, so that the executable
// and in-process callers share one path.

/// Where a front end finds its service and connection.
struct EngineOptions: ParsableArguments {
    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp("Send API requests here, for every host of the service (a sandbox, a proxy).", valueName: "url"))
    var baseURL: String?

    @Flag(name: .customLong("sandbox"), help: "Use the built-in sandbox when neither the request nor the environment gives a connection.")
    var sandbox = false
}

/// What the help of the engine front end says of the component it hosts; set for each run by
/// ``ComponentTool``, so that the host names no component of its own.
struct HostIdentity: Sendable {
    var commandName: String
    var connectionHelp: String
    /// Whether the component has a sandbox to stand in for its service.
    var hasSandbox = false
    /// Read only for `--version`: it may load the manifest.
    var version: @Sendable () -> String = { "0.0.0" }

    @TaskLocal static var current = HostIdentity(commandName: "component", connectionHelp: "the component's environment variables")

    /// What the help says of `component`.
    init(_ component: HostedComponent) {
        self.init(
            commandName: component.commandName, connectionHelp: component.connectionHelp, hasSandbox: component.sandbox != nil,
            version: { component.manifestVersion })
    }

    init(commandName: String, connectionHelp: String, hasSandbox: Bool = false, version: @escaping @Sendable () -> String = { "0.0.0" }) {
        self.commandName = commandName
        self.connectionHelp = connectionHelp
        self.hasSandbox = hasSandbox
        self.version = version
    }

    /// What `--version` prints: the component's version, the protocol's, and the libcurl this
    /// process loaded (with its TLS library and HTTP/2 support), so that an engine can log what it runs.
    var versionText: String {
        "\(commandName) \(version())\nprotocol \(ManifestExport.protocolVersion)\n\(Libcurl.version)"
    }
}

struct ComponentToolCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: HostIdentity.current.commandName,
            abstract:
                "The component as workflow engines load it: its manifest, one-shot and long-lived invocation, connection checks, MCP.",
            discussion: """
                Requests and results are JSON (docs/protocol.md): a request names what to run and \
                carries its inputs (strings or typed JSON), its connection ({"key", "fields"}) and \
                context ({"invocationId", "debug"}). Results are {"data": ...} for an action, \
                {"payload", "response", "state"} for a trigger, {"result": ...} for a data source, or \
                {"error": {"kind", "code", "message", ...}}. Logs go to standard error. Secrets never \
                appear in any output.

                A request without a connection uses the one in the environment \
                (\(HostIdentity.current.connectionHelp)), else fails with a connection error; \
                --sandbox lets a built-in sandbox stand in instead.

                \(HelpText.transport)

                Exit codes: 0 success; 1 internal error; 2 invalid input; 3 connection problem; \
                4 upstream (the service answered with an error); 5 timeout; 6 network; 7 protocol \
                (malformed request, unknown action); 64 bad command line; 65 invalid manifest.
                """,
            version: HostIdentity.current.versionText,
            subcommands: [
                ManifestCommand.self, InvokeCommand.self, TriggerCommand.self, DataSourceCommand.self, CheckCommand.self,
                ServeCommand.self, MCPCommand.self, DocsCommand.self, ValidateCommand.self,
            ])
    }
}

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Print the manifest as JSON, each input with its JSON Schema, for an engine to build its forms from.")

    @Flag(name: .customLong("compact"), help: "Print on one line instead of indented.")
    var compact = false
}

/// What the one-shot subcommands share: where the request comes from and how the result is printed.
struct OneShotOptions: ParsableArguments {
    @Option(
        name: .customLong("request"),
        help: ArgumentHelp("Read the JSON request from this file instead of standard input.", valueName: "file"))
    var requestFile: String?

    @Flag(name: .customLong("pretty"), help: "Print the result indented instead of on one line.")
    var pretty = false

    @OptionGroup var engine: EngineOptions
}

struct InvokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoke",
        abstract: "Run one action: a JSON request on standard input, its result on standard output, the exit code by error kind.",
        discussion: """
            The request is {"action": KEY, "inputs": {...}, "connection": {"key": ..., "fields": {...}}, \
            "context": {"invocationId": ..., "debug": false}}. The result is {"data": ...} or {"error": {...}}.
            """)

    @OptionGroup var options: OneShotOptions
}

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Run one trigger on the engine's payload (a webhook request) or, polling, on its previous state.",
        discussion: """
            The request is {"trigger": KEY, "inputs": {...}, "connection": {...}, "payload": {...}, "state": ...}. \
            The result is {"payload", "response", "state"}: answer the webhook's caller with "response", \
            and pass "state" back in the next request of a polling trigger.
            """)

    @OptionGroup var options: OneShotOptions
}

struct DataSourceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-source",
        abstract: "Run one data source (the values of a form field): {\"dataSource\": KEY, ...} in, {\"result\": ...} out.")

    @OptionGroup var options: OneShotOptions
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Test a connection with the same authentication the actions use, and say whether it works.",
        discussion: """
            The request is {"connection": {"key": ..., "fields": {...}}} on standard input; with no \
            input (or an empty request), the connection from the environment is checked. The result \
            is {"data": {"connection", "ok": true, "details"}} or {"error": ...} whose kind says what \
            to fix (connection: the credentials or the account; network, timeout: reaching the service).
            """)

    @OptionGroup var options: OneShotOptions
}

struct ServeCommand: ParsableCommand {
    /// Each request in flight holds a task and a response buffer, a connection only over HTTP/1.1.
    static let maximumConcurrency = 10_000
    static let defaultConcurrency = 16

    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer JSON-lines requests on standard input, each with an \"id\", until the input ends or SIGTERM.",
        discussion: """
            Each line is a request as for invoke, trigger, data-source or check, with an "id"; each \
            answer is one line with the same "id" beside the result, in the order they finish. \
            Requests run concurrently up to --concurrency, sharing HTTP connections. A line that \
            cannot be read is answered with an error line (its "id" when readable, else null) and \
            serving goes on. At the end of input or on SIGTERM, requests already taken are finished \
            and answered, then the process exits 0.
            """)

    @Option(
        name: .customLong("concurrency"),
        help: ArgumentHelp(
            "How many requests run at once (1-10000). Requests mostly wait for the service: at 200 ms a request, n in flight send up to n / 0.2 s.",
            valueName: "n"))
    var concurrency = ServeCommand.defaultConcurrency

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard (1...Self.maximumConcurrency).contains(concurrency) else {
            throw ValidationError("--concurrency must be between 1 and \(Self.maximumConcurrency), not \(concurrency).")
        }
    }
}

struct MCPCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve the component's actions as MCP tools over standard input and output.",
            discussion: """
                Each action is a tool whose input schema is the action's inputs, without its connection: \
                the connection comes from the environment (\(HostIdentity.current.connectionHelp)) or, with --sandbox, from \
                the built-in sandbox. A call returns the result envelope as structured content, with \
                isError set when it failed. An executable that links no MCP server runs the one \
                beside it that does, with the same arguments.
                """)
    }

    @OptionGroup var engine: EngineOptions
}

struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print the component's reference page (Markdown, generated from the manifest).")
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a manifest and print every problem with its file:line:column; exit 65 when it has errors.",
        discussion: "Without a path, the built-in manifest is checked, and also against the component's handlers.")

    @Argument(help: ArgumentHelp("The manifest to check (YAML).", valueName: "path"))
    var path: String?
}
