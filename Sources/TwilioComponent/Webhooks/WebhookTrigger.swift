import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes

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
        let request: WebhookRequest
        do throws(WebhookRequest.Problem) {
            request = try WebhookRequest(payload: event.payload)
        } catch {
            throw Self.reject(error)
        }

        // The body: form parameters, or JSON.
        var parameters: [(String, String)] = []
        var json: JSONValue?
        do throws(WebhookRequest.Problem) {
            if request.isJSON {
                guard let parsed = try? JSONParser.parse(request.body) else {
                    throw WebhookRequest.Problem(
                        status: 400, code: "invalid_body", message: "The webhook says its body is JSON, but it does not parse as JSON.")
                }
                json = parsed
            } else {
                parameters = try request.formParameters()
            }
        } catch {
            throw Self.reject(error)
        }

        var matchedURL: String?
        if input.validateSignature {
            let signatures = request.values(of: "X-Twilio-Signature")
            guard !signatures.isEmpty else {
                throw Self.reject(
                    WebhookRequest.Problem(
                        status: 403, code: "missing_signature",
                        message: "The webhook has no X-Twilio-Signature header, so it cannot be shown to come from Twilio; it is refused."))
            }
            guard signatures.count == 1 else {
                throw Self.reject(
                    WebhookRequest.Problem(
                        status: 403, code: "duplicate_signature",
                        message:
                            "The webhook has \(signatures.count) X-Twilio-Signature values; Twilio sends one, so the request is refused."))
            }
            // The token is looked for only now, so an unsigned request is refused as such first.
            let token = try Self.authToken(input, context: context)
            let algorithm = Self.algorithm(request)
            let validator = TwilioSignatureValidator(authToken: token.reveal())
            let candidates: [String]
            do throws(WebhookRequest.Problem) {
                candidates = try request.candidateURLs(publicURL: input.publicUrl)
            } catch {
                throw Self.reject(error)
            }
            matchedURL = candidates.first {
                validator.isValid(
                    signature: signatures[0], url: $0, parameters: parameters, jsonBody: json == nil ? nil : request.body,
                    algorithm: algorithm)
            }
            guard matchedURL != nil else {
                throw Self.reject(
                    WebhookRequest.Problem(
                        status: 403, code: "invalid_signature",
                        message:
                            "The webhook's X-Twilio-Signature does not match its body for \(candidates.joined(separator: " or ")) with this account's Auth Token; it is refused. Behind a proxy or tunnel, set Public URL to the exact address configured in Twilio."
                    ))
            }
        }

        var payload = request.payload
        let data = json ?? Self.bodyObject(parameters)
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
            "signature": input.validateSignature ? "valid" : "not checked", "url": matchedURL.map(JSONValue.string) ?? .null,
        ]
        let reply = event == "incoming-message" ? input.replyMessage : nil
        return TriggerResult(payload: .object(payload), response: Self.twiml(reply: reply))
    }

    /// The Auth Token that signs the account's webhooks: the connection's, or the input's when the
    /// connection is an API key (whose secret cannot check Twilio's signatures).
    static func authToken(_ input: Input, context: ActionContext) throws -> Secret {
        if let token = input.authToken, !token.isEmpty { return token }
        if let token = context.connection?.secret("authToken"), context.connection?.key == "authToken" { return token }
        throw TriggerRejection(
            ComponentError(
                .connection, code: "missing_auth_token",
                message:
                    "Checking Twilio's signature needs the account's Auth Token: use an Auth Token connection, or fill the trigger's Auth Token input (an API key's secret cannot check Twilio's signatures)."
            ),
            response: TriggerResponse(statusCode: 500, contentType: "text/plain", body: "Webhook validation is not configured."))
    }

    static func algorithm(_ request: WebhookRequest) -> TwilioSignatureValidator.Algorithm {
        guard let settings = WebhookRequest.header("X-Twilio-Webhooks-Signature-Settings", in: request.headers) else { return .sha1 }
        for part in settings.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0] == "algorithm", let algorithm = TwilioSignatureValidator.Algorithm(rawValue: pair[1]) {
                return algorithm
            }
        }
        return .sha1
    }

    /// The parameters as an object (a repeated name becomes a list), with `MediaUrl{N}` and
    /// `MediaContentType{N}` also collected into `MediaUrls` and `MediaContentTypes`.
    static func bodyObject(_ parameters: [(String, String)]) -> JSONValue {
        // Values are gathered per name first: appending to a list inside the object would copy it
        // each time, which a body of thousands of repeats would turn quadratic.
        var names: [String] = []
        var values: [String: [JSONValue]] = [:]
        for (name, value) in parameters {
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(.string(value))
        }
        var object = JSONObject()
        for name in names {
            let list = values[name]!
            object[name] = list.count == 1 ? list[0] : .array(list)
        }
        for (prefix, list) in [("MediaUrl", "MediaUrls"), ("MediaContentType", "MediaContentTypes")] {
            var items: [(Int, JSONValue)] = []
            for (name, value) in object where name.hasPrefix(prefix) {
                if let index = Int(name.dropFirst(prefix.count)) { items.append((index, value)) }
            }
            if !items.isEmpty { object[list] = .array(items.sorted { $0.0 < $1.0 }.map(\.1)) }
        }
        return .object(object)
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

    static func reject(_ problem: WebhookRequest.Problem) -> TriggerRejection {
        TriggerRejection(
            ComponentError(.input, code: .string(problem.code), message: problem.message, status: problem.status),
            // The caller gets the status and a code, not the diagnosis, which is for the flow's owner.
            response: TriggerResponse(
                statusCode: problem.status, contentType: "text/plain",
                body: "\(HTTPResponse.Status(code: problem.status).phrase): \(problem.code)\n"
            ))
    }
}
