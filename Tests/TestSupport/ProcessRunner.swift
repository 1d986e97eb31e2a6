public import Foundation
import Synchronization

/// Runs a child process and captures what it prints, without blocking Swift's cooperative thread
/// pool (the in-process servers tests start need those threads to answer the child).
public enum ProcessRunner {
    /// What a finished process printed, and how it ended.
    public struct Output: Sendable {
        public var stdout: String
        public var stderr: String
        public var exitCode: Int32
    }

    /// Runs `executable` with `arguments`; `stdin` is written then closed (closed at once when nil).
    /// `environment` adds to (or, with `nil` values, removes from) this process's environment.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:], stdin: String? = nil
    ) async throws -> Output {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let finalEnvironment = merged
        return try await withCheckedThrowingContinuation { continuation in
            // A plain thread does the blocking work: reading both pipes to the end, then waiting.
            Thread {
                do {
                    continuation.resume(returning: try runBlocking(executable, arguments, environment: finalEnvironment, stdin: stdin))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    /// A child that exits before reading all its input must fail a write, not kill the tests.
    static let brokenPipesIgnored: Void = { signal(SIGPIPE, SIG_IGN) }()

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String?) throws
        -> Output
    {
        _ = ProcessRunner.brokenPipesIgnored
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let errData = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        Thread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            done.signal()
        }.start()
        // Written from its own thread: a child that answers as it reads (serve) would otherwise
        // fill its output pipe while this thread still waits to finish writing its input.
        let writer = input.fileHandleForWriting
        Thread {
            if let stdin { try? writer.write(contentsOf: Data(stdin.utf8)) }
            try? writer.close()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Output(
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self),
            exitCode: process.terminationStatus)
    }

    /// The directory of this build's products (the test bundle sits beside them).
    public static let productsDirectory: URL = {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while ["xctest", "app"].contains(directory.pathExtension) || ["Contents", "MacOS"].contains(directory.lastPathComponent) {
            directory.deleteLastPathComponent()
        }
        return directory
    }()

    /// The path of the built product `name`.
    public static func product(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }
}
