import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// Deleting, redacting and reading the media of messages, and wiring a number to webhooks, end to
/// end: run-action (in-process) → libcurl → the in-process sandbox.
@Suite(.timingInsensitive) struct MessageLifeSandboxTests {
    /// Sends a message (with `mediaUrls`) and waits until the sandbox has delivered it.
    static func deliveredMessage(_ harness: Harness, body: String, mediaUrls: [String] = []) async throws -> String {
        let sent = await harness.run(
            ["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": body])
                + mediaUrls.flatMap { ["--input", "mediaUrls=\($0)"] })
        let sid = try #require(sent.data["sid"]?.stringValue, "\(sent.stdout) \(sent.stderr)")
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let got = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            if got.data["status"] == "delivered" { return sid }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("message \(sid) was not delivered within 10 s")
        return sid
    }

    @Test func mediaAreListedFetchedAndDeletedWithTheirMessage() async throws {
        try await withHarness { harness throws in
            let sid = try await Self.deliveredMessage(
                harness, body: "Two files", mediaUrls: ["https://example.com/owl.png", "https://example.com/menu.pdf"])
            let listed = await harness.run(["listMessageMedia", "--input", "messageSid=\(sid)"])
            #expect(listed.exitCode == 0, "\(listed.stdout) \(listed.stderr)")
            let media = try #require(listed.data["media"]?.arrayValue)
            #expect(Set(media.compactMap { $0["contentType"]?.stringValue }) == ["image/png", "application/pdf"])
            #expect(media.allSatisfy { $0["parentSid"] == .string(sid) })
            #expect(listed.data["hasMore"] == false)
            let paged = await harness.run(["listMessageMedia"] + Harness.inputs(["messageSid": sid, "pageSize": "1", "limit": "1"]))
            #expect(paged.data["media"]?.arrayValue?.count == 1)
            let cursor = try #require(paged.data["cursor"]?.stringValue)
            let rest = await harness.run(["listMessageMedia"] + Harness.inputs(["messageSid": sid, "cursor": cursor]))
            #expect(
                (paged.data["media"]?.arrayValue ?? []) + (rest.data["media"]?.arrayValue ?? []) == media,
                "\(rest.stdout) \(rest.stderr)")

            let png = try #require(media.first { $0["contentType"] == "image/png" }?["sid"]?.stringValue)
            let got = await harness.run(["getMessageMedia"] + Harness.inputs(["messageSid": sid, "mediaSid": png]))
            #expect(got.exitCode == 0, "\(got.stderr)")
            #expect(got.data["media"]?["contentType"] == "image/png")
            #expect(got.data["media"]?["encoding"] == "base64")
            let bytes = try #require(Data(base64Encoded: got.data["media"]?["data"]?.stringValue ?? ""))
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let capped = await harness.run(
                ["getMessageMedia"] + Harness.inputs(["messageSid": sid, "mediaSid": png, "maxBytes": "\(max(1, bytes.count - 1))"]))
            #expect(capped.error["input"] == "maxBytes")

            let deleted = await harness.run(["deleteMessage", "--input", "messageSid=\(sid)"])
            #expect(deleted.exitCode == 0, "\(deleted.stdout) \(deleted.stderr)")
            #expect(deleted.data == ["sid": .string(sid), "deleted": true, "alreadyGone": false])
            let gone = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            #expect(gone.error["code"] == 20404)
            let noMedia = await harness.run(["getMessageMedia"] + Harness.inputs(["messageSid": sid, "mediaSid": png]))
            #expect(noMedia.error["code"] == 20404)
            // Deleting it again at a first attempt: nothing this run removed, so an error.
            let again = await harness.run(["deleteMessage", "--input", "messageSid=\(sid)"])
            #expect(again.exitCode == 4)
            #expect(again.error["code"] == 20404)
        }
    }

    @Test func aRedactedMessageKeepsItsDetailsButNotItsBody() async throws {
        try await withHarness { harness throws in
            let sid = try await Self.deliveredMessage(harness, body: "Your code is 123456")
            let redacted = await harness.run(["redactMessage", "--input", "messageSid=\(sid)"])
            #expect(redacted.exitCode == 0, "\(redacted.stdout) \(redacted.stderr)")
            #expect(redacted.data["body"] == "")
            #expect(redacted.data["to"] == "+14155550100")
            #expect(redacted.data["status"] == "delivered")
            let got = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            #expect(got.data["body"] == "")
            let twice = await harness.run(["redactMessage", "--input", "messageSid=\(sid)"])
            #expect(twice.exitCode == 0)
            #expect(twice.data["body"] == "")
        }
    }

    @Test func aMessageStillInFlightIsNeitherDeletedNorRedacted() async throws {
        // A slow lifecycle keeps the message queued.
        try await withHarness(lifecycleStep: .seconds(60)) { harness throws in
            let sent = await harness.run(["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": "Hi"]))
            let sid = try #require(sent.data["sid"]?.stringValue)
            for action in ["deleteMessage", "redactMessage"] {
                let refused = await harness.run([action, "--input", "messageSid=\(sid)"])
                #expect(refused.exitCode == 4, "\(refused.stdout)")
                #expect(refused.error["code"] == 20009)
                #expect(refused.error["message"]?.stringValue?.contains("not while it is queued, scheduled or sending") == true)
            }
            let got = await harness.run(["getSMS", "--input", "messageSid=\(sid)"])
            #expect(got.data["body"] == "Hi")
        }
    }

    /// The number as the sandbox's IncomingPhoneNumbers list shows it.
    static func sandboxNumber(_ harness: some SandboxControlling, _ phoneNumber: String) async throws -> JSONValue {
        let credentials = harness.credentials
        let response = try await harness.controlClient.send(
            HTTPClientRequest(
                method: .get, url: harness.baseURL + "/2010-04-01/Accounts/\(credentials.accountSid)/IncomingPhoneNumbers.json",
                query: [("PhoneNumber", phoneNumber)],
                auth: BasicAuth(username: credentials.accountSid, password: Secret(credentials.authToken))))
        let numbers = try JSONParser.parse(response.body)["incoming_phone_numbers"]?.arrayValue ?? []
        return try #require(numbers.first { $0["phone_number"] == .string(phoneNumber) })
    }

    @Test func configureRefuseReplaceAndRestoreANumbersWebhooks() async throws {
        try await withHarness { harness throws in
            let picked = await harness.run(["selectPhoneNumber"])
            #expect(picked.exitCode == 0, "\(picked.stderr)")
            let result = try #require(picked.envelope["result"]?.arrayValue)
            #expect(Set(result.compactMap { $0["key"]?.stringValue }) == ["+15005550006", "+15017122661"])
            #expect(result.contains(["key": "+15005550006", "label": "+15005550006 ((500) 555-0006)"]))

            let first = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "5005550006", "smsUrl": "https://hooks.example.com/a/sms",
                        "voiceUrl": "https://hooks.example.com/a/voice",
                        "voiceMethod": "GET",
                    ]))
            #expect(first.exitCode == 0, "\(first.stdout) \(first.stderr)")
            #expect(first.data["changed"] == true)
            #expect(first.data["previous"] == ["smsUrl": "", "voiceUrl": "", "voiceMethod": "POST"])
            let sid = try #require(first.data["phoneNumberSid"]?.stringValue)
            #expect(sid.hasPrefix("PN"))
            var number = try await Self.sandboxNumber(harness, "+15005550006")
            #expect(number["sms_url"] == "https://hooks.example.com/a/sms")
            #expect(number["voice_url"] == "https://hooks.example.com/a/voice")
            #expect(number["voice_method"] == "GET")

            // Another flow's URL: refused, and the number keeps the first.
            let other = ["phoneNumber": sid, "smsUrl": "https://hooks.example.com/b/sms"]
            let refused = await harness.run(["configureNumberWebhooks"] + Harness.inputs(other))
            #expect(refused.exitCode == 2)
            #expect(refused.error["code"] == "webhook_conflict")
            #expect(refused.error["input"] == "smsUrl")
            #expect(refused.error["message"]?.stringValue?.contains("https://hooks.example.com/a/sms") == true)
            #expect(refused.error["message"]?.stringValue?.contains("replaceExisting") == true)
            number = try await Self.sandboxNumber(harness, "+15005550006")
            #expect(number["sms_url"] == "https://hooks.example.com/a/sms")

            let replaced = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(other.merging(["replaceExisting": "true"]) { $1 }))
            #expect(replaced.exitCode == 0, "\(replaced.stderr)")
            #expect(replaced.data["previous"] == ["smsUrl": "https://hooks.example.com/a/sms"])
            number = try await Self.sandboxNumber(harness, "+15005550006")
            #expect(number["sms_url"] == "https://hooks.example.com/b/sms")
            #expect(number["voice_url"] == "https://hooks.example.com/a/voice")

            // The first flow's teardown would cut off the second's SMS URL: refused.
            let firstTeardown = [
                "phoneNumber": "+15005550006", "previous": JSONWriter.string(from: try #require(first.data["previous"])),
                "current": JSONWriter.string(from: try #require(first.data["current"])),
            ]
            let cutOff = await harness.run(["restoreNumberWebhooks"] + Harness.inputs(firstTeardown))
            #expect(cutOff.exitCode == 2, "\(cutOff.stdout)")
            #expect(cutOff.error["code"] == "webhook_conflict")
            #expect(cutOff.error["message"]?.stringValue?.contains("it is now 'https://hooks.example.com/b/sms'") == true)
            #expect(try await Self.sandboxNumber(harness, "+15005550006")["sms_url"] == "https://hooks.example.com/b/sms")

            // The second flow's teardown puts back the first's URL; then the first's puts back
            // what it found.
            let secondTeardown = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": sid, "previous": JSONWriter.string(from: try #require(replaced.data["previous"])),
                        "current": JSONWriter.string(from: try #require(replaced.data["current"])),
                    ]))
            #expect(secondTeardown.exitCode == 0, "\(secondTeardown.stdout)")
            #expect(secondTeardown.data["restored"] == ["smsUrl"])
            #expect(try await Self.sandboxNumber(harness, "+15005550006")["sms_url"] == "https://hooks.example.com/a/sms")
            let restored = await harness.run(["restoreNumberWebhooks"] + Harness.inputs(firstTeardown))
            #expect(restored.exitCode == 0, "\(restored.stdout) \(restored.stderr)")
            #expect(restored.data["restored"] == ["smsUrl", "voiceUrl", "voiceMethod"])
            #expect(restored.data["current"] == ["smsUrl": "", "voiceUrl": "", "voiceMethod": "POST"])
            number = try await Self.sandboxNumber(harness, "+15005550006")
            #expect([number["sms_url"], number["voice_url"], number["voice_method"]] == ["", "", "POST"])
            // The other number was never touched.
            let untouched = try await Self.sandboxNumber(harness, "+15017122661")
            #expect(untouched["sms_url"] == "")
        }
    }
}
