import ComponentCore
import Dispatch
import FoundationEssentials
import Glibc

/// Reads a file descriptor line by line on a thread of its own, at most `window` lines ahead of
/// the lines released, so that a client writing faster than requests finish is held back by the
/// pipe instead of filling this process's memory.
final class LineReader: Sendable {
    /// One line of input, without its newline.
    enum Line: Sendable {
        case text([UInt8])
        /// A line longer than the limit; only its length is kept.
        case tooLong(Int)
    }

    /// The lines, in order; finishes at the end of input or on ``stop()``.
    let lines: AsyncStream<Line>
    private let continuation: AsyncStream<Line>.Continuation
    private let slots: DispatchSemaphore
    private let fileDescriptor: Int32
    private let maximumLength: Int

    /// The longest line read by default: 1 MiB.
    static let defaultMaximumLength = 1 << 20

    /// A reader of `fileDescriptor` that lets `window` lines be out before ``release()``.
    init(fileDescriptor: Int32, window: Int, maximumLength: Int = defaultMaximumLength) {
        (lines, continuation) = AsyncStream.makeStream(of: Line.self)
        slots = DispatchSemaphore(value: window)
        self.fileDescriptor = fileDescriptor
        self.maximumLength = maximumLength
    }

    /// Starts reading.
    func start() {
        DetachedThread.start(name: "read-requests", purpose: "reading requests") { [self] in readLoop() }
    }

    /// Gives back the slot of a line whose request is finished.
    func release() {
        slots.signal()
    }

    /// Ends the stream: lines already read are still delivered; nothing more is read.
    func stop() {
        continuation.finish()
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var line: [UInt8] = []
        var overflow = 0  // the length of a line past the limit, 0 while within it
        func emit(_ element: Line) -> Bool {
            slots.wait()
            if case .terminated = continuation.yield(element) { return false }
            return true
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            var start = 0
            for index in 0..<count where buffer[index] == 0x0A {
                let piece = buffer[start..<index]
                start = index + 1
                let element: Line =
                    overflow > 0 || line.count + piece.count > maximumLength
                    ? .tooLong(max(overflow, line.count) + piece.count) : .text(line + piece)
                line.removeAll(keepingCapacity: line.capacity <= 64 * 1024)
                overflow = 0
                if Self.isBlank(element) { continue }
                guard emit(element) else { return }
            }
            let rest = buffer[start..<count]
            if overflow > 0 || line.count + rest.count > maximumLength {
                overflow = max(overflow, line.count) + rest.count
                line.removeAll()
            } else {
                line += rest
            }
        }
        let last: Line = overflow > 0 ? .tooLong(overflow) : .text(line)
        if !Self.isBlank(last) { _ = emit(last) }
        continuation.finish()
    }

    /// Blank lines (a trailing newline, a keep-alive) are skipped, not answered.
    private static func isBlank(_ line: Line) -> Bool {
        guard case .text(let bytes) = line else { return false }
        return bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
