public import FoundationEssentials
public import HTTPTypes
import Synchronization

/// What the servers' clocks read, by the `Date` header of their responses: set around an
/// invocation with ``HTTPServerClock/$current``, and told by ``CurlHTTPClient`` of every response
/// the invocation's requests receive, whatever its status, so that a caller can measure how far
/// its own clock is from the service's.
public final class HTTPServerClock: Sendable {
    private let latest = Mutex<Date?>(nil)

    /// A clock that has seen no response yet.
    public init() {}

    /// Where the current task's responses are noted; `nil` when nobody asked.
    @TaskLocal public static var current: HTTPServerClock?

    /// The `Date` of the last response that carried a valid one, or `nil`.
    public var lastDate: Date? { latest.withLock { $0 } }

    /// Notes a response's `Date` header; a response without a readable one changes nothing.
    public func note(_ fields: HTTPFields) {
        guard let value = fields[.date], let date = HTTPDate.parse(value) else { return }
        latest.withLock { $0 = date }
    }
}
