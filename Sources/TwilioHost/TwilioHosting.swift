import ComponentCore
import ComponentHTTP
public import ComponentHost
public import ComponentRuntime
import Foundation
import TwilioComponent

/// A sandbox a run stands on when no credentials are given: where it listens, the credentials it
/// accepts, and how to stop it.
public struct StandInSandbox: Sendable {
    public var baseURL: String
    public var accountSid: String
    public var authToken: String
    public var stop: @Sendable () async -> Void

    /// A running sandbox.
    public init(baseURL: String, accountSid: String, authToken: String, stop: @escaping @Sendable () async -> Void) {
        self.baseURL = baseURL
        self.accountSid = accountSid
        self.authToken = authToken
        self.stop = stop
    }
}

/// Starts a sandbox that keeps its messages in the given state file.
public typealias SandboxLauncher = @Sendable (_ stateFile: String) async throws -> StandInSandbox

/// Wires the Twilio component into the host front ends: where its manifest is, how handlers reach
/// Twilio, and where a run gets its connection — the caller, the `TWILIO_*` environment, or a
/// sandbox when neither gives one (and the front end allows it).
public enum TwilioHosting {
    /// The Twilio component as `commandName` hosts it; `sandbox` starts the stand-in for runs
    /// without credentials (in-process for run-action, the `twilio-sandbox` executable for the
    /// engine front end, which so carries no HTTP server of its own).
    public static func component(commandName: String, sandbox: @escaping SandboxLauncher) -> HostedComponent {
        HostedComponent(
            manifest: .embedded(fileName: TwilioComponent.manifestFileName, text: TwilioComponent.manifestText),
            commandName: commandName, version: TwilioConfiguration.version,
            connectionHelp: "TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET; "
                + "TWILIO_API_BASE_URL sends requests elsewhere",
            makeHandlers: { services in
                var timeouts = HTTPTimeouts()
                if let timeout = services.requestTimeout { timeouts.perAttempt = timeout }
                let http = CurlHTTPClient(userAgent: TwilioConfiguration.userAgent, pool: services.httpPool)
                return TwilioComponent.handlers(TwilioConfiguration(baseURL: services.baseURL, http: http, timeouts: timeouts))
            },
            prepare: { request in try await prepare(request, sandbox: sandbox) })
    }

    /// A misconfigured environment, said plainly.
    struct EnvironmentError: Error, CustomStringConvertible {
        var description: String
    }

    static func prepare(_ request: HostRequest, sandbox launch: SandboxLauncher) async throws -> HostServices {
        let baseURL = request.baseURL ?? request.environment["TWILIO_API_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let timeout = try requestTimeout(request.environment)
        if let connection = request.connection { return HostServices(baseURL: baseURL, connection: connection, requestTimeout: timeout) }
        if let connection = try connection(fromEnvironment: request.environment) {
            return HostServices(baseURL: baseURL, connection: connection, requestTimeout: timeout)
        }
        guard baseURL == nil, request.allowsSandbox else {
            // A base URL, or an engine, without credentials: each run fails with a clear
            // missing-connection error unless its request brings a connection.
            return HostServices(baseURL: baseURL, requestTimeout: timeout)
        }
        let stateFile = sandboxStateFile(request.environment)
        if request.resetSandbox { try? FileManager.default.removeItem(atPath: stateFile) }
        let sandbox = try await launch(stateFile)
        request.notice(
            "No Twilio credentials set (TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET): "
                + "using the built-in sandbox at \(sandbox.baseURL), which keeps its messages in \(stateFile).")
        return HostServices(
            baseURL: sandbox.baseURL,
            connection: RawConnection(
                key: "authToken", fields: ["accountSid": .string(sandbox.accountSid), "authToken": .string(sandbox.authToken)]),
            requestTimeout: timeout, stop: sandbox.stop)
    }

    /// `TWILIO_TIMEOUT_MS`: how long one attempt of a request to Twilio may take (30 s by default).
    static func requestTimeout(_ environment: [String: String]) throws -> Duration? {
        guard let text = environment["TWILIO_TIMEOUT_MS"], !text.isEmpty else { return nil }
        guard let milliseconds = Int(text), milliseconds > 0 else {
            throw EnvironmentError(description: "TWILIO_TIMEOUT_MS must be a whole number of milliseconds above 0, not '\(text)'.")
        }
        return .milliseconds(milliseconds)
    }

    /// The connection Twilio's own tools would use: `TWILIO_ACCOUNT_SID` with `TWILIO_API_KEY` and
    /// `TWILIO_API_SECRET` (preferred), or with `TWILIO_AUTH_TOKEN`; `TWILIO_REGION` and
    /// `TWILIO_EDGE` select the region. `nil` when none is set.
    /// - Throws: when the variables are set only in part.
    public static func connection(fromEnvironment environment: [String: String]) throws -> RawConnection? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let account = value("TWILIO_ACCOUNT_SID")
        let key = value("TWILIO_API_KEY")
        let secret = value("TWILIO_API_SECRET")
        let token = value("TWILIO_AUTH_TOKEN")
        guard account != nil || key != nil || secret != nil || token != nil else { return nil }
        var fields: JSONObject = [:]
        if let region = value("TWILIO_REGION") { fields["region"] = .string(region) }
        if let edge = value("TWILIO_EDGE") { fields["edge"] = .string(edge) }
        guard let account else {
            throw EnvironmentError(
                description:
                    "TWILIO_ACCOUNT_SID is not set, but other TWILIO_ variables are: set it too (it starts with AC), or unset them all to use the built-in sandbox."
            )
        }
        fields["accountSid"] = .string(account)
        if let key, let secret {
            fields["apiKey"] = .string(key)
            fields["apiSecret"] = .string(secret)
            return RawConnection(key: "apiKey", fields: fields)
        }
        if let token {
            fields["authToken"] = .string(token)
            return RawConnection(key: "authToken", fields: fields)
        }
        throw EnvironmentError(
            description:
                "TWILIO_ACCOUNT_SID is set, but not TWILIO_AUTH_TOKEN, nor TWILIO_API_KEY with TWILIO_API_SECRET: set one of them, or unset TWILIO_ACCOUNT_SID to use the built-in sandbox."
        )
    }

    /// `$XDG_CACHE_HOME/twilio-component/sandbox-state.json` (or under `~/.cache`).
    static func sandboxStateFile(_ environment: [String: String]) -> String {
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return cache + "/twilio-component/sandbox-state.json"
    }
}
