import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The voice actions end to end: run-action (in-process) → libcurl → the in-process sandbox, which
/// runs the calls it is asked to place.
@Suite(.timingInsensitive) struct VoiceActionSandboxTests {
    static let call = ["to": "+14155550100", "from": "+15005550006", "message": "Your order has shipped."]

    /// Asks getCall until the call's status is `status` (or ten seconds have passed); its last answer.
    static func poll(_ harness: Harness, call sid: String, until status: String) async throws -> Harness.Output {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let got = await harness.run(["getCall", "--input", "callSid=\(sid)"])
            if got.data["status"] == .string(status) || ContinuousClock.now > deadline { return got }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aCallSaysItsMessageCompletesAndIsListed() async throws {
        try await withHarness { harness throws in
            let made = await harness.run(["makeCall"] + Harness.inputs(Self.call.merging(["to": "(415) 555-0100"]) { $1 }))
            #expect(made.exitCode == 0, "\(made.stdout) \(made.stderr)")
            let sid = try #require(made.data["sid"]?.stringValue)
            #expect(sid.range(of: "^CA[0-9a-f]{32}$", options: .regularExpression) != nil)
            #expect(made.data["to"] == "+14155550100")
            #expect(made.data.objectValue?.keys.count == 26)

            let completed = try await Self.poll(harness, call: sid, until: "completed")
            #expect(completed.data["status"] == "completed", "\(completed.stdout)")
            #expect(completed.data["endTime"]?.stringValue?.hasSuffix("Z") == true)

            let listed = await harness.run(["listCalls"] + Harness.inputs(["to": "4155550100", "status": "completed"]))
            #expect(listed.data["calls"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sid])
            #expect(listed.data["hasMore"] == false)
        }
    }

    /// What a reconciling engine does with a lost create: the dry run's `expected`, given to
    /// listCalls as its filters, finds the call, and the listed call holds those values.
    @Test func theDryRunsExpectedCallFindsThePlacedOne() async throws {
        try await withHarness { harness throws in
            let inputs = ["to": "415 555 0100", "from": "5005550006", "message": "Hi"]
            let dry = await harness.run(["makeCall", "--input", "dryRun=true"] + Harness.inputs(inputs))
            let expected = try #require(dry.data["expected"]?.objectValue)
            let made = await harness.run(["makeCall"] + Harness.inputs(inputs))
            let sid = try #require(made.data["sid"]?.stringValue)
            let listed = await harness.run(
                ["listCalls"]
                    + Harness.inputs([
                        "to": try #require(expected["to"]?.stringValue), "from": try #require(expected["from"]?.stringValue),
                        "pageSize": "1", "limit": "1",
                    ]))
            let call = try #require(listed.data["calls"]?.arrayValue?.first)
            #expect(call["sid"] == .string(sid))
            #expect(call["to"] == expected["to"] && call["from"] == expected["from"])
        }
    }

    /// The same with addresses written in another case (`Client:`, `SIP:`): listCalls, given
    /// makeCall's own inputs as a reconciling engine gives them, finds the call the dry run
    /// predicted, its ends exactly the `expected` ones.
    @Test func aClientOrSIPAddressInAnyCaseIsFoundAsExpected() async throws {
        try await withHarness { harness throws in
            let inputs = ["to": "SIP:alice@example.com", "from": "Client:Bob", "message": "Hi"]
            let dry = await harness.run(["makeCall", "--input", "dryRun=true"] + Harness.inputs(inputs))
            let expected = try #require(dry.data["expected"]?.objectValue)
            let made = await harness.run(["makeCall"] + Harness.inputs(inputs))
            let sid = try #require(made.data["sid"]?.stringValue, "\(made.stdout) \(made.stderr)")
            let listed = await harness.run(
                ["listCalls"] + Harness.inputs(["to": inputs["to"]!, "from": inputs["from"]!, "pageSize": "1", "limit": "1"]))
            let call = try #require(listed.data["calls"]?.arrayValue?.first, "\(listed.stdout) \(listed.stderr)")
            #expect(call["sid"] == .string(sid))
            #expect(call["to"] == expected["to"] && call["from"] == expected["from"], "\(call) \(expected)")
        }
    }

    @Test func updateCallCancelsARingingCallAndCannotChangeItOnceEnded() async throws {
        // A long lifecycle step keeps the call ringing.
        try await withHarness(lifecycleStep: .seconds(60)) { harness throws in
            let made = await harness.run(["makeCall"] + Harness.inputs(Self.call))
            let sid = try #require(made.data["sid"]?.stringValue)
            let ringing = try await Self.poll(harness, call: sid, until: "ringing")
            #expect(ringing.data["status"] == "ringing")

            let canceled = await harness.run(["updateCall"] + Harness.inputs(["callSid": sid, "status": "canceled"]))
            #expect(canceled.exitCode == 0, "\(canceled.stdout)")
            #expect(canceled.data["status"] == "canceled")
            let got = await harness.run(["getCall", "--input", "callSid=\(sid)"])
            #expect(got.data["status"] == "canceled")

            // Asked again at its first attempt, the ended call is Twilio's error, with what to do.
            let again = await harness.run(["updateCall"] + Harness.inputs(["callSid": sid, "status": "completed"]))
            #expect(again.error["code"] == 21220)
            #expect(again.error["message"]?.stringValue?.contains("an ended call cannot be changed") == true)

            let redirect = await harness.run(
                ["updateCall"] + Harness.inputs(["callSid": sid, "twiml": "<Response><Say>Hello again</Say></Response>"]))
            #expect(redirect.error["code"] == 21220)
            #expect(redirect.error["maybeSent"] == false)
        }
    }

    @Test func aRecordedCallsRecordingIsListedDownloadedAndDeleted() async throws {
        try await withHarness { harness throws in
            let made = await harness.run(
                ["makeCall"] + Harness.inputs(Self.call.merging(["record": "true", "recordingChannels": "dual"]) { $1 }))
            let sid = try #require(made.data["sid"]?.stringValue)
            _ = try await Self.poll(harness, call: sid, until: "completed")

            var recordings: [JSONValue] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while recordings.isEmpty, ContinuousClock.now < deadline {
                let listed = await harness.run(["listRecordings", "--input", "callSid=\(sid)"])
                recordings = listed.data["recordings"]?.arrayValue ?? []
                if recordings.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            let recording = try #require(recordings.first)
            #expect(recordings.count == 1)
            #expect(recording["callSid"] == .string(sid))
            #expect(recording["channels"] == 2)
            let recordingSid = try #require(recording["sid"]?.stringValue)

            let wav = await harness.run(["getRecording", "--input", "recordingSid=\(recordingSid)"])
            #expect(wav.exitCode == 0, "\(wav.stderr)")
            #expect(wav.data["media"]?["contentType"] == "audio/x-wav")
            let wavBytes = try #require(Data(base64Encoded: wav.data["media"]?["data"]?.stringValue ?? ""))
            #expect(wavBytes.prefix(4) == Data("RIFF".utf8) && wavBytes.count > 44)

            let mp3 = await harness.run(["getRecording"] + Harness.inputs(["recordingSid": recordingSid, "format": "mp3"]))
            #expect(mp3.data["media"]?["contentType"] == "audio/mpeg")
            let mp3Bytes = try #require(Data(base64Encoded: mp3.data["media"]?["data"]?.stringValue ?? ""))
            #expect(!mp3Bytes.isEmpty && mp3Bytes != wavBytes)

            let deleted = await harness.run(["deleteRecording", "--input", "recordingSid=\(recordingSid)"])
            #expect(deleted.data == ["sid": .string(recordingSid), "deleted": true, "alreadyGone": false])
            let gone = await harness.run(["getRecording", "--input", "recordingSid=\(recordingSid)"])
            #expect(gone.error["code"] == 20404)
            let none = await harness.run(["listRecordings", "--input", "callSid=\(sid)"])
            #expect(none.data["recordings"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: [
        ("+15005550003", 21215, "The account's Voice geographic permissions do not allow calls to this number's country"),
        ("+15005550001", 21217, "The number does not look like a phone number Twilio can call"),
    ])
    func theSandboxsMagicNumbersFailWithWhatToDo(to: String, code: Int, hint: String) async throws {
        try await withHarness { harness throws in
            let output = await harness.run(["makeCall"] + Harness.inputs(Self.call.merging(["to": to]) { $1 }))
            #expect(output.exitCode == 4)
            #expect(output.error["code"] == .integer(code))
            #expect(output.error["maybeSent"] == false)
            #expect(output.error["message"]?.stringValue?.contains(hint) == true, "\(output.stdout)")
        }
    }
}
