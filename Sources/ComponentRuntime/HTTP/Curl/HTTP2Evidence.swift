import Foundation

/// What proves an HTTP/2 server did not process a request: the two signals of RFC 9113 that
/// promise it, as read off libcurl's log of each transfer (libcurl 7.88 offers no other way to
/// see them). Everything else that ends a stream after the request went out proves nothing.
///
/// - A GOAWAY with NO_ERROR whose last stream id is below the request's stream: the server will
///   not process that stream (§6.8). A GOAWAY with an error code proves nothing: servers that
///   judge the client misbehaving (SwiftNIO's rapid-reset guard, for one) send last stream 0
///   while streams they already processed are still open.
/// - RST_STREAM with REFUSED_STREAM (§8.7). libcurl then asks to rewind the body to send the
///   request again, and reaches that rewind with no error recorded only for a refused stream; a
///   connection that broke records its error first. But nghttp2 also reports every stream a
///   GOAWAY closed as refused, so a refusal counts only when no GOAWAY with an error reached the
///   stream's connection. Over HTTP/1.1 a reused connection that ends without an answer also
///   asks to rewind, and proves nothing.
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
    mutating func observe(requestLine line: String) {
        guard !line.hasPrefix("CONNECT ") else { return }  // a proxy tunnel's request, not this one
        sentOverHTTP2 = line.hasSuffix(" HTTP/2")
    }

    /// See ``observe(requestLine:)``.
    mutating func observe(text line: String, connection: Int, goAways: GoAwayLog) {
        if let id = Self.number(after: "Using Stream ID: ", in: line) {
            // A new stream; libcurl may have moved the request to another connection.
            stream = Stream(id: id, connection: connection, openedAt: goAways.tick())
        } else if line.contains("GOAWAY"), let last = Self.number(after: "last_stream=", in: line) {
            goAways.record(connection: connection, errorCode: Self.number(after: "error=", in: line) ?? -1, lastStreamID: last)
        }
    }

    /// Why the server is known not to have processed the request, or `nil`.
    func refusal(goAways: GoAwayLog) -> String? {
        guard let stream else { return nil }  // which connection carried it is unknown: nothing is proved
        let goAway = goAways.latest(connection: stream.connection, since: stream.openedAt)
        if let goAway, goAway.errorCode != 0 { return nil }
        if let goAway, goAway.lastStreamID < stream.id {
            return "the server sent GOAWAY with last stream \(goAway.lastStreamID), so it did not process this request's stream \(stream.id)"
        }
        if rewindAskedWithoutError, sentOverHTTP2 {
            return "the server refused the request's HTTP/2 stream \(stream.id) (REFUSED_STREAM) without processing it"
        }
        return nil
    }

    /// The decimal number right after `marker` in `line`.
    private static func number(after marker: String, in line: String) -> Int? {
        guard let range = line.range(of: marker) else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
}

/// The GOAWAY frames libcurl logged, by connection: libcurl logs a GOAWAY on whichever transfer
/// was reading when it arrived, and it concerns every stream of that connection. Confined to the
/// event loop's thread, like the transfers.
final class GoAwayLog {
    struct Entry {
        var errorCode: Int
        var lastStreamID: Int
        var at: Int
    }

    private var entries: [Int: Entry] = [:]
    private var clock = 0

    /// A new point in the order of events.
    func tick() -> Int {
        clock += 1
        return clock
    }

    /// Notes a GOAWAY read on the connection with local port `connection`. A later GOAWAY on a
    /// connection may only lower its last stream id, so the latest one stands; an entry is never
    /// merged with an older one, which may be a closed connection's that had the same port.
    func record(connection: Int, errorCode: Int, lastStreamID: Int) {
        if entries.count > 4096 { entries = entries.filter { clock - $0.value.at < 4096 } }
        entries[connection] = Entry(errorCode: errorCode, lastStreamID: lastStreamID, at: tick())
    }

    /// The GOAWAY the connection (by local port) received after `since`, if any.
    func latest(connection: Int, since: Int) -> Entry? {
        guard let entry = entries[connection], entry.at > since else { return nil }
        return entry
    }
}

@available(*, unavailable)
extension GoAwayLog: Sendable {}
