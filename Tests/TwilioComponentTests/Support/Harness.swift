import ComponentCore
import ComponentHTTP
import ComponentHost
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import TwilioHost
import TwilioInProcessSandbox
import TwilioSandbox

/// The run-action harness run in-process with the Twilio component, its output captured.
struct Harness: SandboxControlling {
    struct Output {
        var stdout: String
        var stderr: String
        var exitCode: Int32

        /// The envelope on standard output.
        var envelope: JSONValue { (try? JSONParser.parse(stdout)) ?? .null }
        var data: JSONValue { envelope["data"] ?? .null }
        var error: JSONValue { envelope["error"] ?? .null }
    }

    let endpoint: SandboxEndpoint

    init(endpoint: SandboxEndpoint) {
        self.endpoint = endpoint
    }

    /// The sandbox's Auth Token connection, as flags.
    var connection: [String] {
        [
            "--connection", "authToken", "--connection-field", "accountSid=\(credentials.accountSid)", "--connection-field",
            "authToken=\(credentials.authToken)",
        ]
    }

    /// Runs `arguments` with `--base-url` pointing at the sandbox, its CA trusted (over HTTPS),
    /// and, unless `withConnection` is false, the sandbox's Auth Token connection.
    func run(_ arguments: [String], withConnection: Bool = true, environment: [String: String] = [:]) async -> Output {
        let environment = trustEnvironment(certificateAuthorityFile).merging(environment) { $1 }
        let out = Mutex("")
        let err = Mutex("")
        let io = HostIO(writeOut: { text in out.withLock { $0 += text } }, writeErr: { text in err.withLock { $0 += text } })
        let code = await RunActionHarness.run(
            TwilioHosting.component(commandName: "run-action", sandbox: InProcessSandbox()),
            arguments: arguments + ["--base-url", baseURL, "--compact"] + (withConnection ? connection : []),
            environment: environment, io: io)
        return Output(stdout: out.withLock { $0 }, stderr: err.withLock { $0 }, exitCode: code)
    }

    /// Inputs as `--input key=value` flags.
    static func inputs(_ pairs: [String: String]) -> [String] {
        pairs.sorted { $0.key < $1.key }.flatMap { ["--input", "\($0.key)=\($0.value)"] }
    }
}

/// Runs `body` with an in-process sandbox (over HTTPS with HTTP/2 unless told otherwise) and a
/// harness pointed at it; `webhookClient` is whom the sandbox trusts when it posts webhooks.
func withHarness<T>(
    lifecycleStep: Duration = .zero, transport: SandboxTransport = .tlsHTTP2,
    webhookClient: WebhookClientSettings = WebhookClientSettings(),
    _ body: (Harness) async throws -> T
) async throws -> T {
    try await withRunningSandbox(transport.configuration(lifecycleStep: lifecycleStep, webhookClient: webhookClient)) { sandbox in
        try await body(Harness(sandbox))
    }
}

extension Harness {
    /// Someone texts one of the sandbox's numbers; the sandbox delivers the signed webhook to `url`.
    func inbound(_ message: JSONObject) async throws -> JSONValue {
        let response = try await controlClient.send(
            HTTPClientRequest(method: .post, url: baseURL + "/__sandbox/inbound", body: .json(.object(message))))
        return try JSONParser.parse(response.body)
    }
}
