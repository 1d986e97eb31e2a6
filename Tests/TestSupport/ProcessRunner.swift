public import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Runs a child process and captures what it prints. Subprocess's I/O is asynchronous, so waiting
/// never holds a thread of Swift's cooperative pool (the in-process servers tests start need those
/// threads to answer the child).
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
        let (chunks, input) = AsyncStream.makeStream(of: [UInt8].self)
        if let stdin { input.yield(Array(stdin.utf8)) }
        input.finish()
        let result = try await Subprocess.run(
            configuration(executable, arguments, environment: environment), input: StreamedInput(chunks: chunks, end: input),
            output: .string(limit: .max), error: .string(limit: .max))
        return Output(stdout: result.standardOutput, stderr: result.standardError, exitCode: exitCode(result.terminationStatus))
    }

    /// A child that exits before reading all its input must fail a write, not kill the tests.
    static let brokenPipesIgnored: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// How to start `executable`, with `environment` merged into this process's.
    static func configuration(_ executable: String, _ arguments: [String], environment: [String: String?]) -> Configuration {
        _ = brokenPipesIgnored
        let changes = environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }
        return Configuration(
            executable: .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: changes)))
    }

    /// The exit code, or the signal that ended the process (as Foundation's `Process` reported it).
    static func exitCode(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code), .signaled(let code): code
        }
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

/// Standard input fed from `chunks` until it finishes. Subprocess writes it in a task of its own
/// while the output is read, so a child that answers as it reads (serve) never waits on a full
/// pipe; and it stops when the child ends, even if `chunks` never finishes.
struct StreamedInput: InputProtocol {
    let chunks: AsyncStream<[UInt8]>
    /// Finished when the child's input closes, so that later writes fail.
    let end: AsyncStream<[UInt8]>.Continuation

    func write(with writer: StandardInputWriter) async throws {
        defer { end.finish() }
        for await chunk in chunks {
            // A child that closed its input or exited fails the write: what it did not read is
            // dropped, as with a closed pipe, and its exit status tells the rest.
            guard (try? await writer.write(chunk)) != nil else { return }
        }
    }
}
