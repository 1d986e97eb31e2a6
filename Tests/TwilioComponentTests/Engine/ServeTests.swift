import ComponentCore
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

/// `twilio-component serve`: JSON lines in and out, concurrency, bad lines, the end of input and SIGTERM.
@Suite(.timingInsensitive) struct ServeTests {
    /// A `sendSMS` request line with `id`.
    static func send(_ id: Int, connection: JSONValue) -> String {
        JSONWriter.string(from: [
            "id": .integer(id), "action": "sendSMS", "connection": connection,
            "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("serve \(id)")],
        ]) + "\n"
    }

    @Test func twoThousandSendsAtConcurrencySixteenNoFailureNoDuplicateFlatMemory() async throws {
        try await withEngineTool { tool in
            let serve = try await ChildProcess(EngineTool.path, ["serve", "--concurrency", "16"], environment: tool.environment)
            let total = 2000
            let window = 16
            var next = 1
            for _ in 0..<window {
                try serve.write(Self.send(next, connection: tool.authToken))
                next += 1
            }
            var answered: [Int: String] = [:]
            var failures: [String] = []
            var firstHalfPeak = 0
            var lastPeak = 0
            for await line in serve.lines {
                let answer = try JSONParser.parse(line)
                let id = try #require(answer["id"]?.intValue)
                #expect(answered[id] == nil, "id \(id) answered twice")
                if let sid = answer["data"]?["sid"]?.stringValue { answered[id] = sid } else { failures.append(line) }
                if answered.count + failures.count == 1000 { firstHalfPeak = serve.memory()?.peak ?? 0 }
                if next <= total {
                    try serve.write(Self.send(next, connection: tool.authToken))
                    next += 1
                } else if answered.count + failures.count == total {
                    lastPeak = serve.memory()?.peak ?? 0
                    try serve.closeInput()
                }
            }
            let (exitCode, stderr) = await serve.wait()
            #expect(exitCode == 0, "\(stderr)")
            #expect(failures.isEmpty, "\(failures.prefix(3))")
            #expect(answered.count == total)
            #expect(Set(answered.values).count == total, "every answer has its own SID")

            let messages = try await tool.sandboxMessages()
            #expect(messages.count == total, "one message per request, none twice")
            #expect(Set(messages.compactMap { $0["sid"]?.stringValue }) == Set(answered.values))
            #expect(Set(messages.compactMap { $0["body"]?.stringValue }).count == total)

            #expect(firstHalfPeak > 0)
            let growth = Double(lastPeak - firstHalfPeak) / Double(firstHalfPeak)
            print(
                "serve: 2,000 sends at concurrency 16, peak RSS \(firstHalfPeak) KiB after 1,000, \(lastPeak) KiB after 2,000 (growth \(String(format: "%.1f", growth * 100))%)"
            )
            #expect(growth < 0.10, "peak RSS grew from \(firstHalfPeak) KiB to \(lastPeak) KiB")
            #expect(stderr.contains("answered 2000 requests (0 failed, 0 unreadable)"))
        }
    }

    @Test func aBadLineGetsAnErrorLineAndServingGoesOn() async throws {
        try await withEngineTool { tool in
            let sid = "SM" + String(repeating: "0", count: 32)
            let input =
                [
                    "this is not json",
                    #"{"id": "a", "action": "getSMS", "inputs": {"messageSid": "SMzz"}}"#,
                    #"{"id": 7, "acton": "getSMS"}"#,
                    #"{"id": {"nested": true}, "action": "getSMS"}"#,
                    "[1, 2]",
                    "",
                    #"{"id": "b", "check": true}"#,
                    #"{"id": "c", "action": "getSMS", "inputs": {"messageSid": "\#(sid)"}}"#,
                    #"{"id": "d", "dataSource": "selectMessage", "inputs": {"limit": 2}}"#,
                    #"{"id": "e", "trigger": "pollMessages"}"#,
                    "{\"id\": \"f\", \"action\": \"sendSMS\", \"inputs\": {\"body\": \"" + String(repeating: "x", count: 1_100_000)
                        + "\"}}",
                ].joined(separator: "\n") + "\n"
            let output = try await ProcessRunner.run(
                EngineTool.path, ["serve", "--concurrency", "3"], environment: tool.credentialEnvironment, stdin: input)
            #expect(output.exitCode == 0, "\(output.stderr)")
            let answers = try output.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(answers.count == 10, "one answer per non-blank line")
            func answer(_ id: JSONValue) -> JSONValue? { answers.first { $0["id"] == id } }
            #expect(answer("a")?["error"]?["kind"] == "input")
            #expect(answer(7)?["error"]?["code"] == "invalid_request")
            #expect(answer(7)?["error"]?["message"]?.stringValue?.contains("Did you mean 'action'?") == true)
            #expect(answer("b")?["data"]?["ok"] == true)
            #expect(answer("c")?["error"]?["code"] == 20404)
            #expect(answer("d")?["result"] != nil)
            #expect(answer("e")?["state"] != nil && answer("e")?["state"] != .null)
            let anonymous = answers.filter { $0["id"] == .null }
            #expect(anonymous.count == 4, "not JSON, an id that is not a scalar, not an object, too long")
            #expect(
                Set(anonymous.compactMap { $0["error"]?["code"]?.stringValue }) == [
                    "malformed_json", "invalid_request", "request_too_large",
                ])
            #expect(output.stderr.contains("answered 10 requests (7 failed, 5 unreadable)"), "\(output.stderr)")
        }
    }

    @Test func sigtermFinishesTheRequestsTakenThenExitsZero() async throws {
        try await withEngineTool { tool in
            // Each create takes 1.5 s, so the requests are in flight when the signal comes.
            try await tool.fault("messages.create", ["type": "delay", "milliseconds": 1500], count: 4)
            let serve = try await ChildProcess(EngineTool.path, ["serve", "--concurrency", "4"], environment: tool.environment)
            for id in 1...4 { try serve.write(Self.send(id, connection: tool.authToken)) }
            try await Task.sleep(for: .milliseconds(700))
            serve.signal(SIGTERM)
            var ids: [Int] = []
            for await line in serve.lines {
                let answer = try JSONParser.parse(line)
                #expect(answer["data"]?["sid"] != nil, "\(line)")
                if let id = answer["id"]?.intValue { ids.append(id) }
            }
            let (exitCode, stderr) = await serve.wait()
            #expect(exitCode == 0, "\(stderr)")
            #expect(ids.sorted() == [1, 2, 3, 4])
            #expect(stderr.contains("SIGTERM"))
            #expect(try await tool.sandboxMessages().count == 4)
        }
    }

    @Test func startsOnlyWithAUsableEnvironment() async throws {
        try await withEngineTool { tool in
            var partial = tool.environment
            partial["TWILIO_ACCOUNT_SID"] = tool.credentials.accountSid
            let output = try await ProcessRunner.run(EngineTool.path, ["serve"], environment: partial, stdin: "")
            #expect(output.exitCode == 3)
            #expect(output.stderr.contains("TWILIO_AUTH_TOKEN"))
            let usage = try await ProcessRunner.run(EngineTool.path, ["serve", "--concurrency", "0"], stdin: "")
            #expect(usage.exitCode == 64)
        }
    }
}
