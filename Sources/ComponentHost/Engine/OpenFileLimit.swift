import FoundationEssentials
import Glibc

/// How many connections this process can keep open. Over HTTP/1.1 every request in flight needs
/// a connection of its own, so `serve --concurrency 1000` needs a thousand descriptors, more than
/// the 1,024 many systems allow by default.
enum OpenFileLimit {
    /// Descriptors kept back for standard I/O, the event loop's own, files and the like.
    static let reserve = 64

    /// Raises this process's soft limit on open files to `needed`, as far as the hard limit
    /// allows, and returns the soft limit now in force.
    static func raise(toAtLeast needed: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return needed }
        let wanted = rlim_t(needed)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = min(wanted, limit.rlim_max)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// The connections per host `concurrency` requests need, within what the process may open.
    /// - Returns: the cap, and a notice when it is below the concurrency asked for.
    static func connectionsPerHost(forConcurrency concurrency: Int, minimum: Int) -> (cap: Int, notice: String?) {
        let wanted = max(concurrency, minimum)
        let allowed = raise(toAtLeast: wanted + reserve) - reserve
        guard allowed < wanted else { return (wanted, nil) }
        let cap = max(1, allowed)
        return (
            cap,
            "this process may open only \(cap + reserve) files (ulimit -n), so at most \(cap) connections per host: over HTTP/1.1 at most \(cap) of the \(concurrency) requests can be in flight at once (HTTP/2 multiplexes). Raise the limit with `ulimit -n` for more."
        )
    }
}
