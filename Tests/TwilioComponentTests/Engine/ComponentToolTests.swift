import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The built `twilio-component` executable's one-shot subcommands, against the sandbox: results,
/// every error kind with its exit code, and what an engine reads from `manifest`.
@Suite(.timingInsensitive) struct ComponentToolTests {
    static let sendInputs: JSONValue = ["from": "+15005550006", "to": "+14155550100", "body": "Hello from an engine"]

    @Test func invokeSendsAndReadsBackWithStringOrTypedInputs() async throws {
        try await withEngineTool { tool in
            let sent = try await tool.run("invoke", ["action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken])
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            #expect(sent.stdout.hasSuffix("}\n") && !sent.stdout.dropLast().contains("\n"), "one compact line")
            let sid = try #require(sent.envelope["data"]?["sid"]?.stringValue)
            #expect(try await tool.sandboxMessages().map { $0["sid"] } == [.string(sid)])

            let fetched = try await tool.run(
                "invoke",
                [
                    "action": "getSMS", "inputs": ["messageSid": .string(sid)], "connection": tool.apiKey,
                    "context": ["invocationId": "inv-42", "debug": false],
                ])
            #expect(fetched.exitCode == 0, "\(fetched.stderr)")
            #expect(fetched.envelope["data"]?["body"] == "Hello from an engine")

            // pageSize as text and as a number, limit typed: the same listing.
            let asText = try await tool.run(
                "invoke", ["action": "listMessages", "inputs": ["pageSize": "5", "limit": "10"], "connection": tool.authToken])
            let typed = try await tool.run(
                "invoke", ["action": "listMessages", "inputs": ["pageSize": 5, "limit": 10], "connection": tool.authToken])
            #expect(asText.exitCode == 0 && typed.exitCode == 0, "\(asText.stderr)\(typed.stderr)")
            #expect(asText.envelope["data"]?["messages"]?.arrayValue?.count == 1)
            #expect(asText.envelope["data"]?["messages"] == typed.envelope["data"]?["messages"])

            // From a file, pretty-printed; the connection from the environment.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("request-\(UUID().uuidString).json").path
            try JSONWriter.string(from: ["action": "getSMS", "inputs": ["messageSid": .string(sid)]]).write(
                toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let fromFile = try await tool.run(["invoke", "--request", file, "--pretty"], environment: tool.credentialEnvironment)
            #expect(fromFile.exitCode == 0, "\(fromFile.stderr)")
            #expect(fromFile.stdout.hasPrefix("{\n  \"data\": {"))
        }
    }

    @Test func everyErrorKindHasItsExitCode() async throws {
        try await withEngineTool { tool in
            func expectError(
                _ request: JSONValue, kind: String, code: JSONValue, exit: Int32, environment: [String: String?] = [:], _ comment: Comment
            ) async throws {
                let output = try await tool.run("invoke", request, environment: environment)
                #expect(output.exitCode == exit, comment)
                #expect(output.error["kind"] == .string(kind), comment)
                #expect(output.error["code"] == code, comment)
                #expect(output.stderr.contains("error: "), comment)
            }
            let connection = tool.authToken
            // input (2): a number that is not E.164, a missing required input.
            try await expectError(
                ["action": "sendSMS", "inputs": ["from": "+15005550006", "to": "12", "body": "x"], "connection": connection], kind: "input",
                code: "invalid_input", exit: 2, "bad number")
            try await expectError(
                ["action": "getSMS", "inputs": [:], "connection": connection], kind: "input", code: "invalid_input", exit: 2,
                "missing input")
            // connection (3): none at all, an unknown key, refused credentials.
            try await expectError(
                ["action": "getSMS", "inputs": ["messageSid": .string("SM" + String(repeating: "0", count: 32))]], kind: "connection",
                code: "missing_connection", exit: 3, "no connection")
            try await expectError(
                ["action": "sendSMS", "inputs": Self.sendInputs, "connection": ["key": "oauth", "fields": [:]]], kind: "connection",
                code: "unknown_connection", exit: 3, "unknown connection")
            let wrong: JSONValue = [
                "key": "authToken",
                "fields": ["accountSid": .string(tool.credentials.accountSid), "authToken": "00000000000000000000000000000000"],
            ]
            try await expectError(
                ["action": "sendSMS", "inputs": Self.sendInputs, "connection": wrong], kind: "connection", code: 20003, exit: 3, "refused")
            // upstream (4): Twilio's magic number for an invalid To.
            try await expectError(
                ["action": "sendSMS", "inputs": ["from": "+15005550006", "to": "+15005550001", "body": "x"], "connection": connection],
                kind: "upstream", code: 21211, exit: 4, "invalid To")
            // timeout (5): the sandbox answers after the request's timeout.
            try await tool.fault("messages.list", ["type": "delay", "milliseconds": 3000])
            try await expectError(
                [
                    "action": "rawRequest",
                    "inputs": [
                        "url": .string("/Accounts/\(tool.credentials.accountSid)/Messages.json"), "method": "GET", "timeout": 300,
                        "maxRetries": 0,
                    ], "connection": connection,
                ], kind: "timeout", code: "timed_out", exit: 5, "timeout")
            // network (6): nothing listens where requests go.
            let closed = try ReservedPort()
            try await expectError(
                [
                    "action": "getSMS", "inputs": ["messageSid": .string("SM" + String(repeating: "0", count: 32))],
                    "connection": connection,
                ], kind: "network", code: "network_error", exit: 6, environment: ["TWILIO_API_BASE_URL": "http://127.0.0.1:\(closed.port)"],
                "refused port")
            // protocol (7): unknown action, malformed JSON, a request of the wrong shape.
            try await expectError(
                ["action": "sendSMSS", "inputs": [:]], kind: "protocol", code: "unknown_action", exit: 7, "unknown action")
            try await expectError(
                ["action": "sendSMS", "input": [:]], kind: "protocol", code: "invalid_request", exit: 7, "misspelt field")
            try await expectError(["trigger": "webhook"], kind: "protocol", code: "invalid_request", exit: 7, "a trigger sent to invoke")
            let malformed = try await tool.run(["invoke"], stdin: "{\"action\": \"sendSMS\", ")
            #expect(malformed.exitCode == 7)
            #expect(malformed.error["code"] == "malformed_json")
            let empty = try await tool.run(["invoke"], stdin: "")
            #expect(empty.exitCode == 7)
            #expect(empty.error["code"] == "empty_request")
            // usage (64): an unknown subcommand or flag; a request file that is not there.
            #expect(try await tool.run(["send"]).exitCode == 64)
            #expect(try await tool.run(["invoke", "--fast"]).exitCode == 64)
            #expect(try await tool.run(["invoke", "--request", "/nonexistent/request.json"]).exitCode == 64)
            _ = closed
        }
    }

    @Test func withoutCredentialsItFailsUnlessASandboxIsAskedFor() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("engine-sandbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        var environment: [String: String?] = ["XDG_CACHE_HOME": cache]
        for key in ProcessInfo.processInfo.environment.keys where key.hasPrefix("TWILIO_") { environment[key] = .some(nil) }
        let request = JSONWriter.string(from: ["action": "sendSMS", "inputs": Self.sendInputs])
        let refused = try await ProcessRunner.run(EngineTool.path, ["invoke"], environment: environment, stdin: request)
        #expect(refused.exitCode == 3)
        #expect(try JSONParser.parse(refused.stdout)["error"]?["code"] == "missing_connection")

        // --sandbox: the twilio-sandbox executable beside it stands in, and is stopped afterwards.
        let sent = try await ProcessRunner.run(EngineTool.path, ["invoke", "--sandbox"], environment: environment, stdin: request)
        #expect(sent.exitCode == 0, "\(sent.stderr)")
        #expect(sent.stderr.contains("using the built-in sandbox at http://127.0.0.1:"))
        let sid = try #require(try JSONParser.parse(sent.stdout)["data"]?["sid"]?.stringValue)
        let fetched = try await ProcessRunner.run(
            EngineTool.path, ["invoke", "--sandbox"], environment: environment,
            stdin: JSONWriter.string(from: ["action": "getSMS", "inputs": ["messageSid": .string(sid)]]))
        #expect(fetched.exitCode == 0, "the sandbox keeps its messages between runs: \(fetched.stderr)")
        let leftover = try await ProcessRunner.run("/usr/bin/pgrep", ["-f", "twilio-sandbox --port 0 --state \(cache)"])
        #expect(leftover.stdout.isEmpty, "no sandbox left running")
    }

    @Test func internalErrorsExitWithOne() async throws {
        // The Twilio component classifies every failure, so a bug is shown with the fixture component.
        let fixture = ProcessRunner.product("fixture-component")
        let output = try await ProcessRunner.run(
            fixture, ["invoke"], environment: ["FIXTURE_USER": "carol", "FIXTURE_TOKEN": "tok-1"],
            stdin: #"{"action": "echo", "inputs": {"message": "raise", "count": 1, "loud": false}}"#)
        #expect(output.exitCode == 1, "\(output.stderr)")
        #expect(try JSONParser.parse(output.stdout)["error"]?["kind"] == "internal")
    }

    /// `--version`: what an engine logs of what it runs, the same versions the manifest gives.
    @Test func versionNamesTheComponentTheProtocolAndTheLibcurlLoaded() async throws {
        try await withEngineTool { tool in
            let output = try await tool.run(["--version"])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let lines = output.stdout.split(separator: "\n").map(String.init)
            let manifest = try await tool.run(["manifest", "--compact"]).envelope
            let version = try #require(manifest["component"]?["version"]?.stringValue)
            let protocolVersion = try #require(manifest["protocolVersion"]?.stringValue)
            #expect(lines.count == 3, "\(output.stdout)")
            #expect(lines.first == "twilio-component \(version)")
            #expect(lines.dropFirst().first == "protocol \(protocolVersion)")
            #expect(lines.last?.hasPrefix("libcurl/") == true)
            #expect(lines.last?.contains("nghttp2/") == true, "the libcurl loaded speaks HTTP/2")
        }
    }

    @Test func theHelpNamesTheHostedComponentAndNoOther() async throws {
        let fixture = ProcessRunner.product("fixture-component")
        for subcommand in ["mcp", "invoke", "serve"] {
            let help = try await ProcessRunner.run(fixture, [subcommand, "--help"])
            #expect(help.exitCode == 0, "\(help.stderr)")
            #expect(help.stdout.contains("fixture-component \(subcommand)"), "\(help.stdout)")
            #expect(!help.stdout.lowercased().contains("twilio"), "\(help.stdout)")
        }
        // Help is wrapped at the terminal's width: compare the words.
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let mcp = try await ProcessRunner.run(fixture, ["mcp", "--help"])
        #expect(words(mcp.stdout).contains("(FIXTURE_USER with FIXTURE_TOKEN)"), "\(mcp.stdout)")

        let twilio = try await ProcessRunner.run(EngineTool.path, ["--help"])
        #expect(words(twilio.stdout).contains("USAGE: twilio-component <subcommand>"), "\(twilio.stdout)")
        #expect(words(twilio.stdout).contains("TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET"))
    }

    @Test func triggersTakeThePayloadAndCarryTheState() async throws {
        try await withEngineTool { tool in
            let payload = try JSONParser.parse(
                String(contentsOfFile: PythonPeer.root.appendingPathComponent("examples/webhooks/incoming-sms.json").path, encoding: .utf8))
            let accepted = try await tool.run(
                "trigger", ["trigger": "webhook", "inputs": [:], "connection": tool.authToken, "payload": payload])
            #expect(accepted.exitCode == 0, "\(accepted.stderr)")
            #expect(accepted.envelope["payload"]?["twilio"]?["event"] == "incoming-message")
            #expect(accepted.envelope["response"]?["statusCode"] == 200)

            var tampered = payload
            if case .object(var object) = tampered, case .object(var body)? = object["body"], case .string(let data)? = body["data"] {
                // The body as parsed, changed; the raw bytes (which the signature is checked on) dropped.
                body["data"] = .string(data.replacingOccurrences(of: "Body=Hello", with: "Body=Goodbye"))
                object["body"] = .object(body)
                object["rawBody"] = nil
                tampered = .object(object)
            }
            let refused = try await tool.run("trigger", ["trigger": "webhook", "connection": tool.authToken, "payload": tampered])
            #expect(refused.exitCode == 2)
            #expect(refused.error["code"] == "invalid_signature")
            #expect(refused.envelope["response"]?["statusCode"] == 403)

            // Polling: the first run starts from now; the next returns what was sent since, and
            // its state goes into the run after it.
            let first = try await tool.run("trigger", ["trigger": "pollMessages", "connection": tool.authToken])
            #expect(first.exitCode == 0, "\(first.stderr)")
            let state = try #require(first.envelope["state"])
            #expect(state != .null)
            try await Task.sleep(for: .milliseconds(1100))
            for index in 1...3 {
                let sent = try await tool.run(
                    "invoke",
                    [
                        "action": "sendSMS", "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("poll \(index)")],
                        "connection": tool.authToken,
                    ])
                #expect(sent.exitCode == 0, "\(sent.stderr)")
            }
            let second = try await tool.run("trigger", ["trigger": "pollMessages", "connection": tool.authToken, "state": state])
            #expect(second.exitCode == 0, "\(second.stderr)")
            #expect(
                second.envelope["payload"]?["body"]?["data"]?["messages"]?.arrayValue?.compactMap { $0["body"]?.stringValue } == [
                    "poll 1", "poll 2", "poll 3",
                ])
            let third = try await tool.run(
                "trigger", ["trigger": "pollMessages", "connection": tool.authToken, "state": second.envelope["state"] ?? .null])
            #expect(third.envelope["payload"]?["body"]?["data"]?["count"] == 0)

            let foreign = try await tool.run("trigger", ["trigger": "pollMessages", "connection": tool.authToken, "state": ["cursor": 7]])
            #expect(foreign.exitCode == 2)
            #expect(foreign.error["code"] == "invalid_state")
        }
    }

    @Test func dataSourcesAnswerWithTheirResult() async throws {
        try await withEngineTool { tool in
            _ = try await tool.run("invoke", ["action": "sendSMS", "inputs": Self.sendInputs, "connection": tool.authToken])
            let output = try await tool.run(
                "data-source", ["dataSource": "selectMessage", "inputs": ["limit": 5], "connection": tool.authToken])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let choices = try #require(output.envelope["result"]?.arrayValue)
            #expect(choices.count == 1)
            #expect(choices[0]["key"]?.stringValue?.hasPrefix("SM") == true)
            let unknown = try await tool.run("data-source", ["dataSource": "selectMesage", "connection": tool.authToken])
            #expect(unknown.exitCode == 7)
            #expect(unknown.error["message"]?.stringValue?.contains("Did you mean 'selectMessage'?") == true)
        }
    }

    @Test func checkUsesTheActionsAuthenticationPath() async throws {
        try await withEngineTool { tool in
            for connection in [tool.authToken, tool.apiKey] {
                let output = try await tool.run("check", ["connection": connection])
                #expect(output.exitCode == 0, "\(output.stderr)")
                #expect(output.envelope["data"]?["ok"] == true)
                #expect(output.envelope["data"]?["details"]?["accountSid"] == .string(tool.credentials.accountSid))
                #expect(output.stderr.hasPrefix("ok: the connection works"))
            }
            // With no request, the environment's connection is checked.
            let fromEnvironment = try await tool.run(["check"], stdin: "", environment: tool.credentialEnvironment)
            #expect(fromEnvironment.exitCode == 0, "\(fromEnvironment.stderr)")
            #expect(fromEnvironment.envelope["data"]?["connection"] == "authToken")

            let wrongSecret: JSONValue = [
                "key": "apiKey",
                "fields": [
                    "accountSid": .string(tool.credentials.accountSid), "apiKey": .string(tool.credentials.apiKeySid),
                    "apiSecret": "not-the-secret",
                ],
            ]
            let refused = try await tool.run("check", ["connection": wrongSecret])
            #expect(refused.exitCode == 3)
            #expect(refused.error["kind"] == "connection")
            // What fails the check fails an action the same way.
            let action = try await tool.run("invoke", ["action": "sendSMS", "inputs": Self.sendInputs, "connection": wrongSecret])
            #expect(action.exitCode == 3)
            #expect(action.error["code"] == refused.error["code"])

            let malformed = try await tool.run("check", ["connection": ["key": "authToken", "fields": ["accountSid": "AC1"]]])
            #expect(malformed.exitCode == 3)
            #expect(malformed.error["code"] == "invalid_connection")
            let missing = try await tool.run(["check"], stdin: "")
            #expect(missing.exitCode == 3)
            #expect(missing.error["code"] == "missing_connection")
            let closed = try ReservedPort()
            let unreachable = try await tool.run(
                "check", ["connection": tool.authToken], environment: ["TWILIO_API_BASE_URL": "http://127.0.0.1:\(closed.port)"])
            #expect(unreachable.exitCode == 6)
            #expect(unreachable.error["kind"] == "network")
            _ = closed
        }
    }

    @Test func manifestGivesEveryInputAJSONSchemaThatAnIndependentValidatorAccepts() async throws {
        try await withEngineTool { tool in
            let output = try await tool.run(["manifest", "--compact"])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let manifest = output.envelope
            #expect(manifest["protocolVersion"] == "1.4")
            #expect(manifest["component"]?["key"] == "twilio")
            #expect(
                manifest["actions"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == [
                    "deleteRecording", "getCall", "getRecording", "getSMS", "listCalls", "listMessages", "listRecordings",
                    "makeCall", "rawRequest", "sendSMS", "updateCall", "lookupPhoneNumber", "sendVerification",
                    "checkVerification", "cancelVerification", "createVerifyService", "deleteMessage", "redactMessage",
                    "listMessageMedia", "getMessageMedia", "configureNumberWebhooks", "restoreNumberWebhooks",
                ])
            #expect(
                manifest["triggers"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == [
                    "webhook", "pollMessages", "voiceWebhook", "pollRecordings",
                ])
            #expect(
                manifest["dataSources"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == ["selectMessage", "selectPhoneNumber"])
            let actions = manifest["actions"]?.arrayValue ?? []
            let getSMS = try #require(actions.first { $0["key"] == "getSMS" })
            #expect(getSMS["hints"]?["readOnly"] == true)
            #expect(actions.first { $0["key"] == "sendSMS" }?["hints"]?["idempotent"] == false)
            #expect(
                actions.first { $0["key"] == "sendSMS" }?["reconcile"] == [
                    "action": "listMessages", "inputs": ["to": "to", "from": "from"], "items": "messages",
                    "match": ["to": "to", "from": "from", "body": "body"], "createdAt": "dateCreated", "id": "sid",
                    "page": ["size": "pageSize", "limit": "limit", "cursor": "cursor", "next": "cursor", "more": "hasMore"],
                    "preview": "dryRun", "callback": ["input": "statusCallback", "field": "MessageSid"],
                ])
            #expect(
                actions.first { $0["key"] == "makeCall" }?["reconcile"] == [
                    "action": "listCalls", "inputs": ["to": "to", "from": "from"], "items": "calls", "match": ["to": "to", "from": "from"],
                    "createdAt": "dateCreated", "id": "sid",
                    "page": ["size": "pageSize", "limit": "limit", "cursor": "cursor", "next": "cursor", "more": "hasMore"],
                    "preview": "dryRun", "callback": ["input": "statusCallback", "field": "CallSid"],
                ])
            #expect(actions.filter { $0["reconcile"] != .null }.count == 2)
            #expect(getSMS["inputs"]?.arrayValue?.first { $0["key"] == "messageSid" }?["dataSource"] == "selectMessage")
            #expect(getSMS["examplePayload"]?["data"]?["sid"] != nil)
            // Secrets are writeOnly wherever they are declared.
            var secrets = 0
            for section in ["connections", "triggers", "actions", "dataSources"] {
                for element in manifest[section]?.arrayValue ?? [] {
                    for input in element["inputs"]?.arrayValue ?? [] {
                        #expect(input["schema"]?["title"] == input["label"])
                        if input["type"] == "password" {
                            secrets += 1
                            #expect(input["schema"]?["writeOnly"] == true)
                        }
                    }
                }
            }
            #expect(secrets >= 5, "apiSecret, authToken, the webhook's Auth Token input, and the Verify codes")
            let check = try await PythonPeer.run(script: "manifest_schema_check.py", arguments: [], stdin: output.stdout)
            #expect(check.exitCode == 0, "\(check.stderr)")
            let report = try JSONParser.parse(check.stdout)
            #expect((report["schemas"]?.intValue ?? 0) >= 60)
            #expect(report["examplesAccepted"]?.arrayValue?.count == 27)
            #expect((report["wrongRefused"]?.intValue ?? 0) >= 40)
            #expect(report["reconcileRules"] == 2)
        }
    }

    @Test func docsAndValidateExposeTheRendererAndTheValidator() async throws {
        try await withEngineTool { tool in
            let docs = try await tool.run(["docs"])
            #expect(docs.exitCode == 0)
            #expect(docs.stdout.contains("## Actions") && docs.stdout.contains("### Send SMS"))
            let valid = try await tool.run(["validate"])
            #expect(valid.exitCode == 0, "\(valid.stderr)")
            #expect(valid.stdout.contains("is valid: component 'twilio', 2 connections, 4 triggers, 22 actions, 2 data sources"))

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).yaml").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            try
                "key: broken\ndisplay:\n  label: Broken\n  description: x\nactions:\n  - key: a\n    label: A\n    inputs:\n      - key: n\n        label: N\n        type: integr\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let broken = try await tool.run(["validate", file])
            #expect(broken.exitCode == 65)
            #expect(
                broken.stderr.contains(
                    "\(URL(fileURLWithPath: file).lastPathComponent):11:15: error: Input 'n' of action 'a' has unknown type 'integr'."),
                "\(broken.stderr)")
            #expect(broken.stderr.contains("integer"), "a suggestion")

            let help = try await tool.run(["--help"])
            #expect(help.exitCode == 0)
            for subcommand in ["manifest", "invoke", "trigger", "data-source", "check", "serve", "mcp", "docs", "validate"] {
                #expect(help.stdout.contains(subcommand))
            }
            let bare = try await tool.run([])
            #expect(bare.exitCode == 64)
        }
    }
}
