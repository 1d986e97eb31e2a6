public import ComponentRuntime

/// The Twilio component: its manifest (compiled in from `component.yaml`) and its handlers.
public enum TwilioComponent {
    /// The manifest's file name, for diagnostics.
    public static var manifestFileName: String { EmbeddedManifest.fileName }
    /// The manifest's text.
    public static var manifestText: String { EmbeddedManifest.text }

    /// The handler of every action, trigger and data source, talking to Twilio as `configuration` says.
    public static func handlers(_ configuration: TwilioConfiguration = TwilioConfiguration()) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.action("getSMS", GetSMS(configuration: configuration))
        registry.action("listMessages", ListMessages(configuration: configuration))
        registry.action("rawRequest", RawRequest(configuration: configuration))
        registry.action("sendSMS", SendSMS(configuration: configuration))
        registry.trigger("webhook", WebhookTrigger())
        registry.trigger("pollMessages", PollMessages(configuration: configuration))
        registry.dataSource("selectMessage", SelectMessage(configuration: configuration))
        registry.connectionCheck(AccountCheck(configuration: configuration))
        return registry
    }
}
