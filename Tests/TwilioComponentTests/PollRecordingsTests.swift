import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// `pollRecordings`: new recordings since the cursor, each once, oldest first, a recording still
/// being made held back until it is ready; against pages a test server serves, and the sandbox.
@Suite(.timingInsensitive) struct PollRecordingsTests {
    static let callSid = "CA" + String(repeating: "c", count: 32)
    static let account = "AC" + String(repeating: "a", count: 32)
    static let start = "2026-11-29T10:00:00Z"

    /// Twilio's recording JSON, created `second` seconds after ``start``.
    static func recording(_ letter: Character, second: Int, status: String = "completed") -> JSONValue {
        let sid = "RE" + String(repeating: letter, count: 32)
        let date = Date(timeIntervalSince1970: 1_795_946_400 + Double(second))  // 2026-11-29T10:00:00Z
        return [
            "sid": .string(sid), "account_sid": .string(account), "call_sid": .string(callSid), "status": .string(status),
            "date_created": .string(Self.rfc2822(date)), "duration": "4", "source": "RecordVerb",
            "uri": .string("/2010-04-01/Accounts/\(account)/Recordings/\(sid).json"),
        ]
    }

    /// Twilio's date form: `Sun, 29 Nov 2026 10:00:00 +0000`.
    static func rfc2822(_ date: Date) -> String {
        HTTPDate.string(from: date).replacingOccurrences(of: " GMT", with: " +0000")
    }

    static func sid(_ letter: Character) -> String { "RE" + String(repeating: letter, count: 32) }

    /// A page of `recordings`, pointing at `next` when given.
    static func page(_ recordings: [JSONValue], next: String?) -> TestHTTPServer.Action {
        .json(200, JSONWriter.string(from: ["recordings": .array(recordings), "next_page_uri": next.map(JSONValue.string) ?? .null]))
    }

    static func poll(_ invoker: ComponentInvoker, state: JSONValue?, inputs: JSONObject = [:]) async throws -> (
        sids: [String], state: JSONValue
    ) {
        let result = await invoker.run("pollRecordings", inputs: inputs, connection: ComponentInvoker.authToken("token"), state: state)
        let data = try #require(result.envelope["payload"]?["body"]?["data"], "\(result.envelope)")
        let recordings = data["recordings"]?.arrayValue ?? []
        #expect(data["count"]?.intValue == recordings.count)
        return (recordings.compactMap { $0["sid"]?.stringValue }, try #require(result.envelope["state"]))
    }

    /// Three polls over pages that change between them: a recording still processing holds the
    /// cursor back and is returned once ready; none is returned twice; pages are followed.
    @Test func eachRecordingOnceOldestFirstWaitingForOnesBeingMade() async throws {
        let stage = Mutex(0)
        let page2 = "/2010-04-01/Accounts/\(Self.account)/Recordings.json?PageSize=1000&Page=1"
        try await withTestServer(handler: { request in
            let current = stage.withLock { $0 }
            if request.target.hasPrefix(page2) {
                return Self.page([Self.recording("b", second: 0), Self.recording("a", second: 0)], next: nil)
            }
            switch current {
            case 0:
                return Self.page(
                    [Self.recording("e", second: 5), Self.recording("d", second: 3, status: "processing"), Self.recording("c", second: 2)],
                    next: page2)
            default:
                // A listing filtered on or after the cursor's second, now with d ready and f new.
                return Self.page(
                    [Self.recording("f", second: 5), Self.recording("e", second: 5), Self.recording("d", second: 3)], next: nil)
            }
        }) { server in
            let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:\(server.port)")
            let state: JSONValue = ["since": .string(Self.start), "seenAtSince": [.string(Self.sid("a"))]]
            let first = try await Self.poll(invoker, state: state, inputs: ["callSid": .string(Self.callSid)])
            #expect(first.sids == [Self.sid("b"), Self.sid("c"), Self.sid("e")], "a seen already, d still processing")
            #expect(first.state == ["since": "2026-11-29T10:00:03Z", "seenAtSince": [.string(Self.sid("e"))]])

            stage.withLock { $0 = 1 }
            let second = try await Self.poll(invoker, state: first.state, inputs: ["callSid": .string(Self.callSid)])
            #expect(second.sids == [Self.sid("d"), Self.sid("f")])
            #expect(second.state == ["since": "2026-11-29T10:00:05Z", "seenAtSince": [.string(Self.sid("e")), .string(Self.sid("f"))]])

            let third = try await Self.poll(invoker, state: second.state)
            #expect(third.sids.isEmpty)
            #expect(third.state == second.state)

            let requests = server.requests
            try #require(requests.count == 4, "two pages, then one, then one")
            let query = FormEncoding.decodeForm(String(requests[0].target.split(separator: "?", maxSplits: 1)[1])) ?? []
            #expect(query.contains { $0 == ("DateCreated>", Self.start) }, "\(query)")
            #expect(query.contains { $0 == ("CallSid", Self.callSid) }, "\(query)")
            #expect(requests[0].target.hasPrefix("/2010-04-01/Accounts/\(Self.account)/Recordings.json?"))
            #expect(requests[1].target == page2)
            #expect(requests[3].target.contains("CallSid") == false)
        }
    }

    /// A stopped recording has no media yet (Twilio processes it next): it is held back, and the
    /// cursor with it, like one in progress.
    @Test func aStoppedRecordingIsReturnedOnceCompleted() async throws {
        let stage = Mutex("stopped")
        try await withTestServer(handler: { _ in
            Self.page(
                [
                    Self.recording("c", second: 4), Self.recording("b", second: 2, status: stage.withLock { $0 }),
                    Self.recording("a", second: 1),
                ],
                next: nil)
        }) { server in
            let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:\(server.port)")
            let first = try await Self.poll(invoker, state: ["since": .string(Self.start)])
            #expect(first.sids == [Self.sid("a"), Self.sid("c")], "b is stopped, not ready")
            #expect(first.state == ["since": "2026-11-29T10:00:02Z", "seenAtSince": [.string(Self.sid("c"))]])
            stage.withLock { $0 = "completed" }
            let second = try await Self.poll(invoker, state: first.state)
            #expect(second.sids == [Self.sid("b")])
            #expect(second.state == ["since": "2026-11-29T10:00:04Z", "seenAtSince": [.string(Self.sid("c"))]])
        }
    }

    @Test func aFirstRunStartsFromNow() async throws {
        try await withTestServer(handler: { _ in Self.page([Self.recording("a", second: 0)], next: nil) }) { server in
            let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:\(server.port)")
            let first = try await Self.poll(invoker, state: nil)
            #expect(first.sids.isEmpty)
            let since = try #require(first.state["since"]?.stringValue.flatMap(ISO8601Timestamp.date(from:)))
            #expect(abs(since.timeIntervalSinceNow) < 60)
        }
    }

    static let foreignStates: [(JSONValue, String)] = [
        (.string("yesterday"), "not an object"),
        (["since": "last tuesday"], "'since' is not a timestamp"),
        (["since": "2026-11-29T10:00:00Z", "seenAtSince": [1]], "other than recording SIDs"),
    ]

    @Test(arguments: foreignStates)
    func refusesAStateItDidNotWrite(state: JSONValue, reason: String) async throws {
        let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:9")
        let result = await invoker.run("pollRecordings", connection: ComponentInvoker.authToken("x"), state: state)
        #expect(result.envelope["error"]?["code"] == "invalid_state")
        let message = result.envelope["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains(reason) && message.contains("'pollRecordings'"), "\(result.envelope)")
    }

    @Test func aCallSidMustLookLikeOne() async throws {
        let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:9")
        let result = await invoker.run("pollRecordings", inputs: ["callSid": "SM123"], connection: ComponentInvoker.authToken("x"))
        #expect(result.envelope["error"]?["input"] == "callSid", "\(result.envelope)")
    }

    /// Against the sandbox: calls that record, made between polls; each recording once.
    @Test func theSandboxsRecordingsOnce() async throws {
        try await withHarness { harness in
            let invoker = try ComponentInvoker(harness)
            let connection = ComponentInvoker.authToken(harness.credentials.authToken)
            let start = await invoker.run("pollRecordings", connection: connection)
            let startState = try #require(start.envelope["state"], "\(start.envelope)")
            var calls: [String] = []
            for _ in 0..<2 {
                let response = try await harness.controlClient.send(
                    HTTPClientRequest(
                        method: .post, url: harness.baseURL + "/2010-04-01/Accounts/\(harness.credentials.accountSid)/Calls.json",
                        body: .form([
                            ("To", "+14155550100"), ("From", "+15005550006"),
                            ("Twiml", #"<Response><Say>Leave a message</Say><Record maxLength="2"/><Hangup/></Response>"#),
                        ]),
                        auth: BasicAuth(username: harness.credentials.accountSid, password: Secret(harness.credentials.authToken))))
                calls.append(try #require(JSONParser.parse(response.body)["sid"]?.stringValue))
            }
            // Wait for both calls to end (their recordings made).
            for call in calls {
                _ = try await harness.controlClient.send(
                    HTTPClientRequest(method: .get, url: harness.baseURL + "/__sandbox/calls/\(call)?waitFor=end&timeout=15"))
            }
            let first = await invoker.run("pollRecordings", connection: connection, state: startState)
            let recordings = first.envelope["payload"]?["body"]?["data"]?["recordings"]?.arrayValue ?? []
            #expect(Set(recordings.compactMap { $0["callSid"]?.stringValue }) == Set(calls), "\(first.envelope)")
            #expect(recordings.count == 2)
            let again = await invoker.run("pollRecordings", connection: connection, state: first.envelope["state"])
            #expect(again.envelope["payload"]?["body"]?["data"]?["count"] == 0, "\(again.envelope)")
            let one = await invoker.run(
                "pollRecordings", inputs: ["callSid": .string(calls[1])], connection: connection, state: startState)
            #expect(one.envelope["payload"]?["body"]?["data"]?["recordings"]?.arrayValue?.map { $0["callSid"] } == [.string(calls[1])])
        }
    }
}
