import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// `createVerifyService`: creates a Verify service, the set-up step of a verification flow: its
/// name (shown in the messages), its code length and the options people set. Each run creates
/// another service, so a request that may have reached Twilio is not retried.
struct CreateVerifyService: ActionHandler {
    struct Input: Decodable, Sendable {
        var friendlyName: String
        var codeLength: Int?
        var lookupEnabled: Bool?
        var skipSmsToLandlines: Bool?
        var dtmfInputRequired: Bool?
        var doNotShareWarningEnabled: Bool?
        /// Whether sendVerification may give its own code; Twilio's default is false, and a custom
        /// code sent to such a service fails with 60204.
        var customCodeEnabled: Bool?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let service = try await api.json(HTTPClientRequest(method: .post, url: "/v2/Services", body: .form(form)), host: .verify)
        return VerifyResource.service.map(service)
    }

    /// The form, in Twilio's parameter order, after every input is checked.
    static func form(for input: Input) throws(ComponentError) -> [(String, String)] {
        var checks = CallInputChecks(owner: "action 'createVerifyService'")
        let name = input.friendlyName.trimmingSpaces()
        if name.isEmpty {
            checks.problem("friendlyName", "Friendly Name", "is empty; give the name your users see in the messages, such as Acme.")
        } else if name.count > 32 {
            checks.problem("friendlyName", "Friendly Name", "has \(name.count) characters; Twilio takes at most 32.")
        }
        if input.skipSmsToLandlines == true, input.lookupEnabled != true {
            checks.problem(
                "skipSmsToLandlines", "Skip SMS To Landlines",
                "needs Lookup Enabled: Twilio can tell a landline only with a lookup; set both.")
        }
        try checks.finish()
        var form = [("FriendlyName", name)]
        if let length = input.codeLength { form.append(("CodeLength", String(length))) }
        let options: [(String, Bool?)] = [
            ("LookupEnabled", input.lookupEnabled), ("SkipSmsToLandlines", input.skipSmsToLandlines),
            ("DtmfInputRequired", input.dtmfInputRequired), ("DoNotShareWarningEnabled", input.doNotShareWarningEnabled),
            ("CustomCodeEnabled", input.customCodeEnabled),
        ]
        for case (let field, let value?) in options { form.append((field, value ? "true" : "false")) }
        return form
    }
}
