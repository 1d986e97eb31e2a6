public import ComponentHost
import ComponentCore
import ComponentRuntime
import FoundationEssentials
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The `twilio-sandbox` executable as a child process: the engine front end's stand-in for runs
/// without credentials (`--sandbox`), so that `twilio-component` links no HTTP server.
public struct SandboxExecutable: ServiceSandbox {
    /// The executable beside this one, else on `PATH`.
    public init() {}

    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `twilio-sandbox` (beside this executable, else on `PATH`) on a free loopback port
    /// with `stateFile`, and reads the settings it prints.
    public func start(stateFile: String, reset: Bool) async throws -> StartedSandbox {
        guard let executable = Self.locate() else {
            throw LaunchError(
                description:
                    "--sandbox starts the twilio-sandbox executable, which is neither beside this one nor on PATH: build it (swift build --product twilio-sandbox), or set TWILIO_* credentials."
            )
        }
        try FileManager.default.createDirectory(
            atPath: PathText.deletingLastComponent(stateFile), withIntermediateDirectories: true)
        let (banner, announce) = AsyncStream.makeStream(of: [String: String].self)
        // Subprocess keeps the child only as long as its `run`: that runs in this task until `stop`.
        // Calls it placed get 4 s to end once stopped (within the 5 s before SIGKILL), so that a
        // later run reads them ended, not cut off.
        let running = Task {
            defer { announce.finish() }
            return try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(
                    ["--port", "0", "--state", stateFile, "--step-ms", "1000", "--call-grace-ms", "4000"] + (reset ? ["--reset-state"] : [])
                ),
                platformOptions: Self.stopOptions, input: .none, output: .sequence, error: .discarded
            ) { execution in
                // The banner: "TWILIO_API_BASE_URL=...", "TWILIO_ACCOUNT_SID=...", "TWILIO_AUTH_TOKEN=...", ...
                var settings: [String: String] = [:]
                // Read to the end, so that the sandbox never blocks on a full pipe once it is ready.
                for try await line in execution.standardOutput.strings(bufferingPolicy: .unbounded) {
                    let line = line.trimmingSpaces()
                    if line.hasPrefix("TWILIO_"), let equals = line.firstIndex(of: "=") {
                        settings[String(line[..<equals])] = String(line[line.index(after: equals)...])
                        if Self.bannerKeys.allSatisfy({ settings[$0] != nil }) {
                            announce.yield(settings)
                            announce.finish()  // later lines change nothing
                        }
                    }
                }
            }.terminationStatus
        }
        for await settings in banner {
            return StartedSandbox(
                baseURL: settings["TWILIO_API_BASE_URL"]!,
                connection: RawConnection(
                    key: "authToken",
                    fields: ["accountSid": .string(settings["TWILIO_ACCOUNT_SID"]!), "authToken": .string(settings["TWILIO_AUTH_TOKEN"]!)]),
                stop: {
                    running.cancel()
                    _ = await running.result
                })
        }
        running.cancel()  // no banner: the sandbox has ended, or this launch was cancelled and it must go too
        let status: Int32 =
            switch try await running.value {
            case .exited(let code), .signaled(let code): code
            }
        throw LaunchError(description: "twilio-sandbox (\(executable)) exited with status \(status) before it was ready.")
    }

    private static let bannerKeys = ["TWILIO_API_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]

    /// Cancelling the run (`stop`) sends SIGTERM, and SIGKILL if the sandbox is still there 5 s later.
    private static let stopOptions = {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        return options
    }()

    static func locate() -> String? {
        SiblingExecutable.locate("twilio-sandbox")
    }
}
