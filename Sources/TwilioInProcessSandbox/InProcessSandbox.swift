public import ComponentHost
import ComponentCore
import ComponentRuntime
import TwilioSandbox

/// The sandbox started inside the process: run-action's stand-in when no credentials are set.
public struct InProcessSandbox: ServiceSandbox {
    public init() {}

    /// Starts the sandbox in this process with `stateFile`, advancing messages and calls every second.
    public func start(stateFile: String, reset: Bool) async throws -> StartedSandbox {
        if reset { TwilioSandbox.removeState(stateFile: stateFile) }
        let sandbox = try await TwilioSandbox.start(SandboxConfiguration(stateFile: stateFile, lifecycleStep: .seconds(1)))
        let credentials = sandbox.credentials
        return StartedSandbox(
            baseURL: sandbox.baseURL,
            connection: RawConnection(
                key: "authToken", fields: ["accountSid": .string(credentials.accountSid), "authToken": .string(credentials.authToken)]),
            // One run, one sandbox: a call it placed (a few lifecycle steps) is let finish first.
            stop: { await sandbox.stop(callGrace: .seconds(15)) })
    }
}
