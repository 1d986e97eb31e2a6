public import ComponentKit

/// The SendGrid component: its manifest (compiled in from `component.yaml`), its handlers, and how
/// the host front ends find its connection.
public enum SendGridComponent {
    /// The handler of every action and trigger, reaching SendGrid as `settings` says.
    public static func handlers(_ settings: ServiceSettings = ServiceSettings()) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.action("sendEmail", SendEmail(settings: settings))
        registry.trigger("eventWebhook", EventWebhook())
        registry.connectionCheck(ScopeCheck(settings: settings))
        return registry
    }

    /// The component as the front ends host it (`invoke`, `serve`, `mcp`, run-action, ...).
    public static func hosted(commandName: String = "sendgrid-component") -> HostedComponent {
        HostedComponent(
            manifest: .embedded(fileName: EmbeddedManifest.fileName, text: EmbeddedManifest.text),
            commandName: commandName,
            connectionHelp: "SENDGRID_API_KEY (with SENDGRID_REGION=eu for an EU subuser); SENDGRID_API_BASE_URL sends requests elsewhere",
            environmentConnection: { try connection(fromEnvironment: $0) },
            environmentBaseURL: { $0["SENDGRID_API_BASE_URL"] },
            makeHandlers: { services in handlers(services.service) })
    }

    /// The connection a run uses when its caller gives none: `SENDGRID_API_KEY`, with
    /// `SENDGRID_REGION` (`global` or `eu`). Neither set: none. A region without a key, or a region
    /// SendGrid does not have, is a mistake worth stopping for.
    static func connection(fromEnvironment environment: [String: String]) throws(EnvironmentError) -> RawConnection? {
        let key = environment["SENDGRID_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let region = environment["SENDGRID_REGION"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
        if let region, !SendGridAPI.regions.keys.contains(region) {
            throw EnvironmentError(
                description: "SENDGRID_REGION is '\(region)'; set it to global (api.sendgrid.com) or eu (api.eu.sendgrid.com), or unset it."
            )
        }
        guard let key else {
            if region != nil {
                throw EnvironmentError(
                    description: "SENDGRID_REGION is set but SENDGRID_API_KEY is not; set the API key too, or unset both.")
            }
            return nil
        }
        var fields: JSONObject = ["apiKey": .string(key)]
        if let region { fields["region"] = .string(region) }
        return RawConnection(key: "apiKey", fields: fields)
    }

    /// The environment names a connection only in part.
    struct EnvironmentError: Error, CustomStringConvertible {
        var description: String
    }
}
