import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sets each response's `Date` header from the sandbox's clock, as Twilio's responses carry its
/// own clock's time (clients read it to learn how far off theirs is). Hummingbird writes the
/// machine's time into every response after the responder returns, so the sandbox's can only
/// replace it here, in the connection's (or HTTP/2 stream's) pipeline, as the head goes out.
final class DateHeaderHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: SandboxClock

    init(clock: SandboxClock) {
        self.clock = clock
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status.kind != .informational else {
            context.write(data, promise: promise)
            return
        }
        // The subscript replaces every Date field: the response carries exactly one.
        head.headerFields[.date] = TwilioDate.httpString(fromUnixSeconds: clock.now)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
