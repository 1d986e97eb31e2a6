import ComponentCore
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// What reached the sandbox below the API: connections, TLS handshakes (by the protocol ALPN
/// chose) and their failures, requests by HTTP version, and how many API requests were in flight
/// at once. Read through `GET /__sandbox/traffic`, so a test can tell one attempt from a retry
/// and HTTP/2 from HTTP/1.1.
final class TrafficStats: Sendable {
    private struct Counts {
        var connections = 0
        var handshakes: [String: Int] = [:]
        var handshakeFailures = 0
        var lastHandshakeFailure: String?
        var requests: [String: Int] = [:]
        var refusedStreams = 0
        var goAways = 0
        var inFlight = 0
        var peakInFlight = 0
    }

    private let counts = Mutex(Counts())

    func connectionAccepted() { counts.withLock { $0.connections += 1 } }

    func handshakeCompleted(protocol name: String?) { counts.withLock { $0.handshakes[name ?? "none", default: 0] += 1 } }

    func handshakeFailed(_ reason: String) {
        counts.withLock {
            $0.handshakeFailures += 1
            $0.lastHandshakeFailure = reason
        }
    }

    func requestArrived(version: String) { counts.withLock { $0.requests[version, default: 0] += 1 } }

    func streamRefused() { counts.withLock { $0.refusedStreams += 1 } }

    func goAwaySent() { counts.withLock { $0.goAways += 1 } }

    /// An API request began (``apiRequestEnded()`` ends it).
    func apiRequestStarted() {
        counts.withLock {
            $0.inFlight += 1
            $0.peakInFlight = max($0.peakInFlight, $0.inFlight)
        }
    }

    func apiRequestEnded() { counts.withLock { $0.inFlight -= 1 } }

    func reset() {
        counts.withLock { counts in
            let inFlight = counts.inFlight
            counts = Counts()
            counts.inFlight = inFlight
            counts.peakInFlight = inFlight
        }
    }

    var json: JSONValue {
        counts.withLock { counts in
            [
                "connections": .integer(counts.connections),
                "tls": [
                    "handshakes": .object(JSONObject(counts.handshakes.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) })),
                    "failures": .integer(counts.handshakeFailures),
                    "lastFailure": counts.lastHandshakeFailure.map(JSONValue.string) ?? .null,
                ],
                "requests": .object(JSONObject(counts.requests.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) })),
                "refusedStreams": .integer(counts.refusedStreams),
                "goAways": .integer(counts.goAways),
                "inFlight": .integer(counts.inFlight),
                "peakInFlight": .integer(counts.peakInFlight),
            ]
        }
    }
}

/// Sits in every accepted connection's pipeline (after the TLS handler, when there is one):
/// counts the connection and its handshake, and keeps what the connection's HTTP/2 streams must
/// agree on (how many are open, the highest that reached the API, a GOAWAY the sandbox sent).
final class ConnectionRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let traffic: TrafficStats
    /// The HTTP/2 streams open on the connection.
    var openStreams = 0
    /// The highest HTTP/2 stream whose request went on to the API (0 before any).
    var highestStreamPassed = 0
    /// The last stream id of a GOAWAY sent on this connection.
    var goAwayLastStreamID: Int?
    private var handshakeEnded = false

    init(traffic: TrafficStats) {
        self.traffic = traffic
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            handshakeEnded = true
            traffic.handshakeCompleted(protocol: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS error before the handshake completed is the handshake failing (once per
        // connection); after it, a client that closes without close_notify is no failure.
        if !handshakeEnded, error is NIOSSLError || error is BoringSSLError {
            handshakeEnded = true
            traffic.handshakeFailed(String(describing: error))
        }
        context.fireErrorCaught(error)
    }
}

/// A server child channel (HTTP/1.1, TLS, or TLS with HTTP/2) with a ``ConnectionRecorder`` in
/// each connection's pipeline.
struct RecordedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let traffic: TrafficStats

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        traffic.connectionAccepted()
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let recorder = ConnectionRecorder(traffic: traffic)
            let operations = channel.pipeline.syncOperations
            if let tls = try? operations.handler(type: NIOSSLServerHandler.self) {
                try operations.addHandler(recorder, position: .after(tls))
            } else {
                try operations.addHandler(recorder, position: .first)
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
