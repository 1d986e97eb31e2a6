import ComponentCore
import ComponentRuntime
import FoundationEssentials

/// The `voiceWebhook` trigger: a call to one of the account's numbers (its Voice URL), a call
/// status callback, and the callbacks its own TwiML asks for (a gather's result, a dial's outcome,
/// a recording). The signature is checked exactly as `webhook` checks it (``SignedWebhook``); the
/// payload names the event and carries an idempotency key; the answer is TwiML (``VoiceAnswer``).
struct VoiceWebhookTrigger: TriggerHandler {
    struct Input: Decodable, Sendable {
        var authToken: Secret?
        var publicUrl: String?
        var validateSignature: Bool
        /// say, play, gather, forward, voicemail, reject, busy or hangup.
        var answer: String
        var message: String?
        var voice: String?
        var language: String?
        var playUrl: String?
        /// dtmf, speech or "dtmf speech".
        var gatherInput: String
        var gatherDigits: Int?
        var gatherTimeout: Int?
        var gatherPrompt: String?
        /// forward, voicemail, say or hangup.
        var afterGather: String
        var afterGatherMessage: String?
        var forwardTo: String?
        var callerId: String?
        var dialTimeout: Int?
        var voicemail: Bool
        var voicemailPrompt: String?
        var maxRecordingSeconds: Int?
    }

    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult {
        try evaluate(input, event: event, context: context)
    }

    /// The trigger's work, which waits for nothing: read the request, check its signature, tell
    /// the event, answer it. Throws a ``TriggerRejection`` carrying the HTTP answer.
    func evaluate(_ input: Input, event: TriggerEvent, context: ActionContext) throws -> TriggerResult {
        let request = try SignedWebhook.read(event.payload)
        let webhook = try SignedWebhook(
            request: request,
            settings: SignedWebhook.Settings(
                authToken: input.authToken, publicUrl: Self.publicURL(input.publicUrl, of: request),
                validateSignature: input.validateSignature),
            context: context)

        // The marker is read from the signed URL when there is one, so a forged query cannot
        // change what the event is taken for.
        let marker =
            if let matched = webhook.matchedURL {
                TwilioSignatureValidator.queryValue(VoiceWebhookEvent.markerName, in: matched)
            } else {
                request.queryParameters[VoiceWebhookEvent.markerName]?.stringValue
            }
        let data = webhook.data
        let voiceEvent = VoiceWebhookEvent(data: data, marker: marker)
        let url = webhook.matchedURL ?? (try? request.candidateURLs(publicURL: input.publicUrl))?.first

        let twiml: TwiMLResponse
        do throws(ComponentError) {
            twiml = try VoiceAnswer(input: input, url: url).response(for: voiceEvent)
        } catch {
            throw TriggerRejection(
                error,
                response: TriggerResponse(
                    statusCode: 500, contentType: "text/plain",
                    body: "Internal Server Error: \(error.code.stringValue ?? "invalid_input")\n"))
        }

        var payload = request.payload
        payload["body"] = ["data": data, "contentType": .string(request.contentType)]
        let token = WebhookRequest.header("I-Twilio-Idempotency-Token", in: request.headers)
        payload["idempotencyKey"] = voiceEvent.idempotencyKey(token: token).map(JSONValue.string) ?? .null
        var summary = voiceEvent.summary
        summary["signature"] = webhook.signatureSummary
        summary["url"] = webhook.matchedURL.map(JSONValue.string) ?? .null
        payload["twilio"] = .object(summary)
        return TriggerResult(
            payload: .object(payload), response: TriggerResponse(statusCode: 200, contentType: "text/xml", body: twiml.render()))
    }

    /// The Public URL to check the signature against: as given, except that a callback this
    /// trigger asked for came to it with an `event` marker, which a Public URL with a query of its
    /// own must then carry too (one without a query takes the request's whole query).
    static func publicURL(_ publicUrl: String?, of request: WebhookRequest) -> String? {
        guard let publicUrl, publicUrl.contains("?"),
            let value = request.queryParameters[VoiceWebhookEvent.markerName]?.stringValue,
            let marker = VoiceWebhookEvent.Marker(rawValue: value)
        else { return publicUrl }
        return VoiceAnswer.url(publicUrl, marker: marker)
    }
}
