import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `makeCall`: one outgoing call, never placed twice. Addresses are normalised and every input
/// checked before any request (raw TwiML included); as with sendSMS, only failures that prove
/// nothing reached Twilio, and 429s, are retried: a 5xx or a lost answer is `maybeSent`.
struct MakeCall: ActionHandler {
    struct Input: Decodable, Sendable {
        var to: String
        var from: String
        var message: String?
        var voice: String?
        var language: String?
        var twiml: String?
        var url: String?
        var method: String?
        var applicationSid: String?
        var record: Bool?
        var recordingChannels: String?
        var recordingStatusCallback: String?
        var timeout: Int?
        var timeLimit: Int?
        var machineDetection: String?
        var sendDigits: String?
        var callerId: String?
        var statusCallback: String?
        var statusCallbackEvents: [String]?
        var statusCallbackMethod: String?
        var defaultCountryCode: String
        var dryRun: Bool
    }

    /// What is sent: the form in Twilio's parameter order, the TwiML it carries (if any), and the
    /// call's ends as Twilio will store them.
    struct Plan {
        var form: [(String, String)]
        var twiml: String?
        var to: String
        var from: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let plan = try Self.plan(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let path = api.accountPath + "/Calls.json"
        if input.dryRun {
            var fields = JSONObject()
            for (name, value) in plan.form {
                if name == "StatusCallbackEvent" {
                    fields[name] = .array((fields[name]?.arrayValue ?? []) + [.string(value)])
                } else {
                    fields[name] = .string(value)
                }
            }
            // `expected` is the call as a listed call names its ends, what a reconciling engine
            // filters and matches candidates on. With a Caller ID, Twilio may store another caller
            // than From: `from` is then unknown (null), so a lost answer goes to review rather than
            // to a search that could miss the call.
            let from: JSONValue = input.callerId == nil ? .string(plan.from) : .null
            return [
                "dryRun": true, "method": "POST", "url": .string(api.baseURL + path), "form": .object(fields),
                "twiml": plan.twiml.map(JSONValue.string) ?? .null, "expected": ["to": .string(plan.to), "from": from], "uncertain": [],
            ]
        }
        let call = try await api.json(HTTPClientRequest(method: .post, url: path, body: .form(plan.form)))
        return CallOutput.map(call)
    }

    /// The request, or every input problem at once.
    static func plan(for input: Input) throws(ComponentError) -> Plan {
        var checks = CallInputChecks(owner: "action 'makeCall'")
        let to = checks.address(input.to, key: "to", label: "To", defaultCountryCode: input.defaultCountryCode)
        let from = checks.address(input.from, key: "from", label: "From", defaultCountryCode: input.defaultCountryCode)
        checks.exactlyOne(
            [
                ("message", "Message", input.message != nil), ("twiml", "TwiML", input.twiml != nil), ("url", "URL", input.url != nil),
                ("applicationSid", "Application SID", input.applicationSid != nil),
            ], what: "Twilio needs to know what the call does once answered")
        var twiml: String?
        if let message = input.message {
            let say = TwiMLSay(text: message, voice: input.voice, language: input.language)
            twiml = TwiMLResponse([.say(say)]).render()
            if let built = twiml, built.count > CallInputChecks.twimlLimit {
                checks.problem(
                    "message", "Message",
                    "makes TwiML of \(built.count) characters; Twilio takes at most \(CallInputChecks.twimlLimit) in a request: shorten it, or serve the TwiML from a URL."
                )
            }
        } else {
            for (key, label, given) in [("voice", "Voice", input.voice != nil), ("language", "Language", input.language != nil)] where given
            {
                checks.problem(key, label, "applies only to a Message, which the call says with it; give a Message, or leave it out.")
            }
        }
        if let raw = input.twiml {
            checks.twiml(raw)
            twiml = raw
        }
        checks.webURL(input.url, key: "url", label: "URL")
        if input.method != nil, input.url == nil {
            checks.problem("method", "Method", "applies only to a URL, which Twilio fetches with it; give a URL, or leave it out.")
        }
        if input.record != true {
            for (key, label, given) in [
                ("recordingChannels", "Recording Channels", input.recordingChannels != nil),
                ("recordingStatusCallback", "Recording Status Callback URL", input.recordingStatusCallback != nil),
            ] where given {
                checks.problem(key, label, "applies only to a recorded call; set Record to true, or leave it out.")
            }
        }
        checks.webURL(input.recordingStatusCallback, key: "recordingStatusCallback", label: "Recording Status Callback URL")
        checks.webURL(input.statusCallback, key: "statusCallback", label: "Status Callback URL")
        if input.statusCallback == nil {
            for (key, label, given) in [
                ("statusCallbackEvents", "Status Callback Events", !(input.statusCallbackEvents ?? []).isEmpty),
                ("statusCallbackMethod", "Status Callback Method", input.statusCallbackMethod != nil),
            ] where given {
                checks.problem(
                    key, label, "needs a Status Callback URL, where Twilio posts the call's progress; give one, or leave it out.")
            }
        }
        try checks.finish()
        guard let to, let from else { throw ComponentError(InputErrors(owner: checks.owner, problems: checks.problems)) }

        var form: [(String, String)] = [("To", to), ("From", from)]
        if let url = input.url {
            form.append(("Url", url))
            if let method = input.method { form.append(("Method", method)) }
        }
        if let twiml { form.append(("Twiml", twiml)) }
        if let application = input.applicationSid { form.append(("ApplicationSid", application)) }
        if let callback = input.statusCallback {
            form.append(("StatusCallback", callback))
            // Repeated, one event a parameter, as Twilio's SDKs send a list.
            for event in input.statusCallbackEvents ?? [] { form.append(("StatusCallbackEvent", event)) }
            if let method = input.statusCallbackMethod { form.append(("StatusCallbackMethod", method)) }
        }
        if let digits = input.sendDigits { form.append(("SendDigits", digits)) }
        if let timeout = input.timeout { form.append(("Timeout", String(timeout))) }
        if let record = input.record {
            form.append(("Record", record ? "true" : "false"))
            if let channels = input.recordingChannels { form.append(("RecordingChannels", channels)) }
            if let callback = input.recordingStatusCallback { form.append(("RecordingStatusCallback", callback)) }
        }
        if let detection = input.machineDetection { form.append(("MachineDetection", detection)) }
        if let callerId = input.callerId { form.append(("CallerId", callerId)) }
        if let limit = input.timeLimit { form.append(("TimeLimit", String(limit))) }
        return Plan(form: form, twiml: twiml, to: to, from: from)
    }
}
