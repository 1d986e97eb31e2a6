import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// `twilio-component mcp`, driven by the official MCP Python SDK (a client no one here wrote).
@Suite(.timingInsensitive) struct MCPTests {
    @Test func theOfficialPythonClientListsTheToolsAndSendsThenReads() async throws {
        try await withEngineTool { tool in
            let output = try await PythonPeer.run(
                script: "mcp_client_check.py", arguments: [EngineTool.path], environment: tool.credentialEnvironment)
            #expect(output.exitCode == 0, "\(output.stderr)")
            let report = try JSONParser.parse(output.stdout)
            #expect(report["server"] == "twilio")

            let tools = try #require(report["tools"]?.objectValue)
            #expect(
                tools.keys.sorted() == [
                    "cancelVerification", "checkVerification", "configureNumberWebhooks", "createVerifyService", "deleteMessage",
                    "deleteRecording", "getCall", "getMessageMedia", "getRecording", "getSMS", "listCalls", "listMessageMedia",
                    "listMessages", "listRecordings", "lookupPhoneNumber", "makeCall", "rawRequest", "redactMessage",
                    "restoreNumberWebhooks", "sendSMS", "sendVerification", "updateCall",
                ])
            #expect(tools["makeCall"]?["annotations"]?["idempotentHint"] == false)
            #expect(tools["getCall"]?["annotations"]?["readOnlyHint"] == true)
            #expect(tools["deleteRecording"]?["annotations"]?["destructiveHint"] == true)
            #expect(tools["getSMS"]?["annotations"]?["readOnlyHint"] == true)
            #expect(tools["listMessages"]?["annotations"]?["readOnlyHint"] == true)
            #expect(tools["sendSMS"]?["annotations"]?["idempotentHint"] == false)
            #expect(tools["sendSMS"]?["annotations"]?["readOnlyHint"] == false)
            #expect(tools["rawRequest"]?["annotations"]?["destructiveHint"] == true)
            for (name, tool) in tools {
                let properties = tool["inputSchema"]?["properties"]?.objectValue
                #expect(properties?["connection"] == nil, "\(name): the connection comes from the environment")
            }
            #expect(tools["sendSMS"]?["inputSchema"]?["required"]?.arrayValue?.contains("to") == true)

            #expect(report["send"]?["isError"] == false)
            let sid = try #require(report["send"]?["structured"]?["data"]?["sid"]?.stringValue)
            // The text content is the same envelope, as JSON text, for clients that read only text.
            let text = try JSONParser.parse(report["send"]?["text"]?.stringValue ?? "")
            #expect(text["data"]?["sid"] == .string(sid))
            #expect(text["data"]?.objectValue?.keys.sorted() == report["send"]?["structured"]?["data"]?.objectValue?.keys.sorted())
            #expect(report["get"]?["isError"] == false)
            #expect(report["get"]?["structured"]?["data"]?["sid"] == .string(sid))
            #expect(report["get"]?["structured"]?["data"]?["body"] == "Hello from an agent")
            #expect(report["failed"]?["isError"] == true)
            #expect(report["failed"]?["structured"]?["error"]?["kind"] == "input")

            let messages = try await tool.sandboxMessages()
            #expect(messages.map { $0["sid"] } == [.string(sid)], "one message sent")
            #expect(!output.stdout.contains(tool.credentials.authToken) && !output.stderr.contains(tool.credentials.authToken))
        }
    }
}
