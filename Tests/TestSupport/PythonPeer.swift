public import Foundation

/// Runs the Python peers in `Tests/Python` (the official `twilio` package and friends) in the
/// virtual environment `scripts/python-env.sh` makes under `.venv/`.
public enum PythonPeer {
    /// The repository root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The virtual environment's python, made on first use (the script locks, so concurrent callers wait).
    public static func python() async throws -> String {
        let output = try await ProcessRunner.run(root.appendingPathComponent("scripts/python-env.sh").path, [])
        guard output.exitCode == 0 else { throw PythonPeerError(message: "scripts/python-env.sh failed:\n\(output.stderr)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `Tests/Python/<script>` with `arguments`.
    public static func run(script: String, arguments: [String], environment: [String: String?] = [:], stdin: String? = nil) async throws
        -> ProcessRunner.Output
    {
        try await ProcessRunner.run(
            try await python(), [root.appendingPathComponent("Tests/Python/\(script)").path] + arguments, environment: environment,
            stdin: stdin)
    }
}

/// The Python environment could not be set up.
public struct PythonPeerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
