import Foundation
import Subprocess

/// A child process a test talks to while it runs: lines written to its standard input, its
/// standard output read line by line as it comes, its standard error collected.
///
/// Subprocess keeps a child's pipes valid only inside the closure of its `run`, so that closure
/// runs in a task this object owns, for the child's whole life; the input and the lines pass
/// through streams.
public final class ChildProcess: Sendable {
    /// Standard output, one line (without its newline) at a time; finishes when the child closes it.
    public let lines: AsyncStream<String>
    /// The child's process id.
    public let pid: Int32
    private let input: AsyncStream<[UInt8]>.Continuation
    private let running: Task<(exitCode: Int32, stderr: String), Never>

    /// Starts `executable`; `environment` adds to (or, with `nil` values, removes from) this process's.
    public init(_ executable: String, _ arguments: [String], environment: [String: String?] = [:]) async throws {
        let configuration = ProcessRunner.configuration(executable, arguments, environment: environment)
        let (chunks, input) = AsyncStream.makeStream(of: [UInt8].self)
        let (lines, output) = AsyncStream.makeStream(of: String.self)
        let (started, start) = AsyncThrowingStream.makeStream(of: Int32.self)
        running = Task {
            defer { output.finish() }
            do {
                let result = try await Subprocess.run(
                    configuration, input: StreamedInput(chunks: chunks, end: input), output: .sequence, error: .string(limit: .max)
                ) { execution in
                    start.yield(execution.processIdentifier.value)
                    // Read to the end whether or not the test iterates `lines`, so that the child
                    // never blocks on a full pipe; only "\n" ends a line, as JSON lines expect.
                    let separator = SubprocessOutputSequence.StringSequence<UTF8>.Separator.unicodeScalarSequence(["\n"])
                    for try await line in execution.standardOutput.strings(separatedBy: separator, bufferingPolicy: .unbounded) {
                        output.yield(line)
                    }
                }
                start.finish()
                return (ProcessRunner.exitCode(result.terminationStatus), result.standardError)
            } catch {
                start.finish(throwing: error)  // reaches `init` when the child could not be started
                return (-1, "\(error)")
            }
        }
        guard let pid = try await started.first(where: { _ in true }) else {
            input.finish()  // cancelled while starting: the child is left to end with its input
            throw CancellationError()
        }
        self.pid = pid
        self.lines = lines
        self.input = input
    }

    deinit { input.finish() }  // the child sees the end of its input, as when a pipe's last writer goes

    /// Writes `text` to the child's standard input (queued: it never waits for the child to read);
    /// throws once the input is closed or the child has stopped reading it.
    public func write(_ text: String) throws {
        guard case .enqueued = input.yield(Array(text.utf8)) else { throw ChildProcessError(message: "standard input is closed") }
    }

    /// Closes the child's standard input (end of input) once what was written has reached it.
    public func closeInput() throws {
        input.finish()
    }

    /// Sends `signal` to the child.
    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to end; returns its exit code and everything it wrote to standard error.
    public func wait() async -> (exitCode: Int32, stderr: String) {
        await running.value
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

/// The child's standard input can take no more.
struct ChildProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
