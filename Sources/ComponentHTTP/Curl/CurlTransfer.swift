internal import CCurl
internal import CCurlShims
import ComponentCore
import FoundationEssentials
import HTTPTypes

/// One attempt in progress on the event loop's thread: the easy handle, the request body being
/// read, and the response being written. libcurl's callbacks reach it through `Unmanaged` user data.
final class CurlTransfer {
    let id: Int
    let easy: EasyHandle
    let attempt: CurlAttempt
    let continuation: CheckedContinuation<AttemptResult, Never>
    private var headerList: HeaderList?
    private let body: Data
    private var bodyOffset = 0
    var responseBody = Data()
    var responseHeaders = HTTPFields()
    var exceededLimit = false
    /// What libcurl's log of this transfer shows of its HTTP/2 stream.
    private var http2 = HTTP2Evidence()
    /// How the server ended the loop's connections.
    private let endings: ConnectionEndLog
    /// Told, as the request's headers go out over TLS, whether they go out over HTTP/2.
    private let protocolSeen: (_ multiplexed: Bool) -> Void
    /// How many requests libcurl was about to send (a redirect makes another).
    private(set) var requestsAboutToGo = 0
    /// Whether the attempt's deadline stopped a request as it was about to go out.
    private(set) var stoppedAtDeadline = false

    init(
        id: Int, easy: EasyHandle, attempt: CurlAttempt, endings: ConnectionEndLog,
        continuation: CheckedContinuation<AttemptResult, Never>, protocolSeen: @escaping (_ multiplexed: Bool) -> Void
    ) {
        self.protocolSeen = protocolSeen
        self.id = id
        self.easy = easy
        self.attempt = attempt
        self.endings = endings
        self.continuation = continuation
        self.body = attempt.body ?? Data()
    }

    /// Sets every option for this attempt on the (freshly reset) easy handle.
    func configure() throws(CurlSetupError) {
        let easy = easy
        try easy.attachErrorBuffer()
        let userData = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_URL, string: attempt.url, "CURLOPT_URL")
        try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try easy.set(CURLOPT_PROTOCOLS_STR, string: "http,https", "CURLOPT_PROTOCOLS_STR")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, string: "http,https", "CURLOPT_REDIR_PROTOCOLS_STR")
        try easy.set(CURLOPT_FOLLOWLOCATION, attempt.followsRedirects ? 1 : 0, "CURLOPT_FOLLOWLOCATION")
        try easy.set(CURLOPT_MAXREDIRS, 5, "CURLOPT_MAXREDIRS")
        // The timeouts end at the deadline, counted from now: the attempt may have waited for the loop.
        var connectTimeout = attempt.connectTimeout
        var totalTimeout = attempt.totalTimeout
        if let deadline = attempt.deadline {
            let remaining = deadline.remaining()
            connectTimeout = min(connectTimeout, remaining)
            totalTimeout = min(totalTimeout, remaining)
            // The last look at the clock before request bytes can leave, on every connection.
            try easy.setPrerequest(prerequestCallback)
            try easy.set(CURLOPT_PREREQDATA, pointer: userData, "CURLOPT_PREREQDATA")
        }
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
        try easy.set(CURLOPT_TIMEOUT_MS, milliseconds(totalTimeout), "CURLOPT_TIMEOUT_MS")
        try easy.set(CURLOPT_ACCEPT_ENCODING, string: "", "CURLOPT_ACCEPT_ENCODING")
        try easy.set(CURLOPT_PRIVATE, pointer: userData, "CURLOPT_PRIVATE")
        try easy.set(CURLOPT_WRITEFUNCTION, callback: writeCallback, "CURLOPT_WRITEFUNCTION")
        try easy.set(CURLOPT_WRITEDATA, pointer: userData, "CURLOPT_WRITEDATA")
        try easy.set(CURLOPT_HEADERFUNCTION, callback: headerCallback, "CURLOPT_HEADERFUNCTION")
        try easy.set(CURLOPT_HEADERDATA, pointer: userData, "CURLOPT_HEADERDATA")

        // HTTP/2 where the server offers it by ALPN, HTTP/1.1 otherwise. Over TLS a new request
        // waits for a connection being opened to the same host rather than opening its own, so
        // that concurrent requests share one connection's streams (ALPN says at the handshake
        // whether they can; plain HTTP is always HTTP/1.1, and waiting would serialize it).
        try easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS, "CURLOPT_HTTP_VERSION")
        let isHTTPS = attempt.url.utf8.starts(with: "https://".utf8)
        if isHTTPS { try easy.set(CURLOPT_PIPEWAIT, 1, "CURLOPT_PIPEWAIT") }
        // TLS 1.2 or newer, checked against the CA certificates trusted (the system's unless
        // SSL_CERT_FILE or SSL_CERT_DIR names others); verification is left on, always.
        try easy.set(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2, "CURLOPT_SSLVERSION")
        if let file = attempt.trust.certificateFile {
            try easy.set(CURLOPT_CAINFO, string: file, "CURLOPT_CAINFO")
            try easy.set(CURLOPT_PROXY_CAINFO, string: file, "CURLOPT_PROXY_CAINFO")
        }
        if let directory = attempt.trust.certificateDirectory {
            try easy.set(CURLOPT_CAPATH, string: directory, "CURLOPT_CAPATH")
            try easy.set(CURLOPT_PROXY_CAPATH, string: directory, "CURLOPT_PROXY_CAPATH")
        }
        // The settings chose the proxy (or none, which "" says, so libcurl reads no variable itself).
        try easy.set(CURLOPT_PROXY, string: attempt.proxy?.url ?? "", "CURLOPT_PROXY")

        if let auth = attempt.auth {
            try easy.set(CURLOPT_HTTPAUTH, CCurlShims_auth_basic(), "CURLOPT_HTTPAUTH")
            try easy.set(CURLOPT_USERNAME, string: auth.username, "CURLOPT_USERNAME")
            try easy.set(CURLOPT_PASSWORD, string: auth.password.reveal(), "CURLOPT_PASSWORD")
        }

        let method = attempt.method
        if method == .head {
            try easy.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        } else if attempt.body != nil || method == .post {
            // Bodies are read through a callback. For requests not safe to repeat there is
            // deliberately no seek callback: libcurl silently re-sends a request whose reused
            // connection died, even after the server may have read it; without a way to rewind the
            // body it reports CURLE_SEND_FAIL_REWIND instead, and the retry policy decides.
            try easy.set(CURLOPT_POST, 1, "CURLOPT_POST")
            // libcurl's upload buffer is 64 KiB a transfer unless told; API bodies are small, and
            // a thousand requests in flight would hold 64 MiB for nothing. 16 KiB is its least.
            try easy.set(CURLOPT_UPLOAD_BUFFERSIZE, 16 * 1024, "CURLOPT_UPLOAD_BUFFERSIZE")
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count), "CURLOPT_POSTFIELDSIZE_LARGE")
            try easy.set(CURLOPT_READFUNCTION, callback: readCallback, "CURLOPT_READFUNCTION")
            try easy.set(CURLOPT_READDATA, pointer: userData, "CURLOPT_READDATA")
            if attempt.repeatable {
                try easy.setSeek(seekCallback)
                try easy.set(CURLOPT_SEEKDATA, pointer: userData, "CURLOPT_SEEKDATA")
            } else if body.isEmpty {
                // An empty body needs no rewind, so only a fresh connection rules out a silent re-send.
                try easy.set(CURLOPT_FRESH_CONNECT, 1, "CURLOPT_FRESH_CONNECT")
            } else {
                // The rewind is always refused (CURLE_SEND_FAIL_REWIND), but when it is asked for
                // after HTTP/2 refused the stream, the retry policy learns that nothing was
                // processed. Which protocol carried the request is read from libcurl's log of it.
                try easy.setSeek(refusedRewindCallback)
                try easy.set(CURLOPT_SEEKDATA, pointer: userData, "CURLOPT_SEEKDATA")
            }
            if method != .post {
                try easy.set(CURLOPT_CUSTOMREQUEST, string: method.rawValue, "CURLOPT_CUSTOMREQUEST")
            }
        } else if method != .get {
            try easy.set(CURLOPT_CUSTOMREQUEST, string: method.rawValue, "CURLOPT_CUSTOMREQUEST")
        }
        if isHTTPS {
            // libcurl's log of every HTTPS transfer is read, not only of those that may need
            // HTTP2Evidence: a GOAWAY or the server's close is logged on whichever transfer reads
            // it (a GET, say), and it counts for every stream of the connection.
            try easy.setDebug(debugCallback)
            try easy.set(CURLOPT_DEBUGDATA, pointer: userData, "CURLOPT_DEBUGDATA")
            try easy.set(CURLOPT_VERBOSE, 1, "CURLOPT_VERBOSE")
        }
        // A connection idle longer than this is not reused for a request that must not be sent twice:
        // the longer it idled, the likelier the server closed it just as the request went out.
        try easy.set(CURLOPT_MAXAGE_CONN, attempt.repeatable ? 60 : 20, "CURLOPT_MAXAGE_CONN")

        // "Expect:" with no value stops libcurl from waiting for 100-continue on larger bodies.
        headerList = HeaderList(attempt.headerLines + ["Expect:"])
        try easy.set(CURLOPT_HTTPHEADER, list: headerList!, "CURLOPT_HTTPHEADER")
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    // MARK: Callbacks

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, body.count - bodyOffset)
        guard count > 0 else { return 0 }
        body.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + bodyOffset, byteCount: count)
        }
        bodyOffset += count
        return count
    }

    /// libcurl is about to send a request on an open connection: whether it may, by the deadline.
    fileprivate func aboutToSend() -> Bool {
        requestsAboutToGo += 1
        guard let deadline = attempt.deadline, deadline.hasPassed() else { return true }
        stoppedAtDeadline = true
        return false
    }

    fileprivate func seek(to offset: Int) -> Bool {
        guard offset >= 0, offset <= body.count else { return false }
        bodyOffset = offset
        return true
    }

    /// Why the server is known not to have processed this request that failed with `code`, when
    /// it is (see ``HTTP2Evidence``).
    func refusedBeforeProcessing(code: CURLcode) -> String? {
        http2.refusal(endings: endings, failedQuietly: code == CURLE_HTTP2 && easy.errorDetail.isEmpty)
    }

    /// libcurl asks to rewind the body of a request that is not safe to repeat only to send it again;
    /// the rewind is refused, and noted.
    fileprivate func rewindAskedForResend() {
        http2.rewindAsked(errorRecorded: !easy.errorDetail.isEmpty)
    }

    /// libcurl's log of this transfer: the headers it sent, and its informational lines.
    fileprivate func logged(_ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>, count: Int) {
        guard type == CURLINFO_HEADER_OUT || type == CURLINFO_TEXT else { return }
        // Read as bytes, without making a String: libcurl logs dozens of lines a transfer, and
        // only a few of them matter.
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        let lineEnd = bytes.firstIndex { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") } ?? count
        let line = UnsafeRawBufferPointer(rebasing: bytes[..<lineEnd])
        if type == CURLINFO_HEADER_OUT {
            if let multiplexed = http2.observe(requestLine: line) { protocolSeen(multiplexed) }
        } else {
            http2.observe(text: line, connection: { [easy] in easy.info(CURLINFO_LOCAL_PORT) }, endings: endings)
        }
    }

    fileprivate func write(_ buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        if responseBody.count + count > attempt.maximumResponseBytes {
            exceededLimit = true
            return Int(CCurlShims_writefunc_error())
        }
        responseBody.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: count)
        return count
    }

    fileprivate func header(_ buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: buffer, count: count)
        if bytes.starts(with: "HTTP/".utf8) {
            // A new response begins (after a redirect or a 100 Continue): keep only the final one's fields.
            responseHeaders = HTTPFields()
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let name = HTTPField.Name(String(decoding: bytes[..<colon], as: UTF8.self))
        {
            // A line whose name is not a token (RFC 9110 §5.1) is not a field; it is dropped.
            var value = bytes[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 || last == 0x0D || last == 0x0A { value = value.dropLast() }
            responseHeaders.append(HTTPField(name: name, value: value))
        }
        return count
    }
}

@available(*, unavailable)
extension CurlTransfer: Sendable {}

private func transfer(_ userData: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userData!).takeUnretainedValue()
}

private let writeCallback: CCurlShims_data_callback = { buffer, size, count, userData in
    transfer(userData).write(buffer!, count: size * count)
}

private let headerCallback: CCurlShims_data_callback = { buffer, size, count, userData in
    transfer(userData).header(buffer!, count: size * count)
}

private let readCallback: CCurlShims_data_callback = { buffer, size, count, userData in
    transfer(userData).read(into: buffer!, capacity: size * count)
}

private let refusedRewindCallback: CCurlShims_seek_callback = { userData, _, _ in
    transfer(userData).rewindAskedForResend()
    return CCurlShims_seekfunc_cantseek()
}

private let debugCallback: CCurlShims_debug_callback = { _, type, data, size, userData in
    if let data { transfer(userData).logged(type, data, count: size) }
    return 0
}

private let prerequestCallback: CCurlShims_prereq_callback = { userData, _, _, _, _ in
    transfer(userData).aboutToSend() ? CCurlShims_prereqfunc_ok() : CCurlShims_prereqfunc_abort()
}

private let seekCallback: CCurlShims_seek_callback = { userData, offset, origin in
    // libcurl rewinds with SEEK_SET to 0; anything else is not needed.
    guard origin == SEEK_SET, transfer(userData).seek(to: Int(offset)) else { return CCurlShims_seekfunc_cantseek() }
    return CCurlShims_seekfunc_ok()
}
