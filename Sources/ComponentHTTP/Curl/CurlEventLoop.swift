internal import CCurl
internal import CCurlShims
import ComponentCore
import FoundationEssentials
import HTTPTypes
import Synchronization

/// Runs every transfer of a process on one dedicated thread through a libcurl multi handle.
///
/// `curl_easy_perform` blocks, so transfers must not run on Swift's cooperative pool. One thread
/// driving a multi handle serves any number of concurrent requests, shares one connection cache
/// between them (so consecutive and concurrent requests to a host reuse connections), and can
/// abort a transfer at once: a cancellation wakes the thread with `curl_multi_wakeup`.
///
/// `@unchecked Sendable` because the multi handle, the transfers in flight and their GOAWAY log are confined to the
/// loop's own thread; everything other threads touch goes through `inbox`, a lock this type owns
/// (`curl_multi_wakeup` is documented as safe to call from any thread).
final class CurlEventLoop: @unchecked Sendable {
    private struct Inbox {
        var submitted: [(id: Int, attempt: CurlAttempt, continuation: CheckedContinuation<AttemptResult, Never>)] = []
        var cancelled: Set<Int> = []
        var nextID = 1
        var shuttingDown = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    // Confined to the loop thread:
    private var active: [Int: CurlTransfer] = [:]
    private var idleHandles: [EasyHandle] = []
    private let endings = ConnectionEndLog()
    /// The connections a host may have: the cap asked for, or fewer while every answer comes over
    /// HTTP/2 (see ``noteProtocol(multiplexed:)``).
    private let maximumConnectionsPerHost: Int
    private var connectionsCappedForMultiplexing = false
    /// Whether any request has shown which protocol the hosts speak yet.
    private var protocolKnown = false
    /// The protocol the latest request went out over, noted from inside libcurl's callbacks and
    /// acted on once `curl_multi_perform` has returned (libcurl is not to be configured from
    /// within its own callbacks).
    private var protocolSeenInCallback: Bool?

    /// A loop whose hosts may each have `maximumConnectionsPerHost` connections open at once.
    init(maximumConnectionsPerHost: Int) {
        _ = Libcurl.initialized
        guard let multi = curl_multi_init() else { fatalError("libcurl could not allocate a multi handle") }
        self.multi = multi
        self.maximumConnectionsPerHost = maximumConnectionsPerHost
        // The per-host cap follows the concurrency asked for: over HTTP/1.1 each request in flight
        // needs a connection of its own. The cache keeps as many idle ones for reuse.
        _ = CCurlShims_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maximumConnectionsPerHost)
        _ = CCurlShims_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(64, maximumConnectionsPerHost))
        // HTTP/2: requests to one host share a connection's streams (libcurl's default, said here).
        _ = CCurlShims_multi_setopt_long(multi, CURLMOPT_PIPELINING, CCurlShims_pipe_multiplex())
        // The thread keeps the loop alive until shutdown() ends it.
        DetachedThread.start(name: "curl-events", purpose: "the libcurl event loop") { self.run() }
    }

    /// Ends the loop: transfers in flight end as cancelled, connections close, the thread exits.
    func shutdown() {
        inbox.withLock { $0.shuttingDown = true }
        curl_multi_wakeup(multi)
    }

    /// A fresh id for an attempt about to be submitted.
    func makeID() -> Int {
        inbox.withLock { inbox in
            defer { inbox.nextID += 1 }
            return inbox.nextID
        }
    }

    /// Queues an attempt; `continuation` is resumed on the loop thread when it ends.
    func submit(id: Int, _ attempt: CurlAttempt, continuation: CheckedContinuation<AttemptResult, Never>) {
        inbox.withLock { $0.submitted.append((id, attempt, continuation)) }
        curl_multi_wakeup(multi)
    }

    /// Aborts the attempt `id` if it is queued or running; it then ends as cancelled.
    func cancel(id: Int) {
        inbox.withLock { _ = $0.cancelled.insert(id) }
        curl_multi_wakeup(multi)
    }

    private func run() {
        while true {
            let (submitted, cancelled, shuttingDown) = inbox.withLock { inbox in
                defer {
                    inbox.submitted.removeAll(keepingCapacity: true)
                    inbox.cancelled.removeAll(keepingCapacity: true)
                }
                return (inbox.submitted, inbox.cancelled, inbox.shuttingDown)
            }
            if shuttingDown {
                for item in submitted {
                    item.continuation.resume(returning: AttemptResult(response: nil, failure: Self.cancelledFailure))
                }
                for transfer in active.values {
                    curl_multi_remove_handle(multi, transfer.easy.raw)
                    finish(transfer, result: AttemptResult(response: nil, failure: Self.cancelledFailure))
                }
                active.removeAll()
                idleHandles.removeAll()
                curl_multi_cleanup(multi)
                return
            }
            for item in submitted {
                if cancelled.contains(item.id) {
                    item.continuation.resume(returning: AttemptResult(response: nil, failure: Self.cancelledFailure))
                    continue
                }
                start(id: item.id, item.attempt, continuation: item.continuation)
            }
            for id in cancelled {
                guard let transfer = active.removeValue(forKey: id) else { continue }  // already finished
                curl_multi_remove_handle(multi, transfer.easy.raw)
                finish(transfer, result: AttemptResult(response: nil, failure: Self.cancelledFailure))
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            if let multiplexed = protocolSeenInCallback {
                protocolSeenInCallback = nil
                noteProtocol(multiplexed: multiplexed)
            }
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                var privateData: UnsafeMutableRawPointer?
                _ = CCurlShims_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &privateData)
                guard let privateData else { continue }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(privateData).takeUnretainedValue()
                active[transfer.id] = nil
                curl_multi_remove_handle(multi, handle)
                if code == CURLE_OK {
                    noteProtocol(multiplexed: transfer.easy.info(CURLINFO_HTTP_VERSION) == Int(CURL_HTTP_VERSION_2_0))
                }
                finish(transfer, result: Self.result(of: transfer, code: code))
            }
            // Sleep until a socket is ready, libcurl's own timer fires, or another thread wakes us.
            var timeout = -1
            curl_multi_timeout(multi, &timeout)
            let wait = active.isEmpty ? 60_000 : (timeout < 0 ? 1000 : min(timeout, 1000))
            curl_multi_poll(multi, nil, 0, Int32(wait), nil)
        }
    }

    private func start(id: Int, _ attempt: CurlAttempt, continuation: CheckedContinuation<AttemptResult, Never>) {
        // The deadline is checked as the transfer is handed to libcurl, the last moment before a
        // connection opens: a process paused past it since the attempt was queued sends nothing.
        if let deadline = attempt.deadline, deadline.hasPassed() {
            continuation.resume(
                returning: AttemptResult(
                    response: nil,
                    failure: TransportFailure(
                        kind: .deadlineExceeded, curlCode: 0,
                        message: "the request's deadline (\(deadline)) passed before the attempt started", requestMayHaveBeenSent: false)))
            return
        }
        // Until a request shows otherwise, HTTPS is taken to be HTTP/2 (as most APIs speak it), so that
        // a first burst is capped too; the first HTTP/1.1 request lifts the cap.
        if !protocolKnown, !connectionsCappedForMultiplexing, attempt.url.utf8.starts(with: "https://".utf8) {
            setConnectionCap(multiplexed: true)
        }
        let easy = idleHandles.popLast() ?? EasyHandle()
        let transfer = CurlTransfer(
            id: id, easy: easy, attempt: attempt, endings: endings, continuation: continuation,
            protocolSeen: { [unowned self] in protocolSeenInCallback = $0 })
        do {
            try transfer.configure()
        } catch {
            finish(
                transfer,
                result: AttemptResult(
                    response: nil,
                    failure: TransportFailure(
                        kind: .network, curlCode: error.code, message: error.description, requestMayHaveBeenSent: false, isPermanent: true))
            )
            return
        }
        active[id] = transfer
        curl_multi_add_handle(multi, easy.raw)
    }

    private func finish(_ transfer: CurlTransfer, result: AttemptResult) {
        transfer.continuation.resume(returning: result)
        transfer.easy.reset()
        if idleHandles.count < 64 { idleHandles.append(transfer.easy) }  // each keeps its buffers
    }

    /// The streams an HTTP/2 connection is counted on to carry at once: half the limit most
    /// servers set (100; RFC 9113 advises no fewer), so that a server allowing fewer still gets
    /// the concurrency asked for. libcurl fills a connection's streams before opening another, so
    /// the cap costs no connection where a server allows more.
    static let streamsPerConnection = 50

    /// Caps each host's connections to what the concurrency needs in HTTP/2 streams while every
    /// request goes out (and every answer comes) over HTTP/2, and lifts the cap at the first that
    /// does not. Over TLS the protocol is known as the first request's headers go out; before
    /// that HTTPS is taken to be HTTP/2, so that a first burst is capped too.
    ///
    /// libcurl opens a new connection for each request that finds the open ones full of streams
    /// and the next one still in its TLS handshake, so a burst of a thousand requests opened
    /// hundreds of connections (and handshakes, and their memory) where ten carry them. With the
    /// cap, requests past it wait for a stream, which a request finishing frees. Any HTTP/1.1
    /// request or answer (another host, plain HTTP) restores the cap asked for, needed there: one
    /// request a connection.
    private func noteProtocol(multiplexed: Bool) {
        protocolKnown = true
        guard multiplexed != connectionsCappedForMultiplexing else { return }
        setConnectionCap(multiplexed: multiplexed)
    }

    private func setConnectionCap(multiplexed: Bool) {
        connectionsCappedForMultiplexing = multiplexed
        let needed = (maximumConnectionsPerHost + Self.streamsPerConnection - 1) / Self.streamsPerConnection + 1
        let cap = multiplexed ? min(maximumConnectionsPerHost, needed) : maximumConnectionsPerHost
        _ = CCurlShims_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, cap)
    }

    private static let cancelledFailure = TransportFailure(
        kind: .cancelled, curlCode: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "the request was cancelled before it finished",
        requestMayHaveBeenSent: true)

    /// Reads the outcome of a finished transfer off its handle.
    private static func result(of transfer: CurlTransfer, code: CURLcode) -> AttemptResult {
        let easy = transfer.easy
        guard code == CURLE_OK else {
            return AttemptResult(response: nil, failure: CurlFailure.classify(code: code, transfer: transfer))
        }
        // libcurl reads three digits from the status line, so the code is always in 0...999.
        let status = HTTPResponse.Status(code: min(max(easy.info(CURLINFO_RESPONSE_CODE), 0), 999))
        let url = easy.info(string: CURLINFO_EFFECTIVE_URL) ?? transfer.attempt.url
        return AttemptResult(
            response: TransportResponse(status: status, headerFields: transfer.responseHeaders, body: transfer.responseBody, url: url),
            failure: nil)
    }
}
