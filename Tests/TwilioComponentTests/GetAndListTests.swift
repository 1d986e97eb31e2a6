import ComponentCore
import ComponentRuntime
import Foundation
import Logging
import TestSupport
import Testing
import TwilioComponent
import TwilioSandbox

/// getSMS and listMessages end to end, and the output shape held to the documented example.
@Suite(.timingInsensitive) struct GetAndListTests {
    /// The getSMS example of the component's documentation, as its page prints it.
    static let seedExample = """
        {
        "data": {
        "body": "Testing",
        "numSegments": "1",
        "direction": "outbound-api",
        "from": "+12345678901",
        "to": "+10987654321",
        "dateUpdated": "2025-05-14T22:42:25.000Z",
        "price": null,
        "errorMessage": null,
        "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
        "accountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "numMedia": "0",
        "status": "queued",
        "messagingServiceSid": null,
        "sid": "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "dateSent": null,
        "dateCreated": "2025-05-14T22:42:25.000Z",
        "errorCode": null,
        "priceUnit": "USD",
        "apiVersion": "2010-04-01",
        "subresourceUris": {
        "media": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Media.json"
        }
        }
        }
        """

    @Test(arguments: SandboxTransport.tls)
    func getSMSMatchesTheDocumentedExampleByteForByte(over transport: SandboxTransport) async throws {
        // A slow lifecycle clock keeps the message queued, as in the example.
        try await withHarness(lifecycleStep: .seconds(60), transport: transport) { harness throws in
            let sent = await harness.run(["sendSMS"] + Harness.inputs(["from": "+12345678901", "to": "+10987654321", "body": "Testing"]))
            let sid = try #require(sent.data["sid"]?.stringValue)
            let got = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            #expect(got.exitCode == 0)
            let seed = try JSONParser.parse(Self.seedExample)
            #expect(got.data.objectValue?.keys == seed["data"]?.objectValue?.keys)
            let iso = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#
            for key in ["dateUpdated", "dateCreated"] {
                #expect(got.data[key]?.stringValue?.range(of: iso, options: .regularExpression) != nil, "\(key)")
            }
            // SIDs and dates aside, the output is the example, byte for byte.
            var normalized = JSONWriter.string(from: got.envelope, style: .pretty)
                .replacingOccurrences(of: sid, with: "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
                .replacingOccurrences(of: harness.credentials.accountSid, with: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            for key in ["dateUpdated", "dateCreated"] {
                normalized = normalized.replacingOccurrences(of: got.data[key]!.stringValue!, with: "2025-05-14T22:42:25.000Z")
            }
            let seedText = JSONWriter.string(from: seed, style: .pretty)
            #expect(normalized == seedText)
            #expect(
                JSONWriter.string(from: try JSONParser.parse(JSONWriter.string(from: got.envelope)), style: .pretty).count
                    == normalized.count)
            #expect(try await harness.protocolsSeen().requests == [transport.httpVersion])
        }
    }

    /// A caller's connection wins over the environment, which is then not even read: TWILIO_*
    /// variables set only in part do not stop a run that brings its own connection.
    @Test func aGivenConnectionIgnoresAPartialEnvironment() async throws {
        try await withHarness { harness throws in
            let sid = "SM" + String(repeating: "0", count: 32)
            let partial = ["TWILIO_ACCOUNT_SID": "AC" + String(repeating: "1", count: 32)]
            let given = await harness.run(["getSMS", "--input", "messageSid=\(sid)"], environment: partial)
            #expect(given.exitCode == 4 && given.error["code"] == 20404, "\(given.stderr)")
            let none = await harness.run(["getSMS", "--input", "messageSid=\(sid)"], withConnection: false, environment: partial)
            #expect(none.exitCode == 3)
            #expect(none.stderr.contains("TWILIO_ACCOUNT_SID is set, but not TWILIO_AUTH_TOKEN"))
        }
    }

    @Test func getSMSOfAnUnknownMessage() async throws {
        try await withHarness { harness throws in
            let sid = "SM" + String(repeating: "0", count: 32)
            let output = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            #expect(output.exitCode == 4)
            #expect(output.error["code"] == 20404)
            #expect(output.error["status"] == 404)
            let invalid = await harness.run(["getSMS", "--input", "messageSid=SM123"])
            #expect(
                invalid.error["message"]
                    == "Input 'messageSid' (Message SID) must match the pattern ^(SM|MM)[0-9a-fA-F]{32}$, but 'SM123' does not.")
        }
    }

    @Test(arguments: SandboxTransport.tls)
    func listsWithFiltersLimitsAndACursor(over transport: SandboxTransport) async throws {
        try await withHarness(transport: transport) { harness throws in
            var sids: [String] = []
            for index in 0..<7 {
                let to = index < 5 ? "+14155550100" : "+14155550199"
                let sent = await harness.run(["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": to, "body": "n\(index)"]))
                sids.append(try #require(sent.data["sid"]?.stringValue))
            }
            let first = await harness.run(["listMessages"] + Harness.inputs(["to": "4155550100", "pageSize": "2", "limit": "3"]))
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(first.data.objectValue?.keys == ["messages", "hasMore", "cursor"])
            #expect(first.data["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[4], sids[3], sids[2]])
            #expect(first.data["hasMore"] == true)
            let cursor = try #require(first.data["cursor"]?.stringValue)
            let rest = await harness.run(["listMessages"] + Harness.inputs(["cursor": cursor, "pageSize": "2", "limit": "0"]))
            #expect(rest.data["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[1], sids[0]])
            #expect(rest.data["hasMore"] == false)
            #expect(rest.data["cursor"] == .null)

            let all = await harness.run(["listMessages", "--input", "limit=0", "--input", "pageSize=3"])
            #expect(all.data["messages"]?.arrayValue?.count == 7)
            #expect(all.data["messages"]?.arrayValue?.first?.objectValue?.keys.count == 20)
            let today = String(ISO8601Timestamp.string(from: Date()).prefix(10))
            let dated = await harness.run(["listMessages"] + Harness.inputs(["dateSent": today, "from": "+15005550006"]))
            #expect(dated.data["messages"]?.arrayValue?.count == 7)
            let before = await harness.run(["listMessages"] + Harness.inputs(["dateSentBefore": "2020-01-01"]))
            #expect(before.data["messages"]?.arrayValue?.isEmpty == true)
            let foreign = await harness.run([
                "listMessages", "--input", "cursor=/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Messages.json?PageSize=2",
            ])
            #expect(foreign.error["input"] == "cursor")
        }
    }

    @Test func aStreamedListingIsValidJSONAndEqualsTheCollectedOne() async throws {
        try await withHarness { harness throws in
            for index in 0..<5 {
                _ = await harness.run(["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": "n\(index)"]))
            }
            // run-action streams page by page; the runner without a sink collects. Both must agree.
            let streamed = await harness.run(["listMessages", "--input", "pageSize=2", "--input", "limit=0"])
            let runner = try ComponentInvoker(harness).runner
            let collected = await runner.runAction(
                InvocationRequest(
                    element: "listMessages", inputs: ["pageSize": "2", "limit": "0"],
                    connection: RawConnection(
                        key: "authToken",
                        fields: [
                            "accountSid": .string(harness.credentials.accountSid), "authToken": .string(harness.credentials.authToken),
                        ])),
                logger: .init(label: "test"))
            #expect(streamed.envelope == collected.envelope)
            #expect(collected.envelope["data"]?["messages"]?.arrayValue?.count == 5)
        }
    }

    @Test func aListingThatFailsHalfwayStillPrintsOneJSONDocument() async throws {
        try await withHarness { harness throws in
            for index in 0..<3 {
                _ = await harness.run(["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": "n\(index)"]))
            }
            // The first page arrives; the second request fails.
            try await harness.fault("messages.list", ["type": "pass"])
            try await harness.fault("messages.list", ["type": "status", "status": 400, "code": 20001])
            let failed = await harness.run(["listMessages", "--input", "pageSize=1", "--input", "limit=0"])
            #expect(failed.exitCode == 4)
            #expect(failed.envelope["data"]?["messages"]?.arrayValue?.count == 1)
            #expect(failed.envelope["data"]?["hasMore"] == true)
            let resume = try #require(failed.envelope["data"]?["cursor"]?.stringValue)
            let rest = await harness.run(["listMessages", "--input", "cursor=\(resume)", "--input", "limit=0"])
            #expect(rest.data["messages"]?.arrayValue?.count == 2)
            #expect(failed.envelope["error"]?["code"] == 20001)
            #expect(failed.envelope.objectValue?.keys == ["data", "error"])
        }
    }
}
