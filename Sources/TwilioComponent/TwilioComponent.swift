public import ComponentRuntime

/// The Twilio component: its manifest (compiled in from `component.yaml`) and its handlers.
public enum TwilioComponent {
    /// The manifest's file name, for diagnostics.
    public static var manifestFileName: String { EmbeddedManifest.fileName }
    /// The manifest's text.
    public static var manifestText: String { EmbeddedManifest.text }

    /// The handler of every action, trigger and data source, talking to Twilio as the run's `settings` say.
    public static func handlers(_ settings: ServiceSettings = ServiceSettings()) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.action("cancelVerification", CancelVerification(settings: settings))
        registry.action("checkVerification", CheckVerification(settings: settings))
        registry.action("configureNumberWebhooks", ConfigureNumberWebhooks(settings: settings))
        registry.action("createVerifyService", CreateVerifyService(settings: settings))
        registry.action("deleteMessage", DeleteMessage(settings: settings))
        registry.action("deleteRecording", DeleteRecording(settings: settings))
        registry.action("getCall", GetCall(settings: settings))
        registry.action("getMessageMedia", GetMessageMedia(settings: settings))
        registry.action("getRecording", GetRecording(settings: settings))
        registry.action("getSMS", GetSMS(settings: settings))
        registry.action("listCalls", ListCalls(settings: settings))
        registry.action("listMessageMedia", ListMessageMedia(settings: settings))
        registry.action("listMessages", ListMessages(settings: settings))
        registry.action("listRecordings", ListRecordings(settings: settings))
        registry.action("lookupPhoneNumber", LookupPhoneNumber(settings: settings))
        registry.action("makeCall", MakeCall(settings: settings))
        registry.action("rawRequest", RawRequest(settings: settings))
        registry.action("redactMessage", RedactMessage(settings: settings))
        registry.action("restoreNumberWebhooks", RestoreNumberWebhooks(settings: settings))
        registry.action("sendSMS", SendSMS(settings: settings))
        registry.action("sendVerification", SendVerification(settings: settings))
        registry.action("updateCall", UpdateCall(settings: settings))
        registry.trigger("webhook", WebhookTrigger())
        registry.trigger("pollMessages", PollMessages(settings: settings))
        registry.trigger("voiceWebhook", VoiceWebhookTrigger())
        registry.trigger("pollRecordings", PollRecordings(settings: settings))
        registry.dataSource("selectMessage", SelectMessage(settings: settings))
        registry.dataSource("selectPhoneNumber", SelectPhoneNumber(settings: settings))
        registry.connectionCheck(AccountCheck(settings: settings))
        return registry
    }
}
