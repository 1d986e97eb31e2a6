import ComponentCore
import ComponentHTTP
import Crypto
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import TwilioSandbox

/// Calls, recordings and the TwiML the sandbox runs for them, with a real test server serving the
/// TwiML and receiving the callbacks.
@Suite(.timingSensitive) struct SandboxVoiceTests {
    static let from = "+15005550006"
    static let sayHello = "<Response><Say voice=\"alice\" language=\"en-US\">Hello there</Say></Response>"

    func withClient<T>(
        _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero), _ body: (SandboxTestClient) async throws -> T
    ) async throws -> T {
        try await withSandbox(configuration) { baseURL, credentials in
            try await body(SandboxTestClient(baseURL: baseURL, credentials: credentials))
        }
    }

    /// A TwiML server answering each path with its document (404 for others).
    static func twimlServer(_ documents: [String: String], contentType: String = "text/xml")
        -> @Sendable (TestHTTPServer.Request)
        -> TestHTTPServer.Action
    {
        { request in
            let path = String(request.target.prefix { $0 != "?" })
            guard let document = documents[path] else { return .respond(status: 404) }
            return .respond(status: 200, headers: [("Content-Type", contentType)], body: Data(document.utf8))
        }
    }

    static func parameters(_ request: TestHTTPServer.Request) -> [String: String] {
        Dictionary(FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? [], uniquingKeysWith: { $1 })
    }

    /// Twilio's signature of a POST to `url` with `parameters`, computed here on its own.
    static func signature(url: String, parameters: [String: String], authToken: String) -> String {
        var text = url
        for name in parameters.keys.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) {
            text += name + parameters[name]!
        }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    static func waitForRequests(_ server: TestHTTPServer, count: Int, seconds: Int = 5) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        while server.requests.count < count, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    // MARK: Create, lifecycle, errors

    @Test func aCallWithTwiMLSaysItsTextAndCompletes() async throws {
        try await withClient { client in
            let response = try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello)])
            #expect(response.status == 201)
            let call = try client.json(response)
            #expect(
                call.objectValue?.keys == [
                    "account_sid", "answered_by", "api_version", "caller_name", "date_created", "date_updated", "direction", "duration",
                    "end_time", "forwarded_from", "from", "from_formatted", "group_sid", "parent_call_sid", "phone_number_sid", "price",
                    "price_unit", "queue_time", "sid", "start_time", "status", "subresource_uris", "to", "to_formatted", "trunk_sid", "uri",
                ])
            #expect(call["status"] == "queued")
            #expect(call["direction"] == "outbound-api")
            #expect(call["to_formatted"] == "(415) 555-0100")
            #expect(call["duration"] == .null)
            let sid = try #require(call["sid"]?.stringValue)
            #expect(sid.count == 34 && sid.hasPrefix("CA"))
            let log = try await client.callLog(sid, "status=completed")
            #expect(log["call"]?["status"] == "completed")
            let events = log["events"]?.arrayValue ?? []
            #expect(events.first?["verb"] == "Say")
            #expect(events.first?["text"] == "Hello there")
            #expect(events.first?["voice"] == "alice")
            #expect(log["documents"]?.arrayValue?.first?["twiml"] == .string(Self.sayHello))
            let fetched = try client.json(try await client.send(.get, client.callPath(sid)))
            #expect(fetched["status"] == "completed")
            #expect(fetched["start_time"] != .null && fetched["end_time"] != .null)
            #expect(Int(fetched["duration"]?.stringValue ?? "") ?? 0 >= 1)
            #expect(fetched["price"] == "-0.01400")
        }
    }

    @Test(arguments: [("+15005559020", "busy"), ("+15005559021", "no-answer"), ("+15005559022", "failed")])
    func magicNumbersEndTheCallAsTheyBehave(number: String, status: String) async throws {
        try await withClient { client in
            let call = try client.json(try await client.createCall([("To", number), ("From", Self.from), ("Twiml", Self.sayHello)]))
            let sid = try #require(call["sid"]?.stringValue)
            let log = try await client.callLog(sid, "waitFor=end")
            #expect(log["call"]?["status"] == .string(status))
            #expect(log["call"]?["start_time"] == .null)
            #expect(log["call"]?["duration"] == "0")
            #expect(log["call"]?["price"] == .null)
            #expect(log["events"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aConfiguredNumberBehavesAsConfigured() async throws {
        try await withClient { client in
            let set = try await client.control(.post, "callees", json: ["number": "+14155550123", "behaviour": "machine"])
            #expect(set.status == 204)
            let call = try client.json(
                try await client.createCall([
                    ("To", "+14155550123"), ("From", Self.from), ("Twiml", Self.sayHello), ("MachineDetection", "Enable"),
                ]))
            let log = try await client.callLog(try #require(call["sid"]?.stringValue), "status=completed")
            #expect(log["call"]?["answered_by"] == "machine_start")
            #expect(try await client.control(.post, "callees", json: ["number": "+1", "behaviour": "sing"]).status == 400)
        }
    }

    @Test(arguments: [
        ([("From", from), ("Twiml", sayHello)], 21201),
        ([("To", "+14155550100"), ("Twiml", sayHello)], 21213),
        ([("To", "+14155550100"), ("From", from)], 21205),
        ([("To", "+14155550100"), ("From", from), ("Url", "ftp://example.com/x")], 21205),
        ([("To", "5551234"), ("From", from), ("Twiml", sayHello)], 21211),
        ([("To", "+14155550100"), ("From", "+15005550001"), ("Twiml", sayHello)], 21212),
        ([("To", "+15005550001"), ("From", from), ("Twiml", sayHello)], 21217),
        ([("To", "+15005550002"), ("From", from), ("Twiml", sayHello)], 21214),
        ([("To", "+15005550003"), ("From", from), ("Twiml", sayHello)], 21215),
        ([("To", "+15005550004"), ("From", from), ("Twiml", sayHello)], 21216),
        ([("To", "+14155550100"), ("From", from), ("ApplicationSid", "AP" + String(repeating: "f", count: 32))], 21218),
        ([("To", "+14155550100"), ("From", from), ("Twiml", sayHello), ("StatusCallbackEvent", "exploded")], 20001),
    ])
    func refusesABadCreateAsTwilioDoes(form: [(String, String)], code: Int) async throws {
        try await withClient { client in
            let response = try await client.createCall(form)
            #expect(response.status == 400)
            let error = try client.json(response)
            #expect(error["code"] == .integer(code))
            #expect(error["more_info"] == .string("https://www.twilio.com/docs/errors/\(code)"))
            let calls = try client.json(try await client.send(.get, client.callsPath))["calls"]?.arrayValue
            #expect(calls?.isEmpty == true)
        }
    }

    @Test func aRingingCallCanBeCanceledButNotAFinishedOne() async throws {
        try await withClient(SandboxConfiguration(lifecycleStep: .seconds(5))) { client in
            let call = try client.json(
                try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello)]))
            let sid = try #require(call["sid"]?.stringValue)
            #expect(try await client.callLog(sid, "status=ringing")["call"]?["status"] == "ringing")
            let canceled = try await client.send(.post, client.callPath(sid), form: [("Status", "canceled")])
            #expect(canceled.status == 200)
            #expect(try client.json(canceled)["status"] == "canceled")
            let again = try await client.send(.post, client.callPath(sid), form: [("Status", "canceled")])
            #expect(try client.json(again)["code"] == 21220)
            #expect(try await client.callLog(sid, "waitFor=end")["events"]?.arrayValue?.isEmpty == true)
            #expect(try client.json(try await client.send(.get, client.callPath(sid)))["status"] == "canceled")
        }
    }

    @Test func anUpdateHangsUpACallInProgressAndOnlyThenMayItBeDeleted() async throws {
        try await withClient { client in
            let twiml = "<Response><Gather timeout=\"20\"><Say>Press a key</Say></Gather><Say>Never said</Say></Response>"
            let call = try client.json(try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", twiml)]))
            let sid = try #require(call["sid"]?.stringValue)
            #expect(try await client.callLog(sid, "waitFor=gather")["gatherWaiting"] == true)
            #expect(try await client.send(.delete, client.callPath(sid)).status == 400)
            let hungUp = try await client.send(.post, client.callPath(sid), form: [("Status", "completed")])
            #expect(try client.json(hungUp)["status"] == "completed")
            let log = try await client.callLog(sid, "waitFor=end")
            #expect(log["call"]?["status"] == "completed")
            #expect(log["events"]?.arrayValue?.contains { $0["text"] == "Never said" } == false)
            #expect(try await client.send(.delete, client.callPath(sid)).status == 204)
            #expect(try await client.send(.get, client.callPath(sid)).status == 404)
        }
    }

    @Test func anUpdateRedirectsALiveCallToOtherTwiML() async throws {
        try await withClient { client in
            let call = try client.json(
                try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from), ("Twiml", "<Response><Gather timeout=\"20\"/></Response>"),
                ]))
            let sid = try #require(call["sid"]?.stringValue)
            _ = try await client.callLog(sid, "waitFor=gather")
            let redirected = try await client.send(
                .post, client.callPath(sid), form: [("Twiml", "<Response><Say>Moved on</Say></Response>")])
            #expect(redirected.status == 200)
            let log = try await client.callLog(sid, "status=completed")
            #expect(log["events"]?.arrayValue?.contains { $0["text"] == "Moved on" } == true)
        }
    }

    @Test func listsCallsNewestFirstWithFiltersAndPages() async throws {
        try await withClient { client in
            var sids: [String] = []
            for to in ["+14155550101", "+14155550102", "+14155550101"] {
                let call = try client.json(try await client.createCall([("To", to), ("From", Self.from), ("Twiml", Self.sayHello)]))
                sids.append(try #require(call["sid"]?.stringValue))
            }
            for sid in sids { _ = try await client.callLog(sid, "waitFor=end") }
            let filtered = try client.json(try await client.send(.get, client.callsPath, query: [("To", "+14155550101")]))
            #expect(filtered["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[2], sids[0]])
            let completed = try client.json(try await client.send(.get, client.callsPath, query: [("Status", "completed")]))
            #expect(completed["calls"]?.arrayValue?.count == 3)
            let busy = try client.json(try await client.send(.get, client.callsPath, query: [("Status", "busy")]))
            #expect(busy["calls"]?.arrayValue?.isEmpty == true)
            let today = String(ISO8601Timestamp.string(from: Date()).prefix(10))
            let started = try client.json(try await client.send(.get, client.callsPath, query: [("StartTime>", today)]))
            #expect(started["calls"]?.arrayValue?.count == 3)

            let first = try client.json(try await client.send(.get, client.callsPath, query: [("PageSize", "2")]))
            #expect(first["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[2], sids[1]])
            #expect(first["page_size"] == 2)
            let next = try #require(first["next_page_uri"]?.stringValue)
            let second = try client.json(try await client.send(.get, next))
            #expect(second["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[0]])
            #expect(second["next_page_uri"] == .null)
            #expect(second["page"] == 1)
        }
    }

    @Test func postsTheRequestedStatusCallbacksSigned() async throws {
        try await withTestServer(handler: { _ in .respond(status: 204) }) { receiver in
            try await withClient { client in
                let callback = receiver.baseURL + "/status?run=1"
                let call = try client.json(
                    try await client.createCall([
                        ("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello), ("StatusCallback", callback),
                        ("StatusCallbackEvent", "initiated"), ("StatusCallbackEvent", "ringing answered"),
                        ("StatusCallbackEvent", "completed"),
                    ]))
                let sid = try #require(call["sid"]?.stringValue)
                try await Self.waitForRequests(receiver, count: 4)
                let requests = receiver.requests
                let parameters = requests.map(Self.parameters)
                #expect(parameters.map { $0["CallStatus"] } == ["initiated", "ringing", "in-progress", "completed"])
                #expect(parameters.map { $0["SequenceNumber"] } == ["0", "1", "2", "3"])
                #expect(parameters.allSatisfy { $0["CallSid"] == sid && $0["CallbackSource"] == "call-progress-events" })
                #expect(parameters.allSatisfy { $0["Direction"] == "outbound-api" && $0["ApiVersion"] == "2010-04-01" })
                #expect(parameters.last?["CallDuration"] != nil)
                for (request, values) in zip(requests, parameters) {
                    let expected = Self.signature(url: callback, parameters: values, authToken: client.credentials.authToken)
                    #expect(request.header("X-Twilio-Signature") == expected)
                }
            }
        }
    }

    @Test func onlyTheCompletedCallbackByDefault() async throws {
        try await withTestServer(handler: { _ in .respond(status: 204) }) { receiver in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([
                        ("To", "+15005559020"), ("From", Self.from), ("Twiml", Self.sayHello), ("StatusCallback", receiver.baseURL + "/s"),
                    ]))
                _ = try await client.callLog(try #require(call["sid"]?.stringValue), "waitFor=end")
                try await Self.waitForRequests(receiver, count: 1)
                try await Task.sleep(for: .milliseconds(100))
                #expect(receiver.requests.map { Self.parameters($0)["CallStatus"] } == ["busy"])
            }
        }
    }

    // MARK: TwiML from a URL

    @Test func runsGatherDialAndRecordFromTheServersTwiML() async throws {
        let documents = [
            "/voice":
                "<Response><Gather numDigits=\"1\" action=\"/gathered\" timeout=\"10\"><Say>Press 1 for sales</Say></Gather></Response>",
            "/gathered":
                "<Response><Dial timeout=\"5\" action=\"/dialed\"><Number>+15005559021</Number></Dial></Response>",
            "/dialed":
                "<Response><Say>Leave a message</Say><Record maxLength=\"30\" action=\"/recorded\" recordingStatusCallback=\"/recording\"/></Response>",
            "/recorded": "<Response><Hangup/></Response>",
            "/recording": "",
        ]
        try await withTestServer(handler: Self.twimlServer(documents)) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice")]))
                let sid = try #require(call["sid"]?.stringValue)
                #expect(try await client.callLog(sid, "waitFor=gather")["gatherWaiting"] == true)
                let pressed = try await client.control(.post, "calls/\(sid)/digits", json: ["digits": "1"])
                #expect(pressed.status == 202)
                let log = try await client.callLog(sid, "status=completed")
                let events = log["events"]?.arrayValue ?? []
                #expect(events.map { $0["verb"]?.stringValue ?? "error" } == ["Say", "Gather", "Dial", "Say", "Play", "Record", "Hangup"])
                #expect(events[0]["in"] == "Gather")
                #expect(events[1]["digits"] == "1")
                #expect(events[2]["to"] == "+15005559021")
                #expect(events[2]["outcome"] == "no-answer")
                #expect(
                    log["documents"]?.arrayValue?.compactMap { $0["url"]?.stringValue }
                        == ["/voice", "/gathered", "/dialed", "/recorded"].map { server.baseURL + $0 })

                try await Self.waitForRequests(server, count: 5)
                let requests = server.requests
                let first = try #require(requests.first { $0.target == "/voice" })
                let firstParameters = Self.parameters(first)
                #expect(firstParameters["CallSid"] == sid)
                #expect(firstParameters["CallStatus"] == "in-progress")
                #expect(firstParameters["Caller"] == Self.from)
                #expect(firstParameters["Called"] == "+14155550100")
                #expect(
                    first.header("X-Twilio-Signature")
                        == Self.signature(
                            url: server.baseURL + "/voice", parameters: firstParameters, authToken: client.credentials.authToken))
                let gathered = try #require(requests.first { $0.target == "/gathered" })
                #expect(Self.parameters(gathered)["Digits"] == "1")
                let dialed = Self.parameters(try #require(requests.first { $0.target == "/dialed" }))
                #expect(dialed["DialCallStatus"] == "no-answer")
                let recorded = Self.parameters(try #require(requests.first { $0.target == "/recorded" }))
                let recordingSid = try #require(recorded["RecordingSid"])
                #expect(events[5]["recordingSid"] == .string(recordingSid))
                #expect(recorded["RecordingUrl"] == client.baseURL + client.recordingPath(recordingSid, ext: ""))
                // The recording's status callback follows the request to the Record's action, as Twilio's does.
                let actionIndex = try #require(requests.firstIndex { $0.target == "/recorded" })
                let callbackIndex = try #require(requests.firstIndex { $0.target == "/recording" })
                #expect(actionIndex < callbackIndex)
                let status = Self.parameters(requests[callbackIndex])
                #expect(status["RecordingStatus"] == "completed")
                #expect(status["RecordingSource"] == "RecordVerb")
                #expect(status["CallSid"] == sid)

                // The Dial's child call is in the list, under its parent.
                let children = try client.json(try await client.send(.get, client.callsPath, query: [("ParentCallSid", sid)]))
                #expect(children["calls"]?.arrayValue?.first?["status"] == "no-answer")
                #expect(children["calls"]?.arrayValue?.first?["direction"] == "outbound-dial")

                // The recording, its media, and its deletion.
                let recording = try client.json(try await client.send(.get, client.recordingPath(recordingSid, ext: ".json")))
                #expect(recording["call_sid"] == .string(sid))
                #expect(recording["source"] == "RecordVerb")
                #expect(recording["duration"] == "3")
                #expect(recording["media_url"] == .string(client.baseURL + client.recordingPath(recordingSid, ext: "")))
                let list = try client.json(
                    try await client.send(.get, "/2010-04-01/Accounts/\(client.credentials.accountSid)/Calls/\(sid)/Recordings.json"))
                #expect(list["recordings"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [recordingSid])
                let wav = try await client.send(.get, client.recordingPath(recordingSid, ext: ".wav"))
                #expect(wav.status == 200)
                #expect(wav.headerFields[.contentType] == "audio/x-wav")
                #expect(Array(wav.body.prefix(4)) == Array("RIFF".utf8))
                #expect(Array(wav.body.dropFirst(8).prefix(4)) == Array("WAVE".utf8))
                let wavBytes = 44 + 3 * 8000 * 2  // the header, then 3 s of 16-bit samples at 8 kHz
                #expect(wav.body.count == wavBytes)
                let mp3 = try await client.send(.get, client.recordingPath(recordingSid, ext: ".mp3"))
                #expect(mp3.headerFields[.contentType] == "audio/mpeg")
                let mp3Header: [UInt8] = [0xFF, 0xFB]
                #expect(Array(mp3.body.prefix(2)) == mp3Header)
                let unauthenticated = try await client.send(
                    .get, client.recordingPath(recordingSid, ext: ".wav"), auth: BasicAuth(username: "AC0", password: Secret("x")))
                #expect(unauthenticated.status == 401)
                #expect(try await client.send(.delete, client.recordingPath(recordingSid, ext: ".json")).status == 204)
                #expect(try await client.send(.get, client.recordingPath(recordingSid, ext: ".json")).status == 404)
                #expect(try await client.send(.get, client.recordingPath(recordingSid, ext: ".wav")).status == 404)
            }
        }
    }

    @Test func aGatherTakesSpeechAndPostsItToARelativeAction() async throws {
        let documents = [
            "/ivr/voice": "<Response><Gather input=\"speech dtmf\" action=\"said\" method=\"GET\"/></Response>",
            "/ivr/said": "<Response><Say>Connecting you to sales</Say></Response>",
        ]
        try await withTestServer(handler: Self.twimlServer(documents)) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/ivr/voice")]))
                let sid = try #require(call["sid"]?.stringValue)
                _ = try await client.callLog(sid, "waitFor=gather")
                let spoke = try await client.control(.post, "calls/\(sid)/digits", json: ["speech": "sales", "confidence": 0.75])
                #expect(spoke.status == 202)
                let log = try await client.callLog(sid, "status=completed")
                #expect(log["events"]?.arrayValue?.first?["speech"] == "sales")
                #expect(log["events"]?.arrayValue?.last?["text"] == "Connecting you to sales")
                let said = try #require(server.requests.first { $0.target.hasPrefix("/ivr/said?") })
                let query = Dictionary(
                    FormEncoding.decodeForm(String(said.target.drop { $0 != "?" }.dropFirst())) ?? [], uniquingKeysWith: { $1 })
                #expect(query["SpeechResult"] == "sales")
                #expect(query["Confidence"] == "0.75")
                #expect(
                    said.header("X-Twilio-Signature")
                        == Self.signature(url: server.baseURL + said.target, parameters: [:], authToken: client.credentials.authToken))
            }
        }
    }

    @Test func aGatherWithoutInputFallsThrough() async throws {
        try await withClient { client in
            let twiml = "<Response><Gather timeout=\"1\" action=\"http://127.0.0.1:1/never\"/><Say>No input</Say></Response>"
            let call = try client.json(try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", twiml)]))
            let sid = try #require(call["sid"]?.stringValue)
            let log = try await client.callLog(sid, "status=completed")
            #expect(log["events"]?.arrayValue?.map { $0["verb"] } == ["Gather", "Say"])
            #expect(log["events"]?.arrayValue?.first?["timedOut"] == true)
            let late = try await client.control(.post, "calls/\(sid)/digits", json: ["digits": "1"])
            #expect(late.status == 409)
        }
    }

    @Test func redirectFetchesTheNextDocument() async throws {
        let documents = ["/next": "<Response><Say>Redirected</Say></Response>"]
        try await withTestServer(handler: Self.twimlServer(documents)) { server in
            try await withClient { client in
                let twiml = "<Response><Redirect method=\"GET\">\(server.baseURL)/next</Redirect><Say>Skipped</Say></Response>"
                let call = try client.json(try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", twiml)]))
                let sid = try #require(call["sid"]?.stringValue)
                let log = try await client.callLog(sid, "status=completed")
                #expect(log["events"]?.arrayValue?.map { $0["verb"] } == ["Redirect", "Say"])
                #expect(log["events"]?.arrayValue?.last?["text"] == "Redirected")
                let request = try #require(server.requests.first)
                #expect(request.method == "GET")
                #expect(request.target.hasPrefix("/next?") && request.target.contains("CallSid=\(sid)"))
            }
        }
    }

    @Test(arguments: [
        ("<Response><Say>Unclosed</Response>", "text/xml", 12100),
        ("<Response><Dance/></Response>", "text/xml", 12200),
        ("<Response><Gather><Dial>+14155550100</Dial></Gather></Response>", "text/xml", 12200),
        ("<Response><Redirect/></Response>", "text/xml", 12200),
        ("<Response><Say>Hi</Say></Response>", "application/json", 12300),
    ])
    func badTwiMLFailsTheCallWithItsErrorCode(document: String, contentType: String, code: Int) async throws {
        try await withTestServer(handler: Self.twimlServer(["/voice": document], contentType: contentType)) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice")]))
                let log = try await client.callLog(try #require(call["sid"]?.stringValue), "waitFor=end")
                #expect(log["call"]?["status"] == "failed")
                #expect(log["events"]?.arrayValue?.last?["error"] == .integer(code))
                #expect(log["documents"]?.arrayValue?.first?["twiml"] == .string(document))
            }
        }
    }

    @Test func anUnreachableTwiMLURLFailsTheCallWith11200() async throws {
        try await withTestServer(handler: { _ in .respond(status: 500) }) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice")]))
                let log = try await client.callLog(try #require(call["sid"]?.stringValue), "waitFor=end")
                #expect(log["call"]?["status"] == "failed")
                #expect(log["events"]?.arrayValue?.last?["error"] == 11200)
            }
        }
    }

    @Test func aRecordWithoutActionLoopsUntilTheSandboxStopsIt() async throws {
        try await withTestServer(handler: Self.twimlServer(["/voice": "<Response><Record playBeep=\"false\"/></Response>"])) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice")]))
                let log = try await client.callLog(try #require(call["sid"]?.stringValue), "waitFor=end&timeout=20")
                #expect(log["call"]?["status"] == "failed")
                #expect(log["events"]?.arrayValue?.last?["error"] == 12400)
                #expect(log["documents"]?.arrayValue?.count == 25)
            }
        }
    }

    @Test func recordTrueRecordsTheWholeCall() async throws {
        try await withTestServer(handler: { _ in .respond(status: 204) }) { receiver in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([
                        ("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello), ("Record", "true"),
                        ("RecordingStatusCallback", receiver.baseURL + "/recording"),
                    ]))
                let sid = try #require(call["sid"]?.stringValue)
                _ = try await client.callLog(sid, "status=completed")
                let list = try client.json(try await client.send(.get, client.recordingsPath, query: [("CallSid", sid)]))
                let recording = try #require(list["recordings"]?.arrayValue?.first)
                #expect(recording["source"] == "OutboundAPI")
                try await Self.waitForRequests(receiver, count: 1)
                #expect(receiver.requests.first.map(Self.parameters)?["RecordingSource"] == "OutboundAPI")
            }
        }
    }

    @Test func anApplicationSidFetchesTheApplicationsVoiceURL() async throws {
        try await withTestServer(handler: Self.twimlServer(["/app": Self.sayHello])) { server in
            try await withClient { client in
                let application = try client.json(
                    try await client.control(.post, "application", json: ["voiceUrl": .string(server.baseURL + "/app")]))
                let applicationSid = try #require(application["sid"]?.stringValue)
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("ApplicationSid", applicationSid)]))
                let log = try await client.callLog(try #require(call["sid"]?.stringValue), "status=completed")
                #expect(log["events"]?.arrayValue?.first?["text"] == "Hello there")
                #expect(server.requests.map(\.target) == ["/app"])
            }
        }
    }

    // MARK: Inbound calls

    @Test func anInboundCallPostsTheIncomingCallWebhookAndRunsItsAnswer() async throws {
        try await withTestServer(handler: Self.twimlServer(["/incoming": "<Response><Say>Welcome</Say><Hangup/></Response>"])) { server in
            try await withClient { client in
                let started = try await client.control(
                    .post, "calls/inbound",
                    json: ["from": "+14155550199", "to": .string(Self.from), "url": .string(server.baseURL + "/incoming")])
                #expect(started.status == 200)
                let call = try client.json(started)["call"]
                #expect(call?["direction"] == "inbound")
                #expect(call?["status"] == "ringing")
                let sid = try #require(call?["sid"]?.stringValue)
                let log = try await client.callLog(sid, "status=completed")
                #expect(log["events"]?.arrayValue?.map { $0["verb"] } == ["Say", "Hangup"])
                #expect(log["call"]?["start_time"] != .null)
                let request = try #require(server.requests.first)
                let parameters = Self.parameters(request)
                #expect(parameters["CallStatus"] == "ringing")
                #expect(parameters["Direction"] == "inbound")
                #expect(parameters["From"] == "+14155550199")
                #expect(parameters["To"] == Self.from)
                #expect(
                    request.header("X-Twilio-Signature")
                        == Self.signature(
                            url: server.baseURL + "/incoming", parameters: parameters, authToken: client.credentials.authToken))
                let listed = try client.json(try await client.control(.get, "calls"))["calls"]?.arrayValue
                #expect(listed?.first?["sid"] == .string(sid))
            }
        }
    }

    @Test func rejectEndsAnInboundCallWithoutAnsweringIt() async throws {
        try await withTestServer(handler: Self.twimlServer(["/incoming": "<Response><Reject reason=\"busy\"/></Response>"])) { server in
            try await withClient { client in
                let started = try client.json(
                    try await client.control(
                        .post, "calls/inbound",
                        json: ["from": "+14155550199", "to": .string(Self.from), "url": .string(server.baseURL + "/incoming")]))
                let sid = try #require(started["call"]?["sid"]?.stringValue)
                let log = try await client.callLog(sid, "waitFor=end")
                #expect(log["call"]?["status"] == "busy")
                #expect(log["call"]?["start_time"] == .null)
                #expect(log["events"]?.arrayValue?.map { $0["verb"] } == ["Reject"])
            }
        }
    }

    // MARK: Faults, reset

    @Test func aCreateDroppedAfterProcessingStillMakesTheCall() async throws {
        try await withClient { client in
            let fault = try await client.control(
                .post, "faults", json: ["route": "calls.create", "fault": ["type": "dropAfterProcessing"]])
            #expect(fault.status == 201)
            await #expect(throws: (any Error).self) {
                _ = try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello)])
            }
            let calls = try client.json(try await client.send(.get, client.callsPath))["calls"]?.arrayValue
            #expect(calls?.count == 1)
            #expect(try await client.control(.post, "reset").status == 204)
            #expect(try client.json(try await client.send(.get, client.callsPath))["calls"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func callsAndRecordingsSurviveARestartAndARunningCallEndsFailed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("state.json").path
        let sids = try await withClient(SandboxConfiguration(stateFile: file, lifecycleStep: .zero)) { client in
            let done = try client.json(
                try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from), ("Twiml", Self.sayHello), ("Record", "true"),
                ]))
            let doneSid = try #require(done["sid"]?.stringValue)
            _ = try await client.callLog(doneSid, "status=completed")
            let waiting = try client.json(
                try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from), ("Twiml", "<Response><Gather timeout=\"30\"/></Response>"),
                ]))
            let waitingSid = try #require(waiting["sid"]?.stringValue)
            _ = try await client.callLog(waitingSid, "waitFor=gather")
            return (doneSid, waitingSid)
        }
        try await withClient(SandboxConfiguration(stateFile: file, lifecycleStep: .zero)) { client in
            #expect(try client.json(try await client.send(.get, client.callPath(sids.0)))["status"] == "completed")
            #expect(try client.json(try await client.send(.get, client.callPath(sids.1)))["status"] == "failed")
            let recordings = try client.json(try await client.send(.get, client.recordingsPath))["recordings"]?.arrayValue
            #expect(recordings?.first?["call_sid"] == .string(sids.0))
        }
    }

    // MARK: Review fixes

    @Test func aCallCanceledWhileItsFirstDocumentIsFetchedIsNeitherAnsweredNorRun() async throws {
        let handler: @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action = { request in
            guard request.target.hasPrefix("/incoming") else { return .respond(status: 204) }
            let document = Data("<Response><Say>Too late</Say></Response>".utf8)
            return .delay(.seconds(1), then: .respond(status: 200, headers: [("Content-Type", "text/xml")], body: document))
        }
        try await withTestServer(handler: handler) { server in
            try await withClient { client in
                let started = try client.json(
                    try await client.control(
                        .post, "calls/inbound",
                        json: [
                            "from": "+14155550199", "to": .string(Self.from), "url": .string(server.baseURL + "/incoming"),
                            "statusCallback": .string(server.baseURL + "/status"), "statusCallbackEvents": ["answered", "completed"],
                        ]))
                let sid = try #require(started["call"]?["sid"]?.stringValue)
                try await Self.waitForRequests(server, count: 1)
                let canceled = try await client.send(.post, client.callPath(sid), form: [("Status", "canceled")])
                #expect(canceled.status == 200)
                let log = try await client.callLog(sid, "waitFor=end")
                #expect(log["call"]?["status"] == "canceled")
                #expect(log["call"]?["start_time"] == .null)
                #expect(log["events"]?.arrayValue?.isEmpty == true)
                try await Self.waitForRequests(server, count: 2)
                try await Task.sleep(for: .milliseconds(300))
                let statuses = server.requests.filter { $0.target.hasPrefix("/status") }.map { Self.parameters($0)["CallStatus"] }
                #expect(statuses == ["canceled"])
            }
        }
    }

    @Test func resetStopsRunningCallsSoTheyLeaveNothingInTheFreshStore() async throws {
        try await withClient(SandboxConfiguration(lifecycleStep: .seconds(1))) { client in
            let call = try client.json(
                try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from),
                    ("Twiml", "<Response><Record maxLength=\"3\" playBeep=\"false\"/></Response>"),
                ]))
            let sid = try #require(call["sid"]?.stringValue)
            #expect(try await client.callLog(sid, "status=in-progress")["call"]?["status"] == "in-progress")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.control(.post, "reset").status == 204)
            try await Task.sleep(for: .seconds(4))
            #expect(try client.json(try await client.send(.get, client.recordingsPath))["recordings"]?.arrayValue?.isEmpty == true)
            #expect(try client.json(try await client.send(.get, client.callsPath))["calls"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func resetStopsRecordingCallbacksStillHeldOrInFlight() async throws {
        let documents = [
            "/voice": "<Response><Record action=\"/after\" recordingStatusCallback=\"/recorded\" playBeep=\"false\"/></Response>",
            "/after": "<Response><Gather timeout=\"20\"/></Response>",
        ]
        let twiml = Self.twimlServer(documents)
        let handler: @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action = { request in
            request.target.hasPrefix("/recorded") ? .delay(.seconds(2), then: .respond(status: 204)) : twiml(request)
        }
        try await withTestServer(handler: handler) { server in
            try await withClient { client in
                let call = try client.json(
                    try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice")]))
                _ = try await client.callLog(try #require(call["sid"]?.stringValue), "waitFor=gather")
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.control(.post, "reset").status == 204)
                try await Task.sleep(for: .seconds(3))
                let deliveries = try client.json(try await client.control(.get, "webhooks"))["deliveries"]?.arrayValue
                #expect(deliveries?.isEmpty == true)
            }
        }
    }

    @Test func movingTheClockDoesNotStretchARecordedCall() async throws {
        try await withClient { client in
            let call = try client.json(
                try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from), ("Record", "true"),
                    ("Twiml", "<Response><Gather timeout=\"20\"/></Response>"),
                ]))
            let sid = try #require(call["sid"]?.stringValue)
            _ = try await client.callLog(sid, "waitFor=gather")
            let year = 366 * 86_400_000
            #expect(try await client.control(.post, "clock", json: ["offsetMilliseconds": .integer(year)]).status == 200)
            #expect(try await client.send(.post, client.callPath(sid), form: [("Status", "completed")]).status == 200)
            let log = try await client.callLog(sid, "waitFor=end")
            let duration = try #require(Int(log["call"]?["duration"]?.stringValue ?? ""))
            #expect((1...10).contains(duration))
            let list = try client.json(try await client.send(.get, client.recordingsPath, query: [("CallSid", sid)]))
            let recording = try #require(list["recordings"]?.arrayValue?.first)
            let recorded = try #require(Int(recording["duration"]?.stringValue ?? ""))
            #expect((1...10).contains(recorded))
            guard recorded <= 10 else { return }  // a stretched recording would be generated in memory
            let media = try await client.send(.get, client.recordingPath(try #require(recording["sid"]?.stringValue), ext: ".wav"))
            #expect(media.status == 200)
            #expect(media.body.count == 44 + recorded * 16_000)
        }
    }

    @Test func recordingMediaIsAStandInOfAtMostAMinute() {
        #expect(RecordingMedia.wav(seconds: 2).count == 44 + 2 * 16_000)
        #expect(RecordingMedia.wav(seconds: 4 * 3600).count == 44 + 60 * 16_000)
        #expect(RecordingMedia.mp3(seconds: 4 * 3600).count == RecordingMedia.mp3(seconds: 60).count)
    }

    @Test func aPageTokenSurvivesTheDeletionOfTheItemItNames() async throws {
        try await withClient { client in
            var sids: [String] = []
            for _ in 0..<4 {
                let call = try client.json(
                    try await client.createCall([("To", "+14155550101"), ("From", Self.from), ("Twiml", Self.sayHello)]))
                sids.append(try #require(call["sid"]?.stringValue))
            }
            for sid in sids { _ = try await client.callLog(sid, "waitFor=end") }
            let first = try client.json(try await client.send(.get, client.callsPath, query: [("PageSize", "2")]))
            #expect(first["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[3], sids[2]])
            let next = try #require(first["next_page_uri"]?.stringValue)
            #expect(try await client.send(.delete, client.callPath(sids[2])).status == 204)
            let secondResponse = try await client.send(.get, next)
            #expect(secondResponse.status == 200)
            let second = try client.json(secondResponse)
            #expect(second["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[1], sids[0]])
            #expect(second["next_page_uri"] == .null)
            let previous = try #require(second["previous_page_uri"]?.stringValue)
            let back = try client.json(try await client.send(.get, previous))
            #expect(back["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[3]])
        }
    }

    @Test func aCreateWithUrlAndTwimlFetchesTheUrlAndIgnoresTheTwiml() async throws {
        try await withTestServer(handler: Self.twimlServer(["/voice": Self.sayHello])) { server in
            try await withClient { client in
                let response = try await client.createCall([
                    ("To", "+14155550100"), ("From", Self.from), ("Url", server.baseURL + "/voice"),
                    ("Twiml", "<Response><Say>Ignored</Say></Response>"),
                ])
                #expect(response.status == 201)
                let log = try await client.callLog(try #require(try client.json(response)["sid"]?.stringValue), "status=completed")
                #expect(log["events"]?.arrayValue?.map { $0["text"] } == ["Hello there"])
                #expect(server.requests.map(\.target) == ["/voice"])
            }
        }
    }

    @Test func theTwimlLimitCountsCharactersNotBytes() async throws {
        try await withClient { client in
            let frame = "<Response><Say></Say></Response>"
            let fits = "<Response><Say>" + String(repeating: "é", count: 4000 - frame.count) + "</Say></Response>"
            #expect(fits.count == 4000 && fits.utf8.count > 4000)
            let accepted = try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", fits)])
            #expect(accepted.status == 201)
            let tooLong = try await client.createCall([("To", "+14155550100"), ("From", Self.from), ("Twiml", fits + " ")])
            #expect(tooLong.status == 400)
            #expect(try client.json(tooLong)["message"]?.stringValue?.contains("4000 characters") == true)
        }
    }

    @Test(arguments: [("Client:Bob", "client:Bob"), ("SIP:alice@example.com", "sip:alice@example.com"), ("client:carol", "client:carol")])
    func clientAndSipSchemesAreTakenInAnyCaseAndStoredLowercased(to: String, stored: String) async throws {
        try await withClient { client in
            let response = try await client.createCall([("To", to), ("From", "Client:Alice"), ("Twiml", Self.sayHello)])
            #expect(response.status == 201)
            let call = try client.json(response)
            #expect(call["to"] == .string(stored))
            #expect(call["from"] == "client:Alice")
            let listed = try client.json(try await client.send(.get, client.callsPath, query: [("To", to)]))
            #expect(listed["calls"]?.arrayValue?.count == 1)
        }
    }

    @Test func aRequestForACallThatNoLongerRunsIsNotKept() {
        let controls = CallControls()
        controls.ask(.hangUp, call: "CA1")
        #expect(!controls.hasRequest(call: "CA1"))
        controls.started(call: "CA2")
        controls.ask(.hangUp, call: "CA2")
        #expect(controls.hasRequest(call: "CA2"))
        controls.finished(call: "CA2")
        controls.ask(.cancel, call: "CA2")
        #expect(!controls.hasRequest(call: "CA2"))
    }
}

extension SandboxTestClient {
    var callsPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)/Calls.json" }

    func callPath(_ sid: String) -> String { "/2010-04-01/Accounts/\(credentials.accountSid)/Calls/\(sid).json" }

    var recordingsPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)/Recordings.json" }

    func recordingPath(_ sid: String, ext: String) -> String { "/2010-04-01/Accounts/\(credentials.accountSid)/Recordings/\(sid)\(ext)" }

    func createCall(_ form: [(String, String)]) async throws -> HTTPClientResponse {
        try await send(.post, callsPath, form: form)
    }

    /// `GET /__sandbox/calls/{sid}?query`: the call, its events and documents, once it reached what the query waits for.
    func callLog(_ sid: String, _ query: String) async throws -> JSONValue {
        let response = try await control(.get, "calls/\(sid)?\(query)")
        return try json(response)
    }
}
