import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import ServiceLifecycle
import Synchronization
import TestSupport
import TwilioSandbox

/// An HTTPS server on `127.0.0.1` for the sandbox's webhooks to reach, HTTP/2 and HTTP/1.1 by
/// ALPN, with a certificate from a CA of its own (``certificateAuthorityFile``, which the
/// sandbox must trust). Records every request and answers with what its handler returns.
final class TLSReceiver: Sendable {
    /// `https://127.0.0.1:<port>`.
    let baseURL: String
    /// The CA file the receiver's certificate chains to.
    let certificateAuthorityFile: String
    private let recorded: RequestLog
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let directory: URL

    /// Every request received so far, in order; an HTTP/2 request's `:authority` is its `Host`.
    var requests: [TestHTTPServer.Request] { recorded.requests.withLock { $0 } }
    /// The HTTP version each of ``requests`` came over ("HTTP/2" or "HTTP/1.1"), in the same order.
    var versions: [String] { recorded.versions.withLock { $0 } }

    private init(
        baseURL: String, certificateAuthorityFile: String, recorded: RequestLog, group: ServiceGroup, task: Task<Void, any Error>,
        directory: URL
    ) {
        self.baseURL = baseURL
        self.certificateAuthorityFile = certificateAuthorityFile
        self.recorded = recorded
        self.group = group
        self.task = task
        self.directory = directory
    }

    static func start(handler: @escaping @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Action) async throws -> TLSReceiver {
        let authority = try LocalCertificateAuthority(commonName: "TLS receiver test CA")
        let identity = try authority.issue(hostNames: ["localhost", "127.0.0.1"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-receiver-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let caFile = directory.appendingPathComponent("ca.pem").path
        try authority.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem)))

        let recorded = RequestLog()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "tls-receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = Application(
            responder: Responder(recorded: recorded, handler: handler),
            server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        return TLSReceiver(
            baseURL: "https://127.0.0.1:\(port)", certificateAuthorityFile: caFile, recorded: recorded, group: group, task: task,
            directory: directory)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
    }

    /// Records each request and answers with the handler's action (a delay waits; a close after
    /// reading is not supported over TLS and answers 500).
    struct Responder: HTTPResponder {
        typealias Context = ReceiverContext
        let recorded: RequestLog
        let handler: @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Action

        func respond(to request: Request, context: Context) async throws -> Response {
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
            if let authority = request.head.authority, !headers.contains(where: { $0.name.lowercased() == "host" }) {
                headers.insert((name: "Host", value: authority), at: 0)
            }
            let received = TestHTTPServer.Request(
                method: request.method.rawValue, target: request.uri.string, headers: headers, body: Data(body.readableBytesView),
                connection: 0)
            // Only an HTTP/2 stream channel has a stream ID.
            let http2 = (try? await context.channel.getOption(HTTP2StreamChannelOptions.streamID).get()) != nil
            recorded.requests.withLock { $0.append(received) }
            recorded.versions.withLock { $0.append(http2 ? "HTTP/2" : "HTTP/1.1") }
            var action = await handler(received)
            while case .delay(let duration, let then) = action {
                try await Task.sleep(for: duration)
                action = then
            }
            guard case .respond(let status, let fields, let data) = action else { return Response(status: .internalServerError) }
            var responseHeaders = HTTPFields()
            for (name, value) in fields {
                if let name = HTTPField.Name(name) { responseHeaders.append(HTTPField(name: name, value: value)) }
            }
            return Response(status: .init(code: status), headers: responseHeaders, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

/// The requests a receiver read, shared by its responder and its owner.
final class RequestLog: Sendable {
    let requests = Mutex<[TestHTTPServer.Request]>([])
    let versions = Mutex<[String]>([])
}

/// A request context that keeps the channel, to tell an HTTP/2 stream from an HTTP/1.1 connection.
struct ReceiverContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Runs `body` with an HTTPS receiver started for it, then stops it.
func withTLSReceiver<T>(
    handler: @escaping @Sendable (TestHTTPServer.Request) async -> TestHTTPServer.Action, _ body: (TLSReceiver) async throws -> T
) async throws -> T {
    let receiver = try await TLSReceiver.start(handler: handler)
    do {
        let result = try await body(receiver)
        await receiver.stop()
        return result
    } catch {
        await receiver.stop()
        throw error
    }
}
