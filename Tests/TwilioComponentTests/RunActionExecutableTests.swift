import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The built run-action executable: credentials from the environment, the built-in sandbox kept
/// between runs, and the README's command.
@Suite(.timingInsensitive) struct RunActionExecutableTests {
    let runAction = ProcessRunner.product("run-action")

    func cacheDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("run-action-cache-\(UUID().uuidString)").path
    }

    /// The environment without any TWILIO_ variable, with its own cache directory.
    func isolated(_ cache: String, _ extra: [String: String] = [:]) -> [String: String?] {
        var environment: [String: String?] = ["XDG_CACHE_HOME": cache]
        for key in ProcessInfo.processInfo.environment.keys where key.hasPrefix("TWILIO_") { environment[key] = .some(nil) }
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// `examples/sendSMS-template.json` and `examples/sendWhatsApp.json`, as shipped, through the
    /// built-in sandbox, which renders the templates they name.
    @Test(arguments: [
        ("sendSMS-template.json", "Your appointment is coming up on Friday, May 15 at 3:30pm. Reply C to confirm."),
        ("sendWhatsApp.json", "Hi Ada, your order #4417 has shipped and arrives on Thursday."),
    ])
    func theTemplateExamplesRunAsShipped(file: String, body: String) async throws {
        let cache = cacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let example = PythonPeer.root.appendingPathComponent("examples/" + file).path
        let sent = try await ProcessRunner.run(runAction, ["sendSMS", "--inputs-file", example], environment: isolated(cache))
        #expect(sent.exitCode == 0, "\(sent.stderr)")
        #expect(try JSONParser.parse(sent.stdout)["data"]?["body"] == .string(body))
    }

    @Test func theREADMECommandSendsThroughTheBuiltInSandboxAndKeepsTheMessage() async throws {
        let cache = cacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let examples = PythonPeer.root.appendingPathComponent("examples/sendSMS.json").path
        let sent = try await ProcessRunner.run(runAction, ["sendSMS", "--inputs-file", examples], environment: isolated(cache))
        #expect(sent.exitCode == 0, "\(sent.stderr)")
        #expect(
            sent.stderr.hasPrefix(
                "No credentials set (TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET): using the built-in sandbox at http://127.0.0.1:"
            ))
        #expect(sent.stderr.contains("keeps its state in \(cache)/twilio-component/sandbox-state.json"))
        let envelope = try JSONParser.parse(sent.stdout)
        #expect(envelope["data"]?["status"] == "queued")
        #expect(envelope["data"]?["body"] == "Hello from the Twilio component!")
        let sid = try #require(envelope["data"]?["sid"]?.stringValue)

        let fetched = try await ProcessRunner.run(
            runAction, ["getSMS", "--input", "messageSid=\(sid)", "--compact"], environment: isolated(cache))
        #expect(fetched.exitCode == 0, "\(fetched.stderr)")
        #expect(try JSONParser.parse(fetched.stdout)["data"]?["sid"] == .string(sid))

        let reset = try await ProcessRunner.run(
            runAction, ["getSMS", "--input", "messageSid=\(sid)", "--reset-sandbox"], environment: isolated(cache))
        #expect(reset.exitCode == 4)
        #expect(try JSONParser.parse(reset.stdout)["error"]?["code"] == 20404)
    }

    /// `examples/makeCall.json` through the built-in sandbox: each run starts the sandbox afresh
    /// from its state file and stops it at exit, so the call placed in the first run must still
    /// reach `completed` as later runs look at it. A malformed TwiML is refused before any request.
    @Test func theMakeCallExamplePlacesACallThatCompletesAcrossRuns() async throws {
        let cache = cacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let example = PythonPeer.root.appendingPathComponent("examples/makeCall.json").path
        let placed = try await ProcessRunner.run(
            runAction, ["makeCall", "--inputs-file", example, "--compact"], environment: isolated(cache))
        #expect(placed.exitCode == 0, "\(placed.stderr)")
        #expect(placed.stderr.contains("using the built-in sandbox at http://127.0.0.1:"))
        let call = try JSONParser.parse(placed.stdout)["data"]
        let sid = try #require(call?["sid"]?.stringValue)
        #expect(sid.hasPrefix("CA") && sid.count == 34)
        #expect(call?["to"] == "+14155550100" && call?["from"] == "+15005550006")
        #expect(call?["status"] == "queued")

        // One run-action process per look, as a user would poll; bounded, with short sleeps.
        var statuses: [String] = []
        for _ in 0..<8 {
            let fetched = try await ProcessRunner.run(
                runAction, ["getCall", "--input", "callSid=\(sid)", "--compact"], environment: isolated(cache))
            #expect(fetched.exitCode == 0, "\(fetched.stderr)")
            let status = try JSONParser.parse(fetched.stdout)["data"]?["status"]?.stringValue ?? "(none)"
            statuses.append(status)
            if status == "completed" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(statuses.last == "completed", "the call's status in each getCall run: \(statuses)")

        let listed = try await ProcessRunner.run(
            runAction, ["listCalls", "--input", "to=+14155550100", "--compact"], environment: isolated(cache))
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        let calls = try JSONParser.parse(listed.stdout)["data"]?["calls"]?.arrayValue ?? []
        #expect(calls.compactMap { $0["sid"]?.stringValue } == [sid])
        #expect(calls.first?["status"] == "completed")

        let refused = try await ProcessRunner.run(
            runAction,
            [
                "makeCall", "--input", "from=+15005550006", "--input", "to=+14155550100", "--input",
                "twiml=<Response><Say>unclosed</Response>", "--compact",
            ],
            environment: isolated(cache))
        #expect(refused.exitCode == 2, "\(refused.stdout)")
        let error = try JSONParser.parse(refused.stdout)["error"]
        #expect(error?["kind"] == "input")
        #expect(error?["input"] == "twiml")
        #expect(error?["message"]?.stringValue?.hasPrefix("Input 'twiml' (TwiML) is not valid TwiML") == true, "\(refused.stdout)")

        let after = try await ProcessRunner.run(runAction, ["listCalls", "--input", "limit=0", "--compact"], environment: isolated(cache))
        #expect(after.exitCode == 0, "\(after.stderr)")
        #expect(
            (try JSONParser.parse(after.stdout)["data"]?["calls"]?.arrayValue ?? []).compactMap { $0["sid"]?.stringValue } == [sid],
            "the refused TwiML placed no call")
    }

    @Test func takesCredentialsFromTheEnvironmentLikeTwiliosTools() async throws {
        try await withSandbox { baseURL, credentials throws in
            let cache = cacheDirectory()
            let send = ["sendSMS", "--input", "from=+15005550006", "--input", "to=+14155550100", "--input", "body=env", "--compact"]
            let token = try await ProcessRunner.run(
                runAction, send,
                environment: isolated(
                    cache,
                    [
                        "TWILIO_ACCOUNT_SID": credentials.accountSid, "TWILIO_AUTH_TOKEN": credentials.authToken,
                        "TWILIO_API_BASE_URL": baseURL,
                    ]))
            #expect(token.exitCode == 0, "\(token.stderr)")
            #expect(token.stderr.isEmpty, "no sandbox notice with credentials set")
            let key = try await ProcessRunner.run(
                runAction, send + ["--base-url", baseURL],
                environment: isolated(
                    cache,
                    [
                        "TWILIO_ACCOUNT_SID": credentials.accountSid, "TWILIO_API_KEY": credentials.apiKeySid,
                        "TWILIO_API_SECRET": credentials.apiKeySecret,
                    ]))
            #expect(key.exitCode == 0, "\(key.stderr)")
            let partial = try await ProcessRunner.run(
                runAction, send, environment: isolated(cache, ["TWILIO_ACCOUNT_SID": credentials.accountSid]))
            #expect(partial.exitCode == 3)
            #expect(
                partial.stderr
                    == "error: TWILIO_ACCOUNT_SID is set, but not TWILIO_AUTH_TOKEN, nor TWILIO_API_KEY with TWILIO_API_SECRET: set one of them, or unset TWILIO_ACCOUNT_SID to use the built-in sandbox.\n"
            )
            let baseOnly = try await ProcessRunner.run(runAction, send + ["--base-url", baseURL], environment: isolated(cache))
            #expect(baseOnly.exitCode == 3)
            #expect(try JSONParser.parse(baseOnly.stdout)["error"]?["code"] == "missing_connection")
        }
    }

    @Test func secretsStayOutOfEveryOutputInDebugMode() async throws {
        try await withSandbox { baseURL, credentials throws in
            let cache = cacheDirectory()
            let environment = isolated(
                cache,
                [
                    "TWILIO_ACCOUNT_SID": credentials.accountSid, "TWILIO_API_KEY": credentials.apiKeySid,
                    "TWILIO_API_SECRET": credentials.apiKeySecret,
                ])
            var outputs: [ProcessRunner.Output] = []
            for arguments in [
                ["sendSMS", "--input", "from=+15005550006", "--input", "to=+14155550100", "--input", "body=x"],
                ["sendSMS", "--input", "from=+15005550006", "--input", "to=+15005550001", "--input", "body=x"],
                ["listMessages", "--input", "limit=5"],
                ["rawRequest", "--input", "method=GET", "--input", "url=/Accounts/$TWILIO_ACCOUNT_SID.json"],
                ["rawRequest", "--input", "method=GET", "--input", "url=https://evil.test/x"],
            ] {
                outputs.append(
                    try await ProcessRunner.run(runAction, arguments + ["--debug", "--base-url", baseURL], environment: environment))
            }
            #expect(outputs[0].stderr.contains("HTTP POST \(baseURL)/2010-04-01/Accounts/\(credentials.accountSid)/Messages.json → 201"))
            let basic = Data("\(credentials.apiKeySid):\(credentials.apiKeySecret)".utf8).base64EncodedString()
            for output in outputs {
                for needle in [credentials.apiKeySecret, basic] {
                    #expect(!output.stdout.contains(needle) && !output.stderr.contains(needle), "found a secret")
                }
            }
        }
    }

    @Test func printsTheDocsAndTheListing() async throws {
        let docs = try await ProcessRunner.run(runAction, ["--docs"])
        #expect(docs.stdout == (try String(contentsOfFile: PythonPeer.root.appendingPathComponent("docs/twilio.md").path, encoding: .utf8)))
        let list = try await ProcessRunner.run(runAction, ["--list"])
        #expect(list.stdout.hasPrefix("Actions of Twilio (twilio):"))
        #expect(list.stdout.contains("  sendSMS — Send SMS: Send an SMS message"))
    }
}
