public import TwilioHost
import TwilioSandbox

/// The sandbox started inside the process: run-action's stand-in when no credentials are set.
public enum InProcessSandbox {
    /// Starts the sandbox in this process with `stateFile`, advancing messages every second.
    public static let launch: SandboxLauncher = { stateFile in
        let sandbox = try await TwilioSandbox.start(SandboxConfiguration(stateFile: stateFile, lifecycleStep: .seconds(1)))
        let credentials = sandbox.credentials
        return StandInSandbox(
            baseURL: sandbox.baseURL, accountSid: credentials.accountSid, authToken: credentials.authToken, stop: { await sandbox.stop() })
    }
}
