import ComponentKit
import ComponentTesting
import Crypto
import Foundation
import Testing

/// The `eventWebhook` trigger on requests signed the way SendGrid signs them: ECDSA P-256 over the
/// timestamp followed by the body's bytes.
@Suite struct EventWebhookTests {
    let key = P256.Signing.PrivateKey()
    /// The Verification Key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo.
    var verificationKey: String { key.publicKey.derRepresentation.base64EncodedString() }

    /// Two events, one with text outside ASCII, in SendGrid's compact JSON.
    static let body = Data(
        #"[{"email":"alex@example.com","timestamp":1747262545,"event":"delivered","sg_event_id":"ZGVsaXZlcmVkLTA","sg_message_id":"W86EgYT6SQKk0lRflfLRsA.filter0001","orderId":"1042"},{"email":"zoë@example.com","timestamp":1747262546,"event":"open","sg_event_id":"b3Blbi0x","sg_message_id":"W86EgYT6SQKk0lRflfLRsA.filter0001"}]"#
            .utf8)

    static func now() -> String { String(Int(Date().timeIntervalSince1970)) }

    func signature(_ body: Data, timestamp: String, with key: P256.Signing.PrivateKey? = nil) throws -> String {
        try (key ?? self.key).signature(for: Data(timestamp.utf8) + body).derRepresentation.base64EncodedString()
    }

    /// The engine's payload for a POST of `body` (as a Node Buffer, bytes as received) with `headers`.
    static func payload(_ body: Data, headers: JSONObject) -> JSONValue {
        var all: JSONObject = ["Content-Type": "application/json", "User-Agent": "SendGrid Event API"]
        for (name, value) in headers { all[name] = value }
        return [
            "headers": .object(all),
            "rawBody": ["data": ["type": "Buffer", "data": .array(body.map { .integer(Int($0)) })]],
            "queryParameters": [:], "webhookUrls": ["Flow 1": "https://hooks.example.com/sendgrid"],
        ]
    }

    func signedPayload(_ body: Data = body, timestamp: String = now(), signedBody: Data? = nil, by signer: P256.Signing.PrivateKey? = nil)
        throws -> JSONValue
    {
        Self.payload(
            body,
            headers: [
                "X-Twilio-Email-Event-Webhook-Signature": .string(try signature(signedBody ?? body, timestamp: timestamp, with: signer)),
                "X-Twilio-Email-Event-Webhook-Timestamp": .string(timestamp),
            ])
    }

    @Test func acceptsASignedBatchWithItsEvents() async throws {
        let timestamp = Self.now()
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: try signedPayload(timestamp: timestamp))

        #expect(envelope.error == nil)
        let payload = try #require(envelope["payload"])
        #expect(payload["events"] == (try JSONParser.parse(Self.body)))
        #expect(payload["count"] == 2)
        #expect(payload["eventIds"] == ["ZGVsaXZlcmVkLTA", "b3Blbi0x"])
        #expect(payload["idempotencyKey"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(payload["signature"] == "valid")
        #expect(payload["timestamp"] == .string(timestamp))
        #expect(envelope["response"]?["statusCode"] == 200)
        #expect(envelope["response"]?["body"] == "")
    }

    @Test func theBatchKeyIsTheSameOnARedelivery() async throws {
        let first = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: try signedPayload(timestamp: "1747262547"))
        let again = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: try signedPayload(timestamp: "1747262999"))
        #expect(first["payload"]?["idempotencyKey"] != nil)
        #expect(first["payload"]?["idempotencyKey"] == again["payload"]?["idempotencyKey"])
    }

    @Test func acceptsTheKeyAsPEMAndTheBodyAsText() async throws {
        let timestamp = Self.now()
        var payload = try signedPayload(timestamp: timestamp)
        guard case .object(var object) = payload else { return }
        object["rawBody"] = ["data": .string(String(decoding: Self.body, as: UTF8.self))]
        payload = .object(object)
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(key.publicKey.pemRepresentation)], payload: payload)
        #expect(envelope["payload"]?["count"] == 2)
    }

    @Test func refusesATamperedBody() async throws {
        var tampered = Self.body
        tampered[tampered.firstIndex(of: UInt8(ascii: "1"))!] = UInt8(ascii: "2")
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)],
            payload: try signedPayload(tampered, signedBody: Self.body))
        #expect(envelope.error?["code"] == "invalid_signature")
        #expect(envelope["response"]?["statusCode"] == 403)
        #expect(envelope["payload"] == nil)
    }

    @Test func refusesAnotherKeysSignature() async throws {
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)],
            payload: try signedPayload(by: P256.Signing.PrivateKey()))
        #expect(envelope.error?["code"] == "invalid_signature")
        #expect(envelope["response"]?["statusCode"] == 403)
    }

    @Test func refusesAChangedTimestamp() async throws {
        var payload = try signedPayload(timestamp: "1747262547")
        guard case .object(var object) = payload, case .object(var headers)? = object["headers"] else { return }
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = "1747262548"
        object["headers"] = .object(headers)
        payload = .object(object)
        let envelope = await harness.invoke("eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: payload)
        #expect(envelope.error?["code"] == "invalid_signature")
    }

    @Test(arguments: [
        ["X-Twilio-Email-Event-Webhook-Timestamp"], ["X-Twilio-Email-Event-Webhook-Signature"],
        ["X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp"],
    ])
    func refusesARequestWithoutItsSignatureHeaders(dropped: [String]) async throws {
        var headers: JSONObject = [
            "X-Twilio-Email-Event-Webhook-Signature": .string(try signature(Self.body, timestamp: "1747262547")),
            "X-Twilio-Email-Event-Webhook-Timestamp": "1747262547",
        ]
        for name in dropped { headers[name] = nil }
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: Self.payload(Self.body, headers: headers))
        let error = try #require(envelope.error)
        #expect(error["code"] == "missing_signature")
        #expect(
            error["message"]?.stringValue?.contains(dropped[0] == "X-Twilio-Email-Event-Webhook-Timestamp" ? "Timestamp" : "Signature")
                == true)
        #expect(envelope["response"]?["statusCode"] == 403)
        #expect(envelope["response"]?["body"] == "Forbidden: missing_signature\n")
    }

    @Test func anUnusableKeyIsAnInputErrorNamingIt() async throws {
        for (key, code) in [("not a key!", "invalid_verification_key"), ("aGVsbG8=", "invalid_verification_key")] {
            let envelope = await harness.invoke("eventWebhook", inputs: ["verificationKey": .string(key)], payload: try signedPayload())
            let error = try #require(envelope.error)
            #expect(error["kind"] == "input")
            #expect(error["code"] == .string(code))
            #expect(error["input"] == "verificationKey")
            // A 500: SendGrid retries while the configuration is fixed.
            #expect(envelope["response"]?["statusCode"] == 500)
        }
        let missing = await harness.invoke("eventWebhook", payload: try signedPayload())
        #expect(missing.error?["code"] == "missing_verification_key")
        #expect(missing.error?["input"] == "verificationKey")
    }

    @Test func refusesAnOldTimestampWhenAToleranceIsSet() async throws {
        let old = String(Int(Date().timeIntervalSince1970) - 3600)
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey), "timestampTolerance": 600],
            payload: try signedPayload(timestamp: old))
        #expect(envelope.error?["code"] == "stale_timestamp")
        #expect(envelope["response"]?["statusCode"] == 403)

        let fresh = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey), "timestampTolerance": 600],
            payload: try signedPayload())
        #expect(fresh["payload"]?["count"] == 2)
    }

    @Test func withoutValidationAnUnsignedBatchIsAccepted() async throws {
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["validateSignature": false], payload: Self.payload(Self.body, headers: [:]))
        #expect(envelope["payload"]?["count"] == 2)
        #expect(envelope["payload"]?["signature"] == "not checked")
        #expect(envelope["payload"]?["timestamp"] == .null)
    }

    @Test func aBodyThatIsNotAnEventArrayIsRefused() async throws {
        let body = Data(#"{"event":"delivered"}"#.utf8)
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: try signedPayload(body))
        #expect(envelope.error?["code"] == "invalid_body")
        #expect(envelope["response"]?["statusCode"] == 400)
    }

    @Test func oneEventsKeyIsItsEventID() async throws {
        let body = Data(#"[{"event":"processed","sg_event_id":"cHJvY2Vzc2VkLTA"}]"#.utf8)
        let envelope = await harness.invoke(
            "eventWebhook", inputs: ["verificationKey": .string(verificationKey)], payload: try signedPayload(body))
        #expect(envelope["payload"]?["idempotencyKey"] == "cHJvY2Vzc2VkLTA")
    }
}
