import ArgumentParser

/// The `run-action` command line. Parsed only; ``RunActionHarness`` runs it, so that the same code
/// serves the executable and in-process tests.
struct RunActionCommand: ParsableCommand {
    // Computed: the help names the hosted component and says whether it has a sandbox.
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: HostIdentity.current.commandName,
            abstract: "Run one action, trigger or data source of the component locally and print its result envelope as JSON.",
            discussion: """
                Inputs are given as key=value (repeat a key for the items of a list input; give \
                key-value lists as name=value lines or JSON), as typed JSON with --input-json, or \
                all at once with --inputs-file (a JSON object). Values from flags override the file.

                The connection is --connection KEY with one --connection-field name=value per field, \
                or --connection-file (a JSON object {"key": ..., "fields": {...}}). With only \
                --connection-field, the component's single connection is meant. With neither, the \
                component takes one from the environment (\(HostIdentity.current.connectionHelp))\(HostIdentity.current.hasSandbox ? ", or runs against its built-in sandbox (a local stand-in for the service, whose state is kept between runs)" : "").

                A trigger takes the engine's payload with --payload (a JSON file, such as a webhook \
                request) and a polling trigger its previous state with --state (a JSON file, \
                updated in place with the state the run returns, so running it again continues).

                The result is printed on standard output as {"data": ...} (an action), {"payload": \
                ..., "response": ..., "state": ...} (a trigger), {"result": ...} (a data source), or \
                {"error": {...}} on failure; logs, diagnostics and a one-line error go to standard error. Secrets never \
                appear in any of them.

                \(HelpText.transport)

                Exit codes: 0 success; 1 internal error; 2 invalid input; 3 connection problem; \
                4 upstream (the service answered with an error); 5 timeout; 6 network; 7 protocol \
                (unknown action); 8 needs review; 64 bad command line; 65 invalid manifest.
                """)
    }

    @Argument(help: ArgumentHelp("The key of the action, trigger or data source to run (see --list).", valueName: "key"))
    var action: String?

    @Option(
        name: .customLong("payload"),
        help: ArgumentHelp("For a trigger: a JSON file holding the engine's payload (the webhook request).", valueName: "file"))
    var payloadFile: String?

    @Option(
        name: .customLong("state"),
        help: ArgumentHelp("For a polling trigger: a JSON file holding its state; rewritten with the new state.", valueName: "file"))
    var stateFile: String?

    @Option(name: .customLong("input"), help: ArgumentHelp("An input value; repeat for more inputs or list items.", valueName: "key=value"))
    var inputs: [String] = []

    @Option(
        name: .customLong("input-json"),
        help: ArgumentHelp("An input value as typed JSON (a number, list or object).", valueName: "key=json"))
    var jsonInputs: [String] = []

    @Option(name: .customLong("inputs-file"), help: ArgumentHelp("A JSON file holding an object of input values.", valueName: "file"))
    var inputsFile: String?

    @Option(name: .customLong("connection"), help: ArgumentHelp("The key of the connection to use.", valueName: "key"))
    var connectionKey: String?

    @Option(
        name: .customLong("connection-field"), help: ArgumentHelp("A connection field; repeat for each field.", valueName: "name=value"))
    var connectionFields: [String] = []

    @Option(
        name: .customLong("connection-file"),
        help: ArgumentHelp("A JSON file holding {\"key\": ..., \"fields\": {...}}.", valueName: "file"))
    var connectionFile: String?

    @Option(name: .customLong("manifest"), help: ArgumentHelp("Use this manifest instead of the built-in one.", valueName: "path"))
    var manifestPath: String?

    @Option(
        name: .customLong("invocation-id"),
        help: ArgumentHelp("An id for this invocation, shown in logs (random by default).", valueName: "id"))
    var invocationID: String?

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp("Send API requests here, for every host of the service (a sandbox, a proxy).", valueName: "url"))
    var baseURL: String?

    @Flag(
        name: .customLong("reset-sandbox"),
        help: ArgumentHelp(
            "Start the built-in sandbox from an empty state.", visibility: HostIdentity.current.hasSandbox ? .default : .hidden))
    var resetSandbox = false

    @Flag(name: .customLong("list"), help: "List the actions, triggers and data sources with their inputs, then exit.")
    var list = false

    @Flag(name: .customLong("docs"), help: "Print the component's reference page (Markdown, from the manifest), then exit.")
    var docs = false

    @Flag(name: .customLong("debug"), help: "Log debug output (resolved inputs, request traces) to standard error, with secrets redacted.")
    var debug = false

    @Flag(name: .customLong("compact"), help: "Print the envelope on one line instead of indented.")
    var compact = false
}
