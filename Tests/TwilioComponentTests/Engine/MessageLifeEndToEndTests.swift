import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// A message's life (media, redaction, deletion) and a number's webhooks, through the built
/// executables: one `run-action` process per step, and one `twilio-component serve` child taking
/// every step as a JSON line, both against an in-process sandbox.
@Suite(.timingInsensitive) struct MessageLifeEndToEndTests {
    let runAction = ProcessRunner.product("run-action")

    /// Runs one action in a fresh run-action process pointed at the sandbox; its envelope.
    func run(_ tool: EngineTool, _ arguments: [String]) async throws -> (exitCode: Int32, envelope: JSONValue, stderr: String) {
        let output = try await ProcessRunner.run(runAction, arguments + ["--compact"], environment: tool.credentialEnvironment)
        return (output.exitCode, (try? JSONParser.parse(output.stdout)) ?? .null, output.stderr)
    }

    /// Waits until the sandbox has delivered message `sid`.
    static func waitUntilDelivered(_ sid: String, status: () async throws -> JSONValue?) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await status() == "delivered" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("message \(sid) was not delivered within 10 s")
    }

    @Test func mediaRedactionAndDeletionThroughRunAction() async throws {
        try await withEngineTool { tool in
            let sent = try await run(
                tool,
                ["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": "See attached"])
                    + ["--input", "mediaUrls=https://example.com/photo.jpg"])
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            let sid = try #require(sent.envelope["data"]?["sid"]?.stringValue)
            try await Self.waitUntilDelivered(sid) {
                try await run(tool, ["getSMS", "--input", "messageSid=\(sid)"]).envelope["data"]?["status"]
            }

            let listed = try await run(tool, ["listMessageMedia", "--input", "messageSid=\(sid)"])
            #expect(listed.exitCode == 0, "\(listed.stderr)")
            let media = try #require(listed.envelope["data"]?["media"]?.arrayValue)
            #expect(media.count == 1)
            #expect(media.first?["contentType"] == "image/jpeg")
            let mediaSid = try #require(media.first?["sid"]?.stringValue)
            let got = try await run(tool, ["getMessageMedia"] + Harness.inputs(["messageSid": sid, "mediaSid": mediaSid]))
            #expect(got.exitCode == 0, "\(got.stderr)")
            #expect(got.envelope["data"]?["media"]?["contentType"] == "image/jpeg")
            let bytes = try #require(Data(base64Encoded: got.envelope["data"]?["media"]?["data"]?.stringValue ?? ""))
            #expect(Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF], "a JPEG's bytes")

            let redacted = try await run(tool, ["redactMessage", "--input", "messageSid=\(sid)"])
            #expect(redacted.envelope["data"]?["body"] == "", "\(redacted.stderr)")
            let deleted = try await run(tool, ["deleteMessage", "--input", "messageSid=\(sid)"])
            #expect(deleted.envelope["data"] == ["sid": .string(sid), "deleted": true, "alreadyGone": false], "\(deleted.stderr)")
            let gone = try await run(tool, ["listMessageMedia", "--input", "messageSid=\(sid)"])
            #expect(gone.exitCode == 4)
            #expect(gone.envelope["error"]?["code"] == 20404)
            #expect(try await tool.sandboxMessages().allSatisfy { $0["sid"] != .string(sid) })
        }
    }

    @Test func configureRefuseReplaceRestoreThroughRunAction() async throws {
        try await withEngineTool { tool in
            let first = try await run(
                tool,
                ["configureNumberWebhooks"]
                    + Harness.inputs(["phoneNumber": "+15017122661", "smsUrl": "https://hooks.example.com/a/sms", "smsMethod": "GET"]))
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(first.envelope["data"]?["previous"] == ["smsUrl": "", "smsMethod": "POST"])
            let refused = try await run(
                tool,
                ["configureNumberWebhooks"] + Harness.inputs(["phoneNumber": "+15017122661", "smsUrl": "https://hooks.example.com/b/sms"]))
            #expect(refused.exitCode == 2)
            #expect(refused.envelope["error"]?["code"] == "webhook_conflict")
            #expect(try await MessageLifeSandboxTests.sandboxNumber(tool, "+15017122661")["sms_url"] == "https://hooks.example.com/a/sms")
            let replaced = try await run(
                tool,
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15017122661", "smsUrl": "https://hooks.example.com/b/sms", "replaceExisting": "true",
                    ]))
            #expect(replaced.exitCode == 0, "\(replaced.stderr)")
            #expect(try await MessageLifeSandboxTests.sandboxNumber(tool, "+15017122661")["sms_url"] == "https://hooks.example.com/b/sms")
            // Each flow's teardown, given its configure run's previous and current: the first's is
            // refused while the second's URL is on the number, then puts back what it found.
            func teardown(_ configured: JSONValue?) throws -> [String] {
                let data = try #require(configured)
                return ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15017122661", "previous": JSONWriter.string(from: data["previous"] ?? .null),
                        "current": JSONWriter.string(from: data["current"] ?? .null),
                    ])
            }
            let cutOff = try await run(tool, try teardown(first.envelope["data"]))
            #expect(cutOff.exitCode == 2)
            #expect(cutOff.envelope["error"]?["code"] == "webhook_conflict")
            let second = try await run(tool, try teardown(replaced.envelope["data"]))
            #expect(second.exitCode == 0, "\(second.stderr)")
            #expect(try await MessageLifeSandboxTests.sandboxNumber(tool, "+15017122661")["sms_url"] == "https://hooks.example.com/a/sms")
            let restored = try await run(tool, try teardown(first.envelope["data"]))
            #expect(restored.exitCode == 0, "\(restored.stderr)")
            #expect(restored.envelope["data"]?["changed"] == true)
            let number = try await MessageLifeSandboxTests.sandboxNumber(tool, "+15017122661")
            #expect(number["sms_url"] == "" && number["sms_method"] == "POST")
        }
    }

    @Test func bothRoundTripsThroughServe() async throws {
        try await withEngineTool { tool in
            let serve = try await ChildProcess(EngineTool.path, ["serve"], environment: tool.environment)
            var answers = serve.lines.makeAsyncIterator()
            var id = 0
            // One request line, and its answer line.
            func ask(_ action: String, _ inputs: JSONObject, kind: String = "action") async throws -> JSONValue {
                id += 1
                try serve.write(
                    JSONWriter.string(from: [
                        "id": .integer(id), .init(kind): .string(action), "connection": tool.authToken, "inputs": .object(inputs),
                    ])
                        + "\n")
                let line = try #require(await answers.next())
                let answer = try JSONParser.parse(line)
                #expect(answer["id"] == .integer(id))
                return answer
            }

            let sent = try await ask(
                "sendSMS", ["from": "+15005550006", "to": "+14155550100", "body": "Receipt", "mediaUrls": ["https://example.com/r.pdf"]])
            let sid = try #require(sent["data"]?["sid"]?.stringValue, "\(sent)")
            try await Self.waitUntilDelivered(sid) { try await ask("getSMS", ["messageSid": .string(sid)])["data"]?["status"] }
            let media = try #require(try await ask("listMessageMedia", ["messageSid": .string(sid)])["data"]?["media"]?.arrayValue)
            #expect(media.map { $0["contentType"] } == ["application/pdf"])
            let file = try await ask("getMessageMedia", ["messageSid": .string(sid), "mediaSid": media[0]["sid"] ?? .null])
            let bytes = try #require(Data(base64Encoded: file["data"]?["media"]?["data"]?.stringValue ?? ""))
            #expect(String(decoding: bytes.prefix(5), as: UTF8.self) == "%PDF-")
            #expect(try await ask("deleteMessage", ["messageSid": .string(sid)])["data"]?["deleted"] == true)
            #expect(try await ask("getSMS", ["messageSid": .string(sid)])["error"]?["code"] == 20404)

            let picked = try await ask("selectPhoneNumber", [:], kind: "dataSource")
            #expect(picked["result"]?.arrayValue?.contains { $0["key"] == "+15005550006" } == true, "\(picked)")
            let first = try await ask(
                "configureNumberWebhooks", ["phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/a/voice"])
            let previous = try #require(first["data"]?["previous"])
            #expect(previous == ["voiceUrl": ""])
            let current = try #require(first["data"]?["current"])
            let refused = try await ask(
                "configureNumberWebhooks", ["phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/b/voice"])
            #expect(refused["error"]?["code"] == "webhook_conflict")
            #expect(refused["error"]?["input"] == "voiceUrl")
            let replaced = try await ask(
                "configureNumberWebhooks",
                ["phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/b/voice", "replaceExisting": true])
            #expect(replaced["data"]?["changed"] == true)
            #expect(
                try await MessageLifeSandboxTests.sandboxNumber(tool, "+15005550006")["voice_url"] == "https://hooks.example.com/b/voice")
            // The first flow's teardown, its previous and current as the engine stored them,
            // passed back as data: refused while the second flow's URL is on the number, then
            // (once the second's teardown has put the first's URL back) restoring what it found.
            let firstTeardown: JSONObject = ["phoneNumber": "+15005550006", "previous": previous, "current": current]
            let cutOff = try await ask("restoreNumberWebhooks", firstTeardown)
            #expect(cutOff["error"]?["code"] == "webhook_conflict", "\(cutOff)")
            let second = try await ask(
                "restoreNumberWebhooks",
                [
                    "phoneNumber": "+15005550006", "previous": replaced["data"]?["previous"] ?? .null,
                    "current": replaced["data"]?["current"] ?? .null,
                ])
            #expect(second["data"]?["restored"] == ["voiceUrl"], "\(second)")
            let restored = try await ask("restoreNumberWebhooks", firstTeardown)
            #expect(restored["data"]?["current"] == ["voiceUrl": ""], "\(restored)")
            #expect(try await MessageLifeSandboxTests.sandboxNumber(tool, "+15005550006")["voice_url"] == "")

            try serve.closeInput()
            let (exitCode, stderr) = await serve.wait()
            #expect(exitCode == 0, "\(stderr)")
        }
    }
}
