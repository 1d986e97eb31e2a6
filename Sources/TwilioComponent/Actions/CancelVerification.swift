import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `cancelVerification`: cancels a pending verification (Verify v2), so its code no longer works.
///
/// Cancelling twice leaves the same state, so the request is retried after a 5xx, a timeout or a
/// broken connection, like deleteRecording. When such a retry finds no pending verification (404),
/// the earlier attempt whose answer was lost may well have cancelled it: the verification is no
/// longer pending either way, which is what was asked, so that is success (`alreadyGone`). Any
/// other 404 is an error (``AlreadyGone``): at the first attempt, or after a 429, nothing this run
/// did ended it.
struct CancelVerification: ActionHandler {
    struct Input: Decodable, Sendable {
        var serviceSid: String
        var to: String?
        var verificationSid: String?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let target = try Self.target(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let path = VerifyPaths.service(input.serviceSid) + "/Verifications/" + VerifyPaths.segment(target)
        do {
            let verification = try await api.json(
                HTTPClientRequest(method: .post, url: path, body: .form([("Status", "canceled")]), safeToRepeat: true), host: .verify)
            guard case .object(var output) = VerifyResource.verification.map(verification) else { return .null }
            output["alreadyGone"] = false
            return .object(output)
        } catch {
            guard AlreadyGone.isGone(error) else { throw error }
            let isSid = target.hasPrefix("VE")
            return [
                "sid": isSid ? .string(target) : .null, "serviceSid": .string(input.serviceSid), "to": isSid ? .null : .string(target),
                "status": "canceled", "alreadyGone": true,
            ]
        }
    }

    /// The verification's SID, or the To it was sent to, after the inputs are checked.
    static func target(for input: Input) throws(ComponentError) -> String {
        var checks = CallInputChecks(owner: "action 'cancelVerification'")
        let to = input.to.flatMap { $0.isEmpty ? nil : $0 }
        let sid = input.verificationSid.flatMap { $0.isEmpty ? nil : $0 }
        checks.exactlyOne(
            [("to", "To", to != nil), ("verificationSid", "Verification SID", sid != nil)],
            what: "the verification to cancel is named by the number or email it went to, or by its SID")
        var target = sid ?? ""
        if let to, sid == nil {
            switch VerifyAddress.to(to, channel: nil) {
            case .success(let normalized): target = normalized
            case .failure(let refusal): checks.problem("to", "To", refusal.reason)
            }
        }
        try checks.finish()
        return target
    }
}
