import ComponentCore
import ComponentHTTP
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

/// The voice actions (makeCall, getCall, listCalls, updateCall, listRecordings, getRecording,
/// deleteRecording) against a recording test server standing in for Twilio: the exact requests
/// libcurl sent, and what the actions make of Twilio's answers and failures.
@Suite(.timingInsensitive) struct VoiceActionTests {
    static let account = SandboxCredentials.default.accountSid
    static let callSid = "CA" + String(repeating: "b", count: 32)
    static let recordingSid = "RE" + String(repeating: "a", count: 32)
    static let callsPath = "/2010-04-01/Accounts/\(account)/Calls.json"

    /// A call as Twilio answers it: snake_case, RFC 2822 dates.
    static func twilioCall(status: String = "queued", to: String = "+14155550100", from: String = "+15005550006") -> String {
        """
        {"sid": "\(callSid)", "date_created": "Wed, 14 May 2025 22:42:25 +0000", "date_updated": "Wed, 14 May 2025 22:42:25 +0000",
         "parent_call_sid": null, "account_sid": "\(account)", "to": "\(to)", "to_formatted": "(415) 555-0100", "from": "\(from)",
         "from_formatted": "(500) 555-0006", "phone_number_sid": null, "status": "\(status)", "start_time": null, "end_time": null,
         "duration": null, "price": null, "price_unit": "USD", "direction": "outbound-api", "answered_by": null, "api_version": "2010-04-01",
         "forwarded_from": null, "group_sid": null, "caller_name": null, "queue_time": "0", "trunk_sid": null,
         "uri": "/2010-04-01/Accounts/\(account)/Calls/\(callSid).json",
         "subresource_uris": {"recordings": "/2010-04-01/Accounts/\(account)/Calls/\(callSid)/Recordings.json"}}
        """
    }

    static let twilioRecording = """
        {"account_sid": "\(account)", "api_version": "2010-04-01", "call_sid": "\(callSid)", "conference_sid": null,
         "date_created": "Wed, 14 May 2025 22:42:47 +0000", "date_updated": "Wed, 14 May 2025 22:42:48 +0000",
         "start_time": "Wed, 14 May 2025 22:42:26 +0000", "duration": "21", "sid": "\(recordingSid)", "price": "-0.00250",
         "price_unit": "USD", "status": "completed", "channels": 1, "source": "OutboundAPI", "error_code": null,
         "uri": "/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid).json", "encryption_details": null,
         "subresource_uris": {}, "media_url": "https://api.twilio.com/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid)"}
        """

    /// A server standing in for Twilio at the base URL, recording what arrives.
    func withTwilio<T>(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action = { _ in .json(201, VoiceActionTests.twilioCall())
        },
        _ body: (Harness, TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await withTestServer(handler: handler) { server in
            try await body(
                Harness(endpoint: SandboxEndpoint(baseURL: server.baseURL, credentials: .default, certificateAuthorityFile: nil)), server)
        }
    }

    /// A request's form body, in order.
    static func form(_ request: TestHTTPServer.Request) -> [String] {
        (FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? []).map { "\($0.0)=\($0.1)" }
    }

    // MARK: makeCall

    @Test func makeCallSaysAMessageWithNormalisedNumbersAndEveryOption() async throws {
        try await withTwilio { harness, server in
            let output = await harness.run(
                [
                    "makeCall", "--input", "statusCallbackEvents=ringing", "--input", "statusCallbackEvents=completed",
                ]
                    + Harness.inputs([
                        "to": "(415) 555-0100", "from": "5005550006", "message": "Hi & <bye>", "voice": "Polly.Joanna", "language": "en-US",
                        "statusCallback": "https://hooks.example.com/status", "statusCallbackMethod": "GET", "record": "true",
                        "recordingChannels": "dual", "timeout": "30", "timeLimit": "600", "machineDetection": "Enable",
                        "sendDigits": "ww12#", "callerId": "+15005550006",
                    ]))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            #expect(server.requests.count == 1)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.target == Self.callsPath)
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(
                Self.form(request) == [
                    "To=+14155550100", "From=+15005550006",
                    #"Twiml=<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Joanna" language="en-US">Hi &amp; &lt;bye&gt;</Say></Response>"#,
                    "StatusCallback=https://hooks.example.com/status", "StatusCallbackEvent=ringing", "StatusCallbackEvent=completed",
                    "StatusCallbackMethod=GET", "SendDigits=ww12#", "Timeout=30", "Record=true", "RecordingChannels=dual",
                    "MachineDetection=Enable", "CallerId=+15005550006", "TimeLimit=600",
                ])
            // Twilio's call, camelCased, dates in ISO 8601.
            #expect(output.data["sid"] == .string(Self.callSid))
            #expect(output.data["dateCreated"] == "2025-05-14T22:42:25.000Z")
            #expect(output.data["toFormatted"] == "(415) 555-0100")
            #expect(output.data["subresourceUris"]?["recordings"] != nil)
            #expect(output.data.objectValue?.keys.count == 26)
        }
    }

    @Test func makeCallSendsAURLAnApplicationOrRawTwiML() async throws {
        try await withTwilio { harness, server in
            let base = ["to": "+14155550100", "from": "+15005550006"]
            let url = await harness.run(
                ["makeCall"] + Harness.inputs(base.merging(["url": "https://example.com/voice.xml", "method": "GET"]) { $1 }))
            #expect(url.exitCode == 0, "\(url.stderr)")
            let application = "AP" + String(repeating: "c", count: 32)
            _ = await harness.run(["makeCall"] + Harness.inputs(base.merging(["applicationSid": application]) { $1 }))
            let twiml = "<Response><Play>https://example.com/a.mp3</Play><Hangup/></Response>"
            _ = await harness.run(["makeCall"] + Harness.inputs(base.merging(["twiml": twiml]) { $1 }))
            let sip = await harness.run(
                ["makeCall"] + Harness.inputs(["to": "sip:alice@example.com", "from": "client:bob", "twiml": twiml]))
            #expect(sip.exitCode == 0, "\(sip.stderr)")
            let forms = server.requests.map(Self.form)
            #expect(
                forms == [
                    ["To=+14155550100", "From=+15005550006", "Url=https://example.com/voice.xml", "Method=GET"],
                    ["To=+14155550100", "From=+15005550006", "ApplicationSid=\(application)"],
                    ["To=+14155550100", "From=+15005550006", "Twiml=\(twiml)"],
                    ["To=sip:alice@example.com", "From=client:bob", "Twiml=\(twiml)"],
                ])
        }
    }

    @Test(
        arguments: [
            (
                ["twiml": "<Response><Say>Hi</Response>"], "twiml",
                "Input 'twiml' (TwiML) is not valid TwiML: it is not well-formed XML"
            ),
            (
                ["twiml": "<Response><Message>Hi</Message></Response>"], "twiml",
                "Input 'twiml' (TwiML) is not valid TwiML: <Message> (line 1, column 11) is not a voice verb"
            ),
            (
                [:], "message",
                "Input 'message' (Message) is required unless TwiML, URL or Application SID is given: Twilio needs to know what the call does once answered; give exactly one of Message, TwiML, URL and Application SID."
            ),
            (
                ["message": "Hi", "url": "https://example.com/v"], "url",
                "Input 'url' (URL) cannot be combined with Message: give exactly one of Message, TwiML, URL and Application SID."
            ),
            (
                ["url": "https://example.com/v", "voice": "alice"], "voice",
                "Input 'voice' (Voice) applies only to a Message, which the call says with it; give a Message, or leave it out."
            ),
            (
                ["message": "Hi", "method": "GET"], "method",
                "Input 'method' (Method) applies only to a URL, which Twilio fetches with it; give a URL, or leave it out."
            ),
            (
                ["message": "Hi", "statusCallbackEvents": "ringing"], "statusCallbackEvents",
                "Input 'statusCallbackEvents' (Status Callback Events) needs a Status Callback URL, where Twilio posts the call's progress; give one, or leave it out."
            ),
            (
                ["message": "Hi", "recordingChannels": "dual"], "recordingChannels",
                "Input 'recordingChannels' (Recording Channels) applies only to a recorded call; set Record to true, or leave it out."
            ),
            (
                ["message": "Hi", "url": "ftp://example.com/v"], "url",
                "Input 'url' (URL) cannot be combined with Message"
            ),
            (
                ["twiml": "<Response>" + String(repeating: "<Pause/>", count: 600) + "</Response>"], "twiml",
                "Input 'twiml' (TwiML) has 4821 characters; Twilio takes at most 4000 in a request"
            ),
            (["message": "Hi", "sendDigits": "12a"], "sendDigits", "Input 'sendDigits' (Send Digits) must match the pattern"),
            (["message": "Hi", "timeout": "4"], "timeout", "Input 'timeout' (Timeout) must be at least 5, but got 4."),
            (
                ["message": "Hi", "statusCallback": "https://x.example.com", "statusCallbackEvents": "answred"], "statusCallbackEvents",
                "Input 'statusCallbackEvents' (Status Callback Events)"
            ),
            (
                ["message": "Hi", "machineDetection": "enabled"], "machineDetection",
                "Input 'machineDetection' (Machine Detection) must be one of 'Enable', 'DetectMessageEnd'"
            ),
        ] as [([String: String], String, String)])
    func makeCallRefusesBadInputsBeforeAnyRequest(inputs: [String: String], key: String, message: String) async throws {
        try await withTwilio { harness, server in
            let output = await harness.run(
                ["makeCall"] + Harness.inputs(["to": "+14155550100", "from": "+15005550006"].merging(inputs) { $1 }))
            #expect(output.exitCode == 2, "\(output.stdout)")
            #expect(output.error["kind"] == "input")
            #expect(output.error["input"] == .string(key))
            #expect(output.error["message"]?.stringValue?.hasPrefix(message) == true, "\(output.error["message"] ?? .null)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func makeCallRefusesAddressesACallCannotReach() async throws {
        try await withTwilio { harness, server in
            let output = await harness.run(
                ["makeCall"] + Harness.inputs(["to": "whatsapp:+14155550100", "from": "Acme", "message": "Hi"]))
            #expect(output.error["input"] == "to")
            let problems = output.error["details"]?["problems"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
            #expect(
                problems == [
                    "Input 'to' (To) 'whatsapp:+14155550100' is a whatsapp: address, which a call cannot reach; write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address.",
                    "Input 'from' (From) 'Acme' is not a phone number; write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address.",
                ])
            #expect(server.requests.isEmpty)
        }
    }

    /// A reconciling engine filters listCalls with makeCall's inputs and matches the listed call
    /// to the dry run's `expected` exactly: all three must write an address the same way (the
    /// scheme lowercased, as Twilio stores it), or a lost create is taken for never made.
    @Test func anAddressIsOneFormInTheRequestTheDryRunAndTheListFilter() async throws {
        try await withTwilio({ request in
            request.method == "GET"
                ? .json(200, #"{"calls": [], "next_page_uri": null}"#) : .json(201, Self.twilioCall(to: "sip:alice@example.com"))
        }) { harness, server in
            let inputs = ["to": " SIP:alice@example.com", "from": "Client:Bob", "message": "Hi"]
            let dry = await harness.run(["makeCall", "--input", "dryRun=true"] + Harness.inputs(inputs))
            #expect(dry.exitCode == 0, "\(dry.stderr)")
            let made = await harness.run(["makeCall"] + Harness.inputs(inputs))
            #expect(made.exitCode == 0, "\(made.stderr)")
            let listed = await harness.run(["listCalls"] + Harness.inputs(["to": inputs["to"]!, "from": inputs["from"]!]))
            #expect(listed.exitCode == 0, "\(listed.stderr)")

            let stored = ["sip:alice@example.com", "client:Bob"]
            #expect([dry.data["expected"]?["to"], dry.data["expected"]?["from"]] == stored.map(JSONValue.string))
            #expect([dry.data["form"]?["To"], dry.data["form"]?["From"]] == stored.map(JSONValue.string))
            try #require(server.requests.count == 2)
            #expect(Array(Self.form(server.requests[0]).prefix(2)) == ["To=\(stored[0])", "From=\(stored[1])"])
            let query = FormEncoding.decodeForm(String(server.requests[1].target.split(separator: "?", maxSplits: 1)[1])) ?? []
            #expect(query.filter { $0.0 == "To" || $0.0 == "From" }.map(\.1) == stored)
        }
    }

    @Test func anAddressWithNothingAfterItsSchemeIsRefusedByMakeCallAndListCalls() async throws {
        try await withTwilio { harness, server in
            let made = await harness.run(["makeCall"] + Harness.inputs(["to": "sip:", "from": "Client: ", "message": "Hi"]))
            let problems = made.error["details"]?["problems"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
            #expect(
                problems == [
                    "Input 'to' (To) 'sip:' has a channel prefix 'sip:' but no address after it; write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address.",
                    "Input 'from' (From) 'Client: ' has a channel prefix 'client:' but no address after it; write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address.",
                ])
            // listCalls says the forms a call's address takes, client: and sip: among them.
            let listed = await harness.run(["listCalls", "--input", "to=client:"])
            #expect(listed.error["input"] == "to")
            #expect(
                listed.error["message"]?.stringValue?.hasSuffix(
                    "Input 'to' (To) 'client:' has a channel prefix 'client:' but no address after it; write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address."
                ) == true, "\(listed.error)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func aFailedCreateIsMaybeSentAndNeverRetried() async throws {
        try await withTwilio({ _ in .json(500, #"{"code": 20500, "message": "Internal Server Error", "status": 500}"#) }) {
            harness, server in
            let output = await harness.run(["makeCall"] + Harness.inputs(["to": "+14155550100", "from": "+15005550006", "message": "Hi"]))
            #expect(output.exitCode == 4)
            #expect(output.error["maybeSent"] == true)
            #expect(output.error["retryable"] == false)
            #expect(output.error["details"]?["attempts"] == 1)
            #expect(server.requests.count == 1)
        }
        // A dropped connection after the request was read: the same.
        try await withTwilio({ _ in .closeAfterReading }) { harness, server in
            let output = await harness.run(["makeCall"] + Harness.inputs(["to": "+14155550100", "from": "+15005550006", "message": "Hi"]))
            #expect(output.error["maybeSent"] == true)
            #expect(server.requests.count == 1)
        }
    }

    @Test func makeCallsDryRunSaysTheFormTheTwiMLAndTheCallAsTwilioStoresIt() async throws {
        try await withTwilio { harness, server in
            let output = await harness.run(
                ["makeCall", "--input", "dryRun=true", "--input", "statusCallbackEvents=answered"]
                    + Harness.inputs([
                        "to": "4155550100", "from": "client:alice", "message": "Hello", "statusCallback": "https://hooks.example.com/s",
                    ]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            let twiml = #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>"#
            #expect(
                output.data == [
                    "dryRun": true, "method": "POST", "url": .string(server.baseURL + Self.callsPath),
                    "form": [
                        "To": "+14155550100", "From": "client:alice", "Twiml": .string(twiml),
                        "StatusCallback": "https://hooks.example.com/s", "StatusCallbackEvent": ["answered"],
                    ],
                    "twiml": .string(twiml), "expected": ["to": "+14155550100", "from": "client:alice"], "uncertain": [],
                ])
            // With a Caller ID, Twilio may show another caller than From: unknown, not predicted.
            let withCallerId = await harness.run(
                ["makeCall", "--input", "dryRun=true"]
                    + Harness.inputs(["to": "sip:bob@example.com", "from": "+15005550006", "url": "https://e.com/v", "callerId": "alice"]))
            #expect(withCallerId.data["expected"] == ["to": "sip:bob@example.com", "from": .null])
            #expect(withCallerId.data["twiml"] == .null)
            #expect(server.requests.isEmpty)
        }
    }

    @Test(arguments: [
        (21215, "The account's Voice geographic permissions do not allow calls to this number's country"),
        (21210, "Twilio places calls only from a number of the account or a verified caller ID"),
        (13227, "The account's Voice geographic permissions do not allow a <Dial> to this country"),
    ])
    func voiceErrorsSayWhatToDo(code: Int, hint: String) async throws {
        try await withTwilio({ _ in
            .json(
                400, #"{"code": \#(code), "message": "Refused", "more_info": "https://www.twilio.com/docs/errors/\#(code)", "status": 400}"#
            )
        }) { harness, _ in
            let output = await harness.run(["makeCall"] + Harness.inputs(["to": "+14155550100", "from": "+15005550006", "message": "Hi"]))
            #expect(output.error["code"] == .integer(code))
            #expect(output.error["maybeSent"] == false)
            #expect(output.error["message"]?.stringValue?.hasPrefix("Twilio answered 400: Refused (error \(code)). \(hint)") == true)
        }
    }

    // MARK: getCall, listCalls, updateCall

    @Test func getCallAndListCallsWithFiltersLimitsAndACursor() async throws {
        let next = Self.callsPath + "?To=%2B14155550100&Page=1&PageToken=PA1&PageSize=2"
        try await withTwilio({ request in
            if request.target.hasPrefix("/2010-04-01/Accounts/\(Self.account)/Calls/") {
                return .json(200, Self.twilioCall(status: "completed"))
            }
            let calls = "[\(Self.twilioCall()), \(Self.twilioCall())]"
            let more = request.target.contains("PageToken") ? "null" : "\"\(next)\""
            return .json(200, #"{"calls": \#(calls), "next_page_uri": \#(more)}"#)
        }) { harness, server in
            let got = await harness.run(["getCall", "--input", "callSid=\(Self.callSid)"])
            #expect(got.data["status"] == "completed")
            let first = await harness.run(
                ["listCalls"]
                    + Harness.inputs([
                        "to": "4155550100", "status": "completed", "startTimeAfter": "2025-05-14T00:00:00+02:00",
                        "parentCallSid": Self.callSid, "pageSize": "2", "limit": "2",
                    ]))
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(first.data.objectValue?.keys == ["calls", "hasMore", "cursor"])
            #expect(first.data["calls"]?.arrayValue?.count == 2)
            #expect(first.data["hasMore"] == true)
            #expect(first.data["cursor"] == .string(next))
            let rest = await harness.run(["listCalls"] + Harness.inputs(["cursor": next, "limit": "0", "pageSize": "2"]))
            #expect(rest.data["hasMore"] == false && rest.data["cursor"] == .null)
            let foreign = await harness.run(["listCalls", "--input", "cursor=/2010-04-01/Accounts/\(Self.account)/Messages.json?Page=1"])
            #expect(foreign.error["input"] == "cursor")
            #expect(
                server.requests.map(\.target) == [
                    "/2010-04-01/Accounts/\(Self.account)/Calls/\(Self.callSid).json",
                    Self.callsPath
                        + "?To=%2B14155550100&ParentCallSid=\(Self.callSid)&Status=completed&StartTime%3E=2025-05-13T22%3A00%3A00Z&PageSize=2",
                    next,
                ])
        }
    }

    @Test func aHangUpIsRetriedButARedirectIsNot() async throws {
        let attempts = Mutex(0)
        try await withTwilio({ _ in
            let attempt = attempts.withLock {
                $0 += 1
                return $0
            }
            return attempt == 1
                ? .json(503, #"{"code": 20503, "message": "Service Unavailable", "status": 503}"#)
                : .json(200, Self.twilioCall(status: "completed"))
        }) { harness, server in
            let hangUp = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "completed"]))
            #expect(hangUp.exitCode == 0, "\(hangUp.stdout)")
            #expect(hangUp.data["status"] == "completed")
            #expect(server.requests.map(Self.form) == [["Status=completed"], ["Status=completed"]])
            #expect(server.requests.allSatisfy { $0.target == "/2010-04-01/Accounts/\(Self.account)/Calls/\(Self.callSid).json" })

            attempts.withLock { $0 = 0 }
            let twiml = "<Response><Say>Goodbye</Say><Hangup/></Response>"
            let redirect = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "twiml": twiml]))
            #expect(redirect.error["maybeSent"] == true)
            try #require(server.requests.count == 3)
            #expect(Self.form(server.requests[2]) == ["Twiml=\(twiml)"])

            let url = await harness.run(
                ["updateCall"] + Harness.inputs(["callSid": Self.callSid, "url": "https://example.com/next", "method": "GET"]))
            #expect(url.exitCode == 0)
            try #require(server.requests.count == 4)
            #expect(Self.form(server.requests[3]) == ["Url=https://example.com/next", "Method=GET"])
        }
    }

    /// A hang-up whose answer was lost is asked again; Twilio then says the call has ended
    /// (21220), which is what was asked: the call as it now is is the answer.
    @Test func aHangUpRetriedAfterALostAnswerSucceedsOnTheEndedCall() async throws {
        let posts = Mutex(0)
        try await withTwilio({ request in
            guard request.method == "POST" else { return .json(200, Self.twilioCall(status: "completed")) }
            let post = posts.withLock {
                $0 += 1
                return $0
            }
            switch post {
            case 1: return .closeAfterReading
            default: return .json(400, #"{"code": 21220, "message": "Invalid call state for update", "status": 400}"#)
            }
        }) { harness, server in
            let output = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "completed"]))
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data["status"] == "completed")
            #expect(server.requests.map(\.method) == ["POST", "POST", "GET"])

            // At the first attempt, 21220 means the call had ended before this run asked: an error.
            let late = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "completed"]))
            #expect(late.error["code"] == 21220)
            #expect(server.requests.count == 4)
        }
    }

    /// A 429 says Twilio did nothing: a 21220 on the retry after it is the call's state before this
    /// run asked, an error as at the first attempt.
    @Test func aHangUpRetriedAfterA429ReportsTheEndedCall() async throws {
        let posts = TestHTTPServer.script(
            [.json(429, #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#)],
            then: .json(400, #"{"code": 21220, "message": "Invalid call state for update", "status": 400}"#))
        try await withTwilio({ request in
            // The call has ended, so taking the 21220 for "done" would answer with it.
            request.method == "POST" ? posts(request) : .json(200, Self.twilioCall(status: "completed"))
        }) { harness, server in
            let output = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "completed"]))
            #expect(output.exitCode == 4, "\(output.stdout)")
            #expect(output.error["code"] == 21220)
            #expect(server.requests.map(\.method) == ["POST", "POST"])
        }
    }

    @Test func updateCallRefusesBadInputsBeforeAnyRequest() async throws {
        try await withTwilio { harness, server in
            let both = await harness.run(
                ["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "completed", "url": "https://example.com/next"]))
            #expect(both.error["input"] == "url")
            #expect(
                both.error["message"] == "Input 'url' (URL) cannot be combined with Status: give exactly one of Status, TwiML and URL.")
            let none = await harness.run(["updateCall", "--input", "callSid=\(Self.callSid)"])
            #expect(none.error["input"] == "status")
            let malformed = await harness.run(
                ["updateCall"] + Harness.inputs(["callSid": Self.callSid, "twiml": "<Response><Dial><Say>x</Say></Dial></Response>"]))
            #expect(malformed.error["input"] == "twiml")
            #expect(
                malformed.error["message"]?.stringValue?.hasPrefix(
                    "Input 'twiml' (TwiML) is not valid TwiML: <Say> (line 1, column 17) cannot be inside <Dial>") == true)
            let bad = await harness.run(["updateCall"] + Harness.inputs(["callSid": Self.callSid, "status": "hangup"]))
            #expect(bad.error["input"] == "status")
            #expect(server.requests.isEmpty)
        }
    }

    // MARK: recordings

    @Test(arguments: [("wav", "audio/x-wav"), ("mp3", "audio/mpeg")])
    func getRecordingReturnsItsAudioAsBase64(format: String, contentType: String) async throws {
        let audio = Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })
        let recordingPath = "/2010-04-01/Accounts/\(Self.account)/Recordings/\(Self.recordingSid)"
        try await withTwilio({ request in
            switch request.target {
            case recordingPath + ".json": .json(200, Self.twilioRecording)
            case recordingPath + ".wav": .respond(status: 200, headers: [("Content-Type", "audio/x-wav")], body: audio)
            case recordingPath + ".mp3": .respond(status: 200, headers: [("Content-Type", "audio/mpeg")], body: audio)
            default: .json(404, #"{"code": 20404, "message": "Not found", "status": 404}"#)
            }
        }) { harness, server in
            let output = await harness.run(["getRecording"] + Harness.inputs(["recordingSid": Self.recordingSid, "format": format]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data["sid"] == .string(Self.recordingSid))
            #expect(output.data["dateCreated"] == "2025-05-14T22:42:47.000Z")
            #expect(output.data["channels"] == 1)
            let media = try #require(output.data["media"])
            #expect(media["contentType"] == .string(contentType))
            #expect(media["encoding"] == "base64")
            #expect(Data(base64Encoded: media["data"]?.stringValue ?? "") == audio)
            #expect(server.requests.map(\.target) == [recordingPath + ".json", recordingPath + "." + format])
            // The audio is fetched with the connection's credentials, as the details are.
            #expect(server.requests.map { $0.header("Authorization") }.allSatisfy { $0 == server.requests[0].header("Authorization") })

            let detailsOnly = await harness.run(["getRecording"] + Harness.inputs(["recordingSid": Self.recordingSid, "format": "none"]))
            #expect(detailsOnly.data["media"] == .null)
            #expect(server.requests.count == 3)

            let capped = await harness.run(
                ["getRecording"] + Harness.inputs(["recordingSid": Self.recordingSid, "format": format, "maxBytes": "1000"]))
            #expect(capped.exitCode == 2)
            #expect(capped.error["input"] == "maxBytes")
            #expect(
                capped.error["message"]?.stringValue?.hasPrefix(
                    "Input 'maxBytes' (Max Bytes) is 1000, and recording \(Self.recordingSid) in \(format) is larger (21 s long).") == true)
        }
    }

    @Test func aDeleteWhoseAnswerWasLostSucceedsWhenItsRetryFindsNothing() async throws {
        let attempts = Mutex(0)
        try await withTwilio({ _ in
            let attempt = attempts.withLock {
                $0 += 1
                return $0
            }
            // The first DELETE is read (and, at Twilio, done), but its answer never comes.
            return attempt == 1 ? .closeAfterReading : .json(404, #"{"code": 20404, "message": "Not found", "status": 404}"#)
        }) { harness, server in
            let output = await harness.run(["deleteRecording", "--input", "recordingSid=\(Self.recordingSid)"])
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data == ["sid": .string(Self.recordingSid), "deleted": true, "alreadyGone": true])
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.method == "DELETE" })

            // A 404 at the first attempt: nothing this run did removed it.
            let missing = await harness.run(["deleteRecording", "--input", "recordingSid=\(Self.recordingSid)"])
            #expect(missing.exitCode == 4)
            #expect(missing.error["code"] == 20404)
            #expect(missing.error["message"]?.stringValue?.contains("Nothing with that SID exists in this account") == true)
            #expect(server.requests.count == 3)
        }
        try await withTwilio({ _ in .respond(status: 204) }) { harness, server in
            let output = await harness.run(["deleteRecording", "--input", "recordingSid=\(Self.recordingSid)"])
            #expect(output.data == ["sid": .string(Self.recordingSid), "deleted": true, "alreadyGone": false])
            #expect(server.requests.map(\.target) == ["/2010-04-01/Accounts/\(Self.account)/Recordings/\(Self.recordingSid).json"])
        }
    }

    /// A 429 says Twilio did nothing, so a 404 on the retry after it means the recording never
    /// was there (a mistyped SID, another account): an error, not "already gone". After a 500 the
    /// first DELETE may have removed it.
    @Test func aDeleteRetriedAfterA429ReportsTheMissingRecording() async throws {
        let notFound = TestHTTPServer.Action.json(404, #"{"code": 20404, "message": "Not found", "status": 404}"#)
        try await withTwilio(
            TestHTTPServer.script([.json(429, #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#)], then: notFound)
        ) { harness, server in
            let output = await harness.run(["deleteRecording", "--input", "recordingSid=\(Self.recordingSid)"])
            #expect(output.exitCode == 4, "\(output.stdout)")
            #expect(output.error["code"] == 20404)
            #expect(server.requests.count == 2)
        }
        try await withTwilio(
            TestHTTPServer.script([.json(500, #"{"code": 20500, "message": "Internal Server Error", "status": 500}"#)], then: notFound)
        ) { harness, server in
            let output = await harness.run(["deleteRecording", "--input", "recordingSid=\(Self.recordingSid)"])
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data == ["sid": .string(Self.recordingSid), "deleted": true, "alreadyGone": true])
            #expect(server.requests.count == 2)
        }
    }

    @Test func listRecordingsOfACallSinceATime() async throws {
        try await withTwilio({ _ in .json(200, #"{"recordings": [\#(Self.twilioRecording)], "next_page_uri": null}"#) }) {
            harness, server in
            let output = await harness.run(
                ["listRecordings"]
                    + Harness.inputs(["callSid": Self.callSid, "dateCreatedAfter": "2025-05-14T00:00:00Z", "limit": "5", "pageSize": "20"]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data["recordings"]?.arrayValue?.first?["sid"] == .string(Self.recordingSid))
            #expect(output.data["recordings"]?.arrayValue?.first?.objectValue?.keys.count == 19)
            #expect(output.data["hasMore"] == false)
            #expect(
                server.requests.map(\.target) == [
                    "/2010-04-01/Accounts/\(Self.account)/Recordings.json?CallSid=\(Self.callSid)&DateCreated%3E=2025-05-14T00%3A00%3A00Z&PageSize=5"
                ])
        }
    }
}
