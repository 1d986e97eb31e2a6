import Foundation
import Synchronization

/// The sandbox's clock: the machine's, shifted by an offset. Twilio's clock and a client's (or
/// its cluster's Redis) can disagree, and clients must measure by how much; the offset is how
/// tests give them a Twilio that disagrees. Every time the API writes or compares, and every
/// response's `Date` header, is read here.
final class SandboxClock: Sendable {
    /// The most the clock may be off either way: ten years, far beyond any real skew, and well
    /// within the dates the sandbox can write.
    static let maximumOffsetMilliseconds = 10 * 366 * 86_400_000

    /// The offset the sandbox started with, which a reset restores.
    let initialOffsetMilliseconds: Int
    private let offset: Atomic<Int>

    init(offsetMilliseconds: Int) {
        let bounded = Self.bounded(offsetMilliseconds)
        initialOffsetMilliseconds = bounded
        offset = Atomic(bounded)
    }

    /// How far the sandbox's clock is ahead of the machine's (behind when negative).
    var offsetMilliseconds: Int { offset.load(ordering: .relaxed) }

    func setOffset(milliseconds: Int) { offset.store(Self.bounded(milliseconds), ordering: .relaxed) }

    func reset() { setOffset(milliseconds: initialOffsetMilliseconds) }

    /// Unix seconds now, by the sandbox's clock.
    var now: Double { Date().timeIntervalSince1970 + Double(offsetMilliseconds) / 1000 }

    private static func bounded(_ milliseconds: Int) -> Int {
        min(max(milliseconds, -maximumOffsetMilliseconds), maximumOffsetMilliseconds)
    }
}
