import ComponentCore
import Foundation
import TestSupport
import Testing

/// End-to-end tests of the run-action harness: the built fixture executable, its stdout,
/// stderr and exit code.
@Suite(.timingInsensitive) struct RunActionTests {
    let fixture = Fixture()

    /// The built fixture component's run-action.
    struct Fixture {
        func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessRunner.Output {
            var overrides: [String: String?] = ["FIXTURE_USER": nil, "FIXTURE_TOKEN": nil]
            for (key, value) in environment { overrides[key] = value }
            return try await ProcessRunner.run(ProcessRunner.product("fixture-component"), arguments, environment: overrides)
        }
    }
    /// The fixture's manifest file (examples/fixture-component/fixture.yaml).
    enum FixtureManifestFile {
        static let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/fixture-component/fixture.yaml").path
    }
    let connection = ["--connection", "token", "--connection-field", "user=alice", "--connection-field", "token=tok-5c2b9a7e11"]

    func temporaryFile(_ contents: String, suffix: String = ".json") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-action-\(UUID().uuidString)\(suffix)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func printsTheEnvelope() async throws {
        let output = try await fixture.run(["echo", "--input", "message=hi", "--input", "count=2", "--compact"] + connection)
        #expect(output.exitCode == 0)
        #expect(
            output.stdout
                == #"{"data":{"message":"hi","count":2,"loud":false,"ratio":null,"tags":null,"headers":null,"color":null,"day":null,"at":null,"payload":null,"pin":null,"connection":{"key":"token","user":"alice","token":"<redacted>"}}}"#
                + "\n")
        #expect(!output.stderr.contains("error"))
    }

    @Test func readsInputsAndConnectionFromFiles() async throws {
        let inputs = try temporaryFile(#"{"message": "from file", "loud": true, "tags": ["a", "b"], "count": "5"}"#)
        let connectionFile = try temporaryFile(#"{"key": "token", "fields": {"user": "bob", "token": "tok-aaaa1111"}}"#)
        let output = try await fixture.run([
            "echo", "--inputs-file", inputs, "--input", "count=7", "--connection-file", connectionFile, "--compact",
        ])
        #expect(output.exitCode == 0)
        let data = try JSONParser.parse(output.stdout)["data"]
        #expect(data?["message"] == "FROM FILE")
        #expect(data?["count"] == 7)
        #expect(data?["tags"] == ["a", "b"])
        #expect(data?["connection"]?["user"] == "bob")
    }

    @Test func takesTheConnectionFromTheEnvironment() async throws {
        let output = try await fixture.run(
            ["whoami", "--compact"], environment: ["FIXTURE_USER": "carol", "FIXTURE_TOKEN": "tok-bbbb2222"])
        #expect(output.stdout == #"{"data":{"user":"carol"}}"# + "\n")
        #expect(output.exitCode == 0)
    }

    @Test func reportsInputErrorsWithExitCode2() async throws {
        let output = try await fixture.run(["echo", "--input", "count=42abc", "--input", "colour=red"] + connection)
        #expect(output.exitCode == 2)
        #expect(
            output.stderr == """
                error: Unknown input 'colour' for action 'echo'. Did you mean 'color'? Known: message, count, loud, ratio, tags, headers, color, day, at, payload, pin.
                Input 'message' (Message) is required; give it a value.
                Input 'count' (Count) expects a whole number, but got '42abc'.

                """)
        let envelope = try JSONParser.parse(output.stdout)
        #expect(envelope["error"]?["kind"] == "input")
        #expect(envelope["error"]?["input"] == "colour")
        #expect(envelope["error"]?["details"]?["problems"]?.arrayValue?.count == 3)
    }

    @Test func reportsConnectionErrorsWithExitCode3() async throws {
        let output = try await fixture.run(["whoami", "--connection-field", "user=alice"])
        #expect(output.exitCode == 3)
        #expect(output.stderr == "error: Connection 'token' is not usable:\nField 'token' (Token) is required; give it a value.\n")
    }

    @Test func rejectsAnUnknownActionWithExitCode7() async throws {
        let output = try await fixture.run(["ehco"])
        #expect(output.exitCode == 7)
        #expect(output.stderr == "error: Unknown action 'ehco'. Did you mean 'echo'? This component's actions are: echo, whoami.\n")
    }

    @Test func rejectsBadCommandLinesWithExitCode64() async throws {
        let noAction = try await fixture.run([])
        #expect(noAction.exitCode == 64)
        #expect(noAction.stderr == "error: name what to run, one of: echo, whoami. See --list for their inputs.\n")
        let badPair = try await fixture.run(["echo", "--input", "message"])
        #expect(badPair.exitCode == 64)
        #expect(badPair.stderr == "error: --input expects key=value, but got 'message'.\n")
        let badJSON = try await fixture.run(["echo", "--input-json", "payload={oops"])
        #expect(badJSON.exitCode == 64)
        #expect(badJSON.stderr.hasPrefix("error: --input-json payload=...: the value is not valid JSON"))
        let unknownFlag = try await fixture.run(["echo", "--frobnicate"])
        #expect(unknownFlag.exitCode == 64)
        #expect(unknownFlag.stderr.contains("Unknown option '--frobnicate'"))
    }

    @Test func explainsItselfWithHelpAndList() async throws {
        let help = try await fixture.run(["--help"])
        #expect(help.exitCode == 0)
        // Named after the component, whose environment it names; it has no sandbox to offer.
        #expect(help.stdout.contains("USAGE: fixture-component [<options>] [<key>]"))
        #expect(help.stdout.contains("the component takes one from the environment (FIXTURE_USER with\nFIXTURE_TOKEN)."))
        #expect(!help.stdout.contains("built-in sandbox"))
        #expect(help.stdout.contains("--input <key=value>     An input value; repeat for more inputs or list items."))
        #expect(help.stdout.contains("Exit codes: 0 success; 1 internal error; 2 invalid input;"))
        let list = try await fixture.run(["--list"])
        #expect(list.exitCode == 0)
        #expect(list.stdout.contains("  echo — Echo: Returns its resolved inputs, typed, with secrets redacted."))
        #expect(list.stdout.contains("--input count=…  Count (integer; default 1)"))
        #expect(list.stdout.contains("--input color=…  Color (string; one of red/green/blue)"))
    }

    /// The version is the manifest's; COMPONENT_MANIFEST swaps the manifest for every front end,
    /// and its `retry:` reaches the export.
    @Test func theManifestGivesTheVersionAndCanBeSwapped() async throws {
        let version = try await fixture.run(["--version"])
        #expect(version.exitCode == 0)
        #expect(version.stdout.hasPrefix("fixture-component 0.1.0\nprotocol 1.4\n"))
        let text = try String(contentsOfFile: FixtureManifestFile.path, encoding: .utf8)
            .replacingOccurrences(of: "version: \"0.1.0\"", with: "version: \"0.2.0\"\nretry: {attempts: 5, engineAttempts: 2}")
        let swapped = try temporaryFile(text, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: swapped) }
        let exported = try await fixture.run(["manifest"], environment: ["COMPONENT_MANIFEST": swapped])
        #expect(exported.exitCode == 0, "\(exported.stderr)")
        let manifest = try JSONParser.parse(exported.stdout)
        #expect(manifest["component"]?["version"] == "0.2.0")
        #expect(manifest["retry"]?["attempts"] == 5 && manifest["retry"]?["engineAttempts"] == 2)
        #expect(manifest["retry"]?["retryAfterMaxMs"] == 30000)
        let broken = try temporaryFile(text.replacingOccurrences(of: "attempts: 5", with: "attempts: 50"), suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        // Several components in one environment: each reads its own variable, which wins.
        let own = try await fixture.run(["manifest"], environment: ["COMPONENT_FIXTURE_MANIFEST": swapped, "COMPONENT_MANIFEST": broken])
        #expect(own.exitCode == 0, "\(own.stderr)")
        #expect(try JSONParser.parse(own.stdout)["component"]?["version"] == "0.2.0")
        // An element keyed like a subcommand would never run from the executable: validate says so.
        let clash = try temporaryFile(text.replacingOccurrences(of: "  - key: whoami", with: "  - key: check"), suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: clash) }
        let refusedKey = try await fixture.run(["validate", clash])
        #expect(refusedKey.exitCode == 65)
        #expect(
            refusedKey.stderr.contains(
                "error: 'check' is also a subcommand of the component's executable: `fixture-component check` runs the subcommand, not the element"
            ))
        let other = try await fixture.run(["manifest"], environment: ["COMPONENT_SENDGRID_MANIFEST": broken])
        #expect(try JSONParser.parse(other.stdout)["component"]?["version"] == "0.1.0")
        let refused = try await fixture.run(["echo", "--input", "message=hi"], environment: ["COMPONENT_MANIFEST": broken])
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.contains("error: The field 'attempts' of the component's 'retry' must be from 1 to 10, not 50."))
    }

    @Test func refusesAnInvalidManifestWithItsDiagnostics() async throws {
        let manifest = try temporaryFile(
            """
            key: fixture
            display:
              label: Fixture
              description: Broken on purpose.
            actions:
              - key: echo
                label: Echo
                inputs:
                  - key: message
                    label: Message
                    type: strng
            """, suffix: ".yaml")
        let output = try await fixture.run(["echo", "--manifest", manifest])
        #expect(output.exitCode == 65)
        let name = (manifest as NSString).lastPathComponent
        #expect(
            output.stderr.contains(
                """
                \(name):11:15: error: Input 'message' of action 'echo' has unknown type 'strng'. Did you mean 'string'? \
                Use one of: string, text, password, code, boolean, integer, number, data, date, timestamp, connection.
                        type: strng
                              ^

                """))
        #expect(output.stderr.hasPrefix("\(name):6:5: warning: The action 'echo' has no description;"))
        #expect(output.stdout.isEmpty)
    }

    @Test func secretsAppearNowhereEvenInDebugMode() async throws {
        let token = "tok-Zq81x0PLm4"
        let pin = "pin-99817265"
        let basic = Data("alice:\(token)".utf8).base64EncodedString()
        var outputs: [ProcessRunner.Output] = []
        let withSecrets = ["--connection", "token", "--connection-field", "user=alice", "--connection-field", "token=\(token)", "--debug"]
        outputs.append(try await fixture.run(["echo", "--input", "message=hi", "--input", "pin=\(pin)"] + withSecrets))
        outputs.append(
            try await fixture.run(["echo", "--input", "message=hi", "--input", "pin=\(pin)", "--input", "count=x"] + withSecrets))
        outputs.append(
            try await fixture.run([
                "echo", "--input", "pin=\(pin)", "--connection", "nope", "--connection-field", "token=\(token)", "--debug",
            ]))
        outputs.append(try await fixture.run(["whoami", "--debug"], environment: ["FIXTURE_USER": "alice", "FIXTURE_TOKEN": token]))
        #expect(outputs[0].exitCode == 0)
        #expect(outputs[0].stderr.contains("info echoing"))
        #expect(outputs[0].stderr.contains("token=<redacted>"))
        for output in outputs {
            for needle in [token, pin, basic] {
                #expect(!output.stdout.contains(needle) && !output.stderr.contains(needle), "found \(needle)")
            }
        }
    }
}
