import ComponentCore
import ComponentRuntime
import FoundationEssentials

/// The `webhook` trigger: receives Twilio's webhook (an incoming message, a status callback),
/// checks `X-Twilio-Signature`, parses the form body into `body.data`, and answers with TwiML.
struct WebhookTrigger: TriggerHandler {
    struct Input: Decodable, Sendable {
        var authToken: Secret?
        var publicUrl: String?
        var validateSignature: Bool
        var replyMessage: String?
    }

    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult {
        try evaluate(input, event: event, context: context)
    }

    /// The trigger's work, which waits for nothing: read the request, check its signature, parse
    /// its body. Throws a ``TriggerRejection`` carrying the HTTP answer.
    func evaluate(_ input: Input, event: TriggerEvent, context: ActionContext) throws -> TriggerResult {
        let webhook = try SignedWebhook(
            payload: event.payload,
            settings: SignedWebhook.Settings(
                authToken: input.authToken, publicUrl: input.publicUrl, validateSignature: input.validateSignature),
            context: context)
        let request = webhook.request
        var payload = request.payload
        let data = webhook.data
        payload["body"] = ["data": data, "contentType": .string(request.contentType)]
        let messageSid = data["MessageSid"]?.stringValue ?? data["SmsSid"]?.stringValue
        let status = data["MessageStatus"]?.stringValue ?? data["SmsStatus"]?.stringValue
        let event =
            data["MessageStatus"] != nil ? "status-callback" : (status == "received" || data["Body"] != nil ? "incoming-message" : "other")
        let token = WebhookRequest.header("I-Twilio-Idempotency-Token", in: request.headers)
        let key = token ?? [messageSid, status].compactMap { $0 }.joined(separator: ":")
        payload["idempotencyKey"] = key.isEmpty ? .null : .string(key)
        payload["twilio"] = [
            "event": .string(event), "messageSid": messageSid.map(JSONValue.string) ?? .null,
            "status": status.map(JSONValue.string) ?? .null,
            "statusRank": status.flatMap(Self.statusRank).map(JSONValue.integer) ?? .null,
            "signature": webhook.signatureSummary, "url": webhook.matchedURL.map(JSONValue.string) ?? .null,
        ]
        let reply = event == "incoming-message" ? input.replyMessage : nil
        return TriggerResult(payload: .object(payload), response: Self.twiml(reply: reply))
    }

    /// Where a status sits in a message's life, so an engine can ignore a callback that arrives
    /// after a later one (Twilio does not guarantee their order).
    static func statusRank(_ status: String) -> Int? {
        switch status {
        case "accepted", "scheduled": 1
        case "queued": 2
        case "sending": 3
        case "sent": 4
        case "delivered", "undelivered", "failed", "canceled", "received": 5
        case "read": 6
        default: nil
        }
    }

    /// TwiML: an empty `<Response/>`, or one that replies with `reply`.
    static func twiml(reply: String?) -> TriggerResponse {
        var body = #"<?xml version="1.0" encoding="UTF-8"?>"#
        if let reply, !reply.isEmpty {
            body += "<Response><Message>\(xmlEscaped(reply))</Message></Response>"
        } else {
            body += "<Response/>"
        }
        return TriggerResponse(statusCode: 200, contentType: "text/xml", body: body)
    }

    static func xmlEscaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default: output.append(character)
            }
        }
        return output
    }
}
