import ComponentCore
import ComponentRuntime
import Foundation
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// `pollMessages` across consecutive polls against the sandbox, and the `selectMessage` picklist.
@Suite(.timingInsensitive) struct PollingAndPicklistTests {
    /// Sends one message through the sandbox's API, returning its SID.
    static func send(_ harness: Harness, body: String, to: String = "+14155550100") async throws -> String {
        let output = await harness.run(["sendSMS"] + Harness.inputs(["to": to, "from": "+15005550006", "body": body]))
        return try #require(output.data["sid"]?.stringValue, "\(output.stdout)\(output.stderr)")
    }

    /// Polls with `state` after a JSON round trip (as an engine stores it), returning the SIDs and the new state.
    static func poll(_ invoker: ComponentInvoker, _ harness: Harness, state: JSONValue?, inputs: JSONObject = [:]) async throws -> (
        sids: [String], messages: [JSONValue], state: JSONValue
    ) {
        let stored = try state.map { try JSONParser.parse(JSONWriter.string(from: $0)) }
        #expect(stored == state, "the state survives being stored as JSON")
        let result = await invoker.run(
            "pollMessages", inputs: inputs, connection: ComponentInvoker.authToken(harness.credentials.authToken), state: stored)
        let payload = try #require(result.envelope["payload"], "\(result.envelope)")
        let messages = payload["body"]?["data"]?["messages"]?.arrayValue ?? []
        #expect(payload["body"]?["data"]?["count"]?.intValue == messages.count)
        return (messages.compactMap { $0["sid"]?.stringValue }, messages, try #require(result.envelope["state"]))
    }

    /// Waits until the wall clock is just past a whole second, so the next few steps share one.
    static func alignToSecond() async throws {
        let fraction = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
        try await Task.sleep(for: .milliseconds(Int((1 - fraction) * 1000) + 20))
    }

    /// 250 messages created between three consecutive polls, with a poll falling inside a second
    /// that messages on both sides of it share: each is returned exactly once, oldest first.
    @Test func threePollsReturnEveryMessageOnceInOrder() async throws {
        try await withHarness { harness in
            let invoker = try ComponentInvoker(harness)
            _ = try await Self.send(harness, body: "before the first poll")
            let first = try await Self.poll(invoker, harness, state: nil)
            #expect(first.sids.isEmpty, "a first run starts from now")

            var created: [String] = []
            var returned: [String] = []
            var state = first.state
            var sharedBoundaries = 0
            for (batch, count) in [100, 80, 70].enumerated() {
                // The last messages of a batch, the poll, and the first of the next share a second.
                for index in 0..<count {
                    if index == count - 5 { try await Self.alignToSecond() }
                    created.append(try await Self.send(harness, body: "batch \(batch) message \(index)"))
                }
                let cursor = state["since"]?.stringValue
                let polled = try await Self.poll(invoker, harness, state: state)
                returned += polled.sids
                // A message sent in the second the previous poll's cursor stopped at came back now.
                let afterPoll = polled.messages.first { $0["body"]?.stringValue?.hasPrefix("right after poll") == true }
                if let sent = afterPoll?["dateSent"]?.stringValue, let cursor, sent == cursor.replacingOccurrences(of: "Z", with: ".000Z") {
                    sharedBoundaries += 1
                }
                state = polled.state
                if batch < 2 { created.append(try await Self.send(harness, body: "right after poll \(batch)")) }
            }
            let last = try await Self.poll(invoker, harness, state: state)
            returned += last.sids

            #expect(created.count == 252)
            #expect(returned.count == created.count)
            #expect(Set(returned).count == returned.count, "no message is returned twice")
            #expect(returned == created, "every message once, oldest first")
            #expect(sharedBoundaries >= 1, "at least one poll fell inside a second shared with the messages around it")

            let quiet = try await Self.poll(invoker, harness, state: last.state)
            #expect(quiet.sids.isEmpty)
            #expect(quiet.state == last.state)
        }
    }

    /// A message still queued at one poll (no send date yet) is returned by the next, once sent.
    @Test(.timingSensitive) func aMessageQueuedDuringAPollIsReturnedOnceSent() async throws {
        try await withHarness(lifecycleStep: .milliseconds(400)) { harness in
            let invoker = try ComponentInvoker(harness)
            let start = try await Self.poll(invoker, harness, state: nil)
            let sid = try await Self.send(harness, body: "slow one")
            let early = try await Self.poll(invoker, harness, state: start.state)
            #expect(early.sids.isEmpty, "queued: not sent yet")
            try await Task.sleep(for: .milliseconds(1300))
            let later = try await Self.poll(invoker, harness, state: early.state)
            #expect(later.sids == [sid])
            #expect(later.messages.first?["dateSent"]?.stringValue != nil)
            let again = try await Self.poll(invoker, harness, state: later.state)
            #expect(again.sids.isEmpty)
        }
    }

    @Test func filtersByToAndFrom() async throws {
        try await withHarness { harness in
            let invoker = try ComponentInvoker(harness)
            let start = try await Self.poll(invoker, harness, state: nil)
            let wanted = try await Self.send(harness, body: "for Alice", to: "+14155550100")
            _ = try await Self.send(harness, body: "for Bob", to: "+14155550199")
            let polled = try await Self.poll(invoker, harness, state: start.state, inputs: ["to": "(415) 555-0100"])
            #expect(polled.sids == [wanted])
        }
    }

    static let foreignStates: [(JSONValue, String)] = [
        (.string("yesterday"), "not an object"),
        (["since": "last tuesday"], "'since' is not a timestamp"),
        (["since": "2026-11-29T10:00:00Z", "seenAtSince": "SM1"], "not a list"),
        (["since": "2026-11-29T10:00:00Z", "seenAtSince": [1]], "other than message SIDs"),
    ]

    @Test(arguments: foreignStates)
    func refusesAStateItDidNotWrite(state: JSONValue, reason: String) async throws {
        let invoker = try ComponentInvoker(baseURL: "http://127.0.0.1:9")
        let result = await invoker.run("pollMessages", connection: ComponentInvoker.authToken("x"), state: state)
        #expect(result.envelope["error"]?["code"] == "invalid_state")
        #expect(result.envelope["error"]?["message"]?.stringValue?.contains(reason) == true, "\(result.envelope)")
        #expect(result.exitCode == 2)
    }

    /// `run-action pollMessages --state FILE` keeps the cursor in the file between runs.
    @Test func runActionKeepsTheStateInTheFile() async throws {
        try await withHarness { harness in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("poll-state-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let first = await harness.run(["pollMessages", "--state", file])
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(first.envelope["payload"]?["body"]?["data"]?["count"] == 0)
            let written = try JSONParser.parse(try String(contentsOfFile: file, encoding: .utf8))
            #expect(written == first.envelope["state"])
            let sid = try await Self.send(harness, body: "hello file")
            let second = await harness.run(["pollMessages", "--state", file])
            #expect(second.envelope["payload"]?["body"]?["data"]?["messages"]?.arrayValue?.first?["sid"]?.stringValue == sid)
            let third = await harness.run(["pollMessages", "--state", file])
            #expect(third.envelope["payload"]?["body"]?["data"]?["count"] == 0)
            let misuse = await harness.run(["getSMS", "--state", file, "--input", "messageSid=\(sid)"])
            #expect(misuse.exitCode == 64)
        }
    }

    // MARK: selectMessage

    @Test func picklistOfRecentMessages() async throws {
        try await withHarness { harness in
            let long = try await Self.send(
                harness, body: "This is a rather long message whose body goes on well past what a dropdown shows")
            let short = try await Self.send(harness, body: "Short one", to: "+14155550199")
            let output = await harness.run(["selectMessage", "--input", "limit=2"])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let result = try #require(output.envelope["result"]?.arrayValue)
            #expect(result.map { $0["key"]?.stringValue } == [short, long])
            let shortLabel = try #require(result[0]["label"]?.stringValue)
            #expect(shortLabel.hasSuffix(" → +14155550199: Short one"))
            #expect(shortLabel.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} → "#, options: .regularExpression) != nil)
            #expect(result[1]["label"]?.stringValue?.hasSuffix(": This is a rather long message whose body…") == true)

            let filtered = await harness.run(["selectMessage", "--input", "to=+14155550199"])
            #expect(filtered.envelope["result"]?.arrayValue?.map { $0["key"]?.stringValue } == [short])
            let tooMany = await harness.run(["selectMessage", "--input", "limit=5000"])
            #expect(tooMany.exitCode == 2)
            #expect(tooMany.error["input"] == "limit")
        }
    }

    @Test func previewsCutAtWords() {
        #expect(SelectMessage.preview("") == "(no text)")
        #expect(SelectMessage.preview("  two\nlines  ") == "two lines")
        #expect(SelectMessage.preview(String(repeating: "x", count: 50)) == String(repeating: "x", count: 40) + "…")
    }
}
