import Foundation

/// The `twilio-sandbox` executable as a child process: the engine front end's stand-in for runs
/// without credentials (`--sandbox`), so that `twilio-component` links no HTTP server.
public enum SandboxExecutable {
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `twilio-sandbox` (beside this executable, else on `PATH`) on a free loopback port
    /// with `stateFile`, and reads the settings it prints.
    public static let launch: SandboxLauncher = { stateFile in
        guard let executable = locate() else {
            throw LaunchError(
                description:
                    "--sandbox starts the twilio-sandbox executable, which is neither beside this one nor on PATH: build it (swift build --product twilio-sandbox), or set TWILIO_* credentials."
            )
        }
        return try await withCheckedThrowingContinuation { continuation in
            // Reading the child's banner blocks, so it happens on a thread of its own.
            Thread {
                do {
                    continuation.resume(returning: try start(executable, stateFile: stateFile))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    static func locate() -> String? {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(
            "twilio-sandbox"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/twilio-sandbox"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func start(_ executable: String, stateFile: String) throws -> StandInSandbox {
        try FileManager.default.createDirectory(
            atPath: (stateFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "0", "--state", stateFile, "--step-ms", "1000"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The banner: "TWILIO_API_BASE_URL=...", "TWILIO_ACCOUNT_SID=...", "TWILIO_AUTH_TOKEN=...", ...
        var settings: [String: String] = [:]
        var pending = Data()
        let reader = output.fileHandleForReading
        while settings["TWILIO_AUTH_TOKEN"] == nil || settings["TWILIO_API_BASE_URL"] == nil || settings["TWILIO_ACCOUNT_SID"] == nil {
            let chunk = reader.availableData
            guard !chunk.isEmpty else {
                process.waitUntilExit()
                throw LaunchError(
                    description: "twilio-sandbox (\(executable)) exited with status \(process.terminationStatus) before it was ready.")
            }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                pending.removeSubrange(pending.startIndex...newline)
                if line.hasPrefix("TWILIO_"), let equals = line.firstIndex(of: "=") {
                    settings[String(line[..<equals])] = String(line[line.index(after: equals)...])
                }
            }
        }
        return StandInSandbox(
            baseURL: settings["TWILIO_API_BASE_URL"]!, accountSid: settings["TWILIO_ACCOUNT_SID"]!,
            authToken: settings["TWILIO_AUTH_TOKEN"]!,
            stop: {
                process.terminate()
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    Thread {
                        process.waitUntilExit()
                        done.resume()
                    }.start()
                }
            })
    }
}
