import ComponentCore
import Foundation
import TestSupport
import TwilioSandbox

/// The built `twilio-component` executable, pointed at an in-process sandbox.
struct EngineTool: SandboxControlling {
    static let path = ProcessRunner.product("twilio-component")

    struct Output {
        var stdout: String
        var stderr: String
        var exitCode: Int32

        /// The one JSON document on standard output.
        var envelope: JSONValue { (try? JSONParser.parse(stdout)) ?? .null }
        var error: JSONValue { envelope["error"] ?? .null }
    }

    let endpoint: SandboxEndpoint

    init(endpoint: SandboxEndpoint) {
        self.endpoint = endpoint
    }

    /// The sandbox's Auth Token connection, as a request carries it.
    var authToken: JSONValue {
        ["key": "authToken", "fields": ["accountSid": .string(credentials.accountSid), "authToken": .string(credentials.authToken)]]
    }

    /// The sandbox's API key connection.
    var apiKey: JSONValue {
        [
            "key": "apiKey",
            "fields": [
                "accountSid": .string(credentials.accountSid), "apiKey": .string(credentials.apiKeySid),
                "apiSecret": .string(credentials.apiKeySecret),
            ],
        ]
    }

    /// This process's environment without any TWILIO_ variable, requests sent to the sandbox (and
    /// its CA trusted, over HTTPS).
    var environment: [String: String?] {
        var environment: [String: String?] = ["TWILIO_API_BASE_URL": baseURL, "SSL_CERT_FILE": certificateAuthorityFile]
        for key in ProcessInfo.processInfo.environment.keys where key.hasPrefix("TWILIO_") && key != "TWILIO_API_BASE_URL" {
            environment[key] = .some(nil)
        }
        return environment
    }

    /// The environment with the sandbox's Auth Token credentials, as Twilio's tools read them.
    var credentialEnvironment: [String: String?] {
        var environment = environment
        environment["TWILIO_ACCOUNT_SID"] = credentials.accountSid
        environment["TWILIO_AUTH_TOKEN"] = credentials.authToken
        return environment
    }

    /// Runs `twilio-component arguments` with `stdin`.
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String?] = [:]) async throws -> Output {
        var environment = environment
        for (key, value) in extra { environment[key] = value }
        let output = try await ProcessRunner.run(Self.path, arguments, environment: environment, stdin: stdin)
        return Output(stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode)
    }

    /// Runs a one-shot subcommand with `request` (as compact JSON) on standard input.
    func run(_ subcommand: String, _ request: JSONValue, environment extra: [String: String?] = [:]) async throws -> Output {
        try await run([subcommand], stdin: JSONWriter.string(from: request), environment: extra)
    }
}

/// Runs `body` with an in-process sandbox (over HTTPS with HTTP/2 unless told otherwise) and the
/// executable pointed at it; `configure` adjusts the sandbox's configuration first.
func withEngineTool<T>(
    lifecycleStep: Duration = .zero, transport: SandboxTransport = .tlsHTTP2,
    sandbox configure: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: (EngineTool) async throws -> T
) async throws -> T {
    var configuration = transport.configuration(lifecycleStep: lifecycleStep)
    configure(&configuration)
    return try await withRunningSandbox(configuration) { sandbox in
        try await body(EngineTool(sandbox))
    }
}
