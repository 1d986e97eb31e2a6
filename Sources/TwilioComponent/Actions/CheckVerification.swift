import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `checkVerification`: checks a code the user typed against a pending verification (Verify v2):
/// `approved` and `valid` when it is right, `pending` and not valid when it is wrong.
///
/// Each check is an attempt Twilio counts (5 at most, then 60202), so a check is not retried after
/// it may have reached Twilio. A check that finds no pending verification answers 404 (error 20404)
/// for many reasons (a wrong service, account or region; a verification approved, cancelled or
/// expired; an earlier attempt whose answer was lost that accepted the code): the error says all
/// of them, and never reports the code as right or wrong.
struct CheckVerification: ActionHandler {
    struct Input: Decodable, Sendable {
        var serviceSid: String
        var to: String?
        var verificationSid: String?
        var code: Secret
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        do {
            let check = try await api.json(
                HTTPClientRequest(method: .post, url: VerifyPaths.service(input.serviceSid) + "/VerificationCheck", body: .form(form)),
                host: .verify)
            return VerifyResource.verificationCheck.map(check)
        } catch  where error.status == 404 {
            throw Self.notFound(error, input: input)
        }
    }

    /// The form: the code, then the To or the verification's SID, after every input is checked.
    static func form(for input: Input) throws(ComponentError) -> [(String, String)] {
        var checks = CallInputChecks(owner: "action 'checkVerification'")
        let to = input.to.flatMap { $0.isEmpty ? nil : $0 }
        let sid = input.verificationSid.flatMap { $0.isEmpty ? nil : $0 }
        checks.exactlyOne(
            [("to", "To", to != nil), ("verificationSid", "Verification SID", sid != nil)],
            what: "the verification to check is named by the number or email it went to, or by its SID")
        var address = to
        if let to {
            switch VerifyAddress.to(to, channel: nil) {
            case .success(let normalized): address = normalized
            case .failure(let refusal): checks.problem("to", "To", refusal.reason)
            }
        }
        let code = input.code.reveal()
        if !(4...10).contains(code.count) {
            // Never repeat the code itself: it is a secret.
            checks.problem("code", "Code", "has \(code.count) characters; a Verify code has 4 to 10.")
        }
        try checks.finish()
        var form = [("Code", code)]
        if let address { form.append(("To", address)) }
        if let sid { form.append(("VerificationSid", sid)) }
        return form
    }

    /// The 404 (error 20404) of a check: no pending verification. Twilio gives the same answer
    /// for a service SID, account or region that is wrong, and for a verification never started,
    /// approved, cancelled, expired or out of attempts, so the message keeps Twilio's words and
    /// code and says all of them, and that an earlier attempt whose answer was lost may have been
    /// the one that approved it.
    static func notFound(_ error: ComponentError, input: Input) -> ComponentError {
        var error = error
        let named = input.verificationSid.flatMap { $0.isEmpty ? nil : "verification \($0)" } ?? "verification to \(input.to ?? "")"
        let said = (error.cause as? HTTPError)?.bodyJSON?["message"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let twilio = [said, error.code.intValue.map { "error \($0)" }].compactMap { $0 }.joined(separator: ", ")
        error.message =
            "Twilio answered 404\(twilio.isEmpty ? "" : " (\(twilio))"): it found no pending \(named) in service \(input.serviceSid). Either the service SID, the connection's account or its region is wrong, or no verification was started for it; or the verification was already approved, cancelled, expired (10 minutes after it was sent) or ran out of check attempts. If an earlier check of this code got no answer, that attempt may have accepted the code. This answer does not say whether the code was right: check the service SID and the connection, and to be sure, start a new verification with sendVerification and check its code."
        error.retryable = false
        return error
    }
}
