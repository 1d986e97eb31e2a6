import ComponentCore
package import ComponentManifest
package import ComponentRuntime
import Logging

/// The component loaded to answer engine requests: its manifest, one runner (so one HTTP client,
/// whose connections are reused from request to request) and the services settled on at start.
package final class EngineSession: Sendable {
    let runner: ComponentRunner
    package let services: HostServices
    let logger: Logger

    private init(runner: ComponentRunner, services: HostServices, logger: Logger) {
        self.runner = runner
        self.services = services
        self.logger = logger
    }

    /// Why a session could not start, with the exit code to end with.
    package struct StartFailure: Error {
        package var message: String
        package var exitCode: Int32
    }

    /// Loads the component's manifest and settles its services: the connection and base URL from
    /// the target or the environment, or the built-in sandbox when `target.sandbox` allows it,
    /// and an HTTP connection pool for up to `concurrency` requests at once.
    package static func start(
        _ component: HostedComponent, target: EngineTarget, environment: [String: String], io: HostIO, label: String, concurrency: Int = 1
    ) async throws(StartFailure) -> EngineSession {
        let loaded: LoadedManifest
        do {
            loaded = try component.loadManifest(overridePath: nil)
        } catch {
            throw StartFailure(message: error.rendered, exitCode: ComponentTool.invalidManifestExitCode)
        }
        let services: HostServices
        do {
            services = try await component.services(
                for: HostRequest(
                    environment: environment, connection: nil, baseURL: target.baseURL, allowsSandbox: target.sandbox,
                    notice: { io.writeErr($0 + "\n") }),
                manifest: loaded.manifest, concurrency: concurrency)
        } catch {
            throw StartFailure(message: "error: \(error)", exitCode: ComponentError.Kind.connection.exitCode)
        }
        do {
            let runner = try ComponentRunner(ComponentDefinition(manifest: loaded.manifest, handlers: component.makeHandlers(services)))
            return EngineSession(runner: runner, services: services, logger: io.logger(label: label, level: .info))
        } catch {
            await services.stop()
            throw StartFailure(
                message: "error: the manifest and the component's handlers disagree:\n\(error)",
                exitCode: ComponentError.Kind.internal.exitCode)
        }
    }

    /// The component's manifest.
    package var manifest: ComponentManifest { runner.manifest }

    /// Runs `request` and returns its result; never throws.
    package func respond(_ request: EngineRequest) async -> InvocationResult {
        let connection = connection(for: request)
        switch request.kind {
        case .check:
            return await runner.checkConnection(
                connection, invocationID: request.invocationID, debug: request.debug, deadline: request.deadline,
                reportsServerDate: request.reportsServerDate, logger: logger)
        case .action, .trigger, .dataSource:
            let invocation = InvocationRequest(
                element: request.element, inputs: request.inputs, connection: connection, invocationID: request.invocationID,
                debug: request.debug, payload: request.payload, state: request.state, deadline: request.deadline,
                reportsServerDate: request.reportsServerDate)
            switch request.kind {
            case .trigger: return await runner.runTrigger(invocation, logger: logger)
            case .dataSource: return await runner.runDataSource(invocation, logger: logger)
            default: return await runner.runAction(invocation, logger: logger)
            }
        }
    }

    /// The request's connection; else one sent inside the inputs (left for the runner to read);
    /// else the one configured at start.
    private func connection(for request: EngineRequest) -> RawConnection? {
        if let connection = request.connection { return connection }
        let element: (any ManifestElement)? =
            switch request.kind {
            case .action: manifest.action(request.element)
            case .trigger: manifest.trigger(request.element)
            case .dataSource: manifest.dataSource(request.element)
            case .check: nil
            }
        if let key = element?.connectionInput?.key, request.inputs[key] != nil { return nil }
        return services.connection
    }

    /// Stops what the services started (a built-in sandbox).
    package func stop() async {
        await services.stop()
    }
}
