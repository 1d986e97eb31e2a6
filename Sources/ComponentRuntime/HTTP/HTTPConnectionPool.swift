/// Where a client's transfers run and its connections are kept: one libcurl multi handle on its
/// own thread. Clients sharing a pool share its connections.
///
/// Most code uses ``shared``. A server that also makes requests (the sandbox's webhooks), or a
/// test that must not inherit another test's connections, makes its own; the pool's thread and
/// connections end when the last reference to it goes.
public final class HTTPConnectionPool: Sendable {
    /// The process-wide pool, started on first use.
    public static let shared = HTTPConnectionPool()

    let loop: CurlEventLoop

    /// A new pool with its own thread and connection cache.
    public init() {
        loop = CurlEventLoop()
    }

    deinit {
        loop.shutdown()
    }
}
