import ArgumentParser
import ComponentCore
import ComponentManifest
import ComponentRuntime
import FoundationEssentials
import Glibc

/// The engine-facing executable of a component: `manifest`, `invoke`,
/// `trigger`, `data-source`, `check`, `serve`, `mcp`, `docs`, `validate`. See `docs/protocol.md`.
public enum ComponentTool {
    /// Exit code for a command line that cannot be used.
    public static let usageExitCode: Int32 = 64
    /// Exit code for a manifest with errors.
    public static let invalidManifestExitCode: Int32 = 65

    /// The subcommands' names.
    public static var subcommandNames: [String] {
        ComponentToolCommand.configuration.subcommands.map { $0._commandName }
    }

    /// Runs with the process's arguments, environment and standard streams, then exits.
    public static func main(_ component: HostedComponent) async -> Never {
        // A reader that goes away must not kill the process mid-answer; writes then fail quietly.
        signal(SIGPIPE, SIG_IGN)
        let code = await run(
            component, arguments: Array(CommandLine.arguments.dropFirst()),
            environment: ProcessInfo.processInfo.environment, io: .standard)
        ProcessExit.now(code)
    }

    /// Runs with `arguments` (without the program name) and returns the exit code.
    public static func run(_ component: HostedComponent, arguments: [String], environment: [String: String], io: HostIO) async -> Int32 {
        let component = component.reading(environment)
        // The help names the hosted component, not the host.
        return await HostIdentity.$current.withValue(HostIdentity(component)) {
            await runIdentified(component, arguments: arguments, environment: environment, io: io)
        }
    }

    private static func runIdentified(_ component: HostedComponent, arguments: [String], environment: [String: String], io: HostIO) async
        -> Int32
    {
        // Help and usage errors: help on standard output with 0, anything else on standard error with 64.
        func report(_ error: any Error) -> Int32 {
            let code = ComponentToolCommand.exitCode(for: error).rawValue
            let message = ComponentToolCommand.fullMessage(for: error)
            if code == 0 { io.writeOut(message + "\n") } else { io.writeErr(message + "\n") }
            return code == 0 ? 0 : usageExitCode
        }
        let commandLine: EngineCommandLine
        do {
            commandLine = try EngineCommandLine.parse(arguments)
        } catch {
            return report(error)
        }
        let command: any ParsableCommand
        switch commandLine {
        case .oneShot(let kind, let options):
            return await oneShot(component, kind: kind, options: options, environment: environment, io: io)
        case .serve(let concurrency, let target):
            return await ServeLoop.run(component, concurrency: concurrency, target: target, environment: environment, io: io)
        case .manifest(let compact):
            return printManifest(component, compact: compact, io: io)
        case .parsed(let parsed):
            command = parsed
        }
        switch command {
        case let command as MCPCommand:
            guard let mcp = component.mcp else {
                io.writeErr("error: \(component.commandName) serves no MCP: run the component's MCP executable instead.\n")
                return usageExitCode
            }
            return await mcp.serve(component, command.engine.target, arguments, environment, io)
        case is DocsCommand:
            guard let loaded = loadManifest(component, path: nil, io: io) else { return invalidManifestExitCode }
            io.writeOut(renderDocs(loaded.manifest, generator: "\(component.commandName) docs"))
            return 0
        case let command as ValidateCommand:
            return validate(component, path: command.path, io: io)
        case is ComponentToolCommand:
            // No subcommand: say what the subcommands are.
            io.writeErr(ComponentToolCommand.helpMessage() + "\n")
            return usageExitCode
        default:
            // The built-in `help <subcommand>`, which reports its text by throwing.
            do {
                var command = command
                try command.run()
                return 0
            } catch {
                return report(error)
            }
        }
    }

    static func loadManifest(_ component: HostedComponent, path: String?, io: HostIO) -> LoadedManifest? {
        do {
            return try component.loadManifest(overridePath: path)
        } catch {
            io.writeErr(error.rendered + "\n")
            return nil
        }
    }

    static func printManifest(_ component: HostedComponent, compact: Bool, io: HostIO) -> Int32 {
        guard let loaded = loadManifest(component, path: nil, io: io) else { return invalidManifestExitCode }
        let json = ManifestExport.json(loaded.manifest, version: component.version(of: loaded.manifest))
        io.writeOut(JSONWriter.string(from: json, style: compact ? .compact : .pretty) + "\n")
        return 0
    }

    static func validate(_ component: HostedComponent, path: String?, io: HostIO) -> Int32 {
        guard let loaded = loadManifest(component, path: path, io: io) else { return invalidManifestExitCode }
        for warning in loaded.warnings { io.writeErr(warning.rendered(source: loaded.source) + "\n") }
        if path == nil {
            let problems = component.makeHandlers(HostServices()).mismatches(with: loaded.manifest)
            guard problems.isEmpty else {
                io.writeErr("error: the manifest and the component's handlers disagree:\n" + problems.joined(separator: "\n") + "\n")
                return invalidManifestExitCode
            }
        }
        let manifest = loaded.manifest
        // An executable on ComponentMain runs a subcommand of that name rather than the element.
        let keys = manifest.triggers.map(\.key) + manifest.actions.map(\.key) + manifest.dataSources.map(\.key)
        let clashing = keys.filter { subcommandNames.contains($0) || $0 == "help" }
        guard clashing.isEmpty else {
            io.writeErr(
                clashing.map {
                    "error: '\($0)' is also a subcommand of the component's executable: `\(component.commandName) \($0)` runs the subcommand, not the element; give the element another key.\n"
                }.joined())
            return invalidManifestExitCode
        }
        func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
        io.writeOut(
            "\(path ?? "the built-in manifest") is valid: component '\(manifest.key)', \(count(manifest.connections.count, "connection")), "
                + "\(count(manifest.triggers.count, "trigger")), \(count(manifest.actions.count, "action")), "
                + "\(count(manifest.dataSources.count, "data source")), \(count(loaded.warnings.count, "warning")).\n")
        return 0
    }

    /// `invoke`, `trigger`, `data-source` and `check`: one request in, one result out.
    static func oneShot(
        _ component: HostedComponent, kind: EngineElementKind, options: EngineCommandLine.OneShot, environment: [String: String], io: HostIO
    ) async -> Int32 {
        let style: JSONWriter.Style = options.pretty ? .pretty : .compact
        let text: [UInt8]
        do {
            text = try readRequest(options.requestFile, allowEmpty: kind == .check)
        } catch {
            io.writeErr("error: \(error)\n")
            return usageExitCode
        }
        let request: EngineRequest
        do {
            // A check with no request checks the environment's connection.
            request =
                kind == .check && EngineRequest.isBlank(text)
                ? EngineRequest(id: .null, kind: .check, element: "", inputs: [:], connection: nil, invocationID: nil, debug: false)
                : try EngineRequest.parse(text, expected: kind)
        } catch {
            io.writeOut(JSONWriter.string(from: error.error.envelope, style: style) + "\n")
            io.writeErr("error: \(error.error.message)\n")
            return error.error.kind.exitCode
        }
        let session: EngineSession
        do {
            session = try await EngineSession.start(
                component, target: options.target, environment: environment, io: io, label: component.commandName)
        } catch {
            io.writeErr(error.message + "\n")
            return error.exitCode
        }
        let result = await session.respond(request)
        await session.stop()
        io.writeOut(JSONWriter.string(from: result.envelope, style: style) + "\n")
        if let error = result.error {
            io.writeErr("error: \(error.message)\n")
        } else if kind == .check, let details = result.envelope["data"]?["details"] {
            io.writeErr("ok: the connection works (\(checkSummary(details))).\n")
        }
        return result.exitCode
    }

    /// "AC…, Sandbox account, active": what a check learned, for the person reading stderr.
    static func checkSummary(_ details: JSONValue) -> String {
        guard case .object(let object) = details else { return JSONWriter.string(from: details) }
        return object.pairs.map(\.value).compactMap { value -> String? in
            switch value {
            case .string(let text): text
            case .integer, .number, .bool: JSONWriter.string(from: value)
            default: nil
            }
        }.joined(separator: ", ")
    }

    struct RequestReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Standard input to its end.
    static func readStandardInput() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw RequestReadError(description: "standard input cannot be read: \(String(cString: strerror(errno))).")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// The request's bytes from `file`, or from standard input (nothing, for a check, when it is a terminal).
    static func readRequest(_ file: String?, allowEmpty: Bool) throws -> [UInt8] {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RequestReadError(description: "--request \(file): the file cannot be read.")
            }
            return [UInt8](data)
        }
        if allowEmpty, isatty(STDIN_FILENO) == 1 { return [] }
        return try readStandardInput()
    }
}
