import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

/// The lifecycle clock, status callbacks and inbound messages, received by a real test server.
@Suite(.timingSensitive) struct SandboxWebhookTests {
    @Test func messagesMoveThroughTheirLifecycleOnTheClock() async throws {
        try await withTestServer(handler: { _ in .respond(status: 200, body: Data("<Response/>".utf8)) }) { receiver in
            try await withSandbox(SandboxConfiguration(lifecycleStep: .milliseconds(300))) { baseURL, credentials in
                let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                let created = try client.json(
                    try await client.create([
                        ("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hi"),
                        ("StatusCallback", receiver.baseURL + "/status?x=1"),
                    ]))
                let sid = try #require(created["sid"]?.stringValue)
                // The create answers "queued"; polls may miss a 300 ms step on a loaded machine, so
                // they must see the rest in order, and the callbacks below must see every step.
                var seen: [String] = [created["status"]?.stringValue ?? ""]
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while clock.now < deadline {
                    let status = try client.json(try await client.send(.get, client.messagePath(sid)))["status"]?.stringValue ?? ""
                    if seen.last != status { seen.append(status) }
                    if status == "delivered" { break }
                    try await Task.sleep(for: .milliseconds(40))
                }
                let lifecycle = ["queued", "sending", "sent", "delivered"]
                #expect(seen.first == "queued" && seen.last == "delivered", "\(seen)")
                #expect(seen == lifecycle.filter(seen.contains), "out of order: \(seen)")
                let fetched = try client.json(try await client.send(.get, client.messagePath(sid)))
                #expect(fetched["date_sent"] != .null)
                #expect(fetched["price"] == "-0.00790")

                while receiver.requests.count < 3, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let callbacks = receiver.requests
                #expect(callbacks.map { $0.target } == ["/status?x=1", "/status?x=1", "/status?x=1"])
                let parameters = callbacks.map {
                    Dictionary(FormEncoding.decodeForm(String(decoding: $0.body, as: UTF8.self)) ?? [], uniquingKeysWith: { $1 })
                }
                #expect(parameters.map { $0["MessageStatus"] } == ["sending", "sent", "delivered"])
                #expect(
                    parameters.allSatisfy { $0["MessageSid"] == sid && $0["SmsSid"] == sid && $0["AccountSid"] == credentials.accountSid })
                #expect(parameters[2]["RawDlrDoneDate"]?.count == 10)
                #expect(callbacks.allSatisfy { $0.header("X-Twilio-Signature")?.count == 28 })
                let tokens = callbacks.compactMap { $0.header("I-Twilio-Idempotency-Token") }
                #expect(Set(tokens).count == 3)
                #expect(callbacks.allSatisfy { $0.header("Content-Type") == "application/x-www-form-urlencoded" })
            }
        }
    }

    @Test func aFailedCallbackIsRetriedOnceWithTheSameToken() async throws {
        let calls = Atomic<Int>(0)
        try await withTestServer(handler: { _ in
            calls.add(1, ordering: .relaxed).oldValue == 0 ? .respond(status: 500) : .respond(status: 200)
        }) { receiver in
            try await withSandbox { baseURL, credentials in
                let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                _ = try await client.create([
                    ("To", "+15005559010"), ("From", "+15005550006"), ("Body", "Hi"), ("StatusCallback", receiver.baseURL + "/s"),
                ])
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(5)
                while receiver.requests.count < 4, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let requests = receiver.requests
                #expect(requests.count == 4)
                #expect(requests[0].header("I-Twilio-Idempotency-Token") == requests[1].header("I-Twilio-Idempotency-Token"))
                let last = Dictionary(
                    FormEncoding.decodeForm(String(decoding: requests[3].body, as: UTF8.self)) ?? [], uniquingKeysWith: { $1 })
                #expect(last["MessageStatus"] == "undelivered")
                #expect(last["ErrorCode"] == "30003")
                let log = try client.json(try await client.control(.get, "webhooks"))["deliveries"]?.arrayValue ?? []
                #expect(log.first?["attempts"] == 2)
                #expect(log.first?["status"] == 200)
            }
        }
    }

    @Test func deliversAnInboundMessageAsASignedWebhook() async throws {
        try await withTestServer(handler: { _ in
            .respond(
                status: 200, headers: [("Content-Type", "text/xml")], body: Data("<Response><Message>Thanks</Message></Response>".utf8))
        }) { receiver in
            try await withSandbox { baseURL, credentials in
                let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                let response = try await client.control(
                    .post, "inbound",
                    json: [
                        "from": "+14155550100", "to": "+15005550006", "body": "Hello there", "mediaUrls": ["https://example.com/cat.png"],
                        "url": .string(receiver.baseURL + "/sms"),
                    ])
                #expect(response.status == 200)
                let result = try client.json(response)
                #expect(result["delivery"]?["status"] == 200)
                #expect(result["delivery"]?["responseBody"] == "<Response><Message>Thanks</Message></Response>")
                #expect(result["message"]?["direction"] == "inbound")
                #expect(result["message"]?["status"] == "received")
                let request = try #require(receiver.requests.first)
                let parameters = Dictionary(
                    FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? [], uniquingKeysWith: { $1 })
                #expect(parameters["Body"] == "Hello there")
                #expect(parameters["NumMedia"] == "1")
                #expect(parameters["MediaUrl0"] == "https://example.com/cat.png")
                #expect(parameters["MediaContentType0"] == "image/png")
                #expect(parameters["SmsStatus"] == "received")
                #expect(request.header("X-Twilio-Signature") != nil)
                let sid = try #require(result["message"]?["sid"]?.stringValue)
                #expect(try await client.send(.get, client.messagePath(sid)).status == 200)
            }
        }
    }
}
