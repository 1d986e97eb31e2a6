public import Foundation
import Synchronization

/// A child process a test talks to while it runs: lines written to its standard input, its
/// standard output read line by line as it comes, its standard error collected.
public final class ChildProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private let errors = Mutex(Data())
    private let finishedErrors = DispatchSemaphore(value: 0)
    /// Standard output, one line (without its newline) at a time; finishes when the child closes it.
    public let lines: AsyncStream<String>

    /// Starts `executable`; `environment` adds to (or, with `nil` values, removes from) this process's.
    public init(_ executable: String, _ arguments: [String], environment: [String: String?] = [:]) throws {
        _ = ProcessRunner.brokenPipesIgnored
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let out = Pipe()
        let err = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inputPipe
        try process.run()
        self.process = process
        input = inputPipe.fileHandleForWriting
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        self.lines = lines
        let reading = out.fileHandleForReading
        Thread {
            var pending = Data()
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            continuation.finish()
        }.start()
        let errorReading = err.fileHandleForReading
        Thread { [self] in
            let data = errorReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            finishedErrors.signal()
        }.start()
    }

    /// The child's process id.
    public var pid: Int32 { process.processIdentifier }

    /// Writes `text` to the child's standard input.
    public func write(_ text: String) throws {
        try input.write(contentsOf: Data(text.utf8))
    }

    /// Closes the child's standard input (end of input).
    public func closeInput() throws {
        try input.close()
    }

    /// Sends `signal` to the child.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the child to end; returns its exit code and everything it wrote to standard error.
    public func wait() async -> (exitCode: Int32, stderr: String) {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                process.waitUntilExit()
                finishedErrors.wait()
                continuation.resume(returning: (process.terminationStatus, String(decoding: errors.withLock { $0 }, as: UTF8.self)))
            }.start()
        }
    }

    /// Resident memory now and at its peak, in KiB (from /proc).
    public func memory() -> (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func value(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        guard let resident = value("VmRSS"), let peak = value("VmHWM") else { return nil }
        return (resident, peak)
    }
}
