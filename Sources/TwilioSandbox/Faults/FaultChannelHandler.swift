import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits in each connection's pipeline, after HTTP decoding, to misbehave at the connection level:
/// it closes a connection as soon as a scripted request head arrives (before the body is read), and
/// closes instead of answering when the responder marks a response to be dropped.
final class FaultChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// A response carrying this header is not sent: the connection is closed instead.
    static let dropMarker = HTTPField.Name("X-Sandbox-Drop-Connection")!

    private let faults: FaultRegistry
    private var discardingRequest = false
    private var discardingResponse = false

    init(faults: FaultRegistry) {
        self.faults = faults
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if discardingRequest { return }
        if case .head(let head) = unwrapInboundIn(data) {
            let path = head.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 } ?? "/"
            if let route = SandboxRoute.classify(method: head.method.rawValue, path: path), faults.takeDropBeforeRead(for: route) {
                discardingRequest = true
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), head.headerFields[Self.dropMarker] != nil {
            discardingResponse = true
            context.close(promise: nil)
        }
        if discardingResponse {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }
}
