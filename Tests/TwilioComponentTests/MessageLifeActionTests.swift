import ComponentCore
import ComponentHTTP
import ComponentManifest
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioComponent
import TwilioSandbox

/// deleteMessage, redactMessage, listMessageMedia, getMessageMedia, configureNumberWebhooks,
/// restoreNumberWebhooks and selectPhoneNumber against a recording test server standing in for
/// Twilio: the exact requests sent, refusals before any request, and lost answers.
@Suite(.timingInsensitive) struct MessageLifeActionTests {
    static let account = SandboxCredentials.default.accountSid
    static let messageSid = "MM" + String(repeating: "b", count: 32)
    static let mediaSid = "ME" + String(repeating: "c", count: 32)
    static let numberSid = "PN" + String(repeating: "a", count: 32)
    static let accountPath = "/2010-04-01/Accounts/\(account)"
    static let messagePath = "\(accountPath)/Messages/\(messageSid)"
    static let notFound = #"{"code": 20404, "message": "The requested resource was not found", "status": 404}"#

    static func twilioMessage(body: String) -> String {
        """
        {"body": "\(body)", "num_segments": "1", "direction": "outbound-api", "from": "+15005550006", "to": "+14155550100",
         "date_updated": "Wed, 14 May 2025 22:45:10 +0000", "price": null, "error_message": null,
         "uri": "\(messagePath).json", "account_sid": "\(account)", "num_media": "1", "status": "delivered",
         "messaging_service_sid": null, "sid": "\(messageSid)", "date_sent": "Wed, 14 May 2025 22:42:26 +0000",
         "date_created": "Wed, 14 May 2025 22:42:25 +0000", "error_code": null, "price_unit": "USD", "api_version": "2010-04-01",
         "subresource_uris": {"media": "\(messagePath)/Media.json"}}
        """
    }

    static let twilioMedia = """
        {"account_sid": "\(account)", "content_type": "image/png", "date_created": "Wed, 14 May 2025 22:42:25 +0000",
         "date_updated": "Wed, 14 May 2025 22:42:26 +0000", "parent_sid": "\(messageSid)", "sid": "\(mediaSid)",
         "uri": "\(messagePath)/Media/\(mediaSid).json"}
        """

    func withTwilio<T>(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action,
        _ body: (Harness, TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await withTestServer(handler: handler) { server in
            try await body(
                Harness(endpoint: SandboxEndpoint(baseURL: server.baseURL, credentials: .default, certificateAuthorityFile: nil)), server)
        }
    }

    static func form(_ request: TestHTTPServer.Request) -> [String] {
        (FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? []).map { "\($0.0)=\($0.1)" }
    }

    /// Counts the calls of a handler, 1-based.
    final class Counter: Sendable {
        let count = Mutex(0)
        func next() -> Int {
            count.withLock {
                $0 += 1
                return $0
            }
        }
    }

    // MARK: deleteMessage

    @Test func deleteMessageSendsOneDeleteAndTreatsALostAnswersRetryAsDone() async throws {
        try await withTwilio({ _ in .respond(status: 204) }) { harness, server in
            let output = await harness.run(["deleteMessage", "--input", "messageSid=\(Self.messageSid)"])
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data == ["sid": .string(Self.messageSid), "deleted": true, "alreadyGone": false])
            #expect(server.requests.map(\.method) == ["DELETE"])
            #expect(server.requests.map(\.target) == [Self.messagePath + ".json"])
            #expect(server.requests.first?.header("Accept") != "application/json")
        }
        let attempts = Counter()
        try await withTwilio({ _ in attempts.next() == 1 ? .closeAfterReading : .json(404, Self.notFound) }) { harness, server in
            let output = await harness.run(["deleteMessage", "--input", "messageSid=\(Self.messageSid)"])
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data["alreadyGone"] == true)
            #expect(server.requests.count == 2)
            // A 404 at the first attempt: nothing this run did removed it.
            let missing = await harness.run(["deleteMessage", "--input", "messageSid=\(Self.messageSid)"])
            #expect(missing.exitCode == 4)
            #expect(missing.error["code"] == 20404)
        }
    }

    /// A 429 says Twilio did nothing, so a 404 on the retry after it means the message never was
    /// there (a mistyped SID, another account): an error, not "already gone".
    @Test func deleteMessageReportsA404AfterA429() async throws {
        try await withTwilio(
            TestHTTPServer.script(
                [.json(429, #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#)], then: .json(404, Self.notFound))
        ) { harness, server in
            let output = await harness.run(["deleteMessage", "--input", "messageSid=\(Self.messageSid)"])
            #expect(output.exitCode == 4, "\(output.stdout)")
            #expect(output.error["code"] == 20404)
            #expect(server.requests.map(\.method) == ["DELETE", "DELETE"])
        }
    }

    @Test func deleteAndRedactExplainAMessageStillInFlight() async throws {
        let refusal = #"{"code": 20009, "message": "Cannot delete this resource before it is complete", "status": 400}"#
        try await withTwilio({ _ in .json(400, refusal) }) { harness, server in
            for action in ["deleteMessage", "redactMessage"] {
                let output = await harness.run([action, "--input", "messageSid=\(Self.messageSid)"])
                #expect(output.exitCode == 4)
                #expect(output.error["code"] == 20009)
                let message = try #require(output.error["message"]?.stringValue)
                #expect(message.hasPrefix("Twilio answered 400: Cannot delete this resource before it is complete (error 20009)."))
                #expect(message.contains("only once Twilio has finished with it"), "\(message)")
                #expect(message.contains("not while it is queued, scheduled or sending"))
            }
            #expect(server.requests.map(\.method) == ["DELETE", "POST"])
        }
    }

    // MARK: redactMessage

    @Test func redactMessagePostsAnEmptyBodyAndIsRetriedAfterALostAnswer() async throws {
        let posts = Counter()
        try await withTwilio({ _ in posts.next() == 1 ? .closeAfterReading : .json(200, Self.twilioMessage(body: "")) }) {
            harness, server in
            let output = await harness.run(["redactMessage", "--input", "messageSid=\(Self.messageSid)"])
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            #expect(output.data["body"] == "")
            #expect(output.data["sid"] == .string(Self.messageSid))
            #expect(output.data["dateSent"] == "2025-05-14T22:42:26.000Z")
            #expect(output.data.objectValue?.keys.count == 20)
            // Redaction sets a value: the same request again is harmless, so it was retried.
            #expect(server.requests.count == 2)
            for request in server.requests {
                #expect(request.method == "POST")
                #expect(request.target == Self.messagePath + ".json")
                #expect(Self.form(request) == ["Body="])
                #expect(String(decoding: request.body, as: UTF8.self) == "Body=")
            }
            let invalid = await harness.run(["redactMessage", "--input", "messageSid=SM12"])
            #expect(invalid.error["input"] == "messageSid")
            #expect(server.requests.count == 2)
        }
    }

    // MARK: media

    @Test func listMessageMediaPagesWithACursor() async throws {
        let second = "\(Self.messagePath)/Media.json?PageSize=1&Page=1&PageToken=PAME"
        try await withTwilio({ request in
            request.target.contains("PageToken=PAME")
                ? .json(200, #"{"media_list": [], "next_page_uri": null}"#)
                : .json(200, #"{"media_list": [\#(Self.twilioMedia)], "next_page_uri": "\#(second)"}"#)
        }) { harness, server in
            let output = await harness.run(["listMessageMedia"] + Harness.inputs(["messageSid": Self.messageSid, "limit": "1"]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data.objectValue?.keys == ["media", "hasMore", "cursor"])
            let item = try #require(output.data["media"]?.arrayValue?.first)
            #expect(
                item.objectValue?.keys == ["accountSid", "contentType", "dateCreated", "dateUpdated", "parentSid", "sid", "uri"])
            #expect(item["sid"] == .string(Self.mediaSid))
            #expect(item["contentType"] == "image/png")
            #expect(item["dateCreated"] == "2025-05-14T22:42:25.000Z")
            #expect(output.data["hasMore"] == true)
            #expect(output.data["cursor"] == .string(second))
            #expect(server.requests.map(\.target) == ["\(Self.messagePath)/Media.json?PageSize=1"])

            let rest = await harness.run(["listMessageMedia"] + Harness.inputs(["messageSid": Self.messageSid, "cursor": second]))
            #expect(rest.data["media"]?.arrayValue?.isEmpty == true)
            #expect(rest.data["hasMore"] == false)
            #expect(server.requests.last?.target == "\(Self.messagePath)/Media.json?Page=1&PageToken=PAME&PageSize=50")
            let foreign = await harness.run(
                ["listMessageMedia"]
                    + Harness.inputs(["messageSid": Self.messageSid, "cursor": "\(Self.accountPath)/Messages.json?PageSize=2"]))
            #expect(foreign.error["input"] == "cursor")
            #expect(server.requests.count == 2)
        }
    }

    @Test func getMessageMediaReturnsItsBytesAsBase64UnderACap() async throws {
        let image = Data((0..<30_000).map { UInt8(truncatingIfNeeded: $0 &* 131 >> 2) })
        let mediaPath = "\(Self.messagePath)/Media/\(Self.mediaSid)"
        try await withTwilio({ request in
            switch request.target {
            case mediaPath + ".json": .json(200, Self.twilioMedia)
            case mediaPath: .respond(status: 200, headers: [("Content-Type", "image/png")], body: image)
            default: .json(404, Self.notFound)
            }
        }) { harness, server in
            let output = await harness.run(
                ["getMessageMedia"] + Harness.inputs(["messageSid": Self.messageSid, "mediaSid": Self.mediaSid]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data["sid"] == .string(Self.mediaSid))
            #expect(output.data["parentSid"] == .string(Self.messageSid))
            let media = try #require(output.data["media"])
            #expect(media.objectValue?.keys == ["contentType", "encoding", "data"])
            #expect(media["contentType"] == "image/png")
            #expect(media["encoding"] == "base64")
            #expect(Data(base64Encoded: media["data"]?.stringValue ?? "") == image)
            #expect(server.requests.map(\.target) == [mediaPath + ".json", mediaPath])
            #expect(server.requests.last?.header("Accept") == "image/png")
            #expect(server.requests.map { $0.header("Authorization") }.allSatisfy { $0 == server.requests[0].header("Authorization") })

            let capped = await harness.run(
                ["getMessageMedia"] + Harness.inputs(["messageSid": Self.messageSid, "mediaSid": Self.mediaSid, "maxBytes": "1000"]))
            #expect(capped.exitCode == 2)
            #expect(capped.error["input"] == "maxBytes")
            #expect(
                capped.error["message"]?.stringValue?.hasPrefix(
                    "Input 'maxBytes' (Max Bytes) is 1000, and media \(Self.mediaSid) (image/png) of message \(Self.messageSid) is larger.")
                    == true)
            let badSid = await harness.run(["getMessageMedia"] + Harness.inputs(["messageSid": Self.messageSid, "mediaSid": "MM12"]))
            #expect(badSid.error["input"] == "mediaSid")
            #expect(server.requests.count == 4)
        }
    }

    // MARK: incoming numbers

    /// One incoming number, kept as Twilio would: updates change it, every answer shows it.
    final class FakeNumber: Sendable {
        let fields = Mutex<[String: String]>([
            "sms_url": "", "sms_method": "POST", "voice_url": "", "voice_method": "POST", "status_callback": "",
            "status_callback_method": "POST", "sms_application_sid": "", "voice_application_sid": "", "trunk_sid": "",
        ])
        /// Whether the next update's answer is lost (after it took effect).
        let loseNextAnswer = Mutex(false)
        /// Values another change sets right after the next update (a race), once.
        let raceAfterNextUpdate = Mutex<[String: String]>([:])

        /// Twilio's form parameters, by the JSON key they set.
        static let parameters = [
            "SmsUrl": "sms_url", "SmsMethod": "sms_method", "VoiceUrl": "voice_url", "VoiceMethod": "voice_method",
            "StatusCallback": "status_callback", "StatusCallbackMethod": "status_callback_method",
            "SmsApplicationSid": "sms_application_sid", "VoiceApplicationSid": "voice_application_sid",
        ]

        var json: String {
            let values = fields.withLock { $0 }
            // Twilio shows an unset SID as null.
            let webhooks = values.sorted { $0.key < $1.key }.map { key, value in
                key.hasSuffix("_sid") && value.isEmpty ? #""\#(key)": null"# : #""\#(key)": "\#(value)""#
            }.joined(separator: ", ")
            return """
                {"sid": "\(MessageLifeActionTests.numberSid)", "account_sid": "\(MessageLifeActionTests.account)",
                 "phone_number": "+15005550006", "friendly_name": "(500) 555-0006", \(webhooks)}
                """
        }

        func handle(_ request: TestHTTPServer.Request) -> TestHTTPServer.Action {
            let numbers = "\(MessageLifeActionTests.accountPath)/IncomingPhoneNumbers"
            switch (request.method, request.target) {
            case ("GET", let target) where target.hasPrefix(numbers + ".json?"):
                // Twilio's PhoneNumber filter matches parts of numbers: a neighbour comes too.
                let neighbour =
                    #"{"sid": "PN\#(String(repeating: "f", count: 32))", "phone_number": "+150055500061", "friendly_name": "x"}"#
                let items = target.contains("PhoneNumber=%2B1500555") || !target.contains("PhoneNumber=") ? "\(neighbour), \(json)" : ""
                return .json(200, #"{"incoming_phone_numbers": [\#(items)], "next_page_uri": null}"#)
            case ("GET", numbers + "/\(MessageLifeActionTests.numberSid).json"):
                return .json(200, json)
            case ("POST", numbers + "/\(MessageLifeActionTests.numberSid).json"):
                let form = FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? []
                let race = raceAfterNextUpdate.withLock { race in
                    defer { race = [:] }
                    return race
                }
                fields.withLock { fields in
                    for (name, value) in form { fields[Self.parameters[name] ?? name] = value }
                    fields.merge(race) { $1 }
                }
                let lost = loseNextAnswer.withLock { lose in
                    defer { lose = false }
                    return lose
                }
                return lost ? .closeAfterReading : .json(200, json)
            default:
                return .json(404, MessageLifeActionTests.notFound)
            }
        }
    }

    static let listTarget = "\(accountPath)/IncomingPhoneNumbers.json?PhoneNumber=%2B15005550006&PageSize=50"
    static let numberTarget = "\(accountPath)/IncomingPhoneNumbers/\(numberSid).json"

    @Test func configureSetsOnlyTheFieldsGivenAndReportsTheirPreviousValues() async throws {
        let number = FakeNumber()
        try await withTwilio(number.handle) { harness, server in
            let output = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "(500) 555-0006", "smsUrl": "https://hooks.example.com/sms", "smsMethod": "GET",
                        "voiceUrl": "https://hooks.example.com/voice", "voiceMethod": "POST",
                    ]))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            // The number is read again after the update, to catch a change racing it.
            #expect(server.requests.map(\.method) == ["GET", "POST", "GET"])
            #expect(server.requests.map(\.target) == [Self.listTarget, Self.numberTarget, Self.numberTarget])
            // voiceMethod is POST already: not sent, not reported.
            #expect(
                Self.form(server.requests[1]) == [
                    "SmsUrl=https://hooks.example.com/sms", "SmsMethod=GET", "VoiceUrl=https://hooks.example.com/voice",
                ])
            #expect(
                output.data
                    == [
                        "phoneNumberSid": .string(Self.numberSid), "phoneNumber": "+15005550006",
                        "previous": ["smsUrl": "", "smsMethod": "POST", "voiceUrl": ""],
                        "current": [
                            "smsUrl": "https://hooks.example.com/sms", "smsMethod": "GET", "voiceUrl": "https://hooks.example.com/voice",
                        ],
                        "changed": true, "alreadySet": ["voiceMethod"],
                    ])
            #expect(output.data.objectValue?.keys == ["phoneNumberSid", "phoneNumber", "previous", "current", "changed", "alreadySet"])

            // By PN SID, the number is fetched, not searched; the same values change nothing, and
            // are not passed off as the originals.
            let again = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs(["phoneNumber": Self.numberSid, "smsUrl": "https://hooks.example.com/sms", "smsMethod": "GET"]))
            #expect(again.exitCode == 0, "\(again.stderr)")
            #expect(again.data["changed"] == false)
            #expect(again.data["previous"] == [:])
            #expect(again.data["current"] == [:])
            #expect(again.data["alreadySet"] == ["smsUrl", "smsMethod"])
            #expect(server.requests.map(\.target).suffix(1) == [Self.numberTarget])
            #expect(server.requests.count == 4)
        }
    }

    @Test func configureRefusesADifferentExistingURLUnlessToldToReplaceIt() async throws {
        let number = FakeNumber()
        number.fields.withLock {
            $0["sms_url"] = "https://other.example.com/sms"
            $0["status_callback"] = "https://other.example.com/status"
        }
        try await withTwilio(number.handle) { harness, server in
            let inputs = [
                "phoneNumber": "+15005550006", "smsUrl": "https://hooks.example.com/sms", "voiceUrl": "https://hooks.example.com/voice",
                "statusCallback": "https://other.example.com/status",
            ]
            let refused = await harness.run(["configureNumberWebhooks"] + Harness.inputs(inputs))
            #expect(refused.exitCode == 2)
            #expect(refused.error["code"] == "webhook_conflict")
            #expect(refused.error["input"] == "smsUrl")
            // Only the SMS URL conflicts: the voice URL is empty, the status callback the same.
            #expect(refused.error["details"]?["problems"]?.arrayValue?.count == 1)
            #expect(
                refused.error["message"]?.stringValue?.contains(
                    "Input 'smsUrl' (SMS URL) would replace the SMS URL +15005550006 already has, https://other.example.com/sms: it is left alone unless Replace Existing (replaceExisting) is true."
                ) == true, "\(refused.stdout)")
            #expect(server.requests.map(\.method) == ["GET"])
            #expect(number.fields.withLock { $0["sms_url"] } == "https://other.example.com/sms")

            let replaced = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(inputs.merging(["replaceExisting": "true"]) { $1 }))
            #expect(replaced.exitCode == 0, "\(replaced.stderr)")
            #expect(Self.form(server.requests[2]) == ["SmsUrl=https://hooks.example.com/sms", "VoiceUrl=https://hooks.example.com/voice"])
            #expect(replaced.data["previous"] == ["smsUrl": "https://other.example.com/sms", "voiceUrl": ""])
            #expect(replaced.data["changed"] == true)

            // Restored from that previous and current: the other flow's URL is back, the voice URL cleared.
            let previous = JSONWriter.string(from: try #require(replaced.data["previous"]))
            let current = JSONWriter.string(from: try #require(replaced.data["current"]))
            let restored = await harness.run(
                ["restoreNumberWebhooks"] + Harness.inputs(["phoneNumber": "5005550006", "previous": previous, "current": current]))
            #expect(restored.exitCode == 0, "\(restored.stdout) \(restored.stderr)")
            #expect(Self.form(server.requests[5]) == ["SmsUrl=https://other.example.com/sms", "VoiceUrl="])
            #expect(restored.data["restored"] == ["smsUrl", "voiceUrl"])
            #expect(restored.data["skipped"] == [])
            #expect(restored.data["current"] == ["smsUrl": "https://other.example.com/sms", "voiceUrl": ""])
            #expect(
                restored.data["previous"] == ["smsUrl": "https://hooks.example.com/sms", "voiceUrl": "https://hooks.example.com/voice"])
            #expect(
                number.fields.withLock { [$0["sms_url"], $0["voice_url"], $0["status_callback"]] } == [
                    "https://other.example.com/sms", "", "https://other.example.com/status",
                ])
            // Restoring again changes nothing and sends no update.
            let again = await harness.run(
                ["restoreNumberWebhooks"] + Harness.inputs(["phoneNumber": "+15005550006", "previous": previous, "current": current]))
            #expect(again.data["changed"] == false)
            #expect(again.data["restored"] == [])
            #expect(again.data["skipped"] == ["smsUrl", "voiceUrl"])
            #expect(server.requests.map(\.method) == ["GET", "GET", "POST", "GET", "GET", "POST", "GET", "GET"])
        }
    }

    /// The first update takes effect but its answer is lost: the retry (the update sets values,
    /// so it is safe to repeat) keeps the previous values read before it. An engine that runs the
    /// whole action again finds nothing to change and does not pass its own URL off as the
    /// original: previous is empty, alreadySet names the field, so a restore leaves it alone. The
    /// manifest hints the action not idempotent, so engines end such a run for review instead.
    @Test func aLostAnswerKeepsTheOriginalPreviousAndARerunChangesNothing() async throws {
        let manifest = try ManifestLoader.load(text: TwilioComponent.manifestText, file: TwilioComponent.manifestFileName).manifest
        let hints = try #require(manifest.action("configureNumberWebhooks")?.hints)
        #expect(hints.idempotent == false && hints.destructive == true && hints.readOnly == false)

        let number = FakeNumber()
        number.fields.withLock { $0["voice_url"] = "https://demo.twilio.com/welcome/voice/" }
        number.loseNextAnswer.withLock { $0 = true }
        try await withTwilio(number.handle) { harness, server in
            let inputs = ["phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/voice", "replaceExisting": "true"]
            let output = await harness.run(["configureNumberWebhooks"] + Harness.inputs(inputs))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            #expect(server.requests.map(\.method) == ["GET", "POST", "POST", "GET"])
            #expect(output.data["previous"] == ["voiceUrl": "https://demo.twilio.com/welcome/voice/"])
            #expect(output.data["current"] == ["voiceUrl": "https://hooks.example.com/voice"])
            #expect(output.data["changed"] == true)
            #expect(output.data["alreadySet"] == [])

            // The engine never saw that answer and runs it again: the number shows the new URL.
            let rerun = await harness.run(["configureNumberWebhooks"] + Harness.inputs(inputs))
            #expect(rerun.data["changed"] == false)
            #expect(rerun.data["previous"] == [:])
            #expect(rerun.data["alreadySet"] == ["voiceUrl"])
            #expect(server.requests.map(\.method) == ["GET", "POST", "POST", "GET", "GET"])
            // Without replaceExisting, the rerun's own URL is no conflict either.
            let plain = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs(["phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/voice"]))
            #expect(plain.exitCode == 0)
            #expect(plain.data["changed"] == false)
            // The rerun's output restores nothing: the number keeps the URL until the first
            // run's previous is put back.
            let restored = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15005550006", "previous": JSONWriter.string(from: rerun.data["previous"] ?? .null),
                        "current": JSONWriter.string(from: rerun.data["current"] ?? .null),
                    ]))
            #expect(restored.exitCode == 0, "\(restored.stdout)")
            #expect(restored.data["changed"] == false)
            #expect(number.fields.withLock { $0["voice_url"] } == "https://hooks.example.com/voice")
            #expect(server.requests.map(\.method).filter { $0 == "POST" }.count == 2)
        }
    }

    /// Flow A set the SMS URL; flow B (or a person) replaced it since. A's teardown must not put
    /// back the old value over B's: it is refused, naming the field, its present value and
    /// replaceExisting, before any update; fields still as A left them are put back only with it.
    @Test func restorePutsBackOnlyWhatTheNumberStillHoldsAsConfigured() async throws {
        let number = FakeNumber()
        try await withTwilio(number.handle) { harness, server in
            let first = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15005550006", "smsUrl": "https://a.example.com/sms", "voiceUrl": "https://a.example.com/voice",
                    ]))
            #expect(first.exitCode == 0, "\(first.stdout)")
            number.fields.withLock { $0["sms_url"] = "https://b.example.com/sms" }
            let teardown = [
                "phoneNumber": "+15005550006", "previous": JSONWriter.string(from: first.data["previous"] ?? .null),
                "current": JSONWriter.string(from: first.data["current"] ?? .null),
            ]
            let sent = server.requests.count
            let refused = await harness.run(["restoreNumberWebhooks"] + Harness.inputs(teardown))
            #expect(refused.exitCode == 2)
            #expect(refused.error["code"] == "webhook_conflict")
            #expect(refused.error["input"] == "previous")
            #expect(
                refused.error["message"]?.stringValue?.contains(
                    "Input 'previous' (Previous) would put back smsUrl empty on +15005550006, but it is now 'https://b.example.com/sms', not 'https://a.example.com/sms' as configureNumberWebhooks set it (current)"
                ) == true, "\(refused.stdout)")
            #expect(refused.error["message"]?.stringValue?.contains("Replace Existing (replaceExisting)") == true)
            #expect(refused.error["details"]?["problems"]?.arrayValue?.count == 1)
            #expect(server.requests.dropFirst(sent).map(\.method) == ["GET"])
            #expect(
                number.fields.withLock { [$0["sms_url"], $0["voice_url"]] } == ["https://b.example.com/sms", "https://a.example.com/voice"])

            // Told to, it puts both back; a field already back is skipped.
            number.fields.withLock { $0["voice_url"] = "" }
            let forced = await harness.run(["restoreNumberWebhooks"] + Harness.inputs(teardown.merging(["replaceExisting": "true"]) { $1 }))
            #expect(forced.exitCode == 0, "\(forced.stdout)")
            #expect(forced.data["restored"] == ["smsUrl"])
            #expect(forced.data["skipped"] == ["voiceUrl"])
            #expect(forced.data["previous"] == ["smsUrl": "https://b.example.com/sms"])
            #expect(number.fields.withLock { [$0["sms_url"], $0["voice_url"]] } == ["", ""])

            // current must cover previous.
            let partial = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs(teardown.merging(["current": #"{"smsUrl": "https://a.example.com/sms"}"#]) { $1 }))
            #expect(partial.error["input"] == "current")
            #expect(
                partial.error["message"]?.stringValue?.contains("Input 'current' (Current) has no voiceUrl, which previous has") == true)
        }
    }

    static let applicationSid = "AP" + String(repeating: "e", count: 32)
    static let trunkSid = "TK" + String(repeating: "d", count: 32)

    /// An application SID takes precedence over the number's URLs at Twilio: setting a URL under
    /// it is refused, and replacing clears it, reports it in previous, and restore puts it back. A
    /// trunk cannot be cleared so: voice settings are refused even with replaceExisting.
    @Test func applicationsAndTrunksThatOverrideTheURLsAreConflicts() async throws {
        let number = FakeNumber()
        number.fields.withLock { $0["sms_application_sid"] = Self.applicationSid }
        try await withTwilio(number.handle) { harness, server in
            let inputs = ["phoneNumber": "+15005550006", "smsUrl": "https://hooks.example.com/sms"]
            let refused = await harness.run(["configureNumberWebhooks"] + Harness.inputs(inputs))
            #expect(refused.exitCode == 2)
            #expect(refused.error["code"] == "webhook_conflict")
            #expect(refused.error["input"] == "smsUrl")
            #expect(
                refused.error["message"]?.stringValue?.contains(
                    "Input 'smsUrl' (SMS URL) would not take effect: +15005550006 has the application \(Self.applicationSid) (smsApplicationSid)"
                ) == true, "\(refused.stdout)")
            #expect(server.requests.map(\.method) == ["GET"])

            let replaced = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(inputs.merging(["replaceExisting": "true"]) { $1 }))
            #expect(replaced.exitCode == 0, "\(replaced.stdout)")
            #expect(Self.form(server.requests[2]) == ["SmsUrl=https://hooks.example.com/sms", "SmsApplicationSid="])
            #expect(replaced.data["previous"] == ["smsUrl": "", "smsApplicationSid": .string(Self.applicationSid)])
            #expect(replaced.data["current"] == ["smsUrl": "https://hooks.example.com/sms", "smsApplicationSid": ""])
            #expect(number.fields.withLock { $0["sms_application_sid"] } == "")

            let restored = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": Self.numberSid, "previous": JSONWriter.string(from: replaced.data["previous"] ?? .null),
                        "current": JSONWriter.string(from: replaced.data["current"] ?? .null),
                    ]))
            #expect(restored.exitCode == 0, "\(restored.stdout)")
            #expect(Self.form(server.requests[5]) == ["SmsUrl=", "SmsApplicationSid=\(Self.applicationSid)"])
            #expect(number.fields.withLock { $0["sms_application_sid"] } == Self.applicationSid)

            number.fields.withLock { $0["trunk_sid"] = Self.trunkSid }
            let sent = server.requests.count
            let trunked = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15005550006", "voiceUrl": "https://hooks.example.com/voice", "replaceExisting": "true",
                    ]))
            #expect(trunked.exitCode == 2)
            #expect(trunked.error["input"] == "voiceUrl")
            #expect(
                trunked.error["message"]?.stringValue?.contains(
                    "+15005550006 is on the Elastic SIP trunk \(Self.trunkSid), and Twilio sends its calls to the trunk") == true,
                "\(trunked.stdout)")
            #expect(trunked.error["message"]?.stringValue?.contains("remove it from the trunk first") == true)
            #expect(server.requests.dropFirst(sent).map(\.method) == ["GET"])
        }
    }

    /// Two runs read the same empty URL and both update: the one whose value was overwritten
    /// finds it so when it reads the number again, and fails saying so.
    @Test func aChangeRacingTheUpdateFailsTheRun() async throws {
        let number = FakeNumber()
        number.raceAfterNextUpdate.withLock { $0 = ["sms_url": "https://b.example.com/sms"] }
        try await withTwilio(number.handle) { harness, server in
            let output = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(["phoneNumber": "+15005550006", "smsUrl": "https://a.example.com/sms"]))
            #expect(output.exitCode == 4, "\(output.stdout)")
            #expect(output.error["code"] == "webhook_race")
            #expect(output.error["retryable"] == false)
            #expect(
                output.error["message"]?.stringValue?.contains(
                    "updated +15005550006, but another change raced this one: read again, smsUrl is 'https://b.example.com/sms', not 'https://a.example.com/sms'. Twilio has no conditional update"
                ) == true, "\(output.stdout)")
            #expect(output.error["details"]?["present"] == ["smsUrl": "https://b.example.com/sms"])
            #expect(server.requests.map(\.method) == ["GET", "POST", "GET"])
        }
    }

    @Test func refusalsComeBeforeAnyRequest() async throws {
        let number = FakeNumber()
        try await withTwilio(number.handle) { harness, server in
            let nothing = await harness.run(["configureNumberWebhooks", "--input", "phoneNumber=+15005550006"])
            #expect(nothing.exitCode == 2)
            #expect(nothing.error["input"] == "smsUrl")
            #expect(
                nothing.error["message"]?.stringValue?.contains(
                    "Input 'smsUrl' (SMS URL) is required unless Voice URL or Status Callback URL is given") == true)
            let bad = await harness.run(
                ["configureNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "whatsapp:+15005550006", "smsUrl": "ftp://example.com/x", "voiceMethod": "GET",
                        "statusCallback": "https://hooks.example.com/status",
                    ]))
            let problems = bad.error["details"]?["problems"]?.arrayValue?.compactMap { $0["input"]?.stringValue }
            #expect(problems == ["phoneNumber", "smsUrl", "voiceMethod"])
            let messages = bad.error["details"]?["problems"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
            #expect(messages.first?.hasPrefix("Input 'phoneNumber' (Phone Number) 'whatsapp:+15005550006' is a whatsapp: address") == true)
            #expect(
                messages.dropFirst().first
                    == "Input 'smsUrl' (SMS URL) 'ftp://example.com/x' is not an absolute http or https URL Twilio can reach.")
            #expect(
                messages.last
                    == "Input 'voiceMethod' (Voice Method) applies only to Voice URL, which Twilio calls with it; give Voice URL, or leave it out."
            )

            let unknownKeys = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15005550006", "previous": #"{"smsUrl": "", "voice_url": "", "foo": 1}"#,
                        "current": #"{"smsUrl": ""}"#,
                    ]))
            #expect(unknownKeys.exitCode == 2)
            #expect(unknownKeys.error["input"] == "previous")
            #expect(
                unknownKeys.error["message"]?.stringValue?.contains(
                    "Input 'previous' (Previous) has keys configureNumberWebhooks never returns: voice_url, foo;") == true,
                "\(unknownKeys.stdout)")
            let notAnObject = await harness.run(
                ["restoreNumberWebhooks"] + Harness.inputs(["phoneNumber": "+15005550006", "previous": "[1, 2]", "current": "{}"]))
            #expect(notAnObject.error["input"] == "previous")
            let badMethod = await harness.run(
                ["restoreNumberWebhooks"]
                    + Harness.inputs([
                        "phoneNumber": "+15005550006", "previous": #"{"smsMethod": "PUT"}"#, "current": #"{"smsMethod": "GET"}"#,
                    ]))
            #expect(badMethod.error["message"]?.stringValue?.contains("has smsMethod 'PUT', which is not GET or POST.") == true)
            #expect(server.requests.isEmpty)

            // A number the account does not have: found by searching, named in the error.
            let stranger = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(["phoneNumber": "+14155550100", "smsUrl": "https://hooks.example.com/sms"]))
            #expect(stranger.exitCode == 2)
            #expect(stranger.error["input"] == "phoneNumber")
            #expect(
                stranger.error["message"]?.stringValue?.hasPrefix(
                    "Input 'phoneNumber' (Phone Number) +14155550100 is not one of this account's incoming numbers") == true)
            #expect(server.requests.map(\.method) == ["GET"])

            // A PN SID the account does not have (Twilio's 20404): the same input error.
            let unknownSid = "PN" + String(repeating: "9", count: 32)
            let strangerSid = await harness.run(
                ["configureNumberWebhooks"] + Harness.inputs(["phoneNumber": unknownSid, "smsUrl": "https://hooks.example.com/sms"]))
            #expect(strangerSid.exitCode == 2, "\(strangerSid.stdout)")
            #expect(strangerSid.error["input"] == "phoneNumber")
            #expect(
                strangerSid.error["message"]?.stringValue?.hasPrefix(
                    "Input 'phoneNumber' (Phone Number) \(unknownSid) is not one of this account's incoming numbers") == true)
            #expect(server.requests.last?.target == "\(Self.accountPath)/IncomingPhoneNumbers/\(unknownSid).json")
        }
    }

    // MARK: selectPhoneNumber

    @Test func picklistOfTheAccountsNumbers() async throws {
        let number = FakeNumber()
        try await withTwilio(number.handle) { harness, server in
            let output = await harness.run(["selectPhoneNumber", "--input", "limit=5"])
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(
                output.envelope["result"]
                    == [
                        ["key": "+150055500061", "label": "+150055500061 (x)"],
                        ["key": "+15005550006", "label": "+15005550006 ((500) 555-0006)"],
                    ])
            #expect(server.requests.map(\.target) == ["\(Self.accountPath)/IncomingPhoneNumbers.json?PageSize=5"])
            let one = await harness.run(["selectPhoneNumber", "--input", "limit=1"])
            #expect(one.envelope["result"]?.arrayValue?.count == 1)
            let tooMany = await harness.run(["selectPhoneNumber", "--input", "limit=5000"])
            #expect(tooMany.error["input"] == "limit")
        }
    }
}
