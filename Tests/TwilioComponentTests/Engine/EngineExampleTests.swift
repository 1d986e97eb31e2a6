import ComponentCore
import Foundation
import TestSupport
import Testing

/// examples/engine/host.py: a workflow host in plain Python loads the built component through
/// `manifest` and `serve` and runs its flow against a sandbox it starts.
@Suite(.timingInsensitive) struct EngineExampleTests {
    @Test func theExampleHostRunsItsFlow() async throws {
        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-host-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
        let output = try await ProcessRunner.run(
            "/usr/bin/env",
            [
                "python3", PythonPeer.root.appendingPathComponent("examples/engine/host.py").path,
                "--component", ProcessRunner.product("twilio-component"), "--sandbox", ProcessRunner.product("twilio-sandbox"),
                "--state-dir", stateDirectory,
            ])
        print(output.stderr)
        #expect(output.exitCode == 0, "\(output.stderr)")
        let summary = try JSONParser.parse(output.stdout.split(separator: "\n").last.map(String.init) ?? "")
        #expect(summary["flow"] == "ok")
        #expect(summary["webhooks"] == 2)
        #expect(summary["replies"]?.arrayValue?.count == 2)
        #expect(summary["polledAgain"] == 0)
        #expect(summary["workerExit"] == 0)
        #expect(FileManager.default.fileExists(atPath: stateDirectory + "/pollMessages.state.json"))
    }
}
