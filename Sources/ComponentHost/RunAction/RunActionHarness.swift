import ArgumentParser
import ComponentCore
import ComponentManifest
import ComponentRuntime
import FoundationEssentials
import Glibc
import Logging

/// The `run-action` harness: runs one action of a component from the command line and prints
/// its envelope. See `run-action --help`.
public enum RunActionHarness {
    /// Exit code for a command line that cannot be used.
    public static let usageExitCode: Int32 = 64
    /// Exit code for a manifest with errors.
    public static let invalidManifestExitCode: Int32 = 65

    /// Runs with the process's arguments and environment, then exits.
    public static func main(_ component: HostedComponent) async -> Never {
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
        let command: RunActionCommand
        do {
            command = try RunActionCommand.parse(arguments)
        } catch {
            let code = RunActionCommand.exitCode(for: error).rawValue
            let message = RunActionCommand.fullMessage(for: error)
            if code == 0 { io.writeOut(message + "\n") } else { io.writeErr(message + "\n") }
            return code == 0 ? 0 : usageExitCode
        }

        let loaded: LoadedManifest
        do {
            loaded = try component.loadManifest(overridePath: command.manifestPath)
        } catch {
            io.writeErr(error.rendered + "\n")
            return invalidManifestExitCode
        }
        if command.manifestPath != nil, !loaded.warnings.isEmpty {
            io.writeErr(loaded.warnings.map { $0.rendered(source: loaded.source) }.joined(separator: "\n") + "\n")
        }
        if command.list || command.docs {
            // Listing needs no service, but the manifest and the handlers must still agree.
            do {
                _ = try ComponentRunner(ComponentDefinition(manifest: loaded.manifest, handlers: component.makeHandlers(HostServices())))
            } catch {
                io.writeErr("error: the manifest and the component's handlers disagree:\n\(error)\n")
                return ComponentError.Kind.internal.exitCode
            }
            io.writeOut(
                command.docs
                    ? renderDocs(loaded.manifest, generator: "\(component.commandName) --docs") : ActionListing.render(loaded.manifest))
            return 0
        }
        guard let action = command.action else {
            let manifest = loaded.manifest
            let keys = (manifest.actions.map(\.key) + manifest.triggers.map(\.key) + manifest.dataSources.map(\.key)).joined(
                separator: ", ")
            io.writeErr("error: name what to run, one of: \(keys). See --list for their inputs.\n")
            return usageExitCode
        }

        let inputs: JSONObject
        let explicitConnection: RawConnection?
        var payload: JSONValue?
        var state: JSONValue?
        do {
            inputs = try RawInputBuilder.inputs(file: command.inputsFile, pairs: command.inputs, jsonPairs: command.jsonInputs)
            explicitConnection = try RawInputBuilder.connection(
                key: command.connectionKey, fields: command.connectionFields, file: command.connectionFile, manifest: loaded.manifest)
            if let file = command.payloadFile { payload = try RawInputBuilder.readJSON(file, flag: "--payload") }
            if let file = command.stateFile, FileManager.default.fileExists(atPath: file) {
                state = try RawInputBuilder.readJSON(file, flag: "--state")
            }
        } catch {
            io.writeErr("error: \(error)\n")
            return usageExitCode
        }
        if payload != nil || command.stateFile != nil, loaded.manifest.trigger(action) == nil {
            io.writeErr("error: --payload and --state are for triggers, and '\(action)' is not one.\n")
            return usageExitCode
        }

        let services: HostServices
        do {
            services = try await component.services(
                for: HostRequest(
                    environment: environment, connection: explicitConnection, baseURL: command.baseURL,
                    resetsSandbox: command.resetSandbox, notice: { io.writeErr($0 + "\n") }),
                manifest: loaded.manifest)
        } catch {
            io.writeErr("error: \(error)\n")
            return ComponentError.Kind.connection.exitCode
        }
        let runner: ComponentRunner
        do {
            runner = try ComponentRunner(ComponentDefinition(manifest: loaded.manifest, handlers: component.makeHandlers(services)))
        } catch {
            await services.stop()
            io.writeErr("error: the manifest and the component's handlers disagree:\n\(error)\n")
            return ComponentError.Kind.internal.exitCode
        }

        let logger = io.logger(label: "run-action", level: command.debug ? .debug : .info)
        let request = InvocationRequest(
            element: action, inputs: inputs, connection: explicitConnection ?? services.connection, invocationID: command.invocationID,
            debug: command.debug, payload: payload, state: state)
        let style: JSONWriter.Style = command.compact ? .compact : .pretty
        // Progress lines go to a terminal only, each overwriting the last ("\e[2K\r" clears the line).
        let writeErr = io.writeErr
        var progress: (@Sendable (String) -> Void)?
        if io.isTerminal { progress = { @Sendable line in writeErr("\u{1B}[2K\r" + line) } }
        let sink = ResultSink(style: style, write: io.writeOut)
        let result = await runner.run(request, logger: logger, options: InvocationOptions(sink: sink, progress: progress))
        await services.stop()
        if let file = command.stateFile, result.error == nil, let newState = result.envelope["state"], newState != .null {
            do {
                try JSONWriter.string(from: newState, style: .pretty).write(toFile: file, atomically: true, encoding: .utf8)
            } catch {
                io.writeErr("error: the new state could not be written to \(file): \(error)\n")
            }
        }
        if progress != nil { io.writeErr("\u{1B}[2K\r") }
        if result.streamed {
            io.writeOut("\n")
        } else {
            io.writeOut(JSONWriter.string(from: result.envelope, style: style) + "\n")
        }
        if let error = result.error {
            io.writeErr("error: \(error.message)\n")
        }
        return result.exitCode
    }
}
