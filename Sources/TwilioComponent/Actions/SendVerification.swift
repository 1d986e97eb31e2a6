import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `sendVerification`: starts a verification (Verify v2), which sends a one-time code to `to` by
/// its channel. Every run sends another message: as with sendSMS, only failures that prove
/// nothing reached Twilio are retried; a 5xx or a lost answer is `maybeSent`. A 429 with error
/// 60203 (the most sends Twilio allows for this To) is final: never retried.
struct SendVerification: ActionHandler {
    struct Input: Decodable, Sendable {
        var serviceSid: String
        var to: String
        var channel: String
        var locale: String?
        var customFriendlyName: String?
        /// Allowed only by a service created with `CustomCodeEnabled` (off by default): Twilio
        /// answers 403 with error 60204 otherwise.
        var customCode: Secret?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let verification = try await api.json(
            HTTPClientRequest(method: .post, url: VerifyPaths.service(input.serviceSid) + "/Verifications", body: .form(form)),
            host: .verify)
        return VerifyResource.verification.map(verification)
    }

    /// The form, in Twilio's parameter order, after every input is checked.
    static func form(for input: Input) throws(ComponentError) -> [(String, String)] {
        var checks = CallInputChecks(owner: "action 'sendVerification'")
        var to = input.to
        switch VerifyAddress.to(input.to, channel: input.channel) {
        case .success(let address): to = address
        case .failure(let refusal): checks.problem("to", "To", refusal.reason)
        }
        if let code = input.customCode?.reveal(), !(4...10).contains(code.count) {
            // Never repeat the code itself: it is a secret.
            checks.problem("customCode", "Custom Code", "has \(code.count) characters; Verify takes a custom code of 4 to 10 characters.")
        }
        try checks.finish()
        var form = [("To", to), ("Channel", input.channel)]
        if let name = input.customFriendlyName, !name.isEmpty { form.append(("CustomFriendlyName", name)) }
        if let locale = input.locale, !locale.isEmpty { form.append(("Locale", locale)) }
        if let code = input.customCode, !code.isEmpty { form.append(("CustomCode", code.reveal())) }
        return form
    }
}
