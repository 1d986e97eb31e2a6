import ComponentKit
import Crypto
import Foundation

/// The `eventWebhook` trigger: receives SendGrid's Event Webhook (a JSON array of events), checks
/// its ECDSA signature, and starts the flow with the events.
struct EventWebhook: TriggerHandler {
    struct Input: Decodable, Sendable {
        var verificationKey: String?
        var validateSignature: Bool
        var timestampTolerance: Int
    }

    /// SendGrid posts a batch every 30 seconds or once it reaches 768 KB: more than the runtime's
    /// default limit for webhook bodies, so the limit is raised, with room to spare.
    static let maximumBodyBytes = 1 << 20

    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult {
        try evaluate(input, payload: event.payload, now: Date())
    }

    /// The trigger's work, which waits for nothing. Throws a ``TriggerRejection`` carrying the answer.
    func evaluate(_ input: Input, payload: JSONValue, now: Date) throws(TriggerRejection) -> TriggerResult {
        let request: WebhookRequest
        do throws(WebhookRequest.Problem) {
            request = try WebhookRequest(payload: payload, maximumBodyBytes: Self.maximumBodyBytes)
        } catch {
            throw Self.reject(status: error.status, code: error.code, message: error.message)
        }

        var timestamp: String?
        if input.validateSignature {
            timestamp = try Self.verify(request, input: input, now: now)
        }

        // Only now is the body read: a forged request is refused as such, whatever it holds.
        guard let parsed = try? JSONParser.parse(request.body), let events = parsed.arrayValue else {
            throw Self.reject(
                status: 400, code: "invalid_body",
                message: "The webhook's body is not a JSON array; SendGrid's Event Webhook posts its events as one.")
        }
        guard events.allSatisfy({ $0.objectValue != nil }) else {
            throw Self.reject(
                status: 400, code: "invalid_body",
                message: "The webhook's body holds an element that is not an object; SendGrid sends each event as one.")
        }
        let ids = events.compactMap { $0["sg_event_id"]?.stringValue }
        var out: JSONObject = ["events": .array(events), "count": .integer(events.count)]
        out["idempotencyKey"] = Self.idempotencyKey(ids: ids, events: events.count, body: request.body).map(JSONValue.string) ?? .null
        out["eventIds"] = .array(ids.map(JSONValue.string))
        out["signature"] = input.validateSignature ? "valid" : "not checked"
        out["timestamp"] = timestamp.map(JSONValue.string) ?? .null
        // SendGrid takes any 2xx as delivered; anything else it retries.
        return TriggerResult(payload: .object(out), response: TriggerResponse(statusCode: 200, contentType: "text/plain", body: ""))
    }

    /// Checks the signature headers against the verification key; returns the signed timestamp.
    static func verify(_ request: WebhookRequest, input: Input, now: Date) throws(TriggerRejection) -> String {
        let signatures = request.values(of: EventWebhookSignature.signatureHeader)
        let timestamps = request.values(of: EventWebhookSignature.timestampHeader)
        guard !signatures.isEmpty, !timestamps.isEmpty else {
            let missing = signatures.isEmpty ? EventWebhookSignature.signatureHeader : EventWebhookSignature.timestampHeader
            throw reject(
                status: 403, code: "missing_signature",
                message:
                    "The webhook has no \(missing) header, so it cannot be shown to come from SendGrid; it is refused. Turn on Signed Event Webhook Requests in SendGrid (Settings -> Mail Settings -> Event Webhook)."
            )
        }
        guard signatures.count == 1, timestamps.count == 1 else {
            throw reject(
                status: 403, code: "duplicate_signature",
                message: "The webhook carries more than one signature or timestamp; SendGrid sends one of each, so the request is refused.")
        }
        // The key is looked at only now, so that an unsigned request is refused as such first.
        let key = try verificationKey(input)
        guard EventWebhookSignature.isValid(signature: signatures[0], timestamp: timestamps[0], body: request.body, key: key) else {
            throw reject(
                status: 403, code: "invalid_signature",
                message:
                    "The webhook's signature does not match its timestamp and body for the Verification Key; it is refused. If SendGrid sent it, the key is not this webhook's (it changes when signing is turned off and on again), or something between SendGrid and the engine changed the body: the engine must pass the body's bytes as received (rawBody)."
            )
        }
        if input.timestampTolerance > 0 {
            guard let seconds = Int(timestamps[0]) else {
                throw reject(
                    status: 403, code: "invalid_timestamp",
                    message: "The webhook's timestamp '\(timestamps[0])' is not a Unix time in seconds; the request is refused.")
            }
            let age = Int(now.timeIntervalSince1970) - seconds
            guard abs(age) <= input.timestampTolerance else {
                throw reject(
                    status: 403, code: "stale_timestamp",
                    message:
                        "The webhook was signed \(abs(age)) seconds \(age >= 0 ? "ago" : "ahead of this clock"), more than the Timestamp Tolerance of \(input.timestampTolerance); it is refused as a possible replay. Raise the tolerance if SendGrid's retries are refused."
                )
            }
        }
        return timestamps[0]
    }

    /// The verification key, or the error that says how to fix it (a 500, so that SendGrid keeps
    /// retrying while the configuration is fixed).
    static func verificationKey(_ input: Input) throws(TriggerRejection) -> P256.Signing.PublicKey {
        func misconfigured(_ code: String, _ message: String) -> TriggerRejection {
            TriggerRejection(
                ComponentError(.input, code: .string(code), message: message, input: "verificationKey"),
                response: TriggerResponse(statusCode: 500, contentType: "text/plain", body: "Webhook validation is not configured.\n"))
        }
        guard let text = input.verificationKey, !text.isEmpty else {
            throw misconfigured(
                "missing_verification_key",
                "Input 'verificationKey' (Verification Key) is required to check SendGrid's signature: copy the key SendGrid shows under Settings -> Mail Settings -> Event Webhook once Signed Event Webhook Requests is on."
            )
        }
        do throws(EventWebhookSignature.KeyProblem) {
            return try EventWebhookSignature.publicKey(text)
        } catch {
            throw misconfigured(
                "invalid_verification_key",
                "Input 'verificationKey' (Verification Key) \(error.reason); copy the Verification Key SendGrid shows for the Event Webhook."
            )
        }
    }

    /// A key for the whole batch that is the same when SendGrid delivers it again: its one
    /// event's `sg_event_id`, a digest of every id, or (when an event has none) of the body.
    static func idempotencyKey(ids: [String], events: Int, body: Data) -> String? {
        guard events > 0 else { return nil }
        if ids.count == events {
            if events == 1 { return ids[0] }
            return "sha256:" + hex(SHA256.hash(data: Data(ids.joined(separator: "\n").utf8)))
        }
        return "sha256:" + hex(SHA256.hash(data: body))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// A refusal: the error for the flow's owner, and a short answer (status and code) for the caller.
    static func reject(status: Int, code: String, message: String) -> TriggerRejection {
        TriggerRejection(
            ComponentError(.input, code: .string(code), message: message, status: status),
            response: TriggerResponse(
                statusCode: status, contentType: "text/plain", body: "\(HTTPResponse.Status(code: status).phrase): \(code)\n"))
    }
}
