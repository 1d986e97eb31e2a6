import ComponentKit
import ComponentTesting
import Foundation
import Testing

/// `sendEmail` against a loopback server playing api.sendgrid.com, through the engine's `invoke`.
@Suite struct SendEmailTests {
    @Test func sendsTheMailSendBodyWithTheBearerKey() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let sendAt = (Int(Date().timeIntervalSince1970) / 60 + 60) * 60  // a whole minute, an hour or so ahead
        let envelope = await harness.invoke(
            "sendEmail",
            inputs: [
                "from": "orders@example.com", "fromName": "Example Shop", "to": "alex@example.com\nsam@example.com",
                "cc": ["team@example.com"], "replyTo": "support@example.com", "subject": "Your order has shipped",
                "text": "Order 1042 is on its way.", "html": "<p>Order <b>1042</b> is on its way.</p>",
                "categories": ["order-shipped"], "customArgs": "orderId=1042\nrequestId=req-7",
                "sendAt": .string(ISO8601Timestamp.string(from: Date(timeIntervalSince1970: TimeInterval(sendAt)))),
            ],
            connection: connection, baseURL: server.baseURL)

        #expect(envelope == ["data": ["messageId": "W86EgYT6SQKk0lRflfLRsA", "status": 202, "accepted": true]])
        try #require(server.requests.count == 1)
        let request = server.requests[0]
        #expect(request.method == "POST")
        #expect(request.target == "/v3/mail/send")
        #expect(request.header("Authorization") == "Bearer \(apiKey)")
        #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
        let expected: JSONValue = [
            "personalizations": [
                [
                    "to": [["email": "alex@example.com"], ["email": "sam@example.com"]],
                    "cc": [["email": "team@example.com"]],
                ]
            ],
            "from": ["email": "orders@example.com", "name": "Example Shop"],
            "reply_to": ["email": "support@example.com"],
            "subject": "Your order has shipped",
            "content": [
                ["type": "text/plain", "value": "Order 1042 is on its way."],
                ["type": "text/html", "value": "<p>Order <b>1042</b> is on its way.</p>"],
            ],
            "categories": ["order-shipped"],
            "send_at": .integer(sendAt),
            "custom_args": ["orderId": "1042", "requestId": "req-7"],
        ]
        #expect(try JSONParser.parse(request.body) == expected)
    }

    @Test func sendsADynamicTemplateWithItsData() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail",
            inputs: [
                "from": "orders@example.com", "to": ["alex@example.com"], "templateId": "d-0123456789abcdef0123456789abcdef",
                "templateData": #"{"firstName": "Alex", "order": {"number": 1042}}"#, "sandboxMode": "true",
            ],
            connection: connection, baseURL: server.baseURL)
        #expect(envelope["data"]?["accepted"] == true)
        let body = try JSONParser.parse(try #require(server.requests.first).body)
        #expect(
            body == [
                "personalizations": [
                    ["to": [["email": "alex@example.com"]], "dynamic_template_data": ["firstName": "Alex", "order": ["number": 1042]]]
                ],
                "from": ["email": "orders@example.com"],
                "template_id": "d-0123456789abcdef0123456789abcdef",
                "mail_settings": ["sandbox_mode": ["enable": true]],
            ])
    }

    @Test func refusesBadInputsBeforeAnyRequest() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail",
            inputs: [
                "from": "orders@example.com", "to": ["alex@example.com", "not-an-address"], "bcc": ["ALEX@example.com"],
                "templateData": #"{"a": 1}"#, "sendAt": "2099-01-01T00:00:00Z",
            ],
            connection: connection, baseURL: server.baseURL)

        let error = try #require(envelope.error)
        #expect(error["kind"] == "input")
        #expect(error["input"] == "to")
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("'not-an-address'"))
        let problems = error["details"]?["problems"]?.arrayValue?.compactMap { $0["input"]?.stringValue } ?? []
        #expect(problems == ["to", "bcc", "subject", "text", "templateData", "sendAt"])
        #expect(server.requests.isEmpty)
    }

    @Test func aRefusedKeyIsAConnectionErrorThatNeverShowsTheKey() async throws {
        let server = try TestHTTPServer { _ in
            .json(401, errors([("The provided authorization grant is invalid, expired, or revoked", nil)]))
        }
        defer { server.stop() }
        let output = await harness.request(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL, environment: [:])

        let error = try #require(output.envelope?.error)
        #expect(error["kind"] == "connection")
        #expect(error["status"] == 401)
        #expect(error["retryable"] == false)
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("authorization grant is invalid"))
        #expect(message.contains("Mail Send"))
        #expect(output.exitCode == 3)
        #expect(server.requests.count == 1)
        #expect(!output.standardOutput.contains(apiKey))
        #expect(!output.standardError.contains(apiKey))
        #expect(!output.standardOutput.contains("test-key-4f1c"))
    }

    @Test func aFieldErrorNamesTheInput() async throws {
        let server = try TestHTTPServer { _ in
            .json(
                400,
                errors([
                    ("Does not contain a valid address.", "personalizations.0.to.0.email"),
                    ("The subject is required.", "subject"),
                ]))
        }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL)

        let error = try #require(envelope.error)
        #expect(error["kind"] == "upstream")
        #expect(error["status"] == 400)
        #expect(error["input"] == "to")
        #expect(error["retryable"] == false)
        #expect(error["maybeSent"] == false)
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("Does not contain a valid address (field personalizations.0.to.0.email)"))
        #expect(message.contains("The subject is required (field subject)"))
    }

    @Test func anUnverifiedSenderIsAboutFromNotTheKey() async throws {
        let server = try TestHTTPServer { _ in
            .json(403, errors([("The from address does not match a verified Sender Identity.", "from")]))
        }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "someone@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL)

        let error = try #require(envelope.error)
        #expect(error["kind"] == "upstream")
        #expect(error["input"] == "from")
        #expect(error["message"]?.stringValue?.contains("Sender Authentication") == true)
    }

    @Test func aTooLargeEmailSaysSo() async throws {
        let server = try TestHTTPServer { _ in .json(413, errors([("Payload Too Large", nil)])) }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL)
        let error = try #require(envelope.error)
        #expect(error["code"] == "payload_too_large")
        #expect(error["status"] == 413)
    }

    @Test func aRateLimitIsRetriedOnceThenSucceeds() async throws {
        let script = Script([.json(429, errors([("too many requests", nil)]), headers: [("Retry-After", "1")]), accepted])
        let server = try TestHTTPServer(handler: script.next)
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL)

        #expect(envelope == ["data": ["messageId": "W86EgYT6SQKk0lRflfLRsA", "status": 202, "accepted": true]])
        #expect(server.requests.count == 2)
        // The same email both times: a 429 means SendGrid did not take the first.
        #expect(server.requests.map(\.body).allSatisfy { $0 == server.requests[0].body })
    }

    @Test func aServerErrorOnTheSendIsNotRetriedAndMayHaveBeenSent() async throws {
        let server = try TestHTTPServer { _ in .json(500, errors([("internal error", nil)])) }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            connection: connection, baseURL: server.baseURL)

        let error = try #require(envelope.error)
        #expect(error["kind"] == "upstream")
        #expect(error["status"] == 500)
        #expect(error["maybeSent"] == true)
        #expect(error["retryable"] == false)
        #expect(error["message"]?.stringValue?.contains("Activity Feed") == true)
        #expect(server.requests.count == 1)
    }

    @Test func withoutAConnectionTheEnvironmentsKeyIsUsed() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            baseURL: server.baseURL, environment: ["SENDGRID_API_KEY": "SG.from-the-environment"])
        #expect(envelope["data"]?["accepted"] == true)
        #expect(server.requests.first?.header("Authorization") == "Bearer SG.from-the-environment")
    }

    @Test func withNoKeyAnywhereNothingIsSent() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let envelope = await harness.invoke(
            "sendEmail", inputs: ["from": "orders@example.com", "to": ["alex@example.com"], "subject": "Hi", "text": "Hello"],
            baseURL: server.baseURL)
        #expect(envelope.error?["kind"] == "connection")
        #expect(server.requests.isEmpty)
    }
}
