import NIOCore
import NIOHTTP2
import NIOHTTPTypesHTTP2

/// Ends each HTTP/2 response on its last DATA frame, as nginx and most servers do, instead of
/// the empty END_STREAM frame SwiftNIO's codec writes after it.
///
/// Why it matters: libcurl (7.88) finishes a transfer as soon as Content-Length bytes arrived,
/// and resets a stream that has not ended yet (RST_STREAM). SwiftNIO's server counts those resets
/// as a rapid-reset attack and, after 200 in 30 seconds, closes the connection with a GOAWAY
/// that claims no stream was processed. With the end on the last DATA frame the stream has ended
/// when the body arrives, and libcurl resets nothing.
///
/// Sits in each HTTP/2 stream's pipeline below the HTTP/2-to-HTTP codec (``Installer`` puts it
/// there): it holds back a DATA frame until the next write shows whether the response ends with it.
final class EndStreamCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var held: (data: HTTP2Frame.FramePayload.Data, promise: EventLoopPromise<Void>?)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        if case .data(let frame) = payload {
            if frame.endStream, frame.data.readableBytes == 0, let held {
                // The empty end: send the held body with the end flag instead.
                self.held = nil
                var merged = held.data
                merged.endStream = true
                if let promise { held.promise?.futureResult.cascade(to: promise) }
                context.write(wrapOutboundOut(.data(merged)), promise: held.promise ?? promise)
                return
            }
            if !frame.endStream {
                releaseHeld(context: context)
                held = (frame, promise)
                return
            }
        }
        releaseHeld(context: context)
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // A held frame waits for the write that ends the response (it follows at once).
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        releaseHeld(context: context)
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseHeld(context: context)
    }

    private func releaseHeld(context: ChannelHandlerContext) {
        guard let held else { return }
        self.held = nil
        context.write(wrapOutboundOut(.data(held.data)), promise: held.promise)
    }
}

extension EndStreamCoalescer {
    /// Added with the stream's other handlers (after the codec, where Hummingbird puts them): puts
    /// an ``EndStreamCoalescer`` below the codec of an HTTP/2 stream, then removes itself.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            let operations = context.pipeline.syncOperations
            if let codec = try? operations.handler(type: HTTP2FramePayloadToHTTPServerCodec.self) {
                try? operations.addHandler(EndStreamCoalescer(), position: .before(codec))
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
