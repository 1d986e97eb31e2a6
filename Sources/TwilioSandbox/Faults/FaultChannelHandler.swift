import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2

/// Sits in each HTTP/1.1 connection's pipeline, or each HTTP/2 stream's, after HTTP decoding, to
/// misbehave below the API: when a scripted request head arrives (before the body is read) it
/// closes the connection (HTTP/1.1), resets the stream, refuses it (RST_STREAM REFUSED_STREAM) or
/// sends a GOAWAY that excludes it (HTTP/2); and it drops a response the responder marks, closing
/// the connection or resetting the stream after the request was processed. It also counts each
/// request by HTTP version.
final class FaultChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// A response carrying this header is not sent: the stream (`stream`) or the whole connection
    /// (`connection`) is closed instead, or (`goaway`) the connection is closed with a GOAWAY that
    /// claims, falsely, that no stream was processed, as servers that judge a client misbehaving do.
    static let dropMarker = HTTPField.Name("X-Sandbox-Drop")!

    private let faults: FaultRegistry
    private let traffic: TrafficStats
    private var discardingRequest = false
    private var discardingResponse = false
    /// On an HTTP/2 stream: the HTTP/2-to-HTTP codec's context (frames written there skip the
    /// codec) and the stream's id.
    private var http2: (codec: ChannelHandlerContext, streamID: HTTP2StreamID)?
    private var connection: ConnectionRecorder?

    init(faults: FaultRegistry, traffic: TrafficStats) {
        self.faults = faults
        self.traffic = traffic
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let operations = context.pipeline.syncOperations
        if let codec = try? operations.context(handlerType: HTTP2FramePayloadToHTTPServerCodec.self),
            let streamID = try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
        {
            http2 = (codec, streamID)
            connection = try? context.channel.parent?.pipeline.syncOperations.handler(type: ConnectionRecorder.self)
            connection?.openStreams += 1
        } else {
            connection = try? operations.handler(type: ConnectionRecorder.self)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if http2 != nil { connection?.openStreams -= 1 }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if discardingRequest { return }
        if case .head(let head) = unwrapInboundIn(data) {
            traffic.requestArrived(version: http2 == nil ? "HTTP/1.1" : "HTTP/2")
            let path = head.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 } ?? "/"
            if let route = SandboxRoute.classify(method: head.method, path: path), let fault = faults.takeHeadFault(for: route) {
                discardingRequest = true
                misbehave(fault, context: context)
                return
            }
            if let http2, let connection {
                connection.highestStreamPassed = max(connection.highestStreamPassed, Int(Int32(http2.streamID)))
            }
        }
        context.fireChannelRead(data)
    }

    /// Acts out a fault that strikes when the request head arrives; nothing of the request is processed.
    private func misbehave(_ fault: HeadFault, context: ChannelHandlerContext) {
        guard let http2 else {
            context.close(promise: nil)  // HTTP/1.1 has only one way to refuse: closing the connection.
            return
        }
        switch fault {
        case .dropBeforeRead:
            context.close(promise: nil)  // RST_STREAM CANCEL: the client cannot tell whether it was read
        case .goAway:
            // A GOAWAY refuses every stream above its last stream id, so it can exclude this one
            // only if no later stream of the connection has reached the API yet. It is sent only
            // when no other stream is open: libcurl 7.88 fails the streams still in flight on a
            // connection that got a GOAWAY, even those the GOAWAY lets finish. Otherwise the
            // stream is refused on its own (REFUSED_STREAM), which proves the same.
            let streamID = Int(Int32(http2.streamID))
            if let connection, let parent = context.channel.parent, connection.highestStreamPassed < streamID, connection.openStreams == 1 {
                let lastStreamID = max(0, streamID - 2)
                connection.goAwayLastStreamID = min(connection.goAwayLastStreamID ?? lastStreamID, lastStreamID)
                traffic.goAwaySent()
                let frame = HTTP2Frame(
                    streamID: .rootStream,
                    payload: .goAway(lastStreamID: HTTP2StreamID(connection.goAwayLastStreamID!), errorCode: .noError, opaqueData: nil))
                parent.writeAndFlush(frame, promise: nil)
            } else {
                refuse(http2)
            }
        case .refusedStream:
            refuse(http2)
        }
    }

    private func refuse(_ http2: (codec: ChannelHandlerContext, streamID: HTTP2StreamID)) {
        traffic.streamRefused()
        // Written below the codec, straight to the stream: the multiplexer sends the frame and closes the stream.
        http2.codec.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.rstStream(.refusedStream)), promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), let scope = head.headerFields[Self.dropMarker] {
            discardingResponse = true
            if scope == "goaway", http2 != nil, let parent = context.channel.parent {
                let frame = HTTP2Frame(
                    streamID: .rootStream, payload: .goAway(lastStreamID: .rootStream, errorCode: .enhanceYourCalm, opaqueData: nil))
                parent.writeAndFlush(frame).whenComplete { _ in parent.close(promise: nil) }
            } else if scope == "connection", http2 != nil, let parent = context.channel.parent {
                parent.close(promise: nil)  // every stream of the connection is lost with it
            } else {
                context.close(promise: nil)  // HTTP/1.1: the connection; HTTP/2: RST_STREAM CANCEL
            }
        }
        if discardingResponse {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }
}
