import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// `context.deadline` and `context.serverDate` through `twilio-component serve` (and the one-shot
/// subcommands) against the sandbox: what reaches it, when each request ends, and what it says.
@Suite(.timingSensitive) struct DeadlineTests {
    static let sendInputs: JSONValue = ["from": "+15005550006", "to": "+14155550100", "body": "Deadline"]

    /// A `serve` child asked one request at a time.
    struct Serve {
        let process: ChildProcess
        var answers: AsyncStream<String>.Iterator

        init(_ tool: EngineTool) async throws {
            process = try await ChildProcess(EngineTool.path, ["serve"], environment: tool.environment)
            answers = process.lines.makeAsyncIterator()
            // Warm up with a dry run, which makes no request: the deadlines below then measure
            // the request, not the start of a debug build.
            let warm = try await ask([
                "id": "warm", "action": "sendSMS", "inputs": ["dryRun": true, "to": "+14155550100", "body": "x", "from": "+15005550006"],
                "connection": tool.authToken,
            ])
            precondition(warm["data"]?["dryRun"] == true, "\(warm)")
        }

        /// The answer line to `request`, parsed, with its keys in order.
        mutating func answerLine(_ request: JSONValue) async throws -> String {
            try process.write(JSONWriter.string(from: request) + "\n")
            return try #require(await answers.next())
        }

        mutating func ask(_ request: JSONValue) async throws -> JSONValue {
            try JSONParser.parse(try await answerLine(request))
        }

        func finish() async throws -> Int32 {
            try process.closeInput()
            return await process.wait().exitCode
        }
    }

    /// Unix epoch milliseconds `offset` from now.
    static func epochMilliseconds(_ offset: Int) -> JSONValue {
        .integer(Int((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset)
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// How many HTTP requests have reached the sandbox, all versions.
    func requestsSeen(_ tool: EngineTool) async throws -> Int {
        try await tool.traffic()["requests"]?.objectValue?.pairs.compactMap(\.value.intValue).reduce(0, +) ?? 0
    }

    @Test func aRequestPastItsDeadlineAnswersDeadlineExceededAndSendsNothing() async throws {
        try await withEngineTool { tool in
            var serve = try await Serve(tool)
            let late: JSONValue = [
                "id": 1, "action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken,
                "context": ["deadline": Self.epochMilliseconds(-1000)],
            ]
            let answer = try await serve.ask(late)
            let error = try #require(answer["error"])
            #expect(answer["id"] == 1)
            #expect(error["kind"] == "timeout" && error["code"] == "deadline_exceeded", "\(answer)")
            #expect(error["retryable"] == true && error["maybeSent"] == false)
            #expect(error["message"]?.stringValue?.contains("the request's deadline passed before it ran; nothing was sent") == true)
            let check = try await serve.ask(["id": 2, "check": true, "connection": tool.authToken, "context": ["deadline": 0]])
            #expect(check["error"]?["code"] == "deadline_exceeded", "\(check)")
            #expect(try await serve.finish() == 0)

            // The one-shot subcommands read the same context, and exit as a timeout does.
            let invoke = try await tool.run("invoke", late)
            #expect(invoke.exitCode == 5, "\(invoke.stderr)")
            #expect(invoke.error["code"] == "deadline_exceeded")

            #expect(try await requestsSeen(tool) == 0, "nothing reached the sandbox")
            #expect(try await tool.sandboxMessages().isEmpty)
        }
    }

    @Test func aDeadlineDuringARetryAfterWaitEndsTheSendWithThe429() async throws {
        try await withEngineTool { tool in
            var serve = try await Serve(tool)
            try await tool.fault("messages.create", ["type": "status", "status": 429, "retryAfter": "10"])
            let started = ContinuousClock.now
            let answer = try await serve.ask([
                "id": 1, "action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken,
                "context": ["deadline": Self.epochMilliseconds(3000)],
            ])
            let elapsed = seconds(ContinuousClock.now - started)
            let error = try #require(answer["error"])
            #expect(error["kind"] == "upstream" && error["status"] == 429, "\(answer)")
            #expect(error["maybeSent"] == false && error["retryable"] == true)
            #expect(error["details"]?["attempts"] == 1)
            #expect(error["message"]?.stringValue?.hasSuffix("The request's deadline left no time to try again.") == true, "\(answer)")
            #expect(elapsed < 2.5, "answered after \(elapsed) s; the deadline was 3 s away and the wait 10 s")
            #expect(try await serve.finish() == 0)
            #expect(try await tool.sandboxMessages().isEmpty)
        }
    }

    @Test func aDeadlineInsideASlowAttemptEndsTheAttemptThere() async throws {
        try await withEngineTool { tool in
            var serve = try await Serve(tool)
            try await tool.fault("messages.create", ["type": "delay", "milliseconds": 3000])
            let started = ContinuousClock.now
            let answer = try await serve.ask([
                "id": 1, "action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken,
                "context": ["deadline": Self.epochMilliseconds(1000)],
            ])
            let elapsed = seconds(ContinuousClock.now - started)
            let error = try #require(answer["error"])
            #expect(error["kind"] == "timeout" && error["code"] == "timed_out", "\(answer)")
            #expect(error["maybeSent"] == true, "the send had gone out when the deadline came")
            #expect(error["message"]?.stringValue?.contains("the attempt was cut short at the request's deadline") == true)
            #expect(elapsed >= 0.8 && elapsed < 2.5, "answered after \(elapsed) s; the deadline was 1 s away and the answer 3 s")
            #expect(try await serve.finish() == 0)
        }
    }

    @Test func theDeadlineReachesEveryPageOfAListing() async throws {
        try await withEngineTool { tool in
            var serve = try await Serve(tool)
            for id in 1...3 {
                let sent = try await serve.ask([
                    "id": .integer(id), "action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken,
                ])
                #expect(sent["data"]?["sid"] != nil, "\(sent)")
            }
            // Each page takes 0.6 s: the first ends in time, the second is cut at the deadline.
            try await tool.fault("messages.list", ["type": "delay", "milliseconds": 600], count: 3)
            let before = try await requestsSeen(tool)
            let started = ContinuousClock.now
            let answer = try await serve.ask([
                "id": 9, "action": "listMessages", "inputs": ["pageSize": 1, "limit": 0], "connection": tool.authToken,
                "context": ["deadline": Self.epochMilliseconds(900)],
            ])
            let elapsed = seconds(ContinuousClock.now - started)
            #expect(answer["error"]?["kind"] == "timeout", "\(answer)")
            #expect(answer["error"]?["message"]?.stringValue?.contains("cut short at the request's deadline") == true)
            #expect(elapsed >= 0.7 && elapsed < 2.5, "answered after \(elapsed) s; the deadline was 0.9 s away")
            #expect(try await requestsSeen(tool) - before == 2, "the first page, and the second cut short; no third")
            #expect(try await serve.finish() == 0)
        }
    }

    @Test func serverDateComesWithTheFlagOnly() async throws {
        try await withEngineTool { tool in
            var serve = try await Serve(tool)
            let sent = try await serve.ask(["id": 1, "action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken])
            let sid = try #require(sent["data"]?["sid"])
            #expect(sent["serverDate"] == nil)

            let line = try await serve.answerLine([
                "id": 2, "action": "getSMS", "inputs": ["messageSid": sid], "connection": tool.authToken,
                "context": ["serverDate": true],
            ])
            let answer = try JSONParser.parse(line)
            #expect(answer.objectValue?.keys == ["id", "data", "serverDate"], "\(line)")
            let text = try #require(answer["serverDate"]?.stringValue)
            #expect(text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil, "\(text)")
            let date = try #require(ISO8601Timestamp.date(from: text))
            #expect(abs(date.timeIntervalSinceNow) < 5, "\(text) is not now")

            // An error answer carries it too; a dry run, which asks Twilio nothing, has null.
            let missing = try await serve.ask([
                "id": 3, "action": "getSMS", "inputs": ["messageSid": .string("SM" + String(repeating: "0", count: 32))],
                "connection": tool.authToken, "context": ["serverDate": true],
            ])
            #expect(missing["error"]?["status"] == 404 && missing["serverDate"]?.stringValue != nil, "\(missing)")
            let dry = try await serve.ask([
                "id": 4, "action": "sendSMS", "inputs": ["dryRun": true, "to": "+14155550100", "body": "x", "from": "+15005550006"],
                "connection": tool.authToken, "context": ["serverDate": true],
            ])
            #expect(dry["serverDate"] == .null && dry["data"] != nil, "\(dry)")
            let plain = try await serve.ask(["id": 5, "action": "getSMS", "inputs": ["messageSid": sid], "connection": tool.authToken])
            #expect(plain.objectValue?.keys == ["id", "data"])
            #expect(try await serve.finish() == 0)

            let invoke = try await tool.run(
                "invoke",
                ["action": "getSMS", "inputs": ["messageSid": sid], "connection": tool.authToken, "context": ["serverDate": true]])
            #expect(invoke.envelope["serverDate"]?.stringValue != nil, "\(invoke.stdout)")
        }
    }
}
