import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// Two sandboxes on one state file, as two processes (a running sandbox and a run-action, or two
/// run-actions) share it: each has its own stores, and neither undoes what the other changed.
@Suite(.timingInsensitive) struct SandboxSharedStateTests {
    func withSharedFile(_ body: (SandboxConfiguration, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateFile = directory.appendingPathComponent("state.json").path
        try await body(SandboxConfiguration(stateFile: stateFile, lifecycleStep: .zero), stateFile)
    }

    func stored(_ path: String) throws -> JSONValue {
        try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// `--reset-state` (and run-action's `--reset-sandbox`) removes every file kept for the state
    /// path: the messages, the calls beside them, Verify's records and the key sealing their codes.
    @Test func removingTheStateRemovesEveryFileKeptBesideIt() async throws {
        try await withSharedFile { configuration, stateFile in
            try await withSandbox(configuration) { (base: String, credentials: SandboxCredentials) async throws in
                let client = SandboxTestClient(baseURL: base, credentials: credentials)
                let sent = try await client.create([("From", "+15005550006"), ("To", "+14155550100"), ("Body", "kept")])
                let service = try await client.send(.post, "/v2/Services", form: [("FriendlyName", "Reset me")])
                #expect(sent.status == 201 && service.status == 201)
            }
            let kept = try FileManager.default.contentsOfDirectory(atPath: (stateFile as NSString).deletingLastPathComponent)
            #expect(
                kept.contains("state.json") && kept.contains("state.json.verify.json") && kept.contains("state.json.verify.key"), "\(kept)")
            TwilioSandbox.removeState(stateFile: stateFile)
            let left = try FileManager.default.contentsOfDirectory(atPath: (stateFile as NSString).deletingLastPathComponent)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func aRedactionOrDeletionInOneIsNotUndoneByTheOthersNextWrite() async throws {
        try await withSharedFile { configuration, stateFile in
            try await withSandbox(configuration) { baseA, credentials in
                try await withSandbox(configuration) { baseB, _ in
                    let a = SandboxTestClient(baseURL: baseA, credentials: credentials)
                    let b = SandboxTestClient(baseURL: baseB, credentials: credentials)
                    let form = [("From", "+15005550006"), ("To", "+14155550100")]
                    let kept = try #require(try a.json(try await a.create(form + [("Body", "kept secret")]))["sid"]?.stringValue)
                    let gone = try #require(try a.json(try await a.create(form + [("Body", "to delete")]))["sid"]?.stringValue)
                    #expect(try await b.send(.get, b.messagePath(kept)).status == 200, "B sees what A wrote")
                    #expect(try await b.send(.post, b.messagePath(kept), form: [("Body", "")]).status == 200)
                    #expect(try await b.send(.delete, b.messagePath(gone)).status == 204)
                    // A writes again: the redaction and the deletion must survive it.
                    #expect(try await a.create(form + [("Body", "third")]).status == 201)
                    let messages = try #require(try stored(stateFile)["messages"]?.arrayValue)
                    #expect(messages.count == 2)
                    #expect(messages.first { $0["sid"] == .string(kept) }?["body"] == "", "A's write restored the redacted body")
                    #expect(!messages.contains { $0["sid"] == .string(gone) }, "A's write brought the deleted message back")
                    #expect(try a.json(try await a.send(.get, a.messagePath(kept)))["body"] == "", "A sees B's redaction")
                    #expect(try await a.send(.get, a.messagePath(gone)).status == 404, "A sees B's deletion")

                    // Numbers: each changes a different field of the same number; both stay.
                    let numbers = "/2010-04-01/Accounts/\(credentials.accountSid)/IncomingPhoneNumbers"
                    let list = try a.json(try await a.send(.get, numbers + ".json"))
                    let number = try #require(list["incoming_phone_numbers"]?.arrayValue?.first?["sid"]?.stringValue)
                    _ = try await a.send(.post, numbers + "/\(number).json", form: [("SmsUrl", "https://a.example.com/sms")])
                    _ = try await b.send(.post, numbers + "/\(number).json", form: [("VoiceUrl", "https://b.example.com/voice")])
                    _ = try await a.send(.post, numbers + "/\(number).json", form: [("FriendlyName", "shared")])
                    let final = try b.json(try await b.send(.get, numbers + "/\(number).json"))
                    #expect(final["sms_url"] == "https://a.example.com/sms" && final["voice_url"] == "https://b.example.com/voice")
                    #expect(final["friendly_name"] == "shared")

                    // A reset in B empties the file; A's next write does not bring the old messages back.
                    #expect(try await b.control(.post, "reset").status == 204)
                    #expect(try await a.create(form + [("Body", "after reset")]).status == 201)
                    #expect(try stored(stateFile)["messages"]?.arrayValue?.count == 1)
                }
            }
        }
    }

    @Test func anApprovalOrDeletionInOneIsNotUndoneByTheOthersNextWrite() async throws {
        try await withSharedFile { configuration, stateFile in
            try await withSandbox(configuration) { baseA, credentials in
                try await withSandbox(configuration) { baseB, _ in
                    let a = SandboxVerifyTests.VerifyClient(SandboxTestClient(baseURL: baseA, credentials: credentials))
                    let b = SandboxVerifyTests.VerifyClient(SandboxTestClient(baseURL: baseB, credentials: credentials))
                    let service = try await a.createService()
                    let other = try await a.createService([("FriendlyName", "Other")])
                    #expect(try await a.sendCode(service, to: "+14155550120").status == 201)
                    let code = try await b.code(to: "+14155550120")
                    let check = try await b.check(service, [("To", "+14155550120"), ("Code", code)])
                    #expect(check.json["status"] == "approved", "B checks the code A sent: \(check.json)")
                    #expect(try await b.send(.delete, "/v2/Services/\(other)").status == 204)
                    // A writes again: the approval and the deletion must survive it.
                    #expect(try await a.sendCode(service, to: "+14155550121").status == 201)
                    let written = try stored(stateFile + ".verify.json")
                    let first = written["verifications"]?.arrayValue?.first { $0["to"] == "+14155550120" }
                    #expect(first?["status"] == "approved", "A's write set the approved verification pending again")
                    #expect(written["services"]?.arrayValue?.count == 1, "A's write brought the deleted service back")
                    #expect(try await a.send(.get, "/v2/Services/\(other)").status == 404)
                    #expect(try await a.verifications(to: "+14155550120").first?["status"] == "approved")
                }
            }
        }
    }

    @Test func codesAreSealedUnderAKeyFileNotTheAuthToken() async throws {
        try await withSharedFile { configuration, stateFile in
            try await withSandbox(configuration) { base, credentials in
                let verify = SandboxVerifyTests.VerifyClient(SandboxTestClient(baseURL: base, credentials: credentials))
                let service = try await verify.createService()
                #expect(try await verify.sendCode(service, to: "+14155550130").status == 201)
            }
            let keyFile = stateFile + ".verify.key"
            let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: keyFile)).count == 32)
            // Another key: the verification cannot be opened, but it is kept in the file, not dropped.
            try FileManager.default.removeItem(atPath: keyFile)
            try await withSandbox(configuration) { base, credentials in
                let verify = SandboxVerifyTests.VerifyClient(SandboxTestClient(baseURL: base, credentials: credentials))
                #expect(try await verify.verifications(to: "+14155550130").isEmpty)
                let service = try #require(
                    try await verify.send(.get, "/v2/Services").json["services"]?.arrayValue?.first?["sid"]?.stringValue)
                #expect(try await verify.sendCode(service, to: "+14155550131").status == 201)
            }
            let written = try stored(stateFile + ".verify.json")
            #expect(written["verifications"]?.arrayValue?.contains { $0["to"] == "+14155550130" } == true, "a sealed record was dropped")
        }
    }
}
