import InMemoryLogging
import Logging

/// Collects every log line in memory (swift-log's `InMemoryLogHandler`), so tests can assert on
/// what was logged: each entry as `level message key=value ...`.
struct LogCapture: Sendable {
    private let handler = InMemoryLogHandler()

    var text: String {
        handler.entries.map { entry in
            let metadata = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(entry.level) \(entry.message) \(metadata)"
        }.joined(separator: "\n")
    }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = level
        return logger
    }
}
