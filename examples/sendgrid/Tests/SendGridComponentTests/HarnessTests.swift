import ComponentKit
import ComponentTesting
import Foundation
import Testing

/// The executable's run-action form (`sendgrid-component sendEmail --input ...`), in-process.
@Suite struct HarnessTests {
    @Test func theManifestLoadsAndEveryElementHasItsHandler() async {
        let output = await harness.run(["--list"])
        #expect(output.exitCode == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("sendEmail"))
        #expect(output.standardOutput.contains("eventWebhook"))
        #expect(output.standardError.isEmpty)

        let docs = await harness.run(["--docs"])
        #expect(docs.exitCode == 0)
        #expect(docs.standardOutput.contains("SendGrid"))
    }

    @Test func sendsAnEmailWithTheEnvironmentsKey() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let output = await harness.run(
            [
                "sendEmail", "--input", "from=orders@example.com", "--input", "to=alex@example.com", "--input", "to=sam@example.com",
                "--input", "subject=Hi", "--input", "text=Hello", "--base-url", server.baseURL, "--compact",
            ],
            environment: ["SENDGRID_API_KEY": apiKey])

        #expect(output.exitCode == 0, "\(output.standardError)")
        #expect(output.envelope == ["data": ["messageId": "W86EgYT6SQKk0lRflfLRsA", "status": 202, "accepted": true]])
        let request = try #require(server.requests.first)
        #expect(request.header("Authorization") == "Bearer \(apiKey)")
        #expect(
            try JSONParser.parse(request.body)["personalizations"]?.arrayValue?.first?["to"] == [
                ["email": "alex@example.com"], ["email": "sam@example.com"],
            ])
        #expect(!output.standardOutput.contains(apiKey) && !output.standardError.contains(apiKey))
    }

    @Test func anInputErrorExitsWithTwo() async throws {
        let server = try TestHTTPServer { _ in accepted }
        defer { server.stop() }
        let output = await harness.run(
            [
                "sendEmail", "--input", "from=orders", "--input", "to=alex@example.com", "--input", "subject=Hi", "--input", "text=Hello",
                "--base-url", server.baseURL,
            ],
            environment: ["SENDGRID_API_KEY": apiKey])
        #expect(output.exitCode == 2)
        #expect(output.envelope?.error?["input"] == "from")
        #expect(server.requests.isEmpty)
    }

    @Test func aHalfSetEnvironmentIsRefused() async {
        let output = await harness.run(
            [
                "sendEmail", "--input", "from=orders@example.com", "--input", "to=alex@example.com", "--input", "subject=Hi", "--input",
                "text=Hi",
            ],
            environment: ["SENDGRID_REGION": "eu"])
        #expect(output.exitCode != 0)
        #expect(output.standardError.contains("SENDGRID_API_KEY"))
    }

    @Test func theEventWebhookRunsFromAPayloadFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sendgrid-events-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let payload: JSONValue = [
            "headers": ["Content-Type": "application/json"], "rawBody": ["data": #"[{"event":"open","sg_event_id":"b3Blbi0x"}]"#],
        ]
        try JSONWriter.string(from: payload).write(toFile: file, atomically: true, encoding: .utf8)

        let output = await harness.run(["eventWebhook", "--payload", file, "--input", "validateSignature=false", "--compact"])
        #expect(output.exitCode == 0, "\(output.standardError)")
        #expect(output.envelope?["payload"]?["idempotencyKey"] == "b3Blbi0x")

        let refused = await harness.run(["eventWebhook", "--payload", file, "--input", "verificationKey=MFkw"])
        #expect(refused.exitCode == 2)
        #expect(refused.envelope?["response"]?["statusCode"] == 403)
    }
}
