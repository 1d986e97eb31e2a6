import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// Every action, trigger, data source and subcommand, succeeding and failing, in debug mode with
/// known secrets: no secret appears in any output, as written, URL-encoded, or in its base64
/// HTTP Basic form.
@Suite(.timingInsensitive) struct SecretScanTests {
    /// A wrong secret with characters that URL-encoding changes, so that form is looked for too.
    static let wrongSecret = "wr0ng/Secret+with=chars&more"

    struct Collected {
        var outputs: [(label: String, text: String)] = []
        mutating func add(_ label: String, _ stdout: String, _ stderr: String) {
            outputs.append((label, stdout + "\n" + stderr))
        }
    }

    @Test func noSecretInAnyOutput() async throws {
        var collected = Collected()
        try await withEngineTool(lifecycleStep: .milliseconds(50)) { tool in
            let credentials = tool.credentials
            let secrets = [credentials.authToken, credentials.apiKeySecret, Self.wrongSecret]
            let debug: JSONValue = ["invocationId": "secret-scan", "debug": true]
            let wrongToken: JSONValue = [
                "key": "authToken", "fields": ["accountSid": .string(credentials.accountSid), "authToken": .string(Self.wrongSecret)],
            ]
            let wrongKey: JSONValue = [
                "key": "apiKey",
                "fields": [
                    "accountSid": .string(credentials.accountSid), "apiKey": .string(credentials.apiKeySid),
                    "apiSecret": .string(Self.wrongSecret),
                ],
            ]
            let misplaced: JSONValue = [
                "key": "authToken",
                "fields": ["accountSid": .string(credentials.authToken), "authToken": .string(credentials.apiKeySecret)],
            ]
            let unknownField: JSONValue = [
                "key": "authToken",
                "fields": [
                    "accountSid": .string(credentials.accountSid), "authToken": .string(credentials.authToken),
                    "password": .string(credentials.apiKeySecret),
                ],
            ]
            let send: JSONValue = ["from": "+15005550006", "to": "+14155550100", "body": "secret scan"]
            let call: JSONValue = ["from": "+15005550006", "to": "+14155550100", "message": "secret scan"]
            let unknownRecording: JSONValue = .string("RE" + String(repeating: "0", count: 32))

            // twilio-component, one request at a time.
            let sent = try await tool.run("invoke", ["action": "sendSMS", "inputs": send, "connection": tool.authToken, "context": debug])
            let sid = try #require(sent.envelope["data"]?["sid"]?.stringValue)
            collected.add("invoke sendSMS", sent.stdout, sent.stderr)
            let placed = try await tool.run(
                "invoke", ["action": "makeCall", "inputs": call, "connection": tool.authToken, "context": debug])
            let callSid = try #require(placed.envelope["data"]?["sid"]?.stringValue)
            collected.add("invoke makeCall", placed.stdout, placed.stderr)
            var requests: [(String, JSONValue)] = []
            for connection in [tool.authToken, tool.apiKey, wrongToken, wrongKey, misplaced, unknownField] {
                requests += [
                    ("invoke", ["action": "sendSMS", "inputs": send, "connection": connection, "context": debug]),
                    ("invoke", ["action": "getSMS", "inputs": ["messageSid": .string(sid)], "connection": connection, "context": debug]),
                    ("invoke", ["action": "listMessages", "inputs": ["limit": 3], "connection": connection, "context": debug]),
                    (
                        "invoke",
                        [
                            "action": "rawRequest",
                            "inputs": ["method": "GET", "url": .string("/Accounts/\(credentials.accountSid).json")],
                            "connection": connection, "context": debug,
                        ]
                    ),
                    ("invoke", ["action": "makeCall", "inputs": call, "connection": connection, "context": debug]),
                    ("invoke", ["action": "getCall", "inputs": ["callSid": .string(callSid)], "connection": connection, "context": debug]),
                    ("invoke", ["action": "listCalls", "inputs": ["limit": 3], "connection": connection, "context": debug]),
                    (
                        "invoke",
                        [
                            "action": "updateCall", "inputs": ["callSid": .string(callSid), "status": "completed"],
                            "connection": connection,
                            "context": debug,
                        ]
                    ),
                    ("invoke", ["action": "listRecordings", "inputs": ["limit": 3], "connection": connection, "context": debug]),
                    (
                        "invoke",
                        [
                            "action": "getRecording", "inputs": ["recordingSid": unknownRecording], "connection": connection,
                            "context": debug,
                        ]
                    ),
                    (
                        "invoke",
                        [
                            "action": "deleteRecording", "inputs": ["recordingSid": unknownRecording], "connection": connection,
                            "context": debug,
                        ]
                    ),
                    ("data-source", ["dataSource": "selectMessage", "connection": connection, "context": debug]),
                    ("trigger", ["trigger": "pollMessages", "connection": connection, "context": debug]),
                    ("check", ["connection": connection, "context": debug]),
                ]
            }
            let webhook = try JSONParser.parse(
                String(contentsOfFile: PythonPeer.root.appendingPathComponent("examples/webhooks/incoming-sms.json").path, encoding: .utf8))
            requests += [
                ("trigger", ["trigger": "webhook", "connection": tool.authToken, "payload": webhook, "context": debug]),
                ("trigger", ["trigger": "webhook", "connection": wrongToken, "payload": webhook, "context": debug]),
                (
                    "trigger",
                    [
                        "trigger": "webhook", "connection": tool.apiKey, "inputs": ["authToken": .string(credentials.authToken)],
                        "payload": webhook, "context": debug,
                    ]
                ),
                (
                    "trigger",
                    [
                        "trigger": "webhook", "connection": tool.apiKey, "inputs": ["authToken": .string(Self.wrongSecret)],
                        "payload": webhook, "context": debug,
                    ]
                ),
                (
                    "invoke",
                    [
                        "action": "sendSMS", "inputs": ["from": "+15005550006", "to": "+15005550001", "body": "x"],
                        "connection": tool.authToken, "context": debug,
                    ]
                ),
            ]
            for (subcommand, request) in requests {
                let output = try await tool.run(subcommand, request)
                collected.add(
                    "\(subcommand) \(JSONWriter.string(from: request["action"] ?? request["trigger"] ?? request["dataSource"] ?? "check"))",
                    output.stdout, output.stderr)
            }
            // Malformed requests that hold secrets are not quoted back.
            let malformed = try await tool.run(
                ["invoke"],
                stdin:
                    "{\"action\": \"sendSMS\", \"connection\": {\"key\": \"authToken\", \"fields\": {\"authToken\": \"\(credentials.authToken)\"}}, "
            )
            collected.add("invoke malformed", malformed.stdout, malformed.stderr)

            // The same requests through serve, with the credentials also in the environment.
            let lines =
                requests.enumerated().map { index, pair in
                    var object = pair.1.objectValue ?? [:]
                    object["id"] = .integer(index)
                    if pair.0 == "check" { object["check"] = true }
                    return JSONWriter.string(from: .object(object))
                }.joined(separator: "\n") + "\n"
            let served = try await ProcessRunner.run(EngineTool.path, ["serve"], environment: tool.credentialEnvironment, stdin: lines)
            #expect(served.stdout.split(separator: "\n").count == requests.count)
            collected.add("serve", served.stdout, served.stderr)

            for arguments in [["manifest"], ["docs"], ["validate"], ["check"]] {
                let output = try await tool.run(arguments, stdin: "", environment: tool.credentialEnvironment)
                collected.add(arguments.joined(separator: " "), output.stdout, output.stderr)
            }

            // MCP, through the official Python client.
            let mcp = try await PythonPeer.run(
                script: "mcp_client_check.py", arguments: [EngineTool.path], environment: tool.credentialEnvironment)
            collected.add("mcp", mcp.stdout, mcp.stderr)

            // run-action, with --debug, for every element.
            let runAction = ProcessRunner.product("run-action")
            let examples = PythonPeer.root.appendingPathComponent("examples").path
            var runs: [[String]] = [
                ["sendSMS", "--inputs-file", examples + "/sendSMS.json"],
                ["sendSMS", "--inputs-file", examples + "/sendSMS-dry-run.json"],
                ["getSMS", "--input", "messageSid=\(sid)"],
                ["listMessages", "--input", "limit=2"],
                ["makeCall", "--input", "to=+14155550100", "--input", "from=+15005550006", "--input", "message=secret scan"],
                ["getCall", "--input", "callSid=\(callSid)"],
                ["listCalls", "--input", "limit=2"],
                ["listRecordings", "--input", "limit=2"],
                ["rawRequest", "--inputs-file", examples + "/rawRequest.json"],
                ["selectMessage"],
                ["webhook", "--payload", examples + "/webhooks/incoming-sms.json"],
                ["webhook", "--payload", examples + "/webhooks/status-callback.json"],
            ]
            runs.append([
                "pollMessages", "--state",
                FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString).json").path,
            ])
            let connections: [[String]] = [
                [
                    "--connection", "authToken", "--connection-field", "accountSid=\(credentials.accountSid)", "--connection-field",
                    "authToken=\(credentials.authToken)",
                ],
                [
                    "--connection", "apiKey", "--connection-field", "accountSid=\(credentials.accountSid)", "--connection-field",
                    "apiKey=\(credentials.apiKeySid)", "--connection-field", "apiSecret=\(credentials.apiKeySecret)",
                ],
                [
                    "--connection", "authToken", "--connection-field", "accountSid=\(credentials.accountSid)", "--connection-field",
                    "authToken=\(Self.wrongSecret)",
                ],
            ]
            for run in runs {
                for connection in connections {
                    let output = try await ProcessRunner.run(
                        runAction, run + connection + ["--debug", "--base-url", tool.baseURL], environment: tool.environment)
                    collected.add("run-action \(run[0])", output.stdout, output.stderr)
                }
            }
            let fromEnvironment = try await ProcessRunner.run(
                runAction, ["listMessages", "--debug"], environment: tool.credentialEnvironment)
            collected.add("run-action from the environment", fromEnvironment.stdout, fromEnvironment.stderr)

            // What is looked for: each secret, URL-encoded, and as HTTP Basic with either user name.
            var forms: [String: String] = [:]
            for secret in secrets {
                forms[secret] = "\(secret.prefix(4))… as written"
                if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret {
                    forms[encoded] = "\(secret.prefix(4))… URL-encoded"
                }
                for user in [credentials.accountSid, credentials.apiKeySid] {
                    forms[Data("\(user):\(secret)".utf8).base64EncodedString()] = "\(secret.prefix(4))… in Basic auth"
                }
            }
            #expect(collected.outputs.contains { $0.text.contains(" debug ") }, "debug logs were written")
            var leaks: [String] = []
            for output in collected.outputs {
                for (form, name) in forms where output.text.contains(form) { leaks.append("\(output.label): \(name)") }
            }
            #expect(leaks.isEmpty, "\(leaks)")
            let bytes = collected.outputs.reduce(0) { $0 + $1.text.utf8.count }
            print(
                "secret scan: \(collected.outputs.count) outputs (\(bytes) bytes), \(forms.count) forms of \(secrets.count) secrets, \(leaks.count) found"
            )
        }
    }

    /// A verification code is a secret like an auth token: through invoke, serve and run-action,
    /// in debug mode, neither a code Twilio generated nor a custom one appears in any output, log
    /// or error, whether the check succeeds, fails (wrong code) or is refused (after approval).
    @Test func noVerificationCodeInAnyOutput() async throws {
        var collected = Collected()
        try await withEngineTool { tool in
            let debug: JSONValue = ["invocationId": "code-scan", "debug": true]
            func invoke(_ action: String, _ inputs: JSONObject, label: String) async throws -> JSONValue {
                let output = try await tool.run(
                    "invoke", ["action": .string(action), "inputs": .object(inputs), "connection": tool.authToken, "context": debug])
                collected.add("invoke \(label)", output.stdout, output.stderr)
                return output.envelope
            }
            let service = try await invoke(
                "createVerifyService", ["friendlyName": "Scan", "codeLength": 10, "customCodeEnabled": true], label: "createVerifyService")
            let serviceSid = try #require(service["data"]?["sid"]?.stringValue, "\(service)")
            // Ten-digit codes, so no SID, port or timestamp holds one by chance.
            let customCodes = ["7391046285", "8264019375", "5820417396"]
            var codes: [String] = customCodes
            func checks(to: String, code: String) -> [JSONObject] {
                let wrong = code == "0000000000" ? "1111111111" : "0000000000"
                codes.append(wrong)
                return [
                    ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(wrong)],
                    ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(code)],
                    ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(code)],
                ]
            }

            // invoke
            _ = try await invoke("sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550151"], label: "sendVerification")
            let invokeCode = try await tool.verificationCode(to: "+14155550151")
            codes.append(invokeCode)
            for inputs in checks(to: "+14155550151", code: invokeCode) {
                _ = try await invoke("checkVerification", inputs, label: "checkVerification")
            }
            let custom = try await invoke(
                "sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550152", "customCode": .string(customCodes[0])],
                label: "sendVerification customCode")
            #expect(custom["data"]?["status"] == "pending", "\(custom)")
            _ = try await invoke(
                "sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550153", "customCode": "12"],
                label: "refused customCode")

            // serve
            _ = try await invoke("sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550161"], label: "sendVerification")
            let serveCode = try await tool.verificationCode(to: "+14155550161")
            codes.append(serveCode)
            var requests = checks(to: "+14155550161", code: serveCode).map { ("checkVerification", $0) }
            requests.append(
                ("sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550162", "customCode": .string(customCodes[1])]))
            let lines =
                requests.enumerated().map { index, request in
                    JSONWriter.string(from: [
                        "id": .integer(index), "action": .string(request.0), "inputs": .object(request.1), "context": debug,
                    ])
                }.joined(separator: "\n") + "\n"
            let served = try await ProcessRunner.run(EngineTool.path, ["serve"], environment: tool.credentialEnvironment, stdin: lines)
            #expect(served.stdout.split(separator: "\n").count == requests.count)
            #expect(served.stdout.contains("\"approved\"") && served.stdout.contains("20404"), "\(served.stdout)")
            collected.add("serve", served.stdout, served.stderr)

            // run-action
            let runAction = ProcessRunner.product("run-action")
            func run(_ action: String, _ inputs: JSONObject) async throws {
                let arguments = inputs.pairs.flatMap { ["--input", "\($0.key)=\($0.value.stringValue ?? "")"] }
                let output = try await ProcessRunner.run(
                    runAction, [action, "--debug"] + arguments, environment: tool.credentialEnvironment)
                collected.add("run-action \(action)", output.stdout, output.stderr)
            }
            try await run("sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550171"])
            let runCode = try await tool.verificationCode(to: "+14155550171")
            codes.append(runCode)
            for inputs in checks(to: "+14155550171", code: runCode) { try await run("checkVerification", inputs) }
            try await run(
                "sendVerification", ["serviceSid": .string(serviceSid), "to": "+14155550172", "customCode": .string(customCodes[2])])

            #expect(collected.outputs.contains { $0.text.contains(" debug ") }, "debug logs were written")
            #expect(collected.outputs.contains { $0.text.contains("\"approved\"") }, "the right codes were accepted")
            var leaks: [String] = []
            for output in collected.outputs {
                for code in Set(codes) where output.text.contains(code) { leaks.append("\(output.label): \(code)") }
            }
            #expect(leaks.isEmpty, "\(leaks)")
        }
    }

    /// The identity a lookup compares (National ID and Date of Birth, password inputs) is sent in
    /// the request's query, and a date is rewritten as Lookup takes it (YYYYMMDD): through invoke,
    /// serve and run-action, in debug mode, answered, failing after retries and refused by Lookup,
    /// neither appears in any output, log or error, as given, as sent or URL-encoded.
    @Test func noIdentityInAnyOutput() async throws {
        var collected = Collected()
        let nationalID = "QX 7302/5518"
        let birth = "1987-03-21"
        let secrets = [nationalID, "QX%207302%2F5518", "QX+7302%2F5518", "7302%2F5518", birth, "19870321"]
        try await withEngineTool { tool in
            let debug: JSONValue = ["invocationId": "identity-scan", "debug": true]
            let inputs: JSONObject = [
                "phoneNumber": "+14155550100", "fields": ["identity_match"], "firstName": "Alex", "nationalId": .string(nationalID),
                "dateOfBirth": .string(birth),
            ]
            func invoke(_ label: String) async throws {
                let output = try await tool.run(
                    "invoke", ["action": "lookupPhoneNumber", "inputs": .object(inputs), "connection": tool.authToken, "context": debug])
                collected.add("invoke \(label)", output.stdout, output.stderr)
            }
            try await invoke("answered")
            #expect(collected.outputs.last?.text.contains("\"identityMatch\"") == true, "\(collected.outputs.last?.text ?? "")")
            try await tool.fault("lookup.fetch", ["type": "status", "status": 503], count: 4)
            try await invoke("503 after retries")
            try await tool.fault("lookup.fetch", ["type": "status", "status": 400], count: 1)
            try await invoke("400")

            let line = JSONWriter.string(from: ["id": 1, "action": "lookupPhoneNumber", "inputs": .object(inputs), "context": debug])
            let served = try await ProcessRunner.run(
                EngineTool.path, ["serve"], environment: tool.credentialEnvironment, stdin: line + "\n")
            #expect(served.stdout.contains("\"identityMatch\""), "\(served.stdout)")
            collected.add("serve", served.stdout, served.stderr)

            let runAction = ProcessRunner.product("run-action")
            let arguments = [
                "lookupPhoneNumber", "--debug", "--input", "phoneNumber=+14155550100", "--input", "fields=identity_match", "--input",
                "firstName=Alex", "--input", "nationalId=\(nationalID)", "--input", "dateOfBirth=\(birth)",
            ]
            let ran = try await ProcessRunner.run(runAction, arguments, environment: tool.credentialEnvironment)
            collected.add("run-action", ran.stdout, ran.stderr)
            try await tool.fault("lookup.fetch", ["type": "status", "status": 500], count: 4)
            let failed = try await ProcessRunner.run(runAction, arguments, environment: tool.credentialEnvironment)
            #expect(failed.exitCode != 0)
            collected.add("run-action 500", failed.stdout, failed.stderr)
        }
        #expect(collected.outputs.contains { $0.text.contains("NationalId=<redacted>") }, "the request's URL was logged, redacted")
        var leaks: [String] = []
        for output in collected.outputs {
            for secret in secrets where output.text.contains(secret) { leaks.append("\(output.label): \(secret)") }
        }
        #expect(leaks.isEmpty, "\(leaks)")
    }
}
