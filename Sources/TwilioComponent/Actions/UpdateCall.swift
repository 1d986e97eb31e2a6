import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `updateCall`: ends a call (`completed` hangs up an answered call, `canceled` stops a queued or
/// ringing one), or sends it new instructions (TwiML, or a URL to fetch them from).
///
/// The manifest hints the action not idempotent: a redirect makes the call run the new
/// instructions from their start, so a repeated redirect says or dials everything again. A
/// hang-up or a cancel is idempotent (the call ends once, however often it is asked), so that
/// request alone is marked safe to repeat and is retried after a 5xx or a lost answer.
struct UpdateCall: ActionHandler {
    struct Input: Decodable, Sendable {
        var callSid: String
        var status: String?
        var twiml: String?
        var url: String?
        var method: String?
        var statusCallback: String?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let request = HTTPClientRequest(
            method: .post, url: api.accountPath + "/Calls/\(input.callSid).json", body: .form(form),
            safeToRepeat: input.status != nil ? true : nil)
        do {
            return CallOutput.map(try await api.json(request))
        } catch {
            // A hang-up retried after its answer was lost finds the call already ended (21220): the
            // call is over, as asked, so the call as it now is is the answer. Only after an attempt
            // that may have ended it (``AlreadyGone``): at the first attempt, or after a 429, the
            // call had ended before this run asked.
            guard input.status != nil, error.code == 21220, AlreadyGone.earlierAttemptMayHaveDoneIt(error) else { throw error }
            let call = try await api.json(HTTPClientRequest(method: .get, url: api.accountPath + "/Calls/\(input.callSid).json"))
            guard let status = call["status"]?.stringValue, Self.finalStatuses.contains(status) else { throw error }
            return CallOutput.map(call)
        }
    }

    /// The statuses of a call that has ended.
    static let finalStatuses: Set<String> = ["completed", "canceled", "busy", "failed", "no-answer"]

    /// The form Twilio receives, in its parameter order, or every input problem at once.
    static func form(for input: Input) throws(ComponentError) -> [(String, String)] {
        var checks = CallInputChecks(owner: "action 'updateCall'")
        checks.exactlyOne(
            [("status", "Status", input.status != nil), ("twiml", "TwiML", input.twiml != nil), ("url", "URL", input.url != nil)],
            what: "Twilio needs to know whether to end the call or what it does next")
        if let twiml = input.twiml { checks.twiml(twiml) }
        checks.webURL(input.url, key: "url", label: "URL")
        if input.method != nil, input.url == nil {
            checks.problem("method", "Method", "applies only to a URL, which Twilio fetches with it; give a URL, or leave it out.")
        }
        checks.webURL(input.statusCallback, key: "statusCallback", label: "Status Callback URL")
        try checks.finish()

        var form: [(String, String)] = []
        if let url = input.url {
            form.append(("Url", url))
            if let method = input.method { form.append(("Method", method)) }
        }
        if let status = input.status { form.append(("Status", status)) }
        if let callback = input.statusCallback { form.append(("StatusCallback", callback)) }
        if let twiml = input.twiml { form.append(("Twiml", twiml)) }
        return form
    }
}
