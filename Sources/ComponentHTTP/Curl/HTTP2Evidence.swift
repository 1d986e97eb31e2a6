import FoundationEssentials
import Glibc

/// What proves an HTTP/2 server did not process a request: the two signals of RFC 9113 that
/// promise it, as read off libcurl's log of each transfer (libcurl 7.88 offers no other way to
/// see them). Everything else that ends a stream after the request went out proves nothing.
///
/// - A GOAWAY with NO_ERROR whose last stream id is below the request's stream: the server will
///   not process that stream (§6.8). A GOAWAY with an error code proves nothing: servers that
///   judge the client misbehaving (SwiftNIO's rapid-reset guard, for one) send last stream 0
///   while streams they already processed are still open.
/// - RST_STREAM with REFUSED_STREAM (§8.7). libcurl then asks to rewind the body to send the
///   request again with no error recorded. So it does, though, when a reused connection ends
///   quietly (the server's TLS close_notify, then end of stream) after the request went out; and
///   nghttp2 reports every stream a GOAWAY closed as refused. So a quiet rewind counts only when
///   the stream's connection was not closed by the server while the stream was open, and no
///   GOAWAY with an error arrived meanwhile on any connection: libcurl logs a GOAWAY on whichever
///   transfer is reading a connection, one checking whether an idle connection is still alive
///   included, so the connection it is noted under is not always the one it came on. Over
///   HTTP/1.1 a reused connection that ends without an answer also asks to rewind, and proves
///   nothing.
///
/// Either way libcurl must also have ended the stream quietly: a rewind with no error recorded,
/// or (a GOAWAY excluding the only stream of a connection) an HTTP/2 error with no message.
struct HTTP2Evidence {
    /// The stream the request went out on: its id, its connection (by local port) and when it opened.
    private struct Stream {
        var id: Int
        var connection: Int
        var openedAt: Int
    }

    private var sentOverHTTP2 = false
    private var stream: Stream?
    private var rewindAskedWithoutError = false

    /// libcurl asked to rewind the body to send the request again; `errorRecorded` says whether
    /// it recorded an error first.
    mutating func rewindAsked(errorRecorded: Bool) {
        if !errorRecorded { rewindAskedWithoutError = true }
    }

    /// Reads one entry of libcurl's log: the request line of the headers sent ends in the
    /// protocol; informational lines name the stream opened and any GOAWAY read. `connection`
    /// is the local port of the transfer's connection at that moment.
    /// - Returns: whether the request went out over HTTP/2; `nil` for a proxy tunnel's CONNECT.
    @discardableResult
    mutating func observe(requestLine line: UnsafeRawBufferPointer) -> Bool? {
        guard !line.starts(with: "CONNECT ".utf8) else { return nil }  // a proxy tunnel's request, not this one
        sentOverHTTP2 = line.count >= 7 && UnsafeRawBufferPointer(rebasing: line[(line.count - 7)...]).elementsEqual(" HTTP/2".utf8)
        return sentOverHTTP2
    }

    /// See ``observe(requestLine:)``. `connection` gives the local port, asked only when needed.
    mutating func observe(text line: UnsafeRawBufferPointer, connection: () -> Int, endings: ConnectionEndLog) {
        if let id = Self.number(after: "Using Stream ID: ", in: line) {
            // A new stream; libcurl may have moved the request to another connection.
            stream = Stream(id: id, connection: connection(), openedAt: endings.tick())
        } else if Self.find("GOAWAY", in: line) != nil, let last = Self.number(after: "last_stream=", in: line) {
            endings.recordGoAway(
                connection: connection(), errorCode: Self.number(after: "error=", in: line) ?? -1, lastStreamID: last)
        } else if Self.find("(IN), TLS alert, close notify", in: line) != nil {
            endings.recordClose(connection: connection())
        }
    }

    /// Why the server is known not to have processed the request, or `nil`. `failedQuietly`:
    /// the transfer ended with an HTTP/2 error and no message (how libcurl ends the only stream of
    /// a connection that a GOAWAY excluded).
    func refusal(endings: ConnectionEndLog, failedQuietly: Bool) -> String? {
        // Which stream and connection carried it is unknown: nothing is proved.
        guard let stream, sentOverHTTP2, rewindAskedWithoutError || failedQuietly else { return nil }
        if endings.errorGoAwayArrived(since: stream.openedAt) { return nil }
        if let goAway = endings.latestGoAway(connection: stream.connection, since: stream.openedAt), goAway.lastStreamID < stream.id {
            return
                "the server sent GOAWAY with last stream \(goAway.lastStreamID), so it did not process this request's stream \(stream.id)"
        }
        // A quiet rewind after the server closed the connection is its end of stream, not a refusal.
        if rewindAskedWithoutError, !endings.closed(connection: stream.connection, since: stream.openedAt) {
            return "the server refused the request's HTTP/2 stream \(stream.id) (REFUSED_STREAM) without processing it"
        }
        return nil
    }

    /// Where `marker` ends in `line`, if it is there.
    private static func find(_ marker: StaticString, in line: UnsafeRawBufferPointer) -> Int? {
        let length = marker.utf8CodeUnitCount
        guard let base = line.baseAddress, line.count >= length else { return nil }
        var position = 0
        // memchr finds each candidate first byte at memory speed; memcmp checks the rest.
        while position + length <= line.count {
            guard let hit = memchr(base + position, Int32(marker.utf8Start[0]), line.count - length - position + 1) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, marker.utf8Start, length) == 0 { return offset + length }
            position = offset + 1
        }
        return nil
    }

    /// The decimal number right after `marker` in `line`.
    private static func number(after marker: StaticString, in line: UnsafeRawBufferPointer) -> Int? {
        guard let start = find(marker, in: line) else { return nil }
        var value = 0
        var position = start
        while position < line.count, line[position] >= UInt8(ascii: "0"), line[position] <= UInt8(ascii: "9"), value < Int.max / 10 {
            value = value * 10 + Int(line[position] - UInt8(ascii: "0"))
            position += 1
        }
        return position > start ? value : nil
    }
}

/// How the server ended connections, as libcurl logged it: GOAWAY frames, and TLS close_notify
/// alerts (the server closing the connection). libcurl logs each on whichever transfer was
/// reading when it arrived, and it concerns every stream of that connection. Connections are
/// known by local port, so each table holds at most one entry per port and is never pruned (an
/// entry dropped while a stream of its connection is open would lose the evidence); an entry is
/// never merged with an older one, which may be a closed connection's that had the same port.
/// Confined to the event loop's thread, like the transfers.
final class ConnectionEndLog {
    struct GoAway {
        var lastStreamID: Int
        var at: Int
    }

    private var goAways: [Int: GoAway] = [:]
    private var closes: [Int: Int] = [:]
    private var clock = 0
    /// When the latest GOAWAY with an error code (or an unreadable one) arrived, on any connection.
    private var lastErrorGoAwayAt: Int?

    /// A new point in the order of events.
    func tick() -> Int {
        clock += 1
        return clock
    }

    /// Notes a GOAWAY read on the connection with local port `connection`. A later GOAWAY on a
    /// connection may only lower its last stream id, so the latest one stands.
    func recordGoAway(connection: Int, errorCode: Int, lastStreamID: Int) {
        let at = tick()
        guard errorCode == 0 else {
            lastErrorGoAwayAt = at
            return
        }
        goAways[connection] = GoAway(lastStreamID: lastStreamID, at: at)
    }

    /// Notes that the server closed the connection with local port `connection`.
    func recordClose(connection: Int) {
        closes[connection] = tick()
    }

    /// Whether a GOAWAY with an error arrived on any connection after `since`.
    func errorGoAwayArrived(since: Int) -> Bool {
        guard let lastErrorGoAwayAt else { return false }
        return lastErrorGoAwayAt > since
    }

    /// Whether the server closed the connection (by local port) after `since`; one whose port
    /// was not known when it closed may be any.
    func closed(connection: Int, since: Int) -> Bool {
        [connection, 0].contains { (closes[$0] ?? 0) > since }
    }

    /// The GOAWAY with NO_ERROR the connection (by local port) received after `since`, if any.
    func latestGoAway(connection: Int, since: Int) -> GoAway? {
        guard let goAway = goAways[connection], goAway.at > since else { return nil }
        return goAway
    }
}

@available(*, unavailable)
extension ConnectionEndLog: Sendable {}
