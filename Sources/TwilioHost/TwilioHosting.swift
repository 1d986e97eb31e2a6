import ComponentCore
import ComponentHTTP
public import ComponentHost
public import ComponentRuntime
import FoundationEssentials
import TwilioComponent

/// Wires the Twilio component into the host front ends: where its manifest is, how handlers reach
/// Twilio, the `TWILIO_*` environment, and the sandbox that stands in when no credentials are set.
public enum TwilioHosting {
    /// The Twilio component as `commandName` hosts it; `sandbox` stands in for runs without
    /// credentials (in-process for run-action, the `twilio-sandbox` executable for the engine
    /// front end, which so carries no HTTP server of its own).
    public static func component(commandName: String, sandbox: any ServiceSandbox) -> HostedComponent {
        HostedComponent(
            manifest: .embedded(fileName: TwilioComponent.manifestFileName, text: TwilioComponent.manifestText),
            commandName: commandName,
            connectionHelp: "TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET",
            environmentConnection: { try connection(fromEnvironment: $0) },
            environmentBaseURL: { $0["TWILIO_API_BASE_URL"] },
            sandbox: sandbox,
            makeHandlers: { services in TwilioComponent.handlers(services.service) })
    }

    /// A misconfigured environment, said plainly.
    struct EnvironmentError: Error, CustomStringConvertible {
        var description: String
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
}
