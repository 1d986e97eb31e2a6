import ComponentCore
import FoundationEssentials
import Glibc
public import Logging

/// Where a front end writes: standard output for results, standard error for everything else.
/// Tests swap in closures that capture both.
public struct HostIO: Sendable {
    /// Writes to standard output.
    public var writeOut: @Sendable (String) -> Void
    /// Writes to standard error.
    public var writeErr: @Sendable (String) -> Void
    /// Whether standard error is a terminal (a person is watching, so progress lines help).
    public var isTerminal: Bool

    /// Output through closures.
    public init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void, isTerminal: Bool = false) {
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.isTerminal = isTerminal
    }

    /// The process's standard output and standard error.
    public static let standard = HostIO(
        writeOut: { writeAll($0, to: STDOUT_FILENO) },
        writeErr: { writeAll($0, to: STDERR_FILENO) },
        isTerminal: isatty(STDERR_FILENO) == 1)

    /// Writes all of `text`, retrying short writes; a closed pipe drops the rest instead of
    /// stopping the process (the reader is gone, so nobody would see it).
    static func writeAll(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// A logger writing lines to standard error at `level`.
    public func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { _ in HostLogHandler(write: writeErr) }
        logger.logLevel = level
        return logger
    }
}

/// Writes one line per event to standard error: time, level, message, metadata.
struct HostLogHandler: LogHandler {
    let write: @Sendable (String) -> Void
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = ISO8601Timestamp.string(from: Date()) + " " + event.level.rawValue + " " + event.message.description
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!)"
        }
        write(line + "\n")
    }
}
