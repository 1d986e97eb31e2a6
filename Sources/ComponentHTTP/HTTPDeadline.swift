public import ComponentCore
public import FoundationEssentials

/// The wall-clock time at or after which no HTTP attempt may start: an engine's deadline for a
/// whole request, set around an invocation with ``HTTPDeadline/$current`` and read by
/// ``CurlHTTPClient`` for every request the invocation's tasks make, those of child tasks too.
///
/// The wall clock, not a monotonic one: the engine states the deadline on the same machine, and
/// a process paused and resumed (or a machine that slept) must count the time that passed.
public struct HTTPDeadline: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var epochMilliseconds: Int64

    /// A deadline at `epochMilliseconds`.
    public init(epochMilliseconds: Int64) {
        self.epochMilliseconds = epochMilliseconds
    }

    /// The deadline of the requests the current task (and the tasks it starts) makes; `nil` for none.
    @TaskLocal public static var current: HTTPDeadline?

    /// Now on the wall clock, in milliseconds since the Unix epoch.
    public static func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The time left at `now`; zero or less once the deadline has come.
    public func remaining(at now: Int64 = HTTPDeadline.now()) -> Duration {
        .milliseconds(epochMilliseconds - now)
    }

    /// Whether the deadline has come: nothing may start at or after it.
    public func hasPassed(at now: Int64 = HTTPDeadline.now()) -> Bool {
        now >= epochMilliseconds
    }

    /// The deadline in ISO 8601 (`2026-12-06T10:59:24.123Z`), for messages.
    public var description: String {
        ISO8601Timestamp.string(from: Date(timeIntervalSince1970: Double(epochMilliseconds) / 1000))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.epochMilliseconds < rhs.epochMilliseconds }
}
