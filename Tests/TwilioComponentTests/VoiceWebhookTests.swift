import ComponentCore
import ComponentHTTP
import ComponentManifest
import ComponentRuntime
import Foundation
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// The `voiceWebhook` trigger: the TwiML it answers each event with, exactly; how it tells events
/// apart; its idempotency keys; and its signature check, which is `webhook`'s.
@Suite(.timingInsensitive) struct VoiceWebhookTests {
    static let token = SandboxCredentials.default.authToken
    static let base = "https://hooks.example.com/voice"
    static let callSid = "CA" + String(repeating: "c", count: 32)
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// An incoming call's fields.
    static let incoming: [(String, String)] = [
        ("AccountSid", "AC" + String(repeating: "a", count: 32)), ("CallSid", callSid), ("CallStatus", "ringing"),
        ("Direction", "inbound"), ("From", "+14155550100"), ("To", "+15005550006"),
    ]

    /// The engine's payload for a request Twilio signed: `parameters` posted to `base` + `query`.
    static func signed(_ parameters: [(String, String)], query: String = "", headers extra: JSONObject = [:]) -> JSONObject {
        let url = base + (query.isEmpty ? "" : "?" + query)
        var headers: JSONObject = [
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": .string(TwilioSignatureValidator(authToken: token).signature(url: url, parameters: parameters)),
        ]
        for (name, value) in extra { headers[name] = value }
        var queryParameters = JSONObject()
        for (name, value) in FormEncoding.decodeForm(query) ?? [] { queryParameters[name] = .string(value) }
        return [
            "headers": .object(headers), "body": ["data": .string(FormEncoding.encodeForm(parameters))],
            "queryParameters": queryParameters.isEmpty ? .null : .object(queryParameters), "webhookUrls": ["Flow 1": .string(base)],
        ]
    }

    static func run(_ inputs: JSONObject, _ payload: JSONObject) async throws -> JSONValue {
        await (try ComponentInvoker()).run(
            "voiceWebhook", inputs: inputs, connection: ComponentInvoker.authToken(token), payload: .object(payload)
        ).envelope
    }

    // MARK: The answers

    static let forward: JSONObject = ["forwardTo": "+14155550199", "voicemail": true]

    static func merged(_ first: JSONObject, _ second: JSONObject) -> JSONObject {
        var merged = first
        for (key, value) in second { merged[key] = value }
        return merged
    }
    static let voicemailVerbs =
        #"<Say>Please leave a message after the beep.</Say><Record action="https://hooks.example.com/voice?event=record-result" method="POST" maxLength="120" playBeep="true" recordingStatusCallback="https://hooks.example.com/voice?event=recording-status" recordingStatusCallbackEvent="completed"/>"#

    /// (name, inputs, fields, query, the answer's `<Response>` content, the event).
    static let answers: [(String, JSONObject, [(String, String)], String, String, String)] = [
        (
            "say, escaped", ["message": #"Hi <Bob> & "Ann""#, "voice": "Polly.Joanna", "language": "en-US"], incoming, "",
            #"<Say voice="Polly.Joanna" language="en-US">Hi &lt;Bob&gt; &amp; "Ann"</Say>"#, "incoming-call"
        ),
        (
            "play, the URL escaped", ["answer": "play", "playUrl": #"https://example.com/a.mp3?x=1&y="2"<"#], incoming, "",
            #"<Play>https://example.com/a.mp3?x=1&amp;y="2"&lt;</Play>"#, "incoming-call"
        ),
        (
            "gather, its action back here with the marker and the flow's own query kept",
            ["answer": "gather", "message": "Welcome & hello", "gatherPrompt": "Press 1 <now>"], incoming, "flow=a%26b%22",
            #"<Say>Welcome &amp; hello</Say><Gather input="dtmf" action="https://hooks.example.com/voice?flow=a%26b%22&amp;event=gather-result" method="POST" numDigits="1" timeout="5"><Say>Press 1 &lt;now&gt;</Say></Gather>"#,
            "incoming-call"
        ),
        (
            "gather speech", ["answer": "gather", "gatherInput": "speech", "language": "fr-FR", "gatherTimeout": 8], incoming, "",
            #"<Gather input="speech" action="https://hooks.example.com/voice?event=gather-result" method="POST" timeout="8" language="fr-FR"/>"#,
            "incoming-call"
        ),
        (
            "forward with voicemail", merged(forward, ["answer": "forward", "callerId": "+15005550006"]), incoming, "",
            #"<Dial action="https://hooks.example.com/voice?event=dial-result" method="POST" timeout="20" callerId="+15005550006"><Number>+14155550199</Number></Dial>"#,
            "incoming-call"
        ),
        (
            "forward to a SIP address, no voicemail",
            ["answer": "forward", "forwardTo": "sip:desk@example.com?x=1&y=2", "dialTimeout": 30],
            incoming, "", #"<Dial timeout="30"><Sip>sip:desk@example.com?x=1&amp;y=2</Sip></Dial>"#, "incoming-call"
        ),
        ("voicemail", ["answer": "voicemail"], incoming, "", voicemailVerbs, "incoming-call"),
        ("reject", ["answer": "reject", "message": "not said"], incoming, "", #"<Reject reason="rejected"/>"#, "incoming-call"),
        ("busy", ["answer": "busy"], incoming, "", #"<Reject reason="busy"/>"#, "incoming-call"),
        ("hangup", ["answer": "hangup", "message": "Bye"], incoming, "", "<Say>Bye</Say><Hangup/>", "incoming-call"),
        (
            "gather result: forward", merged(forward, ["afterGather": "forward"]),
            incoming + [("Digits", "1")], "event=gather-result",
            #"<Dial action="https://hooks.example.com/voice?event=dial-result" method="POST" timeout="20"><Number>+14155550199</Number></Dial>"#,
            "gather-result"
        ),
        (
            "gather result: say", ["afterGather": "say", "afterGatherMessage": "Thanks & bye"], incoming + [("Digits", "2")],
            "event=gather-result", "<Say>Thanks &amp; bye</Say><Hangup/>", "gather-result"
        ),
        (
            "dial not answered: voicemail", forward, incoming + [("DialCallStatus", "no-answer")], "event=dial-result", voicemailVerbs,
            "dial-result"
        ),
        ("dial answered: hang up", forward, incoming + [("DialCallStatus", "completed")], "event=dial-result", "<Hangup/>", "dial-result"),
        (
            "the post after a recording: hang up, never loop", forward,
            incoming + [("RecordingSid", "RE1"), ("RecordingUrl", "https://api.twilio.com/r/RE1")], "event=record-result", "<Hangup/>",
            "record-result"
        ),
        (
            "a recording status callback: empty", forward, incoming + [("RecordingSid", "RE1"), ("RecordingStatus", "completed")],
            "event=recording-status", "", "recording-ready"
        ),
        (
            "a call status callback: empty", ["answer": "gather"],
            [("CallSid", callSid), ("CallStatus", "completed"), ("CallbackSource", "call-progress-events"), ("SequenceNumber", "3")], "",
            "",
            "call-status"
        ),
    ]

    @Test(arguments: answers.indices)
    func answersEachEventWithExactTwiML(index: Int) async throws {
        let (name, inputs, fields, query, content, event) = Self.answers[index]
        let envelope = try await Self.run(inputs, Self.signed(fields, query: query))
        let response = try #require(envelope["response"], "\(name): \(envelope)")
        #expect(response["statusCode"] == 200, "\(name)")
        #expect(response["contentType"] == "text/xml", "\(name)")
        let expected = Self.declaration + (content.isEmpty ? "<Response/>" : "<Response>\(content)</Response>")
        let body = try #require(response["body"]?.stringValue)
        #expect(body == expected, "\(name)")
        #expect(TwiMLCheck.problem(in: body) == nil, "\(name): \(TwiMLCheck.problem(in: body) ?? "")")
        #expect(throws: Never.self) { try XMLTree.parse(body) }
        #expect(envelope["payload"]?["twilio"]?["event"]?.stringValue == event, "\(name)")
        #expect(envelope["payload"]?["twilio"]?["signature"] == "valid")
    }

    @Test func thePayloadSummarisesTheCall() async throws {
        let envelope = try await Self.run(
            ["answer": "gather"],
            Self.signed(incoming: [("Digits", "1"), ("SpeechResult", "sales please")], query: "event=gather-result"))
        let twilio = try #require(envelope["payload"]?["twilio"])
        #expect(twilio["callSid"]?.stringValue == Self.callSid)
        #expect(twilio["digits"] == "1")
        #expect(twilio["speechResult"] == "sales please")
        #expect(twilio["from"] == "+14155550100")
        #expect(twilio["direction"] == "inbound")
        #expect(twilio["recordingSid"] == .null)
        #expect(twilio["url"] == "https://hooks.example.com/voice?event=gather-result")
        #expect(envelope["payload"]?["body"]?["data"]?["Digits"] == "1")
    }

    static func signed(incoming extra: [(String, String)], query: String) -> JSONObject {
        signed(incoming + extra, query: query)
    }

    @Test func aMisconfiguredAnswerNamesTheInput() async throws {
        let envelope = try await Self.run(["answer": "play"], Self.signed(Self.incoming))
        #expect(envelope["error"]?["code"] == "missing_input")
        #expect(envelope["error"]?["input"] == "playUrl")
        #expect(envelope["error"]?["message"]?.stringValue?.contains("Play URL") == true)
        #expect(envelope["response"]?["statusCode"] == 500)
        let forward = try await Self.run(["afterGather": "forward"], Self.signed(incoming: [("Digits", "1")], query: "event=gather-result"))
        #expect(forward["error"]?["input"] == "forwardTo")
    }

    /// Forward To is read as makeCall reads a call's address (national digits with country code
    /// 1, the scheme of client: and sip: lowercased).
    @Test(arguments: [
        ("(415) 555-0199", "<Number>+14155550199</Number>"), ("Client:Bob", "<Client>Bob</Client>"),
        ("SIP:desk@example.com", "<Sip>sip:desk@example.com</Sip>"),
    ])
    func forwardToIsNormalisedAsMakeCallsAddresses(forwardTo: String, target: String) async throws {
        let envelope = try await Self.run(["answer": "forward", "forwardTo": .string(forwardTo)], Self.signed(Self.incoming))
        #expect(
            envelope["response"]?["body"]?.stringValue == Self.declaration + #"<Response><Dial timeout="20">\#(target)</Dial></Response>"#,
            "\(envelope)")
    }

    /// A Forward To or Play URL Twilio could not use is an input error naming it, answered 500,
    /// as soon as the call comes in (a forward after a gather included).
    @Test(
        arguments: [
            (["answer": "forward", "forwardTo": "415"], "forwardTo", "The trigger's Forward To '415' is too short to be a phone number;"),
            (
                ["answer": "gather", "afterGather": "forward", "forwardTo": "whatsapp:+14155550199"], "forwardTo",
                "The trigger's Forward To 'whatsapp:+14155550199' is a whatsapp: address, which a call cannot reach;"
            ),
            (["answer": "forward", "forwardTo": "client:"], "forwardTo", "The trigger's Forward To 'client:' has a channel prefix"),
            (
                ["answer": "play", "playUrl": "welcome.mp3"], "playUrl",
                "The trigger's Play URL 'welcome.mp3' is not an absolute http or https URL Twilio can fetch the audio from."
            ),
        ] as [(JSONObject, String, String)])
    func anUnusableForwardToOrPlayURLNamesTheInput(inputs: JSONObject, key: String, message: String) async throws {
        let envelope = try await Self.run(inputs, Self.signed(Self.incoming))
        #expect(envelope["error"]?["input"] == .string(key), "\(envelope)")
        #expect(envelope["error"]?["kind"] == "input")
        #expect(envelope["error"]?["message"]?.stringValue?.hasPrefix(message) == true, "\(envelope["error"] ?? .null)")
        #expect(envelope["response"]?["statusCode"] == 500)
        #expect(envelope["response"]?["contentType"] == "text/plain")
    }

    // MARK: Events and keys

    static let classified: [([(String, String)], String?, VoiceWebhookEvent.Kind)] = [
        (incoming, nil, .incomingCall),
        ([("CallSid", callSid), ("CallStatus", "in-progress"), ("Direction", "outbound-api")], nil, .incomingCall),
        (
            [("CallSid", callSid), ("CallStatus", "ringing"), ("CallbackSource", "call-progress-events"), ("SequenceNumber", "1")], nil,
            .callStatus
        ),
        ([("CallSid", callSid), ("CallStatus", "no-answer")], nil, .callStatus),
        ([("CallSid", callSid), ("CallStatus", "in-progress"), ("Digits", "5")], nil, .gatherResult),
        ([("CallSid", callSid), ("CallStatus", "in-progress")], "gather-result", .gatherResult),
        ([("CallSid", callSid), ("DialCallStatus", "busy")], nil, .dialResult),
        ([("CallSid", callSid), ("RecordingUrl", "https://r"), ("Digits", "hangup")], nil, .recordResult),
        ([("CallSid", callSid), ("RecordingStatus", "completed")], nil, .recordingReady),
        ([("CallSid", callSid), ("RecordingStatus", "failed")], "recording-status", .recordingStatus),
        ([("CallSid", callSid), ("CallStatus", "ringing")], "no-such-marker", .incomingCall),
        ([("MessageSid", "SM1"), ("Body", "hi")], nil, .other),
    ]

    @Test func tellsEventsApart() {
        for (fields, marker, kind) in Self.classified {
            let event = VoiceWebhookEvent(data: SignedWebhook.bodyObject(fields), marker: marker)
            #expect(event.kind == kind, "\(fields) with \(marker ?? "no marker")")
        }
    }

    @Test func idempotencyKeysAreStableAndDistinct() async throws {
        let deliveries: [(fields: [(String, String)], query: String)] = [
            (Self.incoming, ""),
            (
                [
                    ("CallSid", Self.callSid), ("CallStatus", "ringing"), ("CallbackSource", "call-progress-events"),
                    ("SequenceNumber", "0"),
                ], ""
            ),
            (
                [
                    ("CallSid", Self.callSid), ("CallStatus", "in-progress"), ("CallbackSource", "call-progress-events"),
                    ("SequenceNumber", "1"),
                ], ""
            ),
            (
                [
                    ("CallSid", Self.callSid), ("CallStatus", "completed"), ("CallbackSource", "call-progress-events"),
                    ("SequenceNumber", "2"),
                ], ""
            ),
            (Self.incoming + [("Digits", "1")], "event=gather-result"),
            (
                Self.incoming + [("DialCallStatus", "no-answer"), ("DialCallSid", "CA" + String(repeating: "d", count: 32))],
                "event=dial-result"
            ),
            (Self.incoming + [("RecordingSid", "RE1"), ("RecordingUrl", "https://r/RE1")], "event=record-result"),
            (Self.incoming + [("RecordingSid", "RE1"), ("RecordingStatus", "completed")], "event=recording-status"),
            (Self.incoming + [("RecordingSid", "RE2"), ("RecordingStatus", "completed")], "event=recording-status"),
        ]
        var keys: [String] = []
        for delivery in deliveries {
            let payload = Self.signed(delivery.fields, query: delivery.query)
            let first = try await Self.run(Self.forward, payload)
            let again = try await Self.run(Self.forward, payload)
            let key = try #require(first["payload"]?["idempotencyKey"]?.stringValue, "\(first)")
            #expect(again["payload"]?["idempotencyKey"]?.stringValue == key, "a redelivery keeps its key")
            #expect(key.hasPrefix(Self.callSid + ":"))
            keys.append(key)
        }
        #expect(Set(keys).count == deliveries.count, "\(keys)")
        #expect(keys[3] == Self.callSid + ":call-status:completed:2")

        // Twilio's own token wins when it sends one.
        let token = "6b0b2a51-3d5c-4f0e-8f1b-2f6b9c1d7e22-1234567890123456789"
        let withToken = try await Self.run([:], Self.signed(Self.incoming, headers: ["I-Twilio-Idempotency-Token": .string(token)]))
        #expect(withToken["payload"]?["idempotencyKey"]?.stringValue == token)
    }

    // MARK: Signatures: webhook's rule

    /// Every broken request `webhook` refuses, `voiceWebhook` refuses the same way: one path.
    @Test func refusesBrokenRequestsExactlyAsWebhookDoes() async throws {
        let invoker = try ComponentInvoker()
        let connection = ComponentInvoker.authToken(Self.token)
        for broken in WebhookTriggerTests.brokenRequests {
            let voice = await invoker.run("voiceWebhook", connection: connection, payload: broken.payload).envelope
            let sms = await invoker.run("webhook", connection: connection, payload: broken.payload).envelope
            #expect(voice["response"] == sms["response"], "\(broken.name)")
            #expect(voice["error"]?["code"]?.stringValue == broken.code, "\(broken.name)")
            #expect(voice["response"]?["statusCode"]?.intValue == broken.status, "\(broken.name)")
        }
    }

    @Test func tamperedBodyURLMarkerOrSignatureIsRefused() async throws {
        let good = Self.signed(Self.incoming + [("Digits", "1")], query: "event=gather-result")
        let accepted = try await Self.run(Self.forward, good)
        #expect(accepted["response"]?["statusCode"] == 200)

        var body = good
        body["body"] = ["data": .string(FormEncoding.encodeForm(Self.incoming + [("Digits", "9")]))]
        var url = good
        url["webhookUrls"] = ["Flow 1": "https://evil.example.net/voice"]
        var marker = good
        marker["queryParameters"] = ["event": "record-result"]
        var missing = good
        missing["headers"] = ["Content-Type": "application/x-www-form-urlencoded"]
        var forged = good
        forged["headers"] = [
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": .string(
                TwilioSignatureValidator(authToken: "wrong").signature(url: Self.base, parameters: Self.incoming)),
        ]
        for (name, payload, code) in [
            ("body", body, "invalid_signature"), ("URL", url, "invalid_signature"), ("marker", marker, "invalid_signature"),
            ("missing", missing, "missing_signature"), ("forged", forged, "invalid_signature"),
        ] {
            let refused = try await Self.run(Self.forward, payload)
            #expect(refused["response"]?["statusCode"] == 403, "\(name)")
            #expect(refused["error"]?["code"]?.stringValue == code, "\(name)")
            #expect(refused["payload"] == nil, "\(name)")
        }
    }

    /// Behind a proxy: the callbacks point at the Public URL, and come back signed for it with the
    /// marker, also when the Public URL has a query of its own.
    @Test func behindAProxyTheCallbacksUseThePublicURL() async throws {
        let publicURL = "https://public.example.com/hooks/voice?id=7"
        func payload(_ fields: [(String, String)], signedFor url: String, query: JSONObject) -> JSONObject {
            [
                "headers": [
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": .string(TwilioSignatureValidator(authToken: Self.token).signature(url: url, parameters: fields)),
                ],
                "body": ["data": .string(FormEncoding.encodeForm(fields))], "queryParameters": .object(query),
                "webhookUrls": ["Flow 1": "http://10.0.0.5:8080/trigger/T1"],
            ]
        }
        let inputs: JSONObject = ["publicUrl": .string(publicURL), "answer": "gather"]
        let first = try await Self.run(inputs, payload(Self.incoming, signedFor: publicURL, query: ["id": "7"]))
        let body = try #require(first["response"]?["body"]?.stringValue, "\(first)")
        #expect(body.contains(#"action="https://public.example.com/hooks/voice?id=7&amp;event=gather-result""#), "\(body)")
        let callback = "https://public.example.com/hooks/voice?id=7&event=gather-result"
        let result = try await Self.run(
            inputs, payload(Self.incoming + [("Digits", "1")], signedFor: callback, query: ["id": "7", "event": "gather-result"]))
        #expect(result["response"]?["statusCode"] == 200, "\(result)")
        #expect(result["payload"]?["twilio"]?["event"] == "gather-result")
    }

    // MARK: The manifest's example

    /// The example payload is what the trigger gives for the example's request, configured as the
    /// example says (a gather), signed with the sandbox's token for the example's URL.
    @Test func theManifestExampleIsWhatTheTriggerGives() async throws {
        let manifest = try ManifestLoader.load(text: TwilioComponent.manifestText, file: TwilioComponent.manifestFileName).manifest
        let example = try #require(manifest.triggers.first { $0.key == "voiceWebhook" }?.examplePayload)
        var request = try #require(example["payload"]?.objectValue)
        request["idempotencyKey"] = nil
        request["twilio"] = nil
        let data = try #require(request["body"]?["data"]?.objectValue)
        let fields = data.map { ($0.key, $0.value.stringValue ?? "") }
        let url = "https://hooks.example.com/trigger/EXAMPLEV"
        #expect(
            request["headers"]?["X-Twilio-Signature"]?.stringValue
                == TwilioSignatureValidator(authToken: Self.token).signature(url: url, parameters: fields))
        let envelope = await (try ComponentInvoker()).run(
            "voiceWebhook", inputs: Self.exampleInputs, connection: ComponentInvoker.authToken(Self.token), payload: .object(request)
        ).envelope
        #expect(envelope["payload"] == example["payload"])
        #expect(envelope["response"] == example["response"])
    }

    static let exampleInputs: JSONObject = [
        "answer": "gather", "message": "Thanks for calling Acme & Co.", "gatherPrompt": "Press 1 to talk to us.", "afterGather": "forward",
        "forwardTo": "+14155550100", "voicemail": true,
    ]
}
