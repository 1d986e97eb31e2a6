import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// The `webhook` trigger: signatures checked as Twilio and its official validator compute them, on
/// the sandbox's real webhooks, on a generated set signed by the official package, and on broken
/// requests.
@Suite(.timingInsensitive) struct WebhookTriggerTests {
    static let sandboxToken = SandboxCredentials.default.authToken

    // MARK: Reference vectors

    /// Twilio's documented example (token 12345), and the official package's JSON-body example.
    @Test func checksTwilioDocumentedSignatures() {
        let validator = TwilioSignatureValidator(authToken: "12345")
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let parameters = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        #expect(validator.signature(url: url, parameters: parameters) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(validator.isValid(signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: url, parameters: parameters.reversed()))
        #expect(
            validator.isValid(
                signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: parameters))
        #expect(
            !validator.isValid(
                signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: url, parameters: parameters.dropLast() + [("To", "+18005551213")]))
        #expect(validator.signature(url: url, parameters: parameters, algorithm: .sha256) == "Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M=")

        let body = Data(#"{"property": "value", "boolean": true}"#.utf8)
        let jsonURL = "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        #expect(validator.isValid(signature: "y77kIzt2vzLz71DgmJGsen2scGs=", url: jsonURL, parameters: [], jsonBody: body))
        #expect(
            !validator.isValid(signature: "y77kIzt2vzLz71DgmJGsen2scGs=", url: jsonURL, parameters: [], jsonBody: body + Data(" ".utf8)))
    }

    // MARK: The sandbox's webhooks, end to end

    /// The sandbox sends status callbacks and an inbound SMS over HTTPS to a receiver that hands
    /// each to the trigger, as an engine would, and answers Twilio with the trigger's response. The
    /// sandbox trusts only the receiver's CA, so each callback went over a verified TLS connection
    /// (HTTP/2 by ALPN). All validate; a tampered copy of each is refused with 403.
    @Test func sandboxWebhooksValidateAndTamperedCopiesAreRefused() async throws {
        let invoker = try ComponentInvoker()
        let connection = ComponentInvoker.authToken(Self.sandboxToken)
        let handled = Mutex<[(request: TestHTTPServer.Request, payload: JSONValue, envelope: JSONValue)]>([])
        let versions = try await withTLSReceiver(handler: { request in
            let host = request.header("Host") ?? ""
            let payload = ComponentInvoker.webhookPayload(for: request, baseURL: "https://" + host)
            let envelope = await invoker.run("webhook", inputs: ["replyMessage": "Got it <3"], connection: connection, payload: payload)
                .envelope
            handled.withLock { $0.append((request, payload, envelope)) }
            let response = envelope["response"] ?? .null
            return .respond(
                status: response["statusCode"]?.intValue ?? 500,
                headers: [("Content-Type", response["contentType"]?.stringValue ?? "text/plain")],
                body: Data((response["body"]?.stringValue ?? "").utf8))
        }) { receiver in
            let trustingTheReceiver = WebhookClientSettings(certificateFile: receiver.certificateAuthorityFile)
            try await withHarness(lifecycleStep: .milliseconds(100), webhookClient: trustingTheReceiver) { harness in
                let sent = await harness.run(
                    ["sendSMS"]
                        + Harness.inputs([
                            "to": "+14155550100", "from": "+15005550006", "body": "Status please",
                            "statusCallback": receiver.baseURL + "/status?flow=sms&tag=caf%C3%A9",
                        ]))
                #expect(sent.exitCode == 0, "\(sent.stdout)\(sent.stderr)")
                let inbound = try await harness.inbound([
                    "from": "+14155550100", "to": "+15005550006", "body": "Hello 👋 & welcome", "mediaUrls": ["https://example.com/cat.jpg"],
                    "url": .string(receiver.baseURL + "/sms"),
                ])
                #expect(inbound["delivery"]?["status"] == 200)
                #expect(inbound["delivery"]?["responseBody"]?.stringValue?.contains("<Message>Got it &lt;3</Message>") == true)

                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while handled.withLock({ $0.count }) < 4, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            }
            return receiver.versions
        }
        #expect(versions == Array(repeating: "HTTP/2", count: 4))
        let results = handled.withLock { $0 }
        #expect(results.count == 4)
        let events = results.map {
            $0.envelope["payload"]?["twilio"]?["event"]?.stringValue ?? "rejected: \($0.envelope["error"]?["message"] ?? .null)"
        }
        #expect(events.sorted() == ["incoming-message", "status-callback", "status-callback", "status-callback"])
        let statuses = results.compactMap { $0.envelope["payload"]?["body"]?["data"]?["MessageStatus"]?.stringValue }
        #expect(statuses == ["sending", "sent", "delivered"])
        for result in results {
            #expect(result.envelope["response"]?["statusCode"] == 200)
            #expect(result.envelope["payload"]?["twilio"]?["signature"] == "valid")
            #expect(result.envelope["payload"]?["idempotencyKey"]?.stringValue == result.request.header("I-Twilio-Idempotency-Token"))
        }
        let incoming = try #require(results.first { $0.envelope["payload"]?["twilio"]?["event"] == "incoming-message" })
        #expect(incoming.envelope["payload"]?["body"]?["data"]?["Body"] == "Hello 👋 & welcome")
        #expect(incoming.envelope["payload"]?["body"]?["data"]?["MediaUrls"] == ["https://example.com/cat.jpg"])
        #expect(incoming.envelope["payload"]?["body"]?["data"]?["MediaContentTypes"] == ["image/jpeg"])

        // Tampered copies: a changed parameter, the same body at another URL, a forged signature.
        for result in results {
            let body = String(decoding: result.request.body, as: UTF8.self)
            let tamperedBody = body.replacingOccurrences(of: "To=%2B", with: "To=%2B1")
            var payloads = [Self.replacingBody(of: result.payload, with: tamperedBody)]
            if case .object(var moved) = result.payload {
                moved["webhookUrls"] = ["Flow 1": .string("http://evil.example.net/status")]
                payloads.append(.object(moved))
            }
            if case .object(var forged) = result.payload, case .object(var headers)? = forged["headers"] {
                // Replaced whatever its case: HTTP/2 delivers header names in lower case.
                for (name, _) in headers where name.lowercased() == "x-twilio-signature" { headers[name] = nil }
                headers["X-Twilio-Signature"] = .string(
                    TwilioSignatureValidator(authToken: "not-the-token").signature(url: "http://x", parameters: []))
                forged["headers"] = .object(headers)
                payloads.append(.object(forged))
            }
            for payload in payloads {
                let refused = await invoker.run("webhook", connection: connection, payload: payload)
                #expect(refused.envelope["response"]?["statusCode"] == 403)
                #expect(refused.envelope["error"]?["code"] == "invalid_signature")
                #expect(refused.envelope["payload"] == nil)
                #expect(refused.exitCode == 2)
            }
        }
    }

    static func replacingBody(of payload: JSONValue, with body: String) -> JSONValue {
        guard case .object(var object) = payload else { return payload }
        object["rawBody"] = ["data": ["type": "Buffer", "data": .array(Array(body.utf8).map { .integer(Int($0)) })]]
        object["body"] = ["data": .string(body)]
        return .object(object)
    }

    // MARK: Held to the official validator

    /// At least 1,000 requests signed by the official `twilio` package's RequestValidator, half of
    /// them tampered with (body, URL, port, signature, token, algorithm), labelled by that
    /// validator: the trigger must agree on every one.
    @Test func agreesWithTheOfficialValidatorOnGeneratedRequests() async throws {
        let output = try await PythonPeer.run(script: "webhook_signature_cases.py", arguments: ["1200", "20261129"])
        try #require(output.exitCode == 0, "\(output.stderr)")
        let cases = try #require(try JSONParser.parse(output.stdout).arrayValue)
        #expect(cases.count >= 1000)
        let invoker = try ComponentInvoker()
        var accepted = 0
        var rejected = 0
        var disagreements: [String] = []
        for testCase in cases {
            let fields = testCase["connection"]?["fields"]?.objectValue ?? [:]
            let connection = RawConnection(key: testCase["connection"]?["key"]?.stringValue ?? "", fields: fields)
            let result = await invoker.run(
                "webhook", inputs: testCase["inputs"]?.objectValue ?? [:], connection: connection, payload: testCase["payload"])
            let valid = testCase["valid"] == true
            let status = result.envelope["response"]?["statusCode"]?.intValue
            if valid, status == 200, result.envelope["payload"]?["twilio"]?["signature"] == "valid" {
                accepted += 1
            } else if !valid, status == 403, result.envelope["error"]?["code"] == "invalid_signature" {
                rejected += 1
            } else {
                disagreements.append(
                    "\(testCase["name"]?.stringValue ?? "?"): expected \(valid ? "accepted" : "403"), got \(result.envelope["error"]?["message"]?.stringValue ?? String(describing: status))"
                )
            }
        }
        #expect(disagreements.count == 0, "\(disagreements.count) disagreements:\n\(disagreements.prefix(10).joined(separator: "\n"))")
        #expect(accepted >= 400 && rejected >= 400, "accepted \(accepted), rejected \(rejected)")
    }

    // MARK: Broken requests

    static func signedPayload(
        parameters: [(String, String)] = [("Body", "Hi"), ("MessageSid", "SM" + String(repeating: "c", count: 32))],
        url: String = "https://hooks.example.com/trigger/T1"
    ) -> JSONObject {
        let body = parameters.map { FormEncoding.percentEncode($0.0) + "=" + FormEncoding.percentEncode($0.1) }.joined(separator: "&")
        return [
            "headers": [
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": .string(
                    TwilioSignatureValidator(authToken: sandboxToken).signature(url: url, parameters: parameters)),
            ],
            "body": ["data": .string(body)],
            "webhookUrls": ["Flow 1": .string(url)],
        ]
    }

    static func with(_ payload: JSONObject, _ change: (inout JSONObject) -> Void) -> JSONValue {
        var payload = payload
        change(&payload)
        return .object(payload)
    }

    static var brokenRequests: [(name: String, payload: JSONValue, status: Int, code: String)] {
        let good = signedPayload()
        return [
            (
                "a body over 64 KiB", .object(signedPayload(parameters: [("Body", String(repeating: "x", count: 65 * 1024))])), 413,
                "payload_too_large"
            ),
            ("not form encoding", with(good) { $0["body"] = ["data": "Body=%zz&x"] }, 400, "invalid_body"),
            (
                "invalid UTF-8 in the form", with(good) { $0["rawBody"] = ["data": ["type": "Buffer", "data": [66, 61, 255, 254]]] }, 400,
                "invalid_body"
            ),
            (
                "JSON that does not parse",
                with(good) {
                    $0["headers"] = ["Content-Type": "application/json", "X-Twilio-Signature": "x"]
                    $0["body"] = ["data": "{nope"]
                }, 400, "invalid_body"
            ),
            (
                "no signature", with(good) { $0["headers"] = ["Content-Type": "application/x-www-form-urlencoded"] }, 403,
                "missing_signature"
            ),
            (
                "two signatures",
                with(good) {
                    $0["headers"] = ["X-Twilio-Signature": good["headers"]?["X-Twilio-Signature"] ?? "", "x-twilio-signature": "abc="]
                }, 403, "duplicate_signature"
            ),
            ("a signature list", with(good) { $0["headers"] = ["X-Twilio-Signature": ["a=", "b="]] }, 403, "duplicate_signature"),
            ("no body", with(good) { $0["body"] = nil }, 400, "missing_body"),
            ("no URL", with(good) { $0["webhookUrls"] = nil }, 400, "missing_url"),
            ("not an object", .array([1, 2]), 400, "invalid_payload"),
            ("headers not an object", with(good) { $0["headers"] = "X-Twilio-Signature: x" }, 400, "invalid_payload"),
            ("a raw body that is not bytes", with(good) { $0["rawBody"] = ["data": [1, 300]] }, 400, "invalid_payload"),
            (
                "the signature of another body",
                with(good) { $0["body"] = ["data": "Body=Hi%21&MessageSid=SMcccccccccccccccccccccccccccccccc"] }, 403, "invalid_signature"
            ),
        ]
    }

    @Test(arguments: brokenRequests.indices)
    func refusesBrokenRequestsClearly(index: Int) async throws {
        let broken = Self.brokenRequests[index]
        let result = await (try ComponentInvoker()).run(
            "webhook", connection: ComponentInvoker.authToken(Self.sandboxToken), payload: broken.payload)
        #expect(result.envelope["response"]?["statusCode"]?.intValue == broken.status, "\(broken.name)")
        #expect(result.envelope["error"]?["code"]?.stringValue == broken.code, "\(broken.name): \(result.envelope)")
        #expect(result.envelope["response"]?["body"]?.stringValue?.hasSuffix(broken.code + "\n") == true)
        let message = result.envelope["error"]?["message"]?.stringValue ?? ""
        #expect(message.count > 40 && !message.contains(Self.sandboxToken), "\(broken.name): \(message)")
    }

    @Test func anAPIKeyConnectionNeedsTheAuthTokenInput() async throws {
        let invoker = try ComponentInvoker()
        let apiKey = RawConnection(
            key: "apiKey",
            fields: [
                "accountSid": .string("AC" + String(repeating: "a", count: 32)),
                "apiKey": .string("SK" + String(repeating: "b", count: 32)), "apiSecret": "s3cret",
            ])
        let missing = await invoker.run("webhook", connection: apiKey, payload: .object(Self.signedPayload()))
        #expect(missing.envelope["error"]?["kind"] == "connection")
        #expect(missing.envelope["error"]?["code"] == "missing_auth_token")
        #expect(missing.envelope["response"]?["statusCode"] == 500)
        let withInput = await invoker.run(
            "webhook", inputs: ["authToken": .string(Self.sandboxToken)], connection: apiKey, payload: .object(Self.signedPayload()))
        #expect(withInput.envelope["response"]?["statusCode"] == 200, "\(withInput.envelope)")
        let noConnection = await invoker.run(
            "webhook", inputs: ["authToken": .string(Self.sandboxToken)], connection: nil, payload: .object(Self.signedPayload()))
        #expect(noConnection.envelope["response"]?["statusCode"] == 200, "\(noConnection.envelope)")
    }

    @Test func validationIsSkippedOnlyWhenSwitchedOff() async throws {
        let invoker = try ComponentInvoker()
        let unsigned = Self.with(Self.signedPayload()) { $0["headers"] = ["Content-Type": "application/x-www-form-urlencoded"] }
        let refused = await invoker.run("webhook", connection: nil, payload: unsigned)
        #expect(refused.envelope["response"]?["statusCode"] == 403)
        let off = await invoker.run("webhook", inputs: ["validateSignature": false], connection: nil, payload: unsigned)
        #expect(off.envelope["response"]?["statusCode"] == 200)
        #expect(off.envelope["payload"]?["twilio"]?["signature"] == "not checked")
    }

    @Test func behindAProxyThePublicURLIsWhatIsChecked() async throws {
        let invoker = try ComponentInvoker()
        // Signed for the public address; the engine saw an internal one.
        var payload = Self.signedPayload(url: "https://public.example.com/hooks/sms?id=7")
        payload["webhookUrls"] = ["Flow 1": "http://10.0.0.5:8080/trigger/T1"]
        let connection = ComponentInvoker.authToken(Self.sandboxToken)
        let refused = await invoker.run("webhook", connection: connection, payload: .object(payload))
        #expect(refused.envelope["response"]?["statusCode"] == 403)
        #expect(refused.envelope["error"]?["message"]?.stringValue?.contains("Public URL") == true)
        let accepted = await invoker.run(
            "webhook", inputs: ["publicUrl": "https://public.example.com/hooks/sms?id=7"], connection: connection, payload: .object(payload)
        )
        #expect(accepted.envelope["response"]?["statusCode"] == 200)
        // The query may come from the request when the Public URL has none.
        payload["queryParameters"] = ["id": "7"]
        let rebuilt = await invoker.run(
            "webhook", inputs: ["publicUrl": "https://public.example.com/hooks/sms"], connection: connection, payload: .object(payload))
        #expect(rebuilt.envelope["response"]?["statusCode"] == 200)
    }

    @Test func parsesTheFormAndAnswersWithTwiML() async throws {
        let parameters = [
            ("Body", "a&b <c>"), ("MediaUrl1", "https://m/2"), ("MediaUrl0", "https://m/1"), ("MediaContentType0", "image/png"),
            ("MediaContentType1", "image/gif"), ("Tag", "x"), ("Tag", "y"), ("Empty", ""), ("SmsStatus", "received"), ("MessageSid", "SM1"),
        ]
        let result = await (try ComponentInvoker()).run(
            "webhook", inputs: ["replyMessage": "Thanks & \"bye\""], connection: ComponentInvoker.authToken(Self.sandboxToken),
            payload: .object(Self.signedPayload(parameters: parameters)))
        let data = result.envelope["payload"]?["body"]?["data"]
        #expect(data?["MediaUrls"] == ["https://m/1", "https://m/2"])
        #expect(data?["MediaContentTypes"] == ["image/png", "image/gif"])
        #expect(data?["Tag"] == ["x", "y"])
        #expect(data?["Empty"] == "")
        #expect(data?["Body"] == "a&b <c>")
        #expect(result.envelope["payload"]?["idempotencyKey"] == "SM1:received")
        #expect(result.envelope["response"]?["contentType"] == "text/xml")
        #expect(
            result.envelope["response"]?["body"]
                == #"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks &amp; &quot;bye&quot;</Message></Response>"#)
    }

    // MARK: The shipped examples

    /// `examples/webhooks/` validate as shipped through `run-action --payload`, and are exactly what
    /// the signing script (the official package) writes.
    @Test func shippedExamplesValidateThroughRunAction() async throws {
        for (file, event) in [("incoming-sms.json", "incoming-message"), ("status-callback.json", "status-callback")] {
            let path = PythonPeer.root.appendingPathComponent("examples/webhooks/" + file).path
            let output = try await withHarness { harness in await harness.run(["webhook", "--payload", path]) }
            #expect(output.exitCode == 0, "\(file): \(output.stderr)")
            #expect(output.envelope["payload"]?["twilio"]?["event"]?.stringValue == event)
            #expect(output.envelope["response"]?["statusCode"] == 200)
        }
        // The voice examples, answered as README's "press 1 to be forwarded" sets voiceWebhook up.
        for (file, event, answer) in [
            (
                "incoming-call.json", "incoming-call",
                "<Gather input=\"dtmf\" action=\"https://hooks.example.com/trigger/EXAMPLEV?event=gather-result\""
            ),
            ("gather-result.json", "gather-result", "<Dial action=\"https://hooks.example.com/trigger/EXAMPLEV?event=dial-result\""),
        ] {
            let path = PythonPeer.root.appendingPathComponent("examples/webhooks/" + file).path
            let output = try await withHarness { harness in
                await harness.run([
                    "voiceWebhook", "--payload", path, "--input", "answer=gather", "--input", "afterGather=forward", "--input",
                    "forwardTo=+14155550199", "--input", "voicemail=true",
                ])
            }
            #expect(output.exitCode == 0, "\(file): \(output.stderr)")
            #expect(output.envelope["payload"]?["twilio"]?["event"]?.stringValue == event)
            #expect(output.envelope["response"]?["body"]?.stringValue?.contains(answer) == true, "\(output.envelope)")
        }
        let check = try await ProcessRunner.run(
            try await PythonPeer.python(), [PythonPeer.root.appendingPathComponent("scripts/sign-webhook-examples.py").path, "--check"])
        #expect(check.exitCode == 0, "\(check.stderr)")
    }
}
