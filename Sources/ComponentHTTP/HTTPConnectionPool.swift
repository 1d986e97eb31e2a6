import FoundationEssentials

/// Where a client's transfers run and its connections are kept: one libcurl multi handle on its
/// own thread, with the ``HTTPClientSettings`` every request through it shares. Clients sharing a
/// pool share its connections; over HTTP/2, concurrent requests to a host share one connection's
/// streams (more connections open only when the server's stream limit is reached).
///
/// Front ends make one per run from their environment and concurrency; code without one uses
/// ``shared``. A server that also makes requests (the sandbox's webhooks), or a test that must not
/// inherit another test's connections, makes its own; the pool's thread and connections end when
/// the last reference to it goes.
public final class HTTPConnectionPool: Sendable {
    /// The process-wide pool, with this process's environment's settings, started on first use.
    public static let shared = HTTPConnectionPool(settings: HTTPClientSettings(environment: ProcessInfo.processInfo.environment))

    /// What every request through this pool shares.
    public let settings: HTTPClientSettings
    let loop: CurlEventLoop

    /// A new pool with its own thread and connection cache.
    public init(settings: HTTPClientSettings = HTTPClientSettings()) {
        self.settings = settings
        loop = CurlEventLoop(maximumConnectionsPerHost: settings.maximumConnectionsPerHost)
    }

    deinit {
        loop.shutdown()
    }
}
