import ComponentRuntime
import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import ServiceLifecycle

/// How to run the sandbox.
public struct SandboxConfiguration: Sendable {
    /// The address to listen on; loopback by default.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// A file to keep messages in between runs; `nil` keeps them in memory only.
    public var stateFile: String?
    /// How long each lifecycle step takes (queued → sending → sent → delivered); zero reaches the
    /// final status at once.
    public var lifecycleStep: Duration
    /// The credentials accepted.
    public var credentials: SandboxCredentials
    /// The server's log level (request logs at `.debug`).
    public var logLevel: Logger.Level

    /// A configuration; by default loopback, a free port, in memory, one-second steps.
    public init(
        host: String = "127.0.0.1", port: Int = 0, stateFile: String? = nil, lifecycleStep: Duration = .seconds(1),
        credentials: SandboxCredentials = .default, logLevel: Logger.Level = .warning
    ) {
        self.host = host
        self.port = port
        self.stateFile = stateFile
        self.lifecycleStep = lifecycleStep
        self.credentials = credentials
        self.logLevel = logLevel
    }
}

/// A running sandbox.
public final class RunningSandbox: Sendable {
    /// `http://host:port`, the base URL to send Twilio API requests to.
    public let baseURL: String
    /// The port it listens on.
    public let port: Int
    /// The credentials it accepts.
    public let credentials: SandboxCredentials
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    init(baseURL: String, port: Int, credentials: SandboxCredentials, task: Task<Void, any Error>, group: ServiceGroup) {
        self.baseURL = baseURL
        self.port = port
        self.credentials = credentials
        self.task = task
        self.group = group
    }

    /// Stops listening, lets requests in flight finish, closes every connection, and waits for the
    /// server to end (a shutdown that leaves no half-open keep-alive connection behind).
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Serves until the task running this is cancelled (or the server fails).
    public func wait() async throws {
        try await task.value
    }
}

/// The local Twilio-compatible server.
public enum TwilioSandbox {
    /// Starts the sandbox and returns once it listens.
    /// - Throws: ``SandboxStateError`` for an unusable state file, or the server's error when it
    ///   cannot listen.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) async throws -> RunningSandbox {
        var logger = Logger(label: "twilio-sandbox")
        logger.logLevel = configuration.logLevel
        let store = try SandboxStore(stateFile: configuration.stateFile)
        let step = Double(configuration.lifecycleStep.components.seconds) + Double(configuration.lifecycleStep.components.attoseconds) / 1e18
        let core = SandboxCore(credentials: configuration.credentials, store: store, step: step, logger: logger)
        let faults = core.faults

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: SandboxResponder(core: core),
            server: .http1(configuration: .init(additionalChannelHandlers: [FaultChannelHandler(faults: faults)])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = await task.result
            try await task.value
            throw CancellationError()
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return RunningSandbox(baseURL: "http://\(host):\(port)", port: port, credentials: configuration.credentials, task: task, group: group)
    }
}

/// Runs `body` with a sandbox started in-process on a free loopback port, then stops it.
public func withSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero),
    _ body: (_ baseURL: String, _ credentials: SandboxCredentials) async throws -> T
) async throws -> T {
    let sandbox = try await TwilioSandbox.start(configuration)
    do {
        let result = try await body(sandbox.baseURL, sandbox.credentials)
        await sandbox.stop()
        return result
    } catch {
        await sandbox.stop()
        throw error
    }
}
