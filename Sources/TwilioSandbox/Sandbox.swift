public import ComponentCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
public import Logging
import NIOCore
import ServiceLifecycle

/// How to run the sandbox.
public struct SandboxConfiguration: Sendable {
    /// The address to listen on; loopback by default.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// A file to keep messages in between runs (calls and recordings go beside it, in
    /// `<file>.voice.json`); `nil` keeps them in memory only.
    public var stateFile: String?
    /// How long each lifecycle step takes (queued → sending → sent → delivered); zero reaches the
    /// final status at once.
    public var lifecycleStep: Duration
    /// The credentials accepted.
    public var credentials: SandboxCredentials
    /// The server's log level (request logs at `.debug`).
    public var logLevel: Logger.Level
    /// HTTPS (HTTP/2 and HTTP/1.1 by ALPN, or HTTP/1.1 only); `nil` serves plain HTTP/1.1.
    public var tls: SandboxTLS?
    /// Whom the sandbox trusts (for HTTPS receivers), and which proxy it takes, when it posts webhooks.
    public var webhookClient: WebhookClientSettings
    /// How long every API request waits before it is answered; none by default.
    public var latency: ResponseLatency
    /// How far the sandbox's clock is ahead of the machine's (behind when negative): the dates of
    /// its messages, its lifecycle, SendAt checks and every response's `Date` header are read from
    /// it. At most ten years either way; none by default. `POST /__sandbox/clock` changes it while
    /// the sandbox runs, and a reset restores this one.
    public var clockOffset: Duration

    /// A configuration; by default loopback, a free port, plain HTTP, in memory, one-second steps,
    /// the machine's clock.
    public init(
        host: String = "127.0.0.1", port: Int = 0, stateFile: String? = nil, lifecycleStep: Duration = .seconds(1),
        credentials: SandboxCredentials = .default, logLevel: Logger.Level = .warning, tls: SandboxTLS? = nil,
        webhookClient: WebhookClientSettings = WebhookClientSettings(), latency: ResponseLatency = .none, clockOffset: Duration = .zero
    ) {
        self.host = host
        self.port = port
        self.stateFile = stateFile
        self.lifecycleStep = lifecycleStep
        self.credentials = credentials
        self.logLevel = logLevel
        self.tls = tls
        self.webhookClient = webhookClient
        self.latency = latency
        self.clockOffset = clockOffset
    }

    /// The most ``clockOffset`` may be either way (ten years); a larger one is cut to it.
    public static var maximumClockOffset: Duration { .milliseconds(SandboxClock.maximumOffsetMilliseconds) }
}

/// A running sandbox.
public final class RunningSandbox: Sendable {
    /// `http://host:port` (or `https://`), the base URL to send Twilio API requests to.
    public let baseURL: String
    /// The port it listens on.
    public let port: Int
    /// The credentials it accepts.
    public let credentials: SandboxCredentials
    /// Over HTTPS: the CA certificate file clients must trust (`SSL_CERT_FILE`), when there is one.
    public let certificateAuthorityFile: String?
    private let task: Task<Void, any Error>
    private let group: ServiceGroup
    private let temporaryDirectory: URL?
    private let core: SandboxCore

    init(
        baseURL: String, port: Int, credentials: SandboxCredentials, certificateAuthorityFile: String?, temporaryDirectory: URL?,
        core: SandboxCore, task: Task<Void, any Error>, group: ServiceGroup
    ) {
        self.core = core
        self.baseURL = baseURL
        self.port = port
        self.credentials = credentials
        self.certificateAuthorityFile = certificateAuthorityFile
        self.temporaryDirectory = temporaryDirectory
        self.task = task
        self.group = group
    }

    /// What reached the sandbox below the API, as `GET /__sandbox/traffic` answers: connections,
    /// TLS handshakes and failures, requests by HTTP version, refused streams, GOAWAYs, and API
    /// requests in flight now and at the peak.
    public var traffic: JSONValue { core.traffic.json }

    /// Stops listening, lets requests in flight finish, closes every connection, and waits for the
    /// server to end (a shutdown that leaves no half-open keep-alive connection behind), then
    /// closes the webhook client's connections. A CA file the sandbox generated is removed.
    ///
    /// Calls still running are first given up to `callGrace` to end (still served meanwhile), then
    /// stopped: a sandbox that lives for one run (run-action's) lets the call it placed finish, so
    /// that the next run reads it ended rather than cut off (a call stopped running is read back
    /// `failed`).
    public func stop(callGrace: Duration = .zero) async {
        if callGrace > .zero { await core.voice.callsFinished(within: callGrace) }
        await group.triggerGracefulShutdown()
        _ = await task.result
        await core.voice.shutdown()
        await core.webhooks.shutdown()
        if let temporaryDirectory { try? FileManager.default.removeItem(at: temporaryDirectory) }
    }

    /// Serves until the task running this is cancelled (or the server fails).
    public func wait() async throws {
        try await task.value
    }
}

/// The local Twilio-compatible server.
public enum TwilioSandbox {
    /// Starts the sandbox and returns once it listens.
    /// - Throws: ``SandboxStateError`` for an unusable state file, ``SandboxTLSError`` for an
    ///   unusable certificate, or the server's error when it cannot listen.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) async throws -> RunningSandbox {
        var logger = Logger(label: "twilio-sandbox")
        logger.logLevel = configuration.logLevel
        let store = try SandboxStore(stateFile: configuration.stateFile)
        let voiceStore = try VoiceStore(stateFile: configuration.stateFile)
        let verifyStore = try VerifyStore(stateFile: configuration.stateFile)
        let step =
            Double(configuration.lifecycleStep.components.seconds) + Double(configuration.lifecycleStep.components.attoseconds) / 1e18
        // Bounded before the conversion, which traps on a Duration beyond Int's milliseconds.
        let limit = SandboxConfiguration.maximumClockOffset
        let offset = min(max(configuration.clockOffset, .zero - limit), limit)
        let core = SandboxCore(
            credentials: configuration.credentials, store: store, step: step, latency: configuration.latency,
            webhookClient: configuration.webhookClient, clockOffsetMilliseconds: Int((offset / .milliseconds(1)).rounded()),
            voiceStore: voiceStore, verifyStore: verifyStore, logger: logger)
        do {
            return try await serve(core: core, configuration: configuration, logger: logger)
        } catch {
            await core.webhooks.shutdown()
            throw error
        }
    }

    /// Starts serving `core` and returns once it listens.
    private static func serve(core: SandboxCore, configuration: SandboxConfiguration, logger: Logger) async throws -> RunningSandbox {
        let tls = try configuration.tls.map(PreparedTLS.init)
        let server: HTTPServerBuilder
        do {
            server = try serverBuilder(core: core, tls: tls, http2: configuration.tls?.http2 ?? false)
        } catch {
            if let directory = tls?.temporaryDirectory { try? FileManager.default.removeItem(at: directory) }
            throw SandboxTLSError(description: "the TLS configuration cannot be used (\(error)).")
        }

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: SandboxResponder(core: core),
            server: server,
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
            if let directory = tls?.temporaryDirectory { try? FileManager.default.removeItem(at: directory) }
            try await task.value
            throw CancellationError()
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        core.voice.setBaseURL("\(tls == nil ? "http" : "https")://\(host):\(port)")
        return RunningSandbox(
            baseURL: "\(tls == nil ? "http" : "https")://\(host):\(port)", port: port, credentials: configuration.credentials,
            certificateAuthorityFile: tls?.certificateAuthorityFile, temporaryDirectory: tls?.temporaryDirectory, core: core, task: task,
            group: group)
    }

    /// Plain HTTP/1.1, TLS with HTTP/1.1, or TLS with HTTP/2 and HTTP/1.1 by ALPN; every
    /// connection recorded, every request (HTTP/1.1) or stream (HTTP/2) through the fault handler,
    /// every response dated by the sandbox's clock.
    private static func serverBuilder(core: SandboxCore, tls: PreparedTLS?, http2: Bool) throws -> HTTPServerBuilder {
        let faults = core.faults
        let traffic = core.traffic
        let clock = core.clock
        let streams = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                EndStreamCoalescer.Installer(), FaultChannelHandler(faults: faults, traffic: traffic), DateHeaderHandler(clock: clock),
            ])
        guard let tls else {
            return HTTPServerBuilder { responder in
                RecordedChannel(base: HTTP1Channel(responder: responder, configuration: streams), traffic: traffic)
            }
        }
        let configuration = tls.configuration
        if http2 {
            // Validate once here, so that a bad certificate fails the start, not each connection.
            _ = try HTTP2UpgradeChannel(
                tlsConfiguration: configuration, configuration: .init(streamConfiguration: streams), responder: { _, _, _ in })
            return HTTPServerBuilder { responder in
                RecordedChannel(
                    base: try HTTP2UpgradeChannel(
                        tlsConfiguration: configuration, configuration: .init(streamConfiguration: streams), responder: responder),
                    traffic: traffic)
            }
        }
        _ = try TLSChannel(HTTP1Channel(responder: { _, _, _ in }, configuration: streams), tlsConfiguration: configuration)
        return HTTPServerBuilder { responder in
            RecordedChannel(
                base: try TLSChannel(HTTP1Channel(responder: responder, configuration: streams), tlsConfiguration: configuration),
                traffic: traffic)
        }
    }
}

/// Runs `body` with a sandbox started in-process on a free loopback port, then stops it.
public func withSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero),
    _ body: (_ baseURL: String, _ credentials: SandboxCredentials) async throws -> T
) async throws -> T {
    try await withRunningSandbox(configuration) { sandbox in try await body(sandbox.baseURL, sandbox.credentials) }
}

/// Runs `body` with a sandbox started in-process (its base URL, credentials and, over TLS, the CA
/// file to trust), then stops it.
public func withRunningSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero), _ body: (RunningSandbox) async throws -> T
) async throws -> T {
    let sandbox = try await TwilioSandbox.start(configuration)
    do {
        let result = try await body(sandbox)
        await sandbox.stop()
        return result
    } catch {
        await sandbox.stop()
        throw error
    }
}
